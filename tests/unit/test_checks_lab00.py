"""Lab 00's checks on honest answers that differ from the reference solution, and on near misses whose feedback must
say what is wrong."""

from __future__ import annotations

from mlopslab import data
from mlopslab.checks import lab00
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
    def as_index(table):
        counts = table["persona"].value_counts()
        return counts[counts > 1].index

    assert evaluate("00.lead_persona", as_index).status == "correct"
    assert evaluate("00.lead_persona", lambda table: as_index(table).values).status == "correct"
    assert evaluate("00.lead_persona", lambda table: as_index(table).to_numpy()).status == "correct"


def test_lead_persona_without_a_return_is_told_so_and_the_stub_is_not_answered() -> None:
    def forgot_return(table):
        counts = table["persona"].value_counts()
        counts[counts > 1].index.tolist()

    result = evaluate("00.lead_persona", forgot_return)
    assert result.status == "wrong" and "return" in result.message
    assert evaluate("00.lead_persona", lambda table: ...).status == "unanswered"


def test_lead_persona_typed_from_the_lab_fails_on_the_checks_own_table() -> None:
    def typed(table):
        return ["Data Engineer", "Data Scientist"]

    result = evaluate("00.lead_persona", typed)
    assert result.status == "wrong" and "argument `table`" in result.message


def test_lead_persona_made_up_tables_differ_from_the_course_table_and_keep_a_single_lead() -> None:
    real = {"Data Engineer", "Data Scientist"}
    for seed in range(200):
        table = lab00._made_up_leads(seed, real)
        counts = table["persona"].value_counts()
        leading = set(counts[counts > 1].index)
        assert len(leading) >= 2 and leading != real and (counts == 1).any()


def test_yearly_value_written_as_a_loop_rounded_to_cents_counts() -> None:
    def yearly_value(table):
        total = 0.0
        for churn, charge in zip(table["Churn"], table["MonthlyCharges"]):
            if churn == "Yes":
                total += charge
        return round(12 * total, 2)

    assert evaluate("00.yearly_value", yearly_value).status == "correct"
