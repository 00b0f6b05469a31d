"""Checks of lab 07 (trustworthy AI): one prediction explained, the group metrics with fairlearn, the reweighing
weights, and the recall gap on recorded and audited outcomes.

The reference computations are private and recomputed here from the data: the candidate is lab 06's (lab 05's
choice, ``registry.REFERENCE_FAMILY``, on lab 04's prepared data; trained here once per kernel, with the governed
threshold of ``policy.THRESHOLD``), the audited outcomes come from :func:`mlopslab.trust.audited_outcomes`. The
package's own reweighing and per-feature effects are switched off while the student's functions run.
"""

from __future__ import annotations

import contextlib
from functools import lru_cache

import numpy as np
import pandas as pd

from .. import data, development, monitoring, preparation, registry, trust, validation
from ..exercises import NotAnswered, correct, exercise, partial, wrong
from ..rubrics import criterion, written
from ..trust import scores
from ._guards import Forbidden, case_seed, references, seal, without
from ._tolerance import rounded


def _own_function(answer, signature: str) -> str | None:
    if not callable(answer):
        return f"Define a function `{signature}`."
    if getattr(answer, "__module__", "").startswith("mlopslab"):
        return f"That is a function of the course's package. Write your own `{signature}` in the notebook."
    return None


@lru_cache(maxsize=1)
def _candidate_campaign() -> tuple[np.ndarray, np.ndarray, pd.Series, np.ndarray]:
    """Lab 06's candidate on the hold-out months: (recorded y, audited y, SeniorCitizen, contacted)."""
    model, train, holdout = registry.train_reference_model()
    validated = validation.out_of_time_scores(
        lambda frame: development.fit_candidate(registry.reference_estimator(), frame), train)
    threshold, _ = development.best_threshold(validated["y"], validated["score"])
    X, y = preparation.split_xy(holdout)
    _, audited = preparation.split_xy(trust.audited_outcomes())
    contacted = (scores(model, X) >= threshold).astype(int)
    return y.to_numpy(), audited.to_numpy(), X["SeniorCitizen"].reset_index(drop=True), contacted


# --------------------------------------------------------------------------------------------------- 07.feature_effect

_DECIMALS = rounded(4)
"""How far an effect or a weight may be from the check's: a value rounded to four decimals is right."""


def _effect(model, customer: pd.DataFrame, feature: str, background: pd.DataFrame) -> tuple[float, float]:
    """(the customer's own score minus their average score with ``feature`` replaced, that average)."""
    own = float(scores(model, customer)[0])
    repeated = customer.loc[customer.index.repeat(len(background))].reset_index(drop=True)
    repeated[feature] = background[feature].values
    replaced = float(scores(model, repeated).mean())
    return own - replaced, replaced


@lru_cache(maxsize=1)
def _other_customers() -> tuple[pd.DataFrame, pd.DataFrame]:
    """The training months' inputs, and the non-senior hold-out customers on a two-year contract (unlike the lab's
    example), from whom the check draws its own case."""
    train, holdout = registry.reference_split()
    X_train, _ = preparation.split_xy(train)
    X_hold, _ = preparation.split_xy(holdout)
    return X_train, X_hold[(X_hold["Contract"] == "Two year") & (X_hold["SeniorCitizen"] == 0)]


def _other_customer(seed: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The check's own case: one of those customers and 150 comparable customers of the training months, both drawn
    from ``seed`` (:func:`~._guards.case_seed`, fresh for every check). An answer read off a table the lab made, or
    typed in from an offline run, cannot fit it."""
    rng = np.random.default_rng(seed)
    X_train, candidates = _other_customers()
    customer = trust.customer_frame(candidates.iloc[[int(rng.integers(len(candidates)))]])
    return customer, trust.comparable_customers(X_train, customer, n=150, seed=int(rng.integers(2**31)))


@exercise("07.feature_effect", points=2, title="Explain one prediction yourself")
def feature_effect(answer, model=None, customer=None, background=None, **_):
    problem = _own_function(answer, "feature_effect(model, customer, feature, background)")
    if problem:
        return wrong(problem)
    used = references(answer, {"trust.feature_effects": trust.feature_effects})
    if used:
        return wrong(f"Your function calls the course's `{used[0]}`: this exercise asks you to compute the effect "
                     "yourself, with model.predict_proba.")
    if not (hasattr(model, "predict_proba") and isinstance(customer, pd.DataFrame)
            and isinstance(background, pd.DataFrame)):
        return wrong("Run the check cell as given: check(\"07.feature_effect\", feature_effect, model=candidate, "
                     "customer=customer, background=background).")
    seed, lab_effect = case_seed("07.feature_effect"), _effect(model, customer, "Contract", background)[0]
    for attempt in range(8):  # drawn again while the lab customer's Contract effect would fit the other one too
        other, other_background = _other_customer(seed + attempt)
        if abs(_effect(model, other, "Contract", other_background)[0] - lab_effect) > 10 * _DECIMALS:
            break
    inputs = {("lab", feature): (customer, background) for feature in ("Contract", "tenure", "SeniorCitizen")}
    inputs.update({("other", feature): (other, other_background) for feature in ("Contract", "MonthlyCharges")})
    cases = {}
    for (who, feature), (row, base) in inputs.items():
        want, replaced = _effect(model, row, feature, base)
        try:
            with without(trust, ["feature_effects"]):
                got = answer(model, row.copy(), feature, base.copy())
        except Forbidden as err:
            return wrong(f"Your function calls the course's `{err.name}`: this exercise asks you to compute the "
                         "effect yourself, with model.predict_proba.")
        cases[(who, feature)] = (got, want, replaced)
    if all(got is None for got, _, _ in cases.values()):
        raise NotAnswered
    bad = {key: c for key, c in cases.items() if c[0] is None or not np.isclose(float(c[0]), c[1], rtol=0, atol=_DECIMALS)}
    if not bad:
        return correct("Right: the effect is the customer's own score minus their average score when that one "
                       "feature takes the values of other customers.")
    if all(who == "other" for who, _ in bad):
        return wrong("Right for the lab's customer, but not for another customer and background the check tried: "
                     "compute the effect from the function's arguments, not from a table the lab already made.")
    (_, feature), (got, want, replaced) = next(iter(bad.items()))
    if got is not None and np.isclose(float(got), -want, rtol=0, atol=_DECIMALS):
        return partial(0.5, f"The sign is reversed for {feature}: compute own score minus the replaced average, so "
                            "that a positive effect means the customer's own value raises the risk.")
    if got is not None and np.isclose(float(got), replaced, rtol=0, atol=_DECIMALS):
        return partial(0.5, f"For {feature} you returned the average replaced score; subtract it from the "
                            "customer's own score.")
    method = ("Repeat the customer's row once per background customer, overwrite only `feature` with the background "
              "values, score all rows with model.predict_proba(...)[:, 1] and subtract their mean from the customer's "
              "own score.")
    if got is None:
        return wrong(f"For {feature} your function returned None: return the effect as one number. " + method)
    if np.isclose(float(got), want + replaced, rtol=0, atol=_DECIMALS):
        return wrong(f"For {feature} you returned the customer's own score; subtract the average replaced score. "
                     + method)
    if np.isclose(float(got), want, rtol=0, atol=1e-2):
        return wrong(f"For {feature} your effect is close but not exact: keep at least four decimals, and use every "
                     "background customer once. " + method)
    return wrong(f"For {feature} your effect is not the customer's own score minus the replaced average. " + method)


# --------------------------------------------------------------------------------------------------- 07.group_metrics

_GROUP_METRICS = ("selection_rate", "recall", "false_positive_rate")


def _rates(y: np.ndarray, contacted: np.ndarray, groups: pd.Series) -> pd.DataFrame:
    frame = pd.DataFrame({"y": np.asarray(y, dtype=int), "c": np.asarray(contacted, dtype=int),
                          "g": np.asarray(groups)})
    table = {}
    for group, rows in frame.groupby("g"):
        table[group] = {"selection_rate": rows["c"].mean(), "recall": rows.loc[rows["y"] == 1, "c"].mean(),
                        "false_positive_rate": rows.loc[rows["y"] == 0, "c"].mean()}
    return pd.DataFrame(table).T


def _as_senior_groups(by_group: pd.DataFrame, expected: pd.DataFrame) -> pd.DataFrame | None:
    """``by_group`` with its two groups renamed 0 and 1 when they are SeniorCitizen's under other names (such as
    "not senior" and "senior"), else None."""
    metric = next((m for m in _GROUP_METRICS if m in by_group.columns), None)
    if metric is None or len(by_group) != 2:
        return None
    for names in ([0, 1], [1, 0]):
        renamed = by_group.set_axis(names).sort_index()
        if np.allclose(renamed[metric].astype(float), expected[metric].sort_index(), atol=1e-9):
            return renamed
    return None


@exercise("07.group_metrics", points=2, title="The group metrics, with fairlearn")
def group_metrics(answer, **_):
    from fairlearn.metrics import MetricFrame

    if not isinstance(answer, MetricFrame):
        return wrong("Build a fairlearn MetricFrame: MetricFrame(metrics={...}, y_true=..., y_pred=..., "
                     "sensitive_features=...).")
    by_group = answer.by_group
    if isinstance(by_group, pd.Series):  # a single metric given as a function, not a dict
        by_group = by_group.to_frame(by_group.name or "metric")
    missing = [m for m in _GROUP_METRICS if m not in by_group.columns]
    y, _, seniors, contacted = _candidate_campaign()
    expected = _rates(y, contacted, seniors)
    if set(map(str, by_group.index)) == {"0", "1"}:
        by_group = by_group.rename(index=lambda g: int(g))
    else:
        by_group = _as_senior_groups(by_group, expected)
        if by_group is None:
            return wrong("Group by SeniorCitizen: sensitive_features=X_hold['SeniorCitizen'] (groups 0 and 1).")
    present = [m for m in _GROUP_METRICS if m not in missing]
    right = [m for m in present if np.allclose(by_group[m].astype(float).sort_index(),
                                               expected[m].sort_index(), atol=1e-9)]
    if len(right) == len(_GROUP_METRICS):
        return correct("Right: one MetricFrame gives every metric for every group; .difference() gives the gaps. "
                       "Seniors are contacted far more often, and far more of those who stay get an offer.")
    swapped = _rates(contacted, y, seniors)
    label_metrics = [m for m in present if m != "selection_rate"]
    if label_metrics and all(np.allclose(by_group[m].astype(float).sort_index(), swapped[m].sort_index(), atol=1e-9)
                             for m in label_metrics):
        return partial(round(len(right) / 6, 2), "y_true are the outcomes (y_hold), y_pred the decisions "
                                                 "(contacted): they look swapped.")
    if missing:
        hint = f"the frame needs the metrics {list(_GROUP_METRICS)}; it lacks {missing}."
    else:
        wrong_one = next(m for m in _GROUP_METRICS if m not in right)
        hint = (f"the {wrong_one} by group does not match the campaign's: which array holds the recorded outcomes, "
                f"which the decisions, and which of fairlearn's metrics measures the {wrong_one}?")
    score = round(len(right) / (2 * len(_GROUP_METRICS)), 2)
    return partial(score, "Not all of it: " + hint) if score else wrong(hint[0].upper() + hint[1:])


# --------------------------------------------------------------------------------------------------- 07.reweighing

def _weights(groups, y) -> np.ndarray:
    frame = pd.DataFrame({"g": np.asarray(groups), "y": np.asarray(y, dtype=int)})
    share = {
        "g": frame["g"].map(frame["g"].value_counts(normalize=True)).to_numpy(),
        "y": frame["y"].map(frame["y"].value_counts(normalize=True)).to_numpy(),
        "both": (frame.groupby(["g", "y"])["y"].transform("count") / len(frame)).to_numpy(),
    }
    return share["g"] * share["y"] / share["both"]


def _reweighing_cases(seed: int) -> list[tuple[str, pd.Series, pd.Series]]:
    """A few rows in three groups, and 900 customers by two groupings, drawn from ``seed`` (:func:`~._guards.case_seed`,
    fresh for every check: no weights typed in match them). The few rows are drawn again until every group and both
    labels occur and the label depends on the group (else every weight is 1, and weights upside down are right)."""
    rng = np.random.default_rng(seed)
    while True:
        rows = int(rng.integers(8, 13))
        small, small_y = pd.Series(rng.choice(["a", "b", "c"], rows)), pd.Series(rng.integers(0, 2, rows))
        if small.nunique() == 3 and small_y.nunique() == 2 and not np.allclose(_weights(small, small_y), 1, atol=1e-3):
            break
    customers = data.load_customers()
    X, y = preparation.split_xy(customers.sample(900, random_state=int(rng.integers(2**31))).reset_index(drop=True))
    return [(f"{rows} rows in three groups", small, small_y),
            ("900 customers, senior × gender", trust.intersection(X), y),
            ("900 customers, by Contract", X["Contract"], y)]


@exercise("07.reweighing", points=2, title="The reweighing weights")
def reweighing(answer, **_):
    problem = _own_function(answer, "reweighing_weights(groups, y)")
    if problem:
        return wrong(problem)
    package = {"trust._reweighing_weights": trust._reweighing_weights, "trust.fit_mitigated": trust.fit_mitigated}
    used = references(answer, package)
    if used:
        return wrong(f"Your function calls the course's `{used[0]}`: this exercise asks you to write it with pandas.")
    results = []
    for label, groups, y in _reweighing_cases(case_seed("07.reweighing")):
        try:
            with without(trust, ["_reweighing_weights", "fit_mitigated"]):
                got = answer(groups.copy(), y.copy())
        except Forbidden as err:
            return wrong(f"Your function calls the course's `{err.name}`: this exercise asks you to write it.")
        if got is None:
            raise NotAnswered
        got = np.asarray(got, dtype=float).ravel()
        results.append((label, got, _weights(groups, y)))
    misses = [(label, got, want) for label, got, want in results if got.shape != want.shape
              or not np.allclose(got, want, rtol=0, atol=_DECIMALS)]
    if not misses:
        return correct("Right: every row weighs P(group)·P(label)/P(group, label). In the weighted data every group "
                       "has the same churn rate, so the label no longer tells the model anything about the group.")
    label, got, want = misses[0]
    if got.shape != want.shape:
        hint = f"return one weight per row ({len(want)} for {label}), in the rows' order; you returned {got.shape}."
    elif np.allclose(np.sort(got), np.sort(want), rtol=0, atol=_DECIMALS):
        hint = f"for {label} the weights are right but not in the rows' order: return weight i for row i, as given."
    elif np.allclose(got, 1 / want, rtol=0, atol=_DECIMALS):
        hint = "your weights are upside down: P(group) · P(label) on top, P(group, label) below."
    elif np.allclose(got, want, rtol=0, atol=1e-2):
        hint = f"for {label} your weights are close but rounded too coarsely: keep at least four decimals."
    elif np.allclose(got.sum(), len(want)) and not np.allclose(got, want):
        hint = f"for {label} the total is right but single weights are not: is each share taken over all rows?"
    else:
        hint = (f"for {label} the weights differ from P(group)·P(label)/P(group, label). Compute each share over all "
                "rows: value_counts(normalize=True) for a group and for a label, and the share of rows with this "
                "group and this label together.")
    score = round(1 - len(misses) / len(results), 2)
    return partial(score, "Not every case is right: " + hint) if score >= 0.5 else wrong(hint[0].upper() + hint[1:])


# --------------------------------------------------------------------------------------------------- 07.recall_gaps

def _recall_gap(y: np.ndarray, contacted: np.ndarray, groups: pd.Series) -> float:
    recall = _rates(y, contacted, groups)["recall"]
    return float(recall.max() - recall.min())


_GAP_FUNCTIONS = ((validation, ["collect_evidence", "gate", "metrics_by_group", "_group_gaps"]),
                  (trust, ["fairness_summary"]), (monitoring, ["fairness_gaps", "segment_gaps"]))
"""The course's group metrics: the gate's evidence and the monitor compute recall gaps too, and the monitor's
calibration table (``segment_gaps``) gives the per-group means recall is made of (fairlearn's own
``equal_opportunity_difference`` is allowed: the library, named in the exercise)."""


_GAP_TOLERANCE = rounded(3)
"""How far a gap may be from the check's: a gap rounded to three decimals is right."""


def _recall_cases(seed: int) -> list[tuple[pd.Series, np.ndarray, pd.Series]]:
    """(outcomes, decisions, groups) of the check's own: two groups, then three (the largest difference), drawn from
    ``seed`` (:func:`~._guards.case_seed`, fresh for every check: no gap typed in matches them). Each is drawn again
    until the gap in share contacted is off the recall gap by more than the rounding allowed."""
    rng = np.random.default_rng(seed)
    cases = []
    for labels in (np.array([0, 1]), np.array(["north", "south", "east"])):
        while True:
            groups = pd.Series(rng.choice(labels, 400), index=rng.permutation(400) + 5000)
            outcomes = pd.Series((rng.random(400) < 0.35).astype(int), index=groups.index)
            decisions = (rng.random(400) < np.where(groups.to_numpy() == labels[0], 0.6, 0.3)).astype(int)
            recall = _rates(outcomes.to_numpy(), decisions, groups)["recall"]
            share = pd.Series(decisions).groupby(groups.to_numpy()).mean()
            if abs(float(share.max() - share.min()) - float(recall.max() - recall.min())) > 10 * _GAP_TOLERANCE:
                cases.append((outcomes, decisions, groups))
                break
    return cases


def _recall_gap_problem(fn) -> str | None:
    """What is wrong with the student's ``recall_gap(outcomes, decisions, groups)``, or None."""
    targets = {f"{module.__name__.rsplit('.', 1)[-1]}.{name}": getattr(module, name)
               for module, names in _GAP_FUNCTIONS for name in names}
    blocked = ("your `recall_gap` calls the course's `{}`: the gate computes gaps for its own rule; this exercise "
               "asks you to compute the recall gap yourself (a MetricFrame, or pandas).")
    used = references(fn, targets)
    if used:
        return blocked.format(used[0])
    for outcomes, decisions, groups in _recall_cases(case_seed("07.recall_gaps")):
        try:
            with contextlib.ExitStack() as blocked_here:
                for module, names in _GAP_FUNCTIONS:
                    blocked_here.enter_context(without(module, names))
                got = fn(outcomes.copy(), decisions.copy(), groups.copy())
        except Forbidden as err:
            return blocked.format(err.name)
        except Exception as err:  # noqa: BLE001 -- the student's function: its error is the hint
            return f"your `recall_gap` raised {type(err).__name__}: {err} on a case of the check's own."
        if got is None or got is Ellipsis:
            return ("write `recall_gap(outcomes, decisions, groups)` too, and compute the four gaps with it: the "
                    "check runs it on cases of its own.")
        if isinstance(got, (pd.Series, pd.DataFrame)) or np.ndim(got) > 0:
            return (f"`recall_gap` returns one number, not a {type(got).__name__}: with a dict of metrics, "
                    "MetricFrame's difference() gives one per metric; pass the metric function itself.")
        try:
            value = float(got)
        except (TypeError, ValueError):
            return f"`recall_gap` returns one number, not a {type(got).__name__}."
        if abs(value - _recall_gap(outcomes.to_numpy(), decisions, groups)) > _GAP_TOLERANCE:  # rounding allowed
            return (f"your `recall_gap` is off on a case of the check's own (with {groups.nunique()} groups): recall "
                    "per group, among the customers whose outcome is 1, then the largest minus the smallest.")
    return None


def _compared(gaps: dict, outcomes: str) -> str:
    """The candidate's recall gap on ``outcomes`` against the mitigated model's, in words (from the check's gaps)."""
    candidate, mitigated = gaps[("candidate", outcomes)], gaps[("mitigated", outcomes)]
    word = "smaller than" if candidate < mitigated else "larger than" if candidate > mitigated else "the same as"
    return f"{word} the mitigated model's ({candidate:.3f} against {mitigated:.3f})"


@exercise("07.recall_gaps", points=2, title="The recall gap, on recorded and on audited outcomes")
def recall_gaps(answer, recall_gap=None, mitigated=None, mitigated_threshold=None, **_):
    models, kinds = ("candidate", "mitigated"), ("recorded", "audited")
    if not (isinstance(answer, dict) and set(answer) == set(models)
            and all(isinstance(answer[m], dict) and set(answer[m]) == set(kinds) for m in models)):
        return wrong('Fill in the dict {"candidate": {"recorded": ..., "audited": ...}, "mitigated": {...}}.')
    values = {(m, k): answer[m][k] for m in models for k in kinds}
    if all(v is Ellipsis or v is None for v in values.values()):
        raise NotAnswered
    if not callable(recall_gap):
        return wrong("Run the check cell as given, with your function: check(\"07.recall_gaps\", recall_gaps, "
                     "recall_gap=recall_gap, ...).")
    problem = _recall_gap_problem(recall_gap)
    if not all(isinstance(v, (int, float, np.floating, np.integer)) and not isinstance(v, bool)
               for v in values.values()):
        return wrong(problem[0].upper() + problem[1:] if problem else
                     "Each entry is one number: the largest difference in recall between the SeniorCitizen groups.")
    if not (hasattr(mitigated, "predict_proba") and mitigated_threshold is not None
            and 0 < float(mitigated_threshold) < 1):
        return wrong("Run the cells of section 4 first: they train `mitigated` and set `mitigated_threshold`.")
    y, audited, seniors, contacted = _candidate_campaign()
    _, holdout = registry.reference_split()
    X, _ = preparation.split_xy(holdout)
    mitigated_contacted = (scores(mitigated, X) >= float(mitigated_threshold)).astype(int)
    expected = {("candidate", "recorded"): _recall_gap(y, contacted, seniors),
                ("candidate", "audited"): _recall_gap(audited, contacted, seniors),
                ("mitigated", "recorded"): _recall_gap(y, mitigated_contacted, seniors),
                ("mitigated", "audited"): _recall_gap(audited, mitigated_contacted, seniors)}
    right = [key for key in expected if abs(float(values[key]) - expected[key]) <= _GAP_TOLERANCE]
    if len(right) == len(expected) and problem:
        return partial(0.5, "The four gaps are right, but " + problem)
    if problem:
        return wrong(problem[0].upper() + problem[1:])
    if len(right) == len(expected):
        return correct(f"Right: on the recorded labels the candidate's recall gap is {_compared(expected, 'recorded')}; "
                       f"on the audited outcomes it is {_compared(expected, 'audited')}. A recall rule is only as "
                       "trustworthy as the labels it is measured on.")
    first = next(key for key in expected if key not in right)
    selection = {"candidate": contacted, "mitigated": mitigated_contacted}[first[0]]
    share_gap = float(pd.Series(selection).groupby(np.asarray(seniors)).mean().agg(np.ptp))
    if abs(float(values[first]) - share_gap) < 5e-4:
        hint = "that is the gap in share contacted; recall looks only at the churners (outcome 1) of each group."
    else:
        hint = (f"the {first[0]}'s gap on the {first[1]} outcomes is off: recall per SeniorCitizen group, among the "
                f"customers whose {'y_hold' if first[1] == 'recorded' else 'y_audited'} is 1, then the largest "
                "difference.")
    score = round(len(right) / len(expected), 2)
    return partial(score, "Not all four: " + hint) if score >= 0.5 else wrong(hint[0].upper() + hint[1:])


written("07.fact_sheet_judgement", title="The fact sheet's judgement", criteria=[
    criterion("verdict", 1, "A verdict",
              full="Fit to ship after approval, or a reasoned refusal, consistent with the gate's verdict."),
    criterion("evidence", 2, "The evidence that weighs most",
              full="From the fact sheet: the parity gaps before and after mitigation against the governed maximum, "
                   "and the profit on the recorded labels against the audited outcomes (the label error behind the "
                   "seniors' recorded churn)."),
    criterion("risk", 2, "The risk left, and how it is watched",
              full="A risk that remains (groups or features the audit did not cover, customers and outcomes that "
                   "drift) and how it is watched and acted on, not only that it exists: the monitor applies the "
                   "governed fairness rule to every month's batch and checks calibration once outcomes arrive (lab 09); "
                   "a retrained model passes the same gate (lab 10)."),
    criterion("agents", 1, "What the agents are told",
              full="The reasons explain the score, not the customer's motives, and may not be used to treat any group "
                   "differently."),
])

seal(__name__)
