"""An answer's scores on a check's drawn cases, one seed at a time, each replayed as the grader's re-check replays the
seeds its check cell drew (``mlopslab.checks._guards.case_seed``)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from mlopslab.checks import _guards
from mlopslab.exercises import evaluate

SEEDS = range(100, 108)


def scores(exercise_id: str, answer: Any, seeds: Iterable[int] = SEEDS, **context: Any) -> list[float]:
    """The score of ``answer`` on the draw of each of ``seeds``."""
    found = []
    for seed in seeds:
        _guards.replay({exercise_id: seed})
        found.append(evaluate(exercise_id, answer, **context).score)
    return found
