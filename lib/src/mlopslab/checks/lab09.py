"""Checks of lab 09 (model monitoring): PSI bin by bin, the drift monitor loop, the two-sided calibration alert,
and what the monitor saw (data drift, concept drift or label bias).

Each coding check runs the student's function on inputs of its own (other months, features, segments, rules than the
lab shows; labels shuffled and late) and compares with a private reference computed here, while the monitor's own
functions that would do the task are switched off (:mod:`._guards`).
"""

from __future__ import annotations

from functools import cache, lru_cache

import numpy as np
import pandas as pd

from .. import data, monitoring
from ..exercises import NotAnswered, correct, exercise, is_blank, partial, wrong
from ..policy import ALERTS, AlertRules
from ._guards import Forbidden, case_seed, references, seal, without
from ._tolerance import rounded


@lru_cache(maxsize=1)
def _reference() -> pd.DataFrame:
    return monitoring.champion_data()[0]


def _blocked_message(name: str, what: str) -> str:
    return (f"Your function calls `{name}`, the monitor's own {what}: this exercise asks you to write it. "
            "Use pandas and NumPy (the recipe above), then run the check again.")


def _guarded(answer, names: list[str], what: str, *args):
    """The student's result with ``monitoring.<names>`` switched off; a Feedback if they are used."""
    used = references(answer, {f"monitoring.{n}": getattr(monitoring, n) for n in names})
    if used:
        return None, wrong(_blocked_message(used[0], what))
    try:
        with without(monitoring, names):
            return answer(*args), None
    except Forbidden as err:
        return None, wrong(_blocked_message(f"monitoring.{err.name.split('.', 1)[1]}", what))


# --------------------------------------------------------------------------------------------------- 09.psi

def _psi_table(reference, current, open_edges: bool = True) -> pd.DataFrame:
    ref_values, cur_values = np.asarray(reference, dtype=float), np.asarray(current, dtype=float)
    deciles = np.quantile(ref_values, np.linspace(0.0, 1.0, num=11))
    cuts = np.concatenate([[-np.inf], deciles[1:-1], [np.inf]]) if open_edges else deciles
    ref_shares = np.histogram(ref_values, bins=cuts)[0] / ref_values.size
    cur_shares = np.histogram(cur_values, bins=cuts)[0] / cur_values.size
    floored_ref, floored_cur = np.maximum(ref_shares, monitoring.EPSILON), np.maximum(cur_shares, monitoring.EPSILON)
    return pd.DataFrame({"reference": ref_shares, "current": cur_shares,
                         "term": (floored_cur - floored_ref) * np.log(floored_cur / floored_ref)})


def _drawn_drift(rng: np.random.Generator) -> data.Drift:
    """Another production year's drift than the term's: when prices rise and by how much, when the competitor comes
    and how many recent sign-ups it brings (within the generator's ranges)."""
    rise_month = int(rng.integers(2, 12))
    return data.Drift(price_rise=round(float(rng.uniform(0.05, 0.30)), 3), price_rise_month=rise_month,
                      competitor_month=int(rng.integers(rise_month, 13)),
                      new_customer_shift=round(float(rng.uniform(0.15, 0.55)), 2))


@lru_cache(maxsize=1)
def _customers() -> pd.DataFrame:
    """The term's 2025 customers: the reference's population."""
    return data.load_customers()[["customerID", *data.FEATURES]]


def _drifted_batch(rng: np.random.Generator, drift: data.Drift, month: str, size: int) -> pd.DataFrame:
    """A scoring batch of ``month`` under ``drift``, made as ``data.make_production`` makes one, of customers drawn
    from the term's 2025 customers: from the competitor's month a share of recent sign-ups (tenure under a year),
    from the price rise's month higher monthly charges (and totals)."""
    customers = _customers()
    batch = customers.take(rng.integers(0, len(customers), size)).reset_index(drop=True)
    number = data.PRODUCTION_MONTHS.index(month) + 1
    tenure, charges = batch["tenure"].to_numpy(), batch["MonthlyCharges"].to_numpy()
    total = batch["TotalCharges"].to_numpy(dtype=float)
    if number >= drift.competitor_month:
        recent = rng.random(size) < drift.new_customer_shift
        tenure = np.where(recent, np.round(rng.uniform(0, 12, size)).astype(tenure.dtype), tenure)
        total = np.where(recent, np.round(charges * tenure * rng.normal(1.0, 0.04, size), 2), total)
    if number >= drift.price_rise_month:
        charges = np.round(charges * (1 + drift.price_rise), 2)
        total = np.round(charges * tenure * rng.normal(1.0, 0.04, size), 2)
    batch = batch.assign(tenure=tenure, MonthlyCharges=charges, TotalCharges=total)
    batch.insert(1, "month", month)
    return batch


def _psi_drawn(seed: int) -> tuple[str, str, pd.Series]:
    """(feature, month, current column): a batch of the check's own, from another year's drift drawn from ``seed``.
    It is drawn again until some of its values lie beyond the reference's range, so that closed outer bins (which
    lose them) give another table."""
    rng = np.random.default_rng(seed)
    reference = _reference()
    while True:
        drift = _drawn_drift(rng)
        month = str(rng.choice(data.PRODUCTION_MONTHS[drift.price_rise_month - 1:]))
        feature = str(rng.choice(["MonthlyCharges", "TotalCharges"]))
        current = _drifted_batch(rng, drift, month, int(rng.integers(300, 601)))[feature]
        low, high = reference[feature].min(), reference[feature].max()
        if ((current < low) | (current > high)).any():
            return feature, month, current


def _psi_cases():
    """(feature, where, reference column, current column): two of the lab's months, one batch of the check's own."""
    reference = _reference()
    cases = [(f, f"in {m}", data.load_batch(m)[f]) for f, m in (("MonthlyCharges", "2026-06"), ("tenure", "2026-07"))]
    feature, month, current = _psi_drawn(case_seed("09.psi"))
    cases.append((feature, f"in a batch of the check's own ({data.month_name(month)} of another year)", current))
    return [(f, where, reference[f].copy(), current.copy()) for f, where, current in cases]


def _rounded_to(values: np.ndarray) -> int | None:
    """The number of decimals (3 to 6) a column was rounded to, or None if it was not rounded (or to fewer)."""
    return next((d for d in range(3, 7) if np.allclose(values, np.round(values, d), rtol=0, atol=1e-12)), None)


def _coarse(values: pd.Series) -> str:
    """A hint when numbers were rounded to fewer than 3 decimals (else nothing)."""
    numbers = values.astype(float).to_numpy()
    rounded = any(np.allclose(numbers, np.round(numbers, d), rtol=0, atol=1e-12) for d in (0, 1, 2))
    return "; yours look rounded to 2 decimals or fewer: keep at least 3" if rounded else ""


def _bins_off(given: pd.Series, wanted: pd.Series) -> list[int]:
    """The bins (numbered from 1, lowest first) where two columns of shares or terms differ (a column rounded to 3 or
    more decimals is compared to that precision)."""
    values = given.to_numpy()
    digits = _rounded_to(values)
    atol = 1e-9 if digits is None else rounded(digits)
    return [int(i) + 1 for i in np.flatnonzero(~np.isclose(values, wanted.to_numpy(), rtol=1e-6, atol=atol))]


def _psi_table_problem(shares: pd.DataFrame, ref, cur, feature: str, where: str):
    """None if the table is the check's own; else a Feedback that names the bins that are off (never the PSI)."""
    if len(shares) != 10:
        return wrong(f"For {feature} {where} your table has {len(shares)} row(s): give one row per decile bin of the "
                     "reference, 10 rows, lowest bin first.")
    expected, closed = _psi_table(ref, cur), _psi_table(ref, cur, open_edges=False)
    off = {column: _bins_off(shares[column], expected[column]) for column in ("reference", "current", "term")}
    if not off["reference"] and not off["current"]:
        return wrong(f"For {feature} {where} the shares are right but the terms of bin(s) {off['term']} are not: floor "
                     "both shares at monitoring.EPSILON, then (current − reference) · ln(current / reference)."
                     ) if off["term"] else None
    if not any(_bins_off(shares[column], closed[column]) for column in ("reference", "current")):
        return partial(0.5, f"For {feature} {where} your bins lose the customers beyond the reference's range. Replace "
                            "the first and last edge by −∞ and +∞ so that the outer bins are open.")
    which = " and ".join(f"the {column} shares of bin(s) {off[column]}" for column in ("reference", "current")
                         if off[column])
    return wrong(f"For {feature} {where} {which} differ from the check's (bins numbered from 1, lowest first). Use "
                 "the reference's deciles as edges (np.quantile at 0, 0.1, …, 1, outer edges −∞ and +∞), and the share "
                 "of each sample per bin: its count divided by that sample's size"
                 f"{_coarse(shares[['reference', 'current']].stack())}.")


@exercise("09.psi", points=2, title="Compute PSI yourself, bin by bin")
def psi_by_hand(answer, **_):
    if not callable(answer):
        return wrong("Define a function `psi_table(reference, current)` that returns a DataFrame, one row per bin.")
    for feature, where, ref, cur in _psi_cases():
        result, blocked = _guarded(answer, ["psi", "psi_against", "reference_bins", "bin_shares", "feature_drift"], "PSI",
                                   ref.copy(), cur.copy())
        if blocked:
            return blocked
        if result is None:
            raise NotAnswered
        if not isinstance(result, pd.DataFrame):
            return wrong(f"psi_table returned a {type(result).__name__}; return a DataFrame with one row per bin.")
        missing = [c for c in ("reference", "current", "term") if c not in result.columns]
        if missing:
            return wrong(f"The table lacks the column(s) {missing}: give each bin's reference share, current share "
                         "and term.")
        try:
            shares = result[["reference", "current", "term"]].astype(float).reset_index(drop=True)
        except (TypeError, ValueError):
            return wrong("The columns reference, current and term must hold numbers.")
        if not np.isfinite(shares.to_numpy()).all():
            return wrong(f"For {feature} {where} some terms are infinite or missing: an empty bin has share 0 and "
                         "ln(0) is −∞. Floor both shares at monitoring.EPSILON before computing the term.")
        if shares["reference"].sum() > 1.5 or shares["current"].sum() > 1.5:
            return wrong("Your reference and current columns add up to far more than 1: they hold counts. A share is "
                         "the count divided by the number of values in that sample.")
        if (shares["term"] < -1e-12).any():
            return wrong("Some terms are negative, but (current − reference) and ln(current / reference) always have "
                         "the same sign. Check the order: (current − reference) · ln(current / reference).")
        problem = _psi_table_problem(shares, ref, cur, feature, where)
        if problem:
            return problem
    return correct("Right: your table matches the check's bin by bin (shares and terms) on June's prices, July's "
                   "tenure and a batch of the check's own, so its terms add up to the monitor's PSI and show which "
                   "bins drive it.")


# ------------------------------------------------------------------------------------------ 09.drift_alerts

def _drift_rows(reference, batches, features, rules) -> pd.DataFrame:
    pairs = [(m, f) for m in batches for f in features]
    values = [monitoring.psi(reference[f], batches[m][f]) for m, f in pairs]
    levels = ["alert" if v >= rules.psi_alert else "warn" if v >= rules.psi_warn else "ok" for v in values]
    return pd.DataFrame({"month": [m for m, _ in pairs], "feature": [f for _, f in pairs], "psi": values,
                         "level": levels})


_QUIET_FEATURES = ["InternetService", "Contract", "PaymentMethod", "PaperlessBilling", "TechSupport"]
"""Inputs the generator's drift leaves alone: one of them joins the drawn case, so that 'ok' rows are dropped there."""


@cache
def _reference_bins(feature: str) -> tuple[np.ndarray | None, pd.Series]:
    """The reference's bins of ``feature`` (``monitoring.reference_bins``), made once: a draw tries a few cases."""
    return monitoring.reference_bins(_reference()[feature])


def _quick_psi(feature: str, current: pd.Series) -> float:
    """``monitoring.psi(reference[feature], current)``, on the reference's bins made once."""
    return monitoring.psi_against(_reference_bins(feature), current)


def _unseen_drift(seed: int) -> tuple[dict[str, pd.DataFrame], list[str]]:
    """Three months of another year's drift drawn from ``seed`` (under the lab's month names, other customers): one
    before its price rise, two from the rise on. Drawn again until, under the governed rules, a month alerts and a
    month stays quiet, some feature only warns, and no PSI lies within 0.002 of a line (an answer that rounds to 3
    decimals keeps its levels)."""
    rng = np.random.default_rng(seed)
    features = [*monitoring.KEY_FEATURES, str(rng.choice(_QUIET_FEATURES))]

    def near(values: np.ndarray) -> bool:
        return bool(np.abs(values[..., None] - [ALERTS.psi_warn, ALERTS.psi_alert]).min() < 0.002)

    while True:
        drift, size = _drawn_drift(rng), int(rng.integers(400, 601))
        later = rng.choice(np.arange(drift.price_rise_month - 1, 12), size=2, replace=False)
        batches = {data.PRODUCTION_MONTHS[i]: _drifted_batch(rng, drift, data.PRODUCTION_MONTHS[i], size) for i in later}
        values = np.array([[_quick_psi(f, batch[f]) for f in features] for batch in batches.values()])
        if near(values) or not (values >= ALERTS.psi_alert).any() or \
                not ((values >= ALERTS.psi_warn) & (values < ALERTS.psi_alert)).any():
            continue
        month = data.PRODUCTION_MONTHS[rng.choice(drift.price_rise_month - 1)]
        batches[month] = _drifted_batch(rng, drift, month, size)
        values = np.array([_quick_psi(f, batches[month][f]) for f in features])
        if (values < ALERTS.psi_warn).all() and not near(values):
            return dict(sorted(batches.items())), features


def _drift_cases() -> list[tuple[dict, list[str], AlertRules, str]]:
    months_a = ["2026-04", "2026-05", "2026-06", "2026-07", "2026-08"]
    months_b = ["2026-03", "2026-05", "2026-07"]
    unseen, features = _unseen_drift(case_seed("09.drift_alerts"))
    return [
        ({m: data.load_batch(m) for m in months_a}, [*monitoring.KEY_FEATURES, "Contract"], ALERTS, "governed"),
        ({m: data.load_batch(m) for m in months_b}, ["tenure", "MonthlyCharges"],
         AlertRules(psi_warn=0.02, psi_alert=0.3), "other"),
        (unseen, features, ALERTS, "unseen"),
    ]


@exercise("09.drift_alerts", points=3, title="Write the drift monitor loop")
def drift_alerts(answer, **_):
    if not callable(answer):
        return wrong("Define a function `drift_alerts(reference, batches, features, rules)` that returns a DataFrame.")
    reference = _reference()
    for batches, features, rules, name in _drift_cases():
        everything = _drift_rows(reference, batches, features, rules)
        expected = everything[everything["level"] != "ok"]
        given_batches = {m: b.copy() for m, b in batches.items()}
        result, blocked = _guarded(answer, ["feature_drift", "level", "monitor_year"],
                                   "drift monitor", reference.copy(), given_batches, list(features), rules)
        if blocked:
            return blocked
        if result is None:
            raise NotAnswered
        if not isinstance(result, pd.DataFrame):
            return wrong(f"drift_alerts returned a {type(result).__name__}; return a DataFrame (month, feature, psi, "
                         "level).")
        missing = [c for c in ("month", "feature", "psi", "level") if c not in result.columns]
        if missing:
            return wrong(f"The table lacks the column(s) {missing}.")
        given = {(str(r.month), str(r.feature), str(r.level).strip().lower()) for r in result.itertuples()}
        wanted = {(r.month, r.feature, r.level) for r in expected.itertuples()}
        unseen = wrong("Right on the lab's batches, wrong on batches of the check's own (the same month names, other "
                       "customers): compute each PSI from the `reference` and `batches` your function is given, not "
                       "from values the notebook computed.")
        if given == wanted:
            merged = expected.merge(result.astype({"month": str, "feature": str}), on=["month", "feature"])
            if not np.allclose(merged["psi_x"].astype(float), merged["psi_y"].astype(float), atol=1e-3):
                return unseen if name == "unseen" else wrong(
                    "The right months, features and levels, but other PSI values: compute "
                    f"monitoring.psi(reference[feature], batch[feature]) for each{_coarse(merged['psi_y'])}.")
            continue
        if name == "unseen":
            return unseen
        if any(level == "ok" for *_, level in given):
            return wrong("Keep only the months and features that warn or alert; an 'ok' is not an alert.")
        if given and given < wanted and {level for *_, level in given} == {"alert"}:
            return partial(0.5, "The alerts are right but the warnings are missing: a PSI at or above rules.psi_warn "
                                "(and below rules.psi_alert) is a 'warn' row.")
        if name == "other":
            return partial(0.5, "Right with the governed rules, wrong with other rules: judge each PSI with the "
                                "`rules` argument (rules.psi_warn, rules.psi_alert), not with typed numbers.")
        missed = sorted(wanted - given)
        extra = sorted(given - wanted)
        detail = f"missing {missed[0]}" if missed else f"unexpected {extra[0]}"
        return wrong(f"Your alerts differ from the monitor's ({detail}). For every month and every feature: PSI of "
                     "the batch against the reference; 'alert' at or above rules.psi_alert, 'warn' at or above "
                     "rules.psi_warn.")
    return correct("Right: your loop is the heart of the production monitor, every month, every feature, one "
                   "governed rule.")


# ------------------------------------------------------------------------------------ 09.calibration_alerts

def _calibration_rows(scored, labels, segments, rules, by_position: bool = False) -> pd.DataFrame:
    """The alerts of the rule; ``by_position`` joins the labels row by row instead of by customerID (the mistake)."""
    parts = []
    for when, frame in scored.items():
        labelled = labels[when][["customerID", data.TARGET, "label_available"]]
        joined = (frame.assign(**{c: labelled[c].to_numpy() for c in (data.TARGET, "label_available")}) if by_position
                  else frame.merge(labelled, on="customerID"))
        joined = joined.assign(_observed=(joined[data.TARGET] == "Yes").astype(float))
        arrived = str(joined["label_available"].iloc[0])
        for name in segments:
            by_value = joined.groupby(name).agg(_obs=("_observed", "mean"), _pred=("churn_probability", "mean"))
            diffs = (by_value["_obs"] - by_value["_pred"]).astype(float)
            beyond = diffs[np.abs(diffs.to_numpy()) > rules.segment_gap]
            parts += [(arrived, when, f"{name}={key}", float(diff), monitoring.direction(diff))
                      for key, diff in beyond.items()]
    return pd.DataFrame(parts, columns=["raised_in", "batch", "segment", "gap", "direction"])


def _later(month: str, months: int) -> str:
    for _ in range(months):
        month = monitoring.next_month(month)
    return month


@lru_cache(maxsize=1)
def _scored_months() -> dict[str, pd.DataFrame]:
    """Every production batch, scored by the champion."""
    from ..registry import load

    champion = load("champion")
    return {m: data.load_batch(m).assign(churn_probability=monitoring.score(champion, data.load_batch(m)))
            for m in data.PRODUCTION_MONTHS}


def _calibration_cases():
    scored = _scored_months()
    first = ["2026-01", "2026-02", "2026-03", "2026-07", "2026-08"]
    second = ["2026-06", "2026-09"]
    on_time = {m: data.load_labels(m) for m in first}
    late = {m: data.load_labels(m).sample(frac=1.0, random_state=7).assign(label_available=_later(m, 2))
            for m in second}
    return [
        ({m: scored[m] for m in first}, on_time, list(monitoring.SEGMENTS), ALERTS, "governed"),
        ({m: scored[m] for m in second}, late, ["Contract", "SeniorCitizen"], AlertRules(segment_gap=0.03), "late"),
    ]


def _late_hint(given: set, scored, labels, segments, rules) -> str | None:
    """Why alerts right on the lab's months differ in the late case, when one mistake explains them exactly."""
    def keys(rows: pd.DataFrame) -> set:
        return set(map(tuple, rows[["batch", "segment"]].to_numpy()))

    if given == keys(_calibration_rows(scored, labels, segments, rules, by_position=True)):
        return ("Right on the lab's months, wrong when the labels arrive in another order: join the labels to the "
                "batch by customerID (merge), never by row position.")
    typed = [(list(monitoring.SEGMENTS), rules), (segments, ALERTS), (list(monitoring.SEGMENTS), ALERTS)]
    if any(given == keys(_calibration_rows(scored, labels, s, r)) for s, r in typed):
        return ("Right on the lab's months, wrong with other segments or another limit: judge with the `segments` "
                "and `rules` your function is given (rules.segment_gap), not typed ones.")
    return None


@exercise("09.calibration_alerts", points=3, title="Write the calibration alert")
def calibration_alerts(answer, **_):
    if not callable(answer):
        return wrong("Define a function `calibration_alerts(scored, labels, segments, rules)` that returns a DataFrame.")
    for scored, labels, segments, rules, name in _calibration_cases():
        expected = _calibration_rows(scored, labels, segments, rules)
        args = ({m: b.copy() for m, b in scored.items()}, {m: lab.copy() for m, lab in labels.items()},
                list(segments), rules)
        result, blocked = _guarded(answer, ["segment_gaps", "performance", "monitor_year"],
                                   "calibration monitor", *args)
        if blocked:
            return blocked
        if result is None:
            raise NotAnswered
        if not isinstance(result, pd.DataFrame):
            return wrong(f"calibration_alerts returned a {type(result).__name__}; return a DataFrame.")
        missing = [c for c in ("raised_in", "batch", "segment", "gap", "direction") if c not in result.columns]
        if missing:
            return wrong(f"The table lacks the column(s) {missing}.")
        result = result.assign(raised_in=result["raised_in"].astype(str), batch=result["batch"].astype(str),
                               segment=result["segment"].astype(str),
                               direction=result["direction"].astype(str).str.strip().str.lower())
        key = ["batch", "segment"]
        given, wanted = set(map(tuple, result[key].to_numpy())), set(map(tuple, expected[key].to_numpy()))
        if given != wanted:
            if given and not (expected["direction"] == "under-predicted").all() and \
                    set(result["direction"]) <= {"under-predicted"} and given < wanted:
                return partial(0.5, "Only under-predictions alert in your rule. The governed rule is two-sided: a gap "
                                    "beyond the limit in either direction alerts (abs(gap) > rules.segment_gap); "
                                    "over-prediction wastes the campaign's offers.")
            hint = _late_hint(given, scored, labels, segments, rules) if name == "late" else None
            if hint:
                return partial(0.5, hint)
            missed = sorted(wanted - given)
            detail = f"missing {missed[0]}" if missed else f"unexpected {sorted(given - wanted)[0]}"
            return wrong(f"Your alerts differ from the monitor's ({detail}). For every month and every value of every "
                         "segment column: gap = observed churn rate − mean churn_probability; alert when "
                         "abs(gap) > rules.segment_gap. Write segments as 'column=value'.")
        merged = expected.merge(result, on=key, suffixes=("", "_given"))
        gap_given = merged["gap_given"].astype(float).to_numpy()
        digits = _rounded_to(gap_given)  # a gap rounded to 3 or more decimals is compared to that precision
        if not np.allclose(merged["gap"].astype(float), gap_given,
                           atol=1e-4 if digits is None else max(1e-4, rounded(digits))):
            return wrong("The right segments, but other gaps: gap = observed churn rate − mean predicted churn "
                         f"(churn_probability), per segment value{_coarse(merged['gap_given'])}.")
        if (merged["direction"] != merged["direction_given"]).any():
            return wrong("Some directions are wrong: a positive gap (more churn than predicted) is 'under-predicted', "
                         "a negative one 'over-predicted'.")
        if (merged["raised_in"] != merged["raised_in_given"]).any():
            if (merged["raised_in_given"] == merged["batch"]).all():
                return partial(0.5, "The alerts are right, but raised in the batch's own month: nobody knows the "
                                    "outcomes then. Raise each alert in the month its labels arrive "
                                    "(label_available).")
            return partial(0.5, "The alerts are right, but raised in the wrong month when the labels come late: read "
                                "the month from the labels' label_available column instead of assuming one month.")
    return correct("Right: your rule sees errors in both directions, on months, segments and limits of the check's own, "
                   "raised in the month the outcomes arrive, also when they arrive late and shuffled.")


# ---------------------------------------------------------------------------------------------- 09.drift_types

FINDINGS = ("over-prediction", "price rise", "new sign-ups", "competitor's fibre offer")
_KINDS = ("data drift", "concept drift", "label bias")
SIGNALS = ("psi", "calibration gap", "auc", "fairness gap")
"""The signals a finding's evidence is named by: a feature's PSI, a segment's calibration gap, the batch's AUC, the
fairness gap (the monitor's alert rules and the dashboard's panels)."""
_KEY = "5b38d138ff1e33c0fd30ba3bb749601a873f8b915492598352211dcaca3e9f2c"
"""SHA-256 of the right kinds and signals (findings in order): the release ships this module to students."""


def _digest(kinds: dict[str, str], signals: dict[str, str]) -> str:
    import hashlib

    return hashlib.sha256("|".join(f"{f}={kinds[f]}/{signals[f]}" for f in FINDINGS).encode()).hexdigest()


def _first(rows: pd.DataFrame) -> set[str]:
    """The first batch month of ``rows`` (alerts) and the month its alert was raised in; {"none"} without alerts."""
    if rows.empty:
        return {"none"}
    first = rows.sort_values(["batch", "raised_in"]).iloc[0]
    return {str(first["batch"]), str(first["raised_in"])}


@lru_cache(maxsize=1)
def _evidence_months() -> dict[str, set[str]]:
    """Per finding, where its evidence first shows in this term's data, under the governed rules: the first batch
    whose signal crossed its alert line (a PSI alert on the feature the event moves; a calibration alert in the
    direction of the error), or the month that alert was raised in."""
    batches = {m: data.load_batch(m) for m in data.PRODUCTION_MONTHS}
    psi_alerts = pd.DataFrame([(m, m, f) for m, b in batches.items() for f in ("MonthlyCharges", "tenure")
                               if _quick_psi(f, b[f]) >= ALERTS.psi_alert], columns=["batch", "raised_in", "feature"])
    calibration = _calibration_rows(_scored_months(), {m: data.load_labels(m) for m in data.PRODUCTION_MONTHS},
                                    list(monitoring.SEGMENTS), ALERTS)
    under = calibration[calibration["direction"] == "under-predicted"]
    fibre = under[under["segment"] == "InternetService=Fiber optic"]
    return {
        "over-prediction": _first(calibration[calibration["direction"] == "over-predicted"]),
        "price rise": _first(psi_alerts[psi_alerts["feature"] == "MonthlyCharges"]),
        "new sign-ups": _first(psi_alerts[psi_alerts["feature"] == "tenure"]),
        "competitor's fibre offer": _first(under) | (_first(fibre) if len(fibre) else set()),
    }


def _month(value) -> str:
    """A month as the lab writes it ("2026-07"), from a string, a Period or a Timestamp; "none" for None or NaN."""
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return "none"
    return str(value).strip()[:7]


def _read_evidence(evidence) -> tuple[dict[str, tuple[str, str]] | None, str | None]:
    """The evidence as {finding: (signal, month)}, or None and what is wrong with its form."""
    if not isinstance(evidence, dict) or is_blank(evidence):
        return None, ("Give the evidence too: `evidence`, a dict mapping each finding to (the signal that shows it, "
                      "the first batch month it shows in), and pass it to the check as `evidence=evidence`.")
    found = {str(k).strip().lower(): v for k, v in evidence.items()}
    if set(found) != set(FINDINGS):
        return None, f"Give evidence for the same four findings: {list(FINDINGS)}."
    read = {}
    for finding, value in found.items():
        if not isinstance(value, (tuple, list)) or len(value) != 2:
            return None, (f"The evidence of {finding!r} is {value!r}: give a pair (signal, month), like "
                          "(\"auc\", \"2026-03\").")
        signal, month = str(value[0]).strip().lower(), _month(value[1])
        if signal not in SIGNALS:
            return None, f"Name each signal as one of {list(SIGNALS)}, not {value[0]!r}."
        if month != "none" and not (len(month) == 7 and month[4] == "-" and month.replace("-", "").isdigit()):
            return None, f"Give each month as the lab writes it (\"2026-03\"), not {value[1]!r}."
        read[finding] = (signal, month)
    return read, None


@exercise("09.drift_types", points=2, title="Name what the monitor saw")
def drift_types(answer, evidence=None, **_):
    if not isinstance(answer, dict):
        return wrong(f"Give a dict mapping each finding to one of {list(_KINDS)}, like {dict.fromkeys(FINDINGS)}.")
    given = {str(k).strip().lower(): str(v).strip().lower() for k, v in answer.items() if v is not ...}
    if not given:
        raise NotAnswered
    if set(given) != set(FINDINGS):
        return wrong(f"Keep the four findings as given: {list(FINDINGS)}.")
    invalid = sorted({v for v in given.values() if v not in _KINDS})
    if invalid:
        return wrong(f"Answer each finding with one of {list(_KINDS)}, not {invalid[0]!r}.")
    shown, problem = _read_evidence(evidence)
    if problem:
        return wrong(problem)
    months = _evidence_months()
    if _digest(given, {f: shown[f][0] for f in FINDINGS}) == _KEY and all(shown[f][1] in months[f] for f in FINDINGS):
        return correct("Right: every kind, signal and month matches this year's alerts. Prices and the customer mix "
                       "moved the inputs (PSI); the competitor changed what the same inputs mean for fibre customers "
                       "(a calibration gap, with no PSI of theirs moving); the over-prediction is the training labels' "
                       "error (lab 07), not a change in production.")
    return wrong("Not all four are right yet (kind, signal and month; all must be right). For each finding: which "
                 "signal crossed its governed line for it, and in which batch first (the `batch` column of "
                 "`year.alerts`)? Did the inputs move (PSI), or only the outcomes against the predictions (a "
                 "calibration gap)? Did it start with an event, or was it there from the first labelled batch?")

seal(__name__)
