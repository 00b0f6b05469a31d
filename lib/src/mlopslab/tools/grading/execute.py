"""Executing one assembled submission: the execution layer with the grader's limits, store and clean-up.

The kernel runs in its own working folder with its own new SQLite tracking store. A student's exception does
not stop the run (later exercises still get graded); a cell over the time limit is interrupted and the run goes
on (its grader re-check is then skipped, as it would hang too); the watchdog kills the kernel's process tree at the
notebook's time limit or the memory cap. See :mod:`mlopslab.tools.execution`.
"""

from __future__ import annotations

from pathlib import Path

import nbformat

from .. import prefix
from ..execution import Limits, Outcome
from ..execution import execute as execute_notebook
from ..store_seeds import store_for
from .assemble import GRADER_PREFIX

GRADING = Limits(cell_timeout=60.0, lab_cell_timeout=300.0, notebook_timeout=600.0, memory_mb=2048, file_mb=512)
"""The grader's default limits (``mlopslab grade --timeout/--lab-cell-timeout/--notebook-timeout/--memory-mb``)."""

__all__ = ["GRADING", "Limits", "Outcome", "execute"]


def _skip_recheck_after_timeout(nb: nbformat.NotebookNode, index: int, reply: dict | None) -> None:
    if (reply or {}).get("content", {}).get("ename") != "CellTimeoutError":
        return
    following = nb.cells[index + 1] if index + 1 < len(nb.cells) else None
    if following is not None and following.get("id") == GRADER_PREFIX + nb.cells[index].get("id", ""):
        following.metadata.setdefault("tags", []).append("skip-execution")


def execute(nb: nbformat.NotebookNode, workdir: Path, limits: Limits = GRADING, sandboxed: bool = False,
            lab: str | None = None, lab_path: Path | None = None) -> Outcome:
    """Execute ``nb`` in place in a fresh kernel whose cwd is ``workdir``; never raises for the student's code.

    ``workdir`` holds the submission's own tracking store, new and empty (or, for a ``lab`` that starts from a
    seed, a copy of it: :mod:`mlopslab.tools.store_seeds`); sandboxed, it is the kernel's only writable folder.
    Sandboxed, a lab's cells before its first exercise run once per grading process, not once per submission
    (:mod:`mlopslab.tools.prefix`); the kernel then works in that prefix's folder, put back as the prefix left it,
    and those cells show the outputs they have in ``lab_path`` (the lab ``nb`` was assembled from).
    The kernel's own stdout/stderr are discarded (a flood there could fill the disk).
    """
    workdir.mkdir(parents=True, exist_ok=True)
    shared = prefix.share(nb, lab, lab_path, limits.lab_cell_timeout) if sandboxed and lab else None
    if shared is not None:  # the prefix has run once for this lab: the kernel starts where it ended
        outcome = execute_notebook(nb, shared.cwd, tracking_uri=shared.uri, limits=limits,
                                   on_cell_done=_skip_recheck_after_timeout, sandboxed=True, prefix=shared.key)
        if outcome.status != "startup-failed":
            return outcome
        prefix.unshare(nb, shared)  # no kernel from the prefix (its zygote died): the whole lab runs, as usual
    uri = store_for(lab, workdir / "mlflow")
    return execute_notebook(nb, workdir, tracking_uri=uri, limits=limits, on_cell_done=_skip_recheck_after_timeout,
                            sandboxed=sandboxed)
