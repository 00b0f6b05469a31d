"""Model validation and governance (lab 06): the validation gate, the governed threshold, the approval chain.

The gate is the course's automated check that a candidate model may replace the champion. Labs 07, 10 and 11 call it:

    decision = validation.gate(model, holdout, policy.GATE, threshold)   # a fitted pipeline or an MLflow pyfunc
    if decision.passed: ...
    print(decision)                                   # every rule with its numbers: what passed, what failed

It checks the three rules of the governed :data:`mlopslab.policy.GATE`: a minimum AUC, a minimum profit uplift per
customer over the best no-model policy, and a maximum gap of a group metric between the groups of each sensitive
feature. The threshold follows :data:`mlopslab.policy.THRESHOLD` (:func:`out_of_time_scores`).

The approval chain of :data:`mlopslab.policy.APPROVAL` is recorded as model-version tags, in order:
:func:`record_gate` (the verdict and the threshold), :func:`log_model_card` (the card, with the time it was logged),
:func:`approve` (refuses unless the gate passed, the card exists and the approver is not the author) and
:func:`promote` (moves ``champion`` only when the whole chain is on record).
"""

from __future__ import annotations

import json
import subprocess
from dataclasses import dataclass, field
from datetime import UTC, datetime

import numpy as np
import pandas as pd
from sklearn.metrics import roc_auc_score

from .config import MODEL_NAME, repo_root
from .development import Economics, best_threshold, expected_profit, month_folds
from .policy import APPROVAL, ECONOMICS, GATE, GROUP_METRICS, THRESHOLD, GatePolicy
from .preparation import split_xy
from .schema import require_columns
from .scoring import churn_scores

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


def baseline_profit(y, economics: Economics = ECONOMICS) -> float:
    """Profit of the best no-model policy: contact nobody (0) or contact everybody, whichever earns more."""
    return max(0.0, expected_profit(y, np.ones(len(y)), 0.0, economics))


def _group_gaps(y, contacted, groups: pd.DataFrame, metric: str) -> dict[str, float]:
    """For each column of ``groups``: the largest difference of ``metric`` between its groups."""
    from . import monitoring  # the one computation of the rule's measure: the monitor applies it to every batch

    if metric not in GROUP_METRICS:
        raise ValueError(f"metric must be one of {GROUP_METRICS}, got {metric!r}")
    gaps = monitoring.fairness_gaps(contacted, groups, y if metric == "recall" else None)
    return {column: round(gap, 4) for column, gap in gaps.items()}


def collect_evidence(model, holdout: pd.DataFrame, policy: Policy = GATE, threshold: float | None = None,
                     economics: Economics = ECONOMICS) -> Evidence:
    """Measure a model on labelled hold-out customers at ``threshold``.

    Pass the governed threshold (:data:`mlopslab.policy.THRESHOLD`, chosen on validation months). Without one, the
    profit-optimal threshold on the hold-out itself is used, which flatters the profit a little.
    """
    require_columns(holdout, policy.sensitive_features, "the hold-out data (for Policy.sensitive_features)")
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
        fairness_gaps=_group_gaps(y, contacted, holdout[list(policy.sensitive_features)], policy.fairness_metric),
    )


def _euros(amount: float) -> str:
    """An amount in euros with two decimals: "€7.95", "-€3.20", and "€0.00" (never "€-0.00") for what rounds to 0."""
    cents = round(float(amount) * 100)
    return f"{'-' if cents < 0 else ''}€{abs(cents) / 100:.2f}"


def _decide(evidence: Evidence, policy: Policy = GATE) -> Decision:
    """Apply the policy's three rules to the evidence (a value exactly at a limit passes)."""
    checks = {
        "auc": (evidence.auc >= policy.min_auc,
                f"AUC {evidence.auc:.3f} {{}} the minimum {policy.min_auc:.3f}"),
        "uplift": (evidence.uplift_per_customer >= policy.min_uplift_per_customer,
                   f"profit uplift {_euros(evidence.uplift_per_customer)} per customer over the best no-model "
                   f"policy {{}} the minimum {_euros(policy.min_uplift_per_customer)}"),
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


def gate(model, holdout: pd.DataFrame, policy: Policy = GATE, threshold: float | None = None,
         economics: Economics = ECONOMICS) -> Decision:
    """The automated validation gate: measure ``model`` on labelled ``holdout`` customers and decide.

    ``model`` is a fitted pipeline or an MLflow pyfunc (e.g. ``registry.load("challenger")``); ``holdout`` holds the
    FEATURES columns, ``Churn`` and the policy's sensitive features; ``threshold`` is the governed one (see
    :func:`out_of_time_scores`). The decision has ``.passed``, ``.reasons`` (one sentence per rule), ``.failed``
    (rule names) and ``.evidence``.
    """
    return _decide(collect_evidence(model, holdout, policy, threshold, economics), policy)


def out_of_time_scores(fit, train: pd.DataFrame, n_folds: int = THRESHOLD.validation_months) -> pd.DataFrame:
    """Forward-chaining validation scores, the data the governed threshold is chosen on (:data:`policy.THRESHOLD`).

    For each of the last ``n_folds`` months of ``train``, ``fit(frame)`` (a function returning a fitted pipeline)
    is fitted on the months before it and scores that month. Returns one row per validated customer: ``month``,
    ``y`` (1 = churned) and ``score``. The governed threshold is then
    ``development.best_threshold(scores["y"], scores["score"])[0]``.
    """
    parts = []
    for fit_rows, val_rows in month_folds(train, n_folds):
        model = fit(train.iloc[fit_rows])
        X, y = split_xy(train.iloc[val_rows])
        parts.append(pd.DataFrame({"month": train["month"].iloc[val_rows].to_numpy(), "y": y.to_numpy(),
                                   "score": churn_scores(model, X)}))
    return pd.concat(parts, ignore_index=True)


# --- the registry: the approval chain of policy.APPROVAL, recorded as model-version tags -------------------------

def _client():
    from .registry import client

    return client()


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def record_gate(version: str, decision: Decision, name: str = MODEL_NAME) -> None:
    """Write the gate's verdict, reasons, policy and the governed threshold (``policy.THRESHOLD.tag``) as tags."""
    c = _client()
    c.set_model_version_tag(name, version, "gate", "passed" if decision.passed else "failed")
    c.set_model_version_tag(name, version, "gate.reasons", "; ".join(decision.reasons))
    c.set_model_version_tag(name, version, "gate.policy", json.dumps(decision.policy.as_dict()))
    c.set_model_version_tag(name, version, THRESHOLD.tag, f"{decision.evidence.threshold:.2f}")


def _approval_problems(tags: dict[str, str]) -> list[str]:
    """What the record lacks before an approval may be recorded: gate passed, model card logged, author known."""
    problems = []
    if tags.get("gate", "") != "passed":
        problems.append(f"its gate tag is {tags.get('gate')!r}, not 'passed'")
    if not tags.get(APPROVAL.card_tag):
        problems.append(f"no model card is logged for it (tag {APPROVAL.card_tag!r}; see log_model_card)")
    if not tags.get(APPROVAL.author_tag, "").strip():
        problems.append(f"it records no author (tag {APPROVAL.author_tag!r}, copied from its training run)")
    return problems


def approve(version: str, approver: str, reason: str, name: str = MODEL_NAME) -> None:
    """Record a human approval (who, why, when in UTC) as tags, after the evidence it cites (policy.APPROVAL).

    Refuses (ValueError) unless the version's gate passed, its model card is logged, and the approver is not its
    author.
    """
    if not approver.strip() or not reason.strip():
        raise ValueError("an approval needs an approver and a reason (both non-empty)")
    c = _client()
    tags = c.get_model_version(name, version).tags
    problems = _approval_problems(tags)
    if problems:
        raise ValueError(f"{name} version {version} cannot be approved: " + "; ".join(problems))
    author = tags[APPROVAL.author_tag]
    if not APPROVAL.may_approve(author, approver):
        raise ValueError(f"{name} version {version} cannot be approved by {approver}: nobody approves their own "
                         f"model (author {author}); the approver is the {APPROVAL.approver_role}")
    c.set_model_version_tag(name, version, APPROVAL.approver_tag, approver)
    c.set_model_version_tag(name, version, "approval_reason", reason)
    c.set_model_version_tag(name, version, APPROVAL.approved_at_tag, _now())


def promote(version: str, name: str = MODEL_NAME) -> str:
    """Point ``champion`` at ``version`` once the whole approval chain is on record; return the version it replaces.

    Refuses (PermissionError, the alias does not move) unless the gate passed, the model card was logged, and someone
    other than the author approved it no earlier than the card. Records the replaced version in the tag ``replaces``
    (lab 10 rolls back with it); returns "" when there was no champion.
    """
    from .registry import alias_version

    c = _client()
    tags = c.get_model_version(name, version).tags
    problems = _approval_problems(tags)
    approver = tags.get(APPROVAL.approver_tag, "")
    if not approver:
        problems.append("nobody approved it")
    elif not APPROVAL.may_approve(tags.get(APPROVAL.author_tag, ""), approver):
        problems.append(f"it was approved by its own author ({approver})")
    elif tags.get(APPROVAL.approved_at_tag, "") < tags.get(APPROVAL.card_tag, ""):
        problems.append("it was approved before its model card was logged")
    if problems:
        raise PermissionError(f"{name} version {version} may not become champion: " + "; ".join(problems))
    previous = alias_version("champion", name) or ""
    if previous and previous != str(version):
        c.set_model_version_tag(name, version, "replaces", previous)
    c.set_registered_model_alias(name, "champion", version)
    return previous


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


def log_model_card(run_id: str, card: str, name: str = MODEL_NAME, version: str | None = None,
                   file_name: str = "model_card.md") -> str:
    """Log the card in the run's artifacts; for a ``version``, also record when (tag ``policy.APPROVAL.card_tag``)
    and repeat its intended use as the version's description. Returns the artifact path."""
    c = _client()
    c.log_text(run_id, card, file_name)
    if version is not None:
        intended = card.split("## Intended use", 1)[-1].split("##", 1)[0].strip()
        c.update_model_version(name, version, description=intended[:500])
        c.set_model_version_tag(name, version, APPROVAL.card_tag, _now())
    return file_name


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
