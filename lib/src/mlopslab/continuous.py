"""The 5 Cs of continuous ML (lab 10): integration, training, validation, deployment and monitoring in one loop.

Each production month :func:`simulate_year` does what a team's pipeline does:

1. **CI** — the new batch passes the data contract (:func:`mlopslab.provisioning.validate_batch`);
2. **CM** — the monitor compares the batch with the champion's training data and, with last month's labels,
   measures how the champion did (:mod:`mlopslab.monitoring`);
3. **CT** — an alert triggers training a challenger on the latest labelled months;
4. **CV** — the challenger must pass the validation gate (:func:`mlopslab.validation.gate`) on the newest
   labelled month, and the promotion policy (:func:`promotion_policy`): beat the champion there;
5. **CD** — a passing challenger becomes the champion by moving the registry alias; :func:`rollback` moves it back.

Run with ``strategy="static"`` it never retrains: the baseline the business value is compared with.
"""

from __future__ import annotations

import contextlib
import io
import os
import tempfile
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score

from . import data, monitoring, validation
from .development import Economics, best_threshold, expected_profit
from .policy import PromotionRule
from .preparation import frame_hash, make_pipeline, split_xy

STRATEGIES = ("static", "continuous")
MONITORED = [*monitoring.KEY_FEATURES, *monitoring.SEGMENTS]
"""The features the loop's drift monitor watches: a few key ones, as teams do to avoid alert fatigue."""


Policy = PromotionRule
"""The continuous-training policy type (defined once in :mod:`mlopslab.policy`; governed: ``policy.PROMOTION``)."""

GATE_POLICY = validation.Policy(max_fairness_gap=0.2)
"""Lab 06's gate, with the fairness limit widened for one month (600 rows) of gate data: small groups are noisy."""


@dataclass
class Model:
    """A model in the lifecycle, with its lineage: the data it was trained on and how it got there."""

    name: str
    pipeline: object
    threshold: float
    reference: pd.DataFrame
    """The data it was trained on: the monitor's yardstick."""
    reference_auc: float
    train_months: list[str]
    gate_month: str = ""
    promoted_in: str = ""
    version: str = ""
    """The registry version, when the lifecycle runs against MLflow."""

    @property
    def data_version(self) -> str:
        """The content hash of its training data (first 12 hex digits)."""
        return frame_hash(self.reference)[:12]


@dataclass
class Year:
    """A simulated year: the monthly log, the models that served, and each gate decision."""

    strategy: str
    log: pd.DataFrame
    models: dict[str, Model] = field(default_factory=dict)
    gates: pd.DataFrame = field(default_factory=pd.DataFrame)

    def served_by(self, month: str) -> Model:
        """The model that scored ``month``'s batch."""
        row = self.log.set_index("month").loc[month]
        return self.models[row["model"]]


def labelled(month: str, batches: dict[str, pd.DataFrame] | None = None,
             labels: dict[str, pd.DataFrame] | None = None) -> pd.DataFrame:
    """``month``'s batch joined with its churn labels (one row per customer)."""
    batch = batches[month] if batches else data.load_batch(month)
    label = labels[month] if labels else data.load_labels(month)
    frame = batch.merge(label[["customerID", data.TARGET]], on="customerID", how="left", validate="one_to_one")
    if frame[data.TARGET].isna().any():
        raise ValueError(f"{int(frame[data.TARGET].isna().sum())} customers of {month} have no label")
    return frame


def promotion_policy(challenger: dict, champion: dict, policy: Policy = Policy()) -> bool:
    """Promote when the challenger earns at least ``min_gain`` more and ranks at most ``max_auc_drop`` worse."""
    return (challenger["profit"] - champion["profit"] >= policy.min_gain and challenger["profit"] > champion["profit"]
            and challenger["auc"] >= champion["auc"] - policy.max_auc_drop)


def on_month(model: Model, frame: pd.DataFrame, economics: Economics = Economics()) -> dict[str, float]:
    """AUC and campaign profit of ``model`` (at its own threshold) on a labelled month."""
    _, y = split_xy(frame)
    scores = monitoring.score(model.pipeline, frame)
    return {"auc": round(float(roc_auc_score(y, scores)), 4),
            "profit": round(expected_profit(y, scores, model.threshold, economics), 2)}


def reference_model() -> Model:
    """The course's reference champion (gradient boosting on 2025), as the lifecycle starts from it."""
    pipeline, train, holdout = _reference()
    _, y = split_xy(holdout)
    scores = monitoring.score(pipeline, holdout)
    return Model("reference", pipeline, best_threshold(y, scores)[0], train,
                 round(float(roc_auc_score(y, scores)), 4), sorted(train["month"].unique()))


@lru_cache(maxsize=1)
def _reference():
    from .registry import train_reference_model

    return train_reference_model()


def train_challenger(frames: dict[str, pd.DataFrame], months: list[str], gate_month: str) -> Model:
    """A logistic-regression challenger on the labelled ``months``; its threshold is profit-optimal there."""
    from threadpoolctl import threadpool_limits

    train = pd.concat([frames[m] for m in months], ignore_index=True)
    X, y = split_xy(train)
    with threadpool_limits(1):
        pipeline = make_pipeline(LogisticRegression(max_iter=1000, C=0.5)).fit(X, y)
    scores = monitoring.score(pipeline, train)
    gate = frames[gate_month]
    auc = roc_auc_score(split_xy(gate)[1], monitoring.score(pipeline, gate))
    return Model(f"challenger-{gate_month[:4]}-{int(gate_month[5:]) + 1:02d}", pipeline,
                 best_threshold(y, scores)[0], train, round(float(auc), 4), months, gate_month)


def monitor_month(model: Model, batch: pd.DataFrame, last: pd.DataFrame | None, last_scores: np.ndarray | None,
                  rules: monitoring.AlertRules) -> list[str]:
    """The alerts raised this month: data drift of ``batch`` and the performance of ``last`` month's scores."""
    alerts = []
    drift = monitoring.feature_drift(model.reference, batch, MONITORED, rules=rules)
    alerts += [f"data: PSI {f}" for f in drift.loc[drift["level"] == "alert", "feature"]]
    if last is not None:
        perf = monitoring.performance(split_xy(last)[1], last_scores, model.threshold, last[monitoring.SEGMENTS])
        if perf["segment_gap"] > rules.segment_gap:
            alerts.append(f"performance: churn under-predicted in {perf['worst_segment']}")
        if perf["auc"] < model.reference_auc - rules.auc_drop:
            alerts.append("performance: AUC drop")
    return alerts


_CI: dict[str, tuple[bool, str]] = {}


def ci_check(batch: pd.DataFrame) -> tuple[bool, str]:
    """Continuous integration of data: the batch against lab 03's data contract (accepted + quarantined = in).

    Results are remembered by the batch's content hash: the same data passes or fails the same way.
    """
    from .provisioning import validate_batch

    key = frame_hash(batch)
    if key not in _CI:
        result = validate_batch(batch.reset_index(drop=True))
        ok = result.reconciles and len(result.quarantined) == 0
        _CI[key] = ok, f"{len(result.accepted)} accepted, {len(result.quarantined)} quarantined"
    return _CI[key]


def simulate_year(strategy: str = "continuous", policy: Policy = Policy(), rules: monitoring.AlertRules = monitoring.AlertRules(),
                  registry_name: str | None = None, batches: dict[str, pd.DataFrame] | None = None,
                  labels: dict[str, pd.DataFrame] | None = None, economics: Economics = Economics()) -> Year:
    """Run the production year month by month under ``strategy`` ("static" or "continuous").

    With ``registry_name`` every challenger is logged to MLflow, a passing one is registered and the
    ``champion`` alias moved to it, and each month is scored by the model the alias serves.
    """
    if strategy not in STRATEGIES:
        raise ValueError(f"strategy must be one of {STRATEGIES}, got {strategy!r}")
    months = sorted(batches) if batches else list(data.PRODUCTION_MONTHS)
    frames = {m: labelled(m, batches, labels) for m in months}
    champion = reference_model()
    models = {champion.name: champion}
    if registry_name:
        champion.version = start_lifecycle(registry_name)
    rows, gates, last, last_scores = [], [], None, None
    for i, month in enumerate(months):
        batch = frames[month][["customerID", "month", *data.FEATURES]]
        ci_ok, ci_detail = ci_check(batch)
        alerts = monitor_month(champion, batch, last, last_scores, rules)
        triggered = strategy == "continuous" and any(a.split(":")[0] in policy.retrain_on for a in alerts)
        gate_result = ""
        if triggered and i >= policy.window + 1:
            gate_month = months[i - 1]
            challenger = train_challenger(frames, months[i - 1 - policy.window:i - 1], gate_month)
            passed, gate_row = validate(challenger, champion, frames[gate_month], policy, economics)
            gates.append({"month": month, **gate_row})
            gate_result = "promoted" if passed else "rejected"
            if registry_name:
                challenger.version = log_challenger(challenger, frames[gate_month], registry_name, passed, alerts)
            if passed:
                challenger.promoted_in = month
                models[challenger.name] = champion = challenger
                if registry_name:
                    promote(registry_name, challenger.version)
        elif triggered:
            gate_result = "too few labelled months"
        served = champion_pipeline(registry_name, champion)
        scores = monitoring.score(served, batch)
        y = split_xy(frames[month])[1]
        rows.append({"month": month, "ci": "passed" if ci_ok else f"FAILED ({ci_detail})", "alerts": len(alerts),
                     "alert": alerts[0] if alerts else "", "challenger": gate_result, "model": champion.name,
                     "version": champion.version, "threshold": champion.threshold,
                     "profit": round(expected_profit(y, scores, champion.threshold, economics), 2)})
        last, last_scores = frames[month], scores
    year = Year(strategy, pd.DataFrame(rows), models, pd.DataFrame(gates))
    if batches is None and labels is None and economics == Economics():
        _SHIPPED[(strategy, policy, rules)] = year
    return year


_SHIPPED: dict[tuple, Year] = {}


def validate(challenger: Model, champion: Model, gate_frame: pd.DataFrame, policy: Policy,
             economics: Economics = Economics()) -> tuple[bool, dict]:
    """Continuous validation: lab 06's gate (absolute quality) and the promotion policy (better than the champion)."""
    decision = validation.gate(challenger.pipeline, gate_frame, GATE_POLICY, challenger.threshold, economics)
    new, old = on_month(challenger, gate_frame, economics), on_month(champion, gate_frame, economics)
    better = promotion_policy(new, old, policy)
    row = {"challenger": challenger.name, "trained_on": f"{challenger.train_months[0]}..{challenger.train_months[-1]}",
           "gate_month": challenger.gate_month, "challenger_auc": new["auc"], "champion_auc": old["auc"],
           "challenger_profit": new["profit"], "champion_profit": old["profit"],
           "gate": "passed" if decision.passed else "FAILED " + ",".join(decision.failed),
           "beats_champion": better, "promoted": decision.passed and better}
    return decision.passed and better, row


# --- continuous deployment: the registry -------------------------------------------------------------------------

def start_lifecycle(name: str) -> str:
    """Make sure ``name@champion`` exists, and point it back at the course's reference version; return it."""
    from .registry import client, ensure_champion

    ensure_champion(name)
    c = client()
    references = [int(v.version) for v in c.search_model_versions(f"name='{name}'")
                  if v.tags.get("approved_by") == "course reference"]
    version = str(min(references))
    c.set_registered_model_alias(name, "champion", version)
    return version


def log_challenger(model: Model, gate_frame: pd.DataFrame, name: str, passed: bool, alerts: list[str]) -> str:
    """Log the challenger's run (with its model only if it passed) and register it as ``challenger``; its version or ""."""
    from .development import log_run
    from .registry import register

    tags = {"trigger": alerts[0] if alerts else "", "gate": "passed" if passed else "failed",
            "train_months": ",".join(model.train_months), "lifecycle": "lab10"}
    run_id = log_run(model.pipeline, model.name, model.reference, gate_frame, model.data_version, tags=tags,
                     log_model=passed)
    if not passed:
        return ""
    return register(run_id, alias="challenger", name=name,
                    tags={"train_months": ",".join(model.train_months), "gate_month": model.gate_month,
                          "data_version": model.data_version, "threshold": str(model.threshold), "gate": "passed"})


def promote(name: str, version: str) -> str:
    """Continuous deployment: point ``champion`` at ``version``; record the version it replaces (for rollback)."""
    from .registry import alias_version, client

    previous = alias_version("champion", name)
    c = client()
    if previous and previous != version:
        c.set_model_version_tag(name, version, "replaces", previous)
    c.set_registered_model_alias(name, "champion", version)
    return previous or ""


def rollback(name: str) -> str:
    """Point ``champion`` back at the version the current champion replaced; return that version."""
    from .registry import client

    c = client()
    current = c.get_model_version_by_alias(name, "champion")
    previous = current.tags.get("replaces")
    if not previous:
        raise ValueError(f"{name} version {current.version} records no version it replaced: nothing to roll back to")
    c.set_registered_model_alias(name, "champion", previous)
    return previous


_LOADED: dict[tuple[str, str], object] = {}


def champion_pipeline(registry_name: str | None, champion: Model):
    """What scores this month: the registry's ``champion`` (loaded once per version) or the in-memory model."""
    if not registry_name:
        return champion.pipeline
    from .registry import alias_version, load

    version = alias_version("champion", registry_name)
    key = (registry_name, version)
    if key not in _LOADED:
        _LOADED.clear()
        _LOADED[key] = load("champion", registry_name)
    return _LOADED[key]


# --- comparing strategies, lineage ------------------------------------------------------------------------------

def compare(static: Year, continuous: Year) -> pd.DataFrame:
    """Profit per month of both strategies, the difference, and its running total."""
    out = pd.DataFrame({"month": static.log["month"], "static": static.log["profit"],
                        "continuous": continuous.log["profit"]})
    out["difference"] = out["continuous"] - out["static"]
    out["cumulative difference"] = out["difference"].cumsum()
    return out


def value_figure(comparison: pd.DataFrame, promotions: list[str] = ()):
    """Monthly campaign profit of the static and the continuously retrained model, promotions marked."""
    import matplotlib.pyplot as plt

    fig, (top, bottom) = plt.subplots(2, 1, figsize=(9, 6), sharex=True, gridspec_kw={"height_ratios": [2, 1]})
    x = np.arange(len(comparison))
    top.plot(x, comparison["static"], marker="o", label="static model (trained on 2025)")
    top.plot(x, comparison["continuous"], marker="s", label="continuously retrained")
    top.set_ylabel("campaign profit (€)")
    top.set_title("Business value month by month")
    bottom.bar(x, comparison["difference"], color=np.where(comparison["difference"] >= 0, "tab:green", "tab:red"))
    bottom.plot(x, comparison["cumulative difference"], color="black", marker=".", label="running total")
    bottom.axhline(0, color="grey", lw=0.8)
    bottom.set_ylabel("continuous − static (€)")
    bottom.legend(loc="upper left", fontsize=8)
    months = list(comparison["month"])
    for month in promotions:
        for ax in (top, bottom):
            ax.axvline(months.index(month), color="tab:orange", ls=":", lw=1.2)
    top.plot([], [], color="tab:orange", ls=":", label="new champion promoted")
    top.legend(loc="upper left", fontsize=8)
    bottom.set_xticks(x, [m[2:] for m in months], rotation=45)
    for ax in (top, bottom):
        ax.grid(alpha=0.3)
    fig.tight_layout()
    return fig


def lineage(year: Year) -> pd.DataFrame:
    """Month → the model that scored it → its registry version, training months, data version and gate month."""
    rows = []
    for month in year.log["month"]:
        model = year.served_by(month)
        rows.append({"month": month, "model": model.name, "version": model.version or "-",
                     "trained_on": f"{model.train_months[0]}..{model.train_months[-1]}",
                     "data_version": model.data_version, "gate_month": model.gate_month or "2025 hold-out",
                     "promoted_in": model.promoted_in or "(initial)"})
    return pd.DataFrame(rows)


def lineage_figure(year: Year, aliases: dict[str, str] | None = None):
    """A small graph: data version → training run → model version → served months (and the alias now)."""
    import matplotlib.pyplot as plt

    table = lineage(year)
    served = table.groupby("model", sort=False)["month"].agg(
        lambda m: m.iloc[0][2:] if len(m) == 1 else f"{m.iloc[0][2:]}..{m.iloc[-1][2:]}")
    models = [year.models[n] for n in served.index]
    fig, ax = plt.subplots(figsize=(10, 0.9 + 0.75 * len(models)))
    columns = {"data": 0.0, "run": 2.6, "version": 5.2, "served": 7.6}
    box = {"boxstyle": "round,pad=0.3", "fc": "#eef2f7", "ec": "#4a6fa5"}
    for row, model in enumerate(models):
        y = len(models) - row
        labels = {
            "data": f"data {model.data_version}\n{model.train_months[0]}..{model.train_months[-1]}",
            "run": f"run {model.name}\ngate: {model.gate_month or '2025 hold-out'}",
            "version": f"{'v' + model.version if model.version else 'in memory'}\nthreshold {model.threshold:.2f}",
            "served": f"served {served[model.name]}",
        }
        for key, x in columns.items():
            ax.text(x, y, labels[key], ha="center", va="center", fontsize=8, bbox=box)
        for a, b in (("data", "run"), ("run", "version"), ("version", "served")):
            ax.annotate("", xy=(columns[b] - 0.95, y), xytext=(columns[a] + 0.95, y),
                        arrowprops={"arrowstyle": "->", "color": "#4a6fa5"})
    by_version: dict[str, list[str]] = {}
    for alias, version in (aliases or {}).items():
        by_version.setdefault(version, []).append(f"@{alias}")
    for row, model in enumerate(models):
        if model.version in by_version:
            ax.text(columns["version"], len(models) - row - 0.4, "  ".join(by_version[model.version]), ha="center",
                    va="center", fontsize=8, color="white", weight="bold",
                    bbox={"boxstyle": "round,pad=0.2", "fc": "tab:orange", "ec": "tab:orange"})
    ax.set_xlim(-1.2, 8.8)
    ax.set_ylim(0.3, len(models) + 0.6)
    ax.axis("off")
    for key, x in columns.items():
        ax.text(x, len(models) + 0.45, key, ha="center", fontsize=9, weight="bold")
    ax.set_title("Lineage: from data version to the alias that serves", fontsize=10)
    fig.tight_layout()
    return fig


def shipped_year(strategy: str = "continuous", policy: Policy = Policy(),
                 rules: monitoring.AlertRules = monitoring.AlertRules()) -> Year:
    """The year on the shipped data (the last run of it in this process, else simulated in memory)."""
    key = (strategy, policy, rules)
    return _SHIPPED[key] if key in _SHIPPED else simulate_year(strategy, policy, rules)


# --- continuous integration of code -------------------------------------------------------------------------------

def run_code_checks(test_source: str) -> pd.DataFrame:
    """Run pytest in-process on ``test_source`` (test functions as text); one row per test with its outcome."""
    import pytest

    class Collector:
        def __init__(self) -> None:
            self.rows: list[dict[str, str]] = []

        def pytest_runtest_logreport(self, report) -> None:
            if report.when == "call" or (report.when == "setup" and report.outcome != "passed"):
                crash = getattr(report.longrepr, "reprcrash", None)  # "AssertionError: ..." without the temp path
                message = "" if not report.failed else (crash.message.splitlines()[0] if crash else
                                                         str(report.longrepr).strip().splitlines()[-1])
                self.rows.append({"test": report.nodeid.split("::")[-1], "outcome": report.outcome,
                                  "message": message})

    collector = Collector()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "test_lab10_checks.py"
        path.write_text(test_source)
        path.with_name("pytest.ini").write_text("[pytest]\n")  # keep the repo's pytest.ini (nbval, xdist) out
        autoload = os.environ.get("PYTEST_DISABLE_PLUGIN_AUTOLOAD")
        os.environ["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = "1"  # no nbval/xdist/playwright plugins: seconds saved
        try:
            with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
                pytest.main([str(path), "-q", "-p", "no:cacheprovider", "-p", "no:randomly", "--rootdir", folder,
                             "-c", str(path.with_name("pytest.ini"))], plugins=[collector])
        finally:
            if autoload is None:
                os.environ.pop("PYTEST_DISABLE_PLUGIN_AUTOLOAD", None)
            else:
                os.environ["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = autoload
    if not collector.rows:
        raise ValueError("no test ran: define functions whose names start with test_")
    return pd.DataFrame(collector.rows)
