"""A lab's reference answer, and its declared wrong and shortcut answers, as objects a unit test can call, read from
the lab's source so that they cannot drift."""

from __future__ import annotations

import ast
from typing import Any

from mlopslab.tools import answers


def defined(lab: str, exercise: str, name: str, namespace: dict[str, Any]) -> Any:
    """The object ``name`` that the reference solution of ``exercise`` defines, with ``namespace`` as its globals.

    Only the cell's imports and the definition of ``name`` run: its other statements use the lab's earlier cells.
    """
    return _define(answers.of(lab).solution[exercise], f"the solution of {exercise} (lab {lab})", name, namespace)


def declared_mistakes(lab: str, exercise: str, name: str, namespace: dict[str, Any]) -> list[tuple[str, Any]]:
    """("wrong 1", object), ..., ("shortcut 1", object), ...: the object ``name`` each declared wrong and shortcut cell
    of ``exercise`` defines, run as :func:`defined` runs the solution."""
    found = answers.of(lab)
    return [(f"{kind} {number}", _define(source, f"{kind} {number} of {exercise} (lab {lab})", name, namespace))
            for kind, cells in (("wrong", found.wrong), ("shortcut", found.shortcut))
            for number, source in enumerate(cells.get(exercise, []), start=1)]


def _define(source: str, what: str, name: str, namespace: dict[str, Any]) -> Any:
    tree = ast.parse(source)

    def wanted(node: ast.stmt) -> bool:
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            return True
        if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            return node.name == name
        return isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == name for t in node.targets)

    kept = [node for node in tree.body if wanted(node)]
    if not any(not isinstance(node, (ast.Import, ast.ImportFrom)) for node in kept):
        raise LookupError(f"{what} defines no {name!r}")
    scope = dict(namespace)
    exec(compile(ast.Module(kept, type_ignores=[]), f"<{what}>", "exec"), scope)  # noqa: S102
    return scope[name]
