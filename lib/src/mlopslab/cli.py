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


def _selected_labs(args: argparse.Namespace) -> list[Path] | None:
    """The labs named by ``--labs`` (default: all); None after printing why there are none."""
    try:
        paths = notebooks.lab_paths(args.labs)
    except ValueError as err:
        print(f"mlopslab {args.command}: {err}", file=sys.stderr)
        return None
    if not paths:
        print(f"mlopslab {args.command}: no labs found in labs/", file=sys.stderr)
        return None
    return paths


def _finish(runs: list[runner.LabRun]) -> int:
    """Print the closing table; exit status 0 only if every lab is ok."""
    print(runner.table(runs))
    return 0 if all(r.status == "ok" for r in runs) else 1


def cmd_run(args: argparse.Namespace) -> int:
    paths = _selected_labs(args)
    if paths is None:
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
    return _finish(runs)


def cmd_solutions(args: argparse.Namespace) -> int:
    from . import solutions

    paths = _selected_labs(args)
    if paths is None:
        return 2
    print(f"Writing solution notebooks for {len(paths)} lab(s) to {args.out} ...", flush=True)
    runs = solutions.write_solutions(paths, Path(args.out), workers=args.workers, timeout=args.timeout, on_done=_progress)
    return _finish(runs)


def cmd_grade(args: argparse.Namespace) -> int:
    from .grading import command

    return command.run(args)


def cmd_bench(args: argparse.Namespace) -> int:
    from . import bench

    result = bench.run_benchmark(args.labs, students=args.students, with_grading=not args.no_grading,
                                 with_pytest=not args.no_pytest)
    print(bench.report(result))
    out = Path(args.json) if args.json else repo_root() / "build" / "bench.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    bench.write_json(result, out)
    print(f"JSON written to {out}")
    return 0


def cmd_data(args: argparse.Namespace) -> int:
    from . import data

    if args.action == "generate":
        out = Path(args.out) if args.out else None
        config = data.DataConfig()
        if args.config:
            try:
                config = data.DataConfig.from_dict(json.loads(Path(args.config).read_text()))
            except (OSError, json.JSONDecodeError, ValueError) as err:
                print(f"mlopslab data: cannot use --config {args.config}: {err}", file=sys.stderr)
                return 2
        written = data.write_all(out, config)
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

    ben = sub.add_parser(
        "bench",
        help="measure running, testing and grading speed and memory (slow; not a test)",
        description="Benchmark on this machine: (a) every lab as a plain script, serially; (b) the papermill CLI per "
        "lab, serially; (c) mlopslab run with its defaults; per-lab seconds and kernel peak memory; grading "
        "throughput against naive papermill on a synthetic class; the wall time of pytest. Prints a table and "
        "writes JSON.",
    )
    ben.add_argument("--labs", nargs="+", metavar="NN", help="lab numbers (default: all)")
    ben.add_argument("--students", type=int, default=30, help="synthetic class size for grading (default: 30)")
    ben.add_argument("--no-grading", action="store_true", help="skip the grading measurement")
    ben.add_argument("--no-pytest", action="store_true", help="skip timing the pytest suite")
    ben.add_argument("--json", help="where to write the JSON (default: build/bench.json)")
    ben.set_defaults(func=cmd_bench)

    data = sub.add_parser("data", help="regenerate or verify the data set",
                          description="Regenerate the seeded data files (byte-identical) or verify them against data/SHA256SUMS.")
    data.add_argument("action", choices=["generate", "verify"])
    data.add_argument("--out", help="data folder (default: the repo's data/)")
    data.add_argument("--config", metavar="JSON",
                      help='generate with another seed, bias or drift, e.g. {"drift": {"price_rise": 0.25}} (see data/README.md)')
    data.set_defaults(func=cmd_data)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``mlopslab`` console script and ``python -m mlopslab``."""
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except KeyboardInterrupt:
        print(f"\nmlopslab {args.command}: interrupted; running kernels were shut down.", file=sys.stderr)
        return 130
