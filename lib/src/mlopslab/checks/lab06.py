"""Checks of lab 06 (model validation and governance): the gate's decision, the registry moves, the intended use, the
promotion step that refuses, and an audit question.

The registry checks run the student's function on a **scratch registered model** of their own (deleted afterwards),
with scenarios and values no output of the lab shows, so that neither a printed value nor a revisit after lab 07 (which
moves the aliases of ``churn``) changes the verdict. While the student's function runs, the course's helpers that
would do the task are switched off (:mod:`._guards`), and the alias and tag calls must go through the ``client`` the
function receives (a spy records them).
"""

from __future__ import annotations

import contextlib
import inspect
import io
import json
import math
import uuid
from dataclasses import replace

import numpy as np

from .. import lineage, policy, registry, validation
from ..exercises import NotAnswered, correct, exercise, partial, wrong
from ..rubrics import criterion, written
from ..validation import RULES, Decision, Evidence
from ._guards import Forbidden, case_seed, references, seal, without

PROPOSED_USES = {
    1: f"choose which customers receive this month's €{policy.ECONOMICS.offer_cost:g} retention offer",
    2: "refuse a contract upgrade to customers with a high churn score",
    3: "estimate how many churners the campaign will reach and its expected profit",
    4: "set each customer's monthly price from their churn score",
    5: "show a retention agent the main reasons behind a customer's score before a call",
    6: "score the company's business (B2B) accounts",
    7: "sell churn scores to a partner company for its marketing",
}
"""The uses proposed for the model in exercise 06.intended_use (numbered as in the lab)."""
_IN_SCOPE = {1, 3, 5}


# --------------------------------------------------------------------------------------------------- helpers

def _own_function(answer, arity: int, signature: str) -> str | None:
    """Why ``answer`` is not the student's own function of ``arity`` positional arguments, or None."""
    if not callable(answer):
        return f"Define a function `{signature}`."
    if getattr(answer, "__module__", "").startswith("mlopslab"):
        return f"That is a function of the course's package. Write your own `{signature}` in the notebook."
    try:
        inspect.signature(answer).bind(*([None] * arity))
    except (TypeError, ValueError):
        return f"Your function must take {arity} arguments: `{signature}`."
    return None


class _Spy:
    """An MlflowClient that records the names of the methods called on it."""

    def __init__(self, client) -> None:
        self._client = client
        self.calls: list[str] = []

    def __getattr__(self, name: str):
        attr = getattr(self._client, name)
        if not callable(attr):
            return attr

        def call(*args, **kwargs):
            self.calls.append(name)
            return attr(*args, **kwargs)

        return call


_HELPERS = {"registry.register": (registry, "register"), "validation.record_gate": (validation, "record_gate"),
            "validation.approve": (validation, "approve"), "validation.promote": (validation, "promote")}
"""The course's registry helpers."""
_PROMOTE_HELPERS = {**_HELPERS, "validation._approval_problems": (validation, "_approval_problems")}
"""For 06.promote also the private check of the chain (gate, card, author) that approve and promote share."""


def _call_guarded(answer, *args, helpers=_HELPERS):
    """Run the student's function with the course's ``helpers`` switched off; (result, error, helper used)."""
    used = references(answer, {name: getattr(module, attr) for name, (module, attr) in helpers.items()})
    if used:
        return None, None, used[0]
    try:
        with contextlib.ExitStack() as stack:
            stack.enter_context(contextlib.redirect_stderr(io.StringIO()))  # "Successfully registered model ..."
            stack.enter_context(contextlib.redirect_stdout(io.StringIO()))
            for module in (registry, validation):
                stack.enter_context(without(module, [a for m, a in helpers.values() if m is module]))
            return answer(*args), None, None
    except Forbidden as err:
        return None, None, err.name
    except Exception as err:  # noqa: BLE001 -- the student's error becomes feedback
        return None, err, None


def _helper_message(name: str) -> str:
    if name == "validation._approval_problems":
        return (f"Your function calls the course's `{name}`: this exercise asks you to check the record yourself "
                "(the gate, the model card, the approval and its time).")
    return (f"Your function calls the course's helper `{name}`: this exercise asks for the MLflow calls themselves "
            "(mlflow.register_model, client.set_registered_model_alias, client.set_model_version_tag, ...).")


@contextlib.contextmanager
def _scratch_model(create: bool = True):
    """A registered model with a unique name (created unless ``create`` is false), deleted afterwards; yields
    (client, name)."""
    client = registry.client()
    name = f"churn-check-{uuid.uuid4().hex[:10]}"
    if create:
        client.create_registered_model(name)
    try:
        yield client, name
    finally:
        with contextlib.suppress(Exception):
            client.delete_registered_model(name)


def _token() -> str:
    return uuid.uuid4().hex[:8]


# --------------------------------------------------------------------------------------------------- 06.gate_decision

def _expected(evidence: Evidence, gate: policy.GatePolicy) -> tuple[bool, list[str]]:
    checks = {"auc": evidence.auc >= gate.min_auc,
              "uplift": evidence.uplift_per_customer >= gate.min_uplift_per_customer,
              "fairness": evidence.fairness_gap <= gate.max_fairness_gap}
    failed = [rule for rule in RULES if not checks[rule]]
    passed = all(checks.values())
    return passed, failed


def _gate_cases(seed: int) -> list[tuple[str, Evidence, policy.GatePolicy]]:
    """Evidence the student's rule must judge: typical, each rule failing, all failing, values exactly at a limit,
    and two other boards; the numbers drawn from ``seed`` (:func:`~._guards.case_seed`, fresh for every check: no
    verdict typed in, keyed on the evidence, matches them), each case failing the same rules on every draw."""
    rng = np.random.default_rng(seed)
    gate = policy.GATE
    customers, baseline = int(rng.integers(800, 3_000)), float(rng.integers(500, 3_000))

    def profit(uplift: float) -> float:
        return float(round(baseline + uplift * customers))

    def below(limit: float, low: float, high: float) -> float:
        return round(limit - float(rng.uniform(low, high)), 2)

    def above(limit: float, low: float, high: float) -> float:
        return round(limit + float(rng.uniform(low, high)), 2)

    good = Evidence(auc=round(float(rng.uniform(gate.min_auc + 0.03, 0.9)), 3),
                    threshold=round(float(rng.uniform(0.2, 0.35)), 2),
                    profit=profit(gate.min_uplift_per_customer + float(rng.uniform(2, 8))), baseline_profit=baseline,
                    customers=customers, fairness_gaps={"SeniorCitizen": below(gate.max_fairness_gap, 0.03, 0.08),
                                                        "gender": below(gate.max_fairness_gap, 0.03, 0.1)})
    at_limit = replace(good, auc=gate.min_auc, profit=baseline + gate.min_uplift_per_customer * customers,
                       fairness_gaps={"SeniorCitizen": gate.max_fairness_gap, "gender": 0.0})
    weak, unfair = below(gate.min_auc, 0.03, 0.1), above(gate.max_fairness_gap, 0.04, 0.12)
    stricter = replace(gate, min_auc=math.ceil((good.auc + 0.01) * 100) / 100)
    laxer = replace(gate, max_fairness_gap=above(gate.max_fairness_gap, 0.06, 0.15))
    return [
        ("a good candidate", good, gate),
        (f"a weak ranker (AUC {weak:.2f})", replace(good, auc=weak), gate),
        ("a model that barely beats the best no-model policy",
         replace(good, profit=profit(gate.min_uplift_per_customer * float(rng.uniform(0.2, 0.8)))), gate),
        (f"a model whose share contacted differs by {unfair:.2f} between SeniorCitizen groups",
         replace(good, fairness_gaps={"SeniorCitizen": unfair, "gender": below(gate.max_fairness_gap, 0.05, 0.1)}), gate),
        ("a broken model", replace(good, auc=below(gate.min_auc, 0.2, 0.35), profit=profit(-float(rng.uniform(0.1, 1))),
                                   fairness_gaps={"gender": above(gate.max_fairness_gap, 0.1, 0.25)}), gate),
        ("values exactly at every limit", at_limit, gate),
        (f"a stricter board (AUC at least {stricter.min_auc:.2f})", good, stricter),
        (f"a laxer board (fairness gap up to {laxer.max_fairness_gap:.2f})",
         replace(good, fairness_gaps={"gender": below(laxer.max_fairness_gap, 0.01, laxer.max_fairness_gap
                                                      - gate.max_fairness_gap - 0.02)}), laxer),
    ]


def _normalise(result) -> tuple[bool, list[str]] | None:
    """(passed, failed rules) from the student's pair (a tuple or a list of two), or None if it is no pair."""
    if result is None:
        raise NotAnswered
    if not (isinstance(result, (tuple, list)) and len(result) == 2):
        return None
    passed, failed = result
    return bool(passed), [str(r).strip().lower() for r in (failed or [])]


@exercise("06.gate_decision", points=2, title="The gate's decision")
def gate_decision(answer, **_):
    problem = _own_function(answer, 2, "gate_decision(evidence, policy)")
    if problem:
        return wrong(problem)
    cases = _gate_cases(case_seed("06.gate_decision"))
    package = {"validation._decide": validation._decide, "validation.gate": validation.gate}
    used = references(answer, package)
    try:
        if used:
            raise Forbidden(used[0])
        with without(validation, ["_decide", "gate", "collect_evidence"]):
            results = [(label, _normalise(answer(evidence, gate)), _expected(evidence, gate))
                       for label, evidence, gate in cases]
    except Forbidden as err:
        return wrong(f"Your function calls the gate's own `{err.name}`: write the three comparisons yourself.")
    unpaired = next((label for label, got, _ in results if got is None), None)
    if unpaired:
        return wrong(f"For {unpaired} your function did not return a pair: return (passed, failed_rules), "
                     "e.g. `return passed, failed`.")
    misses = [(label, got, want) for label, got, want in results if got != want]
    if not misses:
        return correct(f"Right on all {len(cases)} cases: the gate passes only when every rule holds, "
                       "and it names each rule that fails.")
    label, got, want = misses[0]
    unknown = set(got[1]) - set(RULES)
    if unknown:
        hint = f"name failed rules with {list(RULES)}; you returned {sorted(unknown)}."
    elif label == "values exactly at every limit":
        hint = "a value exactly at a limit passes: use >= for minimums and <= for the maximum gap."
    elif set(got[1]) == set(want[1]) and got[0] == want[0]:
        hint = f"list the failed rules in the order {list(RULES)}."
    else:
        hint = (f"for {label} you returned passed={got[0]}, failed={got[1]}; expected passed={want[0]}, "
                f"failed={want[1]}. Compare evidence.auc, evidence.uplift_per_customer and evidence.fairness_gap with "
                "the limits of the policy you receive (not fixed numbers).")
    score = 1 - len(misses) / len(cases)
    return (partial(round(score, 2), "Not every case is right: " + hint) if score >= 0.5
            else wrong(hint[0].upper() + hint[1:]))


# --------------------------------------------------------------------------------------------------- 06.register_challenger

def _decisions() -> list[Decision]:
    """Two decisions no output of the lab shows: one that passed the governed gate, one that failed on uplift and
    fairness under a laxer board's policy (so the recorded policy must be the decision's own)."""
    good = Evidence(auc=0.812, threshold=0.27, profit=13100.0, baseline_profit=1200.0, customers=1500,
                    fairness_gaps={"SeniorCitizen": 0.031, "gender": 0.012})
    bad = replace(good, threshold=0.31, profit=1900.0, fairness_gaps={"SeniorCitizen": 0.144, "gender": 0.02})
    return [validation._decide(good, policy.GATE), validation._decide(bad, replace(policy.GATE, max_fairness_gap=0.12))]


def _recorded_policy(tags: dict[str, str]) -> dict | None:
    try:
        return json.loads(tags.get("gate.policy", ""))
    except ValueError:
        return None


def _registration_problems(client, name: str, run_id: str, decision: Decision, returned, before: set[str],
                           spy: _Spy) -> list[tuple[str, str]]:
    """(part, hint) for each part of the registration that is missing or wrong."""
    versions = {str(v.version): v for v in client.search_model_versions(f"name='{name}'")}
    new = sorted(set(versions) - before, key=int)
    if len(new) != 1:
        return [("version", f"one call must register exactly one new version of `name`; found {len(new)}. Use "
                            "mlflow.register_model(f\"runs:/{run_id}/model\", name).")]
    version = versions[new[0]]
    tags, run_tags = version.tags, client.get_run(run_id).data.tags
    aliases = client.get_registered_model(name).aliases
    problems = []
    if version.run_id != run_id:
        problems.append(("version", "register the model of the run you receive (runs:/<run_id>/model)."))
    if str(returned) != str(version.version):
        problems.append(("return", f"return the new version (here {version.version}), not {returned!r}."))
    if str(aliases.get("challenger")) != str(version.version):
        problems.append(("alias", "point the alias 'challenger' at the new version "
                                  "(client.set_registered_model_alias(name, 'challenger', version))."))
    if "champion" in aliases:
        problems.append(("alias", "registration must not touch 'champion': production moves only after approval."))
    if tags.get("gate") != ("passed" if decision.passed else "failed"):
        problems.append(("gate", "the tag 'gate' must be the text 'passed' or 'failed' (from decision.passed)."))
    reasons = tags.get("gate.reasons", "")
    if not all(r in reasons for r in decision.reasons):
        problems.append(("reasons", "the tag 'gate.reasons' must hold every sentence of decision.reasons "
                                    "(e.g. '; '.join(decision.reasons))."))
    if _recorded_policy(tags) != decision.policy.as_dict():
        problems.append(("policy", "the tag 'gate.policy' must hold the policy the gate applied, as JSON: "
                                   "json.dumps(decision.policy.as_dict()) (the decision's own, not always policy.GATE)."))
    try:
        threshold_ok = f"{float(tags.get(policy.THRESHOLD.tag, 'nan')):.2f}" == f"{decision.evidence.threshold:.2f}"
    except ValueError:
        threshold_ok = False
    if not threshold_ok or tags.get(policy.THRESHOLD.tag) != f"{decision.evidence.threshold:.2f}":
        problems.append(("threshold", f"record decision.evidence.threshold with two decimals under the tag "
                                      f"policy.THRESHOLD.tag ({policy.THRESHOLD.tag!r})."))
    for key, label in ((policy.APPROVAL.author_tag, "author"), (lineage.TAG, "data version")):
        if tags.get(key) != run_tags.get(key):
            problems.append(("lineage", f"copy the run's {label} (its tag {key!r}) onto the version under the "
                                        "same tag name."))
    for call, what in (("set_registered_model_alias", "the alias"), ("set_model_version_tag", "the tags")):
        if call not in spy.calls:
            problems.append(("client", f"write {what} with client.{call}, on the `client` your function receives."))
    return problems


@exercise("06.register_challenger", points=3, title="Register the challenger, with the MLflow calls")
def register_challenger(answer, run_id=None, **_):
    problem = _own_function(answer, 4, "register_challenger(client, name, run_id, decision)")
    if problem:
        return wrong(problem)
    client = registry.client()
    try:
        run_tags = client.get_run(str(run_id)).data.tags
    except Exception:  # noqa: BLE001 -- any lookup failure means the lab's run is missing
        return wrong("The check needs the candidate's run: run the cells of section 5 (they log `run_id`) first.")
    if policy.APPROVAL.author_tag not in run_tags or lineage.TAG not in run_tags:
        return wrong("`run_id` must be the candidate's run logged in section 5 (with its author and data version).")
    problems: list[tuple[str, str]] = []
    for first, decision in zip((True, False), _decisions()):
        with _scratch_model(create=not first) as (_, name):  # first a name with no registered model yet, as on a fresh store
            spy = _Spy(registry.client())
            before = {str(v.version) for v in client.search_model_versions(f"name='{name}'")}
            result, error, helper = _call_guarded(answer, spy, name, str(run_id), decision)
            if helper:
                return wrong(_helper_message(helper))
            if error is not None:
                fresh = " (on a name with no registered model yet, as on a fresh store)" if first else ""
                return wrong(f"Your function raised {type(error).__name__}{fresh}: {error}")
            if result is None and not spy.calls:
                raise NotAnswered
            problems += [p for p in _registration_problems(client, name, str(run_id), decision, result, before, spy)
                         if p not in problems]
    if not problems:
        return correct("Right: a new version from the run, `challenger` on it, and the gate's verdict, reasons and "
                       "policy, the governed threshold, author and data version recorded on the version, all with "
                       "your own MLflow calls.")
    parts = ("version", "return", "alias", "gate", "reasons", "policy", "threshold", "lineage", "client")
    wrong_parts = {part for part, _ in problems}
    score = round(1 - len(wrong_parts) / len(parts), 2)
    hint = problems[0][1]
    if "version" in wrong_parts or score < 0.5:
        return wrong(hint[0].upper() + hint[1:])
    return partial(score, "Not all of it yet: " + hint)


# --------------------------------------------------------------------------------------------------- 06.intended_use

@exercise("06.intended_use", points=1, title="The intended use section")
def intended_use(answer, **_):
    if not isinstance(answer, (list, tuple, set)):
        return wrong("Give a list of the numbers of the uses that are in scope, e.g. [1, 2].")
    try:
        chosen = {int(u) for u in answer if u is not Ellipsis}
    except (TypeError, ValueError):
        return wrong("List the proposed uses by their numbers (1 to 7).")
    if not chosen:
        raise NotAnswered
    unknown = chosen - set(PROPOSED_USES)
    if unknown:
        return wrong(f"There is no proposed use {sorted(unknown)}; the uses are numbered 1 to {len(PROPOSED_USES)}.")
    if chosen == _IN_SCOPE:
        return correct("Right: the model was built and validated to rank customers for a retention offer, explain "
                       "that ranking and plan the campaign; pricing, refusing service, other customer types and "
                       "selling scores were never validated (and would harm customers).")
    return wrong("Not yet. Ask of each use: was the model trained, validated and approved for exactly this decision, "
                 "on these customers? A use that takes something away from a customer, or leaves the company, needs "
                 "its own validation.")


# --------------------------------------------------------------------------------------------------- 06.promote

def _promotion_scenarios(seed: int = 0) -> list[tuple[str, dict[str, str], bool]]:
    """(label, version tags, may be promoted): one complete record and one per way a record can be incomplete. The
    model card's time, and the approval's a few minutes to days after or before it, are drawn from ``seed``
    (:func:`~._guards.case_seed` in the check, fresh each time): no time typed in tells the early approval apart."""
    from datetime import UTC, datetime, timedelta

    rng = np.random.default_rng(seed)
    approval = policy.APPROVAL
    author, approver = f"ds-{_token()}@example.org", f"reviewer-{_token()}@example.org"
    author_respelled = author.upper().replace("EXAMPLE", "Example") + " "  # the same person for may_approve
    logged = datetime(2025, 1, 1, tzinfo=UTC) + timedelta(minutes=int(rng.integers(0, 2 * 365 * 24 * 60)))
    card, after, before = (t.isoformat(timespec="seconds") for t in (
        logged, logged + timedelta(minutes=int(rng.integers(5, 4_320))), logged - timedelta(minutes=int(rng.integers(5, 4_320)))))
    complete = {"gate": "passed", approval.author_tag: author, approval.card_tag: card, approval.approver_tag: approver,
                approval.approved_at_tag: after}

    def without_tag(key: str) -> dict[str, str]:
        return {k: v for k, v in complete.items() if k != key}

    return [
        ("a version whose gate failed", {**complete, "gate": "failed"}, False),
        ("a version without a model card", without_tag(approval.card_tag), False),
        ("a version nobody approved", {k: v for k, v in complete.items()
                                       if k not in (approval.approver_tag, approval.approved_at_tag)}, False),
        ("a version its own author approved", {**complete, approval.approver_tag: author}, False),
        ("a version its own author approved, the name written in capitals with a trailing space",
         {**complete, approval.approver_tag: author_respelled}, False),
        ("a version approved before its model card was logged", {**complete, approval.approved_at_tag: before}, False),
        ("a version with the whole chain on record", complete, True),
    ]


@exercise("06.promote", points=3, title="The promotion step that refuses")
def promote(answer, **_):
    problem = _own_function(answer, 3, "promote(client, name, version)")
    if problem:
        return wrong(problem)
    misses: list[tuple[str, str]] = []
    answered = False
    with _scratch_model() as (client, name):
        baseline = client.create_model_version(name, "check-baseline").version
        for label, tags, allowed in _promotion_scenarios(case_seed("06.promote")):
            version = client.create_model_version(name, "check-scenario").version
            for key, value in tags.items():
                client.set_model_version_tag(name, version, key, value)
            client.set_registered_model_alias(name, "champion", baseline)
            spy = _Spy(registry.client())
            result, error, helper = _call_guarded(answer, spy, name, str(version), helpers=_PROMOTE_HELPERS)
            if helper:
                return wrong(_helper_message(helper).replace("(mlflow.register_model, ", "("))
            answered = answered or result is not None or error is not None or "set_registered_model_alias" in spy.calls
            champion = str(client.get_registered_model(name).aliases.get("champion"))
            if allowed:
                if error is not None:
                    misses.append((label, f"for {label} your function raised {type(error).__name__}: {error}"))
                elif champion != str(version):
                    misses.append((label, f"for {label} move 'champion' to the version "
                                          "(client.set_registered_model_alias(name, 'champion', version))."))
                elif "set_registered_model_alias" not in spy.calls:
                    misses.append((label, "move the alias with the `client` your function receives."))
            elif champion != str(baseline) and "capitals" in label:
                misses.append((label, f"for {label}, 'champion' moved: compare author and approver with "
                                      "policy.APPROVAL.may_approve, the governed rule (it ignores case and spaces)."))
            elif champion != str(baseline):
                misses.append((label, f"for {label} 'champion' moved: check the record first, and move the alias "
                                      "only when every check passed."))
            elif not isinstance(error, PermissionError):
                what = f"raised {type(error).__name__}" if error is not None else "returned without refusing"
                misses.append((label, f"for {label} your function {what}: raise PermissionError with the reason."))
    if not answered:
        raise NotAnswered
    scenarios = len(_promotion_scenarios())
    if not misses:
        return correct(f"Right on all {scenarios} records: `champion` moves only for a version whose gate passed, "
                       "whose model card exists, and which someone other than its author approved after the card.")
    score = round(1 - len(misses) / scenarios, 2)
    hint = misses[0][1]
    return partial(score, "Not every record is judged right: " + hint) if score >= 0.5 else wrong(hint[0].upper() + hint[1:])


# --------------------------------------------------------------------------------------------------- 06.audit

def _audit_scenario(client, name: str) -> dict[str, dict]:
    """Two versions from two scratch runs, with values no output of the lab shows; alias -> the expected answer."""
    from ..config import EXPERIMENT

    experiment = client.get_experiment_by_name(EXPERIMENT)
    experiment_id = experiment.experiment_id if experiment else client.create_experiment(EXPERIMENT)
    approval = policy.APPROVAL
    expected = {}
    runs = []
    for alias, approved in (("champion", True), ("challenger", False)):
        data_version = uuid.uuid4().hex * 2
        run = client.create_run(experiment_id, tags={lineage.TAG: data_version, "mlflow.runName": f"check-{alias}"})
        runs.append(run.info.run_id)
        client.set_terminated(run.info.run_id)
        version = client.create_model_version(name, f"runs:/{run.info.run_id}/model", run_id=run.info.run_id).version
        tags = {approval.author_tag: f"author-{_token()}@example.org", "gate": "passed" if approved else "failed",
                lineage.TAG: uuid.uuid4().hex * 2}  # a stale copy on the version: the run is the record
        if approved:
            tags[approval.approver_tag] = f"approver-{_token()}@example.org"
        for key, value in tags.items():
            client.set_model_version_tag(name, version, key, value)
        client.set_registered_model_alias(name, alias, version)
        expected[alias] = {"version": str(version), "data_version": data_version, "author": tags[approval.author_tag],
                           "gate": tags["gate"], "approved_by": tags.get(approval.approver_tag)}
    expected["_runs"] = runs
    return expected


@exercise("06.audit", points=2, title="Answer an audit question from the registry")
def audit(answer, **_):
    problem = _own_function(answer, 3, "audit(client, name, alias)")
    if problem:
        return wrong(problem)
    keys = ("version", "data_version", "author", "gate", "approved_by")
    wrong_keys: list[str] = []
    with _scratch_model() as (client, name):
        expected = _audit_scenario(client, name)
        try:
            for alias in ("challenger", "champion"):
                result, error, helper = _call_guarded(answer, registry.client(), name, alias)
                if helper:
                    return wrong(_helper_message(helper))
                if error is not None:
                    return wrong(f"For the alias {alias!r} your function raised {type(error).__name__}: {error}. "
                                 "A tag the version does not have is None (tags.get(...)).")
                if result is None:
                    raise NotAnswered
                if not isinstance(result, dict) or not set(keys) <= set(result):
                    return wrong(f"Return a dict with the keys {list(keys)}.")
                given = {k: (None if result[k] is None else str(result[k])) for k in keys}
                wrong_keys += [k for k in keys if given[k] != expected[alias][k] and k not in wrong_keys]
        finally:
            for run_id in expected.get("_runs", []):
                with contextlib.suppress(Exception):
                    client.delete_run(run_id)
    if not wrong_keys:
        return correct("Right: alias → version → its tags, and version → run → the data it was trained on. That walk "
                       "answers the auditor for any model, any time.")
    hints = {
        "version": "the version behind the alias: client.get_model_version_by_alias(name, alias).version.",
        "data_version": "the data version is recorded on the run that produced the version: "
                        "client.get_run(version.run_id).data.tags[lineage.TAG].",
        "author": "the author is the version's tag policy.APPROVAL.author_tag.",
        "gate": "the verdict is the version's tag 'gate'.",
        "approved_by": "the approver is the version's tag policy.APPROVAL.approver_tag, None when nobody approved.",
    }
    score = round(1 - len(wrong_keys) / len(keys), 2)
    return (partial(score, "Not all of it: " + hints[wrong_keys[0]]) if score >= 0.5
            else wrong(hints[wrong_keys[0]][0].upper() + hints[wrong_keys[0]][1:]))


written("06.go_no_go", title="The go/no-go memo", criteria=[
    criterion("decision", 1, "A clear decision",
              full="No-go for now: the candidate failed the governed gate, and a failed candidate may not be approved."),
    criterion("evidence", 2, "The evidence, with its figures",
              full="The gate's three tests: AUC and profit uplift pass, fairness fails, with the largest gap in the "
                   "share contacted (by SeniorCitizen) against the policy's maximum, quoted from the gate's output."),
    criterion("argument", 2, "The Data Scientist's argument, answered",
              full="Similar recall by group answers another question (equal opportunity) than the governed rule on "
                   "the share contacted; a rule does not change because a candidate fails it, nor at its author's "
                   "request; whether the seniors' recorded churn is real goes to the trustworthy-AI review."),
    criterion("next", 1, "What would make it a go",
              full="A concrete path: the label review (lab 07), a model that passes the same gate, its model card, "
                   "and an approver who is not its author."),
])

seal(__name__)
