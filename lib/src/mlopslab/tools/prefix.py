"""Grading shares each lab's prefix: the cells before the first exercise run once per lab, not once per student.

Those cells come from the committed lab for every submission (:mod:`mlopslab.tools.grading.assemble`), so their
result is the same for all of them. Inside the grading sandbox, the warm zygote (:mod:`mlopslab.tools.warm`) forks
a *prefix zygote* per lab, which runs the prefix once in a plain IPython shell, in a working folder of its own with
its own tracking store (the lab's seed), and copies that folder to a snapshot. For each submission it puts the
working folder back as the snapshot has it and forks a kernel that starts from the prefix's state: same namespace,
same modules, same random generators, same store. Each submission still gets its own process, a working folder
no other kernel has touched, and its own limits and confinement; only the prefix's work is not done again.

A prefix is shared only when it leaves nothing a fork cannot copy: no thread besides the main one, no child
process (a server), no live database connection (SQLAlchemy engines are disposed first). Otherwise, or when a
prefix cell fails, the lab is graded as before, from its first cell. ``MLOPSLAB_SHARE_PREFIX=0`` turns it off.
The prefix's cells are tagged ``skip-execution`` and keep the committed lab's outputs.
"""

from __future__ import annotations

import gc
import hashlib
import json
import os
import re
import shutil
import signal
import socket
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import nbformat

MAX_LIVE = 2
"""Prefix zygotes kept alive per grading process (the grader sends a worker its submissions lab by lab)."""
NAME = "mlopslab-prefix"
"""What `ps` and psutil call a prefix zygote (at most 15 bytes, the kernel's limit)."""
_HISTORY_NAME = re.compile(r"^(_+|_i+|_i?\d+)$")


# --- the grader's side ---------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Shared:
    """A lab's prefix, already run in the sandbox: kernels for it start in ``cwd`` with tracking store ``uri``."""

    key: str
    cwd: Path
    uri: str
    marked: tuple[str, ...] = ()  # ids of the cells tagged as already run


_FAILED: dict[str, str] = {}
"""Prefixes that could not be shared in this process (key -> why): graded from the first cell, not tried again."""
_URIS: dict[str, str] = {}
"""key -> the tracking store of the prefix built by this process."""


def enabled() -> bool:
    return os.environ.get("MLOPSLAB_SHARE_PREFIX", "1") != "0"


def prefix_length(nb: nbformat.NotebookNode) -> int:
    """The number of cells before the first exercise cell (0 when there is none: nothing to share)."""
    from . import notebooks

    for index, cell in enumerate(nb.cells):
        if notebooks.exercise_id(cell):
            return index
    return 0


def share(nb: nbformat.NotebookNode, lab: str, committed: Path | None = None,
          cell_timeout: float = 300.0) -> Shared | None:
    """Run ``nb``'s prefix in this process's sandboxed zygote (once per lab) and mark it as already run in ``nb``.

    ``nb`` is an assembled submission: its prefix cells are then tagged ``skip-execution`` and get the outputs of
    the same cells in the notebook at ``committed`` (the lab as committed; read only when the prefix is shared).
    None when the prefix cannot be shared (or one of its cells takes longer than ``cell_timeout`` seconds): run
    all of it.
    """
    from . import sandbox, warm
    from .execution import kernel_env
    from .store_seeds import store_for

    zygote = warm.sandboxed_zygote()
    count = prefix_length(nb)
    if zygote is None or not enabled() or not count:
        return None
    cells = [c for c in nb.cells[:count] if c.cell_type == "code" and "skip-execution" not in c.metadata.get("tags", [])]
    key = hashlib.sha256(json.dumps([lab, [c.source for c in cells]]).encode()).hexdigest()[:16]
    if key in _FAILED:
        return None
    work = zygote.area / f"prefix-{lab}-{key}" / "work"
    with zygote.session:  # one kernel or prefix at a time in this sandbox
        try:
            if key not in _URIS or not zygote.ask({"op": "prefix-alive", "key": key})["alive"]:
                shutil.rmtree(work.parent, ignore_errors=True)
                work.mkdir(parents=True)
                _URIS[key] = store_for(lab, work / "mlflow")
                env = {**sandbox.environment(work, kernel_env(_URIS[key])), "TMPDIR": f"/tmp/prefix-{key}"}
                zygote.ask({"op": "prefix", "key": key, "cwd": str(work), "env": env, "cell_timeout": cell_timeout,
                            "snapshot": str(work.parent / "snapshot"), "cells": [c.source for c in cells]})
        except RuntimeError as err:
            _FAILED[key] = str(err)
            return None
    return Shared(key, work, _URIS[key], _mark_as_run(cells, committed))


def unshare(nb: nbformat.NotebookNode, shared: Shared) -> None:
    """Undo :func:`share`'s marks in ``nb``: its prefix runs in the kernel again (the prefix zygote is gone)."""
    for cell in nb.cells:
        if cell.get("id") in shared.marked:
            cell.metadata["tags"].remove("skip-execution")
            cell.outputs, cell.execution_count = [], None


def _mark_as_run(cells: list, committed: Path | None) -> tuple[str, ...]:
    from . import notebooks

    lab = notebooks.read(committed) if committed is not None else None
    outputs = {c.get("id"): c for c in lab.cells if c.cell_type == "code"} if lab is not None else {}
    for cell in cells:
        cell.metadata.setdefault("tags", []).append("skip-execution")
        if cell.get("id") in outputs:
            cell.outputs = [nbformat.from_dict(o) for o in outputs[cell.id].get("outputs", [])]
            cell.execution_count = outputs[cell.id].get("execution_count")
    return tuple(cell.get("id") for cell in cells)


# --- the sandbox's side: in the warm zygote and the prefix zygotes it forks -------------------------------------

class PrefixError(Exception):
    """The prefix cannot be shared (a cell failed, or it left a thread, a process or an open connection)."""


@dataclass
class Live:
    """A prefix zygote, as the sandboxed zygote knows it."""

    pid: int
    channel: Any  # a line-based file on the socket to it


LIVE: dict[str, Live] = {}
"""key -> live prefix zygote (at most :data:`MAX_LIVE`, the least recently used goes first)."""


def start(request: dict) -> dict:
    """In the sandboxed zygote: fork a prefix zygote for ``request`` and wait until it has run the prefix."""
    while len(LIVE) >= MAX_LIVE:
        stop(next(iter(LIVE)))
    ours, theirs = socket.socketpair()
    pid = os.fork()
    if pid == 0:
        ours.close()
        try:
            _serve(request, theirs.makefile("rw"))
        finally:
            os._exit(0)
    theirs.close()
    channel = ours.makefile("rw")
    ours.close()
    answer = json.loads(channel.readline() or '{"error": "the prefix zygote died while running the prefix"}')
    if "error" in answer:
        channel.close()
        _kill(pid)
        return answer
    LIVE[request["key"]] = Live(pid, channel)
    return {"ok": True}


def fork(spec: dict) -> dict:
    """In the sandboxed zygote: ask the prefix zygote of ``spec["prefix"]`` for a kernel; its answer (a pid)."""
    key = spec["prefix"]
    live = LIVE.pop(key, None)
    if live is None:
        return {"error": f"no prefix zygote for {key}"}
    LIVE[key] = live  # now the most recently used
    try:
        live.channel.write(json.dumps(spec) + "\n")
        live.channel.flush()
        answer = json.loads(live.channel.readline() or '{"error": "the prefix zygote died"}')
    except (OSError, ValueError) as err:
        answer = {"error": f"the prefix zygote did not answer: {err}"}
    if "error" in answer:
        stop(key)
    return answer


def stop(key: str) -> None:
    live = LIVE.pop(key, None)
    if live is not None:
        try:
            live.channel.close()
        except OSError:  # it died with a request unsent in the buffer (BrokenPipeError): nothing to close
            pass
        _kill(live.pid)


def pids() -> set[int]:
    return {live.pid for live in LIVE.values()}


def alive(key: str) -> bool:
    """Whether the prefix zygote of ``key`` is still there to fork from (forgotten if it is not)."""
    import psutil

    live = LIVE.get(key)
    try:
        if live is not None and psutil.Process(live.pid).status() != psutil.STATUS_ZOMBIE:
            return True
    except psutil.Error:
        pass
    stop(key)
    return False


def _kill(pid: int) -> None:
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


def _serve(request: dict, channel) -> None:
    """The prefix zygote: run the prefix, snapshot the folder, then fork one kernel per request (never returns)."""
    from . import warm

    warm._prctl(warm.PR_SET_NAME, NAME.encode())
    signal.signal(signal.SIGCHLD, signal.SIG_DFL)  # it waits for its own children; the zygote reaps the kernels
    devnull = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):  # the prefix's prints must not reach the zygote's stdout (the grader reads it)
        os.dup2(devnull, fd)
    work, snapshot = Path(request["cwd"]), Path(request["snapshot"])
    try:
        os.chdir(work)
        os.environ.clear()
        os.environ.update(request["env"])
        os.makedirs(request["env"]["TMPDIR"], exist_ok=True)
        tempfile.tempdir = None
        shell = _run(request["cells"], max(1, round(request.get("cell_timeout", 300))))
        _settle()
        shutil.copytree(work, snapshot, symlinks=True)
    except Exception as err:  # noqa: BLE001 -- reported to the grader, which then runs the whole lab
        channel.write(json.dumps({"error": f"{type(err).__name__}: {err}"}) + "\n")
        channel.flush()
        return
    channel.write('{"ok": true}\n')
    channel.flush()
    for line in channel:
        try:
            spec = json.loads(line)
            shutil.rmtree(work, ignore_errors=True)
            shutil.copytree(snapshot, work, symlinks=True)
            answer = {"pid": warm.fork_kernel(spec, shell)}
        except Exception as err:  # noqa: BLE001 -- reported to the asking process
            answer = {"error": f"{type(err).__name__}: {err}"}
        channel.write(json.dumps(answer) + "\n")
        channel.flush()


def _run(cells: list[str], cell_timeout: int):
    """Run the prefix's cells in a plain IPython shell (no history file, no thread); the shell. A cell over
    ``cell_timeout`` seconds ends this process (SIGALRM): the grader then runs the whole lab in each kernel."""
    from IPython.core.interactiveshell import InteractiveShell
    from traitlets.config import Config

    from . import warm

    config = Config()
    config.HistoryManager.enabled = False
    shell = InteractiveShell.instance(config=config)
    warm.as_if_imported_in_the_kernel(pandas=True, kernel=False)
    for index, source in enumerate(cells):
        signal.alarm(cell_timeout)
        result = shell.run_cell(source, store_history=False)
        signal.alarm(0)
        if not result.success:
            error = result.error_in_exec or result.error_before_exec
            raise PrefixError(f"prefix cell {index} failed: {type(error).__name__}: {error}")
    return shell


def _settle() -> None:
    """Leave nothing a fork cannot copy: close figures and database connections; refuse threads and children."""
    import psutil

    if "matplotlib.pyplot" in sys.modules:
        sys.modules["matplotlib.pyplot"].close("all")
    if "sqlalchemy" in sys.modules:
        engine_class = sys.modules["sqlalchemy"].engine.Engine
        for obj in gc.get_objects():
            if isinstance(obj, engine_class):
                obj.dispose()
    gc.collect()
    threads = len(os.listdir("/proc/self/task")) if os.path.isdir("/proc/self/task") else 1
    if threads > 1:
        raise PrefixError(f"the prefix left {threads - 1} thread(s) running")
    children = psutil.Process().children()
    if children:
        raise PrefixError(f"the prefix left {len(children)} process(es) running")


def kernel_namespace(shell) -> dict:
    """The prefix shell's namespace, for the kernel: the same dict (functions defined in the prefix see it as
    their globals), without the names the old shell added."""
    namespace = shell.user_ns
    for name in list(namespace):
        if (name in shell.user_ns_hidden and not name.startswith("__")) or _HISTORY_NAME.match(name):
            del namespace[name]
    from IPython.core.interactiveshell import InteractiveShell

    InteractiveShell.clear_instance()
    return namespace
