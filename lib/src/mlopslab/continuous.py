"""The 5 Cs of continuous ML (lab 10): the parts a monthly retraining loop is built from.

Lab 10 writes the loop itself, in the notebook: the retraining trigger, the promotion rule and the alias move are
the student's. This module keeps the parts the loop needs and that are not the lesson:

* :func:`labelled` — a month's batch joined with its churn labels (they arrive a month later);
* CI: :func:`ci_check` (the data contract of lab 03 on a batch) and :func:`run_code_checks` (pytest, in-process,
  run by :mod:`mlopslab._pytest_runner`);
* :func:`start_lifecycle` — the registered model's ``champion`` back at the governed champion, as a :class:`Candidate`
  whose reference AUC is lab 09's (the hold-out months' audited outcomes, :func:`mlopslab.monitoring.champion_data`);
* CM: :func:`monitor_month` — the month's alerts, under the governed alert rules (``policy.ALERTS``) and the governed
  fairness rule (``policy.GATE``), as lab 09's monitor raises them;
* CT: :func:`train_challenger` — the champion's own governed recipe (:data:`RECIPE`), retrained on given labelled
  months (:func:`plan_months` reads a trigger's plan, or says why the loop cannot follow it);
* CV: :func:`on_months` — AUC and campaign profit on the gate data, the numbers the promotion rule compares;
* CD and lineage: :func:`register_challenger` (run, model version and its lineage tags) and :func:`log_scoring`
  (which version scored which batch);
* :func:`lineage_table`, :func:`value_figure`, :func:`lineage_figure` — reading the year back.

The governed rules come from :mod:`mlopslab.policy`: the gate (``policy.GATE``), the alert rules
(``policy.ALERTS``) and the promotion rule (``policy.PROMOTION``); data versions from :mod:`mlopslab.lineage`.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from sklearn.metrics import roc_auc_score

from . import data, lineage, monitoring, policy
from ._pytest_runner import run_sources
from .development import expected_profit
from .preparation import frame_hash, split_xy

MONITORED = [*monitoring.KEY_FEATURES, *monitoring.SEGMENTS]
"""The features the loop's drift monitor watches: a few key ones, as teams do to avoid alert fatigue."""
RECIPE = ("the champion's own recipe, lab 05's logistic regression with lab 07's mitigation (reweighing over "
          "SeniorCitizen x gender, neither of them an input), on the newest labelled months")
"""How the loop trains a challenger: the champion's own governed recipe (:func:`mlopslab.trust.fit_mitigated` on
:func:`mlopslab.registry.reference_estimator`), so that a retrain changes the data, never the recipe or the inputs
(what the board's standing approval of routine retrains, :data:`mlopslab.policy.STANDING_APPROVAL`, covers)."""
START_TAG = "lifecycle.start"
"""Version tag of the governed champion a lifecycle starts from (so a re-run starts from it again)."""
PROMOTED_TAG = "promoted_in"
"""Version tag the loop writes when it promotes a version: the month it started to serve."""


@dataclass
class Candidate:
    """A model the loop can serve, with its lineage: what it was trained on, how it was validated, its version."""

    name: str
    pipeline: object
    """A fitted scikit-learn pipeline or an MLflow pyfunc model."""
    threshold: float
    """Its governed decision threshold: contact customers whose churn score is at least this."""
    reference: pd.DataFrame = field(repr=False)
    """The data it was trained on: the monitor's yardstick for data drift."""
    reference_auc: float
    """Its AUC on data it was not trained on, with the kind of labels production brings (real outcomes): the level the
    monitor compares production AUC with. The governed champion's is lab 09's, on the hold-out months' audited
    outcomes; a challenger's is on its gate months, 2026 outcomes recorded from billing closures."""
    train_months: list[str]
    gate_months: list[str] = field(default_factory=list)
    version: str = ""
    """Its registry version, once registered."""
    reference_on: str = ""
    """Where :attr:`reference_auc` was measured, in words."""

    @property
    def data_version(self) -> str:
        """The data version (:func:`mlopslab.lineage.data_version`) of its training data."""
        if "_data_version" not in self.__dict__:
            self.__dict__["_data_version"] = lineage.data_version(self.reference)
        return self.__dict__["_data_version"]

    def score(self, frame: pd.DataFrame) -> np.ndarray:
        """Churn scores for the customers of ``frame``.

        Remembered per content of ``frame``'s features (:func:`mlopslab.preparation.frame_hash`, a few ms against
        40-50 ms for the prediction): lab 10 scores the same model on the same month many times over (the loop, the
        value of each strategy, the replay with other margins), and a trained model's scores do not change. A
        candidate given another pipeline forgets them; a pipeline refitted in place is a new model: make a new
        Candidate.
        """
        pipeline, scores = self.__dict__.get("_scores", (None, {}))
        if pipeline is not self.pipeline:
            scores = {}
            self.__dict__["_scores"] = (self.pipeline, scores)
        key = frame_hash(frame[data.FEATURES])
        if key not in scores:
            scores[key] = monitoring.score(self.pipeline, frame)
        return scores[key].copy()


def labelled(month: str) -> pd.DataFrame:
    """``month``'s batch joined with its churn labels (one row per customer)."""
    batch, label = data.load_batch(month), data.load_labels(month)
    frame = batch.merge(label[["customerID", data.TARGET]], on="customerID", how="left", validate="one_to_one")
    if frame[data.TARGET].isna().any():
        raise ValueError(f"{int(frame[data.TARGET].isna().sum())} customers of {month} have no label")
    return frame


def gate_data(frames: dict[str, pd.DataFrame], months: list[str]) -> pd.DataFrame:
    """The labelled customers of ``months``, in one frame."""
    return pd.concat([frames[m] for m in months], ignore_index=True)


# --- continuous integration ----------------------------------------------------------------------------------------

_CI: dict[str, tuple[bool, str]] = {}


def ci_check(batch: pd.DataFrame) -> tuple[bool, str]:
    """Continuous integration of data: the batch against lab 03's data contract (accepted + quarantined = in).

    Results are remembered by the batch's data version: the same data passes or fails the same way.
    """
    from .provisioning import validate_batch

    key = lineage.data_version(batch)
    if key not in _CI:
        result = validate_batch(batch.reset_index(drop=True))
        ok = result.reconciles and len(result.quarantined) == 0
        _CI[key] = ok, f"{len(result.accepted)} accepted, {len(result.quarantined)} quarantined"
    return _CI[key]


def run_code_checks(*test_sources) -> pd.DataFrame:
    """Run pytest in-process on each of ``test_sources`` (a test file's source as text: its imports and test
    functions); one row per test with its outcome. A source that is ``...`` or ``None`` (an exercise not answered yet)
    is left out; a file that does not collect (a syntax error, a failed import) fails, as in CI, and so does a source
    that is not text (a list of test functions): a row that says so, never an exception.

    Test source is the notebook's code whoever runs it: :func:`mlopslab._pytest_runner.run_sources` writes it to a
    folder whose name tells the checks' seal so (:data:`mlopslab.checks._guards.NOTEBOOK_TESTS`).
    """
    given = [s for s in test_sources if s is not None and s is not Ellipsis]
    not_text = [{"test": "(a test file)", "outcome": "failed",
                 "message": f"not a test file: a {type(s).__name__}, where CI expects a test file's source as text "
                            "(in triple quotes: its imports, then functions whose names start with test_)"}
                for s in given if not isinstance(s, str)]  # CI fails on it, as on a file that does not collect
    rows = run_sources([s for s in given if isinstance(s, str)])
    if not rows and not not_text:
        raise ValueError("no test ran: define functions whose names start with test_")
    return pd.DataFrame(rows + not_text, columns=["test", "outcome", "message"])


# --- the starting point: the governed champion ---------------------------------------------------------------------

def start_lifecycle(name: str) -> Candidate:
    """Point ``name@champion`` at the governed champion (registered if missing) and return it as a :class:`Candidate`.

    The alias goes back to the course's reference version (:func:`mlopslab.registry.reset_champion`), so every run of
    the loop starts from the same model whatever an earlier run promoted; the version is tagged :data:`START_TAG`.
    Its threshold is the governed one recorded on the version (``policy.THRESHOLD.tag``). Its reference AUC is lab
    09's: on the hold-out months' **audited** outcomes (``monitoring.champion_data(audited=True)``), the kind of
    labels production brings, not the recorded 2025 labels with lab 07's false churners.
    """
    from .registry import client, load, reset_champion

    c = client()
    version = reset_champion(name)
    train, holdout = monitoring.champion_data(audited=True)  # lab 09's yardstick: real outcomes, as production's
    tags = c.get_model_version(name, version).tags
    for key, months in ((START_TAG, ["true"]), ("train_months", sorted(train["month"].unique())),
                        ("gate_months", sorted(holdout["month"].unique()))):
        if key not in tags:  # the champion's lineage in the same tags as every challenger's
            c.set_model_version_tag(name, version, key, ",".join(months))
    with contextlib.suppress(Exception):  # no challenger yet in a fresh store
        c.delete_registered_model_alias(name, "challenger")
    pipeline = load("champion", name)
    threshold = monitoring.governed_threshold("champion", name)  # recorded by the gate (policy.THRESHOLD.tag)
    auc = roc_auc_score(split_xy(holdout)[1], monitoring.score(pipeline, holdout))  # on the audited outcomes
    gate_months = sorted(holdout["month"].unique())
    return Candidate("governed champion", pipeline, threshold, train, round(float(auc), 4),
                     sorted(train["month"].unique()), gate_months, version,
                     reference_on=f"the hold-out {_span(gate_months)}, audited outcomes")


# --- continuous monitoring -------------------------------------------------------------------------------------------

def monitor_month(champion: Candidate, batch: pd.DataFrame, last: pd.DataFrame | None = None,
                  last_scores=None, rules: policy.AlertRules = policy.ALERTS,
                  fairness: policy.GatePolicy = policy.GATE) -> list[dict[str, str]]:
    """The month's alerts, under lab 09's rules: data drift of ``batch`` against the champion's training data; once
    ``last`` month's labels have arrived, how the scores it was given (``last_scores``) did (AUC against the
    champion's :attr:`~Candidate.reference_auc`, calibration in both directions); and the governed fairness rule
    (``fairness``, the gate's) at the champion's threshold, on ``batch`` (a rule on recall waits for ``last``'s labels).

    Each alert is a dict: ``kind`` ("data", "performance" or "fairness"), ``rule`` and ``detail``; data alerts
    first, fairness alerts last.
    """
    alerts = []
    drift = monitoring.feature_drift(champion.reference, batch, MONITORED, rules=rules)
    for row in drift[drift["level"] == "alert"].itertuples():
        alerts.append({"kind": "data", "rule": f"PSI {row.feature}", "detail": f"PSI {row.psi:.2f} ≥ {rules.psi_alert:g}"})
    if last is not None:
        y = split_xy(last)[1]
        perf = monitoring.performance(y, last_scores, champion.threshold)
        if perf["auc"] < champion.reference_auc - rules.auc_drop:
            alerts.append({"kind": "performance", "rule": "AUC drop",
                           "detail": f"AUC {perf['auc']:.3f} < {champion.reference_auc - rules.auc_drop:.3f} "
                                     f"(reference {champion.reference_auc:.3f} − {rules.auc_drop:g})"})
        gaps = monitoring.segment_gaps(y, last_scores, last[monitoring.SEGMENTS])
        worst = gaps.loc[gaps["gap"].abs().idxmax()]
        if abs(worst["gap"]) > rules.segment_gap:
            side = "under" if worst["gap"] > 0 else "over"
            alerts.append({"kind": "performance", "rule": "calibration",
                           "detail": f"churn {side}-predicted by {abs(worst['gap']):.2f} in {worst['segment']}"})
    by_recall = fairness.fairness_metric == "recall"
    judged, scores = (last, last_scores) if by_recall else (batch, champion.score(batch))
    if judged is not None:
        gaps = monitoring.fairness_gaps(np.asarray(scores) >= champion.threshold,
                                        judged[list(fairness.sensitive_features)],
                                        split_xy(judged)[1] if by_recall else None)
        by = max(gaps, key=gaps.get)
        if gaps[by] > fairness.max_fairness_gap:
            alerts.append({"kind": "fairness", "rule": f"{fairness.fairness_metric.replace('_', ' ')} gap",
                           "detail": f"gap {gaps[by]:.3f} by {by} > {fairness.max_fairness_gap:g}"})
    return alerts


# --- continuous training and validation --------------------------------------------------------------------------

def _fit(train: pd.DataFrame):
    """The champion's recipe (:data:`RECIPE`) fitted on ``train``: reweighed, without the protected inputs."""
    from .registry import reference_estimator
    from .trust import fit_mitigated

    return fit_mitigated(train, reference_estimator())


def plan_months(plan, labelled) -> tuple[list[str], list[str]]:
    """A retraining plan, ``(train_months, gate_months)``, as two sorted lists of months; ValueError saying why when it
    is not one the loop can follow: not a pair of lists, a month that is not a ``"YYYY-MM"`` string among the
    ``labelled`` months, an empty list, or a month both in training and in the gate. The loop logs the refusal and
    keeps the champion, as a pipeline would; exercise 10.2's check says what the plan should have been."""
    if isinstance(plan, (str, dict)) or not isinstance(plan, (tuple, list)) or len(plan) != 2:
        raise ValueError(f"a plan is None or a pair (train_months, gate_months), not {_short(plan)}")
    parts = []
    for what, months in zip(("train_months", "gate_months"), plan):
        if isinstance(months, (str, dict)) or not isinstance(months, (tuple, list, np.ndarray, pd.Series)):
            raise ValueError(f"{what} must be a list of 'YYYY-MM' months, not {_short(months)}")
        months = [str(m) if isinstance(m, np.str_) else m for m in months]
        unknown = [m for m in months if not isinstance(m, str) or m not in labelled]
        if unknown:
            raise ValueError(f"{what} holds {_short(unknown[0])}, not one of the labelled months")
        if not months:
            raise ValueError(f"{what} is empty: a challenger needs at least one training month and one gate month")
        parts.append(sorted(months))
    _refuse_gate_seen_in_training(*parts)
    return parts[0], parts[1]


def _refuse_gate_seen_in_training(train_months: list[str], gate_months: list[str]) -> None:
    """ValueError when a month is both training and gate data (the loop's plan and the recipe both refuse it)."""
    overlap = set(train_months) & set(gate_months)
    if overlap:
        raise ValueError(f"month(s) {sorted(overlap)} are both training and gate data: the gate must be unseen data")


def _short(value) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def train_challenger(frames: dict[str, pd.DataFrame], train_months: list[str], gate_months: list[str],
                     threshold: float) -> Candidate:
    """The retraining recipe (:data:`RECIPE`) on the labelled ``train_months``; its AUC on the ``gate_months``.

    That AUC is the challenger's reference for the monitor: customers it never trained on, with 2026's outcomes
    (recorded from billing closures, as production's are), the same numbers the gate and the promotion rule judged.

    ``frames`` maps each month to its labelled customers (:func:`labelled`). ``threshold`` is the governed decision
    threshold the challenger inherits from the champion it may replace: retraining changes the model, not the
    campaign's decision rule, which only the approval chain of lab 06 may change (``policy.THRESHOLD``).
    """
    train_months, gate_months = sorted(train_months), sorted(gate_months)
    _refuse_gate_seen_in_training(train_months, gate_months)
    if not train_months or not gate_months:
        raise ValueError("a challenger needs at least one training month and one gate month")
    missing = [m for m in train_months + gate_months if m not in frames]
    if missing:
        raise ValueError(f"no labelled customers for {_short(missing[0])}: months are 'YYYY-MM' keys of frames")
    train = gate_data(frames, train_months)
    pipeline = _fit(train)
    gate = gate_data(frames, gate_months)
    auc = roc_auc_score(split_xy(gate)[1], monitoring.score(pipeline, gate))
    trained_in = monitoring.next_month(max(train_months + gate_months))
    return Candidate(f"challenger-{trained_in}", pipeline, float(threshold), train, round(float(auc), 4),
                     train_months, gate_months,
                     reference_on=f"its gate months {_span(gate_months)}, 2026 outcomes")


def on_months(model: Candidate, frame: pd.DataFrame) -> dict[str, float]:
    """AUC and campaign profit (at the model's own threshold, under ``policy.ECONOMICS``) on labelled customers."""
    _, y = split_xy(frame)
    scores = model.score(frame)
    return {"auc": round(float(roc_auc_score(y, scores)), 4),
            "profit": round(expected_profit(y, scores, model.threshold, policy.ECONOMICS), 2)}


def profit(model: Candidate, frame: pd.DataFrame) -> float:
    """The campaign's profit on ``frame``'s real outcomes when ``model`` picks whom to contact."""
    return on_months(model, frame)["profit"]


# --- continuous deployment: the registry and lineage ---------------------------------------------------------------

def register_challenger(name: str, challenger: Candidate, gate: pd.DataFrame, decision, trigger: str = "") -> str:
    """Log the challenger's run (model, data version, months) and register it as ``name@challenger``; the version.

    ``gate`` is the gate data it was judged on and ``decision`` the gate's verdict. The version's tags carry its
    lineage (``lineage.TAG``, ``train_months``, ``gate_months``) and the verdict
    (:func:`mlopslab.validation.record_gate`, which also records the governed threshold). Only a challenger that
    passed the gate is registered.
    """
    from .development import log_run
    from .registry import register
    from .validation import record_gate

    if not decision.passed:
        raise ValueError(f"{challenger.name} failed the gate ({', '.join(decision.failed)}): it is not registered")
    months = {"train_months": ",".join(challenger.train_months), "gate_months": ",".join(challenger.gate_months)}
    run_id = log_run(challenger.pipeline, challenger.name, challenger.reference, gate, challenger.data_version,
                     threshold=decision.evidence.threshold,
                     tags={**months, "trigger": trigger, "lifecycle": "lab10", "recipe": RECIPE})
    version = register(run_id, alias="challenger", name=name, tags={**months, lineage.TAG: challenger.data_version})
    record_gate(version, decision, name=name)
    challenger.version = version
    return version


def log_scoring(name: str, month: str, version: str, batch: pd.DataFrame, scores, threshold: float) -> str:
    """Record that ``name`` version ``version`` scored ``month``'s batch: a run tagged with the batch's data version."""
    import mlflow

    from .config import setup_tracking

    setup_tracking()
    scores = np.asarray(scores, dtype=float)
    with mlflow.start_run(run_name=f"scoring-{month}") as run:
        mlflow.set_tags({"lifecycle": "lab10", "step": "scoring", "month": month, "model.name": name,
                         "model.version": str(version), lineage.TAG: lineage.data_version(batch)})
        mlflow.log_metrics({"rows": len(scores), "contacted": int((scores >= threshold).sum()),
                            "threshold": float(threshold)})
        return run.info.run_id


def _scoring_runs(name: str) -> pd.DataFrame:
    """The newest scoring run of each month for registered model ``name``: month, model version, batch data version.

    Private: lab 10's lineage exercise asks students to write this query themselves.
    """
    import mlflow

    from .config import EXPERIMENT, setup_tracking

    setup_tracking()
    runs = mlflow.search_runs(experiment_names=[EXPERIMENT], order_by=["attributes.start_time DESC"],
                              filter_string=f"tags.step = 'scoring' and tags.`model.name` = '{name}'")
    if runs.empty:
        return pd.DataFrame(columns=["month", "version", "batch_data_version"])
    runs = runs.drop_duplicates("tags.month").sort_values("tags.month")
    return pd.DataFrame({"month": runs["tags.month"], "version": runs["tags.model.version"],
                         "batch_data_version": runs[f"tags.{lineage.TAG}"]}).reset_index(drop=True)


def lineage_table(name: str) -> pd.DataFrame:
    """Month → the version that scored it → its training months, data version (short), gate months, promotion month.

    Read from the tracking store and the registry only: the scoring runs and the versions' tags.
    """
    from .registry import client

    c = client()
    rows = []
    for run in _scoring_runs(name).itertuples():
        version = c.get_model_version(name, run.version)
        tags = version.tags
        data_version = tags.get(lineage.TAG) or c.get_run(version.run_id).data.tags.get(lineage.TAG, "")
        months = tags.get("train_months", "")
        rows.append({"month": run.month, "version": run.version,
                     "trained_on": _span(months.split(",")) if months else "2025 (the governed champion)",
                     "data_version": lineage.short(data_version) or "-",
                     "gate_months": _span(tags["gate_months"].split(",")) if tags.get("gate_months") else "2025 hold-out",
                     "promoted_in": tags.get(PROMOTED_TAG, "(start)")})
    return pd.DataFrame(rows, columns=["month", "version", "trained_on", "data_version", "gate_months", "promoted_in"])


def _span(months: list[str]) -> str:
    months = sorted(m for m in months if m)
    return months[0] if len(months) == 1 else f"{months[0]}..{months[-1]}"


# --- figures ---------------------------------------------------------------------------------------------------------

def value_figure(value: pd.DataFrame, promotions: list[str] = ()):
    """Monthly campaign profit of each strategy (the columns of ``value`` besides ``month``, up to four), promotions
    marked; below, the gain of the last column over the one before it."""
    import matplotlib.pyplot as plt

    strategies = [c for c in value.columns if c != "month"]
    fig, (top, bottom) = plt.subplots(2, 1, figsize=(9, 6.5), sharex=True, gridspec_kw={"height_ratios": [2, 1]})
    x = np.arange(len(value))
    styles = [{"color": "grey", "ls": ":", "marker": "."}, {"color": "tab:green", "marker": "s", "lw": 2.5,
                                                           "alpha": 0.6},
              {"color": "tab:blue", "ls": "--", "marker": "o", "ms": 4}, {"color": "tab:orange", "marker": "^"}]
    for strategy, style in zip(strategies, styles[-len(strategies):]):
        top.plot(x, value[strategy], label=strategy, **style)
    top.set_ylabel("campaign profit (€)")
    top.set_title("Business value month by month, on each month's real outcomes")
    gain = value[strategies[-1]] - value[strategies[-2]]
    bottom.bar(x, gain, color=np.where(gain >= 0, "tab:green", "tab:red"))
    bottom.plot(x, gain.cumsum(), color="black", marker=".", label="running total")
    bottom.axhline(0, color="grey", lw=0.8)
    bottom.set_ylabel("gain (€)")
    bottom.set_title(f"gain: {strategies[-1]} − {strategies[-2]}", fontsize=9)
    bottom.legend(loc="upper left", fontsize=8)
    months = list(value["month"])
    for month in promotions:
        for ax in (top, bottom):
            ax.axvline(months.index(month), color="tab:red", ls=":", lw=1.2)
    if promotions:
        top.plot([], [], color="tab:red", ls=":", label="the loop promotes a challenger")
    top.legend(loc="upper left", fontsize=8)
    bottom.set_xticks(x, [m[2:] for m in months], rotation=45)
    for ax in (top, bottom):
        ax.grid(alpha=0.3)
    fig.tight_layout()
    return fig


def lineage_figure(table: pd.DataFrame, aliases: dict[str, str] | None = None):
    """A small graph from :func:`lineage_table`: data version → model version → the months it served (and aliases)."""
    import matplotlib.pyplot as plt

    served = table.groupby("version", sort=False).agg(first=("month", "first"), last=("month", "last"),
                                                       trained_on=("trained_on", "first"),
                                                       data_version=("data_version", "first"),
                                                       gate_months=("gate_months", "first"))
    fig, ax = plt.subplots(figsize=(10, 1.0 + 0.8 * len(served)))
    columns = {"data": 0.0, "version": 3.3, "served": 6.6}
    box = {"boxstyle": "round,pad=0.3", "fc": "#eef2f7", "ec": "#4a6fa5"}
    by_version: dict[str, list[str]] = {}
    for alias, version in (aliases or {}).items():
        if version:
            by_version.setdefault(str(version), []).append(f"@{alias}")
    for row, (version, model) in enumerate(served.iterrows()):
        y = len(served) - row
        span = model["first"][2:] if model["first"] == model["last"] else f"{model['first'][2:]}..{model['last'][2:]}"
        labels = {"data": f"data {model['data_version']}\n{model['trained_on']}",
                  "version": f"v{version}\ngate: {model['gate_months']}",
                  "served": f"scored {span}"}
        for key, x in columns.items():
            ax.text(x, y, labels[key], ha="center", va="center", fontsize=8, bbox=box)
        for a, b in (("data", "version"), ("version", "served")):
            ax.annotate("", xy=(columns[b] - 1.1, y), xytext=(columns[a] + 1.25, y),
                        arrowprops={"arrowstyle": "->", "color": "#4a6fa5"})
        if version in by_version:
            ax.text(columns["version"], y - 0.42, "  ".join(by_version[version]), ha="center", va="center",
                    fontsize=7, color="white", weight="bold",
                    bbox={"boxstyle": "round,pad=0.15", "fc": "tab:orange", "ec": "tab:orange"})
    ax.set_xlim(-1.6, 8.2)
    ax.set_ylim(0.3, len(served) + 0.7)
    ax.axis("off")
    for key, x in {"training data (version, months)": columns["data"], "model version (gate data)": columns["version"],
                   "batches it scored": columns["served"]}.items():
        ax.text(x, len(served) + 0.5, key, ha="center", fontsize=9, weight="bold")
    ax.set_title("Lineage, read back from the store: data version → model version → the months it scored",
                 fontsize=10)
    fig.tight_layout()
    return fig
