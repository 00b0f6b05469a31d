"""Data preparation for the model (lab 04): cleaning steps, features, the preprocessing pipeline, the prepared data.

The same :func:`make_pipeline` object is used in training and in serving, so a feature is computed one way
only. Inputs are the columns of :data:`mlopslab.data.FEATURES`; ``Churn`` becomes ``y`` (1 = churned).
:func:`prepare` is the team's whole preparation; its version is :func:`mlopslab.lineage.data_version` of the
prepared data, recorded in MLflow under :data:`mlopslab.lineage.TAG` (:func:`log_preparation`), so that lab 05
and every later run can name exactly the data it was trained on.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.compose import ColumnTransformer
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

from . import lineage
from .config import SEED
from .data import ADDONS, CATEGORIES, FEATURES, LEAKY, TARGET
from .schema import NUMBER_FEATURES, TENURE_BANDS, TENURE_LABELS

ENGINEERED = ["tenure_band", "services", "charges_per_service", "is_month_to_month", "auto_pay"]
NUMERIC = [*NUMBER_FEATURES, "services", "charges_per_service", "is_month_to_month", "auto_pay"]
"""Numeric model inputs: the number columns of the schema, then the numeric engineered features."""
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

    def fit(self, X: pd.DataFrame, y=None) -> FeatureEngineer:
        self.feature_names_in_ = np.asarray(X.columns, dtype=object)
        return self

    def transform(self, X: pd.DataFrame) -> pd.DataFrame:
        return add_features(pd.DataFrame(X, columns=self.feature_names_in_))

    def get_feature_names_out(self, input_features=None) -> np.ndarray:
        return np.asarray([*self.feature_names_in_, *ENGINEERED], dtype=object)


def build_preprocessor(numeric: list[str] = NUMERIC, categorical: list[str] = CATEGORICAL) -> Pipeline:
    """Feature engineering, then scaling of the ``numeric`` columns and one-hot encoding of the ``categorical`` ones."""
    encode = ColumnTransformer(
        [
            ("numeric", StandardScaler(), list(numeric)),
            ("categorical", OneHotEncoder(handle_unknown="ignore", sparse_output=False), list(categorical)),
        ],
        verbose_feature_names_out=False,
    )
    return Pipeline([("features", FeatureEngineer()), ("encode", encode)])


def make_pipeline(model: BaseEstimator) -> Pipeline:
    """The full model: the preprocessor followed by ``model``; fit it on raw FEATURES columns."""
    return Pipeline([("prep", build_preprocessor()), ("model", model)])


def frame_hash(df: pd.DataFrame) -> str:
    """A SHA-256 content hash of a DataFrame (columns, dtypes and values, in order).

    Not a data version: name data with :func:`mlopslab.lineage.data_version`, the course's one definition.
    """
    digest = hashlib.sha256()
    digest.update("|".join(f"{c}:{t}" for c, t in df.dtypes.astype(str).items()).encode())
    digest.update(pd.util.hash_pandas_object(df, index=True).to_numpy().tobytes())
    return digest.hexdigest()


# --- cleaning: declared, logged, reversible -----------------------------------------------------------------

NUMBER_COLUMNS = list(NUMBER_FEATURES)
"""The columns :func:`parse_numbers` reads as numbers (the schema's number inputs)."""


@dataclass(frozen=True)
class CleaningStep:
    """One declared cleaning decision: a name, the reason for it, and a function frame -> cleaned frame."""

    name: str
    reason: str
    fn: Callable[[pd.DataFrame], pd.DataFrame]


def trim_text(df: pd.DataFrame) -> pd.DataFrame:
    """Strip leading and trailing blanks from every text value; an empty text becomes a missing value."""
    out = df.copy()
    for column in out.columns:
        if pd.api.types.is_string_dtype(out[column]):
            text = out[column].str.strip()
            out[column] = text.where(text != "")
    return out


def parse_numbers(df: pd.DataFrame) -> pd.DataFrame:
    """Read the number columns as numbers: drop currency signs, accept a decimal comma; unreadable -> missing."""
    out = df.copy()
    for column in [c for c in NUMBER_COLUMNS if c in out.columns]:
        text = out[column].astype(str).str.replace("$", "", regex=False).str.replace(",", ".", regex=False)
        out[column] = pd.to_numeric(text.where(out[column].notna()), errors="coerce")
    return out


def drop_duplicate_ids(df: pd.DataFrame) -> pd.DataFrame:
    """Keep the first row of each customer id."""
    return df[~df["customerID"].duplicated(keep="first")]


def drop_incomplete_rows(df: pd.DataFrame) -> pd.DataFrame:
    """Drop rows that miss a value in any model input column."""
    return df.dropna(subset=[c for c in FEATURES if c in df.columns])


CLEANING_STEPS = [
    CleaningStep("trim_text", "stray blanks make ' Yes' a new category", trim_text),
    CleaningStep("parse_numbers", "'$70.35' and '79,90' are numbers written differently", parse_numbers),
    CleaningStep("drop_duplicate_ids", "a customer counted twice weighs twice in training", drop_duplicate_ids),
    CleaningStep("drop_incomplete_rows", "the model needs every input; we do not invent values", drop_incomplete_rows),
]
"""The team's declared cleaning decisions, in the order they run.

What to do with a ``TotalCharges`` that breaks the data contract's consistency rule is decided in lab 04, where
the team adds that step itself; the 2025 training data passed the contract, so it changes nothing there."""


def _comparable(column: pd.Series) -> np.ndarray:
    """A column as text keys for comparison: missing -> "<missing>", anything that reads as a number -> that
    number ("70.35" and 70.35 are the same value), else the text."""
    values = column.astype(object)
    number = pd.to_numeric(values, errors="coerce")
    keys = values.astype(str).to_numpy(dtype=object)
    is_number = number.notna().to_numpy()
    keys[is_number] = number[is_number].astype(float).astype(str).to_numpy()
    keys[values.isna().to_numpy()] = "<missing>"
    return keys


def _changed_cells(before: pd.DataFrame, after: pd.DataFrame) -> int:
    """Cells of rows kept by a step whose value changed."""
    kept = before.loc[after.index]
    columns = [c for c in after.columns.intersection(before.columns) if not kept[c].equals(after[c])]
    return int(sum((_comparable(kept[c]) != _comparable(after[c])).sum() for c in columns))


def apply_cleaning(raw: pd.DataFrame, steps: list[CleaningStep] | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Run the cleaning ``steps`` (default :data:`CLEANING_STEPS`) on a copy of ``raw``.

    Returns the cleaned frame and a log with one row per step: rows in and out, rows dropped, cells changed.
    ``raw`` itself is never modified, so any decision can be undone by running again without that step.
    """
    steps = CLEANING_STEPS if steps is None else steps
    if raw.index.has_duplicates:
        raise ValueError("apply_cleaning needs a frame with a unique index (call reset_index first)")
    frame, log = raw.copy(deep=True), []
    for step in steps:
        if not isinstance(step, CleaningStep):
            raise TypeError(f"cleaning steps must be CleaningStep objects, got {type(step).__name__} ({step!r})")
        after = step.fn(frame.copy(deep=True))
        if not isinstance(after, pd.DataFrame):
            raise TypeError(f"cleaning step {step.name!r} returned {type(after).__name__}, not a DataFrame")
        if not after.index.isin(frame.index).all():
            raise ValueError(f"cleaning step {step.name!r} invented rows: a step may drop or change rows, not add them")
        log.append({"step": step.name, "rows_in": len(frame), "rows_out": len(after),
                    "rows_dropped": len(frame) - len(after), "cells_changed": _changed_cells(frame, after),
                    "reason": step.reason})
        frame = after
    return frame, pd.DataFrame(log)


# --- the prepared data: one function, one version ------------------------------------------------------------


@dataclass(frozen=True)
class Prepared:
    """The output of :func:`prepare`: training and test frames, the cleaning log, and the data's version."""

    train: pd.DataFrame
    test: pd.DataFrame
    version: str
    """:func:`mlopslab.lineage.data_version` of :attr:`data` (64 hex digits)."""
    source_version: str = ""
    """The version of the raw data it was prepared from."""
    seed: int | None = SEED
    test_months: int = 3
    log: pd.DataFrame | None = None
    """The cleaning log (one row per step)."""

    @property
    def data(self) -> pd.DataFrame:
        """Training and test rows in one frame, with a ``split`` column: the prepared data set the version names."""
        return pd.concat([self.train.assign(split="train"), self.test.assign(split="test")], ignore_index=True)


def prepare(raw: pd.DataFrame, seed: int | None = SEED, test_months: int = 3,
            steps: list[CleaningStep] | None = None) -> Prepared:
    """The team's preparation step: clean, drop the leaky column, split by time, shuffle the training rows.

    Training rows are shuffled with ``seed`` (learners that read rows in order, e.g. in mini-batches, then see
    the months mixed); ``seed=None`` shuffles differently every call, which breaks reproducibility on purpose.
    The version is the lineage data version of the prepared data: same raw data, code and seed, same version.
    """
    cleaned, log = apply_cleaning(raw, steps)
    cleaned = cleaned.drop(columns=[LEAKY], errors="ignore").reset_index(drop=True)
    train, test = time_split(cleaned, test_months)
    train = train.sample(frac=1.0, random_state=np.random.default_rng(seed)).reset_index(drop=True)
    prepared = Prepared(train, test, "", lineage.data_version(raw), seed, test_months, log)
    return replace(prepared, version=lineage.data_version(prepared.data))


PREPARATION_RUN = "prepare-customers"
"""The run name of a preparation's record in MLflow."""
STAND_IN = "preparation.ensure_preparation_run"
"""The tag ``logged_by`` of a record that :func:`ensure_preparation_run` logged itself, because the store held no
record from lab 04: a lab that reads the record can say so instead of calling it lab 04's."""


def log_preparation(prepared: Prepared, tags: dict[str, str] | None = None) -> str:
    """Record a preparation as an MLflow run and return its id.

    The tag :data:`mlopslab.lineage.TAG` names the data the run produced (every model trained on it carries the
    same tag); the tag (and parameter) ``source_data_version`` names the raw data it read (lab 03's version of the
    file), so a search on it finds every preparation of that file.
    Call :func:`mlopslab.config.setup_tracking` first.
    """
    if not isinstance(prepared, Prepared):
        raise TypeError(f"log_preparation records a Prepared (from preparation.prepare), not a {type(prepared).__name__}")
    import mlflow

    with mlflow.start_run(run_name=PREPARATION_RUN) as run:
        mlflow.set_tags({lineage.TAG: prepared.version, "source_data_version": prepared.source_version, "lab": "04",
                         **(tags or {})})
        mlflow.log_params({"source_data_version": prepared.source_version, "seed": prepared.seed,
                           "test_months": prepared.test_months,
                           "steps": ", ".join(prepared.log["step"]) if prepared.log is not None else ""})
        mlflow.log_metrics({"train_rows": len(prepared.train), "test_rows": len(prepared.test)})
        if prepared.log is not None:
            mlflow.log_table(prepared.log, "cleaning_log.json")
    return run.info.run_id


def ensure_preparation_run(prepared: Prepared):
    """Lab 04's latest record of a preparation in the current experiment (logged now from ``prepared`` if the
    store has none, so that any lab can run on an empty store, with the tag ``logged_by`` = :data:`STAND_IN`).
    Returns the MLflow run."""
    import mlflow

    found = mlflow.search_runs(filter_string=f"tags.mlflow.runName = '{PREPARATION_RUN}' AND tags.lab = '04'",
                               order_by=["attributes.start_time DESC"], max_results=1, output_format="list")
    if found:
        return found[0]
    return mlflow.get_run(log_preparation(prepared, tags={"logged_by": STAND_IN}))
