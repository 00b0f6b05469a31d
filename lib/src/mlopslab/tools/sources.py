"""Lab sources: one plain-text file per lab, the file an author edits and a reviewer reads.

A source is a jupytext ``py:percent`` notebook in ``course/labs/NN_slug.py``. Besides narrative and code cells it
holds, for every exercise, side by side:

* the **exercise cell** (``# %% mlopslab={"exercise": "NN.name"}``) with its reference solution between
  ``# BEGIN SOLUTION`` / ``# END SOLUTION`` (or one ``name = value  # SOLUTION`` line) and the student's stub in a
  commented ``# BEGIN STUB`` / ``# END STUB`` block just before it (a solution block without one becomes ``...``);
* the **check cell** (``mlopslab={"check": "NN.name"}``);
* **wrong answers** (``mlopslab={"wrong": "NN.name"}``): common mistakes, each a whole exercise cell, which must get
  a hint and less than full marks;
* **shortcuts** (``mlopslab={"shortcut": "NN.name"}``): what a student could paste instead of doing the work (a
  package call, a printed value, an object the lab made), which must not get full marks.

A **written exercise** is a markdown cell ``# %% [markdown] mlopslab={"written": "NN.name"}`` where the student writes
the answer (its stable id is ``written-NN-name``; its rubric is declared in the lab's checks, see
:mod:`mlopslab.rubrics`), and its **model answer** for graders an instructor-only markdown cell
``mlopslab={"model_answer": "NN.name"}``, dropped from the student notebook like wrong answers and shortcuts.

``mlopslab build`` turns a source into the student notebook (stubs only); :func:`answers` gives the tools the
solution, wrong and shortcut sources of each exercise. Docs: ``docs/authoring.md``.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from ..config import repo_root

BEGIN_SOLUTION, END_SOLUTION = "# BEGIN SOLUTION", "# END SOLUTION"
BEGIN_STUB, END_STUB = "# BEGIN STUB", "# END STUB"
SOLUTION_LINE = re.compile(r"^(?P<indent>\s*)(?P<target>[^=#]+?)\s*=\s*(?P<value>.+?)\s+# SOLUTION\s*$")
ROLES = ("exercise", "check", "wrong", "shortcut", "written", "model_answer")
HIDDEN_ROLES = ("wrong", "shortcut", "model_answer")
"""Cells of the source that never reach the student notebook."""
JUPYTEXT_LAYOUT = {"lines_to_next_cell", "lines_to_end_of_cell_marker", "cell_marker", "title"}
"""Cell metadata jupytext keeps for the file's blank lines, not ours."""
SOURCE_NAME = re.compile(r"^(\d\d)_[a-z0-9_]+\.py$")


class SourceError(ValueError):
    """A lab source that cannot be built; the message names the file, the cell and what is wrong."""


def sources_dir() -> Path:
    """The folder of lab sources (instructor side; absent from a student release)."""
    return repo_root() / "course" / "labs"


def source_paths(selected: list[str] | None = None) -> list[Path]:
    """The lab sources in order; ``selected`` keeps those whose number or name is listed."""
    folder = sources_dir()
    paths = sorted(p for p in folder.glob("*.py") if SOURCE_NAME.match(p.name)) if folder.is_dir() else []
    if not selected:
        return paths
    wanted = {s.removesuffix(".py").removesuffix(".ipynb") for s in selected}
    return [p for p in paths if p.name[:2] in wanted or p.stem in wanted]


def source_of(lab: str) -> Path:
    """The source of lab ``NN``; FileNotFoundError saying where sources live (not in a student release)."""
    found = source_paths([lab])
    if not found:
        raise FileNotFoundError(
            f"no source for lab {lab} in {sources_dir()}: sources (with the reference solutions) are in the "
            "instructor's repository, not in a student release")
    return found[0]


def role(cell: dict) -> tuple[str, str] | None:
    """(one of :data:`ROLES`, exercise id) for an exercise-related cell, else None."""
    meta = cell.get("metadata", {}).get("mlopslab", {})
    for name in ROLES:
        if name in meta:
            return name, meta[name]
    return None


def _marker_indent(line: str, marker: str) -> str | None:
    stripped = line.strip()
    return line[: len(line) - len(line.lstrip())] if stripped == marker else None


def split_exercise(text: str, where: str = "") -> tuple[str, str]:
    """(stub, solution) of an exercise cell written with SOLUTION and STUB markers."""
    stub: list[str] = []
    solution: list[str] = []
    mode, indent, stub_given = "shared", "", False
    for number, line in enumerate(text.splitlines(), start=1):
        begin_solution, end_solution = _marker_indent(line, BEGIN_SOLUTION), _marker_indent(line, END_SOLUTION)
        begin_stub, end_stub = _marker_indent(line, BEGIN_STUB), _marker_indent(line, END_STUB)
        if begin_solution is not None or begin_stub is not None:
            if mode != "shared":
                raise SourceError(f"{where}line {number}: a marker block opens inside another one")
            mode, indent = ("solution", begin_solution) if begin_solution is not None else ("stub", begin_stub)
            if mode == "solution" and not stub_given:
                stub.append(f"{indent}...")
            stub_given = False
        elif end_solution is not None or end_stub is not None:
            expected = "solution" if end_solution is not None else "stub"
            if mode != expected:
                raise SourceError(f"{where}line {number}: {line.strip()} without its BEGIN")
            stub_given, mode = mode == "stub", "shared"
        elif mode == "solution":
            solution.append(line)
        elif mode == "stub":
            body = line[len(indent):] if line.startswith(indent) else line.lstrip()
            if body.strip() and not body.startswith("#"):
                raise SourceError(f"{where}line {number}: stub lines are comments (# ...), got {line.strip()!r}")
            stub.append(indent + (body[2:] if body.startswith("# ") else body[1:]))
        else:
            match = SOLUTION_LINE.match(line)
            if match:
                stub.append(f"{match['indent']}{match['target']} = ...")
                solution.append(f"{match['indent']}{match['target']} = {match['value']}")
            else:
                stub.append(line)
                solution.append(line)
            stub_given = False
    if mode != "shared":
        raise SourceError(f"{where}the {mode.upper()} block is not closed")
    if stub == solution:
        raise SourceError(f"{where}the exercise cell has no SOLUTION marker, so its stub would be its solution")
    return "\n".join(stub).rstrip() + "\n", "\n".join(solution).rstrip() + "\n"


@dataclass
class Answers:
    """Per exercise id: the reference solution, known-wrong answers and shortcuts (whole exercise-cell sources)."""

    solution: dict[str, str] = field(default_factory=dict)
    wrong: dict[str, list[str]] = field(default_factory=dict)
    shortcut: dict[str, list[str]] = field(default_factory=dict)
    options: dict[str, dict] = field(default_factory=dict)  # exercise id -> its mlopslab metadata in the source
    prompts: dict[str, str] = field(default_factory=dict)  # written exercise id -> the answer cell as students get it
    model_answers: dict[str, str] = field(default_factory=dict)  # written exercise id -> the model answer (graders)


def read(path: Path) -> nbformat.NotebookNode:
    """A lab source as a notebook (still with solutions, wrong answers and shortcuts in it)."""
    import jupytext

    try:
        return jupytext.read(str(path), fmt="py:percent")
    except Exception as err:  # noqa: BLE001 -- jupytext's own errors name neither the file nor the cause well
        raise SourceError(f"{path}: not a readable py:percent notebook: {err}") from err


def answers(path: Path) -> Answers:
    """The answers held in a lab source."""
    found = Answers()
    for index, cell in enumerate(read(path).cells):
        kind = role(cell)
        if kind is None:
            continue
        name, ex_id = kind
        where = f"{Path(path).name}, cell {index} ({ex_id}): "
        if name == "exercise":
            found.solution[ex_id] = split_exercise(cell.source, where)[1]
            found.options[ex_id] = dict(cell.metadata["mlopslab"])
        elif name in ("wrong", "shortcut"):
            getattr(found, name).setdefault(ex_id, []).append(cell.source.rstrip() + "\n")
        elif name == "written":
            found.prompts[ex_id] = cell.source.rstrip() + "\n"
        elif name == "model_answer":
            found.model_answers[ex_id] = cell.source.rstrip() + "\n"
    return found


CELL_PREFIX = {"exercise": "ex", "check": "check", "written": "written"}
"""The id prefix of each kind of cell the student notebook keeps: ``ex-03-mask-card``, ``written-02-retrospective``."""


def slug_id(exercise_id: str) -> str:
    """"03.mask_card" -> "03-mask-card" (cell ids allow letters, digits, - and _)."""
    return exercise_id.replace(".", "-").replace("_", "-")


def _derived_id(cell: nbformat.NotebookNode) -> str:
    prefix = "md" if cell.cell_type == "markdown" else "code"
    return f"{prefix}-{hashlib.sha1(cell.source.encode()).hexdigest()[:8]}"


def student_cells(path: Path) -> list[nbformat.NotebookNode]:
    """The cells of the student notebook built from a source: stubs in exercise cells, no answers, stable ids."""
    from nbformat.v4 import new_code_cell, new_markdown_cell

    cells, seen = [], set()
    for index, cell in enumerate(read(path).cells):
        kind = role(cell)
        if kind and kind[0] in HIDDEN_ROLES:
            continue
        if kind and kind[0] == "written" and cell.cell_type != "markdown":
            raise SourceError(f"{Path(path).name}, cell {index} ({kind[1]}): a written exercise is a markdown cell")
        meta = {k: v for k, v in cell.metadata.items() if k not in JUPYTEXT_LAYOUT}
        tags = list(meta.pop("tags", []))
        explicit = meta.pop("id", None)
        if cell.cell_type == "markdown":
            built = new_markdown_cell(cell.source)
        elif cell.cell_type == "code":
            source = cell.source
            if kind and kind[0] == "exercise":
                source = split_exercise(source, f"{Path(path).name}, cell {index} ({kind[1]}): ")[0].rstrip("\n")
            built = new_code_cell(source)
        else:
            raise SourceError(f"{Path(path).name}, cell {index}: {cell.cell_type} cells are not used in labs")
        if kind:
            name, ex_id = kind
            explicit = explicit or f"{CELL_PREFIX[name]}-{slug_id(ex_id)}"
            tags = [*tags, name] if name not in tags else tags
            meta.pop("mlopslab")
            built.metadata["mlopslab"] = {name: ex_id}
        if meta:
            raise SourceError(f"{Path(path).name}, cell {index}: unknown cell metadata {sorted(meta)}")
        if tags:
            built.metadata["tags"] = tags
        cell_id = explicit or _derived_id(built)
        base, n = cell_id, 2
        while cell_id in seen:
            cell_id, n = f"{base}-{n}", n + 1
        seen.add(cell_id)
        built.id = cell_id
        cells.append(built)
    return cells
