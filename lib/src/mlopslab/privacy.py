"""Personal data: detect it in free text, mask it, pseudonymize ids, and give each role its view (lab 03).

Detection is pattern based (phone numbers, e-mail addresses, social security numbers, payment-card numbers,
postal addresses). It finds what it has patterns for and nothing else: a person's *name* in a note is not
found, which is why a view that must not identify anyone drops free text instead of masking it.
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
import re
from collections.abc import Iterable

import pandas as pd

_STREET = r"(?:Street|St|Avenue|Ave|Road|Rd|Boulevard|Blvd|Lane|Ln|Drive|Dr|Way|Court|Ct|Place|Pl)"
PII_PATTERNS: dict[str, re.Pattern] = {
    # 13-19 digits, contiguous or in groups of four (16-digit cards), or 4-6-5 (15-digit cards).
    "card": re.compile(r"(?<![\d-])(?:\d{4}[ -]?\d{6}[ -]?\d{5}|(?:\d{4}[ -]?){3}\d{1,7})(?![\d-])"),
    "ssn": re.compile(r"(?<![\d-])\d{3}-\d{2}-\d{4}(?![\d-])"),
    "email": re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}"),
    "phone": re.compile(r"(?<![\w-])(?:\+\d{1,3}[ .-]?)?(?:\(\d{3}\) ?|\d{3}[ .-])\d{3}[ .-]\d{4}(?![\d-])"),
    "address": re.compile(
        rf"(?<!\d)\d{{1,5}} (?:[A-Z][a-z]* ){{1,3}}{_STREET}\b\.?"
        r"(?:,? (?:[A-Z][a-z]+ ){1,3}[A-Z]{2} \d{5}(?:-\d{4})?)?"
    ),
}
"""Kind -> pattern, in the order they are searched and masked (cards before phones, so that a card is not
mistaken for a phone number)."""


def find_pii(text: str) -> list[tuple[str, str]]:
    """The personal data found in ``text``: ``(kind, matched text)`` pairs in order of appearance."""
    if not isinstance(text, str):
        return []
    found: list[tuple[int, str, str]] = []
    taken: list[tuple[int, int]] = []
    for kind, pattern in PII_PATTERNS.items():
        for match in pattern.finditer(text):
            span = match.span()
            if not any(span[0] < end and start < span[1] for start, end in taken):
                taken.append(span)
                found.append((span[0], kind, match.group()))
    return [(kind, value) for _, kind, value in sorted(found)]


def pii_kinds(text: str) -> list[str]:
    """The kinds of personal data in ``text`` (e.g. ``["email", "phone"]``), each once, sorted."""
    return sorted({kind for kind, _ in find_pii(text)})


def contains_pii(values: pd.Series) -> pd.Series:
    """True for each text value that holds personal data (missing values hold none)."""
    return values.map(lambda v: bool(find_pii(v)) if isinstance(v, str) else False).astype(bool)


def detect_pii(df: pd.DataFrame, columns: Iterable[str] | None = None) -> pd.DataFrame:
    """Every piece of personal data in the text columns of ``df``: one row per finding (row, column, kind).

    The matched text itself is not returned, so the report can be shared.
    """
    columns = list(columns) if columns is not None else [c for c in df.columns if _is_text(df[c])]
    rows = [
        (row, column, kind)
        for column in columns
        for row, value in df[column].items()
        for kind, _ in find_pii(value)
    ]
    return pd.DataFrame(rows, columns=["row", "column", "kind"])


def mask_pii(text: str) -> str:
    """``text`` with every piece of detected personal data replaced by its kind, e.g. ``[EMAIL]``.

    Masking repeats until nothing is detected any more (a replacement never contains digits or ``@``,
    so every round removes something and the loop ends).
    """
    if not isinstance(text, str):
        return text
    found = find_pii(text)
    while found:
        for kind, value in found:
            text = text.replace(value, f"[{kind.upper()}]")
        found = find_pii(text)
    return text


def pseudonymize(values: pd.Series | str, salt: str, length: int = 16) -> pd.Series | str:
    """Replace identifiers by a keyed hash (HMAC-SHA256 with a secret ``salt``), keeping joins possible.

    The same id and salt always give the same pseudonym, so tables pseudonymized with one salt still join;
    without the salt nobody can recompute the mapping from a list of known ids.
    """
    if not isinstance(salt, str) or not salt:
        raise ValueError("pseudonymize needs a secret salt: a non-empty string kept by the Data Steward")
    if not 8 <= length <= 64:
        raise ValueError(f"length must be between 8 and 64 hex characters, got {length}")

    def one(value: object) -> object:
        if value is None or (not isinstance(value, str) and pd.isna(value)):
            return value
        digest = hmac.new(salt.encode(), str(value).encode(), hashlib.sha256).hexdigest()
        return digest[:length]

    if isinstance(values, pd.Series):
        return values.map(one)
    return one(values)


TENURE_BANDS = [0, 12, 24, 48, 72]
"""Edges of the tenure bands a generalized view shows (months)."""


def tenure_band(tenure: pd.Series) -> pd.Series:
    """Tenure in months generalized to a band such as ``"13-24"``."""
    labels = [f"{lo + (lo > 0)}-{hi}" for lo, hi in itertools.pairwise(TENURE_BANDS)]
    banded = pd.cut(pd.to_numeric(tenure, errors="coerce"), TENURE_BANDS, labels=labels, include_lowest=True)
    return banded.astype(str).where(banded.notna(), None)


ACTIONS = ("keep", "pseudonymize", "mask", "generalize", "drop")
"""What a policy can do with a column: show it, replace ids by pseudonyms, mask personal data in text,
coarsen it (tenure -> band), or withhold it."""

_FEATURES = [
    "Partner", "Dependents", "PhoneService", "MultipleLines", "InternetService", "OnlineSecurity", "OnlineBackup",
    "DeviceProtection", "TechSupport", "StreamingTV", "StreamingMovies", "Contract", "PaperlessBilling",
    "PaymentMethod", "MonthlyCharges", "TotalCharges",
]
ROLE_POLICIES: dict[str, dict[str, str]] = {
    "Data Steward": {
        "customerID": "keep", "month": "keep", "gender": "keep", "SeniorCitizen": "keep", "tenure": "keep",
        **dict.fromkeys(_FEATURES, "keep"), "RefundAmount": "keep", "Churn": "keep", "notes": "keep",
    },
    "Data Scientist": {
        "customerID": "pseudonymize", "month": "keep", "gender": "keep", "SeniorCitizen": "keep", "tenure": "keep",
        **dict.fromkeys(_FEATURES, "keep"), "RefundAmount": "keep", "Churn": "keep", "notes": "mask",
    },
    "Business Analyst": {
        "customerID": "drop", "month": "keep", "gender": "drop", "SeniorCitizen": "drop", "tenure": "generalize",
        **dict.fromkeys(_FEATURES, "keep"), "RefundAmount": "drop", "Churn": "keep", "notes": "drop",
    },
}
"""Role -> column -> action. A column a policy does not name is dropped (deny by default)."""


def role_view(df: pd.DataFrame, role: str, salt: str,
              policies: dict[str, dict[str, str]] | None = None) -> pd.DataFrame:
    """What ``role`` may see of ``df``, following its policy (``ROLE_POLICIES`` unless ``policies`` is given)."""
    policies = ROLE_POLICIES if policies is None else policies
    if role not in policies:
        raise KeyError(f"no access policy for role {role!r}; the policies cover: {', '.join(policies)}")
    policy = policies[role]
    unknown = {c: a for c, a in policy.items() if a not in ACTIONS}
    if unknown:
        raise ValueError(f"policy of {role!r} uses unknown action(s) {unknown}; actions are {ACTIONS}")
    view = {}
    for column in df.columns:
        action = policy.get(column, "drop")
        if action == "keep":
            view[column] = df[column]
        elif action == "pseudonymize":
            view[column] = pseudonymize(df[column], salt)
        elif action == "mask":
            view[column] = df[column].map(mask_pii)
        elif action == "generalize":
            view[column] = _generalize(df[column])
    return pd.DataFrame(view, index=df.index)


def access_matrix(policies: dict[str, dict[str, str]] | None = None) -> pd.DataFrame:
    """Column x role table of actions, for reading a policy at a glance."""
    policies = ROLE_POLICIES if policies is None else policies
    return pd.DataFrame(policies).fillna("drop").rename_axis("column")


def _generalize(values: pd.Series) -> pd.Series:
    if values.name != "tenure":
        raise ValueError(f"no generalization is defined for column {values.name!r} (only for 'tenure')")
    return tenure_band(values)


def _is_text(values: pd.Series) -> bool:
    return pd.api.types.is_string_dtype(values) or values.dtype == object
