"""Guards for checks: switch package functions off while a student's function runs, and spy on calls.

A check that asks a student to write what a course module already does (PSI, the monitor loop, the HTTP client) runs
the student's function with those module functions replaced by stand-ins that raise :class:`Forbidden`, and also
looks for them in the function's own references (an ``from mlopslab.monitoring import psi`` binds the original).

The checks hold reference code (the grader's own solution, run on the check's cases), and a student release ships
them. :func:`seal`, called at the end of every check module, makes each of its functions refuse to run for the
notebook's code: called from a cell, or from a function a cell defined, it raises
:class:`mlopslab.exercises.ReferenceCodeUsed`; called by the checks (the check cell's call goes through
:func:`mlopslab.exercises.evaluate`), by the grader or by a test, it runs.
"""

from __future__ import annotations

import functools
import hashlib
import inspect
import itertools
import os
import secrets
import sys
import threading
import types
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any


class Forbidden(Exception):
    """A student's function called a package function that the exercise asks them to write."""

    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.name = name
        for hits in _ACTIVE:
            hits.append(name)


_ACTIVE: list[list[str]] = []
"""The uses of switched-off functions seen by each :func:`without` block running now (innermost last)."""
WATCH = "__mlopslab_watch__"


@contextmanager
def without(module: types.ModuleType, names: list[str]) -> Iterator[None]:
    """Within the block, ``module.<name>`` raises :class:`Forbidden` for each name; restored afterwards.

    The module's attribute is replaced, and so is the code of the function object itself (of each method, for a
    class): a reference the student saved before the check ran (in a dict, under another name, through
    ``from module import name``) raises too. So does a copy of its code (the module run again with ``runpy``, a
    function rebuilt with ``types.FunctionType`` or from its source), caught by a profile hook as it is called. A
    :class:`Forbidden` the student's code catches is raised again when the block ends."""
    originals = {name: getattr(module, name) for name in names}
    short = module.__name__.rsplit(".", 1)[-1]

    def blocked(name: str) -> Callable[..., Any]:
        def stand_in(*_args, **_kwargs):
            raise Forbidden(f"{short}.{name}")

        return stand_in

    codes: list[tuple[types.FunctionType, types.CodeType]] = []
    swaps = {name: _swappable(original, f"{short}.{name}") for name, original in originals.items()}
    copies: dict[tuple, str] = {}
    for name, functions in swaps.items():
        setattr(module, name, blocked(name))
        for function in functions:
            codes.append((function, function.__code__))
            copies[_code_key(function.__code__)] = f"{short}.{name}"
            function.__code__ = _raising_code(f"{short}.{name}")
    watched = {key[0] for key in copies}  # their bytecode: a cheap first test per call

    previous = sys.getprofile()
    outer = previous if getattr(previous, WATCH, False) else None  # an enclosing block's watch: keep it watching

    def watch(frame: types.FrameType, event: str, arg: Any) -> None:
        if event == "call" and frame.f_code.co_code in watched and _code_key(frame.f_code) in copies:
            raise Forbidden(copies[_code_key(frame.f_code)])
        if outer is not None:
            outer(frame, event, arg)

    setattr(watch, WATCH, True)
    hits: list[str] = []
    _ACTIVE.append(hits)
    previous_threads = threading.getprofile()
    sys.setprofile(watch)
    threading.setprofile(watch)  # and in any thread the student's code starts within the block
    try:
        yield
        if sys.getprofile() is not watch and not hits:  # the student's code switched the watch off
            hits.append("sys.setprofile")
    finally:
        sys.setprofile(previous)
        threading.setprofile(previous_threads)
        _ACTIVE.remove(hits)
        for function, code in reversed(codes):
            function.__code__ = code
        for name, original in originals.items():
            setattr(module, name, original)
    if hits:
        raise Forbidden(hits[0])


def _swappable(obj: Any, label: str) -> list[types.FunctionType]:
    """The functions whose code :func:`without` replaces to switch ``obj`` off: the function itself, or each method
    of a class. Anything else (an ``lru_cache`` wrapper, a function with closure variables) could not be switched off
    where a student saved it, so a check may not ask for it."""
    def plain(fn: Any) -> bool:
        return isinstance(fn, types.FunctionType) and not fn.__code__.co_freevars

    if plain(obj):
        return [obj]
    if isinstance(obj, type):
        methods = [getattr(m, "__func__", m) for m in vars(obj).values()]
        return [m for m in methods if plain(m)]
    raise TypeError(f"_guards.without cannot switch off {label} (a {type(obj).__name__}): block a plain function")


def _raising_code(label: str) -> types.CodeType:
    """The code of a function that raises :class:`Forbidden` naming ``label``, whatever its arguments; it finds the
    exception through ``__import__``, since it runs with the globals of the function it stands in for."""
    namespace: dict[str, Any] = {}
    exec(compile(f"def blocked(*args, **kwargs):\n    raise __import__('mlopslab.checks._guards', "  # noqa: S102
                 f"fromlist=['Forbidden']).Forbidden({label!r})\n", "<blocked>", "exec"), namespace)
    return namespace["blocked"].__code__


def _code_objects(code: types.CodeType) -> Iterator[types.CodeType]:
    yield code
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            yield from _code_objects(const)


def references(fn: Any, targets: dict[str, Any]) -> list[str]:
    """The names in ``targets`` (name -> object) that ``fn`` is, or reaches: by a global name its code uses, a closure
    variable or a default argument, directly, in a dict, list or tuple held there, or through a function the notebook
    defined that ``fn`` reaches the same way. A function counts when it is the target or a copy of its code (rebuilt
    with ``types.FunctionType``, or its source run again with ``exec`` or ``runpy``), which ``without`` cannot switch
    off."""
    wanted = {id(obj): name for name, obj in targets.items()}
    codes = {_code_key(code): name for name, obj in targets.items() for code in _codes_of(obj)}
    found: list[str] = []

    def match(obj: Any) -> str | None:
        if id(obj) in wanted:
            return wanted[id(obj)]
        code = getattr(obj, "__code__", None)
        return codes.get(_code_key(code)) if isinstance(code, types.CodeType) else None

    seen: set[int] = set()
    pending = [fn]
    while pending:
        obj = pending.pop()
        if id(obj) in seen or len(seen) > 500:
            continue
        seen.add(id(obj))
        name = match(obj)
        if name is not None:
            if name not in found:
                found.append(name)
            continue
        if isinstance(obj, dict):
            pending += _worth_a_look(obj.values())
        elif isinstance(obj, (list, tuple)):
            pending += _worth_a_look(obj)
        elif isinstance(obj, functools.partial):
            pending += _worth_a_look([obj.func, *obj.args, *obj.keywords.values()])
        elif obj is fn or _notebook_function(obj):
            pending += _worth_a_look(_reached(inspect.unwrap(obj) if callable(obj) else obj))
    order = list(targets)
    return sorted(found, key=order.index)  # in the check's order: a copy of a whole module names its first target


def _worth_a_look(objects) -> list[Any]:
    """What may be or hold a function: callables and plain containers (the first thousand of ``objects``)."""
    return [o for o in itertools.islice(objects, 1000) if callable(o) or isinstance(o, (dict, list, tuple))]


def _reached(fn: Any) -> list[Any]:
    """What a function's code can reach without a computed name: its globals by name, closure and defaults."""
    code = getattr(fn, "__code__", None)
    if not isinstance(code, types.CodeType):
        return []
    scope = getattr(fn, "__globals__", {})
    names = {name for co in _code_objects(code) for name in co.co_names}
    cells = [c.cell_contents for c in (fn.__closure__ or ()) if _has_contents(c)]
    return [*(scope[name] for name in names if name in scope), *cells, *(fn.__defaults__ or ()),
            *(fn.__kwdefaults__ or {}).values()]


def _notebook_function(obj: Any) -> bool:
    """A plain function that is not the course's or a library's: the notebook's, whose references count as its own."""
    code = getattr(obj, "__code__", None)
    if not isinstance(obj, types.FunctionType) or not isinstance(code, types.CodeType):
        return False
    filename = code.co_filename
    return _cell(filename) or obj.__module__ == "__main__" or not (filename.startswith(PACKAGE + os.sep)
                                                                     or _library(filename))


def _codes_of(obj: Any) -> list[types.CodeType]:
    if isinstance(obj, types.FunctionType):
        return [obj.__code__]
    if isinstance(obj, type):
        return [m.__code__ for m in (getattr(v, "__func__", v) for v in vars(obj).values())
                if isinstance(m, types.FunctionType)]
    return []


def _code_key(code: types.CodeType) -> tuple:
    """What a function's code does, wherever it was compiled and whatever it is called: bytecode, names and constants
    (nested code by its own key), not its file, line numbers, name or docstring (a leading text constant)."""
    consts = list(code.co_consts)
    if consts and isinstance(consts[0], str):
        consts = consts[1:]
    key = tuple(_code_key(c) if isinstance(c, types.CodeType) else (type(c).__name__, repr(c)) for c in consts)
    return code.co_code, code.co_names, code.co_varnames, code.co_argcount, key


_KEY: list[str] = []
"""The grader's key for this submission (:func:`set_case_key`); empty in a student's own kernel."""
_DRAWN: dict[str, int] = {}
"""Exercise id -> the seed its last check drew (:func:`case_seed`); the grader's re-check replays it."""
_REPLAY: dict[str, int] = {}
"""Exercise id -> a seed the next check of that exercise uses instead of drawing one (set by :func:`replay`)."""


def case_seed(exercise_id: str) -> int:
    """A seed for the cases a check makes up (a sprint the lab never runs, card numbers, customer ids): no answer, and
    no table written before, can know them.

    In a student's kernel every check draws a fresh one. The grader sets a key made from the submission's exercise
    cells (:func:`set_case_key`), so grading the same notebook again gives the same grades, while a table typed into
    any exercise cell changes the key and so the cases. The grader re-checks each exercise right after its check cell,
    on a fresh import of the machinery (``tools.grading.incell.recheck``); it hands the seeds the check cell drew
    (:func:`drawn`) to the fresh import (:func:`replay`), so both judge the answer on the same cases."""
    seed = _REPLAY.pop(exercise_id, None)
    if seed is None and _KEY:
        seed = int.from_bytes(hashlib.sha256(f"{_KEY[0]}\n{exercise_id}".encode()).digest()[:8], "big") >> 2
    if seed is None:
        seed = secrets.randbits(62)
    _DRAWN[exercise_id] = seed
    return seed


def set_case_key(key: str) -> None:
    """The grader's key for the submission being graded (:func:`case_seed`)."""
    _KEY[:] = [str(key)]


def drawn() -> dict[str, int]:
    """The seed each exercise's last check drew, by exercise id."""
    return dict(_DRAWN)


def replay(seeds: dict[str, int]) -> None:
    """Make the next check of each exercise in ``seeds`` use that seed instead of a fresh one."""
    _REPLAY.update(seeds)


def _has_contents(cell) -> bool:
    try:
        cell.cell_contents  # noqa: B018 -- an empty cell raises ValueError
    except ValueError:
        return False
    return True


SEALED = "__mlopslab_sealed__"


def seal(module_name: str) -> None:
    """Replace every function defined in check module ``module_name`` by one that refuses the notebook's code."""
    module = sys.modules[module_name]
    for name, obj in list(vars(module).items()):
        if (callable(obj) and not isinstance(obj, type) and getattr(obj, "__module__", None) == module_name
                and not getattr(obj, SEALED, False)):
            setattr(module, name, _sealed(obj))


def _sealed(fn: Callable[..., Any]) -> Callable[..., Any]:
    from ..exercises import ReferenceCodeUsed

    @functools.wraps(fn)
    def guarded(*args, **kwargs):
        if called_by_notebook(sys._getframe(1)):
            raise ReferenceCodeUsed(f"{fn.__module__}.{fn.__name__}")
        return fn(*args, **kwargs)

    del guarded.__wrapped__  # functools.wraps' way back to the unguarded function (inspect.unwrap follows it)
    setattr(guarded, SEALED, True)
    return guarded


TRUSTED = ("mlopslab.exercises", "mlopslab.checks", "mlopslab.tools")
"""The course's modules that may run the checks' reference code: the checks, the function that runs them, and the
instructor's tools (grader, probe, runner)."""

PACKAGE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TESTS = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(PACKAGE))), "tests")
"""The repository's tests (``lib/src/mlopslab`` -> ``tests``), which call the checks' reference code directly."""


def called_by_notebook(frame: types.FrameType | None) -> bool:
    """Whether ``frame``'s code, or the code that called it through libraries only (pandas' ``apply``, an
    ``exec``, a course module that calls a function it is given, such as ``mltestscore.scorecard``'s judges), is the
    notebook's. Trusted: the checks, ``exercises`` and the tools (by their file in the package), and the repository's
    tests. Anything else is the notebook's: module ``__main__``, code compiled from a cell (whatever ``__name__`` its
    globals claim), and any file that is neither the course's, a library's, nor a test (a module the notebook wrote
    and imported, ``runpy``, a test file for :func:`mlopslab.continuous.run_code_checks`).

    A speed bump against reuse, not a wall: a student who compiles code under the package's file name gets past it;
    the grader's scan of exercise cells (:mod:`mlopslab.tools.grading.tamper`) flags ``compile``, ``exec``,
    ``__code__``, ``__closure__`` and naming the checks."""
    while frame is not None:
        name = frame.f_globals.get("__name__") or ""
        filename = frame.f_code.co_filename
        if name == "__main__" or _cell(filename):
            return True
        if filename.startswith(PACKAGE + os.sep):
            if any(name == t or name.startswith(t + ".") for t in TRUSTED):
                return False
        elif filename.startswith(TESTS + os.sep):
            return False
        elif not _library(filename):
            return True
        frame = frame.f_back
    return False


NOTEBOOK_TESTS = "mlopslab-notebook-tests-"
"""Prefix of the temporary folders where :func:`mlopslab.continuous.run_code_checks` writes test source from the
notebook: code run from there is the notebook's, whoever runs it (the lab's CI cell, or a check)."""


def _cell(filename: str) -> bool:
    """Code compiled from a notebook cell: ipykernel names it ``<tmp>/ipykernel_<pid>/<hash>.py`` (older IPython:
    ``<ipython-input-...>``); or a test file the notebook wrote for :func:`mlopslab.continuous.run_code_checks`."""
    return (f"{os.sep}ipykernel_" in filename or filename.startswith("<ipython-input-")
            or os.path.basename(os.path.dirname(filename)).startswith(NOTEBOOK_TESTS))


@functools.cache
def _library_folders() -> tuple[str, ...]:
    import sysconfig

    paths = sysconfig.get_paths()
    return tuple(sorted({paths[key] for key in ("stdlib", "platstdlib", "purelib", "platlib") if paths.get(key)}))


def _library(filename: str) -> bool:
    """Code of the standard library, of an installed package, or without a file (``<frozen ...>``, ``<string>``)."""
    return filename.startswith("<") or filename.startswith(_library_folders())
