"""Warm kernels: every lab kernel is forked from a process that has already imported the course's heavy libraries.

A *zygote* (``python -m mlopslab.tools.warm``) imports pandas, scikit-learn, MLflow, matplotlib, fairlearn, pandera,
the course package and ipykernel once, then waits. For each kernel a process asks for, it forks: the child sets the
kernel's working folder, environment and limits, re-seeds its random generators, and starts an ipykernel on the
connection file it was given. Each notebook still gets its own process with fresh state (a copy of the zygote's
state after its imports, nothing more), its own tracking store and its own limits; only the import time is saved.

:class:`WarmProvisioner` is a jupyter_client kernel provisioner (entry point ``mlopslab-warm``), so nbclient,
papermill and nbval use warm kernels unchanged: a kernelspec whose metadata names the provisioner is enough
(:func:`write_kernelspec`). The forked kernel is made a child of the process that asked for it (that process becomes
a *subreaper*, and the zygote forks twice), so waiting for it, its exit code and the watchdog's process tree work as
for any kernel.

**Grading** (:class:`SandboxedZygote`): each grading process has one zygote of its own, inside one bubblewrap
sandbox (:mod:`mlopslab.tools.sandbox`) whose only writable folder is the process's *area*. It forks one kernel at a
time; the kernel confines itself with Landlock (:mod:`mlopslab.tools.confine`: writes only into its own working,
runtime and ``/tmp`` folders and ``/dev/shm``; no signal, ptrace or memory access outside its own tree) before it
starts, and after it the zygote kills whatever the kernel left running and empties its ``/tmp`` folder and the
sandbox's ``/dev/shm``, while the grader deletes its working folder. Without Landlock (Linux older than 6.12)
grading kernels start cold, each in its own sandbox. In the sandbox, a kernel may also be forked from a lab's
*prefix zygote*, which has already run the lab's cells before its first exercise (:mod:`mlopslab.tools.prefix`).
"""

from __future__ import annotations

import ctypes
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import psutil
from jupyter_client.provisioning import LocalProvisioner

NAME = "mlopslab-warm"
HEAVY = ("numpy", "pandas", "scipy.stats", "sklearn.ensemble", "sklearn.linear_model", "sklearn.pipeline",
         "sklearn.compose", "sklearn.preprocessing", "sklearn.metrics", "sklearn.inspection", "sklearn.model_selection",
         "sklearn.dummy", "matplotlib", "matplotlib.pyplot", "mlflow",
         "mlflow.sklearn", "mlflow.pyfunc", "mlflow.tracking", "mlflow.models", "pandera.pandas", "fairlearn.metrics",
         "ipywidgets", "requests", "ipykernel.kernelapp", "IPython",
         # imported on first use, inside the labs: a SQLite store's first query, a logged sklearn model (skops
         # scans every loaded module at import: 1-2 s), a run's git context, a pandera validation, printed source
         "mlflow.store.tracking.sqlalchemy_store", "mlflow.store.model_registry.sqlalchemy_store",
         "mlflow.store.tracking.sqlalchemy_workspace_store", "sqlalchemy.dialects.sqlite", "alembic.runtime.migration",
         "alembic.command", "alembic.config", "skops.io", "git", "pandera.backends.pandas.container",
         "pandera.backends.pandas.array", "pandera.backends.pandas.builtin_checks",
         "pandera.backends.pandas.builtin_hypotheses", "pandera.backends.pandas.checks",
         "pandera.backends.pandas.components", "pandera.backends.pandas.hypotheses", "pandera.backends.pandas.parsers",
         "pandera.backends.pandas.register",
         "pygments.lexers.python", "pygments.lexers.html")
COURSE = ("config", "data", "policy", "lineage", "exercises", "schema", "maturity", "scrum", "provisioning",
          "privacy", "preparation", "development", "registry", "validation", "trust", "deployment", "monitoring",
          "continuous", "capstone", "mltestscore")
PR_SET_CHILD_SUBREAPER, PR_SET_PDEATHSIG, PR_SET_NAME = 36, 1, 15


# --- the zygote: runs in its own process ------------------------------------------------------------------------

def _import_everything() -> None:
    import importlib

    os.environ.setdefault("MPLBACKEND", "module://matplotlib_inline.backend_inline")
    for name in HEAVY + tuple(f"mlopslab.{m}" for m in COURSE):
        try:
            importlib.import_module(name)
        except Exception:  # noqa: BLE001,S112 -- a module that does not import is simply imported later, cold
            continue


def _become_kernel(spec: dict, shell=None) -> None:
    """In the forked child: become the ipykernel the spec describes (never returns).

    With ``shell`` (forked from a prefix zygote, :mod:`mlopslab.tools.prefix`) the kernel takes over the namespace
    the prefix left in it, and its random generators carry on from the prefix's, as in a kernel that ran it.
    """
    try:
        _prctl(PR_SET_NAME, b"ipykernel")  # what `ps` and psutil call it (its command line is the zygote's)
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        signal.signal(signal.SIGINT, signal.default_int_handler)
        devnull = os.open(os.devnull, os.O_RDWR)
        for fd in (0, 1, 2):
            os.dup2(devnull, fd)
        os.closerange(3, 1024)
        os.chdir(spec["cwd"])
        os.environ.clear()
        os.environ.update(spec["env"])
        tempfile.tempdir = None  # the zygote may have cached its own
        _apply_rlimits(spec.get("rlimits", {}))
        if spec.get("confine"):
            from .confine import confine

            for folder in spec["confine"]:
                os.makedirs(folder, exist_ok=True)
            confine([Path(p) for p in spec["confine"]])
        if shell is None:
            import random

            import numpy as np

            random.seed()
            np.random.seed()
        sys.argv = list(spec["argv"])
        sys.path[:] = [p for p in sys.path if p not in ("", spec["cwd"])]
        from ipykernel.kernelapp import IPKernelApp

        app = IPKernelApp.instance()
        if shell is not None:
            from .prefix import kernel_namespace

            app.user_ns = kernel_namespace(shell)
        app.initialize(spec["argv"][3:])  # after `python -m ipykernel_launcher`
        as_if_imported_in_the_kernel(pandas=shell is None)  # a prefix zygote set pandas' option before the prefix
        app.start()
    finally:
        os._exit(0)


def as_if_imported_in_the_kernel(pandas: bool = True, kernel: bool = True) -> None:
    """Redo what libraries decide at import time from whether IPython is there (the zygote imported them without):
    ``pandas``' display option, and (``kernel``) the widget comm target and inline figures of the running kernel."""
    if pandas and "pandas" in sys.modules:
        sys.modules["pandas"].set_option("display.max_columns", 20)  # pandas' choice inside a Jupyter kernel
    if not kernel:
        return
    if "ipywidgets" in sys.modules:
        sys.modules["ipywidgets"]._handle_ipython()  # registers the widget comm target with the kernel
    if "matplotlib_inline.backend_inline" in sys.modules:
        sys.modules["matplotlib_inline.backend_inline"]._enable_matplotlib_integration()


def _apply_rlimits(rlimits: dict[str, int]) -> None:
    import resource

    for name, value in rlimits.items():
        which = {"data": resource.RLIMIT_DATA, "fsize": resource.RLIMIT_FSIZE}[name]
        resource.setrlimit(which, (value, value))


def fork_kernel(spec: dict, shell=None) -> int:
    """Fork twice so that the kernel is orphaned into the asking process (a subreaper); return the kernel's pid."""
    read_end, write_end = os.pipe()
    middle = os.fork()
    if middle == 0:
        os.close(read_end)
        kernel = os.fork()
        if kernel == 0:
            os.close(write_end)
            _become_kernel(spec, shell)
        os.write(write_end, str(kernel).encode())
        os._exit(0)
    os.close(write_end)
    with os.fdopen(read_end) as pipe:
        pid = int(pipe.read() or 0)
    try:
        os.waitpid(middle, 0)
    except ChildProcessError:  # reaped by the sandboxed zygote's SIGCHLD handler
        pass
    return pid


def _reap(exits: Path | None) -> None:
    """Reap every finished child; in a sandbox, write each one's exit code to ``exits/<pid>`` for the grader."""
    while True:
        try:
            pid, status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if not pid:
            return
        if exits is not None:
            (exits / str(pid)).write_text(str(os.waitstatus_to_exitcode(status)), encoding="utf-8")


def _others() -> list[int]:
    """The live processes of this PID namespace other than its init and this zygote."""
    from . import prefix

    gone = (psutil.STATUS_ZOMBIE, psutil.STATUS_DEAD)
    keep = {1, os.getpid(), *prefix.pids()}
    return [p.pid for p in psutil.process_iter(["status"]) if p.pid not in keep and p.info["status"] not in gone]


def _reset(request: dict, exits: Path | None) -> dict:
    """After a sandboxed kernel: kill what it left running, delete its /tmp folder. Only inside a sandbox."""
    if exits is None:
        return {"error": "reset is only for a sandboxed zygote"}
    for _ in range(200):
        others = _others()
        if not others:
            break
        for pid in others:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        time.sleep(0.01)
        _reap(exits)
    else:
        return {"error": f"processes left after the kernel: {_others()}"}
    tmp = request.get("tmp")
    if tmp:
        shutil.rmtree(tmp, ignore_errors=True)
    for entry in Path("/dev/shm").iterdir() if Path("/dev/shm").is_dir() else ():  # the sandbox's own
        if entry.is_dir() and not entry.is_symlink():
            shutil.rmtree(entry, ignore_errors=True)
        else:
            entry.unlink(missing_ok=True)
    return {"ok": True}


def serve(exits: Path | None = None) -> None:
    """The zygote's loop: one JSON request per line on stdin, one JSON answer per line on stdout.

    ``exits`` is given inside a grading sandbox: the zygote then adopts orphans (a subreaper), records each
    finished child's exit code there, and answers ``reset`` requests.
    """
    _import_everything()
    if exits is not None:
        _prctl(PR_SET_CHILD_SUBREAPER, 1)
        signal.signal(signal.SIGCHLD, lambda *_: _reap(exits))
    out = sys.stdout
    out.write("ready\n")
    out.flush()
    for line in sys.stdin:
        try:
            request = json.loads(line)
            answer = _answer(request, exits)
            if "pid" in answer and exits is not None:
                (exits / str(answer["pid"])).unlink(missing_ok=True)
        except Exception as err:  # noqa: BLE001 -- reported to the asking process
            answer = {"error": f"{type(err).__name__}: {err}"}
        out.write(json.dumps(answer) + "\n")
        out.flush()


def _answer(request: dict, exits: Path | None) -> dict:
    """One request to the zygote: fork a kernel (from a lab's prefix zygote if it names one), or reset, or start
    a prefix zygote or say whether it is alive (only in a grading sandbox: :mod:`mlopslab.tools.prefix`)."""
    from . import prefix

    op = request.get("op", "fork")
    if op == "reset":
        return _reset(request, exits)
    if op in ("prefix", "prefix-alive") and exits is None:
        return {"error": "prefixes are shared only in a sandboxed zygote"}
    if op == "prefix":
        return prefix.start(request)
    if op == "prefix-alive":
        return {"alive": prefix.alive(request.get("key", ""))}
    if request.get("prefix"):
        return prefix.fork(request)
    return {"pid": fork_kernel(request)}


# --- the asking side: a runner worker, the test process, a grader without a sandbox --------------------------------

def _prctl(option: int, value: int | bytes) -> None:
    try:
        ctypes.CDLL(None, use_errno=True).prctl(option, value, 0, 0, 0)
    except (OSError, AttributeError):  # not Linux
        pass


class Zygote:
    """This process's zygote, started on first use and stopped when the process ends."""

    def __init__(self) -> None:
        self.proc: subprocess.Popen | None = None
        self.lock = threading.Lock()

    def _command(self) -> tuple[list[str], dict[str, str]]:
        env = {**os.environ, "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1",
               "PYDEVD_DISABLE_FILE_VALIDATION": "1"}
        return [sys.executable, "-m", "mlopslab.tools.warm"], env

    def _start(self) -> subprocess.Popen:
        _prctl(PR_SET_CHILD_SUBREAPER, 1)
        argv, env = self._command()
        proc = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                                env=env, text=True, preexec_fn=lambda: _prctl(PR_SET_PDEATHSIG, signal.SIGKILL))
        if proc.stdout.readline().strip() != "ready":
            proc.kill()
            proc.wait()
            raise RuntimeError("the warm-kernel zygote did not start")
        return proc

    def ask(self, request: dict) -> dict:
        """Send one request to the zygote (started if needed); its answer. Raises RuntimeError on an error."""
        with self.lock:
            if self.proc is None or self.proc.poll() is not None:
                self.proc = self._start()
            self.proc.stdin.write(json.dumps(request) + "\n")
            self.proc.stdin.flush()
            answer = json.loads(self.proc.stdout.readline() or '{"error": "the zygote died"}')
        if "error" in answer:
            raise RuntimeError(answer["error"])
        return answer

    def launch(self, spec: dict) -> int:
        """Fork a kernel as ``spec`` says; its pid (in the zygote's PID namespace)."""
        try:
            return int(self.ask(spec)["pid"])
        except RuntimeError as err:
            raise RuntimeError(f"could not fork a warm kernel: {err}") from None

    def close(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()


class SandboxedZygote(Zygote):
    """A grading process's zygote, inside one bubblewrap sandbox whose only writable folder is :attr:`area`.

    Working and runtime folders of the kernels it forks must lie in :attr:`area` (:meth:`folder`); one kernel at
    a time (:attr:`session`, held for a kernel's whole life).
    """

    def __init__(self) -> None:
        super().__init__()
        self.area = Path(tempfile.mkdtemp(prefix="mlopslab-grading-")).resolve()
        self.exits = self.area / ".zygote" / "exits"
        self.exits.mkdir(parents=True)
        self.session = threading.Lock()

    def _command(self) -> tuple[list[str], dict[str, str]]:
        from . import sandbox
        from .execution import kernel_env

        home = self.area / ".zygote"
        argv = [sys.executable, "-m", "mlopslab.tools.warm", "--sandboxed", str(self.exits)]
        env = sandbox.environment(home, kernel_env())
        return sandbox.Sandbox.for_course(self.area).command(argv, home), env

    def folder(self, prefix: str) -> Path:
        """A new empty folder in the area, for a kernel's working or runtime files."""
        return Path(tempfile.mkdtemp(prefix=prefix, dir=self.area))

    def launch_kernel(self, spec: dict) -> AdoptedKernel:
        """Fork a kernel inside the sandbox; a handle on it from this side of the sandbox."""
        ns_pid = self.launch(spec)
        bwrap = psutil.Process(self.proc.pid)
        for process in bwrap.children(recursive=True):
            if _ns_pid(process.pid) == ns_pid:
                return AdoptedKernel(process, self.exits / str(ns_pid))
        raise RuntimeError("the sandboxed kernel ended before it started")

    def reset(self, tmp: str) -> None:
        """After a kernel: the zygote kills whatever is left in the sandbox and deletes ``tmp``; if it cannot,
        the whole sandbox goes (the next kernel starts a new one)."""
        try:
            self.ask({"op": "reset", "tmp": tmp})
        except (RuntimeError, OSError, ValueError):
            self.close()

    def close(self) -> None:
        super().close()
        self.proc = None


def _ns_pid(pid: int) -> int | None:
    """A process's pid in its innermost PID namespace (``NSpid`` in /proc/PID/status)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("NSpid:"):
                return int(line.split()[-1])
    except (OSError, ValueError):
        return None
    return None


_SANDBOXED: SandboxedZygote | None = None


def sandboxed_zygote() -> SandboxedZygote | None:
    """This process's sandboxed zygote, or None when warm grading kernels are not possible here (no Landlock 6,
    or ``MLOPSLAB_KERNELS=cold``)."""
    global _SANDBOXED
    from . import confine

    if os.environ.get("MLOPSLAB_KERNELS", "warm") == "cold" or not confine.available():
        return None
    if _SANDBOXED is None:
        import atexit
        from multiprocessing import util

        _SANDBOXED = SandboxedZygote()
        for register in (atexit.register, lambda f: util.Finalize(None, f, exitpriority=0)):
            register(_close_sandboxed)
    return _SANDBOXED


def _close_sandboxed() -> None:
    if _SANDBOXED is not None:
        _SANDBOXED.close()
        shutil.rmtree(_SANDBOXED.area, ignore_errors=True)


ZYGOTE = Zygote()


class ForkedKernel:
    """A Popen-like handle on a forked kernel (our child, thanks to the subreaper)."""

    def __init__(self, pid: int) -> None:
        self.pid, self.returncode = pid, None
        self.stdin = self.stdout = self.stderr = None

    def poll(self) -> int | None:
        if self.returncode is None:
            try:
                pid, status = os.waitpid(self.pid, os.WNOHANG)
            except ChildProcessError:
                self.returncode = 0  # reaped elsewhere: gone all the same
                return self.returncode
            if pid:
                self.returncode = os.waitstatus_to_exitcode(status)
        return self.returncode

    def wait(self, timeout: float | None = None) -> int:
        import time

        deadline = None if timeout is None else time.monotonic() + timeout
        while self.poll() is None:
            if deadline is not None and time.monotonic() > deadline:
                raise subprocess.TimeoutExpired(str(self.pid), timeout)
            time.sleep(0.02)
        return self.returncode

    def send_signal(self, signum: int) -> None:
        if self.poll() is None:
            os.kill(self.pid, signum)

    def kill(self) -> None:
        self.send_signal(signal.SIGKILL)

    def terminate(self) -> None:
        self.send_signal(signal.SIGTERM)


class AdoptedKernel(ForkedKernel):
    """A handle on a kernel forked inside the grading sandbox: not our child; its exit code comes from the file
    the sandboxed zygote writes when it reaps it."""

    def __init__(self, process: psutil.Process, exit_file: Path) -> None:
        super().__init__(process.pid)
        self.process, self.exit_file = process, exit_file

    def poll(self) -> int | None:
        if self.returncode is None:
            try:
                alive = self.process.is_running() and self.process.status() != psutil.STATUS_ZOMBIE
            except psutil.Error:
                alive = False
            if not alive:
                self.returncode = self._exit_code()
        return self.returncode

    def _exit_code(self) -> int:
        for _ in range(50):  # the zygote writes it as soon as it reaps the kernel
            try:
                return int(self.exit_file.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                time.sleep(0.01)
        return -signal.SIGKILL

    def send_signal(self, signum: int) -> None:
        if self.poll() is None:
            try:
                self.process.send_signal(signum)
            except psutil.Error:
                pass


class WarmProvisioner(LocalProvisioner):
    """A kernel provisioner that forks kernels from the zygote instead of starting a new Python."""

    async def launch_kernel(self, cmd: list[str], **kwargs: Any) -> dict:
        from .execution import PARENTS_MLFLOW

        env = {k: v for k, v in (kwargs.get("env") or os.environ).items() if k not in PARENTS_MLFLOW}
        cwd = str(kwargs.get("cwd") or Path.cwd())
        spec = {"argv": cmd, "cwd": cwd, "env": env, "rlimits": getattr(self.parent, "mlopslab_rlimits", {}),
                "prefix": getattr(self.parent, "mlopslab_prefix", None)}
        sandboxed = getattr(self.parent, "mlopslab_zygote", None)
        if sandboxed is not None:
            spec["env"] = {**env, "JPY_PARENT_PID": "1"}  # its parent is the zygote, not this process
            spec["confine"] = getattr(self.parent, "mlopslab_confine", [])
            self.process = sandboxed.launch_kernel(spec)
        else:
            self.process = ForkedKernel(ZYGOTE.launch(spec))
        self.pid, self.pgid, self.cwd = self.process.pid, None, cwd
        return self.connection_info


def metadata() -> dict:
    """Kernelspec metadata that selects the warm provisioner."""
    return {"kernel_provisioner": {"provisioner_name": NAME, "config": {}}}


def write_kernelspec(folder: Path, name: str = NAME) -> Path:
    """A kernelspec ``name`` using warm kernels, under ``folder/kernels``; put ``folder`` on ``JUPYTER_PATH``."""
    spec = {"argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
            "display_name": "Python 3 (warm, MLOps Lab)", "language": "python", "metadata": metadata()}
    target = Path(folder) / "kernels" / name
    target.mkdir(parents=True, exist_ok=True)
    (target / "kernel.json").write_text(json.dumps(spec, indent=1), encoding="utf-8")
    return target


if __name__ == "__main__":
    serve(Path(sys.argv[2]) if sys.argv[1:2] == ["--sandboxed"] else None)
