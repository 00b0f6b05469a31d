"""The parts of lab 10's loop (CI, monitoring, the recipe, lineage runs) and the checks of its exercises."""

from __future__ import annotations

import pandas as pd
import pytest
from lab_answers import defined
from mlopslab import config, continuous, data, exercises, lineage, policy, registry, validation
from stores import fresh_store


@pytest.fixture(scope="module")
def frames() -> dict:
    return {m: continuous.labelled(m) for m in data.PRODUCTION_MONTHS}


def test_code_checks_report_each_test() -> None:
    source = "def test_ok():\n    assert 1 + 1 == 2\n\ndef test_broken():\n    assert 1 + 1 == 3, 'arithmetic'\n"
    result = continuous.run_code_checks(source).set_index("test")
    assert result.loc["test_ok", "outcome"] == "passed"
    assert result.loc["test_broken", "outcome"] == "failed" and "arithmetic" in result.loc["test_broken", "message"]
    with pytest.raises(ValueError, match="no test ran"):
        continuous.run_code_checks("x = 1\n")


def test_code_checks_fail_a_source_that_is_not_text_and_never_raise() -> None:
    """Lab 10's `ci-run` cell with PSI_TESTS a list of test functions (not the source of a test file): CI fails, the
    loop stops as on any failed test; before, run_code_checks raised TypeError and every later cell of the lab failed."""

    def test_up():
        assert True

    result = continuous.run_code_checks("def test_ok():\n    assert True\n", [test_up, test_up])
    assert list(result["outcome"]) == ["passed", "failed"]
    assert "not a test file: a list" in result["message"].iloc[1] and "as text" in result["message"].iloc[1]
    code_ok = bool((result["outcome"] == "passed").all())  # the cell's own verdict
    assert code_ok is False
    alone = continuous.run_code_checks(42)  # nothing ran but the answer that is not text: still a row, no raise
    assert list(alone["outcome"]) == ["failed"] and "a int" in alone["message"].iloc[0]


def test_code_checks_run_again_and_report_a_file_that_does_not_collect() -> None:
    first = continuous.run_code_checks("def test_one():\n    assert True\n")
    again = continuous.run_code_checks("def test_two():\n    assert True\n")  # same file name: pytest used to refuse it
    assert list(first["test"]) == ["test_one"] and list(again["test"]) == ["test_two"]
    both = continuous.run_code_checks("def test_one():\n    assert True\n", ..., "def test_three(:\n")  # ... = blank
    assert list(both["outcome"]) == ["failed", "passed"] and "SyntaxError" in both["message"].iloc[0]


def test_test_source_from_the_notebook_cannot_call_the_checks_reference_code() -> None:
    source = ("from mlopslab.checks import lab10\n"
              "def test_reference():\n    lab10._reference_plan([], ['2026-01'], None)\n")
    result = continuous.run_code_checks(source)
    assert result["outcome"].iloc[0] == "failed" and "ReferenceCodeUsed" in result["message"].iloc[0]


CI_TEST_SOLUTION = """
import math

import pytest
from mlopslab import data, monitoring, policy


def test_psi_grows_as_prices_move_further_either_way():
    charges = data.load_batch("2026-01")["MonthlyCharges"]
    for near_factor, far_factor in ((1.05, 1.2), (0.95, 0.8)):
        near = monitoring.psi(charges, charges * near_factor)
        far = monitoring.psi(charges, charges * far_factor)
        assert 0 < near < far
        assert far >= policy.ALERTS.psi_alert


def test_psi_of_a_case_worked_by_hand():
    from mlopslab.monitoring import psi  # bound by name: the mutant must reach it too

    before, after = ["a"] * 50 + ["b"] * 50, ["a"] * 90 + ["b"] * 10
    by_hand = 0.4 * math.log(0.9 / 0.5) - 0.4 * math.log(0.1 / 0.5)
    assert psi(before, after) == pytest.approx(by_hand)
"""


def _psi_is_the_real_one() -> None:
    from mlopslab import monitoring

    assert monitoring.psi is _REAL_PSI and monitoring.psi.__code__ is _REAL_PSI_CODE
    values = data.load_batch("2026-01")["tenure"]
    assert monitoring.psi(values, values + 12) > 1 and monitoring.psi(values, values - 12) > 1  # 1.65 and 1.21


from mlopslab import monitoring as _monitoring  # noqa: E402

_REAL_PSI, _REAL_PSI_CODE = _monitoring.psi, _monitoring.psi.__code__


def test_ci_test_check_scores_the_share_of_mutants_a_test_kills(monkeypatch) -> None:
    result = exercises.evaluate("10.ci_test", CI_TEST_SOLUTION)
    assert (result.status, result.score) == ("correct", 1.0), result.message
    _psi_is_the_real_one()

    weak = ("from mlopslab import data, monitoring\n"
            "def test_shift():\n    t = data.load_batch('2026-01')['tenure']\n    assert monitoring.psi(t, t + 6) > 0\n")
    result = exercises.evaluate("10.ci_test", weak)
    assert result.status == "partial" and result.score == 0.4 and "one way only" in result.message  # in words
    assert "np." not in result.message and "log10" not in result.message
    _psi_is_the_real_one()

    nothing = exercises.evaluate("10.ci_test", "def test_nothing():\n    assert True\n")
    assert (nothing.status, nothing.score) == ("wrong", 0) and "0 whatever the samples" in nothing.message
    identical = ("import pytest\nfrom mlopslab import data, monitoring\n"
                 "def test_zero():\n    v = data.load_batch('2026-01')['tenure']\n"
                 "    assert monitoring.psi(v, v) == pytest.approx(0)\n")
    assert exercises.evaluate("10.ci_test", identical).score == 0

    fails_on_real = CI_TEST_SOLUTION + ("\ndef test_psi_is_symmetric():\n    t = data.load_batch('2026-01')['tenure']\n"
                                        "    assert monitoring.psi(t, t + 6) == pytest.approx(monitoring.psi(t + 6, t))\n")
    result = exercises.evaluate("10.ci_test", fails_on_real)
    assert (result.status, result.score) == ("wrong", 0) and "fails on the real" in result.message
    _psi_is_the_real_one()

    spots = ("from mlopslab import monitoring\ndef test_spot():\n"
             "    assert monitoring.psi.__code__.co_consts == (None, 'x')\n")  # tells a mutant by its code, not its values
    result = exercises.evaluate("10.ci_test", spots)
    assert result.score == 0 and "__code__" in result.message
    assert exercises.evaluate("10.ci_test", ...).status == "unanswered"
    assert exercises.evaluate("10.ci_test", "2026-05").score == 0  # a printed word: not a test file
    assert exercises.evaluate("10.ci_test", CI_TEST_SOLUTION.replace("def test_", "def check_")).score == 0


def test_ci_test_check_restores_psi_when_the_tests_raise(monkeypatch) -> None:
    """A mutant is in place while the student's tests run: whatever escapes them, the real PSI comes back."""
    from mlopslab.checks import lab10

    calls = []

    def raising(*sources):
        calls.append(_monitoring.psi.__code__ is _REAL_PSI_CODE)
        if len(calls) == 3:  # the second mutant is in place
            raise RuntimeError("a test that escaped pytest")
        return pd.DataFrame([{"test": "test_x", "outcome": "passed", "message": ""}])

    monkeypatch.setattr(continuous, "run_code_checks", raising)
    result = exercises.evaluate("10.ci_test", "def test_x():\n    pass\n")
    assert result.status == "error" and calls == [False, True, False]  # a mutant runs first, then the real PSI
    monkeypatch.undo()
    _psi_is_the_real_one()
    assert lab10._PSI is _REAL_PSI  # the check's own reference to the function is the module's


def test_ci_test_check_gives_nothing_to_tests_that_inspect_psi_or_remember_it(monkeypatch, tmp_path) -> None:
    """A reviewer's tests that never test PSI scored 2/2: one that remembers the first value it sees (the check ran the
    real PSI first), one that pins psi's bytecode (dis, or a hash of getattr(psi, "__code__")). The check refuses
    test source that inspects the function or writes to a module, runs a mutant first and the real PSI again last, and
    its mirror mutant (0 when a sample moves up) keeps one pinned value on one direction below full points."""
    from mlopslab.tools.grading import tamper

    monkeypatch.setattr(tamper, "scan", lambda source: [])  # the check's own defences, without the grader's scan
    head = "import pytest\nfrom mlopslab import data, monitoring\n"
    sample = "monitoring.psi([1.0] * 40 + [2.0] * 60, [1.0] * 80 + [2.0] * 20)"
    inspecting = {
        "__dict__": f"def test_memo():\n    now = {sample}\n"
                    "    assert now == monitoring.__dict__.setdefault('_first', now)\n",
        "dis": "import dis\n" + head + "def test_code():\n    assert dis.Bytecode(monitoring.psi).dis()\n",
        "hashlib": "import hashlib\n" + head + "def test_hash():\n"
                   "    assert hashlib.sha256(getattr(monitoring.psi, '__code__').co_code).hexdigest() == 'x'\n",
        "getattr": head + "def test_code():\n    assert getattr(monitoring.psi, 'func' + 'tools') is None\n",
        "__code__": head + "def test_code():\n    assert str(monitoring.psi) != '__code__'\n",
        "pytest.seen": head + f"def test_memo():\n    now = {sample}\n    pytest.seen = getattr(pytest, 'x', now)\n",
        "os.environ": "import os\n" + head + "def test_count():\n    os.environ['RUNS'] = 'x'\n",
        "co_code": head + "def test_code():\n    f = monitoring.psi\n    assert f.co_code\n",
        "subprocess": "import subprocess\n" + head + "def test_fresh():\n    assert subprocess.run(['true']).returncode == 0\n",
    }
    for what, source in inspecting.items():
        result = exercises.evaluate("10.ci_test", head + source if not source.startswith(("import", "from")) else source)
        assert (result.status, result.score) == ("wrong", 0) and what.split(".")[0] in result.message, (what, result)
    _psi_is_the_real_one()

    memo = tmp_path / "memo.txt"  # remembered outside the modules: the check's order catches it
    remembers = (head + "import pathlib\n"
                 f"def test_memo():\n    now = {sample}\n    path = pathlib.Path({str(memo)!r})\n"
                 "    if not path.exists():\n        path.write_text(repr(now))\n"
                 "    assert now == float(path.read_text())\n")
    for _ in range(3):  # the first mutant is drawn at random: a remembered value never earns full points
        memo.unlink(missing_ok=True)
        assert exercises.evaluate("10.ci_test", remembers).score < 1
    _psi_is_the_real_one()

    from mlopslab import data as _data

    reference, _ = _monitoring.champion_data(audited=True)
    june = _data.load_batch("2026-06")
    printed = round(_monitoring.psi(reference["MonthlyCharges"], june["MonthlyCharges"]), 3)  # lab 09 prints it
    source = (head + "def test_pinned():\n    reference, _ = monitoring.champion_data(audited=True)\n"
              "    june = data.load_batch('2026-06')\n"
              "    assert monitoring.psi(reference['MonthlyCharges'], june['MonthlyCharges']) == "
              f"pytest.approx({printed}, abs=1e-3)\n")
    result = exercises.evaluate("10.ci_test", source)
    assert (result.status, result.score) == ("wrong", 0) and "a PSI the monitor prints" in result.message, result
    typed_floor = (head + "import math\n\ndef test_empty_bin():\n    before, after = ['a'] * 50 + ['b'] * 50, ['a'] * 100\n"
                   "    by_hand = (1 - 0.5) * math.log(1 / 0.5) + (1e-4 - 0.5) * math.log(1e-4 / 0.5)\n"
                   "    assert monitoring.psi(before, after) == pytest.approx(by_hand)\n")
    result = exercises.evaluate("10.ci_test", typed_floor)  # right with the package's floor, typed instead of read
    assert (result.status, result.score) == ("wrong", 0) and "monitoring.EPSILON" in result.message, result
    _psi_is_the_real_one()
    assert _monitoring.EPSILON == 1e-4  # the variant's floor is put back


def test_ci_passes_a_clean_batch_and_stops_a_broken_one() -> None:
    batch = data.load_batch("2026-02")
    assert continuous.ci_check(batch)[0]
    broken = batch.copy()
    broken.loc[3, "tenure"] = -3
    ok, detail = continuous.ci_check(broken)
    assert not ok and "1 quarantined" in detail


def test_every_month_has_a_label_for_every_customer(frames) -> None:
    for month, frame in frames.items():
        assert len(frame) == len(data.load_batch(month)) and frame[data.TARGET].notna().all()


def test_the_recipe_never_trains_on_its_gate_months_and_names_december_right(frames) -> None:
    with pytest.raises(ValueError, match="both training and gate"):
        continuous.train_challenger(frames, ["2026-01", "2026-02"], ["2026-02"], threshold=0.3)
    late = continuous.train_challenger(frames, ["2026-08", "2026-09", "2026-10"], ["2026-11", "2026-12"], 0.3)
    assert late.name == "challenger-2027-01"  # a December gate month is followed by January, not month 13
    assert late.threshold == 0.3 and late.gate_months == ["2026-11", "2026-12"]
    assert late.data_version == lineage.data_version(late.reference)
    scores = continuous.on_months(late, continuous.gate_data(frames, late.gate_months))
    assert set(scores) == {"auc", "profit"} and 0.5 < scores["auc"] <= 1


def test_the_loop_refuses_a_plan_it_cannot_follow_with_a_value_error(frames) -> None:
    """Lab 10's loop reads the trigger's plan with plan_months and trains with train_challenger, and logs a
    ValueError as "plan refused": the lab's own wrong answers of 10.trigger (a month both trained on and gated) and a
    plan returned as a dict made the loop cell raise, and every later cell with it."""
    labelled = ["2026-01", "2026-02", "2026-03", "2026-04", "2026-05"]
    assert continuous.plan_months((("2026-03", "2026-01", "2026-02"), ["2026-05", "2026-04"]), labelled) == (
        ["2026-01", "2026-02", "2026-03"], ["2026-04", "2026-05"])
    refused = {
        "both training and gate": (labelled[-3:], labelled[-2:]),  # the second declared wrong answer
        "a pair": {"train": labelled[:3], "gate": labelled[3:]},  # the right months, as a dict
        "a pair .*not '2026-05'": "2026-05",
        "must be a list": ("2026-01", "2026-02"),  # a pair of months, not of lists
        "not one of the labelled months": (["2026-05"], ["2026-06"]),  # June's labels have not arrived
        "is empty": ([], []),  # the leaky answer's plan in January
    }
    for reason, plan in refused.items():
        with pytest.raises(ValueError, match=reason):
            continuous.plan_months(plan, labelled)
    with pytest.raises(ValueError, match="no labelled customers"):  # not a KeyError: the loop catches ValueError
        continuous.train_challenger(frames, ["2026-13"], ["2026-05"], threshold=0.3)


def test_the_monitor_sees_the_price_rise_and_needs_labels_for_performance(frames) -> None:
    june = continuous.labelled("2026-06")
    early = continuous.train_challenger(frames, ["2026-01", "2026-02"], ["2026-03"], threshold=0.3)
    alerts = continuous.monitor_month(early, june)
    assert {"kind": "data", "rule": "PSI MonthlyCharges"}.items() <= alerts[0].items()
    assert all(a["kind"] != "performance" for a in alerts)  # no labels of last month given: no performance alert
    may = frames["2026-05"]
    strict = policy.AlertRules(segment_gap=0.0)  # any calibration gap alerts
    lax = policy.GatePolicy(max_fairness_gap=1.0)  # no fairness alert
    kinds = {a["kind"] for a in continuous.monitor_month(early, june, may, early.score(may), strict, lax)}
    assert kinds == {"data", "performance"}


def test_remembered_scores_are_the_models_scores_for_that_content(frames, monkeypatch) -> None:
    import numpy as np
    from mlopslab import monitoring

    calls = []
    scored = monitoring.score
    monkeypatch.setattr(monitoring, "score", lambda model, frame: calls.append(len(frame)) or scored(model, frame))
    model = continuous.train_challenger(frames, ["2026-01", "2026-02"], ["2026-03"], threshold=0.3)
    other = continuous.train_challenger(frames, ["2026-04", "2026-05"], ["2026-06"], threshold=0.3)
    march = frames["2026-03"]
    first = model.score(march)
    np.testing.assert_array_equal(first, monitoring.score(model.pipeline, march))
    first[:] = -1  # the caller's copy: what is remembered stays intact
    before = len(calls)
    np.testing.assert_array_equal(model.score(data.load_batch("2026-03")), scored(model.pipeline, march))
    assert len(calls) == before, "the same customers (the batch without its labels) are not scored again"
    shuffled = march.sample(frac=1, random_state=0)  # the same customers in another order: scores in that order
    np.testing.assert_array_equal(model.score(shuffled), monitoring.score(model.pipeline, shuffled))
    changed = march.copy()
    changed["MonthlyCharges"] = changed["MonthlyCharges"] * 2  # other content: scored again, not remembered
    np.testing.assert_array_equal(model.score(changed), monitoring.score(model.pipeline, changed))
    assert not np.array_equal(model.score(changed), model.score(march))
    model.pipeline = other.pipeline  # another model: its own scores, nothing remembered from the first
    np.testing.assert_array_equal(model.score(march), monitoring.score(other.pipeline, march))


def test_the_monitor_applies_the_governed_fairness_rule_on_the_batch(frames) -> None:
    """As lab 09's monitor: the gate's rule (share contacted, no labels needed) at the model's threshold; fairness
    alerts come last, so the first alert of a month that plans a challenger is a data or performance one."""
    import numpy as np
    from mlopslab import monitoring

    june = frames["2026-06"]
    early = continuous.train_challenger(frames, ["2026-01", "2026-02"], ["2026-03"], threshold=0.3)
    gaps = monitoring.fairness_gaps(early.score(june) >= early.threshold, june[list(policy.GATE.sensitive_features)])
    strict = policy.GatePolicy(max_fairness_gap=0.0)
    alerts = continuous.monitor_month(early, june, fairness=strict)
    assert alerts[-1]["kind"] == "fairness" and alerts[0]["kind"] == "data"
    assert f"{max(gaps.values()):.3f} by {max(gaps, key=gaps.get)}" in alerts[-1]["detail"]
    lax = policy.GatePolicy(max_fairness_gap=1.0)
    assert all(a["kind"] != "fairness" for a in continuous.monitor_month(early, june, fairness=lax))
    by_recall = policy.GatePolicy(fairness_metric="recall", max_fairness_gap=0.0)  # waits for last month's labels
    assert all(a["kind"] != "fairness" for a in continuous.monitor_month(early, june, fairness=by_recall))
    may = frames["2026-05"]
    assert continuous.monitor_month(early, june, may, early.score(may), fairness=by_recall)[-1]["kind"] == "fairness"
    assert np.isfinite(early.reference_auc) and "gate months 2026-03" in early.reference_on


def test_value_figure_draws_each_strategy() -> None:
    import matplotlib.pyplot as plt
    import pandas as pd

    value = pd.DataFrame({"month": ["2026-01", "2026-02"], "a": [1.0, 2.0], "b": [1.0, 3.0]})
    fig = continuous.value_figure(value, ["2026-02"])
    assert [line.get_label() for line in fig.axes[0].get_lines()][:2] == ["a", "b"]
    plt.close(fig)
    fig = continuous.value_figure(value)  # no promotion: no promotion in the legend either
    assert "the loop promotes a challenger" not in [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    plt.close(fig)


# --- the checks of lab 10 ----------------------------------------------------------------------------------------

def _plan(alerts, labelled, rule=policy.PROMOTION):
    if not any(a["kind"] in rule.retrain_on for a in alerts):
        return None
    months = sorted(labelled)
    if len(months) < rule.window + rule.gate_months:
        return None
    return months[-rule.gate_months - rule.window:-rule.gate_months], months[-rule.gate_months:]


def test_trigger_check_rewards_the_rule_and_catches_typed_numbers_and_leaks() -> None:
    assert exercises.evaluate("10.trigger", _plan).status == "correct"

    def typed(alerts, labelled, rule=policy.PROMOTION):
        months = sorted(labelled)
        if not alerts or len(months) < 5:
            return None
        return months[-5:-2], months[-2:]

    def leaky(alerts, labelled, rule=policy.PROMOTION):
        months = sorted(labelled)
        return (months[-rule.window:], months[-rule.gate_months:]) if alerts else None

    assert exercises.evaluate("10.trigger", typed).score < 1
    result = exercises.evaluate("10.trigger", leaky)
    assert result.score < 1 and "both in training and in the gate" in result.message
    assert exercises.evaluate("10.trigger", lambda alerts, labelled, rule=None: None).status == "unanswered"


@pytest.mark.parametrize("form", [
    lambda new, old, rule: new["profit"] - old["profit"] > rule.min_gain
    and old["auc"] - new["auc"] <= rule.max_auc_drop,
    lambda new, old, rule: new["profit"] > old["profit"] + rule.min_gain
    and new["auc"] >= old["auc"] - rule.max_auc_drop,
    lambda new, old, rule: new["profit"] - old["profit"] > rule.min_gain
    and round(old["auc"] - new["auc"], 4) <= rule.max_auc_drop,
])
def test_promotion_check_has_no_float_trap(form) -> None:
    """Every natural way of writing the rule gets full marks: no case sits exactly on a floating-point limit."""
    assert exercises.evaluate("10.promotion_policy", form).status == "correct"


def test_promotion_check_needs_the_rule_not_its_numbers() -> None:
    def typed(new, old, rule=policy.PROMOTION):
        return new["profit"] > old["profit"] and new["auc"] >= old["auc"] - 0.02

    def profit_only(new, old, rule=policy.PROMOTION):
        return new["profit"] > old["profit"]

    assert exercises.evaluate("10.promotion_policy", typed).score < 1
    assert exercises.evaluate("10.promotion_policy", profit_only).score < 1


def test_promotion_check_gives_a_constant_answer_nothing() -> None:
    """Partial credit only for the governed rule right on all its cases; a constant misses some of them."""
    for constant in (False, True):
        result = exercises.evaluate("10.promotion_policy", lambda new, old, rule=policy.PROMOTION, c=constant: c)
        assert result.status == "wrong" and result.score == 0, constant

    def typed(new, old, rule=policy.PROMOTION):  # the governed rule, its numbers typed in: other rules' cases fail
        return new["profit"] > old["profit"] and new["auc"] >= old["auc"] - 0.02

    assert 0 < exercises.evaluate("10.promotion_policy", typed).score <= 0.5


def test_trigger_check_gives_nothing_to_an_answer_that_skips_part_of_the_rule() -> None:
    """Each part (the plan, the alert kinds, the wait for labels) counts on its own; the weakest part's share is the
    score, so None nearly always, or a plan on any alert, earns nothing."""
    def none_mostly(alerts, labelled, rule=policy.PROMOTION):
        months = sorted(labelled)
        return (months[:3], months[3:]) if len(months) == 5 else None

    def any_alert(alerts, labelled, rule=policy.PROMOTION):
        return _plan([{"kind": rule.retrain_on[0]}] if alerts else [], labelled, rule)

    def unsorted(alerts, labelled, rule=policy.PROMOTION):  # forgets to sort: one plan case missed, a partial score
        if not any(a["kind"] in rule.retrain_on for a in alerts) or len(labelled) < rule.window + rule.gate_months:
            return None
        return labelled[-rule.gate_months - rule.window:-rule.gate_months], labelled[-rule.gate_months:]

    for skips in (none_mostly, any_alert):
        result = exercises.evaluate("10.trigger", skips)
        assert result.status == "wrong" and result.score == 0, skips.__name__
    assert 0.5 <= exercises.evaluate("10.trigger", unsorted).score < 1


def _promote(client, name, version):
    """Lab 10's reference answer to 10.promote, from the lab's source."""
    return defined("10", "10.promote", "promote", {})(client, name, version)


def _roll_back(client, name):
    """Lab 10's reference answer to 10.rollback, from the lab's source."""
    return defined("10", "10.rollback", "roll_back", {"continuous": continuous})(client, name)


def test_lifecycle_in_the_registry_and_the_registry_checks(monkeypatch, frames) -> None:
    monkeypatch.setenv("MLFLOW_TRACKING_URI", fresh_store("continuous"))
    config.setup_tracking()  # mlflow keeps the last URI process-wide: point it at this test's store
    name = "churn-lifecycle-test"
    start = continuous.start_lifecycle(name)
    assert registry.alias_version("champion", name) == start.version and start.threshold > 0
    # lab 09's yardstick: the reference AUC on the hold-out months' audited outcomes, not their recorded labels
    from mlopslab import monitoring
    from sklearn.metrics import roc_auc_score

    _, audited = monitoring.champion_data(audited=True)
    _, recorded = monitoring.champion_data()
    on_audited = roc_auc_score(audited[data.TARGET] == "Yes", start.score(audited))
    assert start.reference_auc == pytest.approx(on_audited, abs=1e-4) and "audited" in start.reference_on
    assert start.reference_auc > roc_auc_score(recorded[data.TARGET] == "Yes", start.score(recorded))
    assert start.threshold == monitoring.governed_threshold("champion", name)
    challenger = continuous.train_challenger(frames, ["2026-02", "2026-03", "2026-04"], ["2026-05", "2026-06"],
                                             threshold=start.threshold)
    exam = continuous.gate_data(frames, challenger.gate_months)
    decision = validation.gate(challenger.pipeline, exam, policy.GATE, threshold=challenger.threshold)
    assert decision.passed
    version = continuous.register_challenger(name, challenger, exam, decision, "a test")
    tags = registry.client().get_model_version(name, version).tags
    assert tags[lineage.TAG] == challenger.data_version and tags["gate"] == "passed"
    assert tags["train_months"] == "2026-02,2026-03,2026-04" and float(tags[policy.THRESHOLD.tag]) == start.threshold
    assert registry.alias_version("challenger", name) == version
    continuous.log_scoring(name, "2026-07", version, frames["2026-07"], challenger.score(frames["2026-07"]), 0.3)
    table = continuous.lineage_table(name)
    assert list(table["month"]) == ["2026-07"] and table["version"].iloc[0] == version
    assert continuous.start_lifecycle(name).version == start.version  # a re-run starts from the same version

    assert exercises.evaluate("10.promote", _promote).status == "correct"
    assert exercises.evaluate("10.promote", lambda c, n, v: c.set_registered_model_alias(n, "champion", v)).score < 1
    assert exercises.evaluate("10.promote", lambda c, n, v: None).status == "unanswered"
    assert exercises.evaluate("10.rollback", _roll_back).status == "correct"

    def one_back(client, name):
        target = str(int(client.get_model_version_by_alias(name, "champion").version) - 1)
        client.set_registered_model_alias(name, "champion", target)
        return target

    assert exercises.evaluate("10.rollback", one_back).score < 1

    def asserting(client, name, version):  # refuses, but with an AssertionError/KeyError, not the ValueError asked
        assert client.get_model_version(name, version).tags["gate"] == "passed"
        return _promote(client, name, version)

    result = exercises.evaluate("10.promote", asserting)
    assert result.status == "partial" and "ValueError" in result.message and "AssertionError" in result.message

    def ignores_incident(client, name):
        versions = client.search_model_versions(f"name='{name}'")
        promoted = [v for v in versions if continuous.PROMOTED_TAG in v.tags]
        starts = [v for v in versions if v.tags.get(continuous.START_TAG) == "true"]
        target = max(promoted or starts, key=lambda v: int(v.version))
        client.set_registered_model_alias(name, "champion", target.version)
        return str(target.version)

    def deletes_the_broken_version(client, name):
        for v in client.search_model_versions(f"name='{name}'"):
            if "incident" in v.tags:
                client.delete_model_version(name, v.version)
        return ignores_incident(client, name)

    result = exercises.evaluate("10.rollback", ignores_incident)
    assert result.score == 0 and "incident" in result.message
    result = exercises.evaluate("10.rollback", deletes_the_broken_version)
    assert result.score == 0 and "deletes nothing" in result.message


def _answer_auditor(client, name, month):
    """Lab 10's reference answer to 10.lineage, from the lab's source."""
    import mlflow

    return defined("10", "10.lineage", "answer_auditor", {"mlflow": mlflow, "lineage": lineage})(client, name, month)


def test_lineage_check_runs_the_query_on_a_store_of_its_own(monkeypatch) -> None:
    """The auditor's function answers for the check's scratch model and runs: a month scored twice, another model's
    run of the same month and a training run are decoys; the package's readers of the scoring runs are refused; the
    scratch runs and model are gone afterwards."""
    import mlflow

    monkeypatch.setenv("MLFLOW_TRACKING_URI", fresh_store("continuous-lineage"))
    config.setup_tracking()
    assert exercises.evaluate("10.lineage", _answer_auditor).status == "correct"
    assert exercises.evaluate("10.lineage", lambda client, name, month: None).status == "unanswered"

    def any_model(client, name, month):  # the month's newest scoring run, whichever model it scored
        runs = mlflow.search_runs(filter_string=f"tags.step = 'scoring' and tags.month = '{month}'")
        version = runs["tags.model.version"].iloc[0]
        tags = client.get_model_version(name, version).tags
        return {"run_id": runs["run_id"].iloc[0], "version": version, "train_months": tags["train_months"].split(","),
                "data_version": tags[lineage.TAG]}

    def by_the_package(client, name, month):
        version = continuous.lineage_table(name).set_index("month").loc[month, "version"]
        tags = client.get_model_version(name, version).tags
        return {"run_id": "", "version": version, "train_months": tags["train_months"].split(","),
                "data_version": tags[lineage.TAG]}

    def the_batch_data(client, name, month):  # the scored batch's data version, not the training data's
        runs = mlflow.search_runs(filter_string=f"tags.step = 'scoring' and tags.month = '{month}' and "
                                                f"tags.`model.name` = '{name}'")
        return {**_answer_auditor(client, name, month), "data_version": runs[f"tags.{lineage.TAG}"].iloc[0]}

    def no_step(client, name, month):  # the month's newest run for the model, whatever its step
        runs = mlflow.search_runs(filter_string=f"tags.month = '{month}' and tags.`model.name` = '{name}'")
        return _answer_auditor(client, name, month) | {"run_id": runs["run_id"].iloc[0],
                                                       "version": runs["tags.model.version"].iloc[0]}

    assert exercises.evaluate("10.lineage", any_model).score == 0
    assert exercises.evaluate("10.lineage", no_step).score == 0  # a training run is each month's newest
    result = exercises.evaluate("10.lineage", by_the_package)
    assert result.score == 0 and "continuous.lineage_table" in result.message
    result = exercises.evaluate("10.lineage", the_batch_data)
    assert result.status == "partial" and "training data" in result.message
    assert mlflow.search_runs(filter_string="tags.lifecycle = 'lab10'").empty
    assert not registry.client().search_registered_models()
