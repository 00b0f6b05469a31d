"""Unpacking a downloaded archive safely: never outside the target folder, never beyond a size cap.

An LMS's "download all submissions" zip holds files named by students. :func:`unpack` writes its members under the
target folder only (absolute paths and ``..`` are refused), skips macOS metadata (``__MACOSX/``, ``._*``), writes
no links, and stops at a total and a per-file size cap, so a crafted zip can neither write elsewhere nor fill the
disk.
"""

from __future__ import annotations

import shutil
import zipfile
from pathlib import Path, PurePosixPath

MAX_TOTAL_MB = 2048
MAX_FILE_MB = 512
MAX_MEMBERS = 100_000


class ArchiveError(ValueError):
    """An archive that cannot be unpacked safely; the message says why."""


def _safe_parts(name: str) -> tuple[str, ...] | None:
    path = PurePosixPath(name.replace("\\", "/"))
    if path.is_absolute() or any(part in ("..", "") for part in path.parts) or ":" in path.parts[0]:
        return None
    if any(part == "__MACOSX" or part.startswith("._") or part == ".DS_Store" for part in path.parts):
        return ()
    return path.parts


def unpack(archive: Path, target: Path) -> list[Path]:
    """Unpack ``archive`` (a zip) into ``target`` (emptied first); return the files written."""
    try:
        handle = zipfile.ZipFile(archive)
    except (zipfile.BadZipFile, OSError) as err:
        raise ArchiveError(f"{archive.name}: not a readable zip file ({err})") from err
    if target.exists():
        shutil.rmtree(target)
    target.mkdir(parents=True)
    written, total = [], 0
    with handle:
        members = handle.infolist()
        if len(members) > MAX_MEMBERS:
            raise ArchiveError(f"{archive.name}: more than {MAX_MEMBERS} files")
        for member in members:
            parts = _safe_parts(member.filename)
            if parts is None:
                raise ArchiveError(f"{archive.name}: the member {member.filename!r} would be written outside the folder")
            if not parts or member.is_dir():
                continue
            if member.file_size > MAX_FILE_MB * 2**20:
                raise ArchiveError(f"{archive.name}: {member.filename} is larger than {MAX_FILE_MB} MB")
            total += member.file_size
            if total > MAX_TOTAL_MB * 2**20:
                raise ArchiveError(f"{archive.name}: more than {MAX_TOTAL_MB} MB unpacked")
            destination = target.joinpath(*parts)
            destination.parent.mkdir(parents=True, exist_ok=True)
            with handle.open(member) as source, open(destination, "wb") as sink:  # reads at most file_size bytes
                shutil.copyfileobj(source, sink, 2**20)
            written.append(destination)
    return written
