"""Personal data: detect it in free text, mask it, pseudonymize ids, and give each role its view (lab 03).

Detection is pattern based (phone numbers, e-mail addresses, social security numbers, payment-card numbers,
postal addresses). It finds what it has patterns for and nothing else: a person's *name* in a note is not
found, which is why every role but the Data Steward gets no free text at all (masking it would not be enough).

The role policies are written per *kind* of column of the one schema (:data:`mlopslab.schema.COLUMNS`): the
identifier, free text, protected attributes, the after-the-fact refund, tenure. A new column of the schema gets
its role's default for its kind, and one the schema does not know is dropped (deny by default).
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Iterable

import pandas as pd

from . import schema
from .data import LEAKY
from .schema import TENURE_BANDS, tenure_band  # noqa: F401  (re-exported: the views generalize tenure to these bands)

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


def pseudonymize(values: pd.Series | str, key: str, length: int = 16) -> pd.Series | str:
    """Replace identifiers by a keyed hash (HMAC-SHA256 with a secret ``key``), keeping joins possible.

    The same id and key always give the same pseudonym, so tables pseudonymized with one key still join;
    without the key nobody can recompute the mapping from a list of known ids. (The key is sometimes called a
    *pepper*: unlike a salt, which is stored beside each hash, it is kept secret, apart from the data.)
    """
    if not isinstance(key, str) or not key:
        raise ValueError("pseudonymize needs a secret key: a non-empty string kept by the Data Steward")
    if not 8 <= length <= 64:
        raise ValueError(f"length must be between 8 and 64 hex characters, got {length}")

    def one(value: object) -> object:
        if value is None or (not isinstance(value, str) and pd.isna(value)):
            return value
        digest = hmac.new(key.encode(), str(value).encode(), hashlib.sha256).hexdigest()
        return digest[:length]

    if isinstance(values, pd.Series):
        return values.map(one)
    return one(values)


ACTIONS = ("keep", "pseudonymize", "mask", "generalize", "drop")
"""What a policy can do with a column: show it, replace ids by pseudonyms, mask personal data in text,
coarsen it (tenure -> band), or withhold it."""


def _policy(identifier: str, free_text: str, protected: str, refund: str, tenure: str = "keep") -> dict[str, str]:
    """A role's policy over every column of the schema, from its action for each kind of sensitive column."""
    policy = {}
    for name, column in schema.COLUMNS.items():
        if column.kind == "identifier":
            policy[name] = identifier
        elif column.kind == "text":
            policy[name] = free_text
        elif column.protected:
            policy[name] = protected
        elif name == LEAKY:
            policy[name] = refund
        elif name == "tenure":
            policy[name] = tenure
        else:
            policy[name] = "keep"
    return policy


ROLE_POLICIES: dict[str, dict[str, str]] = {
    "Data Steward": _policy(identifier="keep", free_text="keep", protected="keep", refund="keep"),
    "Data Engineer": _policy(identifier="keep", free_text="drop", protected="keep", refund="keep"),
    "Data Scientist": _policy(identifier="pseudonymize", free_text="drop", protected="keep", refund="keep"),
    "Business Analyst": _policy(identifier="drop", free_text="drop", protected="drop", refund="drop",
                                tenure="generalize"),
}
"""Role -> column -> action. A column a policy does not name is dropped (deny by default).

* Data Steward: answers for the data, sees all of it.
* Data Engineer: runs the pipeline, so needs the real ids (duplicates, joins of billing and CRM, tracing a
  quarantined row back to its source) and every value the contract checks; not the free text.
* Data Scientist: models churn and audits fairness: pseudonyms instead of ids, every feature, the label, the
  protected attributes; no free text (a name in a note survives masking).
* Business Analyst: works with segments, not people: no ids, no free text, no protected attributes (a campaign
  must not target by gender or age), no refunds, tenure as a band.
"""


def role_view(df: pd.DataFrame, role: str, key: str,
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
            view[column] = pseudonymize(df[column], key)
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
