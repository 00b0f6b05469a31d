"""The ``mlopslab`` command line: run labs headlessly, manage the data."""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from . import notebooks, runner
from .config import repo_root


def _parse_value(text: str):
    """A parameter value: JSON if it parses (numbers, true, lists), else the string itself."""
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        return text


def _progress(run: runner.LabRun, done: int, total: int) -> None:
    mark = "ok " if run.status == "ok" else "FAIL"
    print(f"[{done}/{total}] {mark} {run.lab} ({run.seconds:.1f}s)", flush=True)


def cmd_run(args: argparse.Namespace) -> int:
    try:
        paths = notebooks.lab_paths(args.labs)
    except ValueError as err:
        print(f"mlopslab run: {err}", file=sys.stderr)
        return 2
    if not paths:
        print("mlopslab run: no labs found in labs/", file=sys.stderr)
        return 2
    parameters = {name: _parse_value(value) for name, value in args.parameter or []}
    print(f"Running {len(paths)} lab(s) with {args.workers or os.cpu_count()} worker(s)...", flush=True)
    if args.update:
        if parameters or args.tracking_uri:
            print("mlopslab run: --update makes reference outputs on the defaults; drop -p/--tracking-uri", file=sys.stderr)
            return 2
        runs = runner.update_references(paths, workers=args.workers, timeout=args.timeout, on_done=_progress,
                                        memory_mb=args.memory_limit)
    else:
        out = Path(args.out) if args.out else repo_root() / "build"
        runs = runner.run_labs(paths, out, workers=args.workers, parameters=parameters, timeout=args.timeout,
                               tracking_uri=args.tracking_uri, on_done=_progress, memory_mb=args.memory_limit)
        print(f"Executed notebooks are in {out}")
    print(runner.table(runs))
    return 0 if all(r.status == "ok" for r in runs) else 1


def cmd_solutions(args: argparse.Namespace) -> int:
    from . import solutions

    try:
        paths = notebooks.lab_paths(args.labs)
    except ValueError as err:
        print(f"mlopslab solutions: {err}", file=sys.stderr)
        return 2
    print(f"Writing solution notebooks for {len(paths)} lab(s) to {args.out} ...", flush=True)
    runs = solutions.write_solutions(paths, Path(args.out), workers=args.workers, timeout=args.timeout, on_done=_progress)
    print(runner.table(runs))
    return 0 if all(r.status == "ok" for r in runs) else 1


def cmd_grade(args: argparse.Namespace) -> int:
    from .grading import command

    return command.run(args)


def cmd_data(args: argparse.Namespace) -> int:
    from . import data

    if args.action == "generate":
        out = Path(args.out) if args.out else None
        written = data.write_all(out)
        print(f"wrote {len(written)} files and SHA256SUMS to {written[0].parent}")
        return 0
    status = data.verify_checksums(Path(args.out) if args.out else None)
    for name, ok in status.items():
        if not ok:
            print(f"MISMATCH {name}")
    print(f"{sum(status.values())}/{len(status)} data files match data/SHA256SUMS")
    return 0 if all(status.values()) else 1


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="mlopslab",
        description="MLOps Lab: run the course notebooks headlessly and manage their data.",
    )
    sub = parser.add_subparsers(dest="command", required=True)

    run = sub.add_parser(
        "run",
        help="execute labs headlessly with papermill",
        description="Execute every lab (or those given with --labs) with papermill, in parallel, "
        "into an output folder, and print a table of lab, status and seconds. "
        "Exits non-zero naming the lab, the cell and the error when a lab fails.",
    )
    run.add_argument("--labs", nargs="+", metavar="NN", help="lab numbers or names, e.g. --labs 03 05 (default: all)")
    run.add_argument("--out", help="folder for executed notebooks (default: build/ in the repo)")
    run.add_argument("--workers", type=int, default=None, help="parallel workers (default: number of cores)")
    run.add_argument("--timeout", type=float, default=300, help="per-cell timeout in seconds (default: 300)")
    run.add_argument("--memory-limit", type=int, default=3072, metavar="MB",
                     help="memory cap per lab kernel in MB (data segment; default 3072; 0 = none)")
    run.add_argument("-p", "--parameter", nargs=2, action="append", metavar=("NAME", "VALUE"),
                     help="a papermill parameter for the labs' `parameters` cell; VALUE is JSON or a string")
    run.add_argument("--tracking-uri",
                     help="MLflow tracking URI for these runs (default: MLFLOW_TRACKING_URI or the embedded store)")
    run.add_argument("--update", action="store_true",
                     help="rewrite the committed reference outputs in labs/ in place (fresh tracking stores, clean metadata)")
    run.set_defaults(func=cmd_run)

    sol = sub.add_parser(
        "solutions",
        help="write executed solution notebooks for instructors",
        description="Write each lab with its reference solutions (tests/solutions/labNN.py) filled in and executed "
        "into OUT, and verify that every check passes. The committed labs stay student versions.",
    )
    sol.add_argument("out", help="folder for the solution notebooks")
    sol.add_argument("--labs", nargs="+", metavar="NN", help="lab numbers or names (default: all)")
    sol.add_argument("--workers", type=int, default=None, help="parallel workers (default: number of cores)")
    sol.add_argument("--timeout", type=float, default=300, help="per-cell timeout in seconds (default: 300)")
    sol.set_defaults(func=cmd_solutions)

    from .grading.command import DESCRIPTION as GRADE_DESCRIPTION
    from .grading.command import add_arguments as add_grade_arguments

    grade = sub.add_parser("grade", help="grade a folder of student notebooks (or --self one of your own)",
                           description=GRADE_DESCRIPTION)
    add_grade_arguments(grade)
    grade.set_defaults(func=cmd_grade)

    data = sub.add_parser("data", help="regenerate or verify the data set",
                          description="Regenerate the seeded data files (byte-identical) or verify them against data/SHA256SUMS.")
    data.add_argument("action", choices=["generate", "verify"])
    data.add_argument("--out", help="data folder (default: the repo's data/)")
    data.set_defaults(func=cmd_data)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``mlopslab`` console script and ``python -m mlopslab``."""
    args = build_parser().parse_args(argv)
    return args.func(args)
