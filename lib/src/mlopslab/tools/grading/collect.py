"""Finding submissions: which student handed in which lab, from a folder of notebooks.

Accepted layouts (both may be mixed in one folder):

* ``SUBMISSIONS/<student>/<anything>.ipynb`` -- one folder per student, notebooks at any depth;
* ``SUBMISSIONS/<student>__<NN_name>.ipynb`` -- the flat style of learning-management-system exports;
* the "download all submissions" archives of Canvas, Moodle and Gradescope, zipped or not: :mod:`.intake` stages
  them as student folders first (``skip`` then names what it took).

The lab of a notebook comes from its file name (``NN_...``, ``labNN...`` or ``..._NN_...`` with NN a committed
lab); failing that, from the exercise ids inside it. A notebook whose lab cannot be told, a second notebook for
the same student and lab, and a student folder without notebooks each become a submission with a ``problem``.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, replace
from pathlib import Path

from .. import notebooks
from .lms import Origin

SEPARATOR = "__"
_SKIP_DIRS = {".ipynb_checkpoints", "__MACOSX", ".git"}
_LAB_IN_NAME = re.compile(r"(?:^|[^0-9a-z])(?:lab[ _-]?)?(\d\d)(?=[^0-9]|$)", re.IGNORECASE)


@dataclass(frozen=True)
class Submission:
    """One notebook of one student (``path`` None when there is nothing to read)."""

    student: str
    lab: str | None
    path: Path | None
    problem: str = ""  # why it cannot be graded; "" when it can
    status: str = ""  # the gradebook status that goes with ``problem``
    origin: Origin | None = None  # where an LMS download says it came from (ids, submission time)


def slug(text: str) -> str:
    """A file-name-safe form of a student's name: never a path, never hidden, never ``.`` or ``..``."""
    return re.sub(r"[^A-Za-z0-9._-]+", "_", text).strip("_").lstrip(".") or "student"


MAX_NOTEBOOK_MB = 64
"""The largest submitted notebook the grader reads (outputs included: the grader drops them, so a student whose
notebook is larger clears its outputs and hands it in again)."""


def too_large(path: Path) -> str:
    """Why the grader will not read ``path`` ("" when it will)."""
    try:
        size = path.stat().st_size
    except OSError:
        return ""
    if size <= MAX_NOTEBOOK_MB * 2**20:
        return ""
    return (f"the notebook is {size / 2**20:.0f} MB, over the grader's {MAX_NOTEBOOK_MB} MB: clear its outputs "
            "(Edit > Clear Outputs of All Cells), save it and hand it in again")


def lab_of(path: Path, known_labs: dict[str, Path]) -> str | None:
    """The lab number of a submitted notebook: from its name, else from the exercise ids inside it."""
    for match in _LAB_IN_NAME.finditer(path.stem):
        if match.group(1) in known_labs:
            return match.group(1)
    if too_large(path):
        return None
    try:
        cells = json.loads(path.read_text(encoding="utf-8")).get("cells", [])
        labs = {(notebooks.exercise_id(c) or "")[:2] for c in cells}
    except (OSError, ValueError, AttributeError, TypeError, RecursionError):
        return None
    labs &= set(known_labs)
    return labs.pop() if len(labs) == 1 else None


def _notebooks_in(folder: Path) -> list[Path]:
    return sorted(
        p for p in folder.rglob("*.ipynb")
        if p.is_file() and not any(part in _SKIP_DIRS or part.startswith(".") for part in p.relative_to(folder).parts)
    )


def _student_files(root: Path, skip: set[Path]) -> dict[str, list[Path]]:
    """Student name -> their notebooks, from student folders and flat ``student__lab.ipynb`` files."""
    found: dict[str, list[Path]] = {}
    for entry in sorted(root.iterdir()):
        if entry.name.startswith(".") or entry.name in _SKIP_DIRS or entry in skip or entry.suffix == ".zip":
            continue
        if entry.is_dir():
            found.setdefault(entry.name, []).extend(_notebooks_in(entry))
        elif entry.suffix == ".ipynb":
            student = entry.stem.split(SEPARATOR, 1)[0] if SEPARATOR in entry.stem else entry.stem
            found.setdefault(student, []).append(entry)
    return found


def find_submissions(root: Path, known_labs: dict[str, Path], skip: set[Path] | None = None) -> list[Submission]:
    """Every submission under ``root``, by student then lab; ``known_labs`` maps "NN" to the committed lab.

    ``skip``: top-level files and folders of ``root`` not to read (the LMS downloads :mod:`.intake` took).
    """
    root = Path(root)
    if not root.is_dir():
        raise FileNotFoundError(f"no submissions folder at {root}")
    submissions: list[Submission] = []
    for student, paths in _student_files(root, skip or set()).items():
        if not paths:
            submissions.append(Submission(student, None, None, f"no .ipynb notebook in {student}/", "no-notebook"))
            continue
        by_lab: dict[str | None, list[Path]] = {}
        for path in paths:
            by_lab.setdefault(lab_of(path, known_labs), []).append(path)
        for lab, lab_paths in sorted(by_lab.items(), key=lambda item: item[0] or "zz"):
            submissions += _one_per_lab(root, student, lab, lab_paths, known_labs)
    return submissions


def _one_per_lab(root: Path, student: str, lab: str | None, paths: list[Path],
                 known_labs: dict[str, Path]) -> list[Submission]:
    names = ", ".join(str(p.relative_to(root)) for p in paths)
    if lab is None:
        known = ", ".join(p.stem for p in known_labs.values())
        return [
            Submission(student, None, p, f"cannot tell which lab {p.relative_to(root)} is: name it like a lab "
                       f"({known}) or as student__NN_name.ipynb", "unknown-lab")
            for p in paths
        ]
    if len(paths) > 1:
        return [Submission(student, lab, paths[0], f"{len(paths)} notebooks for lab {lab} ({names}): "
                           "keep exactly one and grade again", "duplicate")]
    return [Submission(student, lab, paths[0])]


def one_per_student_and_lab(subs: list[Submission]) -> list[Submission]:
    """``subs`` from several sources (folders, LMS downloads) with a student's second notebook for a lab a duplicate."""
    seen: dict[tuple[str, str], int] = {}
    merged: list[Submission] = []
    for sub in subs:
        key = (sub.student, sub.lab or "")
        if sub.lab is None or sub.problem or key not in seen:
            if sub.lab is not None and not sub.problem:
                seen[key] = len(merged)
            merged.append(sub)
            continue
        first = merged[seen[key]]
        merged[seen[key]] = replace(first, problem=f"2 notebooks for lab {sub.lab} ({first.path}, {sub.path}): keep "
                                    "exactly one and grade again", status="duplicate")
    return sorted(merged, key=lambda s: (s.student, s.lab or "zz"))
