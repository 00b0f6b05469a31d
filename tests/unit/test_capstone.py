"""The capstone's sprint and data (capstone) and the ML Test Score judged from evidence (mltestscore); no MLflow."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from mlopslab import capstone, data, exercises, lineage, mltestscore, policy, provisioning, scrum


def evidence(trigger: str = "notebook", version: dict | None = None, **steps: dict) -> mltestscore.Evidence:
    """Evidence as collect() builds it: one run per step (flat tags.*/metrics.*/params.* columns)."""
    rows = [{"run_id": f"run-{step}", f"tags.{mltestscore.STEP_TAG}": step, f"tags.{mltestscore.TRIGGER_TAG}": trigger,
             **fields} for step, fields in steps.items()]
    return mltestscore.Evidence(pd.DataFrame(rows), dict(version or {}), ["1", "2"])


CONTRACT = {"tags.contract.rules": "isin,no_personal_data,unique", "tags.catalog": "telconova_customers",
            "tags.reconciles": "True", "metrics.rows_in": 10.0, "metrics.accepted": 9.0, "metrics.quarantined": 1.0}
MONITOR = {"metrics.online.auc": 0.8, "metrics.offline.auc": 0.79, "metrics.online.profit": 3000.0,
           "metrics.segment_gap": -0.06, "metrics.model_age_months": 4.0, "tags.verdict": "alert",
           "tags.alert_rules": json.dumps(policy.ALERTS.as_dict())}


def test_rubric_has_seven_tests_per_section_and_leaves_inclusion_to_the_lab() -> None:
    ids = [t.id for t in mltestscore.TESTS]
    assert len(ids) == len(set(ids)) == 28
    assert {s: sum(t.section == s for t in mltestscore.TESTS) for s in mltestscore.SECTIONS} == dict.fromkeys(
        mltestscore.SECTIONS, 7)
    assert mltestscore.test_by_id("Model 7").judge is None
    with pytest.raises(KeyError, match="Data 1"):
        mltestscore.test_by_id("Data 8")


def test_no_evidence_scores_zero_everywhere() -> None:
    card = mltestscore.scorecard(mltestscore.Evidence(pd.DataFrame()))
    assert len(card) == 28 and set(card["points"]) == {0.0}
    assert "not judged yet" in card.loc["Model 7", "evidence"]
    assert mltestscore.final_score(card) == 0 and mltestscore.band(0)[0] == 0


def test_a_machine_check_is_automated_only_when_no_person_started_the_pipeline() -> None:
    by_hand = evidence("notebook", contract=CONTRACT)
    unattended = evidence("schedule", contract=CONTRACT)
    mixed = mltestscore.Evidence(pd.concat([by_hand.runs, unattended.runs.assign(run_id="x")]))
    for test in ("Data 1", "Data 5", "Monitoring 2"):
        assert mltestscore.scorecard(by_hand).loc[test, "points"] == mltestscore.MANUAL
        assert mltestscore.scorecard(unattended).loc[test, "points"] == mltestscore.AUTOMATED
        assert mltestscore.scorecard(mixed).loc[test, "points"] == mltestscore.MANUAL
    assert mltestscore.scorecard(unattended).loc["Data 4", "points"] == mltestscore.MANUAL  # a review stays 0.5
    broken = evidence("schedule", contract={**CONTRACT, "tags.reconciles": "False"})
    assert mltestscore.scorecard(broken).loc["Data 1", "points"] == 0.0


def test_the_approval_chain_is_judged_from_the_version_tags() -> None:
    approval = policy.APPROVAL
    train = {f"tags.{mltestscore.CODE_TAG}": "abc123", "tags.candidate": "recipe"}
    good = {"run_id": "run-train", approval.author_tag: approval.author, approval.approver_tag: approval.approver,
            approval.card_tag: "2026-02-10T09:00:00+00:00", approval.approved_at_tag: "2026-02-10T10:00:00+00:00"}
    judge = mltestscore.test_by_id("Model 1").judge
    assert judge(evidence(version=good, train=train))[0] == mltestscore.MANUAL
    own = {**good, approval.approver_tag: approval.author}
    assert judge(evidence(version=own, train=train))[0] == 0.0
    early = {**good, approval.approved_at_tag: "2026-02-10T08:00:00+00:00"}
    assert judge(evidence(version=early, train=train))[0] == 0.0
    unknown = {**train, f"tags.{mltestscore.CODE_TAG}": "unknown"}
    assert judge(evidence(version=good, train=unknown))[0] == 0.0


def test_a_simpler_model_that_earns_more_costs_the_point() -> None:
    judge = mltestscore.test_by_id("Model 5").judge
    version = {"run_id": "run-train"}

    def ev(simple_profit: float) -> mltestscore.Evidence:
        runs = pd.DataFrame([
            {"run_id": "run-train", f"tags.{mltestscore.STEP_TAG}": "train", "tags.candidate": "recipe",
             "params.model": "LogisticRegression", "params.C": "0.5", "metrics.profit": 1000.0},
            {"run_id": "run-simple", f"tags.{mltestscore.STEP_TAG}": "train", "tags.candidate": "simpler",
             "params.model": "LogisticRegression", "params.C": "0.5", "params.inputs": "tenure,MonthlyCharges,Contract",
             "metrics.profit": simple_profit}])
        return mltestscore.Evidence(runs.assign(**{f"tags.{mltestscore.TRIGGER_TAG}": "notebook"}), version)

    points, text, _ = judge(ev(900.0))
    assert points == mltestscore.MANUAL and "LogisticRegression on tenure,MonthlyCharges,Contract" in text
    assert judge(ev(1100.0))[0] == 0.0
    # the simpler baseline is another model, not a second setting of the recipe: no credit for tuning (Model 3)
    points, text, _ = mltestscore.test_by_id("Model 3").judge(ev(900.0))
    assert points == 0.0 and "not tuned" in text


def test_skew_is_the_served_model_against_the_training_pipeline_not_drift() -> None:
    judge = mltestscore.test_by_id("Monitoring 3").judge
    assert judge(evidence(monitor=MONITOR))[0] == 0.0  # PSI alone is drift, not skew
    assert judge(evidence(score={"metrics.skew.max_abs_diff": 0.0}))[0] == mltestscore.MANUAL


def test_integration_needs_every_step_and_a_version() -> None:
    steps = {s: {} for s in ("contract", "train", "score", "monitor")}
    judge = mltestscore.test_by_id("Infrastructure 3").judge
    assert judge(evidence("notebook", {"version": "2"}, **steps))[0] == mltestscore.MANUAL
    assert judge(evidence("ci", {"version": "2"}, **steps))[0] == mltestscore.AUTOMATED
    assert judge(evidence("ci", {}, **steps))[0] == 0.0
    assert judge(evidence("ci", {"version": "2"}, **{k: v for k, v in steps.items() if k != "score"}))[0] == 0.0


def card_from(points: dict[str, float], kind: str = mltestscore.CHECK) -> pd.DataFrame:
    rows = [{"test": t.id, "section": t.section, "points": points.get(t.id, 0.0),
             "kind": kind if points.get(t.id, 0.0) else ""} for t in mltestscore.TESTS]
    return pd.DataFrame(rows).set_index("test")


def test_final_score_is_the_minimum_of_section_sums() -> None:
    card = card_from({f"Model {n}": 1.0 for n in range(1, 8)} | {"Data 1": 1.0, "Data 2": 0.5,
                                                                  "Infrastructure 1": 1.0, "Monitoring 1": 1.0})
    scores = mltestscore.section_scores(card)
    assert list(scores.index) == list(mltestscore.SECTIONS)
    assert scores["Model"] == 7 and scores["Data"] == 1.5
    assert mltestscore.final_score(card) == 1.0


@pytest.mark.parametrize("score, band", [(0, 0), (0.5, 1), (1, 1), (1.5, 2), (3, 3), (3.5, 4), (5, 4), (5.5, 5)])
def test_levels_follow_breck_et_al_bands(score: float, band: int) -> None:
    assert mltestscore.band(score)[0] == band


def test_what_if_adds_checks_and_scheduling_makes_them_automated() -> None:
    card = card_from({"Data 1": 0.5, "Data 5": 0.5})
    card.loc["Data 4", ["points", "kind"]] = [0.5, mltestscore.REVIEW]
    after = capstone.after_stories(card, ["S25"])
    assert after.loc["Data 7", "points"] == 0.5 and after.loc["Data 1", "points"] == 0.5
    scheduled = capstone.after_stories(card, ["S25", "S34"])
    assert scheduled.loc[["Data 1", "Data 5", "Data 7"], "points"].eq(1.0).all()
    assert scheduled.loc["Data 4", "points"] == 0.5  # a review stays a person's judgement
    assert (scheduled["points"] >= card["points"]).all()
    with pytest.raises(KeyError, match="S99"):
        capstone.after_stories(card, ["S99"])


def test_next_sprint_backlog_comes_from_gaps_and_the_review() -> None:
    ids = {t.id for t in mltestscore.TESTS}
    stories = {s.id: s for s in capstone.IMPROVEMENTS}
    for s in capstone.IMPROVEMENTS:
        assert set(s.checks) | set(s.reviews) <= ids and s.points > 0
        assert s.id not in {b.id for b in scrum.BACKLOG}
    assert capstone.MUST_HAVE in stories
    assert {fb.story for fb in capstone.REVIEW_FEEDBACK} <= set(stories)
    assert any(s.unattended for s in capstone.IMPROVEMENTS)


def test_capstone_sprint_is_planned_at_the_forecast_with_fixed_dates() -> None:
    results = capstone.sprints()
    assert len(results) == capstone.SPRINT and capstone.SPRINT_START < capstone.SPRINT_END
    earlier = scrum.history(results[:-1])
    capacity = scrum.forecast_capacity(earlier)["expected"]
    last = results[-1]
    assert last.committed_points <= capacity
    assert last.committed[0] in results[-2].carry_over  # sprint 5's unfinished story comes first
    assert set(capstone.DEFINITION_OF_DONE) == set(last.committed)
    assert not set(last.committed) & set(capstone.done_before(results))

    unpulled = capstone.unpulled(results, capacity)
    assert len(unpulled) and (unpulled["why not pulled"] != "fits").all()


def test_the_capstone_sprint_is_lab_02s_sprint_6_on_lab_02s_calendar() -> None:
    first, last = scrum.sprint_dates(capstone.SPRINT)
    assert (capstone.SPRINT_START, capstone.SPRINT_END) == (f"{first:%Y-%m-%d}", f"{last:%Y-%m-%d}")
    assert (first.day_name(), last.day_name()) == ("Monday", "Friday")
    assert scrum.sprint_dates(capstone.SPRINT - 1)[1] + pd.offsets.BDay(1) == first  # no gap between sprints
    assert capstone.SPRINT_START == "2026-02-02"  # the capstone's story: Monday 2 February 2026


def test_sprint_done_points_come_from_the_evidence() -> None:
    results = capstone.sprints()
    fields = {k: 1.0 for _, keys in capstone.DEFINITION_OF_DONE.values() for k in keys}
    everything = capstone.history_by_evidence(results, evidence(monitor=fields))
    nothing = capstone.history_by_evidence(results, evidence(monitor={}))
    assert everything["done"].iloc[-1] == results[-1].committed_points
    assert nothing["done"].iloc[-1] == 0 and (nothing["done"].iloc[:-1] == everything["done"].iloc[:-1]).all()


def test_the_february_export_has_glitches_the_contract_quarantines() -> None:
    export = capstone.february_export()
    result = provisioning.validate_batch(export)
    assert len(export) == len(data.load_batch(capstone.BATCH_MONTH)) + 1
    assert result.reconciles and len(result.quarantined) == 6  # five glitches; the re-sent customer twice
    assert "personal_data" in set(result.violations["defect"])  # the notes column: the privacy rule has work to do
    assert capstone.february_export().equals(export)  # deterministic


def test_training_and_gate_months_do_not_overlap() -> None:
    train, gate = capstone.training_data(), capstone.gate_data()
    assert set(train["month"]) == set(capstone.TRAIN_MONTHS)
    assert set(gate["month"]) == set(capstone.GATE_MONTHS) and gate[data.TARGET].notna().all()
    assert not set(train["month"]) & set(gate["month"])
    assert lineage.data_version(train) == lineage.data_version(capstone.training_data())
    # the exam is the governed number of newest labelled months (policy.PROMOTION.gate_months), training all before
    assert len(capstone.GATE_MONTHS) == policy.PROMOTION.gate_months
    assert max(capstone.TRAIN_MONTHS) < min(capstone.GATE_MONTHS) == sorted(capstone.LABELLED_MONTHS)[-len(capstone.GATE_MONTHS)]


def test_the_exam_grades_a_2025_month_with_the_audited_outcomes_not_the_recorded_labels() -> None:
    from mlopslab import trust

    exam = capstone.gate_data()
    audited_months = [m for m in capstone.GATE_MONTHS if m in trust.AUDITED_MONTHS]
    assert audited_months, "the exam should hold a 2025 month: the test would prove nothing"
    outcomes = trust.audited_outcomes().set_index("customerID")[data.TARGET]
    recorded = data.load_customers().set_index("customerID")[data.TARGET]
    in_audit = exam[exam["month"].isin(audited_months)]
    assert (in_audit[data.TARGET].to_numpy() == outcomes.loc[in_audit["customerID"]].to_numpy()).all()
    assert (in_audit[data.TARGET].to_numpy() != recorded.loc[in_audit["customerID"]].to_numpy()).any(), \
        "the recorded labels should differ somewhere (lab 07's false churners)"


def test_contract_tags_name_the_rules() -> None:
    tags = capstone.contract_tags(provisioning.customer_contract(labelled=False))
    assert "no_personal_data" in tags["contract.rules"] and tags["catalog"] == provisioning.CATALOG_ENTRY["name"]


# --- the checks of lab 11 that need no tracking store ------------------------------------------------------------

def _inclusion(ev):
    if json.loads(ev.version.get("gate.policy", "{}")) != policy.GATE.as_dict():
        return 0
    reasons = [r for r in ev.version.get("gate.reasons", "").split("; ") if "[fairness]" in r]
    if not reasons or not reasons[0].startswith("pass"):
        return 0
    return 1 if ev.unattended else 0.5


def test_inclusion_check_needs_the_governed_rule_and_no_person() -> None:
    assert exercises.evaluate("11.judge", _inclusion).status == "correct"
    any_pass = exercises.evaluate("11.judge", lambda ev: 1 if "pass [fairness]" in ev.version.get("gate.reasons", "")
                                  else 0)
    assert any_pass.score < 1
    half = exercises.evaluate("11.judge", lambda ev: 0.5 if ev.version else 0)
    assert half.score < 1
    assert exercises.evaluate("11.judge", lambda ev: None).status == "unanswered"


def test_a_judge_that_raises_scores_its_test_zero_and_the_scorecard_goes_on() -> None:
    ev = evidence("notebook", contract=CONTRACT, version={"gate.reasons": "pass [fairness] gap 0.01"})

    def calls_a_property(ev):
        return 1 if ev.unattended() else 0.5  # a property called as a method: TypeError

    card = mltestscore.scorecard(ev, judges={"Model 7": calls_a_property})
    assert card.loc["Model 7", "points"] == 0.0 and card.loc["Model 7", "how"] == "not done"
    message = card.loc["Model 7", "evidence"]
    assert message.startswith("your judge raised TypeError: 'bool' object is not callable") and len(message) < 130
    untouched = mltestscore.scorecard(ev)
    assert card.drop(index="Model 7").equals(untouched.drop(index="Model 7"))  # only its own test pays
    assert mltestscore.final_score(card) == mltestscore.final_score(untouched)
    long = mltestscore.scorecard(ev, judges={"Model 7": lambda ev: {}["x" * 500]}).loc["Model 7", "evidence"]
    assert long.startswith("your judge raised KeyError") and len(long) < 130
    text = mltestscore.scorecard(ev, judges={"Model 7": lambda ev: "yes"}).loc["Model 7"]
    assert text["points"] == 0.0 and "returned str" in text["evidence"]
    assert mltestscore.scorecard(ev, judges={"Model 7": lambda ev: 0.5}).loc["Model 7", "points"] == 0.5


def _lazy_quarantine(renumber: bool = False, keep_one_copy: bool = False):
    import pandera.pandas as pa

    def quarantine(rows, contract):
        try:
            contract.validate(rows, lazy=True)
            bad = []
        except pa.errors.SchemaErrors as err:
            bad = sorted(set(err.failure_cases["index"].dropna().astype(int)))
        if keep_one_copy:  # the re-sent customer: only its second copy quarantined
            first = rows.loc[bad].duplicated("customerID", keep="last")
            bad = [i for i, dup in zip(bad, first, strict=True) if not dup]
        accepted, quarantined = rows.drop(index=bad), rows.loc[bad]
        if renumber:
            return accepted.reset_index(drop=True), quarantined.reset_index(drop=True)
        return accepted, quarantined
    return quarantine


def test_the_contract_check_compares_the_quarantines_rows_not_their_index() -> None:
    from mlopslab.checks import lab11

    assert lab11._quarantine_problem(_lazy_quarantine()) is None
    assert lab11._quarantine_problem(_lazy_quarantine(renumber=True)) is None  # same rows, renumbered: as right
    for broken in (_lazy_quarantine(keep_one_copy=True), _lazy_quarantine(renumber=True, keep_one_copy=True)):
        problem = lab11._quarantine_problem(broken)
        assert problem and "does not split another dirty batch" in problem

    def not_lazy(rows, contract):
        import pandera.pandas as pa
        try:
            contract.validate(rows)
            bad = []
        except pa.errors.SchemaError as err:
            bad = sorted(set(err.failure_cases["index"].dropna().astype(int)))
        return rows.drop(index=bad), rows.loc[bad]

    assert "the contract rejects" in lab11._quarantine_problem(not_lazy)
    assert "column" in lab11._quarantine_problem(lambda rows, c: (rows.drop(columns="notes"), rows.iloc[:0]))


def test_a_run_without_a_model_loads_as_none_with_a_clear_message(monkeypatch, capsys) -> None:
    import mlflow
    from mlopslab import config
    from stores import fresh_store

    monkeypatch.setenv("MLFLOW_TRACKING_URI", fresh_store("test-capstone-no-model"))
    config.setup_tracking()
    assert capstone.load_logged_model(...) is None and capsys.readouterr().out == ""  # 11.2 not answered: silent
    with mlflow.start_run(run_name="forgot-log-model") as run:
        mlflow.log_metric("auc", 0.8)
    assert capstone.load_logged_model(run.info.run_id) is None
    assert "your run has no model logged under 'model'" in capsys.readouterr().out


def test_the_contract_check_wants_every_row_once_whatever_the_contract_reports() -> None:
    import pandera.pandas as pa
    from mlopslab.checks import lab11

    def every_report(rows, contract):  # a row once per failure the contract reports: the count does not reconcile
        try:
            contract.validate(rows, lazy=True)
            bad = []
        except pa.errors.SchemaErrors as err:
            bad = list(err.failure_cases["index"].dropna().astype(int))
        return rows.drop(index=bad), rows.loc[bad]

    problem = lab11._quarantine_problem(every_report)
    assert problem and "every row goes in exactly one of them, once" in problem


def test_the_release_check_tries_the_decision_where_the_champion_stays_and_where_it_goes() -> None:
    from mlopslab.checks import lab11

    outcomes = {promote for *_, promote in lab11._DECIDE_CASES}
    assert outcomes == {True, False}, "an always-promote release must fail a case, a never-promote one too"
    for what, passed, new, old, rule, promote in lab11._DECIDE_CASES:
        assert promote == (passed and lab11._beats(new, old, rule)), what
    stays = [(passed, rule) for _, passed, new, old, rule, promote in lab11._DECIDE_CASES if not promote]
    assert any(not passed for passed, _ in stays), "a failed gate keeps the champion, whatever the profit"
    assert any(passed and lab11._beats(new, old, policy.PROMOTION) for _, passed, new, old, rule, promote
               in lab11._DECIDE_CASES if not promote), "a case only the `rule` argument refuses"
