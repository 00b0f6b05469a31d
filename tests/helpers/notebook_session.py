"""The pytest plugin behind every nbval run: warm kernels, one thread each, and a fresh tracking store per notebook.

Every notebook gets its own new MLflow tracking store, as a graded submission does: empty, or for labs 08 to 10 a
copy of the champion seed (mlopslab.tools.store_seeds). The reference outputs were made on empty stores
(`mlopslab run --update`), so nbval proves the seed changes no output; runs and model versions never leak between
labs, and the suite passes twice in a row. The repository's conftest.py loads it; the release test loads it with
``-p notebook_session`` for nbval on the student release.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from mlopslab.tools import warm
from mlopslab.tools.execution import THREAD_VARIABLES
from stores import STORES, fresh_store

os.environ["PYDEVD_DISABLE_FILE_VALIDATION"] = "1"
# nbval starts each lab's kernel from the kernelspec `mlopslab-warm`: forked from a process that has imported the
# course's libraries once per test process (mlopslab.tools.warm), with a fresh state every time.
warm.write_kernelspec(STORES / "jupyter")
os.environ["JUPYTER_PATH"] = os.pathsep.join(filter(None, [str(STORES / "jupyter"), os.environ.get("JUPYTER_PATH")]))
for _var in THREAD_VARIABLES:
    os.environ.setdefault(_var, "1")  # notebooks run side by side on the xdist workers: one thread each
os.environ.pop("MLFLOW_TRACKING_URI", None)


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    """Before a notebook's kernel starts (nbval sets it up with its first cell), give it a fresh store (the grader's
    start: empty, or the lab's seed)."""
    path = Path(str(item.fspath))
    if path.suffix == ".ipynb" and os.environ.get("MLOPSLAB_NBVAL_NOTEBOOK") != path.name:
        os.environ["MLOPSLAB_NBVAL_NOTEBOOK"] = path.name
        os.environ["MLFLOW_TRACKING_URI"] = fresh_store(path.stem, path.stem[:2])
