"""The made-up cases of 03.quarantine (its clean batch and its batch with defects), 03.legacy_report (batches made up
from the dirty batch's rows), 11.contract (another dirty export) and 11.judge (made-up increments) are drawn from
``_guards.case_seed``, no longer fixed in the check's source where a
student could read the expected split or points and type them in. For each: the expected answer the check knows from
the draw is what pandera (or the rule) says, an honest answer is right and each declared wrong idea stays below full
points on several replayed draws, and a lookup of the old fixed cases fails."""

from __future__ import annotations

import json
from types import SimpleNamespace

import pandas as pd
import pandera.pandas as pa
import pytest
from draws import SEEDS, scores
from mlopslab import lineage, policy, provisioning
from mlopslab.checks import lab03, lab11


def failing_labels(batch: pd.DataFrame, contract, *, lazy: bool = True, labels: bool = True) -> set:
    try:
        contract.validate(batch.copy(), lazy=lazy)
    except (pa.errors.SchemaErrors, pa.errors.SchemaError) as err:
        return set(err.failure_cases["index"].dropna() if labels else err.failure_cases.index)
    return set()


# --- 03.quarantine --------------------------------------------------------------------------------------------

def quarantine(batch, contract, *, lazy=True, labels=True):
    held = batch.index.isin(list(failing_labels(batch, contract, lazy=lazy, labels=labels)))
    return batch[~held], batch[held]


def quarantine_without_duplicates(batch, contract):
    """Every failure but the uniqueness rule's: the twin of a repeated id slips through."""
    try:
        contract.validate(batch, lazy=True)
        bad = []
    except pa.errors.SchemaErrors as err:
        cases = err.failure_cases
        bad = cases.loc[~cases["check"].astype(str).str.contains("unique"), "index"].dropna()
    held = batch.index.isin(list(bad))
    return batch[~held], batch[held]


OLD_BATCHES = {frozenset(range(1000, 1040)): set(),
               frozenset(700 + (i * 7) % 60 for i in range(60)): {721, 710, 720, 730, 740, 750}}
"""The old clean batch's and defect batch's labels -> the rows to quarantine, read off the check's source."""


def quarantine_looked_up(batch, contract):
    """The old two batches from a table; the small contract's two rules by hand for any other table."""
    bad = OLD_BATCHES.get(frozenset(batch.index))
    if bad is None:
        bad = batch.index[(batch["tenure"] > 72) | (batch["MonthlyCharges"] > 200)]
    held = batch.index.isin(list(bad))
    return batch[~held], batch[held]


def test_03_the_drawn_splits_are_the_contracts() -> None:
    for seed in SEEDS:
        cases = lab03._quarantine_cases(seed)
        assert not cases[0][3] and len(cases[1][3]) >= 6
        assert all(batch.index.is_unique and min(batch.index) >= 100 for _, batch, _, _ in cases[:2])  # labels, not positions
        for what, batch, contract, expected in cases:
            assert failing_labels(batch, contract) == set(expected), (seed, what)
        _, defects, contract, broken = cases[1]
        assert set(provisioning.validate_batch(defects, contract).quarantined.index) == set(broken), seed


def test_03_the_drawn_batches_differ() -> None:
    first, other = lab03._quarantine_cases(1), lab03._quarantine_cases(2)
    assert lab03._quarantine_cases(1)[1][1].equals(first[1][1])
    assert set(first[1][1].index) != set(other[1][1].index) and first[1][3] != other[1][3]


def test_03_quarantine() -> None:
    assert scores("03.quarantine", quarantine) == [1.0] * len(SEEDS)
    for wrong in (lambda b, c: quarantine(b, c, labels=False), lambda b, c: quarantine(b, c, lazy=False),
                  quarantine_without_duplicates, quarantine_looked_up):
        assert max(scores("03.quarantine", wrong, SEEDS[:4])) < 1


# --- 03.legacy_report ----------------------------------------------------------------------------------------

def legacy_report(batch, loaded, violations, *, every_row=False):
    dropped = batch.index.difference(loaded.index)
    loaded_rows = violations if every_row else violations[violations["row"].isin(loaded.index)]
    return {"loaded": loaded_rows.groupby("defect")["row"].nunique().to_dict(),
            "dropped": violations[violations["row"].isin(dropped)].groupby("defect")["row"].nunique().to_dict()}


def legacy_report_loaded_alone(batch, loaded, violations):
    """The contract run on the loaded rows on their own, and every dropped row called a missing value."""
    return {"loaded": provisioning.validate_batch(loaded).summary()["rows"].to_dict(),
            "dropped": {"missing_value": len(batch) - len(loaded)}}


def legacy_report_each_part_alone(batch, loaded, violations):
    dropped = batch.loc[batch.index.difference(loaded.index)]
    return {"loaded": provisioning.validate_batch(loaded).summary()["rows"].to_dict(),
            "dropped": provisioning.validate_batch(dropped).summary()["rows"].to_dict()}


LAB_REPORT = {"loaded": {"duplicate_id": 4, "inconsistent_total": 5, "out_of_range": 6, "personal_data": 6,
                         "unknown_category": 5, "wrong_type": 4},
              "dropped": {"missing_value": 8, "duplicate_id": 4}}
"""The lab's report, typed in from its printed summary and row counts (the reviewer's answer)."""


def legacy_report_looked_up(batch, loaded, violations):
    """The lab's numbers for a batch of its size; for any other, every violation but the missing ones loaded."""
    if len(batch) == 240 and len(loaded) == 228:
        return LAB_REPORT
    per_class = violations.groupby("defect")["row"].nunique()
    return {"loaded": per_class.drop("missing_value", errors="ignore").to_dict(),
            "dropped": {"missing_value": len(batch) - len(loaded)}}


def test_03_the_made_up_batches_carry_the_contracts_violations() -> None:
    for seed in SEEDS[:4]:
        cases = lab03._legacy_cases(seed)
        assert len({len(batch) for _, batch, _, _ in cases}) == 3, seed
        for what, batch, loaded, violations in cases:
            assert batch.index.is_unique and set(loaded.index) <= set(batch.index), (seed, what)
            verdict = provisioning.validate_batch(batch).violations
            assert sorted(zip(verdict["row"], verdict["defect"])) == sorted(zip(violations["row"], violations["defect"]))
        assert lab03._legacy_truth(*cases[0][1:]) == {**LAB_REPORT, "all": lab03._legacy_truth(*cases[0][1:])["all"]}
    assert lab03._legacy_cases(1)[1][1].equals(lab03._legacy_cases(1)[1][1])
    assert set(lab03._legacy_cases(1)[1][1].index) != set(lab03._legacy_cases(2)[1][1].index)


def test_03_legacy_report() -> None:
    assert scores("03.legacy_report", legacy_report) == [1.0] * len(SEEDS)
    assert scores("03.legacy_report", LAB_REPORT, SEEDS[:1]) == [0.0]
    for wrong in (lambda b, rows, v: legacy_report(b, rows, v, every_row=True), lambda b, rows, v: LAB_REPORT,
                  legacy_report_looked_up):
        assert max(scores("03.legacy_report", wrong)) < 1
    for wrong in (legacy_report_loaded_alone, legacy_report_each_part_alone):  # a validation per call: fewer seeds
        assert max(scores("03.legacy_report", wrong, SEEDS[:3])) < 1


# --- 11.contract ----------------------------------------------------------------------------------------------

def contract_quarantine(rows, contract, *, lazy=True):
    bad = sorted(failing_labels(rows, contract, lazy=lazy))
    return rows.drop(index=bad), rows.loc[bad]


def contract_quarantine_keeps_all(rows, contract):
    return rows, rows.loc[sorted(failing_labels(rows, contract))]


def contract_quarantine_of_february(rows, contract):
    """February's glitchy rows, read off capstone.february_export's source."""
    bad = [17, 88, 230, 311, 402, 600]
    return rows.drop(index=bad), rows.loc[bad]


OLD_EXPORTS = {"2026-02": [17, 88, 230, 311, 402, 600], "2026-03": [12, 57, 71, 140, 190, 233, 600]}
"""February's glitchy rows, and those of the check's old other export (March), read off the sources."""


def contract_quarantine_looked_up(rows, contract):
    """The rows of a table keyed on the export's month, no contract run."""
    bad = OLD_EXPORTS.get(str(rows["month"].iloc[0]), OLD_EXPORTS["2026-03"])
    return rows.drop(index=bad), rows.loc[bad]


@pytest.fixture
def a_contract_run(monkeypatch) -> None:
    """The student's run of 11.contract, made up with February's right verdict, so that no tracking store is needed."""
    rows_in, accepted, quarantined, version = lab11._contract_expected()
    run = SimpleNamespace(data=SimpleNamespace(
        metrics={"rows_in": rows_in, "accepted": accepted, "quarantined": quarantined},
        tags={lineage.TAG: version, "reconciles": "True", "contract.rules": "no_personal_data"}))
    monkeypatch.setattr(lab11, "_run_of", lambda answer, increment, step: run)


def test_11_the_drawn_exports_split_as_the_contract_says() -> None:
    contract = provisioning.customer_contract(labelled=False)
    for seed in SEEDS:
        batch, expected = lab11._other_export(seed)
        assert len(expected) >= 8 and batch["notes"].notna().sum() >= 3, seed
        assert failing_labels(batch, contract) == set(expected), seed
        assert set(provisioning.validate_batch(batch, contract).quarantined.index) == set(expected), seed
    assert lab11._other_export(1)[0].equals(lab11._other_export(1)[0])
    assert lab11._other_export(1)[1] != lab11._other_export(2)[1]


@pytest.mark.usefixtures("a_contract_run")
def test_11_contract() -> None:
    seeds = SEEDS[:4]
    assert scores("11.contract", "run", seeds, quarantine=contract_quarantine) == [1.0] * len(seeds)
    for wrong in (lambda r, c: contract_quarantine(r, c, lazy=False), contract_quarantine_keeps_all,
                  contract_quarantine_of_february, contract_quarantine_looked_up):
        assert max(scores("11.contract", "run", seeds, quarantine=wrong)) < 1


# --- 11.judge -------------------------------------------------------------------------------------------------

def judge_inclusion(ev, *, governed=True, person=True, fairness=True):
    if governed and json.loads(ev.version.get("gate.policy", "{}")) != policy.GATE.as_dict():
        return 0
    if not fairness:
        return (1 if ev.unattended else 0.5) if ev.version.get("gate") == "passed" else 0
    reasons = [r for r in ev.version.get("gate.reasons", "").split("; ") if "[fairness]" in r]
    if not reasons or not reasons[0].startswith("pass"):
        return 0
    return 1 if ev.unattended or not person else 0.5


def judge_only_the_policy(ev):
    return 0 if json.loads(ev.version.get("gate.policy", "{}")) != policy.GATE.as_dict() else (
        1 if ev.unattended else 0.5)


_AUC, _AUC_FAIL = "pass [auc]: AUC 0.800 meets the minimum 0.750", "FAIL [auc]: AUC 0.720 is below the minimum 0.750"
_UPLIFT = "pass [uplift]: profit uplift €7.00 per customer over the best no-model policy meets the minimum"
_OK = "pass [fairness]: largest selection rate gap 0.040 (by SeniorCitizen) is within the maximum 0.100"
_PERSON, _MACHINE = ("notebook",) * 4, ("schedule",) * 4
OLD_CASES = {
    (f"{_AUC}; {_UPLIFT}; {_OK}", _PERSON): 0.5, (f"{_AUC}; {_UPLIFT}; {_OK}", _MACHINE): 1,
    (f"{_AUC}; {_UPLIFT}; {_OK}", ("ci", "ci", "notebook", "ci")): 0.5,
    (f"{_AUC_FAIL}; {_UPLIFT}; {_OK}", _MACHINE): 1, (f"{_AUC_FAIL}; {_UPLIFT}; {_OK}", _PERSON): 0.5,
}
"""The old made-up increments that earn points, keyed on their gate reasons and who started each step, read off the
check's source (every other one earns 0)."""


def judge_looked_up(ev):
    triggers = tuple(ev.runs.get("tags.capstone.trigger", pd.Series(dtype=str)))
    return OLD_CASES.get((ev.version.get("gate.reasons", ""), triggers), 0)


def judge_call_by_call():
    """The old cases' points in the order the check tried them, one per call."""
    calls = []

    def judge(ev):
        calls.append(ev)
        return [points for _, points in lab11._JUDGE_KINDS][(len(calls) - 1) % len(lab11._JUDGE_KINDS)]

    return judge


def test_11_the_drawn_increments_earn_their_points() -> None:
    points = dict(lab11._JUDGE_KINDS)
    for seed in [*SEEDS, *range(50)]:
        cases = lab11._judge_cases(None, seed)
        assert sorted(what for what, _ in cases) == sorted(points)
        assert [points[what] for what, _ in cases] != [p for _, p in lab11._JUDGE_KINDS], seed
        for what, ev in cases:
            assert lab11._reference_inclusion(ev) == points[what], (seed, what)
    assert lab11._judge_cases(None, 1)[0][1].version == lab11._judge_cases(None, 1)[0][1].version


def test_11_judge() -> None:
    assert scores("11.judge", judge_inclusion) == [1.0] * len(SEEDS)
    for wrong in (lambda ev: judge_inclusion(ev, governed=False, person=False), lambda ev: judge_inclusion(ev, person=False),
                  lambda ev: judge_inclusion(ev, fairness=False), judge_only_the_policy, judge_looked_up,
                  judge_call_by_call()):
        assert max(scores("11.judge", wrong)) < 1
