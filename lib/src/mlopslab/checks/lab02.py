"""Checks of lab 02 (Scrum and the AI project roles): sprint planning, KPIs, accountability."""

from __future__ import annotations

import pandas as pd

from ..exercises import NotAnswered, correct, exercise, partial, wrong
from ..scrum import (
    BACKLOG,
    PERSONAS,
    STAGES,
    accountable,
    check_plan,
    commitment_reliability,
    history,
    plan_sprint,
    run_sprints,
    simulate_sprint,
    story,
    velocity,
)

CAPACITY = 20
"""Sprint 1's capacity in the lab (and every sprint's in the lab's five-sprint history)."""
PLAN_CAPACITY = 18
"""Sprint 2's capacity in exercise 02.sprint_plan (a team member is on leave)."""
SPRINTS = 5


def done_after_sprint_1() -> list[str]:
    """The stories the lab's simulated sprint 1 finished (exercise 02.sprint_plan starts from them)."""
    return simulate_sprint(plan_sprint(BACKLOG, CAPACITY)).done

SITUATIONS = {
    "drift_alert": "monitoring",
    "payment_data_request": "provisioning",
    "candidate_below_champion": "validation",
    "scoring_encodes_differently": "preparation",
    "score_missing_in_crm": "deployment",
    "choice_of_model": "development",
}
"""The situations of exercise 02.accountable and the stage each belongs to."""


@exercise("02.accountable", points=3, title="Who is accountable?")
def accountable_persona(answer, **_):
    if not isinstance(answer, dict):
        return wrong("Give a dict: situation -> persona name.")
    names = {p.lower(): p for p in PERSONAS}
    given = {k: names.get(str(v).strip().lower()) for k, v in answer.items() if v is not ...}
    bad = [answer[k] for k, v in given.items() if v is None]
    if bad:
        return wrong(f"{bad[0]!r} is not one of the personas {list(PERSONAS)}.")
    right = [k for k, stage in SITUATIONS.items() if given.get(k) == accountable(stage)]
    if len(right) == len(SITUATIONS):
        return correct("All right: find the stage first, then the one A in its column of the RACI matrix.")
    first = next(k for k in SITUATIONS if k not in right)
    hint = (f"{len(right)} of {len(SITUATIONS)} right. {first!r} belongs to the stage "
            f"'{STAGES[SITUATIONS[first]]}': who holds the A in that column? (R does the work; A owns the outcome.)")
    return partial(len(right) / len(SITUATIONS), hint) if right else wrong(hint)


@exercise("02.sprint_plan", points=3, title="Plan a sprint within capacity and dependencies")
def sprint_plan(answer, **_):
    if isinstance(answer, str) or not isinstance(answer, (list, tuple, set)):
        return wrong('Give a list of story ids, e.g. ["S02", "S06"].')
    ids = [str(a).strip().upper() for a in answer]
    done = done_after_sprint_1()
    result = check_plan(ids, PLAN_CAPACITY, done)
    if not result.ok:
        return wrong("Not a valid sprint backlog: " + "; ".join(result.problems())
                     + ". A story may go in only if each story it depends on is done or also in the plan.")
    value = sum(story(i).value for i in set(ids))
    bar = sum(s.value for s in plan_sprint(BACKLOG, PLAN_CAPACITY, done, by="wsjf"))
    if value >= bar:
        return correct(f"Valid ({result.points} of {PLAN_CAPACITY} points) and worth {value} in business value "
                       f"- at least the {bar} that walking the backlog in WSJF order gives.")
    return partial(0.5, f"Valid: capacity and dependencies respected. But it carries {value} in business value; "
                        f"walking the backlog by WSJF gets {bar}. Prefer stories with a high value per point, and "
                        "use the spare capacity.")


def _synthetic_history() -> pd.DataFrame:
    return pd.DataFrame({"sprint": [1, 2, 3, 4, 5], "committed": [30, 25, 20, 22, 18],
                         "done": [12, 21, 20, 15, 18]}).set_index("sprint")


@exercise("02.sprint_kpis", points=3, title="Velocity and commitment reliability")
def sprint_kpis(answer, **_):
    if not callable(answer):
        return wrong("Define a function `sprint_kpis(hist)` that returns a dict.")
    histories = [history(run_sprints(SPRINTS, CAPACITY)), _synthetic_history()]
    score = 0.0
    hints = []
    for h in histories:
        got = answer(h.copy())
        if got is None:
            raise NotAnswered
        if not isinstance(got, dict):
            return wrong(f"sprint_kpis must return a dict with 'velocity' and 'commitment_reliability', "
                         f"not a {type(got).__name__}.")
        expected = {"velocity": velocity(h, 3), "commitment_reliability": commitment_reliability(h, last=3)}
        for key, value in expected.items():
            given = got.get(key)
            if isinstance(given, (int, float)) and abs(given - value) < 1e-6:
                score += 0.5 / len(histories)
            elif not hints:
                hints.append(_kpi_hint(key, given, h))
    if score == 1.0:
        return correct("Both KPIs right, on the lab's history and on another team's.")
    return partial(score, hints[0]) if score else wrong(hints[0])


def _kpi_hint(key: str, given, h: pd.DataFrame) -> str:
    done, committed = h["done"].tail(3), h["committed"].tail(3)
    if key == "velocity":
        if isinstance(given, (int, float)) and abs(given - h["done"].mean()) < 1e-6:
            return "velocity: use only the last three sprints (`.tail(3)`), not all of them."
        return f"velocity is the mean of the points *done* in the last three sprints; yours gave {given!r}."
    if isinstance(given, (int, float)) and abs(given - (done / committed).mean()) < 1e-6:
        return ("commitment_reliability: divide the *total* done by the *total* committed over the last three "
                "sprints; the mean of the per-sprint ratios over-weights small sprints.")
    return f"commitment_reliability is points done / points committed over the last three sprints; yours: {given!r}."
