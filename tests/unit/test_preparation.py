"""Data preparation (lab 04): declared cleaning steps with a log, leak scan, seeded and hashed preparation."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from mlopslab import data, preparation
from mlopslab.checks import lab04
from mlopslab.preparation import CleaningStep, apply_cleaning


def _frame(**columns) -> pd.DataFrame:
    return pd.DataFrame(columns)


def test_cleaning_logs_each_step_and_leaves_the_raw_data_alone() -> None:
    raw = data.load_dirty_batch().drop(columns=["row", "notes"])
    before = raw.copy(deep=True)
    cleaned, log = apply_cleaning(raw)
    assert raw.equals(before)
    assert list(log["step"]) == [s.name for s in preparation.CLEANING_STEPS]
    assert (log["rows_in"] - log["rows_out"] == log["rows_dropped"]).all()
    assert log["rows_out"].iloc[-1] == len(cleaned) < len(raw)
    assert cleaned["customerID"].is_unique
    assert not cleaned[data.FEATURES].isna().any().any()
    assert pd.api.types.is_numeric_dtype(cleaned["MonthlyCharges"])


def test_cleaning_the_governed_training_data_changes_nothing() -> None:
    customers = data.load_customers()
    cleaned, log = apply_cleaning(customers)
    assert cleaned.equals(customers)
    assert log[["rows_dropped", "cells_changed"]].to_numpy().sum() == 0


def test_cells_changed_counts_values_not_spellings() -> None:
    raw = _frame(customerID=["a", "b", "c"], MonthlyCharges=["70.35", "$10.00", "79,90"])
    _, log = apply_cleaning(raw, [preparation.CLEANING_STEPS[1]])  # parse_numbers
    assert log.loc[0, "cells_changed"] == 2  # "70.35" -> 70.35 is the same value


def test_a_step_can_be_switched_off() -> None:
    raw = _frame(customerID=["a", "a", "b"], tenure=[1, 1, 2])
    dedup = [s for s in preparation.CLEANING_STEPS if s.name == "drop_duplicate_ids"]
    assert len(apply_cleaning(raw, dedup)[0]) == 2
    assert len(apply_cleaning(raw, [])[0]) == 3


def test_bad_steps_are_named_in_the_error() -> None:
    raw = _frame(customerID=["a"])
    with pytest.raises(TypeError, match="'broken' returned list"):
        apply_cleaning(raw, [CleaningStep("broken", "", lambda df: [])])
    with pytest.raises(ValueError, match="'inventor' invented rows"):
        apply_cleaning(raw, [CleaningStep("inventor", "", lambda df: pd.concat([df, df], ignore_index=True))])
    with pytest.raises(TypeError, match="CleaningStep"):
        apply_cleaning(raw, [preparation.trim_text])


def test_trim_text_turns_blanks_into_missing_values() -> None:
    out = preparation.trim_text(_frame(Contract=pd.Series([" One year ", "", "Two year"], dtype="str")))
    assert out["Contract"].iloc[0] == "One year" and pd.isna(out["Contract"].iloc[1])


def test_repair_total_charges_fixes_only_inconsistent_totals() -> None:
    df = _frame(tenure=[10, 10, 0], MonthlyCharges=[50.0, 50.0, 30.0], TotalCharges=[510.0, 9000.0, 0.0])
    out = preparation.repair_total_charges(df)
    assert list(out["TotalCharges"]) == [510.0, 500.0, 0.0]


def test_single_feature_auc_puts_the_leak_first() -> None:
    scan = preparation.single_feature_auc(data.load_customers())
    assert scan.iloc[0]["column"] == data.LEAKY
    assert scan["auc_alone"].between(0.5, 1.0).all()


@given(st.lists(st.tuples(st.booleans(), st.floats(-100, 100, allow_nan=False)), min_size=2, max_size=60))
@settings(max_examples=50, deadline=None)
def test_single_feature_auc_is_symmetric_in_the_sign_of_a_column(rows) -> None:
    y = ["Yes" if r[0] else "No" for r in rows]
    if len(set(y)) < 2:
        return
    x = np.array([r[1] for r in rows])
    a = preparation.single_feature_auc(_frame(Churn=y, x=x))["auc_alone"].iloc[0]
    b = preparation.single_feature_auc(_frame(Churn=y, x=-x))["auc_alone"].iloc[0]
    assert a == pytest.approx(b) and 0.5 <= a <= 1.0


def test_prepare_is_reproducible_with_a_seed_only() -> None:
    customers = data.load_customers()
    first, second = preparation.prepare(customers), preparation.prepare(customers)
    assert first.version == second.version
    assert data.LEAKY not in first.train.columns
    assert first.train["month"].max() < first.test["month"].min()
    assert preparation.prepare(customers, seed=None).version != preparation.prepare(customers, seed=None).version
    assert preparation.prepare(customers, seed=1).version != first.version


def test_preprocessor_check_tells_right_from_wrong() -> None:
    from sklearn.compose import ColumnTransformer
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import OneHotEncoder

    assert lab04.preprocessor(preparation.build_preprocessor()).score == 1.0
    unscaled = Pipeline([("features", preparation.FeatureEngineer()), ("encode", ColumnTransformer([
        ("numeric", "passthrough", preparation.NUMERIC),
        ("categorical", OneHotEncoder(handle_unknown="ignore", sparse_output=False), preparation.CATEGORICAL)]))])
    feedback = lab04.preprocessor(unscaled)
    assert 0 < feedback.score < 1 and "StandardScaler" in feedback.message
    assert lab04.preprocessor("a pipeline").score == 0


def test_split_check_rejects_a_random_split() -> None:
    def random_split(df, test_months=3):
        test = df.sample(frac=0.25, random_state=0)
        return df.drop(test.index), test

    assert lab04.split_by_time(random_split).score == 0
    assert lab04.split_by_time(lambda df, test_months=3: preparation.time_split(df, test_months)).score == 1
