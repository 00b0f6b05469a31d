"""Lab 11's KPI check gives full points to KPIs rounded as the review shows them, and names a too coarse velocity."""

from __future__ import annotations

import pandas as pd
import pytest
from mlopslab import exercises
from mlopslab.checks import lab11


@pytest.fixture
def this_sprint(monkeypatch) -> None:
    """The sprint's history and model metrics, made up, so that no tracking store is needed."""
    history = pd.DataFrame({"sprint": range(1, 7), "committed": [16, 16, 20, 19, 19, 11],
                            "done": [8, 16, 12, 13, 16, 11]}).set_index("sprint")
    monkeypatch.setattr(lab11, "_sprint_case", lambda increment: (history, {"profit": 9600.0, "baseline_profit": 0.0}))


def _kpis(velocity_digits, reliability_digits):
    def sprint_kpis(history, metrics):
        done, committed = list(history["done"])[-3:], list(history["committed"])[-3:]
        return {"velocity": round(sum(done) / len(done), velocity_digits),
                "commitment_reliability": round(sum(done) / sum(committed), reliability_digits),
                "profit_uplift": round(metrics["profit"] - metrics["baseline_profit"])}
    return sprint_kpis


@pytest.mark.usefixtures("this_sprint")
@pytest.mark.parametrize("digits", [(1, 2), (2, 3), (6, 6)])
def test_kpis_rounded_as_the_review_shows_them_are_right(digits) -> None:
    result = exercises.evaluate("11.review_kpis", _kpis(*digits), increment=None)
    assert (result.status, result.score) == ("correct", 1.0), result.message


@pytest.mark.usefixtures("this_sprint")
def test_a_velocity_rounded_to_whole_points_is_told_to_keep_a_decimal() -> None:
    result = exercises.evaluate("11.review_kpis", _kpis(0, 3), increment=None)
    assert result.status == "partial" and "keep a decimal" in result.message
