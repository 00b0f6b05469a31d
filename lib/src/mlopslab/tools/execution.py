"""The one execution layer: how every tool runs a notebook (runner, answers harness, solutions, grader, bench).

One kernel environment (tracking store, course repository, one BLAS/OpenMP thread, inline plots), one set of
limits (per-cell time for the lab's own cells and for the student's, a notebook deadline, a memory cap) and one
process-tree watchdog that records the peak memory and kills the tree at the cap or the deadline. A failing
notebook is an :class:`Outcome`, never an exception (Ctrl-C excepted).
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
import psutil
from jupyter_client.manager import AsyncKernelManager
from nbclient import NotebookClient

from ..config import repo_root

KERNEL = "python3"
SHARED_MEMORY = "/dev/shm"
"""Writable for a warm sandboxed kernel (joblib's semaphores live there); the zygote empties it after each kernel."""
THREAD_VARIABLES = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")
"""Notebooks run side by side, one per core: a kernel's BLAS/OpenMP threads would only fight over the cores."""
PARENTS_MLFLOW = ("MLFLOW_EXPERIMENT_ID", "MLFLOW_RUN_ID")
"""Never passed on to a kernel: they name an experiment or run in this process's store (``mlflow.set_experiment``
sets ``MLFLOW_EXPERIMENT_ID`` in the environment), which the kernel's own store does not have."""


@dataclass(frozen=True)
class Limits:
    """Resource limits of one notebook's kernel."""

    cell_timeout: float = 300.0  # cells a student writes or the grader adds (exercise, check, grader cells)
    lab_cell_timeout: float = 300.0  # the lab's own cells
    notebook_timeout: float | None = None  # the whole notebook; None: no deadline
    memory_mb: int | None = 3072  # the kernel's process tree, resident memory: killed above it; None: no cap
    data_segment_mb: int | None = None  # the kernel's data segment: a larger allocation raises MemoryError
    file_mb: int | None = None  # the largest file the kernel may write (RLIMIT_FSIZE)
    output_kb: int | None = 1024  # outputs kept per cell (check results always kept); None: no cap


@dataclass
class Outcome:
    """How an execution ended: ``status`` is ok, error, timeout, memory, kernel-died or startup-failed."""

    status: str = "ok"
    reason: str = ""
    executed: set[str] = field(default_factory=set)  # ids of cells that ran to the end (or were interrupted)
    timed_out: set[str] = field(default_factory=set)  # ids of cells stopped by their per-cell timeout
    seconds: float = 0.0
    peak_mb: float = 0.0
    failed_cell: int | None = None  # index of the cell that stopped the run (status error, timeout, ...)

    @property
    def ok(self) -> bool:
        return self.status == "ok"


def kernel_env(tracking_uri: str | None = None, **extra: str) -> dict[str, str]:
    """The environment of a lab kernel: this process's, plus the course's settings and ``extra``."""
    env = {k: v for k, v in os.environ.items() if k not in PARENTS_MLFLOW}
    env.update({"MLOPSLAB_HOME": str(repo_root()), "PYDEVD_DISABLE_FILE_VALIDATION": "1",
                "MPLBACKEND": "module://matplotlib_inline.backend_inline"})
    for var in THREAD_VARIABLES:
        env.setdefault(var, "1")
    if tracking_uri:
        env["MLFLOW_TRACKING_URI"] = tracking_uri
    env.update(extra)
    return env


class Watchdog(threading.Thread):
    """Watches a kernel's process tree: keeps the peak memory; kills the tree at the memory cap or the deadline."""

    def __init__(self, pid: int, limits: Limits, started: float, interval: float = 0.1) -> None:
        super().__init__(daemon=True)
        self.pid, self.limits, self.interval = pid, limits, interval
        self.deadline = started + limits.notebook_timeout if limits.notebook_timeout else None
        self.verdict: tuple[str, str] | None = None
        self.peak_mb = 0.0
        self.seen: dict[int, psutil.Process] = {}  # every process of the tree ever seen, to clean up orphans
        try:
            self.seen[pid] = psutil.Process(pid)  # the kernel itself, even if it ends before the first look
        except psutil.Error:
            pass
        self._stop_event = threading.Event()

    def stop(self) -> None:
        """Stop watching and kill what is left of the tree (background processes a notebook started)."""
        self._stop_event.set()
        self.join(timeout=5)
        kill(list(self.seen.values()))

    def _tree(self) -> list[psutil.Process]:
        root = psutil.Process(self.pid)
        return [root, *root.children(recursive=True)]

    def run(self) -> None:
        while not self._stop_event.wait(self.interval):
            try:
                tree = self._tree()
            except psutil.Error:
                return  # the kernel is gone
            self.seen.update((p.pid, p) for p in tree)
            rss = sum(_rss(p) for p in tree) / 2**20
            self.peak_mb = max(self.peak_mb, rss)
            if self.limits.memory_mb and rss > self.limits.memory_mb:
                self.verdict = ("memory", f"the kernel used {rss:.0f} MB, over the cap of {self.limits.memory_mb} MB")
            elif self.deadline and time.monotonic() > self.deadline:
                self.verdict = ("timeout", f"the notebook ran longer than its limit of {self.limits.notebook_timeout:g} s")
            if self.verdict:
                kill(list(reversed(tree)))
                return


def _rss(process: psutil.Process) -> int:
    try:
        return process.memory_info().rss
    except psutil.Error:  # a child that just ended
        return 0


def kill(processes: list[psutil.Process]) -> None:
    """SIGKILL each process that is still the one seen (psutil checks for a reused pid)."""
    for process in processes:
        try:
            process.kill()
        except psutil.Error:
            pass


def _rlimits(limits: Limits) -> list[str]:
    """``prlimit`` options for the kernel's own limits (a big allocation fails with MemoryError; huge files fail)."""
    exe = shutil.which("prlimit")
    opts = []
    if limits.data_segment_mb:
        opts.append(f"--data={int(limits.data_segment_mb) * 2**20}")
    if limits.file_mb:
        opts.append(f"--fsize={int(limits.file_mb) * 2**20}")
    return [exe, *opts, "--"] if exe and opts else []


class CourseKernelManager(AsyncKernelManager):
    """A kernel on ``ipc`` sockets in a private runtime folder, started under its limits: warm (forked from a
    process that has imported the course's libraries, :mod:`mlopslab.tools.warm`), in a sandbox warm when a
    sandboxed ``zygote`` is given (the kernel then confines itself to ``confine``), else cold in its own sandbox."""

    def __init__(self, runtime: Path, limits: Limits, sandbox=None, cwd: Path | None = None, warm: bool = True,
                 zygote=None, confine: list[str] | None = None, prefix: str | None = None, **kwargs) -> None:
        super().__init__(kernel_name=KERNEL, transport="ipc", ip=str(runtime / "kernel"),
                         connection_file=str(runtime / "kernel.json"),
                         client_class="mlopslab.tools.channels.SlicedKernelClient", **kwargs)
        self.mlopslab_limits, self.sandbox, self.sandbox_cwd = limits, sandbox, cwd
        self.mlopslab_zygote, self.mlopslab_confine = zygote, confine or []
        self.mlopslab_prefix = prefix if zygote is not None else None  # a lab prefix the zygote has run
        self.warm = warm and (sandbox is None or zygote is not None)
        self.mlopslab_rlimits = {name: int(mb) * 2**20 for name, mb in
                                 (("data", limits.data_segment_mb), ("fsize", limits.file_mb)) if mb}
        if sandbox is not None:
            # SIGINT would reach the sandbox's init, not the kernel: interrupt over the control channel instead
            self.kernel_spec.interrupt_mode = "message"
        if self.warm:
            from . import warm as warming

            self.kernel_spec.metadata.update(warming.metadata())

    def format_kernel_cmd(self, extra_arguments: list[str] | None = None) -> list[str]:
        cmd = super().format_kernel_cmd(extra_arguments)
        if self.warm:
            return cmd  # the warm provisioner forks it and applies the limits itself
        if self.sandbox is not None:
            cmd = self.sandbox.command(cmd, self.sandbox_cwd)
        return _rlimits(self.mlopslab_limits) + cmd


class LimitedOutputClient(NotebookClient):
    """Keeps at most ``output_kb`` of outputs per cell (as nbgrader's LimitOutput does); check results always stay."""

    def __init__(self, nb, output_kb: int | None, **kwargs) -> None:
        super().__init__(nb, **kwargs)
        self.output_limit = output_kb * 1024 if output_kb else None
        self.output_used: dict[int, int] = {}

    def output(self, outs, msg, display_id, cell_index):
        if self.output_limit is None or msg["msg_type"] not in ("stream", "display_data", "execute_result", "error"):
            return super().output(outs, msg, display_id, cell_index)
        content = msg.get("content", {})
        if msg["msg_type"] == "error":
            content["traceback"] = content.get("traceback", [])[-100:]  # the end of a traceback says what went wrong
            content["evalue"] = str(content.get("evalue", ""))[:2000]
            return super().output(outs, msg, display_id, cell_index)
        if any(str(mime).startswith("application/vnd.mlopslab") for mime in content.get("data", {})):
            return super().output(outs, msg, display_id, cell_index)
        size = len(json.dumps(content, default=str))
        used = self.output_used.get(cell_index, 0)
        self.output_used[cell_index] = used + size
        if used + size <= self.output_limit:
            return super().output(outs, msg, display_id, cell_index)
        if used <= self.output_limit:
            notice = f"[output cut: this cell printed more than {self.output_limit // 1024} KB]\n"
            outs.append(nbformat.v4.new_output("stream", name="stderr", text=notice))
        return None


def _reap(process) -> None:
    """Wait for the killed kernel process (a zombie otherwise, until this process ends)."""
    if process is None:
        return
    try:
        process.kill()
        process.wait(timeout=5)
    except Exception:  # noqa: BLE001,S110 -- gone already, or not ours to wait for
        pass


def _close(client: NotebookClient) -> None:
    """Close the client's channels and both ZeroMQ contexts (and with them their sockets and threads): nbclient
    leaves them open for a kernel manager it was handed. Left open, a grading worker held 3,471 file descriptors and
    950 threads after about 180 notebooks; under the common limit of 1,024 open files it would fail after ~50."""
    kc, km = getattr(client, "kc", None), client.km
    steps = [kc.stop_channels, lambda: kc.context.destroy(linger=0)] if kc is not None else []
    steps += [lambda: km.context.destroy(linger=0)] if km is not None else []
    for step in steps:
        try:
            step()
        except Exception:  # noqa: BLE001,S112 -- a channel that never started, a context already closed
            continue


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


def _is_students(cell: dict) -> bool:
    """Cells whose code a student writes, or which run it (exercise, check and grader cells)."""
    return bool(cell.get("metadata", {}).get("mlopslab"))


def _last_line(text: str) -> str:
    lines = [line.strip() for line in str(text).splitlines() if line.strip(" -")]
    return lines[-1] if lines else ""


def execute(nb: nbformat.NotebookNode, cwd: Path, *, tracking_uri: str | None = None, limits: Limits = Limits(),
            stop_on_error: bool = False, env: dict[str, str] | None = None, log: Path | None = None,
            on_cell_done=None, sandboxed: bool = False, warm: bool | None = None, prefix: str | None = None) -> Outcome:
    """Execute ``nb`` in place in a fresh kernel whose working folder is ``cwd``.

    With ``stop_on_error`` the first failing cell ends the run (status ``error``, as papermill does); otherwise
    errors stay in the outputs and later cells still run (what grading and the answers harness need). The kernel's
    output streams go to ``log`` (or nowhere). ``sandboxed`` runs the kernel in the grading sandbox
    (:mod:`mlopslab.tools.sandbox`): ``cwd`` is then its only writable folder, besides its private ``/tmp``.
    Kernels are ``warm`` (:mod:`mlopslab.tools.warm`) unless told otherwise, here or by the environment variable
    ``MLOPSLAB_KERNELS=cold``; sandboxed, only when ``cwd`` is in this process's sandboxed zygote's area
    (:func:`scratch`) and the machine has Landlock 6 (else cold, each in its own sandbox). ``prefix`` names a
    lab prefix that sandboxed zygote has already run (:mod:`mlopslab.tools.prefix`): the kernel is forked from it.
    """
    from nbclient.exceptions import CellExecutionError, DeadKernelError

    from . import sandbox as sandboxing

    outcome, state = Outcome(), {"cell": None, "watchdog": None, "process": None, "client": None}
    started = time.monotonic()

    def on_start(**_) -> None:
        state["process"] = getattr(client.km.provisioner, "process", None)
        pid = client.km.provisioner.pid
        watchdog = Watchdog(pid, limits, started)
        state["watchdog"] = watchdog
        watchdog.start()

    def on_execute(cell, cell_index, **_) -> None:
        state["cell"] = cell_index

    def on_executed(cell, cell_index, execute_reply, **_) -> None:
        outcome.executed.add(cell.get("id"))
        if (execute_reply or {}).get("content", {}).get("ename") == "CellTimeoutError":
            outcome.timed_out.add(cell.get("id"))
        if on_cell_done is not None:
            on_cell_done(nb, cell_index, execute_reply)

    def timeout_of(cell) -> int:
        return max(1, round(limits.cell_timeout if _is_students(cell) else limits.lab_cell_timeout))

    Path(cwd).mkdir(parents=True, exist_ok=True)
    if warm is None:
        warm = os.environ.get("MLOPSLAB_KERNELS", "warm") != "cold"
    zygote = _sandboxed_zygote(Path(cwd)) if sandboxed and warm else None
    runtime: Path | None = None
    tmp = ""
    if zygote is not None:
        zygote.session.acquire()  # released in the finally below, whatever happens
    try:
        runtime = zygote.folder("kernel-") if zygote else Path(tempfile.mkdtemp(prefix="mlopslab-kernel-"))
        tmp = f"/tmp/{runtime.name}"  # a warm sandboxed kernel's own /tmp folder (the zygote deletes it afterwards)
        env = env or kernel_env(tracking_uri)
        box = None
        if sandboxed:
            box = sandboxing.Sandbox.for_course(Path(cwd), runtime)
            env = sandboxing.environment(Path(cwd).resolve(), env)
            if zygote is not None:
                env["TMPDIR"] = tmp
        km = CourseKernelManager(runtime, limits, sandbox=box, cwd=Path(cwd), warm=warm, zygote=zygote, prefix=prefix,
                                 confine=[str(Path(cwd).resolve()), str(runtime), tmp, SHARED_MEMORY])
        client = state["client"] = LimitedOutputClient(
            nb, limits.output_kb, km=km, timeout_func=timeout_of, kernel_name=KERNEL, allow_errors=not stop_on_error,
            interrupt_on_timeout=True, startup_timeout=60, record_timing=False,
            error_on_timeout={"ename": "CellTimeoutError", "evalue": "stopped: over the time limit per cell",
                              "traceback": []},
            on_notebook_start=on_start, on_cell_execute=on_execute, on_cell_executed=on_executed,
        )
        with open(log or os.devnull, "wb") as sink:
            client.execute(cwd=str(cwd), env=env, stdout=sink, stderr=sink)
    except CellExecutionError as err:
        outcome.failed_cell = state["cell"]
        ename = "Timeout" if err.ename == "CellTimeoutError" else err.ename
        outcome.status = "timeout" if ename == "Timeout" else "error"
        message = "the cell timed out" if ename == "Timeout" else _last_line(err.evalue)
        outcome.reason = f"cell {state['cell']}: {ename}: {message}"
    except DeadKernelError:
        outcome.failed_cell = state["cell"]
        outcome.status = "kernel-died"
        outcome.reason = f"the kernel died {_where(nb, state['cell'])}{_exit_status(state['process'])} (DeadKernelError)"
    except Exception as err:  # noqa: BLE001 -- e.g. a kernel that would not start: a result, not a crash
        outcome.failed_cell = state["cell"]
        outcome.status = "kernel-died" if state["watchdog"] else "startup-failed"
        outcome.reason = f"execution stopped {_where(nb, state['cell'])}: {type(err).__name__}: {err}"
    finally:
        if state["watchdog"]:
            state["watchdog"].stop()  # kills the kernel's tree: nbclient never shuts down a kernel it was handed
        _reap(state["process"])
        if state["client"] is not None:
            _close(state["client"])
        if zygote is not None:
            if runtime is not None:
                zygote.reset(tmp)
            zygote.session.release()
        if runtime is not None:
            shutil.rmtree(runtime, ignore_errors=True)
    watchdog = state["watchdog"]
    if watchdog and watchdog.verdict:
        outcome.status = watchdog.verdict[0]
        outcome.reason = f"{watchdog.verdict[1]}; stopped {_where(nb, state['cell'])}"
    outcome.peak_mb = watchdog.peak_mb if watchdog else 0.0
    outcome.seconds = time.monotonic() - started
    return outcome


def _sandboxed_zygote(cwd: Path):
    """This process's sandboxed zygote if warm sandboxed kernels are possible here and ``cwd`` is in its area."""
    from . import warm as warming

    zygote = warming.sandboxed_zygote()
    return zygote if zygote is not None and cwd.resolve().is_relative_to(zygote.area) else None


def scratch(prefix: str, sandboxed: bool) -> Path:
    """A new empty working folder for a kernel: for a sandboxed one, in the area its warm zygote can reach."""
    from . import warm as warming

    zygote = warming.sandboxed_zygote() if sandboxed else None
    if zygote is not None:
        return zygote.folder(prefix)
    return Path(tempfile.mkdtemp(prefix=prefix))


def error_outputs(nb: nbformat.NotebookNode) -> list[str]:
    """'cell N: Ename: value' for every error output of an executed notebook."""
    return [
        f"cell {i}: {out.get('ename')}: {out.get('evalue')}"
        for i, cell in enumerate(nb.cells)
        for out in cell.get("outputs", [])
        if out.get("output_type") == "error"
    ]
