"""Gradescope: the assignment's "Download Submissions" export in; an autograder that posts the grades and
feedback out.

**Download.** A folder ``assignment_<assignment id>_export`` (zipped) holding ``submission_metadata.yml`` and one
folder ``submission_<id>`` per submission with the student's files. The metadata maps each ``submission_<id>`` to
``:submitters:`` (``:name:``, ``:sid:``, ``:email:``; several for a group submission) and ``:created_at:``, the
submission time. Sources: the export as Gradescope writes it, read the same way by the public parsers of it (e.g.
a grading gateway's ``parseGradescopeExport``, course scripts that rename submissions by ``:sid:``); the per-
submission metadata's fields are documented for autograders in Gradescope's "Submission Metadata" page.

**Grades and feedback.** Gradescope documents no CSV import of scores into an assignment; what it takes in is an
autograder's ``results.json`` ("Autograder Specifications": a zip with ``setup.sh`` and ``run_autograder`` at its
root; ``run_autograder`` writes ``/autograder/results/results.json`` with a ``score``, an ``output`` and one ``tests``
entry per item with ``score``, ``max_score``, ``name`` and ``output``). So ``gradescope-autograder-labNN.zip`` is an
autograder that carries this batch's grades: uploaded to the lab's Gradescope assignment (Configure Autograder,
then "Regrade All Submissions"), each submission gets its final score and a test row per exercise with the
feedback message, matched by the submitter's e-mail address or SID from ``/autograder/submission_metadata.json``.
``gradescope-scores-labNN.csv`` (Name, SID, Email, Score, Max Points) is the same for the records.
"""

from __future__ import annotations

import csv
import json
import zipfile
from datetime import tzinfo
from pathlib import Path
from typing import TYPE_CHECKING

import yaml

from ....exercises import label
from ..roster import Person
from ..term import parse_time
from . import Entry, Origin

if TYPE_CHECKING:
    from ..book import Book

METADATA = "submission_metadata.yml"

RUN_AUTOGRADER = '''#!/usr/bin/env python3
"""Posts the grades mlopslab computed for this lab: looks the submitter up by e-mail address or SID."""
import json
import os
import pathlib

root = pathlib.Path(os.environ.get("AUTOGRADER_ROOT", "/autograder"))
grades = json.loads((root / "source" / "grades.json").read_text(encoding="utf-8"))
meta = json.loads((root / "submission_metadata.json").read_text(encoding="utf-8"))
keys = [str(u.get(k) or "").strip().lower() for u in meta.get("users", []) for k in ("email", "sid")]
found = next((grades[k] for k in keys if k and k in grades), None)
if found is None:
    found = {"score": 0, "output": "mlopslab has no grade for this submission yet: your instructor will look at it.",
             "tests": []}
out = root / "results"
out.mkdir(parents=True, exist_ok=True)
(out / "results.json").write_text(json.dumps(found), encoding="utf-8")
'''
SETUP = "#!/usr/bin/env bash\n# Nothing to install: run_autograder only needs the image's python3.\n"


class _Loader(yaml.SafeLoader):
    """YAML as Ruby writes it: tags such as ``!ruby/object:BigDecimal`` read as plain values."""


def _untagged(loader: yaml.SafeLoader, suffix: str, node: yaml.Node):
    if isinstance(node, yaml.MappingNode):
        return loader.construct_mapping(node)
    if isinstance(node, yaml.SequenceNode):
        return loader.construct_sequence(node)
    return loader.construct_scalar(node)


_Loader.add_multi_constructor("!", _untagged)


def _clean(key) -> str:
    return str(key).lstrip(":")


def _metadata(path: Path) -> dict:
    data = yaml.load(path.read_text(encoding="utf-8"), Loader=_Loader) or {}  # noqa: S506 -- a SafeLoader subclass
    return {str(k): {_clean(kk): vv for kk, vv in v.items()} for k, v in data.items() if isinstance(v, dict)}


def claim(folder: Path, zone: tzinfo, hints: list[Path] | None = None) -> tuple[list[Entry], list[Path]]:
    """The submissions of a Gradescope export whose ``submission_metadata.yml`` is directly in ``folder``."""
    meta_path = folder / METADATA
    if not meta_path.is_file():
        return [], []
    metadata, entries = _metadata(meta_path), []
    taken = [meta_path]
    for key, record in sorted(metadata.items()):
        sub_folder = folder / key
        if not sub_folder.is_dir():
            continue
        taken.append(sub_folder)
        people = [{_clean(k): v for k, v in s.items()} for s in record.get("submitters", []) or [] if isinstance(s, dict)]
        created = record.get("created_at")
        when = created if hasattr(created, "isoformat") else parse_time(str(created or ""), zone)
        if when is not None and when.tzinfo is None:
            when = when.replace(tzinfo=zone)
        notebooks = [p for p in sorted(sub_folder.rglob("*.ipynb"))
                     if not any(part.startswith(".") for part in p.relative_to(sub_folder).parts)]
        emails = tuple(str(p.get("email") or "") for p in people)
        for person in people:
            email, sid, name = (str(person.get(k) or "").strip() for k in ("email", "sid", "name"))
            origin = Origin("gradescope", folder.name, key, name=name, email=email, sid=sid, submission=key,
                            submitted_at=when.isoformat() if when else "",
                            group=tuple(e for e in emails if e and e != email))
            entries += [Entry(nb, nb.name, origin, Person(name=name, email=email, sis_user_id=sid)) for nb in notebooks]
    return entries, taken


def _results(book, grade) -> dict:
    tests = [{"name": f"{label(e.exercise)} {e.title}", "score": e.points, "max_score": e.max_points,
              "output": e.message, "visibility": "visible"} for e in grade.exercises]
    if grade.penalty:
        tests.append({"name": "late penalty", "score": -grade.penalty, "max_score": 0, "output": grade.late,
                      "visibility": "visible"})
    output = f"{grade.final_points:g} / {grade.max_points:g} points." + (f" {grade.late}" if grade.late else "")
    return {"score": grade.final_points, "output": output, "tests": tests}


def write_import(book: Book, folder: Path) -> list[Path]:
    """Per lab: ``gradescope-autograder-labNN.zip`` (the grades and feedback, posted by Gradescope's autograder
    harness) and ``gradescope-scores-labNN.csv``."""
    written = []
    for lab in book.labs():
        by_key, rows = {}, []
        for grade in book.grades_of(lab):
            person = book.person(grade.student)
            origin = book.origin(grade.student, lab)
            email = (person.email or (origin.email if origin else "")).strip()
            sid = (person.sis_user_id or (origin.sid if origin else "")).strip()
            if not email and not sid:
                book.warn(f"gradescope: {grade.student} has neither an e-mail address nor an SID (roster)")
                continue
            results = _results(book, grade)
            by_key.update({k.lower(): results for k in (email, sid) if k})
            rows.append([person.name or grade.student, sid, email, f"{grade.final_points:g}", f"{grade.max_points:g}"])
        if not rows:
            continue
        csv_path = folder / f"gradescope-scores-lab{lab}.csv"
        with open(csv_path, "w", newline="", encoding="utf-8") as handle:
            csv.writer(handle).writerows([["Name", "SID", "Email", "Score", "Max Points"], *rows])
        zip_path = folder / f"gradescope-autograder-lab{lab}.zip"
        with zipfile.ZipFile(zip_path, "w", zipfile.ZIP_DEFLATED) as bundle:
            for name, text in (("setup.sh", SETUP), ("run_autograder", RUN_AUTOGRADER)):
                info = zipfile.ZipInfo(name)
                info.external_attr = 0o755 << 16
                bundle.writestr(info, text)
            bundle.writestr("grades.json", json.dumps(by_key, indent=1, ensure_ascii=False))
        written += [zip_path, csv_path]
    return written


def write_feedback(book: Book, folder: Path) -> list[Path]:
    """Gradescope takes the feedback with the grades: each exercise's message is a test's output in the
    autograder's results (``write_import``); this also writes the pages, ``gradescope-feedback-labNN.zip``, one per
    submitter, to attach or send by hand."""
    written = []
    for lab in book.labs():
        pages = {}
        for grade in book.grades_of(lab):
            if grade.status == "not-submitted":
                continue
            person = book.person(grade.student)
            pages[f"{(person.sis_user_id or person.email or grade.student)}-lab{lab}.html"] = book.lab_page(grade)
        if pages:
            path = folder / f"gradescope-feedback-lab{lab}.zip"
            with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as bundle:
                for name, page in pages.items():
                    bundle.writestr(name.replace("/", "_"), page)
            written.append(path)
    return written
