"""MLOps what and why (lab 01): the five key features, the lifecycle picture and the maturity self-assessment.

The maturity levels are Google's (*MLOps: continuous delivery and automation pipelines in machine learning*, Google
Cloud Architecture Center): level 0 manual process, level 1 ML pipeline automation, level 2 CI/CD pipeline
automation. The ten statements restate the components Google's article gives each level; the scoring (a level counts
when 4 of its 5 statements hold and every lower level is reached) is this course's own simplification: Google
describes the levels, it does not score them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover
    import matplotlib.axes
    import matplotlib.figure

KEY_FEATURES: dict[str, str] = {
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


def feature_named(text: str) -> str | None:
    """The key feature a free-text answer names ("Deployment" -> "productionalization and deployment"), or None."""
    norm = " ".join(str(text).lower().replace("&", " and ").replace("-", " ").split())
    if norm in KEY_FEATURES:
        return norm
    hits = {name for name, keys in _FEATURE_KEYWORDS.items() if any(k in norm for k in keys)}
    return hits.pop() if len(hits) == 1 else None


# --- maturity levels ---------------------------------------------------------------------------

LEVELS: dict[int, str] = {
    0: "manual process: notebooks and scripts run by hand, models handed over as files",
    1: "ML pipeline automation: continuous training, validated and delivered by the pipeline",
    2: "CI/CD pipeline automation: the pipeline itself is built, tested and deployed automatically",
}
"""Google's MLOps maturity levels."""

THRESHOLD = 0.8
"""Share of a level's statements a team needs to meet (4 of 5) to reach that level: the course's rule, not Google's."""


@dataclass(frozen=True)
class Question:
    """One statement of the self-assessment: the team answers yes (practice in place) or no."""

    key: str
    text: str
    level: int
    """Google's level whose components the statement describes."""
    feature: str
    """The key feature the practice serves."""
    labs: str
    """Where this course builds the practice."""


QUESTIONS: list[Question] = [
    Question("pipeline", "Training runs as an automated pipeline that retrains the model on fresh data without "
             "manual steps (continuous training).", 1, "iteration and lifecycle", "10"),
    Question("validation", "The pipeline checks each new batch of data and each newly trained model automatically, "
             "and stops when a check fails (data and model validation).", 1, "governance", "03, 06"),
    Question("metadata", "Every pipeline run records its parameters, metrics and data version, and registers the "
             "model it produced (metadata store, model registry).", 1, "model development", "05, 06"),
    Question("model_delivery", "A newly trained model that passes validation reaches the prediction service "
             "without a manual hand-over (continuous delivery of models).", 1, "productionalization and deployment",
             "08, 10"),
    Question("triggers", "Production performance and input data are monitored, and a drop or a shift starts the "
             "pipeline automatically (pipeline triggers).", 1, "monitoring", "09, 10"),
    Question("source_control", "Experiments are code in source control, and a new idea reaches production as a new "
             "version of the pipeline, not as a notebook (modular, reproducible pipeline code).", 2,
             "model development", "10, 11"),
    Question("pipeline_ci", "Every change to the pipeline's code is built and tested automatically before it is "
             "merged (continuous integration of the pipeline).", 2, "iteration and lifecycle", "10"),
    Question("pipeline_cd", "A pipeline version that passes its tests is deployed to the test and production "
             "environments automatically (continuous delivery of the pipeline).", 2,
             "productionalization and deployment", "none"),
    Question("serving_tests", "Before a release, automated tests call the prediction service with sample requests "
             "and check its input schema and latency.", 2, "productionalization and deployment", "08"),
    Question("live_monitoring", "Statistics of the live predictions are collected continuously and can start a new "
             "experiment cycle, not only a retraining run.", 2, "monitoring", "09, 11"),
]
"""The ten statements of the self-assessment: Google's level-1 components, then its level-2 additions."""

DEFAULT_TEAM: dict[str, bool] = {q.key: False for q in QUESTIONS}
"""TelcoNova's analytics team at the start of the course (the headless default): nothing is automated yet."""


@dataclass(frozen=True)
class Assessment:
    """The result of a self-assessment."""

    level: int
    by_level: dict[int, float]
    """Share of statements met per level (1, 2)."""
    by_feature: dict[str, float]
    """Share of statements met per key feature."""
    missing: list[str]
    """The statements (keys) not yet met for the next level; empty at level 2."""


def assess(answers: dict[str, bool], threshold: float = THRESHOLD) -> Assessment:
    """Score a team's yes/no answers (question key -> bool; missing keys count as no) on the maturity scale.

    A level is reached when at least ``threshold`` of its statements hold and every lower
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
    by_feature = {f: share([q for q in QUESTIONS if q.feature == f]) for f in KEY_FEATURES}
    level = 0
    for lvl in (1, 2):
        if by_level[lvl] < threshold:
            break
        level = lvl
    missing = [q.key for q in QUESTIONS if q.level == level + 1 and not in_place[q.key]]
    return Assessment(level, by_level, by_feature, missing)


def plot_assessment(result: Assessment, title: str = "", fig: matplotlib.figure.Figure | None = None):
    """Two panels: statements met per key feature, and per level against the threshold."""
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
    left.set_xlabel("share of statements met")
    left.set_title("by key feature")
    levels = [f"level {lvl}" for lvl in result.by_level]
    level_shares = list(result.by_level.values())
    right.bar(levels, level_shares, color="#337ab7")
    for x, s in enumerate(level_shares):  # a label on every bar, so that a level with nothing met still shows 0 %
        right.text(x, s + 0.02, f"{s:.0%}", ha="center", va="bottom", fontsize=8)
    right.axhline(THRESHOLD, color="black", linestyle="--", linewidth=1)
    right.text(1.01, THRESHOLD, f"needed\n({THRESHOLD:.0%})", transform=right.get_yaxis_transform(), ha="left",
               va="center", fontsize=8)  # beside the axes, clear of the bars' labels
    right.set_ylim(0, 1.1)
    right.set_ylabel("share of statements met")
    right.set_title("by level")
    fig.suptitle(f"{title}Google level {result.level} ({LEVELS[result.level].split(':')[0]})")
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


# --- the lifecycle picture ---------------------------------------------------------------------

@dataclass(frozen=True)
class Stage:
    """One step of the course's loop: a stage of operationalization, with the CRISP-DM and DevOps steps it covers."""

    name: str
    leads: str
    crisp_dm: str
    devops: str
    labs: str


STAGES: list[Stage] = [
    Stage("business understanding\nand planning", "everyone",
          "Business understanding", "Plan", "01, 02"),
    Stage("1 data provisioning\nwith governance", "Data Steward, Data Engineer", "Data understanding", "Code", "03"),
    Stage("2 data preparation\nfor the model", "Data Engineer, Data Scientist", "Data preparation", "Code · Build", "04"),
    Stage("3 model\ndevelopment", "Data Scientist, Business Analyst", "Modeling", "Build", "05"),
    Stage("4 model validation\nand governance", "Data Scientist, Data Engineer", "Evaluation", "Test · Release",
          "06, 07"),
    Stage("5 model deployment and\ninsight consumption", "Data Engineer, App Developer", "Deployment",
          "Deploy · Operate", "08"),
    Stage("6 model\nmonitoring", "Data Engineer, Data Scientist", "(none: CRISP-DM\nstops at deployment)", "Monitor",
          "09"),
]
"""The course's loop: business understanding, then the lecture's six stages of operationalization, each with the
CRISP-DM phase and the DevOps steps it covers, its lead personas and its labs."""


def lifecycle_figure(ax: matplotlib.axes.Axes | None = None):
    """The course's loop of :data:`STAGES` with CRISP-DM's phases inside the ring and DevOps' steps outside it."""
    import textwrap

    import matplotlib.pyplot as plt
    import numpy as np
    from matplotlib.patches import FancyArrowPatch, FancyBboxPatch

    if ax is None:
        ax = plt.figure(figsize=(10.5, 8.9)).add_axes((0.01, 0.01, 0.98, 0.94))
    ax.set_aspect("equal")
    ax.axis("off")
    n = len(STAGES)
    angles = [np.pi / 2 - 2 * np.pi * i / n for i in range(n)]
    r_stage, width, height, margin = 1.55, 1.08, 0.5, 0.07

    def beside(x, y, dx, dy):
        """Where a label goes next to the box centred at (x, y), on the side the direction (dx, dy) leaves it by."""
        through_side = abs(dx) * height > abs(dy) * width  # the ray leaves by the left or right edge
        if through_side:
            return {"x": x + np.sign(dx) * (width / 2 + margin), "y": y, "ha": "left" if dx > 0 else "right",
                    "va": "center"}
        return {"x": x, "y": y + np.sign(dy) * (height / 2 + margin), "ha": "center", "va": "bottom" if dy > 0 else "top"}

    for stage, angle in zip(STAGES, angles):
        x, y = r_stage * np.cos(angle), r_stage * np.sin(angle)
        first = stage is STAGES[0]
        ax.add_patch(FancyBboxPatch((x - width / 2, y - height / 2), width, height, boxstyle="round,pad=0.02",
                                    fc="#fff8e1" if first else "#fdfdfd", ec="#8a6d3b", lw=1.2))
        ax.text(x, y + height / 2 - 0.04, stage.name, ha="center", va="top", fontsize=9, weight="bold")
        leads = "\n".join(textwrap.wrap(stage.leads, 34))
        labs = f"lab{'s' if ',' in stage.labs else ''} {stage.labs}"
        ax.text(x, y - height / 2 + 0.04, f"{leads}\n{labs}", ha="center", va="bottom", fontsize=7.5, color="#555555")
        inward, outward = beside(x, y, -np.cos(angle), -np.sin(angle)), beside(x, y, np.cos(angle), np.sin(angle))
        ax.text(s=stage.crisp_dm, **inward, fontsize=8, color="#3c763d",
                bbox={"boxstyle": "round,pad=0.3", "fc": "#e6f4ea", "ec": "#5cb85c"})
        ax.text(s=stage.devops, **outward, fontsize=9, color="#31708f",
                bbox={"boxstyle": "round,pad=0.3", "fc": "#d6e6f7", "ec": "#337ab7"})
    gap = 0.38
    for i in range(n):  # the loop: clockwise, from each box to the next
        start, end = angles[i] - gap, angles[(i + 1) % n] + gap
        ax.add_patch(FancyArrowPatch((r_stage * np.cos(start), r_stage * np.sin(start)),
                                     (r_stage * np.cos(end), r_stage * np.sin(end)),
                                     connectionstyle="arc3,rad=-0.15", arrowstyle="-|>", mutation_scale=14,
                                     color="#8a6d3b", lw=1.3))
    ax.text(0, 0.1, "the 5 Cs,\nall the way round", ha="center", va="center", fontsize=8.5, weight="bold")
    ax.text(0, -0.04, "continuous training,\nvalidation, deployment,\nintegration, monitoring\n(lab 10)",
            ha="center", va="top", fontsize=7)
    ax.text(-2.8, -2.3, "inner ring (green): the CRISP-DM phase of each stage\n"
            "middle ring: the stage, its lead personas and its labs\n"
            "outer ring (blue): the DevOps steps laid over it", ha="left", va="bottom", fontsize=8, color="#333333")
    ax.set_xlim(-2.8, 2.8)
    ax.set_ylim(-2.3, 2.15)
    ax.set_title("The enterprise ML lifecycle: CRISP-DM with DevOps laid over it, as the six stages of this course",
                 fontsize=11)
    return ax
