"""Checks of lab 00 (welcome): a number and two functions, each needing one idea (a filter, a count, a sum).

Every check recomputes what it compares against from the data or from the lecture's stage table (the A and R of
:data:`mlopslab.scrum.RACI`); it never reads a value the notebook computed.
"""

from __future__ import annotations

import numbers

import numpy as np
import pandas as pd

from .. import scrum
from ..data import load_customers
from ..exercises import NotAnswered, correct, exercise, partial, wrong
from ._guards import case_seed, seal

_PERSONAS = tuple(scrum.PERSONAS)
_STAGE_LEADS = {name: tuple(p for letter in "AR" for p, given in scrum.RACI[key].items() if given == letter)
                for key, name in scrum.STAGES.items()}
"""The lecture's six stages and their two lead personas: the accountable one (A in :data:`mlopslab.scrum.RACI`), then
the responsible one (R)."""


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


def _lead_table(leads: dict[str, tuple[str, ...]]) -> pd.DataFrame:
    """One row per stage and lead persona, as the lab's ``stage_leads``."""
    return pd.DataFrame([(stage, p) for stage, personas in leads.items() for p in personas], columns=["stage", "persona"])


def _leading(table: pd.DataFrame) -> set[str]:
    counts = table["persona"].value_counts()
    return set(counts[counts > 1].index)


def _made_up_leads(seed: int, real: set[str]) -> pd.DataFrame:
    """A stage table of the check's own, drawn from ``seed`` (:func:`~._guards.case_seed`): four to seven made-up
    stages with one to three leads each, where two or more personas lead more than one stage, one or more lead only one,
    and the answer differs from the course's table's (so a list typed from the lab matches neither)."""
    rng = np.random.default_rng(seed)
    while True:
        leads = {f"stage {chr(65 + n)}": tuple(map(str, rng.choice(_PERSONAS, int(rng.integers(1, 4)), replace=False)))
                 for n in range(int(rng.integers(4, 8)))}
        table = _lead_table(leads).sample(frac=1, random_state=int(rng.integers(2**31))).reset_index(drop=True)
        counts, leading = table["persona"].value_counts(), _leading(table)
        if len(leading) >= 2 and (counts == 1).any() and leading != real:
            return table


def _names(result) -> set[str] | None:
    """The persona names ``result`` lists (a list, tuple, set, Index or array of strings), or None."""
    if isinstance(result, (pd.Index, np.ndarray, pd.api.extensions.ExtensionArray)):  # `.index` without `.tolist()`
        result = result.tolist()
    if not isinstance(result, (list, tuple, set)) or not all(isinstance(a, str) for a in result):
        return None
    by_name = {p.lower(): p for p in _PERSONAS}
    return {by_name.get(" ".join(a.split()).lower(), a) for a in result}


@exercise("00.lead_persona", points=1, title="Who carries the hand-offs?")
def lead_persona(answer, **_):
    if not callable(answer):
        return wrong("Define a function `lead_personas(table)` that returns a list of persona names.")
    real = _lead_table(_STAGE_LEADS)
    expected_real = _leading(real)
    made_up = _made_up_leads(case_seed("00.lead_persona"), expected_real)
    expected_made_up = _leading(made_up)
    got_made_up = answer(made_up.copy())  # the made-up table first: a function that fails, fails fast
    if got_made_up is Ellipsis:  # the stub, as handed out
        raise NotAnswered
    if got_made_up is None:
        return wrong("Your function returns nothing (None): end it with `return` and the list of names.")
    if isinstance(got_made_up, pd.Series):
        return wrong("That is a Series (one value per persona); return the names of the personas whose count is above "
                     "one (its index), as a list.")
    got_made_up, got_real = _names(got_made_up), _names(answer(real.copy()))
    if got_made_up is None or got_real is None:
        return wrong("Return a list of persona names (strings), e.g. ['Data Steward'].")
    if got_real == expected_real and got_made_up == expected_made_up:
        counts = real["persona"].value_counts()
        (first, n_first), *others = counts[counts > 1].items()
        rest = "".join(f" and the {p} {n}" for p, n in others)
        return correct(f"Right, on the course's table and on one of the check's own: the {first} leads {n_first} of the "
                       f"six stages{rest}. Most hand-offs between stages run through them.")
    if got_made_up == expected_real:  # the notebook's table, whatever the argument
        return wrong("Right for the notebook's stage_leads, but not for the table the check passed in: compute the "
                     "answer from the argument `table` (not from the global `stage_leads`, and not typed in).")
    if got_made_up == set(made_up["persona"]):
        return wrong("That is every persona in the table; keep only those whose count is above one.")
    if len(got_made_up) == 1 and got_made_up < expected_made_up:
        return wrong("That is only the persona who leads the most stages; keep every persona whose count is above one.")
    return wrong("Not yet. Count the rows of the table per persona, then keep every persona whose count is above one.")


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
