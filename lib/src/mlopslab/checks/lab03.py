"""Checks of lab 03 (data provisioning with governance): a contract rule, reconciliation, card masking."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pandera.pandas as pa

from ..config import SEED
from ..data import ADDONS, load_batch, load_customers, load_dirty_batch
from ..exercises import NotAnswered, correct, exercise, partial, wrong
from ..provisioning import customer_contract, validate_batch

# --- 03.services_consistent -------------------------------------------------------------------------------------

SERVICE_CONFLICTS = {
    "add-on without internet": ("InternetService", "No", ADDONS, "Yes"),
    "'No internet service' with internet": ("InternetService", "DSL", ADDONS, "No internet service"),
    "multiple lines without phone": ("PhoneService", "No", ["MultipleLines"], "Yes"),
    "'No phone service' with phone": ("PhoneService", "Yes", ["MultipleLines"], "No phone service"),
}
"""Kind of conflict -> (service column, its value, columns that may conflict, the conflicting value)."""


def service_conflict_batch(month: str = "2026-05", per_kind: int = 3, seed: int = SEED) -> tuple[pd.DataFrame, dict]:
    """A production batch with ``per_kind`` rows of each service conflict injected; returns (batch, kind -> rows)."""
    rng = np.random.default_rng([seed, 3])
    batch = load_batch(month)
    injected: dict[str, list[int]] = {}
    used: set[int] = set()
    for kind, (service, value, targets, bad) in SERVICE_CONFLICTS.items():
        candidates = [i for i in batch.index[batch[service] == value] if i not in used]
        rows = sorted(rng.choice(candidates, per_kind, replace=False).tolist())
        for row in rows:
            batch.at[row, targets[rng.integers(len(targets))]] = bad
        used.update(rows)
        injected[kind] = rows
    return batch, injected


def _flags(rule, df: pd.DataFrame) -> pd.Series:
    """The rows ``rule`` rejects, as a bool Series aligned with ``df``."""
    ok = rule(df.copy())
    if ok is None:
        raise NotAnswered
    ok = pd.Series(ok)
    if len(ok) != len(df) or not (pd.api.types.is_bool_dtype(ok) or set(ok.dropna().unique()) <= {0, 1}):
        raise TypeError(f"the rule must return one True/False per row ({len(df)} values), got {len(ok)} values "
                        f"of type {ok.dtype}")
    return ~ok.fillna(False).astype(bool).set_axis(df.index)


@exercise("03.services_consistent", points=2, title="A contract rule for service consistency")
def services_consistent(answer, **_):
    if not callable(answer):
        return wrong("Define a function `services_consistent(df)` that returns one True/False per row.")
    false_alarms = int(_flags(answer, load_customers()).sum())
    batch, injected = service_conflict_batch()
    rejected = _flags(answer, batch)
    caught = {kind: all(rejected[rows]) for kind, rows in injected.items()}
    conflicted = {row for rows in injected.values() for row in rows}
    extra = int(rejected[~rejected.index.isin(conflicted)].sum())
    if false_alarms or extra:
        return wrong(f"Your rule rejects {false_alarms + extra} rows that are consistent (e.g. in the clean training "
                     "data). A row is only wrong when 'No internet service' / 'No phone service' disagrees with "
                     "InternetService / PhoneService.")
    contract = customer_contract(labelled=False, extra_checks=[pa.Check(answer, name="services_consistent")])
    quarantined = set(validate_batch(batch, contract).quarantined.index)
    missed = [kind for kind, ok in caught.items() if not ok]
    if not missed and quarantined == conflicted:
        return correct(f"Your rule quarantines all {len(conflicted)} conflicting rows of a fresh test batch and no "
                       "clean row: the contract is one rule stronger.")
    if len(missed) == len(caught):
        return wrong("Your rule catches none of the conflicts. Compare, for every add-on column, "
                     "`df[addon] == 'No internet service'` with `df['InternetService'] == 'No'`: the two must agree.")
    return partial(round(1 - len(missed) / len(caught), 2),
                   f"Your rule misses these conflicts: {', '.join(missed)}. Check both directions, and "
                   "MultipleLines against PhoneService as well as the add-ons against InternetService.")


# --- 03.reconcile -----------------------------------------------------------------------------------------------


def legacy_load(batch: pd.DataFrame) -> pd.DataFrame:
    """The old nightly job of the lab: drop rows with an empty field (notes aside), then repeated ids."""
    fields = [c for c in batch.columns if c != "notes"]
    loaded = batch[~(batch[fields].apply(lambda s: s.str.strip() == "")).any(axis=1)]
    return loaded.drop_duplicates("customerID")


def _rows(value) -> set[int]:
    if value is None or value is Ellipsis or isinstance(value, (str, bytes)):
        raise TypeError("give a list of row numbers")
    return {int(v) for v in value}


@exercise("03.reconcile", points=2, title="Reconcile the legacy load against the contract")
def reconcile(answer, **_):
    if not isinstance(answer, dict) or set(answer) != {"silently_dropped", "slipped_through"}:
        return wrong("Give a dict with the keys 'silently_dropped' and 'slipped_through', each a list of rows.")
    dirty = load_dirty_batch()
    loaded = legacy_load(dirty)
    quarantined = set(validate_batch(dirty).quarantined.index)
    expected = {
        "silently_dropped": set(dirty.index) - set(loaded.index),
        "slipped_through": set(loaded.index) & quarantined,
    }
    hints = {
        "silently_dropped": "rows of the dirty batch that are not in `legacy` at all (set difference of the indexes)",
        "slipped_through": "rows that `legacy` loaded although the contract quarantines them (intersection)",
    }
    right, notes = 0, []
    for key, rows in expected.items():
        given = answer[key]
        if given is Ellipsis or given is None:
            notes.append(f"'{key}' is still blank: {hints[key]}.")
            continue
        given = _rows(given)
        if given == rows:
            right += 1
        else:
            notes.append(f"'{key}' has {len(given)} rows, {len(given & rows)} of them right; "
                         f"expected {len(rows)}: {hints[key]}.")
    if right == 2:
        return correct(f"Right: the legacy job lost {len(expected['silently_dropped'])} rows without a word and "
                       f"loaded {len(expected['slipped_through'])} rows that break the contract.")
    return partial(0.5, " ".join(notes)) if right else wrong(" ".join(notes))


# --- 03.mask_card -----------------------------------------------------------------------------------------------

CARD_TEXTS = {
    "Card ending 4111 1111 1111 1111 declined": "Card ending [CARD ending 1111] declined",
    "Paid with 5500-0000-0000-0004 yesterday": "Paid with [CARD ending 0004] yesterday",
    "cards 4012888888881881 and 3782 822463 10005 on file": "cards [CARD ending 1881] and [CARD ending 0005] on file",
    "Call back on +1 303-555-0147 about the router": "Call back on +1 303-555-0147 about the router",
    "No card mentioned, invoice 2025-117 paid": "No card mentioned, invoice 2025-117 paid",
}
"""Text -> the expected masked text (cards become ``[CARD ending NNNN]``; nothing else changes)."""


def _digits(text: str) -> str:
    return re.sub(r"\D", "", text)


@exercise("03.mask_card", points=1, title="Mask payment cards, keep the last four digits")
def mask_card(answer, **_):
    if not callable(answer):
        return wrong("Define a function `mask_card(text)` that returns the masked text.")
    results = {text: answer(text) for text in CARD_TEXTS}
    if all(r is None for r in results.values()):
        raise NotAnswered
    bad = {text: got for text, got in results.items() if got != CARD_TEXTS[text]}
    if not bad:
        return correct("Right: card numbers are hidden except their last four digits, and nothing else changed.")
    leaked = [t for t, got in bad.items() if isinstance(got, str) and any(
        _digits(card) in _digits(got) for card in re.findall(r"\d[\d -]{12,}\d", t) if len(_digits(card)) >= 13)]
    if leaked:
        return wrong(f"A full card number is still visible in mask_card({leaked[0]!r}). Use "
                     "privacy.PII_PATTERNS['card'] to find every card number in the text.")
    text, got = next(iter(bad.items()))
    score = round(1 - len(bad) / len(CARD_TEXTS), 2)
    hint = (f"mask_card({text!r}) returned {got!r}; expected {CARD_TEXTS[text]!r}. "
            "Replace each match with '[CARD ending ' + its last four digits + ']' (re.sub accepts a function), "
            "and leave text without a card unchanged.")
    return partial(score, hint) if score > 0 else wrong(hint)
