"""MLOps what and why (lab 01): the five key features, the lifecycle picture and the maturity self-assessment.

The maturity scale follows Google's MLOps levels 0/1/2 (manual process, ML pipeline automation,
CI/CD pipeline automation), with Microsoft's five-level model (0-4) as a cross-reference.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover
    import matplotlib.axes
    import matplotlib.figure

FEATURES: dict[str, str] = {
    "model development": "experiments you can compare and repeat: data, code, parameters and metrics recorded",
    "monitoring": "watching inputs, predictions and performance in production, with alerts when they change",
    "productionalization and deployment": "turning a trained model into a versioned, tested service or job others use",
    "iteration and lifecycle": "retraining, re-validating and replacing models as data and business change",
    "governance": "knowing and controlling which data, model and people were involved, and proving it",
}
"""The five key features of MLOps (after the lecture), with a one-line meaning each."""

_FEATURE_KEYWORDS = {
    "model development": ("development", "develop"),
    "monitoring": ("monitor",),
    "productionalization and deployment": ("deploy", "production"),
    "iteration and lifecycle": ("iteration", "lifecycle", "life cycle"),
    "governance": ("governance", "govern"),
}

PRACTICES: dict[str, tuple[str, str]] = {
    "compare_candidates": ("Compare five candidate models' cross-validated AUC in one table", "model development"),
    "psi_check": ("Compute the drift (PSI) of MonthlyCharges between the training data and this month's batch",
                  "monitoring"),
    "rest_endpoint": ("Wrap the model in a REST endpoint that the CRM app calls", "productionalization and deployment"),
    "monthly_retrain": ("Retrain every month on the latest twelve months of data", "iteration and lifecycle"),
    "approval_record": ("Record that the Business Analyst approved model version 3 before release", "governance"),
    "mask_pii": ("Mask phone numbers before the data leaves the warehouse", "governance"),
    "score_alert": ("Page the on-call engineer when the distribution of churn scores shifts", "monitoring"),
}
"""Practices of the churn team (key -> (description, the key feature it serves)): exercise 01.practices."""


def feature_named(text: str) -> str | None:
    """The key feature a free-text answer names ("Deployment" -> "productionalization and deployment"), or None."""
    norm = " ".join(str(text).lower().replace("&", " and ").replace("-", " ").split())
    if norm in FEATURES:
        return norm
    hits = {name for name, keys in _FEATURE_KEYWORDS.items() if any(k in norm for k in keys)}
    return hits.pop() if len(hits) == 1 else None


# --- maturity levels ---------------------------------------------------------------------------

LEVELS: dict[int, str] = {
    0: "manual process: notebooks, hand-offs, no automation",
    1: "ML pipeline automation: continuous training, tracked and versioned",
    2: "CI/CD pipeline automation: tested, deployed, monitored and governed automatically",
}
"""Google's MLOps maturity levels."""

MICROSOFT_LEVELS: dict[int, tuple[str, int]] = {
    0: ("No MLOps", 0),
    1: ("DevOps but no MLOps", 0),
    2: ("Automated training", 1),
    3: ("Automated model deployment", 2),
    4: ("Full MLOps automated operations", 2),
}
"""Microsoft's levels 0-4: name and the Google level it roughly corresponds to."""

THRESHOLD = 0.8
"""Share of a level's practices a team needs in place (4 of 5) to reach that level."""


@dataclass(frozen=True)
class Question:
    """One statement of the self-assessment: the team answers yes (practice in place) or no."""

    key: str
    text: str
    level: int
    feature: str


QUESTIONS: list[Question] = [
    Question("tracking", "Every training run's parameters, metrics and data version are recorded automatically.",
             1, "model development"),
    Question("perf_report", "Model performance on newly labelled data is reported on a schedule and read by a person.",
             1, "monitoring"),
    Question("registry", "Trained models are stored as versioned artifacts in a model registry.",
             1, "productionalization and deployment"),
    Question("pipeline", "Training runs as an automated pipeline that retrains on new data without manual steps.",
             1, "iteration and lifecycle"),
    Question("data_versions", "Training data is versioned (checksums or a data-versioning tool) and linked to each model.",
             1, "governance"),
    Question("gate", "A candidate model must pass an automated validation gate before it can be released.",
             2, "model development"),
    Question("drift_alerts", "Production inputs and predictions are monitored for drift automatically, with alerts.",
             2, "monitoring"),
    Question("auto_deploy", "A model that passes the gate is deployed automatically, and a rollback is one command.",
             2, "productionalization and deployment"),
    Question("ci_tests", "Changes to code, data and pipeline run automated tests (CI) before they are merged.",
             2, "iteration and lifecycle"),
    Question("audit_trail", "Every release records who approved it and why, and the audit trail can be queried.",
             2, "governance"),
]
"""The ten statements of the self-assessment: one per key feature at level 1 and at level 2."""

DEFAULT_TEAM: dict[str, bool] = {q.key: q.key == "perf_report" for q in QUESTIONS}
"""TelcoNova's analytics team today (the headless default): only a monthly performance report is in place."""

TEAMS: dict[str, dict[str, bool]] = {
    "Atlas": {**{q.key: False for q in QUESTIONS}, "tracking": True, "perf_report": True},
    "Borealis": {**{q.key: q.level == 1 for q in QUESTIONS}, "ci_tests": True},
    "Cirrus": {q.key: True for q in QUESTIONS},
}
"""The answers of the three teams described in lab 01's exercise 01.team_levels."""


@dataclass(frozen=True)
class Assessment:
    """The result of a self-assessment."""

    level: int
    by_level: dict[int, float]
    """Share of practices in place per level (1, 2)."""
    by_feature: dict[str, float]
    """Share of practices in place per key feature."""
    missing: list[str]
    """The statements (keys) not yet in place for the next level; empty at level 2."""

    @property
    def microsoft_levels(self) -> list[int]:
        """The Microsoft levels that correspond to this Google level."""
        return [ms for ms, (_, google) in MICROSOFT_LEVELS.items() if google == self.level]


def assess(answers: dict[str, bool], threshold: float = THRESHOLD) -> Assessment:
    """Score a team's yes/no answers (question key -> bool; missing keys count as no) on the maturity scale.

    A level is reached when at least ``threshold`` of its practices are in place and every lower
    level is reached. Unknown keys or non-boolean answers raise ValueError naming them.
    """
    known = {q.key for q in QUESTIONS}
    unknown = sorted(set(answers) - known)
    if unknown:
        raise ValueError(f"unknown question key(s) {unknown}; the questions are {sorted(known)}")
    not_bool = sorted(k for k, v in answers.items() if not isinstance(v, bool))
    if not_bool:
        raise ValueError(f"answers must be True or False; not so for {not_bool}")
    if not 0 < threshold <= 1:
        raise ValueError(f"threshold must be in (0, 1], got {threshold}")
    in_place = {q.key: answers.get(q.key, False) for q in QUESTIONS}

    def share(questions: list[Question]) -> float:
        return sum(in_place[q.key] for q in questions) / len(questions)

    by_level = {lvl: share([q for q in QUESTIONS if q.level == lvl]) for lvl in (1, 2)}
    by_feature = {f: share([q for q in QUESTIONS if q.feature == f]) for f in FEATURES}
    level = 0
    for lvl in (1, 2):
        if by_level[lvl] < threshold:
            break
        level = lvl
    missing = [q.key for q in QUESTIONS if q.level == level + 1 and not in_place[q.key]]
    return Assessment(level, by_level, by_feature, missing)


def plot_assessment(result: Assessment, title: str = "", fig: matplotlib.figure.Figure | None = None):
    """Two panels: practices in place per key feature, and per level against the threshold."""
    import matplotlib.pyplot as plt

    fig = fig or plt.figure(figsize=(10, 3.6))
    fig.clear()
    left, right = fig.subplots(1, 2, gridspec_kw={"width_ratios": [3, 2]})
    names = list(result.by_feature)
    shares = [result.by_feature[n] for n in names]
    left.barh(names, shares, color=["#5cb85c" if s == 1 else "#f0ad4e" if s > 0 else "#d9534f" for s in shares])
    for y, s in enumerate(shares):
        left.text(s + 0.01, y, f"{s:.0%}", va="center", fontsize=8)
    left.invert_yaxis()
    left.set_xlim(0, 1.08)
    left.set_xlabel("share of practices in place")
    left.set_title("by key feature")
    levels = [f"level {lvl}" for lvl in result.by_level]
    right.bar(levels, list(result.by_level.values()), color="#337ab7")
    right.axhline(THRESHOLD, color="black", linestyle="--", linewidth=1)
    right.text(1.45, THRESHOLD + 0.02, f"needed ({THRESHOLD:.0%})", ha="right", fontsize=8)
    right.set_ylim(0, 1.05)
    right.set_ylabel("share of practices in place")
    right.set_title("by level")
    ms = " or ".join(str(m) for m in result.microsoft_levels)
    fig.suptitle(f"{title}Google level {result.level} ({LEVELS[result.level].split(':')[0]}), Microsoft level {ms}")
    fig.tight_layout()
    return fig


def questionnaire(answers: dict[str, bool] | None = None):
    """An ipywidgets front end to :func:`assess`: tick what the team does; level and chart update live.

    Starts from ``answers`` (default: :data:`DEFAULT_TEAM`). The same computation is
    ``plot_assessment(assess(answers))``, which a lab calls headlessly.
    """
    import io

    import ipywidgets as widgets
    import matplotlib.pyplot as plt

    start = dict(DEFAULT_TEAM if answers is None else answers)
    boxes = {
        q.key: widgets.Checkbox(value=start.get(q.key, False), description=f"L{q.level} · {q.text}",
                                indent=False, layout=widgets.Layout(width="auto"))
        for q in QUESTIONS
    }
    chart = widgets.Image(format="png", layout=widgets.Layout(max_width="900px"))

    def redraw(*_) -> None:
        fig = plot_assessment(assess({k: b.value for k, b in boxes.items()}), title="Your team: ")
        png = io.BytesIO()
        fig.savefig(png, format="png", dpi=80)
        plt.close(fig)
        chart.value = png.getvalue()

    for box in boxes.values():
        box.observe(redraw, names="value")
    redraw()
    header = widgets.HTML("<b>Tick every statement that is true for your team today.</b>")
    return widgets.VBox([header, *boxes.values(), chart])


# --- the audit ---------------------------------------------------------------------------------

AUDIT_ITEMS: dict[str, tuple[str, bool, str]] = {
    "data_version": ("the version (SHA-256) of the training data", True,
                     "an auditor always asks which data a model learned from"),
    "parameters": ("the training parameters, including the random seed", True,
                   "without them nobody can retrain the same model"),
    "code_version": ("the version of the training code", True,
                     "the same data and parameters with different code give a different model"),
    "people": ("who trained the model and who approved its release", True,
               "accountability needs names (or roles) and a decision on record"),
    "metrics": ("evaluation metrics at training time and on recent production data", True,
                "'how good is it, and is it still good today?' is the manager's first question"),
    "cell_count": ("how many times each notebook cell was run", False,
                   "execution counts say nothing about which data or model was used"),
    "screenshot": ("a screenshot of the notebook's final plot", False,
                   "a picture is not a record: it cannot be queried or verified"),
    "customer_copy": ("a full copy of every customer's personal data in the audit log", False,
                      "the audit needs the data's fingerprint, not a second copy of personal data"),
    "hostname": ("the name of the laptop the model was trained on", False,
                 "where it ran matters far less than what went in and who signed it off"),
}
"""Candidate entries of an audit record: key -> (description, needed?, why). Exercise 01.audit_needs."""

AUDIT_QUESTIONS: list[str] = [
    "Which data version trained it?",
    "Which parameters?",
    "Which code?",
    "Who trained it, and who approved it?",
    "How does it perform today?",
]
"""What a regulator or manager asks about a model in production."""


# --- the lifecycle picture ---------------------------------------------------------------------

CRISP_DM: list[str] = ["Business\nunderstanding", "Data\nunderstanding", "Data\npreparation", "Modeling",
                       "Evaluation", "Deployment"]
DEVOPS: list[str] = ["Plan", "Code", "Build", "Test", "Release", "Deploy", "Operate", "Monitor"]


def lifecycle_figure(ax: matplotlib.axes.Axes | None = None):
    """CRISP-DM's six phases as an inner cycle with DevOps' eight steps laid around it as an outer loop."""
    import matplotlib.pyplot as plt
    import numpy as np
    from matplotlib.patches import FancyArrowPatch

    if ax is None:
        _, ax = plt.subplots(figsize=(7.5, 7.5))
    ax.set_aspect("equal")
    ax.axis("off")

    def ring(labels: list[str], radius: float, colour: str, offset: float) -> None:
        n = len(labels)
        angles = [np.pi / 2 - 2 * np.pi * (i + offset) / n for i in range(n)]
        for label, angle in zip(labels, angles):
            ax.text(radius * np.cos(angle), radius * np.sin(angle), label, ha="center", va="center", fontsize=9,
                    bbox={"boxstyle": "round,pad=0.4", "fc": colour, "ec": "grey"})
            mid = angle - np.pi / n  # halfway to the next box, clockwise
            start, end = mid + 0.28 * np.pi / n, mid - 0.28 * np.pi / n
            ax.add_patch(FancyArrowPatch((radius * np.cos(start), radius * np.sin(start)),
                                         (radius * np.cos(end), radius * np.sin(end)),
                                         connectionstyle="arc3,rad=-0.25", arrowstyle="-|>",
                                         mutation_scale=12, color="grey"))

    ax.add_patch(plt.Circle((0, 0), 1.55, fc="#eaf2fb", ec="#337ab7", lw=1.5, ls="--"))
    ax.add_patch(plt.Circle((0, 0), 1.02, fc="white", ec="#5cb85c", lw=1.5))
    ring(DEVOPS, 1.3, "#d6e6f7", 0.5)
    ring(CRISP_DM, 0.72, "#e6f4ea", 0.0)
    ax.text(0, 0.06, "CRISP-DM", ha="center", va="center", fontsize=12, weight="bold", color="#3c763d")
    ax.text(0, -0.1, "the model lifecycle", ha="center", va="center", fontsize=8, color="#3c763d")
    ax.text(0, 1.66, "outer loop: DevOps (plan → monitor, then round again); inner loop: CRISP-DM",
            ha="center", fontsize=9, color="#31708f")
    ax.set_xlim(-1.7, 1.7)
    ax.set_ylim(-1.7, 1.78)
    ax.set_title("The enterprise ML lifecycle: CRISP-DM with DevOps laid over it", fontsize=11)
    return ax
