"""Checks of lab 04 (data preparation): a cleaning step, an engineered feature, the leak scan, the three-way split.

Every check recomputes its reference from the data and the package (the data contract's own rule, the shipped
files), never from notebook variables; the reference computations are private to this module.
"""

from __future__ import annotations

import types
from functools import lru_cache

import numpy as np
import pandas as pd

from ..data import FEATURES, TARGET, data_dir, load_batch, load_customers, load_dirty_batch
from ..exercises import NotAnswered, correct, exercise, partial, wrong
from ..policy import FEATURE_MIN_GAIN
from ._guards import Forbidden, _code_objects, _has_contents, case_seed, references, seal, without

FEATURE = "new_month_to_month"
NOT_INPUTS = ("Churn", "customerID", "month")


def _answered(result):
    """The student's result, or NotAnswered for a stub's ``None`` / ``...``."""
    if result is None or result is Ellipsis:
        raise NotAnswered
    return result


def _contract_rule(frame: pd.DataFrame) -> pd.Series:
    """The data contract's consistency rule for totals (lab 03), wherever the contract keeps it."""
    try:
        from .. import schema

        rule = schema.total_matches_tenure_x_monthly
    except (ImportError, AttributeError):
        from ..provisioning import total_matches_tenure_x_monthly as rule
    return rule(frame)


# --- 04.clean_totals --------------------------------------------------------------------------------------------

def _batch_before_totals() -> pd.DataFrame:
    """The dirty batch after the team's first three steps (trim, parse, de-duplicate), as the lab shows it: a copy
    of the one cleaned for this file's contents (cleaning takes 30 ms; the shortcut probe asks hundreds of times)."""
    path = data_dir() / "dirty_batch.csv"
    stat = path.stat()
    return _cleaned_first_steps(str(path), stat.st_mtime_ns, stat.st_size).copy(deep=True)


@lru_cache(maxsize=2)
def _cleaned_first_steps(path: str, mtime_ns: int, size: int) -> pd.DataFrame:
    """The batch of :func:`_batch_before_totals`; the arguments only key the cache (the file ``load_dirty_batch``
    reads, as it is now), so a rewritten file is cleaned again."""
    from ..preparation import CLEANING_STEPS, apply_cleaning

    raw = load_dirty_batch().drop(columns=["row", "notes"])
    first = [s for s in CLEANING_STEPS if s.name in ("trim_text", "parse_numbers", "drop_duplicate_ids")]
    return apply_cleaning(raw, first)[0]


def _fresh_ids(count: int, seed: int) -> list[str]:
    """``count`` customer ids (``1234-ABCDE``) drawn from ``seed``, which every check draws afresh
    (:func:`~._guards.case_seed`): an id typed in never matches; the grader's re-check replays the seed."""
    rng = np.random.default_rng(seed)
    letters = rng.choice(list("ABCDEFGHIJKLMNOPQRSTUVWXYZ"), size=(count, 5))
    return [f"{n:04d}-{''.join(row)}" for n, row in zip(rng.permutation(10_000)[:count], letters, strict=True)]


def _edge_cases(seed: int) -> pd.DataFrame:
    """Totals around the contract's tolerance, rows the rule does not judge, and a missing total."""
    return pd.DataFrame({
        "customerID": _fresh_ids(8, seed),
        "tenure": [10.0, 10.0, 10.0, 240.0, 10.0, 5.0, 0.0, 12.0],
        "MonthlyCharges": [50.0, 50.0, 50.0, 50.0, -20.0, 30.0, 70.0, 80.0],
        "TotalCharges": [500.0, 590.0, 640.0, 100.0, 300.0, np.nan, 0.0, 100.0],
    }, index=[3, 1, 4, 1_001, 5, 9, 2, 6])


def _follows_the_rows(answer, batch: pd.DataFrame, result: pd.DataFrame, seed: int) -> bool:
    """Whether the step blanks the same totals when it gets the batch's rows in another order, under other labels and
    customer ids (``result`` is its output on ``batch``). A step that reads row labels, positions or ids does not."""
    shuffled = batch.sample(frac=1.0, random_state=13).assign(customerID=_fresh_ids(len(batch), seed))
    moved = _answered(answer(shuffled.set_axis(np.arange(len(shuffled)) * 3 + 5_000)))
    if not (isinstance(result, pd.DataFrame) and isinstance(moved, pd.DataFrame) and result.index.equals(batch.index)
            and len(moved) == len(batch) and "TotalCharges" in result and "TotalCharges" in moved):
        return True  # the shape is wrong: _judge_step says how
    before = pd.to_numeric(result.loc[shuffled.index, "TotalCharges"], errors="coerce").to_numpy(dtype=float)
    after = pd.to_numeric(moved["TotalCharges"], errors="coerce").to_numpy(dtype=float)
    return bool(np.allclose(before, after, equal_nan=True))


def _judged(frame: pd.DataFrame) -> np.ndarray:
    """Rows the contract's rule judges at all: those where an absurd total would break it."""
    return ~_contract_rule(frame.assign(TotalCharges=1e12)).to_numpy()


def _blank_reference(frame: pd.DataFrame) -> pd.DataFrame:
    out = frame.copy()
    out.loc[~_contract_rule(out).to_numpy(), "TotalCharges"] = np.nan
    return out


def _judge_step(answer, frame: pd.DataFrame) -> tuple[str, str] | None:
    """(verdict, hint) when the step is wrong on ``frame``, None when it is right."""
    before = frame.copy(deep=True)
    result = _answered(answer(frame))
    if not isinstance(result, pd.DataFrame):
        return "wrong", f"A cleaning step returns the cleaned DataFrame, not a {type(result).__name__}."
    if not frame.equals(before):
        return "wrong", ("Your step changed the frame it was given. A step works on a copy (`out = df.copy()`), so that "
                         "the raw data stays as it arrived and every decision can be undone.")
    if not result.index.equals(frame.index) or list(result.columns) != list(frame.columns):
        return "wrong", ("Your step dropped, added or reordered rows or columns. This step only blanks values; "
                         "`drop_incomplete_rows`, later in the list, drops the rows that miss an input.")
    others = [c for c in frame.columns if c != "TotalCharges"]
    if not result[others].equals(frame[others]):
        return "wrong", "Your step changed columns other than TotalCharges; this decision is about totals only."
    expected = _blank_reference(frame)["TotalCharges"]
    got = pd.to_numeric(result["TotalCharges"], errors="coerce")
    given = frame["TotalCharges"]
    invented = got.notna() & ~np.isclose(got.fillna(0), given.fillna(0)) | (got.notna() & given.isna())
    if invented.any():
        row = invented[invented].index[0]
        return "wrong", (f"Your step wrote totals nobody recorded (row {row}: {given.loc[row]} became "
                         f"{got.loc[row]:.2f}). We do not invent values: a total that breaks the contract's rule "
                         "becomes missing (`np.nan`).")
    blanked, should = got.isna() & given.notna(), expected.isna() & given.notna()
    if blanked.equals(should):
        return None
    extra, missed = blanked & ~should, should & ~blanked
    if (extra & ~_judged(frame)).any():
        return "partial", ("You blanked totals of rows whose tenure or MonthlyCharges is itself out of range. The "
                           "contract's rule does not judge those rows (its range rules report them, lab 03): use "
                           "the rule itself, not your own version of it.")
    return "partial", (f"{int(extra.sum() + missed.sum())} totals differ from what the contract's rule decides. "
                       "Do not restate the rule with your own tolerance: call the contract's rule, "
                       "`provisioning.total_matches_tenure_x_monthly(out)`, and blank where it is False.")


@exercise("04.clean_totals", points=2, title="A cleaning step")
def clean_totals(answer, **_):
    if not callable(answer):
        return wrong("Define a function `blank_inconsistent_totals(df)` that returns the cleaned frame.")
    batch = _batch_before_totals()
    result = _answered(answer(batch.copy(deep=True)))
    if isinstance(result, pd.DataFrame) and result.equals(batch):
        raise NotAnswered  # the stub: a copy, nothing decided yet
    seed = case_seed("04.clean_totals")
    if not _follows_the_rows(answer, batch, result, seed):
        return wrong("Your step blanks other totals when it gets the same rows in another order, under other "
                     "labels and customer ids: decide from the values of the frame you are given (the contract's "
                     "rule), not from row labels, positions or ids.")
    verdict = _judge_step(answer, batch) or _judge_step(answer, _edge_cases(seed + 1))
    if verdict is not None:
        kind, hint = verdict
        return partial(0.5, hint) if kind == "partial" else wrong(hint)
    blanked = int((_blank_reference(batch)["TotalCharges"].isna() & batch["TotalCharges"].notna()).sum())
    return correct(f"Right: on the dirty batch your step blanks {blanked} totals that break the contract's rule, "
                   "leaves the rows with out-of-range inputs to the contract's range rules, and invents nothing.")


# --- 04.preprocessor --------------------------------------------------------------------------------------------

_PACKAGE_PIPELINES = ("build_preprocessor", "make_pipeline")
"""preparation's own preprocessing, shown after the exercise."""


_UNSEEN = {"Contract": ("Quarterly", "Six months"), "PaymentMethod": ("Direct debit (automatic)", "Mobile wallet"),
           "InternetService": ("Satellite", "5G home")}
"""Category values production may send that the training months never had."""


def _preprocessor_cases(seed: int) -> tuple[pd.DataFrame, pd.DataFrame, list[tuple[list[str], list[str]]]]:
    """Training rows (six consecutive months of customers), a serving batch (200 rows of January 2026's, one to three
    of them with a category value nobody has seen) and two choices of columns: the team's, and fewer (a part of each
    list, in its order), drawn from ``seed`` (:func:`~._guards.case_seed`, fresh for every check: no matrix and no
    scaling computed before fits)."""
    from ..preparation import CATEGORICAL, NUMERIC

    rng = np.random.default_rng(seed)
    files = [data_dir() / "customers.csv", data_dir() / "production" / "batch_2026-01.csv"]
    customers, batch = _preprocessor_rows(*[(str(f), f.stat().st_mtime_ns, f.stat().st_size) for f in files])
    months = sorted(customers["month"].unique())
    first = int(rng.integers(len(months) - 5))
    train = customers.loc[customers["month"].isin(months[first:first + 6]), FEATURES]
    serving = batch.iloc[rng.choice(len(batch), 200, replace=False)].copy()
    for row in rng.choice(len(serving), int(rng.integers(1, 4)), replace=False):
        column = list(_UNSEEN)[int(rng.integers(len(_UNSEEN)))]
        serving.iloc[row, serving.columns.get_loc(column)] = str(rng.choice(_UNSEEN[column]))
    fewer = tuple([names[i] for i in sorted(rng.choice(len(names), int(rng.integers(2, len(names))), replace=False))]
                  for names in (NUMERIC, CATEGORICAL))
    return train, serving, [(list(NUMERIC), list(CATEGORICAL)), fewer]


@lru_cache(maxsize=2)
def _preprocessor_rows(*files: tuple[str, int, int]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The customers (inputs and month) and January 2026's batch (inputs), read once per version of the files (the
    arguments only key the cache: the shortcut probe asks hundreds of times). Callers take copies of parts."""
    return load_customers()[[*FEATURES, "month"]], load_batch("2026-01")[FEATURES]


def _holds_pipeline(obj, depth: int = 0) -> bool:
    """Whether ``obj`` is a Pipeline or ColumnTransformer, or holds one (in a container, or a notebook class)."""
    from sklearn.compose import ColumnTransformer
    from sklearn.pipeline import Pipeline

    if isinstance(obj, (Pipeline, ColumnTransformer)):
        return True
    if depth >= 2:
        return False
    if isinstance(obj, type) and obj.__module__ == "__main__":
        obj = vars(obj)
    if isinstance(obj, dict):
        obj = list(obj.values())
    return isinstance(obj, (list, tuple, set, frozenset)) and any(_holds_pipeline(v, depth + 1) for v in obj)


def _own_functions(fn, seen: set | None = None):
    """``fn``, then the notebook functions its code calls by a global name (and theirs), each once: the code that is
    the answer's own. Yields (function, the global names its code uses)."""
    seen = set() if seen is None else seen
    code = getattr(fn, "__code__", None)
    if code is None or code in seen:
        return
    seen.add(code)
    names = sorted({name for co in _code_objects(code) for name in co.co_names})
    yield fn, names
    scope = getattr(fn, "__globals__", {})
    for name in names:
        value = scope.get(name)
        if isinstance(value, types.FunctionType) and value.__module__ in ("__main__", None):
            yield from _own_functions(value, seen)


def _prebuilt(fn) -> list[str]:
    """The names under which ``fn`` reaches a Pipeline or ColumnTransformer built before it runs: global names its
    code uses (and the code of notebook functions it calls), closure variables, default arguments."""
    found = []
    for own, names in _own_functions(fn):
        scope = getattr(own, "__globals__", {})
        found += [name for name in names if _holds_pipeline(scope.get(name))]
        found += [name for name, cell in zip(own.__code__.co_freevars, own.__closure__ or (), strict=False)
                  if _has_contents(cell) and _holds_pipeline(cell.cell_contents)]
        found += ["a default argument" for value in (own.__defaults__ or ()) if _holds_pipeline(value)]
    return found


_BUILDERS = {"ColumnTransformer": ("ColumnTransformer", "make_column_transformer"), "OneHotEncoder": ("OneHotEncoder",)}
"""What the answer's own code must name (the scikit-learn classes or function it builds the object from)."""


def _names_used(fn) -> set[str]:
    """The global and attribute names ``fn``'s code uses, with those of the notebook functions it calls; a global
    bound to a scikit-learn class or function counts under that object's own name too (``CT = ColumnTransformer``)."""
    found: set[str] = set()
    for own, names in _own_functions(fn):
        scope = getattr(own, "__globals__", {})
        found.update(names)
        found.update(getattr(scope[name], "__name__", name) for name in names
                     if str(getattr(scope.get(name), "__module__", "")).startswith("sklearn."))
    return found


def _unbuilt(fn) -> list[str]:
    """The scikit-learn parts of :data:`_BUILDERS` that ``fn``'s own code (and its notebook helpers) never names."""
    used = _names_used(fn)
    return [part for part, names in _BUILDERS.items() if not used & set(names)]


def _dense(values) -> np.ndarray:
    values = values.toarray() if hasattr(values, "toarray") else values
    return np.asarray(values, dtype=float)


@exercise("04.preprocessor", points=2, title="The preprocessing pipeline")
def preprocessor(answer, **_):
    from sklearn.base import clone

    from .. import preparation

    if not callable(answer):
        return wrong("Define a function `build_preprocessor(numeric, categorical)` that returns the Pipeline.")
    blocked = ("Write the Pipeline and the ColumnTransformer yourself: `preparation.build_preprocessor` (and "
               "`make_pipeline`) is the team's version, shown after this exercise.")
    if references(answer, {name: getattr(preparation, name) for name in _PACKAGE_PIPELINES}):
        return wrong(blocked)
    prebuilt = _prebuilt(answer)
    if prebuilt:
        return wrong(f"Your function starts from a Pipeline or ColumnTransformer built outside it ({prebuilt[0]}). "
                     "Build the whole object inside the function, from FeatureEngineer(), a StandardScaler and a "
                     "OneHotEncoder: a copy of an object made before (the team's included) is not the exercise.")
    train, serving, column_choices = _preprocessor_cases(case_seed("04.preprocessor"))
    for number, (numeric, categorical) in enumerate(column_choices):
        try:
            with without(preparation, list(_PACKAGE_PIPELINES)):
                built = answer(list(numeric), list(categorical))
        except Forbidden:
            return wrong(blocked)
        if built is None or built is Ellipsis:
            raise NotAnswered
        if not (hasattr(built, "fit") and hasattr(built, "transform")):
            return wrong(f"Return the scikit-learn Pipeline itself (not fitted), not a {type(built).__name__}.")
        try:
            fitted = clone(built).fit(train.copy())
        except (KeyError, ValueError) as err:
            return wrong(f"Fitting your pipeline on raw customer rows failed ({type(err).__name__}: {err}). The raw "
                         "rows have no engineered columns: the pipeline's first step, FeatureEngineer(), computes "
                         "them, and the ColumnTransformer comes after it.")
        try:
            got = _dense(fitted.transform(serving.copy()))
        except ValueError as err:
            if "unknown" in str(err).lower():
                return wrong("A serving batch holds a category value the training rows never had (a new contract type, "
                             "say), and your pipeline fails on it: in production that is an error at 3 a.m. Tell the "
                             "encoder to ignore categories it has not seen.")
            return wrong(f"Your fitted pipeline fails on a serving batch: {type(err).__name__}: {err}")
        want = preparation.build_preprocessor(numeric, categorical).fit(train.copy()).transform(serving.copy())
        if got.shape != want.shape:
            also = " (the check also calls it with fewer columns: use the arguments, not NUMERIC and CATEGORICAL)" \
                if number else ""
            return wrong(f"Your pipeline gives {got.shape[1]} columns where the team's gives {want.shape[1]}: every "
                         "column in `numeric` once, scaled, then one 0/1 column per value of each column in "
                         f"`categorical`{also}.")
        if not np.allclose(got, want, atol=1e-9, equal_nan=True):
            width = len(numeric)
            if np.allclose(got[:, width:], want[:, width:], equal_nan=True):
                return partial(0.5, "The categories are encoded right, but the numbers are not the team's: scale "
                                    "them with a StandardScaler, learned when the pipeline is fitted.")
            return wrong("The numbers your pipeline gives differ from the team's preprocessing: the `numeric` "
                         "columns first, each scaled by a StandardScaler, then the `categorical` ones one-hot "
                         "encoded (dense output), all after FeatureEngineer().")
    unbuilt = _unbuilt(answer)
    if unbuilt:
        return wrong(f"The numbers are right, but your function's code never names {' or '.join(unbuilt)}: it "
                     "returns a pipeline made elsewhere (copied, unpickled, loaded). Build it in the function (or a "
                     "helper function it calls): a ColumnTransformer (or make_column_transformer) with a "
                     "StandardScaler and a OneHotEncoder, after FeatureEngineer().")
    return correct("Right: one object that computes the features, scales the numbers and encodes the categories, "
                   "learned on the training rows and applied unchanged to a serving batch, unseen category included.")


# --- 04.new_feature ---------------------------------------------------------------------------------------------

def _feature_reference(frame: pd.DataFrame) -> pd.Series:
    return ((frame["Contract"] == "Month-to-month") & (frame["tenure"] <= 12)).astype(int)


def _feature_edge_rows(seed: int) -> pd.DataFrame:
    """Customers at the edges (month-to-month with tenure 0, 12 and 13, other contracts in their first year) and a few
    more, in another order under other labels each time: drawn from ``seed`` (:func:`~._guards.case_seed`)."""
    rng = np.random.default_rng(seed)
    edges = [("Month-to-month", 12), ("Month-to-month", 13), ("Month-to-month", 0),
             (str(rng.choice(["One year", "Two year"])), int(rng.integers(0, 13))), ("Two year", int(rng.integers(1, 13)))]
    edges += [(str(rng.choice(["Month-to-month", "One year", "Two year"])), int(rng.integers(0, 73)))
              for _ in range(int(rng.integers(1, 5)))]
    edges = [edges[i] for i in rng.permutation(len(edges))]
    customers = load_customers()
    rows = customers[FEATURES].iloc[rng.choice(len(customers), len(edges), replace=False)].copy()
    rows["Contract"], rows["tenure"] = [c for c, _ in edges], [t for _, t in edges]
    return rows.set_axis(rng.choice(np.arange(10, 10_000), len(edges), replace=False))


def _validation_aucs(answer) -> tuple[float, float, str]:
    """Validation AUC of the logistic-regression pipeline with and without the student's feature, and the validation
    months ("2025-07 to 2025-09")."""
    from sklearn.compose import ColumnTransformer
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import roc_auc_score
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import FunctionTransformer, OneHotEncoder, StandardScaler

    from ..preparation import CATEGORICAL, NUMERIC, FeatureEngineer

    def pipeline(extra: list[str]):
        steps = [("mine", FunctionTransformer(answer))] if extra else []
        encode = ColumnTransformer([("numeric", StandardScaler(), NUMERIC + extra),
                                    ("categorical", OneHotEncoder(handle_unknown="ignore", sparse_output=False),
                                     CATEGORICAL)])
        return Pipeline([*steps, ("features", FeatureEngineer()), ("encode", encode),
                         ("model", LogisticRegression(max_iter=1000, C=0.5))])

    customers = load_customers()
    months = sorted(customers["month"].unique())
    fit, val = customers[customers["month"] < months[-6]], customers[customers["month"].isin(months[-6:-3])]
    y_fit, y_val = fit[TARGET].eq("Yes").astype(int), val[TARGET].eq("Yes").astype(int)
    aucs = []
    for extra in ([FEATURE], []):
        model = pipeline(extra).fit(fit[FEATURES], y_fit)
        aucs.append(roc_auc_score(y_val, model.predict_proba(val[FEATURES])[:, 1]))
    return aucs[0], aucs[1], f"{months[-6]} to {months[-4]}"


@exercise("04.new_feature", points=2, title="An engineered feature")
def new_feature(answer, **_):
    if not callable(answer):
        return wrong(f"Define a function `add_{FEATURE}(X)` that returns X with the new column.")
    frames = {"the training rows": load_customers()[FEATURES], "a serving batch (January 2026)":
              load_batch("2026-01")[FEATURES], "rows at the edges (tenure 0, 12, 13; other contracts)":
              _feature_edge_rows(case_seed("04.new_feature"))}
    for where, frame in frames.items():
        before = frame.copy(deep=True)
        result = _answered(answer(frame))
        if isinstance(result, pd.Series):
            return wrong("Return the whole frame with the new column (like `add_features`), not the column alone: "
                         "the next step of the pipeline needs every input.")
        if not isinstance(result, pd.DataFrame):
            return wrong(f"Return a DataFrame (the input with one more column), not a {type(result).__name__}.")
        if not frame.equals(before):
            return wrong("Your function changed the frame it was given. In a pipeline the caller's data must stay as "
                         "it was: start with `out = X.copy()`.")
        added = [c for c in result.columns if c not in frame.columns]
        if FEATURE not in result.columns:
            if not added and result.equals(frame):
                raise NotAnswered  # the stub: a copy, no feature yet
            return wrong(f"The new column must be called {FEATURE!r}; your function added {added or 'nothing'}.")
        if added != [FEATURE] or not result[list(frame.columns)].equals(frame) or not result.index.equals(frame.index):
            return wrong(f"Add exactly one column, {FEATURE!r}, and leave every other column and row as it was.")
        values = result[FEATURE]
        if not (pd.api.types.is_bool_dtype(values) or pd.api.types.is_integer_dtype(values)):
            return partial(0.5, f"{FEATURE} should be 1 or 0 (an integer column): add `.astype(int)`.")
        differ = values.astype(int) != _feature_reference(frame)
        if differ.any():
            row = frame.loc[differ[differ].index[0]]
            return wrong(f"On {where}, {int(differ.sum())} rows get the wrong value (e.g. a {row['Contract']} "
                         f"customer with tenure {row['tenure']}). The feature is 1 for a month-to-month customer in "
                         "the first year (tenure of at most 12 months), else 0.")
    with_feature, without, validation_months = _validation_aucs(answer)
    gain = with_feature - without
    verdict = ("no real gain: the model already combines contract and tenure, so the feature stays out of the "
               "team's pipeline" if abs(gain) < FEATURE_MIN_GAIN else
               "a gain worth a second look on more months before the feature joins the team's pipeline")
    return correct(f"Right, on training rows and on a serving batch alike. On the validation months "
                   f"({validation_months}) the logistic regression ranks with AUC {with_feature:.4f} with your feature and "
                   f"{without:.4f} without: {verdict}.")


# --- 04.leak_scan -----------------------------------------------------------------------------------------------

def _scan_reference(frame: pd.DataFrame) -> pd.Series:
    from sklearn.metrics import roc_auc_score

    target = (frame[TARGET] == "Yes").astype(int)
    scan = {}
    for name in [c for c in frame.columns if c not in NOT_INPUTS]:
        column = frame[name]
        score = column if pd.api.types.is_numeric_dtype(column) else column.map(target.groupby(column).mean())
        alone = roc_auc_score(target, score.astype(float))
        scan[name] = alone if alone >= 0.5 else 1 - alone
    return pd.Series(scan).sort_values(ascending=False)


def _scan_case(seed: int) -> pd.DataFrame:
    """A small table with a column that ranks churners *low*, a category, and the columns that are not inputs, drawn
    from ``seed`` (:func:`~._guards.case_seed`, fresh for every check): no table of AUCs typed in matches it."""
    rng = np.random.default_rng(seed)
    churn = rng.random(300) < 0.3
    return pd.DataFrame({
        "customerID": [f"{i:04d}-SCANX" for i in range(300)], "month": np.repeat(["2025-01", "2025-02"], 150),
        "Churn": np.where(churn, "Yes", "No"),
        "loyalty_points": np.where(churn, rng.normal(20, 10, 300), rng.normal(45, 10, 300)).round(1),
        "region": np.where(churn, rng.choice(["north", "south", "east"], 300, p=[0.6, 0.2, 0.2]),
                           rng.choice(["north", "south", "east"], 300, p=[0.2, 0.4, 0.4])),
        "calls": rng.poisson(np.where(churn, 3, 2)),
    })


_SCAN_DIGITS = 6e-4
"""How far an AUC of the scan may be from the reference: an AUC rounded to 3 digits (as the lab prints it) is right."""


@exercise("04.leak_scan", points=3, title="The leak scan")
def leak_scan(answer, **_):
    if not callable(answer):
        return wrong("Define a function `leak_scan(df)` that returns a Series: column name -> AUC alone.")
    for frame in (load_customers(), _scan_case(case_seed("04.leak_scan"))):
        result = _answered(answer(frame.copy()))
        if isinstance(result, pd.Series) and result.empty:
            raise NotAnswered  # the stub: nothing scanned yet
        if not isinstance(result, pd.Series):
            return wrong(f"Return a pandas Series (index: column names, values: AUC alone), not a "
                         f"{type(result).__name__}.")
        expected = _scan_reference(frame)
        named = {str(c) for c in result.index}
        not_inputs = sorted(named & set(NOT_INPUTS))
        if not_inputs:
            return wrong(f"Leave out {not_inputs}: the target, the id and the observation month are not inputs "
                         "to scan.")
        missing = [c for c in expected.index if c not in named]
        if missing:
            categories = [c for c in missing if not pd.api.types.is_numeric_dtype(frame[c])]
            if categories and len(categories) == len(missing):
                return partial(0.5, f"The categories are missing (e.g. {categories[0]!r}): score a category by the "
                                    "churn rate of its value, `values.map(churned.groupby(values).mean())`, then "
                                    "take its AUC like a number's.")
            return wrong(f"The scan misses columns, e.g. {missing[0]!r}: scan every column except the target, "
                         "the id and the month.")
        got = pd.to_numeric(result.reindex(expected.index), errors="coerce")
        off = ~np.isclose(got.to_numpy(dtype=float), expected.to_numpy(), rtol=0, atol=_SCAN_DIGITS)
        if off.any():
            column = expected.index[off][0]
            if np.isclose(1 - got[column], expected[column], rtol=0, atol=_SCAN_DIGITS):
                return wrong(f"{column!r} gets {got[column]:.3f}: a column that ranks churners at the *bottom* "
                             "(AUC below 0.5) tells as much as one that ranks them at the top. Take "
                             "`max(auc, 1 - auc)`.")
            rounded = " (if you round, keep at least 3 digits)" if abs(got[column] - expected[column]) < 0.006 else ""
            return wrong(f"{column!r} gets {got[column]:.4f} where its AUC alone is different{rounded}. A number is "
                         "its own score; a category scores as the churn rate of its value; "
                         "`roc_auc_score(churned, score)`.")
        if not pd.to_numeric(result, errors="coerce").is_monotonic_decreasing:
            return partial(0.75, "The values are right; sort them from the highest AUC down "
                                 "(`.sort_values(ascending=False)`), so the first question goes to the top row.")
    return correct("Right: the scan ranks every input by what it alone reveals. The top rows are the questions to "
                   "ask: when is this value recorded, before or after the customer decides?")


# --- 04.split_by_time -------------------------------------------------------------------------------------------

def _split_reference(frame: pd.DataFrame, validation_months: int, test_months: int):
    months = sorted(frame["month"].unique())
    test_from, validation_from = months[-test_months], months[-test_months - validation_months]
    return (frame.index[frame["month"] < validation_from],
            frame.index[(frame["month"] >= validation_from) & (frame["month"] < test_from)],
            frame.index[frame["month"] >= test_from])


def _split_parts(answer, frame: pd.DataFrame, validation_months: int, test_months: int):
    """The student's split of ``frame``, with the package's ``time_split`` and ``month_folds`` switched off."""
    from .. import development, preparation

    with without(preparation, ["time_split"]), without(development, ["month_folds"]):
        return _answered(answer(frame, validation_months, test_months))


def _index_sets(parts) -> list[set] | None:
    """The row labels of each of three parts, or None when ``parts`` is not three DataFrames (a tuple or a list)."""
    if isinstance(parts, (tuple, list)) and len(parts) == 3 and all(isinstance(p, pd.DataFrame) for p in parts):
        return [set(p.index) for p in parts]
    return None


@exercise("04.split_by_time", points=2, title="Train, validation and test months")
def split_by_time(answer, **_):
    from .. import development, preparation

    if not callable(answer):
        return wrong("Define a function `split_by_time(df, validation_months=3, test_months=3)` that returns "
                     "(train, validation, test).")
    blocked = ("Find the cut months and filter the rows yourself: `preparation.time_split` is the team's two-way "
               "split (and `development.month_folds` finds cut months too), and this exercise asks for the "
               "three-way split they build on.")
    if references(answer, {"preparation.time_split": preparation.time_split,
                           "development.month_folds": development.month_folds}):
        return wrong(blocked)
    # the cases are drawn afresh for every check (_guards.case_seed): the rows' order, how many of the last months a
    # second frame lacks, and a second pair of lengths; no cut month typed in, keyed on the frame, matches them all
    rng = np.random.default_rng(case_seed("04.split_by_time"))
    customers = load_customers().sample(frac=1.0, random_state=int(rng.integers(2**31)))  # rows in no particular order
    before = customers.copy()
    try:
        result = _split_parts(answer, customers, 3, 3)
    except Forbidden:
        return wrong(blocked)
    if not (isinstance(result, (tuple, list)) and len(result) == 3
            and all(isinstance(r, pd.DataFrame) for r in result)):
        return wrong("Return a tuple of three DataFrames: (train, validation, test).")
    if not customers.equals(before):
        return wrong("Your function changed the DataFrame it was given; filter it, do not modify it.")
    train, validation, test = result
    if len(train) + len(validation) + len(test) != len(customers):
        return wrong("Every row must be in exactly one of train, validation and test.")
    first = [part["month"].min() for part in result]
    last = [part["month"].max() for part in result]
    if not (last[0] < first[1] and last[1] < first[2]):
        return wrong("The parts must follow each other in time: every training month before every validation "
                     "month, every validation month before every test month (no random rows, no overlap).")
    expected = _split_reference(customers, 3, 3)
    if [len(part) for part in result] != [len(e) for e in expected]:
        return partial(0.5, "The order is right, but the test part should hold the last 3 months and the "
                            "validation part the 3 months before them.")
    if not all(set(part.index) == set(e) for part, e in zip(result, expected, strict=True)):
        return partial(0.5, "The months are right, but the rows lost their index. Filter the rows and keep their "
                            "index (do not reset it): every row of a part must point back to its row in `df`.")
    dropped = int(rng.integers(1, 4))
    lengths = [(v, t) for v in (1, 2, 3) for t in (1, 2, 3) if (v, t) != (3, 3)][int(rng.integers(8))]
    earlier = customers[customers["month"] < sorted(customers["month"].unique())[-dropped]]
    try:
        moved, other = _split_parts(answer, earlier.copy(), 3, 3), _split_parts(answer, customers, *lengths)
    except Forbidden:
        return wrong(blocked)
    if _index_sets(moved) != [set(e) for e in _split_reference(earlier, 3, 3)]:
        return wrong(f"Right for this year's customers, but wrong on the same customers without their last {dropped} "
                     f"month{'s' if dropped > 1 else ''}: the cut months must come from the `month` column of the `df` "
                     "you are given, not be typed in.")
    if _index_sets(other) != [set(e) for e in _split_reference(customers, *lengths)]:
        return partial(0.5, "Right for 3 and 3 months, but the function does not follow its arguments "
                            "`validation_months` and `test_months`.")
    return correct("Right: the model learns from the past, is tuned on the months after, and is judged once on "
                   "the months after those, as it will be used; on another span of months and other lengths too.")


seal(__name__)
