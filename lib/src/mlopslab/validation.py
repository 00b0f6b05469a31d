"""Model validation and governance (lab 06): the validation gate, approvals, the model card, the audit trail.

The gate is the course's automated check that a candidate model may replace the champion. Labs 10 and 11 call it:

    decision = validation.gate(model, holdout)        # a fitted pipeline or an MLflow pyfunc
    if decision.passed: ...
    print(decision)                                   # every rule with its numbers: what passed, what failed

It checks three rules of a :class:`Policy`: a minimum AUC, a minimum profit uplift per customer over the best
no-model policy, and a maximum gap of a group metric between groups of each sensitive feature.
"""

from __future__ import annotations

import json
import subprocess
from dataclasses import dataclass, field
from datetime import UTC, datetime

import numpy as np
import pandas as pd
from sklearn.metrics import roc_auc_score
from threadpoolctl import threadpool_limits

from .config import MODEL_NAME, repo_root
from .development import Economics, best_threshold, expected_profit
from .policy import GROUP_METRICS, GatePolicy
from .preparation import split_xy

RULES = ("auc", "uplift", "fairness")
"""The gate's rules, in the order they are checked."""
Policy = GatePolicy
"""The gate's policy type (defined once in :mod:`mlopslab.policy`; the governed instance is ``policy.GATE``)."""


@dataclass(frozen=True)
class Evidence:
    """What the gate measured on the hold-out data."""

    auc: float
    threshold: float
    profit: float
    baseline_profit: float
    customers: int
    fairness_gaps: dict[str, float] = field(default_factory=dict)

    @property
    def uplift_per_customer(self) -> float:
        """Profit above the best no-model policy, per scored customer (euros)."""
        return (self.profit - self.baseline_profit) / max(self.customers, 1)

    @property
    def fairness_gap(self) -> float:
        """The largest group gap over all sensitive features (0 if none was measured)."""
        return max(self.fairness_gaps.values(), default=0.0)


@dataclass(frozen=True)
class Decision:
    """The gate's verdict: ``passed``, one readable reason per rule, and the rules that failed."""

    passed: bool
    reasons: list[str]
    failed: list[str]
    evidence: Evidence
    policy: Policy

    def __bool__(self) -> bool:
        return self.passed

    def __str__(self) -> str:
        head = "PASSED: the candidate may be promoted" if self.passed else "FAILED: the candidate must not be promoted"
        return "\n".join([f"Validation gate {head}.", *(f"  - {r}" for r in self.reasons)])


def churn_scores(model, X: pd.DataFrame) -> np.ndarray:
    """Churn probabilities from a fitted pipeline (``predict_proba``) or an MLflow pyfunc (``predict``)."""
    with threadpool_limits(limits=1):  # small data on a shared machine: one thread is fastest
        if hasattr(model, "predict_proba"):
            out = model.predict_proba(X)
        else:
            out = model.predict(X)
    out = np.asarray(out, dtype=float)
    return out[:, 1] if out.ndim == 2 else out


def baseline_profit(y, economics: Economics = Economics()) -> float:
    """Profit of the best no-model policy: contact nobody (0) or contact everybody, whichever earns more."""
    return max(0.0, expected_profit(y, np.ones(len(y)), 0.0, economics))


def group_gaps(y, contacted, groups: pd.DataFrame, metric: str = "recall") -> dict[str, float]:
    """For each column of ``groups``: the largest difference of ``metric`` between its groups."""
    if metric not in GROUP_METRICS:
        raise ValueError(f"metric must be one of {GROUP_METRICS}, got {metric!r}")
    frame = pd.DataFrame({"y": np.asarray(y, dtype=int), "contacted": np.asarray(contacted, dtype=int)})
    if metric == "recall":
        keep = frame["y"].to_numpy() == 1
        frame, groups = frame[keep], groups[keep]
    gaps = {}
    for column in groups.columns:
        rates = frame["contacted"].groupby(groups[column].to_numpy()).mean()
        gaps[column] = round(float(rates.max() - rates.min()), 4) if len(rates) > 1 else 0.0
    return gaps


def collect_evidence(model, holdout: pd.DataFrame, policy: Policy = Policy(), threshold: float | None = None,
                     economics: Economics = Economics()) -> Evidence:
    """Measure a model on labelled hold-out customers; ``threshold`` defaults to the profit-optimal one there."""
    missing = [c for c in policy.sensitive_features if c not in holdout.columns]
    if missing:
        raise KeyError(f"the hold-out data has no column {missing} named in Policy.sensitive_features")
    X, y = split_xy(holdout)
    if y is None or y.nunique() < 2:
        raise ValueError("the gate needs labelled hold-out data with both churners and non-churners (column Churn)")
    scores = churn_scores(model, X)
    if threshold is None:
        threshold, _ = best_threshold(y, scores, economics)
    contacted = scores >= threshold
    return Evidence(
        auc=round(float(roc_auc_score(y, scores)), 4),
        threshold=float(threshold),
        profit=round(expected_profit(y, scores, threshold, economics), 2),
        baseline_profit=round(baseline_profit(y, economics), 2),
        customers=len(y),
        fairness_gaps=group_gaps(y, contacted, holdout[list(policy.sensitive_features)], policy.fairness_metric),
    )


def decide(evidence: Evidence, policy: Policy = Policy()) -> Decision:
    """Apply the policy's three rules to the evidence (a value exactly at a limit passes)."""
    checks = {
        "auc": (evidence.auc >= policy.min_auc,
                f"AUC {evidence.auc:.3f} {{}} the minimum {policy.min_auc:.3f}"),
        "uplift": (evidence.uplift_per_customer >= policy.min_uplift_per_customer,
                   f"profit uplift €{evidence.uplift_per_customer:.2f} per customer over the best no-model policy "
                   f"{{}} the minimum €{policy.min_uplift_per_customer:.2f}"),
    }
    worst = max(evidence.fairness_gaps, key=evidence.fairness_gaps.get, default="no group")
    checks["fairness"] = (evidence.fairness_gap <= policy.max_fairness_gap,
                          f"largest {policy.fairness_metric.replace('_', ' ')} gap {evidence.fairness_gap:.3f} "
                          f"(by {worst}) {{}} the maximum {policy.max_fairness_gap:.3f}")
    reasons, failed = [], []
    for rule in RULES:
        ok, text = checks[rule]
        verdict = ("is within" if rule == "fairness" else "meets") if ok else \
            ("exceeds" if rule == "fairness" else "is below")
        reasons.append(f"{'pass' if ok else 'FAIL'} [{rule}]: {text.format(verdict)}")
        if not ok:
            failed.append(rule)
    return Decision(passed=not failed, reasons=reasons, failed=failed, evidence=evidence, policy=policy)


def gate(model, holdout: pd.DataFrame, policy: Policy = Policy(), threshold: float | None = None,
         economics: Economics = Economics()) -> Decision:
    """The automated validation gate: measure ``model`` on labelled ``holdout`` customers and decide.

    ``model`` is a fitted pipeline or an MLflow pyfunc (e.g. ``registry.load("challenger")``); ``holdout`` holds the
    FEATURES columns, ``Churn`` and the policy's sensitive features. The decision has ``.passed``, ``.reasons``
    (one sentence per rule), ``.failed`` (rule names) and ``.evidence``.
    """
    return decide(collect_evidence(model, holdout, policy, threshold, economics), policy)


# --- the registry: gate results, approvals, promotion ------------------------------------------------------------

def _client():
    from .registry import client

    return client()


def record_gate(version: str, decision: Decision, name: str = MODEL_NAME) -> None:
    """Write the gate's verdict, reasons and policy as tags of a model version."""
    c = _client()
    c.set_model_version_tag(name, version, "gate", "passed" if decision.passed else "failed")
    c.set_model_version_tag(name, version, "gate.reasons", "; ".join(decision.reasons))
    c.set_model_version_tag(name, version, "gate.policy", json.dumps(decision.policy.as_dict()))
    c.set_model_version_tag(name, version, "gate.threshold", f"{decision.evidence.threshold:.2f}")


def approve(version: str, approver: str, reason: str, name: str = MODEL_NAME) -> None:
    """Record a human approval (who, why, when in UTC) as tags; only a version whose gate passed may be approved."""
    if not approver.strip() or not reason.strip():
        raise ValueError("an approval needs an approver and a reason (both non-empty)")
    c = _client()
    gate_tag = c.get_model_version(name, version).tags.get("gate")
    if gate_tag != "passed":
        raise ValueError(f"{name} version {version} cannot be approved: its gate tag is {gate_tag!r}, not 'passed'")
    c.set_model_version_tag(name, version, "approved_by", approver)
    c.set_model_version_tag(name, version, "approval_reason", reason)
    c.set_model_version_tag(name, version, "approved_at", datetime.now(UTC).isoformat(timespec="seconds"))


def promote(version: str, decision: Decision, name: str = MODEL_NAME) -> bool:
    """Point ``champion`` at ``version`` if the gate passed and the version is approved; return whether it moved."""
    c = _client()
    if not decision.passed:
        return False
    if "approved_by" not in c.get_model_version(name, version).tags:
        raise ValueError(f"{name} version {version} passed the gate but has no approval: call approve() first")
    c.set_registered_model_alias(name, "champion", version)
    return True


# --- the model card ------------------------------------------------------------------------------------------------

CARD_SECTIONS = ("Model details", "Intended use", "Training data", "Evaluation data", "Metrics",
                 "Metrics by group", "Limitations", "Ethical considerations")
"""The sections of a model card (after Mitchell et al., 2019, *Model Cards for Model Reporting*)."""


def metrics_by_group(y, scores, threshold: float, groups: pd.Series) -> pd.DataFrame:
    """Customers, churn rate, share contacted and recall (share of churners contacted) for each group."""
    frame = pd.DataFrame({"group": np.asarray(groups), "y": np.asarray(y, dtype=int),
                          "contacted": np.asarray(scores, dtype=float) >= threshold})
    frame["reached"] = frame["contacted"] & (frame["y"] == 1)
    table = frame.groupby("group").agg(customers=("y", "size"), churn_rate=("y", "mean"),
                                       contacted_share=("contacted", "mean"), reached=("reached", "sum"),
                                       churners=("y", "sum"))
    table["recall"] = table["reached"] / table["churners"].where(table["churners"] > 0)
    table.index.name = groups.name if isinstance(groups, pd.Series) else "group"
    return table.drop(columns=["reached", "churners"]).round(3)


def markdown_table(table: pd.DataFrame) -> str:
    """A small DataFrame as a markdown table (index included; floats with three decimals)."""
    frame = (table.rename_axis("") if table.index.names == [None] else table).reset_index()
    lines = ["| " + " | ".join(map(str, frame.columns)) + " |", "|" + " --- |" * len(frame.columns)]
    lines += ["| " + " | ".join(_cell(v) for v in row) + " |" for row in frame.itertuples(index=False)]
    return "\n".join(lines)


def _cell(value) -> str:
    if not isinstance(value, float):
        return str(value)
    if np.isnan(value):
        return "–"
    return f"{value:,.0f}" if abs(value) >= 100 else f"{value:.3f}"


def model_card(sections: dict[str, str], title: str = "Churn retention model") -> str:
    """A markdown model card; ``sections`` maps each name of :data:`CARD_SECTIONS` to its text."""
    missing = [s for s in CARD_SECTIONS if not str(sections.get(s, "")).strip()]
    if missing:
        raise ValueError(f"the model card is missing the section(s) {missing}")
    unknown = [s for s in sections if s not in CARD_SECTIONS]
    if unknown:
        raise ValueError(f"unknown model card section(s) {unknown}; the sections are {list(CARD_SECTIONS)}")
    body = "\n\n".join(f"## {s}\n\n{str(sections[s]).strip()}" for s in CARD_SECTIONS)
    return f"# Model card: {title}\n\n{body}\n"


def log_model_card(run_id: str, card: str, name: str = MODEL_NAME, version: str | None = None) -> str:
    """Log the card as ``model_card.md`` in the run's artifacts (and as the version's description); return the path."""
    c = _client()
    c.log_text(run_id, card, "model_card.md")
    if version is not None:
        intended = card.split("## Intended use", 1)[-1].split("##", 1)[0].strip()
        c.update_model_version(name, version, description=intended[:500])
    return "model_card.md"


def versions_table(name: str = MODEL_NAME, last: int = 5) -> pd.DataFrame:
    """The ``last`` registered versions of a model: aliases, run name, gate verdict and approver."""
    c = _client()
    aliases: dict[str, list[str]] = {}
    for alias, version in c.get_registered_model(name).aliases.items():
        aliases.setdefault(str(version), []).append(alias)
    rows = []
    for v in sorted(c.search_model_versions(f"name='{name}'"), key=lambda v: int(v.version))[-last:]:
        rows.append({"version": str(v.version), "aliases": ", ".join(sorted(aliases.get(str(v.version), []))) or "-",
                     "run_name": c.get_run(v.run_id).info.run_name, "gate": v.tags.get("gate", "-"),
                     "approved_by": v.tags.get("approved_by", "-")})
    return pd.DataFrame(rows).set_index("version")


# --- the audit trail -----------------------------------------------------------------------------------------------

def code_version() -> str:
    """The git commit of the course repository, or 'unknown' outside a git checkout."""
    try:
        out = subprocess.run(["git", "rev-parse", "HEAD"], cwd=repo_root(), capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    return out.stdout.strip() if out.returncode == 0 else "unknown"


def audit_trail(alias: str = "champion", name: str = MODEL_NAME) -> dict[str, str]:
    """Which version serves under ``alias``, from which run, on which data and code, and who approved it and why."""
    from mlflow.exceptions import MlflowException

    c = _client()
    try:
        version = c.get_model_version_by_alias(name, alias)
    except MlflowException as err:
        raise LookupError(f"the registry has no alias {name}@{alias}: register and promote a version first") from err
    run = c.get_run(version.run_id)
    datasets = [f"{d.dataset.name} (digest {d.dataset.digest})" for d in run.inputs.dataset_inputs]
    return {
        "model": f"{name}@{alias}",
        "version": str(version.version),
        "run_name": run.info.run_name,
        "run_id": run.info.run_id,
        "data_version": run.data.tags.get("data_version", "not recorded"),
        "training_data": "; ".join(datasets) or "not recorded",
        "test_months": run.data.tags.get("test_months", "not recorded"),
        "code": run.data.tags.get("code.package", "not recorded"),
        "git_commit": run.data.tags.get("mlflow.source.git.commit", "not recorded"),
        "gate": version.tags.get("gate", "not recorded"),
        "approved_by": version.tags.get("approved_by", "not approved"),
        "approval_reason": version.tags.get("approval_reason", "not approved"),
        "approved_at": version.tags.get("approved_at", "not approved"),
    }
