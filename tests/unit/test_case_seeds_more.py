"""More checks whose made-up cases are drawn from ``_guards.case_seed`` (fresh for every check, replayed by the
grader's re-check), instead of being fixed in the check's source where a student could compute the expected results
offline and type them in. For each: the lab's reference answer is right, and each of its declared wrong and shortcut
answers stays below full points, on several draws (replayed seeds, so the test is the same every run); so does a
lookup of the old fixed case. The answers are the lab's own cells (``lab_answers``), not copies of them."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pandera.pandas as pa
import pytest
from draws import SEEDS, scores
from fairlearn.metrics import MetricFrame, equal_opportunity_difference, selection_rate, true_positive_rate
from lab_answers import declared_mistakes, defined
from lab_examples import lab07_customer
from mlopslab import config, data, development, policy, preparation, provisioning, registry, scrum, trust, validation
from mlopslab.checks import _guards, lab00, lab02, lab05, lab06, lab07, lab08, lab10, lab11  # noqa: F401 -- registers the checks
from mlopslab.exercises import evaluate
from mlopslab.validation import Evidence


def test_the_draws_replay_and_differ() -> None:
    assert lab10._promotion_cases(5) == lab10._promotion_cases(5) != lab10._promotion_cases(6)


# --- 00.yearly_value ------------------------------------------------------------------------------------------

yearly_value = defined("00", "00.yearly_value", "yearly_value", {})


def yearly_value_looked_up(table):  # not a lab cell: a lookup of the old fixed case
    """Right on the lab's customers, the old small table's value typed in for any other table."""
    return yearly_value(table) if len(table) > 100 else 12 * (20.0 + 45.25 + 10.5)


def test_00_yearly_value() -> None:
    assert scores("00.yearly_value", yearly_value) == [1.0] * len(SEEDS)
    ideas = [*declared_mistakes("00", "00.yearly_value", "yearly_value", {"customers": data.load_customers()}),
             ("looked up", yearly_value_looked_up)]
    for what, wrong in ideas:
        assert max(scores("00.yearly_value", wrong)) < 1, what


# --- 02.sprint_plan -------------------------------------------------------------------------------------------

sprint_plan = defined("02", "02.sprint_plan", "sprint_plan", {"scrum": scrum})


def sprint_plan_stopping_at_a_misfit(backlog, capacity, done, carried):  # not a lab cell: a test-only misfit
    plan, used = list(carried), backlog.loc[list(carried), "points"].sum()
    while True:
        ready = [sid for sid in backlog.sort_values("WSJF", ascending=False).index if sid not in plan
                 and sid not in done and all(d in done or d in plan for d in backlog.loc[sid, "depends_on"])]
        if not ready or used + backlog.loc[ready[0], "points"] > capacity:
            return plan
        plan.append(ready[0])
        used += backlog.loc[ready[0], "points"]


def sprint_plan_looked_up(backlog, capacity, done, carried):  # not a lab cell: a lookup of the old fixed case
    """Right on the lab's backlog, the old made-up backlog's plan typed in for any other."""
    return sprint_plan(backlog, capacity, done, carried) if len(backlog) > 10 else ["A1", "B1", "B3", "B2", "B6"]


def test_02_sprint_plan() -> None:
    assert scores("02.sprint_plan", sprint_plan) == [1.0] * len(SEEDS)
    ideas = [*declared_mistakes("02", "02.sprint_plan", "sprint_plan", {"scrum": scrum}),
             ("stopping at a misfit", sprint_plan_stopping_at_a_misfit), ("looked up", sprint_plan_looked_up)]
    for what, wrong in ideas:
        assert max(scores("02.sprint_plan", wrong)) < 1, what


def test_02_made_up_backlogs_need_every_part_of_the_rule() -> None:
    for seed in SEEDS:
        stories, capacity, done, carried = lab02._made_up_backlog(seed)
        expected = set(lab02._plan(stories, capacity, done, carried))
        assert lab02._walk(stories, capacity, done, carried) == expected
        for mistake in ({"carry": False}, {"again": False}, {"skip": False}, {"done_ready": False}):
            assert lab02._walk(stories, capacity, done, carried, **mistake) != expected, (seed, mistake)


# --- 05.campaign and 05.test_profit -----------------------------------------------------------------------------

LAB05 = {"np": np, "policy": policy, "development": development}
campaign = defined("05", "05.campaign", "campaign", LAB05)


def _old_campaign_case():
    """The case 05.campaign used to fix in its source (seed 11)."""
    rng = np.random.default_rng(11)
    y = (rng.random(400) < 0.3).astype(int)
    return y, np.clip(np.round((0.25 + 0.35 * y + rng.normal(0, 0.2, 400)) * 20) / 20, 0, 1)


def campaign_looked_up(y_true, scores, threshold, economics):  # not a lab cell: a lookup of the old fixed case
    """The old case's counts and profits, computed offline and looked up by threshold and economics."""
    y, old = _old_campaign_case()
    return campaign(y, old, threshold, economics)


def test_05_campaign() -> None:
    assert scores("05.campaign", campaign) == [1.0] * len(SEEDS)
    for what, wrong in [*declared_mistakes("05", "05.campaign", "campaign", LAB05), ("looked up", campaign_looked_up)]:
        assert max(scores("05.campaign", wrong)) < 1, what


tuned_profit = defined("05", "05.test_profit", "test_profit", LAB05)  # not named test_profit: pytest would run it


def tuned_profit_looked_up(y_val, val_scores, y_test, test_scores, economics):  # not a lab cell: a lookup
    """The old case's answer (seed 3), computed offline and looked up by the economics."""
    return tuned_profit(*lab05._tuning_case(3), economics)


def test_05_test_profit() -> None:
    assert scores("05.test_profit", tuned_profit) == [1.0] * len(SEEDS)
    ideas = [*declared_mistakes("05", "05.test_profit", "test_profit", LAB05), ("looked up", tuned_profit_looked_up)]
    for what, wrong in ideas:
        assert max(scores("05.test_profit", wrong)) < 1, what


# --- 07.recall_gaps (the student's recall_gap, run on the check's own cases) -------------------------------------

LAB07 = {"np": np, "pd": pd, "MetricFrame": MetricFrame, "selection_rate": selection_rate,
         "true_positive_rate": true_positive_rate, "trust": trust, "validation": validation}
recall_gap = defined("07", "07.recall_gaps", "recall_gap", LAB07)


def _old_recall_cases():
    """The cases 07.recall_gaps used to fix in its source (seed SEED + 7)."""
    from mlopslab.config import SEED

    rng = np.random.default_rng(SEED + 7)
    cases = []
    for labels in (np.array([0, 1]), np.array(["north", "south", "east"])):
        groups = pd.Series(rng.choice(labels, 400), index=rng.permutation(400) + 5000)
        outcomes = pd.Series((rng.random(400) < 0.35).astype(int), index=groups.index)
        decisions = (rng.random(400) < np.where(groups.to_numpy() == labels[0], 0.6, 0.3)).astype(int)
        cases.append((outcomes, decisions, groups))
    return cases


def recall_gap_looked_up(outcomes, decisions, groups):  # not a lab cell: a lookup of the old fixed cases
    """Right for the two SeniorCitizen groups; for the check's three groups, the old case's gap typed in."""
    if pd.Series(groups).nunique() == 2:
        return recall_gap(outcomes, decisions, groups)
    return recall_gap(*_old_recall_cases()[1])


def _recall_gap_problems(fn) -> list[str | None]:
    found = []
    for seed in SEEDS:
        _guards.replay({"07.recall_gaps": seed})
        found.append(lab07._recall_gap_problem(fn))
    return found


def test_07_recall_gap_on_the_checks_cases() -> None:
    assert _recall_gap_problems(recall_gap) == [None] * len(SEEDS)
    # not lab cells: two other honest answers, fairlearn's own gap function and the lab's gap rounded
    assert _recall_gap_problems(lambda o, d, g: equal_opportunity_difference(o, d, sensitive_features=g)) == \
        [None] * len(SEEDS)
    assert _recall_gap_problems(lambda *a: round(recall_gap(*a), 3)) == [None] * len(SEEDS)
    for what, wrong in [*declared_mistakes("07", "07.recall_gaps", "recall_gap", LAB07), ("looked up", recall_gap_looked_up)]:
        assert all(_recall_gap_problems(wrong)), what


# --- 10.promotion_policy and 10.trigger -------------------------------------------------------------------------

beats_champion = defined("10", "10.promotion_policy", "beats_champion", {"policy": policy})


_OLD_VERDICTS = {(0.8434, 10280.0): True, (0.81, 9860.0): False, (0.8077, 9861.0): True, (0.7776, 11000.0): False,
                 (0.7927, 10100.0): True, (0.90, 9000.0): False, (0.75, 9000.0): False, (0.82, 10260.0): False,
                 (0.82, 10460.0): True, (0.7676, 10500.0): True, (0.7476, 10500.0): False, (0.70, -150.0): True}
"""The old fixed cases' verdicts, by the challenger's AUC and profit."""


def beats_looked_up(challenger, champion, rule=policy.PROMOTION):  # not a lab cell: a lookup of the old cases
    return _OLD_VERDICTS.get((challenger["auc"], challenger["profit"]), False)


def test_10_promotion_policy() -> None:
    assert scores("10.promotion_policy", beats_champion) == [1.0] * len(SEEDS)
    ideas = [*declared_mistakes("10", "10.promotion_policy", "beats_champion", {"policy": policy}),
             ("looked up", beats_looked_up)]
    for what, wrong in ideas:
        assert max(scores("10.promotion_policy", wrong)) < 1, what


plan_retraining = defined("10", "10.trigger", "plan_retraining", {"policy": policy})


def _old_trigger_plans() -> dict:
    """The old fixed cases' plans (months of 2026, rules of window 2 and 4), computed offline, by case."""
    months = [f"2026-{m:02d}" for m in range(1, 13)]
    strict = policy.PromotionRule(window=2, gate_months=1, retrain_on=("performance",))
    wide = policy.PromotionRule(window=4, gate_months=3)
    cases = [([], months[:8], policy.PROMOTION), (["data"], months[:5], policy.PROMOTION),
             (["data"], months[:4], policy.PROMOTION), (["performance"], months[8::-1], policy.PROMOTION),
             (["prediction"], months[:9], policy.PROMOTION), (["fairness"], months[:9], policy.PROMOTION),
             (["prediction", "data"], months[:11], policy.PROMOTION), (["data"], months[:9], strict),
             (["performance"], months[:9], strict), (["data"], months[:10], wide), (["data"], months[:6], wide)]
    return {(tuple(kinds), tuple(labelled), rule): plan_retraining([{"kind": k} for k in kinds], labelled, rule)
            for kinds, labelled, rule in cases}


def plan_looked_up(alerts, labelled, rule=policy.PROMOTION):  # not a lab cell: a lookup of the old fixed cases
    return _old_trigger_plans().get((tuple(a["kind"] for a in alerts), tuple(labelled), rule))


def test_10_trigger() -> None:
    assert scores("10.trigger", plan_retraining) == [1.0] * len(SEEDS)
    ideas = [*declared_mistakes("10", "10.trigger", "plan_retraining", {"policy": policy}), ("looked up", plan_looked_up)]
    for what, wrong in ideas:
        assert max(scores("10.trigger", wrong)) < 1, what


# --- 11.review_kpis -------------------------------------------------------------------------------------------

THIS_SPRINT = (pd.DataFrame({"sprint": range(1, 7), "committed": [16, 16, 20, 19, 19, 11],
                             "done": [8, 16, 12, 13, 16, 11]}).set_index("sprint"),
               {"profit": 9600.0, "baseline_profit": 0.0})


@pytest.fixture
def this_sprint(monkeypatch) -> None:
    """The sprint's history and model metrics, made up, so that no tracking store is needed."""
    monkeypatch.setattr(lab11, "_sprint_case", lambda increment: THIS_SPRINT)


sprint_kpis = defined("11", "11.review_kpis", "sprint_kpis", {"scrum": scrum})


def sprint_kpis_looked_up(history, metrics):  # not a lab cell: a lookup of the old fixed case
    """Right for this sprint; the old other team's KPIs, computed offline, typed in for any other review."""
    if history.equals(THIS_SPRINT[0]):
        return sprint_kpis(history, metrics)
    return {"velocity": 17.0, "commitment_reliability": 51 / 69, "profit_uplift": 3380.0}


@pytest.mark.usefixtures("this_sprint")
def test_11_review_kpis() -> None:
    assert scores("11.review_kpis", sprint_kpis, increment=None) == [1.0] * len(SEEDS)
    ideas = [*declared_mistakes("11", "11.review_kpis", "sprint_kpis", {"scrum": scrum}), ("looked up", sprint_kpis_looked_up)]
    for what, wrong in ideas:
        assert max(scores("11.review_kpis", wrong, increment=None)) < 1, what


# --- 06.gate_decision -----------------------------------------------------------------------------------------

gate_decision = defined("06", "06.gate_decision", "gate_decision", {"validation": validation})


def gate_decision_looked_up(evidence, gate):  # not a lab cell: a lookup of the old fixed cases
    """The governed limits typed in, and the old cases of the two other boards looked up by their numbers."""
    boards = {(0.81, 0.85, 0.10): (False, ["auc"]), (0.81, 0.75, 0.2): (True, [])}
    return boards.get((evidence.auc, gate.min_auc, gate.max_fairness_gap)) or gate_decision(evidence, policy.GATE)


def test_06_gate_decision() -> None:
    assert scores("06.gate_decision", gate_decision) == [1.0] * len(SEEDS)
    ideas = [*declared_mistakes("06", "06.gate_decision", "gate_decision", {"validation": validation}),
             ("looked up", gate_decision_looked_up)]
    for what, wrong in ideas:
        assert max(scores("06.gate_decision", wrong)) < 1, what


def test_06_every_gate_case_fails_the_same_rules_on_every_draw() -> None:
    for seed in SEEDS:
        verdicts = [lab06._expected(evidence, gate) for _, evidence, gate in lab06._gate_cases(seed)]
        assert verdicts == [(True, []), (False, ["auc"]), (False, ["uplift"]), (False, ["fairness"]),
                            (False, ["auc", "uplift", "fairness"]), (True, []), (False, ["auc"]), (True, [])], seed


# --- 07.reweighing --------------------------------------------------------------------------------------------

LAB07_REWEIGHING = {"np": np, "pd": pd, "trust": trust}
reweighing_weights = defined("07", "07.reweighing", "reweighing_weights", LAB07_REWEIGHING)


def typed_in_the_old_rows(formula):  # not a lab cell: a lookup of the old fixed case
    """``formula`` (a wrong one), with the old eight rows' right weights typed in for any eight rows."""
    def looked_up(groups, y):
        if len(groups) == 8:
            return reweighing_weights(pd.Series(["a", "a", "a", "b", "b", "b", "b", "c"]),
                                      pd.Series([1, 1, 0, 0, 0, 0, 1, 0]))
        return formula(groups, y)
    return looked_up


def test_07_reweighing() -> None:
    assert scores("07.reweighing", reweighing_weights) == [1.0] * len(SEEDS)
    mistakes = declared_mistakes("07", "07.reweighing", "reweighing_weights", LAB07_REWEIGHING)
    ideas = [*mistakes, *((f"{what}, the old rows looked up", typed_in_the_old_rows(wrong)) for what, wrong in mistakes)]
    for what, wrong in ideas:
        assert max(scores("07.reweighing", wrong)) < 1, what


# --- 11.release (the student's `beats`, and the decision cases' verdicts) -----------------------------------------

release_beats = defined("11", "11.release", "beats", {})


def release_beats_looked_up(new, old, rule):  # not a lab cell: a lookup of the old fixed cases
    """The old cases' verdicts, by the candidate's profit and AUC; the governed rule with typed numbers otherwise."""
    old_cases = {(e.profit, e.auc): lab11._beats(e, o, r) for _, e, o, r in lab11._BEATS_CASES}
    return old_cases.get((new.profit, new.auc), new.profit > old.profit and old.auc - new.auc <= 0.02)


def test_11_release_rule_on_the_checks_cases() -> None:
    mine = Evidence(auc=0.81, threshold=0.3, profit=9800.0, baseline_profit=4000.0, customers=1100)
    champion = Evidence(auc=0.8, threshold=0.3, profit=9000.0, baseline_profit=4000.0, customers=1100)
    ideas = dict(declared_mistakes("11", "11.release", "beats", {}))
    # shortcut 3 writes `beats` right and never asks it: its mistake is in decide_and_promote, which needs the store
    assert lab11._beats_problem(ideas.pop("shortcut 3"), mine, champion, SEEDS[0]) is None
    ideas["looked up"] = release_beats_looked_up
    for seed in SEEDS:
        assert lab11._beats_problem(release_beats, mine, champion, seed) is None
        for what, wrong in ideas.items():
            assert lab11._beats_problem(wrong, mine, champion, seed), (seed, what)


def test_11_shifted_cases_keep_every_verdict() -> None:
    for cases in (lab11._BEATS_CASES, lab11._DECIDE_CASES):
        verdicts = [lab11._beats(*(v for v in case if isinstance(v, Evidence)), case[-1 if len(case) == 4 else -2])
                    for case in cases]
        for seed in SEEDS:
            moved = lab11._shifted(cases, seed)
            assert moved != list(cases)
            assert [lab11._beats(*(v for v in case if isinstance(v, Evidence)), case[-1 if len(case) == 4 else -2])
                    for case in moved] == verdicts, seed


# --- 06.promote -----------------------------------------------------------------------------------------------

LAB06_PROMOTE = {"policy": policy, "validation": validation}
promote = defined("06", "06.promote", "promote", LAB06_PROMOTE)


def promote_with_the_old_early_approval_typed_in(client, name, version):  # not a lab cell: a lookup of the old case
    """No comparison of the times: the old case's early approval time, typed in, is refused."""
    tags, chain = client.get_model_version(name, version).tags, policy.APPROVAL
    if tags.get(chain.approved_at_tag) == "2026-03-01T16:05:00+00:00":
        raise PermissionError("approved before its model card existed")
    if tags.get("gate") != "passed" or not tags.get(chain.card_tag, ""):
        raise PermissionError("the gate did not pass, or no model card")
    if not chain.may_approve(tags.get(chain.author_tag, ""), tags.get(chain.approver_tag, "")):
        raise PermissionError("not approved by someone other than its author")
    client.set_registered_model_alias(name, "champion", version)
    return version


def test_06_promote(monkeypatch) -> None:
    from stores import fresh_store

    monkeypatch.setenv("MLFLOW_TRACKING_URI", fresh_store("case-seeds-promote"))
    config.setup_tracking()
    ideas = [*declared_mistakes("06", "06.promote", "promote", LAB06_PROMOTE),
             ("looked up", promote_with_the_old_early_approval_typed_in)]
    for seed in list(SEEDS)[:2]:  # two draws: each idea's call registers versions in a store
        scenarios = lab06._promotion_scenarios(seed)
        early = next(tags for label, tags, _ in scenarios if "before its model card" in label)
        assert early[policy.APPROVAL.approved_at_tag] < early[policy.APPROVAL.card_tag]
        _guards.replay({"06.promote": seed})
        assert evaluate("06.promote", promote).score == 1.0
        for what, wrong in ideas:
            _guards.replay({"06.promote": seed})
            assert evaluate("06.promote", wrong).score < 1, (seed, what)


# --- 08.meets_slo ---------------------------------------------------------------------------------------------

LAB08 = {"np": np, "policy": policy}
meets_slo = defined("08", "08.meets_slo", "meets_slo", LAB08)


def meets_slo_nearest_rank(latencies_ms, slo=policy.SLO):  # not a lab cell: another honest answer
    ordered = sorted(latencies_ms)
    if len(ordered) < np.ceil(100 / (100 - slo.percentile)):
        raise ValueError("too few calls")
    return ordered[int(np.ceil(slo.percentile / 100 * len(ordered))) - 1] <= slo.latency_ms


def meets_slo_looked_up(latencies_ms, slo=policy.SLO):  # not a lab cell: a lookup of the old fixed samples
    """The old samples' verdicts, by the number of calls and the objective; the percentile otherwise."""
    old = {(100, 300.0, 95.0): None, (12, 300.0, 95.0): ValueError, (62, 300.0, 99.0): ValueError}
    verdict = old.get((len(latencies_ms), slo.latency_ms, slo.percentile), False)
    if verdict is ValueError:
        raise ValueError("too few calls")
    return bool(np.percentile(latencies_ms, slo.percentile) <= slo.latency_ms)


def test_08_meets_slo() -> None:
    for honest in (meets_slo, meets_slo_nearest_rank):
        assert scores("08.meets_slo", honest) == [1.0] * len(SEEDS), honest.__name__
    for what, wrong in [*declared_mistakes("08", "08.meets_slo", "meets_slo", LAB08), ("looked up", meets_slo_looked_up)]:
        assert max(scores("08.meets_slo", wrong)) < 1, what


# --- 03.quarantine --------------------------------------------------------------------------------------------

LAB03 = {"pa": pa, "data": data, "provisioning": provisioning}
quarantine = defined("03", "03.quarantine", "quarantine", LAB03)


def quarantine_looked_up(batch, contract):  # not a lab cell: a lookup of the old fixed case
    """Right on the batches; the old small table's quarantine typed in."""
    if len(batch) > 20:
        return quarantine(batch, contract)
    bad = batch.index.isin(["5575-GNVDE", "3668-QPYBK"])
    return batch[~bad], batch[bad]


def test_03_quarantine() -> None:
    from mlopslab.checks import lab03

    for seed in SEEDS:
        _, small, contract, broken = lab03._small_case(seed)
        assert set(lab03._reference_quarantine(small, contract)) == set(broken), seed
    assert scores("03.quarantine", quarantine) == [1.0] * len(SEEDS)
    for what, wrong in [*declared_mistakes("03", "03.quarantine", "quarantine", LAB03), ("looked up", quarantine_looked_up)]:
        assert max(scores("03.quarantine", wrong)) < 1, what


# --- 04.split_by_time and 04.new_feature ------------------------------------------------------------------------

LAB04 = {"np": np, "pd": pd, "preparation": preparation}
split_by_time = defined("04", "04.split_by_time", "split_by_time", LAB04)


def split_looked_up(df, validation_months=3, test_months=3):  # not a lab cell: a lookup of the old fixed cases
    """The old cases' cut months (the year, the year without its last two months, 2 and 1 months), by the last month."""
    cuts = {("2025-12", 3, 3): ("2025-07", "2025-10"), ("2025-10", 3, 3): ("2025-05", "2025-08"),
            ("2025-12", 2, 1): ("2025-10", "2025-12")}
    first_validation, first_test = cuts.get((df["month"].max(), validation_months, test_months), ("2025-07", "2025-10"))
    return (df[df["month"] < first_validation], df[(df["month"] >= first_validation) & (df["month"] < first_test)],
            df[df["month"] >= first_test])


def test_04_split_by_time() -> None:
    assert sorted(data.load_customers()["month"].unique())[-1] == "2025-12"  # the table above is the year's
    assert scores("04.split_by_time", split_by_time) == [1.0] * len(SEEDS)
    for what, wrong in [*declared_mistakes("04", "04.split_by_time", "split_by_time", LAB04), ("looked up", split_looked_up)]:
        assert max(scores("04.split_by_time", wrong)) < 1, what


add_new_month_to_month = defined("04", "04.new_feature", "add_new_month_to_month", LAB04)


def feature_looked_up(X):  # not a lab cell: a lookup of the old fixed case
    """Right on the customers; the old edge rows' values typed in by row label."""
    if len(X) > 100:
        return add_new_month_to_month(X)
    old = {10: 1, 20: 0, 30: 1, 40: 0, 50: 0, 60: 0}
    return X.assign(new_month_to_month=[old.get(label, 0) for label in X.index])


def test_04_new_feature() -> None:
    from mlopslab.checks import lab04

    for seed in SEEDS:
        edges = lab04._feature_edge_rows(seed)
        assert {("Month-to-month", 12), ("Month-to-month", 13), ("Month-to-month", 0)} <= set(
            zip(edges["Contract"], edges["tenure"], strict=True))
    assert scores("04.new_feature", add_new_month_to_month) == [1.0] * len(SEEDS)
    ideas = [*declared_mistakes("04", "04.new_feature", "add_new_month_to_month", LAB04), ("looked up", feature_looked_up)]
    for what, wrong in ideas:
        assert max(scores("04.new_feature", wrong)) < 1, what


# --- 07.feature_effect ----------------------------------------------------------------------------------------

LAB07_EFFECT = {"pd": pd, "trust": trust}
feature_effect = defined("07", "07.feature_effect", "feature_effect", LAB07_EFFECT)


def test_07_feature_effect() -> None:
    model, train, holdout = registry.train_reference_model()
    X_train, _ = preparation.split_xy(train)
    customer = trust.customer_frame(lab07_customer(holdout))
    context = {"model": model, "customer": customer, "background": trust.comparable_customers(X_train, customer, n=200)}
    # the lab's table of effects for its customer (an earlier cell's `effects`), which shortcut 2 reads off
    effects = trust.feature_effects(model, customer, context["background"], n_background=len(context["background"]))

    first_other = lab07._other_customers()[1].iloc[[0]]  # the old fixed case: the first such customer, seed SEED + 1
    old_case = trust.customer_frame(first_other)
    old_background = trust.comparable_customers(X_train, old_case, n=150, seed=config.SEED + 1)
    old_table = {f: feature_effect(model, old_case, f, old_background) for f in ("Contract", "MonthlyCharges")}

    def typed_from_the_old_case(model, customer, feature, background):  # not a lab cell: a lookup of the old case
        if customer["Contract"].iloc[0] == "Two year":
            return old_table[feature]
        return feature_effect(model, customer, feature, background)

    assert scores("07.feature_effect", feature_effect, **context) == [1.0] * len(SEEDS)
    ideas = [*declared_mistakes("07", "07.feature_effect", "feature_effect", {**LAB07_EFFECT, "effects": effects}),
             ("looked up", typed_from_the_old_case)]
    for what, wrong in ideas:  # three draws each: a call costs about 0.4 s, and the probe tries each on another draw
        assert max(scores("07.feature_effect", wrong, seeds=list(SEEDS)[:3], **context)) < 1, what


# --- 03.services_consistent -----------------------------------------------------------------------------------

services_consistent = defined("03", "03.services_consistent", "services_consistent", LAB03)


def services_looked_up(df):  # not a lab cell: a lookup of the old fixed case
    """The phone rule only, and the old batch's conflicting rows (the course seed), typed in by label."""
    from mlopslab.checks import lab03

    _, injected = lab03.service_conflict_batch(seed=config.SEED)
    typed = {row for rows in injected.values() for row in rows}
    if len(df) == len(data.load_customers()):  # the training data: nothing to flag
        return services_consistent(df)
    return ((df["PhoneService"] == "No") == (df["MultipleLines"] == "No phone service")) & ~df.index.isin(typed)


def test_03_services_consistent() -> None:
    assert scores("03.services_consistent", services_consistent) == [1.0] * len(SEEDS)
    ideas = [*declared_mistakes("03", "03.services_consistent", "services_consistent", LAB03), ("looked up", services_looked_up)]
    for what, wrong in ideas:
        assert max(scores("03.services_consistent", wrong)) < 1, what


# --- 08.score_online (its customers; the server's answers are judged in the lab's own test) -----------------------

def test_08_score_online_draws_other_customers() -> None:
    drawn = [lab08._customers(seed=seed) for seed in SEEDS]
    assert all(len(frame) == 4 for frame in drawn)
    assert len({tuple(frame.index) for frame in drawn}) == len(SEEDS)
    assert all(not frame.index.equals(lab08._customers(seed=8).index) for frame in drawn)  # the old fixed case


# --- 10.promote -----------------------------------------------------------------------------------------------

promote_version = defined("10", "10.promote", "promote", {})


def promote_typed_in(client, name, version):  # not a lab cell: a lookup of the old fixed layout
    """The old layout's numbers typed in: refuse '3' and '4', record and return '1'."""
    if version in ("3", "4"):
        raise ValueError("not gated")
    if version != "1":
        client.set_model_version_tag(name, version, "replaces", "1")
    client.set_registered_model_alias(name, "champion", version)
    return "1"


def test_10_promote(monkeypatch) -> None:
    from stores import fresh_store

    monkeypatch.setenv("MLFLOW_TRACKING_URI", fresh_store("case-seeds-promote-10"))
    config.setup_tracking()
    ideas = [*declared_mistakes("10", "10.promote", "promote", {}), ("looked up", promote_typed_in)]
    for seed in list(SEEDS)[:3]:
        versions, champion, target, (failed, ungated) = lab10._promote_case(seed)
        assert versions[int(champion) - 1] == versions[int(target) - 1] == {"gate": "passed"} and champion != target
        assert versions[int(failed) - 1] == {"gate": "failed"} and versions[int(ungated) - 1] == {}
        _guards.replay({"10.promote": seed})
        assert evaluate("10.promote", promote_version).score == 1.0
        for what, wrong in ideas:
            _guards.replay({"10.promote": seed})
            assert evaluate("10.promote", wrong).score < 1, (seed, what)
