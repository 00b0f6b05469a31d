"""Code the grader runs inside a submission's kernel, in a hidden cell after each check cell.

:func:`recheck` re-runs the check cell's call on a *fresh import* of the check machinery (every ``mlopslab``
module is imported anew, then the student's modules are put back), and runs the instructor's hidden checks of
that exercise. A result that differs from what the check cell showed means the machinery was tampered with.
"""

from __future__ import annotations

import importlib
import sys
import traceback
from typing import Any

VERIFY_MIME = "application/vnd.mlopslab.verify+json"


def _ours(name: str) -> bool:
    return name == "mlopslab" or name.startswith("mlopslab.")


def _run_hidden(fresh: Any, check: Any, answer: Any, context: dict) -> dict:
    """Evaluate one hidden check like ``exercises.evaluate`` does: never raises."""
    base = {"exercise": check.id, "max_points": check.points}
    try:
        if fresh.is_blank(answer):
            raise fresh.NotAnswered
        feedback = check.check(answer, **context)
        if not isinstance(feedback, fresh.Feedback):
            raise TypeError(f"hidden check {check.id} returned {type(feedback).__name__}, not Feedback")
    except (fresh.NotAnswered, NotImplementedError):
        return {**base, "status": "unanswered", "score": 0.0, "points": 0.0, "message": "Not answered."}
    except Exception as err:  # noqa: BLE001 -- the student's answer raised inside the hidden check
        return {**base, "status": "error", "score": 0.0, "points": 0.0,
                "message": f"Your answer raised {type(err).__name__}: {err}"}
    status = "correct" if feedback.score == 1.0 else "wrong" if feedback.score == 0.0 else "partial"
    return {**base, "status": status, "score": feedback.score, "points": round(feedback.score * check.points, 4),
            "message": feedback.message}


def _fresh_results(check_source: str, namespace: dict, extra_checks: str | None) -> dict:
    fresh = importlib.import_module("mlopslab.exercises")
    hidden = {}
    if extra_checks:
        hidden = importlib.import_module("mlopslab.tools.grading.hidden").load_extra_checks(extra_checks)
    calls: list[tuple[str, Any, dict]] = []
    scope = dict(namespace)
    scope["check"] = lambda exercise_id, answer, **context: calls.append((exercise_id, answer, context))
    exec(compile(check_source, "<check cell>", "exec"), scope)  # noqa: S102 -- the committed check cell's own source
    payload: dict[str, Any] = {"results": [], "hidden": [], "error": ""}
    for exercise_id, answer, context in calls:
        payload["results"].append(fresh.evaluate(exercise_id, answer, **context).as_json())
        payload["hidden"] += [_run_hidden(fresh, h, answer, context) for h in hidden.values() if h.of == exercise_id]
    return payload


def recheck(check_source: str, namespace: dict, extra_checks: str | None = None) -> None:
    """Re-run a check cell on freshly imported checks (plus hidden checks) and display the JSON result."""
    saved = {name: module for name, module in sys.modules.items() if _ours(name)}
    try:
        for name in saved:
            del sys.modules[name]
        payload = _fresh_results(check_source, namespace, extra_checks)
    except Exception as err:  # noqa: BLE001 -- reported in the payload, never raised into the notebook
        where = traceback.extract_tb(err.__traceback__)[-1]
        payload = {"results": [], "hidden": [], "error": f"{type(err).__name__}: {err} (in {where.name})"}
    finally:
        for name in [n for n in sys.modules if _ours(n)]:
            del sys.modules[name]
        sys.modules.update(saved)
    from IPython.display import display

    display({VERIFY_MIME: payload, "text/plain": "(grader verification)"}, raw=True)
