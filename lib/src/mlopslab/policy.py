"""The governed policy: every limit, rule and role TelcoNova's governance board adopted, defined once.

Every lab and every package function that applies a policy takes it from here:

* :data:`ECONOMICS` — the retention campaign's economics (lab 05 onward);
* :data:`GATE` — the validation gate: minimum AUC, minimum profit uplift, and the fairness rule (labs 06, 07, 10, 11);
* :data:`THRESHOLD` — how the decision threshold is set and where it is recorded for serving (labs 06, 07, 08);
* :data:`APPROVAL` — the approval chain: who may approve, in which order, and where it is recorded
  (labs 06, 07, 11);
* :data:`ALERTS` — the monitor's alert rules (labs 09, 10, 11);
* :data:`PROMOTION` — continuous training's promotion and retraining rule (labs 10, 11);
* :data:`STANDING_APPROVAL` — the board's standing approval of the loop's routine retrains, and the tag it leaves
  (lab 10);
* :data:`SLO` — the real-time serving objective (lab 08).

A lab may *show* another policy to explain a trade-off (a stricter fairness metric, say), but every decision it
records uses these. ``tests/unit/test_policy.py`` checks that no lab or module defines its own.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import pandas as pd

GROUP_METRICS = ("recall", "selection_rate")
"""Group metrics the fairness rule can compare: recall (equal opportunity), selection rate (demographic parity)."""


@dataclass(frozen=True)
class Economics:
    """The retention campaign's economics (per customer, in euros)."""

    offer_cost: float = 25.0
    customer_value: float = 300.0
    save_rate: float = 0.35

    def cost_matrix(self) -> pd.DataFrame:
        """Profit per customer by (actual, decision): rows actual churn No/Yes, columns contact no/yes."""
        gain = self.save_rate * self.customer_value - self.offer_cost
        return pd.DataFrame(
            [[0.0, -self.offer_cost], [0.0, gain]],
            index=pd.Index(["stays", "churns"], name="actual"),
            columns=pd.Index(["not contacted", "contacted"], name="decision"),
        )

    def as_dict(self) -> dict[str, float]:
        return asdict(self)


@dataclass(frozen=True)
class GatePolicy:
    """The validation gate's limits: what a candidate model must show before it may replace the champion.

    The fairness rule compares the **share of customers contacted** (selection rate, demographic parity) between
    the groups of each sensitive feature. The board chose it because it needs no churn labels: the recorded labels
    come from a legacy process the datasheet flags, and a rule measured on them (recall, say) inherits their errors.
    Lab 06's gate applies it; lab 07's review shows why the board keeps it.
    """

    min_auc: float = 0.75
    """Ranking quality on the hold-out months."""
    min_uplift_per_customer: float = 2.0
    """Euros of campaign profit per scored customer above the best no-model policy."""
    max_fairness_gap: float = 0.10
    """Largest allowed difference of ``fairness_metric`` between the groups of any sensitive feature."""
    fairness_metric: str = "selection_rate"
    """``selection_rate``: share contacted (demographic parity); ``recall``: share of churners contacted."""
    sensitive_features: tuple[str, ...] = ("SeniorCitizen", "gender")

    def __post_init__(self) -> None:
        if self.fairness_metric not in GROUP_METRICS:
            raise ValueError(f"fairness_metric must be one of {GROUP_METRICS}, got {self.fairness_metric!r}")

    def as_dict(self) -> dict:
        return {**asdict(self), "sensitive_features": list(self.sensitive_features)}


@dataclass(frozen=True)
class ThresholdRule:
    """How the decision threshold is set, and where serving finds it.

    The threshold is the profit-optimal one (under :data:`ECONOMICS`) on **validation months**: each of the last
    ``validation_months`` training months is scored by a model fitted on the months before it (forward chaining),
    so the threshold is chosen on customers the model never saw and never on the hold-out months that the gate
    reports on.
    """

    method: str = "profit-optimal on the forward-chaining validation months, under ECONOMICS"
    validation_months: int = 3
    tag: str = "gate.threshold"
    """The model-version tag that records the governed threshold; every consumer of the model reads it there."""


@dataclass(frozen=True)
class ApprovalChain:
    """Who does what before a model version may serve, in order, and the version tags that record each step.

    ``order`` is the chain: each step needs the one before it, so nobody approves before the evidence the approval
    cites (the gate's verdict and the model card) exists, and the champion alias moves only after the approval.
    Nobody approves their own model (:meth:`may_approve`).
    """

    author_role: str = "Data Scientist"
    author: str = "data.scientist@telconova.example"
    validator_role: str = "Data Engineer"
    approver_role: str = "Business Analyst"
    approver: str = "business.analyst@telconova.example"
    order: tuple[str, ...] = ("registered", "gate", "model card", "approval", "champion alias")
    """Each step needs the one before it: nobody approves before the evidence the approval cites exists."""
    author_tag: str = "author"
    """Version tag: who built the model (copied from its training run)."""
    card_tag: str = "model_card.logged_at"
    """Version tag: when (UTC, ISO 8601) the model card was logged with the model."""
    approver_tag: str = "approved_by"
    approved_at_tag: str = "approved_at"
    """Version tag: when (UTC, ISO 8601) the approval was recorded; never earlier than ``card_tag``."""

    def may_approve(self, author: str, approver: str) -> bool:
        """Nobody approves their own model (and an approval names someone)."""
        return bool(approver.strip()) and approver.strip().lower() != author.strip().lower()


@dataclass(frozen=True)
class AlertRules:
    """When the monitor raises an alert (and when it only warns).

    PSI 0.1 / 0.25 are the customary credit-scoring cut-offs: below 0.1 sampling noise of a few hundred rows,
    0.1–0.25 worth a look, above 0.25 a shift big enough to change a model's inputs materially.
    """

    psi_warn: float = 0.10
    psi_alert: float = 0.25
    prediction_psi_alert: float = 0.25
    auc_drop: float = 0.05
    """Alert when AUC falls this far below the reference AUC."""
    segment_gap: float = 0.05
    """Alert when a segment's observed churn rate differs from its mean predicted churn by more than this."""

    def as_dict(self) -> dict[str, float]:
        return asdict(self)


@dataclass(frozen=True)
class PromotionRule:
    """Continuous training: when to retrain, and when a challenger replaces the champion."""

    window: int = 3
    """How many labelled months a challenger trains on: the newest ones before the gate months."""
    gate_months: int = 2
    """How many of the newest labelled months are kept out of training for the gate (lab 10): one month of a few
    hundred customers makes the fairness rule's small groups too noisy, so the gate sees more customers rather than
    a looser rule."""
    min_gain: float = 0.0
    """Euros of campaign profit on the gate data the challenger must earn above the champion (strictly more)."""
    max_auc_drop: float = 0.02
    """How much worse than the champion the challenger may rank (AUC) on the gate data."""
    retrain_on: tuple[str, ...] = ("data", "performance")
    """The alert kinds that trigger retraining."""

    def as_dict(self) -> dict:
        return {**asdict(self), "retrain_on": list(self.retrain_on)}


@dataclass(frozen=True)
class StandingApproval:
    """The board's standing approval of routine retrains: what continuous training may promote without a person
    approving each version, who granted it, and the version tag that records a promotion made under it.

    A version is covered only if every item of ``covers`` holds. Anything else (``not_covered``) goes through the whole
    approval chain, :data:`APPROVAL`, whose ``validation.promote`` needs a model card and a named approver.
    """

    covers: tuple[str, ...] = (
        "a retrain of the champion's own recipe (continuous.RECIPE): same model family, inputs and mitigation",
        "the champion's governed decision threshold, inherited unchanged",
        "passed the governed gate (policy.GATE) on its gate months",
        "beat the serving champion under the promotion rule (policy.PROMOTION)",
    )
    not_covered: tuple[str, ...] = ("a new model family", "new inputs", "a new mitigation", "a new threshold")
    granted_by: str = ApprovalChain.approver_role
    """The role that granted it for the board: the approver of the approval chain (:data:`APPROVAL`)."""
    tag: str = "approval"
    """Version tag written on each version promoted under it (a person's approval is ``APPROVAL.approver_tag``)."""
    tag_value: str = "standing"


@dataclass(frozen=True)
class ServingObjective:
    """The real-time endpoint's service-level objective and request limits."""

    latency_ms: float = 300.0
    percentile: float = 95.0
    max_rows: int = 5000


FEATURE_MIN_GAIN = 0.005
"""The validation months' AUC gain a new feature must bring to join the team's pipeline (lab 04): less, and it stays
out, since every feature is code to run, test and monitor in production."""

ECONOMICS = Economics()
GATE = GatePolicy()
THRESHOLD = ThresholdRule()
APPROVAL = ApprovalChain()
ALERTS = AlertRules()
PROMOTION = PromotionRule()
STANDING_APPROVAL = StandingApproval()
SLO = ServingObjective()
