"""Model development (lab 05): candidate models, the business metric, tracked training runs.

The Business Analyst's metric is the expected profit of a retention campaign: every contacted customer costs
``offer_cost``; a contacted customer who would have churned is kept with probability ``save_rate`` and is then
worth ``customer_value``. Customers who are not contacted cost and earn nothing (the baseline). The economics
default to the governed policy, :data:`mlopslab.policy.ECONOMICS`.

A campaign's threshold is chosen on validation data, never on the data its profit is reported on: pass the
chosen ``threshold`` to :func:`evaluate` and :func:`log_run` (without it they report the best threshold of the
evaluation data itself, an optimistic figure).

``churn_scores`` and ``one_thread`` are :mod:`mlopslab.scoring`'s, the one scorer of the course.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from sklearn.dummy import DummyClassifier
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score, roc_curve

from . import lineage
from .config import SEED
from .policy import ECONOMICS, THRESHOLD, Economics
from .preparation import make_pipeline, split_xy
from .scoring import churn_scores, one_thread

if TYPE_CHECKING:
    from mlflow.data.pandas_dataset import PandasDataset


def expected_profit(y_true, scores, threshold: float = 0.5, economics: Economics = ECONOMICS) -> float:
    """Campaign profit when every customer with ``score >= threshold`` is contacted."""
    y = np.asarray(y_true, dtype=int)
    contacted = np.asarray(scores, dtype=float) >= threshold
    matrix = economics.cost_matrix().to_numpy()
    return float(matrix[y[contacted], 1].sum())


def profit_curve(y_true, scores, economics: Economics = ECONOMICS, thresholds=None) -> pd.DataFrame:
    """Expected profit and share contacted for each threshold (default 0.00, 0.01, ..., 1.00)."""
    grid = np.round(np.linspace(0, 1, 101), 2) if thresholds is None else np.asarray(thresholds, dtype=float)
    scores = np.asarray(scores, dtype=float)
    rows = [(t, expected_profit(y_true, scores, t, economics), float((scores >= t).mean())) for t in grid]
    return pd.DataFrame(rows, columns=["threshold", "profit", "contacted_share"])


def best_threshold(y_true, scores, economics: Economics = ECONOMICS) -> tuple[float, float]:
    """The threshold with the highest expected profit (lowest such threshold on ties), and that profit."""
    curve = profit_curve(y_true, scores, economics)
    best = curve.loc[curve["profit"].idxmax()]
    return float(best["threshold"]), float(best["profit"])


def candidate_models(seed: int = SEED) -> dict:
    """The baseline and the candidates, unfitted: name -> estimator (wrap with make_pipeline)."""
    return {
        "baseline": DummyClassifier(strategy="most_frequent"),
        "logistic_regression": LogisticRegression(max_iter=1000, C=0.5),
        "gradient_boosting": HistGradientBoostingClassifier(max_iter=150, learning_rate=0.08, max_leaf_nodes=15,
                                                            random_state=seed),
    }


def fit_candidate(model, train: pd.DataFrame):
    """Fit ``make_pipeline(model)`` on a training frame of customers."""
    X, y = split_xy(train)
    with one_thread():
        return make_pipeline(model).fit(X, y)


def evaluate(pipeline, test: pd.DataFrame, economics: Economics = ECONOMICS,
             threshold: float | None = None) -> dict[str, float]:
    """AUC and campaign profit on a frame of labelled customers.

    With ``threshold`` (chosen on validation data): the profit at that threshold, as ``threshold`` and ``profit``.
    Without it: the best threshold of this very frame and its profit (``best_threshold``, ``profit``), which
    flatters the model; also the profit at 0.5 (``profit_at_0.5``).
    """
    _, y = split_xy(test)
    scores = churn_scores(pipeline, test)
    auc = roc_auc_score(y, scores) if y.nunique() > 1 else float("nan")
    if threshold is None:
        chosen, profit = best_threshold(y, scores, economics)
        found = {"best_threshold": chosen}
    else:
        profit = expected_profit(y, scores, threshold, economics)
        found = {"threshold": float(threshold)}
    return {"auc": round(float(auc), 4), **found, "profit": round(profit, 2),
            "profit_at_0.5": round(expected_profit(y, scores, 0.5, economics), 2)}


def month_folds(train: pd.DataFrame, n_folds: int = THRESHOLD.validation_months) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """Forward-chaining folds by month: fit on every month before month m, validate on month m.

    The last ``n_folds`` months of ``train`` are validated in turn, so a fold never learns from the future.
    Yields (fit row positions, validation row positions).
    """
    months = sorted(train["month"].unique())
    if not 0 < n_folds < len(months):
        raise ValueError(f"n_folds must be between 1 and {len(months) - 1} for {len(months)} months, got {n_folds}")
    month = train["month"].to_numpy()
    for m in months[-n_folds:]:
        yield np.flatnonzero(month < m), np.flatnonzero(month == m)


def roc_figure(y_true, scores_by_model: dict[str, np.ndarray], title: str = "ROC curve on the test months"):
    """A matplotlib figure of each model's ROC curve (true vs false positive rate), with its AUC in the legend."""
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(5, 4.2))
    for name, scores in scores_by_model.items():
        fpr, tpr, _ = roc_curve(y_true, scores)
        ax.plot(fpr, tpr, label=f"{name} (AUC {roc_auc_score(y_true, scores):.3f})")
    ax.plot([0, 1], [0, 1], ls=":", color="grey", label="chance (AUC 0.5)")
    ax.set(xlabel="false positive rate (stayers contacted)", ylabel="true positive rate (churners contacted)",
           title=title)
    ax.legend(loc="lower right", fontsize=8)
    fig.tight_layout()
    return fig


def profit_figure(y_true, scores_by_model: dict[str, np.ndarray], economics: Economics = ECONOMICS,
                  title: str = "Campaign profit by threshold", chosen: dict[str, float] | None = None):
    """A matplotlib figure of each model's profit curve, with a dot at its threshold.

    The dot marks the threshold given in ``chosen`` (model name -> threshold chosen on validation data) where there
    is one, else the curve's own best threshold.
    """
    import matplotlib.pyplot as plt

    chosen = chosen or {}
    fig, ax = plt.subplots(figsize=(6, 4.2))
    for name, scores in scores_by_model.items():
        curve = profit_curve(y_true, scores, economics)
        line, = ax.plot(curve["threshold"], curve["profit"], label=name)
        if name in chosen:
            ax.plot(chosen[name], expected_profit(y_true, scores, chosen[name], economics), "o",
                    color=line.get_color())
        else:
            best = curve.loc[curve["profit"].idxmax()]
            ax.plot(best["threshold"], best["profit"], "o", color=line.get_color())
    ax.axhline(0, color="grey", lw=0.8)
    ax.set(xlabel="threshold (contact customers with churn score >= threshold)", ylabel="expected profit (€)",
           title=title)
    ax.legend(fontsize=8)
    fig.tight_layout()
    return fig


SKOPS_TRUSTED = [
    "mlopslab.preparation.FeatureEngineer",
    "sklearn.ensemble._hist_gradient_boosting.predictor.TreePredictor",
]
"""Types skops may load from a model we logged ourselves (our transformer; the trees of gradient boosting)."""


def model_requirements() -> list[str]:
    """Pinned requirements of a logged model, read from this environment (skips MLflow's slow inference)."""
    from importlib.metadata import version

    return [f"{p}=={version(p)}" for p in ("mlflow", "scikit-learn", "pandas", "numpy", "skops")]


def _schema_rows(frame: pd.DataFrame) -> pd.DataFrame | None:
    """A few rows of ``frame`` from which MLflow infers the same schema as from all of it: the first row and, per
    column with a missing value, its first missing one. None when a column holds Python objects (their types may
    differ from row to row, so only all rows tell)."""
    if any(pd.api.types.is_object_dtype(dtype) for dtype in frame.dtypes):
        return None
    missing = frame.isna().to_numpy()
    rows = {0, *(int(np.argmax(missing[:, j])) for j in np.flatnonzero(missing.any(axis=0)))}
    return frame.iloc[sorted(rows)]


def training_dataset(train: pd.DataFrame, data_version: str) -> PandasDataset:
    """``train`` as the MLflow dataset a run logs as its training input (name, target, the data version's digest).

    MLflow infers a dataset's schema by looking at every value of every text column: 0.5-0.8 s for the course's
    training data, in every logged run. The schema is inferred here from the few rows that decide it
    (:func:`_schema_rows`; the same schema, as tests/unit/test_development.py checks) and set before MLflow asks.
    """
    import mlflow
    from mlflow.models import infer_signature

    dataset = mlflow.data.from_pandas(train, name="customers-train", targets="Churn",
                                      digest=lineage.short(data_version))
    rows = _schema_rows(train) if len(train) else None
    if rows is not None:
        dataset.__dict__["schema"] = infer_signature(rows).inputs  # PandasDataset.schema is a cached_property
    return dataset


def _log_training_input(dataset, attempts: int = 3) -> None:
    """``mlflow.log_input`` for the active run, tried again when another process stored the same dataset at the same
    moment: MLflow's SQL store looks the dataset up, then inserts it, and of two labs that log the same training data
    at once (``mlopslab run`` on one store) the second insert fails its UNIQUE constraint. Seen in CI on lab 10. The
    failed transaction is rolled back; tried again, the lookup finds the row the other process stored."""
    import mlflow
    from mlflow.exceptions import MlflowException

    for attempt in range(attempts):
        try:
            mlflow.log_input(dataset, context="training")
            return
        except MlflowException as err:
            if "UNIQUE constraint failed: datasets." not in str(err) or attempt == attempts - 1:
                raise


LOGGED_WITH = "logged_with"
"""The param by which a run says :func:`log_run` made it (value ``mlopslab.development.log_run``). It is logged in
the same call as the model's settings, and MLflow has no call that deletes a param."""


def log_run(pipeline, run_name: str, train: pd.DataFrame, test: pd.DataFrame, data_version: str,
            economics: Economics = ECONOMICS, tags: dict[str, str] | None = None,
            log_model: bool = True, metrics: dict[str, float] | None = None, log_curves: bool = False,
            figures: dict | None = None, threshold: float | None = None) -> str:
    """Log a fitted pipeline as an MLflow run: params, metrics, lineage tags, dataset and model; return the run id.

    ``data_version`` goes to the tag :data:`mlopslab.lineage.TAG`. ``threshold`` is the campaign threshold chosen
    on validation data (see :func:`evaluate`). ``metrics`` adds metrics (e.g. cross-validation scores) to the
    test-month ones; ``log_curves`` logs the
    ROC and profit curves on the test months as ``plots/roc.png`` and ``plots/profit.png``; ``figures`` logs
    more matplotlib figures by artifact file name. Call :func:`mlopslab.config.setup_tracking` first.
    """
    import matplotlib.pyplot as plt
    import mlflow
    from mlflow.models import infer_signature

    X_train, _ = split_xy(train)
    scores = evaluate(pipeline, test, economics, threshold)
    model = pipeline.named_steps["model"]
    figures = dict(figures or {})
    if log_curves:
        _, y_test = split_xy(test)
        test_scores = {run_name: churn_scores(pipeline, test)}
        figures["plots/roc.png"] = roc_figure(y_test, test_scores)
        figures["plots/profit.png"] = profit_figure(
            y_test, test_scores, economics, chosen=None if threshold is None else {run_name: threshold},
            title="Campaign profit by threshold" if threshold is None
            else "Campaign profit on these months (dot: the threshold chosen on validation)")
    with mlflow.start_run(run_name=run_name) as run:
        mlflow.log_params({"model": type(model).__name__, LOGGED_WITH: __name__ + ".log_run",
                           **{k: v for k, v in model.get_params().items() if isinstance(v, (int, float, str, bool))}})
        mlflow.log_params({f"economics.{k}": v for k, v in economics.as_dict().items()})
        mlflow.log_metrics({k: v for k, v in {**scores, **(metrics or {})}.items() if not np.isnan(v)})
        mlflow.set_tags({lineage.TAG: data_version, "train_rows": str(len(train)),
                         "test_months": ",".join(sorted(test["month"].unique())), **(tags or {})})
        _log_training_input(training_dataset(train, data_version))
        for file_name, figure in figures.items():
            mlflow.log_figure(figure, file_name)
            plt.close(figure)
        if log_model:
            example = X_train.head(3)
            signature = infer_signature(example, pipeline.predict_proba(example)[:, 1])
            mlflow.sklearn.log_model(pipeline, name="model", signature=signature, input_example=example,
                                     pyfunc_predict_fn="predict_proba", skops_trusted_types=SKOPS_TRUSTED,
                                     pip_requirements=model_requirements())
        return run.info.run_id
