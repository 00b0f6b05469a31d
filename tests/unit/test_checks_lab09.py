"""Lab 09's checks give full points to honest answers that round their numbers sensibly (3 decimals or more), and
say so when they round too coarsely."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from mlopslab import data, exercises, monitoring
from mlopslab.checks import lab09


def _psi_table(reference, current, digits=None):
    edges = np.quantile(reference, np.linspace(0, 1, 11))
    edges[0], edges[-1] = -np.inf, np.inf
    table = pd.DataFrame({"reference": np.histogram(reference, edges)[0] / len(reference),
                          "current": np.histogram(current, edges)[0] / len(current)})
    ref, cur = table["reference"].clip(lower=monitoring.EPSILON), table["current"].clip(lower=monitoring.EPSILON)
    table["term"] = (cur - ref) * np.log(cur / ref)
    return table if digits is None else table.round(digits)


@pytest.mark.parametrize("digits", [None, 3, 4])
def test_psi_table_rounded_to_three_decimals_or_more_is_right(digits) -> None:
    result = exercises.evaluate("09.psi", lambda reference, current: _psi_table(reference, current, digits))
    assert (result.status, result.score) == ("correct", 1.0)


def test_psi_table_rounded_to_two_decimals_is_told_to_keep_three() -> None:
    result = exercises.evaluate("09.psi", lambda reference, current: _psi_table(reference, current, 2))
    assert result.status == "wrong" and "keep at least 3" in result.message


def _drift_alerts(digits):
    def drift_alerts(reference, batches, features, rules):
        rows = []
        for month, batch in batches.items():
            for feature in features:
                value = round(monitoring.psi(reference[feature], batch[feature]), digits)
                level = "Alert" if value >= rules.psi_alert else "Warn" if value >= rules.psi_warn else None
                if level:
                    rows.append({"month": month, "feature": feature, "psi": value, "level": level})
        return pd.DataFrame(rows)
    return drift_alerts


def test_drift_alerts_rounded_to_three_decimals_is_right_and_to_two_is_told() -> None:
    assert exercises.evaluate("09.drift_alerts", _drift_alerts(3)).status == "correct"
    coarse = exercises.evaluate("09.drift_alerts", _drift_alerts(2))
    assert coarse.status == "wrong" and "keep at least 3" in coarse.message


def _calibration_alerts(digits):
    def calibration_alerts(scored, labels, segments, rules):
        rows = []
        for month, batch in scored.items():
            known = labels[month].set_index("customerID")
            churned = batch["customerID"].map(known["Churn"]).eq("Yes")
            for column in segments:
                for value in sorted(batch[column].unique()):
                    rows_in = batch[column] == value
                    gap = churned[rows_in].mean() - batch.loc[rows_in, "churn_probability"].mean()
                    if abs(gap) > rules.segment_gap:
                        rows.append({"raised_in": known["label_available"].iloc[0], "batch": month,
                                     "segment": f"{column}={value}", "gap": round(gap, digits),
                                     "direction": "under-predicted" if gap > 0 else "over-predicted"})
        return pd.DataFrame(rows)
    return calibration_alerts


def test_calibration_gaps_rounded_to_three_decimals_are_right(monkeypatch) -> None:
    def scored_months():  # a made-up score instead of the champion's, so that no tracking store is needed
        batches = {m: data.load_batch(m) for m in ["2026-01", "2026-02", "2026-03", "2026-06", "2026-07", "2026-08",
                                                   "2026-09"]}
        return {m: b.assign(churn_probability=np.where(b["Contract"] == "Month-to-month", 0.42, 0.08)
                            + 0.001 * (b["tenure"] % 7)) for m, b in batches.items()}

    monkeypatch.setattr(lab09, "_scored_months", scored_months)
    for digits in (3, 6):
        result = exercises.evaluate("09.calibration_alerts", _calibration_alerts(digits))
        assert (result.status, result.score) == ("correct", 1.0), result.message
    coarse = exercises.evaluate("09.calibration_alerts", _calibration_alerts(2))
    assert coarse.status == "wrong" and "keep at least 3" in coarse.message
