"""Objects a lab picks by a rule from the term's data, picked the same way, so that a test holds on any term."""

from __future__ import annotations

import pandas as pd


def lab07_customer(holdout: pd.DataFrame) -> pd.DataFrame:
    """Lab 07's example customer (its cell-07): December's longest-standing senior on a month-to-month contract with
    fibre and phone service, as a one-row frame of the hold-out."""
    december = holdout[(holdout["month"] == holdout["month"].max()) & (holdout["SeniorCitizen"] == 1)
                       & (holdout["Contract"] == "Month-to-month") & (holdout["InternetService"] == "Fiber optic")
                       & (holdout["PhoneService"] == "Yes")]
    example_id = december.sort_values("tenure", ascending=False, kind="stable")["customerID"].iloc[0]
    return holdout[holdout["customerID"] == example_id]
