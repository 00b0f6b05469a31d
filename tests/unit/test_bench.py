"""The benchmark's bookkeeping: ratios, the report, and that a failed run is a failure, not a figure."""

from __future__ import annotations

import subprocess
from pathlib import Path

from mlopslab.tools import bench

LAB = "00_welcome"


def result(**changes) -> dict:
    base = {"machine": {"cores": 2}, "labs": [LAB],
            "floor": {"seconds": 100.0, "labs": {LAB: {"seconds": 100.0, "peak_mb": 1, "exit": 0}}},
            "naive": {"seconds": 150.0, "labs": {LAB: {"seconds": 150.0, "exit": 0}}},
            "run": {"seconds": 40.0, "exit": 0, "labs": {LAB: {"status": "ok", "seconds": 40.0, "peak_mb": 300}}},
            "run_cold": {"seconds": 60.0, "exit": 0, "labs": {LAB: {"status": "ok", "seconds": 60.0, "peak_mb": 300}}},
            "sandbox": {"lab": LAB, "repeats": 3, "sandboxed_seconds": 5.5, "unsandboxed_seconds": 5.0,
                        "cost_seconds": 0.5, "exit": 0},
            "grading": {"students": 30, "notebooks": 30, "seconds": 900.0, "exit": 0, "per_minute": 2.0},
            "pytest": {"seconds": 150.0, "exit": 0, "summary": "1 passed"}}
    base.update(changes)
    base["ratios"] = bench.ratios(base)
    return base


def test_ratios_and_report() -> None:
    r = result()
    assert r["ratios"] == {"run/floor": 0.4, "run cold kernels/floor": 0.6, "run/naive": 0.27,
                           "grading/(students x floor)": 0.3, "pytest/floor": 1.5}
    text = bench.report(r)
    assert "run/floor = 0.4" in text and LAB in text and "sandbox cost per notebook" in text


def test_a_failed_run_is_reported() -> None:
    assert bench.failures(result()) == []
    broken = result(run={"seconds": 1.0, "exit": 1, "labs": {LAB: {"status": "failed", "seconds": 1.0, "peak_mb": 0}}})
    assert bench.failures(broken) == ["run: mlopslab run exited 1", f"run: {LAB} did not run ok"]


def test_the_run_table_is_read_back() -> None:
    stdout = "lab  status  seconds  peak MB\n---\n00_welcome  ok  3.2  250\n01_x  failed  1.0  0\nFAILED 01_x: boom\n"
    assert bench._table(stdout) == {"00_welcome": {"status": "ok", "seconds": 3.2, "peak_mb": 250},
                                    "01_x": {"status": "failed", "seconds": 1.0, "peak_mb": 0}}


def test_sandboxed_and_unsandboxed_gradebooks_must_agree() -> None:
    grading = {"students": 2, "notebooks": 24, "seconds": 90.0, "exit": 0, "per_minute": 16.0,
               "unsandboxed_seconds": 80.0, "unsandboxed_exit": 0, "same_gradebook": True}
    assert bench.failures(result(grading=grading)) == []
    assert "gradebook identical to the sandboxed one" in bench.report(result(grading=grading))
    differ = {**grading, "same_gradebook": False}
    assert bench.failures(result(grading=differ)) == ["the sandboxed and unsandboxed gradebooks differ"]


def test_the_ratios_use_the_mean_of_the_floor_at_the_start_and_at_the_end() -> None:
    end = {"seconds": 140.0, "labs": {LAB: {"seconds": 140.0, "peak_mb": 1, "exit": 0}}}
    r = result(floor_end=end)
    assert bench.floor_seconds(r) == 120.0
    assert r["ratios"]["run/floor"] == round(40 / 120, 2) and r["ratios"]["pytest/floor"] == 1.25
    assert "again at the end: 140.0 s; the ratios use the mean, 120.0 s" in bench.report(r)
    failed = result(floor_end={**end, "labs": {LAB: {"seconds": 1.0, "peak_mb": 1, "exit": 1}}})
    assert bench.failures(failed) == [f"floor_end: {LAB} exited 1"]


def test_a_failed_pytest_stage_keeps_the_end_of_its_output(tmp_path) -> None:
    failing = tmp_path / "test_fails.py"
    failing.write_text("def test_fails():\n    assert 1 + 1 == 3, 'a reason only the traceback gives'\n")
    found = bench.pytest_suite(str(failing), "-n", "0", "-p", "no:nbval", "-o", "addopts=")
    assert found["exit"] == 1 and found["failures"], found
    assert "a reason only the traceback gives" in found["output_end"]
    assert len(found["output_end"]) <= bench.OUTPUT_KEPT


def test_pytest_time_is_counted_per_test_file() -> None:
    lines = ["12.50s call     tests/labs/test_exercises.py::TestLab10::test_reference_solutions_pass",
             "3.00s setup    tests/labs/test_exercises.py::TestLab10::test_reference_solutions_pass",
             "0.25s teardown tests/unit/test_scrum.py::test_plan",
             "40.00s call     labs/05_model_development_tracking.ipynb::Cell 3",
             "(12 durations < 0.005s hidden.  Use -vv to show these durations.)",
             "855 passed, 13 skipped in 430.70s (0:07:10)"]
    assert bench.durations_by_file(lines) == {"labs/05_model_development_tracking.ipynb": 40.0,
                                              "tests/labs/test_exercises.py": 15.5, "tests/unit/test_scrum.py": 0.2}


def test_the_pytest_stage_says_where_its_time_went(tmp_path) -> None:
    passing = tmp_path / "test_passes.py"
    passing.write_text("import time\n\ndef test_waits():\n    time.sleep(0.3)\n")
    found = bench.pytest_suite(str(passing), "-n", "0", "-p", "no:nbval", "-o", "addopts=")
    assert found["exit"] == 0 and [Path(f).name for f in found["by_file"]] == [passing.name], found
    assert found["busy_seconds"] >= 0.3


def test_a_failed_run_stage_keeps_the_runners_message(tmp_path, monkeypatch) -> None:
    said = "11_capstone_sprint failed in cell 'plan': OperationalError: database is locked\n"

    def failing_run(cmd, **kwargs):
        assert cmd[1:4] == ["-m", "mlopslab", "run"], cmd
        return subprocess.CompletedProcess(cmd, 1, stdout="x" * (2 * bench.OUTPUT_KEPT) + said, stderr="")

    monkeypatch.setattr(bench.subprocess, "run", failing_run)
    found = bench.run_command([Path("11_capstone_sprint.ipynb")], tmp_path, "warm")
    assert found["exit"] == 1 and found["output_end"].endswith(said)
    assert len(found["output_end"]) == bench.OUTPUT_KEPT
    monkeypatch.setattr(bench.subprocess, "run", lambda cmd, **kw: subprocess.CompletedProcess(cmd, 0, "", ""))
    assert "output_end" not in bench.run_command([Path("11_capstone_sprint.ipynb")], tmp_path, "warm")
