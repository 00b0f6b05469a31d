"""Checks of lab 04 (data preparation): the preprocessing pipeline, the leaky feature, the time-aware split."""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.base import clone

from ..data import CATEGORIES, FEATURES, LEAKY, TARGET, load_customers
from ..exercises import NotAnswered, correct, exercise, partial, wrong
from ..preparation import ENGINEERED, NUMERIC, time_split


def _holds_blank(value, depth: int = 0) -> bool:
    """True if a (nested) parameter value is the placeholder ``...``."""
    if value is Ellipsis:
        return True
    if depth < 4 and isinstance(value, (list, tuple)):
        return any(_holds_blank(v, depth + 1) for v in value)
    return False


def _serving_rows(test: pd.DataFrame) -> pd.DataFrame:
    """Two serving rows, one carrying a category never seen in training (a new contract type)."""
    rows = test[FEATURES].head(2).copy()
    rows.loc[rows.index[0], "Contract"] = "Three year"
    return rows


@exercise("04.preprocessor", points=3, title="Build the preprocessing pipeline")
def preprocessor(answer, **_):
    if not hasattr(answer, "fit") or not hasattr(answer, "transform"):
        return wrong(f"`preprocessor` must be a scikit-learn transformer (a Pipeline), not a {type(answer).__name__}.")
    if hasattr(answer, "get_params") and any(_holds_blank(v) for v in answer.get_params(deep=True).values()):
        raise NotAnswered
    train, test = time_split(load_customers())
    fitted = clone(answer).fit(train[FEATURES], (train[TARGET] == "Yes").astype(int))
    out = np.asarray(fitted.transform(train[FEATURES]), dtype=float)
    if np.isnan(out).any():
        return wrong("The output still holds missing values: every input must become a number.")
    names = [str(n) for n in fitted.get_feature_names_out()] if hasattr(fitted, "get_feature_names_out") else []
    if any(LEAKY in n for n in names):
        return wrong(f"{LEAKY} is among the outputs: it is only known after churn and must not be an input.")
    missing_engineered = [f for f in ENGINEERED if not any(n == f or n.startswith(f + "_") for n in names)]
    problems = []
    if missing_engineered:
        problems.append(f"the engineered features {missing_engineered} are missing: start the pipeline with "
                        "FeatureEngineer()")
    numeric = [names.index(c) for c in NUMERIC if c in names]
    if len(numeric) < len(NUMERIC) or not np.allclose(out[:, numeric].mean(axis=0), 0, atol=1e-6):
        problems.append("the numeric columns are not standardised: use StandardScaler() on NUMERIC")
    expected_width = sum(len(CATEGORIES.get(c, [])) for c in CATEGORIES) + len(NUMERIC) + 4  # + 4 tenure bands
    try:
        fitted.transform(_serving_rows(test))
    except Exception:
        problems.append("a serving row with an unseen category (Contract 'Three year') makes it fail: "
                        "OneHotEncoder(handle_unknown='ignore') keeps serving alive")
    if not problems and out.shape[1] != expected_width:
        problems.append(f"it makes {out.shape[1]} columns where {expected_width} are expected: one per numeric "
                        "input and one per category value")
    if not problems:
        return correct(f"Right: {out.shape[1]} numeric columns from {len(FEATURES)} raw inputs, with the same code "
                       "ready for serving.")
    return partial(round(max(0.25, 1 - 0.25 * len(problems)), 2), "Almost: " + "; ".join(problems) + ".")


@exercise("04.leaky_feature", points=2, title="Find the leaky feature")
def leaky_feature(answer, **_):
    given = [answer] if isinstance(answer, str) else list(answer) if isinstance(answer, (list, tuple, set)) else None
    if given is None:
        return wrong(f"Give a column name as a string, not a {type(answer).__name__}.")
    given = {str(g).strip() for g in given}
    columns = set(load_customers().columns)
    unknown = sorted(given - columns)
    if unknown:
        return wrong(f"{unknown} is not a column of `customers`; the columns are {sorted(columns)}.")
    if given == {LEAKY}:
        return correct(f"Yes: {LEAKY} is booked when an account closes, so it is only known after churn.")
    if LEAKY in given:
        others = sorted(given - {LEAKY})
        return partial(0.5, f"{LEAKY} is right, but {others} are known before churn: a strong predictor is not a "
                            "leak. Name only the column you would not have when the model scores a customer.")
    if TARGET in given:
        return wrong("Churn is the target itself, not an input. Which *input* column is only known after churn?")
    return wrong("A strong predictor is not yet a leak (month-to-month customers really do churn more). Look for "
                 "a column that predicts churn suspiciously well AND is only recorded after the customer left: "
                 "the datasheet in data/README.md describes each column.")


@exercise("04.split_by_time", points=2, title="Choose the split: train on the past, test on the future")
def split_by_time(answer, **_):
    if not callable(answer):
        return wrong("Define a function `split_by_time(df, test_months=3)` that returns (train, test).")
    customers = load_customers()
    before = customers.copy()
    result = answer(customers, 3)
    if result is None:
        raise NotAnswered
    if not (isinstance(result, tuple) and len(result) == 2 and all(isinstance(r, pd.DataFrame) for r in result)):
        return wrong("Return a tuple of two DataFrames: (train, test).")
    if not customers.equals(before):
        return wrong("Your function changed the DataFrame it was given; work on a copy (filter, don't modify).")
    train, test = result
    if len(train) + len(test) != len(customers) or set(train["customerID"]) & set(test["customerID"]):
        return wrong("Every customer must be in exactly one of train and test.")
    if train["month"].max() >= test["month"].min():
        if train["month"].min() > test["month"].max():
            return wrong("Your test months come *before* the training months: that trains on the future. "
                         "Test on the last months.")
        return wrong("Some training rows are as late as or later than test rows (a random split?). Every "
                     "training month must come before every test month.")
    expected = {k: time_split(customers, k)[1] for k in (3, 2)}
    if set(test["customerID"]) != set(expected[3]["customerID"]):
        return partial(0.5, f"The order is right, but the test set should hold exactly the last 3 months "
                            f"({', '.join(sorted(expected[3]['month'].unique()))}).")
    other = answer(customers, 2)
    if set(other[1]["customerID"]) != set(expected[2]["customerID"]):
        return partial(0.5, "Right for test_months=3, but the function ignores its `test_months` argument.")
    return correct("Right: the model is tested on months it has never seen, as it will be in production.")
