"""Code the grader runs inside a submission's kernel, in cells it adds to the notebook.

* After each check cell, :func:`recheck` re-runs the check cell's call on a *fresh import* of the check machinery
  (every ``mlopslab`` module is imported anew, then the student's modules are put back), on the cases the check cell
  drew (a check that makes up cases draws a fresh seed each time; the re-check replays it). A result that differs from
  what the check cell showed means the machinery was tampered with. It also keeps the answer (and its check
  context) for the hidden checks.
* At the very end, after every cell of the student's, :func:`run_hidden` runs the instructor's hidden checks on the
  kept answers. Their source arrives in that cell (the file itself never enters the sandbox). Only each hidden
  check's own score and message leave: whatever the student's code prints or raises while a hidden check calls
  it is swallowed, and no cell of the student's runs afterwards, so nothing it learnt can reach the feedback.
"""

from __future__ import annotations

import copy
import importlib
import sys
import traceback
from typing import Any

VERIFY_MIME = "application/vnd.mlopslab.verify+json"
HIDDEN_MIME = "application/vnd.mlopslab.hidden+json"
RAISED = "Your answer raised an error while an extra check ran (the details are not shown for extra checks)."

KEPT: dict[str, tuple[Any, dict]] = {}
"""Exercise id -> (answer, context) as the re-check passed them, for the hidden checks at the end."""

SNAPSHOTS: dict[str, Any] = {}
"""Name -> the value the lab's own cells last gave it, for the names checks take as context."""


def _ours(name: str) -> bool:
    return name == "mlopslab" or name.startswith("mlopslab.")


def _kept_copy(value: Any) -> Any:
    try:
        return copy.deepcopy(value)
    except Exception:  # noqa: BLE001 -- not every object can be copied (a model, a connection): keep it as is
        return value


def _calls(check_source: str, namespace: dict) -> list[tuple[str, Any, dict]]:
    calls: list[tuple[str, Any, dict]] = []
    scope = dict(namespace)
    scope["check"] = lambda exercise_id, answer, **context: calls.append((exercise_id, answer, context))
    exec(compile(check_source, "<check cell>", "exec"), scope)  # noqa: S102 -- the committed check cell's own source
    return calls


class _Fresh:
    """The course's modules imported anew for the duration of a ``with``; the student's are put back afterwards."""

    def __enter__(self):
        self.saved = {name: module for name, module in sys.modules.items() if _ours(name)}
        for name in self.saved:
            del sys.modules[name]
        return self

    def __exit__(self, *exc) -> None:
        for name in [n for n in sys.modules if _ours(n)]:
            del sys.modules[name]
        sys.modules.update(self.saved)


def _drawn_seeds() -> dict[str, int]:
    """The seeds the check cell's checks drew for the cases they make up (``checks._guards.case_seed``), read from the
    import the check cell used; none if it never imported the checks."""
    guards = sys.modules.get("mlopslab.checks._guards")
    seeds = getattr(guards, "drawn", dict)()
    return {str(k): int(v) for k, v in seeds.items()} if isinstance(seeds, dict) else {}


def _display(mime: str, payload: dict, text: str) -> None:
    from IPython.display import display

    display({mime: payload, "text/plain": text}, raw=True)


def snapshot(names: list[str], namespace: dict) -> None:
    """Keep (a copy of) the values the lab's own cell just gave to ``names``: the checks' trusted context."""
    for name in names:
        if name in namespace:
            SNAPSHOTS[name] = _kept_copy(namespace[name])


def trusted_calls(check_source: str, namespace: dict) -> list[tuple[str, Any, dict]]:
    """The check cell's ``check(...)`` calls, evaluated with the lab's own values for the context names."""
    return _calls(check_source, {**namespace, **SNAPSHOTS})


def recheck(check_source: str, namespace: dict) -> None:
    """Re-run a check cell on freshly imported checks and the lab's own context; keep the answer; display the JSON.

    The context names take the values the lab's cells gave them (:func:`snapshot`), not what is in the namespace
    now: a student's cell that overwrote one gets a re-check that disagrees with its check cell, and is flagged.
    """
    payload: dict[str, Any] = {"results": [], "error": ""}
    try:
        drawn = _drawn_seeds()
        with _Fresh():
            fresh = importlib.import_module("mlopslab.exercises")
            importlib.import_module("mlopslab.checks._guards").replay(drawn)  # the check cell's cases, not new ones
            for exercise_id, answer, context in trusted_calls(check_source, namespace):
                payload["results"].append(fresh.evaluate(exercise_id, answer, **context).as_json())
                KEPT[exercise_id] = (_kept_copy(answer), {k: _kept_copy(v) for k, v in context.items()})
    except Exception as err:  # noqa: BLE001 -- reported in the payload, never raised into the notebook
        where = traceback.extract_tb(err.__traceback__)[-1]
        payload = {"results": [], "error": f"{type(err).__name__}: {err} (in {where.name})"}
    _display(VERIFY_MIME, payload, "(grader verification)")


def _evaluate_hidden(fresh: Any, check: Any, answer: Any, context: dict) -> dict:
    """One hidden check, quietly: its own score and message, or a fixed message when the answer raised."""
    from IPython.utils.capture import capture_output

    base = {"exercise": check.id, "max_points": check.points}
    try:
        if fresh.is_blank(answer):
            raise fresh.NotAnswered
        with capture_output():
            feedback = check.check(answer, **context)
        if not isinstance(feedback, fresh.Feedback):
            raise TypeError
    except (fresh.NotAnswered, NotImplementedError):
        return {**base, "status": "unanswered", "score": 0.0, "points": 0.0, "message": "Not answered."}
    except BaseException:  # noqa: BLE001 -- nothing of what the student's code raised may leave this cell
        return {**base, "status": "error", "score": 0.0, "points": 0.0, "message": RAISED}
    return {**base, "status": fresh.status_of(feedback.score), "score": feedback.score,
            "points": round(feedback.score * check.points, 4), "message": str(feedback.message)}


def run_hidden(source: str) -> None:
    """Run the hidden checks declared in ``source`` on the answers kept by :func:`recheck`; display their scores."""
    results, error = [], ""
    try:
        with _Fresh():
            fresh = importlib.import_module("mlopslab.exercises")
            hidden = importlib.import_module("mlopslab.tools.grading.hidden").load_source(source)
            for check in hidden.values():
                if check.of not in KEPT:
                    continue  # its exercise was never checked: the scorer says why
                answer, context = KEPT[check.of]
                results.append(_evaluate_hidden(fresh, check, answer, context))
    except BaseException:  # noqa: BLE001 -- an extra-checks file that fails says so without its content
        error = "the extra checks could not run"
    _display(HIDDEN_MIME, {"hidden": results, "error": error}, "(extra checks)")
