"""Hidden checks: instructor-only checks that inspect a student's answer beside the lab's own check.

An extra-checks file (``mlopslab grade --extra-checks FILE``) declares them like the labs declare theirs::

    from mlopslab.exercises import correct, wrong
    from mlopslab.tools.grading.hidden import hidden_check

    @hidden_check("00.hidden_rate_exact", of="00.churn_rate", points=0.5, title="Churn rate to 4 decimals")
    def rate_exact(answer, **context):
        return correct() if round(answer, 4) == 0.2654 else wrong("Compute it, do not round it by hand.")

``of`` names the exercise whose answer (and check context) the hidden check receives; the hidden check's id is
``NN.something`` in the same lab. The grader runs it in the student's kernel right after that exercise's check.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

_SPEC = "ids look like 'NN.name'"


@dataclass(frozen=True)
class HiddenCheck:
    """A declared hidden check: its id, the exercise it inspects, points, title and check function."""

    id: str
    of: str
    points: float
    title: str
    check: Callable

    @property
    def lab(self) -> str:
        return self.id.split(".", 1)[0]


HIDDEN: dict[str, HiddenCheck] = {}


def _valid_id(text: str) -> bool:
    lab, _, name = str(text).partition(".")
    return lab.isdigit() and len(lab) == 2 and bool(name)


def hidden_check(check_id: str, of: str, points: float = 1.0, title: str = "") -> Callable:
    """Declare ``fn(answer, **context) -> Feedback`` as a hidden check of exercise ``of``."""
    if not (_valid_id(check_id) and _valid_id(of)):
        raise ValueError(f"hidden check {check_id!r} of {of!r}: {_SPEC}")
    if check_id.split(".")[0] != of.split(".")[0]:
        raise ValueError(f"hidden check {check_id!r} must be in the lab of the exercise it inspects ({of!r})")

    def register(fn: Callable) -> Callable:
        HIDDEN[check_id] = HiddenCheck(check_id, of, float(points), title or check_id.split(".", 1)[1], fn)
        return fn

    return register


def load_source(source: str, name: str = "<extra checks>") -> dict[str, HiddenCheck]:
    """Execute the text of an extra-checks file and return the hidden checks it declares, by id."""
    HIDDEN.clear()
    scope = {"__name__": "mlopslab_extra_checks", "__file__": name}
    exec(compile(source, name, "exec"), scope)  # noqa: S102 -- the instructor's own file
    return dict(HIDDEN)


def load_extra_checks(path: Path | str) -> dict[str, HiddenCheck]:
    """Execute an extra-checks file and return the hidden checks it declares, by id."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no extra-checks file at {path}")
    try:
        return load_source(path.read_text(encoding="utf-8"), str(path))
    except Exception as err:
        raise ValueError(f"{path}: the extra-checks file raised {type(err).__name__}: {err}") from err


def validate(hidden: dict[str, HiddenCheck], declared: dict[str, dict]) -> list[str]:
    """Problems with hidden checks, given each lab's declared exercises ("NN" -> {id: Exercise})."""
    problems = []
    for check in hidden.values():
        lab_exercises = declared.get(check.lab, {})
        if check.of not in lab_exercises:
            problems.append(f"hidden check {check.id}: lab {check.lab} declares no exercise {check.of!r} "
                            f"(it declares {sorted(lab_exercises)})")
        if check.id in lab_exercises:
            problems.append(f"hidden check {check.id}: the lab already declares an exercise with this id")
    return problems
