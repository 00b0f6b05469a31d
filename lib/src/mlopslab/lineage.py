"""Data lineage: the one definition of a data version, and the one tag that carries it (labs 01 to 11).

A data version is the SHA-256 of the data's content: of a file's bytes, or of a DataFrame's CSV text
(``to_csv(index=False)`` with ``\\n`` line ends), so a frame read from a CSV that pandas wrote has the same version
as the file. Every run that touches data records it under the tag :data:`TAG`, so one search
(``tags.data_version = '<version>'``) finds everything that touched a data version.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import pandas as pd

TAG = "data_version"
"""The tag (on MLflow runs and model versions) that records the data version."""


def data_version(data: pd.DataFrame | str | Path) -> str:
    """The SHA-256 content hash (64 hex digits) of a DataFrame or a file."""
    if isinstance(data, pd.DataFrame):
        return hashlib.sha256(data.to_csv(index=False, lineterminator="\n").encode()).hexdigest()
    path = Path(data)
    if not path.is_file():
        raise FileNotFoundError(f"data_version: no such file {path.name!r}")
    return hashlib.sha256(path.read_bytes()).hexdigest()


def short(version: str) -> str:
    """The first 12 hex digits of a version, for tables and plots (the tag always holds all 64)."""
    return version[:12]
