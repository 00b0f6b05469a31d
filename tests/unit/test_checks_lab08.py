"""Lab 08's checks on honest answers that differ from the reference solution: a contact list whose revenue at risk
is rounded for marketing, and SLO verdicts written with another valid percentile."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from mlopslab import policy
from mlopslab.checks import lab08
from mlopslab.exercises import evaluate


def _expected() -> pd.DataFrame:
    revenue = [640.49, 639.5, 512.9, 300.0, 120.55]
    return pd.DataFrame({"customerID": list("abcde"), "churn_probability": [0.6] * 5, "MonthlyCharges": [80.0] * 5,
                         "revenue_at_risk": revenue})


def test_a_ranking_by_revenue_rounded_to_euros_is_the_same_ranking() -> None:
    expected = _expected()
    assert lab08._same_ranking(list("abcde"), expected)
    assert lab08._same_ranking(list("bacde"), expected)       # 640.49 and 639.50 are both €640
    assert not lab08._same_ranking(list("acbde"), expected)   # €512.90 before €639.50: another ranking
    assert not lab08._same_ranking(list("abcd"), expected)


def test_a_list_with_revenue_in_whole_euros_is_right() -> None:
    expected, everyone = _expected(), _expected()
    rounded = expected.assign(revenue_at_risk=expected["revenue_at_risk"].round(0)).iloc[[1, 0, 2, 3, 4]]
    assert lab08._judge_list(rounded, expected, everyone, "2026-02") is None
    monthly = expected.assign(revenue_at_risk=expected["revenue_at_risk"] / 12)   # a month's bill, not a year's
    assert lab08._judge_list(monthly, expected, everyone, "2026-02").score == 0.75


def meets_slo_nearest_rank(latencies_ms, slo=policy.SLO):
    ordered = sorted(latencies_ms)
    needed = math.ceil(100 / (100 - slo.percentile))
    if len(ordered) < needed:
        raise ValueError(f"need at least {needed} calls")
    return ordered[math.ceil(slo.percentile / 100 * len(ordered)) - 1] <= slo.latency_ms


def meets_slo_by_count(latencies_ms, slo=policy.SLO):
    if len(latencies_ms) * (100 - slo.percentile) < 100:
        raise ValueError("too few calls")
    return np.mean(np.asarray(latencies_ms) <= slo.latency_ms) >= slo.percentile / 100


def test_meets_slo_takes_other_valid_percentiles() -> None:
    latencies = np.random.default_rng(8).gamma(4.0, 20.0, size=100)
    for answer in (meets_slo_nearest_rank, meets_slo_by_count):
        assert evaluate("08.meets_slo", answer, latencies=latencies).status == "correct", answer.__name__
