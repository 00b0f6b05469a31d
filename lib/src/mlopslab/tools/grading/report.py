"""The gradebooks: a wide CSV (a row per student) and a long CSV (a row per student, lab and exercise).

Per lab the wide gradebook shows the raw points, the late penalty (from the term file), the final points that count,
the run's status and why the work is late; ``total`` adds the final points. Written answers still waiting for a
grader are listed in ``to review`` (they count 0 until then).
"""

from __future__ import annotations

import csv
from pathlib import Path

from .roster import Person
from .score import SubmissionGrade
from .written import NEEDS_REVIEW

LONG_COLUMNS = ["student", "lab", "exercise", "points", "max", "status", "message", "submission"]


def _fmt(x: float) -> str:
    return f"{x:g}"


def columns(grades: list[SubmissionGrade]) -> dict[str, list[str]]:
    """Lab -> its exercise columns (declared exercises and hidden checks), in lab order."""
    found: dict[str, list[str]] = {}
    for grade in grades:
        if grade.lab is None:
            continue
        ids = found.setdefault(grade.lab, [])
        ids += [e.exercise for e in grade.exercises if e.exercise not in ids]
    return dict(sorted(found.items()))


def max_points(grades: list[SubmissionGrade]) -> dict[str, float]:
    """Exercise id -> its maximum points."""
    return {e.exercise: e.max_points for g in grades for e in g.exercises}


def write_gradebook(grades: list[SubmissionGrade], path: Path, people: dict[str, Person] | None = None) -> None:
    """gradebook.csv: a row per student; per lab the exercises, raw points, penalty, final points and status."""
    cols = columns(grades)
    maxima = max_points(grades)
    people = people or {}
    header = ["student", *(["name", "email"] if people else [])]
    for lab, ids in cols.items():
        header += [*ids, f"lab {lab} raw", f"lab {lab} penalty", f"lab {lab}", f"lab {lab} status", f"lab {lab} late"]
    header += ["total", "max", "problems", "to review"]
    rows = []
    for student in dict.fromkeys(g.student for g in grades):
        mine = [g for g in grades if g.student == student]
        row: dict[str, str] = {"student": student}
        if people:
            row["name"], row["email"] = people.get(student, Person()).name, people.get(student, Person()).email
        for lab in cols:
            lab_grade = next((g for g in mine if g.lab == lab), None)
            for e in lab_grade.exercises if lab_grade else []:
                row[e.exercise] = _fmt(e.points)
            row[f"lab {lab} raw"] = _fmt(lab_grade.points) if lab_grade else "0"
            row[f"lab {lab} penalty"] = _fmt(lab_grade.penalty) if lab_grade else "0"
            row[f"lab {lab}"] = _fmt(lab_grade.final_points) if lab_grade else "0"
            row[f"lab {lab} status"] = lab_grade.status if lab_grade else "not-submitted"
            row[f"lab {lab} late"] = lab_grade.late if lab_grade else ""
        row["total"] = _fmt(round(sum(g.final_points for g in mine), 4))
        row["max"] = _fmt(round(sum(maxima[e] for ids in cols.values() for e in ids), 4))
        problems = [f"{g.lab or g.submission}: {g.status}: {g.reason}" for g in mine if g.status != "ok"]
        problems += [f"{g.lab}: flagged for review: {e.exercise}" for g in mine for e in g.exercises if e.status == "flagged"]
        row["problems"] = "; ".join(problems)
        row["to review"] = " ".join(e.exercise for g in mine for e in g.exercises if e.status == NEEDS_REVIEW)
        rows.append(row)
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=header, restval="0")
        writer.writeheader()
        writer.writerows(rows)


def long_rows(grades: list[SubmissionGrade]) -> list[dict[str, str]]:
    """A row per exercise, plus a row per submission that could not be graded at all (exercise '')."""
    rows = []
    for g in grades:
        if g.status != "ok" and not g.exercises:
            rows.append({"student": g.student, "lab": g.lab or "", "exercise": "", "points": "0", "max": "0",
                         "status": g.status, "message": g.reason, "submission": g.submission})
        for e in g.exercises:
            rows.append({"student": g.student, "lab": g.lab or "", "exercise": e.exercise, "points": _fmt(e.points),
                         "max": _fmt(e.max_points), "status": e.status, "message": e.message,
                         "submission": g.submission})
        if g.penalty:
            rows.append({"student": g.student, "lab": g.lab or "", "exercise": "late penalty",
                         "points": _fmt(-g.penalty), "max": "0", "status": "late", "message": g.late,
                         "submission": g.submission})
    return rows


def write_long(grades: list[SubmissionGrade], path: Path) -> None:
    """results.csv: student, lab, exercise, points, max, status, message, submission."""
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=LONG_COLUMNS)
        writer.writeheader()
        writer.writerows(long_rows(grades))
