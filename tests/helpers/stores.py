"""Fresh, empty MLflow tracking stores for tests: one per notebook or test, under one temporary folder."""

from __future__ import annotations

import tempfile
from pathlib import Path

STORES = Path(tempfile.mkdtemp(prefix="mlopslab-tests-"))


def fresh_store(name: str) -> str:
    """A new, empty SQLite tracking store for one notebook or test."""
    from mlopslab.config import empty_store

    return empty_store(Path(tempfile.mkdtemp(prefix=f"{name}-", dir=STORES)))
