"""Fresh MLflow tracking stores for tests: one per notebook or test, under one temporary folder.

A store is empty, except for a lab that starts from a seed (``mlopslab.tools.store_seeds``): the grader gives that
lab's submissions the same start, and nbval on such stores proves it changes none of the lab's outputs.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

STORES = Path(tempfile.mkdtemp(prefix="mlopslab-tests-"))


def fresh_store(name: str, lab: str | None = None) -> str:
    """A new SQLite tracking store for one notebook or test: empty, or ``lab``'s seed if it has one."""
    from mlopslab.tools.store_seeds import store_for

    return store_for(lab, Path(tempfile.mkdtemp(prefix=f"{name}-", dir=STORES)))
