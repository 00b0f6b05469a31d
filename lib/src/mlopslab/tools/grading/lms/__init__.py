"""Learning-management systems: their "download all submissions" archives in, their grade imports and feedback out.

One module per system (:mod:`.canvas`, :mod:`.moodle`, :mod:`.gradescope`), each with

* ``claim(folder, zone)``: the submissions in an unpacked download, as :class:`Entry` objects, and the top-level
  files and folders of ``folder`` that belong to it (so the older layouts skip them);
* ``write_import(book, folder)``: the grade file(s) the system imports as they are, one assignment per lab;
* ``write_feedback(book, folder)``: the per-student feedback in the shape the system takes in bulk.

Where each format comes from is documented in docs/grading.md ("Learning-management systems").
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from ..roster import Person


@dataclass(frozen=True)
class Origin:
    """Where a submission came from, as the LMS names it: what the exports and feedback bundles need again."""

    lms: str
    archive: str = ""  # the download (zip or folder) it was found in
    original: str = ""  # its path inside the download
    name: str = ""
    email: str = ""
    canvas_id: str = ""  # Canvas: the user id in the file name
    attachment: str = ""  # Canvas: the file's attachment id (needed to re-upload feedback)
    prefix: str = ""  # Canvas: "doejane" or "doejane_late"; Moodle: "Jane Doe_1234567"
    participant: str = ""  # Moodle: the participant id of this assignment
    sid: str = ""  # Gradescope: the student id
    submission: str = ""  # Gradescope: the submission's folder ("submission_123")
    submitted_at: str = ""  # ISO 8601 with offset, when the LMS gives the time
    late: bool = False  # the LMS marks the submission late
    group: tuple[str, ...] = field(default_factory=tuple)  # Gradescope: the other submitters of a group submission


@dataclass(frozen=True)
class Entry:
    """One submitted notebook found in a download."""

    path: Path
    filename: str  # the file name the student gave it
    origin: Origin
    person: Person  # the student as the LMS names them


def systems() -> dict:
    """Name -> module, for every LMS supported."""
    from . import canvas, gradescope, moodle

    return {"canvas": canvas, "moodle": moodle, "gradescope": gradescope}
