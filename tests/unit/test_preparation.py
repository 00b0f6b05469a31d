"""Data preparation (lab 04): declared cleaning steps with a log, seeded and versioned preparation, lab 04's checks."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from mlopslab import config, data, lineage, preparation, provisioning
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


def test_prepare_is_reproducible_with_a_seed_only() -> None:
    customers = data.load_customers()
    first, second = preparation.prepare(customers), preparation.prepare(customers)
    assert first.version == second.version
    assert data.LEAKY not in first.train.columns
    assert first.train["month"].max() < first.test["month"].min()
    assert preparation.prepare(customers, seed=None).version != preparation.prepare(customers, seed=None).version
    assert preparation.prepare(customers, seed=1).version != first.version


def test_prepared_data_is_named_by_its_lineage_version() -> None:
    customers = data.load_customers()
    prepared = preparation.prepare(customers)
    assert prepared.version == lineage.data_version(prepared.data)
    assert prepared.source_version == lineage.data_version(config.data_dir() / "customers.csv")
    assert list(prepared.data["split"].unique()) == ["train", "test"]
    assert len(prepared.data) == len(prepared.train) + len(prepared.test) == len(customers)
    assert list(prepared.log["step"]) == [s.name for s in preparation.CLEANING_STEPS]


def test_preparation_is_recorded_and_found_again(monkeypatch) -> None:
    import mlflow
    from stores import fresh_store

    monkeypatch.setenv("MLFLOW_TRACKING_URI", fresh_store("preparation"))
    config.setup_tracking()
    prepared = preparation.prepare(data.load_customers())
    first = preparation.ensure_preparation_run(prepared)  # an empty store: logged now
    assert first.data.tags[lineage.TAG] == prepared.version and first.data.tags["lab"] == "04"
    assert first.data.params["source_data_version"] == prepared.source_version
    assert preparation.ensure_preparation_run(prepared).info.run_id == first.info.run_id
    newer = preparation.log_preparation(prepared)
    assert preparation.ensure_preparation_run(prepared).info.run_id == newer
    assert mlflow.get_run(newer).data.metrics["train_rows"] == len(prepared.train)
    with pytest.raises(TypeError, match="Prepared"):
        preparation.log_preparation(data.load_customers())


def _blank(df):
    out = df.copy()
    out.loc[~provisioning.total_matches_tenure_x_monthly(out), "TotalCharges"] = np.nan
    return out


def _repair(df):
    out = df.copy()
    expected = out["tenure"] * out["MonthlyCharges"]
    out.loc[~provisioning.total_matches_tenure_x_monthly(out), "TotalCharges"] = expected
    return out


def test_clean_totals_check_follows_the_contract_rule() -> None:
    assert lab04.clean_totals(_blank).score == 1
    assert lab04.clean_totals(_repair).score == 0  # a repaired total is an invented one
    assert lab04.clean_totals(lambda df: df[provisioning.total_matches_tenure_x_monthly(df)]).score == 0
    with pytest.raises(lab04.NotAnswered):  # the stub returns an unchanged copy: not answered yet
        lab04.clean_totals(lambda df: df.copy())


def test_clean_totals_check_refuses_a_step_that_reads_row_labels() -> None:
    breaking = lab04._batch_before_totals()
    labels = breaking.index[~provisioning.total_matches_tenure_x_monthly(breaking)]

    def typed_in(df):
        out = df.copy()
        out.loc[out.index.isin(labels), "TotalCharges"] = np.nan
        return out

    assert lab04.clean_totals(typed_in).score == 0


def test_a_step_that_changes_its_input_does_not_change_what_the_next_check_gets() -> None:
    """The check cleans the batch once per file and hands out copies: a step that blanks in place is wrong, and the
    next answer is judged on the batch as it was."""
    def blank_in_place(df):
        df.loc[~provisioning.total_matches_tenure_x_monthly(df).to_numpy(), "TotalCharges"] = np.nan
        return df

    assert lab04.clean_totals(blank_in_place).score == 0
    assert lab04.clean_totals(_blank).score == 1


def test_new_feature_check_tests_training_and_serving_rows() -> None:
    def feature(X, limit=12):
        out = X.copy()
        out["new_month_to_month"] = ((out["Contract"] == "Month-to-month") & (out["tenure"] <= limit)).astype(int)
        return out

    right = lab04.new_feature(feature)
    assert right.score == 1 and "validation months" in right.message
    assert lab04.new_feature(lambda X: feature(X, 11)).score == 0
    assert lab04.new_feature(preparation.add_features).score == 0


@given(st.lists(st.tuples(st.booleans(), st.floats(-100, 100, allow_nan=False)), min_size=2, max_size=60))
@settings(max_examples=30, deadline=None)
def test_the_leak_scan_reference_is_symmetric_in_the_sign_of_a_column(rows) -> None:
    y = ["Yes" if r[0] else "No" for r in rows]
    assume(len(set(y)) == 2)  # an AUC needs both classes
    x = np.array([r[1] for r in rows])
    a = lab04._scan_reference(_frame(Churn=y, x=x)).iloc[0]
    b = lab04._scan_reference(_frame(Churn=y, x=-x)).iloc[0]
    assert a == pytest.approx(b) and 0.5 <= a <= 1.0


def test_the_leak_scan_puts_the_leak_first_and_its_check_wants_every_column() -> None:
    assert lab04._scan_reference(data.load_customers()).index[0] == data.LEAKY
    assert lab04.leak_scan(lab04._scan_reference).score == 1
    numbers_only = lab04.leak_scan(lambda df: lab04._scan_reference(df.select_dtypes("number").assign(Churn=df["Churn"])))
    assert 0 < numbers_only.score < 1 and "categor" in numbers_only.message


def test_split_check_wants_three_parts_in_time_order_with_their_index() -> None:
    def three_way(df, validation_months=3, test_months=3):
        months = sorted(df["month"].unique())
        test_from, val_from = months[-test_months], months[-test_months - validation_months]
        return df[df["month"] < val_from], df[(df["month"] >= val_from) & (df["month"] < test_from)], df[df["month"] >= test_from]

    def random_split(df, validation_months=3, test_months=3):
        test = df.sample(frac=0.25, random_state=0)
        rest = df.drop(test.index)
        validation = rest.sample(frac=0.33, random_state=0)
        return rest.drop(validation.index), validation, test

    def twice(df, validation_months=3, test_months=3):
        rest, test = preparation.time_split(df, test_months)
        return (*preparation.time_split(rest, validation_months), test)

    def typed_in(df, validation_months=3, test_months=3):
        return df[df["month"] <= "2025-06"], df[df["month"].between("2025-07", "2025-09")], df[df["month"] >= "2025-10"]

    assert lab04.split_by_time(three_way).score == 1
    assert lab04.split_by_time(random_split).score == 0
    assert lab04.split_by_time(twice).score == 0  # the package's two-way split is switched off
    assert lab04.split_by_time(typed_in).score == 0  # the months of this year's data, typed in
    assert lab04.split_by_time(lambda df, validation_months=3, test_months=3: three_way(df)).score == 0.5
