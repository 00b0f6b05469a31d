"""Helpers for lab authors: build a lab notebook from cells with stable ids and the exercise metadata."""

from __future__ import annotations

from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from . import notebooks


def md(text: str, id: str | None = None) -> nbformat.NotebookNode:
    """A markdown cell."""
    cell = new_markdown_cell(text.strip("\n"))
    cell.id = id or ""
    return cell


def code(source: str, id: str | None = None, tags: list[str] | None = None) -> nbformat.NotebookNode:
    """A code cell (``tags`` such as ``parameters`` or ``nbval-ignore-output``)."""
    cell = new_code_cell(source.strip("\n"))
    cell.id = id or ""
    if tags:
        cell.metadata["tags"] = list(tags)
    return cell


def exercise(exercise_id: str, source: str) -> nbformat.NotebookNode:
    """An exercise cell: the student edits it; tools find it by tag and id."""
    cell = code(source, id="ex-" + exercise_id.replace(".", "-").replace("_", "-"), tags=["exercise"])
    cell.metadata["mlopslab"] = {"exercise": exercise_id}
    return cell


def check(exercise_id: str, source: str | None = None) -> nbformat.NotebookNode:
    """The self-check cell that follows an exercise cell."""
    name = exercise_id.split(".", 1)[1]
    cell = code(source or f'check("{exercise_id}", {name})',
                id="check-" + exercise_id.replace(".", "-").replace("_", "-"), tags=["check"])
    cell.metadata["mlopslab"] = {"check": exercise_id}
    return cell


def build(cells: list[nbformat.NotebookNode], path: Path) -> None:
    """Write a lab: cells without an explicit id get ``cell-NN`` by position."""
    for index, cell in enumerate(cells):
        if not cell.get("id"):
            cell.id = f"cell-{index:02d}"
    nb = new_notebook(cells=cells)
    notebooks.write(notebooks.clean(nb), path)
