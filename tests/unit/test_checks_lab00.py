"""Lab 00's checks on honest answers that differ from the reference solution, and on near misses whose feedback must
say what is wrong."""

from __future__ import annotations

import pandas as pd
from mlopslab import data
from mlopslab.checks import lab00  # noqa: F401 -- registers the checks
from mlopslab.exercises import evaluate


def _month_to_month_rate() -> float:
    customers = data.load_customers()
    return (customers.loc[customers["Contract"] == "Month-to-month", "Churn"] == "Yes").mean()


def test_churn_rate_rounded_to_four_decimals_or_more_counts() -> None:
    for digits in (4, 6):
        assert evaluate("00.churn_rate", round(_month_to_month_rate(), digits)).status == "correct"


def test_churn_rate_rounded_to_two_or_three_decimals_is_told_to_keep_more() -> None:
    """Three decimals would be about twenty guesses from the chart's reading and the 'close' hint."""
    for digits in (2, 3):
        result = evaluate("00.churn_rate", round(_month_to_month_rate(), digits))
        assert result.status == "wrong" and "four decimals" in result.message


def test_churn_rate_as_a_percentage_is_told_it_is_a_percentage() -> None:
    result = evaluate("00.churn_rate", 100 * _month_to_month_rate())
    assert result.status == "partial" and "percentage" in result.message
    rounded = evaluate("00.churn_rate", round(100 * _month_to_month_rate(), 1))  # 0 points: it names the share
    assert rounded.status == "wrong" and "percentage" in rounded.message


def test_lead_persona_takes_the_index_without_tolist() -> None:
    counts = pd.Series(["Data Engineer"] * 5 + ["Data Scientist"] * 4 + ["Data Steward", "Business Analyst"]).value_counts()
    index = counts[counts > 1].index
    assert evaluate("00.lead_persona", index).status == "correct"
    assert evaluate("00.lead_persona", index.values).status == "correct"
    assert evaluate("00.lead_persona", index.to_numpy()).status == "correct"


def test_yearly_value_written_as_a_loop_rounded_to_cents_counts() -> None:
    def yearly_value(table):
        total = 0.0
        for churn, charge in zip(table["Churn"], table["MonthlyCharges"]):
            if churn == "Yes":
                total += charge
        return round(12 * total, 2)

    assert evaluate("00.yearly_value", yearly_value).status == "correct"
