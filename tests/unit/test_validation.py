"""The validation gate, approvals, the model card and the audit trail (lab 06)."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd
import pytest
from mlopslab import config, data, development, preparation, registry, validation
from mlopslab.validation import Evidence, Policy, decide
from stores import fresh_store

GOOD = Evidence(auc=0.8, threshold=0.2, profit=11000.0, baseline_profit=1000.0, customers=1000,
                fairness_gaps={"SeniorCitizen": 0.02, "gender": 0.05})


def test_decide_passes_only_when_every_rule_holds() -> None:
    assert decide(GOOD).passed and decide(GOOD).failed == []
    assert decide(replace(GOOD, auc=0.6)).failed == ["auc"]
    assert decide(replace(GOOD, profit=2000.0)).failed == ["uplift"]
    assert decide(replace(GOOD, fairness_gaps={"gender": 0.2})).failed == ["fairness"]
    broken = decide(replace(GOOD, auc=0.5, profit=0.0, fairness_gaps={"gender": 0.5}))
    assert not broken and broken.failed == ["auc", "uplift", "fairness"]
    assert all(r.startswith("FAIL") for r in broken.reasons) and "must not be promoted" in str(broken)


def test_values_exactly_at_the_limits_pass() -> None:
    policy = Policy()
    at_limit = replace(GOOD, auc=policy.min_auc, profit=GOOD.baseline_profit + policy.min_uplift_per_customer * 1000,
                       fairness_gaps={"gender": policy.max_fairness_gap})
    assert decide(at_limit, policy).passed


def test_policy_rejects_an_unknown_metric() -> None:
    with pytest.raises(ValueError, match="fairness_metric"):
        Policy(fairness_metric="accuracy")


def test_group_gaps_and_baseline() -> None:
    y = np.array([1, 1, 0, 0, 1, 1, 0, 0])
    contacted = np.array([1, 0, 1, 0, 1, 1, 0, 0])
    groups = pd.DataFrame({"g": ["a"] * 4 + ["b"] * 4})
    assert validation.group_gaps(y, contacted, groups, "recall") == {"g": 0.5}          # 1/2 vs 2/2
    assert validation.group_gaps(y, contacted, groups, "selection_rate") == {"g": 0.0}  # 2/4 vs 2/4
    assert validation.baseline_profit(np.zeros(5)) == 0.0                          # contacting nobody beats everybody
    assert validation.baseline_profit(np.ones(2)) == pytest.approx(160.0)          # two churners: 2 x (105 - 25)


def test_gate_on_a_real_model_and_clear_errors() -> None:
    train, holdout = preparation.time_split(data.load_customers())
    model = development.fit_candidate(development.candidate_models()["logistic_regression"], train)
    decision = validation.gate(model, holdout)
    assert decision.evidence.auc > 0.75 and decision.evidence.customers == len(holdout)
    assert set(decision.evidence.fairness_gaps) == {"SeniorCitizen", "gender"}
    strict = validation.gate(model, holdout, Policy(fairness_metric="selection_rate"))
    assert "fairness" in strict.failed   # the label bias shows as unequal contact rates
    with pytest.raises(KeyError, match="SeniorCitizen"):
        validation.gate(model, holdout.drop(columns=["SeniorCitizen"]).assign(**{"SeniorCitizen": 0})
                        .drop(columns=["SeniorCitizen"]))
    with pytest.raises(ValueError, match="both churners"):
        validation.gate(model, holdout.assign(Churn="No"))


def test_model_card_needs_every_section() -> None:
    sections = {s: f"text of {s}" for s in validation.CARD_SECTIONS}
    card = validation.model_card(sections)
    assert card.startswith("# Model card") and all(f"## {s}" in card for s in validation.CARD_SECTIONS)
    with pytest.raises(ValueError, match="Limitations"):
        validation.model_card({k: v for k, v in sections.items() if k != "Limitations"})
    table = validation.markdown_table(pd.DataFrame({"n": [3], "rate": [0.25], "profit": [1234.0]}, index=["a"]))
    assert table.splitlines()[2] == "| a | 3 | 0.250 | 1,234 |"


def test_registry_protocol_and_audit_trail(monkeypatch) -> None:
    monkeypatch.setenv("MLFLOW_TRACKING_URI", fresh_store("validation"))
    config.setup_tracking()  # mlflow keeps the last URI process-wide: point it at this test's store
    train, holdout = preparation.time_split(data.load_customers())
    model = development.fit_candidate(development.candidate_models()["logistic_regression"], train)
    run_id = development.log_run(model, "lr", train, holdout, "data-v1", tags={"code.package": "mlopslab test"})
    version = registry.register(run_id, alias="challenger")
    failed = decide(replace(GOOD, auc=0.1))
    validation.record_gate(version, failed)
    with pytest.raises(ValueError, match="cannot be approved"):
        validation.approve(version, "someone", "because")
    assert validation.promote(version, failed) is False
    passed = validation.gate(model, holdout)
    validation.record_gate(version, passed)
    with pytest.raises(ValueError, match="no approval"):
        validation.promote(version, passed)
    validation.approve(version, "reviewer@example.org", "good enough")
    assert validation.promote(version, passed) and registry.alias_version("champion") == version
    trail = validation.audit_trail("champion")
    assert (trail["version"], trail["data_version"], trail["approved_by"]) == (version, "data-v1", "reviewer@example.org")
    assert trail["code"] == "mlopslab test" and trail["gate"] == "passed"
    assert validation.versions_table().loc[version, "aliases"] == "challenger, champion"
    with pytest.raises(LookupError, match="no alias"):
        validation.audit_trail("nonexistent")
