"""``mlopslab grade``: grade a folder of submissions, or (``--self``) show a student their own score."""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path
from zoneinfo import ZoneInfo

from ... import exercises
from ...config import repo_root
from .. import sandbox
from . import book
from .batch import Settings, grade_all, grade_submission, known_labs, with_missing_labs
from .collect import Submission, find_submissions, lab_of, one_per_student_and_lab
from .execute import GRADING, Limits
from .hidden import load_extra_checks, validate
from .intake import Intake, gather
from .roster import Person, Roster, RosterError, read_roster
from .score import SubmissionGrade
from .term import TermError, read_term
from .written import KIND

DESCRIPTION = """Grade student notebooks. Each submission is re-executed headlessly in its own folder and
tracking store, with the lab's own set-up and check cells restored from the committed lab (only exercise cells
come from the student), under a per-cell and per-notebook time limit and a memory cap. SUBMISSIONS may hold student
folders, flat student__NN_name.ipynb files and the "download all submissions" archive of Canvas, Moodle or
Gradescope (zipped or unpacked). Writes gradebook.csv, results.csv, feedback/<student>.html, summary.html and
similarity.html to --out; re-running skips unchanged submissions. Written answers wait for `mlopslab review`;
`mlopslab export` writes the LMS's import files. With --self NOTEBOOK, prints the score the instructor would get for
one of your own notebooks."""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The options of ``mlopslab grade``."""
    parser.add_argument("submissions", nargs="?", help="folder: one subfolder per student, or student__NN_name.ipynb files")
    parser.add_argument("--self", dest="self_check", metavar="NOTEBOOK",
                        help="grade one of your own notebooks and print the table")
    parser.add_argument("--out", help="output folder for the gradebook and feedback (required with SUBMISSIONS)")
    parser.add_argument("--workers", type=int, default=None, help="parallel kernels (default: number of cores)")
    parser.add_argument("--timeout", type=float, default=60,
                        help="time limit in seconds per exercise or check cell (default: 60)")
    parser.add_argument("--lab-cell-timeout", type=float, default=300,
                        help="time limit in seconds per cell of the lab's own code (default: 300)")
    parser.add_argument("--notebook-timeout", type=float, default=600, help="per-notebook time limit in seconds (default: 600)")
    parser.add_argument("--memory-mb", type=int, default=2048, help="memory cap per kernel in MB (default: 2048)")
    parser.add_argument("--extra-checks", metavar="FILE", help="a Python file declaring hidden checks (see docs/grading.md)")
    parser.add_argument("--labs", nargs="+", metavar="NN",
                        help="grade only these labs; a student missing one gets a 'not-submitted' row")
    parser.add_argument("--force", action="store_true", help="re-grade everything, even unchanged submissions")
    parser.add_argument("--sandbox", choices=["bwrap", "none"], default=None,
                        help="run each kernel in a bubblewrap sandbox (default; no network, read-only course, private "
                        "/tmp, nothing else of the machine visible) or not at all ('none': only for trusted "
                        "notebooks). --self uses the sandbox when bubblewrap is installed.")
    parser.add_argument("--json", action="store_true", help="with --self: print the result as JSON (for CI)")
    parser.add_argument("--roster", metavar="CSV", help="the students: names, e-mail addresses and each system's ids "
                        "(docs/grading.md); students on it who handed in nothing get 'not-submitted' rows")
    parser.add_argument("--term", metavar="TOML", help="the term file: due dates, extensions, the late policy, the "
                        "LMS's assignment ids (docs/grading.md)")


def _progress(grade: SubmissionGrade, done: int, total: int, skipped: bool) -> None:
    what = "skipped (unchanged)" if skipped else f"{grade.status} ({grade.seconds:.1f}s)"
    print(f"[{done}/{total}] {grade.student} lab {grade.lab or '?'}: {grade.points:g}/{grade.max_points:g} {what}",
          flush=True)


def self_table(grade: SubmissionGrade) -> str:
    """The terminal table of ``--self``: exercise, points, status, message."""
    width = max([len(e.exercise) for e in grade.exercises] + [8])
    lines = [f"{'exercise':<{width}}  points  status      message", f"{'-' * width}  ------  ----------  -------"]
    for e in grade.exercises:
        points = f"{e.points:g}/{e.max_points:g}"
        first_line = e.message.splitlines()[0] if e.message else ""
        lines.append(f"{e.exercise:<{width}}  {points:>6}  {e.status:<10}  {first_line}"[:200])
    lines.append(f"{'total':<{width}}  {grade.points:g}/{grade.max_points:g}")
    if grade.status != "ok" or grade.notes:
        lines += [f"{grade.status}: {grade.reason}" if grade.status != "ok" else "", *(f"note: {n}" for n in grade.notes)]
    return "\n".join(line for line in lines if line)


def _limits(args: argparse.Namespace) -> Limits:
    return replace(GRADING, cell_timeout=args.timeout, lab_cell_timeout=args.lab_cell_timeout,
                   notebook_timeout=args.notebook_timeout, memory_mb=args.memory_mb)


UNSANDBOXED = ("WARNING: grading without a sandbox (--sandbox none): each notebook's code runs as you, with your "
               "files, processes and network. Use it only for notebooks you trust.")


def sandbox_mode(args: argparse.Namespace) -> bool | None:
    """Whether kernels are sandboxed; None (after saying why) when grading must not go ahead."""
    if args.sandbox == "none":
        print(UNSANDBOXED if not args.self_check else "note: grading your notebook without the sandbox "
              "(--sandbox none).", file=sys.stderr, flush=True)
        return False
    if sandbox.bwrap() is None:
        if args.self_check and args.sandbox is None:
            print("note: bubblewrap is not installed here, so your notebook runs without the sandbox your "
                  "instructor grades in.", file=sys.stderr, flush=True)
            return False
        print(f"mlopslab grade: {sandbox.INSTALL_HINT}", file=sys.stderr)
        return None
    return True


def committed_lab(lab_path: Path, folder: Path) -> tuple[Path, str]:
    """The lab as committed in git (HEAD), written into ``folder``; else the file itself and a note why.

    A student's working copy is often the lab file itself, so ``--self`` must not restore cells from it.
    """
    try:
        relative = lab_path.resolve().relative_to(repo_root()).as_posix()
        proc = subprocess.run(["git", "-C", str(repo_root()), "show", f"HEAD:{relative}"], capture_output=True,
                              timeout=30, check=False)
    except (ValueError, OSError, subprocess.SubprocessError) as err:
        return lab_path, f"could not read the committed lab from git ({err}); used {lab_path} as it is"
    if proc.returncode != 0:
        reason = proc.stderr.decode(errors="replace").strip().splitlines()[-1:] or ["git failed"]
        return lab_path, f"could not read the committed lab from git ({reason[0]}); used {lab_path} as it is"
    copy = folder / lab_path.name
    copy.write_bytes(proc.stdout)
    return copy, ""


def run_self(args: argparse.Namespace, labs: dict[str, Path], extra: Path | None, sandboxed: bool) -> int:
    """Grade one of the student's own notebooks as the instructor would; exit 0 only if every exercise is correct."""
    path = Path(args.self_check)
    if not path.is_file():
        print(f"mlopslab grade: no notebook at {path}", file=sys.stderr)
        return 2
    lab = lab_of(path, labs)
    if lab is None:
        print(f"mlopslab grade: cannot tell which lab {path} is; the labs are: {', '.join(p.stem for p in labs.values())}",
              file=sys.stderr)
        return 2
    how = "in the grading sandbox" if sandboxed else "without a sandbox"
    print(f"Grading {path} as lab {lab}, as your instructor would (fresh kernel {how}, restored lab cells)...",
          file=sys.stderr if args.json else sys.stdout, flush=True)
    with tempfile.TemporaryDirectory(prefix="mlopslab-self-") as tmp:
        reference, note = committed_lab(labs[lab], Path(tmp))
        if note:
            print(f"note: {note}", file=sys.stderr, flush=True)
        grade = grade_submission(Submission("you", lab, path), reference, Settings(_limits(args), extra, sandboxed))
    if args.json:
        print(json.dumps(self_json(grade, extra is not None), indent=1))
    else:
        print(self_table(grade))
        if extra is None:
            print(HIDDEN_NOTE)
    return 0 if _complete(grade) else 1


def _complete(grade: SubmissionGrade) -> bool:
    """Every exercise correct (written answers are scored by a person, so they do not count here)."""
    return grade.status == "ok" and all(e.status == "correct" for e in grade.exercises if e.kind != KIND)


HIDDEN_NOTE = ("note: your instructor may also run extra checks that are not shipped with the course, so their "
               "grade can differ from this one; written answers are scored by a person and count 0 here.")


def self_json(grade: SubmissionGrade, with_hidden: bool) -> dict:
    """The machine-readable result of --self (GitHub Classroom and other CI read it)."""
    return {"lab": grade.lab, "status": grade.status, "reason": grade.reason, "points": grade.points,
            "max_points": grade.max_points, "complete": _complete(grade),
            "exercises": [{"exercise": e.exercise, "points": e.points, "max_points": e.max_points,
                           "status": e.status, "message": e.message} for e in grade.exercises],
            "notes": grade.notes, "extra_checks_included": with_hidden,
            "note": "" if with_hidden else HIDDEN_NOTE.removeprefix("note: ")}


def _collect(root: Path, out: Path, labs: dict[str, Path], roster: Roster | None, zone) -> tuple[list[Submission], Intake]:
    """Every submission under ``root``: student folders, flat files, LMS downloads (staged under OUT/intake)."""
    intake = gather(root, out / "intake", roster, zone)
    subs = find_submissions(root, labs, skip=intake.consumed)
    for extracted in intake.extracted:
        subs += find_submissions(extracted, labs)
    if intake.staged is not None:
        subs += [replace(sub, student=intake.keys.get(sub.student, sub.student),
                         origin=intake.origins.get(sub.path) if sub.path else None)
                 for sub in find_submissions(intake.staged, labs)]
    return one_per_student_and_lab(subs), intake


def _people(subs: list[Submission], intake: Intake, roster: Roster | None) -> tuple[dict[str, Person], list[str]]:
    """Student key -> person (from the LMS and the roster), and the roster's students who handed in nothing."""
    people = dict(intake.people)
    for student in {s.student for s in subs} - set(people):
        found = roster.by_identity(student) if roster else None
        if found:
            people[student] = found
    present = {p.key for p in people.values()} | set(people)
    absent = [p.key for p in roster.people if p.key not in present] if roster else []
    for key in absent:
        people[key] = roster.by_identity(key) or Person(name=key)
    return people, absent


def _inputs(args: argparse.Namespace):
    """The roster and term file given, loaded; (None, None, message) when one cannot be used."""
    try:
        roster = read_roster(args.roster) if args.roster else None
        term = read_term(args.term) if args.term else None
    except (RosterError, TermError) as err:
        return None, None, str(err)
    return roster, term, ""


def run_folder(args: argparse.Namespace, labs: dict[str, Path], extra: Path | None, sandboxed: bool) -> int:
    if not args.out:
        print("mlopslab grade: give --out FOLDER for the gradebook and feedback pages", file=sys.stderr)
        return 2
    root, out = Path(args.submissions), Path(args.out)
    roster, term, problem = _inputs(args)
    if problem:
        print(f"mlopslab grade: {problem}", file=sys.stderr)
        return 2
    if not root.is_dir():
        print(f"mlopslab grade: no submissions folder at {root}", file=sys.stderr)
        return 2
    if args.labs:
        unknown = sorted(set(args.labs) - set(labs))
        if unknown:
            print(f"mlopslab grade: no lab {', '.join(unknown)}; the labs are {', '.join(sorted(labs))}", file=sys.stderr)
            return 2
    out.mkdir(parents=True, exist_ok=True)
    subs, intake = _collect(root, out, labs, roster, term.zone if term else ZoneInfo("UTC"))
    for note in intake.notes:
        print(f"note: {note}", flush=True)
    if args.labs:
        subs = [s for s in subs if s.lab in args.labs or s.lab is None]
    print(f"Grading {len(subs)} submission(s) from {root} with {args.workers or 'one per core'} worker(s)...", flush=True)
    start = time.monotonic()
    grades = grade_all(subs, labs, out, root, Settings(_limits(args), extra, sandboxed), args.workers, args.force,
                       _progress)
    people, absent = _people(subs, intake, roster)
    batch_labs = sorted(args.labs or {g.lab for g in grades if g.lab})
    grades = with_missing_labs(grades, batch_labs, load_extra_checks(extra) if extra else {}, absent)
    origins = {f"{s.student}|{s.lab}": s.origin for s in subs if s.origin is not None and s.lab}
    book.save(out, grades, people, origins, str(Path(args.term).resolve()) if args.term else "",
              str(Path(args.roster).resolve()) if args.roster else "")
    graded = book.load(out)
    book.write_reports(graded)
    problems = sum(g.status != "ok" for g in grades)
    waiting = book.pending(graded)
    print(f"Graded {len(subs)} submission(s) in {time.monotonic() - start:.0f}s; {problems} with a problem "
          f"(see summary.html). Wrote {out}/gradebook.csv, results.csv, summary.html, similarity.html, feedback/.")
    if waiting:
        print(f"{waiting} written answer(s) wait for a grader: mlopslab review {out}")
    return 0


def run(args: argparse.Namespace) -> int:
    """Entry point of ``mlopslab grade``."""
    if bool(args.submissions) == bool(args.self_check):
        print("mlopslab grade: give either a SUBMISSIONS folder (with --out) or --self NOTEBOOK", file=sys.stderr)
        return 2
    labs = known_labs()
    extra = Path(args.extra_checks).resolve() if args.extra_checks else None
    if extra:
        try:
            hidden = load_extra_checks(extra)
            needed = {check.lab for check in hidden.values()} & set(labs)
            problems = validate(hidden, {lab: exercises.exercises_of(lab) for lab in needed})
        except (FileNotFoundError, ValueError) as err:
            print(f"mlopslab grade: {err}", file=sys.stderr)
            return 2
        if problems:
            print("mlopslab grade: " + "\n".join(problems), file=sys.stderr)
            return 2
    sandboxed = sandbox_mode(args)
    if sandboxed is None:
        return 2
    return run_self(args, labs, extra, sandboxed) if args.self_check else run_folder(args, labs, extra, sandboxed)
