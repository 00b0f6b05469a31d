"""Lab 01's checks on honest answers that differ from the reference solution, and on near misses whose feedback must
say what is wrong."""

from __future__ import annotations

import mlflow
import pytest
from mlflow.tracking import MlflowClient
from mlopslab import config, data, lineage, policy
from mlopslab.checks import lab01  # noqa: F401 -- registers the checks
from mlopslab.exercises import evaluate
from stores import fresh_store


def _store_with_runs(name: str, approvers: list[str | None]):
    """A store with runs of today's customers file, approved by ``approvers`` (None: a run nobody approved)."""
    store = fresh_store(name)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("MLFLOW_TRACKING_URI", store)
        config.setup_tracking()
        client, version = MlflowClient(), lineage.data_version(data.data_dir() / "customers.csv")
        experiment = client.get_experiment_by_name(config.EXPERIMENT).experiment_id
        for approver in approvers:
            tags = {lineage.TAG: version, **({policy.APPROVAL.approver_tag: approver} if approver else {})}
            client.set_terminated(client.create_run(experiment, tags=tags).info.run_id)
        yield store


@pytest.fixture
def approved_store():
    """Lab 01's approved run of today's customers file, and one run of it nobody approved."""
    yield from _store_with_runs("checks-lab01", [policy.APPROVAL.approver, None])


@pytest.fixture
def only_approved_store():
    """Only lab 01's approved run of today's file: the check's own scratch runs hold the first unapproved one."""
    yield from _store_with_runs("checks-lab01-approved", [policy.APPROVAL.approver])


def approvers_as_an_array(version):
    runs = mlflow.search_runs(filter_string=f"tags.{lineage.TAG} = '{version}'")
    if "tags.approved_by" not in runs:
        return []
    return runs["tags.approved_by"].dropna().unique()  # no list(...) around it


def approvers_with_the_empty_ones(version):
    runs = mlflow.search_runs(filter_string=f"tags.{lineage.TAG} = '{version}'")
    if "tags.approved_by" not in runs:
        return []
    return runs["tags.approved_by"].unique().tolist()  # forgets .dropna()


def test_who_approved_takes_the_distinct_values_without_list(approved_store) -> None:
    assert evaluate("01.who_approved", approvers_as_an_array).status == "correct"


def test_who_approved_without_dropna_is_told_to_drop_the_empty_ones(approved_store) -> None:
    result = evaluate("01.who_approved", approvers_with_the_empty_ones)
    assert result.status == "wrong" and ".dropna()" in result.message


def test_practices_take_the_features_full_names_in_any_case_and_order() -> None:
    answer = {"trained_once": "Iteration & Lifecycle", "phone_numbers": "Governance", "silent_price_rise": "monitoring",
              "lost_experiment": "model development", "who_signed": "governance",
              "model_by_email": "productionalization and deployment"}
    assert evaluate("01.practices", answer).status == "correct"


def test_who_approved_without_dropna_is_told_so_on_the_checks_own_runs(only_approved_store) -> None:
    for forgets_dropna in (approvers_with_the_empty_ones, lambda version: sorted(approvers_with_the_empty_ones(version))):
        result = evaluate("01.who_approved", forgets_dropna)
        assert result.status == "wrong" and "only the store holds" in result.message and ".dropna()" in result.message
