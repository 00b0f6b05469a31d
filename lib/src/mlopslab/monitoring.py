"""Model monitoring (lab 09): data drift, prediction drift, performance with delayed labels, alerts, a dashboard.

The monitor compares each monthly production batch with the **reference** data the model was trained on:

* data drift per feature: population stability index (PSI) and the Kolmogorov–Smirnov statistic (KS);
* prediction drift: the PSI of the model's scores and their mean;
* fairness, the day the batch is scored: the governed fairness rule of the gate (:data:`mlopslab.policy.GATE`,
  the gap in the share of customers contacted between the groups of each sensitive feature), at the governed
  threshold;
* performance once the labels arrive (a month after the batch): AUC, Brier score, the calibration gaps of
  the customer segments (observed minus predicted churn, in both directions), and the campaign profit.

:func:`monitor_year` runs all of it over the production year and applies the governed alert rules
(:data:`mlopslab.policy.ALERTS`); :func:`dashboard` draws the result with the batch months on the x-axis.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd
from scipy import stats
from sklearn.metrics import brier_score_loss, roc_auc_score

from . import data
from .development import Economics, best_threshold, expected_profit
from .policy import ALERTS, GATE, AlertRules, GatePolicy
from .schema import require_columns
from .scoring import churn_scores

KEY_FEATURES = ["MonthlyCharges", "TotalCharges", "tenure"]
"""The numeric features the dashboard shows (price, bill to date, time with the company)."""
SEGMENTS = ["InternetService", "Contract"]
"""Customer segments whose calibration is watched: a drift that hits one segment shows here first."""
EPSILON = 1e-4
"""Floor for an empty bin's share in PSI, so that the logarithm stays finite."""


def _is_categorical(values: pd.Series) -> bool:
    return not pd.api.types.is_numeric_dtype(values)


def _as_series(values, where: str) -> pd.Series:
    series = pd.Series(values).reset_index(drop=True)
    if series.isna().any():
        raise ValueError(f"{where} holds {int(series.isna().sum())} missing value(s); drop or impute them first")
    if series.empty:
        raise ValueError(f"{where} is empty: PSI and KS need at least one value")
    return series


def reference_bins(reference, bins: int = 10) -> tuple[np.ndarray | None, pd.Series]:
    """The reference's bins, made once for any number of batches (:func:`psi_against`): ``(edges, shares)``.

    Numbers: the edges of ``bins`` quantile bins (outer edges open) and the reference's share per bin.
    Categories (text): ``None`` and the reference's share per category.
    """
    ref = _as_series(reference, "the reference sample")
    if _is_categorical(ref):
        return None, ref.astype(str).value_counts(normalize=True)
    if bins < 2:
        raise ValueError(f"bins must be at least 2, got {bins}")
    values = ref.to_numpy(dtype=float)
    edges = np.unique(np.quantile(values, np.linspace(0, 1, bins + 1)))
    edges = np.concatenate([[-np.inf], edges[1:-1], [np.inf]]) if len(edges) > 2 else np.array([-np.inf, np.inf])
    return edges, pd.Series(np.histogram(values, edges)[0] / len(values))


def _shares_in(reference: tuple[np.ndarray | None, pd.Series], current: pd.Series) -> tuple[list | None, np.ndarray,
                                                                                            np.ndarray]:
    """(categories or None, reference shares, current shares) of ``current`` in the reference's bins; for categories
    every category seen in either sample is a bin, sorted."""
    edges, ref_share = reference
    if edges is None:
        seen, counts = np.unique(current.astype(str).to_numpy(), return_counts=True)
        cur_share = dict(zip(seen, counts / len(current)))
        ref_of = ref_share.to_dict()
        labels = sorted(set(ref_of) | set(cur_share))
        return (labels, np.array([ref_of.get(c, 0.0) for c in labels], dtype=float),
                np.array([cur_share.get(c, 0.0) for c in labels], dtype=float))
    if _is_categorical(current):
        raise TypeError("the reference's bins are numeric but the current sample holds text")
    return None, ref_share.to_numpy(), np.histogram(current.to_numpy(dtype=float), edges)[0] / len(current)


def bin_shares(reference, current, bins: int = 10) -> pd.DataFrame:
    """The share of reference and current values per bin (the table PSI is computed from).

    Numbers: ``bins`` quantile bins of the reference (outer edges open, so new extremes still count). Each bin holds
    the values from its lower edge up to, not including, its upper edge, as ``np.histogram`` counts them, and its
    label says so: ``"(-inf, 29.4)"``, ``"[29.4, 45.1)"``, …, ``"[101.2, inf)"``.
    Categories (text): one bin per category seen in either sample.
    """
    ref, cur = _as_series(reference, "the reference sample"), _as_series(current, "the current sample")
    bins_of_ref = reference_bins(ref.astype(str) if _is_categorical(cur) else ref, bins)
    labels, ref_share, cur_share = _shares_in(bins_of_ref, cur)
    if labels is None:
        edges = bins_of_ref[0]
        labels = [f"{'(' if np.isinf(lo) else '['}{lo:.4g}, {hi:.4g})" for lo, hi in zip(edges[:-1], edges[1:])]
    return pd.DataFrame({"bin": labels, "reference": ref_share, "current": cur_share})


def _psi_of(reference: tuple[np.ndarray | None, pd.Series], current: pd.Series) -> float:
    _, ref_share, cur_share = _shares_in(reference, current)
    ref, cur = np.clip(ref_share, EPSILON, None), np.clip(cur_share, EPSILON, None)
    return float(max(np.sum((cur - ref) * np.log(cur / ref)), 0.0))


def psi_against(reference: tuple[np.ndarray | None, pd.Series], current) -> float:
    """PSI of ``current`` against the reference's bins (:func:`reference_bins`), made once for many batches."""
    return _psi_of(reference, _as_series(current, "the current sample"))


def psi(reference, current, bins: int = 10) -> float:
    """Population stability index of ``current`` against ``reference``: sum of (cur - ref) * ln(cur / ref).

    0 means the same distribution; by custom below 0.1 is stable, 0.1–0.25 a moderate shift, above 0.25 a
    major one. Empty bins count as a share of :data:`EPSILON`.
    """
    ref, cur = _as_series(reference, "the reference sample"), _as_series(current, "the current sample")
    return _psi_of(reference_bins(ref.astype(str) if _is_categorical(cur) else ref, bins), cur)


def ks(reference, current) -> float:
    """The two-sample Kolmogorov–Smirnov statistic: the largest gap between the two empirical CDFs (0 to 1)."""
    ref, cur = _as_series(reference, "the reference sample"), _as_series(current, "the current sample")
    if _is_categorical(ref) or _is_categorical(cur):
        raise TypeError("KS compares numbers; use psi() for a categorical feature")
    # the statistic does not depend on how the p-value is computed; "asymp" avoids exact-mode warnings
    return float(stats.ks_2samp(ref.to_numpy(dtype=float), cur.to_numpy(dtype=float), method="asymp").statistic)


def feature_drift(reference: pd.DataFrame, batch: pd.DataFrame, features: list[str] | None = None,
                  rules: AlertRules = ALERTS) -> pd.DataFrame:
    """PSI (and KS for numbers) of each feature of ``batch`` against ``reference``, with its alert level."""
    features = list(features or data.FEATURES)
    require_columns(reference, features, "the reference")
    require_columns(batch, features, "the batch")
    rows = []
    for feature in features:
        value = psi(reference[feature], batch[feature])
        numeric = not (_is_categorical(reference[feature]) or _is_categorical(batch[feature]))
        rows.append({"feature": feature, "psi": round(value, 4),
                     "ks": round(ks(reference[feature], batch[feature]), 4) if numeric else np.nan,
                     "level": level(value, rules)})
    return pd.DataFrame(rows).sort_values("psi", ascending=False, ignore_index=True)


def level(psi_value: float, rules: AlertRules = ALERTS) -> str:
    """"ok", "warn" or "alert" for a PSI value under ``rules``."""
    return "alert" if psi_value >= rules.psi_alert else "warn" if psi_value >= rules.psi_warn else "ok"


score = churn_scores
"""Churn probabilities from a scikit-learn pipeline or an MLflow pyfunc model (loaded by alias), single-threaded:
:func:`mlopslab.scoring.churn_scores`, under the monitor's name."""


def segment_gaps(y, scores, segments: pd.DataFrame) -> pd.DataFrame:
    """Observed churn rate minus mean predicted churn per segment value (positive = the model under-predicts).

    Columns: segment ("Contract=One year"), customers, observed, predicted, gap; largest (most positive) gap first.
    """
    frame = segments.reset_index(drop=True).copy()
    frame["observed"], frame["predicted"] = np.asarray(y, dtype=float), np.asarray(scores, dtype=float)
    parts = []
    for column in segments.columns:
        grouped = frame.groupby(column)
        means = grouped[["observed", "predicted"]].mean()
        parts.append(pd.DataFrame({"segment": [f"{column}={value}" for value in means.index],
                                   "customers": grouped.size().to_numpy(),
                                   "observed": means["observed"].to_numpy(),
                                   "predicted": means["predicted"].to_numpy()}))
    table = pd.concat(parts, ignore_index=True)
    table["gap"] = table["observed"] - table["predicted"]
    return table.sort_values("gap", ascending=False, ignore_index=True, kind="stable")


def fairness_gaps(contacted, groups: pd.DataFrame, y=None) -> dict[str, float]:
    """The governed fairness rule's measure on one batch: per column of ``groups`` (the sensitive features), the
    largest difference between its groups in the share of customers ``contacted`` (selection rate). With the
    outcomes ``y`` (1 = churned), the share of the churners contacted instead (recall)."""
    contacted = np.asarray(contacted, dtype=float)
    keep = np.ones(len(contacted), dtype=bool) if y is None else np.asarray(y) == 1
    gaps = {}
    for column in groups.columns:
        rates = pd.Series(contacted[keep]).groupby(groups[column].to_numpy()[keep]).mean()
        gaps[column] = float(rates.max() - rates.min()) if len(rates) > 1 else 0.0
    return gaps


def direction(gap: float) -> str:
    """How a calibration gap (observed minus predicted) reads: "under-predicted" or "over-predicted" churn."""
    return "under-predicted" if gap > 0 else "over-predicted"


def performance(y, scores, threshold: float, segments: pd.DataFrame | None = None,
                economics: Economics = Economics()) -> dict[str, float | str]:
    """How the model did on a labelled batch: AUC, Brier score, churn observed vs predicted, segment gaps, profit.

    With ``segments`` (the segment columns of the batch, or their :func:`segment_gaps` table): ``worst_segment``/
    ``segment_gap`` is the most *under*-predicted segment (largest positive gap); ``calibration_segment``/
    ``calibration_gap`` the segment furthest off in either direction (signed gap).
    """
    y, scores = np.asarray(y, dtype=int), np.asarray(scores, dtype=float)
    if len(y) != len(scores):
        raise ValueError(f"{len(y)} labels but {len(scores)} scores: they must describe the same customers")
    result: dict[str, float | str] = {
        "auc": round(float(roc_auc_score(y, scores)), 4) if len(set(y)) > 1 else float("nan"),
        "brier": round(float(brier_score_loss(y, scores)), 4),
        "churn_rate": round(float(y.mean()), 4),
        "predicted_rate": round(float(scores.mean()), 4),
        "profit": round(expected_profit(y, scores, threshold, economics), 2),
    }
    if segments is not None:
        gaps = segments if {"segment", "gap"} <= set(segments.columns) else segment_gaps(y, scores, segments)
        worst, furthest = gaps.iloc[0], gaps.loc[gaps["gap"].abs().idxmax()]
        result.update(worst_segment=worst["segment"], segment_gap=round(float(worst["gap"]), 4),
                      calibration_segment=furthest["segment"], calibration_gap=round(float(furthest["gap"]), 4))
    return result


@dataclass
class Monitoring:
    """The monitor's view of a year: one row per batch month, and the alerts raised."""

    table: pd.DataFrame
    """Per batch month: PSI of every feature (``psi_<feature>``), prediction drift and (once labelled) performance."""
    alerts: pd.DataFrame
    """One row per alert: the month it was raised in, the batch it concerns, the rule, the value and threshold."""
    rules: AlertRules = field(default_factory=AlertRules)
    reference_auc: float = float("nan")
    """The model's AUC on its hold-out data: the level performance is compared with."""
    threshold: float = 0.5
    """The campaign threshold the profit and the fairness gap are computed at."""
    gaps: pd.DataFrame = field(default_factory=pd.DataFrame)
    """Per batch month and segment: observed and predicted churn and their gap (the calibration evidence)."""
    fairness: GatePolicy = GATE
    """The fairness rule applied to every batch (the governed gate's)."""

    def alert_months(self, kind: str | None = None, rule: str | None = None) -> list[str]:
        """The months in which an alert (of ``kind``: "data", "prediction", "performance"; whose rule starts with
        ``rule``) was raised."""
        alerts = self.alerts if kind is None else self.alerts[self.alerts["kind"] == kind]
        if rule is not None:
            alerts = alerts[alerts["rule"].str.startswith(rule)]
        return sorted(alerts["raised_in"].unique())

    def first_alert(self, kind: str | None = None, rule: str | None = None) -> str | None:
        """The first month with an alert (of ``kind``, whose rule starts with ``rule``), or None."""
        months = self.alert_months(kind, rule)
        return months[0] if months else None


def next_month(month: str) -> str:
    """"2026-02" for "2026-01"; "2027-01" for "2026-12"."""
    year, mon = int(month[:4]), int(month[5:7])
    return f"{year + mon // 12}-{mon % 12 + 1:02d}"


def monitor_year(model, reference: pd.DataFrame, holdout: pd.DataFrame | None = None,
                 batches: dict[str, pd.DataFrame] | None = None, labels: dict[str, pd.DataFrame] | None = None,
                 threshold: float | None = None, rules: AlertRules = ALERTS,
                 economics: Economics = Economics(), features: list[str] | None = None,
                 segments: list[str] | None = None, fairness: GatePolicy = GATE) -> Monitoring:
    """Monitor a production year month by month, as the team would have seen it.

    ``model`` scores (sklearn pipeline or pyfunc); ``reference`` is the data it was trained on; ``holdout``
    (labelled, not trained on) gives the reference AUC and, if ``threshold`` is not given, a profit-optimal
    campaign threshold (default: ``reference``; pass the governed threshold of the served model instead). Give the
    hold-out the same kind of labels production brings, real outcomes: for the course's champion that is
    ``champion_data(audited=True)``, since the recorded 2025 labels hold lab 07's false churners.
    ``batches``/``labels`` default to the shipped production year. Data drift, prediction drift and fairness
    (the rule of ``fairness``, the governed gate's, at ``threshold``) are known in the batch's month; performance
    only when its labels arrive (``label_available``, the month after). ``features`` limits the data-drift monitor
    to some features (default: every model input); ``segments`` are the columns whose calibration is watched
    (default :data:`SEGMENTS`), in both directions.
    """
    features = list(features or data.FEATURES)
    segments = list(segments or SEGMENTS)
    if batches is None or labels is None:
        months = data.PRODUCTION_MONTHS
        batches = {m: data.load_batch(m) for m in months} if batches is None else batches
        labels = {m: data.load_labels(m) for m in months} if labels is None else labels
    missing = sorted(set(batches) - set(labels))
    if missing:
        raise KeyError(f"no labels for batch month(s) {missing}")
    holdout = reference if holdout is None else holdout
    y_holdout, holdout_scores = (holdout[data.TARGET] == "Yes").astype(int), score(model, holdout)
    reference_auc = float(roc_auc_score(y_holdout, holdout_scores))
    if threshold is None:
        threshold = best_threshold(y_holdout, holdout_scores, economics)[0]
    reference_scores = holdout_scores  # prediction drift: today's scores against the hold-out months' scores
    rows, alerts, gap_tables = [], [], []
    for month in sorted(batches):
        batch = batches[month]
        drift = feature_drift(reference, batch, features, rules=rules).set_index("feature")
        scores = score(model, batch)
        labelled = batch[["customerID"]].merge(labels[month], on="customerID", how="left")
        if labelled[data.TARGET].isna().any():
            raise KeyError(f"labels of {month} miss {int(labelled[data.TARGET].isna().sum())} customer(s) of the batch")
        known = str(labelled["label_available"].iloc[0]) if "label_available" in labelled else next_month(month)
        y = (labelled[data.TARGET] == "Yes").astype(int)
        gaps = segment_gaps(y, scores, batch[segments])
        perf = performance(y, scores, threshold, gaps, economics)
        pred_psi = psi(reference_scores, scores)
        by_recall = fairness.fairness_metric == "recall"  # a rule on recall waits for the labels; the governed one not
        fair = fairness_gaps(scores >= threshold, batch[list(fairness.sensitive_features)], y if by_recall else None)
        fair_by = max(fair, key=fair.get)
        row = {"month": month, **{f"psi_{f}": drift.at[f, "psi"] for f in features},
               "prediction_mean": round(float(scores.mean()), 4),
               "prediction_psi": round(pred_psi, 4), "fairness_gap": round(fair[fair_by], 4), "fairness_by": fair_by,
               "labels_known": known, **perf}
        rows.append(row)
        if fair[fair_by] > fairness.max_fairness_gap:
            alerts.append((known if by_recall else month, month, "fairness",
                           f"{fairness.fairness_metric.replace('_', ' ')} gap by {fair_by}", round(fair[fair_by], 4),
                           fairness.max_fairness_gap))
        for feature, value in drift.loc[drift["level"] == "alert", "psi"].items():
            alerts.append((month, month, "data", f"PSI {feature}", value, rules.psi_alert))
        if pred_psi >= rules.prediction_psi_alert:
            alerts.append((month, month, "prediction", "PSI of the scores", round(pred_psi, 4), rules.prediction_psi_alert))
        if perf["auc"] < reference_auc - rules.auc_drop:
            alerts.append((known, month, "performance", "AUC drop", perf["auc"], round(reference_auc - rules.auc_drop, 4)))
        for _, gap in gaps[gaps["gap"].abs() > rules.segment_gap].iterrows():
            alerts.append((known, month, "performance", f"{direction(gap['gap'])} churn in {gap['segment']}",
                           round(float(gap["gap"]), 4), rules.segment_gap))
        gap_tables.append(gaps.assign(month=month, labels_known=known))
    columns = ["raised_in", "batch", "kind", "rule", "value", "threshold"]
    alert_table = pd.DataFrame(alerts, columns=columns).sort_values(["raised_in", "kind", "rule"], ignore_index=True)
    gap_table = pd.concat(gap_tables, ignore_index=True)[["month", "labels_known", "segment", "customers", "observed",
                                                          "predicted", "gap"]]
    return Monitoring(pd.DataFrame(rows), alert_table, rules, round(reference_auc, 4), threshold, gap_table, fairness)


def dashboard(monitoring: Monitoring, features: list[str] | None = None, title: str = "Churn model monitoring"):
    """The monitoring dashboard, one panel per signal: feature PSI, predicted vs observed churn, AUC, calibration and
    (when the monitor measured it) fairness.

    Every point sits at the month of the batch it describes, so predicted and observed churn of one batch share an
    x position; the outcome-based points (observed churn, AUC, calibration) became known a month later, when the
    batch's labels arrived. Each panel draws its governed alert lines. Returns the matplotlib figure.
    """
    import matplotlib.pyplot as plt

    features = features or KEY_FEATURES
    table, rules = monitoring.table, monitoring.rules
    months = list(table["month"])
    x = np.arange(len(months))
    fair = "fairness_gap" in table
    fig, axes = plt.subplots(5 if fair else 4, 1, figsize=(9, 13.5 if fair else 11), sharex=True)

    ax = axes[0]
    for feature in features:
        ax.plot(x, table[f"psi_{feature}"], marker="o", label=feature)
    ax.axhline(rules.psi_warn, color="orange", ls="--", lw=1, label=f"warn ({rules.psi_warn:g})")
    ax.axhline(rules.psi_alert, color="red", ls="--", lw=1, label=f"alert ({rules.psi_alert:g})")
    ax.set_ylabel("PSI vs training data")
    ax.set_title("Data drift of the key features (known when the batch arrives)")
    ax.legend(fontsize=8, ncol=3, loc="upper left")

    ax = axes[1]
    ax.plot(x, table["prediction_mean"], marker="o", label="mean predicted churn (known when the batch is scored)")
    ax.plot(x, table["churn_rate"], marker="s", ls=":", label="observed churn rate (known a month later)")
    ax.set_ylabel("churn share of the batch")
    ax.set_title("Predicted and observed churn of the same batch")
    ax.legend(fontsize=8, loc="upper left")

    ax = axes[2]
    ax.plot(x, table["auc"], marker="o", color="tab:blue", label="AUC of the batch")
    ax.axhline(monitoring.reference_auc, color="grey", lw=1, label=f"reference ({monitoring.reference_auc:.3f})")
    ax.axhline(monitoring.reference_auc - rules.auc_drop, color="red", ls="--", lw=1,
               label=f"alert (reference − {rules.auc_drop:g})")
    low = min(float(table["auc"].min()), monitoring.reference_auc - rules.auc_drop)
    ax.set_ylim(max(0.5, low - 0.05), 1.0)
    ax.set_ylabel("AUC")
    ax.set_title("Ranking: AUC of each batch (known a month later)")
    ax.legend(fontsize=8, ncol=3, loc="upper left")

    ax = axes[3]
    gap_column = "calibration_gap" if "calibration_gap" in table else "segment_gap"
    ax.plot(x, table[gap_column], marker="s", color="tab:red", label="segment furthest off: observed − predicted")
    ax.axhline(0, color="grey", lw=1)
    for sign in (1, -1):
        ax.axhline(sign * rules.segment_gap, color="red", ls="--", lw=1,
                   label=f"alert (±{rules.segment_gap:g})" if sign > 0 else None)
    limit = max(0.15, float(table[gap_column].abs().max()) * 1.2)
    ax.set_ylim(-limit, limit)
    ax.text(len(months) - 0.6, limit * 0.85, "under-predicted", ha="right", va="top", fontsize=8, color="grey")
    ax.text(len(months) - 0.6, -limit * 0.85, "over-predicted", ha="right", va="bottom", fontsize=8, color="grey")
    ax.set_ylabel("calibration gap")
    ax.set_title("Calibration by segment (known a month later)")
    ax.legend(fontsize=8, ncol=2, loc="upper left")

    if fair:
        ax = axes[4]
        rule = monitoring.fairness
        ax.plot(x, table["fairness_gap"], marker="D", color="tab:purple",
                label=f"largest {rule.fairness_metric.replace('_', ' ')} gap ({', '.join(rule.sensitive_features)})")
        ax.axhline(rule.max_fairness_gap, color="red", ls="--", lw=1,
                   label=f"alert: the gate's maximum ({rule.max_fairness_gap:g})")
        ax.set_ylim(0, max(0.2, float(table["fairness_gap"].max()) * 1.2))
        ax.set_ylabel("fairness gap")
        known = "a month later" if rule.fairness_metric == "recall" else "when the batch is scored"
        ax.set_title(f"Fairness at the governed threshold (known {known})")
        ax.legend(fontsize=8, ncol=2, loc="upper left")

    for ax in axes:
        ax.grid(alpha=0.3)
    axes[-1].set_xticks(x, [m[2:] for m in months], rotation=45)
    axes[-1].set_xlabel("batch month")
    fig.suptitle(title)
    fig.tight_layout()
    return fig


def production_year(drift: data.Drift | None = None, batch_size: int | None = None
                    ) -> tuple[dict[str, pd.DataFrame], dict[str, pd.DataFrame]]:
    """Regenerate the production year in memory with another drift or batch size; what is not given comes from the
    term of the data in data/ (``data.term()``), so no arguments give the files in data/production."""
    term = data.term()
    return data.make_production(replace(term, drift=term.drift if drift is None else drift,
                                        batch_size=term.batch_size if batch_size is None else batch_size))


def champion_data(audited: bool = False) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The course champion's training data and its hold-out months (``registry.reference_split``).

    With ``audited``, the hold-out months carry the **audited** outcomes (``trust.audited_outcomes``: the same
    customers, their churn reconciled with billing closures) instead of the recorded labels: the outcomes production
    brings are real ones too, so this is the yardstick production performance is compared with.
    """
    from .registry import reference_split

    train, holdout = reference_split()
    if audited:
        from .trust import audited_outcomes

        outcomes = audited_outcomes()
        if not np.array_equal(outcomes["customerID"].to_numpy(), holdout["customerID"].to_numpy()):
            raise ValueError("the audited outcomes do not describe the hold-out customers, row by row")
        holdout = holdout.assign(**{data.TARGET: outcomes[data.TARGET].to_numpy()})
    return train, holdout


def governed_threshold(alias: str = "champion", name: str | None = None) -> float:
    """The decision threshold recorded on the model version behind ``alias`` (tag ``policy.THRESHOLD.tag``)."""
    from . import registry
    from .config import MODEL_NAME
    from .policy import THRESHOLD

    version = registry.client().get_model_version_by_alias(name or MODEL_NAME, alias)
    if THRESHOLD.tag not in version.tags:
        raise LookupError(f"version {version.version} of {name or MODEL_NAME} has no tag {THRESHOLD.tag!r}: "
                          "the governed threshold is recorded when the model is approved (lab 06)")
    return float(version.tags[THRESHOLD.tag])
