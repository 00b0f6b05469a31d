"""Data preparation for the model (lab 04): features, the preprocessing pipeline, splits, hashes.

The same :func:`make_pipeline` object is used in training and in serving, so a feature is computed one way
only. Inputs are the columns of :data:`mlopslab.data.FEATURES`; ``Churn`` becomes ``y`` (1 = churned).
"""

from __future__ import annotations

import hashlib

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.compose import ColumnTransformer
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

from .data import ADDONS, CATEGORIES, FEATURES, TARGET

TENURE_BANDS = [-1, 12, 24, 48, 72]
TENURE_LABELS = ["0-12", "13-24", "25-48", "49-72"]
ENGINEERED = ["tenure_band", "services", "charges_per_service", "is_month_to_month", "auto_pay"]
NUMERIC = ["SeniorCitizen", "tenure", "MonthlyCharges", "TotalCharges", "services", "charges_per_service",
           "is_month_to_month", "auto_pay"]
CATEGORICAL = [c for c in CATEGORIES] + ["tenure_band"]


def split_xy(df: pd.DataFrame) -> tuple[pd.DataFrame, pd.Series]:
    """Model inputs (the FEATURES columns) and the target (1 = churned)."""
    missing = [c for c in FEATURES if c not in df.columns]
    if missing:
        raise KeyError(f"input is missing the feature column(s) {missing}")
    y = (df[TARGET] == "Yes").astype(int) if TARGET in df.columns else None
    return df[FEATURES].copy(), y


def time_split(df: pd.DataFrame, test_months: int = 3) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Train on the earlier months, test on the last ``test_months`` (by the ``month`` column)."""
    months = sorted(df["month"].unique())
    if not 0 < test_months < len(months):
        raise ValueError(f"test_months must be between 1 and {len(months) - 1}, got {test_months}")
    cutoff = months[-test_months]
    return df[df["month"] < cutoff].reset_index(drop=True), df[df["month"] >= cutoff].reset_index(drop=True)


def add_features(X: pd.DataFrame) -> pd.DataFrame:
    """The engineered features: tenure band, number of services, charges per service, contract/payment flags."""
    out = X.copy()
    out["tenure_band"] = pd.cut(out["tenure"], TENURE_BANDS, labels=TENURE_LABELS).astype(str)
    services = (out["PhoneService"] == "Yes").astype(int) + (out["InternetService"] != "No").astype(int)
    services = services + sum((out[a] == "Yes").astype(int) for a in ADDONS)
    out["services"] = services
    out["charges_per_service"] = out["MonthlyCharges"] / np.maximum(services, 1)
    out["is_month_to_month"] = (out["Contract"] == "Month-to-month").astype(int)
    out["auto_pay"] = out["PaymentMethod"].str.contains("automatic", regex=False).astype(int)
    return out


class FeatureEngineer(TransformerMixin, BaseEstimator):
    """A stateless scikit-learn transformer wrapping :func:`add_features`."""

    def fit(self, X: pd.DataFrame, y=None) -> "FeatureEngineer":
        self.feature_names_in_ = np.asarray(X.columns, dtype=object)
        return self

    def transform(self, X: pd.DataFrame) -> pd.DataFrame:
        return add_features(pd.DataFrame(X, columns=self.feature_names_in_))

    def get_feature_names_out(self, input_features=None) -> np.ndarray:
        return np.asarray([*self.feature_names_in_, *ENGINEERED], dtype=object)


def build_preprocessor() -> Pipeline:
    """Feature engineering, then scaling of numbers and one-hot encoding of categories."""
    encode = ColumnTransformer(
        [
            ("numeric", StandardScaler(), NUMERIC),
            ("categorical", OneHotEncoder(handle_unknown="ignore", sparse_output=False), CATEGORICAL),
        ],
        verbose_feature_names_out=False,
    )
    return Pipeline([("features", FeatureEngineer()), ("encode", encode)])


def make_pipeline(model: BaseEstimator) -> Pipeline:
    """The full model: the preprocessor followed by ``model``; fit it on raw FEATURES columns."""
    return Pipeline([("prep", build_preprocessor()), ("model", model)])


def frame_hash(df: pd.DataFrame) -> str:
    """A SHA-256 content hash of a DataFrame (columns, dtypes and values, in order)."""
    digest = hashlib.sha256()
    digest.update("|".join(f"{c}:{t}" for c, t in df.dtypes.astype(str).items()).encode())
    digest.update(pd.util.hash_pandas_object(df, index=True).to_numpy().tobytes())
    return digest.hexdigest()
