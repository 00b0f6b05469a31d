"""Checks of lab 01 (MLOps: what and why): the key features, a tracked run, an audit query, a maturity assessment.

The reference answers live here, under private names, and are recomputed from the data, the tracking store and
the governed policy; none of them is public in a course module.
"""

from __future__ import annotations

import re
from contextlib import contextmanager
from functools import lru_cache

from ..exercises import NotAnswered, correct, exercise, wrong
from ..maturity import KEY_FEATURES, QUESTIONS, assess, feature_named
from ..rubrics import criterion, written
from ._guards import seal

_PREVENTED_BY = {
    "model development": ("lost_experiment",),
    "monitoring": ("silent_price_rise",),
    "productionalization and deployment": ("model_by_email",),
    "iteration and lifecycle": ("trained_once",),
    "governance": ("who_signed", "phone_numbers"),
}
_SITUATIONS = {situation: feature for feature, keys in _PREVENTED_BY.items() for situation in keys}
"""Exercise 01.1: what went wrong -> the key feature that would have prevented it."""

_DYNAMO_HOLDS = ("metadata", "source_control", "pipeline_ci", "pipeline_cd", "serving_tests")
"""Exercise 01.4: the statements Dynamo's description makes true (the other five are false)."""

_LAB_RUN = "churn-logreg"
_CHALLENGER_RUN = "churn-logreg-recent"
_CLAIMS_APPROVAL = re.compile(r"approv(er|al|ed)", re.IGNORECASE)
"""A tag key that claims an approval (approved_by, approver, approval_note, ...)."""
_RECENT_FROM = "2025-07"
_CHALLENGER_C = 0.1


@exercise("01.practices", points=2, title="Which key feature was missing?")
def practices(answer, **_):
    if not isinstance(answer, dict) or not all(isinstance(v, str) for v in answer.values() if v is not ...):
        return wrong("Give a dict: situation -> the name of a key feature (a string).")
    unknown = sorted(set(answer) - set(_SITUATIONS))
    missing = sorted(set(_SITUATIONS) - set(answer))
    if unknown or missing:
        return wrong(f"Use exactly the six situation keys {list(_SITUATIONS)}"
                     + (f"; not {unknown}" if unknown else "") + (f"; missing {missing}" if missing else "") + ".")
    unnamed = sorted(k for k, v in answer.items() if v is ... or feature_named(v) is None)
    if unnamed:
        return wrong(f"For {unnamed} the answer does not name one key feature; use one of {list(KEY_FEATURES)}.")
    if all(feature_named(answer[k]) == feature for k, feature in _SITUATIONS.items()):
        return correct("All six right: each key feature is a question the team must be able to answer before "
                       "something goes wrong, not after.")
    return wrong("Not yet: at least one situation has the wrong key feature. For each one ask what the team lacked - "
                 "a repeatable experiment, eyes on production, a way to ship, a plan for the model's life, or "
                 "control over data and decisions.")


# --- 01.2: the student's own run ----------------------------------------------------------------------------------

def _recent_customers():
    from ..data import load_customers

    customers = load_customers()
    return customers[customers["month"] >= _RECENT_FROM]


def _holdout_auc(customers, C: float, test_size: float, seed: int) -> float:
    """The lab's training function, rebuilt here so that the check never trusts the notebook's copy."""
    from sklearn.compose import ColumnTransformer
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import roc_auc_score
    from sklearn.model_selection import train_test_split
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import OneHotEncoder, StandardScaler

    from ..data import FEATURES, TARGET

    numeric = ["SeniorCitizen", "tenure", "MonthlyCharges", "TotalCharges"]
    categorical = [c for c in FEATURES if c not in numeric]
    X, y = customers[FEATURES], customers[TARGET].eq("Yes").astype(int)
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=test_size, stratify=y, random_state=seed)
    prepare = ColumnTransformer([("numeric", StandardScaler(), numeric),
                                 ("categorical", OneHotEncoder(handle_unknown="ignore"), categorical)])
    model = make_pipeline(prepare, LogisticRegression(C=C, max_iter=1000))
    model.fit(X_train, y_train)
    return float(roc_auc_score(y_test, model.predict_proba(X_test)[:, 1]))


def _lab_run(user: str | None = None):
    """The newest run the lab's own section 4 made (``user``'s, when a class shares one tracking server), or None."""
    import mlflow

    from ..config import EXPERIMENT

    mine = f" and tags.`mlflow.user` = '{user}'" if user and "'" not in user else ""
    runs = mlflow.search_runs(experiment_names=[EXPERIMENT], output_format="list", max_results=1,
                              filter_string=f"attributes.run_name = '{_LAB_RUN}' and tags.lab = '01'{mine}",
                              order_by=["attributes.start_time DESC"])
    return runs[0] if runs else None


def _unfindable(run, lab_run) -> list[str]:
    """Why the lab's audit search (the course experiment, the run's name, the tag lab = "01") misses ``run``."""
    from mlflow.tracking import MlflowClient

    from ..config import EXPERIMENT

    why = []
    if run.info.experiment_id != lab_run.info.experiment_id:
        name = MlflowClient().get_experiment(run.info.experiment_id).name
        why.append(f"it is in the experiment {name!r}, not the course's {EXPERIMENT!r}")
    if run.info.run_name != _CHALLENGER_RUN:
        why.append(f"it is named {run.info.run_name!r}, not {_CHALLENGER_RUN!r}")
    if run.data.tags.get("lab") != "01":
        why.append("it lacks the tag lab = \"01\"")
    return why


@exercise("01.record_run", points=3, title="Record the challenger yourself")
def record_run(answer, **_):
    from mlflow.tracking import MlflowClient

    from ..lineage import TAG, data_version
    from ..policy import APPROVAL

    if not isinstance(answer, str) or not re.fullmatch(r"[0-9a-f]{32}", answer):
        return wrong("Give the id of your run, challenger.info.run_id: a string of 32 hexadecimal digits.")
    try:
        run = MlflowClient().get_run(answer)
    except Exception:  # noqa: BLE001 -- any lookup failure means: no such run here
        return wrong("The tracking store has no run with this id: give the id of the run your cell started.")
    lab_run = _lab_run(run.data.tags.get("mlflow.user"))  # a classmate's section 4 on a shared server is not yours
    if lab_run is None:
        return wrong("The tracking store holds no run of section 4 yet: run the cells of section 4 first.")
    if run.info.run_id == lab_run.info.run_id or run.info.start_time <= lab_run.info.start_time:
        return wrong("That is the lab's own run (or older than it): start a new run for the challenger in your cell.")
    params, tags, metrics = run.data.params, run.data.tags, run.data.metrics
    unfindable = _unfindable(run, lab_run)
    if unfindable:
        return wrong(f"An audit search like section 4's cannot find this run: {'; '.join(unfindable)}. Start it "
                     "the way section 4 starts its own: mlflow.start_run(run_name=..., tags=...) with the name and "
                     "the tag the exercise gives.")
    missing = [k for k in lab_run.data.params if k not in params]
    if missing:
        return wrong(f"The run lacks the parameter(s) {missing}: log the same four parameters as `params`.")
    try:
        c_value = float(params["C"])
    except ValueError:
        c_value = float("nan")
    if c_value != _CHALLENGER_C:
        return wrong(f"The run's parameter C is {params['C']}; the challenger uses C=0.1.")
    other = [k for k in lab_run.data.params if k != "C" and params[k] != lab_run.data.params[k]]
    if other:
        return wrong(f"The parameter(s) {other} differ from the lab's run: only C changes for the challenger.")
    recent_version = data_version(_recent_customers())
    if TAG not in tags:
        return wrong(f"The run has no data version: tag it under lineage.TAG ('{TAG}') with "
                     "lineage.data_version(...) of the rows it was trained on.")
    if tags[TAG] == lab_run.data.tags.get(TAG):
        return wrong("That data version is the whole file's; the challenger learned from the recent half-year only. "
                     "Tag lineage.data_version(recent).")
    if tags[TAG] != recent_version:
        return wrong("The data version does not match the customers observed in 2025-07 or later: filter "
                     "customers['month'] >= '2025-07' and tag lineage.data_version of exactly those rows.")
    if tags.get("code_version") != lab_run.data.tags.get("code_version"):
        return wrong("The code version is missing or not the training function's: the same function trained both "
                     "models, so tag the same code_version as section 4.")
    if tags.get(APPROVAL.author_tag) != APPROVAL.author:
        return wrong(f"Say who trained it: the tag '{APPROVAL.author_tag}' (policy.APPROVAL.author_tag) should be "
                     f"the {APPROVAL.author_role}, {APPROVAL.author} (policy.APPROVAL.author).")
    claims = sorted(k for k in tags if k == APPROVAL.approver_tag or _CLAIMS_APPROVAL.search(k))
    if claims:
        return wrong(f"The run carries an approval ({', '.join(repr(k) for k in claims)}). Approval is the Business "
                     "Analyst's step after a review, and nobody approves their own model (policy.APPROVAL): leave "
                     "every approval tag out of the author's record.")
    if "roc_auc_holdout" not in metrics:
        return wrong("The run has no metric roc_auc_holdout: log the hold-out AUC that train_churn_model returned.")
    expected_auc = _holdout_auc(_recent_customers(), _CHALLENGER_C, float(params["test_size"]), int(params["seed"]))
    if abs(metrics["roc_auc_holdout"] - expected_auc) > 1e-6:
        return wrong("The logged roc_auc_holdout is not the challenger's hold-out AUC: train with "
                     "train_churn_model(recent, C=0.1) inside the run and log the AUC it returns.")
    approved_auc = lab_run.data.metrics.get("roc_auc_holdout", float("nan"))
    return correct(f"Complete: the challenger's record answers the audit questions. Its hold-out AUC is "
                   f"{expected_auc:.3f} (the approved model's: {approved_auc:.3f}), on data version "
                   f"{recent_version[:12]}; now the Business Analyst has something to review.")


# --- 01.3: the audit query -----------------------------------------------------------------------------------------

@lru_cache(maxsize=2)
def _recent_version(today: str) -> str:
    """The data version of the recent half-year of the customers file whose own version is ``today`` (hashing the
    frame takes 20 ms; the shortcut probe asks hundreds of times)."""
    from ..lineage import data_version

    return data_version(_recent_customers())


def _approvers(version: str) -> list[str]:
    import mlflow

    from ..config import EXPERIMENT
    from ..lineage import TAG
    from ..policy import APPROVAL

    runs = mlflow.search_runs(experiment_names=[EXPERIMENT], filter_string=f"tags.{TAG} = '{version}'")
    column = f"tags.{APPROVAL.approver_tag}"
    if column not in runs.columns:
        return []
    return sorted(set(runs[column].dropna()))


def _as_list(got):
    """The names of an array, Series or Index as a list (`.unique()` without `list(...)` is the same answer)."""
    import numpy as np
    import pandas as pd

    if isinstance(got, (np.ndarray, pd.api.extensions.ExtensionArray, pd.Series, pd.Index)):
        return [None if pd.isna(g) else g for g in got.tolist()]
    return got


def _misread(answer, name: str, version: str) -> tuple[str | None, list]:
    """``answer(version)`` as a list of names, or a hint why it is none (it raised, or returned something else)."""
    try:
        got = answer(version)
    except Exception as err:  # noqa: BLE001 -- a student's function may raise anything; say which case
        why = ("a search that finds no approved run returns a table without the column 'tags.approved_by': "
               "return [] then" if isinstance(err, KeyError) else
               "a run without an approver leaves 'tags.approved_by' empty (NaN): drop those with .dropna()")
        return f"who_approved(<{name}>) raised {type(err).__name__}: {err}. Note that {why}.", []
    if got is None:
        raise NotAnswered
    got = _as_list(got)
    if not isinstance(got, list):
        return (f"who_approved(<{name}>) returned a {type(got).__name__}; return a list of names (sorted(...) of the "
                "distinct values gives one)."), []
    if not all(isinstance(g, str) for g in got):
        return (f"who_approved(<{name}>) returned a list with something other than names in it: a run without an "
                "approver leaves 'tags.approved_by' empty (NaN); drop those with .dropna()."), []
    return None, got


@exercise("01.who_approved", points=2, title="Answer an audit question from the record")
def who_approved(answer, **_):
    from ..data import data_dir
    from ..lineage import data_version

    if not callable(answer):
        return wrong("Define a function `who_approved(version)` that returns a list of names.")
    today = data_version(data_dir() / "customers.csv")
    expected_today = _approvers(today)
    if not expected_today:
        return wrong("The tracking store holds no approved run of today's data yet: run the cells of section 4 first.")
    cases = [("today's data version", today), ("the recent half-year's data version", _recent_version(today)),
             ("a made-up data version", "0" * 64)]
    for name, version in cases:
        hint, got = _misread(answer, name, version)
        if hint:
            return wrong(hint)
        if sorted(set(got)) != _approvers(version):
            return wrong(f"who_approved(<{name}>) returned {sorted(set(got))}, but the record says otherwise. Search "
                         f"with mlflow.search_runs(filter_string=...) on the tag lineage.TAG and read the column "
                         "'tags.approved_by' of the runs found.")
    with _scratch_approvals() as (version, expected):
        hint, got = _misread(answer, "a data version only the store holds", version)
    if hint:
        return wrong(hint)
    if sorted(set(got)) != expected:
        return wrong("Right for the lab's data versions, but not for runs that only the store holds (the check logged "
                     "them just now under a new data version, with approvers nobody knew, and deleted them "
                     f"afterwards): your function gave {got!r}. Read the approvers from the runs found, not from "
                     "what the lab printed.")
    return correct(f"Right: models of today's data were approved by {' and '.join(expected_today)}, and your "
                   "answer comes from the record, filtered by the data version, not from memory.")


@contextmanager
def _scratch_approvals():
    """Three runs of a fresh data version in the course experiment, two approved by made-up people and one not,
    deleted after the block. Yields the version and its sorted approvers."""
    import secrets

    from mlflow import MlflowClient

    from ..config import EXPERIMENT
    from ..lineage import TAG
    from ..policy import APPROVAL

    client = MlflowClient()
    experiment = client.get_experiment_by_name(EXPERIMENT)
    version = secrets.token_hex(32)
    approvers = sorted(f"auditor-{secrets.token_hex(3)}@telconova.example" for _ in range(2))
    logged = []
    try:
        for approver in [*approvers, None]:
            tags = {TAG: version, "logged_by": "mlopslab.checks.lab01 (deleted after the check)"}
            if approver:
                tags[APPROVAL.approver_tag] = approver
            run = client.create_run(experiment.experiment_id, tags=tags)
            logged.append(run.info.run_id)
            client.set_terminated(run.info.run_id)
        yield version, approvers
    finally:
        for run_id in logged:
            client.delete_run(run_id)


# --- 01.4: a team assessed by the student --------------------------------------------------------------------------

@exercise("01.assess_team", points=2, title="Assess a team yourself: Dynamo")
def assess_team(answer, **_):
    keys = [q.key for q in QUESTIONS]
    if not isinstance(answer, dict):
        return wrong(f"Give a dict: each of the ten statement keys {keys} -> True or False.")
    unknown, missing = sorted(set(answer) - set(keys)), [k for k in keys if k not in answer]
    if unknown or missing:
        return wrong("Use exactly the ten statement keys of the table"
                     + (f"; not {unknown}" if unknown else "") + (f"; missing {missing}" if missing else "") + ".")
    if not all(isinstance(v, bool) for v in answer.values()):
        return wrong("Each answer is True (the statement holds for Dynamo) or False.")
    if answer != {q.key: q.key in _DYNAMO_HOLDS for q in QUESTIONS}:
        return wrong("Not yet: at least one of the ten answers does not match Dynamo's description. Take the "
                     "description one bullet at a time; each settles one statement, the last one two.")
    result = assess(answer)
    level_1, level_2 = (round(5 * result.by_level[lvl]) for lvl in (1, 2))
    return correct(f"Right: Dynamo meets {level_2} of the 5 level-2 statements but only {level_1} of the 5 level-1 "
                   f"statements, so it is at level {result.level}. It automates how its code ships, not how its "
                   "models are retrained, validated and delivered: the levels build on each other.")


written("01.audit_answer", title="The answer to the auditor", criteria=[
    criterion("record", 2, "Answers from the record, not from memory",
              full="The data version (the fingerprint under `data_version`, and whether today's file still has it), "
                   "the logged parameters and the run's code version, each as the record states it."),
    criterion("accountability", 2, "Who trained it and who approved it, and why",
              full="The trainer and the approver from the run's tags, with the approval note; the approver is not "
                   "the author."),
    criterion("performance", 1, "Performance today against the hold-out",
              full="The latest month's AUC beside the hold-out AUC and the churn the model expected beside the churn "
                   "that happened, with what the difference means for the retention team."),
    criterion("limits", 1, "What the record cannot prove",
              full="One honest limit: a code version names the code without keeping it; a tag says who approved, "
                   "not that the approval was well founded."),
])

seal(__name__)
