"""Executing one assembled notebook in isolation, with a per-cell timeout, a total timeout and a memory cap.

The kernel runs in its own working folder with its own empty SQLite tracking store. A student's exception does
not stop the run (later exercises still get graded); a cell over the time limit is interrupted and the run goes
on; a watchdog kills the kernel when it passes the notebook's time limit or the memory cap.
"""

from __future__ import annotations

import os
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
import psutil

from .. import notebooks
from ..config import repo_root, sqlite_uri
from .assemble import GRADER_PREFIX


@dataclass(frozen=True)
class Limits:
    """Resource limits of one submission's kernel."""

    cell_timeout: float = 60.0  # exercise, check and grader cells: where the student's code runs
    lab_cell_timeout: float = 300.0  # the lab's own cells (set-up, demos), restored from the committed lab
    notebook_timeout: float = 600.0
    memory_mb: int = 2048


@dataclass
class Outcome:
    """How an execution ended: ``status`` is ok, timeout, memory, kernel-died or startup-failed."""

    status: str = "ok"
    reason: str = ""
    executed: set[str] = field(default_factory=set)  # ids of cells that ran to the end (or were interrupted)
    timed_out: set[str] = field(default_factory=set)  # ids of cells stopped by the per-cell timeout
    seconds: float = 0.0


def _rss(process: psutil.Process) -> int:
    try:
        return process.memory_info().rss
    except psutil.Error:  # a child that just ended
        return 0


class _Watchdog(threading.Thread):
    """Kills the kernel's process tree when it passes the deadline or the memory cap."""

    def __init__(self, pid: int, limits: Limits, started: float) -> None:
        super().__init__(daemon=True)
        self.pid, self.limits, self.deadline = pid, limits, started + limits.notebook_timeout
        self.verdict: tuple[str, str] | None = None
        self.peak_mb = 0.0
        self.seen: dict[int, psutil.Process] = {}  # every process of the tree ever seen, to clean up orphans
        self._stop_event = threading.Event()

    def stop(self) -> None:
        """Stop watching and kill what is left of the tree (a student's background processes)."""
        self._stop_event.set()
        self.join(timeout=5)
        for process in self.seen.values():
            try:
                process.kill()  # psutil checks the process is still the one seen, not a reused pid
            except psutil.Error:
                pass

    def _tree(self) -> list[psutil.Process]:
        root = psutil.Process(self.pid)
        return [root, *root.children(recursive=True)]

    def run(self) -> None:
        while not self._stop_event.wait(0.1):
            try:
                tree = self._tree()
            except psutil.Error:
                return  # the kernel is gone
            self.seen.update((p.pid, p) for p in tree)
            rss = sum(_rss(p) for p in tree) / 2**20
            self.peak_mb = max(self.peak_mb, rss)
            if rss > self.limits.memory_mb:
                self.verdict = ("memory", f"the kernel used {rss:.0f} MB, over the cap of {self.limits.memory_mb} MB")
            elif time.monotonic() > self.deadline:
                self.verdict = ("timeout", f"the notebook ran longer than its limit of {self.limits.notebook_timeout:g} s")
            if self.verdict:
                for process in reversed(tree):
                    try:
                        process.kill()
                    except psutil.Error:
                        pass
                return


def kernel_env(workdir: Path) -> dict[str, str]:
    """The kernel's environment: a fresh tracking store in ``workdir``, the grader's course repository."""
    return {
        **os.environ,
        "MLFLOW_TRACKING_URI": sqlite_uri(workdir / "mlflow"),
        "MLOPSLAB_HOME": str(repo_root()),
        "PYDEVD_DISABLE_FILE_VALIDATION": "1",
        "MPLBACKEND": "module://matplotlib_inline.backend_inline",
    }


def _where(nb: nbformat.NotebookNode, index: int | None) -> str:
    if index is None:
        return "before the first cell"
    return f"in cell {index} (id {nb.cells[index].get('id', '?')})"


def _exit_status(process) -> str:
    """' (exit code N)' or ' (killed by signal N)' for a finished kernel process, else ''."""
    code = process.poll() if process is not None else None
    if code is None:
        return ""
    return f" (killed by signal {-code})" if code < 0 else f" (exit code {code})"


def execute(nb: nbformat.NotebookNode, workdir: Path, limits: Limits) -> Outcome:
    """Execute ``nb`` in place in a fresh kernel whose cwd is ``workdir``; never raises for the student's code."""
    from nbclient import NotebookClient
    from nbclient.exceptions import DeadKernelError

    workdir.mkdir(parents=True, exist_ok=True)
    outcome, state = Outcome(), {"cell": None, "watchdog": None, "process": None}
    started = time.monotonic()

    def on_start(**_) -> None:
        state["process"] = getattr(client.km.provisioner, "process", None)
        watchdog = _Watchdog(client.km.provisioner.pid, limits, started)
        state["watchdog"] = watchdog
        watchdog.start()

    def on_execute(cell, cell_index, **_) -> None:
        state["cell"] = cell_index

    def on_executed(cell, cell_index, execute_reply, **_) -> None:
        outcome.executed.add(cell.get("id"))
        if (execute_reply or {}).get("content", {}).get("ename") == "CellTimeoutError":
            outcome.timed_out.add(cell.get("id"))
            following = nb.cells[cell_index + 1] if cell_index + 1 < len(nb.cells) else None
            if following is not None and following.get("id") == GRADER_PREFIX + cell.get("id", ""):
                following.metadata.setdefault("tags", []).append("skip-execution")  # its re-check would hang too

    def timeout_of(cell) -> int:
        seconds = limits.cell_timeout if cell.get("metadata", {}).get("mlopslab") else limits.lab_cell_timeout
        return max(1, round(seconds))

    client = NotebookClient(
        nb, timeout_func=timeout_of, kernel_name=notebooks.KERNEL, allow_errors=True,
        interrupt_on_timeout=True, startup_timeout=60, record_timing=False,
        error_on_timeout={"ename": "CellTimeoutError", "evalue": "stopped: over the time limit per cell",
                          "traceback": []},
        on_notebook_start=on_start, on_cell_execute=on_execute, on_cell_executed=on_executed,
    )
    log = workdir / "kernel.log"
    try:
        with open(log, "wb") as sink:
            client.execute(cwd=str(workdir), env=kernel_env(workdir), stdout=sink, stderr=sink)
    except DeadKernelError:
        outcome.status = "kernel-died"
        outcome.reason = f"the kernel died {_where(nb, state['cell'])}{_exit_status(state['process'])}"
    except Exception as err:  # noqa: BLE001 -- e.g. a kernel that would not start
        outcome.status = "kernel-died" if state["watchdog"] else "startup-failed"
        outcome.reason = f"execution stopped {_where(nb, state['cell'])}: {type(err).__name__}: {err}"
    finally:
        if state["watchdog"]:
            state["watchdog"].stop()
    watchdog = state["watchdog"]
    if watchdog and watchdog.verdict:
        outcome.status = watchdog.verdict[0]
        outcome.reason = f"{watchdog.verdict[1]}; stopped {_where(nb, state['cell'])}"
    outcome.seconds = time.monotonic() - started
    return outcome
