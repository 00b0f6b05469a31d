"""Churn scores: the one computation that turns a model and customers into churn probabilities.

Every lab scores with :func:`churn_scores`, under the name its lab teaches: ``development.churn_scores`` (lab 05),
``validation.churn_scores`` (lab 06), ``trust.scores`` (lab 07), ``deployment.churn_probability`` (lab 08, also
inside the served model) and ``monitoring.score`` (labs 09–11) are this function.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from threadpoolctl import threadpool_limits

from .data import FEATURES
from .schema import require_columns


def one_thread() -> threadpool_limits:
    """A context in which OpenMP/BLAS use one thread: fitting or scoring the course's small data on a small, shared
    machine (Binder, a 2-core CI runner) is far faster single-threaded than with threads competing for the cores."""
    return threadpool_limits(limits=1)


def churn_scores(model: Any, X: pd.DataFrame) -> np.ndarray:
    """The churn probability of each customer (row) of ``X``, from a fitted scikit-learn pipeline (``predict_proba``)
    or an MLflow pyfunc model (``predict``), on the FEATURES columns, single-threaded (:func:`one_thread`).

    Raises :class:`mlopslab.schema.MissingColumns` naming the features ``X`` lacks."""
    require_columns(X, FEATURES, "the customers to score")
    features = X[FEATURES]
    with one_thread():
        out = model.predict_proba(features) if hasattr(model, "predict_proba") else model.predict(features)
    out = np.asarray(out, dtype=float)
    return out[:, 1] if out.ndim == 2 else out
