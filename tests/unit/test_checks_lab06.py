"""Lab 06's checks on honest answers that differ from the reference solution, and on near misses whose feedback must
say what is wrong."""

from __future__ import annotations

import json

import mlflow
import pytest
from mlopslab import config, data, development, lineage, policy, preparation
from mlopslab.checks import lab06  # noqa: F401 -- registers the checks
from mlopslab.exercises import evaluate
from stores import fresh_store


def gate_as_loop(evidence, policy):
    rules = {"auc": evidence.auc >= policy.min_auc,
             "uplift": evidence.uplift_per_customer >= policy.min_uplift_per_customer,
             "fairness": max(evidence.fairness_gaps.values()) <= policy.max_fairness_gap}
    failed = tuple(name for name, ok in rules.items() if not ok)
    return [all(rules.values()), failed]  # a list of two, the failed rules as a tuple


def gate_as_dict(evidence, policy):
    return {"passed": evidence.auc >= policy.min_auc, "failed": []}


def test_gate_decision_takes_a_pair_written_as_a_list() -> None:
    assert evaluate("06.gate_decision", gate_as_loop).status == "correct"


def test_gate_decision_says_what_to_return_when_it_is_no_pair() -> None:
    result = evaluate("06.gate_decision", gate_as_dict)
    assert result.status == "wrong" and "did not return a pair" in result.message


@pytest.fixture(scope="module")
def candidate_run() -> str:
    """A logged candidate run with its author and data version, as section 5 of lab 06 logs it."""
    store = fresh_store("checks-lab06")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("MLFLOW_TRACKING_URI", store)
        config.setup_tracking()
        train, holdout = preparation.time_split(data.load_customers())
        model = development.fit_candidate(development.candidate_models()["logistic_regression"], train)
        run_id = development.log_run(model, "lr-candidate", train, holdout, "data-v1",
                                     tags={policy.APPROVAL.author_tag: policy.APPROVAL.author})
        yield run_id


def _tags(client, run_id, decision):
    run_tags = client.get_run(run_id).data.tags
    return {"gate": "passed" if decision.passed else "failed", "gate.reasons": " | ".join(decision.reasons),
            "gate.policy": json.dumps(decision.policy.as_dict(), sort_keys=True),
            policy.THRESHOLD.tag: str(round(decision.evidence.threshold, 2)),
            policy.APPROVAL.author_tag: run_tags[policy.APPROVAL.author_tag], lineage.TAG: run_tags[lineage.TAG]}


def register_with_client_calls(client, name, run_id, decision):
    try:
        client.create_registered_model(name)
    except mlflow.exceptions.MlflowException:
        pass  # it exists already
    version = client.create_model_version(name, f"runs:/{run_id}/model", run_id=run_id).version
    client.set_registered_model_alias(name=name, alias="challenger", version=version)
    for key, value in _tags(client, run_id, decision).items():
        client.set_model_version_tag(name, version, key, value)
    return int(version)


def register_assuming_the_model_exists(client, name, run_id, decision):
    version = client.create_model_version(name, f"runs:/{run_id}/model", run_id=run_id).version
    client.set_registered_model_alias(name, "challenger", version)
    for key, value in _tags(client, run_id, decision).items():
        client.set_model_version_tag(name, version, key, value)
    return version


def register_with_tags_at_registration(client, name, run_id, decision):
    version = mlflow.register_model(f"runs:/{run_id}/model", name, tags=_tags(client, run_id, decision)).version
    client.set_registered_model_alias(name, "challenger", version)
    return version


def test_register_challenger_takes_the_clients_own_calls(candidate_run) -> None:
    assert evaluate("06.register_challenger", register_with_client_calls, run_id=candidate_run).status == "correct"


def test_register_challenger_is_tried_where_the_registered_model_does_not_exist_yet(candidate_run) -> None:
    """On a fresh store the lab's own registration meets no registered model `churn`: an answer that needs one fails
    there, so the check says so instead of passing it."""
    result = evaluate("06.register_challenger", register_assuming_the_model_exists, run_id=candidate_run)
    assert result.status == "wrong" and "fresh store" in result.message


def test_register_challenger_names_the_call_that_is_missing(candidate_run) -> None:
    result = evaluate("06.register_challenger", register_with_tags_at_registration, run_id=candidate_run)
    assert result.status == "partial" and "client.set_model_version_tag" in result.message
    assert "the alias" not in result.message
