"""Scrum for an AI team (lab 02; reused by the capstone, lab 11): personas, RACI, backlog, planning, KPIs.

Public API:

* :data:`PERSONAS`, :data:`STAGES`, :data:`RACI`, :func:`raci_frame`, :func:`accountable` - who does what;
* :data:`SCRUM_ROLES`, :data:`SCRUM_EVENTS` - the Scrum team (Product Owner, Scrum Master, Developers) and what each
  does in each event;
* :data:`BACKLOG` (a tuple of :class:`Story`), :func:`story`, :func:`backlog_frame`,
  :func:`validate_backlog` - the product backlog as data;
* :func:`value_per_point`, :func:`wsjf`, :func:`prioritise` - ordering the backlog;
* :func:`plan_sprint` (deterministic) and :func:`check_plan` - sprint planning under a capacity, respecting
  dependencies; :func:`planner_widget` is an ipywidgets front end to :func:`check_plan`;
* :func:`simulate_sprint` (seeded) -> :class:`SprintResult` with the daily stand-up log and the burndown;
  :func:`run_sprints` chains sprints over the backlog;
* :func:`review`, :func:`retrospective` - the sprint review and the retrospective (start/stop/continue);
  :data:`REVIEW_FEEDBACK` - what the stakeholders said at sprint 1's review and what it changes in the backlog;
* :func:`velocity`, :func:`commitment_reliability`, :func:`cycle_times`, :func:`forecast_capacity` - the KPIs;
* :func:`plot_raci`, :func:`plot_burndown`, :func:`plot_velocity` - the figures.

A story is planned only if every one of its dependencies is already done or planned in the same sprint.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd

from .config import SEED

PERSONAS: dict[str, str] = {
    "Data Steward": "sets and enforces the rules for using data: classifies it, grants access, documents "
                    "lineage, and tracks how data is used and what it is worth to the company",
    "Data Engineer": "builds and runs the pipelines that move data from source systems to models, dashboards and "
                     "apps, keeps them reliable and of high quality, and operates models in production",
    "Data Scientist": "explores and prepares data, builds and evaluates models, and explains what a model can "
                      "and cannot do",
    "Business Analyst": "turns the business question into requirements and success measures, and model output "
                        "into decisions; in TelcoNova's team also the Product Owner who orders the backlog",
    "App Developer": "puts the model's insights where people work, e.g. a churn score in the CRM, behind "
                     "clean interfaces",
}
"""The five personas of an AI project and their responsibilities."""

STAGES: dict[str, str] = {
    "provisioning": "data provisioning with governance",
    "preparation": "data preparation for the model",
    "development": "model development",
    "validation": "model validation and governance",
    "deployment": "model deployment and insight consumption",
    "monitoring": "model monitoring",
}
"""The six stages of operationalizing a model (key -> name), in order."""

RACI: dict[str, dict[str, str]] = {
    # stage:          Data Steward, Data Engineer, Data Scientist, Business Analyst, App Developer
    "provisioning": dict(zip(PERSONAS, "ARCCI")),
    "preparation": dict(zip(PERSONAS, "CARII")),
    "development": dict(zip(PERSONAS, "ICARI")),
    "validation": dict(zip(PERSONAS, "CRACI")),
    "deployment": dict(zip(PERSONAS, "IACIR")),
    "monitoring": dict(zip(PERSONAS, "IARCI")),
}
"""Stage -> persona -> R (responsible), A (accountable), C (consulted) or I (informed). One A per stage."""

RACI_MEANING = {"R": "responsible: does the work", "A": "accountable: answers for the outcome",
                "C": "consulted: gives input before", "I": "informed: told after"}


SCRUM_ROLES: dict[str, dict[str, str]] = {
    "Product Owner": {
        "at TelcoNova": "the Business Analyst",
        "owns": "what the team builds and in which order: orders the product backlog, proposes the sprint goal, "
                "accepts finished stories at the review and turns the stakeholders' feedback into backlog items",
    },
    "Scrum Master": {
        "at TelcoNova": "an agile coach from the project office, shared with one other team (not one of the five "
                        "personas)",
        "owns": "how the team works: makes sure each event happens and keeps its time-box, removes impediments the "
                "team cannot remove itself, sends new requests to the Product Owner instead of into the running "
                "sprint, coaches team and "
                "stakeholders in Scrum",
    },
    "Developers": {
        "at TelcoNova": "the five personas (the Business Analyst too, when working on a story)",
        "owns": "how the work gets done: size the stories, plan the sprint backlog, build and test the increment, "
                "meet the definition of done",
    },
}
"""The three accountabilities of a Scrum team (Scrum Guide 2020) and who holds them in TelcoNova's team."""

SCRUM_EVENTS: dict[str, dict[str, str]] = {
    "sprint planning": {
        "time-box (two-week sprint)": "at most 4 hours",
        "Product Owner": "brings the ordered backlog and proposes the sprint goal",
        "Scrum Master": "keeps the commitment honest: capacity from measured velocity, dependencies respected",
        "Developers": "choose what they can finish by the end date and break it into tasks",
    },
    "daily stand-up": {
        "time-box (two-week sprint)": "15 minutes",
        "Product Owner": "answers questions about acceptance criteria when asked",
        "Scrum Master": "makes sure it happens and stays short; takes each impediment away to remove it",
        "Developers": "inspect progress toward the sprint goal and plan the day",
    },
    "sprint review": {
        "time-box (two-week sprint)": "at most 2 hours",
        "Product Owner": "invites the stakeholders, says what is done, turns their feedback into backlog items",
        "Scrum Master": "facilitates: a working session with the stakeholders, not a status report",
        "Developers": "demonstrate the working increment",
    },
    "sprint retrospective": {
        "time-box (two-week sprint)": "at most 1.5 hours",
        "Product Owner": "takes part as a member of the team",
        "Scrum Master": "facilitates, brings the evidence from the sprint, follows up the actions",
        "Developers": "agree a few improvements for the next sprint",
    },
}
"""Scrum's events: their time-box in a two-week sprint and what each accountability does in them."""


def raci_frame() -> pd.DataFrame:
    """The RACI matrix as a table: personas (rows) x stages (columns, by name)."""
    return pd.DataFrame({STAGES[s]: RACI[s] for s in STAGES}).loc[list(PERSONAS)]


def accountable(stage: str) -> str:
    """The one persona accountable for ``stage`` (a key or a name of :data:`STAGES`)."""
    key = _stage_key(stage)
    return next(p for p, letter in RACI[key].items() if letter == "A")


def _stage_key(stage: str) -> str:
    names = {v: k for k, v in STAGES.items()}
    key = stage if stage in STAGES else names.get(str(stage).strip().lower())
    if key is None:
        raise KeyError(f"unknown stage {stage!r}; the stages are {list(STAGES)} (or their names)")
    return key


@dataclass(frozen=True)
class Story:
    """A user story of the product backlog."""

    id: str
    persona: str
    stage: str
    text: str
    points: int
    """Size estimate (Fibonacci story points)."""
    value: int
    """Business value, 1-10."""
    time_criticality: int = 1
    """How fast the value decays if we wait, 1-10 (part of WSJF's cost of delay)."""
    risk_reduction: int = 1
    """Risk reduction or opportunity enablement, 1-10 (part of WSJF's cost of delay)."""
    depends_on: tuple[str, ...] = ()
    tasks: tuple[str, ...] = field(default=(), compare=False)
    """The sprint-backlog break-down of the story."""


def _s(id, persona, stage, text, points, value, tc, rr, deps=(), tasks=()) -> Story:
    return Story(id, persona, stage, text, points, value, tc, rr, tuple(deps), tuple(tasks))


STEWARD, ENGINEER, SCIENTIST, ANALYST, APP_DEV = PERSONAS  # the personas, by role, for the table below
BACKLOG: tuple[Story, ...] = (
    _s("S01", STEWARD, "provisioning", "As a Data Steward, I want a datasheet and catalog entry for the customer data, "
       "so that everyone knows what each column means and who may use it.", 3, 5, 6, 8,
       tasks=["write the datasheet", "classify columns (personal data?)", "register in the data catalog"]),
    _s("S02", STEWARD, "provisioning", "As a Data Steward, I want personal data pseudonymized before it leaves the CRM, "
       "so that the model work complies with data-protection law.", 5, 6, 8, 9, ["S01"],
       ["list personal-data columns", "agree the pseudonymization key policy", "review the masked extract"]),
    _s("S03", ENGINEER, "provisioning", "As a Data Engineer, I want a scheduled extract of customer data into the "
       "analytics store, so that models train on fresh, complete data.", 5, 8, 7, 5,
       tasks=["write the extract job", "schedule it nightly", "reconcile row counts with the CRM"]),
    _s("S04", ENGINEER, "provisioning", "As a Data Engineer, I want a data contract that quarantines malformed rows, so "
       "that bad data never reaches the model silently.", 5, 6, 5, 8, ["S03"],
       ["write the schema (pandera)", "quarantine and report violations", "alert on a rejected batch"]),
    _s("S05", STEWARD, "provisioning", "As a Data Steward, I want role-based views of the customer data, so that each "
       "role sees only the columns it needs.", 3, 4, 3, 6, ["S02"],
       ["define the roles", "create the views", "test access per role"]),
    _s("S06", SCIENTIST, "preparation", "As a Data Scientist, I want the feature preparation as a versioned pipeline, so "
       "that training and scoring prepare data exactly the same way.", 5, 7, 6, 6, ["S03"],
       ["encode categorical columns", "scale numeric columns", "unit-test the pipeline"]),
    _s("S07", SCIENTIST, "preparation", "As a Data Scientist, I want a time-aware train/test split, so that the test "
       "score shows how the model will do on next month's customers.", 2, 5, 4, 6, ["S06"],
       ["split by month", "document the split"]),
    _s("S08", ENGINEER, "preparation", "As a Data Engineer, I want each training snapshot stored with its SHA-256, so "
       "that every model can be traced back to its data.", 3, 5, 4, 8, ["S03"],
       ["store snapshots", "compute and record the hash"]),
    _s("S09", ANALYST, "development", "As a Business Analyst, I want the expected profit of a retention campaign as "
       "the model's business metric, so that we choose the model that earns most.", 3, 8, 6, 5,
       tasks=["agree costs and offer value with marketing", "write the metric", "review it with finance"]),
    _s("S10", SCIENTIST, "development", "As a Data Scientist, I want every training run tracked in MLflow, so that any "
       "result can be found and reproduced later.", 2, 6, 5, 7,
       tasks=["set up the tracking store", "log params, metrics and data hash"]),
    _s("S11", SCIENTIST, "development", "As a Data Scientist, I want a baseline and two candidate models compared by "
       "cross-validation, so that we know the model beats a simple rule.", 8, 9, 6, 5, ["S06", "S10"],
       ["baseline rule", "logistic regression", "gradient boosting", "compare runs"]),
    _s("S12", ANALYST, "development", "As a Business Analyst, I want the top reasons behind each customer's score, so "
       "that retention agents can open the right conversation.", 5, 6, 3, 4, ["S11"],
       ["compute per-customer explanations", "word them for agents"]),
    _s("S13", SCIENTIST, "validation", "As a Data Scientist, I want an automated validation gate on held-out data, so "
       "that no model worse than the champion is ever promoted.", 5, 7, 5, 9, ["S07", "S11"],
       ["define the gate thresholds", "evaluate against the champion", "fail loudly with the reason"]),
    _s("S14", STEWARD, "validation", "As a Data Steward, I want a model card and a recorded approval, so that an "
       "auditor can see who approved which model and why.", 3, 5, 4, 9, ["S13"],
       ["write the model card", "record the approval as a tag"]),
    _s("S15", SCIENTIST, "validation", "As a Data Scientist, I want fairness metrics by age group and gender, so that "
       "the model does not treat senior customers unfairly.", 5, 6, 5, 9, ["S11"],
       ["compute group metrics", "try a mitigation", "report the trade-off"]),
    _s("S16", ENGINEER, "deployment", "As a Data Engineer, I want models in a registry with champion/challenger "
       "aliases, so that deploying and rolling back is a one-line change.", 3, 6, 5, 7, ["S13"],
       ["register the model", "set the aliases", "rehearse a rollback"]),
    _s("S17", ENGINEER, "deployment", "As a Data Engineer, I want a monthly batch-scoring job, so that every customer "
       "has a fresh churn score at the start of the month.", 5, 9, 7, 4, ["S04", "S16"],
       ["load the champion by alias", "score the batch", "write the scores for the CRM"]),
    _s("S18", APP_DEV, "deployment", "As an App Developer, I want a REST scoring endpoint with clear errors, so that "
       "the CRM can ask for a score while an agent is on the phone.", 5, 7, 5, 4, ["S16"],
       ["serve the model", "validate requests", "measure latency"]),
    _s("S19", APP_DEV, "deployment", "As an App Developer, I want the churn score and its reasons on the CRM customer "
       "page, so that agents act on it during calls.", 8, 9, 6, 3, ["S12", "S18"],
       ["design the widget with agents", "call the endpoint", "show the reasons", "usability test"]),
    _s("S20", ENGINEER, "monitoring", "As a Data Engineer, I want per-feature drift reports on every batch, so that we "
       "notice when our customers change.", 5, 6, 4, 8, ["S17"],
       ["compute PSI per feature", "plot the drift dashboard"]),
    _s("S21", SCIENTIST, "monitoring", "As a Data Scientist, I want the model's performance measured once labels "
       "arrive, so that we see decay before the business does.", 3, 6, 4, 8, ["S17"],
       ["join labels to scores", "track AUC and profit per month"]),
    _s("S22", ANALYST, "monitoring", "As a Business Analyst, I want a dashboard of customers retained and campaign "
       "profit, so that management sees what the model is worth.", 5, 8, 5, 3, ["S09", "S17"],
       ["define the KPIs", "build the dashboard", "present it to management"]),
    _s("S23", ENGINEER, "monitoring", "As a Data Engineer, I want alert rules that open a ticket when drift or decay "
       "crosses a threshold, so that someone acts within a day.", 3, 5, 4, 8, ["S20", "S21"],
       ["set the thresholds", "open tickets automatically"]),
    _s("S24", SCIENTIST, "monitoring", "As a Data Scientist, I want retraining triggered by an alert, so that the model "
       "keeps up with the market without a heroic effort.", 8, 7, 3, 7, ["S13", "S23"],
       ["trigger the training pipeline", "gate and promote automatically", "log the lineage"]),
)
"""TelcoNova's product backlog: 24 user stories from the five personas' points of view."""


def story(story_id: str, stories: Iterable[Story] = BACKLOG) -> Story:
    """The story with ``story_id``; KeyError naming the known ids if absent."""
    by_id = {s.id: s for s in stories}
    if story_id not in by_id:
        raise KeyError(f"no story {story_id!r}; the backlog has {sorted(by_id)}")
    return by_id[story_id]


@dataclass(frozen=True)
class ReviewFeedback:
    """One stakeholder's feedback at a sprint review, and what the Product Owner changes in the backlog for it."""

    stakeholder: str
    about: str
    """The story of the increment the feedback is about."""
    said: str
    story: str = ""
    """The backlog story the feedback changes or adds ('' when it changes nothing)."""
    new_task: str = ""
    """A task added to an existing story (its acceptance criteria grow; its estimate stays)."""
    new_story: Story | None = None
    """A new story for the product backlog."""


REVIEW_FEEDBACK: tuple[ReviewFeedback, ...] = (
    ReviewFeedback(
        "Data Protection Officer", "S01",
        "The datasheet is clear. But agents type phone numbers and e-mail addresses into the CRM's free-text notes: "
        "those notes are personal data too.",
        story="S02", new_task="find and mask contact details in the free-text notes"),
    ReviewFeedback(
        "Head of Retention (marketing)", "S09",
        "The profit metric prices one offer for everyone. Month-to-month customers get a discount, contract "
        "customers an upgrade: agents need to know which offer pays for whom.",
        story="F01", new_story=Story(
            "F01", ANALYST, "development", "As a Business Analyst, I want the most profitable retention offer per "
            "customer next to the score and its reasons, so that agents make the offer that pays off.", 5, 8, 5, 3,
            ("S09", "S12"), ("price each offer per contract type", "pick the best offer per customer",
                             "show it with the reasons"))),
    ReviewFeedback(
        "Finance controller", "S10",
        "Every training run can be found again: that is what our auditors ask for. Nothing to add."),
)
"""The stakeholders' feedback at sprint 1's review (lab 02): one new task, one new story, one "keep going"."""


def refined_backlog(stories: Iterable[Story] = BACKLOG,
                    feedback: Iterable[ReviewFeedback] = REVIEW_FEEDBACK) -> list[Story]:
    """The product backlog after sprint 1's review (lab 02): each feedback's new story joins it, each new task joins
    its story (whose estimate stays). Lab 02 refines it in a cell; its sprints and lab 11's run on this backlog."""
    refined = {s.id: s for s in stories}
    for fb in feedback:
        if fb.new_story is not None:
            refined[fb.new_story.id] = fb.new_story
        elif fb.story:
            refined[fb.story] = replace(refined[fb.story], tasks=(*refined[fb.story].tasks, fb.new_task))
    return list(refined.values())


def validate_backlog(stories: Iterable[Story], done: Iterable[str] = ()) -> None:
    """Raise ValueError for duplicate ids, non-positive points, unknown dependencies or dependency cycles."""
    stories = list(stories)
    ids = [s.id for s in stories]
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    if duplicates:
        raise ValueError(f"duplicate story ids {duplicates}")
    known = set(ids) | set(done)
    for s in stories:
        if not isinstance(s.points, (int, np.integer)) or s.points <= 0:
            raise ValueError(f"story {s.id}: points must be a positive whole number, got {s.points!r}")
        unknown = sorted(set(s.depends_on) - known)
        if unknown:
            raise ValueError(f"story {s.id} depends on {unknown}, which are neither in the backlog nor done")
    deps = {s.id: set(s.depends_on) & set(ids) for s in stories}
    resolved: set[str] = set()
    while len(resolved) < len(deps):
        ready = {i for i, d in deps.items() if i not in resolved and d <= resolved}
        if not ready:
            raise ValueError(f"dependency cycle among stories {sorted(set(deps) - resolved)}")
        resolved |= ready


def backlog_frame(stories: Iterable[Story] = BACKLOG) -> pd.DataFrame:
    """The backlog as a table (one row per story, with value per point and WSJF)."""
    rows = [{"id": s.id, "persona": s.persona, "stage": s.stage, "points": s.points, "value": s.value,
             "value/point": round(value_per_point(s), 2), "WSJF": round(wsjf(s), 2),
             "depends on": ", ".join(s.depends_on), "story": s.text} for s in stories]
    return pd.DataFrame(rows).set_index("id")


def value_per_point(s: Story) -> float:
    """Business value per story point: the simplest 'bang for the buck'."""
    return s.value / s.points


def wsjf(s: Story) -> float:
    """Weighted Shortest Job First: cost of delay (value + time criticality + risk reduction) / job size."""
    return (s.value + s.time_criticality + s.risk_reduction) / s.points


RANKINGS = {"wsjf": wsjf, "value_per_point": value_per_point, "value": lambda s: s.value}


def prioritise(stories: Iterable[Story] = BACKLOG, by: str = "wsjf") -> list[Story]:
    """Stories ordered best first by ``by`` ('wsjf', 'value_per_point' or 'value'); ties by id."""
    if by not in RANKINGS:
        raise ValueError(f"unknown ranking {by!r}; choose one of {list(RANKINGS)}")
    score = RANKINGS[by]
    return sorted(stories, key=lambda s: (-score(s), s.id))


def plan_sprint(stories: Iterable[Story], capacity: float, done: Iterable[str] = (),
                by: str = "wsjf") -> list[Story]:
    """The sprint backlog: walk the stories best first and take each one that fits and is ready.

    A story is ready when each of its dependencies is done or already taken into this sprint; walking
    repeats until nothing more can be taken. Never exceeds ``capacity``; deterministic.
    """
    if capacity < 0:
        raise ValueError(f"capacity must be zero or more story points, got {capacity}")
    done = set(done)
    candidates = [s for s in stories if s.id not in done]
    validate_backlog(candidates, done)
    ordered = prioritise(candidates, by)
    planned: list[Story] = []
    taken: set[str] = set()
    used = 0
    progress = True
    while progress:
        progress = False
        for s in ordered:
            ready = set(s.depends_on) <= done | taken
            if s.id not in taken and ready and used + s.points <= capacity:
                planned.append(s)
                taken.add(s.id)
                used += s.points
                progress = True
                break  # restart from the top: a newly taken story may unlock a better one
    return planned


@dataclass(frozen=True)
class PlanCheck:
    """What is wrong (if anything) with a proposed sprint backlog."""

    points: int
    capacity: float
    unknown: list[str]
    already_done: list[str]
    missing_dependencies: dict[str, list[str]]
    """Story id -> its dependencies that are neither done nor in the plan."""

    @property
    def over_capacity(self) -> bool:
        return self.points > self.capacity

    @property
    def ok(self) -> bool:
        return not (self.over_capacity or self.unknown or self.already_done or self.missing_dependencies)

    def problems(self) -> list[str]:
        """Each problem as a sentence (empty when the plan is fine)."""
        out = [f"{', '.join(self.unknown)}: not in the backlog"] if self.unknown else []
        if self.already_done:
            out.append(f"{', '.join(self.already_done)}: already done")
        if self.over_capacity:
            out.append(f"{self.points} points is over the capacity of {self.capacity:g}")
        out += [f"{sid} needs {', '.join(deps)} first (neither done nor in the plan)"
                for sid, deps in self.missing_dependencies.items()]
        return out


def check_plan(story_ids: Iterable[str], capacity: float, done: Iterable[str] = (),
               stories: Iterable[Story] = BACKLOG) -> PlanCheck:
    """Check a proposed sprint backlog (story ids) against the capacity and the dependencies."""
    by_id = {s.id: s for s in stories}
    chosen = list(dict.fromkeys(str(i) for i in story_ids))
    done = set(done)
    unknown = [i for i in chosen if i not in by_id]
    known = [by_id[i] for i in chosen if i in by_id]
    missing = {s.id: [d for d in s.depends_on if d not in done and d not in chosen] for s in known}
    return PlanCheck(points=sum(s.points for s in known), capacity=capacity, unknown=unknown,
                     already_done=[s.id for s in known if s.id in done],
                     missing_dependencies={k: v for k, v in missing.items() if v})


TEAM_VELOCITY = 18.0
"""The points per sprint the simulated team really delivers on average (unknown to the team itself)."""
SPRINT_DAYS = 10
"""A sprint is two weeks: ten working days, review and retrospective on the last."""
CAPACITY = 20
"""The team's first guess at its capacity, in story points per sprint: lab 02's sprints 1-5 are planned at it."""
FIRST_DAY = pd.Timestamp("2025-11-24")
"""A Monday: sprint 1 starts. Sprints follow each other without a gap (lab 11's sprint 6 starts on 2 February 2026)."""


def sprint_dates(sprint: int) -> tuple[pd.Timestamp, pd.Timestamp]:
    """The first and the last working day of sprint number ``sprint`` (1 is the first): the end date does not move."""
    first = FIRST_DAY + pd.offsets.BDay(SPRINT_DAYS * (sprint - 1))
    return first, first + pd.offsets.BDay(SPRINT_DAYS - 1)

IMPEDIMENTS = (
    "waiting for access to the payment data",
    "test database down for maintenance",
    "review pending from the Data Steward",
    "unclear acceptance criteria: asked the Product Owner",
    "pipeline broke after a library upgrade",
    "two meetings with marketing ate the day",
)
"""Random blockers the stand-up simulation draws from."""


@dataclass
class SprintResult:
    """One simulated sprint: what was committed, what got done, the stand-up log and the burndown."""

    sprint: int
    committed: list[str]
    committed_points: int
    points: dict[str, int]
    """Story id -> its points, for every committed story."""
    done: list[str]
    remaining: list[float]
    """Remaining work (story points) at the end of day 0 (= committed) .. day N."""
    started: dict[str, int]
    finished: dict[str, int]
    standup: pd.DataFrame
    carry_over: dict[str, float]
    """Unfinished story id -> work already spent on it (points)."""

    @property
    def done_points(self) -> int:
        return sum(self.points[i] for i in self.done)


def simulate_sprint(plan: Sequence[Story], days: int = SPRINT_DAYS, seed: int = SEED, sprint: int = 1,
                    velocity: float = TEAM_VELOCITY, wip_limit: int = 3,
                    progress: Mapping[str, float] | None = None, done_before: Iterable[str] = ()) -> SprintResult:
    """Simulate the sprint day by day (seeded): the team's capacity varies, blockers appear, stories wait for
    their dependencies; at most ``wip_limit`` stories are in progress at once, in the plan's order.

    ``progress`` gives work already spent on carried-over stories. Returns the stand-up log and burndown.
    """
    rng = np.random.default_rng([seed, sprint])
    progress = dict(progress or {})
    left = {s.id: max(s.points - progress.get(s.id, 0.0), 0.0) for s in plan}
    done_ids = set(done_before)
    started: dict[str, int] = {}
    finished: dict[str, int] = {}
    remaining = [round(sum(left.values()), 2)]
    log = []
    by_id = {s.id: s for s in plan}
    for day in range(1, days + 1):
        budget = max(0.0, velocity / days * rng.normal(1.0, 0.25))
        waiting = [s for s in plan if s.id not in finished and not set(s.depends_on) <= done_ids]
        waiting_ids = {s.id for s in waiting}
        waits = {s.id: [d for d in s.depends_on if d not in done_ids] for s in waiting}
        active = [s for s in plan if s.id not in finished and s.id not in waiting_ids][:wip_limit]
        blocked = {s.id: IMPEDIMENTS[rng.integers(len(IMPEDIMENTS))] for s in active if rng.random() < 0.12}
        working = [s for s in active if s.id not in blocked]
        for s in working:
            started.setdefault(s.id, day)
        while budget > 1e-9 and working:
            share = budget / len(working)
            budget = 0.0
            for s in list(working):
                used = min(share, left[s.id])
                left[s.id] -= used
                budget += share - used
                if left[s.id] <= 1e-9:
                    left[s.id] = 0.0
                    finished[s.id] = day
                    done_ids.add(s.id)
                    working.remove(s)
        for s in active:
            status = "done" if finished.get(s.id) == day else f"{left[s.id]:.1f} of {s.points} points left"
            log.append({"day": day, "persona": s.persona, "story": s.id,
                        "update": f"worked on {s.id}: {status}" if s.id not in blocked
                        else f"no progress on {s.id}", "blocker": blocked.get(s.id, "")})
        for s in waiting[:1]:
            deps = waits[s.id]
            log.append({"day": day, "persona": s.persona, "story": s.id, "update":
                        f"cannot start {s.id} yet", "blocker": f"waiting for {', '.join(deps)}"})
        remaining.append(round(sum(left.values()), 2))
    done = [s.id for s in plan if s.id in finished]
    carry = {s.id: round(by_id[s.id].points - left[s.id], 2) for s in plan if s.id not in finished}
    return SprintResult(sprint, [s.id for s in plan], sum(s.points for s in plan),
                        {s.id: s.points for s in plan}, done, remaining,
                        started, finished, pd.DataFrame(log), carry)


def run_sprints(n: int, capacity: float | Sequence[float], stories: Sequence[Story] = BACKLOG,
                seed: int = SEED, by: str = "wsjf", velocity: float = TEAM_VELOCITY) -> list[SprintResult]:
    """Run ``n`` sprints over the backlog at ``capacity`` points each (or one capacity per sprint).

    Each sprint's plan is the stories carried over (first, with the work already spent on them) plus
    :func:`plan_sprint` on the rest of the capacity.
    """
    capacities = [capacity] * n if np.isscalar(capacity) else list(capacity)
    if len(capacities) != n:
        raise ValueError(f"got {len(capacities)} capacities for {n} sprints")
    results: list[SprintResult] = []
    done: set[str] = set()
    carry: dict[str, float] = {}
    for sprint, cap in enumerate(capacities, start=1):
        carried = [s for s in stories if s.id in carry]
        room = max(0, cap - sum(s.points for s in carried))
        plan = carried + plan_sprint(stories, room, done | set(carry), by)
        result = simulate_sprint(plan, seed=seed, sprint=sprint, velocity=velocity, progress=carry,
                                 done_before=done)
        results.append(result)
        done |= set(result.done)
        carry = result.carry_over
    return results


def history(results: Iterable[SprintResult]) -> pd.DataFrame:
    """One row per sprint: committed and done points."""
    return pd.DataFrame([{"sprint": r.sprint, "committed": r.committed_points, "done": r.done_points}
                         for r in results]).set_index("sprint")


def velocity(hist: pd.DataFrame, last: int = 3) -> float:
    """Mean points done over the ``last`` sprints."""
    return float(hist["done"].tail(last).mean())


def commitment_reliability(hist: pd.DataFrame, last: int | None = None) -> float:
    """Points done / points committed, over the ``last`` sprints (all by default)."""
    rows = hist if last is None else hist.tail(last)
    committed = rows["committed"].sum()
    if committed == 0:
        raise ValueError("no points were committed: commitment reliability is undefined")
    return float(rows["done"].sum() / committed)


def cycle_times(results: Iterable[SprintResult], days: int = SPRINT_DAYS) -> pd.DataFrame:
    """Per finished story: working day it started and finished (counted across sprints) and its cycle time."""
    first: dict[str, int] = {}
    rows = []
    for r in results:
        offset = (r.sprint - 1) * days
        for sid, day in r.started.items():
            first.setdefault(sid, offset + day)
        for sid, day in r.finished.items():
            start = first.get(sid, offset + day)
            rows.append({"story": sid, "started": start, "finished": offset + day,
                         "cycle days": offset + day - start + 1})
    return pd.DataFrame(rows).set_index("story")


def forecast_capacity(hist: pd.DataFrame, last: int = 3, availability: float = 1.0) -> dict[str, int]:
    """Next sprint's capacity from the velocity of the ``last`` sprints ('yesterday's weather'), scaled by
    ``availability`` (1.0 = everyone in; 0.8 = a fifth of the person-days missing). Whole points:
    low and high are the worst and best of those sprints (rounded down), expected their mean (rounded)."""
    if not 0 < availability <= 1:
        raise ValueError(f"availability is a share of person-days in (0, 1], got {availability}")
    done = hist["done"].tail(last)
    return {"low": int(np.floor(done.min() * availability)),
            "expected": int(np.rint(done.mean() * availability)),
            "high": int(np.floor(done.max() * availability))}


def review(result: SprintResult, goal: Iterable[str], done_before: Iterable[str] = (),
           stories: Iterable[Story] = BACKLOG) -> dict:
    """The sprint review: committed vs done; is the sprint goal met; is the increment shippable?

    The increment is shippable when at least one story is done and every done story's dependencies are done
    too (nothing in it relies on unfinished work). The goal is met when every goal story is done.
    """
    goal = list(goal)
    by_id = {s.id: s for s in stories}
    finished = set(result.done) | set(done_before)
    unmet = {i: [d for d in by_id[i].depends_on if d not in finished] for i in result.done}
    return {"committed points": result.committed_points, "done points": result.done_points,
            "done": list(result.done), "not done": [i for i in result.committed if i not in result.done],
            "sprint goal met": all(i in result.done for i in goal),
            "shippable increment": bool(result.done) and not any(unmet.values())}


def retrospective(result: SprintResult, days: int = SPRINT_DAYS) -> dict[str, list[str]]:
    """Start / stop / continue, derived from what happened in the simulated sprint."""
    log = result.standup
    blockers = log[log["blocker"] != ""]
    is_wait = blockers["update"].str.startswith("cannot start")  # "waiting for access ..." is an impediment
    waits = blockers[is_wait]
    impediments = blockers.loc[~is_wait, "blocker"].unique()
    start, stop = [], []
    cont = ["the 15-minute daily stand-up: every blocker was known the same morning"]
    if len(waits):
        worst = waits["story"].value_counts()
        start.append(f"ordering stories so that dependencies finish first ({worst.index[0]} waited "
                     f"{worst.iloc[0]} days)")
    if len(impediments):
        start.append("removing impediments at their source: " + "; ".join(f"'{i}'" for i in impediments))
    first_finish = min(result.finished.values(), default=days + 1)
    if first_finish > 0.3 * days:
        start.append(f"limiting work in progress: with several stories open at once, the first one was done "
                     f"only on day {first_finish}" if first_finish <= days else "finishing at least one story")
    if result.done_points < result.committed_points:
        stop.append(f"committing to more than we finish ({result.committed_points} points committed, "
                    f"{result.done_points} done): plan at our measured velocity")
    else:
        cont.append("committing to what our velocity supports")
    if result.done:
        cont.append(f"delivering finished stories the stakeholders can use ({', '.join(result.done)})")
    return {"start": start, "stop": stop, "continue": cont}


def plot_raci():
    """The RACI matrix as a heatmap with the letters written in."""
    import matplotlib.pyplot as plt

    frame = raci_frame()
    shade = {"A": 3, "R": 2, "C": 1, "I": 0}
    fig, ax = plt.subplots(figsize=(10, 3.8))
    ax.imshow(frame.replace(shade).to_numpy(dtype=float), cmap="Blues", vmin=-0.5, vmax=3.5, aspect="auto")
    for (i, j), letter in np.ndenumerate(frame.to_numpy()):
        ax.text(j, i, letter, ha="center", va="center", fontsize=12, fontweight="bold",
                color="white" if shade[letter] >= 2 else "black")
    ax.set_xticks(range(frame.shape[1]), [c.replace(" ", "\n", 2) for c in frame.columns], fontsize=8)
    ax.set_yticks(range(frame.shape[0]), frame.index)
    ax.set_title("RACI: A accountable, R responsible, C consulted, I informed")
    fig.tight_layout()
    return fig


def _unfinished_points(result: SprintResult) -> list[float]:
    """Per day 0..N: the story points of committed stories not finished by the end of that day."""
    last = len(result.remaining) - 1
    return [float(sum(p for sid, p in result.points.items() if result.finished.get(sid, last + 1) > day))
            for day in range(last + 1)]


def plot_burndown(result: SprintResult, title: str | None = None, by_story: bool = False):
    """Remaining work per day against the ideal straight line.

    ``by_story=True`` adds the points of the stories not yet done: a story counts as done only when it is
    finished, so this line ends at committed minus done points, as the sprint review counts them.
    """
    import matplotlib.pyplot as plt

    days = range(len(result.remaining))
    fig, ax = plt.subplots(figsize=(7, 3.8))
    label = "work left (partial progress counts)" if by_story else "remaining work"
    ax.plot(days, result.remaining, marker="o", label=label)
    start = result.remaining[0]
    if by_story:
        unfinished = _unfinished_points(result)
        ax.plot(days, unfinished, marker="s", color="#d9822b", label="points of stories not done")
        start = unfinished[0]
    ax.plot([0, len(result.remaining) - 1], [start, 0], "--", color="grey", label="ideal")
    labelled = unfinished if by_story else result.remaining  # a story's label sits where it leaves the line
    for sid, day in sorted(result.finished.items(), key=lambda kv: kv[1]):
        ax.annotate(sid, (day, labelled[day]), textcoords="offset points", xytext=(0, 7),
                    ha="center", fontsize=7, color="#2e6b2e")
    ax.set_xlabel("sprint day")
    ax.set_ylabel("story points left")
    ax.set_ylim(bottom=0)
    ax.set_xticks(list(days))
    ax.set_title(title or f"Sprint {result.sprint} burndown (labels: stories finished that day)")
    ax.legend()
    fig.tight_layout()
    return fig


def plot_velocity(hist: pd.DataFrame, forecast: Mapping[str, int] | None = None):
    """Committed vs done per sprint, with the forecast range for the next sprint."""
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 3.8))
    x = np.arange(len(hist))
    ax.bar(x - 0.2, hist["committed"], width=0.4, color="#bbbbbb", label="committed")
    ax.bar(x + 0.2, hist["done"], width=0.4, color="#337ab7", label="done")
    labels = [f"sprint {s}" for s in hist.index]
    if forecast:
        nxt = len(hist)
        ax.errorbar([nxt], [forecast["expected"]], yerr=[[forecast["expected"] - forecast["low"]],
                    [forecast["high"] - forecast["expected"]]], fmt="o", color="#d9534f", capsize=6,
                    label="forecast (low-expected-high)")
        labels.append(f"sprint {hist.index[-1] + 1}\n(forecast)")
    ax.set_xticks(range(len(labels)), labels)
    ax.set_ylabel("story points")
    ax.set_title("Velocity: committed vs done per sprint")
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.18), ncol=3, frameon=False)
    fig.tight_layout()
    return fig


def planner_widget(capacity: float, done: Iterable[str] = (), stories: Sequence[Story] = BACKLOG,
                   preselected: Iterable[str] = ()):
    """An ipywidgets sprint planner: tick stories, watch the capacity bar and the dependency warnings.

    The front end only; the checking is :func:`check_plan`, which the lab also calls directly.
    """
    import html

    import ipywidgets as widgets

    done = set(done)
    chosen = set(preselected)
    boxes = {s.id: widgets.Checkbox(value=s.id in chosen, disabled=s.id in done, indent=False,
                                    description=f"{s.id} ({s.points} pt, WSJF {wsjf(s):.1f}) {s.persona}: "
                                                f"{s.text.split(', so that')[0].split('I want ')[-1]}"
                                                + (" [done]" if s.id in done else ""),
                                    layout=widgets.Layout(width="auto")) for s in prioritise(stories)}
    bar = widgets.FloatProgress(min=0, max=capacity * 1.5 if capacity else 1, description="capacity",
                                layout=widgets.Layout(width="60%"))
    status = widgets.HTML()

    def refresh(_=None) -> None:
        result = check_plan([i for i, b in boxes.items() if b.value], capacity, done, stories)
        bar.value = min(result.points, bar.max)
        bar.bar_style = "danger" if result.over_capacity else "success" if result.ok else "warning"
        lines = [f"<b>{result.points} of {capacity:g} points</b>"]
        lines += [f"⚠ {html.escape(p)}" for p in result.problems()] or ["✔ capacity and dependencies respected"]
        status.value = "<br>".join(lines)

    for box in boxes.values():
        box.observe(refresh, names="value")
    refresh()
    return widgets.VBox([bar, status, widgets.VBox(list(boxes.values()))])
