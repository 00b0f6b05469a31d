"""``mlopslab build``: the student notebooks in ``labs/`` generated from the lab sources in ``course/labs/``.

It also writes the pages generated from the registry of labs (``course/labs.toml``): the README's table of labs
and ``docs/course_map.md``.

A built notebook holds the stubs, never a solution. It keeps the reference outputs of the committed notebook
cell by cell id (``mlopslab run --update`` refreshes them), so an edit to a source shows up as a stale output in
nbval until the lab is re-run. ``--check`` writes nothing and lists every generated file that is stale or was
edited by hand.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from pathlib import Path

import nbformat
from nbformat.v4 import new_notebook

from ..config import labs_dir, repo_root
from . import catalog, notebooks, sources


def lab_path(source: Path) -> Path:
    """labs/NN_slug.ipynb for course/labs/NN_slug.py."""
    return labs_dir() / f"{Path(source).stem}.ipynb"


def student_notebook(source: Path, previous: nbformat.NotebookNode | None = None) -> nbformat.NotebookNode:
    """The student notebook of ``source``, with the outputs of ``previous`` kept for cells of the same id."""
    kept = {c.id: c for c in (previous.cells if previous else []) if c.cell_type == "code"}
    cells = sources.student_cells(source)
    for cell in cells:
        if cell.cell_type != "code":
            continue
        old = kept.get(cell.id)
        if old is not None and old.source == cell.source:
            cell.outputs = copy.deepcopy(old.get("outputs", []))
            cell.execution_count = old.get("execution_count")
    nb = new_notebook(cells=cells)
    return notebooks.clean(nb)


@dataclass(frozen=True)
class Built:
    """One generated file and whether the committed copy differs from what the source gives."""

    source: Path
    target: Path
    text: str
    status: str  # "same", "stale" (source changed or file edited by hand), "missing"


def _read_or_none(path: Path) -> nbformat.NotebookNode | None:
    try:
        return notebooks.read(path)
    except (OSError, ValueError):
        return None


def _compared(source: Path, target: Path, text: str) -> Built:
    current = target.read_text(encoding="utf-8") if target.is_file() else None
    status = "missing" if current is None else "same" if current == text else "stale"
    return Built(source, target, text, status)


def plan(selected: list[str] | None = None) -> list[Built]:
    """What ``build`` would write (each lab's notebook; with no selection, the registry's pages too)."""
    planned = [_compared(source, lab_path(source), notebooks.dumps(student_notebook(source, _read_or_none(lab_path(source)))))
               for source in sources.source_paths(selected)]
    if not selected:
        planned += [_compared(catalog.registry_path(), target, text) for target, text in catalog.generated().items()]
    return planned


def orphans() -> list[Path]:
    """Notebooks in labs/ without a source (hand-made, or left behind by a renamed lab)."""
    built = {lab_path(s).name for s in sources.source_paths()}
    return [p for p in notebooks.lab_paths() if p.name not in built]


def build(selected: list[str] | None = None) -> list[Built]:
    """Write every stale or missing student notebook; return the plan."""
    planned = plan(selected)
    for item in planned:
        if item.status != "same":
            item.target.parent.mkdir(parents=True, exist_ok=True)
            item.target.write_text(item.text, encoding="utf-8")
    return planned


def problems(selected: list[str] | None = None) -> list[str]:
    """One line per generated file that does not match its source (empty when everything is up to date)."""
    found = [f"{item.target.relative_to(repo_root())}: {_why(item.status)}"
             for item in plan(selected) if item.status != "same"]
    if not selected:
        found += [f"labs/{p.name}: no source course/labs/{p.stem}.py (edit the source, not the notebook)"
                  for p in orphans()]
    return found


def _why(status: str) -> str:
    return {"missing": "not built yet (run `mlopslab build`)",
            "stale": "differs from its source (edited by hand, or the source changed): run `mlopslab build`, "
                     "and `mlopslab run --update` if code changed"}[status]
