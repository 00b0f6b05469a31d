"""The capstone (lab 11): one sprint that delivers the end-to-end increment, then an evidence-based ML Test Score.

The sprint (:func:`sprints`) continues lab 02's team history. The increment runs the whole pipeline through the
package, and every step leaves evidence in the tracking store, tagged with the increment's id:

    inc = start()                                    # churn-capstone@champion: last sprint's model
    results = check_data(inc, train, batch)          # the data contract, on the training data and the batch
    trained = train_candidates(inc, train, exam, v)  # baseline and candidates, tracked in MLflow
    version = register_and_promote(inc, trained, decision)
    scored = score_batch(inc, batch)                 # batch scoring by alias
    report = monitor(inc, train, batch, exam, last)  # drift, last month's performance, alert rules

:func:`collect` queries that evidence back from the store; :func:`scorecard` judges the 28 tests of the ML Test
Score (Breck et al., 2017) from it: 1 point for an automated check with a recorded verdict, 0.5 for a step done
or judged by a person, 0 without evidence. A section scores the sum of its tests; the final score is the minimum.
"""

from __future__ import annotations

import json
import tempfile
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from itertools import combinations
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.metrics import roc_auc_score

from . import continuous, data, deployment, development, monitoring, provisioning, registry, scrum, validation
from .config import EXPERIMENT, SEED, setup_tracking
from .preparation import split_xy

MODEL = "churn-capstone"
"""The capstone's registered model: its promotions never move the ``churn@champion`` other labs serve."""
EXAM_MONTH = "2026-01"
"""January's labels arrived this sprint: the candidates' exam, and last month's champion's report card."""
BATCH_MONTH = "2026-02"
"""February's batch: the one the increment scores."""
APPROVER = "business.analyst@telconova.example"
GATE_POLICY = continuous.GATE_POLICY
"""Lab 06's gate with the fairness limit widened for a one-month exam (as in lab 10)."""

# --- the sprint --------------------------------------------------------------------------------------------------

CAPACITY = 20
"""Sprints 1-5 (lab 02) were planned at 20 points."""
SPRINT = 6
SPRINT_GOAL = ("February's customers are scored end to end by a gated, approved model, and the team knows the same "
               "day whether the data or last month's model has drifted.")


def sprints() -> list[scrum.SprintResult]:
    """Lab 02's five sprints, then the capstone sprint, planned at the forecast ('yesterday's weather')."""
    history = scrum.history(scrum.run_sprints(SPRINT - 1, CAPACITY))
    capacities = [CAPACITY] * (SPRINT - 1) + [scrum.forecast_capacity(history)["expected"]]
    return scrum.run_sprints(SPRINT, capacities)


def done_before(results: Iterable[scrum.SprintResult]) -> list[str]:
    """Stories finished before the last sprint of ``results``."""
    results = list(results)
    return sorted({s for r in results[:-1] for s in r.done})


DEFINITION_OF_DONE: dict[str, str] = {
    "S20": "a PSI for every model input, for this batch, in the tracking store",
    "S21": "AUC and profit of last month's champion on the labels that arrived, in the tracking store",
    "S23": "the alert rules and their verdict, recorded with the monitoring run",
}
"""What the team must find in the store before a story of the capstone sprint counts as done."""


# --- the increment -----------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Increment:
    """One run of the pipeline: every run and version it makes carries its id (never printed)."""

    id: str
    name: str = MODEL
    previous: str = ""
    """The champion version before this increment (the rollback target)."""
    trigger: str = "notebook"
    """What started the pipeline: a person in a notebook; in production a scheduler or CI."""

    def tags(self, step: str) -> dict[str, str]:
        return {"capstone.increment": self.id, "capstone.step": step, "capstone.trigger": self.trigger}


def start(name: str = MODEL) -> Increment:
    """A new increment; ``name@champion`` is last sprint's model (the course reference, created if missing)."""
    return Increment(uuid.uuid4().hex, name, continuous.start_lifecycle(name))


def _log(inc: Increment, run_name: str, step: str, metrics: dict[str, float], tags: dict[str, str],
         documents: dict[str, dict] | None = None) -> str:
    import mlflow

    setup_tracking()
    with mlflow.start_run(run_name=run_name) as run:
        mlflow.set_tags({**inc.tags(step), **tags})
        mlflow.log_metrics({k: float(v) for k, v in metrics.items()})
        for file_name, document in (documents or {}).items():
            mlflow.log_dict(document, file_name)
        return run.info.run_id


def contract_rules(contract) -> list[str]:
    """The names of every rule of a pandera contract (column checks and row-level checks)."""
    names = {check.name for column in contract.columns.values() for check in column.checks}
    names |= {check.name for check in contract.checks}
    names |= {"unique" for column in contract.columns.values() if column.unique}
    return sorted(str(n) for n in names)


def check_data(inc: Increment, train: pd.DataFrame, batch: pd.DataFrame) -> dict[str, provisioning.ValidationResult]:
    """CI for data: lab 03's contract on the training data and the new batch, the verdicts logged as one run."""
    results = {"training data": provisioning.validate_batch(train), "batch": provisioning.validate_batch(batch)}
    contract = provisioning.customer_contract(labelled=True)
    metrics, tags = {}, {"contract.name": contract.name, "contract.rules": ",".join(contract_rules(contract)),
                         "catalog": str(provisioning.CATALOG_ENTRY["name"]),
                         "data_version": provisioning.data_version(train),
                         "batch_version": provisioning.data_version(batch)}
    for key, result in zip(("train", "batch"), results.values()):
        metrics.update({f"{key}.rows_in": result.rows_in, f"{key}.accepted": len(result.accepted),
                        f"{key}.quarantined": len(result.quarantined),
                        f"{key}.personal_data": int((result.violations["defect"] == "personal_data").sum())})
        tags[f"{key}.reconciles"] = str(result.reconciles)
    _log(inc, f"contract-{BATCH_MONTH}", "contract", metrics, tags,
         {"catalog.json": {k: v for k, v in provisioning.CATALOG_ENTRY.items()}})
    return results


def accepted_rows(frame: pd.DataFrame, result: provisioning.ValidationResult) -> pd.DataFrame:
    """The rows of ``frame`` the contract accepted, as they arrived; stops the line if the result does not reconcile."""
    if not result.reconciles:
        raise ValueError("the contract's result does not reconcile (in != accepted + quarantined): stop the line")
    return frame.loc[result.accepted.index].reset_index(drop=True)


def reconciliation(results: dict[str, provisioning.ValidationResult]) -> pd.DataFrame:
    """One row per checked data set: rows in, accepted, quarantined, reconciles."""
    return pd.DataFrame({name: r.reconciliation() for name, r in results.items()}).T


@dataclass
class Trained:
    """The candidates of an increment: fitted pipelines, their run ids, and the one with the best exam profit."""

    pipelines: dict[str, object]
    run_ids: dict[str, str]
    winner: str

    @property
    def pipeline(self):
        return self.pipelines[self.winner]

    @property
    def run_id(self) -> str:
        return self.run_ids[self.winner]


def train_candidates(inc: Increment, train: pd.DataFrame, exam: pd.DataFrame, data_version: str) -> Trained:
    """Fit the baseline and the candidates (lab 05), log each as a tracked run; only the winner logs its model."""
    from importlib.metadata import version as package_version

    pipelines = {name: development.fit_candidate(model, train)
                 for name, model in development.candidate_models(SEED).items()}
    profits = {name: development.evaluate(p, exam)["profit"] for name, p in pipelines.items()}
    winner = max(profits, key=lambda n: (profits[n], n))
    code = {"code.package": f"mlopslab {package_version('mlopslab')}",
            "mlflow.source.git.commit": validation.code_version()}
    run_ids = {name: development.log_run(pipeline, name, train, exam, data_version, log_model=name == winner,
                                         tags={**inc.tags("train"), **code, "candidate": name})
               for name, pipeline in pipelines.items()}
    return Trained(pipelines, run_ids, winner)


def tracked_runs(inc: Increment, step: str | None = None) -> pd.DataFrame:
    """The increment's runs, queried back from the tracking store (oldest first)."""
    import mlflow

    setup_tracking()
    query = f"tags.`capstone.increment` = '{inc.id}'" + (f" and tags.`capstone.step` = '{step}'" if step else "")
    runs = mlflow.search_runs(experiment_names=[EXPERIMENT], filter_string=query, order_by=["attributes.start_time"])
    return runs.reset_index(drop=True)


def register_and_promote(inc: Increment, trained: Trained, decision: validation.Decision,
                         approver: str = APPROVER, reason: str = "") -> str:
    """Register the winner as ``challenger``, record the gate, approve and promote it if it passed; the version.

    Promotion follows lab 06's rule (gate passed and approved) and records the version it ``replaces`` (lab 10),
    which is what makes a rollback one alias move. A failed gate leaves the champion where it was.
    """
    run = registry.client().get_run(trained.run_id)
    version = registry.register(trained.run_id, alias="challenger", name=inc.name,
                                tags={"capstone.increment": inc.id, "data_version": run.data.tags["data_version"]})
    validation.record_gate(version, decision, name=inc.name)
    if decision.passed:
        validation.approve(version, approver, reason or f"passes the gate on {EXAM_MONTH}; beats no model",
                           name=inc.name)
        continuous.promote(inc.name, version)
    return version


def score_batch(inc: Increment, batch: pd.DataFrame, folder: Path | str | None = None) -> pd.DataFrame:
    """Score the batch with ``champion`` (lab 08), check the scores are numbers in [0, 1], hand the list over."""
    c = registry.client()
    version = c.get_model_version_by_alias(inc.name, "champion")
    scored = deployment.score_batch(registry.load("champion", inc.name), batch)
    scores = scored["churn_probability"].to_numpy()
    stable = bool(np.isfinite(scores).all() and ((scores >= 0) & (scores <= 1)).all())
    if not stable:
        raise ValueError("the champion returned scores that are not probabilities: stop before marketing sees them")
    threshold = float(version.tags.get("gate.threshold", 0.5))
    path = deployment.write_scores(scored, folder or tempfile.mkdtemp(prefix="lab11-"))
    _log(inc, f"batch-scoring-{BATCH_MONTH}", "score",
         {"rows_scored": len(scored), "contacted": int((scores >= threshold).sum()), "scores_stable": float(stable)},
         {"model.version": str(version.version), "model.alias": "champion", "threshold": f"{threshold:.2f}",
          "batch_version": provisioning.data_version(batch), "retention_list": provisioning.data_version(path),
          "scores.check": "finite probabilities within [0, 1]"})
    return scored


@dataclass
class Report:
    """The monitoring check of the increment."""

    drift: pd.DataFrame
    """Per feature of the batch: PSI (and KS) against the training data, and the alert level."""
    prediction_psi: float
    performance: dict
    """Last month's champion on the labels that arrived: AUC, profit, worst segment..."""
    reference_auc: float
    alerts: list[str] = field(default_factory=list)


def monitor(inc: Increment, train: pd.DataFrame, batch: pd.DataFrame, exam: pd.DataFrame, last_champion,
            rules: monitoring.AlertRules = monitoring.AlertRules()) -> Report:
    """Lab 09's checks for the sprint: the batch's drift, and how last month's champion did once labels arrived."""
    drift = monitoring.feature_drift(train, batch, rules=rules)
    champion = registry.load("champion", inc.name)
    prediction_psi = monitoring.psi(monitoring.score(champion, exam), monitoring.score(champion, batch))
    trained_on, holdout = monitoring.champion_data()
    _, y_hold = split_xy(holdout)
    hold_scores = monitoring.score(last_champion, holdout)
    reference_auc = round(float(roc_auc_score(y_hold, hold_scores)), 4)
    threshold = development.best_threshold(y_hold, hold_scores)[0]
    _, y = split_xy(exam)
    perf = monitoring.performance(y, monitoring.score(last_champion, exam), threshold, exam[monitoring.SEGMENTS])
    alerts = [f"data: PSI {f} {v:.2f}" for f, v in drift.loc[drift["level"] == "alert", ["feature", "psi"]].values]
    if prediction_psi >= rules.prediction_psi_alert:
        alerts.append(f"prediction: PSI of the scores {prediction_psi:.2f}")
    if perf["auc"] < reference_auc - rules.auc_drop:
        alerts.append(f"performance: AUC {perf['auc']:.3f} below {reference_auc - rules.auc_drop:.3f}")
    if perf["segment_gap"] > rules.segment_gap:
        alerts.append(f"performance: churn under-predicted in {perf['worst_segment']}")
    age = _months_between(trained_on["month"].max(), EXAM_MONTH)
    metrics = {**{f"psi.{f}": v for f, v in drift.set_index("feature")["psi"].items()},
               "prediction_psi": round(prediction_psi, 4), "reference.auc": reference_auc,
               "online.auc": perf["auc"], "online.profit": perf["profit"], "segment_gap": perf["segment_gap"],
               "model_age_months": age, "alerts": len(alerts)}
    _log(inc, f"monitor-{BATCH_MONTH}", "monitor", metrics,
         {"alert_rules": json.dumps(rules.as_dict()), "verdict": "alert" if alerts else "ok",
          "alert_list": "; ".join(alerts) or "none", "labels_month": EXAM_MONTH, "batch_month": BATCH_MONTH})
    return Report(drift, round(prediction_psi, 4), perf, reference_auc, alerts)


def _months_between(first: str, last: str) -> int:
    return (int(last[:4]) - int(first[:4])) * 12 + int(last[5:7]) - int(first[5:7])


# --- the evidence, queried back ----------------------------------------------------------------------------------

@dataclass
class Evidence:
    """What the increment left in the tracking store and the registry."""

    runs: pd.DataFrame
    """The increment's runs (one row each; columns ``tags.*``, ``params.*``, ``metrics.*``)."""
    version: dict[str, str] = field(default_factory=dict)
    """The increment's registered version: its tags, plus ``version`` and ``aliases``."""
    versions: list[str] = field(default_factory=list)
    """Every version of the registered model."""
    signature: bool = False
    """Whether the registered model was logged with an input signature and an input example."""

    def step(self, name: str) -> dict:
        """The last run of a step as a flat dict (tags.*, params.*, metrics.*); empty if the step left no run."""
        rows = self.runs[self.runs.get("tags.capstone.step", pd.Series(dtype=str)) == name]
        return {k: v for k, v in rows.iloc[-1].items() if _present(v)} if len(rows) else {}

    def steps(self, name: str) -> pd.DataFrame:
        return self.runs[self.runs.get("tags.capstone.step", pd.Series(dtype=str)) == name]


def _present(value) -> bool:
    return value is not None and not (isinstance(value, float) and np.isnan(value))


def collect(inc: Increment) -> Evidence:
    """Query the increment's evidence back from the tracking store and the registry."""
    from mlflow.models import get_model_info

    c = registry.client()
    runs = tracked_runs(inc)
    mine = [v for v in c.search_model_versions(f"name='{inc.name}'") if v.tags.get("capstone.increment") == inc.id]
    version, signature = {}, False
    if mine:
        v = max(mine, key=lambda m: int(m.version))
        aliases = [a for a, n in c.get_registered_model(inc.name).aliases.items() if str(n) == str(v.version)]
        version = {**v.tags, "version": str(v.version), "run_id": v.run_id, "aliases": ",".join(sorted(aliases))}
        info = get_model_info(f"runs:/{v.run_id}/model")
        signature = info.signature is not None and info.saved_input_example_info is not None
    versions = [str(v.version) for v in c.search_model_versions(f"name='{inc.name}'")]
    return Evidence(runs, version, versions, signature)


def done_by_evidence(ev: Evidence) -> pd.DataFrame:
    """The capstone sprint's stories against their Definition of Done, judged from the monitoring run."""
    mon = ev.step("monitor")
    found = {
        "S20": all(f"metrics.psi.{f}" in mon for f in data.FEATURES),
        "S21": "metrics.online.auc" in mon and "metrics.online.profit" in mon,
        "S23": "tags.alert_rules" in mon and "tags.verdict" in mon,
    }
    return pd.DataFrame([{"story": sid, "definition of done": DEFINITION_OF_DONE[sid], "evidence found": ok}
                         for sid, ok in found.items()]).set_index("story")


# --- the ML Test Score -------------------------------------------------------------------------------------------

SECTIONS = ("Data", "Model", "Infrastructure", "Monitoring")
MANUAL, AUTOMATED = 0.5, 1.0
Verdict = tuple[float, str]


@dataclass(frozen=True)
class Test:
    """One test of the rubric: its section, number, wording, how it is judged, and how to climb."""

    section: str
    number: int
    text: str
    judge: Callable[[Evidence], Verdict]
    climb: str

    @property
    def id(self) -> str:
        return f"{self.section} {self.number}"


def _rules(ev: Evidence) -> list[str]:
    return str(ev.step("contract").get("tags.contract.rules", "")).split(",")


def _contract(ev: Evidence) -> Verdict:
    run = ev.step("contract")
    if run.get("tags.train.reconciles") == "True" and run.get("tags.batch.reconciles") == "True":
        return AUTOMATED, (f"contract ({len(_rules(ev))} rules) ran in the pipeline on the training data "
                           f"({run['metrics.train.rows_in']:.0f} in = {run['metrics.train.accepted']:.0f} accepted "
                           f"+ {run['metrics.train.quarantined']:.0f} quarantined) and on the batch "
                           f"({run['metrics.batch.rows_in']:.0f} = {run['metrics.batch.accepted']:.0f} "
                           f"+ {run['metrics.batch.quarantined']:.0f})")
    return 0.0, "no contract result in the store"


def _tagged(step: str, key: str, points: float, found: str, missing: str) -> Callable[[Evidence], Verdict]:
    """A judge: ``points`` when the step's last run carries ``key`` (a tag or metric), else 0."""
    def judge(ev: Evidence) -> Verdict:
        return (points, found) if key in ev.step(step) else (0.0, missing)
    return judge


def _catalog(ev: Evidence) -> Verdict:
    if "tags.catalog" in ev.step("contract"):
        return MANUAL, "the catalog entry (owner, allowed uses, protected attributes) is logged with the data; " \
                       "people wrote it and people check it"
    return 0.0, "no catalog entry logged with the data"


def _privacy(ev: Evidence) -> Verdict:
    run = ev.step("contract")
    if "no_personal_data" in _rules(ev) and "metrics.batch.personal_data" in run:
        found = run["metrics.train.personal_data"] + run["metrics.batch.personal_data"]
        return AUTOMATED, f"the contract's no_personal_data rule ran on both data sets ({found:.0f} violations)"
    return 0.0, "no automated personal-data rule in the recorded contract"


def _winner(ev: Evidence) -> dict:
    """The training run of the registered version (empty if none)."""
    runs = ev.steps("train")
    if "run_id" not in runs:
        return {}
    rows = runs[runs["run_id"] == ev.version.get("run_id")]
    return {k: v for k, v in rows.iloc[0].items() if _present(v)} if len(rows) else {}


def _review(ev: Evidence) -> Verdict:
    run = _winner(ev)
    if "tags.mlflow.source.git.commit" in run and "approved_by" in ev.version:
        return MANUAL, (f"code version recorded on the training run; reviewed and approved by a person "
                        f"({ev.version['approved_by']})")
    return 0.0, "no code version or no approval recorded"


def _offline_online(ev: Evidence) -> Verdict:
    mon = ev.step("monitor")
    if "metrics.online.auc" in mon and "metrics.reference.auc" in mon:
        return MANUAL, (f"last month's champion: offline AUC {mon['metrics.reference.auc']:.3f} (hold-out), online "
                        f"AUC {mon['metrics.online.auc']:.3f} and €{mon['metrics.online.profit']:,.0f} on real "
                        "outcomes; both recorded, compared by a person")
    return 0.0, "no online metric recorded next to the offline one"


def _tuning(ev: Evidence) -> Verdict:
    runs = ev.steps("train")
    if runs.empty or "params.model" not in runs:
        return 0.0, "no training runs"
    per_model = runs.groupby("params.model").size()
    if per_model.max() >= 5:
        return AUTOMATED, f"a sweep of {per_model.max()} runs of {per_model.idxmax()}"
    if per_model.max() >= 2:
        return MANUAL, f"{per_model.max()} settings of {per_model.idxmax()} tried by hand"
    return 0.0, (f"{len(per_model)} model types, each trained once with fixed settings: compared, not tuned")


def _staleness(ev: Evidence) -> Verdict:
    mon = ev.step("monitor")
    if "metrics.online.auc" in mon and "metrics.model_age_months" in mon:
        return MANUAL, (f"measured once: {mon['metrics.model_age_months']:.0f} months after its training data ends, "
                        f"the champion ranks with AUC {mon['metrics.online.auc']:.3f} "
                        f"(hold-out: {mon['metrics.reference.auc']:.3f})")
    return 0.0, "the effect of the model's age was never measured"


def _reason(ev: Evidence, rule: str) -> str:
    return next((r for r in str(ev.version.get("gate.reasons", "")).split("; ") if f"[{rule}]" in r), "")


def _simpler(ev: Evidence) -> Verdict:
    baseline = ev.steps("train")
    baseline = baseline[baseline.get("params.model", pd.Series(dtype=str)) == "DummyClassifier"]
    reason = _reason(ev, "uplift")
    if len(baseline) and reason.startswith("pass"):
        return AUTOMATED, f"baseline run logged; the gate's uplift rule: {reason.removeprefix('pass [uplift]: ')}"
    return (MANUAL, "a baseline run is logged, but no rule compares against it") if len(baseline) else \
        (0.0, "no baseline in this increment")


def _slices(ev: Evidence) -> Verdict:
    mon = ev.step("monitor")
    if "metrics.segment_gap" in mon and "segment_gap" in mon.get("tags.alert_rules", ""):
        return AUTOMATED, (f"the monitor checks calibration per segment (worst gap {mon['metrics.segment_gap']:.3f}, "
                           f"alert above {json.loads(mon['tags.alert_rules'])['segment_gap']:g})")
    return 0.0, "no per-segment quality check recorded"


def _fairness(ev: Evidence) -> Verdict:
    reason = _reason(ev, "fairness")
    if reason:
        return AUTOMATED, "the gate's fairness rule: " + reason.split("]: ", 1)[-1]
    return 0.0, "no fairness rule in the recorded gate"


def _reproducible(ev: Evidence) -> Verdict:
    run = _winner(ev)
    if run.get("tags.reproducibility") == "identical":
        return AUTOMATED, "the pipeline retrained and got identical predictions"
    if "tags.data_version" in run and "tags.mlflow.source.git.commit" in run and "params.random_state" in run:
        return MANUAL, "data version, code version and seed are recorded: a person could retrain and compare"
    return 0.0, "data version, code version or seed missing from the training run"


def _integration(ev: Evidence) -> Verdict:
    steps = set(ev.runs.get("tags.capstone.step", pd.Series(dtype=str)))
    needed = {"contract", "train", "score", "monitor"}
    if needed <= steps and ev.version:
        trigger = ev.step("monitor").get("tags.capstone.trigger", "")
        if trigger in ("ci", "schedule"):
            return AUTOMATED, f"the whole pipeline ran end to end, started by {trigger}"
        return MANUAL, f"the whole pipeline ran end to end on real data, started by a person ({trigger})"
    return 0.0, f"steps missing from the increment: {sorted(needed - steps)}"


def _gated(ev: Evidence) -> Verdict:
    if ev.version.get("gate") == "passed" and "champion" in ev.version.get("aliases", "").split(","):
        return AUTOMATED, f"version {ev.version['version']} serves as champion after the gate passed (tag gate=passed)"
    return 0.0, "the serving version has no passed gate on record"


def _debuggable(ev: Evidence) -> Verdict:
    if ev.signature:
        return MANUAL, "the model is logged with its signature and an input example: a person can load and probe it"
    return 0.0, "no signature or input example logged with the model"


def _rollback(ev: Evidence) -> Verdict:
    replaced = ev.version.get("replaces")
    if ev.version.get("rollback") == "rehearsed":
        return AUTOMATED, "a rollback is rehearsed automatically on every release"
    if replaced and replaced in ev.versions:
        return MANUAL, (f"version {ev.version['version']} records that it replaces version {replaced}, which is still "
                        "registered: a rollback is one alias move, but it was never rehearsed")
    return 0.0, "no record of the version to roll back to"


def _invariants(ev: Evidence) -> Verdict:
    points, text = _contract(ev)
    return (points, "the same contract checks training data and serving batch, in the pipeline") if points else \
        (0.0, text)


def _skew(ev: Evidence) -> Verdict:
    mon = ev.step("monitor")
    found = [f for f in data.FEATURES if f"metrics.psi.{f}" in mon]
    if len(found) == len(data.FEATURES) and "tags.alert_rules" in mon:
        worst = max(found, key=lambda f: mon[f"metrics.psi.{f}"])
        return AUTOMATED, (f"PSI of all {len(found)} inputs, serving batch vs training data, against alert rules "
                           f"(largest: {worst} {mon[f'metrics.psi.{worst}']:.3f})")
    return 0.0, "no training-vs-serving comparison of the inputs"


def _stale_alert(ev: Evidence) -> Verdict:
    mon = ev.step("monitor")
    rules = json.loads(mon.get("tags.alert_rules", "{}"))
    if "max_model_age_months" in rules:
        return AUTOMATED, "an alert rule on the model's age"
    if "metrics.model_age_months" in mon:
        return MANUAL, f"the model's age is recorded ({mon['metrics.model_age_months']:.0f} months), no rule on it"
    return 0.0, "the model's age is not recorded"


def _stable(ev: Evidence) -> Verdict:
    run = ev.step("score")
    if run.get("metrics.scores_stable") == 1.0:
        return AUTOMATED, f"every batch's scores are checked: {run['tags.scores.check']} ({run['metrics.rows_scored']:.0f} rows)"
    return 0.0, "no check of the scores' numerical sanity"


def _quality(ev: Evidence) -> Verdict:
    mon = ev.step("monitor")
    if "metrics.online.auc" in mon and "auc_drop" in mon.get("tags.alert_rules", ""):
        drop = json.loads(mon["tags.alert_rules"])["auc_drop"]
        return AUTOMATED, (f"last month's champion on the labels that arrived: AUC {mon['metrics.online.auc']:.3f}, "
                           f"alert below {mon['metrics.reference.auc'] - drop:.3f} (verdict: {mon['tags.verdict']})")
    return 0.0, "prediction quality on labelled production data is not measured"


def _absent(what: str) -> Callable[[Evidence], Verdict]:
    return lambda ev: (0.0, what)


TESTS: tuple[Test, ...] = (
    Test("Data", 1, "Feature expectations are captured in a schema", _contract,
         "keep it: the contract runs on every batch"),
    Test("Data", 2, "All features are beneficial", _tagged("train", "metrics.importance.min", AUTOMATED,
         "permutation importance of every feature is checked in each training run",
         "no record of what each feature contributes"), "log permutation importance per feature; fail CI on a "
         "feature that does not help (lab 07)"),
    Test("Data", 3, "No feature's cost is too much", _absent("nobody has weighed each feature's cost (latency, "
         "upkeep, data risk) against its value"), "review each feature's cost and value once a quarter"),
    Test("Data", 4, "Features adhere to meta-level requirements", _catalog,
         "check the catalog's rules (allowed uses, protected attributes) in code"),
    Test("Data", 5, "The data pipeline has appropriate privacy controls", _privacy,
         "keep it: the contract quarantines personal data"),
    Test("Data", 6, "New features can be added quickly", _absent("no record of how long adding a feature takes"),
         "a feature template with its tests, so that a new feature ships within a sprint"),
    Test("Data", 7, "All input feature code is tested", _tagged("contract", "metrics.tests.features", AUTOMATED,
         "unit tests of the feature code ran in CI", "no unit test of the feature code ran in this increment"),
         "unit-test the feature code in CI (lab 10)"),
    Test("Model", 1, "Model specs are reviewed and submitted", _review,
         "require a second reviewer on every change to the model code, enforced by the repository"),
    Test("Model", 2, "Offline and online metrics correlate", _offline_online,
         "track exam profit against realised profit for every release, automatically"),
    Test("Model", 3, "All hyperparameters have been tuned", _tuning, "log a hyperparameter sweep to MLflow"),
    Test("Model", 4, "The impact of model staleness is known", _staleness,
         "measure models of different ages on the same months (lab 10's static vs continuous)"),
    Test("Model", 5, "A simpler model is not better", _simpler, "keep it: the gate compares with no model"),
    Test("Model", 6, "Model quality is sufficient on important data slices", _slices,
         "keep it: the monitor checks every segment"),
    Test("Model", 7, "The model is tested for considerations of inclusion", _fairness,
         "keep it: the gate's fairness rule"),
    Test("Infrastructure", 1, "Training is reproducible", _reproducible,
         "retrain in the pipeline and compare predictions automatically"),
    Test("Infrastructure", 2, "Model specs are unit tested", _tagged("contract", "metrics.tests.model", AUTOMATED,
         "unit tests of the model pipeline ran in CI", "no unit test of the model pipeline ran in this increment"),
         "unit-test the model pipeline in CI (lab 10)"),
    Test("Infrastructure", 3, "The ML pipeline is integration tested", _integration,
         "let CI or a scheduler run the pipeline end to end on every change"),
    Test("Infrastructure", 4, "Model quality is validated before serving", _gated, "keep it: the gate"),
    Test("Infrastructure", 5, "The model is debuggable", _debuggable,
         "log explanations (lab 07) with every scored batch"),
    Test("Infrastructure", 6, "Models are canaried before serving", _absent("no canary or shadow run in the store"),
         "score a share of the batch with the challenger in shadow before promoting it"),
    Test("Infrastructure", 7, "Serving models can be rolled back", _rollback,
         "rehearse the rollback automatically on every release (lab 10)"),
    Test("Monitoring", 1, "Dependency changes result in notification", _absent(
         "nobody is told when a library or an upstream table changes"),
         "alert when a pinned dependency or an upstream schema changes"),
    Test("Monitoring", 2, "Data invariants hold for inputs", _invariants, "keep it: the contract, twice"),
    Test("Monitoring", 3, "Training and serving are not skewed", _skew, "keep it: PSI on every batch"),
    Test("Monitoring", 4, "Models are not too stale", _stale_alert, "alert when the champion is older than a limit"),
    Test("Monitoring", 5, "Models are numerically stable", _stable, "keep it: the scores are checked"),
    Test("Monitoring", 6, "Computing performance has not regressed", _absent(
         "no latency, throughput or memory figures recorded"),
         "record scoring time and memory per batch and alert on regressions (lab 08)"),
    Test("Monitoring", 7, "Prediction quality has not regressed", _quality, "keep it: AUC on every labelled month"),
)
"""The 28 tests of the ML Test Score (Breck et al., 2017), each with the evidence rule the capstone applies."""

LEVELS: tuple[tuple[float, str], ...] = (
    (0.0, "more of a research project than a productionized system"),
    (1.0, "not totally untested, but there may be serious holes in reliability"),
    (2.0, "a first pass at basic productionization; more investment may be needed"),
    (3.0, "reasonably tested, but more of the tests and procedures may be automated"),
    (5.0, "strong levels of automated testing and monitoring, appropriate for mission-critical systems"),
    (float("inf"), "exceptional levels of automated testing and monitoring"),
)
"""Breck et al.'s reading of the final score: (upper bound of the band, meaning); 0 is its own band."""


def test_by_id(test_id: str) -> Test:
    """The test "Data 1", "Monitoring 7", ...; KeyError naming the ids if absent."""
    found = {t.id: t for t in TESTS}
    if test_id not in found:
        raise KeyError(f"no test {test_id!r}; the tests are {list(found)}")
    return found[test_id]


def judge(test_id: str, ev: Evidence) -> float:
    """The points of one test, judged from the evidence."""
    return test_by_id(test_id).judge(ev)[0]


def scorecard(ev: Evidence) -> pd.DataFrame:
    """Every test judged from the evidence: points (0, 0.5, 1), how it is done, the evidence and how to climb."""
    rows = []
    for t in TESTS:
        points, evidence = t.judge(ev)
        how = "automated" if points == AUTOMATED else "by hand" if points == MANUAL else "not done"
        rows.append({"test": t.id, "section": t.section, "what": t.text, "points": points, "how": how,
                     "evidence": evidence, "to climb": "" if points == AUTOMATED else t.climb})
    return pd.DataFrame(rows).set_index("test")


def section_scores(card: pd.DataFrame) -> pd.Series:
    """The sum of points per section, in the rubric's order."""
    return card.groupby("section")["points"].sum().reindex(list(SECTIONS))


def final_score(card: pd.DataFrame) -> float:
    """The ML Test Score: the minimum of the four section scores."""
    return float(section_scores(card).min())


def level(score: float) -> tuple[int, str]:
    """The band of a final score (0 = a score of 0, 1 = (0, 1], ..., 5 = above 5) and what it means."""
    if score <= 0:
        return 0, LEVELS[0][1]
    band = next(i for i, (upper, _) in enumerate(LEVELS) if i > 0 and score <= upper)
    return band, LEVELS[band][1]


def next_level_target(score: float) -> float:
    """The score every section must exceed to reach the next band."""
    band, _ = level(score)
    return LEVELS[min(band, len(LEVELS) - 2)][0] if band else 0.0


# --- climbing: the next sprint's improvement stories ------------------------------------------------------------

IMPROVEMENTS: dict[str, tuple[scrum.Story, dict[str, float]]] = {
    s.id: (s, lifts) for s, lifts in [
        (scrum.Story("S25", "Data Scientist", "preparation", "As a Data Scientist, I want unit tests of the feature "
                     "code and the model pipeline in CI, so that a broken feature never reaches training.", 3, 6),
         {"Data 7": 1.0, "Infrastructure 2": 1.0}),
        (scrum.Story("S26", "Data Scientist", "development", "As a Data Scientist, I want permutation importance "
                     "checked in every training run, so that a feature that does not help is dropped.", 5, 4),
         {"Data 2": 1.0}),
        (scrum.Story("S27", "Data Engineer", "deployment", "As a Data Engineer, I want the challenger to score in "
                     "shadow before promotion, so that surprises show before customers are called.", 5, 5),
         {"Infrastructure 6": 1.0}),
        (scrum.Story("S28", "Data Engineer", "deployment", "As a Data Engineer, I want a rollback rehearsed on every "
                     "release, so that we know it works before we need it.", 2, 4),
         {"Infrastructure 7": 1.0}),
        (scrum.Story("S29", "Data Scientist", "development", "As a Data Scientist, I want the pipeline to retrain and "
                     "compare predictions, so that every model is proven reproducible.", 3, 3),
         {"Infrastructure 1": 1.0}),
        (scrum.Story("S30", "Data Scientist", "development", "As a Data Scientist, I want a hyperparameter sweep "
                     "logged to MLflow, so that we do not leave profit on the table.", 5, 5),
         {"Model 3": 1.0}),
        (scrum.Story("S31", "Data Engineer", "monitoring", "As a Data Engineer, I want an alert when a pinned "
                     "library or an upstream schema changes, so that nothing changes under the model unseen.", 2, 3),
         {"Monitoring 1": 1.0}),
        (scrum.Story("S32", "App Developer", "deployment", "As an App Developer, I want scoring time and memory "
                     "recorded per batch with an alert, so that the CRM never waits for scores.", 3, 3),
         {"Monitoring 6": 1.0}),
        (scrum.Story("S33", "Business Analyst", "preparation", "As a Business Analyst, I want each feature's cost "
                     "reviewed against its value, so that we stop paying for features that do not pay back.", 3, 2),
         {"Data 3": 0.5}),
    ]
}
"""Improvement stories for the next sprint: story, and the tests it lifts (test id -> new points)."""


def improvements_frame() -> pd.DataFrame:
    """The improvement stories as a table: persona, points, the tests they lift, the story."""
    return pd.DataFrame([{"id": s.id, "persona": s.persona, "points": s.points,
                          "lifts": ", ".join(f"{t} → {p:g}" for t, p in lifts.items()), "story": s.text}
                         for s, lifts in IMPROVEMENTS.values()]).set_index("id")


def what_if(card: pd.DataFrame, story_ids: Iterable[str]) -> pd.DataFrame:
    """The scorecard after the improvement stories are done (a test never loses points)."""
    out = card.copy()
    for sid in story_ids:
        if sid not in IMPROVEMENTS:
            raise KeyError(f"no improvement story {sid!r}; they are {list(IMPROVEMENTS)}")
        for test_id, points in IMPROVEMENTS[sid][1].items():
            out.loc[test_id, "points"] = max(out.loc[test_id, "points"], points)
    return out


def best_plans(card: pd.DataFrame, capacity: float) -> tuple[float, list[tuple[str, ...]]]:
    """The highest final score any set of improvement stories within ``capacity`` reaches, and the sets that do."""
    ids = list(IMPROVEMENTS)
    best, plans = final_score(card), [()]
    for k in range(1, len(ids) + 1):
        for combo in combinations(ids, k):
            if sum(IMPROVEMENTS[i][0].points for i in combo) > capacity:
                continue
            score = final_score(what_if(card, combo))
            if score > best + 1e-9:
                best, plans = score, [combo]
            elif abs(score - best) < 1e-9:
                plans.append(combo)
    return best, plans


# --- figures ------------------------------------------------------------------------------------------------------

def plot_scorecard(card: pd.DataFrame, title: str = "ML Test Score of the capstone increment"):
    """Left: the 28 tests (0 / 0.5 / 1); right: the section scores, the final score (their minimum) and the bands."""
    import matplotlib.pyplot as plt
    from matplotlib.colors import ListedColormap

    grid = np.array([[card.loc[f"{s} {n}", "points"] for n in range(1, 8)] for s in SECTIONS])
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 3.6), gridspec_kw={"width_ratios": [3, 2]})
    left.imshow(grid * 2, cmap=ListedColormap(["#d9534f", "#f0ad4e", "#5cb85c"]), vmin=0, vmax=2, aspect="auto")
    for (i, j), points in np.ndenumerate(grid):
        left.text(j, i, f"{points:g}", ha="center", va="center", fontsize=10, color="white", fontweight="bold")
    left.set_xticks(range(7), [f"test {n}" for n in range(1, 8)], fontsize=8)
    left.set_yticks(range(4), SECTIONS)
    left.set_title("each test: 0 not done · 0.5 by hand · 1 automated", fontsize=10)
    scores = section_scores(card)
    final = final_score(card)
    colours = ["#d9534f" if s == final else "#337ab7" for s in scores]
    right.barh(list(SECTIONS), scores.to_numpy(), color=colours)
    for y, s in enumerate(scores):
        right.text(s + 0.08, y, f"{s:g}", va="center", fontsize=9)
    for bound in (1, 2, 3, 5):
        right.axvline(bound, color="grey", ls=":", lw=1)
    right.axvline(final, color="#d9534f", ls="--", lw=1.5)
    right.text(final, -0.75, f"final = min = {final:g}", color="#d9534f", fontsize=8, ha="center")
    right.invert_yaxis()
    right.set_xlim(0, 7.5)
    right.set_ylim(3.6, -1.0)
    right.set_xlabel("section score (sum of its 7 tests)")
    right.text(7.4, 3.5, "dotted: band limits", ha="right", va="bottom", fontsize=7, color="grey")
    right.set_title("sections: the weakest one sets the score", fontsize=10)
    fig.suptitle(title)
    fig.tight_layout()
    return fig
