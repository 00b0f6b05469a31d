"""Reading, finding and cleaning lab notebooks (small, single-purpose steps)."""

from __future__ import annotations

import copy
import re
from pathlib import Path

import nbformat

from ..config import labs_dir

LAB_NAME = re.compile(r"^(\d\d)_[a-z0-9_]+\.ipynb$")
KERNEL = "python3"


def lab_paths(selected: list[str] | None = None) -> list[Path]:
    """The committed labs in order; ``selected`` keeps those whose number (or name) is listed."""
    paths = sorted(p for p in labs_dir().glob("*.ipynb") if LAB_NAME.match(p.name))
    if not selected:
        return paths
    wanted = {s.removesuffix(".ipynb") for s in selected}
    chosen = [p for p in paths if p.name[:2] in wanted or p.stem in wanted]
    missing = wanted - {p.name[:2] for p in chosen} - {p.stem for p in chosen}
    if missing:
        known = ", ".join(p.stem for p in paths)
        raise ValueError(f"no lab named {', '.join(sorted(missing))}; the labs are: {known}")
    return chosen


def lab_number(path: Path) -> str:
    """"03" for labs/03_data_provisioning_governance.ipynb."""
    return Path(path).name[:2]


def read(path: Path) -> nbformat.NotebookNode:
    """A notebook, read as nbformat v4."""
    return nbformat.read(str(path), as_version=4)


def exercise_id(cell: dict) -> str | None:
    """The exercise id of an exercise cell, else None (also for a cell whose metadata is malformed: a submission's
    cells are untrusted)."""
    metadata = cell.get("metadata") if isinstance(cell, dict) else None
    ours = metadata.get("mlopslab") if isinstance(metadata, dict) else None
    found = ours.get("exercise") if isinstance(ours, dict) else None
    return found if isinstance(found, str) else None


def exercise_cells(nb: dict) -> dict[str, dict]:
    """Exercise id -> the exercise cell, in notebook order."""
    return {exercise_id(c): c for c in nb["cells"] if exercise_id(c)}


def with_answers(nb: nbformat.NotebookNode, answers: dict[str, str]) -> nbformat.NotebookNode:
    """A copy of ``nb`` with the source of each named exercise cell replaced."""
    out = copy.deepcopy(nb)
    cells = exercise_cells(out)
    unknown = set(answers) - set(cells)
    if unknown:
        raise KeyError(f"no exercise cell for {sorted(unknown)} in this lab")
    for ex_id, source in answers.items():
        cells[ex_id]["source"] = source
    return out


_RUN_NOISE = ("papermill", "execution", "collapsed", "scrolled", "ExecuteTime")


def clean(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """Strip run noise (papermill metadata, timings) so a committed lab diffs cleanly."""
    out = copy.deepcopy(nb)
    out.metadata.pop("papermill", None)
    out.metadata.pop("widgets", None)
    out.metadata["kernelspec"] = {"display_name": "Python 3 (ipykernel)", "language": "python", "name": KERNEL}
    out.metadata["language_info"] = {"name": "python", "pygments_lexer": "ipython3"}
    for cell in out.cells:
        for key in _RUN_NOISE:
            cell.metadata.pop(key, None)
        if cell.metadata.get("tags") == []:
            del cell.metadata["tags"]
        for output in cell.get("outputs", []):
            output.get("metadata", {}).pop("papermill", None)
    return out


def dumps(nb: nbformat.NotebookNode) -> str:
    """A notebook as the text written to disk (validated; sorted keys; trailing newline)."""
    nbformat.validate(nb)
    return nbformat.writes(nb) + "\n"


def write(nb: nbformat.NotebookNode, path: Path) -> None:
    """Write a notebook (validated) with a trailing newline."""
    Path(path).write_text(dumps(nb), encoding="utf-8")
