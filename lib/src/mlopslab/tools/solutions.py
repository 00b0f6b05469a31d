"""Solution notebooks for instructors: each lab with its reference solutions filled in and executed."""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from pathlib import Path

from .. import exercises
from . import answers, notebooks, runner


def prepare(paths: list[Path], folder: Path) -> list[Path]:
    """Copies of the labs with the reference solutions in their exercise cells, written to ``folder``."""
    prepared = []
    for path in paths:
        nb = answers.filled(path, "solution")
        target = folder / path.name
        notebooks.write(nb, target)
        prepared.append(target)
    return prepared


def not_correct(run: runner.LabRun) -> list[str]:
    """The exercises of an executed solution notebook whose check did not pass."""
    results = exercises.results_of(notebooks.read(run.output))
    declared = exercises.exercises_of(run.lab[:2])
    seen = {r.exercise for r in results}
    problems = [f"{r.exercise}: {r.status} ({r.message})" for r in results if r.status != "correct"]
    return problems + [f"{ex}: its check did not run" for ex in declared if ex not in seen]


def write_solutions(paths: list[Path], out: Path, workers: int | None = None, timeout: float = 300,
                    on_done: Callable[[runner.LabRun, int, int], None] | None = None) -> list[runner.LabRun]:
    """Execute every lab with its solutions into ``out`` (fresh stores); a lab whose checks fail is 'failed'."""
    out = Path(out)
    with tempfile.TemporaryDirectory(prefix="mlopslab-solutions-") as tmp:
        prepared = prepare(paths, Path(tmp))
        runs = runner.run_labs(prepared, out, workers=workers, timeout=timeout, fresh_stores=True, on_done=on_done)
    checked = []
    for run in runs:
        if run.status == "ok":
            notebooks.write(notebooks.clean(notebooks.read(run.output)), run.output)
            problems = not_correct(run)
            if problems:
                run = runner.LabRun(run.lab, "failed", run.seconds, run.output, "; ".join(problems))
        checked.append(run)
    return checked
