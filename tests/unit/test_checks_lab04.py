"""Lab 04's checks on honest answers that differ from the reference solution."""

from __future__ import annotations

import numpy as np
import pandas as pd
from mlopslab import provisioning
from mlopslab.checks import lab04  # noqa: F401 -- registers the checks
from mlopslab.exercises import evaluate
from sklearn.metrics import roc_auc_score


def blank_with_where(df):
    out = df.copy()
    out["TotalCharges"] = np.where(provisioning.total_matches_tenure_x_monthly(out), out["TotalCharges"], np.nan)
    return out


def test_clean_totals_takes_np_where() -> None:
    assert evaluate("04.clean_totals", blank_with_where).status == "correct"


def leak_scan_rounded(df):
    """The AUCs rounded to 3 digits, as the lab prints them."""
    churned = df["Churn"].eq("Yes").astype(int)
    found = {}
    for column in df.columns.drop(["Churn", "customerID", "month"]):
        values = df[column]
        if not pd.api.types.is_numeric_dtype(values):
            values = values.map(churned.groupby(values).mean())
        found[column] = round(0.5 + abs(roc_auc_score(churned, values) - 0.5), 3)
    return pd.Series(found, dtype=float).sort_values(ascending=False)


def test_leak_scan_takes_aucs_rounded_to_three_digits() -> None:
    assert evaluate("04.leak_scan", leak_scan_rounded).status == "correct"


def leak_scan_two_digits(df):
    return leak_scan_rounded(df).round(2)


def test_leak_scan_says_when_rounding_goes_too_far() -> None:
    result = evaluate("04.leak_scan", leak_scan_two_digits)
    assert result.status == "wrong" and "at least 3 digits" in result.message


def split_as_list(df, validation_months=3, test_months=3):
    months = sorted(df["month"].unique())
    test_part = months[len(months) - test_months:]
    validation_part = months[len(months) - test_months - validation_months:len(months) - test_months]
    train = df[~df["month"].isin(test_part + validation_part)]
    return [train, df[df["month"].isin(validation_part)], df[df["month"].isin(test_part)]]


def test_split_by_time_takes_a_list_of_three() -> None:
    assert evaluate("04.split_by_time", split_as_list).status == "correct"
