"""Intake: LMS downloads (zipped or unpacked) turned into the grader's own layout, with who and when.

``mlopslab grade DOWNLOADS`` accepts, beside the student folders and flat files of :mod:`.collect`, the "download
all submissions" archive of Canvas, Moodle and Gradescope (:mod:`.lms`), as the ``.zip`` the system gave or
unpacked, at the top of DOWNLOADS or one folder down. A download is recognised by what is in it, never by the
name of the zip. Each submitted notebook is copied to ``OUT/intake/students/<student>/`` under the name the
student gave it, so the usual rules apply (which lab it is, one notebook per lab); the student is matched to the
roster (by e-mail, LMS id, then name) and keyed by e-mail where known. What the LMS says about the submission (its
ids, the submission time, its "late" mark) is kept for the late policy, the grade import and the feedback bundle.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from datetime import tzinfo
from pathlib import Path

from .archives import ArchiveError, unpack
from .collect import slug
from .lms import Entry, Origin, systems
from .roster import Person, Roster


@dataclass
class Intake:
    """What the downloads held: the staged student folders, who each student is, where each file came from."""

    staged: Path | None = None  # OUT/intake/students, when any LMS download was found
    consumed: set[Path] = field(default_factory=set)  # top-level paths of DOWNLOADS that were LMS downloads
    keys: dict[str, str] = field(default_factory=dict)  # staged folder name -> student key
    people: dict[str, Person] = field(default_factory=dict)  # student key -> person
    origins: dict[Path, Origin] = field(default_factory=dict)  # staged notebook -> where it came from
    extracted: list[Path] = field(default_factory=list)  # unpacked zips of the older layouts, to collect as well
    notes: list[str] = field(default_factory=list)


def _claim(folder: Path, zone, hints: list[Path]) -> tuple[list[Entry], set[Path]]:
    entries, taken = [], set()
    for module in systems().values():
        found, paths = module.claim(folder, zone, hints)
        entries += found
        taken |= set(paths)
    return entries, taken


def _identify(entry: Entry, roster: Roster | None) -> Person:
    """The roster's person for an entry (by e-mail, LMS id, SID, name), with the LMS's details filling blanks."""
    known = entry.person
    found = roster.find(email=known.email, canvas_id=known.canvas_id, sis_user_id=known.sis_user_id,
                        name=known.name) if roster else None
    return found.merged(known) if found else known


def _key(person: Person, origin: Origin) -> str:
    if person.email or person.sis_user_id or person.canvas_id:
        return person.key
    if origin.lms == "moodle" and not person.name:
        return f"participant-{origin.participant}"
    return person.name or origin.prefix or "student"


def _downloads(root: Path, staging: Path, zone, intake: Intake) -> list[Entry]:
    """LMS entries at the top of ``root``, in its folders, and in its zips (each unpacked under ``staging/raw``)."""
    hints = sorted(root.glob("*.csv"))  # e.g. Moodle's grading worksheet, downloaded beside its zip
    entries, taken = _claim(root, zone, hints)
    intake.consumed |= taken
    for item in sorted(root.iterdir()):
        if item in taken or item.name.startswith(".") or item.name in ("__MACOSX", ".ipynb_checkpoints"):
            continue
        if item.is_file() and item.suffix.lower() == ".zip":
            target = staging / "raw" / slug(item.stem)
            try:
                unpack(item, target)
            except ArchiveError as err:
                intake.notes.append(str(err))
                intake.consumed.add(item)
                continue
            intake.consumed.add(item)
            inner = [target, *(p for p in sorted(target.iterdir()) if p.is_dir())]
            found = [e for folder in inner for e in _claim(folder, zone, hints)[0]]
            entries += found
            if not found:
                intake.extracted.append(target)  # a zip of student folders: the older layouts
        elif item.is_dir():
            inner = [item, *(p for p in sorted(item.iterdir()) if p.is_dir())]
            found = [e for folder in inner for e in _claim(folder, zone, hints)[0]]
            if found:
                entries += found
                intake.consumed.add(item)
    return entries


def gather(root: Path, staging: Path, roster: Roster | None, zone: tzinfo) -> Intake:
    """Find the LMS downloads under ``root`` and stage their notebooks under ``staging/students``."""
    intake = Intake()
    entries = _downloads(root, staging, zone, intake)
    if not entries:
        return intake
    intake.staged = staging / "students"
    if intake.staged.exists():
        shutil.rmtree(intake.staged)
    for entry in entries:
        person = _identify(entry, roster)
        key = _key(person, entry.origin)
        folder = slug(key)
        while intake.keys.get(folder, key) != key:
            folder += "_"
        intake.keys[folder] = key
        intake.people[key] = intake.people[key].merged(person) if key in intake.people else person
        target = intake.staged / folder / Path(entry.filename).name
        n = 2
        while target.exists():
            target = target.with_name(f"{Path(entry.filename).stem} ({n}){Path(entry.filename).suffix}")
            n += 1
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(entry.path, target)
        intake.origins[target] = entry.origin
        if roster and not roster.find(email=person.email, canvas_id=person.canvas_id, sis_user_id=person.sis_user_id,
                                      name=person.name):
            intake.notes.append(f"{key} ({entry.origin.lms}: {entry.origin.original}) is not on the roster")
    return intake
