"""Checks of lab 11 (the capstone sprint): the increment's contract, training and release, the review's KPIs, the
inclusion rule of the ML Test Score, and the next sprint.

Every check reads the student's work back from the tracking store and the registry (by the increment's tags), and
recomputes what it compares against from the data and the package. The student's functions (the quarantine, the
training, the promotion rule, the KPIs, the inclusion rule) also run on cases of the check's own (another dirty batch,
fewer training months, made-up exams, reviews and evidence), with the package functions that would do their work
switched off (``_guards.references`` and ``_guards.without``). The reference computations are private.
"""

from __future__ import annotations

import contextlib
import inspect
import io
import json
import re
import time
import uuid
from collections import Counter
from functools import lru_cache
from itertools import combinations
from numbers import Real

import numpy as np
import pandas as pd

from .. import capstone, data, development, lineage, mltestscore, policy, provisioning, schema, scrum, trust, validation
from ..exercises import Feedback, NotAnswered, correct, exercise, is_blank, partial, wrong
from ..rubrics import criterion, written
from ..validation import Decision, Evidence
from ._guards import Forbidden, case_seed, references, seal, without

_RUN_ID = re.compile(r"^[0-9a-f]{32}$")


def _number(value) -> bool:
    return isinstance(value, Real) and not isinstance(value, bool)


def _run_of(answer, increment, step: str):
    """The student's run (by id) if it is a run of ``step`` of this increment; else a Feedback saying what is wrong."""
    from mlflow.exceptions import MlflowException

    from ..registry import client

    if not isinstance(answer, str) or not _RUN_ID.match(answer.strip()):
        return wrong(f"Give the id of your MLflow run (run.info.run_id, 32 hex digits), not {type(answer).__name__} "
                     f"{str(answer)[:40]!r}.")
    try:
        run = client().get_run(answer.strip())
    except MlflowException:
        return wrong("No run with that id in this tracking store: keep `run.info.run_id` of the run you logged.")
    tags = run.data.tags
    if tags.get("capstone.increment") != getattr(increment, "id", None) or tags.get(mltestscore.STEP_TAG) != step:
        return wrong(f"That run is not a '{step}' run of this increment: give it the tags increment.tags('{step}').")
    return run


def _guarded(answer, blocked: dict, *args):
    """``answer(*args)`` with the package functions of ``blocked`` (module -> names) switched off, its prints
    swallowed; :class:`Forbidden` naming the first one ``answer`` refers to or reaches at run time."""
    used = references(answer, {f"{module.__name__.rsplit('.', 1)[-1]}.{name}": getattr(module, name)
                               for module, names in blocked.items() for name in names})
    if used:
        raise Forbidden(used[0])
    with contextlib.ExitStack() as stack:
        stack.enter_context(contextlib.redirect_stdout(io.StringIO()))
        stack.enter_context(contextlib.redirect_stderr(io.StringIO()))
        for module, names in blocked.items():
            stack.enter_context(without(module, list(names)))
        return answer(*args)


# --- 11.contract -------------------------------------------------------------------------------------------------

@lru_cache(maxsize=1)
def _contract_expected() -> tuple[int, int, int, str]:
    export = capstone.february_export()
    result = provisioning.validate_batch(export)
    accepted = export.drop(index=result.quarantined.index)
    return len(export), len(accepted), len(result.quarantined), lineage.data_version(accepted)


_QUARANTINE_HELPERS = {provisioning: ("validate_batch", "_failure_cases")}
"""Lab 03's functions that run the contract and split the batch for you: switched off while ``quarantine`` runs."""


@lru_cache(maxsize=len(data.PRODUCTION_MONTHS))
def _clean_batch(month: str) -> pd.DataFrame:
    """A production batch as shipped (every row passes the contract); cached, so callers copy it."""
    return data.load_batch(month)


_GLITCHES = ("out of range", "unknown category", "missing", "inconsistent total", "personal data", "malformed id")
"""The kinds of glitch :func:`_glitch` gives a row; each breaks a rule of ``provisioning.customer_contract``."""
_HARMLESS_NOTES = ("moving house in spring", "asked for a discount", "asked about the fibre upgrade",
                   "unhappy about the price rise", "happy with the new router", "wants a second line",
                   "complained about dropped calls", "asked when the contract ends")
"""Agents' notes without personal data."""


def _personal_note(rng: np.random.Generator) -> str:
    """An agent's note with an e-mail address or a (fictional) phone number in it."""
    if rng.random() < 0.5:
        name = f"{rng.choice(['jane.doe', 'm.rossi', 'k.tanaka', 'l.martin', 'a.kowalski'])}{rng.integers(1, 99)}"
        return f"write to {name}@{rng.choice(['example.com', 'example.org', 'mail.example.net'])} please"
    return f"call back on 555-{rng.integers(100, 1000)}-{rng.integers(0, 10_000):04d} after {rng.integers(1, 9)}pm"


def _glitch(batch: pd.DataFrame, at: int, kind: str, rng: np.random.Generator) -> None:
    """Give the (clean) row at position ``at`` a glitch of ``kind``, in a drawn column with a drawn value."""
    column = batch.columns.get_loc
    if kind == "out of range":
        name = str(rng.choice(["tenure", "SeniorCitizen", "MonthlyCharges", "TotalCharges"]))
        low, high = schema.RANGES[name]
        step = int(rng.integers(1, 300)) if name in ("tenure", "SeniorCitizen") else round(float(rng.uniform(1, 2000)), 2)
        value = high + step if high is not None and rng.random() < 0.5 else low - step
    elif kind == "unknown category":
        name = str(rng.choice(list(data.CATEGORIES)))
        right = str(rng.choice(data.CATEGORIES[name]))
        value = str(rng.choice([v for v in (right.lower(), right.upper(), right[:2], right.replace(" ", "_"), "Other")
                                if v not in data.CATEGORIES[name]]))
    elif kind == "missing":
        name = str(rng.choice(["tenure", "MonthlyCharges", "TotalCharges", *data.CATEGORIES]))
        value = None if name in data.CATEGORIES else np.nan
    elif kind == "inconsistent total":
        name = "TotalCharges"
        expected = batch.iat[at, column("tenure")] * batch.iat[at, column("MonthlyCharges")]
        value = round(float(expected * rng.uniform(1.5, 3) + rng.uniform(50, 500)), 2)  # far outside the tolerance
    elif kind == "personal data":
        name, value = "notes", _personal_note(rng)
    else:
        name = "customerID"
        value = str(rng.choice([batch.iat[at, column(name)].lower(), batch.iat[at, column(name)].replace("-", "")]))
    batch.iat[at, column(name)] = value


def _other_export(seed: int) -> tuple[pd.DataFrame, frozenset]:
    """A dirty batch the lab never shows, drawn from ``seed`` (:func:`~._guards.case_seed`, fresh for every check):
    another month's batch with agents' notes, a value out of range, an unknown category, a missing value, a total that
    does not add up, personal data in a note, one or two glitches more of any kind, and a re-sent row, each in drawn
    rows (a drawn column and value each). Also the labels of the rows the contract rejects, known from the draw (both
    copies of the re-sent row): a contract validation of the batch takes 0.15 s or more, too slow for every check."""
    rng = np.random.default_rng(seed)
    batch = _clean_batch(str(rng.choice([m for m in data.PRODUCTION_MONTHS if m != capstone.BATCH_MONTH]))).copy()
    batch["notes"] = None
    kinds = [*_GLITCHES[:5], *rng.choice(_GLITCHES, int(rng.integers(1, 3)))]
    positions = rng.permutation(len(batch))
    glitched, resent = positions[:len(kinds)], int(positions[len(kinds)])
    harmless = positions[len(kinds) + 1:len(kinds) + 1 + int(rng.integers(2, 6))]
    batch.iloc[harmless, batch.columns.get_loc("notes")] = rng.choice(_HARMLESS_NOTES, len(harmless), replace=False)
    for at, kind in zip(glitched, kinds, strict=True):
        _glitch(batch, int(at), kind, rng)
    export = pd.concat([batch, batch.iloc[[resent]]], ignore_index=True)
    return export, frozenset(int(label) for label in [*glitched, resent, len(batch)])


def _quarantine_problem(quarantine) -> str | None:
    """Why the student's ``quarantine(rows, contract)`` does not split the check's own dirty batch as the contract
    does, or None. Lab 03's helpers are switched off while it runs."""
    if not callable(quarantine):
        return "define `quarantine(rows, contract)` and use it on `export`"
    batch, expected = _other_export(case_seed("11.contract"))
    contract = provisioning.customer_contract(labelled=False)
    try:
        result = _guarded(quarantine, _QUARANTINE_HELPERS, batch.copy(), contract)
    except Forbidden as err:
        return (f"`quarantine` calls {err.name}, lab 03's helper: run the contract yourself (lazily) and read the "
                "failing rows from its error")
    if is_blank(result) or not (isinstance(result, tuple) and len(result) == 2
                                and all(isinstance(part, pd.DataFrame) for part in result)):
        return "`quarantine(rows, contract)` returns two DataFrames: the accepted rows and the quarantined rows"
    accepted, quarantined = result
    missing = [c for c in batch.columns if c not in accepted.columns or c not in quarantined.columns]
    if missing:
        return (f"`quarantine` returns rows without the column {missing[0]!r}: return the rows as they arrived, every "
                "column kept")
    if len(accepted) + len(quarantined) != len(batch):
        return (f"on another dirty batch the check made, `quarantine` returns {len(accepted)} accepted + "
                f"{len(quarantined)} quarantined rows for {len(batch)} rows in: every row goes in exactly one of them, "
                "once (a row the contract reports several times is still one row: take the set of failing rows)")
    want_out = _row_counts(batch.loc[sorted(expected)], batch)
    got_out, got_in = _row_counts(quarantined, batch), _row_counts(accepted, batch)
    if got_out != want_out or got_in != _row_counts(batch, batch) - want_out:
        return ("`quarantine` does not split another dirty batch the check made (other glitches, in other rows) as "
                f"the contract does (it quarantines {len(quarantined)} of its {len(batch)} rows, the contract rejects "
                f"{len(expected)}): it must find the broken rows of whatever batch it is given, from the contract's "
                "errors (every failure, with lazy=True), never from a list of rows")
    return None


def _row_counts(rows: pd.DataFrame, like: pd.DataFrame) -> Counter:
    """The rows of ``rows`` as a multiset of their values in ``like``'s columns, whatever their index (a quarantine
    that renumbers its rows returns the same rows); numbers compared as numbers, so a coerced dtype does not count."""
    values = {}
    for column in like.columns:
        if pd.api.types.is_numeric_dtype(like[column]):
            values[column] = pd.to_numeric(rows[column], errors="coerce").astype(float).round(6)
        else:
            values[column] = rows[column].astype("string")
    return Counter(pd.util.hash_pandas_object(pd.DataFrame(values), index=False).tolist())


@exercise("11.contract", points=2, title="Run the contract, quarantine, and record the verdict")
def contract(answer, increment=None, quarantine=None, **_):
    run = _run_of(answer, increment, "contract")
    if not hasattr(run, "data"):
        return run
    rows_in, accepted, quarantined, version = _contract_expected()
    metrics, tags = run.data.metrics, run.data.tags
    if (metrics.get("rows_in"), metrics.get("accepted"), metrics.get("quarantined")) != (rows_in, accepted, quarantined):
        got = {k: metrics.get(k) for k in ("rows_in", "accepted", "quarantined")}
        return wrong(f"Your run records {got}. Every row the contract rejects (err.failure_cases['index'], with "
                     "lazy=True so that all failures are collected) is quarantined, and in = accepted + quarantined.")
    technique = _quarantine_problem(quarantine)
    if technique:
        return partial(0.25, f"Your run's counts are right for February, but {technique}.")
    problems = []
    if tags.get(lineage.TAG) != version:
        problems.append(f"tag `{lineage.TAG}`: lineage.data_version of the accepted rows (the export without the "
                        "quarantined rows, as they arrived)")
    if tags.get("reconciles") != "True":
        problems.append("tag `reconciles`: 'True' when rows in = accepted + quarantined")
    if "no_personal_data" not in tags.get("contract.rules", ""):
        problems.append("the contract's description: add the tags of capstone.contract_tags(contract)")
    if problems:
        return partial(round(1 - 0.25 * len(problems), 2), "The counts are right. Now " + "; ".join(problems) + ".")
    return correct(f"{rows_in} in = {accepted} accepted + {quarantined} quarantined, the verdict is in the store with "
                   "the accepted rows' data version, and your quarantine splits another dirty batch right too.")


# --- 11.train ----------------------------------------------------------------------------------------------------

_TRAIN_HELPERS = {trust: ("fit_mitigated", "_reweighing_weights"), development: ("log_run",)}
"""Lab 07's reweighing and fit, and lab 05's run logger: they do 11.train's work, so they are switched off while the
student's ``train_recipe`` runs (and any package function that reaches them raises too)."""


def _other_training() -> pd.DataFrame:
    """The check's own training data: only the newest ``policy.PROMOTION.window`` training months (lab 10's window),
    so that a function which reads anything but its arguments trains another model than the one expected."""
    train = capstone.training_data()
    months = sorted(train["month"].unique())[-policy.PROMOTION.window:]
    return train[train["month"].isin(months)].reset_index(drop=True)


@lru_cache(maxsize=4)
def _references(window: bool):
    """The champion's recipe (``registry.reference_estimator()``) fitted as the lab asks (reweighed) and without the
    weights, scored on the gate data; and the training data's version. ``window``: on :func:`_other_training`."""
    from ..preparation import split_xy
    from ..registry import reference_estimator

    train = _other_training() if window else capstone.training_data()
    reweighed = trust.fit_mitigated(train, reference_estimator())
    X, y = split_xy(train)
    plain = trust.without_protected(reference_estimator())
    with development.one_thread():
        plain.fit(X, y)
    X_gate, _ = split_xy(capstone.gate_data())
    return reweighed.predict_proba(X_gate)[:, 1], plain.predict_proba(X_gate)[:, 1], lineage.data_version(train)


def _threshold(increment) -> float:
    from ..registry import client

    return float(client().get_model_version(increment.name, increment.previous).tags[policy.THRESHOLD.tag])


def _train_call(answer, increment, train: pd.DataFrame, gate: pd.DataFrame, threshold: float):
    """Run the student's ``train_recipe`` with the helpers switched off: (the run it logged, None), or (None, why
    not). The run must be a 'train' run of the increment, started by this call."""
    started = int(time.time() * 1000) - 1000
    run_id = _guarded(answer, _TRAIN_HELPERS, train.copy(), gate.copy(), threshold)
    if is_blank(run_id):
        raise NotAnswered
    run = _run_of(run_id, increment, "train")
    if not hasattr(run, "data"):
        return None, run
    if run.info.start_time < started:
        return None, wrong("`train_recipe` returns the id of a run it did not log: every call trains and logs a new "
                           "run, and returns that run's id.")
    return run, None


def _delete_since(increment, started: int) -> None:
    """Delete the runs of the increment that the check's calls of the student's function logged (started after
    ``started``, in ms): the notebook's own run, logged before the check, stays, and so does the evidence."""
    from ..registry import client

    runs = capstone.tracked_runs(increment)
    if not len(runs):
        return
    since = pd.Timestamp(started, unit="ms", tz="UTC")
    times = pd.to_datetime(runs["start_time"], utc=True)
    for run_id in runs.loc[times >= since, "run_id"]:
        with contextlib.suppress(Exception):
            client().delete_run(run_id)


def _train_model_problem(run, window: bool):
    """(the logged model's gate scores, a Feedback if the run's model is not the mitigated recipe), or (None, msg)."""
    import mlflow
    from mlflow.models import get_model_info

    from ..preparation import split_xy

    try:
        info = get_model_info(f"runs:/{run.info.run_id}/model")
        model = mlflow.sklearn.load_model(f"runs:/{run.info.run_id}/model")
    except Exception:  # noqa: BLE001 -- no model logged under the name "model"
        return None, None, wrong("The run has no model: log it with mlflow.sklearn.log_model(model, name='model', ...).")
    logged = model.predict_proba(split_xy(capstone.gate_data())[0])[:, 1]
    reweighed, plain, _ = _references(window)
    if np.abs(logged - plain).max() < 1e-9:
        return None, None, wrong("Your model is the recipe without reweighing: pass the weights P(group)·P(label)/"
                                 "P(group, label) to fit as model__sample_weight.")
    if np.abs(logged - reweighed).max() > 1e-6:
        if window:
            return None, None, partial(0.2, "On your training data the model is right, but not on the check's own "
                                            "(fewer months): `train_recipe` must compute the weights, fit and log from "
                                            "its arguments `train`, `gate` and `threshold`, not from objects of the "
                                            "notebook.")
        return None, None, wrong("Your logged model is not the mitigated recipe: trust.without_protected(registry."
                                 "reference_estimator()) (the champion's logistic regression) fitted on `train` with "
                                 "the reweighing weights over trust.intersection(X).")
    return logged, info, None


def _reweighing_problem(reweighing) -> Feedback | None:
    """Why the student's ``reweighing(groups, y)`` is not lab 07's, on the check's own training months (None if it is):
    P(group) · P(label) / P(group, label) for every row, with lab 07's helpers switched off."""
    from ..preparation import split_xy

    if not callable(reweighing):
        return wrong("Define `reweighing(groups, y)` in the exercise cell: train_recipe's weights come from it.")
    X, y = split_xy(_other_training())
    groups = trust.intersection(X)
    frame = pd.DataFrame({"g": groups.to_numpy(), "y": y.to_numpy()})
    p_group, p_label = (frame[c].map(frame[c].value_counts(normalize=True)) for c in ("g", "y"))
    want = (p_group * p_label / (frame.groupby(["g", "y"])["y"].transform("size") / len(frame))).to_numpy()
    try:
        got = _guarded(reweighing, _TRAIN_HELPERS, groups.copy(), y.copy())
        if is_blank(got):
            raise NotAnswered
        got = np.asarray(got, dtype=float).ravel()
    except Forbidden as err:
        return wrong(f"`reweighing` calls {err.name}, lab 07's helper: compute the weights with pandas.")
    except (TypeError, ValueError):
        return wrong("`reweighing(groups, y)` returns one number per row (a numpy array), not what it returns now.")
    if got.shape != want.shape:
        return wrong(f"`reweighing` returned {got.size} weight(s) for {want.size} rows: one weight per row.")
    if not np.allclose(got, want, rtol=1e-6):
        same = "the same weight for every row" if np.allclose(got, got[0]) else "other weights"
        return wrong(f"`reweighing`, on the check's own training months, gives {same}: each row's weight is "
                     "P(group) · P(label) / P(group, label), the shares taken over all rows (lab 07).")
    return None


@exercise("11.train", points=3, title="Train the mitigated recipe and track it with MLflow")
def train(answer, increment=None, reweighing=None, **_):
    from sklearn.metrics import roc_auc_score

    from ..development import expected_profit
    from ..preparation import split_xy
    from ..validation import baseline_profit

    if not callable(answer):
        return wrong("Define a function `train_recipe(train, gate, threshold)` that trains and logs the recipe and "
                     "returns the id of its MLflow run.")
    threshold, gate = _threshold(increment), capstone.gate_data()
    _references(False), _references(True)  # before lab 07's helpers are switched off
    problem = _reweighing_problem(reweighing)
    if problem is not None:
        return problem
    started = int(time.time() * 1000)
    try:
        for window in (False, True):
            data_ = _other_training() if window else capstone.training_data()
            run, feedback = _train_call(answer, increment, data_, gate, threshold)
            if feedback is not None:
                return feedback
            tags = run.data.tags
            if tags.get("candidate") != "recipe":
                return wrong("Tag the run `candidate: recipe` (the simpler model's run is the lab's, not yours).")
            logged, info, feedback = _train_model_problem(run, window)
            if feedback is not None:
                return feedback
            if not window:
                first, first_info, first_logged = run, info, logged
    except Forbidden as err:
        return wrong(f"`train_recipe` calls {err.name}, a helper of the course's package that does this exercise's "
                     "work: compute the reweighing with pandas, fit with scikit-learn and write the MLflow calls "
                     "yourself (mlflow.start_run, set_tags, log_params, log_metrics, mlflow.sklearn.log_model).")
    finally:
        _delete_since(increment, started)
    run, info, logged = first, first_info, first_logged
    tags, metrics = run.data.tags, run.data.metrics
    _, y_gate = split_xy(gate)
    problems = []
    want = {"auc": float(roc_auc_score(y_gate, logged)),
            "profit": expected_profit(y_gate, logged, threshold), "baseline_profit": baseline_profit(y_gate)}
    for key, value in want.items():
        if key not in metrics or abs(metrics[key] - value) > (1e-4 if key == "auc" else 0.5):
            problems.append(f"metric `{key}` on the gate months (expected {value:,.4g} at threshold {threshold:.2f})")
    if tags.get(lineage.TAG) != _references(False)[2]:
        problems.append(f"tag `{lineage.TAG}`: lineage.data_version(train)")
    if tags.get(policy.APPROVAL.author_tag) != policy.APPROVAL.author:
        problems.append(f"tag `{policy.APPROVAL.author_tag}`: policy.APPROVAL.author")
    if not run.data.params:
        problems.append("the model's parameters (mlflow.log_params)")
    if info.signature is None or info.saved_input_example_info is None:
        problems.append("an input example with the model (input_example=X.head(3)), which also records its signature")
    if info.flavors.get("python_function", {}).get("predict_fn") != "predict_proba":
        problems.append("pyfunc_predict_fn='predict_proba' in log_model, so that the served model returns churn "
                        "probabilities, not 0/1 labels")
    if problems:
        return partial(round(max(0.2, 1 - 0.2 * len(problems)), 2),
                       "The mitigated model is right. Fix " + "; ".join(problems) + ".")
    return correct("The mitigated recipe, trained from the function's arguments (also on the check's own months), "
                   "tracked with its data version, author, parameters, exam metrics and a served model that returns "
                   "probabilities.")


# --- 11.release --------------------------------------------------------------------------------------------------

COMPARISON_TAGS = ("promotion.champion_profit", "promotion.champion_auc")
"""The tags on a released version that record what the promotion rule compared it with: last sprint's champion's
exam profit and AUC."""


def _exams(increment, run_id: str) -> tuple[Evidence, Evidence, bool]:
    """The gate's evidence for the model of ``run_id`` and for last sprint's champion, on the same exam at the same
    threshold; and whether the gate passed the former."""
    import mlflow

    from ..validation import gate

    exam = capstone.gate_data()
    threshold = _threshold(increment)
    new = gate(mlflow.sklearn.load_model(f"runs:/{run_id}/model"), exam, policy.GATE, threshold)
    old = gate(mlflow.pyfunc.load_model(f"models:/{increment.name}/{increment.previous}"), exam, policy.GATE,
               threshold).evidence
    return new.evidence, old, new.passed


def _beats(new: Evidence, old: Evidence, rule: policy.PromotionRule) -> bool:
    return bool(new.profit - old.profit > rule.min_gain and new.auc + rule.max_auc_drop >= old.auc)


_STRICTER = policy.PromotionRule(min_gain=300.0, max_auc_drop=0.005)
"""Another promotion rule, only for the check's cases: a `beats` that ignores its `rule` argument fails them."""


def _exam(profit: float, auc: float) -> Evidence:
    return Evidence(auc=auc, threshold=0.3, profit=profit, baseline_profit=4000.0, customers=1100)


_BEATS_CASES = (
    ("a gain of €150 and a better AUC, under policy.PROMOTION", _exam(9150.0, 0.804), _exam(9000.0, 0.801),
     policy.PROMOTION),
    ("the same profit as the champion (a gain of exactly min_gain), under policy.PROMOTION", _exam(9000.0, 0.81),
     _exam(9000.0, 0.80), policy.PROMOTION),
    ("a profit below the champion's, under policy.PROMOTION", _exam(8850.0, 0.82), _exam(9000.0, 0.80),
     policy.PROMOTION),
    ("a gain of €900 with an AUC 0.03 below the champion's, under policy.PROMOTION", _exam(9900.0, 0.77),
     _exam(9000.0, 0.80), policy.PROMOTION),
    ("a gain of €500 with an AUC 0.01 below the champion's, under policy.PROMOTION", _exam(9500.0, 0.79),
     _exam(9000.0, 0.80), policy.PROMOTION),
    ("a gain of €280 under a rule asking for more than €300", _exam(9280.0, 0.81), _exam(9000.0, 0.80), _STRICTER),
    ("a gain of exactly €300 under a rule asking for more than €300", _exam(9300.0, 0.81), _exam(9000.0, 0.80),
     _STRICTER),
    ("a gain of €450 with an AUC 0.01 below, under a rule allowing a drop of 0.005", _exam(9450.0, 0.79),
     _exam(9000.0, 0.80), _STRICTER),
    ("a gain of €450 with an AUC 0.003 below, under a rule allowing a drop of 0.005", _exam(9450.0, 0.797),
     _exam(9000.0, 0.80), _STRICTER),
)
"""The promotion rule's cases: (what, the candidate's exam, the champion's exam, the rule)."""


def _beats_problem(beats, exam: Evidence, champion: Evidence, seed: int) -> str | None:
    """Why the student's ``beats(new, old, rule)`` is not the promotion rule, or None: it is tried on the cases above
    (a gain at and below ``min_gain``, an AUC drop within and above ``max_auc_drop``, under the governed rule and another
    one), moved by :func:`_shifted`, and on this release's own exam."""
    if not callable(beats):
        return "define `beats(new, old, rule)`, the promotion rule, and decide with it"
    cases = [*_shifted(_BEATS_CASES, seed), ("your model against last sprint's champion, under policy.PROMOTION", exam, champion,
                             policy.PROMOTION)]
    for what, new, old, rule in cases:
        got = beats(new, old, rule)
        if is_blank(got):
            return "`beats(new, old, rule)` returns nothing yet: return True or False"
        if not isinstance(got, (bool, np.bool_)):
            return f"`beats` returns True or False, not {type(got).__name__}"
        if bool(got) != _beats(new, old, rule):
            return (f"`beats` gets the case '{what}' wrong: the candidate must earn strictly more than `rule.min_gain` "
                    "above the champion's profit, and may rank at most `rule.max_auc_drop` (AUC) below it; read both "
                    "from `rule`")
    return None


_DECIDE_CASES = (
    ("a candidate that earns less than the champion, under policy.PROMOTION", True, _exam(8850.0, 0.82),
     _exam(9000.0, 0.80), policy.PROMOTION, False),
    ("a gain of €280 under a rule asking for more than €300", True, _exam(9280.0, 0.81), _exam(9000.0, 0.80),
     _STRICTER, False),
    ("a candidate that earns €900 more but failed the gate", False, _exam(9900.0, 0.81), _exam(9000.0, 0.80),
     policy.PROMOTION, False),
    ("a gain of €900 that ranks 0.05 (AUC) below the champion, under policy.PROMOTION", True, _exam(9900.0, 0.75),
     _exam(9000.0, 0.80), policy.PROMOTION, False),
    ("a gain of €450 with an AUC 0.003 below, under a rule allowing a drop of 0.005", True, _exam(9450.0, 0.797),
     _exam(9000.0, 0.80), _STRICTER, True),
)
"""The release decision's cases, each on a scratch registered model: (what, gate passed, the candidate's exam, the
champion's exam, the rule, whether the candidate must become champion)."""


def _shifted(cases: tuple, seed: int) -> list[tuple]:
    """``cases`` with every exam's profit moved by one whole number of euros and its AUC by one multiple of 0.001,
    both drawn from ``seed`` (:func:`~._guards.case_seed`, fresh for every check): the gains and AUC drops each case
    names stay exactly as they are, so every verdict stays, but no table of verdicts keyed on the numbers matches."""
    rng = np.random.default_rng(seed)
    profit, auc = float(rng.integers(-4_000, 6_001)), float(rng.integers(-60, 81)) / 1000

    def moved(value):
        if isinstance(value, Evidence):
            return _exam(value.profit + profit, round(value.auc + auc, 4))
        return value

    return [tuple(moved(value) for value in case) for case in cases]


@contextlib.contextmanager
def _scratch_release(passed: bool):
    """A scratch registered model, deleted afterwards: v1 the approved champion, v2 a candidate whose gate (passed or
    not), model card and author are on record. Yields its name."""
    from ..registry import client

    c, approval = client(), policy.APPROVAL
    name = f"lab11-check-{uuid.uuid4().hex[:8]}"
    chain = {approval.author_tag: approval.author, approval.card_tag: "2020-01-06T09:00:00+00:00"}
    c.create_registered_model(name)
    try:
        c.create_model_version(name, source="file:///lab11-check/not-a-model", tags={
            **chain, "gate": "passed", approval.approver_tag: approval.approver,
            approval.approved_at_tag: "2020-01-06T10:00:00+00:00"})
        c.create_model_version(name, source="file:///lab11-check/not-a-model",
                               tags={**chain, "gate": "passed" if passed else "failed"})
        c.set_registered_model_alias(name, "champion", "1")
        yield name
    finally:
        with contextlib.suppress(Exception):
            c.delete_registered_model(name)


@contextlib.contextmanager
def _only_on(name: str):
    """Within the block, validation.approve and validation.promote refuse any registered model but ``name``."""
    originals = {f: getattr(validation, f) for f in ("approve", "promote")}

    def confined(fn):
        def call(*args, **kwargs):
            target = inspect.signature(fn).bind(*args, **kwargs)
            target.apply_defaults()
            if target.arguments["name"] != name:
                raise ValueError(f"the check's case is the registered model it hands in as `name` ({name}), not "
                                 f"{target.arguments['name']!r}")
            return fn(*args, **kwargs)
        return call

    try:
        for f, fn in originals.items():
            setattr(validation, f, confined(fn))
        yield
    finally:
        for f, fn in originals.items():
            setattr(validation, f, fn)


def _decide_case(decide, what: str, passed: bool, new: Evidence, old: Evidence, rule, promote: bool) -> str | None:
    """Why ``decide(name, "2", decision, old, rule)`` on a scratch model does not end as ``promote`` says, or None."""
    from ..registry import alias_version, client

    approval = policy.APPROVAL
    decision = Decision(passed=passed, reasons=[], failed=[] if passed else ["fairness"], evidence=new,
                        policy=policy.GATE)
    with _scratch_release(passed) as name, _only_on(name):
        try:
            with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
                decide(name, "2", decision, old, rule)
        except Exception as err:  # noqa: BLE001 -- the student's code; its error is the feedback
            return f"`decide_and_promote` raised {type(err).__name__} in the case '{what}' ({str(err)[:200]})"
        serving, approver = alias_version("champion", name), client().get_model_version(name, "2").tags.get(
            approval.approver_tag)
    if promote and (serving != "2" or approver != approval.approver):
        return (f"in the case '{what}' the candidate must be approved by policy.APPROVAL.approver and become "
                f"champion, but yours left `champion` at v{serving} with approver {approver!r}; act on the `name` "
                "and `version` you are given")
    if not promote and (serving != "1" or approver):
        return (f"in the case '{what}' the champion must stay and nobody approves the candidate, but yours "
                + ("moved `champion`" if serving != "1" else f"recorded an approval by {approver}")
                + ": approve and promote only when the gate passed and `beats` says so under the `rule` given")
    return None


def _decide_problem(decide, increment, seed: int) -> str | None:
    """Why the student's ``decide_and_promote`` does not release as the gate and the rule say, or None: it runs on
    scratch registered models where the champion must stay (a weaker candidate, a stricter rule, a failed gate) and
    where it must go (the cases moved by :func:`_shifted`). The lab's own alias is put back if the function moved
    it."""
    from ..registry import alias_version, client

    if not callable(decide):
        return "define `decide_and_promote(name, version, decision, old, rule)` and release with it"
    serving = alias_version("champion", increment.name)
    problem = None
    for case in _shifted(_DECIDE_CASES, seed):
        problem = _decide_case(decide, *case)
        if problem:
            break
    if serving and alias_version("champion", increment.name) != serving:
        client().set_registered_model_alias(increment.name, "champion", serving)
        problem = problem or "in the check's cases `decide_and_promote` moved MODEL's alias: act on the `name` you are given"
    return problem


@exercise("11.release", points=3, title="Release, in the governed order")
def release(answer, increment=None, beats=None, decide_and_promote=None, **_):
    from mlflow.entities.model_registry import ModelVersion

    from ..registry import alias_version, client

    if not isinstance(answer, ModelVersion):
        return wrong("Give what mlflow.register_model returns (a ModelVersion), not "
                     f"{type(answer).__name__}.")
    c = client()
    if answer.name != getattr(increment, "name", None):
        return wrong(f"Register the model under the capstone's name, MODEL ({getattr(increment, 'name', '?')}).")
    mv = c.get_model_version(answer.name, answer.version)
    run = c.get_run(mv.run_id)
    if (run.data.tags.get("capstone.increment") != increment.id or run.data.tags.get("candidate") != "recipe"):
        return wrong("Register the model of your own training run: mlflow.register_model(f'runs:/{train_run}/model', "
                     "MODEL).")
    tags = mv.tags
    exam, champion, passed = _exams(increment, mv.run_id)
    promote = _beats(exam, champion, policy.PROMOTION)
    approval = policy.APPROVAL
    if tags.get("gate") != ("passed" if passed else "failed") or "gate.policy" not in tags:
        return wrong("Record the gate on the version with validation.record_gate(version, decision, name=MODEL), "
                     "the decision being validation.gate(model, gate, policy.GATE, threshold=threshold).")
    if json.loads(tags["gate.policy"]) != policy.GATE.as_dict():
        return wrong("The gate ran under another policy: use the governed one, policy.GATE.")
    seed = case_seed("11.release")
    rule_problem = _beats_problem(beats, exam, champion, seed)
    if rule_problem or not _recorded(tags, (float(champion.profit), float(champion.auc))):
        return partial(0.15, "Registered and gated. But the promotion rule is the heart of a release: " + (
            rule_problem or f"record the comparison on the version: last sprint's champion's exam profit and AUC "
                            f"as the tags {COMPARISON_TAGS[0]} and {COMPARISON_TAGS[1]}") + ".")
    decide_problem = _decide_problem(decide_and_promote, increment, seed)
    if decide_problem:
        return partial(0.25, "Registered, gated and compared. But the decision is the heart of a release: "
                       + decide_problem + ".")
    problems = []
    if tags.get(approval.author_tag) != approval.author:
        problems.append(f"tag the version with its author ({approval.author_tag}, copied from the run)")
    if not tags.get(approval.card_tag):
        problems.append("log the model card for the version (validation.log_model_card(..., version=...))")
    serving = alias_version("champion", increment.name)
    misplaced = f"the alias is at v{serving}: is that where the gate's and the promotion rule's verdicts put it?"
    if passed and promote:
        if tags.get(approval.approver_tag) != approval.approver:
            problems.append("the Product Owner approves it: validation.approve(..., policy.APPROVAL.approver, ...)"
                            if approval.approver_tag not in tags else
                            f"the approver is {approval.approver} (policy.APPROVAL.approver), not "
                            f"{tags[approval.approver_tag]}")
        elif tags.get(approval.approved_at_tag, "") < tags.get(approval.card_tag, "~"):
            problems.append("approve after the model card is logged, not before")
        if serving != str(mv.version):
            problems.append(misplaced)
        elif tags.get("replaces") != increment.previous:
            problems.append(f"promote with validation.promote, which records that it replaces v{increment.previous}")
    elif serving != increment.previous:
        problems.append(misplaced)
    if problems:
        return partial(round(max(0.25, 1 - 0.25 * len(problems)), 2), "Registered and gated. Now " +
                       "; ".join(problems) + ".")
    outcome = (f"approved by {approval.approver} and promoted: v{mv.version} replaces v{increment.previous}"
               if passed and promote else f"not promoted: v{increment.previous} stays champion")
    return correct(f"Registered, gated under policy.GATE, model card logged, {outcome}. On the check's own cases "
                   "your decide_and_promote kept the champion where it must stay and promoted where it should.")


def _recorded(tags: dict[str, str], figures: tuple[float, float]) -> bool:
    """Whether ``tags`` hold the champion's exam profit (to the euro) and AUC (to 1e-3) under COMPARISON_TAGS."""
    try:
        profit, auc = (float(tags[t]) for t in COMPARISON_TAGS)
    except (KeyError, ValueError):
        return False
    return abs(profit - figures[0]) < 1.0 and abs(auc - figures[1]) < 1e-3


# --- 11.review_kpis ----------------------------------------------------------------------------------------------

def _sprint_case(increment) -> tuple[pd.DataFrame, dict[str, float]]:
    """This sprint's history (sprint 6's done points from the evidence) and its model's training metrics."""
    from ..registry import client

    evidence = capstone.collect(increment)
    if not evidence.version:
        raise LookupError("no registered version of this increment's training run: exercises 11.2 and 11.3 first")
    metrics = dict(client().get_run(evidence.version["run_id"]).data.metrics)
    if "profit" not in metrics or "baseline_profit" not in metrics:
        raise LookupError("the sprint's model's training run records no `profit` and `baseline_profit` (exercise 11.2)")
    return capstone.history_by_evidence(capstone.sprints(), evidence), metrics


def _other_team(seed: int) -> tuple[pd.DataFrame, dict[str, float]]:
    """Another team's sprint review: six sprints, and a model whose campaign earns more than the best no-model policy,
    which earns something too; drawn from ``seed`` (:func:`~._guards.case_seed`, fresh for every check: no KPIs typed
    in match it). Drawn again until the common mistakes give other numbers: every sprint's velocity, the mean of the
    per-sprint ratios and the whole-history reliability each off the KPI by more than the rounding allowed."""
    rng = np.random.default_rng(seed)
    while True:
        committed = rng.integers(10, 31, 6)
        done = np.maximum(committed - rng.integers(0, 13, 6), 3)
        history = pd.DataFrame({"sprint": range(1, 7), "committed": committed.tolist(),
                                "done": done.tolist()}).set_index("sprint")
        last = history.tail(3)
        reliability = last["done"].sum() / last["committed"].sum()
        if (abs(history["done"].mean() - last["done"].mean()) > 4 * _KPI_TOLERANCE["velocity"]
                and abs((last["done"] / last["committed"]).mean() - reliability) > 2 * _KPI_TOLERANCE["commitment_reliability"]
                and abs(history["done"].sum() / history["committed"].sum() - reliability)
                > 2 * _KPI_TOLERANCE["commitment_reliability"]):
            break
    baseline = round(float(rng.uniform(800, 3_000)), 2)
    return history, {"auc": round(float(rng.uniform(0.72, 0.86)), 3), "baseline_profit": baseline,
                     "profit": round(baseline + float(rng.uniform(1_000, 6_000)), 2)}


def _kpis(history: pd.DataFrame, metrics: dict[str, float]) -> dict[str, float]:
    last = history.tail(3)
    return {"velocity": float(last["done"].mean()),
            "commitment_reliability": float(last["done"].sum() / last["committed"].sum()),
            "profit_uplift": float(metrics["profit"] - metrics["baseline_profit"])}


def _slips(history: pd.DataFrame, metrics: dict[str, float]) -> dict[str, list[tuple[float, str]]]:
    last = history.tail(3)
    return {
        "velocity": [(float(history["done"].mean()), "velocity: use only the last three sprints (`.tail(3)`)"),
                     (float(last["committed"].mean()), "velocity counts the points *done*, not the points committed"),
                     (float(round(last["done"].mean())), "velocity: yours looks rounded to whole points; keep a "
                                                         "decimal")],
        "commitment_reliability": [
            (float((last["done"] / last["committed"]).mean()), "commitment_reliability: divide the *total* done by the "
             "*total* committed; the mean of per-sprint ratios over-weights small sprints"),
            (float(100 * last["done"].sum() / last["committed"].sum()),
             "commitment_reliability: give a share (e.g. 0.75), not a percentage"),
            (float(history["done"].sum() / history["committed"].sum()),
             "commitment_reliability: over the last three sprints only, like the velocity")],
        "profit_uplift": [(float(metrics["profit"]), "profit_uplift: subtract what no model earns on the same "
                                                       "customers (`baseline_profit`); here it is not zero")],
    }


_KPI_HINTS = {
    "velocity": "velocity is the mean of the points *done* in the last three sprints of `history`",
    "commitment_reliability": "commitment reliability is the total done / the total committed over the last three "
                              "sprints (a share between 0 and 1, not a percentage)",
    "profit_uplift": "profit uplift: the model's `profit` minus what no model earns on the same customers "
                     "(`baseline_profit`), both from `metrics`",
}

_KPI_TOLERANCE = {"velocity": 0.05, "commitment_reliability": 0.005, "profit_uplift": 0.5}
"""How far a KPI may be from the check's: the velocity rounded to one decimal (as the review's message shows it), the
reliability to two, the uplift to the euro."""

_SCRUM_KPIS = ("velocity", "commitment_reliability", "forecast_capacity")
"""Lab 02's KPI functions in :mod:`mlopslab.scrum`: they do 11.4's arithmetic, so they are not the answer."""


def _kpi_call(answer, history: pd.DataFrame, metrics: dict[str, float]):
    """``answer(history, metrics)`` with lab 02's KPI functions switched off: one the student refers to (by name, a
    default argument, a saved reference) or reaches at run time raises :class:`Forbidden`."""
    used = references(answer, {f"scrum.{name}": getattr(scrum, name) for name in _SCRUM_KPIS})
    if used:
        raise Forbidden(used[0])
    with without(scrum, list(_SCRUM_KPIS)):
        return answer(history.copy(), dict(metrics))


@exercise("11.review_kpis", points=2, title="The sprint-review KPIs")
def review_kpis(answer, increment=None, **_):
    if not callable(answer):
        return wrong("Define a function `sprint_kpis(history, metrics)` that returns a dict with the keys "
                     '"velocity", "commitment_reliability" and "profit_uplift".')
    other = ("another team", *_other_team(case_seed("11.review_kpis")))
    try:
        if is_blank(_kpi_call(answer, other[1], other[2])):
            raise NotAnswered
        try:
            cases = [("this sprint", *_sprint_case(increment)), other]
        except LookupError as err:
            return wrong(str(err).capitalize() + ".")
        expected = [(_kpis(history, metrics), _slips(history, metrics)) for _, history, metrics in cases]
        results = [_kpi_call(answer, history, metrics) for _, history, metrics in cases]
    except Forbidden as err:
        return wrong(f"Your function calls {err.name}: that is lab 02's package doing the arithmetic. Compute "
                     "the KPIs with pandas, from `history` and `metrics`.")
    hints, right = [], set(_KPI_HINTS)
    for (who, _, _), got, (want, slips) in zip(cases, results, expected):
        if not isinstance(got, dict):
            return wrong(f"For {who}'s sprints your function returns {type(got).__name__}, not a dict.")
        for key in _KPI_HINTS:
            given = got.get(key)
            tolerance = _KPI_TOLERANCE[key]
            if _number(given) and abs(given - want[key]) <= tolerance:
                continue
            right.discard(key)
            slip = next((hint for value, hint in slips[key] if _number(given) and abs(given - value) <= tolerance),
                        None)
            hints.append(slip or _KPI_HINTS[key])
    if len(right) == 3:
        here = _kpis(cases[0][1], cases[0][2])
        return correct(f"Velocity {here['velocity']:.1f} points, reliability {here['commitment_reliability']:.0%}, "
                       f"and the sprint's model earns €{here['profit_uplift']:,.0f} more than no model on the exam; "
                       "right for another team's review too.")
    message = f"{len(right)} of 3 KPIs right on every review the check tried. " + hints[0] + "."
    return partial(len(right) / 3, message) if right else wrong(message)


# --- 11.judge ----------------------------------------------------------------------------------------------------

def _reference_inclusion(ev: mltestscore.Evidence) -> float:
    try:
        gate_policy = json.loads(ev.version.get("gate.policy", "{}"))
    except json.JSONDecodeError:
        return 0.0
    fairness = [r for r in str(ev.version.get("gate.reasons", "")).split("; ") if "[fairness]" in r]
    if gate_policy != policy.GATE.as_dict() or not fairness or not fairness[0].startswith("pass"):
        return 0.0
    return mltestscore.AUTOMATED if ev.unattended else mltestscore.MANUAL


def _evidence(rng: np.random.Generator, triggers: list[str], rule: policy.GatePolicy | None = None, gap: float = 0.0,
              auc_passed: bool = True, fairness: bool = True) -> mltestscore.Evidence:
    """A made-up increment's evidence: its runs' triggers, and the gate recorded on its version under ``rule`` (none
    when None): its policy, and the reasons of its rules for a drawn exam whose largest group gap is ``gap``, whose AUC
    meets the minimum when ``auc_passed`` and whose uplift does; the fairness rule's reason left out unless
    ``fairness``. The numbers, the gaps' groups, the version and the run ids are drawn."""
    runs = pd.DataFrame([{"run_id": rng.bytes(16).hex(), f"tags.{mltestscore.STEP_TAG}": step,
                          f"tags.{mltestscore.TRIGGER_TAG}": trigger}
                         for step, trigger in zip(("contract", "train", "score", "monitor"), triggers, strict=True)])
    number = int(rng.integers(2, 10))
    if rule is None:
        return mltestscore.Evidence(runs, {}, [str(v) for v in range(1, number)])
    customers, baseline = int(rng.integers(800, 3_000)), round(float(rng.uniform(0, 5_000)), 2)
    auc = rng.uniform(rule.min_auc + 0.005, 0.9) if auc_passed else rng.uniform(0.6, rule.min_auc - 0.005)
    worst, other = rng.permutation(list(rule.sensitive_features))[:2]
    exam = validation.Evidence(
        auc=round(float(auc), 4), threshold=round(float(rng.uniform(0.2, 0.6)), 3),
        profit=round(baseline + customers * float(rng.uniform(rule.min_uplift_per_customer + 0.5, 12)), 2),
        baseline_profit=baseline, customers=customers,
        fairness_gaps={str(worst): gap, str(other): round(gap * float(rng.uniform(0, 0.9)), 4)})
    decision = validation._decide(exam, rule)
    reasons = [r for r in decision.reasons if fairness or "[fairness]" not in r]
    passed = all(r.startswith("pass") for r in reasons)
    version = {"version": str(number), "gate": "passed" if passed else "failed",
               "gate.policy": json.dumps(rule.as_dict()), "gate.reasons": "; ".join(reasons)}
    return mltestscore.Evidence(runs, version, [str(v) for v in range(1, number + 1)])


_JUDGE_KINDS = (("governed rule passed, started by a person", 0.5), ("governed rule passed, run without a person", 1),
                ("governed rule passed, one step started by a person", 0.5), ("governed rule failed", 0),
                ("the gate failed on AUC, its fairness rule passed", 1),
                ("the gate failed on AUC, its fairness rule passed, started by a person", 0.5),
                ("the gate passed, but its record holds no fairness result", 0),
                ("a looser fairness limit passed", 0), ("a recall rule on the recorded labels passed", 0),
                ("no gate on record", 0))
"""The made-up increments of 11.judge and the points the rule gives each, in the order the check tried them when
they were fixed."""


def _judge_cases(increment, seed: int) -> list[tuple[str, mltestscore.Evidence]]:
    """The made-up increments of :data:`_JUDGE_KINDS`, drawn from ``seed`` (:func:`~._guards.case_seed`, fresh for
    every check): the gate's numbers and its groups' gaps (within the governed maximum, over it, or over it but within
    a drawn looser one), who started which step, and the order the check tries them in (never the old one, whose
    points a function could return call by call); then the increment's own evidence."""
    rng = np.random.default_rng(seed)
    governed, limit = policy.GATE, policy.GATE.max_fairness_gap
    looser = policy.GatePolicy(max_fairness_gap=round(float(rng.uniform(limit + 0.05, 0.3)), 2))
    recall = policy.GatePolicy(fairness_metric="recall")

    def gap(low: float, high: float) -> float:
        return round(float(rng.uniform(low, high)), 3)

    def machine() -> list[str]:
        return [str(t) for t in rng.choice(mltestscore.UNATTENDED, 4)]

    def person(people: int) -> list[str]:
        steps = machine()
        for at in rng.choice(4, people, replace=False):
            steps[at] = "notebook"
        return steps

    evidence = [_evidence(rng, person(int(rng.integers(2, 5))), governed, gap(0.005, limit - 0.005)),
                _evidence(rng, machine(), governed, gap(0.005, limit - 0.005)),
                _evidence(rng, person(1), governed, gap(0.005, limit - 0.005)),
                _evidence(rng, machine(), governed, gap(limit + 0.005, 0.3)),
                _evidence(rng, machine(), governed, gap(0.005, limit - 0.005), auc_passed=False),
                _evidence(rng, person(int(rng.integers(1, 5))), governed, gap(0.005, limit - 0.005), auc_passed=False),
                _evidence(rng, machine(), governed, gap(0.005, limit - 0.005), fairness=False),
                _evidence(rng, machine(), looser, gap(limit + 0.005, looser.max_fairness_gap - 0.005)),
                _evidence(rng, person(int(rng.integers(1, 5))), recall, gap(0.005, limit - 0.005)),
                _evidence(rng, machine())]
    order = list(range(len(_JUDGE_KINDS)))
    while [_JUDGE_KINDS[i][1] for i in order] == [points for _, points in _JUDGE_KINDS]:
        order = [int(i) for i in rng.permutation(len(_JUDGE_KINDS))]
    cases = [(_JUDGE_KINDS[i][0], evidence[i]) for i in order]
    if increment is not None:
        cases.append(("your increment's evidence", capstone.collect(increment)))
    return cases


@exercise("11.judge", points=2, title="Write the rubric's inclusion rule (Model 7)")
def judge(answer, increment=None, **_):
    if not callable(answer):
        return wrong("Define a function `judge_inclusion(ev)` that returns 0, 0.5 or 1.")
    cases = _judge_cases(increment, case_seed("11.judge"))
    results = [answer(ev) for _, ev in cases]
    if all(is_blank(r) for r in results):
        raise NotAnswered
    missed = []
    for (what, ev), got in zip(cases, results):
        want = _reference_inclusion(ev)
        if not _number(got) or got not in (0, 0.5, 1):
            return wrong(f"Case '{what}': return 0, 0.5 or 1 (a number), not {got!r}.")
        if abs(got - want) > 1e-9:
            missed.append(f"case '{what}': {got:g} points, but the rule gives {want:g}")
    if not missed:
        return correct("Inclusion is credited from evidence: the fairness result under the governed rule (not the "
                       "gate's overall verdict), and a full point only when no person had to start the pipeline.")
    hint = (missed[0] + ". Model 7 asks whether inclusion was tested: read the fairness rule's own result, under "
            "the governed policy, not the gate's overall verdict; then who started the pipeline decides ½ or 1.")
    # one case missed can be a slip; two or more means a part of the rule is missing
    return partial(0.5, hint) if len(missed) == 1 else wrong(f"{len(missed)} of {len(cases)} cases wrong; " + hint)


# --- 11.next_sprint ----------------------------------------------------------------------------------------------

@lru_cache(maxsize=8)
def _best(card_key: tuple, capacity: int) -> float:
    card = pd.DataFrame(list(card_key), columns=["test", "section", "points", "kind"]).set_index("test")
    must = capstone.improvement(capstone.MUST_HAVE)
    others = [s for s in capstone.IMPROVEMENTS if s.id != must.id]
    best = mltestscore.final_score(mltestscore.after_stories(card, [must]))
    for k in range(1, len(others) + 1):
        for combo in combinations(others, k):
            if must.points + sum(s.points for s in combo) > capacity:
                continue
            best = max(best, mltestscore.final_score(mltestscore.after_stories(card, [must, *combo])))
    return best


def _planning(increment) -> tuple[pd.DataFrame, int]:
    evidence = capstone.collect(increment)
    card = mltestscore.scorecard(evidence, judges={"Model 7": _reference_inclusion})
    capacity = scrum.forecast_capacity(capstone.history_by_evidence(capstone.sprints(), evidence))["expected"]
    return card, capacity


@exercise("11.next_sprint", points=3, title="Plan sprint 7 to climb")
def next_sprint(answer, increment=None, **_):
    if isinstance(answer, str) or not isinstance(answer, (list, tuple, set)):
        return wrong('Give a list of story ids, e.g. ["S35", "S31"].')
    ids = list(dict.fromkeys(str(a).strip().upper() for a in answer))
    known = {s.id for s in capstone.IMPROVEMENTS}
    unknown = [i for i in ids if i not in known]
    if unknown:
        return wrong(f"{', '.join(unknown)}: not in sprint 7's backlog; choose from {sorted(known)}.")
    card, capacity = _planning(increment)
    points = sum(capstone.improvement(i).points for i in ids)
    if points > capacity:
        return wrong(f"{points} points is over sprint 7's capacity of {capacity} (the forecast from the last three "
                     "sprints): drop a story.")
    if capstone.MUST_HAVE not in ids:
        return wrong(f"The Product Owner put {capstone.MUST_HAVE} (the review's top request) into sprint 7 first: "
                     "plan around it.")
    key = tuple(card.reset_index()[["test", "section", "points", "kind"]].itertuples(index=False, name=None))
    best = _best(key, capacity)
    now = mltestscore.final_score(card)
    after = mltestscore.final_score(capstone.after_stories(card, ids))
    weakest = mltestscore.section_scores(card).idxmin()
    if after >= best - 1e-9:
        return correct(f"{points} of {capacity} points; the final score goes from {now:g} to {after:g}, the most any "
                       f"plan with {capstone.MUST_HAVE} within capacity reaches ({mltestscore.band(after)[1]}).")
    if after > now:
        return partial(0.5, f"Within capacity, and the final score rises from {now:g} to {after:g}; other plans reach "
                            f"{best:g}. After your stories, which section is the weakest now? Lift that one.")
    return wrong(f"The final score stays at {now:g}: it is the minimum over the sections, and your stories do not "
                 f"lift the weakest one ({weakest}, {mltestscore.section_scores(card)[weakest]:g}).")


# --- 11.retrospective (written: scored by a person against this rubric) -------------------------------------------

written("11.retrospective", title="The capstone retrospective", criteria=[
    criterion("start", 2, "Something to start, with its evidence",
              full="A change in the way of working, tied to a fact of the capstone sprint (a blocker of the stand-up "
                   "log, a verdict of the review, a missing test of the scorecard)."),
    criterion("stop", 1, "Something to stop, with its evidence",
              full="A habit to drop, with the fact behind it (for instance a step that needs a person to start it)."),
    criterion("continue", 1, "Something to continue",
              full="A practice that worked, such as recording every verdict in the tracking store, and what shows it."),
    criterion("scorecard", 2, "What lifts the final ML Test Score most",
              full="The final score is the minimum over the sections: names the weakest section and the change that "
                   "lifts it (or every section at once), and why lifting a strong section changes nothing."),
])

seal(__name__)
