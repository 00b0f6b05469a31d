"""Lab 01's maturity module: feature names, the self-assessment scoring, the figures and the widget."""

from __future__ import annotations

import matplotlib
import pytest
from hypothesis import given
from hypothesis import strategies as st
from mlopslab import exercises, maturity
from mlopslab.maturity import KEY_FEATURES, QUESTIONS, THRESHOLD, assess

matplotlib.use("Agg")

KEYS = [q.key for q in QUESTIONS]
answers_strategy = st.fixed_dictionaries({k: st.booleans() for k in KEYS})


def test_five_statements_per_level_each_serving_a_key_feature() -> None:
    assert [sum(q.level == lvl for q in QUESTIONS) for lvl in (1, 2)] == [5, 5]
    assert {q.feature for q in QUESTIONS} == set(KEY_FEATURES)
    assert len(set(KEYS)) == len(KEYS)


def test_statements_follow_googles_levels() -> None:
    """Google's level 1 holds continuous training, data and model validation, metadata and model delivery; CI/CD of
    the pipeline is level 2 (the review of lab 01 found validation and model deployment misplaced at level 2)."""
    level = {q.key: q.level for q in QUESTIONS}
    assert {level[k] for k in ("pipeline", "validation", "metadata", "model_delivery", "triggers")} == {1}
    assert {level[k] for k in ("pipeline_ci", "pipeline_cd", "source_control")} == {2}


@pytest.mark.parametrize("text, expected", [
    ("Governance", "governance"),
    ("  model   Development ", "model development"),
    ("Productionalization & Deployment", "productionalization and deployment"),
    ("deployment", "productionalization and deployment"),
    ("iteration-and-lifecycle", "iteration and lifecycle"),
    ("monitor", "monitoring"),
])
def test_feature_named_accepts_short_and_spelled_out_names(text, expected) -> None:
    assert maturity.feature_named(text) == expected


@pytest.mark.parametrize("text", ["", "testing", "development and monitoring"])
def test_feature_named_rejects_unknown_or_ambiguous_names(text) -> None:
    assert maturity.feature_named(text) is None


def test_nothing_in_place_is_level_0_and_everything_is_level_2() -> None:
    none = assess({})
    assert none.level == 0 and none.by_level == {1: 0.0, 2: 0.0}
    assert none.missing == [q.key for q in QUESTIONS if q.level == 1]
    full = assess({k: True for k in KEYS})
    assert full.level == 2 and full.missing == [] and set(full.by_feature.values()) == {1.0}


def test_level_2_practices_do_not_count_without_level_1() -> None:
    only_level_2 = {q.key: q.level == 2 for q in QUESTIONS}
    result = assess(only_level_2)
    assert result.level == 0 and result.by_level[2] == 1.0


def test_four_of_five_reach_a_level_three_do_not() -> None:
    level1 = [q.key for q in QUESTIONS if q.level == 1]
    assert assess(dict.fromkeys(level1[:4], True)).level == 1
    assert assess(dict.fromkeys(level1[:3], True)).level == 0


def test_default_team_is_level_0_with_every_level_1_statement_missing() -> None:
    today = assess(maturity.DEFAULT_TEAM)
    assert today.level == 0 and today.missing == [q.key for q in QUESTIONS if q.level == 1]


def test_no_exercise_answer_is_public_in_the_module() -> None:
    """Lab 01's exercises are judged against private data in the check module, not against maturity's constants."""
    for name in ("PRACTICES", "TEAMS", "AUDIT_ITEMS"):
        assert not hasattr(maturity, name), name


@pytest.mark.parametrize("answers, match", [
    ({"tracking": True, "blockchain": True}, "blockchain"),
    ({"tracking": "yes"}, "tracking"),
])
def test_bad_answers_are_named(answers, match) -> None:
    with pytest.raises(ValueError, match=match):
        assess(answers)


def test_bad_threshold_is_rejected() -> None:
    with pytest.raises(ValueError, match="threshold"):
        assess({}, threshold=0)


@given(answers_strategy)
def test_level_matches_the_rule(answers) -> None:
    result = assess(answers)
    share = {lvl: sum(answers[q.key] for q in QUESTIONS if q.level == lvl) / 5 for lvl in (1, 2)}
    expected = 0 if share[1] < THRESHOLD else 1 if share[2] < THRESHOLD else 2
    assert result.level == expected
    assert result.by_level == share
    assert all(not answers[k] for k in result.missing)


@given(answers_strategy, st.sampled_from(KEYS))
def test_adding_a_practice_never_lowers_the_level(answers, key) -> None:
    assert assess({**answers, key: True}).level >= assess(answers).level


def test_figures_draw() -> None:
    import matplotlib.pyplot as plt

    level_1 = {q.key: q.level == 1 for q in QUESTIONS}
    fig = maturity.plot_assessment(assess(level_1), title="Team: ")
    assert "Google level 1" in fig._suptitle.get_text() and len(fig.axes) == 2
    ax = maturity.lifecycle_figure()
    texts = "\n".join(t.get_text() for t in ax.texts)
    for stage in maturity.STAGES:  # the six stages, their CRISP-DM phases and DevOps steps are on the picture
        assert stage.name in texts and stage.crisp_dm in texts and stage.devops in texts
    assert {"Plan", "Monitor", "Modeling"} <= {t.get_text() for t in ax.texts}
    plt.close("all")


def test_questionnaire_widget_updates_with_the_boxes() -> None:
    widget = maturity.questionnaire()
    boxes = [w for w in widget.children if w.__class__.__name__ == "Checkbox"]
    chart = widget.children[-1]
    assert len(boxes) == len(QUESTIONS) and chart.value
    before = chart.value
    boxes[0].value = not boxes[0].value
    assert chart.value != before


SITUATIONS = ["model_by_email", "who_signed", "lost_experiment", "silent_price_rise", "phone_numbers", "trained_once"]
RIGHT = dict(zip(SITUATIONS, ["deployment", "governance", "model development", "monitoring", "governance", "lifecycle"]))


@pytest.mark.parametrize("answer, status", [
    (RIGHT, "correct"),
    ({**RIGHT, "silent_price_rise": "lifecycle", "trained_once": "monitoring"}, "wrong"),
    ({**RIGHT, "phone_numbers": "model development"}, "wrong"),
    ({k: "governance" for k in SITUATIONS}, "wrong"),
    ({**RIGHT, "nonsense": "governance"}, "wrong"),
])
def test_practices_check_is_all_or_nothing(answer, status) -> None:
    assert exercises.evaluate("01.practices", answer).status == status


def test_practices_check_says_the_same_whichever_situation_is_wrong() -> None:
    messages = {exercises.evaluate("01.practices", {**RIGHT, k: "governance" if RIGHT[k] != "governance" else "monitoring"}
                                   ).message for k in SITUATIONS}
    assert len(messages) == 1


DYNAMO = {"pipeline": False, "validation": False, "metadata": True, "model_delivery": False, "triggers": False,
          "source_control": True, "pipeline_ci": True, "pipeline_cd": True, "serving_tests": True,
          "live_monitoring": False}


def test_assess_team_check_is_all_or_nothing_and_dynamo_is_level_0() -> None:
    assert assess(DYNAMO).level == 0 and assess(DYNAMO).by_level == {1: 0.2, 2: 0.8}
    result = exercises.evaluate("01.assess_team", DYNAMO)
    assert result.status == "correct" and "level 0" in result.message
    flipped = [exercises.evaluate("01.assess_team", {**DYNAMO, k: not v}) for k, v in DYNAMO.items()]
    assert {r.status for r in flipped} == {"wrong"} and len({r.message for r in flipped}) == 1
    assert exercises.evaluate("01.assess_team", {**DYNAMO, "metadata": "yes"}).status == "wrong"
    assert exercises.evaluate("01.assess_team", {k: v for k, v in DYNAMO.items() if k != "pipeline"}).status == "wrong"


def _train_and_record(**overrides):
    """A run as the lab's section 4 records it (``overrides`` change its tags), and its id."""
    import hashlib

    import mlflow
    from mlopslab import config, data, lineage, policy
    from mlopslab.checks.lab01 import _holdout_auc

    customers = data.load_customers()
    params = {"model": "logistic regression", "C": 1.0, "test_size": 0.25, "seed": config.SEED}
    with mlflow.start_run(run_name="churn-logreg", tags={"lab": "01"}) as run:
        mlflow.log_params(params)
        mlflow.log_metric("roc_auc_holdout", _holdout_auc(customers, 1.0, 0.25, config.SEED))
        mlflow.set_tags({lineage.TAG: lineage.data_version(customers), "code_version": hashlib.sha256(b"f").hexdigest(),
                         policy.APPROVAL.author_tag: policy.APPROVAL.author,
                         policy.APPROVAL.approver_tag: policy.APPROVAL.approver,
                         **overrides})
    return run.info.run_id, params


def test_record_run_and_who_approved_checks_read_the_record(monkeypatch) -> None:
    import hashlib

    import mlflow
    from mlopslab import config, data, lineage, policy
    from mlopslab.checks.lab01 import _holdout_auc
    from stores import fresh_store

    monkeypatch.setenv("MLFLOW_TRACKING_URI", fresh_store("test-maturity"))
    config.setup_tracking()

    def from_record(version):
        runs = mlflow.search_runs(filter_string=f"tags.{lineage.TAG} = '{version}'")
        return [] if runs.empty or "tags.approved_by" not in runs else sorted(runs["tags.approved_by"].dropna().unique())

    assert exercises.evaluate("01.who_approved", from_record).status == "wrong"  # no run recorded yet
    lab_run_id, params = _train_and_record()
    assert exercises.evaluate("01.who_approved", from_record).status == "correct"
    assert exercises.evaluate("01.who_approved", lambda version: [policy.APPROVAL.approver]).status == "wrong"
    assert exercises.evaluate("01.who_approved", lambda version: [policy.APPROVAL.author]).status == "wrong"
    assert exercises.evaluate("01.who_approved", lambda version: None).status == "unanswered"
    today = lineage.data_version(data.data_dir() / "customers.csv")
    knows_today = exercises.evaluate("01.who_approved", lambda v: [policy.APPROVAL.approver] if v == today else [])
    assert knows_today.status == "wrong" and "only the store holds" in knows_today.message
    assert mlflow.search_runs(filter_string="tags.logged_by LIKE 'mlopslab.checks.lab01%'").empty  # deleted again

    assert exercises.evaluate("01.record_run", lab_run_id).status == "wrong"  # the lab's own run
    assert exercises.evaluate("01.record_run", "not a run id").status == "wrong"
    customers = data.load_customers()
    recent = customers[customers["month"] >= "2025-07"]

    def challenger(version, auc, run_name="churn-logreg-recent", lab="01", experiment_id=None, **tags):
        with mlflow.start_run(run_name=run_name, tags={"lab": lab}, experiment_id=experiment_id) as run:
            mlflow.log_params({**params, "C": 0.1})
            mlflow.log_metric("roc_auc_holdout", auc)
            mlflow.set_tags({lineage.TAG: version, "code_version": hashlib.sha256(b"f").hexdigest(),
                             policy.APPROVAL.author_tag: policy.APPROVAL.author, **tags})
        return run.info.run_id

    auc = _holdout_auc(recent, 0.1, 0.25, config.SEED)
    good = challenger(lineage.data_version(recent), auc)
    result = exercises.evaluate("01.record_run", good)
    assert result.status == "correct", result.message
    assert exercises.evaluate("01.record_run", challenger(lineage.data_version(customers), auc)).status == "wrong"
    assert exercises.evaluate("01.record_run", challenger(lineage.data_version(recent), auc - 0.01)).status == "wrong"
    approved = challenger(lineage.data_version(recent), auc, **{policy.APPROVAL.approver_tag: policy.APPROVAL.author})
    assert "approves their own" in exercises.evaluate("01.record_run", approved).message
    for claim in ("approver", "approval_note", "Approved"):  # an approval under another tag is still one
        claimed = exercises.evaluate("01.record_run", challenger(lineage.data_version(recent), auc, **{claim: "yes"}))
        assert claimed.status == "wrong" and repr(claim) in claimed.message, claimed.message
    misnamed = exercises.evaluate("01.record_run", challenger(lineage.data_version(recent), auc, run_name="x", lab="1"))
    assert misnamed.status == "wrong" and "named 'x'" in misnamed.message and "lab" in misnamed.message
    elsewhere = challenger(lineage.data_version(recent), auc, experiment_id=mlflow.create_experiment("elsewhere"))
    assert "'elsewhere'" in exercises.evaluate("01.record_run", elsewhere).message
    assert exercises.evaluate("01.who_approved", from_record).status == "correct"  # the recent version: the author
