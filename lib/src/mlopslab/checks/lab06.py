"""Checks of lab 06 (model validation and governance): the gate decision, intended use, an audit question."""

from __future__ import annotations

from dataclasses import replace

from ..config import MODEL_NAME
from ..exercises import NotAnswered, correct, exercise, partial, wrong
from ..validation import RULES, Evidence, Policy, decide

PROPOSED_USES = {
    1: "choose which customers receive this month's €25 retention offer",
    2: "refuse a contract upgrade to customers with a high churn score",
    3: "estimate how many churners the campaign will reach and its expected profit",
    4: "set each customer's monthly price from their churn score",
    5: "show a retention agent the main reasons behind a customer's score before a call",
    6: "score the company's business (B2B) accounts",
    7: "sell churn scores to a partner company for its marketing",
}
"""The uses proposed for the model in exercise 06.intended_use (numbered as in the lab)."""
IN_SCOPE = {1, 3, 5}


def _gate_cases() -> list[tuple[str, Evidence, Policy]]:
    """Evidence the student's rule must judge: typical, each rule failing, all failing, values exactly at a limit."""
    policy = Policy()
    good = Evidence(auc=0.81, threshold=0.25, profit=12000.0, baseline_profit=1000.0, customers=1500,
                    fairness_gaps={"SeniorCitizen": 0.04, "gender": 0.06})
    at_limit = replace(good, auc=policy.min_auc, profit=good.baseline_profit + policy.min_uplift_per_customer * 1500,
                       fairness_gaps={"SeniorCitizen": policy.max_fairness_gap, "gender": 0.0})
    return [
        ("a good candidate", good, policy),
        ("a weak ranker (AUC 0.70)", replace(good, auc=0.70), policy),
        ("a model that barely beats contacting everyone", replace(good, profit=1500.0), policy),
        ("a model with a recall gap of 0.18 by SeniorCitizen",
         replace(good, fairness_gaps={"SeniorCitizen": 0.18, "gender": 0.02}), policy),
        ("a broken model", replace(good, auc=0.45, profit=900.0, fairness_gaps={"gender": 0.3}), policy),
        ("values exactly at every limit", at_limit, policy),
        ("a stricter board (AUC at least 0.85)", good, replace(policy, min_auc=0.85)),
    ]


def _normalise(result) -> tuple[bool, set[str]]:
    if result is None:
        raise NotAnswered
    if not (isinstance(result, tuple) and len(result) == 2):
        raise TypeError(f"return a pair (passed, failed_rules), not {type(result).__name__}")
    passed, failed = result
    return bool(passed), {str(r).strip().lower() for r in (failed or [])}


@exercise("06.gate_decision", points=2, title="Implement the gate decision")
def gate_decision(answer, **_):
    if not callable(answer):
        return wrong("Define a function `gate_decision(evidence, policy)` that returns (passed, failed_rules).")
    cases = _gate_cases()
    results = [(label, _normalise(answer(evidence, policy)), decide(evidence, policy))
               for label, evidence, policy in cases]
    misses = [(label, got, want) for label, got, want in results if got != (want.passed, set(want.failed))]
    if not misses:
        return correct(f"Right on all {len(cases)} cases: the gate passes only when every rule holds, "
                       "and it names each rule that fails.")
    label, got, want = misses[0]
    unknown = got[1] - set(RULES)
    if unknown:
        hint = f"name failed rules with {list(RULES)}; you returned {sorted(unknown)}."
    elif label == "values exactly at every limit":
        hint = "a value exactly at a limit passes: use >= for minimums and <= for the maximum gap."
    else:
        hint = (f"for {label} you returned passed={got[0]}, failed={sorted(got[1])}; expected "
                f"passed={want.passed}, failed={want.failed}. Compare evidence.auc, evidence.uplift_per_customer "
                "and evidence.fairness_gap with the policy's limits.")
    score = 1 - len(misses) / len(cases)
    return partial(round(score, 2), "Not every case is right: " + hint) if score >= 0.5 else wrong(hint[0].upper() + hint[1:])


@exercise("06.intended_use", points=1, title="Model card: intended and out-of-scope uses")
def intended_use(answer, **_):
    if not isinstance(answer, dict) or set(answer) != {"in_scope", "out_of_scope"}:
        return wrong('Give a dict {"in_scope": [...], "out_of_scope": [...]} of the numbers of the proposed uses.')
    try:
        chosen_in = {int(u) for u in answer["in_scope"] if u is not Ellipsis}
        chosen_out = {int(u) for u in answer["out_of_scope"] if u is not Ellipsis}
    except (TypeError, ValueError):
        return wrong("List the proposed uses by their numbers (1 to 7), e.g. {\"in_scope\": [1], ...}.")
    if chosen_in & chosen_out:
        return wrong(f"use(s) {sorted(chosen_in & chosen_out)} cannot be both in scope and out of scope.")
    unknown = (chosen_in | chosen_out) - set(PROPOSED_USES)
    if unknown:
        return wrong(f"there is no proposed use {sorted(unknown)}; the uses are numbered 1 to {len(PROPOSED_USES)}.")
    right = sum(u in IN_SCOPE for u in chosen_in) + sum(u not in IN_SCOPE for u in chosen_out)
    if right == len(PROPOSED_USES):
        return correct("Right: the model was built and validated to rank customers for a retention offer, explain "
                       "that ranking and plan the campaign; pricing, refusing service, other customer types and "
                       "selling scores were never validated (and would harm customers).")
    unsorted = sorted(set(PROPOSED_USES) - chosen_in - chosen_out)
    if unsorted:
        hint = f"sort every proposed use; still unsorted: {unsorted}."
    else:
        hint = ("ask of each use: was the model trained, validated and approved for exactly this decision, "
                "on these customers? Uses that take something away from a customer, or leave the company, need "
                "their own validation.")
    return partial(round(right / len(PROPOSED_USES), 2), hint) if right >= 4 else wrong(hint)


@exercise("06.audit_answer", points=2, title="Answer an audit question from the registry")
def audit_answer(answer, **_):
    from ..registry import client

    if not isinstance(answer, dict) or not {"version", "gate", "failed_rules"} <= set(answer):
        return wrong('Give a dict with the keys "version", "gate" and "failed_rules".')
    c = client()
    try:
        challenger = c.get_model_version_by_alias(MODEL_NAME, "challenger")
    except Exception:
        return wrong("The registry has no churn@challenger: run the registry cells of this lab first.")
    reasons = challenger.tags.get("gate.reasons", "")
    expected = {
        "version": str(challenger.version),
        "gate": challenger.tags.get("gate", "not recorded"),
        "failed_rules": {r for r in RULES if f"FAIL [{r}]" in reasons},
    }
    given = {
        "version": str(answer["version"]).strip(),
        "gate": str(answer["gate"]).strip().lower(),
        "failed_rules": {str(r).strip().lower() for r in (answer["failed_rules"] or []) if r is not Ellipsis},
    }
    right = [k for k in expected if given[k] == expected[k]]
    if len(right) == 3:
        return correct(f"Right: churn@challenger is version {expected['version']}; its gate {expected['gate']} "
                       f"on {sorted(expected['failed_rules']) or 'no rule'}, so it was not promoted.")
    hints = {
        "version": "read the version behind the alias: client.get_model_version_by_alias('churn', 'challenger').version",
        "gate": "the verdict is the version's tag 'gate' (model_version.tags['gate']).",
        "failed_rules": "the tag 'gate.reasons' lists every rule; the failed ones start with 'FAIL [rule]'.",
    }
    missing = [k for k in expected if k not in right]
    return (partial(round(len(right) / 3, 2), "Not all of it: " + hints[missing[0]]) if right
            else wrong(hints[missing[0]]))
