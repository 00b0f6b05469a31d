"""One schema of the data: every column's kind, categories and allowed range, defined once.

The categories come from :data:`mlopslab.data.CATEGORIES` (the generator draws from them); the ranges are the
Data Steward's business rules. Everything that judges a value derives from :data:`COLUMNS`:

* the data contract, :func:`mlopslab.provisioning.customer_contract` (lab 03, and every batch after it);
* serving's request validation, :func:`mlopslab.deployment.validate_request` (lab 08), so the endpoint refuses
  what the contract quarantines (a tenure of 240, monthly charges of 950);
* the column lists of preparation and of the role-based views (:mod:`mlopslab.privacy`).

``require_columns`` is the one "missing column" check: it raises :class:`MissingColumns` naming what is missing.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import pandas as pd

from .data import CATEGORIES, FEATURES, LEAKY, TARGET

KINDS = ("identifier", "month", "category", "integer", "decimal", "text")
"""What a column holds: an id, a YYYY-MM month, one of a list of categories, a whole number, a decimal number, or
free text."""

ID_PATTERN = r"^\d{4}-[A-Z]{5}$"
"""A customer id: four digits, a dash, five capital letters (e.g. 7590-VHVEG)."""
MONTH_PATTERN = r"^\d{4}-(0[1-9]|1[0-2])$"
"""An observation month, YYYY-MM."""


@dataclass(frozen=True)
class Column:
    """One column of the customer data: its kind, what values it allows, and how it must be handled."""

    name: str
    kind: str
    description: str = ""
    categories: tuple[str, ...] = ()
    """The allowed values of a ``category`` column, in the order the data documents them."""
    low: float | None = None
    """Smallest allowed value of a number column (inclusive); None means unbounded."""
    high: float | None = None
    """Largest allowed value of a number column (inclusive); None means unbounded."""
    pattern: str | None = None
    """A regular expression the text of an ``identifier`` or ``month`` column must match."""
    example: str = ""
    """An example of a valid value (for messages)."""
    unique: bool = False
    required: bool = True
    nullable: bool = False
    personal: bool = False
    """Identifies a person, or may (free text): never shown as is to roles that do not need it."""
    protected: bool = False
    """A protected attribute: used to audit fairness, never to target or price."""

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"column {self.name!r}: kind must be one of {KINDS}, got {self.kind!r}")
        if (self.kind == "category") != bool(self.categories):
            raise ValueError(f"column {self.name!r}: categories go with kind 'category' (and only with it)")

    @property
    def is_number(self) -> bool:
        """True for ``integer`` and ``decimal`` columns."""
        return self.kind in ("integer", "decimal")

    def in_range(self, value: float) -> bool:
        """True when a number lies within [low, high] (a missing bound does not limit): the contract's range rule."""
        return (self.low is None or value >= self.low) and (self.high is None or value <= self.high)

    def range_text(self) -> str:
        """The allowed range in words, e.g. ``"between 0 and 72"``, ``"0 or 1"``, ``"0 or more"``."""
        low, high = self.low, self.high
        if low is not None and high is not None:
            if self.kind == "integer" and high - low == 1:
                return f"{low:g} or {high:g}"
            return f"between {low:g} and {high:g}"
        if low is not None:
            return f"{low:g} or more"
        if high is not None:
            return f"{high:g} or less"
        return "any number"

    def rule(self) -> str:
        """What the column allows, in one line (for tables and messages)."""
        if self.kind == "category":
            return "one of " + ", ".join(self.categories)
        if self.is_number:
            return f"{'a whole' if self.kind == 'integer' else 'a'} number, {self.range_text()}"
        if self.kind == "text":
            return "free text" + (" (optional)" if not self.required else "")
        return f"{'a unique' if self.unique else 'a'} {self.kind} like {self.example}"


RANGES: dict[str, tuple[float, float | None]] = {
    "SeniorCitizen": (0, 1),
    "tenure": (0, 72),
    "MonthlyCharges": (0.0, 200.0),
    "TotalCharges": (0.0, None),
    LEAKY: (0.0, None),
}
"""Allowed ranges of the number columns (inclusive; None means unbounded). Monthly charges leave room for price
rises; a tenure of more than six years does not exist in TelcoNova's billing system."""

INTEGER_COLUMNS = ["SeniorCitizen", "tenure"]
"""Number columns that hold whole numbers."""

_DESCRIPTIONS = {
    "customerID": "the customer's id in billing and CRM",
    "month": "the month the customer was observed (YYYY-MM)",
    "gender": "the customer's gender (protected attribute)",
    "SeniorCitizen": "1 for customers aged 65 or more (protected attribute)",
    "tenure": "months the customer has been with TelcoNova",
    "MonthlyCharges": "the current monthly bill (EUR)",
    "TotalCharges": "everything billed so far (EUR), about tenure x MonthlyCharges",
    LEAKY: "refund booked when an account closes (known only after churn)",
    TARGET: "whether the customer left the following month",
    "notes": "free text typed by call-centre agents (optional)",
}
PROTECTED = ("gender", "SeniorCitizen")
"""The protected attributes of the data (the fairness rule audits them: :data:`mlopslab.policy.GATE`)."""


def _column(name: str) -> Column:
    text = _DESCRIPTIONS.get(name, "")
    if name in CATEGORIES:
        return Column(name, "category", text or "a service or account attribute",
                      categories=tuple(CATEGORIES[name]), protected=name in PROTECTED)
    if name in RANGES:
        low, high = RANGES[name]
        return Column(name, "integer" if name in INTEGER_COLUMNS else "decimal", text, low=low, high=high,
                      protected=name in PROTECTED)
    raise KeyError(f"the schema has no rule for column {name!r}")


COLUMNS: dict[str, Column] = {
    "customerID": Column("customerID", "identifier", _DESCRIPTIONS["customerID"], pattern=ID_PATTERN, example="7590-VHVEG",
                         unique=True, personal=True),
    "month": Column("month", "month", _DESCRIPTIONS["month"], pattern=MONTH_PATTERN, example="2026-01"),
    **{name: _column(name) for name in FEATURES},
    LEAKY: _column(LEAKY),
    TARGET: Column(TARGET, "category", _DESCRIPTIONS[TARGET], categories=("No", "Yes")),
    "notes": Column("notes", "text", _DESCRIPTIONS["notes"], required=False, nullable=True, personal=True),
}
"""Every column of the customer data, in file order, with its rule. Model inputs are :data:`mlopslab.data.FEATURES`;
``RefundAmount`` and ``Churn`` exist only in labelled data; ``notes`` only in CRM exports."""

KEYS = ["customerID", "month"]
"""The columns that say which customer and when (not model inputs)."""
LABELLED = [LEAKY, TARGET]
"""The columns only historical (labelled) data has."""
NUMBER_FEATURES = [name for name in FEATURES if COLUMNS[name].is_number]
"""Model inputs that are numbers, in FEATURES order."""
CATEGORY_FEATURES = [name for name in FEATURES if COLUMNS[name].kind == "category"]
"""Model inputs that are categories, in FEATURES order (the order of data.CATEGORIES)."""
DECIMAL_FEATURES = [name for name in NUMBER_FEATURES if COLUMNS[name].kind == "decimal"]
"""Model inputs that are decimal numbers."""
INTEGER_FEATURES = [name for name in NUMBER_FEATURES if COLUMNS[name].kind == "integer"]
"""Model inputs that are whole numbers."""

TENURE_BANDS = [-1, 12, 24, 48, 72]
"""Edges of the tenure bands (months, right-inclusive: the first band holds 0-12)."""
TENURE_LABELS = ["0-12", "13-24", "25-48", "49-72"]
"""The names of the tenure bands."""


def tenure_band(tenure: pd.Series) -> pd.Series:
    """Tenure in months generalized to its band, e.g. ``"13-24"`` (missing where tenure is missing or out of range)."""
    banded = pd.cut(pd.to_numeric(tenure, errors="coerce"), TENURE_BANDS, labels=TENURE_LABELS)
    return banded.astype(str).where(banded.notna(), None)


# --- missing columns ------------------------------------------------------------------------------------------

class MissingColumns(KeyError):
    """A table lacks columns it needs; the message names them (and is shown without KeyError's quotes)."""

    def __init__(self, message: str, missing: list[str]) -> None:
        super().__init__(message)
        self.message = message
        self.missing = missing

    def __str__(self) -> str:
        return self.message


def missing_columns(frame: pd.DataFrame, columns: Iterable[str]) -> list[str]:
    """The names in ``columns`` that ``frame`` lacks, in the order given."""
    present = {str(c) for c in frame.columns}
    return [c for c in columns if c not in present]


def require_columns(frame: pd.DataFrame, columns: Iterable[str], what: str = "the table") -> None:
    """Raise :class:`MissingColumns` when ``frame`` lacks any of ``columns``; ``what`` names the table in the message."""
    columns = list(columns)
    missing = missing_columns(frame, columns)
    if missing:
        raise MissingColumns(f"{what} lacks the required column(s) {', '.join(missing)} "
                             f"(it needs {len(columns)}: {', '.join(columns)})", missing)


def overview(*, names: Iterable[str] | None = None) -> pd.DataFrame:
    """The schema as a table: one row per column with its kind, rule and handling."""
    names = list(COLUMNS) if names is None else list(names)
    rows = [{"column": c.name, "kind": c.kind, "rule": c.rule(), "unique": c.unique, "nullable": c.nullable,
             "personal": c.personal, "protected": c.protected} for c in (COLUMNS[n] for n in names)]
    return pd.DataFrame(rows).set_index("column")
