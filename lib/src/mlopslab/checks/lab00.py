"""Checks of lab 00 (welcome): small exercises that show how feedback works."""

from __future__ import annotations

from ..data import load_customers
from ..exercises import NotAnswered, correct, exercise, partial, wrong


@exercise("00.churn_rate", points=1, title="The churn rate of the training data")
def churn_rate(answer, **_):
    expected = (load_customers()["Churn"] == "Yes").mean()
    if not isinstance(answer, (int, float)):
        return wrong(f"Give a number between 0 and 1, not a {type(answer).__name__}.")
    if abs(answer - expected) < 0.005:
        return correct(f"Right: {expected:.1%} of the customers churned.")
    if abs(answer - 100 * expected) < 0.5:
        return partial(0.5, "That looks like a percentage; give the share between 0 and 1.")
    return wrong("Count the rows whose Churn column is 'Yes' and divide by the number of rows.")


@exercise("00.lead_persona", points=1, title="Who leads data provisioning?")
def lead_persona(answer, **_):
    personas = {"data steward", "data engineer", "data scientist", "business analyst", "app developer"}
    given = {str(a).strip().lower() for a in (answer if isinstance(answer, (list, tuple, set)) else [answer])}
    unknown = given - personas
    if unknown:
        return wrong(f"{sorted(unknown)} is not one of the five personas: {sorted(personas)}.")
    if given == {"data steward", "data engineer"}:
        return correct("Yes: the Data Steward and the Data Engineer provision data with governance.")
    if given & {"data steward", "data engineer"}:
        return partial(0.5, "Half of it: two personas share this stage.")
    return wrong("Look at the stage table above: which two personas lead 'data provisioning with governance'?")


@exercise("00.yearly_value", points=1, title="A function: yearly value of a customer")
def yearly_value(answer, **_):
    if not callable(answer):
        return wrong("Define a function `yearly_value(monthly_charges)`.")
    cases = {70.0: 840.0, 0.0: 0.0, 19.99: 239.88}
    results = {m: answer(m) for m in cases}
    if all(r is None for r in results.values()):
        raise NotAnswered
    bad = [m for m, r in results.items() if r is None or abs(r - cases[m]) > 0.01]
    if not bad:
        return correct("Right: twelve monthly bills make a year.")
    m = bad[0]
    return wrong(f"yearly_value({m}) returned {results[m]!r}; a year has twelve monthly bills.")
