"""Checks of lab 00 (welcome): a number, a list and a function, each needing one idea (a filter, a count, a sum).

Every check recomputes what it compares against from the data or from the lecture's stage table kept here; it never
reads a value the notebook computed.
"""

from __future__ import annotations

import numbers

import numpy as np
import pandas as pd

from ..data import load_customers
from ..exercises import NotAnswered, correct, exercise, partial, wrong
from ._guards import case_seed, seal

_PERSONAS = ("Data Steward", "Data Engineer", "Data Scientist", "Business Analyst", "App Developer")
_STAGE_LEADS = {
    "data provisioning with governance": ("Data Steward", "Data Engineer"),
    "data preparation for the model": ("Data Engineer", "Data Scientist"),
    "model development": ("Data Scientist", "Business Analyst"),
    "model validation and governance": ("Data Scientist", "Data Engineer"),
    "model deployment and insight consumption": ("Data Engineer", "App Developer"),
    "model monitoring": ("Data Engineer", "Data Scientist"),
}
"""The lecture's six stages and their lead personas."""


def _is_number(value) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


def _month_to_month_rate() -> float:
    customers = load_customers()
    return float((customers.loc[customers["Contract"] == "Month-to-month", "Churn"] == "Yes").mean())


@exercise("00.churn_rate", points=1, title="The churn rate of month-to-month customers")
def churn_rate(answer, **_):
    if not _is_number(answer):
        return wrong(f"Give one number between 0 and 1 (a share), not a {type(answer).__name__}.")
    answer = float(answer)
    expected = _month_to_month_rate()
    customers = load_customers()
    everyone = float((customers["Churn"] == "Yes").mean())
    if abs(answer - expected) < 5e-5:  # unrounded, or rounded to four decimals or more (three: about 20 guesses)
        return correct(f"Right: {expected:.1%} of the month-to-month customers churned, against {everyone:.1%} of all "
                       "customers.")
    if abs(answer - 100 * expected) < 5e-3:  # a percentage, to two decimals or more
        return partial(0.5, "That looks like a percentage; give the share between 0 and 1.")
    if abs(answer - 100 * expected) < 0.5:  # a rounded percentage: no points (it would name the rounded share)
        return wrong("That looks like a rounded percentage: give the share between 0 and 1, unrounded.")
    if abs(answer - everyone) < 0.0005:
        return wrong("That is the churn rate of every customer. Keep only the rows whose Contract is "
                     "'Month-to-month' first.")
    if abs(answer - (1 - expected)) < 5e-5:
        return wrong("That is the share of month-to-month customers who stayed; count those whose Churn is 'Yes'.")
    if abs(answer - expected) < 0.01:
        return wrong("Close, but not exact: it looks rounded or read off a chart. Let pandas compute the share, and "
                     "keep at least four decimals if you round.")
    return wrong("Keep the rows whose Contract is 'Month-to-month', then take the mean of (Churn == 'Yes') "
                 "over those rows.")


@exercise("00.lead_persona", points=1, title="Who carries the hand-offs?")
def lead_persona(answer, **_):
    if isinstance(answer, (pd.Index, np.ndarray, pd.api.extensions.ExtensionArray)):  # `.index` without `.tolist()`
        answer = answer.tolist()
    if not isinstance(answer, (list, tuple, set)) or not all(isinstance(a, str) for a in answer):
        return wrong("Give a list of persona names (strings), e.g. ['Data Steward'].")
    by_name = {p.lower(): p for p in _PERSONAS}
    given = {" ".join(a.split()).lower() for a in answer}
    unknown = sorted(given - set(by_name))
    if unknown:
        return wrong(f"{unknown} is not one of the five personas: {list(_PERSONAS)}.")
    counts = pd.Series([p for leads in _STAGE_LEADS.values() for p in leads]).value_counts()
    expected = {p.lower() for p in counts[counts > 1].index}
    if given == expected:
        (first, n_first), *others = counts[counts > 1].items()
        rest = "".join(f" and the {p} {n}" for p, n in others)
        return correct(f"Right: the {first} leads {n_first} of the six stages{rest}. Most hand-offs between stages "
                       "run through them.")
    return wrong("Not yet. Count the rows of stage_leads per persona, then keep every persona whose count is "
                 "above one.")


def _example_table(seed: int) -> pd.DataFrame:
    """A small table of the check's own, drawn from ``seed`` (:func:`~._guards.case_seed`, fresh for every check), so
    that a function which ignores its argument shows it and no value typed in matches it. It always holds churners
    and customers who stayed (counting everyone's bills then gives another number)."""
    rng = np.random.default_rng(seed)
    rows = int(rng.integers(5, 9))
    churn = rng.permutation(["Yes", "No"] + [str(c) for c in rng.choice(["Yes", "No"], rows - 2)])
    return pd.DataFrame({
        "customerID": [f"A-{n}" for n in rng.choice(900, rows, replace=False) + 100],
        "Churn": churn,
        "MonthlyCharges": np.round(rng.uniform(18.0, 120.0, rows) * 4) / 4,
        "Contract": rng.choice(["Month-to-month", "One year", "Two year"], rows),
    })


def _yearly_value(table: pd.DataFrame) -> float:
    return float(12 * table.loc[table["Churn"] == "Yes", "MonthlyCharges"].sum())


@exercise("00.yearly_value", points=1, title="Write a function: the revenue churn takes away")
def yearly_value(answer, **_):
    if not callable(answer):
        return wrong("Define a function `yearly_value(table)` that returns one number.")
    real, small = load_customers(), _example_table(case_seed("00.yearly_value"))
    got_small = answer(small.copy())  # the small table first: a function that fails, fails fast
    if got_small is None:
        raise NotAnswered
    if not _is_number(got_small):
        return wrong(f"Return one number, not a {type(got_small).__name__} (sum the column, then multiply by 12).")
    got_real = answer(real.copy())
    for got in (got_real, got_small):
        if not _is_number(got):
            return wrong(f"Return one number, not a {type(got).__name__} (sum the column, then multiply by 12).")
    expected_real, expected_small = _yearly_value(real), _yearly_value(small)

    def same(a, b) -> bool:
        return abs(float(a) - b) <= 1e-6 * max(1.0, abs(b))

    if same(got_real, expected_real) and same(got_small, expected_small):
        return correct(f"Right: the churners in the 2025 data took away {expected_real:,.0f} a year in monthly bills.")
    if same(got_small, expected_real) or (same(got_real, expected_real) and not same(got_small, expected_small)):
        return wrong("Right for the notebook's customers, but not for the table the check passed in: use the "
                     "argument `table`, not the global `customers`.")
    for got, rows in ((got_real, real), (got_small, small)):
        if same(got, _yearly_value(rows) / 12):
            return wrong("That is one month of the churners' bills; a year has twelve.")
        if same(got, 12 * float(rows["MonthlyCharges"].sum())):
            return wrong("That counts every customer's bill; keep only the rows whose Churn is 'Yes'.")
    return wrong("Keep the rows whose Churn is 'Yes', sum their MonthlyCharges, and multiply by 12.")

seal(__name__)
