"""Lab 01's maturity module: feature names, the self-assessment scoring, the figures and the widget."""

from __future__ import annotations

import matplotlib
import pytest
from hypothesis import given
from hypothesis import strategies as st
from mlopslab import exercises, maturity
from mlopslab.maturity import FEATURES, QUESTIONS, THRESHOLD, assess

matplotlib.use("Agg")

KEYS = [q.key for q in QUESTIONS]
answers_strategy = st.fixed_dictionaries({k: st.booleans() for k in KEYS})


def test_every_feature_has_one_question_per_level() -> None:
    for feature in FEATURES:
        assert sorted(q.level for q in QUESTIONS if q.feature == feature) == [1, 2]
    assert len(set(KEYS)) == len(KEYS)


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


def test_every_practice_maps_to_a_feature() -> None:
    assert {feature for _, feature in maturity.PRACTICES.values()} <= set(FEATURES)


def test_nothing_in_place_is_level_0_and_everything_is_level_2() -> None:
    none = assess({})
    assert none.level == 0 and none.by_level == {1: 0.0, 2: 0.0}
    assert none.missing == [q.key for q in QUESTIONS if q.level == 1]
    full = assess({k: True for k in KEYS})
    assert full.level == 2 and full.missing == [] and set(full.by_feature.values()) == {1.0}
    assert full.microsoft_levels == [3, 4]


def test_level_2_practices_do_not_count_without_level_1() -> None:
    only_level_2 = {q.key: q.level == 2 for q in QUESTIONS}
    result = assess(only_level_2)
    assert result.level == 0 and result.by_level[2] == 1.0


def test_four_of_five_reach_a_level_three_do_not() -> None:
    level1 = [q.key for q in QUESTIONS if q.level == 1]
    assert assess(dict.fromkeys(level1[:4], True)).level == 1
    assert assess(dict.fromkeys(level1[:3], True)).level == 0


def test_described_teams_and_default_team() -> None:
    assert {name: assess(a).level for name, a in maturity.TEAMS.items()} == {"Atlas": 0, "Borealis": 1, "Cirrus": 2}
    assert assess(maturity.DEFAULT_TEAM).level == 0


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
    assert result.microsoft_levels and all(maturity.MICROSOFT_LEVELS[m][1] == expected for m in result.microsoft_levels)


@given(answers_strategy, st.sampled_from(KEYS))
def test_adding_a_practice_never_lowers_the_level(answers, key) -> None:
    assert assess({**answers, key: True}).level >= assess(answers).level


def test_audit_items_have_needed_and_distractors() -> None:
    needed = [k for k, (_, need, why) in maturity.AUDIT_ITEMS.items() if need and why]
    assert len(needed) == 5 and len(maturity.AUDIT_ITEMS) > len(needed)


def test_figures_draw() -> None:
    import matplotlib.pyplot as plt

    fig = maturity.plot_assessment(assess(maturity.TEAMS["Borealis"]), title="Borealis: ")
    assert "Google level 1" in fig._suptitle.get_text() and len(fig.axes) == 2
    ax = maturity.lifecycle_figure()
    texts = {t.get_text() for t in ax.texts}
    assert {"Plan", "Monitor", "Modeling"} <= texts
    plt.close("all")


def test_questionnaire_widget_updates_with_the_boxes() -> None:
    widget = maturity.questionnaire()
    boxes = [w for w in widget.children if w.__class__.__name__ == "Checkbox"]
    chart = widget.children[-1]
    assert len(boxes) == len(QUESTIONS) and chart.value
    before = chart.value
    boxes[0].value = not boxes[0].value
    assert chart.value != before


@pytest.mark.parametrize("answer, status", [
    ({k: f for k, (_, f) in maturity.PRACTICES.items()}, "correct"),
    ({**{k: f for k, (_, f) in maturity.PRACTICES.items()}, "psi_check": "governance"}, "partial"),
    ({k: "governance" for k in maturity.PRACTICES if k not in ("approval_record", "mask_pii")}, "wrong"),
])
def test_practices_check(answer, status) -> None:
    assert exercises.evaluate("01.practices", answer).status == status


@pytest.mark.parametrize("answer, status", [
    (["data_version", "parameters", "code_version", "people", "metrics"], "correct"),
    (["data_version", "parameters", "people"], "partial"),
    (["data_version", "hostname"], "wrong"),
    (["no_such_key"], "wrong"),
])
def test_audit_needs_check(answer, status) -> None:
    result = exercises.evaluate("01.audit_needs", answer)
    assert result.status == status and result.message


@pytest.mark.parametrize("answer, status", [
    ({"Atlas": 0, "Borealis": 1, "Cirrus": 2}, "correct"),
    ({"Atlas": 1, "Borealis": 1, "Cirrus": 2}, "partial"),
    ({"Atlas": 2, "Borealis": 2, "Cirrus": 0}, "wrong"),
    ({"Atlas": True, "Borealis": 1, "Cirrus": 2}, "wrong"),
])
def test_team_levels_check(answer, status) -> None:
    assert exercises.evaluate("01.team_levels", answer).status == status


def test_who_approved_check_reads_the_record(monkeypatch) -> None:
    import mlflow
    from mlopslab import config, data
    from stores import fresh_store

    monkeypatch.setenv("MLFLOW_TRACKING_URI", fresh_store("test-maturity"))
    config.setup_tracking()
    sha = data.sha256_file(data.data_dir() / "customers.csv")

    def from_record(data_sha256):
        runs = mlflow.search_runs(filter_string=f"tags.data_sha256 = '{data_sha256}'")
        return [] if runs.empty else sorted(runs["tags.approved_by"].dropna().unique())

    assert exercises.evaluate("01.who_approved", from_record).status == "wrong"  # no run recorded yet
    with mlflow.start_run(tags={"data_sha256": sha, "approved_by": "Business Analyst"}):
        pass
    assert exercises.evaluate("01.who_approved", from_record).status == "correct"
    assert exercises.evaluate("01.who_approved", lambda sha256: ["Business Analyst"]).status == "partial"
    assert exercises.evaluate("01.who_approved", lambda sha256: ["Data Scientist"]).status == "wrong"
    assert exercises.evaluate("01.who_approved", lambda sha256: None).status == "unanswered"
