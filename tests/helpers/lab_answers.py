"""A lab's reference answer as an object a unit test can call, read from the lab's source so that it cannot drift."""

from __future__ import annotations

import ast
from typing import Any

from mlopslab.tools import answers


def defined(lab: str, exercise: str, name: str, namespace: dict[str, Any]) -> Any:
    """The object ``name`` that the reference solution of ``exercise`` defines, with ``namespace`` as its globals.

    Only the cell's imports and the definition of ``name`` run: its other statements use the lab's earlier cells.
    """
    tree = ast.parse(answers.of(lab).solution[exercise])

    def wanted(node: ast.stmt) -> bool:
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            return True
        if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            return node.name == name
        return isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == name for t in node.targets)

    kept = [node for node in tree.body if wanted(node)]
    if not any(not isinstance(node, (ast.Import, ast.ImportFrom)) for node in kept):
        raise LookupError(f"the solution of {exercise} (lab {lab}) defines no {name!r}")
    scope = dict(namespace)
    exec(compile(ast.Module(kept, type_ignores=[]), f"<solution of {exercise}>", "exec"), scope)  # noqa: S102
    return scope[name]
