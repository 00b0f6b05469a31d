"""Model development (lab 05): month folds, cross-validation, profit ranking, the extended log_run and lab 05's checks."""

from __future__ import annotations

import mlflow
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from mlopslab import config, data, development, preparation
from mlopslab.checks import lab05
from mlopslab.development import Economics
from stores import fresh_store


def _months(counts: list[int]) -> pd.DataFrame:
    return pd.DataFrame({"month": [f"2025-{i + 1:02d}" for i, n in enumerate(counts) for _ in range(n)]})


@given(st.lists(st.integers(1, 5), min_size=2, max_size=8), st.data())
@settings(max_examples=40, deadline=None)
def test_month_folds_never_fit_on_the_future(counts, draw) -> None:
    frame = _months(counts)
    n_folds = draw.draw(st.integers(1, len(counts) - 1))
    folds = list(development.month_folds(frame, n_folds))
    assert len(folds) == n_folds
    for fit_rows, val_rows in folds:
        assert frame["month"].iloc[val_rows].nunique() == 1
        assert frame["month"].iloc[fit_rows].max() < frame["month"].iloc[val_rows].min()
    assert [frame["month"].iloc[v[0]] for _, v in folds] == sorted(frame["month"].unique())[-n_folds:]


def test_month_folds_reject_impossible_fold_counts() -> None:
    with pytest.raises(ValueError, match="n_folds must be between 1 and 2"):
        list(development.month_folds(_months([2, 2, 2]), 3))


@given(st.lists(st.tuples(st.booleans(), st.floats(0, 1), st.floats(0, 1)), min_size=2, max_size=80),
       st.floats(1, 100), st.floats(0.05, 0.9))
@settings(max_examples=60, deadline=None)
def test_profit_ranking_puts_the_best_campaign_first(rows, offer_cost, save_rate) -> None:
    y = np.array([int(r[0]) for r in rows])
    if len(set(y)) < 2:
        return
    scores = {"a": np.array([r[1] for r in rows]), "b": np.array([r[2] for r in rows])}
    econ = Economics(offer_cost=offer_cost, save_rate=save_rate)
    ranking = development.profit_ranking(y, scores, econ)
    assert list(ranking["profit"]) == sorted(ranking["profit"], reverse=True)
    for _, row in ranking.iterrows():
        assert row["profit"] == pytest.approx(development.best_threshold(y, scores[row["model"]], econ)[1], abs=0.01)
    assert set(ranking.columns) >= {"model", "auc", "best_threshold", "profit", "contacted_share"}


def test_best_auc_and_best_profit_can_disagree() -> None:
    y, scores = lab05._synthetic_case()
    expensive = development.profit_ranking(y, scores, lab05.CASES[1])
    assert expensive.iloc[0]["model"] != expensive.sort_values("auc", ascending=False).iloc[0]["model"]


def test_cross_validate_reports_each_month_fold() -> None:
    train, _ = preparation.time_split(data.load_customers())
    from sklearn.linear_model import LogisticRegression

    cv = development.cross_validate(LogisticRegression(max_iter=1000), train, n_folds=2)
    assert list(cv["validation_month"]) == sorted(train["month"].unique())[-2:]
    assert cv["auc"].between(0.6, 0.95).all() and (cv["fit_rows"].diff().dropna() > 0).all()


def test_log_run_logs_curves_extra_metrics_and_lineage(monkeypatch) -> None:
    monkeypatch.setenv("MLFLOW_TRACKING_URI", fresh_store("development"))
    config.setup_tracking()
    train, test = preparation.time_split(data.load_customers())
    pipe = development.fit_candidate(development.candidate_models()["logistic_regression"], train)
    run_id = development.log_run(pipe, "lr", train, test, "v123", metrics={"cv_auc_mean": 0.8}, log_curves=True,
                                 tags={"lab": "test"})
    run = mlflow.get_run(run_id)
    assert run.data.tags["data_version"] == "v123" and run.data.tags["lab"] == "test"
    assert run.data.metrics["cv_auc_mean"] == 0.8 and 0.7 < run.data.metrics["auc"] < 0.9
    artifacts = [f.path for f in mlflow.MlflowClient().list_artifacts(run_id, "plots")]
    assert artifacts == ["plots/profit.png", "plots/roc.png"]
    # lab 05's check of a complete run: every field is there but the data version is not the shipped data's
    feedback = lab05.log_run(run_id)
    assert 0 < feedback.score < 1 and "data_version" in feedback.message
    assert lab05.log_run("no-such-run").score == 0


def test_pick_by_profit_check_tells_profit_from_auc() -> None:
    from sklearn.metrics import roc_auc_score

    def by_profit(y, scores, econ):
        return development.profit_ranking(y, scores, econ).iloc[0]["model"]

    def by_auc(y, scores, econ):
        return max(scores, key=lambda m: roc_auc_score(y, scores[m]))

    assert lab05.pick_by_profit(by_profit).score == 1
    feedback = lab05.pick_by_profit(by_auc)
    assert feedback.score == 0 and "best AUC" in feedback.message
