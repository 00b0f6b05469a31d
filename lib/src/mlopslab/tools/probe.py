"""The shortcut probe: after each check cell of a solved lab, try every way a student could pass without the work.

The answers harness puts a probe cell after every check cell (:func:`cell`). In the kernel, :func:`probe` re-runs
the check cell's call on each candidate and records the score:

* the exercise's **declared shortcuts** and **wrong answers** from the lab source (each a whole exercise cell,
  run on a copy of the notebook's namespace);
* **objects the lab already made**: every variable of the notebook of the answer's kind (a function for a function
  answer; a value of the same type otherwise), except those the exercise cells define;
* **package functions** (function answers): every public function of the course modules that takes the
  answer's arguments;
* **printed values** (number and text answers): every number and word in the lab's committed outputs;
* for a **choice** exercise (``choices`` in the source), every answer one choice away from the solution: the
  feedback must neither give partial credit nor say which choice is wrong, or a student could enumerate.

The probe never raises and changes nothing the lab needs later (each candidate runs on a copy of the namespace's
mapping, and the runs a declared cell logs are deleted after its verdict; a candidate that mutates a shared object,
or moves a registered model's alias, can still leak, which the solution run would then show).
The test in ``tests/labs`` requires that no candidate scores full points.
"""

from __future__ import annotations

import contextlib
import html
import json
import re
import time
from typing import Any

MIME = "application/vnd.mlopslab.probe+json"
PREFIX = "probe-"
MAX_PRINTED = 2000
PER_CANDIDATE_SECONDS = 20
UNSAFE = re.compile(r"^_?(write|save|delete|remove|generate|serve|start|stop|kill|launch|open|shutdown|ensure|reset|"
                    r"configure|main$)")
"""Functions never tried as candidates: they write files, start processes, train models, move the registry's aliases
or change the process's environment as a side effect (``registry.reset_champion`` trained and re-pointed the
champion inside lab 03's probe; ``mlflow_ui.configure`` would redirect the kernel's tracking store)."""
COURSE_PACKAGE_SKIP = ("mlopslab.tools", "mlopslab.checks", "mlopslab.exercises", "mlopslab.config",
                       "mlopslab.mlflow_proxy", "mlopslab.__main__")

_NUMBER = re.compile(r"(?<![\w.])-?\d[\d,]*(?:\.\d+)?(?:[eE]-?\d+)?(?P<pct>\s?%)?")
_WORD = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.:/@-]*[A-Za-z0-9_]|[A-Za-z0-9]")
_TAG = re.compile(r"<[^>]+>")


# --- host side: what the harness passes into the kernel ------------------------------------------------------

def _output_texts(nb) -> list[str]:
    texts = []
    for cell in nb.get("cells", []):
        for out in cell.get("outputs", []) if cell.get("cell_type") == "code" else []:
            if out.get("output_type") == "stream":
                texts.append(out.get("text", ""))
            data = out.get("data", {})
            for mime in ("text/plain", "text/markdown"):
                if mime in data:
                    texts.append(data[mime] if isinstance(data[mime], str) else "".join(data[mime]))
            if "text/html" in data:
                raw = data["text/html"] if isinstance(data["text/html"], str) else "".join(data["text/html"])
                texts.append(html.unescape(_TAG.sub(" ", raw)))
    return texts


def printed_values(nb) -> dict[str, list]:
    """The numbers and words printed in a notebook's outputs (a percentage also as a share)."""
    numbers: dict[float, None] = {}
    words: dict[str, None] = {}
    for text in _output_texts(nb):
        for match in _NUMBER.finditer(text):
            try:
                value = float(match.group(0).rstrip("% ").replace(",", ""))
            except ValueError:
                continue
            numbers[value] = None
            if match.group("pct"):
                numbers[round(value / 100, 10)] = None
        for word in _WORD.findall(text):
            words[word] = None
        for line in text.splitlines():
            if line.strip():
                words[line.strip()] = None
    return {"numbers": list(numbers)[:MAX_PRINTED], "words": list(words)[:MAX_PRINTED]}


def bound_names(exercise_sources: list[str]) -> set[str]:
    """Every name the exercise cells bind: the student's own objects are never counted as shortcuts."""
    from .grading.assemble import bound_names as bound_by

    return set().union(*(bound_by(source) for source in exercise_sources))


def cell(check_source: str, spec: dict):
    """The probe cell that follows a check cell."""
    from nbformat.v4 import new_code_cell

    source = (f'__import__("mlopslab.tools.probe", fromlist=["probe"]).probe(\n'
              f"    {check_source!r}, globals(), {json.dumps(spec)!r})")
    probe_cell = new_code_cell(source)
    probe_cell.id = PREFIX + spec["exercise"].replace(".", "-").replace("_", "-")
    probe_cell.metadata["mlopslab"] = {"probe": spec["exercise"]}
    return probe_cell


def results(nb) -> dict[str, dict]:
    """Exercise id -> the probe's payload, from an executed notebook."""
    found = {}
    for c in nb.get("cells", []):
        for out in c.get("outputs", []):
            payload = out.get("data", {}).get(MIME)
            if payload is not None:
                payload = json.loads(payload) if isinstance(payload, str) else dict(payload)
                found[payload["exercise"]] = payload
    return found


# --- kernel side ----------------------------------------------------------------------------------------------

class _Slow(Exception):
    pass


def _captured_call(check_source: str, scope: dict) -> tuple[str, Any, dict]:
    calls: list[tuple[str, Any, dict]] = []
    scope = dict(scope)
    scope["check"] = lambda exercise_id, answer, **context: calls.append((exercise_id, answer, context))
    exec(compile(check_source, "<check cell>", "exec"), scope)  # noqa: S102 -- the lab's own check cell
    if len(calls) != 1:
        raise ValueError(f"a check cell makes exactly one check() call; this one made {len(calls)}")
    return calls[0]


def _evaluate(exercise_id: str, answer: Any, context: dict) -> dict:
    """The check's verdict on one candidate, quietly, within a time limit; never raises."""
    import signal

    from IPython.utils.capture import capture_output

    from mlopslab import exercises

    def too_slow(*_):
        raise _Slow

    previous = signal.signal(signal.SIGALRM, too_slow)
    signal.setitimer(signal.ITIMER_REAL, PER_CANDIDATE_SECONDS)
    started = time.perf_counter()
    try:
        with capture_output():
            result = exercises.evaluate(exercise_id, answer, **context)
        return {"status": result.status, "score": result.score, "message": result.message,
                "seconds": round(time.perf_counter() - started, 2)}
    except _Slow:
        return {"status": "slow", "score": 0.0, "message": f"over {PER_CANDIDATE_SECONDS} s"}
    except BaseException as err:  # noqa: BLE001 -- a candidate may raise anything, SystemExit included
        return {"status": "raised", "score": 0.0, "message": f"{type(err).__name__}: {err}"}
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def _from_cell(source: str, check_source: str, namespace: dict) -> tuple[Any, dict] | None:
    """The answer (and check context) that an exercise cell's ``source`` gives, run on a copy of the namespace."""
    import signal

    from IPython.utils.capture import capture_output

    def too_slow(*_):
        raise _Slow

    scope = dict(namespace)
    previous = signal.signal(signal.SIGALRM, too_slow)
    signal.setitimer(signal.ITIMER_REAL, PER_CANDIDATE_SECONDS)
    try:
        with capture_output():
            exec(compile(source, "<candidate cell>", "exec"), scope)  # noqa: S102 -- an answer from the lab source
        _, answer, context = _captured_call(check_source, scope)
        return answer, context
    except BaseException:  # noqa: BLE001 -- a candidate cell that raises cannot score
        return None
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def _tracked_runs() -> set[str]:
    """The ids of every run in the kernel's tracking store (none when the lab never imported MLflow)."""
    import sys

    if "mlflow" not in sys.modules:
        return set()
    import mlflow

    return {run.info.run_id for run in mlflow.search_runs(search_all_experiments=True, output_format="list")}


@contextlib.contextmanager
def _runs_deleted_afterwards():
    """Delete the runs a declared cell logs once its verdict is in: a wrong answer's run tagged for the increment
    (lab 11's contract run) would otherwise become evidence for the lab's later cells, and change what they print."""
    before = _tracked_runs()
    try:
        yield
    finally:
        new = _tracked_runs() - before
        if new:
            from mlflow import MlflowClient

            client = MlflowClient()
            for run_id in new:
                with contextlib.suppress(Exception):
                    client.delete_run(run_id)


def _same_kind(value: Any, answer: Any) -> bool:
    import numbers

    if isinstance(answer, bool) or isinstance(value, bool):
        return isinstance(answer, bool) and isinstance(value, bool)
    if isinstance(answer, numbers.Number):
        return isinstance(value, numbers.Number)
    if isinstance(answer, (list, tuple)):
        return isinstance(value, (list, tuple))
    return type(value) is type(answer)


def _variables(namespace: dict, answer: Any, exclude: set[str]) -> list[tuple[str, Any]]:
    import inspect
    import types

    found = []
    for name, value in list(namespace.items()):
        if name.startswith("_") or name in exclude or value is answer or isinstance(value, types.ModuleType):
            continue
        if name in ("In", "Out", "exit", "quit", "get_ipython", "check", "display"):
            continue
        if callable(answer):
            if inspect.isfunction(value) and not UNSAFE.match(name):
                found.append((name, value))
        elif _same_kind(value, answer):
            found.append((name, value))
    return found


def _takes(fn, count: int) -> bool:
    import inspect

    try:
        inspect.signature(fn).bind(*([None] * count))
    except (TypeError, ValueError):
        return False
    return True


def _required_positional(fn) -> int:
    import inspect

    try:
        params = inspect.signature(fn).parameters.values()
    except (TypeError, ValueError):
        return 0
    return sum(p.default is p.empty and p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD) for p in params)


def package_functions(count: int) -> list[tuple[str, Any]]:
    """Public functions of the course modules that can be called with ``count`` positional arguments."""
    import importlib
    import inspect
    import pkgutil

    import mlopslab

    found = []
    for info in pkgutil.walk_packages(mlopslab.__path__, "mlopslab."):
        if info.name.startswith(COURSE_PACKAGE_SKIP):
            continue
        try:
            module = importlib.import_module(info.name)
        except Exception:  # noqa: BLE001,S112 -- a module that cannot be imported offers no shortcut
            continue
        for name, fn in vars(module).items():
            if (not name.startswith("_") and inspect.isfunction(fn) and fn.__module__ == module.__name__
                    and not UNSAFE.match(name) and _takes(fn, count)):
                found.append((f"{module.__name__}.{name}", fn))
    return found


def check_functions(count: int, lab: str) -> list[tuple[str, Any]]:
    """The checks' own code as candidates for a function answer: every function of every check module that can be
    called with ``count`` positional arguments, as it is, and those of lab ``lab``'s module also wrapped in a
    function the notebook defined (:func:`mlopslab.checks._guards.seal` must refuse both)."""
    import importlib
    import inspect
    import pkgutil

    from mlopslab import checks, exercises

    modules = [importlib.import_module(info.name) for info in pkgutil.iter_modules(checks.__path__, "mlopslab.checks.")
               if info.name.rsplit(".", 1)[1].startswith("lab")]
    checks_themselves = {id(ex.check) for ex in exercises._REGISTRY.values()}  # they return feedback, not answers
    found = []
    for module in modules:
        for name, fn in vars(module).items():
            if (inspect.isfunction(fn) and fn.__module__ == module.__name__ and not UNSAFE.match(name)
                    and id(inspect.unwrap(fn)) not in checks_themselves and _takes(fn, count)):
                found.append((f"{module.__name__}.{name}", fn))
                if module.__name__.endswith(f".lab{lab}"):
                    wrapper = eval("lambda *args, **kwargs: fn(*args, **kwargs)", {"__name__": "__main__", "fn": fn})  # noqa: S307
                    found.append((f"{module.__name__}.{name}, called by a function of the notebook", wrapper))
    return found


def _printed(answer: Any, printed: dict) -> list[tuple[str, Any]]:
    import numbers

    if isinstance(answer, bool):
        return []
    if isinstance(answer, numbers.Number):
        return [(f"printed {v!r}", int(v) if float(v).is_integer() and isinstance(answer, int) else v)
                for v in printed.get("numbers", [])]
    if isinstance(answer, str):
        return [(f"printed {w!r}", w) for w in printed.get("words", [])]
    return []


def _perturbations(answer: Any, choices: list) -> list[tuple[str, Any]]:
    """Answers one choice away from ``answer`` (a dict of choices, or a list picked from ``choices``)."""
    found = []
    if isinstance(answer, dict):
        for key, value in answer.items():
            for option in choices:
                if option != value:
                    found.append((f"{key} -> {option!r}", {**answer, key: option}))
    elif isinstance(answer, (list, tuple, set)):
        chosen = list(answer)
        for option in choices:
            changed = [c for c in chosen if c != option] if option in chosen else [*chosen, option]
            found.append((f"toggle {option!r}", changed))
    return found


def _open_figures() -> set[int]:
    import sys

    plt = sys.modules.get("matplotlib.pyplot")
    return set(plt.get_fignums()) if plt else set()


def _close_figures_since(before: set[int]) -> None:
    """Close the figures candidates drew: the inline backend would render every one of them after the cell (a
    candidate's figure of a whole data set took minutes to render)."""
    import sys

    plt = sys.modules.get("matplotlib.pyplot")
    for number in set(plt.get_fignums()) - before if plt else ():
        plt.close(number)


def probe(check_source: str, namespace: dict, spec_json: str) -> None:
    """Try every candidate against the check of one exercise; display the verdicts as JSON."""
    import os
    import shutil
    import tempfile

    from IPython.display import display

    spec = json.loads(spec_json)
    exercise_id = spec["exercise"]
    here, scratch = os.getcwd(), tempfile.mkdtemp(prefix="mlopslab-probe-")
    os.chdir(scratch)  # whatever a candidate writes lands in a scratch folder, never in the course
    payload: dict[str, Any] = {"exercise": exercise_id, "error": "", "candidates": [], "wrong": [],
                               "perturbations": []}
    started, figures = time.perf_counter(), _open_figures()
    try:
        _, answer, context = _captured_call(check_source, namespace)
        payload["kind"] = "function" if callable(answer) else type(answer).__name__

        def record(bucket: str, origin: str, candidate: Any, candidate_context: dict | None = None) -> None:
            verdict = _evaluate(exercise_id, candidate, context if candidate_context is None else candidate_context)
            payload[bucket].append({"origin": origin, **verdict})

        for index, source in enumerate(spec.get("shortcuts", [])):
            with _runs_deleted_afterwards():
                got = _from_cell(source, check_source, namespace)
                if got is not None:
                    record("candidates", f"declared shortcut {index + 1}", *got)
                else:
                    payload["candidates"].append({"origin": f"declared shortcut {index + 1}", "status": "raised",
                                                  "score": 0.0, "message": "the shortcut cell raised"})
        for index, source in enumerate(spec.get("wrong", [])):
            with _runs_deleted_afterwards():
                got = _from_cell(source, check_source, namespace)
                if got is None:
                    payload["wrong"].append({"origin": f"wrong answer {index + 1}", "status": "raised", "score": 0.0,
                                             "message": ""})
                else:
                    record("wrong", f"wrong answer {index + 1}", *got)
        for name, value in _variables(namespace, answer, set(spec.get("exclude", []))):
            record("candidates", f"the notebook's {name}", value)
        if callable(answer):
            for name, fn in package_functions(_required_positional(answer)):
                record("candidates", name, fn)
            for name, fn in check_functions(_required_positional(answer), exercise_id.split(".", 1)[0]):
                record("candidates", name, fn)
        for origin, value in _printed(answer, spec.get("printed", {})):
            record("candidates", origin, value)
        if spec.get("choices"):
            for origin, value in _perturbations(answer, spec["choices"]):
                record("perturbations", origin, value)
    except Exception as err:  # noqa: BLE001 -- reported in the payload; the test fails on it
        payload["error"] = f"{type(err).__name__}: {err}"
    finally:
        os.chdir(here)
        shutil.rmtree(scratch, ignore_errors=True)
        _close_figures_since(figures)
    payload["seconds"] = round(time.perf_counter() - started, 2)
    display({MIME: payload, "text/plain": f"(shortcut probe of {exercise_id})"}, raw=True)
