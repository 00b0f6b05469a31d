"""Written answers: read each written exercise's answer from a submitted notebook, for a person to score.

A written exercise is a markdown cell of the lab (id ``written-NN-name``, ``metadata.mlopslab.written``) declared
with a rubric in :mod:`mlopslab.rubrics`. Nothing of it is executed: the grader reads the student's cell (by id,
else the last cell carrying the same written id, as for exercise cells), and the answer becomes a gradebook row
``needs-review`` worth 0 points until a grader has scored it (``mlopslab review``). An answer left as the lab's
prompt, or empty, is ``unanswered`` and needs no review.
"""

from __future__ import annotations

import re
from pathlib import Path

from ... import rubrics
from .. import notebooks
from .score import ExerciseGrade

NEEDS_REVIEW, REVIEWED = "needs-review", "reviewed"
KIND = "written"
PENDING = ("A grader reads this written answer and scores it against the rubric; it counts 0 points until then.")


def written_id(cell: dict) -> str | None:
    """The written-exercise id of a cell, else None."""
    meta = cell.get("metadata", {}) if isinstance(cell, dict) else {}
    found = meta.get("mlopslab", {}).get("written") if isinstance(meta, dict) and isinstance(meta.get("mlopslab"), dict) else None
    return found if isinstance(found, str) else None


def _text(cell: dict) -> str:
    source = cell.get("source", "")
    if isinstance(source, list):
        return "".join(s for s in source if isinstance(s, str))
    return source if isinstance(source, str) else ""


def _normal(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def prompts(lab_path: Path) -> dict[str, str]:
    """Written id -> the answer cell as the committed lab gives it to students (the prompt to replace)."""
    return {wid: _text(c) for c in notebooks.read(lab_path).cells if (wid := written_id(c))}


def answer_of(cells: list, rubric: rubrics.Rubric) -> tuple[str | None, str]:
    """(the student's answer, '') or (None, why it is missing), by cell id first, else by written id."""
    usable = [c for c in cells if isinstance(c, dict)]
    by_id = [c for c in usable if c.get("id") == rubric.cell_id]
    found = by_id or [c for c in usable if written_id(c) == rubric.id]
    if not found:
        return None, f"the written answer's cell (id {rubric.cell_id}) is missing from the submitted notebook"
    return _text(found[-1]), ""


def grades(submission: dict, lab: str, lab_path: Path) -> list[ExerciseGrade]:
    """A gradebook row per written exercise of the lab: ``needs-review``, ``unanswered`` or ``missing``."""
    declared = rubrics.rubrics_of(lab)
    if not declared:
        return []
    given = prompts(lab_path)
    cells = submission.get("cells", []) if isinstance(submission.get("cells"), list) else []
    rows = []
    for rubric in declared.values():
        answer, why = answer_of(cells, rubric)
        if answer is None:
            rows.append(ExerciseGrade(rubric.id, rubric.title, 0.0, rubric.points, "missing", why + ": 0 points",
                                      kind=KIND))
        elif not _normal(answer) or _normal(answer) == _normal(given.get(rubric.id, "")):
            rows.append(ExerciseGrade(rubric.id, rubric.title, 0.0, rubric.points, "unanswered",
                                      "Not answered: the cell still holds the lab's prompt.", source=answer, kind=KIND))
        else:
            rows.append(ExerciseGrade(rubric.id, rubric.title, 0.0, rubric.points, NEEDS_REVIEW, PENDING,
                                      source=answer, kind=KIND))
    return rows


def declared_rows(lab: str | None, status: str, message: str) -> list[ExerciseGrade]:
    """Zero-point rows for the written exercises of a lab that could not be graded."""
    if lab is None:
        return []
    return [ExerciseGrade(r.id, r.title, 0.0, r.points, status, message, kind=KIND)
            for r in rubrics.rubrics_of(lab).values()]
