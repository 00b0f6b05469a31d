"""The exercise protocol: blanks are 'not answered', a student's error never escapes, output is machine-readable."""

from __future__ import annotations

import pytest
from mlopslab import exercises
from mlopslab.exercises import Feedback, evaluate, is_blank


@pytest.mark.parametrize("value", [None, ..., "", "  ", [...], {"a": ..., "b": None}, ([...],)])
def test_blanks(value) -> None:
    assert is_blank(value)


@pytest.mark.parametrize("value", [0, 0.0, False, "x", [..., 1], {"a": 1}])
def test_not_blanks(value) -> None:
    assert not is_blank(value)


def test_unanswered_never_raises() -> None:
    result = evaluate("00.churn_rate", ...)
    assert result.status == "unanswered" and result.points == 0 and result.max_points == 1


def test_stub_function_is_unanswered() -> None:
    def yearly_value(monthly):
        ...

    assert evaluate("00.yearly_value", yearly_value).status == "unanswered"


def test_student_exception_is_reported_not_raised() -> None:
    def yearly_value(table):
        return len(table) / 0

    result = evaluate("00.yearly_value", yearly_value)
    assert result.status == "error" and "ZeroDivisionError" in result.message


def test_partial_credit() -> None:
    from mlopslab.data import load_customers

    customers = load_customers()
    share = (customers.loc[customers["Contract"] == "Month-to-month", "Churn"] == "Yes").mean()
    result = evaluate("00.churn_rate", 100 * share)  # a percentage instead of a share
    assert result.status == "partial" and result.points == 0.5


def test_render_carries_machine_readable_json() -> None:
    bundle = exercises.render(evaluate("00.yearly_value", lambda t: 12 * t.loc[t["Churn"] == "Yes", "MonthlyCharges"].sum()))
    payload = bundle[exercises.MIME]
    assert payload["status"] == "correct" and payload["points"] == 1.0
    assert bundle["text/plain"].startswith("✅")


def test_unknown_exercise_names_the_known_ones() -> None:
    with pytest.raises(KeyError, match="00.churn_rate"):
        exercises.get("00.nope")


def test_bad_ids_and_scores_are_rejected() -> None:
    with pytest.raises(ValueError):
        exercises.exercise("lab0.x")
    with pytest.raises(ValueError):
        Feedback(1.5)
