"""Tests of mlopslab.provisioning: the contract, validation with quarantine, file reading, data versions."""

from __future__ import annotations

import pandas as pd
import pandera.pandas as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from mlopslab import data, provisioning
from mlopslab.provisioning import BatchFileError, ContractError, read_batch_csv, validate_batch
from mlopslab.schema import MissingColumns

DIRTY = data.load_dirty_batch()
TRUTH = data.load_dirty_defects()
DIRTY_RESULT = validate_batch(DIRTY)


def _assert_reconciles(result: provisioning.ValidationResult, df: pd.DataFrame) -> None:
    assert result.rows_in == len(df) == len(result.accepted) + len(result.quarantined)
    assert result.reconciles
    assert set(result.accepted.index) | set(result.quarantined.index) == set(df.index)
    assert set(result.quarantined.index) == set(result.violations["row"])


# --- the contract on the shipped data ---------------------------------------------------------------------------


def test_clean_training_data_passes_the_contract() -> None:
    customers = data.load_customers()
    provisioning.customer_contract(labelled=True).validate(customers, lazy=True)
    result = validate_batch(customers)
    assert len(result.accepted) == len(customers) and result.violations.empty
    _assert_reconciles(result, customers)


@pytest.mark.parametrize("month", data.PRODUCTION_MONTHS)
def test_every_production_batch_passes_and_reconciles(month: str) -> None:
    batch = data.load_batch(month)
    result = validate_batch(batch)
    assert result.contract == provisioning.customer_contract(labelled=False).name
    assert result.violations.empty, result.violations.head()
    _assert_reconciles(result, batch)


def test_dirty_batch_reconciles() -> None:
    _assert_reconciles(DIRTY_RESULT, DIRTY)


def test_every_documented_defect_is_reported_with_row_and_column() -> None:
    v = DIRTY_RESULT.violations
    found = set(zip(v["row"].astype(int), v["column"], v["defect"], strict=True))
    documented = set(zip(TRUTH["row"], TRUTH["column"], TRUTH["defect"], strict=True))
    assert documented <= found, sorted(documented - found)


def test_every_documented_defect_row_is_quarantined() -> None:
    assert set(TRUTH["row"]) <= set(DIRTY_RESULT.quarantined.index)


def test_every_defect_class_is_named() -> None:
    assert set(data.DEFECT_CLASSES) <= set(DIRTY_RESULT.violations["defect"])
    assert set(data.DEFECT_CLASSES) <= set(DIRTY_RESULT.summary().index)


def test_no_clean_row_of_the_dirty_batch_is_quarantined() -> None:
    assert set(DIRTY_RESULT.quarantined.index) == set(TRUTH["row"])


def test_violation_report_does_not_repeat_personal_data() -> None:
    personal = DIRTY_RESULT.violations[DIRTY_RESULT.violations["defect"] == "personal_data"]
    assert len(personal) == (TRUTH["defect"] == "personal_data").sum()
    for row, shown in zip(personal["row"], personal["value"], strict=True):
        original = DIRTY.at[row, "notes"]
        assert shown != original and "[" in shown


def test_quarantine_keeps_rows_as_received_with_a_reason() -> None:
    q = DIRTY_RESULT.quarantined
    pd.testing.assert_frame_equal(q.drop(columns="quarantine_reason"), DIRTY.loc[q.index])
    assert q.loc[9, "quarantine_reason"] == "wrong_type"


def test_wrong_type_cell_is_not_also_reported_missing() -> None:
    v = DIRTY_RESULT.violations
    wrong_type = TRUTH[TRUTH.defect == "wrong_type"]
    for row, column in zip(wrong_type["row"], wrong_type["column"], strict=True):
        assert list(v[(v.row == row) & (v.column == column)]["defect"]) == ["wrong_type"]


def test_accepted_rows_are_typed() -> None:
    accepted = DIRTY_RESULT.accepted
    assert pd.api.types.is_integer_dtype(accepted["tenure"])
    assert pd.api.types.is_float_dtype(accepted["MonthlyCharges"])


def test_extra_check_quarantines_what_it_rejects() -> None:
    batch = data.load_batch("2026-04")
    senior = pa.Check(lambda df: df["SeniorCitizen"] == 0, name="no_seniors")
    result = validate_batch(batch, provisioning.customer_contract(labelled=False, extra_checks=[senior]))
    assert set(result.quarantined.index) == set(batch.index[batch["SeniorCitizen"] == 1])
    assert set(result.violations["rule"]) == {"no_seniors"}
    _assert_reconciles(result, batch)


def test_missing_required_column_is_a_clear_error() -> None:
    with pytest.raises(MissingColumns, match=r"the batch \(contract .*\) lacks the required column\(s\) tenure") as err:
        validate_batch(data.load_batch("2026-01").drop(columns="tenure"))
    assert err.value.missing == ["tenure"] and isinstance(err.value, KeyError)


def test_repeated_index_is_a_clear_error() -> None:
    batch = data.load_batch("2026-01").head(4)
    with pytest.raises(ContractError, match="index has repeated labels"):
        validate_batch(pd.concat([batch, batch]))


# --- reconciliation as a property -------------------------------------------------------------------------------

PERTURBATIONS = [
    ("tenure", "-1"), ("tenure", "abc"), ("tenure", ""), ("MonthlyCharges", "1e9"), ("MonthlyCharges", "12,5"),
    ("Contract", "Weekly"), ("gender", ""), ("TotalCharges", "999999"), ("notes", "mail me: a.b@example.com"),
    ("customerID", "bad-id"), ("month", "2026-13"), ("SeniorCitizen", "yes"),
]


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows=st.lists(st.integers(0, len(DIRTY) - 1), min_size=0, max_size=60, unique=True))
def test_reconciliation_holds_for_any_subset_of_the_dirty_batch(rows: list[int]) -> None:
    subset = DIRTY.loc[sorted(rows)]
    result = validate_batch(subset)
    _assert_reconciles(result, subset)
    documented = set(TRUTH["row"]) & set(rows)
    assert documented <= set(result.quarantined.index) | _duplicates_split(subset)


def _duplicates_split(subset: pd.DataFrame) -> set[int]:
    """Duplicate-id rows whose twin is not in the subset are no longer duplicates there."""
    twins = TRUTH[TRUTH.defect == "duplicate_id"]["row"]
    counts = subset["customerID"].value_counts()
    return {r for r in twins if r in subset.index and counts[subset.at[r, "customerID"]] == 1}


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(changes=st.lists(st.tuples(st.integers(0, 99), st.sampled_from(PERTURBATIONS)), max_size=12))
def test_reconciliation_holds_for_perturbed_batches(changes: list[tuple[int, tuple[str, str]]]) -> None:
    path = data.data_dir() / "production" / "batch_2026-08.csv"
    batch = pd.read_csv(path, dtype=str, keep_default_na=False).head(100)
    batch["notes"] = ""
    for row, (column, value) in changes:
        batch.at[row, column] = value
    result = validate_batch(batch)
    _assert_reconciles(result, batch)
    assert {row for row, _ in changes} <= set(result.quarantined.index)


# --- reading files ----------------------------------------------------------------------------------------------


@pytest.fixture
def good_text() -> str:
    return (data.data_dir() / "production" / "batch_2026-02.csv").read_text(encoding="utf-8")


def test_read_batch_csv_reads_text_like_the_loader(tmp_path, good_text: str) -> None:
    path = tmp_path / "batch.csv"
    path.write_text(good_text, encoding="utf-8")
    df = read_batch_csv(path)
    expected = pd.read_csv(path, dtype=str, keep_default_na=False)
    pd.testing.assert_frame_equal(df, expected, check_dtype=False)


def test_dirty_batch_file_reads_like_the_loader() -> None:
    df = read_batch_csv(data.data_dir() / "dirty_batch.csv")
    assert df.shape == DIRTY.shape and (df.values == DIRTY.values).all()


def test_truncated_file_is_a_clear_error(tmp_path, good_text: str) -> None:
    path = tmp_path / "cut.csv"
    cut = good_text.rfind("\n", 0, len(good_text) // 3) + 30
    path.write_text(good_text[:cut], encoding="utf-8")
    line = good_text[:cut].count("\n") + 1
    expected = rf"cut\.csv: line {line} has \d+ fields but the header has 21: .*truncated"
    with pytest.raises(BatchFileError, match=expected):
        read_batch_csv(path)


def test_wrong_delimiter_is_a_clear_error(tmp_path, good_text: str) -> None:
    path = tmp_path / "semi.csv"
    path.write_text(good_text.replace(",", ";"), encoding="utf-8")
    with pytest.raises(BatchFileError, match="semi.csv: .*';' as delimiter.*comma-separated"):
        read_batch_csv(path)


def test_missing_column_is_a_clear_error(tmp_path) -> None:
    path = tmp_path / "short.csv"
    data.load_batch("2026-02").drop(columns=["MonthlyCharges", "Contract"]).to_csv(path, index=False)
    with pytest.raises(BatchFileError, match="short.csv: missing column.*Contract, MonthlyCharges"):
        read_batch_csv(path)


@pytest.mark.parametrize("content", ["", "\n\n", "   "])
def test_empty_file_is_a_clear_error(tmp_path, content: str) -> None:
    path = tmp_path / "empty.csv"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(BatchFileError, match="empty.csv: the file is empty"):
        read_batch_csv(path)


def test_missing_file_and_binary_file_are_clear_errors(tmp_path) -> None:
    with pytest.raises(BatchFileError, match="nope.csv: no such file"):
        read_batch_csv(tmp_path / "nope.csv")
    path = tmp_path / "binary.csv"
    path.write_bytes(b"\xff\xfe\x00bad")
    with pytest.raises(BatchFileError, match="binary.csv: not UTF-8"):
        read_batch_csv(path)


def test_ragged_middle_line_is_a_clear_error(tmp_path, good_text: str) -> None:
    lines = good_text.splitlines()
    lines[5] = lines[5] + ",extra"
    path = tmp_path / "ragged.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    expected = "ragged.csv: line 6 has 22 fields but the header has 21: .*unquoted comma"
    with pytest.raises(BatchFileError, match=expected):
        read_batch_csv(path)


# --- data versions and lineage ----------------------------------------------------------------------------------


def test_data_version_of_a_file_is_its_checksum() -> None:
    sums = dict(line.split("  ")[::-1] for line in (data.data_dir() / "SHA256SUMS").read_text().splitlines())
    assert provisioning.data_version(data.data_dir() / "customers.csv") == sums["customers.csv"]


def test_data_version_of_a_frame_matches_its_file() -> None:
    assert provisioning.data_version(data.load_batch("2026-05")) == provisioning.data_version(
        data.data_dir() / "production" / "batch_2026-05.csv")


@settings(max_examples=30, deadline=None)
@given(row=st.integers(0, 599), delta=st.floats(0.01, 50, allow_nan=False))
def test_data_version_changes_with_any_value(row: int, delta: float) -> None:
    batch = data.load_batch("2026-05")
    changed = batch.copy()
    changed.loc[row, "MonthlyCharges"] = round(batch.loc[row, "MonthlyCharges"] + delta, 2)
    same = provisioning.data_version(batch.copy())
    assert provisioning.data_version(batch) == same
    assert provisioning.data_version(changed) != same


def test_data_version_of_a_missing_file_is_a_clear_error(tmp_path) -> None:
    with pytest.raises(FileNotFoundError, match="no such file 'gone.csv'"):
        provisioning.data_version(tmp_path / "gone.csv")


def test_lineage_entry_counts_rows_of_files_and_frames() -> None:
    path = data.data_dir() / "dirty_batch.csv"
    from_file = provisioning.lineage_entry("dirty", path, "CRM", "received")
    from_frame = provisioning.lineage_entry("dirty", DIRTY, "CRM", "received")
    assert from_file["rows"] == from_frame["rows"] == len(DIRTY)
    assert from_file["version"] == from_frame["version"] == data.sha256_file(path)
    assert list(from_file) == provisioning.LINEAGE_COLUMNS


def test_catalog_entry_names_owner_steward_uses_and_retention() -> None:
    entry = provisioning.catalog_entry()
    for key in ("owner", "steward", "allowed_uses", "prohibited_uses", "retention", "datasheet"):
        assert entry[key]
    assert (data.data_dir().parent / entry["datasheet"]).is_file()
    assert entry["version_customers_csv"] == data.sha256_file(data.data_dir() / "customers.csv")


def test_a_batch_that_does_not_reconcile_is_an_error_even_under_python_O(monkeypatch) -> None:
    monkeypatch.setattr(provisioning.ValidationResult, "reconciles", property(lambda self: False))
    with pytest.raises(RuntimeError, match="validate_batch lost rows"):
        validate_batch(data.load_batch("2026-01").head(5))
