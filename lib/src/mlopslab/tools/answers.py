"""Reference answers: a lab executed with its solutions, wrong answers or shortcuts filled in.

The answers come from the lab's source (``course/labs/NN_slug.py``, see :mod:`mlopslab.tools.sources`), never from
the student notebook; a student release has no sources, so these tools say so instead of running.
"""

from __future__ import annotations

import copy
import tempfile
from pathlib import Path

import nbformat

from ..config import labs_dir
from . import execution, notebooks, probe, sources


def of(lab: str) -> sources.Answers:
    """The answers of lab ``NN`` from its source."""
    return sources.answers(sources.source_of(lab))


def chosen(lab: str, kind: str) -> dict[str, str]:
    """Exercise id -> source: the reference ``solution`` or the first ``wrong`` answer of every exercise."""
    found = of(lab)
    if kind == "solution":
        return dict(found.solution)
    if kind == "wrong":
        return {ex: answers[0] for ex, answers in found.wrong.items()}
    raise ValueError(f"kind is 'solution' or 'wrong', not {kind!r}")


def other_wrong(lab: str) -> list[dict[str, str]]:
    """The lab's later declared wrong answers, as answer sets: the k-th set (k >= 2) gives every exercise that has a
    k-th wrong answer that answer, and the others their solution. With ``chosen(lab, "wrong")`` they run every
    declared wrong answer through the whole lab, so that none of them breaks a later cell."""
    found = of(lab)
    most = max((len(w) for w in found.wrong.values()), default=0)
    return [{ex: (found.wrong.get(ex, [])[k] if len(found.wrong.get(ex, [])) > k else solution)
             for ex, solution in found.solution.items()} for k in range(1, most)]


def filled(lab_path: Path, kind: str) -> nbformat.NotebookNode:
    """The committed lab with the ``solution`` or ``wrong`` answers in its exercise cells."""
    return notebooks.with_answers(notebooks.read(lab_path), chosen(notebooks.lab_number(lab_path), kind))


def with_probes(nb: nbformat.NotebookNode, lab: str) -> nbformat.NotebookNode:
    """``nb`` with a probe cell after every check cell (see :mod:`mlopslab.tools.probe`)."""
    found = of(lab)
    printed = probe.printed_values(nb)
    exercise_sources = [found.solution[ex] for ex in found.solution]
    exclude = sorted(probe.bound_names(exercise_sources))
    out = copy.deepcopy(nb)
    cells = []
    for cell in out.cells:
        cells.append(cell)
        checked = cell.get("metadata", {}).get("mlopslab", {}).get("check")
        if checked and cell.cell_type == "code":
            spec = {"exercise": checked, "shortcuts": found.shortcut.get(checked, []),
                    "wrong": found.wrong.get(checked, []), "printed": printed, "exclude": exclude,
                    "choices": found.options.get(checked, {}).get("choices")}
            cells.append(probe.cell(cell.source, spec))
    out.cells = cells
    return out


def run(nb: nbformat.NotebookNode, tracking_uri: str | None = None, timeout: float = 300) -> execution.Outcome:
    """Execute ``nb`` in place (cwd labs/), errors kept in the outputs, on ``tracking_uri`` or a fresh store."""
    from ..config import empty_store

    uri = tracking_uri or empty_store(Path(tempfile.mkdtemp(prefix="mlopslab-answers-")))
    limits = execution.Limits(cell_timeout=timeout, lab_cell_timeout=timeout)
    return execution.execute(nb, labs_dir(), tracking_uri=uri, limits=limits)
