"""The exercise harness: execute a lab with its reference solutions or known-wrong answers filled in.

Reference solutions live in ``tests/solutions/labNN.py`` (dicts ``SOLUTIONS`` and ``WRONG`` mapping an
exercise id to the source of its exercise cell), never in labs/.
"""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path
from types import ModuleType

import nbformat

from . import notebooks
from .config import labs_dir, repo_root


def solutions_module(lab: str) -> ModuleType:
    """tests/solutions/labNN.py, loaded as a module."""
    path = repo_root() / "tests" / "solutions" / f"lab{lab}.py"
    if not path.is_file():
        raise FileNotFoundError(f"no reference solutions for lab {lab}: expected {path}")
    spec = importlib.util.spec_from_file_location(f"mlopslab_solutions_lab{lab}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def answers(lab: str, kind: str) -> dict[str, str]:
    """The ``SOLUTIONS`` or ``WRONG`` answers of a lab."""
    return dict(getattr(solutions_module(lab), {"solution": "SOLUTIONS", "wrong": "WRONG"}[kind]))


def execute(nb: nbformat.NotebookNode, timeout: float = 300, tracking_uri: str | None = None) -> nbformat.NotebookNode:
    """Execute a notebook in a fresh kernel with cwd labs/; errors stay in the outputs."""
    from nbclient import NotebookClient

    if tracking_uri:
        os.environ["MLFLOW_TRACKING_URI"] = tracking_uri
    client = NotebookClient(nb, timeout=timeout, kernel_name=notebooks.KERNEL, allow_errors=True,
                            resources={"metadata": {"path": str(labs_dir())}})
    client.execute()
    return nb


def run_with(lab_path: Path, kind: str, timeout: float = 300, tracking_uri: str | None = None) -> nbformat.NotebookNode:
    """Execute a lab with its ``solution`` or ``wrong`` answers filled in."""
    lab = notebooks.lab_number(lab_path)
    nb = notebooks.with_answers(notebooks.read(lab_path), answers(lab, kind))
    return execute(nb, timeout=timeout, tracking_uri=tracking_uri)


def error_outputs(nb: nbformat.NotebookNode) -> list[str]:
    """'cell N: Ename: value' for every error output of an executed notebook."""
    return [
        f"cell {i}: {out.get('ename')}: {out.get('evalue')}"
        for i, cell in enumerate(nb.cells)
        for out in cell.get("outputs", [])
        if out.get("output_type") == "error"
    ]
