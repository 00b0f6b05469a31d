"""Exercises and self-checks: the protocol shared by labs, the harness and the grader.

A lab's exercise cell carries the tag ``exercise`` and ``metadata.mlopslab.exercise = "NN.name"``;
the cell after it calls ``check("NN.name", answer, ...)`` and carries the tag ``check``.
Checks are declared per lab in ``mlopslab.checks.labNN`` with :func:`exercise`.

``check`` never raises: it shows ✅, ❌ with a hint, or "not answered yet", and writes the same
result as JSON under :data:`MIME` so that a grader can read it from an executed notebook.
"""

from __future__ import annotations

import html
import importlib
import json
import traceback
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

MIME = "application/vnd.mlopslab.check+json"
STATUSES = ("correct", "partial", "wrong", "unanswered", "error")


class NotAnswered(Exception):
    """Raised by a check (or a student's stub) when there is no answer yet."""


class ReferenceCodeUsed(Exception):
    """The notebook's code called a check's own reference code (see :func:`mlopslab.checks._guards.seal`)."""

    def __init__(self, name: str) -> None:
        super().__init__(f"{name} is the checks' own reference code: an answer may not use it. Write your own.")
        self.name = name


CHECK_CODE = "mlopslab.checks"


def check_code_in(answer: Any) -> str | None:
    """The name of a check's function that ``answer`` is (or holds, one level down), else None."""
    import functools

    values = list(answer.values()) if isinstance(answer, dict) else list(answer) if isinstance(answer, (list, tuple)) else []
    for value in [answer, *values]:
        while isinstance(value, functools.partial):
            value = value.func
        value = getattr(value, "__func__", value)  # a bound method
        module = getattr(value, "__module__", None) if callable(value) else None
        if isinstance(module, str) and (module == CHECK_CODE or module.startswith(CHECK_CODE + ".")):
            return f"{module}.{getattr(value, '__name__', type(value).__name__)}"
    return None


@dataclass(frozen=True)
class Feedback:
    """What a check says: a score between 0 and 1 and a message for the student."""

    score: float
    message: str = ""

    def __post_init__(self) -> None:
        if not 0.0 <= self.score <= 1.0:
            raise ValueError(f"a check's score must be within [0, 1], got {self.score}")


def correct(message: str = "Correct.") -> Feedback:
    """Full marks."""
    return Feedback(1.0, message)


def wrong(hint: str) -> Feedback:
    """No marks, with a hint that points the student onward."""
    return Feedback(0.0, hint)


def partial(score: float, hint: str) -> Feedback:
    """Partial credit (0 < score < 1), with a hint for the rest."""
    return Feedback(score, hint)


@dataclass(frozen=True)
class Exercise:
    """A declared exercise: its id ("NN.name"), points, title and check function."""

    id: str
    points: float
    title: str
    check: Callable[..., Feedback]

    @property
    def lab(self) -> str:
        return self.id.split(".", 1)[0]


@dataclass(frozen=True)
class Result:
    """One check's outcome, as stored in the notebook output."""

    exercise: str
    status: str
    score: float
    points: float
    max_points: float
    message: str

    def as_json(self) -> dict[str, Any]:
        return asdict(self)


_REGISTRY: dict[str, Exercise] = {}


def exercise(exercise_id: str, points: float = 1.0, title: str = "") -> Callable:
    """Decorator that declares ``fn(answer, **context) -> Feedback`` as the check of ``exercise_id``."""
    lab, _, name = exercise_id.partition(".")
    if not (lab.isdigit() and len(lab) == 2 and name):
        raise ValueError(f"exercise ids look like 'NN.name', got {exercise_id!r}")

    def register(fn: Callable[..., Feedback]) -> Callable[..., Feedback]:
        _REGISTRY[exercise_id] = Exercise(exercise_id, float(points), title or name.replace("_", " "), fn)
        return fn

    return register


def load_checks(lab: str) -> bool:
    """Import the lab's check module (which declares its exercises and rubrics); False if the lab has none."""
    try:
        importlib.import_module(f"mlopslab.checks.lab{lab}")
    except ModuleNotFoundError as err:
        if err.name != f"mlopslab.checks.lab{lab}":
            raise
        return False
    return True


def exercises_of(lab: str) -> dict[str, Exercise]:
    """The declared exercises of a lab ("00", "01", ...), by id, in declaration order."""
    if not load_checks(lab):
        return {}
    return {k: v for k, v in _REGISTRY.items() if v.lab == lab}


def number(exercise_id: str) -> str:
    """"05.campaign" -> "05.1": the exercise's number in its lab (declaration order, which is the order of its cells),
    as its heading in the notebook shows it; ``exercise_id`` itself if the lab does not declare it."""
    order = list(exercises_of(exercise_id.split(".", 1)[0]))
    return f"{exercise_id[:2]}.{order.index(exercise_id) + 1}" if exercise_id in order else exercise_id


def label(exercise_id: str) -> str:
    """"05.campaign" -> "05.1 (05.campaign)": the number the heading shows, then the id the grades and checks use."""
    shown = number(exercise_id)
    return exercise_id if shown == exercise_id else f"{shown} ({exercise_id})"


def get(exercise_id: str) -> Exercise:
    """The declared exercise ``exercise_id``; KeyError naming the known ones if absent."""
    found = exercises_of(exercise_id.split(".", 1)[0])
    if exercise_id not in found:
        raise KeyError(f"no exercise {exercise_id!r}; this lab declares {sorted(found)}")
    return found[exercise_id]


def is_blank(answer: Any) -> bool:
    """True for ``...``/``None`` and for containers holding nothing but blanks."""
    if answer is None or answer is Ellipsis:
        return True
    if isinstance(answer, str):
        return not answer.strip()
    if isinstance(answer, dict):
        return all(is_blank(v) for v in answer.values())
    if isinstance(answer, (list, tuple, set)):
        return all(is_blank(v) for v in answer)
    return False


def evaluate(exercise_id: str, answer: Any, **context: Any) -> Result:
    """Run the check of ``exercise_id`` on ``answer``; never raises for a student's mistake."""
    ex = get(exercise_id)
    try:
        if is_blank(answer):
            raise NotAnswered
        used = check_code_in(answer)
        if used:
            raise ReferenceCodeUsed(used)
        feedback = ex.check(answer, **context)
        if not isinstance(feedback, Feedback):
            raise TypeError(f"check of {exercise_id} returned {type(feedback).__name__}, not Feedback")
    except (NotAnswered, NotImplementedError):
        message = "Not answered yet: fill in the exercise cell above and run it."
        return Result(exercise_id, "unanswered", 0.0, 0.0, ex.points, message)
    except ReferenceCodeUsed as err:
        return Result(exercise_id, "wrong", 0.0, 0.0, ex.points, str(err))
    except Exception as err:  # the student's code raised inside the check
        where = traceback.extract_tb(err.__traceback__)[-1]
        message = f"Your answer raised {type(err).__name__}: {err} (in {where.name})"
        return Result(exercise_id, "error", 0.0, 0.0, ex.points, message)
    return Result(exercise_id, status_of(feedback.score), feedback.score, round(feedback.score * ex.points, 4),
                  ex.points, feedback.message)


def status_of(score: float) -> str:
    """A check's status from its score: "correct" at 1, "wrong" at 0, "partial" in between."""
    return "correct" if score == 1.0 else "wrong" if score == 0.0 else "partial"


_ICONS = {"correct": "✅", "partial": "🟡", "wrong": "❌", "unanswered": "⏳", "error": "❌"}
_COLOURS = {"correct": "#e6f4ea", "partial": "#fff8e1", "wrong": "#fdecea", "unanswered": "#eef2f7", "error": "#fdecea"}


def render(result: Result) -> dict[str, Any]:
    """A display bundle: plain text, HTML and the machine-readable JSON."""
    icon = _ICONS[result.status]
    verdict = {"correct": "correct", "partial": "partly right", "wrong": "not yet right",
               "unanswered": "not answered yet", "error": "your code raised an error"}[result.status]
    head = f"{icon} Exercise {label(result.exercise)}: {verdict} ({result.points:g}/{result.max_points:g} points)"
    text = head if result.status in ("unanswered",) else f"{head}\n   {result.message}"
    body = "" if result.status == "unanswered" else f"<br><span>{html.escape(result.message)}</span>"
    markup = (
        f'<div style="background:{_COLOURS[result.status]};padding:6px 10px;border-radius:4px">'
        f"<b>{html.escape(head)}</b>{body}</div>"
    )
    return {"text/plain": text, "text/html": markup, MIME: result.as_json()}


def check(exercise_id: str, answer: Any, **context: Any) -> None:
    """Check a student's answer and show the feedback under the cell."""
    from IPython.display import display

    result = evaluate(exercise_id, answer, **context)
    display(render(result), raw=True)


def results_of(notebook: dict) -> list[Result]:
    """Every check result stored in an executed notebook (a dict as read by nbformat or json)."""
    found = []
    for cell in notebook.get("cells", []):
        for out in cell.get("outputs", []) if cell.get("cell_type") == "code" else []:
            data = out.get("data", {})
            if MIME in data:
                payload = data[MIME]
                found.append(Result(**(json.loads(payload) if isinstance(payload, str) else payload)))
    return found
