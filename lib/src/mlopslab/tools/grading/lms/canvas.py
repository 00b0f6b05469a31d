"""Canvas: the "Download Submissions" zip in; the gradebook import CSV and the "Re-Upload Submissions" zip out.

**Download.** Canvas zips the uploads flat, each file named ``<name>[_late]_<user id>_<attachment id>_<file name>``:
the student's sortable name without punctuation, lower case (``doejane``), ``late`` when Canvas counts the
submission late, the Canvas user id, the id of the uploaded file, and the file's own name (Canvas adds ``-1``, ``-2``
to a re-submitted file of the same name). Source: canvas-lms ``app/models/content_zipper.rb``
(``get_filename``, ``add_upload_submission``; the zip is named ``<course>-<assignment>_submissions.zip``). The zip
holds no submission time, only the ``late`` mark.

**Grades.** A CSV with the header ``Student, ID, SIS User ID, SIS Login ID, Section`` and one column per
assignment, named ``Title (assignment id)`` to update that assignment (a title Canvas does not know creates a new
one), and an optional ``Points Possible`` row. Canvas matches students by ``ID``, then the SIS ids, then the name.
Source: canvas-lms ``app/models/gradebook_importer.rb`` (``header?``, ``update_column_count``, ``parse_assignments``,
``process_pp``); Canvas guide "How do I import grades in the Gradebook?".

**Feedback.** Canvas's "Re-Upload Submissions" takes a zip of files named like the download; the first two
all-digit parts of a name (split at ``_``) must be the user id and the id of a file of that submission, and each
file becomes a comment attachment on it. Source: canvas-lms ``app/models/assignment.rb``
(``infer_comment_context_from_filename``).
"""

from __future__ import annotations

import csv
import re
import zipfile
from datetime import tzinfo
from pathlib import Path
from typing import TYPE_CHECKING

from ..roster import Person
from . import Entry, Origin

if TYPE_CHECKING:
    from ..book import Book

FILE = re.compile(r"^(?:(?P<name>[^_].*?)_)??(?:(?P<late>late)_)?(?P<user>\d{3,})_(?P<attachment>\d{3,})_(?P<file>.+)$",
                  re.IGNORECASE)


def claim(folder: Path, zone: tzinfo, hints: list[Path] | None = None) -> tuple[list[Entry], list[Path]]:
    """The Canvas-named files directly in ``folder`` (a Canvas zip is flat)."""
    entries, taken = [], []
    for path in sorted(p for p in folder.iterdir() if p.is_file()):
        match = FILE.match(path.name)
        if not match or "__" in path.name:
            continue
        taken.append(path)
        if path.suffix != ".ipynb":
            continue
        name, late = match["name"] or "", bool(match["late"])
        prefix = "_".join(p for p in (name, "late" if late else "") if p)
        origin = Origin("canvas", folder.name, path.name, name=name, canvas_id=match["user"],
                        attachment=match["attachment"], prefix=prefix, late=late)
        entries.append(Entry(path, match["file"], origin, Person(name=name, canvas_id=match["user"])))
    return entries, taken


def _header_name(book, lab: str) -> str:
    assignment = book.term.lab(lab).canvas_id if book.term else ""
    title = book.lab_title(lab)
    return f"{title} ({assignment})" if assignment else title


def _sortable(name: str) -> str:
    parts = name.split()
    return f"{parts[-1]}, {' '.join(parts[:-1])}" if len(parts) > 1 and "," not in name else name


def write_import(book: Book, folder: Path) -> list[Path]:
    """``canvas-grades.csv``: the gradebook import, a column per lab with the final (after penalty) points."""
    labs = book.labs()
    header = ["Student", "ID", "SIS User ID", "SIS Login ID", "Section", *(_header_name(book, lab) for lab in labs)]
    rows = [["Points Possible", "", "", "", "", *(f"{book.lab_max(lab):g}" for lab in labs)]]
    for student in book.students():
        person = book.person(student)
        canvas_id = person.canvas_id or next((o.canvas_id for o in book.origins_of(student) if o.canvas_id), "")
        if not canvas_id and not person.sis_user_id and not person.sis_login_id:
            book.warn(f"canvas: {student} has no Canvas ID or SIS id (roster column ID); Canvas will match the name")
        row = [_sortable(person.name or student), canvas_id, person.sis_user_id, person.sis_login_id, person.section]
        row += [f"{g.final_points:g}" if (g := book.grade(student, lab)) else "" for lab in labs]
        rows.append(row)
    path = folder / "canvas-grades.csv"
    with open(path, "w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows([header, *rows])
    return [path]


def write_feedback(book: Book, folder: Path) -> list[Path]:
    """``canvas-feedback-labNN.zip`` per lab, for "Re-Upload Submissions": one HTML page per submission."""
    written = []
    for lab in book.labs():
        path = folder / f"canvas-feedback-lab{lab}.zip"
        count = 0
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as bundle:
            for grade in book.grades_of(lab):
                origin = book.origin(grade.student, lab)
                if origin is None or origin.lms != "canvas" or not origin.attachment:
                    if grade.status != "not-submitted":
                        book.warn(f"canvas: no feedback file for {grade.student}, lab {lab}: not from a Canvas "
                                  "download (Canvas needs the uploaded file's id)")
                    continue
                stem = "_".join(p for p in (origin.prefix, origin.canvas_id, origin.attachment) if p)
                bundle.writestr(f"{stem}_feedback-lab{lab}.html", book.lab_page(grade))
                count += 1
        if count:
            written.append(path)
        else:
            path.unlink()
    return written
