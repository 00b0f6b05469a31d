"""Model development (lab 05): candidate models, the business metric, tracked training runs.

The Business Analyst's metric is the expected profit of a retention campaign: every contacted customer costs
``offer_cost``; a contacted customer who would have churned is kept with probability ``save_rate`` and is then
worth ``customer_value``. Customers who are not contacted cost and earn nothing (the baseline).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
import pandas as pd
from sklearn.dummy import DummyClassifier
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score

from .config import SEED
from .preparation import make_pipeline, split_xy


@dataclass(frozen=True)
class Economics:
    """The retention campaign's economics (per customer, in euros)."""

    offer_cost: float = 25.0
    customer_value: float = 300.0
    save_rate: float = 0.35

    def cost_matrix(self) -> pd.DataFrame:
        """Profit per customer by (actual, decision): rows actual churn No/Yes, columns contact no/yes."""
        gain = self.save_rate * self.customer_value - self.offer_cost
        return pd.DataFrame(
            [[0.0, -self.offer_cost], [0.0, gain]],
            index=pd.Index(["stays", "churns"], name="actual"),
            columns=pd.Index(["not contacted", "contacted"], name="decision"),
        )

    def as_dict(self) -> dict[str, float]:
        return asdict(self)


def expected_profit(y_true, scores, threshold: float = 0.5, economics: Economics = Economics()) -> float:
    """Campaign profit when every customer with ``score >= threshold`` is contacted."""
    y = np.asarray(y_true, dtype=int)
    contacted = np.asarray(scores, dtype=float) >= threshold
    matrix = economics.cost_matrix().to_numpy()
    return float(matrix[y[contacted], 1].sum())


def profit_curve(y_true, scores, economics: Economics = Economics(), thresholds=None) -> pd.DataFrame:
    """Expected profit and share contacted for each threshold (default 0.00, 0.01, ..., 1.00)."""
    grid = np.round(np.linspace(0, 1, 101), 2) if thresholds is None else np.asarray(thresholds, dtype=float)
    scores = np.asarray(scores, dtype=float)
    rows = [(t, expected_profit(y_true, scores, t, economics), float((scores >= t).mean())) for t in grid]
    return pd.DataFrame(rows, columns=["threshold", "profit", "contacted_share"])


def best_threshold(y_true, scores, economics: Economics = Economics()) -> tuple[float, float]:
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
    return make_pipeline(model).fit(X, y)


def evaluate(pipeline, test: pd.DataFrame, economics: Economics = Economics()) -> dict[str, float]:
    """AUC, the profit-optimal threshold and its profit on a frame of labelled customers."""
    X, y = split_xy(test)
    scores = pipeline.predict_proba(X)[:, 1]
    auc = roc_auc_score(y, scores) if y.nunique() > 1 else float("nan")
    threshold, profit = best_threshold(y, scores, economics)
    return {"auc": round(float(auc), 4), "best_threshold": threshold, "profit": round(profit, 2),
            "profit_at_0.5": round(expected_profit(y, scores, 0.5, economics), 2)}


SKOPS_TRUSTED = [
    "mlopslab.preparation.FeatureEngineer",
    "sklearn.ensemble._hist_gradient_boosting.predictor.TreePredictor",
]
"""Types skops may load from a model we logged ourselves (our transformer; the trees of gradient boosting)."""


def model_requirements() -> list[str]:
    """Pinned requirements of a logged model, read from this environment (skips MLflow's slow inference)."""
    from importlib.metadata import version

    return [f"{p}=={version(p)}" for p in ("mlflow", "scikit-learn", "pandas", "numpy", "skops")]


def log_run(pipeline, run_name: str, train: pd.DataFrame, test: pd.DataFrame, data_version: str,
            economics: Economics = Economics(), tags: dict[str, str] | None = None,
            log_model: bool = True) -> str:
    """Log a fitted pipeline as an MLflow run: params, metrics, lineage tags, dataset and model; return the run id.

    Call :func:`mlopslab.config.setup_tracking` first.
    """
    import mlflow
    from mlflow.models import infer_signature

    X_train, _ = split_xy(train)
    metrics = evaluate(pipeline, test, economics)
    model = pipeline.named_steps["model"]
    with mlflow.start_run(run_name=run_name) as run:
        mlflow.log_params({"model": type(model).__name__, **{k: v for k, v in model.get_params().items()
                                                              if isinstance(v, (int, float, str, bool))}})
        mlflow.log_params({f"economics.{k}": v for k, v in economics.as_dict().items()})
        mlflow.log_metrics({k: v for k, v in metrics.items() if not np.isnan(v)})
        mlflow.set_tags({"data_version": data_version, "train_rows": str(len(train)),
                         "test_months": ",".join(sorted(test["month"].unique())), **(tags or {})})
        mlflow.log_input(mlflow.data.from_pandas(train, name="customers-train", targets="Churn"), context="training")
        if log_model:
            example = X_train.head(3)
            signature = infer_signature(example, pipeline.predict_proba(example)[:, 1])
            mlflow.sklearn.log_model(pipeline, name="model", signature=signature, input_example=example,
                                     pyfunc_predict_fn="predict_proba", skops_trusted_types=SKOPS_TRUSTED,
                                     pip_requirements=model_requirements())
        return run.info.run_id
