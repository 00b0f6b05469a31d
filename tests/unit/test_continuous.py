"""The 5 Cs loop: CI checks, the promotion policy, static vs continuous years, lineage, promotion and rollback."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from mlopslab import config, continuous, data, development, preparation, registry
from stores import fresh_store

metric = st.fixed_dictionaries({"auc": st.floats(0.4, 1.0), "profit": st.floats(-5000, 20000)})


@given(metric, metric)
def test_promotion_policy_needs_more_profit_and_no_big_auc_drop(challenger, champion) -> None:
    promoted = continuous.promotion_policy(challenger, champion)
    assert promoted == (challenger["profit"] > champion["profit"] and challenger["auc"] >= champion["auc"] - 0.02)
    assert not (promoted and continuous.promotion_policy(champion, challenger))  # never both ways


def test_promotion_policy_respects_a_minimum_gain() -> None:
    policy = continuous.Policy(min_gain=500)
    assert not continuous.promotion_policy({"auc": 0.8, "profit": 5400}, {"auc": 0.8, "profit": 5000}, policy)
    assert continuous.promotion_policy({"auc": 0.8, "profit": 5500}, {"auc": 0.8, "profit": 5000}, policy)


def test_code_checks_report_each_test() -> None:
    source = "def test_ok():\n    assert 1 + 1 == 2\n\ndef test_broken():\n    assert 1 + 1 == 3, 'arithmetic'\n"
    result = continuous.run_code_checks(source).set_index("test")
    assert result.loc["test_ok", "outcome"] == "passed"
    assert result.loc["test_broken", "outcome"] == "failed" and "arithmetic" in result.loc["test_broken", "message"]
    with pytest.raises(ValueError, match="no test ran"):
        continuous.run_code_checks("x = 1\n")


def test_ci_passes_a_clean_batch_and_stops_a_broken_one() -> None:
    batch = data.load_batch("2026-02")
    assert continuous.ci_check(batch)[0]
    broken = batch.copy()
    broken.loc[3, "tenure"] = -3
    ok, detail = continuous.ci_check(broken)
    assert not ok and "1 quarantined" in detail


def test_bad_strategy_is_named() -> None:
    with pytest.raises(ValueError, match="strategy"):
        continuous.simulate_year("sometimes")


@pytest.fixture(scope="module")
def years() -> tuple[continuous.Year, continuous.Year]:
    return continuous.simulate_year("static"), continuous.simulate_year("continuous")


def test_static_model_never_changes(years) -> None:
    static, _ = years
    assert set(static.log["model"]) == {"reference"} and static.gates.empty


def test_retraining_starts_with_the_drift_and_pays_off(years) -> None:
    static, cont = years
    log = cont.log.set_index("month")
    assert (log.loc[:"2026-05", "challenger"] == "").all()  # no alert, no retraining before the price rise
    assert log.at["2026-06", "challenger"] in ("promoted", "rejected")
    promoted = list(log.index[log["challenger"] == "promoted"])
    assert promoted and promoted[0] >= "2026-06"
    comparison = continuous.compare(static, cont)
    after = comparison[comparison["month"] >= "2026-08"]
    assert after["continuous"].sum() > after["static"].sum()
    assert comparison["cumulative difference"].iloc[-1] == pytest.approx(comparison["difference"].sum())


def test_every_promoted_challenger_passed_its_gate(years) -> None:
    _, cont = years
    gates = cont.gates
    assert (gates["promoted"] == (gates["gate"].eq("passed") & gates["beats_champion"])).all()
    for row in gates.itertuples():
        assert row.gate_month < row.month  # the exam uses labels that had already arrived


def test_lineage_links_each_month_to_its_model(years) -> None:
    _, cont = years
    table = continuous.lineage(cont)
    assert list(table["month"]) == data.PRODUCTION_MONTHS
    for row in table.itertuples():
        model = cont.served_by(row.month)
        assert row.data_version == preparation.frame_hash(model.reference)[:12]
        assert model.promoted_in <= row.month
        assert max(model.train_months) < row.month  # never trained on the month it scores


def test_promote_and_rollback_move_the_alias(monkeypatch) -> None:
    monkeypatch.setenv("MLFLOW_TRACKING_URI", fresh_store("continuous"))
    config.setup_tracking()  # mlflow keeps the last URI process-wide: point it at this test's store
    name = "churn-lifecycle-test"
    first = continuous.start_lifecycle(name)
    frame = continuous.labelled("2026-07")
    pipeline = development.fit_candidate(development.candidate_models()["logistic_regression"], frame)
    run_id = development.log_run(pipeline, "test", frame, continuous.labelled("2026-08"), "x")
    second = registry.register(run_id, name=name)
    assert continuous.promote(name, second) == first
    assert registry.alias_version("champion", name) == second
    assert continuous.rollback(name) == first
    assert registry.alias_version("champion", name) == first
    with pytest.raises(ValueError, match="nothing to roll back"):
        continuous.rollback(name)
    assert continuous.start_lifecycle(name) == first  # a re-run starts from the reference again
