"""Content fingerprints of what a result depends on (cached grades, cached lab runs)."""

from __future__ import annotations

import hashlib
from pathlib import Path


def package_digest() -> str:
    """A hash of every source file of the ``mlopslab`` package: the course modules, the checks, the tools."""
    package = Path(__file__).resolve().parents[1]
    digest = hashlib.sha256()
    for path in sorted(package.rglob("*.py")):
        digest.update(path.relative_to(package).as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def digest(*parts: Path | str | bytes | None) -> str:
    """A hash of files (by content; a missing file counts as empty), texts and bytes, in order."""
    h = hashlib.sha256()
    for part in parts:
        h.update(b"|")
        if isinstance(part, bytes):
            h.update(part)
        elif isinstance(part, Path):
            h.update(part.read_bytes() if part.is_file() else b"")
        elif part is not None:
            h.update(str(part).encode())
    return h.hexdigest()
