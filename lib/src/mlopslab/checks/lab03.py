"""Checks of lab 03 (data provisioning with governance).

03.quarantine (a pandera quarantine that reconciles), 03.services_consistent (a contract rule),
03.legacy_report (what the legacy load let through), 03.mask_card (card masking), 03.lineage_run (a provisioning run
tagged with its data version). Every reference computation is private to this module and recomputed from the data.
"""

from __future__ import annotations

import functools
import re
import types

import numpy as np
import pandas as pd
import pandera.pandas as pa
from pandera.errors import SchemaErrors

from .. import provisioning
from ..config import SEED, data_dir
from ..data import ADDONS, CATEGORIES, PRODUCTION_MONTHS, load_batch, load_customers, load_dirty_batch
from ..exercises import NotAnswered, correct, exercise, partial, wrong
from ..lineage import TAG, data_version
from ..provisioning import customer_contract, validate_batch
from ..schema import RANGES
from ._guards import Forbidden, case_seed, seal, without

# --- 03.quarantine ----------------------------------------------------------------------------------------------


_PACKAGE_VERSION = ("validate_batch", "_failure_cases")
"""provisioning's quarantine (shown after the exercise) and its try/except."""


def _names_used(fn, seen: set | None = None) -> set[str]:
    """Every global name the function's code (and nested code, and notebook helpers it calls) refers to."""
    seen = set() if seen is None else seen
    code = getattr(fn, "__code__", None)
    if code is None or code in seen:
        return set()
    seen.add(code)
    names: set[str] = set()
    stack = [code]
    while stack:
        current = stack.pop()
        names.update(current.co_names)
        stack.extend(c for c in current.co_consts if isinstance(c, types.CodeType))
    for name in list(names):
        value = getattr(fn, "__globals__", {}).get(name)
        if isinstance(value, types.FunctionType) and value.__module__ in ("__main__", None):
            names |= _names_used(value, seen)
        elif any(value is getattr(provisioning, package_name) for package_name in _PACKAGE_VERSION):
            names.add(value.__name__)
    return names


def _reference_quarantine(batch: pd.DataFrame, contract: pa.DataFrameSchema) -> set:
    """The row labels a lazy pandera validation reports."""
    try:
        contract.validate(batch.copy(), lazy=True)
    except SchemaErrors as err:
        return set(err.failure_cases["index"].dropna())
    return set()


@functools.lru_cache(maxsize=len(PRODUCTION_MONTHS))
def _production_batch(month: str) -> pd.DataFrame:
    """A production batch as shipped (every row passes the contract); cached, so callers take copies of its rows."""
    return load_batch(month)


def _drawn_rows(rng: np.random.Generator, low: int, high: int) -> pd.DataFrame:
    """``low``..``high`` rows of a drawn month's production batch, in drawn order, under drawn labels (100..9999, so
    never the rows' positions nor the failure table's own numbering)."""
    batch = _production_batch(str(rng.choice(PRODUCTION_MONTHS)))
    count = int(rng.integers(low, high + 1))
    rows = batch.iloc[rng.choice(len(batch), count, replace=False)].copy()
    rows.index = rng.choice(np.arange(100, 10_000), count, replace=False)
    return rows


_DEFECTS = ("out of range", "unknown category", "duplicate id", "inconsistent total", "malformed", "missing")
"""The kinds of defect :func:`_break_row` gives a row; each breaks a rule of ``customer_contract``."""


def _break_row(batch: pd.DataFrame, at: int, kind: str, rng: np.random.Generator, twin: int) -> None:
    """Give the (clean) row at position ``at`` a defect of ``kind``, in a drawn column with a drawn value; a duplicate
    id copies the id of the row at position ``twin``."""
    column = batch.columns.get_loc
    if kind == "out of range":
        name = str(rng.choice(["tenure", "SeniorCitizen", "MonthlyCharges", "TotalCharges"]))
        low, high = RANGES[name]
        step = int(rng.integers(1, 300)) if name in ("tenure", "SeniorCitizen") else round(float(rng.uniform(1, 900)), 2)
        value = high + step if high is not None and rng.random() < 0.5 else low - step
    elif kind == "unknown category":
        name = str(rng.choice(list(CATEGORIES)))
        right = str(rng.choice(CATEGORIES[name]))
        value = str(rng.choice([v for v in (right.lower(), right.upper(), right[:2], right.replace(" ", "_"), "Unknown")
                                if v not in CATEGORIES[name]]))
    elif kind == "duplicate id":
        name, value = "customerID", batch.iat[twin, column("customerID")]
    elif kind == "inconsistent total":
        name = "TotalCharges"
        expected = batch.iat[at, column("tenure")] * batch.iat[at, column("MonthlyCharges")]
        value = round(float(expected * rng.uniform(1.5, 3) + rng.uniform(50, 500)), 2)  # far outside the tolerance
    elif kind == "malformed":
        name = str(rng.choice(["customerID", "month"]))
        text = batch.iat[at, column(name)]
        value = str(rng.choice([text.lower(), text.replace("-", "")] if name == "customerID" else
                               [text.replace("-", ""), f"{int(text[5:])}/{text[:4]}"]))
    else:
        name = str(rng.choice(["tenure", "MonthlyCharges", "TotalCharges", *CATEGORIES]))
        value = None if name in CATEGORIES else np.nan
    batch.iat[at, column(name)] = value


def _defect_batch(rng: np.random.Generator) -> tuple[pd.DataFrame, frozenset]:
    """50..70 rows of a production batch under shuffled labels, with a value out of range, an unknown category, a
    customer id sent twice and a total that does not add up, plus one or two defects of any kind, in drawn rows (a
    drawn column and value each); and the labels of the rows that break the contract, known from the draw (both
    copies of a repeated id). No validation per check: a lazy one takes about 0.15 s."""
    batch = _drawn_rows(rng, 50, 70)
    kinds = [*_DEFECTS[:4], *rng.choice(_DEFECTS, int(rng.integers(1, 3)))]
    positions = iter(rng.permutation(len(batch)))
    broken = set()
    for kind in kinds:
        at, twin = next(positions), next(positions) if kind == "duplicate id" else -1
        _break_row(batch, at, kind, rng, twin)
        broken |= {batch.index[at], *([batch.index[twin]] if twin >= 0 else [])}
    return batch, frozenset(broken)


def _quarantine_cases(seed: int) -> list[tuple[str, pd.DataFrame, pa.DataFrameSchema, frozenset]]:
    """(what, batch, contract, the labels of the rows that break it): a clean batch, a batch with defects and a small
    table, each drawn from ``seed`` (:func:`~._guards.case_seed`, fresh for every check: no split typed in matches)."""
    clean = _drawn_rows(np.random.default_rng([seed, 1]), 30, 50)
    defects, broken = _defect_batch(np.random.default_rng([seed, 2]))
    return [("a clean batch", clean, customer_contract(labelled=False), frozenset()),
            ("a batch with defects", defects, customer_contract(labelled=False), broken),
            _small_case(seed)]


def _small_case(seed: int) -> tuple[str, pd.DataFrame, pa.DataFrameSchema, frozenset]:
    """A small table whose rows are labelled by customer id, under a small contract of two rules, drawn from ``seed``
    (:func:`~._guards.case_seed`, fresh for every check: no split typed in matches it); some rows break one rule,
    some the other, some none. Also the labels of the rows that break a rule (what a lazy validation reports, known
    from the draw: no validation per check)."""
    rng = np.random.default_rng(seed)
    rows = int(rng.integers(4, 9))
    kinds = rng.permutation(["tenure", "charges", "fine", *rng.choice(["tenure", "charges", "fine"], rows - 3)])
    tenure = np.where(kinds == "tenure", rng.integers(73, 121, rows), rng.integers(0, 73, rows))
    charges = np.where(kinds == "charges", rng.uniform(201, 400, rows), rng.uniform(18, 200, rows)).round(2)
    labels = [f"{n:04d}-{''.join(rng.choice(list('ABCDEFGHIJKLMNOPQRSTUVWXYZ'), 5))}"
              for n in rng.choice(10_000, rows, replace=False)]
    small = pd.DataFrame({"tenure": tenure.astype(int), "MonthlyCharges": charges}, index=labels)
    small_contract = pa.DataFrameSchema(
        {"tenure": pa.Column(int, pa.Check.in_range(0, 72))},
        checks=[pa.Check(lambda df: df["MonthlyCharges"] <= 200, name="charges_at_most_200")],
        name="a small contract")
    broken = frozenset(label for label, kind in zip(labels, kinds, strict=True) if kind != "fine")
    return "a small table whose rows are labelled by customer id", small, small_contract, broken


def _as_pair(out) -> tuple[pd.DataFrame, pd.DataFrame] | None:
    if isinstance(out, (tuple, list)) and len(out) == 2 and all(isinstance(f, pd.DataFrame) for f in out):
        return out[0], out[1]
    return None


def _same_rows(got: pd.DataFrame, batch: pd.DataFrame) -> bool:
    """``got`` holds the rows of ``batch`` with its labels, as received (values compared as text)."""
    if not set(batch.columns) <= set(got.columns) or not got.index.isin(batch.index).all():
        return False
    left = got[list(batch.columns)].astype(str).sort_index()
    right = batch.loc[got.index, list(batch.columns)].astype(str).sort_index()
    return left.equals(right)


@exercise("03.quarantine", points=3, title="Quarantine a batch, and reconcile it")
def quarantine(answer, **_):
    if not callable(answer):
        return wrong("Define a function `quarantine(batch, contract)` that returns two DataFrames: "
                     "(accepted, quarantined).")
    if set(_PACKAGE_VERSION) & _names_used(answer):
        return wrong("Write the split yourself with pandera: the contract's `validate` with `lazy=True`, then the "
                     "rows named in the failure cases. `provisioning.validate_batch` (and its `_failure_cases`) is the "
                     "package's version, shown after this exercise; here it is not allowed.")
    cases = _quarantine_cases(case_seed("03.quarantine"))
    for number, (what, batch, contract, expected) in enumerate(cases):
        try:
            with without(provisioning, list(_PACKAGE_VERSION)):
                out = answer(batch.copy(), contract)
        except Forbidden:
            return wrong("Write the split yourself with pandera: the contract's `validate` with `lazy=True`. "
                         "`provisioning.validate_batch` (and its `_failure_cases`) is the package's version, shown "
                         "after this exercise.")
        if out is None and number == 0:
            raise NotAnswered
        pair = _as_pair(out)
        if pair is None:
            return wrong(f"On {what}, your function returned {type(out).__name__}; return two DataFrames, "
                         "`return accepted, quarantined`.")
        accepted, held = pair
        rows_in, both = set(batch.index), set(accepted.index) & set(held.index)
        lost = rows_in - set(accepted.index) - set(held.index)
        if len(accepted) + len(held) == len(batch) and not (set(accepted.index) | set(held.index)) <= rows_in:
            return wrong(f"On {what} your split loses the rows' labels (the batch's index): keep them, do not reset "
                         "the index, so that every accepted or quarantined row points back to the row received.")
        if lost or both or len(accepted) + len(held) != len(batch):
            return wrong(f"On {what} ({len(batch)} rows in) your split does not reconcile: accepted "
                         f"{len(accepted)} + quarantined {len(held)}, {len(lost)} row(s) in neither, {len(both)} "
                         "in both. Every row must end up in exactly one of the two.")
        if set(held.index) != expected and set(accepted.index) == expected:
            return wrong(f"On {what} your two DataFrames are the right split in the wrong order: return "
                         "`accepted, quarantined`, the rows that pass first.")
        if set(held.index) != expected:
            caught = len(set(held.index) & expected)
            if caught == 0:
                hint = ("failure_cases['index'] holds the labels of the failing rows; failure_cases.index is only "
                        "the failure table's own numbering")
            elif set(held.index) < expected:
                hint = ("lazy validation (lazy=True) collects the failures of every rule, not only the first "
                        "one's; and a rule on the whole table (a row-level check) names its rows too")
            else:
                hint = ("quarantine exactly the rows named in the 'index' column of the failure cases, by label "
                        "(batch.index.isin(...)), not by position")
            return wrong(f"On {what}, your quarantine holds {len(held)} rows, {caught} of the {len(expected)} "
                         f"that break the contract. Hint: {hint}.")
        if not (_same_rows(accepted, batch) and _same_rows(held, batch)):
            return partial(0.5, f"On {what} the split is right, but keep the rows as received (select them "
                                "from the batch, e.g. batch[batch.index.isin(bad)]): the quarantine is what the "
                                "Data Steward sends back to the source, unchanged.")
    return correct("Right: every row is accepted or quarantined, by label, and rows in = accepted + quarantined "
                   f"on all {len(cases)} test batches.")


# --- 03.services_consistent -------------------------------------------------------------------------------------

SERVICE_CONFLICTS = {
    "an add-on without internet": ("InternetService", ["No"], ADDONS, "Yes"),
    "'No internet service' in an add-on of an internet customer": (
        "InternetService", ["DSL", "Fiber optic"], ADDONS, "No internet service"),
    "multiple lines without phone": ("PhoneService", ["No"], ["MultipleLines", "MultipleLines"], "Yes"),
    "'No phone service' with phone": ("PhoneService", ["Yes"], ["MultipleLines", "MultipleLines"], "No phone service"),
    "an internet customer whose every add-on says 'No internet service'": (
        "InternetService", ["DSL", "Fiber optic"], [tuple(ADDONS)] * 2, "No internet service"),
    "a customer without internet whose add-ons never say 'No internet service'": (
        "InternetService", ["No"], [tuple(ADDONS)] * 2, ("Yes", "No")),
}
"""Kind of conflict -> (service column, its values (taken in turn), the column(s) changed in each injected row, the
conflicting value (or values, drawn at random)). Every add-on column gets a conflict in both directions, and whole
rows contradict InternetService, so a rule that skips a column, or never reads InternetService, misses some."""


def service_conflict_batch(month: str = "2026-05", seed: int = SEED) -> tuple[pd.DataFrame, dict[str, dict]]:
    """A production batch with the conflicts of :data:`SERVICE_CONFLICTS` injected, one row per changed column (or
    group of columns), in rows drawn from ``seed`` (the check's is :func:`~._guards.case_seed`, fresh for every check:
    no list of rows typed in matches them); returns (batch, kind -> {row: the column(s) changed})."""
    rng = np.random.default_rng([seed, 3])
    batch = load_batch(month)
    injected: dict[str, dict] = {}
    used: set = set()
    for kind, (service, values, targets, bad) in SERVICE_CONFLICTS.items():
        injected[kind] = {}
        for number, columns in enumerate(targets):
            value = values[number % len(values)]
            row = rng.choice([i for i in batch.index[batch[service] == value] if i not in used])
            for column in [columns] if isinstance(columns, str) else columns:
                batch.at[row, column] = bad if isinstance(bad, str) else rng.choice(bad)
            used.add(row)
            injected[kind][row] = columns
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


def _per_row(rule):
    """``rule`` as pandera's Check takes it: a bool Series aligned with the frame, whatever one-per-row booleans the
    rule returns (a Series, a numpy array, a list)."""
    def aligned(df: pd.DataFrame) -> pd.Series:
        return pd.Series(rule(df)).fillna(False).astype(bool).set_axis(df.index)

    return aligned


@exercise("03.services_consistent", points=2, title="A rule the contract misses")
def services_consistent(answer, **_):
    if not callable(answer):
        return wrong("Define a function `services_consistent(df)` that returns one True/False per row.")
    false_alarms = int(_flags(answer, load_customers()).sum())
    batch, injected = service_conflict_batch(seed=case_seed("03.services_consistent"))  # other rows for every check
    rejected = _flags(answer, batch)
    conflicted = {row for rows in injected.values() for row in rows}
    missed_rows = {kind: [row for row in rows if not rejected[row]] for kind, rows in injected.items()}
    missed = [kind for kind, rows in missed_rows.items() if rows]
    extra = int(rejected[~rejected.index.isin(conflicted)].sum())
    if false_alarms or extra:
        return wrong(f"Your rule rejects {false_alarms + extra} rows that are consistent (e.g. in the clean training "
                     "data). A row is only wrong when 'No internet service' / 'No phone service' disagrees with "
                     "InternetService / PhoneService.")
    contract = customer_contract(labelled=False, extra_checks=[pa.Check(_per_row(answer), name="services_consistent")])
    quarantined = set(validate_batch(batch, contract).quarantined.index)
    if not missed and quarantined == conflicted:
        return correct(f"Your rule quarantines all {len(conflicted)} conflicting rows of a test batch (a conflict in "
                       "every add-on column both ways, in MultipleLines both ways, and whole rows that contradict "
                       "InternetService) and no clean row: the contract is one rule stronger.")
    if len(missed) == len(injected):
        return wrong("Your rule catches none of the conflicts. Compare, for every add-on column, "
                     "`df[addon] == 'No internet service'` with `df['InternetService'] == 'No'`: the two must agree.")
    columns = sorted({c for kind in missed for row in missed_rows[kind] for c in
                      ([injected[kind][row]] if isinstance(injected[kind][row], str) else [])})
    where = f" (e.g. in {columns[0]})" if len(columns) == 1 else ""
    return partial(round(1 - len(missed) / len(injected), 2),
                   f"Your rule misses these conflicts: {'; '.join(missed)}{where}. Compare every add-on column with "
                   "InternetService and MultipleLines with PhoneService, in both directions.")


# --- 03.legacy_report -------------------------------------------------------------------------------------------


def _legacy_load(batch: pd.DataFrame, *, repeated_ids: bool = False) -> pd.DataFrame:
    """The old nightly job of the lab: drop rows with an empty field (notes aside), then repeated ids (kept by its
    first version, ``repeated_ids=True``)."""
    fields = [c for c in batch.columns if c != "notes"]
    loaded = batch[~(batch[fields].apply(lambda s: s.str.strip() == "")).any(axis=1)]
    return loaded if repeated_ids else loaded.drop_duplicates("customerID")


@functools.lru_cache(maxsize=1)
def _dirty_verdict() -> tuple[pd.DataFrame, pd.DataFrame]:
    """The lab's dirty batch and the contract's violations on it (cached: callers take copies)."""
    dirty = load_dirty_batch()
    return dirty, validate_batch(dirty).violations


def _rows_per_defect(violations: pd.DataFrame, rows) -> dict[str, int]:
    chosen = violations[violations["row"].isin(list(rows))]
    return {str(k): int(v) for k, v in chosen.groupby("defect")["row"].nunique().items()}


def _legacy_truth(batch: pd.DataFrame, loaded: pd.DataFrame, violations: pd.DataFrame) -> dict[str, dict[str, int]]:
    return {"loaded": _rows_per_defect(violations, loaded.index),
            "dropped": _rows_per_defect(violations, batch.index.difference(loaded.index)),
            "all": _rows_per_defect(violations, batch.index)}


def _made_up_dirty(rng: np.random.Generator) -> tuple[pd.DataFrame, pd.DataFrame]:
    """A batch made up from the dirty batch's rows: 20..60 clean rows, one to three of its four pairs of repeated ids
    (both copies), two to six of its eight rows with an empty field, and one to all rows of each other defect class,
    in drawn order under drawn labels (100..9999); and its violations, the dirty batch's for those rows (every rule
    but the unique id judges a row on its own, and a repeated id comes with its twin): no validation per check."""
    dirty, violations = _dirty_verdict()
    bad = violations.groupby("row")["defect"].first()
    pairs = list(dirty.loc[bad.index[bad == "duplicate_id"]].groupby("customerID").groups.values())
    chosen = [*rng.choice(dirty.index[~dirty.index.isin(bad.index)], int(rng.integers(20, 61)), replace=False)]
    for i in rng.choice(len(pairs), int(rng.integers(1, len(pairs))), replace=False):
        chosen += list(pairs[i])
    for defect, rows in bad.groupby(bad).groups.items():
        if defect != "duplicate_id":
            low, high = (2, len(rows) - 2) if defect == "missing_value" else (1, len(rows))
            chosen += list(rng.choice(rows, int(rng.integers(low, high + 1)), replace=False))
    order = rng.permutation(chosen)
    labels = dict(zip(order, rng.choice(np.arange(100, 10_000), len(order), replace=False), strict=True))
    batch = dirty.loc[order].rename(index=labels).assign(row=lambda b: b.index.astype(str))
    made_up = violations[violations["row"].isin(order)].assign(row=lambda v: v["row"].map(labels))
    return batch, made_up.sort_values("row", kind="stable").reset_index(drop=True)


def _legacy_cases(seed: int) -> list[tuple[str, pd.DataFrame, pd.DataFrame, pd.DataFrame]]:
    """(what, batch, the rows a job loaded, the contract's violations): the lab's batch and the legacy job, then two
    batches made up from ``seed`` (:func:`~._guards.case_seed`, fresh for every check: no counts typed in match), one
    loaded by the legacy job, one by its first version, which kept repeated ids."""
    dirty, violations = _dirty_verdict()
    first, second = (_made_up_dirty(np.random.default_rng([seed, n])) for n in (1, 2))
    return [("the lab's batch", dirty, _legacy_load(dirty), violations),
            (f"a made-up batch of {len(first[0])} rows", first[0], _legacy_load(first[0]), first[1]),
            (f"a made-up batch of {len(second[0])} rows loaded by the job's first version, which kept repeated ids",
             second[0], _legacy_load(second[0], repeated_ids=True), second[1])]


def _counts(value, key: str) -> dict[str, int]:
    if isinstance(value, pd.Series):
        value = value.to_dict()
    if not isinstance(value, dict):
        raise TypeError(f"'{key}' must be a dict of defect class -> number of rows, got {type(value).__name__}")
    out = {}
    for name, count in value.items():
        if isinstance(count, bool) or not isinstance(count, (int, np.integer, float, np.floating)):
            raise TypeError(f"'{key}': the number of rows of {name!r} must be a number, got {count!r}")
        if count:
            out[str(name)] = int(count)
    return out


def _show(counts: dict[str, int]) -> str:
    return ", ".join(f"{k} {v}" for k, v in sorted(counts.items())) or "nothing"


def _legacy_notes(given: dict, truth: dict, right: dict) -> list[str]:
    """What is wrong with ``given``, the report of one batch, against ``truth``."""
    notes = []
    if not right["loaded"]:
        if given["loaded"] == truth["all"]:
            notes.append("'loaded' counts every row of `batch` the contract quarantined; count only the rows the job "
                         "loaded (the index of `loaded`).")
        elif given["loaded"] == {k: v for k, v in truth["loaded"].items() if k != "duplicate_id"}:
            notes.append("'loaded' misses a class: validating `loaded` on its own cannot see a duplicate whose twin "
                         "the job threw away. Judge the loaded rows by the contract's verdict on the whole batch "
                         "(`violations`, whose 'row' column is the row label).")
        else:
            notes.append("'loaded' is not right: take the rows of `loaded` that `violations` names (its 'row' "
                         "column), and count rows per defect class.")
    if not right["dropped"]:
        notes.append("'dropped' is not right: take the rows of `batch` that are not in `loaded` and count them per "
                     "defect class (by `violations`). Match rows by their label (the index), not by customerID: a "
                     "repeated id's dropped copy has the same customerID as the copy the job loaded.")
    return notes


@exercise("03.legacy_report", points=2, title="What the legacy load let through, and what it lost")
def legacy_report(answer, **_):
    if not callable(answer):
        return wrong("Define a function `legacy_report(batch, loaded, violations)` that returns a dict with the keys "
                     "'loaded' and 'dropped', each a dict of defect class -> number of rows.")
    cases = _legacy_cases(case_seed("03.legacy_report"))
    truths = []
    for number, (what, batch, loaded, violations) in enumerate(cases):
        out = answer(batch.copy(), loaded.copy(), violations.copy())
        if out is None and number == 0:
            raise NotAnswered
        if not isinstance(out, dict) or set(out) != {"loaded", "dropped"}:
            return wrong(f"On {what} your function returned {type(out).__name__}; return a dict with the keys "
                         "'loaded' and 'dropped', each a dict of defect class -> number of rows.")
        given = {key: _counts(out[key], key) for key in ("loaded", "dropped")}
        truth = _legacy_truth(batch, loaded, violations)
        truths.append(truth)
        right = {key: given[key] == truth[key] for key in ("loaded", "dropped")}
        if all(right.values()):
            continue
        if number and all(given[key] == truths[0][key] for key in ("loaded", "dropped")):
            return wrong(f"On {what} your function returns the counts of the lab's batch: count the rows of the "
                         "`batch`, `loaded` and `violations` it is given, not the lab's `dirty`, `legacy` or "
                         "`result`, nor numbers typed in.")
        notes = " ".join(_legacy_notes(given, truth, right))
        return partial(0.5, f"On {what}: {notes}") if any(right.values()) else wrong(f"On {what}: {notes}")
    lab = truths[0]
    return correct(f"Right on the lab's batch and on {len(cases) - 1} batches made up for your function: on the lab's, "
                   f"the legacy job loaded {sum(lab['loaded'].values())} rows that break the contract "
                   f"({_show(lab['loaded'])}) and dropped {sum(lab['dropped'].values())} without a word "
                   f"({_show(lab['dropped'])}). It kept one copy of every repeated id, and nobody can say whether it "
                   "kept the right one.")


# --- 03.mask_card -----------------------------------------------------------------------------------------------

_CARD_LAYOUTS = {
    "a 16-digit card in groups of four, with spaces": ((4, 4, 4, 4), " "),
    "a 16-digit card with dashes": ((4, 4, 4, 4), "-"),
    "a 16-digit card without separators": ((16,), ""),
    "a 15-digit card written 4-6-5": ((4, 6, 5), " "),
}
"""Kind of case -> (digit groups, separator) of the card it holds."""

_CARD_WORDS = (("Card ending", "declined"), ("Paid with", "yesterday"), ("Customer read out", "on the phone"),
               ("Refund to", "requested"), ("Please charge", "for the upgrade"), ("Updated card:", "(exp 09/27)"))
"""Text around a card: what comes before, what after."""


def _card(rng, groups: tuple[int, ...], separator: str) -> tuple[str, str]:
    """A random card number written with ``groups`` and ``separator``, and its masked form."""
    digits = str(rng.integers(3, 7)) + "".join(str(d) for d in rng.integers(0, 10, sum(groups) - 1))
    parts, start = [], 0
    for size in groups:
        parts.append(digits[start:start + size])
        start += size
    return separator.join(parts), f"[CARD ending {digits[-4:]}]"


def _card_cases(seed: int) -> list[tuple[str, str, str]]:
    """(kind of case, text, expected masked text), with numbers and words drawn from ``seed``, which every check draws
    afresh (:func:`~._guards.case_seed`): no answer can know the texts in advance; the grader's re-check replays it."""
    rng = np.random.default_rng(seed)
    before, after = _CARD_WORDS[rng.integers(len(_CARD_WORDS))]
    cases = []
    for kind, (groups, separator) in _CARD_LAYOUTS.items():
        card, masked = _card(rng, groups, separator)
        cases.append((kind, f"{before} {card} {after}", f"{before} {masked} {after}"))
    (first, first_masked), (second, second_masked) = _card(rng, (4, 4, 4, 4), ""), _card(rng, (4, 6, 5), " ")
    cases.append(("a text with two cards", f"cards {first} and {second} {after}",
                  f"cards {first_masked} and {second_masked} {after}"))
    phone = f"+1 {rng.integers(200, 999)}-555-{rng.integers(0, 10_000):04d}"
    cases.append(("a text with a phone number and no card", f"Call back on {phone} about the router",
                  f"Call back on {phone} about the router"))
    invoice = f"No card mentioned, invoice 2025-{rng.integers(100, 999)} paid on 2025-{rng.integers(1, 13):02d}-14"
    cases.append(("a text with an invoice number and a date, no card", invoice, invoice))
    return cases


def _digits(text: str) -> str:
    return re.sub(r"\D", "", text)


@exercise("03.mask_card", points=1, title="Mask a payment card, keep the last four digits")
def mask_card(answer, **_):
    if not callable(answer):
        return wrong("Define a function `mask_card(text)` that returns the masked text.")
    cases = _card_cases(case_seed("03.mask_card"))
    results = [(kind, text, expected, answer(text)) for kind, text, expected in cases]
    if all(got is None for *_, got in results):
        raise NotAnswered
    bad = [(kind, text, got) for kind, text, expected, got in results if got != expected]
    if not bad:
        return correct(f"Right: on {len(cases)} texts made up for your function (cards with spaces, dashes or none, 16 or 15 "
                       "digits, two in one text; texts without a card), card numbers are hidden except their last "
                       "four digits, and nothing else changed.")
    leaked = [kind for kind, text, got in bad if isinstance(got, str) and any(
        _digits(card) in _digits(got) for card in re.findall(r"\d[\d -]{12,}\d", text) if len(_digits(card)) >= 13)]
    if leaked:
        return wrong(f"A full card number is still visible in what your function returns for {leaked[0]}. Use "
                     "privacy.PII_PATTERNS['card'] to find every card number in the text.")
    score = round(1 - len(bad) / len(cases), 2)
    others = f" (and {len(bad) - 1} other kind(s) of text)" if len(bad) > 1 else ""
    hint = (f"Your function does not return the expected text for {bad[0][0]}{others}. Replace each match with "
            "'[CARD ending ' + its last four digits + ']' (re.sub accepts a function), and leave every other part "
            "of the text, a text without a card included, unchanged.")
    return partial(score, hint) if score > 0 else wrong(hint)


# --- 03.lineage_run ---------------------------------------------------------------------------------------------

_RUN_ID = re.compile(r"[0-9a-f]{32}")


@functools.lru_cache(maxsize=1)
def _training_counts() -> dict[str, int]:
    result = validate_batch(load_customers())
    return {"rows_in": result.rows_in, "accepted": len(result.accepted), "quarantined": len(result.quarantined)}


@exercise("03.lineage_run", points=2, title="Put the training data's provisioning on record")
def lineage_run(answer, **_):
    from mlflow.exceptions import MlflowException
    from mlflow.tracking import MlflowClient

    from ..config import tracking_uri

    if not isinstance(answer, str) or not _RUN_ID.fullmatch(answer.strip()):
        return wrong("Give the id of your run, a text of 32 hexadecimal digits: `my_run.info.run_id`.")
    try:
        run = MlflowClient(tracking_uri()).get_run(answer.strip())
    except MlflowException:
        return wrong("The course's tracking store has no run with this id: log the run in the cell above, with "
                     "`mlflow.start_run(...)`, after `config.setup_tracking()`.")
    expected = data_version(data_dir() / "customers.csv")
    tags, params, metrics = run.data.tags, run.data.params, run.data.metrics
    if TAG not in tags:
        where = " It is a parameter: a search on tags does not find parameters." if TAG in params else ""
        return wrong(f"The run has no tag '{TAG}' (lineage.TAG).{where} Set it with "
                     "`mlflow.set_tag(lineage.TAG, version)`.")
    if tags[TAG] != expected:
        if expected.startswith(tags[TAG]):
            return wrong("The tag holds a shortened version: store all 64 hex digits of lineage.data_version(...), "
                         "or a search by the full version will not find the run.")
        return wrong(f"The run's '{TAG}' tag is the version of some other data, not of the training data "
                     "customers.csv: compute it with lineage.data_version(config.data_dir() / 'customers.csv').")
    counts = _training_counts()
    missing = [name for name in counts if name not in metrics]
    if missing:
        return wrong(f"The run records no metric(s) {missing}: log rows_in, accepted and quarantined from the "
                     "contract's verdict on the training data, so the run shows that the batch reconciles.")
    off = [name for name, value in counts.items() if metrics[name] != value]
    if off:
        return partial(0.5, f"The metric(s) {off} do not match what the contract says about customers.csv: run "
                            "provisioning.validate_batch on the training data and log its counts.")
    if run.info.status != "FINISHED":
        return partial(0.5, "The run is still open: log it inside `with mlflow.start_run(...):`, so it ends.")
    return correct("Right: the run is finished, tagged with the full version of customers.csv (so a search by that "
                   "version finds it), and records rows_in, accepted and quarantined as the contract counts them.")

seal(__name__)
