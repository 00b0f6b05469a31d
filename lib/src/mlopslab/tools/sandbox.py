"""A bubblewrap sandbox around an untrusted notebook's kernel (grading).

Inside the sandbox (Debian's ``bwrap``, the unprivileged sandbox behind Flatpak):

* the system (``/usr``), the Python installation and environment (the folders ``python -I`` imports from), and the
  parts of the course the labs read (``lib/``, ``data/``, ``labs/``) are **read-only**; nothing else of the machine
  is there — not the rest of the course repository (sources with solutions, tests, docs, ``.git``), not the
  grader's output folder or working folder, not the other submissions, not the hidden-checks file;
* the submission's own working folder (its tracking store) and the kernel's runtime folder (connection file and
  IPC sockets) are the only writable places; ``/tmp`` and ``/dev/shm`` (joblib's and multiprocessing's
  semaphores) are private, size-capped tmpfs;
* there is **no network** (a private network namespace with only its own loopback: the lab's own scoring server
  works, nothing outside is reachable); the kernel is reached over ``ipc`` sockets in its runtime folder;
* a private PID namespace: the grader's processes and command lines are invisible; no capabilities; a new
  session (no terminal injection); no nested user namespaces; it dies with the grader.

With warm kernels (:mod:`mlopslab.tools.warm`), one such sandbox holds a grading process's zygote, and each kernel
it forks narrows itself further with Landlock (:mod:`mlopslab.tools.confine`) before any student code runs.

The same policy maps onto a container for those who grade in one: a read-only image with the course installed,
``--network none``, a tmpfs ``/tmp``, one volume for the submission's folder, ``--cap-drop ALL``, ``--pids-limit``,
``--memory`` (see docs/grading.md).
"""

from __future__ import annotations

import functools
import json
import os
import shutil
import site
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

from ..config import repo_root

INSTALL_HINT = ("bubblewrap is not installed: `sudo apt-get install bubblewrap` (Debian/Ubuntu) or "
                "`sudo dnf install bubblewrap` (Fedora); or grade in a container (docs/grading.md); or pass "
                "--sandbox none to grade without a sandbox (not safe for untrusted notebooks)")
COURSE_PARTS = ("lib", "data", "labs")
"""The parts of the course repository a lab kernel reads."""
ETC_FILES = ("passwd", "group", "hosts", "nsswitch.conf", "ld.so.cache", "localtime", "mime.types")


def bwrap() -> str | None:
    """The path of ``bwrap``, or None when bubblewrap is not installed."""
    return shutil.which("bwrap")


def _python_paths() -> list[Path]:
    """The interpreter's installation and environment, and the folders it imports from on its own."""
    found = [Path(sys.base_prefix), Path(sys.prefix), Path(sys.executable).resolve().parent]
    return found + [Path(p) for p in _own_import_path() if Path(p).is_dir()]


@functools.cache
def _own_import_path() -> tuple[str, ...]:
    """The import path of this interpreter in isolated mode (``python -I``): its standard library, site-packages
    and what their ``.pth`` files add (an editable install of the course); the user's site-packages when it is on
    ``sys.path``. Not the rest of ``sys.path``: ``python -m mlopslab grade`` puts the folder it is started from
    first on it, and PYTHONPATH or a script can add any folder, such as the instructor's, with the hidden checks,
    the submissions and the gradebook."""
    try:
        proc = subprocess.run([sys.executable, "-I", "-c", "import json, sys; print(json.dumps(sys.path))"],
                              capture_output=True, text=True, timeout=60, check=True)
        paths = json.loads(proc.stdout)
    except (OSError, subprocess.SubprocessError, ValueError):  # no such run possible: the installation's own folders
        installed = [Path(sys.prefix).resolve(), Path(sys.base_prefix).resolve()]
        paths = [p for p in sys.path if p and any(i == Path(p).resolve() or i in Path(p).resolve().parents
                                                  for i in installed)]
    user_site = site.getusersitepackages()
    return tuple(paths + ([user_site] if user_site in sys.path else []))


def _outermost(paths: list[Path]) -> list[Path]:
    """``paths`` resolved, without duplicates or folders inside another listed folder."""
    resolved = sorted({p.resolve() for p in paths if p.exists()}, key=lambda p: len(p.parts))
    kept: list[Path] = []
    for path in resolved:
        if not any(path == k or k in path.parents for k in kept):
            kept.append(path)
    return kept


@dataclass(frozen=True)
class Sandbox:
    """What a sandboxed kernel may read and write; :meth:`command` wraps a kernel's command line in ``bwrap``."""

    readable: tuple[Path, ...]
    writable: tuple[Path, ...] = field(default_factory=tuple)
    tmp_mb: int = 256
    shm_mb: int = 64

    @classmethod
    def for_course(cls, *writable: Path) -> Sandbox:
        """The course's grading sandbox: Python and the course's lib/data/labs read-only, ``writable`` writable."""
        repo, env = repo_root().resolve(), Path(sys.prefix).resolve()
        shown = [repo / part for part in COURSE_PARTS] + [env]

        def allowed(path: Path) -> bool:
            """Never the course repository as a whole (its sources hold the solutions); only its shown parts."""
            if path == repo or path in repo.parents:
                return False
            return repo not in path.parents or any(path == s or s in path.parents for s in shown)

        candidates = [p.resolve() for p in [*_python_paths(), *shown] if p.exists()]
        readable = [p for p in _outermost([p for p in candidates if allowed(p)])
                    if p != Path("/usr") and Path("/usr") not in p.parents]
        return cls(tuple(readable), tuple(Path(w).resolve() for w in writable))

    def command(self, argv: list[str], cwd: Path) -> list[str]:
        """``argv`` run inside the sandbox with ``cwd`` as its working folder."""
        exe = bwrap()
        if exe is None:
            raise FileNotFoundError(INSTALL_HINT)
        args = [exe, "--die-with-parent", "--new-session", "--unshare-all", "--unshare-user", "--disable-userns",
                "--cap-drop", "ALL", "--ro-bind", "/usr", "/usr"]
        for name in ("bin", "lib", "lib64", "sbin"):
            link = Path("/") / name
            if link.is_symlink():
                args += ["--symlink", os.readlink(link), str(link)]
            elif link.is_dir():
                args += ["--ro-bind", str(link), str(link)]
        args += ["--proc", "/proc", "--dev", "/dev", "--size", str(self.tmp_mb * 2**20), "--tmpfs", "/tmp",
                 "--size", str(self.shm_mb * 2**20), "--tmpfs", "/dev/shm"]  # multiprocessing's semaphores, capped
        for name in ETC_FILES:
            if (Path("/etc") / name).exists():
                args += ["--ro-bind", f"/etc/{name}", f"/etc/{name}"]
        for path in self.readable:
            args += ["--ro-bind", str(path), str(path)]
        for path in self.writable:
            args += ["--bind", str(path), str(path)]
        # JPY_PARENT_PID=1: in its own PID namespace the kernel's parent is the sandbox's init, which ipykernel's
        # parent poller would take for "the parent exited"; --die-with-parent does that job instead.
        args += ["--chdir", str(Path(cwd).resolve()), "--setenv", "JPY_PARENT_PID", "1", "--"]
        return args + list(argv)


def environment(workdir: Path, base: dict[str, str]) -> dict[str, str]:
    """A sandboxed kernel's whole environment: ``base`` (the course's settings) and nothing of the grader's."""
    keep = ("MLFLOW_TRACKING_URI", "MLOPSLAB_HOME", "PYDEVD_DISABLE_FILE_VALIDATION", "MPLBACKEND",
            "OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "LANG", "LC_ALL", "TZ")
    env = {k: v for k, v in base.items() if k in keep}
    env.update({"PATH": f"{Path(sys.executable).parent}:/usr/local/bin:/usr/bin:/bin", "HOME": str(workdir),
                "MPLCONFIGDIR": str(workdir / ".matplotlib"), "PYTHONDONTWRITEBYTECODE": "1",
                "JUPYTER_RUNTIME_DIR": str(workdir / ".jupyter"), "TMPDIR": "/tmp"})
    env.setdefault("LANG", "C.UTF-8")
    return env
