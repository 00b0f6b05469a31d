"""The ``mlopslab`` command line: build, run, release and grade the labs (review, export); manage the data.

Each command is a small ``add_*`` function (its options) and a ``cmd_*`` function (what it does); ``grade`` keeps
its own in :mod:`mlopslab.tools.grading.command`.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

from ..config import repo_root
from . import notebooks, runner


def _parse_value(text: str):
    """A parameter value: JSON if it parses (numbers, true, lists), else the string itself."""
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        return text


_STARTED = time.monotonic()


def _progress(run: runner.LabRun, done: int, total: int) -> None:
    mark = {"ok": "ok    ", "cached": "cached", "failed": "FAIL  "}.get(run.status, run.status)
    took = "" if run.status == "cached" else f" ({run.seconds:.1f}s)"
    print(f"[{done}/{total}] {mark} {run.lab}{took} · {time.monotonic() - _STARTED:.0f}s elapsed", flush=True)


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
    """Print the closing table; exit status 0 only if every lab is ok (or cached: unchanged since it was)."""
    print(runner.table(runs))
    return 0 if all(r.status in ("ok", "cached") for r in runs) else 1


def _labs_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--labs", nargs="+", metavar="NN", help="lab numbers or names, e.g. --labs 03 05 (default: all)")


def _workers_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--workers", type=int, default=None, help="parallel workers (default: number of cores)")
    parser.add_argument("--timeout", type=float, default=300, help="per-cell timeout in seconds (default: 300)")


# --- run -------------------------------------------------------------------------------------------------------

def add_run(sub) -> None:
    run = sub.add_parser(
        "run", help="execute labs headlessly",
        description="Execute every lab (or those given with --labs) in parallel into an output folder, and print a "
        "table of lab, status, seconds and peak memory. Exits non-zero naming the lab, the cell and the error when a "
        "lab fails.")
    _labs_option(run)
    run.add_argument("--out", help="folder for executed notebooks (default: build/ in the repo)")
    _workers_option(run)
    run.add_argument("--memory-limit", type=int, default=3072, metavar="MB",
                     help="memory cap per lab kernel in MB (default 3072; 0 = none)")
    run.add_argument("-p", "--parameter", nargs=2, action="append", metavar=("NAME", "VALUE"),
                     help="a papermill parameter for the labs' `parameters` cell; VALUE is JSON or a string")
    run.add_argument("--tracking-uri",
                     help="MLflow tracking URI for these runs (default: MLFLOW_TRACKING_URI or the embedded store)")
    run.add_argument("--kernels", choices=["warm", "cold"], default="warm",
                     help="warm: fork each kernel from a process that has imported the course's libraries (default); "
                     "cold: start a new Python for each (what the warm kernels save; for benchmarks)")
    run.add_argument("--force", action="store_true",
                     help="run every lab, even one unchanged since its last successful run into --out (otherwise "
                     "listed as 'cached')")
    run.add_argument("--update", action="store_true",
                     help="build the labs from their sources, execute them on fresh tracking stores and write them "
                     "to labs/ as the new reference outputs (instructor's repository only)")
    run.set_defaults(func=cmd_run)


def cmd_run(args: argparse.Namespace) -> int:
    paths = _selected_labs(args)
    if paths is None:
        return 2
    parameters = {name: _parse_value(value) for name, value in args.parameter or []}
    os.environ["MLOPSLAB_KERNELS"] = args.kernels  # the worker processes inherit it
    print(f"Running {len(paths)} lab(s) with {args.workers or os.cpu_count()} worker(s)...", flush=True)
    if args.update:
        if parameters or args.tracking_uri:
            print("mlopslab run: --update makes reference outputs on the defaults; drop -p/--tracking-uri", file=sys.stderr)
            return 2
        try:
            runs = runner.update_references(paths, workers=args.workers, timeout=args.timeout, on_done=_progress,
                                            memory_mb=args.memory_limit)
        except FileNotFoundError as err:
            print(f"mlopslab run --update: {err}", file=sys.stderr)
            return 2
    else:
        out = Path(args.out) if args.out else repo_root() / "build"
        runs = runner.run_labs(paths, out, workers=args.workers, parameters=parameters, timeout=args.timeout,
                               tracking_uri=args.tracking_uri, on_done=_progress, memory_mb=args.memory_limit,
                               force=args.force)
        print(f"Executed notebooks are in {out}")
    return _finish(runs)


# --- build, release, new-lab -----------------------------------------------------------------------------------

def add_build(sub) -> None:
    build = sub.add_parser(
        "build", help="generate the student notebooks in labs/ from the lab sources",
        description="Generate labs/NN_name.ipynb from course/labs/NN_name.py: stubs in the exercise cells, no "
        "solutions, the reference outputs of the committed notebook kept cell by cell id (refresh them with "
        "`mlopslab run --update`). With --check, write nothing and exit 1 listing every generated file that is "
        "stale or was edited by hand.")
    _labs_option(build)
    build.add_argument("--check", action="store_true", help="only check that the generated files are up to date")
    build.set_defaults(func=cmd_build)


def cmd_build(args: argparse.Namespace) -> int:
    from . import build, sources

    if not sources.source_paths():
        print(f"mlopslab build: no lab sources in {sources.sources_dir()} (a student release has none)",
              file=sys.stderr)
        return 2
    try:
        if args.check:
            problems = build.problems(args.labs)
            for line in problems:
                print(line)
            print("every generated file is up to date" if not problems else f"{len(problems)} file(s) out of date")
            return 1 if problems else 0
        planned = build.build(args.labs)
    except sources.SourceError as err:
        print(f"mlopslab build: {err}", file=sys.stderr)
        return 2
    for item in planned:
        print(f"{item.target.name}: {'unchanged' if item.status == 'same' else 'written'}")
    return 0


def add_release(sub) -> None:
    from . import release

    rel = sub.add_parser("release", help="write the student repository (no solutions) to a folder",
                         description=release.__doc__.splitlines()[0])
    rel.add_argument("out", help="an empty or new folder for the student repository")
    rel.add_argument("--force", action="store_true", help="replace OUT if it exists")
    rel.set_defaults(func=cmd_release)


def cmd_release(args: argparse.Namespace) -> int:
    from . import release

    try:
        written = release.write_release(Path(args.out), force=args.force)
    except (FileExistsError, release.ReleaseError) as err:
        print(f"mlopslab release: {err}", file=sys.stderr)
        return 2
    print(f"wrote the student release ({written} files) to {args.out}")
    return 0


def add_new_lab(sub) -> None:
    new = sub.add_parser("new-lab", help="scaffold a new lab: source, checks, registry entry",
                         description="Create course/labs/NN_slug.py, lib/src/mlopslab/checks/labNN.py and an entry in "
                         "course/labs.toml for a new lab, ready for `mlopslab build`.")
    new.add_argument("number", help="two digits, e.g. 12")
    new.add_argument("slug", help="lower-case words joined by underscores, e.g. feature_store")
    new.add_argument("--title", default="", help="the lab's title (default: from the slug)")
    new.set_defaults(func=cmd_new_lab)


def cmd_new_lab(args: argparse.Namespace) -> int:
    from . import catalog

    try:
        created = catalog.scaffold(args.number, args.slug, args.title)
    except (ValueError, FileExistsError) as err:
        print(f"mlopslab new-lab: {err}", file=sys.stderr)
        return 2
    for path in created:
        print(f"created {path}")
    print("next: write the lab in its source, then `mlopslab build` and `mlopslab run --update --labs "
          f"{args.number}`")
    return 0


# --- solutions, grade, bench, data -----------------------------------------------------------------------------

def add_solutions(sub) -> None:
    sol = sub.add_parser(
        "solutions", help="write executed solution notebooks for instructors",
        description="Write each lab with its reference solutions (from its source in course/labs/) filled in and "
        "executed into OUT, and verify that every check passes. The committed labs stay student versions.")
    sol.add_argument("out", help="folder for the solution notebooks")
    _labs_option(sol)
    _workers_option(sol)
    sol.set_defaults(func=cmd_solutions)


def cmd_solutions(args: argparse.Namespace) -> int:
    from . import solutions

    paths = _selected_labs(args)
    if paths is None:
        return 2
    print(f"Writing solution notebooks for {len(paths)} lab(s) to {args.out} ...", flush=True)
    try:
        runs = solutions.write_solutions(paths, Path(args.out), workers=args.workers, timeout=args.timeout,
                                         on_done=_progress)
    except FileNotFoundError as err:
        print(f"mlopslab solutions: {err}", file=sys.stderr)
        return 2
    return _finish(runs)


def add_grade(sub) -> None:
    from .grading.command import DESCRIPTION, add_arguments

    grade = sub.add_parser("grade", help="grade a folder of student notebooks (or --self one of your own)",
                           description=DESCRIPTION)
    add_arguments(grade)
    grade.set_defaults(func=cmd_grade)


def cmd_grade(args: argparse.Namespace) -> int:
    from .grading import command

    return command.run(args)


def add_review(sub) -> None:
    from .grading.review import add_arguments

    rev = sub.add_parser("review", help="score the written answers of a graded batch in a local page",
                         description="Serve a page on 127.0.0.1 where graders score each written answer of a graded "
                         "batch against its rubric, one answer at a time across the class, from the keyboard; "
                         "--blind hides every name. Scores merge into gradebook.csv and the feedback pages at once.")
    add_arguments(rev)
    rev.set_defaults(func=cmd_review)


def cmd_review(args: argparse.Namespace) -> int:
    from .grading import review

    return review.run(args)


def add_export(sub) -> None:
    from .grading.export import add_arguments

    exp = sub.add_parser("export", help="write an LMS's grade import and feedback bundle for a graded batch",
                         description="Write the files Canvas, Moodle or Gradescope imports as they are (one "
                         "assignment per lab, final points after late penalties, the roster's ids) and the "
                         "per-student feedback bundle, into GRADES/lms/<system>/ (docs/grading.md).")
    add_arguments(exp)
    exp.set_defaults(func=cmd_export)


def cmd_export(args: argparse.Namespace) -> int:
    from .grading import export

    return export.run(args)


def add_bench(sub) -> None:
    ben = sub.add_parser(
        "bench", help="measure running, testing and grading speed and memory (slow; not a test)",
        description="Benchmark on this machine: (a) every lab as a plain script, serially; (b) the papermill CLI per "
        "lab, serially; (c) mlopslab run with its defaults; per-lab seconds and kernel peak memory; grading "
        "throughput against naive papermill on a synthetic class; the wall time of pytest. Prints a table and "
        "writes JSON; exits 1 when any measured run failed.")
    ben.add_argument("--labs", nargs="+", metavar="NN", help="lab numbers (default: all)")
    ben.add_argument("--students", type=int, default=30, help="synthetic class size for grading (default: 30)")
    ben.add_argument("--no-grading", action="store_true", help="skip the grading measurement")
    ben.add_argument("--no-pytest", action="store_true", help="skip timing the pytest suite")
    ben.add_argument("--no-compare", action="store_true",
                     help="skip grading the class again unsandboxed to compare the gradebooks (halves the grading time)")
    ben.add_argument("--json", help="where to write the JSON (default: build/bench.json)")
    ben.set_defaults(func=cmd_bench)


def cmd_bench(args: argparse.Namespace) -> int:
    from . import bench

    result = bench.run_benchmark(args.labs, students=args.students, with_grading=not args.no_grading,
                                 with_pytest=not args.no_pytest, compare=not args.no_compare)
    print(bench.report(result))
    out = Path(args.json) if args.json else repo_root() / "build" / "bench.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    bench.write_json(result, out)
    print(f"JSON written to {out}")
    failed = bench.failures(result)
    for line in failed:
        print(f"FAILED {line}", file=sys.stderr)
    return 1 if failed else 0


def add_data(sub) -> None:
    data = sub.add_parser("data", help="regenerate or verify the data set",
                          description="Regenerate the seeded data files (byte-identical) or verify them against data/SHA256SUMS.")
    data.add_argument("action", choices=["generate", "verify"])
    data.add_argument("--out", help="data folder (default: the repo's data/)")
    data.add_argument("--config", metavar="JSON",
                      help='generate with another seed, bias or drift, e.g. {"drift": {"price_rise": 0.25}} '
                           '(see data/README.md); saved as data/config.json, which the package and the labs read')
    data.set_defaults(func=cmd_data)


def cmd_data(args: argparse.Namespace) -> int:
    from .. import data

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
        if config != data.DataConfig():
            print(f"saved this term's config as {written[0].parent / data.TERM_FILE}: the package and the labs read it "
                  f"(data.term()); drift months {config.drift.price_rise_batch} (price rise) and "
                  f"{config.drift.competitor_batch} (competitor)")
        return 0
    status = data.verify_checksums(Path(args.out) if args.out else None)
    for name, ok in status.items():
        if not ok:
            print(f"MISMATCH {name}")
    print(f"{sum(status.values())}/{len(status)} data files match data/SHA256SUMS")
    return 0 if all(status.values()) else 1


COMMANDS = (add_run, add_build, add_release, add_new_lab, add_solutions, add_grade, add_review, add_export,
            add_bench, add_data)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="mlopslab",
        description="MLOps Lab: build, run, release and grade the course notebooks; manage their data.",
    )
    sub = parser.add_subparsers(dest="command", required=True)
    for add in COMMANDS:
        add(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``mlopslab`` console script and ``python -m mlopslab``."""
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except KeyboardInterrupt:
        print(f"\nmlopslab {args.command}: interrupted; running kernels were shut down.", file=sys.stderr)
        return 130
