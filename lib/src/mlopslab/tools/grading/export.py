"""``mlopslab export GRADES --lms canvas|moodle|gradescope``: the LMS's grade import and feedback bundle.

Reads the graded batch (:mod:`.book`: late penalties and reviews applied) and writes into ``GRADES/lms/<system>/``
the files that system imports as they are, one assignment per lab, with the roster's identifiers, and the
per-student feedback in the shape it takes in bulk (:mod:`.lms`). The feedback pages hold what the student's own
page holds: results, messages, their own cells and errors, reviews and the late penalty; never a hidden check's
source nor a cell the grader added.
"""

from __future__ import annotations

import argparse
import shutil
import sys
from collections import Counter
from pathlib import Path

from . import book
from .lms import systems
from .term import TermError


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The options of ``mlopslab export``."""
    parser.add_argument("grades", help="the --out folder of `mlopslab grade`")
    parser.add_argument("--lms", choices=sorted(systems()),
                        help="the system to export for (default: the one the submissions were downloaded from)")
    parser.add_argument("--term", metavar="TOML", help="a term file to use instead of the one used for grading")
    parser.add_argument("--to", metavar="FOLDER", help="where to write (default: GRADES/lms/<system>)")


def _system(graded: book.Book, given: str | None) -> str | None:
    if given:
        return given
    found = Counter(o.lms for o in graded.origins.values())
    return found.most_common(1)[0][0] if found else None


def run(args: argparse.Namespace) -> int:
    """Entry point of ``mlopslab export``."""
    try:
        graded = book.load(Path(args.grades), args.term)
    except (FileNotFoundError, TermError) as err:
        print(f"mlopslab export: {err}", file=sys.stderr)
        return 2
    name = _system(graded, args.lms)
    if name is None:
        print("mlopslab export: the submissions did not come from an LMS download: say which with --lms",
              file=sys.stderr)
        return 2
    folder = Path(args.to) if args.to else Path(args.grades) / "lms" / name
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    module = systems()[name]
    written = module.write_import(graded, folder) + module.write_feedback(graded, folder)
    waiting = book.pending(graded)
    for line in graded.warnings:
        print(f"warning: {line}", file=sys.stderr)
    if waiting:
        print(f"warning: {waiting} written answer(s) are not scored yet and count 0 (mlopslab review {args.grades})",
              file=sys.stderr)
    print(f"Wrote for {name}: " + ", ".join(str(p.relative_to(folder.parent.parent) if folder.is_relative_to(
        Path(args.grades)) else p) for p in written))
    return 0
