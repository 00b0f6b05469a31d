"""The grader: a fixture class of broken, honest and tampering lab-00 submissions grades exactly as expected."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from pathlib import Path

import psutil
import pytest
from grading_fixtures import EXPECTED, IDS, PARTIAL_CHURN, UNGRADABLE, build_class, copy_solved
from mlopslab import exercises
from mlopslab.tools import answers, notebooks
from mlopslab.tools.grading import assemble, batch, collect, command, execute, tamper
from nbformat.v4 import new_code_cell, new_notebook

LIMITS = ["--timeout", "3", "--lab-cell-timeout", "120", "--notebook-timeout", "180", "--memory-mb", "600"]


def grade_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "mlopslab", "grade", *args], capture_output=True, text=True,
                          timeout=600, check=False)


def read_csv(path: Path) -> list[dict[str, str]]:
    with open(path, newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


@pytest.fixture(scope="module")
def graded(tmp_path_factory) -> dict:
    """The fixture class, graded twice through the CLI (the second run must skip everything)."""
    root = tmp_path_factory.mktemp("grading")
    subs, out = build_class(root), root / "out"
    args = [str(subs), "--out", str(out), "--workers", "2", "--extra-checks", str(root / "extra_checks.py"), *LIMITS]
    first = grade_cli(*args)
    assert first.returncode == 0, first.stdout + first.stderr
    gradebook_before = (out / "gradebook.csv").read_text(encoding="utf-8")
    (subs / "stray" / "notes.ipynb").write_text('{"cells": [], "metadata": {"changed": true}}', encoding="utf-8")
    second = grade_cli(*args)
    return {"root": root, "subs": subs, "out": out, "first": first, "second": second,
            "gradebook_before": gradebook_before}


def test_every_submission_has_its_expected_grade(graded) -> None:
    rows = read_csv(graded["out"] / "results.csv")
    problems = []
    for student, (_, _, expected) in EXPECTED.items():
        got = {r["exercise"]: (float(r["points"]), r["status"]) for r in rows if r["student"] == student}
        for exercise_id in IDS:
            if got.get(exercise_id) != (float(expected[exercise_id][0]), expected[exercise_id][1]):
                message = next((r["message"] for r in rows if r["student"] == student and r["exercise"] == exercise_id), "")
                problems.append(f"{student} {exercise_id}: got {got.get(exercise_id)}, "
                                f"expected {expected[exercise_id]} ({message})")
    assert not problems, "\n".join(problems)


def test_lab_status_and_reason_per_student(graded) -> None:
    results = {}
    for path in (graded["out"] / "results").glob("*/*.json"):
        data = json.loads(path.read_text(encoding="utf-8"))
        results[data["student"]] = data
    for student, (status, phrase, _) in EXPECTED.items():
        assert results[student]["status"] == status, (student, results[student]["reason"])
        assert phrase in results[student]["reason"] + " ".join(results[student]["notes"]), (student, results[student])


def test_gradebook_has_a_row_per_student_with_totals(graded) -> None:
    book = {r["student"]: r for r in read_csv(graded["out"] / "gradebook.csv")}
    assert set(book) == set(EXPECTED) | set(UNGRADABLE)
    for student, (status, _, expected) in EXPECTED.items():
        total = sum(points for points, _ in expected.values())
        assert float(book[student]["lab 00"]) == total == float(book[student]["total"]), student
        assert book[student]["lab 00 status"] == status
        assert book[student]["max"] == "3.5"
        for exercise_id in IDS:
            assert float(book[student][exercise_id]) == expected[exercise_id][0]
    assert book["complete"]["problems"] == ""
    assert "kernel-died" in book["kernel_crash"]["problems"] and "exit code 3" in book["kernel_crash"]["problems"]
    assert book["tamper_check"]["problems"] == "00: flagged for review: 00.yearly_value"


def test_an_unidentifiable_file_is_a_row_with_a_reason(graded) -> None:
    rows = [r for r in read_csv(graded["out"] / "results.csv") if r["student"] == "stray"]
    status, phrase = UNGRADABLE["stray"]
    assert any(r["status"] == status and phrase in r["message"] and r["exercise"] == "" for r in rows), rows
    assert {r["status"] for r in rows if r["exercise"]} == {"missing"}  # and lab 00 counts as not handed in


def test_messages_say_what_went_wrong(graded) -> None:
    messages = {(r["student"], r["exercise"]): r["message"] for r in read_csv(graded["out"] / "results.csv")}
    assert "SyntaxError" in messages["syntax_error_sys_exit", "00.churn_rate"]
    assert "SystemExit: bye" in messages["syntax_error_sys_exit", "00.lead_persona"]
    assert "ran longer than 3 s" in messages["infinite_loops", "00.churn_rate"]
    assert "checking your answer took longer" in messages["infinite_loops", "00.yearly_value"]
    assert "missing" in messages["edited_deleted", "00.yearly_value"]
    assert "_REGISTRY" in messages["tamper_registry", "00.churn_rate"]
    assert "fresh re-check gave 0/1" in messages["tamper_registry", "00.churn_rate"]
    assert "redefines 'check'" in messages["tamper_check", "00.yearly_value"]
    assert "not valid JSON" in messages["invalid_json", "00.churn_rate"]
    assert "not graded: the kernel died in cell" in messages["kernel_crash", "00.yearly_value"]
    assert "Right" in messages["complete", "00.churn_rate"]


def test_second_run_skips_unchanged_submissions(graded) -> None:
    second = graded["second"]
    assert second.returncode == 0, second.stderr
    progress = [line for line in second.stdout.splitlines() if line.startswith("[")]
    regraded = [line for line in progress if "skipped (unchanged)" not in line]
    assert len(progress) == len(EXPECTED) + len(UNGRADABLE), second.stdout
    # only the changed file; a grader error (never cached) in the first run would be graded again: show that run too
    assert len(regraded) == 1 and "stray" in regraded[0], f"second run:\n{second.stdout}\nfirst run:\n{graded['first'].stdout}"
    assert (graded["out"] / "gradebook.csv").read_text(encoding="utf-8") == graded["gradebook_before"]


def test_pages_are_written_and_readable(graded) -> None:
    out = graded["out"]
    page = (out / "feedback" / "syntax_error_sys_exit.html").read_text(encoding="utf-8")
    assert "SyntaxError" in page and "your exercise cell" in page and "churn_rate = (customers" in page
    assert "The churn rate, unrounded" in page  # the hidden check has its own row
    assert "00.1 — The churn rate of month-to-month customers" in page  # the number and title the lab's heading shows
    summary = (out / "summary.html").read_text(encoding="utf-8")
    assert "<svg" in summary and "kernel_crash" in summary and "tamper_registry" in summary
    assert "00.3 (00.yearly_value)" in summary  # an exercise's number, then its id
    assert len(list((out / "feedback").glob("*.html"))) == len(EXPECTED) + len(UNGRADABLE)
    assert (out / "executed" / "complete" / "00_welcome.ipynb").is_file()


def test_self_grading_prints_the_instructors_score(tmp_path) -> None:
    mine = copy_solved(tmp_path / "00_welcome.ipynb", churn_rate=PARTIAL_CHURN)
    proc = grade_cli("--self", str(mine), "--timeout", "30")
    assert proc.returncode == 1, proc.stdout + proc.stderr  # not every exercise is correct: CI sees a failure
    lines = proc.stdout.splitlines()
    assert any(line.startswith("00.churn_rate") and "0.5/1" in line and "partial" in line for line in lines), proc.stdout
    assert any(line.startswith("total") and "2.5/3" in line for line in lines), proc.stdout
    assert "in the grading sandbox" in proc.stdout and "extra checks" in proc.stdout


def test_self_grading_as_json_for_ci(tmp_path) -> None:
    mine = copy_solved(tmp_path / "00_welcome.ipynb")
    proc = grade_cli("--self", str(mine), "--json")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    result = json.loads(proc.stdout)
    assert result["complete"] is True and result["points"] == result["max_points"] > 0
    assert {e["status"] for e in result["exercises"]} == {"correct"} and result["extra_checks_included"] is False


def test_bad_input_is_a_clear_error(tmp_path) -> None:
    proc = grade_cli(str(tmp_path / "nowhere"), "--out", str(tmp_path / "out"))
    assert proc.returncode == 2 and "no submissions folder" in proc.stderr
    bad = tmp_path / "extra.py"
    bad.write_text("from mlopslab.tools.grading.hidden import hidden_check\n"
                   "hidden_check('00.hidden', of='00.nope')(lambda answer, **_: None)\n")
    (tmp_path / "subs").mkdir()
    proc = grade_cli(str(tmp_path / "subs"), "--out", str(tmp_path / "out"), "--extra-checks", str(bad))
    assert proc.returncode == 2 and "declares no exercise '00.nope'" in proc.stderr
    proc = grade_cli("--self", str(tmp_path / "missing.ipynb"))
    assert proc.returncode == 2 and "no notebook at" in proc.stderr


def test_notebook_time_limit_kills_a_slow_notebook(tmp_path) -> None:
    nb = new_notebook(cells=[new_code_cell("x = 1", id="a"), new_code_cell("import time\ntime.sleep(60)", id="b")])
    limits = execute.Limits(cell_timeout=30, notebook_timeout=4, memory_mb=2048)
    outcome = execute.execute(nb, tmp_path / "work", limits)
    assert outcome.status == "timeout" and "cell 1 (id b)" in outcome.reason, outcome


def test_tamper_scan_flags_rebinding_not_use() -> None:
    assert tamper.scan("display(df.head())\nprint(df.shape)\nrate = df.mean()") == []
    assert tamper.scan("%time x = 1\nrate = 0.2") == []
    assert tamper.scan("check = lambda *a: None")
    assert tamper.scan("from mlopslab import exercises\nexercises.evaluate = None")
    assert tamper.scan("import sys\nsys.modules['x'] = 1")
    assert tamper.scan("get_ipython().display_formatter = None")


@pytest.mark.parametrize("source", ["x = 1\x00", "-" * 1_000_000 + "1", "x = " + " + ".join(["1"] * 200_000),
                                    "[" * 5000 + "]" * 5000])
def test_source_the_parser_cannot_read_is_not_a_grader_error(source) -> None:
    """The grader reads each exercise cell outside the kernel (tamper scan, bound names): a source Python's parser
    gives up on (MemoryError, RecursionError) must leave that to the kernel, not fail the whole submission."""
    assert tamper.scan(source) == []
    assert assemble.bound_names(source) == set() and assemble.context_names(source) == set()


@pytest.mark.parametrize("damage", ["metadata", "mlopslab", "exercise", "cell", "tags"])
def test_a_malformed_cell_is_the_submissions_problem_not_the_graders(damage, tmp_path) -> None:
    """A submission whose cells were pasted (new ids: the grader looks for exercise cells by their metadata) and
    one of whose cells has metadata of the wrong type: that cell counts for nothing, never an exception."""
    lab = notebooks.lab_paths(["00"])[0]
    nb = json.loads(json.dumps(answers.filled(lab, "solution")))
    for cell in nb["cells"]:
        cell["id"] = "pasted-" + cell["id"]
    first = 0
    if damage == "cell":
        nb["cells"][first] = 5
    elif damage == "metadata":
        nb["cells"][first]["metadata"] = "x"
    elif damage == "mlopslab":
        nb["cells"][first]["metadata"]["mlopslab"] = ["x"]
    elif damage == "exercise":
        nb["cells"][first]["metadata"]["mlopslab"] = {"exercise": ["00.churn_rate"]}
    else:
        nb["cells"][first]["metadata"]["tags"] = 7
    (tmp_path / "sub.ipynb").write_text(json.dumps(nb), encoding="utf-8")
    built = assemble.assemble(lab, assemble.read_submission(tmp_path / "sub.ipynb"))
    assert not built.missing and all(built.sources.values()), built.missing


def test_lab_is_found_from_name_or_contents(tmp_path) -> None:
    labs = {"00": Path("labs/00_welcome.ipynb")}
    unnamed = tmp_path / "homework.ipynb"
    unnamed.write_text(json.dumps({"cells": [{"metadata": {"mlopslab": {"exercise": "00.churn_rate"}}}]}))
    assert collect.lab_of(unnamed, labs) == "00"
    for name in ["00_welcome.ipynb", "lab00.ipynb", "Lab_00 (1).ipynb", "x__00_welcome.ipynb"]:
        assert collect.lab_of(tmp_path / name, labs) == "00", name
    assert collect.lab_of(tmp_path / "42_future.ipynb", labs) is None


def test_memory_cap_counts_child_processes_and_kills_the_tree(tmp_path) -> None:
    spawn = ("import subprocess, sys, time\n"
             "children = [subprocess.Popen([sys.executable, '-c', 'x = bytearray(300 * 2**20); import time; "
             "time.sleep(120)']) for _ in range(3)]\n"
             "time.sleep(120)")
    nb = new_notebook(cells=[new_code_cell(spawn, id="spawn")])
    limits = execute.Limits(cell_timeout=150, lab_cell_timeout=150, notebook_timeout=150, memory_mb=600)
    outcome = execute.execute(nb, tmp_path / "work", limits)
    assert outcome.status == "memory" and "over the cap of 600 MB" in outcome.reason, outcome
    leftovers = [p for p in psutil.process_iter(["cmdline"]) if "bytearray(300" in " ".join(p.info["cmdline"] or [])]
    assert not leftovers, leftovers


LABS_WITH_SOLUTIONS = [p for p in notebooks.lab_paths() if notebooks.lab_number(p) != "00"]


@pytest.mark.skipif(not os.environ.get("MLOPSLAB_GRADE_EVERY_LAB"),
                    reason="slow (a full run of every lab): set MLOPSLAB_GRADE_EVERY_LAB=1")
@pytest.mark.parametrize("lab_path", LABS_WITH_SOLUTIONS, ids=lambda p: p.stem)
def test_reference_solutions_get_full_marks_without_flags(lab_path, tmp_path) -> None:
    lab = notebooks.lab_number(lab_path)
    submitted = tmp_path / lab_path.name
    notebooks.write(answers.filled(lab_path, "solution"), submitted)
    limits = execute.Limits(cell_timeout=300, notebook_timeout=1200)
    grade = batch.grade_submission(collect.Submission("reference", lab, submitted), lab_path, batch.Settings(limits))
    assert grade.status == "ok", grade.reason
    checked = [e for e in grade.exercises if e.kind != "written"]  # written answers wait for a person (test_term_lms)
    assert [(e.exercise, e.status) for e in checked if e.status != "correct"] == []
    assert sum(e.points for e in checked) == sum(ex.points for ex in exercises.exercises_of(lab).values())
    assert grade.points == sum(e.points for e in checked)


def test_self_grading_restores_cells_from_the_lab_as_committed_in_git(tmp_path) -> None:
    lab_path = notebooks.lab_paths(["00"])[0]
    reference, note = command.committed_lab(lab_path, tmp_path)
    committed = subprocess.run(["git", "-C", str(lab_path.parents[1]), "show", "HEAD:labs/00_welcome.ipynb"],
                               capture_output=True, check=True).stdout
    assert note == "" and reference != lab_path and reference.read_bytes() == committed


@pytest.mark.parametrize("kind", ["solution", "wrong"])
def test_not_running_the_cells_after_the_last_recheck_changes_no_grade(tmp_path, kind) -> None:
    from mlopslab.tools.grading import assemble, score

    lab = notebooks.lab_paths(["02"])[0]
    submission = json.loads(json.dumps(answers.filled(lab, kind)))
    grades, trailing_run = {}, {}
    for skip in (True, False):
        built = assemble.assemble(lab, submission)
        trailing = [c for c in built.nb.cells if "skip-execution" in c.metadata.get("tags", [])]
        assert trailing, "lab 02 has code after its last check (the test needs some)"
        if not skip:
            for cell in trailing:
                cell.metadata["tags"].remove("skip-execution")
        outcome = execute.execute(built.nb, tmp_path / f"skip-{skip}", lab="02")
        trailing_run[skip] = {c.id for c in trailing} & outcome.executed
        grades[skip] = [(g.exercise, g.status, g.points, g.message)
                        for g in score.score(built.nb, built, outcome, exercises.exercises_of("02"), {}, 60)]
    assert not trailing_run[True] and trailing_run[False], trailing_run
    assert grades[True] == grades[False]
    statuses = {status for _, status, _, _ in grades[True]}
    assert statuses == {"correct"} if kind == "solution" else statuses <= {"wrong", "partial"}, grades[True]
