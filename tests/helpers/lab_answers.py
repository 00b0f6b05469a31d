"""A lab's reference answer, and its declared wrong and shortcut answers, as objects a unit test can call, read from
the lab's source so that they cannot drift."""

from __future__ import annotations

import ast
import builtins
import dis
import types
from typing import Any

from mlopslab.tools import answers


def defined(lab: str, exercise: str, name: str, namespace: dict[str, Any]) -> Any:
    """The object ``name`` that the reference solution of ``exercise`` defines, with ``namespace`` as its globals.

    Only the cell's imports, the definition of ``name`` and the cell's own definitions that it reads (a dict of
    functions saved beside it) run: its other statements use the lab's earlier cells. The globals are a notebook's
    (``__name__`` is ``"__main__"``), so the checks see the object as they see the student's. Every global name the
    object's code reads must be in ``namespace``, the cell or the builtins: else LookupError, so that a missing name
    cannot pass for a wrong answer (a NameError on the check's cases scores below full points too).
    """
    return _define(answers.of(lab).solution[exercise], f"the solution of {exercise} (lab {lab})", name, namespace)


def declared_mistakes(lab: str, exercise: str, name: str, namespace: dict[str, Any]) -> list[tuple[str, Any]]:
    """("wrong 1", object), ..., ("shortcut 1", object), ...: the object ``name`` each declared wrong and shortcut cell
    of ``exercise`` defines, run as :func:`defined` runs the solution. At least the two wrong ones every exercise
    declares, so that a renamed cell cannot leave a test with nothing to refuse."""
    found = answers.of(lab)
    if len(found.wrong.get(exercise, [])) < 2:
        raise LookupError(f"{exercise} (lab {lab}) declares fewer than two wrong answers")
    return [(f"{kind} {number}", _define(source, f"{kind} {number} of {exercise} (lab {lab})", name, namespace))
            for kind, cells in (("wrong", found.wrong), ("shortcut", found.shortcut))
            for number, source in enumerate(cells.get(exercise, []), start=1)]


def _bound(node: ast.stmt) -> set[str]:
    """The names a top-level definition or plain assignment binds."""
    if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
        return {node.name}
    if isinstance(node, ast.Assign):
        return {t.id for t in node.targets if isinstance(t, ast.Name)}
    return set()


def _read(nodes: list[ast.stmt]) -> set[str]:
    """The global names ``nodes`` read, when they run (a default argument) or when the functions they define do."""
    return _names_loaded(compile(ast.Module(nodes, type_ignores=[]), "<read>", "exec"))


def _names_loaded(code: types.CodeType) -> set[str]:
    """The names ``code`` and the code nested in it load as globals (a module's LOAD_NAME, a function's LOAD_GLOBAL)."""
    pending, names = [code], set()
    while pending:
        current = pending.pop()
        names |= {i.argval for i in dis.get_instructions(current) if i.opname in ("LOAD_GLOBAL", "LOAD_NAME")}
        pending += [c for c in current.co_consts if isinstance(c, types.CodeType)]
    return names


def _define(source: str, what: str, name: str, namespace: dict[str, Any]) -> Any:
    tree = ast.parse(source)
    chosen = [node for node in tree.body if name in _bound(node)]
    if not chosen:
        raise LookupError(f"{what} defines no {name!r}")
    while True:  # the cell's definitions that the kept ones read, and those they read in turn
        wanted = _read(chosen)
        more = [node for node in tree.body if node not in chosen and _bound(node) & wanted]
        if not more:
            break
        chosen += more
    kept = [node for node in tree.body if isinstance(node, (ast.Import, ast.ImportFrom)) or node in chosen]
    scope = {"__name__": "__main__", **namespace}
    exec(compile(ast.Module(kept, type_ignores=[]), f"<{what}>", "exec"), scope)  # noqa: S102
    own = [obj for obj in scope.values() if isinstance(obj, types.FunctionType) and obj.__globals__ is scope]
    read = set().union(*(_names_loaded(fn.__code__) for fn in own))  # the cell's functions, not the package's
    missing = sorted(read - scope.keys() - set(dir(builtins)))
    if missing:
        raise LookupError(f"{what}: its code reads {', '.join(missing)}, which the test's namespace does not give")
    return scope[name]
