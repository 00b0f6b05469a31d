"""Model development (lab 05): month folds, cross-validation, thresholds from validation data, log_run, lab 05's checks."""

from __future__ import annotations

import mlflow
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from mlopslab import config, data, development, lineage, policy, preparation
from mlopslab.checks import lab05
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


@given(st.lists(st.tuples(st.booleans(), st.floats(0, 1)), min_size=2, max_size=80), st.floats(0, 1))
@settings(max_examples=40, deadline=None)
def test_the_campaign_reference_counts_what_the_profit_sums(rows, threshold) -> None:
    y = np.array([int(r[0]) for r in rows])
    s = np.array([r[1] for r in rows])
    for econ in lab05.CASES:
        found = lab05._campaign_reference(y, s, threshold, econ)
        matrix = econ.cost_matrix()
        stayers = found["contacted"] - found["churners_contacted"]
        assert found["profit"] == pytest.approx(found["churners_contacted"] * matrix.loc["churns", "contacted"]
                                                + stayers * matrix.loc["stays", "contacted"])


def test_evaluate_reports_a_given_threshold_or_flatters_with_its_own() -> None:
    train, test = preparation.time_split(data.load_customers())
    pipe = development.fit_candidate(development.candidate_models()["logistic_regression"], train)
    own = development.evaluate(pipe, test)
    fixed = development.evaluate(pipe, test, threshold=0.6)
    assert "best_threshold" in own and "threshold" not in own
    assert fixed["threshold"] == 0.6 and "best_threshold" not in fixed
    assert fixed["auc"] == own["auc"] and fixed["profit"] <= own["profit"]


def test_tuning_case_rewards_only_thresholds_chosen_on_validation() -> None:
    y_val, s_val, y_test, s_test = lab05._tuning_case()
    assert development.best_threshold(y_val, s_val)[0] != development.best_threshold(y_test, s_test)[0]


def test_month_folds_default_to_the_governed_validation_months() -> None:
    from mlopslab import policy

    train, _ = preparation.time_split(data.load_customers())
    folds = list(development.month_folds(train))
    months = train["month"].to_numpy()
    assert [months[val[0]] for _, val in folds] == sorted(set(months))[-policy.THRESHOLD.validation_months:]


def test_log_run_logs_curves_extra_metrics_and_lineage(monkeypatch) -> None:
    monkeypatch.setenv("MLFLOW_TRACKING_URI", fresh_store("development"))
    config.setup_tracking()
    train, test = preparation.time_split(data.load_customers())
    pipe = development.fit_candidate(development.candidate_models()["logistic_regression"], train)
    run_id = development.log_run(pipe, "lr", train, test, "v123", metrics={"cv_auc_mean": 0.8}, log_curves=True,
                                 tags={"lab": "test"}, threshold=0.3)
    run = mlflow.get_run(run_id)
    assert run.data.tags[lineage.TAG] == "v123" and run.data.tags["lab"] == "test"
    assert run.data.metrics["cv_auc_mean"] == 0.8 and 0.7 < run.data.metrics["auc"] < 0.9
    assert run.data.metrics["threshold"] == 0.3 and "best_threshold" not in run.data.metrics
    assert [d.dataset.digest for d in run.inputs.dataset_inputs] == ["v123"]
    artifacts = [f.path for f in mlflow.MlflowClient().list_artifacts(run_id, "plots")]
    assert artifacts == ["plots/profit.png", "plots/roc.png"]
    # lab 05's check wants a run the student wrote, not one made by log_run
    feedback = lab05.log_run(run_id)
    assert feedback.score == 0 and "development.log_run" in feedback.message
    client = mlflow.MlflowClient()
    for telltale in ("train_rows", "test_months"):  # deleting the tags that say so does not hide it
        client.delete_tag(run_id, telltale)
    feedback = lab05.log_run(run_id)
    assert feedback.score == 0 and "development.log_run" in feedback.message
    assert run.data.params[development.LOGGED_WITH] == "mlopslab.development.log_run"

    class Unlisted(policy.Economics):  # economics that log no economics.* params
        def as_dict(self) -> dict:
            return {}

    monkeypatch.setattr(development, "_log_training_input", lambda *args, **kwargs: None)  # no dataset input either
    other = development.log_run(pipe, "lr", train, test, "v123", economics=Unlisted())
    for telltale in ("train_rows", "test_months"):
        client.delete_tag(other, telltale)
    assert not mlflow.get_run(other).inputs.dataset_inputs
    feedback = lab05.log_run(other)  # no economics.* params, no dataset input, no tags: its marker param remains
    assert feedback.score == 0 and "development.log_run" in feedback.message
    assert lab05.log_run("no-such-run").score == 0
    assert lab05.log_run("0" * 32).score == 0


def test_campaign_and_threshold_checks_tell_right_from_wrong() -> None:
    def campaign(y, s, t, econ):
        y, s = np.asarray(y), np.asarray(s)
        reached = s >= t
        churners = int(y[reached].sum())
        matrix = econ.cost_matrix()
        profit = churners * matrix.loc["churns", "contacted"] + (int(reached.sum()) - churners) * matrix.loc["stays", "contacted"]
        return {"contacted": int(reached.sum()), "churners_contacted": churners, "profit": float(profit)}

    def with_the_package_profit(y, s, t, econ):
        return {**campaign(y, s, t, econ), "profit": development.expected_profit(y, s, t, econ)}

    assert lab05.campaign(campaign).score == 1
    assert lab05.campaign(development.expected_profit).score == 0
    assert lab05.campaign(lambda y, s, t, econ: {**campaign(y, s, t, econ), "profit": 0.0}).score == 0
    package = lab05.campaign(with_the_package_profit)  # the lesson is the profit: the package's is shown after it
    assert package.score == 0 and "development.expected_profit" in package.message

    def honest(y_val, s_val, y_test, s_test, econ):
        t = development.best_threshold(y_val, s_val, econ)[0]
        return t, development.expected_profit(y_test, s_test, t, econ)

    assert lab05.honest_test_profit(honest).score == 1
    tuned_on_test = lab05.honest_test_profit(lambda yv, sv, yt, st_, econ: development.best_threshold(yt, st_, econ))
    assert tuned_on_test.score == 0 and "test months" in tuned_on_test.message


def _with_gaps(frame: pd.DataFrame) -> pd.DataFrame:
    gappy = frame.copy()
    gappy.loc[gappy.index[5], "Contract"] = None  # a text column with a missing value
    gappy.loc[gappy.index[-1], "MonthlyCharges"] = np.nan  # a number column with one, in the last row
    return gappy


@pytest.mark.parametrize("kind", ["prepared", "with gaps", "a production month", "objects"])
def test_the_training_dataset_has_the_schema_mlflow_infers_from_every_row(kind) -> None:
    prepared = preparation.prepare(data.load_customers(), seed=config.SEED)
    frame = {"prepared": prepared.train, "with gaps": _with_gaps(prepared.train),
             "a production month": data.load_batch(data.PRODUCTION_MONTHS[0]).assign(Churn=0),
             "objects": prepared.train.astype({"Contract": object})}[kind]
    fast = development.training_dataset(frame, prepared.version)
    full = mlflow.data.from_pandas(frame, name="customers-train", targets="Churn",
                                   digest=lineage.short(prepared.version))
    assert ("schema" in fast.__dict__) == (kind != "objects"), "the few-rows schema is used, except for objects"
    assert fast.to_dict() == full.to_dict()
    if kind == "with gaps":
        assert not fast.schema.input_dict()["Contract"].required, "a column with a gap is not required"


def test_a_dataset_another_process_stored_at_the_same_moment_is_logged_on_a_second_try(monkeypatch) -> None:
    import mlflow
    from mlflow.exceptions import MlflowException

    calls = []

    def racing(dataset, context=None):
        calls.append(context)
        if len(calls) == 1:
            raise MlflowException("(sqlite3.IntegrityError) UNIQUE constraint failed: datasets.experiment_id, "
                                  "datasets.name, datasets.digest")

    monkeypatch.setattr(mlflow, "log_input", racing)
    development._log_training_input("a dataset")
    assert calls == ["training", "training"]

    def broken(dataset, context=None):
        raise MlflowException("some other failure")

    monkeypatch.setattr(mlflow, "log_input", broken)
    with pytest.raises(MlflowException, match="some other failure"):
        development._log_training_input("a dataset")
