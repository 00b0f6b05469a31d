"""Tests of mlopslab.schema: one definition of the columns, from which the contract and the views derive."""

from __future__ import annotations

import pandas as pd
import pytest
from mlopslab import data, privacy, provisioning, schema


def test_the_schema_covers_every_column_of_the_data_in_file_order() -> None:
    assert list(schema.COLUMNS)[:len(data.CUSTOMER_COLUMNS)] == data.CUSTOMER_COLUMNS
    assert list(schema.COLUMNS)[len(data.CUSTOMER_COLUMNS):] == ["notes"]
    assert schema.NUMBER_FEATURES + schema.CATEGORY_FEATURES == sorted(data.FEATURES, key=lambda c: (
        schema.COLUMNS[c].kind == "category", data.FEATURES.index(c)))


def test_categories_are_the_generators() -> None:
    for name, categories in data.CATEGORIES.items():
        assert schema.COLUMNS[name].categories == tuple(categories)
    assert schema.CATEGORY_FEATURES == list(data.CATEGORIES)


def test_the_shipped_data_lies_within_the_schema() -> None:
    customers = data.load_customers()
    for name in schema.NUMBER_FEATURES:
        column = schema.COLUMNS[name]
        assert customers[name].map(column.in_range).all(), name
        if column.kind == "integer":
            assert pd.api.types.is_integer_dtype(customers[name]), name


@pytest.mark.parametrize("labelled", [True, False])
def test_the_contract_is_derived_from_the_schema(labelled: bool) -> None:
    contract = provisioning.customer_contract(labelled=labelled)
    expected = [c for c in schema.COLUMNS if labelled or c not in schema.LABELLED]
    assert list(contract.columns) == expected
    for name, rule in contract.columns.items():
        column = schema.COLUMNS[name]
        checks = [str(check) for check in rule.checks]
        if column.kind == "category":
            assert checks == [f"<Check isin: isin({list(column.categories)})>"], name
        if column.is_number:
            assert rule.coerce and str(rule.dtype) == ("Int64" if column.kind == "integer" else "float64")
            assert any(f"{column.low}" in c for c in checks), (name, checks)
        assert rule.unique == column.unique and rule.nullable == column.nullable and rule.required == column.required


def test_range_text_names_the_contracts_range() -> None:
    assert schema.COLUMNS["tenure"].range_text() == "between 0 and 72"
    assert schema.COLUMNS["SeniorCitizen"].range_text() == "0 or 1"
    assert schema.COLUMNS["TotalCharges"].range_text() == "0 or more"
    assert schema.COLUMNS["tenure"].rule() == "a whole number, between 0 and 72"


def test_require_columns_names_what_is_missing() -> None:
    frame = data.load_batch("2026-01").drop(columns=["tenure", "Contract"])
    schema.require_columns(frame, ["customerID", "month"], "January's batch")
    with pytest.raises(schema.MissingColumns) as err:
        schema.require_columns(frame, data.FEATURES, "January's batch")
    assert err.value.missing == ["tenure", "Contract"]
    assert str(err.value).startswith("January's batch lacks the required column(s) tenure, Contract (it needs 19:")
    assert isinstance(err.value, KeyError)


def test_tenure_bands_hold_every_tenure_of_the_range() -> None:
    tenure = pd.Series(range(0, 73))
    bands = schema.tenure_band(tenure)
    assert bands.notna().all() and list(bands.unique()) == schema.TENURE_LABELS
    for value, band in zip(tenure, bands, strict=True):
        low, high = (int(x) for x in band.split("-"))
        assert low <= value <= high
    assert schema.tenure_band(pd.Series([-3, 240, None])).isna().all()
    assert privacy.tenure_band is schema.tenure_band


def test_preparations_bands_are_the_schemas() -> None:
    """Preparation still defines its own constants; they must stay equal to the schema's until it imports them."""
    from mlopslab import preparation

    assert list(preparation.TENURE_BANDS) == schema.TENURE_BANDS
    assert list(preparation.TENURE_LABELS) == schema.TENURE_LABELS
    assert preparation.NUMBER_COLUMNS == schema.NUMBER_FEATURES
    assert preparation.CATEGORICAL[:-1] == schema.CATEGORY_FEATURES


def test_a_column_needs_a_known_kind_and_categories_only_for_categories() -> None:
    with pytest.raises(ValueError, match="kind must be one of"):
        schema.Column("x", "colour")
    with pytest.raises(ValueError, match="categories go with kind 'category'"):
        schema.Column("x", "integer", categories=("a",))
    with pytest.raises(ValueError, match="categories go with kind 'category'"):
        schema.Column("x", "category")
