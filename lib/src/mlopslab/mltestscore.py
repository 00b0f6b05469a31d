"""The ML Test Score (Breck et al., 2017), judged from evidence queried back from MLflow (lab 11).

28 tests in four sections (data, model, infrastructure, monitoring), seven each. Each test scores:

* **0** — not done, or no evidence that it was;
* **0.5** — done **by hand**: judged by a person (a review, an approval, a number someone compared), or a machine
  check that ran only because a person started the pipeline;
* **1** — **automated**: a machine check with a recorded verdict, in a pipeline that runs **without a person**
  (started by a scheduler or by CI: the runs' trigger tag says so). Breck et al.'s full point is for tests that are
  automated and run repeatedly; a notebook someone ran once is neither.

A section scores the sum of its tests; the final ML Test Score is the **minimum** over the sections. Each test's
judge reads an :class:`Evidence`; the lab supplies one judge itself (``Model 7``, inclusion: exercise 11.judge), so
:func:`scorecard` takes extra judges by test id. :func:`after_stories` shows the scorecard after improvement stories.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from . import lineage

SECTIONS = ("Data", "Model", "Infrastructure", "Monitoring")
MANUAL, AUTOMATED = 0.5, 1.0
UNATTENDED = ("schedule", "ci")
"""Trigger tags of a pipeline run that no person started."""
TRIGGER_TAG = "capstone.trigger"
STEP_TAG = "capstone.step"
CODE_TAG = "code.version"
"""The git commit of the code a run ran (``validation.code_version()``; "unknown" outside a git checkout)."""
CHECK, REVIEW = "check", "review"
"""Kinds of evidence: a machine check (1 point once unattended) or a person's judgement (0.5 at most)."""


@dataclass
class Evidence:
    """What an increment left in the tracking store and the registry."""

    runs: pd.DataFrame
    """The increment's runs (one row each; columns ``tags.*``, ``params.*``, ``metrics.*``)."""
    version: dict[str, str] = field(default_factory=dict)
    """The increment's registered version: its tags, plus ``version``, ``run_id`` and ``aliases``."""
    versions: list[str] = field(default_factory=list)
    """Every version of the registered model."""
    signature: bool = False
    """Whether the registered model was logged with an input signature and an input example."""

    def steps(self, name: str) -> pd.DataFrame:
        """The runs of a step (``contract``, ``train``, ``score``, ``monitor``), oldest first."""
        return self.runs[self.runs.get(f"tags.{STEP_TAG}", pd.Series(dtype=str)) == name]

    def step(self, name: str) -> dict:
        """The last run of a step as a flat dict (tags.*, params.*, metrics.*); empty if the step left no run."""
        rows = self.steps(name)
        return {k: v for k, v in rows.iloc[-1].items() if _present(v)} if len(rows) else {}

    @property
    def triggers(self) -> set[str]:
        """What started the increment's runs ("notebook", "schedule", "ci", ...)."""
        return set(self.runs.get(f"tags.{TRIGGER_TAG}", pd.Series(dtype=str)).dropna())

    @property
    def unattended(self) -> bool:
        """True when every run of the increment was started without a person (a scheduler or CI)."""
        return bool(self.triggers) and self.triggers <= set(UNATTENDED)


def _present(value) -> bool:
    return value is not None and not (isinstance(value, float) and np.isnan(value))


Verdict = tuple[float, str, str]
"""(points, the evidence in words, kind: CHECK, REVIEW or "")."""


def _check(ev: Evidence, text: str) -> Verdict:
    """A machine check that ran: 1 point in an unattended pipeline, 0.5 when a person started it."""
    if ev.unattended:
        return AUTOMATED, f"{text}; the pipeline ran without a person ({', '.join(sorted(ev.triggers))})", CHECK
    started = ", ".join(sorted(ev.triggers)) or "unknown"
    return MANUAL, f"{text}; but a person started the pipeline ({started})", CHECK


def _review(text: str) -> Verdict:
    return MANUAL, text, REVIEW


def _none(text: str) -> Verdict:
    return 0.0, text, ""


@dataclass(frozen=True)
class Test:
    """One test of the rubric: its section, number, wording, how it is judged, and how to climb."""

    section: str
    number: int
    text: str
    judge: Callable[[Evidence], Verdict] | None
    """None: the lab supplies the judge (see :func:`scorecard`)."""
    climb: str

    @property
    def id(self) -> str:
        return f"{self.section} {self.number}"


# --- the judges ----------------------------------------------------------------------------------------------------

def _contract(ev: Evidence) -> Verdict:
    run = ev.step("contract")
    if run.get("tags.reconciles") == "True" and "metrics.rows_in" in run:
        return _check(ev, f"the pandera contract checked the batch ({run['metrics.rows_in']:.0f} in = "
                          f"{run.get('metrics.accepted', 0):.0f} accepted + {run.get('metrics.quarantined', 0):.0f} "
                          "quarantined)")
    return _none("no reconciled contract result in the store")


def _logged(step: str, key: str, found: str, missing: str) -> Callable[[Evidence], Verdict]:
    """A judge: a machine check when the step's last run carries ``key`` (a tag or metric), else 0."""
    def judge(ev: Evidence) -> Verdict:
        return _check(ev, found) if key in ev.step(step) else _none(missing)
    return judge


def _catalog(ev: Evidence) -> Verdict:
    if "tags.catalog" in ev.step("contract"):
        return _review("the catalog entry (owner, allowed uses, protected attributes) is logged with the data; "
                       "people wrote it and people check it")
    return _none("no catalog entry logged with the data")


def _privacy(ev: Evidence) -> Verdict:
    run = ev.step("contract")
    if "no_personal_data" in str(run.get("tags.contract.rules", "")):
        return _check(ev, "the contract's no_personal_data rule ran on the batch")
    return _none("no personal-data rule in the recorded contract")


def _trained(ev: Evidence) -> dict:
    """The training run of the registered version (empty if none)."""
    runs = ev.steps("train")
    if "run_id" not in runs:
        return {}
    rows = runs[runs["run_id"] == ev.version.get("run_id")]
    return {k: v for k, v in rows.iloc[0].items() if _present(v)} if len(rows) else {}


def _specs_reviewed(ev: Evidence) -> Verdict:
    from .policy import APPROVAL

    run, tags = _trained(ev), ev.version
    approver, author = tags.get(APPROVAL.approver_tag, ""), tags.get(APPROVAL.author_tag, "")
    if not _code_version(run) or not approver:
        return _none("no code version on the training run, or no approval on its version")
    if not APPROVAL.may_approve(author, approver):
        return _none(f"approved by its own author ({approver}): that is not a review")
    if tags.get(APPROVAL.approved_at_tag, "") < tags.get(APPROVAL.card_tag, "~"):
        return _none("approved before its model card was logged: the approval cites evidence that did not exist")
    return _review(f"code version on the training run; model card logged, then reviewed and approved by {approver}, "
                   f"not by its author ({author})")


def _code_version(run: dict) -> str:
    """The code version a run records (git commit), or ""."""
    found = str(run.get(f"tags.{CODE_TAG}", run.get("tags.mlflow.source.git.commit", "")))
    return "" if found in ("", "unknown") else found


def _offline_online(ev: Evidence) -> Verdict:
    mon = ev.step("monitor")
    if "metrics.online.auc" in mon and "metrics.offline.auc" in mon:
        return _review(f"last month's champion: offline AUC {mon['metrics.offline.auc']:.3f} (hold-out months, audited "
                       f"outcomes), online AUC {mon['metrics.online.auc']:.3f} on real outcomes; both recorded, "
                       "compared by a person")
    return _none("no online metric recorded next to the offline one")


def _tuning(ev: Evidence) -> Verdict:
    runs = ev.steps("train")
    if "tags.candidate" in runs:  # the simpler baseline of Model 5 is another model, not a setting tried
        runs = runs[runs["tags.candidate"] != "simpler"]
    if runs.empty or "params.model" not in runs:
        return _none("no training runs")
    params = [c for c in runs.columns if c.startswith("params.") and c != "params.model"]
    settings = runs[["params.model", *params]].astype(str).drop_duplicates()
    per_model = settings.groupby("params.model").size()  # distinct settings: a re-run of the same is not tuning
    if per_model.max() >= 5:
        return _check(ev, f"a sweep of {per_model.max()} settings of {per_model.idxmax()}")
    if per_model.max() >= 2:
        return _review(f"{per_model.max()} settings of {per_model.idxmax()} tried by hand")
    if len(per_model) == 1:
        return _none(f"one fixed setting of {per_model.index[0]}: trained, not tuned")
    return _none(f"{len(per_model)} model types, each with one fixed setting: compared, not tuned")


def _staleness(ev: Evidence) -> Verdict:
    mon = ev.step("monitor")
    if "metrics.online.auc" in mon and "metrics.model_age_months" in mon:
        return _review(f"measured once: {mon['metrics.model_age_months']:.0f} months after its training data ends, "
                       f"last month's champion ranks with AUC {mon['metrics.online.auc']:.3f}")
    return _none("the effect of the model's age was never measured")


def _simpler(ev: Evidence) -> Verdict:
    runs = ev.steps("train")
    simple = runs[runs.get("tags.candidate", pd.Series(dtype=str)) == "simpler"] if len(runs) else runs
    chosen = _trained(ev)
    if not len(simple) or "metrics.profit" not in chosen:
        return _none("no simpler model was trained and compared in this increment")
    simple_profit = float(simple["metrics.profit"].iloc[-1])
    inputs = simple["params.inputs"].iloc[-1] if "params.inputs" in simple else None
    what = f"{simple['params.model'].iloc[-1]}" + (f" on {inputs}" if _present(inputs) else "")
    if chosen["metrics.profit"] >= simple_profit:
        return _check(ev, f"a simpler model ({what}) was trained on the same data: "
                          f"€{simple_profit:,.0f} against €{chosen['metrics.profit']:,.0f} on the gate months")
    return _none(f"the simpler model earns more on the gate months (€{simple_profit:,.0f} against "
                 f"€{chosen['metrics.profit']:,.0f}): ship it, or say why not")


def _slices(ev: Evidence) -> Verdict:
    mon = ev.step("monitor")
    if "metrics.segment_gap" in mon and "segment_gap" in mon.get("tags.alert_rules", ""):
        limit = json.loads(mon["tags.alert_rules"])["segment_gap"]
        return _check(ev, f"the monitor checks calibration per segment, both directions (worst gap "
                          f"{mon['metrics.segment_gap']:.3f}, alert beyond {limit:g})")
    return _none("no per-segment quality check recorded")


def _reproducible(ev: Evidence) -> Verdict:
    run = _trained(ev)
    if run.get("tags.reproducibility") == "identical":
        return _check(ev, "the pipeline retrained and got identical predictions")
    if f"tags.{lineage.TAG}" in run and _code_version(run) and "params.random_state" in run:
        return _review("data version, code version and seed are recorded: a person could retrain and compare")
    return _none("data version, code version or seed missing from the training run")


def _integration(ev: Evidence) -> Verdict:
    steps = set(ev.runs.get(f"tags.{STEP_TAG}", pd.Series(dtype=str)))
    needed = {"contract", "train", "score", "monitor"}
    if needed <= steps and ev.version:
        return _check(ev, "the whole pipeline ran end to end on real data, each step leaving its run")
    return _none(f"steps missing from the increment: {sorted(needed - steps) or ['registration']}")


def _gated(ev: Evidence) -> Verdict:
    aliases = ev.version.get("aliases", "").split(",")
    if ev.version.get("gate") == "passed" and "champion" in aliases:
        return _check(ev, f"version {ev.version['version']} serves as champion after the gate passed (tag gate)")
    if ev.version.get("gate") == "passed":
        return _check(ev, f"version {ev.version['version']} passed the gate; the champion did not change")
    if ev.version.get("gate") == "failed" and "champion" not in aliases:
        return _check(ev, f"the gate stopped version {ev.version['version']}: it does not serve")
    return _none("no gate verdict on record for the increment's version")


def _debuggable(ev: Evidence) -> Verdict:
    if "metrics.explained_rows" in ev.step("score"):
        return _check(ev, "per-customer reasons are logged with every scored batch")
    if ev.signature:
        return _review("the model is logged with its signature and an input example: a person can load and probe it")
    return _none("no signature or input example logged with the model")


def _rollback(ev: Evidence) -> Verdict:
    replaced = ev.version.get("replaces")
    if ev.version.get("rollback") == "rehearsed":
        return _check(ev, "a rollback is rehearsed on every release")
    if replaced and replaced in ev.versions:
        return _review(f"version {ev.version['version']} records that it replaces version {replaced}, still "
                       "registered: a rollback is one alias move, but it was never rehearsed")
    return _none("no record of the version to roll back to")


def _invariants(ev: Evidence) -> Verdict:
    points, text, kind = _contract(ev)
    return (points, text.replace("checked the batch", "checked the serving batch before scoring"), kind)


def _skew(ev: Evidence) -> Verdict:
    run = ev.step("score")
    if "metrics.skew.max_abs_diff" in run:
        return _check(ev, f"the served model and the training pipeline scored the same rows: largest difference "
                          f"{run['metrics.skew.max_abs_diff']:.1e}")
    return _none("no comparison of the served model with the training pipeline on the same rows")


def _stale_alert(ev: Evidence) -> Verdict:
    mon = ev.step("monitor")
    rules = json.loads(mon.get("tags.alert_rules", "{}"))
    if "max_model_age_months" in rules:
        return _check(ev, "an alert rule on the model's age")
    if "metrics.model_age_months" in mon:
        return _review(f"the model's age is recorded ({mon['metrics.model_age_months']:.0f} months), no rule on it")
    return _none("the model's age is not recorded")


def _stable(ev: Evidence) -> Verdict:
    run = ev.step("score")
    if run.get("metrics.scores_in_range") == 1.0:
        return _check(ev, f"the scores are checked to be probabilities ({run['metrics.rows']:.0f} rows)")
    return _none("no check of the scores' numerical sanity")


def _quality(ev: Evidence) -> Verdict:
    mon = ev.step("monitor")
    if "metrics.online.auc" in mon and "auc_drop" in mon.get("tags.alert_rules", ""):
        return _check(ev, f"last month's champion on the labels that arrived: AUC {mon['metrics.online.auc']:.3f}, "
                          f"against the alert rules (verdict: {mon.get('tags.verdict', '?')})")
    return _none("prediction quality on labelled production data is not measured")


def _absent(what: str) -> Callable[[Evidence], Verdict]:
    return lambda ev: _none(what)


TESTS: tuple[Test, ...] = (
    Test("Data", 1, "Feature expectations are captured in a schema", _contract,
         "keep it, and run it unattended"),
    Test("Data", 2, "All features are beneficial", _logged("train", "metrics.importance.min",
         "permutation importance of every feature is checked in each training run",
         "no record of what each feature contributes"), "log permutation importance per feature (lab 07)"),
    Test("Data", 3, "No feature's cost is too much", _absent("nobody has weighed each feature's cost (latency, "
         "upkeep, data risk) against its value"), "review each feature's cost and value once a quarter"),
    Test("Data", 4, "Features adhere to meta-level requirements", _catalog,
         "check the catalog's rules (allowed uses, protected attributes) in code"),
    Test("Data", 5, "The data pipeline has appropriate privacy controls", _privacy,
         "keep it, and run it unattended"),
    Test("Data", 6, "New features can be added quickly", _absent("no record of how long adding a feature takes"),
         "a feature template with its tests, so that a new feature ships within a sprint"),
    Test("Data", 7, "All input feature code is tested", _logged("contract", "metrics.tests.features",
         "unit tests of the feature code ran in the pipeline", "no unit test of the feature code ran"),
         "unit-test the feature code in CI (lab 10)"),
    Test("Model", 1, "Model specs are reviewed and submitted", _specs_reviewed,
         "require a second reviewer on every change to the model code, enforced by the repository"),
    Test("Model", 2, "Offline and online metrics correlate", _offline_online,
         "track gate profit against realised profit for every release, automatically"),
    Test("Model", 3, "All hyperparameters have been tuned", _tuning, "log a hyperparameter sweep to MLflow"),
    Test("Model", 4, "The impact of model staleness is known", _staleness,
         "measure models of different ages on the same months (lab 10's static vs continuous)"),
    Test("Model", 5, "A simpler model is not better", _simpler, "keep comparing with a simpler model"),
    Test("Model", 6, "Model quality is sufficient on important data slices", _slices,
         "keep it, and run it unattended"),
    Test("Model", 7, "The model is tested for considerations of inclusion", None,
         "keep the governed fairness rule in the gate"),
    Test("Infrastructure", 1, "Training is reproducible", _reproducible,
         "retrain in the pipeline and compare predictions automatically"),
    Test("Infrastructure", 2, "Model specs are unit tested", _logged("contract", "metrics.tests.model",
         "unit tests of the model pipeline ran in the pipeline", "no unit test of the model pipeline ran"),
         "unit-test the model pipeline in CI (lab 10)"),
    Test("Infrastructure", 3, "The ML pipeline is integration tested", _integration,
         "let a scheduler or CI run the pipeline end to end"),
    Test("Infrastructure", 4, "Model quality is validated before serving", _gated, "keep the gate"),
    Test("Infrastructure", 5, "The model is debuggable", _debuggable,
         "log per-customer reasons (lab 07) with every scored batch"),
    Test("Infrastructure", 6, "Models are canaried before serving", _absent("no canary or shadow run in the store"),
         "score a share of the batch with the challenger in shadow before promoting it"),
    Test("Infrastructure", 7, "Serving models can be rolled back", _rollback,
         "rehearse the rollback on every release (lab 10)"),
    Test("Monitoring", 1, "Dependency changes result in notification", _absent(
         "nobody is told when a library or an upstream table changes"),
         "alert when a pinned dependency or an upstream schema changes"),
    Test("Monitoring", 2, "Data invariants hold for inputs", _invariants, "keep the contract on every batch"),
    Test("Monitoring", 3, "Training and serving are not skewed", _skew,
         "keep comparing served and training-time scores"),
    Test("Monitoring", 4, "Models are not too stale", _stale_alert, "alert when the champion is older than a limit"),
    Test("Monitoring", 5, "Models are numerically stable", _stable, "keep checking the scores"),
    Test("Monitoring", 6, "Computing performance has not regressed", _absent(
         "no latency, throughput or memory figures recorded"),
         "record scoring time and memory per batch and alert on regressions (lab 08)"),
    Test("Monitoring", 7, "Prediction quality has not regressed", _quality, "keep measuring every labelled month"),
)
"""The 28 tests of the ML Test Score (Breck et al., 2017), each with the evidence rule applied to it."""

BANDS: tuple[tuple[float, str], ...] = (
    (0.0, "more of a research project than a productionized system"),
    (1.0, "not totally untested, but there may be serious holes in reliability"),
    (2.0, "a first pass at basic productionization; more investment may be needed"),
    (3.0, "reasonably tested, but more of the tests and procedures may be automated"),
    (5.0, "strong levels of automated testing and monitoring, appropriate for mission-critical systems"),
    (float("inf"), "exceptional levels of automated testing and monitoring"),
)
"""Breck et al.'s reading of the final score: (upper bound of the band, meaning); 0 is its own band."""


def test_by_id(test_id: str) -> Test:
    """The test "Data 1", "Monitoring 7", ...; KeyError naming the ids if absent."""
    found = {t.id: t for t in TESTS}
    if test_id not in found:
        raise KeyError(f"no test {test_id!r}; the tests are {list(found)}")
    return found[test_id]


def _short(err, limit: int = 80) -> str:
    text = " ".join(str(err).split())
    return text if len(text) <= limit else text[:limit - 1] + "…"


def _judged(judge: Callable, ev: Evidence) -> Verdict:
    """The verdict of a judge supplied to :func:`scorecard`: its points, or 0 saying why when it raised."""
    try:
        points = judge(ev)
    except Exception as err:  # a lab-supplied judge is the student's code: its error is its test's 0, not a crash
        return _none(f"your judge raised {type(err).__name__}: {_short(err)}")
    if points is None:
        return _none("not judged yet (your judge returned None)")
    try:
        points = float(points)
    except (TypeError, ValueError):
        return _none(f"your judge returned {type(points).__name__} {_short(repr(points), 40)}, not points")
    return points, "judged by the lab's own rule from the evidence", CHECK if points > 0 else ""


def scorecard(ev: Evidence, judges: Mapping[str, Callable] | None = None) -> pd.DataFrame:
    """Every test judged from the evidence: points (0, 0.5, 1), how, the kind of evidence, and how to climb.

    ``judges`` supplies judges by test id (a function of the evidence returning points): the tests the rubric
    leaves to the lab, or a replacement. A test without a judge, or whose judge returns None, scores 0; so does one
    whose judge raises or returns something that is not a number (its evidence says what happened), so that a
    student's broken judge costs its test, not the scorecard.
    """
    judges = dict(judges or {})
    rows = []
    for t in TESTS:
        if t.id in judges:
            verdict = _judged(judges[t.id], ev)
        elif t.judge is None:
            verdict = _none("the lab judges this test (exercise 11.judge): not judged yet")
        else:
            verdict = t.judge(ev)
        points, evidence, kind = verdict
        how = "automated" if points == AUTOMATED else "by hand" if points == MANUAL else "not done"
        rows.append({"test": t.id, "section": t.section, "what": t.text, "points": points, "how": how,
                     "kind": kind, "evidence": evidence, "to climb": "" if points == AUTOMATED else t.climb})
    return pd.DataFrame(rows).set_index("test")


def section_scores(card: pd.DataFrame) -> pd.Series:
    """The sum of points per section, in the rubric's order."""
    return card.groupby("section")["points"].sum().reindex(list(SECTIONS))


def final_score(card: pd.DataFrame) -> float:
    """The ML Test Score: the minimum of the four section scores."""
    return float(section_scores(card).min())


def band(score: float) -> tuple[int, str]:
    """The band of a final score (0 = a score of 0, 1 = (0, 1], ..., 5 = above 5) and what it means."""
    if score <= 0:
        return 0, BANDS[0][1]
    index = next(i for i, (upper, _) in enumerate(BANDS) if i > 0 and score <= upper)
    return index, BANDS[index][1]


def next_band_target(score: float) -> float:
    """The score every section must exceed to reach the next band."""
    found, _ = band(score)
    return BANDS[min(found, len(BANDS) - 2)][0] if found else 0.0


# --- climbing: improvement stories ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class Improvement:
    """A story for the next sprint and what it changes in the evidence: tests that gain a machine check or a review;
    ``unattended`` when it makes the pipeline run without a person (every machine check then earns its full point)."""

    id: str
    persona: str
    points: int
    text: str
    checks: tuple[str, ...] = ()
    reviews: tuple[str, ...] = ()
    unattended: bool = False
    source: str = "scorecard"
    """Where it came from: the scorecard's gaps, or a stakeholder at the sprint review."""


def after_stories(card: pd.DataFrame, stories: Iterable[Improvement]) -> pd.DataFrame:
    """The scorecard after ``stories`` are done: new checks and reviews count, and if one of them makes the pipeline
    unattended, every machine check earns its full point. A test never loses points."""
    stories = list(stories)
    unattended = any(s.unattended for s in stories) or bool((card["points"] == AUTOMATED).any())
    out = card.copy()
    for s in stories:
        for test in s.checks:
            out.loc[test, "kind"] = CHECK
            out.loc[test, "points"] = max(out.loc[test, "points"], MANUAL)
        for test in s.reviews:
            if out.loc[test, "kind"] != CHECK:
                out.loc[test, "kind"] = REVIEW
            out.loc[test, "points"] = max(out.loc[test, "points"], MANUAL)
    if unattended:
        out.loc[out["kind"] == CHECK, "points"] = AUTOMATED
    out["how"] = np.where(out["points"] == AUTOMATED, "automated", np.where(out["points"] == MANUAL, "by hand",
                                                                            "not done"))
    return out


def plot_scorecard(card: pd.DataFrame, title: str = "ML Test Score of the capstone increment"):
    """Left: the 28 tests (0 / 0.5 / 1); right: the section scores, the final score (their minimum) and the bands."""
    import matplotlib.pyplot as plt
    from matplotlib.colors import ListedColormap

    grid = np.array([[card.loc[f"{s} {n}", "points"] for n in range(1, 8)] for s in SECTIONS])
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 3.6), gridspec_kw={"width_ratios": [3, 2]})
    left.imshow(grid * 2, cmap=ListedColormap(["#d9534f", "#f0ad4e", "#5cb85c"]), vmin=0, vmax=2, aspect="auto")
    for (i, j), points in np.ndenumerate(grid):
        left.text(j, i, f"{points:g}", ha="center", va="center", fontsize=10, color="white", fontweight="bold")
    left.set_xticks(range(7), [f"test {n}" for n in range(1, 8)], fontsize=8)
    left.set_yticks(range(4), SECTIONS)
    left.set_title("each test: 0 not done · 0.5 by hand · 1 automated", fontsize=10)
    scores = section_scores(card)
    final = final_score(card)
    colours = ["#d9534f" if s == final else "#337ab7" for s in scores]
    right.barh(list(SECTIONS), scores.to_numpy(), color=colours)
    for y, s in enumerate(scores):
        right.text(s + 0.08, y, f"{s:g}", va="center", fontsize=9)
    for bound in (1, 2, 3, 5):
        right.axvline(bound, color="grey", ls=":", lw=1)
    right.axvline(final, color="#d9534f", ls="--", lw=1.5)
    right.text(final + 0.1, -0.75, f"final = min = {final:g}", color="#d9534f", fontsize=8, ha="left")
    right.invert_yaxis()
    right.set_xlim(0, 7.5)
    right.set_ylim(3.6, -1.0)
    right.set_xlabel("section score (sum of its 7 tests)")
    right.text(7.4, 3.5, "dotted: band limits", ha="right", va="bottom", fontsize=7, color="grey")
    right.set_title("sections: the weakest one sets the score", fontsize=10)
    fig.suptitle(title)
    fig.tight_layout()
    return fig
