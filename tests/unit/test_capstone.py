"""Unit tests of the capstone's scorecard (the ML Test Score from evidence) and its sprint; no MLflow needed."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from mlopslab import capstone, data, scrum


def evidence(**steps: dict) -> capstone.Evidence:
    """Evidence as collect() would build it: one run per step (flat tags.*/metrics.*/params.* columns)."""
    rows = [{"run_id": f"run-{step}", "tags.capstone.step": step, **fields} for step, fields in steps.items()]
    return capstone.Evidence(pd.DataFrame(rows))


FULL_MONITOR = {**{f"metrics.psi.{f}": 0.01 for f in data.FEATURES}, "metrics.online.auc": 0.8,
                "metrics.reference.auc": 0.79, "metrics.online.profit": 3000.0, "metrics.segment_gap": 0.01,
                "metrics.model_age_months": 4.0, "tags.verdict": "ok", "tags.capstone.trigger": "notebook",
                "tags.alert_rules": json.dumps({"auc_drop": 0.05, "segment_gap": 0.05})}
CONTRACT = {"tags.contract.rules": "isin,no_personal_data,unique", "tags.catalog": "telconova_customers",
            "tags.train.reconciles": "True", "tags.batch.reconciles": "True",
            **{f"metrics.{d}.{k}": v for d in ("train", "batch")
               for k, v in {"rows_in": 10.0, "accepted": 9.0, "quarantined": 1.0, "personal_data": 0.0}.items()}}


def test_no_evidence_scores_zero_everywhere() -> None:
    card = capstone.scorecard(capstone.Evidence(pd.DataFrame()))
    assert len(card) == 28 and set(card["points"]) == {0.0}
    assert capstone.final_score(card) == 0 and capstone.level(0)[0] == 0
    assert (card["to climb"] != "").all()


def test_rubric_has_seven_tests_per_section_with_unique_ids() -> None:
    ids = [t.id for t in capstone.TESTS]
    assert len(ids) == len(set(ids)) == 28
    assert {s: sum(t.section == s for t in capstone.TESTS) for s in capstone.SECTIONS} == dict.fromkeys(
        capstone.SECTIONS, 7)
    with pytest.raises(KeyError, match="Data 1"):
        capstone.test_by_id("Data 8")


def test_contract_evidence_is_automated_and_a_broken_reconciliation_is_not() -> None:
    ev = evidence(contract=CONTRACT)
    assert capstone.judge("Data 1", ev) == 1.0
    assert capstone.judge("Data 4", ev) == 0.5  # the catalog: written and checked by people
    assert capstone.judge("Data 5", ev) == 1.0
    assert capstone.judge("Monitoring 2", ev) == 1.0
    broken = evidence(contract={**CONTRACT, "tags.batch.reconciles": "False"})
    assert capstone.judge("Data 1", broken) == 0.0 and capstone.judge("Monitoring 2", broken) == 0.0


def test_monitoring_evidence_needs_every_feature_and_the_rules() -> None:
    assert capstone.judge("Monitoring 3", evidence(monitor=FULL_MONITOR)) == 1.0
    assert capstone.judge("Monitoring 7", evidence(monitor=FULL_MONITOR)) == 1.0
    missing = {k: v for k, v in FULL_MONITOR.items() if k != f"metrics.psi.{data.FEATURES[0]}"}
    assert capstone.judge("Monitoring 3", evidence(monitor=missing)) == 0.0
    no_rules = {k: v for k, v in FULL_MONITOR.items() if k != "tags.alert_rules"}
    assert capstone.judge("Monitoring 7", evidence(monitor=no_rules)) == 0.0
    assert capstone.judge("Monitoring 4", evidence(monitor=FULL_MONITOR)) == 0.5
    aged = {**FULL_MONITOR, "tags.alert_rules": json.dumps({"max_model_age_months": 6})}
    assert capstone.judge("Monitoring 4", evidence(monitor=aged)) == 1.0


def test_tuning_is_judged_by_runs_per_model_type() -> None:
    def runs(models: list[str]) -> capstone.Evidence:
        return capstone.Evidence(pd.DataFrame({"run_id": [f"r{i}" for i in range(len(models))],
                                               "tags.capstone.step": "train", "params.model": models}))

    assert capstone.judge("Model 3", runs(["A", "B", "C"])) == 0.0
    assert capstone.judge("Model 3", runs(["A", "A", "B"])) == 0.5
    assert capstone.judge("Model 3", runs(["A"] * 5)) == 1.0


def test_gate_and_rollback_come_from_the_registry_version() -> None:
    ev = capstone.Evidence(pd.DataFrame(), version={"version": "3", "aliases": "champion", "gate": "passed",
                                                    "replaces": "2", "gate.reasons": "pass [fairness]: gap ok"},
                           versions=["1", "2", "3"])
    assert capstone.judge("Infrastructure 4", ev) == 1.0
    assert capstone.judge("Infrastructure 7", ev) == 0.5
    assert capstone.judge("Model 7", ev) == 1.0
    ev.versions = ["3"]  # the version to roll back to was deleted
    assert capstone.judge("Infrastructure 7", ev) == 0.0
    ev.version["aliases"] = "challenger"
    assert capstone.judge("Infrastructure 4", ev) == 0.0


def test_integration_is_manual_from_a_notebook_and_automated_from_ci() -> None:
    steps = {s: {"tags.capstone.trigger": "notebook"} for s in ("contract", "train", "score", "monitor")}
    ev = evidence(**steps)
    ev.version = {"version": "1"}
    assert capstone.judge("Infrastructure 3", ev) == 0.5
    ci = evidence(**{s: {"tags.capstone.trigger": "ci"} for s in steps})
    ci.version = {"version": "1"}
    assert capstone.judge("Infrastructure 3", ci) == 1.0
    partial = evidence(**{s: v for s, v in steps.items() if s != "score"})
    partial.version = {"version": "1"}
    assert capstone.judge("Infrastructure 3", partial) == 0.0


def card_from(points: dict[str, float]) -> pd.DataFrame:
    rows = [{"test": t.id, "section": t.section, "points": points.get(t.id, 0.0)} for t in capstone.TESTS]
    return pd.DataFrame(rows).set_index("test")


def test_final_score_is_the_minimum_of_section_sums() -> None:
    card = card_from({f"Model {n}": 1.0 for n in range(1, 8)} | {"Data 1": 1.0, "Data 2": 0.5,
                                                                  "Infrastructure 1": 1.0, "Monitoring 1": 1.0})
    scores = capstone.section_scores(card)
    assert list(scores.index) == list(capstone.SECTIONS)
    assert scores["Model"] == 7 and scores["Data"] == 1.5
    assert capstone.final_score(card) == 1.0


@pytest.mark.parametrize("score, band", [(0, 0), (0.5, 1), (1, 1), (1.5, 2), (3, 3), (3.5, 4), (5, 4), (5.5, 5)])
def test_levels_follow_breck_et_al_bands(score: float, band: int) -> None:
    assert capstone.level(score)[0] == band


def test_what_if_never_lowers_a_test_and_best_plans_respect_capacity() -> None:
    card = card_from({t.id: 0.5 for t in capstone.TESTS} | {"Infrastructure 7": 1.0})
    after = capstone.what_if(card, ["S28", "S33"])
    assert after.loc["Infrastructure 7", "points"] == 1.0 and after.loc["Data 3", "points"] == 0.5
    with pytest.raises(KeyError, match="S99"):
        capstone.what_if(card, ["S99"])
    best, plans = capstone.best_plans(card, capacity=5)
    assert plans and all(sum(capstone.IMPROVEMENTS[i][0].points for i in p) <= 5 for p in plans)
    assert all(capstone.final_score(capstone.what_if(card, p)) == best for p in plans)
    assert best >= capstone.final_score(card)
    assert capstone.best_plans(card, capacity=0) == (capstone.final_score(card), [()])


def test_improvement_stories_lift_real_tests() -> None:
    ids = {t.id for t in capstone.TESTS}
    for story, lifts in capstone.IMPROVEMENTS.values():
        assert set(lifts) <= ids and story.points > 0
        assert story.id not in {s.id for s in scrum.BACKLOG}


def test_capstone_sprint_is_planned_at_the_forecast_and_carries_over_first() -> None:
    results = capstone.sprints()
    assert len(results) == capstone.SPRINT
    earlier = scrum.history(results[:-1])
    last = results[-1]
    assert last.committed_points <= scrum.forecast_capacity(earlier)["expected"]
    assert last.committed[0] in results[-2].carry_over  # sprint 5's unfinished story comes first
    assert set(capstone.DEFINITION_OF_DONE) == set(last.committed)
    assert not set(last.committed) & set(capstone.done_before(results))
