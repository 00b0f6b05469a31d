"""The capstone (lab 11): one Scrum sprint that delivers the end-to-end increment, then an evidence-based score.

The lab writes the increment itself, cell by cell, with MLflow, pandera and scikit-learn calls on screen; this
module keeps what is not the lesson:

* **the sprint** — :func:`sprints` continues lab 02's team history; :data:`SPRINT_START`/:data:`SPRINT_END` (fixed)
  and :data:`SPRINT_GOAL` (the deliverable); :func:`unpulled` (why capacity stays unused);
  :data:`DEFINITION_OF_DONE`, :func:`done_by_evidence` and :func:`history_by_evidence` (a story counts as done only
  when its evidence is in the store); :data:`REVIEW_FEEDBACK` and :data:`IMPROVEMENTS` (the next sprint's backlog);
* **the increment's data** — :func:`start` (the registered model ``churn-capstone``, last sprint's champion),
  :func:`february_export` (the batch as the CRM exported it), :func:`training_data`, :func:`gate_data`,
  :func:`contract_tags`, :func:`load_logged_model`;
* **the evidence** — :func:`tracked_runs` and :func:`collect` (what the increment left in MLflow), judged by
  :mod:`mlopslab.mltestscore`.

Every run of the increment carries the tags of :meth:`Increment.tags`: its id, its step and what started it.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from . import data, mltestscore, policy, provisioning, registry, scrum
from .config import EXPERIMENT, setup_tracking
from .mltestscore import Evidence, Improvement

MODEL = "churn-capstone"
"""The capstone's registered model: its promotions never move the ``churn@champion`` other labs serve."""
BATCH_MONTH = "2026-02"
"""February's batch: the one the increment scores."""
LABELS_MONTH = "2026-01"
"""January's labels arrived this sprint: last month's champion's report card (the monitoring stories)."""
LABELLED_MONTHS = (*data.TRAIN_MONTHS, LABELS_MONTH)
"""The months whose outcomes the team holds at the start of the sprint: 2025's recorded customers, and January 2026,
whose labels arrived this sprint."""
GATE_MONTHS = LABELLED_MONTHS[-policy.PROMOTION.gate_months:]
"""The exam: the newest ``policy.PROMOTION.gate_months`` labelled months, on which neither the candidate nor last
sprint's champion was trained, so both sit the same exam; a 2025 month sits it with its audited outcomes
(:func:`gate_data`)."""
TRAIN_MONTHS = LABELLED_MONTHS[:-policy.PROMOTION.gate_months]
"""The sprint's retraining learns from every labelled month before the exam: the champion's months and the newer
ones. (Lab 10's loop keeps only ``policy.PROMOTION.window`` months because it retrains after a drift alert; this
retraining is planned, not triggered by drift.)"""

# --- the sprint --------------------------------------------------------------------------------------------------

SPRINT = 6
SPRINT_START, SPRINT_END = (day.strftime("%Y-%m-%d") for day in scrum.sprint_dates(SPRINT))
"""Sprint 6: two weeks, ten working days. The end date does not move: what is not done by then is not done."""
SPRINT_GOAL = ("February's retention list is scored end to end by a gated model approved by the Product Owner, and "
               "the team knows the same day whether the data or last month's model has drifted.")
BACKLOG = tuple(scrum.refined_backlog())
"""The product backlog the team works from: lab 02's, refined at sprint 1's review (the feedback's new story F01
and S02's new task in)."""
TRIGGER = "notebook"
"""What starts this increment: a person running the lab. A scheduler or CI would tag ``schedule`` or ``ci``."""


def sprints() -> list[scrum.SprintResult]:
    """Lab 02's five sprints, then the capstone sprint, planned at the forecast ('yesterday's weather'), all on the
    backlog refined at sprint 1's review (:data:`BACKLOG`)."""
    history = scrum.history(scrum.run_sprints(SPRINT - 1, scrum.CAPACITY, BACKLOG))
    capacities = [scrum.CAPACITY] * (SPRINT - 1) + [scrum.forecast_capacity(history)["expected"]]
    return scrum.run_sprints(SPRINT, capacities, BACKLOG)


def done_before(results: Iterable[scrum.SprintResult]) -> list[str]:
    """Stories finished before the last sprint of ``results``."""
    results = list(results)
    return sorted({s for r in results[:-1] for s in r.done})


def unpulled(results: list[scrum.SprintResult], capacity: int, show: int = 3) -> pd.DataFrame:
    """The next stories of the ordered backlog that the last sprint did not pull, and why (size or dependencies)."""
    last = results[-1]
    done = set(done_before(results))
    room = capacity - last.committed_points
    rows = []
    for s in scrum.prioritise(BACKLOG):
        if s.id in done or s.id in last.committed:
            continue
        waiting = [d for d in s.depends_on if d not in done and d not in last.committed]
        why = (f"waits for {', '.join(waiting)}" if waiting else
               f"{s.points} points do not fit the {room} left" if s.points > room else "fits")
        rows.append({"story": s.id, "persona": s.persona, "points": s.points, "why not pulled": why})
        if len(rows) == show:
            break
    return pd.DataFrame(rows).set_index("story")


DEFINITION_OF_DONE: dict[str, tuple[str, tuple[str, ...]]] = {
    "S20": ("a PSI for every model input, for this batch, in the tracking store",
            tuple(f"metrics.psi.{f}" for f in data.FEATURES)),
    "S21": ("AUC and profit of last month's champion on the labels that arrived, in the tracking store",
            ("metrics.online.auc", "metrics.online.profit")),
    "S23": ("the alert rules and their verdict, recorded with the monitoring run", ("tags.alert_rules", "tags.verdict")),
}
"""Per story of the sprint: its Definition of Done, and the fields of the monitoring run that prove it."""


def done_by_evidence(ev: Evidence) -> pd.DataFrame:
    """The sprint's stories against their Definition of Done, judged from the monitoring run in the store."""
    mon = ev.step("monitor")
    return pd.DataFrame([{"story": sid, "definition of done": text, "evidence found": all(k in mon for k in keys)}
                         for sid, (text, keys) in DEFINITION_OF_DONE.items()]).set_index("story")


def history_by_evidence(results: list[scrum.SprintResult], ev: Evidence) -> pd.DataFrame:
    """Committed and done points per sprint; the last sprint's done points are those whose evidence is found."""
    hist = scrum.history(results)
    found = done_by_evidence(ev)["evidence found"]
    last = results[-1]
    hist.loc[last.sprint, "done"] = sum(last.points[s] for s in last.committed if bool(found.get(s, False)))
    return hist


REVIEW_FEEDBACK: tuple[scrum.ReviewFeedback, ...] = (
    scrum.ReviewFeedback(
        "Head of Retention (marketing)", "S20",
        "The list works. But agents call customers without knowing why the model picked them: give them the "
        "top reasons per customer, next to the score.", story="S35"),
    scrum.ReviewFeedback(
        "Marketing operations", "S23",
        "We need the list in the CRM by the third working day of every month, without anyone pressing a button.",
        story="S34"),
    scrum.ReviewFeedback(
        "Data Protection Officer", "S21",
        "Tell us when a library or an upstream table changes: we answer for the data the model sees.", story="S31"),
)
"""What the stakeholders said at sprint 6's review, and the story each one becomes in the product backlog."""

IMPROVEMENTS: tuple[Improvement, ...] = (
    Improvement("S25", "Data Scientist", 3, "As a Data Scientist, I want unit tests of the feature code and the model "
                "pipeline to run in the pipeline, so that a broken feature never reaches training.",
                checks=("Data 7", "Infrastructure 2")),
    Improvement("S26", "Data Scientist", 5, "As a Data Scientist, I want permutation importance checked in every "
                "training run, so that a feature that does not help is dropped.", checks=("Data 2",)),
    Improvement("S27", "Data Engineer", 5, "As a Data Engineer, I want the challenger to score in shadow before "
                "promotion, so that surprises show before customers are called.", checks=("Infrastructure 6",)),
    Improvement("S28", "Data Engineer", 2, "As a Data Engineer, I want a rollback rehearsed on every release, so that "
                "we know it works before we need it.", checks=("Infrastructure 7",)),
    Improvement("S29", "Data Scientist", 3, "As a Data Scientist, I want the pipeline to retrain and compare "
                "predictions, so that every model is proven reproducible.", checks=("Infrastructure 1",)),
    Improvement("S30", "Data Scientist", 5, "As a Data Scientist, I want a hyperparameter sweep logged to MLflow, so "
                "that we do not leave profit on the table.", checks=("Model 3",)),
    Improvement("S31", "Data Engineer", 2, "As a Data Engineer, I want an alert when a pinned library or an upstream "
                "schema changes, so that nothing changes under the model unseen.", checks=("Monitoring 1",),
                source="review: Data Protection Officer"),
    Improvement("S32", "App Developer", 3, "As an App Developer, I want scoring time and memory recorded per batch "
                "with an alert, so that the CRM never waits for scores.", checks=("Monitoring 6",)),
    Improvement("S33", "Business Analyst", 3, "As a Business Analyst, I want each feature's cost reviewed against its "
                "value, so that we stop paying for features that do not pay back.", reviews=("Data 3",)),
    Improvement("S34", "Data Engineer", 8, "As a Data Engineer, I want the increment to run on a schedule every month, "
                "so that the list is in the CRM on time without anyone pressing a button.", unattended=True,
                source="review: Marketing operations"),
    Improvement("S35", "App Developer", 3, "As an App Developer, I want the top reasons per customer logged and shown "
                "with every scored batch, so that agents know why a customer is on the list.",
                checks=("Infrastructure 5",), source="review: Head of Retention"),
)
"""The product backlog for sprint 7: stories from the scorecard's gaps and from the review's feedback."""

MUST_HAVE = "S35"
"""The Product Owner's decision after the review: the agents' request goes into sprint 7 first."""


def improvement(story_id: str) -> Improvement:
    """The improvement story ``story_id``; KeyError naming the known ones if absent."""
    found = {s.id: s for s in IMPROVEMENTS}
    if story_id not in found:
        raise KeyError(f"no improvement story {story_id!r}; they are {list(found)}")
    return found[story_id]


def improvements_frame() -> pd.DataFrame:
    """The next sprint's product backlog as a table: persona, points, where it came from, what it changes."""
    def lifts(s: Improvement) -> str:
        parts = [f"{t}: a machine check" for t in s.checks] + [f"{t}: a review" for t in s.reviews]
        return "; ".join(parts + (["every machine check runs without a person"] if s.unattended else []))

    return pd.DataFrame([{"id": s.id, "persona": s.persona, "points": s.points, "from": s.source, "changes": lifts(s),
                          "story": s.text} for s in IMPROVEMENTS]).set_index("id")


def after_stories(card: pd.DataFrame, story_ids: Iterable[str]) -> pd.DataFrame:
    """The scorecard after the improvement stories ``story_ids`` are done (:func:`mltestscore.after_stories`)."""
    return mltestscore.after_stories(card, [improvement(str(s).strip().upper()) for s in story_ids])


# --- the increment -----------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Increment:
    """One run of the pipeline: every run it makes carries its id (never printed)."""

    id: str
    name: str = MODEL
    previous: str = ""
    """The champion version before this increment: last sprint's model, and the rollback target."""
    trigger: str = TRIGGER
    code_version: str = "unknown"
    """The git commit of the code the increment runs (``validation.code_version()``)."""

    def tags(self, step: str) -> dict[str, str]:
        """The tags every run of the increment carries: its id, its step, what started it, and the code version."""
        return {"capstone.increment": self.id, mltestscore.STEP_TAG: step, mltestscore.TRIGGER_TAG: self.trigger,
                mltestscore.CODE_TAG: self.code_version}


def start(name: str = MODEL) -> Increment:
    """A new increment; ``name@champion`` is last sprint's model (the governed champion, registered if missing).

    On a store where an earlier run of the lab promoted something, the alias goes back to the governed champion first,
    so that every run of the lab starts from the same sprint.
    """
    from .validation import code_version

    return Increment(uuid.uuid4().hex, name, registry.reset_champion(name), code_version=code_version())


def february_export() -> pd.DataFrame:
    """February's batch as the CRM exported it: the shipped batch with the glitches of a real export.

    A re-sent row (the same customer twice), a negative tenure, a contract type spelled the old way, a monthly
    charge lost in transit, and the agents' free-text ``notes`` (a column only CRM exports carry), one of which holds
    a phone number. Deterministic: the same rows every time.
    """
    batch = data.load_batch(BATCH_MONTH).copy()
    batch.loc[17, "tenure"] = -2
    batch.loc[230, "Contract"] = "Monthly"
    batch.loc[402, "MonthlyCharges"] = np.nan
    batch["notes"] = None
    batch.loc[[5, 99, 311], "notes"] = ["asked about the fibre upgrade", "unhappy about the price rise",
                                        "wants a call back on 555-201-7733 after 6pm"]  # a fictional number
    return pd.concat([batch, batch.iloc[[88]]], ignore_index=True)


def training_data() -> pd.DataFrame:
    """The recorded customers of :data:`TRAIN_MONTHS` (labels of the legacy process, as in labs 05 to 07)."""
    customers = data.load_customers()
    return customers[customers["month"].isin(TRAIN_MONTHS)].reset_index(drop=True)


def gate_data() -> pd.DataFrame:
    """The labelled customers of :data:`GATE_MONTHS`, with outcomes of the kind production has: a 2025 month's customers
    with the label audit's outcomes (lab 07, ``trust.audited_outcomes``: the recorded labels hold false churners), or
    a production month's batch with the labels that arrived for it."""
    from .trust import AUDITED_MONTHS, audited_outcomes

    unaudited = [m for m in GATE_MONTHS if m in data.TRAIN_MONTHS and m not in AUDITED_MONTHS]
    if unaudited:
        raise ValueError(f"exam months {unaudited} have only the recorded labels, which hold lab 07's false churners")
    outcomes = audited_outcomes()
    audited = [outcomes[outcomes["month"] == m] for m in GATE_MONTHS if m in data.TRAIN_MONTHS]
    arrived = [data.load_batch(m).merge(data.load_labels(m)[["customerID", data.TARGET]], on="customerID",
                                        how="left", validate="one_to_one")
               for m in GATE_MONTHS if m not in data.TRAIN_MONTHS]
    columns = arrived[0].columns if arrived else outcomes.columns
    return pd.concat([frame[columns] for frame in audited + arrived], ignore_index=True)


def contract_tags(contract) -> dict[str, str]:
    """Tags that describe a pandera contract for the record: its name, its rules, and the catalog entry it serves."""
    names = {check.name for column in contract.columns.values() for check in column.checks}
    names |= {check.name for check in contract.checks}
    names |= {"unique" for column in contract.columns.values() if column.unique}
    return {"contract.name": str(contract.name), "contract.rules": ",".join(sorted(str(n) for n in names)),
            "catalog": str(provisioning.CATALOG_ENTRY["name"])}


def load_logged_model(run_id, artifact: str = "model"):
    """``mlflow.sklearn.load_model(f"runs:/{run_id}/{artifact}")``: the model a training run logged, loaded back; or
    None, printing why, when there is no run id yet (exercise 11.2 unanswered) or the run logged no such model."""
    import mlflow

    if not isinstance(run_id, str):
        return None
    try:
        return mlflow.sklearn.load_model(f"runs:/{run_id}/{artifact}")
    except Exception as err:  # noqa: BLE001 — the student's run: say what is missing, let the lab go on
        first = " ".join(str(err).split())[:160]
        print(f"your run has no model logged under '{artifact}': {type(err).__name__}: {first} (log it in your run "
              f"with mlflow.sklearn.log_model(model, name='{artifact}', ...); the release needs it)")
        return None


def months_between(first: str, last: str) -> int:
    """Whole months from ``first`` to ``last`` ("2025-09" to "2026-01": 4)."""
    return (int(last[:4]) - int(first[:4])) * 12 + int(last[5:7]) - int(first[5:7])


def governed_threshold(name: str = MODEL, alias: str = "champion") -> float:
    """The governed decision threshold recorded on ``name@alias`` (tag ``policy.THRESHOLD.tag``)."""
    version = registry.client().get_model_version_by_alias(name, alias)
    return float(version.tags[policy.THRESHOLD.tag])


# --- the evidence, queried back ----------------------------------------------------------------------------------

def tracked_runs(inc: Increment, step: str | None = None) -> pd.DataFrame:
    """The increment's runs, queried back from the tracking store (oldest first)."""
    import mlflow

    setup_tracking()
    query = f"tags.`capstone.increment` = '{inc.id}'" + (f" and tags.`{mltestscore.STEP_TAG}` = '{step}'" if step else "")
    runs = mlflow.search_runs(experiment_names=[EXPERIMENT], filter_string=query, order_by=["attributes.start_time"])
    return runs.reset_index(drop=True)


def collect(inc: Increment) -> Evidence:
    """The increment's evidence: its runs, and the newest registered version of one of its training runs."""
    from mlflow.models import get_model_info

    c = registry.client()
    runs = tracked_runs(inc)
    trained = set(runs.loc[runs.get(f"tags.{mltestscore.STEP_TAG}", pd.Series(dtype=str)) == "train", "run_id"]) \
        if len(runs) else set()
    all_versions = c.search_model_versions(f"name='{inc.name}'")
    mine = [v for v in all_versions if v.run_id in trained]
    version, signature = {}, False
    if mine:
        v = max(mine, key=lambda m: int(m.version))
        aliases = [a for a, n in c.get_registered_model(inc.name).aliases.items() if str(n) == str(v.version)]
        version = {**v.tags, "version": str(v.version), "run_id": v.run_id, "aliases": ",".join(sorted(aliases))}
        try:
            info = get_model_info(f"runs:/{v.run_id}/model")
            signature = info.signature is not None and info.saved_input_example_info is not None
        except Exception:  # noqa: BLE001 -- a version without a logged model has no signature to show
            signature = False
    return Evidence(runs, version, [str(v.version) for v in all_versions], signature)
