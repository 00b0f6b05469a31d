"""The MLflow model registry, by alias: register a run's model, move aliases, load ``models:/churn@alias``.

Aliases arrived in MLflow 2.3 and the old "Staging/Production" stages were deprecated in MLflow 2.9; the course uses
the aliases ``challenger`` (under review) and ``champion`` (served).

:func:`ensure_champion` gives any lab the served model on an empty store, so no lab depends on another: lab 07's
**mitigated model** (:func:`mlopslab.trust.fit_mitigated` on the family :data:`REFERENCE_FAMILY`, the candidate lab
05's decision rule chooses), trained on lab 04's prepared data (:func:`prepared_reference`) and taken through the
whole approval chain of :data:`mlopslab.policy.APPROVAL` — logged with the prepared data's version
(:data:`mlopslab.lineage.TAG`), registered, gated with :data:`mlopslab.policy.GATE` at the governed threshold,
documented with a model card, approved by the Business Analyst (not its author), and only then pointed at by
``champion``.
"""

from __future__ import annotations

import os
from contextlib import contextmanager, suppress
from functools import lru_cache
from pathlib import Path

from .config import MODEL_NAME, SEED, ensure_tracking

REFERENCE_MARK = ("registered_by", "mlopslab.registry.ensure_champion")
"""The version tag (name, value) that marks the course's reference champion, so a lab can find it again (lab 10)."""
REHEARSAL_TAG = "rehearsal_of"
"""Tag of a version registered only to rehearse a redeploy (lab 08): the approved version it stands in for."""
SCRATCH_TAG = "check"
"""Tag of a version a check registers for the length of one call (08.contact_list moves the alias to it): with
:data:`REHEARSAL_TAG`, :func:`ensure_champion` deletes it should a kernel stop within the check."""
CHAMPION_RUN_NAME = "lr-mitigated"
"""The run name of the mitigated champion (lab 07 logs its own under the same name)."""
REFERENCE_FAMILY = "logistic_regression"
"""The candidate family (a key of :func:`mlopslab.development.candidate_models`) that lab 05's decision rule chooses
on the course's data: the model lab 06 validates, lab 07 mitigates and labs 08–11 serve. ``tests/unit/test_spine.py``
re-applies lab 05's rule to the shipped data and fails when it chooses another family (after ``mlopslab data
generate``, say)."""


def client():
    """An MlflowClient on the course tracking store (set up once per store: :func:`mlopslab.config.ensure_tracking`)."""
    from mlflow.tracking import MlflowClient

    return MlflowClient(tracking_uri=ensure_tracking())


def model_uri(alias: str = "champion", name: str = MODEL_NAME) -> str:
    """``models:/churn@champion`` and the like."""
    return f"models:/{name}@{alias}"


def register(run_id: str, alias: str | None = None, tags: dict[str, str] | None = None, name: str = MODEL_NAME) -> str:
    """Register the model logged under ``run_id``; optionally point ``alias`` at it; return the version."""
    import contextlib
    import io

    import mlflow

    ensure_tracking()
    with contextlib.redirect_stderr(io.StringIO()):  # MLflow prints "Successfully registered..." to stderr
        version = mlflow.register_model(f"runs:/{run_id}/model", name).version
    c = client()
    for key, value in (tags or {}).items():
        c.set_model_version_tag(name, version, key, value)
    if alias:
        c.set_registered_model_alias(name, alias, version)
    return str(version)


def alias_version(alias: str, name: str = MODEL_NAME) -> str | None:
    """The version an alias points at, or None if the alias (or the model) does not exist."""
    found = _aliased(alias, name)
    return None if found is None else str(found.version)


def _aliased(alias: str, name: str):
    """The model version an alias points at (with its tags), or None."""
    from mlflow.exceptions import MlflowException

    try:
        return client().get_model_version_by_alias(name, alias)
    except MlflowException:
        return None


def load(alias: str = "champion", name: str = MODEL_NAME):
    """The model behind an alias, as an MLflow pyfunc (``predict`` returns churn probabilities)."""
    import mlflow

    ensure_tracking()
    # suppress_warnings skips MLflow's environment-mismatch scan (seconds; the course venv is the model's own)
    return mlflow.pyfunc.load_model(model_uri(alias, name), suppress_warnings=True)


@lru_cache(maxsize=1)
def prepared_reference():
    """Lab 04's preparation of the 2025 customers (``preparation.prepare(data.load_customers(), seed=SEED)``), the
    data labs 05–07 and the champion train on; its ``version`` is the lineage tag their runs and versions carry.
    Computed once per process: treat it as read-only."""
    from .data import load_customers
    from .preparation import prepare

    return prepare(load_customers(), seed=SEED)


def reference_split():
    """The reference model's (train, test) frames: lab 04's prepared data (:func:`prepared_reference`), the 2025
    customers with the last three months held out (training rows shuffled with the course seed, as lab 04 does)."""
    prepared = prepared_reference()
    return prepared.train.copy(), prepared.test.copy()


def reference_estimator(seed: int = SEED):
    """A new, unfitted estimator of the reference family (:data:`REFERENCE_FAMILY`), exactly as lab 05 builds it."""
    from .development import candidate_models

    return candidate_models(seed)[REFERENCE_FAMILY]


def train_reference_model(seed: int = SEED):
    """Fit lab 05's candidate (:data:`REFERENCE_FAMILY` in lab 04's preparation pipeline, on the recorded 2025
    labels, no mitigation): the model lab 06 validates and lab 07 reviews. Returns the fitted pipeline and the
    (train, test) frames of :func:`reference_split`.
    """
    from .development import fit_candidate

    train, test = reference_split()
    pipeline = fit_candidate(reference_estimator(seed), train)
    return pipeline, train, test


@lru_cache(maxsize=1)
def train_champion():
    """Fit the mitigated model (:func:`mlopslab.trust.fit_mitigated` on :data:`REFERENCE_FAMILY`: reweighing over
    SeniorCitizen × gender, the two columns not model inputs) on the prepared training months, and its governed
    threshold.

    Returns (pipeline, threshold, train, test): the threshold is profit-optimal on the forward-chaining validation
    months of the training data (:data:`mlopslab.policy.THRESHOLD`), never on the test months. Computed once per
    process (a lab that registers the champion under two names trains it once): treat the results as read-only.
    """
    from .development import best_threshold
    from .trust import fit_mitigated
    from .validation import out_of_time_scores

    def fit(frame):
        return fit_mitigated(frame, reference_estimator())

    train, test = reference_split()
    validation_scores = out_of_time_scores(fit, train)
    threshold, _ = best_threshold(validation_scores["y"], validation_scores["score"])
    return fit(train), threshold, train, test


FAMILY_NAMES = {"LogisticRegression": "logistic regression", "HistGradientBoostingClassifier": "gradient boosting"}
"""Plain names of the candidate families' estimators, for model cards."""


def family_name(model) -> str:
    """The plain name of a fitted pipeline's estimator ("logistic regression", "gradient boosting", ...)."""
    if hasattr(model, "get_raw_model"):  # an MLflow pyfunc: the scikit-learn pipeline inside it
        model = model.get_raw_model()
    estimator = model.named_steps["model"] if hasattr(model, "named_steps") else model
    kind = type(estimator).__name__
    return FAMILY_NAMES.get(kind, kind)


def champion_card(decision, train, test, model, data_version: str, version: str, name: str = MODEL_NAME) -> str:
    """The model card of a model trained with the mitigated recipe (:func:`mlopslab.trust.fit_mitigated`), its
    figures taken from the gate's evidence and the ``test`` (gate) months, its family read from ``model``; labs 07
    and 11 and :func:`ensure_champion` log it before the approval."""
    import pandas as pd

    from .policy import APPROVAL, ECONOMICS, THRESHOLD
    from .preparation import split_xy
    from .scoring import churn_scores
    from .trust import SENSITIVE
    from .validation import markdown_table, metrics_by_group, model_card

    X_test, y_test = split_xy(test)
    scores = churn_scores(model, X_test)
    ev = decision.evidence
    by_group = pd.concat({f: metrics_by_group(y_test, scores, ev.threshold, X_test[f]) for f in SENSITIVE},
                         names=["feature", "group"])
    months = sorted(train["month"].unique())
    test_months = sorted(test["month"].unique())
    legacy = months[0] < "2026-01"  # 2025 churn labels come from the legacy retention process (lab 07's audit)
    labels = ("the churn labels of the legacy retention process" if legacy else
              "churn labels recorded from billing closures")
    family = family_name(model)
    return model_card({
        "Model details": f"{family.capitalize()} in a scikit-learn pipeline, trained with reweighing over "
                         f"SeniorCitizen x gender; SeniorCitizen and gender are not model inputs. Registered as "
                         f"{name} version {version}. Author: {APPROVAL.author} ({APPROVAL.author_role}).",
        "Intended use": "Rank consumer customers each month by their risk of churning, to choose who receives the "
                        f"€{ECONOMICS.offer_cost:g} retention offer (contact if score ≥ {ev.threshold:.2f}, tag "
                        f"{THRESHOLD.tag}), to plan the campaign, and to explain a score to a retention agent. Not for "
                        "pricing, refusing service, business accounts, or any use outside TelcoNova.",
        "Training data": f"{len(train):,} customers observed {months[0]} to {months[-1]} (data version "
                         f"{data_version[:12]}), with {labels}.",
        "Evaluation data": f"{len(test):,} customers observed {test_months[0]} to {test_months[-1]}, never used for "
                           "training or for choosing the threshold.",
        "Metrics": f"AUC {ev.auc:.3f}; campaign profit €{ev.profit:,.0f} at threshold {ev.threshold:.2f} against "
                   f"€{ev.baseline_profit:,.0f} for the best no-model policy (recorded labels).",
        "Metrics by group": markdown_table(by_group),
        "Limitations": ("The recorded 2025 labels count some plan downgrades as churn (lab 07's label audit), so "
                        "the scores overstate churn overall; read them as a ranking. " if legacy else "")
                       + f"Trained on {months[0]} to {months[-1]} behaviour: price changes or competitor offers will "
                         "shift it (monitoring, lab 09).",
        "Ethical considerations": "The legacy labels over-recorded churn for seniors and some women. Reweighing "
                                  "removes that dependence in training, and the model does not take age or gender as "
                                  "inputs; the gate checks the share contacted per group on every release.",
    }, title=f"{name} (mitigated {family})")


def reference_versions(name: str = MODEL_NAME) -> list[str]:
    """The versions of ``name`` that :func:`ensure_champion` registered (oldest first)."""
    key, value = REFERENCE_MARK
    found = [v for v in client().search_model_versions(f"name='{name}'") if v.tags.get(key) == value]
    return [str(v.version) for v in sorted(found, key=lambda v: int(v.version))]


def ensure_champion(name: str = MODEL_NAME) -> str:
    """Make sure ``name@champion`` exists in the current store; return its version.

    On a store without one, the mitigated model goes through the approval chain of ``policy.APPROVAL``: trained
    (:func:`train_champion`), logged with the version of the prepared data it was trained on (``lineage.TAG``,
    :func:`prepared_reference`; the raw file's version in the run tag ``source_data_version``, as lab 04's
    preparation record has it) and its author, registered, gated with
    ``policy.GATE`` at the governed threshold (``policy.THRESHOLD.tag``), documented with a model card, approved by
    ``policy.APPROVAL.approver`` and promoted. A few seconds; later calls return at once.
    """
    champion = _aliased("champion", name)
    if champion is not None:
        return _end_rehearsal(name, champion)
    with _store_lock(f"champion-{name}"):  # labs run side by side on one store: one builds, the others wait
        return alias_version("champion", name) or _build_champion(name)


def _end_rehearsal(name: str, champion) -> str:
    """The ``champion`` model version's number, or, when it is a redeploy rehearsal (lab 08 stopped before its
    rollback), the approved version it stood in for: the alias goes back there, and it says so."""
    version, rehearsed = str(champion.version), champion.tags.get(REHEARSAL_TAG)
    if not rehearsed:
        return version
    client().set_registered_model_alias(name, "champion", rehearsed)
    if SCRATCH_TAG in champion.tags:  # the 08.contact_list check's own version: its kernel stopped within the check
        with suppress(Exception):  # gone already: nothing to delete
            client().delete_model_version(name, version)
        print(f"{name}@champion pointed at version {version}, a scratch version of the 08.contact_list check (the "
              f"kernel stopped within the check): moved back to the approved version {rehearsed}; version {version} "
              "deleted")
        return rehearsed
    print(f"{name}@champion pointed at version {version}, lab 08's unapproved redeploy rehearsal (the lab stopped "
          f"before its rollback): moved back to the approved version {rehearsed}")
    return rehearsed


@contextmanager
def _store_lock(what: str):
    """An exclusive lock on ``what`` in the current tracking store, for the processes of this machine and user."""
    import fcntl
    import hashlib
    import tempfile

    key = hashlib.sha256(f"{ensure_tracking()}|{what}".encode()).hexdigest()[:16]
    with open(Path(tempfile.gettempdir()) / f"mlopslab-store-{os.getuid()}-{key}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield


def _build_champion(name: str) -> str:
    from importlib.metadata import version as package_version

    from . import lineage, validation
    from .development import log_run
    from .policy import APPROVAL, GATE

    pipeline, threshold, train, test = train_champion()
    decision = validation.gate(pipeline, test, GATE, threshold)
    if not decision.passed:
        raise RuntimeError(f"the course's mitigated champion fails the governed gate:\n{decision}")
    prepared = prepared_reference()  # lab 04's prepared data: one lineage from lab 04 to serving
    data_version = prepared.version
    run_id = log_run(pipeline, CHAMPION_RUN_NAME, train, test, data_version, threshold=threshold,
                     tags={APPROVAL.author_tag: APPROVAL.author, "mitigation": "reweighing over SeniorCitizen x gender; "
                           "SeniorCitizen and gender not model inputs", "trained_by": REFERENCE_MARK[1],
                           "source_data_version": prepared.source_version,  # the raw file lab 04 prepared it from
                           "code.package": f"mlopslab {package_version('mlopslab')}"})
    version = register(run_id, name=name, tags={APPROVAL.author_tag: APPROVAL.author, lineage.TAG: data_version,
                                                REFERENCE_MARK[0]: REFERENCE_MARK[1]})
    validation.record_gate(version, decision, name=name)
    validation.log_model_card(run_id, champion_card(decision, train, test, pipeline, data_version, version, name),
                              name=name, version=version)
    validation.approve(version, APPROVAL.approver, "passes the governed gate on the test months at the governed "
                       "threshold; model card reviewed; label bias mitigated (trustworthy-AI review)", name=name)
    validation.promote(version, name=name)
    return version


def reset_champion(name: str = MODEL_NAME) -> str:
    """Point ``name@champion`` back at the course's reference champion (registered if missing); return its version.

    Labs 10 and 11 promote on registered models of their own (``churn-lifecycle``, ``churn-capstone``); this puts
    the alias back where the course starts, so that a re-run of the lab on a used store starts from the same model.
    """
    version = ensure_champion(name)
    first = reference_versions(name)
    if first and first[0] != str(version):
        version = first[0]
        client().set_registered_model_alias(name, "champion", version)
    return str(version)
