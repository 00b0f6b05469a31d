"""Lab 02's checks on honest answers that differ from the reference solution, and on near misses whose feedback must
say what is wrong."""

from __future__ import annotations

from collections import Counter

from mlopslab.checks import lab02  # noqa: F401 -- registers the checks
from mlopslab.exercises import evaluate


def kpis_rounded_to_two_decimals(hist):
    last = hist.tail(3)
    return {"velocity": round(last["done"].mean(), 2),
            "commitment_reliability": round(last["done"].sum() / last["committed"].sum(), 2)}


def kpis_with_a_loop_velocity_to_one_decimal(hist):
    done, committed = list(hist["done"])[-3:], list(hist["committed"])[-3:]
    return {"velocity": round(sum(done) / 3, 1), "commitment_reliability": sum(done) / sum(committed)}


def kpis_as_a_percentage(hist):
    last = hist.tail(3)
    return {"velocity": last["done"].mean(), "commitment_reliability": 100 * last["done"].sum() / last["committed"].sum()}


def test_sprint_kpis_rounded_to_a_sensible_number_of_digits_count() -> None:
    assert evaluate("02.sprint_kpis", kpis_rounded_to_two_decimals).status == "correct"
    assert evaluate("02.sprint_kpis", kpis_with_a_loop_velocity_to_one_decimal).status == "correct"


def test_sprint_kpis_as_a_percentage_is_told_to_give_a_fraction() -> None:
    result = evaluate("02.sprint_kpis", kpis_as_a_percentage)
    assert result.status == "partial" and "between 0 and 1" in result.message


def retro_with_counters(standup):
    blocked = standup[standup["blocker"].str.len() > 0]
    waits = blocked["update"].str.contains("cannot start")
    return {"impediments": Counter(blocked.loc[~waits, "blocker"]), "waiting": Counter(blocked.loc[waits, "story"])}


def test_retro_evidence_takes_counters_in_any_key_order() -> None:
    assert evaluate("02.retro_evidence", retro_with_counters).status == "correct"


def plan_with_for_else(backlog, capacity, done, carried):
    plan = list(carried)
    used = sum(backlog.loc[s, "points"] for s in plan)
    order = list(backlog["WSJF"].sort_values(ascending=False).index)
    while True:
        for sid in order:
            ready = all(d in done or d in plan for d in backlog.loc[sid, "depends_on"])
            if sid not in plan and sid not in done and ready and used + backlog.loc[sid, "points"] <= capacity:
                plan.append(sid)
                used += backlog.loc[sid, "points"]
                break
        else:
            return plan


def test_sprint_plan_written_with_for_else_counts() -> None:
    assert evaluate("02.sprint_plan", plan_with_for_else).status == "correct"
