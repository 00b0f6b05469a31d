"""Checks of lab 02 (Scrum and the AI project roles): owners, burndown, retrospective evidence, planning, KPIs.

Every check recomputes its reference from the package (the backlog, the seeded sprints) and tries the student's
function on more than the lab's own case: the lab's five simulated sprints and small made-up backlogs and
histories. The exercises ask the student to write the technique; a function that hands the work to the package's
own planner or KPI functions is told so (:func:`_call` runs it with them switched off).
"""

from __future__ import annotations

import dataclasses
import math
import numbers
from collections.abc import Iterable

import numpy as np
import pandas as pd

from .. import scrum
from ..config import SEED
from ..exercises import NotAnswered, correct, exercise, partial, wrong
from ..rubrics import criterion, written
from ._guards import Forbidden, case_seed, references, seal, without

SPRINTS = 5

# --- 02.accountable -----------------------------------------------------------------------------------------

SITUATIONS = {
    "drift_alert": "monitoring",
    "payment_data_request": "provisioning",
    "candidate_below_champion": "validation",
    "scoring_encodes_differently": "preparation",
    "score_missing_in_crm": "deployment",
    "choice_of_model": "development",
    "database_down_again": "removing impediments",
    "request_mid_sprint": "what is built and when",
}
"""The situations of exercise 02.accountable: the stage each belongs to, or what the Scrum role that owns it does."""

SCRUM_OWNERS = {"removing impediments": "Scrum Master", "what is built and when": "Product Owner"}

OWNERS = [*scrum.PERSONAS, "Scrum Master"]
"""What a student may name as the owner of a situation (the choices of 02.accountable)."""


def _owner(situation: str) -> str:
    where = SITUATIONS[situation]
    if where not in SCRUM_OWNERS:
        return scrum.accountable(where)
    role = SCRUM_OWNERS[where]
    return role if role == "Scrum Master" else scrum.SCRUM_ROLES[role]["at TelcoNova"].removeprefix("the ")


@exercise("02.accountable", points=2, title="Who owns it?")
def accountable_persona(answer, **_):
    if not isinstance(answer, dict):
        return wrong("Give a dict: situation -> the persona (or 'Scrum Master') who owns it.")
    names = {p.lower(): p for p in OWNERS} | {"product owner": "Business Analyst"}
    bad = [v for v in answer.values() if v is not ... and str(v).strip().lower() not in names]
    if bad:
        return wrong(f"{bad[0]!r} is not one of {OWNERS}.")
    given = {k: names[str(v).strip().lower()] for k, v in answer.items() if v is not ...}
    if all(given.get(k) == _owner(k) for k in SITUATIONS):
        return correct("All eight right: a stage's problem belongs to the one A of its column in the RACI matrix; "
                       "what gets built and when is the Product Owner's call; removing what stops the team is the "
                       "Scrum Master's job.")
    return wrong("Not yet: at least one of the eight owners is wrong (the check does not say which). For a problem "
                 "in a stage, find the stage first, then the one A in its column of the RACI matrix (R does the "
                 "work, A answers for the outcome). For how the team works, ask: is it about *what* is built and when "
                 "(Product Owner), or about removing what stops the team (Scrum Master)?")


# --- shared helpers -----------------------------------------------------------------------------------------

def _sprints() -> list[scrum.SprintResult]:
    """The lab's five sprints, recomputed (sprint 1 is the sprint the lab follows day by day)."""
    return scrum.run_sprints(SPRINTS, scrum.CAPACITY, scrum.refined_backlog())


def _made_up_sprint(seed: int) -> scrum.SprintResult:
    """A sprint the lab never runs (another capacity, a seed drawn by the check, :func:`~._guards.case_seed`): no
    table made before the check ran holds its burndown."""
    plan = scrum.plan_sprint(scrum.refined_backlog(), 16)
    return scrum.simulate_sprint(plan, seed=SEED + 1 + seed % 2**31, sprint=9)


FORBIDDEN = {
    "02.burndown": ("run_sprints", "simulate_sprint", "_unfinished_points", "plot_burndown"),
    "02.sprint_plan": ("plan_sprint", "prioritise", "run_sprints"),
    "02.sprint_kpis": ("velocity", "commitment_reliability", "forecast_capacity"),
}
"""The package functions that would do an exercise's work for the student."""


def _call(answer, exercise_id: str, *args):
    """``answer(*args)`` with the package functions that would do ``exercise_id``'s work switched off: one the student
    refers to, or reaches at run time (``scrum.plan_sprint``, a saved reference), raises :class:`Forbidden`."""
    names = FORBIDDEN[exercise_id]
    used = references(answer, {f"scrum.{name}": getattr(scrum, name) for name in names})
    if used:
        raise Forbidden(used[0])
    with without(scrum, list(names)):
        return answer(*args)


def _numbers(got, what: str) -> list[float]:
    if isinstance(got, pd.Series):
        got = got.tolist()
    elif isinstance(got, np.ndarray):
        got = got.ravel().tolist()
    if not isinstance(got, (list, tuple)):
        raise TypeError(f"{what} must return a list (one number per day), not a {type(got).__name__}")
    if not all(isinstance(x, numbers.Real) and not isinstance(x, bool) for x in got):
        raise TypeError(f"{what} must return numbers, one per day")
    return [float(x) for x in got]


# --- 02.burndown --------------------------------------------------------------------------------------------

@exercise("02.burndown", points=3, title="The burndown from the stand-up log")
def burndown(answer, **_):
    if not callable(answer):
        return wrong("Define a function `story_burndown(standup, points, days)` that returns a list.")
    days = scrum.SPRINT_DAYS
    for number, result in enumerate([*_sprints(), _made_up_sprint(case_seed("02.burndown"))]):
        expected = scrum._unfinished_points(result)
        try:
            got = _call(answer, "02.burndown", result.standup.copy(), dict(result.points), days)
        except Forbidden as err:
            return wrong(f"Your function calls {err.name}: the package's sprints already know their burndown. "
                         "Compute it from the stand-up log and the points, as the exercise asks.")
        if got is None and number == 0:
            raise NotAnswered
        if got is None:
            return wrong("Your function returns nothing for a sprint of the check's own: compute the line from the "
                         "stand-up log it is given.")
        try:
            values = _numbers(got, "story_burndown")
        except TypeError as err:
            return wrong(str(err) + ".")
        if len(values) == len(expected) and np.allclose(values, expected):
            continue
        if len(values) == days:
            return wrong(f"Give {days + 1} numbers: day 0 (before any work: the whole commitment) and the end of "
                         f"each of the {days} days.")
        if len(values) == len(expected) and np.allclose(values, result.remaining):
            return wrong("That is the work left, which counts partly done stories. Count a story's points until "
                         "the day its update says it is done, then not at all.")
        if len(values) == len(expected) and np.allclose(values[1:], expected[:-1]):
            return wrong("One day late: a story that is done on day d no longer counts at the end of day d.")
        if len(values) != len(expected):
            return wrong(f"Give one number per day from 0 to {days}: {days + 1} numbers, not {len(values)}.")
        first = next(i for i, (a, b) in enumerate(zip(values, expected)) if not np.isclose(a, b))
        return wrong(f"In sprint {result.sprint} your line says {values[first]:g} at the end of day {first}. At the "
                     "end of a day, add up the points of every committed story whose 'done' update has not come yet.")
    return correct("Right on all five sprints, and on one of the check's own: a story's points leave the burndown "
                   "only on the day it is done.")


# --- 02.retro_evidence --------------------------------------------------------------------------------------

def _evidence(standup: pd.DataFrame, by_wording: bool = False) -> dict[str, dict]:
    """Per story: stand-ups at which it could not start; per impediment: stand-ups it stopped a story.

    ``by_wording=True`` gives the common mistake: every blocker that starts with "waiting for" taken as a wait.
    """
    waiting: dict[str, int] = {}
    impediments: dict[str, int] = {}
    for story_id, update, blocker in standup[["story", "update", "blocker"]].itertuples(index=False):
        if not blocker:
            continue
        if (blocker if by_wording else update).startswith("waiting for" if by_wording else "cannot start"):
            waiting[story_id] = waiting.get(story_id, 0) + 1
        else:
            impediments[blocker] = impediments.get(blocker, 0) + 1
    return {"waiting": waiting, "impediments": impediments}


def _counts(value) -> dict | None:
    if isinstance(value, pd.Series):
        value = value.to_dict()
    if not isinstance(value, dict):
        return None
    return {str(k): int(v) for k, v in value.items()
            if isinstance(v, numbers.Integral) or (isinstance(v, float) and v.is_integer())}


@exercise("02.retro_evidence", points=2, title="The retrospective's evidence")
def retro_evidence(answer, **_):
    if not callable(answer):
        return wrong("Define a function `retro_evidence(standup)` that returns a dict.")
    for result in _sprints():
        got = answer(result.standup.copy())
        if got is None:
            raise NotAnswered
        if not isinstance(got, dict) or set(got) != {"waiting", "impediments"}:
            return wrong('retro_evidence must return a dict with the keys "waiting" and "impediments".')
        expected = _evidence(result.standup)
        waiting, impediments = _counts(got["waiting"]), _counts(got["impediments"])
        if waiting is None or impediments is None:
            return wrong('Each part is a dict (or a Series) of counts, such as {"S99": 2}: use `.value_counts()`.')
        if waiting == expected["waiting"] and impediments == expected["impediments"]:
            continue
        if {"waiting": waiting, "impediments": impediments} == _evidence(result.standup, by_wording=True):
            misread = next(iter(expected["impediments"].keys() - impediments.keys()))
            return wrong(f"In sprint {result.sprint}, {misread!r} is an impediment: the story had started and then "
                         "stopped. A dependency wait is a report whose update says the story *cannot start* yet; tell "
                         "the two apart by the update, not by the blocker's first words.")
        if set(waiting) - set(result.committed):
            return wrong("'waiting' counts per *story* (the story that could not start), such as {\"S99\": 2}.")
        if any(k.startswith("waiting for S") for k in impediments):
            return wrong("The impediments must not include the waits for other stories ('waiting for S..'): those "
                         "go under 'waiting', counted per story.")
        return wrong(f"Not the counts of sprint {result.sprint}'s log: 'waiting' counts, per story, the stand-ups "
                     "at which it could not start; 'impediments' counts, per blocker, the other stand-up reports "
                     "that named it.")
    return correct("Right on all five sprints: waits for other stories and impediments, told apart and counted.")


# --- 02.sprint_plan -----------------------------------------------------------------------------------------

def _frame(stories: Iterable[scrum.Story]) -> pd.DataFrame:
    """A backlog table like the lab's: one row per story, with WSJF."""
    rows = pd.DataFrame([dataclasses.asdict(s) for s in stories]).set_index("id")
    rows["value/point"] = rows["value"] / rows["points"]
    rows["cost of delay"] = rows["value"] + rows["time_criticality"] + rows["risk_reduction"]
    rows["WSJF"] = rows["cost of delay"] / rows["points"]
    return rows


def _plan(stories: list[scrum.Story], capacity: int, done: list[str], carried: list[str]) -> list[str]:
    """Carried-over stories first, then the package's planner (the rule the lab states) on the rest."""
    by_id = {s.id: s for s in stories}
    room = capacity - sum(by_id[i].points for i in carried)
    rest = [s for s in stories if s.id not in carried]
    return [*carried, *(s.id for s in scrum.plan_sprint(rest, room, {*done, *carried}))]


def _walk(stories: list[scrum.Story], capacity: int, done: list[str], carried: list[str], *, carry: bool = True,
          again: bool = True, skip: bool = True, done_ready: bool = True) -> set[str]:
    """The stories a planner takes: the rule (the defaults), or one of its common mistakes: ``carry=False`` forgets
    the carried-over stories, ``again=False`` walks the ranking once, ``skip=False`` stops at the first ready story
    that does not fit, ``done_ready=False`` counts a dependency as met only when it is in the plan."""
    ranked = sorted(stories, key=lambda s: -scrum.wsjf(s))
    plan = list(carried) if carry else []
    used = sum(s.points for s in stories if s.id in plan)
    while True:
        for s in ranked:
            if s.id in plan or s.id in done or not all(d in plan or (done_ready and d in done) for d in s.depends_on):
                continue
            if used + s.points > capacity:
                if skip:
                    continue
                return set(plan)
            plan.append(s.id)
            used += s.points
            if again:
                break  # and walk again from the top
        else:
            return set(plan)


def _made_up_backlog(seed: int) -> tuple[list[scrum.Story], int, list[str], list[str]]:
    """A small backlog with its capacity, done and carried-over stories, drawn from ``seed``
    (:func:`~._guards.case_seed`, fresh for every check: no plan typed in matches it): other ids, sizes, costs of
    delay and capacity each time, around one shape (a done story another one needs, a carried-over story last in the
    ranking, a story ranked above the one it needs, a story too big for what is left, a small one after it). Drawn
    again until carrying over first, looking again from the top after each pick, skipping what does not fit (without
    stopping) and counting done dependencies as ready each change the plan, and no two stories tie on WSJF."""
    rng = np.random.default_rng(seed)
    while True:
        done, carried, needs_done, above, needed, big, small = (
            f"{letter}{digit}" for letter, digit in zip(rng.choice(list("ABCDEFGHKMNPRTW"), 7, replace=False),
                                                        rng.integers(1, 10, 7), strict=True))
        points = dict(zip([done, carried, needs_done, above, needed, big, small],
                          [int(rng.choice([2, 3, 5])), int(rng.choice([3, 5])), int(rng.choice([2, 3])),
                           int(rng.choice([1, 2])), int(rng.choice([2, 3])), int(rng.choice([5, 8])),
                           int(rng.choice([1, 2]))], strict=True))
        ranking = [above, needs_done, needed, big, small, carried]  # best WSJF first
        wsjf = dict(zip(ranking, np.sort(rng.uniform(0.5, 9.0, len(ranking)))[::-1], strict=True))
        wsjf[done] = float(rng.uniform(5.0, 10.0))
        depends = {needs_done: (done,), above: (needed,)}
        stories = [scrum.Story(i, "Data Scientist", "development", "t", points[i],
                               max(int(round(wsjf[i] * points[i])), 3) - 2, 1, 1, depends.get(i, ()))
                   for i in map(str, rng.permutation(list(points)))]
        room = sum(points[i] for i in (carried, needs_done, above, needed, small))
        capacity = room + int(rng.integers(0, points[big]))
        if len({round(scrum.wsjf(s), 9) for s in stories}) < len(stories):
            continue
        expected = set(_plan(stories, capacity, [done], [carried]))
        mistakes = [{"carry": False}, {"again": False}, {"skip": False}, {"done_ready": False}]
        if (_walk(stories, capacity, [done], [carried]) == expected
                and all(_walk(stories, capacity, [done], [carried], **m) != expected for m in mistakes)):
            return stories, capacity, [done], [carried]


def _plan_cases() -> list[tuple[str, list[scrum.Story], int, list[str], list[str]]]:
    sprints, refined = _sprints(), scrum.refined_backlog()
    done_before = [sorted({i for r in sprints[:k] for i in r.done}) for k in range(SPRINTS)]
    cases = [(f"sprint {k + 1} of the lab", refined, scrum.CAPACITY, done_before[k],
              list(sprints[k - 1].carry_over) if k else []) for k in (1, 0, 3)]
    return [*cases, ("a made-up backlog", *_made_up_backlog(case_seed("02.sprint_plan")))]


@exercise("02.sprint_plan", points=3, title="Write the sprint planner")
def sprint_plan(answer, **_):
    if not callable(answer):
        return wrong("Give a list of story ids from a function: define `sprint_plan(backlog, capacity, done, "
                     "carried)` that returns the sprint backlog, e.g. [\"S02\", \"S05\", ...].")
    for name, stories, capacity, done, carried in _plan_cases():
        expected = _plan(stories, capacity, done, carried)
        try:
            got = _call(answer, "02.sprint_plan", _frame(stories), capacity, list(done), list(carried))
        except Forbidden as err:
            return wrong(f"Your function calls {err.name}, the package's own planner. Write the walk yourself, with "
                         "the backlog table: carried-over stories first, then again and again the best ready story "
                         "that fits.")
        if got is None:
            raise NotAnswered
        if isinstance(got, (str, bytes)) or not isinstance(got, (list, tuple, pd.Index, np.ndarray)):
            return wrong(f"sprint_plan must return a list of story ids, not a {type(got).__name__}.")
        ids = [str(i) for i in got]
        if len(ids) == len(set(ids)) and set(ids) == set(expected):
            continue
        return wrong(_plan_hint(name, ids, expected, stories, capacity, done, carried))
    return correct("Your planner makes the team's plans (sprints 1, 2 and 4) and handles a made-up backlog: "
                   "carry-over first, then always the best story that is ready and still fits.")


def _plan_hint(name, ids, expected, stories, capacity, done, carried) -> str:
    by_id = {s.id: s for s in stories}
    unknown = [i for i in ids if i not in by_id]
    if unknown:
        return f"On {name}: {unknown[0]!r} is not a story of the backlog you were given."
    if len(ids) != len(set(ids)):
        return f"On {name}: a story appears twice in your plan."
    if any(i in done for i in ids):
        return f"On {name}: {next(i for i in ids if i in done)} is already done; leave done stories out."
    if any(c not in ids for c in carried):
        return (f"On {name}: the carried-over story {next(c for c in carried if c not in ids)} is missing. "
                "Unfinished stories go in first, whatever their WSJF, at their full points.")
    points = sum(by_id[i].points for i in ids)
    if points > capacity:
        return f"On {name}: your plan has {points} points, over the capacity of {capacity}."
    for i in ids:
        missing = [d for d in by_id[i].depends_on if d not in done and d not in ids]
        if missing:
            return f"On {name}: {i} needs {missing[0]} done or in the same sprint."
    return (f"On {name}: a valid plan, but not the rule's. After each story you take, look again from the top of "
            "the WSJF order: a story you just took can make a better-ranked one ready. And a story that does not "
            "fit is skipped, not the end of the walk: a smaller one further down may still fit.")


# --- 02.sprint_kpis -----------------------------------------------------------------------------------------

def _made_up_history(seed: int) -> pd.DataFrame:
    """Another team's five sprints, drawn from ``seed`` (:func:`~._guards.case_seed`, fresh for every check): no table
    made before the check ran holds its KPIs. Drawn again until the common mistakes give other numbers than the KPIs
    (done below committed; the mean of the per-sprint ratios off the total ratio by more than the rounding allowed)."""
    rng = np.random.default_rng(seed)
    while True:
        committed = rng.integers(15, 31, 5)
        done = np.maximum(committed - rng.integers(0, 10, 5), 5)
        last_done, last_committed = done[-3:], committed[-3:]
        ratios = last_done / last_committed
        if (abs(ratios.mean() - last_done.sum() / last_committed.sum()) > 0.01
                and abs(last_done.mean() - last_committed.mean()) > 0.1):
            return pd.DataFrame({"sprint": [1, 2, 3, 4, 5], "committed": committed.tolist(),
                                 "done": done.tolist()}).set_index("sprint")


def _kpis(hist: pd.DataFrame) -> dict[str, float]:
    last = hist.iloc[-3:]
    return {"velocity": float(np.mean(last["done"].to_numpy())),
            "commitment_reliability": float(last["done"].to_numpy().sum() / last["committed"].to_numpy().sum())}


def _is_number(x) -> bool:
    return isinstance(x, numbers.Real) and not isinstance(x, bool)


def _same(given, value) -> bool:
    """Equal to 1 part in 1000: a KPI rounded to four significant digits still counts."""
    return _is_number(given) and _is_number(value) and math.isclose(given, value, rel_tol=1e-3, abs_tol=1e-6)


_DIGITS = {"velocity": 1, "commitment_reliability": 2}
"""The fewest decimals a KPI may be rounded to (points to one decimal, a fraction to two)."""


def _matches(given, value, key: str) -> bool:
    """``given`` is ``value``, unrounded or rounded to at least ``_DIGITS[key]`` decimals."""
    return _same(given, value) or (_is_number(given) and any(
        math.isclose(given, round(value, digits), abs_tol=1e-9) for digits in range(_DIGITS[key], 7)))


def _shown(given) -> str:
    return f"{float(given):.6g}" if _is_number(given) else repr(given)


@exercise("02.sprint_kpis", points=2, title="Compute velocity and commitment reliability")
def sprint_kpis(answer, **_):
    if not callable(answer):
        return wrong("Define a function `sprint_kpis(hist)` that returns a dict.")
    histories = {"the lab's `hist`": scrum.history(_sprints()),
                 "another team's history": _made_up_history(case_seed("02.sprint_kpis"))}
    results = {}
    for name, h in histories.items():
        try:
            got = _call(answer, "02.sprint_kpis", h.copy())
        except Forbidden as err:
            return wrong(f"Your function calls {err.name}. Compute the two KPIs yourself from the columns "
                         "`committed` and `done` (a few lines of pandas): that is the exercise.")
        if got is None:
            raise NotAnswered
        if not isinstance(got, dict):
            return wrong(f"sprint_kpis must return a dict with 'velocity' and 'commitment_reliability', "
                         f"not a {type(got).__name__}.")
        results[name] = got
    (lab, on_lab), (other, on_other) = results.items()
    expected = {name: _kpis(h) for name, h in histories.items()}
    for key in expected[lab]:
        given = on_other.get(key)
        if _same(given, on_lab.get(key)) and not _same(expected[lab][key], expected[other][key]):
            return wrong(f"On {other} your function gave {key} = {_shown(given)}, the same as on {lab}: it ignores the "
                         "table it is given. Use its argument, not the notebook's `hist` or numbers read off it.")
    score, hints = 0.0, []
    for name, h in histories.items():
        for key, value in expected[name].items():
            given = results[name].get(key)
            if _matches(given, value, key):
                score += 0.5 / len(histories)
            elif not hints:
                hints.append(f"On {name}: {_kpi_hint(key, given, h)}")
    if score == 1.0:
        return correct("Both KPIs right, on the lab's history and on another team's.")
    return partial(score, hints[0]) if score else wrong(hints[0])


def _kpi_hint(key: str, given, h: pd.DataFrame) -> str:
    done, committed = h["done"].tail(3), h["committed"].tail(3)
    if key == "velocity":
        if _same(given, h["done"].mean()):
            return "velocity: use only the last three sprints (`.tail(3)`), not all of them."
        if _same(given, committed.mean()):
            return "velocity counts the points *done*, not the points committed."
        return (f"velocity is the mean of the points *done* in the last three sprints; yours gave {_shown(given)} "
                "(keep at least one decimal if you round).")
    if _same(given, (done / committed).mean()):
        return ("commitment_reliability: divide the *total* done by the *total* committed over the last three "
                "sprints; the mean of the per-sprint ratios over-weights small sprints.")
    return (f"commitment_reliability is points done / points committed over the last three sprints (a fraction "
            f"between 0 and 1; keep at least two decimals if you round); yours: {_shown(given)}.")


# --- 02.retrospective (written: scored by a person against this rubric) -------------------------------------

written("02.retrospective", title="The team's retrospective", criteria=[
    criterion("start", 2, "Something to start, with its evidence",
              full="A change in how the team works (ordering stories by their dependencies, removing an impediment "
                   "at its source, limiting work in progress), tied to a fact of this sprint: a story that waited, "
                   "a named blocker, the day the first story was done."),
    criterion("stop", 2, "Something to stop, with its evidence",
              full="A habit to drop, such as committing to more than the team finishes, with the measured fact "
                   "behind it (the points committed against the points done)."),
    criterion("continue", 1, "Something to continue",
              full="A practice that worked, such as the daily stand-up that surfaced each blocker the same morning, "
                   "and what shows that it worked."),
    criterion("action", 1, "The Scrum Master's first action",
              full="One concrete action about the way of working (not the product) for the next sprint: who does "
                   "what, and how the team will see at the next retrospective whether it helped."),
])

seal(__name__)
