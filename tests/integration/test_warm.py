"""Warm kernels (mlopslab.tools.warm): forked from a process that has imported the course's libraries, yet every
notebook gets a fresh kernel that behaves like a cold one. (That every lab gives its committed reference outputs on
a warm kernel is nbval's job: pytest.ini runs nbval on the `mlopslab-warm` kernelspec.)"""

from __future__ import annotations

import shutil

import psutil
import pytest
from mlopslab.config import empty_store
from mlopslab.tools import confine, execution, sandbox
from mlopslab.tools import warm as warming
from nbformat.v4 import new_code_cell, new_notebook


def run(tmp_path, *sources: str, warm: bool = True, sandboxed: bool = False, **limits):
    nb = new_notebook(cells=[new_code_cell(s) for s in sources])
    cwd = execution.scratch("test-", sandboxed) if sandboxed else tmp_path
    outcome = execution.execute(nb, cwd, limits=execution.Limits(**limits), warm=warm, sandboxed=sandboxed)
    if sandboxed:
        shutil.rmtree(cwd)  # as the grader does: the next kernel in this process's sandbox must find nothing
    return nb, outcome


def text(nb) -> str:
    return "".join(o.get("text", "") + str(o.get("data", {}).get("text/plain", "")) + str(o.get("evalue", ""))
                   for c in nb.cells for o in c.outputs)


def test_no_state_leaks_from_one_notebook_to_the_next(tmp_path) -> None:
    first, outcome = run(tmp_path, "import os, pandas as pd\nfrom mlopslab import config\nLEAK = 1\n"
                                   "config.SEED = 7\nos.environ['MLOPSLAB_LEAK'] = '1'\npd.set_option('display.width', 5)\n"
                                   "print(os.getpid())")
    assert outcome.ok, outcome.reason
    second, outcome = run(tmp_path, "import os, pandas as pd\nfrom mlopslab import config\n"
                                    "print('LEAK' in globals(), config.SEED, os.environ.get('MLOPSLAB_LEAK'), "
                                    "pd.get_option('display.width'), os.getpid())")
    assert outcome.ok, outcome.reason
    leaked, seed, env, width, pid = text(second).split()
    assert (leaked, seed, env, width) == ("False", "42", "None", "80")
    assert pid != text(first).strip(), "each notebook has its own process"


def test_a_warm_kernel_behaves_like_a_cold_one(tmp_path) -> None:
    probe = ("import matplotlib.pyplot as plt, pandas as pd, ipywidgets, numpy as np\n"
             "print(pd.get_option('display.max_columns'))\nplt.plot([1, 2]); plt.show()\n"
             "display(ipywidgets.IntSlider())")
    cold, _ = run(tmp_path, probe, warm=False)
    warm, outcome = run(tmp_path, probe)
    assert outcome.ok, outcome.reason

    def kinds(nb) -> list[str]:
        return sorted(mime for o in nb.cells[0].outputs for mime in o.get("data", {"stream": 1}))

    assert kinds(warm) == kinds(cold) and "image/png" in kinds(warm)
    assert "application/vnd.jupyter.widget-view+json" in kinds(warm)
    assert text(warm).split()[0] == text(cold).split()[0] == "20"


def test_random_state_is_fresh_in_each_warm_kernel(tmp_path) -> None:
    draws = [text(run(tmp_path, "import random, numpy as np\nprint(random.random(), np.random.rand())")[0])
             for _ in range(2)]
    assert draws[0] != draws[1]


@pytest.mark.parametrize("warm", [True, False], ids=["warm", "cold"])
def test_running_notebooks_leaves_no_sockets_or_threads_behind(tmp_path, warm) -> None:
    """A grading worker runs hundreds of notebooks in one process: each must give back its file descriptors and
    threads (ZeroMQ contexts, channels), or the worker runs out of open files part-way through a class."""
    me = psutil.Process()
    run(tmp_path, "print(1)", warm=warm)  # the first notebook starts the zygote (warm) and imports what runs them
    fds, threads = me.num_fds(), me.num_threads()
    for _ in range(4):
        _, outcome = run(tmp_path, "print(1)", warm=warm)
        assert outcome.ok, outcome.reason
    assert me.num_fds() - fds <= 2, f"{me.num_fds() - fds} more open files after four notebooks"
    assert me.num_threads() - threads <= 1, f"{me.num_threads() - threads} more threads after four notebooks"


FIRST_USE = ("import sys, pathlib, tempfile\n"
             "before = set(sys.modules)\n"
             "import mlflow, pandas as pd, pandera.pandas as pa\n"
             "from mlopslab.config import empty_store\n"
             "from sklearn.linear_model import LogisticRegression\n"
             "folder = pathlib.Path(tempfile.mkdtemp())\n"
             "mlflow.set_tracking_uri(empty_store(folder))  # a migrated store, as every lab gets\n"
             "with mlflow.start_run():\n"
             "    mlflow.sklearn.log_model(LogisticRegression().fit([[0], [1]], [0, 1]), name='m',\n"
             "                             pip_requirements=['scikit-learn'])\n"
             "pa.DataFrameSchema({'x': pa.Column(int)}).validate(pd.DataFrame({'x': [1]}))\n"
             "heavy = ('skops', 'sqlalchemy', 'alembic', 'git', 'pandera.backends', 'mlflow.store.tracking',\n"
             "         'mlflow.store.model_registry')\n"
             "print('first use:', sorted(m for m in set(sys.modules) - before if m.startswith(heavy))[:5])")


@pytest.mark.parametrize("warm", [True, False], ids=["warm", "cold"])
def test_what_the_labs_import_on_first_use_is_already_imported_in_a_warm_kernel(tmp_path, warm) -> None:
    """A SQLite store's first query, a logged scikit-learn model (skops scans every loaded module when imported)
    and a pandera validation import their modules on first use: a warm kernel has them from its zygote (the cold
    kernel shows that the cell does import them)."""
    empty_store(tmp_path / "template")  # the migrated template every store is copied from, made here once
    nb, outcome = run(tmp_path, FIRST_USE, warm=warm)
    assert outcome.ok, outcome.reason
    imported = text(nb).split("first use:")[-1].strip()
    assert (imported == "[]") == warm, imported


WARM_SANDBOX = pytest.mark.skipif(not (confine.available() and sandbox.bwrap()),
                                  reason="warm grading kernels need bubblewrap and Landlock 6 (Linux 6.12+)")
MODES = [pytest.param(True, False, id="warm"), pytest.param(False, False, id="cold"),
         pytest.param(True, True, id="warm-sandboxed", marks=WARM_SANDBOX)]


@pytest.mark.parametrize(("warm", "sandboxed"), MODES)
def test_limits_and_failures_are_reported_the_same_way(tmp_path, warm, sandboxed) -> None:
    _, outcome = run(tmp_path, "import os\nos._exit(3)", warm=warm, sandboxed=sandboxed)
    assert outcome.status == "kernel-died" and "exit code 3" in outcome.reason, outcome
    nb, outcome = run(tmp_path, "import time\ntime.sleep(30)", "print('after')", warm=warm, sandboxed=sandboxed,
                      lab_cell_timeout=2)
    assert outcome.timed_out and "after" in text(nb), outcome  # interrupted, and the next cell still ran
    nb, _ = run(tmp_path, "hog = bytearray(3 * 2**30)", warm=warm, sandboxed=sandboxed, data_segment_mb=1024,
                memory_mb=None)
    assert "MemoryError" in text(nb) or any(o.get("ename") == "MemoryError" for o in nb.cells[0].outputs)
    nb, outcome = run(tmp_path, "hog = bytearray(900 * 2**20); hog[::4096] = b'x' * len(hog[::4096])",
                      warm=warm, sandboxed=sandboxed, memory_mb=600)
    assert outcome.status == "memory", outcome


@pytest.mark.parametrize("warm", [True, False], ids=["warm", "cold"])
def test_no_kernel_outlives_its_notebook(tmp_path, warm) -> None:
    """A notebook over before the watchdog's first look: its kernel still ends with it, and is waited for."""
    nb, outcome = run(tmp_path, "import os\nprint(os.getpid())", warm=warm)
    assert outcome.ok, outcome.reason
    assert not psutil.pid_exists(int(text(nb))), "the kernel outlived its notebook"


@pytest.mark.parametrize(("warm", "sandboxed"), [*MODES, pytest.param(False, True, id="cold-sandboxed")])
def test_joblib_runs_in_parallel_in_every_kind_of_kernel(tmp_path, warm, sandboxed) -> None:
    """A student's n_jobs=2 works the same everywhere (joblib needs a writable /dev/shm, else warns and goes serial)."""
    nb, outcome = run(tmp_path, "from joblib import Parallel, delayed\n"
                                "print(sum(Parallel(n_jobs=2)(delayed(abs)(i) for i in range(4))))",
                      warm=warm, sandboxed=sandboxed)
    assert outcome.ok, outcome.reason
    assert text(nb).strip() == "6", text(nb)


@WARM_SANDBOX
def test_a_kernel_that_cannot_be_set_up_frees_the_sandbox_for_the_next(tmp_path, monkeypatch) -> None:
    """A failure between taking the sandboxed zygote and running the notebook is a result, and releases the zygote
    (else this grading process would hang on its next submission)."""
    def broken(*_, **__):
        raise OSError("no kernel manager today")

    with monkeypatch.context() as patch:
        patch.setattr(execution, "CourseKernelManager", broken)
        _, outcome = run(tmp_path, "print('never')", sandboxed=True)
    assert outcome.status == "startup-failed" and "no kernel manager today" in outcome.reason, outcome
    zygote = warming.sandboxed_zygote()
    assert zygote is not None and zygote.session.acquire(timeout=5), "the zygote's session lock was left held"
    zygote.session.release()
    nb, outcome = run(tmp_path, "print('next')", sandboxed=True)
    assert outcome.ok and text(nb).strip() == "next", outcome
