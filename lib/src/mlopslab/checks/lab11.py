"""Checks of lab 11 (the capstone sprint): sprint-review KPIs, a scorecard judged from evidence, the next sprint."""

from __future__ import annotations

from numbers import Real

from .. import capstone, scrum
from ..exercises import correct, exercise, partial, wrong

JUDGED = ("Data 1", "Model 1", "Model 3", "Monitoring 7")
"""The tests exercise 11.judge asks the student to score from the evidence."""


def _number(value) -> bool:
    return isinstance(value, Real) and not isinstance(value, bool)


def review_kpis_expected(increment: capstone.Increment) -> dict[str, float]:
    """Velocity and commitment reliability over the last three sprints; the champion's profit over the baseline."""
    hist = scrum.history(capstone.sprints())
    runs = capstone.tracked_runs(increment, "train")
    champion = runs["run_id"] == capstone.collect(increment).version["run_id"]
    baseline = runs["tags.candidate"] == "baseline"
    return {"velocity": scrum.velocity(hist, 3),
            "commitment_reliability": scrum.commitment_reliability(hist, last=3),
            "profit_uplift": float(runs.loc[champion, "metrics.profit"].iloc[0]
                                   - runs.loc[baseline, "metrics.profit"].iloc[0])}


KPI_HINTS = {
    "velocity": "velocity is the mean of the points *done* in the last three sprints (4, 5 and 6) of the history table",
    "commitment_reliability": "commitment reliability is the total done / the total committed over the last three "
                              "sprints (a share between 0 and 1, not a percentage)",
    "profit_uplift": "profit uplift: the champion's `metrics.profit` minus the baseline run's `metrics.profit` "
                     "in the training runs read back from the store",
}


@exercise("11.review_kpis", points=3, title="Sprint-review KPIs")
def review_kpis(answer, increment=None, **_):
    if not isinstance(answer, dict):
        return wrong('Give a dict with the keys "velocity", "commitment_reliability" and "profit_uplift".')
    expected = review_kpis_expected(increment)
    hist = scrum.history(capstone.sprints())
    slips = {"velocity": (hist["done"].mean(), "velocity: use only the last three sprints (`.tail(3)`), not all six"),
             "commitment_reliability": ((hist["done"] / hist["committed"]).tail(3).mean(),
                                        "commitment_reliability: divide the *total* done by the *total* committed; "
                                        "the mean of per-sprint ratios over-weights small sprints")}
    right, hints = 0, []
    for key, value in expected.items():
        given = answer.get(key)
        tolerance = 0.5 if key == "profit_uplift" else 0.005
        if _number(given) and abs(given - value) <= tolerance:
            right += 1
        elif _number(given) and key == "commitment_reliability" and abs(given / 100 - value) <= tolerance:
            hints.append("commitment_reliability: give a share (e.g. 0.75), not a percentage")
        elif _number(given) and key in slips and abs(given - slips[key][0]) <= tolerance:
            hints.append(slips[key][1])
        else:
            shown = f"{float(given):g}" if _number(given) else repr(given)
            hints.append(KPI_HINTS[key] + ("" if given is ... else f"; yours: {shown}"))
    if right == len(expected):
        return correct(f"Velocity {expected['velocity']:.1f} points, reliability {expected['commitment_reliability']:.0%}, "
                       f"and the model earns €{expected['profit_uplift']:,.0f} more than no model on the exam month.")
    message = f"{right} of {len(expected)} right. " + hints[0] + "."
    return partial(right / len(expected), message) if right else wrong(message)


JUDGE_HINTS = {
    1.0: "a machine check with a recorded verdict, run by the pipeline every time: 1 point",
    0.5: "done once, or decided by a person (a review, an approval, a number someone compares by hand): 0.5",
    0.0: "no evidence in the store that it was done: 0",
}


@exercise("11.judge", points=2, title="Judge scorecard items from the evidence")
def judge(answer, increment=None, **_):
    if not isinstance(answer, dict):
        return wrong('Give a dict: test id (e.g. "Data 1") -> points (0, 0.5 or 1).')
    evidence = capstone.collect(increment)
    right, hints = 0, []
    for test_id in JUDGED:
        given, expected = answer.get(test_id), capstone.judge(test_id, evidence)
        if _number(given) and abs(given - expected) < 1e-9:
            right += 1
        elif not hints:
            what = capstone.test_by_id(test_id).text
            bad = "" if given in (0, 0.5, 1) or given is ... else " Points are 0, 0.5 or 1."
            hints.append(f"{test_id} ({what}): you gave {given!r}.{bad} Look at its evidence again: is it a machine "
                         f"check with a recorded verdict (1), something done or decided by a person (0.5), or "
                         f"missing (0)?")
    if right == len(JUDGED):
        return correct("Right: the rubric rewards automation, and the store (not anyone's memory) is the evidence.")
    message = f"{right} of {len(JUDGED)} right. " + hints[0]
    return partial(right / len(JUDGED), message) if right else wrong(message)


def next_capacity() -> int:
    """Sprint 7's capacity: the forecast from the last three sprints."""
    return scrum.forecast_capacity(scrum.history(capstone.sprints()))["expected"]


@exercise("11.next_sprint", points=3, title="Plan the next sprint to climb a level")
def next_sprint(answer, increment=None, **_):
    if isinstance(answer, str) or not isinstance(answer, (list, tuple, set)):
        return wrong('Give a list of improvement story ids, e.g. ["S27", "S31"].')
    ids = list(dict.fromkeys(str(a).strip().upper() for a in answer))
    unknown = [i for i in ids if i not in capstone.IMPROVEMENTS]
    if unknown:
        return wrong(f"{', '.join(unknown)}: not an improvement story; choose from {list(capstone.IMPROVEMENTS)}.")
    capacity = next_capacity()
    points = sum(capstone.IMPROVEMENTS[i][0].points for i in ids)
    if points > capacity:
        return wrong(f"{points} points is over sprint 7's capacity of {capacity} (the forecast from the last "
                     "three sprints): drop a story.")
    card = capstone.scorecard(capstone.collect(increment))
    now, after = capstone.final_score(card), capstone.final_score(capstone.what_if(card, ids))
    best, _ = capstone.best_plans(card, capacity)
    weakest = capstone.section_scores(card).idxmin()
    if after >= best - 1e-9:
        return correct(f"{points} of {capacity} points; the final score goes from {now:g} to {after:g}, the most "
                       f"any plan within capacity reaches (band: {capstone.level(after)[1]}).")
    if after > now:
        return partial(0.5, f"Within capacity, and the final score rises from {now:g} to {after:g}; plans of "
                            f"{capacity} points reach {best:g}. After your stories, which section is now the "
                            "weakest? Lift that one next.")
    return wrong(f"The final score stays at {now:g}: it is the minimum over the sections, and your stories do not "
                 f"lift the weakest one ({weakest}, {capstone.section_scores(card)[weakest]:g}).")
