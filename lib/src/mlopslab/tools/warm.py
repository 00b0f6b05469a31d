"""Warm kernels: every lab kernel is forked from a process that has already imported the course's heavy libraries.

A *zygote* (``python -m mlopslab.tools.warm``) imports pandas, scikit-learn, MLflow, matplotlib, fairlearn, pandera,
the course package and ipykernel once, then waits. For each kernel a process asks for, it forks: the child sets the
kernel's working folder, environment and limits, re-seeds its random generators, and starts an ipykernel on the
connection file it was given. Each notebook still gets its own process with fresh state (a copy of the zygote's
state after its imports, nothing more), its own tracking store and its own limits; only the import time is saved.

:class:`WarmProvisioner` is a jupyter_client kernel provisioner (entry point ``mlopslab-warm``), so nbclient,
papermill and nbval use warm kernels unchanged: a kernelspec whose metadata names the provisioner is enough
(:func:`write_kernelspec`). Grading never uses them: a sandboxed kernel must start inside its own sandbox.

The forked kernel is made a child of the process that asked for it (that process becomes a *subreaper*, and the
zygote forks twice), so waiting for it, its exit code and the watchdog's process tree work as for any kernel.
"""

from __future__ import annotations

import ctypes
import json
import os
import signal
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

from jupyter_client.provisioning import LocalProvisioner

NAME = "mlopslab-warm"
HEAVY = ("numpy", "pandas", "scipy.stats", "sklearn.ensemble", "sklearn.linear_model", "sklearn.pipeline",
         "sklearn.compose", "sklearn.preprocessing", "sklearn.metrics", "sklearn.inspection", "sklearn.model_selection",
         "sklearn.dummy", "matplotlib", "matplotlib.pyplot", "mlflow",
         "mlflow.sklearn", "mlflow.pyfunc", "mlflow.tracking", "mlflow.models", "pandera.pandas", "fairlearn.metrics",
         "ipywidgets", "requests", "ipykernel.kernelapp", "IPython")
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


def _become_kernel(spec: dict) -> None:
    """In the forked child: become the ipykernel the spec describes (never returns)."""
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
        _apply_rlimits(spec.get("rlimits", {}))
        import random

        import numpy as np

        random.seed()
        np.random.seed()
        sys.argv = list(spec["argv"])
        sys.path[:] = [p for p in sys.path if p not in ("", spec["cwd"])]
        from ipykernel.kernelapp import IPKernelApp

        app = IPKernelApp.instance()
        app.initialize(spec["argv"][3:])  # after `python -m ipykernel_launcher`
        _as_if_imported_in_the_kernel()
        app.start()
    finally:
        os._exit(0)


def _as_if_imported_in_the_kernel() -> None:
    """Redo what libraries decide at import time from whether IPython is there (the zygote imported them without)."""
    if "pandas" in sys.modules:
        sys.modules["pandas"].set_option("display.max_columns", 20)  # pandas' choice inside a Jupyter kernel
    if "ipywidgets" in sys.modules:
        sys.modules["ipywidgets"]._handle_ipython()  # registers the widget comm target with the kernel
    if "matplotlib_inline.backend_inline" in sys.modules:
        sys.modules["matplotlib_inline.backend_inline"]._enable_matplotlib_integration()


def _apply_rlimits(rlimits: dict[str, int]) -> None:
    import resource

    for name, value in rlimits.items():
        which = {"data": resource.RLIMIT_DATA, "fsize": resource.RLIMIT_FSIZE}[name]
        resource.setrlimit(which, (value, value))


def _fork(spec: dict) -> int:
    """Fork twice so that the kernel is orphaned into the asking process (a subreaper); return the kernel's pid."""
    read_end, write_end = os.pipe()
    middle = os.fork()
    if middle == 0:
        os.close(read_end)
        kernel = os.fork()
        if kernel == 0:
            os.close(write_end)
            _become_kernel(spec)
        os.write(write_end, str(kernel).encode())
        os._exit(0)
    os.close(write_end)
    with os.fdopen(read_end) as pipe:
        pid = int(pipe.read() or 0)
    os.waitpid(middle, 0)
    return pid


def serve() -> None:
    """The zygote's loop: one JSON request per line on stdin, one JSON answer per line on stdout."""
    _import_everything()
    out = sys.stdout
    out.write("ready\n")
    out.flush()
    for line in sys.stdin:
        try:
            answer = {"pid": _fork(json.loads(line))}
        except Exception as err:  # noqa: BLE001 -- reported to the asking process
            answer = {"error": f"{type(err).__name__}: {err}"}
        out.write(json.dumps(answer) + "\n")
        out.flush()


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

    def _start(self) -> subprocess.Popen:
        env = {**os.environ, "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1",
               "PYDEVD_DISABLE_FILE_VALIDATION": "1"}
        proc = subprocess.Popen([sys.executable, "-m", "mlopslab.tools.warm"], stdin=subprocess.PIPE,
                                stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env, text=True,
                                preexec_fn=lambda: _prctl(PR_SET_PDEATHSIG, signal.SIGKILL))
        if proc.stdout.readline().strip() != "ready":
            proc.kill()
            raise RuntimeError("the warm-kernel zygote did not start")
        return proc

    def launch(self, spec: dict) -> int:
        """Fork a kernel as ``spec`` says; its pid."""
        with self.lock:
            if self.proc is None or self.proc.poll() is not None:
                _prctl(PR_SET_CHILD_SUBREAPER, 1)
                self.proc = self._start()
            self.proc.stdin.write(json.dumps(spec) + "\n")
            self.proc.stdin.flush()
            answer = json.loads(self.proc.stdout.readline() or '{"error": "the zygote died"}')
        if "error" in answer:
            raise RuntimeError(f"could not fork a warm kernel: {answer['error']}")
        return int(answer["pid"])

    def close(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()


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


class WarmProvisioner(LocalProvisioner):
    """A kernel provisioner that forks kernels from the zygote instead of starting a new Python."""

    async def launch_kernel(self, cmd: list[str], **kwargs: Any) -> dict:
        env = dict(kwargs.get("env") or os.environ)
        cwd = str(kwargs.get("cwd") or Path.cwd())
        spec = {"argv": cmd, "cwd": cwd, "env": env, "rlimits": getattr(self.parent, "mlopslab_rlimits", {})}
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
    serve()
