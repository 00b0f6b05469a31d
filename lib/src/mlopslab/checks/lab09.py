"""Checks of lab 09 (model monitoring): PSI by hand, an alert threshold, the label delay, data vs concept drift."""

from __future__ import annotations

import numpy as np

from .. import data, monitoring
from ..exercises import NotAnswered, correct, exercise, partial, wrong


def _cases() -> list[tuple[str, np.ndarray, np.ndarray]]:
    train, _ = monitoring.champion_data()
    return [(f"{feature} in {month}", train[feature].to_numpy(), data.load_batch(month)[feature].to_numpy())
            for feature, month in (("MonthlyCharges", "2026-06"), ("tenure", "2026-07"), ("MonthlyCharges", "2026-01"))]


@exercise("09.psi", points=2, title="Compute the PSI of a feature")
def psi_by_hand(answer, **_):
    if not callable(answer):
        return wrong("Define a function `my_psi(reference, current)` that returns one number.")
    results = []
    for name, reference, current in _cases():
        value = answer(reference, current)
        if value is None:
            raise NotAnswered
        results.append((name, float(value), monitoring.psi(reference, current)))
    off = [(n, v, e) for n, v, e in results if abs(v - e) > 0.01 + 0.05 * e]
    if not off:
        return correct("Right: your PSI matches the monitor's on June's prices, July's tenure and January's prices.")
    name, value, expected = off[0]
    if all(v >= 0 for _, v, _ in results) and results[0][1] > 0.25 > results[2][1]:
        return partial(0.5, f"Close: for {name} you got {value:.3f}, the monitor {expected:.3f}. Use the reference's "
                            "deciles as bin edges (np.quantile at 0, 0.1, ..., 1), open the outer edges, and floor "
                            "empty shares at 0.0001.")
    return wrong(f"For {name} you got {value:.3f}, expected {expected:.3f}. PSI = Σ (current − reference) × "
                 "ln(current / reference) over the bins' shares (shares, not counts).")


@exercise("09.label_delay", points=1, title="When is the competitor's effect first visible?")
def label_delay(answer, **_):
    answer = str(answer).strip()
    start = data.PRODUCTION_MONTHS[data.Drift().competitor_month - 1]
    expected = monitoring.next_month(start)
    if answer == expected:
        return correct(f"Yes: July's outcomes are only known in {expected}, so performance monitoring is a month late.")
    if answer == start:
        return wrong(f"The competitor arrives in {start}, but the outcomes of {start}'s batch (who actually churned) "
                     "arrive a month later. When can you compute AUC or a calibration gap?")
    return wrong("Give a month as 'YYYY-MM'. Look at the `labels_known` column of the July row.")


@exercise("09.alert_threshold", points=2, title="Choose a PSI alert threshold")
def alert_threshold(answer, **_):
    if not isinstance(answer, (int, float)) or isinstance(answer, bool):
        return wrong(f"Give one number (a PSI value), not a {type(answer).__name__}.")
    train, _ = monitoring.champion_data()
    psi = {(f, m): monitoring.psi(train[f], data.load_batch(m)[f])
           for f in monitoring.KEY_FEATURES for m in data.PRODUCTION_MONTHS}
    quiet = max(v for (f, m), v in psi.items() if m < "2026-06")
    june, july = psi[("MonthlyCharges", "2026-06")], psi[("tenure", "2026-07")]
    if answer <= quiet:
        alarms = sorted({m for (f, m), v in psi.items() if m < "2026-06" and v >= answer})
        return wrong(f"At {answer:g} the monitor already alerts in {', '.join(alarms)}, before any drift: "
                     f"sampling noise of 600 rows reaches PSI {quiet:.3f}. Raise the threshold.")
    if answer > june:
        return wrong(f"At {answer:g} the price rise (June PSI of MonthlyCharges {june:.3f}) raises no alert: "
                     "the threshold is above the drift you must catch.")
    if answer > july:
        return partial(0.5, f"No false alarms, and June's price rise is caught; but July's wave of new sign-ups "
                            f"(tenure PSI {july:.3f}) slips through. A threshold at or below it catches both.")
    return correct(f"Good: quiet January–May (max PSI {quiet:.3f}), alerts for the price rise in June "
                   f"({june:.3f}) and the new sign-ups in July ({july:.3f}). The customary 0.25 sits in this range.")


DRIFTS = {"price rise": "data drift", "new sign-ups": "data drift", "competitor offer": "concept drift"}


@exercise("09.drift_types", points=3, title="Data drift or concept drift?")
def drift_types(answer, **_):
    if not isinstance(answer, dict):
        return wrong(f"Give a dict mapping each event to 'data drift' or 'concept drift', like {dict.fromkeys(DRIFTS)}.")
    given = {str(k).strip().lower(): str(v).strip().lower() for k, v in answer.items() if v is not ...}
    if not given:
        raise NotAnswered
    unknown = set(given) - set(DRIFTS)
    if unknown:
        return wrong(f"Unknown event(s) {sorted(unknown)}; the events are {list(DRIFTS)}.")
    right = [k for k in DRIFTS if given.get(k) == DRIFTS[k]]
    if len(right) == len(DRIFTS):
        return correct("Right: prices and the customer mix moved (the inputs changed, the model coped), while the "
                       "competitor changed what the same inputs mean (fibre customers churn more at equal features).")
    missed = next(k for k in DRIFTS if k not in right)
    hint = {"price rise": "After June's price rise, did the segment calibration gap grow, or only the PSI?",
            "new sign-ups": "The new sign-ups change the tenure distribution: is that a change in X or in P(churn | X)?",
            "competitor offer": "After July, fibre customers churn far more than the model predicts for the same "
                                "inputs: which kind of drift changes P(churn | X)?"}[missed]
    score = len(right) / len(DRIFTS)
    return partial(score, hint) if right else wrong(hint)
