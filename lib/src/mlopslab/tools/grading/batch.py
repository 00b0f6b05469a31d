"""Grading many submissions: isolated runs in parallel worker processes, resumable by content hash."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path

from ... import exercises
from ...config import repo_root
from .. import notebooks
from ..execution import scratch
from ..fingerprint import package_digest
from . import written
from .assemble import HIDDEN_CELL, SubmissionError, assemble, read_submission
from .collect import Submission, slug
from .execute import GRADING, Limits, execute
from .hidden import HiddenCheck, load_extra_checks
from .score import ExerciseGrade, SubmissionGrade, score

GRADER_VERSION = "2"
"""Part of every cache key (as is the grader's source): bump to invalidate every cached grade."""


def _declared_rows(lab: str | None, hidden: dict[str, HiddenCheck], status: str, message: str) -> list[ExerciseGrade]:
    """Zero-point rows for every exercise (and written exercise) of a lab that could not be graded."""
    if lab is None:
        return []
    rows = []
    for ex in exercises.exercises_of(lab).values():
        rows.append(ExerciseGrade(ex.id, ex.title, 0.0, ex.points, status, message))
        rows += [ExerciseGrade(h.id, h.title, 0.0, h.points, status, message, hidden_of=h.of)
                 for h in hidden.values() if h.of == ex.id]
    return rows + written.declared_rows(lab, status, message)


@dataclass(frozen=True)
class Settings:
    """How a batch is graded: the limits, the instructor's hidden checks, and whether kernels are sandboxed."""

    limits: Limits = GRADING
    extra_checks: Path | None = None
    sandboxed: bool = True


def cache_key(sub: Submission, lab_path: Path | None, settings: Settings) -> str:
    """A hash of everything a grade depends on: submission, committed lab, the whole package, data, settings."""
    digest = hashlib.sha256(f"{GRADER_VERSION}|{settings.limits}|sandboxed={settings.sandboxed}|"
                            f"{package_digest()}".encode())
    for part in (sub.path, lab_path, settings.extra_checks, repo_root() / "data" / "SHA256SUMS"):
        digest.update(b"|")
        if part is not None and Path(part).is_file():
            with open(part, "rb") as handle:  # in chunks: a submission may be huge (it is then refused, not read)
                for chunk in iter(lambda: handle.read(2**20), b""):
                    digest.update(chunk)
    digest.update(sub.problem.encode())
    return digest.hexdigest()


def _shown(sub: Submission, root: Path | None) -> str:
    """The submitted file as the instructor knows it: its path in the LMS download, or under SUBMISSIONS."""
    if sub.origin is not None:
        return f"{sub.origin.lms}: {sub.origin.archive}/{sub.origin.original}"
    if sub.path and root and Path(sub.path).is_relative_to(root):
        return str(Path(sub.path).relative_to(root))
    return str(sub.path or "")


def grade_submission(sub: Submission, lab_path: Path | None, settings: Settings = Settings(),
                     root: Path | None = None, keep: Path | None = None) -> SubmissionGrade:
    """Grade one submission; every failure becomes the grade's status and reason, never an exception."""
    start = time.monotonic()
    limits, extra_checks = settings.limits, settings.extra_checks
    shown = _shown(sub, root)
    hidden = load_extra_checks(extra_checks) if extra_checks else {}
    if sub.problem:
        return SubmissionGrade(sub.student, sub.lab, shown, sub.status, sub.problem,
                               _declared_rows(sub.lab, hidden, "not-run", f"not graded: {sub.problem}"))
    try:
        submitted = read_submission(sub.path)
        built = assemble(lab_path, submitted, extra_checks)
    except SubmissionError as err:
        reason = f"{shown}: {err}"
        return SubmissionGrade(sub.student, sub.lab, shown, "invalid", reason,
                               _declared_rows(sub.lab, hidden, "not-run", f"not graded: {reason}"))
    workdir = scratch("grade-", settings.sandboxed)
    try:
        outcome = execute(built.nb, workdir, limits, sandboxed=settings.sandboxed, lab=sub.lab, lab_path=lab_path)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    grades = score(built.nb, built, outcome, exercises.exercises_of(sub.lab), hidden, limits.cell_timeout)
    grades += written.grades(submitted, sub.lab, lab_path)  # read, not executed: a person scores them
    own = {c.id: i for i, c in enumerate(built.nb.cells) if not c.metadata.get("mlopslab")}
    built.notes += [f"the lab's own cell {own[c]} (id {c}) ran longer than {limits.lab_cell_timeout:g} s and was stopped"
                    for c in sorted(outcome.timed_out) if c in own]
    if keep:
        for cell in built.nb.cells:
            if cell.get("id") == HIDDEN_CELL:
                cell.source = "# the extra checks ran here (their source is never kept with a submission)"
        keep.parent.mkdir(parents=True, exist_ok=True)
        keep.write_text(json.dumps(built.nb, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    return SubmissionGrade(sub.student, sub.lab, shown, outcome.status, outcome.reason, grades, built.notes,
                           seconds=time.monotonic() - start)


def result_path(out: Path, sub: Submission) -> Path:
    """Where the cached grade of a submission is kept."""
    name = sub.lab or slug(sub.path.name if sub.path else "none")
    return out / "results" / slug(sub.student) / f"{name}.json"


def _cached(path: Path, key: str) -> SubmissionGrade | None:
    try:
        grade = SubmissionGrade.from_json(json.loads(path.read_text(encoding="utf-8")))
    except (OSError, ValueError, TypeError, KeyError):
        return None
    return grade if grade.key == key else None


def _job(sub: Submission, lab_path: Path | None, settings: Settings, root: Path, out: Path, key: str) -> SubmissionGrade:
    keep = out / "executed" / slug(sub.student) / lab_path.name if lab_path and not sub.problem else None
    try:
        grade = grade_submission(sub, lab_path, settings, root, keep)
    except Exception as err:  # noqa: BLE001 -- a grader bug must not take the batch down: record it, do not cache it
        return SubmissionGrade(sub.student, sub.lab, str(sub.path or ""), "grader-error",
                               f"the grader failed: {type(err).__name__}: {err}")
    grade.key = key
    path = result_path(out, sub)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(grade.as_json(), indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    return grade


def grade_all(subs: list[Submission], labs: dict[str, Path], out: Path, root: Path, settings: Settings,
              workers: int | None = None, force: bool = False,
              on_done: Callable[[SubmissionGrade, int, int, bool], None] | None = None) -> list[SubmissionGrade]:
    """Grade ``subs`` in parallel (skipping unchanged ones unless ``force``); grades in the order of ``subs``."""
    batch = _Batch(subs, labs, out, root, settings, workers, on_done)
    todo: dict[int, str] = {}
    # lab by lab: a grading process then runs each lab's shared prefix once (mlopslab.tools.prefix)
    for i, sub in sorted(enumerate(subs), key=lambda item: (item[1].lab or "", item[0])):
        key = cache_key(sub, labs.get(sub.lab or ""), settings)
        cached = None if force else _cached(result_path(out, sub), key)
        if cached:
            batch.done(i, cached, skipped=True)
        else:
            todo[i] = key
    for attempt in range(2):  # a crashed worker process breaks the pool: retry the rest once in a new pool
        todo = batch.run(todo, last=attempt == 1)
        if not todo:
            break
    return [batch.grades[i] for i in range(len(subs))]


@dataclass
class _Batch:
    """One batch's submissions, settings and results so far."""

    subs: list[Submission]
    labs: dict[str, Path]
    out: Path
    root: Path
    settings: Settings
    workers: int | None
    on_done: Callable[[SubmissionGrade, int, int, bool], None] | None
    grades: dict[int, SubmissionGrade] = field(default_factory=dict)

    def done(self, i: int, grade: SubmissionGrade, skipped: bool = False) -> None:
        self.grades[i] = grade
        if self.on_done:
            self.on_done(grade, len(self.grades), len(self.subs), skipped)

    def run(self, todo: dict[int, str], last: bool) -> dict[int, str]:
        """Grade ``todo`` (index -> cache key); return the jobs lost to a broken pool (unless ``last``)."""
        lost: dict[int, str] = {}
        if not todo:
            return lost
        workers = max(1, min(self.workers or os.cpu_count() or 1, len(todo)))
        with ProcessPoolExecutor(max_workers=workers) as pool:
            futures = {pool.submit(_job, self.subs[i], self.labs.get(self.subs[i].lab or ""), self.settings,
                                   self.root, self.out, key): i for i, key in todo.items()}
            for future in as_completed(futures):
                i = futures[future]
                try:
                    grade = future.result()
                except BrokenProcessPool as err:
                    if not last:
                        lost[i] = todo[i]
                        continue
                    sub = self.subs[i]
                    grade = SubmissionGrade(sub.student, sub.lab, str(sub.path or ""), "grader-error",
                                            f"the grading worker process died: {err}")
                self.done(i, grade)
        return lost


def known_labs() -> dict[str, Path]:
    """"NN" -> the committed lab notebook."""
    return {notebooks.lab_number(p): p for p in notebooks.lab_paths()}


def with_missing_labs(grades: list[SubmissionGrade], labs: list[str], hidden: dict[str, HiddenCheck],
                      also: list[str] | None = None) -> list[SubmissionGrade]:
    """``grades`` plus a "not-submitted" grade for each student (and each of ``also``, the roster's students who
    handed in nothing) and lab in ``labs`` they handed nothing in for."""
    students = list(dict.fromkeys([*(g.student for g in grades), *(also or [])]))
    have = {(g.student, g.lab) for g in grades}
    missing = [
        SubmissionGrade(s, lab, "", "not-submitted", f"no notebook for lab {lab}",
                        _declared_rows(lab, hidden, "missing", f"no notebook for lab {lab} was handed in"))
        for s in students for lab in labs if (s, lab) not in have
    ]
    return sorted(grades + missing, key=lambda g: (g.student, g.lab or "zz"))
