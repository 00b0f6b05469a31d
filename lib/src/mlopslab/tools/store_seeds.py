"""Tracking stores that start where every run of a lab starts: empty, or with the course's champion registered.

Labs 08 to 10 begin by calling :func:`mlopslab.registry.ensure_champion` on their store, which on an empty store
trains, gates, documents, approves and registers the course's champion (a deterministic few seconds, the same in
every run). Where the machinery gives each run its own new store (the grader, the tests),
such a lab's store is a copy of a *seed*: a store in which that call has already run, built once per package, data
and MLflow version and kept in the temporary folder (as :func:`mlopslab.config.empty_store` keeps its template).
The lab's own call then finds the champion and returns at once; nothing else differs. Reference outputs
(``mlopslab run --update``) are still made on empty stores, so nbval on seeded stores proves the seed changes no
output.

A copy is *relocated*: the store records absolute artifact locations (the SQLite tables and each logged model's
``MLmodel`` file), which are rewritten to point into the copy, so each run reads and writes only its own folder.
"""

from __future__ import annotations

import fcntl
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from ..config import data_dir, empty_store, sqlite_uri
from . import fingerprint

SEEDED = {"08": "churn", "09": "churn", "10": "churn-lifecycle"}
"""Lab number -> the registered model whose champion its store starts with. Only for a lab whose first use of the
store is that call: ``registry.ensure_champion()`` (labs 08, 09), or ``continuous.start_lifecycle(MODEL)``, which
begins with ``registry.ensure_champion(MODEL)`` (lab 10)."""

STALE_DAYS = 7
"""A seed no run has used for this long is deleted when a new one of the same model is built (a seed is ~1.5 MB, one
per package version: without this they would pile up in the temporary folder)."""

SEED = "from mlopslab import config, registry\nconfig.quiet()\nregistry.ensure_champion({name!r})\n"
"""The code that fills an empty seed store (run in a fresh interpreter on the seed's store)."""


def store_for(lab: str | None, folder: Path) -> str:
    """A new tracking store in ``folder`` for a run of ``lab``: a copy of the lab's seed, else empty; its URI."""
    seed = template(SEEDED[lab]) if lab in SEEDED else None
    if seed is None:
        return empty_store(folder)
    return copy_store(seed, folder)


def template(name: str) -> Path | None:
    """The folder of the seed with model ``name``'s champion (built on first use, shared by every process); None if
    it cannot be built (the lab then builds the champion itself)."""
    from importlib.metadata import version

    key = fingerprint.digest(SEED.format(name=name), fingerprint.package_digest(), data_dir() / "SHA256SUMS",
                             version("mlflow"), sys.version)[:16]
    home = Path(tempfile.gettempdir())
    folder = home / f"mlopslab-seed-{name}-{key}"
    try:
        if _ours(folder):
            os.utime(folder)  # used now: see STALE_DAYS
            return folder
        with open(home / f"mlopslab-seed-{name}-{os.getuid()}.lock", "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)  # one builder; the others wait for its result
            if not folder.exists():
                built = Path(tempfile.mkdtemp(prefix=f"mlopslab-seed-{name}-", dir=home))
                if not _build(name, built):
                    shutil.rmtree(built, ignore_errors=True)
                    return None
                relocate(built, built.resolve(), folder.resolve())
                os.replace(built, folder)
                prune(home, name, keep=folder)
    except OSError:  # a temporary folder we cannot write: the lab builds its champion itself
        return None
    return folder if _ours(folder) else None


def prune(home: Path, name: str, keep: Path) -> list[Path]:
    """Delete this user's seeds of model ``name`` in ``home``, other than ``keep``, that no run has used for
    :data:`STALE_DAYS`; the ones deleted."""
    pattern = re.compile(rf"mlopslab-seed-{re.escape(name)}-[0-9a-f]{{16}}")
    cutoff = time.time() - STALE_DAYS * 86400
    stale = [other for other in home.iterdir() if pattern.fullmatch(other.name) and other != keep
             and _ours(other) and other.stat().st_mtime < cutoff]
    for other in stale:
        shutil.rmtree(other, ignore_errors=True)
    return stale


def _ours(folder: Path) -> bool:
    """Whether ``folder`` is a complete seed that this user made and no one else can change (the temporary folder
    is shared: a seed planted by another user is never used)."""
    try:
        info = folder.stat()
    except OSError:
        return False
    return (folder / "mlflow.db").is_file() and info.st_uid == os.getuid() and not info.st_mode & 0o022


def _build(name: str, folder: Path) -> bool:
    """Run the seed's code in a fresh interpreter on an empty store in ``folder``; whether it succeeded."""
    from .execution import kernel_env

    env = kernel_env(empty_store(folder), MPLBACKEND="Agg")
    proc = subprocess.run([sys.executable, "-c", SEED.format(name=name)], cwd=folder, env=env, capture_output=True,
                          text=True, timeout=600, check=False)
    return proc.returncode == 0


def copy_store(seed: Path, folder: Path) -> str:
    """A copy of the store in ``seed`` at ``folder`` (which must not hold a store yet), relocated; its URI."""
    folder = Path(folder)
    shutil.copytree(seed, folder, dirs_exist_ok=True)
    relocate(folder, seed.resolve(), folder.resolve())
    return sqlite_uri(folder)


def relocate(folder: Path, old: Path, new: Path) -> None:
    """Rewrite the absolute locations a store in ``folder`` records under ``old`` to the same ones under ``new``."""
    pairs = [(old.as_uri(), new.as_uri()), (str(old), str(new))]  # file:// URIs (percent-encoded) first, then paths
    with sqlite3.connect(folder / "mlflow.db") as db:
        tables = [row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        for table in tables:
            for column in db.execute(f'PRAGMA table_info("{table}")').fetchall():
                if not any(word in column[2].upper() for word in ("CHAR", "TEXT", "CLOB")):
                    continue
                for before, after in pairs:
                    db.execute(f'UPDATE "{table}" SET "{column[1]}" = replace("{column[1]}", ?, ?) '
                               f'WHERE instr("{column[1]}", ?) > 0', (before, after, before))
    db.close()
    for path in folder.rglob("MLmodel"):  # each logged model's own record of where its artifacts are
        text = path.read_text(encoding="utf-8")
        for before, after in pairs:
            text = text.replace(before, after)
        path.write_text(text, encoding="utf-8")
