"""The Scrum module: RACI, backlog, prioritisation, the sprint planner (property-based), simulation and KPIs."""

from __future__ import annotations

from itertools import pairwise

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from mlopslab import scrum
from mlopslab.scrum import Story

# --- roles ---------------------------------------------------------------------------------------------------


def test_every_stage_has_exactly_one_accountable_and_a_responsible() -> None:
    frame = scrum.raci_frame()
    assert list(frame.columns) == list(scrum.STAGES.values())
    assert (frame == "A").sum().eq(1).all()
    assert (frame == "R").sum().ge(1).all()
    assert set(frame.to_numpy().ravel()) <= set(scrum.RACI_MEANING)


def test_accountable_is_a_lead_of_its_stage() -> None:
    leads = {"provisioning": {"Data Steward", "Data Engineer"}, "preparation": {"Data Engineer", "Data Scientist"},
             "development": {"Data Scientist", "Business Analyst"}, "validation": {"Data Scientist", "Data Engineer"},
             "deployment": {"Data Engineer", "App Developer"}, "monitoring": {"Data Engineer", "Data Scientist"}}
    for stage, personas in leads.items():
        assert scrum.accountable(stage) in personas
        assert scrum.accountable(scrum.STAGES[stage]) == scrum.accountable(stage)


def test_unknown_stage_is_named() -> None:
    with pytest.raises(KeyError, match="unknown stage 'testing'"):
        scrum.accountable("testing")


# --- backlog -------------------------------------------------------------------------------------------------


def test_backlog_is_valid_and_covers_every_persona_and_stage() -> None:
    scrum.validate_backlog(scrum.BACKLOG)
    assert len(scrum.BACKLOG) >= 20
    assert {s.persona for s in scrum.BACKLOG} == set(scrum.PERSONAS)
    assert {s.stage for s in scrum.BACKLOG} == set(scrum.STAGES)
    for s in scrum.BACKLOG:
        assert s.text.startswith(f"As a{'n' if s.persona[0] in 'AEIOU' else ''} {s.persona}, I want"), s.id
        assert ", so that " in s.text and s.tasks, s.id


@pytest.mark.parametrize("stories, message", [
    ([Story("A", "x", "s", "t", 3, 1), Story("A", "x", "s", "t", 2, 1)], "duplicate story ids"),
    ([Story("A", "x", "s", "t", 0, 1)], "story A: points must be a positive"),
    ([Story("A", "x", "s", "t", 3, 1, depends_on=("Z",))], r"story A depends on \['Z'\]"),
    ([Story("A", "x", "s", "t", 3, 1, depends_on=("B",)), Story("B", "x", "s", "t", 3, 1, depends_on=("A",))],
     "dependency cycle"),
])
def test_invalid_backlogs_are_explained(stories, message) -> None:
    with pytest.raises(ValueError, match=message):
        scrum.validate_backlog(stories)


def test_wsjf_and_value_per_point() -> None:
    s = Story("A", "x", "s", "t", points=4, value=6, time_criticality=3, risk_reduction=3)
    assert scrum.value_per_point(s) == 1.5
    assert scrum.wsjf(s) == 3.0


def test_prioritise_orders_best_first_with_ties_by_id() -> None:
    ordered = scrum.prioritise(scrum.BACKLOG, by="wsjf")
    scores = [scrum.wsjf(s) for s in ordered]
    assert scores == sorted(scores, reverse=True)
    for a, b in pairwise(ordered):
        assert scrum.wsjf(a) > scrum.wsjf(b) or a.id < b.id
    with pytest.raises(ValueError, match="unknown ranking"):
        scrum.prioritise(scrum.BACKLOG, by="gut feeling")


# --- the sprint planner (property-based) ---------------------------------------------------------------------


@st.composite
def backlogs(draw) -> tuple[list[Story], set[str]]:
    """An acyclic backlog (stories depend only on earlier ones) and a set of ids already done."""
    n = draw(st.integers(1, 14))
    ids = [f"S{i:02d}" for i in range(n)]
    stories = []
    for i, sid in enumerate(ids):
        deps = draw(st.lists(st.sampled_from(ids[:i]), unique=True, max_size=3)) if i else []
        stories.append(Story(sid, "Data Scientist", "development", "t", draw(st.sampled_from([1, 2, 3, 5, 8, 13])),
                             draw(st.integers(1, 10)), draw(st.integers(1, 10)), draw(st.integers(1, 10)),
                             tuple(deps)))
    done = set(draw(st.lists(st.sampled_from(ids), unique=True, max_size=n)))
    return stories, done


@settings(max_examples=200, deadline=None)
@given(backlogs(), st.integers(0, 40), st.sampled_from(sorted(scrum.RANKINGS)))
def test_plan_respects_capacity_and_dependencies(backlog, capacity, by) -> None:
    stories, done = backlog
    plan = scrum.plan_sprint(stories, capacity, done, by)
    ids = [s.id for s in plan]
    assert sum(s.points for s in plan) <= capacity
    assert len(ids) == len(set(ids)) and not set(ids) & done
    for s in plan:
        assert set(s.depends_on) <= done | set(ids), f"{s.id} planned before its dependencies"
    assert scrum.check_plan(ids, capacity, done, stories).ok


@settings(max_examples=200, deadline=None)
@given(backlogs(), st.integers(0, 40))
def test_plan_leaves_no_ready_story_that_would_still_fit(backlog, capacity) -> None:
    stories, done = backlog
    plan = scrum.plan_sprint(stories, capacity, done)
    taken = {s.id for s in plan}
    room = capacity - sum(s.points for s in plan)
    for s in stories:
        if s.id not in taken | done and set(s.depends_on) <= done | taken:
            assert s.points > room, f"{s.id} is ready and fits, but was left out"


@settings(max_examples=50, deadline=None)
@given(backlogs(), st.integers(0, 40))
def test_plan_is_deterministic(backlog, capacity) -> None:
    stories, done = backlog
    assert scrum.plan_sprint(stories, capacity, done) == scrum.plan_sprint(list(reversed(stories)), capacity, done)


def test_plan_rejects_negative_capacity() -> None:
    with pytest.raises(ValueError, match="capacity"):
        scrum.plan_sprint(scrum.BACKLOG, -1)


def test_check_plan_names_each_problem() -> None:
    result = scrum.check_plan(["S07", "S01", "S99", "S11"], capacity=10, done=["S01"])
    assert result.points == 2 + 3 + 8 and result.over_capacity and not result.ok
    assert result.unknown == ["S99"] and result.already_done == ["S01"]
    assert result.missing_dependencies == {"S07": ["S06"], "S11": ["S06", "S10"]}
    problems = " | ".join(result.problems())
    assert "S99: not in the backlog" in problems and "13 points is over the capacity of 10" in problems


# --- simulation, review and KPIs -----------------------------------------------------------------------------


def test_simulation_is_seeded_and_consistent() -> None:
    plan = scrum.plan_sprint(scrum.BACKLOG, 20)
    a, b = scrum.simulate_sprint(plan), scrum.simulate_sprint(plan)
    assert a.remaining == b.remaining and a.standup.equals(b.standup)
    assert a.remaining != scrum.simulate_sprint(plan, seed=7).remaining
    assert a.remaining[0] == a.committed_points == sum(s.points for s in plan)
    assert all(x >= y for x, y in pairwise(a.remaining)), "work left never grows"
    assert len(a.remaining) == scrum.SPRINT_DAYS + 1
    assert set(a.done) | set(a.carry_over) == set(a.committed) and not set(a.done) & set(a.carry_over)
    for sid, day in a.finished.items():
        deps = scrum.story(sid).depends_on
        assert all(a.finished.get(d, 99) <= day for d in deps if d in a.committed), "finished before a dependency"


def test_review_goal_and_shippable() -> None:
    plan = scrum.plan_sprint(scrum.BACKLOG, 20)
    result = scrum.simulate_sprint(plan)
    met = scrum.review(result, goal=result.done)
    assert met["sprint goal met"] and met["done points"] == result.done_points
    assert met["committed points"] == sum(s.points for s in plan)
    missed = scrum.review(result, goal=result.committed)
    assert missed["sprint goal met"] is (not result.carry_over)


def test_retrospective_reflects_the_sprint() -> None:
    result = scrum.simulate_sprint(scrum.plan_sprint(scrum.BACKLOG, 20))
    retro = scrum.retrospective(result)
    assert set(retro) == {"start", "stop", "continue"}
    assert bool(retro["stop"]) == (result.done_points < result.committed_points)


def _history(committed, done) -> pd.DataFrame:
    return pd.DataFrame({"sprint": range(1, len(done) + 1), "committed": committed, "done": done}).set_index("sprint")


def test_kpis_on_a_known_history() -> None:
    hist = _history([30, 25, 20, 22, 18], [12, 21, 20, 15, 18])
    assert scrum.velocity(hist) == pytest.approx((20 + 15 + 18) / 3)
    assert scrum.commitment_reliability(hist, last=3) == pytest.approx(53 / 60)
    assert scrum.commitment_reliability(hist) == pytest.approx(86 / 115)
    assert scrum.forecast_capacity(hist) == {"low": 15, "expected": 18, "high": 20}
    assert scrum.forecast_capacity(hist, availability=0.5) == {"low": 7, "expected": 9, "high": 10}
    with pytest.raises(ValueError, match="availability"):
        scrum.forecast_capacity(hist, availability=0)
    with pytest.raises(ValueError, match="no points were committed"):
        scrum.commitment_reliability(_history([0], [0]))


@settings(max_examples=100, deadline=None)
@given(st.lists(st.tuples(st.integers(1, 40), st.integers(0, 40)), min_size=1, max_size=8))
def test_kpi_properties(rows) -> None:
    committed = [c for c, _ in rows]
    done = [min(d, c) for c, d in rows]
    hist = _history(committed, done)
    assert 0 <= scrum.commitment_reliability(hist) <= 1
    low, expected, high = scrum.forecast_capacity(hist).values()
    assert low <= expected <= high + 1  # expected is rounded, the range rounded down
    assert min(done[-3:]) <= scrum.velocity(hist) <= max(done[-3:])


def test_run_sprints_never_redoes_a_story_and_keeps_capacity() -> None:
    results = scrum.run_sprints(5, 20)
    finished = [sid for r in results for sid in r.done]
    assert len(finished) == len(set(finished))
    assert all(r.committed_points <= 20 for r in results)
    hist = scrum.history(results)
    assert list(hist.index) == [1, 2, 3, 4, 5] and (hist["done"] <= hist["committed"]).all()
    cycles = scrum.cycle_times(results)
    assert set(cycles.index) == set(finished) and (cycles["cycle days"] >= 1).all()
    with pytest.raises(ValueError, match="capacities"):
        scrum.run_sprints(3, [20, 20])


def test_widget_uses_check_plan() -> None:
    widget = scrum.planner_widget(20, preselected=["S07"])
    bar, status = widget.children[0], widget.children[1]
    assert bar.value == 2 and bar.bar_style == "warning" and "S07 needs S06" in status.value


# --- the Scrum team, the review's feedback and the burndown by story -----------------------------------------


def test_scrum_roles_and_events_name_the_three_accountabilities() -> None:
    roles = ["Product Owner", "Scrum Master", "Developers"]
    assert list(scrum.SCRUM_ROLES) == roles
    assert all(set(r) == {"at TelcoNova", "owns"} for r in scrum.SCRUM_ROLES.values())
    assert "Business Analyst" in scrum.SCRUM_ROLES["Product Owner"]["at TelcoNova"]
    assert "not one of the five personas" in scrum.SCRUM_ROLES["Scrum Master"]["at TelcoNova"]
    assert list(scrum.SCRUM_EVENTS) == ["sprint planning", "daily stand-up", "sprint review", "sprint retrospective"]
    for event in scrum.SCRUM_EVENTS.values():
        assert set(roles) < set(event) and event["time-box (two-week sprint)"]


def test_review_feedback_is_about_sprint_1_and_changes_the_backlog() -> None:
    sprint1 = scrum.simulate_sprint(scrum.plan_sprint(scrum.BACKLOG, 20))
    ids = {s.id for s in scrum.BACKLOG}
    for fb in scrum.REVIEW_FEEDBACK:
        assert fb.about in sprint1.done, "feedback is about the increment the stakeholders saw"
        assert not (fb.new_task and fb.new_story), "one change per feedback"
        if fb.new_task:
            assert fb.story in ids and fb.story in sprint1.carry_over, "the new task goes with work carried over"
        if fb.new_story is not None:
            assert fb.story == fb.new_story.id and fb.story not in ids
            assert fb.new_story.text.startswith(f"As a{'n' if fb.new_story.persona[0] in 'AEIOU' else ''} "
                                                f"{fb.new_story.persona}, I want") and fb.new_story.tasks
    kinds = [bool(fb.new_task) or fb.new_story is not None for fb in scrum.REVIEW_FEEDBACK]
    assert any(kinds) and not all(kinds), "some feedback changes the backlog, some does not"
    scrum.validate_backlog(scrum.refined_backlog())


def test_the_refined_backlog_holds_the_reviews_changes_and_lab_11_works_from_it() -> None:
    """Lab 02 refines the backlog at sprint 1's review; lab 11's history and sprint 6 run on that backlog."""
    from mlopslab import capstone

    refined = {s.id: s for s in scrum.refined_backlog()}
    original = {s.id: s for s in scrum.BACKLOG}
    assert set(refined) - set(original) == {"F01"}
    assert refined["S02"].tasks[-1] == "find and mask contact details in the free-text notes"
    assert refined["S02"].points == original["S02"].points, "the estimate stays"
    assert [s for i, s in refined.items() if i not in ("S02", "F01")] == [s for i, s in original.items() if i != "S02"]
    assert list(capstone.BACKLOG) == list(refined.values())
    ours = scrum.run_sprints(5, scrum.CAPACITY, list(refined.values()))
    for a, b in zip(ours, capstone.sprints()[:-1], strict=True):
        assert (a.committed, a.done, a.carry_over) == (b.committed, b.done, b.carry_over)
    assert "F01" in [s.id for s in scrum.prioritise(capstone.BACKLOG)]


def test_unfinished_points_count_a_story_until_it_is_done() -> None:
    for result in scrum.run_sprints(5, 20):
        line = scrum._unfinished_points(result)
        assert len(line) == len(result.remaining) and line[0] == result.committed_points
        assert line[-1] == result.committed_points - result.done_points
        assert all(x >= y for x, y in pairwise(line))
        assert all(u >= r - 1e-9 for u, r in zip(line, result.remaining, strict=True)), "partial work is not done"


def test_retrospective_tells_impediments_from_waits_by_the_update() -> None:
    sprint2 = scrum.run_sprints(2, 20)[1]
    assert "waiting for access to the payment data" in set(sprint2.standup["blocker"])
    retro = scrum.retrospective(sprint2)
    assert any("waiting for access to the payment data" in item for item in retro["start"])


def test_burndown_plot_by_story() -> None:
    import matplotlib

    matplotlib.use("Agg")
    result = scrum.simulate_sprint(scrum.plan_sprint(scrum.BACKLOG, 20))
    fig = scrum.plot_burndown(result, by_story=True)
    lines = fig.axes[0].get_lines()
    assert [line.get_label() for line in lines] == ["work left (partial progress counts)", "points of stories not done",
                                                    "ideal"]
    assert list(lines[1].get_ydata()) == scrum._unfinished_points(result)
    assert [line.get_label() for line in scrum.plot_burndown(result).axes[0].get_lines()] == ["remaining work", "ideal"]


# --- lab 02's checks: what a lookup or a function that ignores its argument gets ------------------------------

def test_burndown_check_draws_its_made_up_sprint_afresh() -> None:
    from mlopslab import exercises
    from mlopslab.checks import _guards, lab02
    from mlopslab.config import SEED

    refined = scrum.refined_backlog()
    known = [*scrum.run_sprints(5, scrum.CAPACITY, refined),
             scrum.simulate_sprint(scrum.plan_sprint(refined, 16), seed=SEED + 101, sprint=9)]
    lines = {r.standup.to_csv(): scrum._unfinished_points(r) for r in known}

    def computed(standup, points, days):
        done_on = dict(standup.loc[standup["update"].str.endswith(": done"), ["story", "day"]].to_numpy())
        return [sum(p for story, p in points.items() if done_on.get(story, days + 1) > day) for day in range(days + 1)]

    assert exercises.evaluate("02.burndown", lambda standup, points, days: lines.get(standup.to_csv())).status == "wrong"
    seeds = set()
    for _ in range(3):  # a new made-up sprint each time, and right every time
        verdict = exercises.evaluate("02.burndown", computed)
        assert (verdict.status, verdict.score) == ("correct", 1.0), verdict.message
        seeds.add(_guards.drawn()["02.burndown"])
    assert len(seeds) == 3
    assert len({lab02._made_up_sprint(seed).standup.to_csv() for seed in seeds}) == 3


def test_kpi_check_gives_nothing_to_a_function_that_ignores_its_argument() -> None:
    from mlopslab import exercises

    hist = scrum.history(scrum.run_sprints(5, scrum.CAPACITY, scrum.refined_backlog()))

    def kpis(table):
        last = table.tail(3)
        return {"velocity": last["done"].mean(), "commitment_reliability": last["done"].sum() / last["committed"].sum()}

    assert exercises.evaluate("02.sprint_kpis", kpis).status == "correct"
    for lazy in (lambda table: kpis(hist), lambda table: {**kpis(table), "commitment_reliability": 0.7}):
        result = exercises.evaluate("02.sprint_kpis", lazy)
        assert (result.status, result.score) == ("wrong", 0.0)
        assert "another team's history" in result.message and "argument" in result.message
    all_sprints = exercises.evaluate("02.sprint_kpis", lambda table: {**kpis(table), "velocity": table["done"].mean()})
    assert all_sprints.status == "partial" and all_sprints.message.startswith("On the lab's `hist`")
