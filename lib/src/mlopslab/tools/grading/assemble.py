"""Rebuilding the notebook to grade: the committed lab, with only the student's exercise cells in it.

Every non-exercise cell (set-up, explanations, checks) comes from the committed lab, so editing or deleting
one changes nothing; stored outputs are dropped. A grader cell follows each check cell, and the hidden checks run
in one last cell after everything else. After each lab cell that gives a value to a name a check takes as context
(``check(..., model=candidate)``), a grader cell keeps that value, so the re-check judges the student's answer
against the lab's own objects, not ones the student's cells overwrote (see :mod:`mlopslab.tools.grading.incell`).
The lab's cells after the last grader cell decide no grade, so they are not executed (tagged ``skip-execution``),
unless hidden checks run at the end: those may use anything the lab made (in the labs, 0-3.5 s of a lab's 1-15 s).
"""

from __future__ import annotations

import ast
import copy
import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from .. import notebooks
from .collect import too_large
from .tamper import UNPARSABLE

GRADER_PREFIX = "grader-"
SNAPSHOT_PREFIX = "grader-snapshot-"
HIDDEN_CELL = "grader-hidden-checks"
CASE_KEY_CELL = "grader-case-key"
"""Sets the key the checks draw their made-up cases from (no re-check of its own)."""


class SubmissionError(Exception):
    """The submitted file cannot be graded at all (not JSON, not a notebook)."""


@dataclass
class Assembled:
    """The notebook to execute and what the scorer needs to know about how it was built."""

    nb: nbformat.NotebookNode
    check_cells: dict[str, str]  # exercise id -> id of its restored check cell
    exercise_cells: dict[str, str]  # exercise id -> id of its exercise cell
    sources: dict[str, str]  # exercise id -> the student's source ("" when missing)
    missing: dict[str, str] = field(default_factory=dict)  # exercise id -> why no student cell was used
    notes: list[str] = field(default_factory=list)


def read_submission(path: Path) -> dict:
    """A submitted notebook as plain JSON; SubmissionError saying what is wrong and where."""
    if why := too_large(Path(path)):
        raise SubmissionError(why)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except UnicodeDecodeError as err:
        raise SubmissionError(f"not a text file (byte {err.start} is not UTF-8)") from err
    try:
        data = json.loads(text)
    except json.JSONDecodeError as err:
        raise SubmissionError(f"not valid JSON: {err.msg} (line {err.lineno}, column {err.colno})") from err
    except RecursionError:
        raise SubmissionError("not a Jupyter notebook: its JSON is nested too deeply to read") from None
    if not isinstance(data, dict) or not isinstance(data.get("cells"), list):
        raise SubmissionError("valid JSON but not a Jupyter notebook (no list of cells)")
    return data


def _source(cell: dict) -> str | None:
    source = cell.get("source", "")
    if isinstance(source, list) and all(isinstance(s, str) for s in source):
        return "".join(source)
    return source if isinstance(source, str) else None


def _student_cell(cells: list, cell_id: str, exercise_id: str) -> tuple[dict | None, str]:
    """The student's cell for an exercise: same cell id first, else the last cell tagged with the exercise id."""
    usable = [c for c in cells if isinstance(c, dict)]
    by_id = [c for c in usable if c.get("id") == cell_id]
    by_exercise = [c for c in usable if notebooks.exercise_id(c) == exercise_id] if not by_id else []
    candidates = by_id or by_exercise
    if not candidates:
        return None, f"the exercise cell (id {cell_id}) is missing from the submitted notebook"
    cell = candidates[-1]
    if cell.get("cell_type") != "code":
        return None, f"the exercise cell (id {cell_id}) was turned into a {cell.get('cell_type')} cell"
    if _source(cell) is None:
        return None, f"the exercise cell (id {cell_id}) has a malformed source"
    return cell, ""


def _grader_cell(check_cell: nbformat.NotebookNode) -> nbformat.NotebookNode:
    source = (f'__import__("mlopslab.tools.grading.incell", fromlist=["recheck"]).recheck(\n'
              f"    {check_cell.source!r}, globals())")
    cell = nbformat.v4.new_code_cell(source, id=GRADER_PREFIX + check_cell.id)
    cell.metadata["mlopslab"] = {"grader": check_cell.metadata["mlopslab"]["check"]}
    return cell


def _hidden_cell(extra_checks: Path) -> nbformat.NotebookNode:
    """The last cell: the hidden checks, their source inline (the file never enters the sandbox)."""
    text = Path(extra_checks).read_text(encoding="utf-8")
    source = f'__import__("mlopslab.tools.grading.incell", fromlist=["run_hidden"]).run_hidden({text!r})'
    cell = nbformat.v4.new_code_cell(source, id=HIDDEN_CELL)
    cell.metadata["mlopslab"] = {"grader": "hidden"}
    return cell


def case_key(sources: dict[str, str]) -> str:
    """The key a submission's made-up check cases are drawn from: a hash of all its exercise cells. The same notebook
    graded again draws the same cases; a table typed into any exercise cell changes them."""
    return hashlib.sha256(json.dumps(sources, sort_keys=True).encode()).hexdigest()


def _case_key_cell(key: str) -> nbformat.NotebookNode:
    source = f'__import__("mlopslab.checks._guards", fromlist=["set_case_key"]).set_case_key({key!r})'
    cell = nbformat.v4.new_code_cell(source, id=CASE_KEY_CELL)
    cell.metadata["mlopslab"] = {"grader": "case key"}
    return cell


def _kernel_note(submission: dict) -> list[str]:
    spec = submission.get("metadata", {}).get("kernelspec", {}) if isinstance(submission.get("metadata"), dict) else {}
    name = spec.get("name") if isinstance(spec, dict) else None
    if name and name != notebooks.KERNEL:
        return [f"the notebook asked for kernel {name!r}; it was graded on the course kernel {notebooks.KERNEL!r}"]
    return []


def context_names(check_source: str) -> set[str]:
    """The notebook names a check cell passes as context (``check(..., model=candidate)`` -> ``{"candidate"}``)."""
    try:
        tree = ast.parse(check_source)
    except UNPARSABLE:
        return set()
    return {n.id for call in ast.walk(tree) if isinstance(call, ast.Call) and getattr(call.func, "id", "") == "check"
            for kw in call.keywords for n in ast.walk(kw.value) if isinstance(n, ast.Name)}


def bound_names(source: str) -> set[str]:
    """The names a cell's code binds (assignments, definitions, imports, loop targets)."""
    try:
        tree = ast.parse(source)
    except UNPARSABLE:
        return set()
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            found.add(node.name)
        elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            found.add(node.id)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            found.update((a.asname or a.name).split(".")[0] for a in node.names)
    return found


def _snapshot_cell(lab_cell: nbformat.NotebookNode, names: set[str]) -> nbformat.NotebookNode:
    """A grader cell that keeps the values a lab cell just gave to names checks take as context."""
    source = (f'__import__("mlopslab.tools.grading.incell", fromlist=["snapshot"]).snapshot('
              f"{sorted(names)!r}, globals())")
    cell = nbformat.v4.new_code_cell(source, id=SNAPSHOT_PREFIX + lab_cell.id)
    cell.metadata["mlopslab"] = {"grader": "snapshot"}
    return cell


def assemble(lab_path: Path, submission: dict, extra_checks: Path | None = None) -> Assembled:
    """The committed lab with the student's exercise cells swapped in and a grader cell after each check."""
    lab = notebooks.read(lab_path)
    built = Assembled(nb=copy.deepcopy(lab), check_cells={}, exercise_cells={}, sources={},
                      notes=_kernel_note(submission))
    cells = submission["cells"]
    for cell in built.nb.cells:
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
        exercise_id = notebooks.exercise_id(cell)
        if exercise_id:
            built.exercise_cells[exercise_id] = cell.id
            theirs, why = _student_cell(cells, cell.id, exercise_id)
            if theirs is None:
                built.missing[exercise_id] = why
                built.sources[exercise_id] = ""
            else:
                cell.source = built.sources[exercise_id] = _source(theirs)
    context = {name for c in built.nb.cells if c.cell_type == "code"
               and c.get("metadata", {}).get("mlopslab", {}).get("check") for name in context_names(c.source)}
    restored = []
    keyed = False
    for cell in built.nb.cells:
        restored.append(cell)
        if not keyed and notebooks.exercise_id(cell):  # after the shared prefix, before the first check
            restored.append(_case_key_cell(case_key(built.sources)))
            keyed = True
        is_lab_code = cell.cell_type == "code" and not cell.get("metadata", {}).get("mlopslab")
        snapshot = bound_names(cell.source) & context if is_lab_code else set()
        if snapshot:
            restored.append(_snapshot_cell(cell, snapshot))
        checked = cell.get("metadata", {}).get("mlopslab", {}).get("check")
        if checked and cell.cell_type == "code":
            built.check_cells[checked] = cell.id
            restored.append(_grader_cell(cell))
    if extra_checks:
        restored.append(_hidden_cell(extra_checks))
    else:
        _skip_after_last_grader_cell(restored)
    built.nb.cells = restored
    return built


def _skip_after_last_grader_cell(cells: list[nbformat.NotebookNode]) -> None:
    """Tag ``skip-execution`` the code cells after the last re-check: no grade depends on them."""
    graders = [i for i, c in enumerate(cells) if c.get("id", "").startswith(GRADER_PREFIX)
               and not c.get("id", "").startswith(SNAPSHOT_PREFIX) and c.get("id") != CASE_KEY_CELL]
    for cell in cells[graders[-1] + 1:] if graders else ():
        if cell.cell_type == "code":
            cell.metadata.setdefault("tags", []).append("skip-execution")
