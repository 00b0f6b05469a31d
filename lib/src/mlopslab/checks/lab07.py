"""Checks of lab 07 (trustworthy AI): a group metric, one prediction explained, the ship decision."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..exercises import NotAnswered, correct, exercise, partial, wrong
from ..trust import scores
from ..validation import RULES, Policy, gate

STRICT_POLICY = Policy(fairness_metric="selection_rate", max_fairness_gap=0.10)
"""The review board's policy in lab 07: the same gate, with the gap in share contacted (demographic parity)."""


def _rate(values) -> float:
    return float(np.mean(values)) if len(values) else float("nan")


def _is_bool(value) -> bool:
    return isinstance(value, (bool, np.bool_))


@exercise("07.feature_effect", points=2, title="Explain one prediction: the effect of one feature")
def feature_effect(answer, model=None, customer=None, background=None, **_):
    if not callable(answer):
        return wrong("Define a function `feature_effect(model, customer, feature, background)`.")
    own = float(scores(model, customer)[0])
    cases = {}
    for feature in ("Contract", "tenure", "SeniorCitizen"):
        variants = pd.concat([customer] * len(background), ignore_index=True)
        variants[feature] = background[feature].to_numpy()
        replaced = float(scores(model, variants).mean())
        cases[feature] = (answer(model, customer.copy(), feature, background.copy()), own - replaced, replaced)
    if all(got is None for got, _, _ in cases.values()):
        raise NotAnswered
    bad = {f: c for f, c in cases.items() if c[0] is None or not np.isclose(float(c[0]), c[1], atol=1e-6)}
    if not bad:
        return correct("Right: the effect is the customer's own score minus their average score when that one "
                       "feature takes the values of other customers.")
    feature, (got, want, replaced) = next(iter(bad.items()))
    if got is not None and np.isclose(float(got), -want, atol=1e-6):
        return partial(0.5, f"The sign is reversed for {feature}: compute own score minus the replaced average, so "
                            "that a positive effect means the customer's own value raises the risk.")
    if got is not None and np.isclose(float(got), replaced, atol=1e-6):
        return partial(0.5, f"For {feature} you returned the average replaced score; subtract it from the "
                            "customer's own score.")
    return wrong(f"For {feature} you returned {got!r}, expected {want:.4f}. Repeat the customer's row once per "
                 "background customer, overwrite only `feature` with the background values, score all rows with "
                 "model.predict_proba(...)[:, 1] and compare their mean with the customer's own score.")


@exercise("07.false_positive_rates", points=1, title="A group metric: false positive rate by SeniorCitizen")
def false_positive_rates(answer, y=None, contacted=None, groups=None, **_):
    if not isinstance(answer, dict):
        return wrong("Give a dict {0: rate for non-seniors, 1: rate for seniors}.")
    frame = pd.DataFrame({"y": np.asarray(y, dtype=int), "contacted": np.asarray(contacted, dtype=int),
                          "group": np.asarray(groups, dtype=int)})
    stayers = frame[frame["y"] == 0]
    expected = {g: _rate(stayers.loc[stayers["group"] == g, "contacted"]) for g in (0, 1)}
    given = {int(k): v for k, v in answer.items() if v is not Ellipsis}
    if set(given) != {0, 1}:
        return wrong("Use the keys 0 (not senior) and 1 (senior), one rate each.")
    if not all(isinstance(v, (int, float, np.floating)) for v in given.values()):
        return wrong("Each rate must be a number between 0 and 1.")
    if all(abs(given[g] - expected[g]) < 0.002 for g in (0, 1)):
        return correct(f"Right: the campaign contacts {expected[1]:.0%} of seniors who stay, against "
                       f"{expected[0]:.0%} of other customers who stay: seniors receive many more unneeded offers.")
    recall = {g: _rate(frame.loc[(frame["y"] == 1) & (frame["group"] == g), "contacted"]) for g in (0, 1)}
    selection = {g: _rate(frame.loc[frame["group"] == g, "contacted"]) for g in (0, 1)}
    if all(abs(given[g] - recall[g]) < 0.002 for g in (0, 1)):
        return wrong("That is the recall (share of churners contacted). The false positive rate looks at the "
                     "customers who did NOT churn (y == 0): which share of them were contacted?")
    if all(abs(given[g] - selection[g]) < 0.002 for g in (0, 1)):
        return wrong("That is the share contacted among all customers. Keep only the non-churners (y == 0) first.")
    if any(abs(given[g] - expected[g]) < 0.002 for g in (0, 1)):
        return partial(0.5, "One group is right; check the other one (same formula: contacted among y == 0).")
    return wrong("Among customers with y == 0 in each group, compute the mean of `contacted`.")


@exercise("07.ship_decision", points=2, title="May the model ship? Decide and say why")
def ship_decision(answer, champion=None, reweighed=None, holdout=None, **_):
    keys = {"champion_may_ship", "reweighed_may_ship", "champion_fails"}
    if not isinstance(answer, dict) or not keys <= set(answer):
        return wrong(f"Give a dict with the keys {sorted(keys)}.")
    champ = gate(champion, holdout, STRICT_POLICY)
    mitigated = gate(reweighed, holdout, STRICT_POLICY)
    fails = answer["champion_fails"] if isinstance(answer["champion_fails"], (list, tuple, set)) else []
    given_fails = {str(r).strip().lower() for r in fails if r is not Ellipsis}
    parts = {
        "champion": _is_bool(answer["champion_may_ship"]) and bool(answer["champion_may_ship"]) == champ.passed,
        "reweighed": _is_bool(answer["reweighed_may_ship"]) and bool(answer["reweighed_may_ship"]) == mitigated.passed,
        "reasons": given_fails == set(champ.failed),
    }
    if all(parts.values()):
        return correct(f"Right: under the board's policy the champion fails on {champ.failed} (seniors are contacted "
                       "far more often, because their labels were biased); the reweighed model passes every rule, "
                       "so it may ship after approval.")
    if given_fails - set(RULES):
        return wrong(f"Name rules with {list(RULES)}; you gave {sorted(given_fails - set(RULES))}.")
    hints = {
        "champion": "run validation.gate(model, holdout, strict_policy) and read .passed for the champion.",
        "reweighed": "run validation.gate(reweighed, holdout, strict_policy) and read .passed (True or False).",
        "reasons": "the rules the champion fails are in .failed of its decision under strict_policy.",
    }
    missing = [k for k, ok in parts.items() if not ok]
    score = round(sum(parts.values()) / 3, 2)
    return partial(score, "Not all of it: " + hints[missing[0]]) if score else wrong(hints[missing[0]])
