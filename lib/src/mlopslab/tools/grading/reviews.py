"""Reviews of written answers: a grader's score per rubric criterion and comment, kept in ``OUT/reviews.json``.

A review belongs to one student's answer to one written exercise and records a hash of the answer it scored: when
the student hands in a changed answer (and the lab is graded again), the old review no longer applies and the
answer is ``needs-review`` again. Reviews merge into the grades whenever the gradebook is written (:mod:`.book`).
"""

from __future__ import annotations

import copy
import hashlib
import json
import os
import tempfile
import threading
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from ... import rubrics
from .score import ExerciseGrade, SubmissionGrade
from .written import KIND, NEEDS_REVIEW, REVIEWED

FILE = "reviews.json"
_LOCK = threading.Lock()


@dataclass
class Review:
    """A grader's verdict on one answer."""

    scores: dict[str, float]
    comment: str = ""
    grader: str = ""
    answer_sha: str = ""
    at: str = field(default_factory=lambda: datetime.now(UTC).isoformat(timespec="seconds"))


def answer_sha(text: str) -> str:
    """The hash that ties a review to the answer it scored."""
    return hashlib.sha256(text.strip().encode()).hexdigest()[:16]


def _key(student: str, exercise: str) -> str:
    return f"{student}|{exercise}"


def load(out: Path) -> dict[str, Review]:
    """Every review kept for a batch, by "student|exercise"."""
    path = Path(out) / FILE
    if not path.is_file():
        return {}
    data = json.loads(path.read_text(encoding="utf-8"))
    return {k: Review(**v) for k, v in data.items()}


def validate(rubric: rubrics.Rubric, scores: dict[str, float]) -> dict[str, float]:
    """The scores, checked against the rubric (every criterion, within 0 and its points); ValueError otherwise."""
    known = {c.name: c for c in rubric.criteria}
    if set(scores) != set(known):
        raise ValueError(f"score every criterion of {rubric.id}: {sorted(known)} (got {sorted(scores)})")
    checked = {}
    for name, value in scores.items():
        number = float(value)
        if not 0 <= number <= known[name].points:
            raise ValueError(f"{rubric.id} {name}: between 0 and {known[name].points:g}, not {value}")
        checked[name] = number
    return checked


def save(out: Path, student: str, exercise: str, review: Review) -> None:
    """Keep ``review`` (replacing an earlier one), writing the file atomically."""
    path = Path(out) / FILE
    with _LOCK:
        current = {k: asdict(v) for k, v in load(out).items()}
        current[_key(student, exercise)] = asdict(review)
        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".reviews-", suffix=".json")
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            json.dump(current, stream, indent=1, ensure_ascii=False, sort_keys=True)
        os.replace(temporary, path)


def _reviewed(row: ExerciseGrade, rubric: rubrics.Rubric, review: Review) -> ExerciseGrade:
    merged = copy.copy(row)
    merged.criteria = [[c.name, c.description, review.scores.get(c.name, 0.0), c.points] for c in rubric.criteria]
    merged.points = round(min(sum(review.scores.get(c.name, 0.0) for c in rubric.criteria), rubric.points), 4)
    merged.status = REVIEWED
    parts = ", ".join(f"{c.description.lower()} {review.scores.get(c.name, 0.0):g}/{c.points:g}"
                      for c in rubric.criteria)
    merged.message = f"Scored by a grader: {parts}." + (f" Comment: {review.comment}" if review.comment else "")
    merged.comment = review.comment
    return merged


def apply(grades: list[SubmissionGrade], reviews: dict[str, Review]) -> list[SubmissionGrade]:
    """Copies of ``grades`` whose written answers carry their review (a review of another answer is ignored)."""
    merged = []
    for grade in grades:
        rows = []
        for row in grade.exercises:
            review = reviews.get(_key(grade.student, row.exercise)) if row.kind == KIND else None
            if review and row.status in (NEEDS_REVIEW, REVIEWED) and review.answer_sha == answer_sha(row.source):
                rows.append(_reviewed(row, rubrics.get(row.exercise), review))
            elif review and row.status == NEEDS_REVIEW:
                changed = copy.copy(row)
                changed.message = "The answer changed since it was reviewed: a grader will score it again."
                rows.append(changed)
            else:
                rows.append(row)
        copied = copy.copy(grade)
        copied.exercises = rows
        merged.append(copied)
    return merged
