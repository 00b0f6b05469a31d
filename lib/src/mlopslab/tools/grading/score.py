"""Scoring an executed submission: read results only from the check and grader cells the grader restored.

Outputs of exercise cells are never read (a student can print fake JSON there). A check result that a fresh
re-check contradicts, or an exercise cell that tampers with the check machinery, is flagged: it scores zero
until the instructor has looked at it.
"""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass, field

import nbformat

from ...exercises import MIME, STATUSES, Exercise, label
from .assemble import GRADER_PREFIX, HIDDEN_CELL, Assembled
from .execute import Outcome
from .hidden import HiddenCheck
from .incell import HIDDEN_MIME, VERIFY_MIME
from .tamper import scan

_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
_CELL_FILE = re.compile(r"\(\d+\.py, line (\d+)\)")


@dataclass
class ExerciseGrade:
    """One exercise (or hidden check) of one submission."""

    exercise: str
    title: str
    points: float
    max_points: float
    status: str  # correct partial wrong unanswered error timeout missing not-run flagged; needs-review reviewed
    message: str
    hidden_of: str = ""  # for a hidden check: the exercise it inspects
    source: str = ""  # the student's exercise cell (for a written exercise: the answer)
    error: str = ""  # the traceback of the failing cell, for the feedback page
    kind: str = ""  # "written" for an answer scored by a person against a rubric, else ""
    criteria: list = field(default_factory=list)  # a reviewed written answer: [name, description, points, max] each
    comment: str = ""  # a reviewed written answer: the grader's comment


@dataclass
class SubmissionGrade:
    """One student's grade for one lab; ``status`` says how the run ended (``ok`` or why not)."""

    student: str
    lab: str | None
    submission: str
    status: str
    reason: str = ""
    exercises: list[ExerciseGrade] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    seconds: float = 0.0
    key: str = ""
    penalty: float = 0.0  # late penalty in points (set from the term file when the gradebook is written)
    late: str = ""  # why there is a penalty (or why there is none although the work was late), for people
    submitted_at: str = ""  # ISO 8601, when the learning-management system says the work was handed in

    @property
    def points(self) -> float:
        """The raw points: every exercise, hidden check and reviewed written answer, before any late penalty."""
        return round(sum(e.points for e in self.exercises), 4)

    @property
    def final_points(self) -> float:
        """The points that count: raw points less the late penalty."""
        return round(max(self.points - self.penalty, 0.0), 4)

    @property
    def max_points(self) -> float:
        return round(sum(e.max_points for e in self.exercises), 4)

    def as_json(self) -> dict:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict) -> SubmissionGrade:
        return cls(**{**data, "exercises": [ExerciseGrade(**e) for e in data["exercises"]]})


def _outputs(nb: nbformat.NotebookNode, cell_id: str) -> list:
    return next((c.get("outputs", []) for c in nb.cells if c.get("id") == cell_id), [])


def _payloads(outputs: list, mime: str) -> list[dict]:
    found = []
    for out in outputs:
        data = out.get("data", {}).get(mime)
        if data is not None:
            found.append(json.loads(data) if isinstance(data, str) else dict(data))
    return found


def _error(outputs: list) -> tuple[str, str]:
    """('Ename: value', traceback text) of the first error output, else ('', '')."""
    for out in outputs:
        if out.get("output_type") == "error":
            trace = _ANSI.sub("", "\n".join(out.get("traceback", [])))
            value = _CELL_FILE.sub(r"(line \1)", str(out.get("evalue")))  # IPython names a cell '3810094143.py'
            return f"{out.get('ename')}: {value}", trace
    return "", ""


def _without_result(ex: Exercise, nb, built: Assembled, outcome: Outcome, limits_s: float) -> tuple[str, str, str]:
    """(status, message, traceback) for an exercise whose check cell showed no result."""
    ex_cell, check_cell = built.exercise_cells.get(ex.id), built.check_cells.get(ex.id)
    if check_cell is None:
        return "error", "the committed lab has no check cell for this exercise (tell your instructor)", ""
    if ex_cell in outcome.timed_out:
        return "timeout", f"your exercise cell ran longer than {limits_s:g} s and was stopped", ""
    if check_cell in outcome.timed_out:
        return "timeout", f"checking your answer took longer than {limits_s:g} s and was stopped", ""
    ex_error, ex_trace = _error(_outputs(nb, ex_cell))
    if ex_error:
        return "error", f"your exercise cell raised {ex_error}", ex_trace
    if check_cell not in outcome.executed:
        return "not-run", f"not graded: {outcome.reason or 'the check cell did not run'}", ""
    check_error, check_trace = _error(_outputs(nb, check_cell))
    if check_error:
        return "error", f"the check cell raised {check_error}", check_trace
    return "error", "the check cell showed no result", ""


def _number(value) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        return 0.0


def _grade_exercise(ex: Exercise, nb, built: Assembled, outcome: Outcome, limits_s: float,
                    verify: dict | None) -> ExerciseGrade:
    source = built.sources.get(ex.id, "")
    if ex.id in built.missing:
        return ExerciseGrade(ex.id, ex.title, 0.0, ex.points, "missing", built.missing[ex.id] + ": 0 points",
                             source=source)
    results = _payloads(_outputs(nb, built.check_cells.get(ex.id, "")), MIME)
    if not results:
        status, message, trace = _without_result(ex, nb, built, outcome, limits_s)
        return ExerciseGrade(ex.id, ex.title, 0.0, ex.points, status, message, source=source, error=trace)
    shown = results[-1]
    points = min(max(_number(shown.get("points")), 0.0), ex.points)  # a result can never exceed the declaration
    status = shown.get("status") if shown.get("status") in STATUSES else "error"
    grade = ExerciseGrade(ex.id, ex.title, points, ex.points, status, str(shown.get("message", "")), source=source)
    ex_error, ex_trace = _error(_outputs(nb, built.exercise_cells[ex.id]))
    if ex_error and status != "correct":
        grade.error = ex_trace
    suspicion = _suspicion(ex, results, verify)
    if suspicion:
        fresh = next((r for r in (verify or {}).get("results", []) if r.get("exercise") == ex.id), None)
        fresh_text = f"a fresh re-check gave {fresh['points']:g}/{ex.points:g}" if fresh else "no fresh re-check"
        grade.message = (f"flagged for review: {suspicion}; the check cell showed {points:g}/{ex.points:g}, "
                         f"{fresh_text}. Not counted until your instructor has looked at it.")
        grade.status, grade.points = "flagged", 0.0
    return grade


def _suspicion(ex: Exercise, results: list[dict], verify: dict | None) -> str:
    """Why the check cell's result cannot be trusted ('' when it can)."""
    if len(results) != 1 or results[0].get("exercise") != ex.id:
        return "the check cell showed more than one result or a result for another exercise"
    if verify is None:
        return ""  # the grader cell did not run (the run stopped right after the check)
    fresh = [r for r in verify.get("results", []) if r.get("exercise") == ex.id]
    if not fresh:
        return f"the fresh re-check could not run ({verify.get('error') or 'no result'})"
    shown, again = results[0], fresh[0]
    if (shown.get("status"), _number(shown.get("points"))) != (again.get("status"), _number(again.get("points"))):
        return f"a fresh re-check says {again.get('status')}, the check cell said {shown.get('status')}"
    return ""


def _hidden_results(nb: nbformat.NotebookNode) -> tuple[dict[str, dict], str]:
    """The hidden checks' results from the last grader cell, by id; and why they cannot be used ('' if they can)."""
    payloads = _payloads(_outputs(nb, HIDDEN_CELL), HIDDEN_MIME)
    if len(payloads) != 1:
        return {}, "" if not payloads else "the extra checks' cell showed more than one result"
    results = payloads[0].get("hidden", [])
    found = {r.get("exercise"): r for r in results if isinstance(r, dict)} if isinstance(results, list) else {}
    return found, str(payloads[0].get("error") or "")


def _hidden_grades(ex: ExerciseGrade, hidden: list[HiddenCheck], found: dict[str, dict],
                   problem: str) -> list[ExerciseGrade]:
    grades = []
    for check in hidden:
        r = found.get(check.id)
        if ex.status == "flagged":
            status, points, message = "flagged", 0.0, f"not counted: exercise {label(ex.exercise)} is flagged for review"
        elif problem:
            status = "flagged" if "more than one" in problem else "not-run"
            points, message = 0.0, f"not graded: {problem}"
        elif r is None:
            status, points, message = ("not-run", 0.0, f"not graded: exercise {label(ex.exercise)} was not checked"
                                       if ex.status in ("missing", "not-run", "timeout", "error") else "not graded")
        else:
            status = r.get("status") if r.get("status") in STATUSES else "error"
            points, message = min(max(_number(r.get("points")), 0.0), check.points), str(r.get("message", ""))
        grades.append(ExerciseGrade(check.id, check.title, points, check.points, status, message, hidden_of=check.of))
    return grades


def score(nb: nbformat.NotebookNode, built: Assembled, outcome: Outcome, declared: dict[str, Exercise],
          hidden: dict[str, HiddenCheck], cell_timeout: float) -> list[ExerciseGrade]:
    """Grades of every declared exercise and hidden check, in lab order."""
    tampered: list[str] = []
    grades = []
    hidden_found, hidden_problem = _hidden_results(nb) if hidden else ({}, "")
    if hidden and HIDDEN_CELL not in outcome.executed:
        hidden_problem = f"the run stopped before the extra checks ran ({outcome.reason or 'see above'})"
    for ex in declared.values():
        reasons = scan(built.sources.get(ex.id, "")) if ex.id not in built.missing else []
        tampered += [f"exercise cell {ex.id} {r}" for r in reasons]
        verify_cell = GRADER_PREFIX + built.check_cells.get(ex.id, "")
        verified = _payloads(_outputs(nb, verify_cell), VERIFY_MIME)
        grade = _grade_exercise(ex, nb, built, outcome, cell_timeout, verified[-1] if len(verified) == 1 else None)
        if tampered and grade.status == "flagged":
            grade.message += f" Also: {'; '.join(tampered)}."
        elif tampered and grade.status != "missing":
            grade.message = (f"flagged for review: {'; '.join(tampered)}. The check cell showed {grade.points:g}/"
                             f"{ex.points:g}; not counted until your instructor has looked at it.")
            grade.status, grade.points = "flagged", 0.0
        grades.append(grade)
        grades += _hidden_grades(grade, [h for h in hidden.values() if h.of == ex.id], hidden_found, hidden_problem)
    return grades
