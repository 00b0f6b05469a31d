"""Grading shares each lab's prefix (mlopslab.tools.prefix): same grades, nothing shared between students."""

from __future__ import annotations

import json

import nbformat
import pytest
from mlopslab import exercises
from mlopslab.tools import answers, confine, notebooks, prefix, sandbox
from mlopslab.tools.grading import assemble, execute, score

pytestmark = pytest.mark.skipif(not (confine.available() and sandbox.bwrap()),
                                reason="shared prefixes need the warm grading sandbox (bubblewrap, Landlock 6)")


def _submission(lab: str, kind: str = "solution", first_exercise: str | None = None) -> dict:
    nb = answers.filled(notebooks.lab_paths([lab])[0], kind)
    if first_exercise is not None:
        next(c for c in nb.cells if notebooks.exercise_id(c)).source = first_exercise
    return json.loads(nbformat.writes(nb))


def _graded(lab: str, submission: dict, workdir, share: bool, monkeypatch):
    monkeypatch.setenv("MLOPSLAB_SHARE_PREFIX", "1" if share else "0")
    path = notebooks.lab_paths([lab])[0]
    built = assemble.assemble(path, submission)
    outcome = execute.execute(built.nb, workdir, sandboxed=True, lab=lab, lab_path=path)
    grades = [(g.exercise, g.status, g.points, g.message)
              for g in score.score(built.nb, built, outcome, exercises.exercises_of(lab), {}, 60)]
    return built.nb, outcome, grades


def _prefix_ids(nb) -> set[str]:
    return {c.id for c in nb.cells[:prefix.prefix_length(nb)] if c.cell_type == "code"}


def _printed(nb, marker: str) -> str:
    return "".join(o.get("text", "") for c in nb.cells for o in c.get("outputs", []) if marker in o.get("text", ""))


# 09: starts from a seeded tracking store, reads data and fits in its prefix; 10: its prefix also keeps the values
# a re-check takes as context (a grader snapshot cell), and registers models in the store
@pytest.mark.parametrize(("lab", "kind"), [("09", "solution"), ("09", "wrong"), ("10", "wrong")])
def test_a_shared_prefix_gives_the_same_grades_and_the_committed_outputs(tmp_path, monkeypatch, lab, kind) -> None:
    submission = _submission(lab, kind)
    shared_nb, shared, shared_grades = _graded(lab, submission, tmp_path / "shared", True, monkeypatch)
    whole_nb, whole, whole_grades = _graded(lab, submission, tmp_path / "whole", False, monkeypatch)
    prefix_ids = _prefix_ids(shared_nb)
    assert prefix_ids and not prefix_ids & shared.executed, "the shared prefix ran again in the kernel"
    assert prefix_ids <= whole.executed
    assert shared_grades == whole_grades
    statuses = {status for _, status, _, _ in shared_grades}
    assert statuses == {"correct"} if kind == "solution" else "wrong" in statuses or "partial" in statuses
    committed = {c.id: c.outputs for c in notebooks.read(notebooks.lab_paths([lab])[0]).cells if c.cell_type == "code"}
    for cell in shared_nb.cells:
        if cell.id in prefix_ids and cell.id in committed:
            assert cell.outputs == committed[cell.id], cell.id


def test_nothing_one_student_does_reaches_the_next(tmp_path, monkeypatch) -> None:
    lab = "02"
    prefix_names = sorted(assemble.bound_names("\n".join(
        c.source for c in notebooks.read(notebooks.lab_paths([lab])[0]).cells[:3] if c.cell_type == "code")))
    assert prefix_names, "the test needs names the prefix binds"
    first = ("import mlflow, mlopslab, os\n"
             "open('left-behind.txt', 'w').write('A')\n"
             "mlopslab.LEFT_BEHIND = True\n"
             "LEFT_BEHIND = True\n"
             "mlflow.set_experiment('left-behind')\n"
             "print('STUDENT-A', os.path.exists('left-behind.txt'))\n")
    second = ("import mlflow, mlopslab, os\n"
              "print('STUDENT-B', os.path.exists('left-behind.txt'), hasattr(mlopslab, 'LEFT_BEHIND'),\n"
              "      'LEFT_BEHIND' in globals(), mlflow.get_experiment_by_name('left-behind') is not None,\n"
              f"      all(name in globals() for name in {prefix_names!r}))\n")
    a, a_outcome, _ = _graded(lab, _submission(lab, first_exercise=first), tmp_path / "a", True, monkeypatch)
    b, b_outcome, _ = _graded(lab, _submission(lab, first_exercise=second), tmp_path / "b", True, monkeypatch)
    assert not _prefix_ids(a) & (a_outcome.executed | b_outcome.executed)  # both kernels started from the prefix
    assert "STUDENT-A True" in _printed(a, "STUDENT-A")
    assert "STUDENT-B False False False False True" in _printed(b, "STUDENT-B"), _printed(b, "STUDENT-B")


@pytest.mark.parametrize(("bad", "why"), [
    ("raise RuntimeError('broken prefix')", "broken prefix"),
    ("import threading, time\nthreading.Thread(target=time.sleep, args=(30,), daemon=True).start()", "thread"),
    ("import time\ntime.sleep(30)", "died while running the prefix"),  # over the lab's time per cell (2 s here)
])
def test_a_prefix_that_cannot_be_shared_runs_in_every_kernel(tmp_path, monkeypatch, bad, why) -> None:
    from dataclasses import replace

    monkeypatch.setenv("MLOPSLAB_SHARE_PREFIX", "1")
    path = notebooks.lab_paths(["00"])[0]
    built = assemble.assemble(path, _submission("00"))
    built.nb.cells.insert(0, nbformat.v4.new_code_cell(bad, id="unshareable"))
    outcome = execute.execute(built.nb, tmp_path, replace(execute.GRADING, lab_cell_timeout=2), sandboxed=True,
                              lab="00", lab_path=path)
    assert "unshareable" in outcome.executed  # not skipped: the whole lab ran in the kernel
    assert any(why in reason for reason in prefix._FAILED.values()), prefix._FAILED


def _name(process) -> str:
    import psutil

    try:
        return process.name()
    except psutil.NoSuchProcess:  # a kernel of an earlier test that ended meanwhile
        return ""


def _wait_until_dead(processes: list, timeout: float = 10) -> None:
    import time

    import psutil

    def dead(process) -> bool:
        try:
            return process.status() == psutil.STATUS_ZOMBIE
        except psutil.NoSuchProcess:
            return True

    deadline = time.monotonic() + timeout
    while not all(dead(p) for p in processes):
        assert time.monotonic() < deadline, "a killed prefix zygote is still running"
        time.sleep(0.05)


def test_a_prefix_zygote_that_died_is_started_again(tmp_path, monkeypatch) -> None:
    import psutil
    from mlopslab.tools import warm

    lab = "02"
    _, _, grades = _graded(lab, _submission(lab), tmp_path / "before", True, monkeypatch)
    sandboxed = psutil.Process(warm.sandboxed_zygote().proc.pid).children(recursive=True)
    zygotes = [p for p in sandboxed if _name(p) == prefix.NAME]
    assert zygotes, [_name(p) for p in sandboxed]
    for process in zygotes:
        process.kill()
    _wait_until_dead(zygotes)  # SIGKILL takes effect a moment later: a liveness check before that would see it alive
    nb, outcome, again = _graded(lab, _submission(lab), tmp_path / "after", True, monkeypatch)
    assert not _prefix_ids(nb) & outcome.executed and again == grades
