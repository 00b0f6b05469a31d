"""Moodle (assignment activity): "Download all submissions" in; the grading worksheet, the gradebook import and the
feedback-files zip out.

**Download.** ``<course short name>-<assignment name>-<course module id>.zip``. With "Download submissions in
folders" (the default since Moodle 3.1) each submission is a folder ``<Full name>_<participant id>_assignsubmission_
file`` (Moodle before 4.1 adds a trailing ``_``) holding the student's files under their own names; without it,
files are named ``<Full name>_<participant id>_assignsubmission_file_<file name>``. Under blind marking the name is
``Participant``. The participant id is per assignment. Source: Moodle ``mod/assign/classes/downloader.php``
(``get_student_prefix``, ``load_submissionplugin_filelist``, ``get_zip_filename``). The zip holds no submission
time; Moodle's **grading worksheet** (``Grades-<course>-<assignment>-<id>.csv``: Identifier ``Participant
<id>``, Full name, Email address, Status, ..., ``Last modified (submission)``) does: put it beside the zip and the
times (and e-mail addresses) are read from it.

**Grades.** The grading worksheet again, filled in ("Upload grading worksheet" of the assignment; the columns
``Identifier``, ``Grade`` and ``Last modified (grade)`` are required, a ``Feedback comments`` column fills the
feedback comments). Source: Moodle ``mod/assign/feedback/offline/importgradeslib.php``
(``assignfeedback_offline_grade_importer::init`` and ``next``). For the course gradebook ("Grades > Import > CSV
file", students identified by e-mail address, one column per grade item) ``moodle-gradebook.csv`` holds every lab.

**Feedback.** "Upload multiple feedback files in a zip": each file in a folder named like the download's but for
the feedback plugin, ``<Full name>_<participant id>_assignfeedback_file/``. Source: Moodle
``mod/assign/feedback/file/importziplib.php`` (``is_valid_filename_for_import``).
"""

from __future__ import annotations

import csv
import html
import re
import zipfile
from datetime import UTC, datetime, tzinfo
from pathlib import Path
from typing import TYPE_CHECKING

from ..roster import Person
from ..term import parse_time
from . import Entry, Origin

if TYPE_CHECKING:
    from ..book import Book

FOLDER = re.compile(r"^(?P<name>.+)_(?P<participant>\d+)_assignsubmission_(?P<plugin>[a-z]+)_?$")
FLAT = re.compile(r"^(?P<name>.+)_(?P<participant>\d+)_assignsubmission_(?P<plugin>[a-z]+)_(?P<file>.+)$")
WORKSHEET = ("Identifier", "Full name", "Email address", "Status", "Grade", "Maximum Grade", "Grade can be changed",
             "Last modified (submission)", "Last modified (grade)", "Feedback comments")
BLIND = "Participant"


def _worksheet(folder: Path, hints: list[Path]) -> tuple[dict[str, dict[str, str]], list[Path]]:
    """Participant id -> its worksheet row, from any grading worksheet in ``folder`` or among ``hints`` (the CSV
    files beside the zips: participant ids are unique across assignments, so several worksheets can be merged)."""
    rows, taken = {}, []
    for path in sorted({*folder.glob("*.csv"), *hints}):
        try:
            with open(path, newline="", encoding="utf-8-sig") as handle:
                table = list(csv.DictReader(handle))
        except (OSError, UnicodeDecodeError, csv.Error):
            continue
        if not table or "Identifier" not in table[0]:
            continue
        taken.append(path)
        for row in table:
            participant = re.sub(r"\D", "", row.get("Identifier", ""))
            if participant:
                rows[participant] = row
    return rows, taken


def _entry(path: Path, filename: str, match: re.Match, folder: Path, sheet: dict, zone) -> Entry:
    name = "" if match["name"] == BLIND else match["name"]
    row = sheet.get(match["participant"], {})
    when = parse_time(row.get("Last modified (submission)", ""), zone)
    email = row.get("Email address", "")
    origin = Origin("moodle", folder.name, str(path.relative_to(folder)), name=name or row.get("Full name", ""),
                    email=email, prefix=f"{match['name']}_{match['participant']}", participant=match["participant"],
                    submitted_at=when.isoformat() if when else "")
    return Entry(path, filename, origin, Person(name=origin.name, email=email))


def claim(folder: Path, zone: tzinfo, hints: list[Path] | None = None) -> tuple[list[Entry], list[Path]]:
    """Submission folders and prefixed files of a Moodle download directly in ``folder``, and its worksheet."""
    sheet, taken = _worksheet(folder, hints or [])
    taken = [p for p in taken if p.parent == folder]
    entries = []
    for path in sorted(folder.iterdir()):
        match = (FOLDER if path.is_dir() else FLAT).match(path.name)
        if not match:
            continue
        taken.append(path)
        if path.is_dir():
            entries += [_entry(nb, nb.name, match, folder, sheet, zone) for nb in sorted(path.rglob("*.ipynb"))
                        if not any(part.startswith(".") for part in nb.relative_to(path).parts)]
        elif path.suffix == ".ipynb":
            entries.append(_entry(path, match["file"], match, folder, sheet, zone))
    return (entries, taken) if entries or any(p.is_dir() for p in taken) else ([], [])


def _comments(book, grade) -> str:
    """The feedback comment: the total, each exercise's points and message, the late penalty (HTML)."""
    items = "".join(f"<li>{html.escape(e.exercise)} ({e.points:g}/{e.max_points:g}): {html.escape(e.message)}</li>"
                    for e in grade.exercises)
    late = f"<p>{html.escape(grade.late)}</p>" if grade.late else ""
    return (f"<p>{grade.final_points:g} / {grade.max_points:g} points "
            f"(raw {grade.points:g}, late penalty {grade.penalty:g}).</p>{late}<ul>{items}</ul>")


def write_import(book: Book, folder: Path) -> list[Path]:
    """``moodle-worksheet-labNN.csv`` per lab (its participants only) and ``moodle-gradebook.csv`` (by e-mail)."""
    written, stamp = [], datetime.now(UTC).astimezone(book.zone).strftime("%Y-%m-%d %H:%M:%S")
    for lab in book.labs():
        rows = []
        for grade in book.grades_of(lab):
            origin = book.origin(grade.student, lab)
            if origin is None or origin.lms != "moodle" or not origin.participant:
                continue
            person = book.person(grade.student)
            handed_in = datetime.fromisoformat(origin.submitted_at).strftime("%Y-%m-%d %H:%M") if origin.submitted_at else "-"
            rows.append([f"{BLIND} {origin.participant}", origin.name or person.name, person.email or origin.email,
                         "Submitted for grading", f"{grade.final_points:g}", f"{grade.max_points:g}", "Yes",
                         handed_in, stamp, _comments(book, grade)])
        if rows:
            path = folder / f"moodle-worksheet-lab{lab}.csv"
            with open(path, "w", newline="", encoding="utf-8") as handle:
                csv.writer(handle).writerows([WORKSHEET, *rows])
            written.append(path)
    path = folder / "moodle-gradebook.csv"
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["Email address", *(book.lab_title(lab) for lab in book.labs())])
        for student in book.students():
            email = book.person(student).email
            if not email:
                book.warn(f"moodle: {student} has no e-mail address (roster), so is not in moodle-gradebook.csv")
                continue
            writer.writerow([email, *(f"{g.final_points:g}" if (g := book.grade(student, lab)) else ""
                                      for lab in book.labs())])
    return [*written, path]


def write_feedback(book: Book, folder: Path) -> list[Path]:
    """``moodle-feedback-labNN.zip`` per lab, for "Upload multiple feedback files in a zip"."""
    written = []
    for lab in book.labs():
        pages = {}
        for grade in book.grades_of(lab):
            origin = book.origin(grade.student, lab)
            if origin is None or origin.lms != "moodle" or not origin.participant:
                if grade.status != "not-submitted":
                    book.warn(f"moodle: no feedback file for {grade.student}, lab {lab}: not from a Moodle download")
                continue
            pages[f"{origin.prefix}_assignfeedback_file/feedback-lab{lab}.html"] = book.lab_page(grade)
        if pages:
            path = folder / f"moodle-feedback-lab{lab}.zip"
            with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as bundle:
                for name, page in pages.items():
                    bundle.writestr(name, page)
            written.append(path)
    return written
