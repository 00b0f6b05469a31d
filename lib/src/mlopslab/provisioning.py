"""Data provisioning with governance (lab 03): catalog entry, data contract, validation with quarantine, lineage.

Public API used by later labs:

* :func:`customer_contract` — the pandera contract for customer rows (labelled or not), derived from the one schema
  of the data (:data:`mlopslab.schema.COLUMNS`) plus the row rules below;
* :func:`total_matches_tenure_x_monthly` and :data:`TOTAL_TOLERANCE` — the one statement of the rule that ties
  TotalCharges to tenure x MonthlyCharges (lab 04's cleaning blanks exactly the totals this rule rejects);
* :func:`validate_batch` — accepted rows, quarantined rows and a violations table, reconciled;
* :func:`read_batch_csv` — read an incoming CSV as text, with a clear error for a malformed file;
* :func:`data_version` — the content hash of a data version (a file or a DataFrame), from :mod:`mlopslab.lineage`.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pandera.pandas as pa
from pandera.errors import SchemaErrors

from . import schema
from .config import data_dir
from .data import FEATURES, TARGET
from .lineage import data_version
from .privacy import contains_pii, mask_pii
from .schema import RANGES

# --- the catalog entry ------------------------------------------------------------------------------------------

CATALOG_ENTRY: dict[str, object] = {
    "name": "telconova_customers",
    "title": "TelcoNova customer churn",
    "description": "One row per customer observed in a month: contract, services, charges, and churn the next month.",
    "datasheet": "data/README.md",
    "owner": "Head of Customer Retention (business owner)",
    "steward": "Data Steward, analytics team",
    "producer": "Data Engineer, analytics team (nightly extract from billing and CRM)",
    "source_systems": ["billing", "CRM"],
    "files": ["customers.csv", "production/batch_2026-MM.csv", "production/labels_2026-MM.csv", "dirty_batch.csv"],
    "classification": "confidential: pseudonymous customer data; free-text notes may hold personal data",
    "personal_data": ["customerID (pseudonymous identifier)", "notes (free text: may hold contact details)"],
    "protected_attributes": ["gender", "SeniorCitizen"],
    "allowed_uses": ["churn prediction for retention offers", "aggregate reporting", "teaching and testing"],
    "prohibited_uses": ["pricing individual customers by gender or age", "re-identifying customers", "selling"],
    "retention": "raw batches 24 months, then deleted; quarantined rows 90 days; lineage records kept indefinitely",
    "quality_contract": "mlopslab.provisioning.customer_contract",
}
"""The catalog entry of the churn data: who owns it, who may use it for what, and for how long."""


def catalog_entry() -> dict[str, object]:
    """The catalog entry, with the current content hash of each shipped file of the training data."""
    entry = dict(CATALOG_ENTRY)
    entry["version_customers_csv"] = data_version(data_dir() / "customers.csv")
    return entry


# --- the data contract ------------------------------------------------------------------------------------------

TOTAL_TOLERANCE = 0.20
"""TotalCharges may differ from tenure x MonthlyCharges by this share (plus 1.00 for rounding)."""

RULE_DEFECTS: dict[str, str] = {
    "not_nullable": "missing_value",
    "is_number": "wrong_type",
    "in_range": "out_of_range",
    "greater_than_or_equal_to": "out_of_range",
    "less_than_or_equal_to": "out_of_range",
    "isin": "unknown_category",
    "field_uniqueness": "duplicate_id",
    "total_matches_tenure_x_monthly": "inconsistent_total",
    "no_personal_data": "personal_data",
    "str_matches": "wrong_format",
}
"""Rule (pandera check name, without its arguments) -> defect class of the datasheet."""
RULE_COLUMNS: dict[str, str] = {"total_matches_tenure_x_monthly": "TotalCharges"}
"""The column a row-level (cross-column) rule reports its violation under."""


def _in_range(column: schema.Column) -> pa.Check:
    return pa.Check.ge(column.low) if column.high is None else pa.Check.in_range(column.low, column.high)


def pandera_column(column: schema.Column) -> pa.Column:
    """The contract's rule for one column of the schema: type, range or categories, uniqueness, missing values."""
    if column.kind == "category":
        return pa.Column(str, pa.Check.isin(list(column.categories)), nullable=column.nullable)
    if column.is_number:
        dtype = "Int64" if column.kind == "integer" else "float64"
        return pa.Column(dtype, _in_range(column), coerce=True, nullable=column.nullable)
    if column.kind == "text":
        no_pii = pa.Check(no_personal_data, name="no_personal_data")
        return pa.Column(str, no_pii, nullable=column.nullable, required=column.required)
    return pa.Column(str, pa.Check.str_matches(column.pattern), unique=column.unique, nullable=column.nullable,
                     report_duplicates="all")


def total_matches_tenure_x_monthly(df: pd.DataFrame) -> pd.Series:
    """True where TotalCharges is close to tenure x MonthlyCharges (or where the rule cannot be judged).

    The rule is judged only where its three inputs are present and tenure and monthly charges are in range:
    otherwise the range rule already reports the row, and this rule would only repeat it.
    """
    tenure, monthly, total = (pd.to_numeric(df[c], errors="coerce")
                              for c in ("tenure", "MonthlyCharges", "TotalCharges"))
    judged = total.notna() & tenure.between(*RANGES["tenure"]) & monthly.between(*RANGES["MonthlyCharges"])
    expected = tenure * monthly
    close = (total - expected).abs() <= TOTAL_TOLERANCE * expected + 1.0
    return (~judged | close).fillna(True).astype(bool)


def no_personal_data(notes: pd.Series) -> pd.Series:
    """True for each note without detected personal data."""
    return ~contains_pii(notes)


def customer_contract(labelled: bool = True, extra_checks: list[pa.Check] | tuple = ()) -> pa.DataFrameSchema:
    """The data contract for customer rows: every column's rule from the schema, plus the rules across columns.

    ``labelled=False`` is the contract of a production batch (no ``Churn``, no ``RefundAmount``).
    ``extra_checks`` adds row-level rules (pandera checks on the whole frame returning one bool per row).
    An optional free-text ``notes`` column must not hold personal data; other extra columns are allowed.
    """
    names = [name for name in schema.COLUMNS if labelled or name not in schema.LABELLED]
    columns = {name: pandera_column(schema.COLUMNS[name]) for name in names}
    checks = [pa.Check(total_matches_tenure_x_monthly, name="total_matches_tenure_x_monthly"), *extra_checks]
    name = "customer rows (labelled)" if labelled else "customer rows (production batch)"
    return pa.DataFrameSchema(columns, checks=checks, strict=False, name=name)


class ContractError(ValueError):
    """A batch that cannot be judged row by row (repeated index labels, a rule broken by the table as a whole).

    A batch without a required column raises :class:`mlopslab.schema.MissingColumns` instead.
    """


class BatchFileError(ValueError):
    """A batch file that cannot be read as a table (empty, truncated, wrong delimiter, missing columns)."""


# --- validation with quarantine ---------------------------------------------------------------------------------

VIOLATION_COLUMNS = ["row", "column", "rule", "value", "defect"]


@dataclass
class ValidationResult:
    """The outcome of validating a batch: every row is accepted or quarantined, every violation listed."""

    rows_in: int
    accepted: pd.DataFrame
    """Rows that passed every rule, with proper types."""
    quarantined: pd.DataFrame
    """Rows that broke a rule, as received, with a ``quarantine_reason`` column."""
    violations: pd.DataFrame
    """One row per broken rule and cell: row (index label), column, rule, value, defect."""
    contract: str = ""
    """The name of the contract the batch was validated against."""

    def __post_init__(self) -> None:
        if not self.reconciles:  # the invariant, enforced under python -O too (validate_batch's assert is not)
            raise RuntimeError(f"validate_batch lost rows ({self!r}): this is a bug in the course package")

    @property
    def reconciles(self) -> bool:
        """True when rows in = accepted + quarantined and no row is in both."""
        both = self.accepted.index.intersection(self.quarantined.index)
        return self.rows_in == len(self.accepted) + len(self.quarantined) and both.empty

    def reconciliation(self) -> pd.Series:
        """Rows in, accepted, quarantined, and whether they add up."""
        return pd.Series({"rows_in": self.rows_in, "accepted": len(self.accepted),
                          "quarantined": len(self.quarantined), "reconciles": self.reconciles})

    def summary(self) -> pd.DataFrame:
        """Per defect class: how many violations, in how many rows, and a few example rows."""
        v = self.violations
        if v.empty:
            return pd.DataFrame(columns=["violations", "rows", "example_rows"]).rename_axis("defect")
        return v.groupby("defect").agg(
            violations=("row", "size"),
            rows=("row", "nunique"),
            example_rows=("row", lambda r: ", ".join(str(x) for x in sorted(set(r))[:5])),
        )

    def __repr__(self) -> str:
        return (f"ValidationResult(rows_in={self.rows_in}, accepted={len(self.accepted)}, "
                f"quarantined={len(self.quarantined)}, violations={len(self.violations)})")


def validate_batch(df: pd.DataFrame, contract: pa.DataFrameSchema | None = None) -> ValidationResult:
    """Validate a batch (text as read, or typed) against the contract, collecting every violation.

    Two lazy pandera passes: first, can each value be read as its type (else ``wrong_type``); then the
    contract on the typed rows. Rows with any violation are quarantined; the others are accepted. Nothing is
    dropped: ``rows_in == len(accepted) + len(quarantined)``. The contract defaults to
    ``customer_contract(labelled=...)``, labelled when the batch has a ``Churn`` column.
    """
    if not isinstance(df, pd.DataFrame):
        raise TypeError(f"validate_batch needs a pandas DataFrame, got {type(df).__name__}")
    if not df.index.is_unique:
        raise ContractError("the batch's index has repeated labels, so rows could not be told apart: reset_index() it")
    contract = contract if contract is not None else customer_contract(labelled=TARGET in df.columns)
    required = [name for name, col in contract.columns.items() if col.required]
    schema.require_columns(df, required, f"the batch (contract '{contract.name}')")
    text = _blank_to_missing(df)
    type_errors = _failure_cases(_type_contract(text, contract), text)
    typed = _parse_numbers(text, contract)
    contract_errors = _failure_cases(contract, typed)
    violations = _violations(type_errors, contract_errors, typed)
    bad = violations["row"].unique()
    quarantined = df.loc[df.index.isin(bad)].copy()
    reasons = violations.groupby("row")["defect"].agg(lambda d: ", ".join(sorted(set(d))))
    quarantined["quarantine_reason"] = quarantined.index.map(reasons)
    accepted = typed.loc[~typed.index.isin(bad)]
    result = ValidationResult(len(df), accepted, quarantined, violations, contract.name)
    assert result.reconciles, "validate_batch lost rows: this is a bug in the course package"
    return result


def _blank_to_missing(df: pd.DataFrame) -> pd.DataFrame:
    """Text values stripped of surrounding spaces; an empty text is a missing value."""
    out = df.copy()
    for column in out.columns:
        values = out[column]
        if isinstance(values.dtype, pd.StringDtype):
            stripped = values.str.strip()
        elif values.dtype == object:
            stripped = values.map(lambda v: v.strip() if isinstance(v, str) else v)
        else:
            continue
        out[column] = stripped.mask(stripped == "")
    return out


_NUMBER = {"Int64": r"^[+-]?\d+$", "float64": r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$"}


def _type_contract(df: pd.DataFrame, contract: pa.DataFrameSchema) -> pa.DataFrameSchema:
    """Pass 1: numeric columns that arrive as text must hold numbers."""
    columns = {}
    for name, col in contract.columns.items():
        dtype = str(col.dtype)
        if dtype in _NUMBER and name in df.columns and not pd.api.types.is_numeric_dtype(df[name]):
            is_number = pa.Check(lambda s, pattern=_NUMBER[dtype]: s.astype(str).str.fullmatch(pattern),
                                 name="is_number")
            columns[name] = pa.Column(None, is_number, nullable=True)
    return pa.DataFrameSchema(columns, strict=False, name="readable types")


def _parse_numbers(df: pd.DataFrame, contract: pa.DataFrameSchema) -> pd.DataFrame:
    """Numeric columns as numbers; a value that is not a number becomes missing (pass 1 reported it)."""
    out = df.copy()
    for name, col in contract.columns.items():
        if str(col.dtype) in _NUMBER and name in out.columns:
            number = pd.to_numeric(out[name], errors="coerce")
            if str(col.dtype) == "Int64":
                whole = number.notna() & (number % 1 == 0)
                number = number.where(whole).astype("Int64")
            out[name] = number
    return out


def _failure_cases(schema: pa.DataFrameSchema, df: pd.DataFrame) -> pd.DataFrame:
    """Validate lazily: the failure cases of every rule, or an empty table when ``df`` passes."""
    try:
        schema.validate(df, lazy=True)
    except SchemaErrors as err:
        return err.failure_cases
    return pd.DataFrame(columns=["schema_context", "column", "check", "failure_case", "index"])


def _violations(type_errors: pd.DataFrame, contract_errors: pd.DataFrame, typed: pd.DataFrame) -> pd.DataFrame:
    cases = pd.concat([type_errors, contract_errors], ignore_index=True)
    whole_table = cases[cases["index"].isna()]
    if not whole_table.empty:
        first = whole_table.iloc[0]
        raise ContractError(f"the batch breaks the contract as a whole: {first['check']} "
                            f"on column {first['column']!r}: {first['failure_case']}")
    row_rules = cases["schema_context"] == "DataFrameSchema"
    rows = [_column_violation(case) for case in cases[~row_rules].itertuples(index=False)]
    for (row, rule), _ in cases[row_rules].groupby(["index", "check"], sort=False):
        column = RULE_COLUMNS.get(rule, "(row)")
        rows.append((row, column, rule, _describe_row(typed, row, rule), RULE_DEFECTS.get(rule, rule)))
    out = pd.DataFrame(rows, columns=VIOLATION_COLUMNS)
    is_wrong_type = out.defect == "wrong_type"
    wrong_type = set(zip(out.row[is_wrong_type], out.column[is_wrong_type], strict=True))
    same_cell = pd.Series([(r, c) in wrong_type for r, c in zip(out.row, out.column, strict=True)],
                          index=out.index, dtype=bool)
    out = out[~((out.defect == "missing_value") & same_cell)].drop_duplicates(["row", "column", "rule"])
    return out.sort_values(["row", "column", "rule"], key=_sort_key).reset_index(drop=True)


def _column_violation(case) -> tuple:
    rule = str(case.check)
    defect = RULE_DEFECTS.get(rule.split("(", 1)[0], rule)
    value = mask_pii(case.failure_case) if defect == "personal_data" else case.failure_case
    return (case.index, case.column, _short_rule(rule), _show(value), defect)


def _describe_row(typed: pd.DataFrame, row: object, rule: str) -> str:
    if rule == "total_matches_tenure_x_monthly":
        r = typed.loc[row]
        expected = r["tenure"] * r["MonthlyCharges"]
        return f"{r['TotalCharges']:.2f} vs {r['tenure']} x {r['MonthlyCharges']:.2f} = {expected:.2f}"
    return "(whole row)"


def _sort_key(values: pd.Series) -> pd.Series:
    return values.map(lambda v: (0, v, "") if isinstance(v, (int, float)) else (1, 0, str(v)))


def _short_rule(rule: str) -> str:
    return rule if len(rule) <= 40 else rule[:37] + "..."


def _show(value: object) -> str:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return "(empty)"
    return str(value)


# --- reading a batch file ---------------------------------------------------------------------------------------

REQUIRED_COLUMNS = [*schema.KEYS, *FEATURES]
"""The columns every incoming batch must have (labels are optional)."""


def read_batch_csv(path: str | Path, required: list[str] | None = None) -> pd.DataFrame:
    """Read a batch CSV as text (no value is parsed, so no defect is hidden), or raise a clear BatchFileError.

    Checks, in order: the file exists and is UTF-8 text, is not empty, uses commas, has the ``required``
    columns (default :data:`REQUIRED_COLUMNS`), and every line has as many fields as the header.
    """
    path = Path(path)
    required = REQUIRED_COLUMNS if required is None else required
    name = path.name
    if not path.is_file():
        raise BatchFileError(f"{name}: no such file (looked in {path.parent.name or '.'}/)")
    try:
        content = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as err:
        raise BatchFileError(f"{name}: not UTF-8 text (byte {err.start} cannot be decoded); "
                             "re-export it as UTF-8 CSV") from None
    if not content.strip():
        raise BatchFileError(f"{name}: the file is empty (no header, no rows); was the export interrupted?")
    lines = list(csv.reader(content.splitlines()))
    header = lines[0]
    if len(header) == 1:
        guess = next((d for d in (";", "\t", "|") if d in header[0]), None)
        if guess:
            raise BatchFileError(f"{name}: line 1 has a single column; the file seems to use {guess!r} as "
                                 f"delimiter, but batches must be comma-separated")
    missing = [c for c in required if c not in header]
    if missing:
        shown = ", ".join(header[:6]) + (", ..." if len(header) > 6 else "")
        raise BatchFileError(f"{name}: missing column(s) {', '.join(missing)} in the header (line 1); "
                             f"found {len(header)} columns: {shown}")
    for number, fields in enumerate(lines[1:], start=2):
        if len(fields) != len(header) and fields:
            last = number == len(lines)
            cause = ("the file looks truncated (cut off in the middle of a row)" if last and len(fields) < len(header)
                     else "a value may contain an unquoted comma, or fields are missing")
            raise BatchFileError(f"{name}: line {number} has {len(fields)} fields "
                                 f"but the header has {len(header)}: {cause}")
    rows = [fields for fields in lines[1:] if fields]
    return pd.DataFrame(rows, columns=header, dtype=str)


# --- lineage ----------------------------------------------------------------------------------------------------

LINEAGE_COLUMNS = ["dataset", "version", "rows", "derived_from", "step"]
"""The fields of a lineage record (:func:`lineage_entry`)."""



def lineage_entry(dataset: str, data: pd.DataFrame | str | Path, derived_from: str = "", step: str = "") -> dict:
    """One lineage record: which data (name and content hash), how many rows, made from what, by which step."""
    rows = len(data) if isinstance(data, pd.DataFrame) else len(read_batch_csv(data, required=[]))
    return {"dataset": dataset, "version": data_version(data), "rows": rows, "derived_from": derived_from, "step": step}
