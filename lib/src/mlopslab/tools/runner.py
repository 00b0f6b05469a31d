"""The headless runner: execute labs in parallel worker processes (papermill parameters, the execution layer)."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..config import empty_store, init_store, labs_dir
from ..config import tracking_uri as default_tracking_uri
from . import build, execution, notebooks


@dataclass(frozen=True)
class LabRun:
    """The outcome of executing one lab."""

    lab: str
    status: str  # "ok" or "failed"
    seconds: float
    output: Path
    error: str = ""
    peak_mb: float = 0.0  # peak resident memory of the lab's kernel


def run_lab(
    path: Path,
    output: Path,
    parameters: dict[str, Any] | None = None,
    timeout: float = 300,
    tracking_uri: str | None = None,
    memory_mb: int | None = None,
) -> LabRun:
    """Execute one lab into ``output`` (cwd: labs/); never raises for a failing lab."""
    nb = notebooks.read(path)
    if parameters:
        from papermill.iorw import load_notebook_node
        from papermill.parameterize import parameterize_notebook

        nb = parameterize_notebook(load_notebook_node(str(path)), parameters)  # injected after `parameters`
    cap = memory_mb or None  # a big allocation fails in its cell with MemoryError; a growing process tree is killed
    limits = execution.Limits(cell_timeout=timeout, lab_cell_timeout=timeout, memory_mb=cap, data_segment_mb=cap)
    output.parent.mkdir(parents=True, exist_ok=True)
    outcome = execution.execute(nb, labs_dir(), tracking_uri=tracking_uri or default_tracking_uri(), limits=limits,
                                stop_on_error=True)
    notebooks.write(notebooks.clean(nb), output)
    status = "ok" if outcome.ok else "failed"
    return LabRun(path.stem, status, outcome.seconds, output, outcome.reason[:500], outcome.peak_mb)


def run_labs(
    paths: list[Path],
    out_dir: Path,
    workers: int | None = None,
    parameters: dict[str, Any] | None = None,
    timeout: float = 300,
    tracking_uri: str | None = None,
    fresh_stores: bool = False,
    on_done: Callable[[LabRun, int, int], None] | None = None,
    memory_mb: int | None = None,
) -> list[LabRun]:
    """Execute ``paths`` in parallel; results in the order of ``paths``.

    ``fresh_stores`` gives every lab its own empty tracking store under ``out_dir`` (what the
    reference outputs are made with); otherwise every lab uses ``tracking_uri`` or the default.
    """
    out_dir = Path(out_dir)
    workers = max(1, min(workers or os.cpu_count() or 1, len(paths) or 1))
    results: dict[Path, LabRun] = {}
    if not fresh_stores:
        tracking_uri = tracking_uri or default_tracking_uri()
        init_store(tracking_uri)
    with ProcessPoolExecutor(max_workers=workers) as pool:
        futures = {}
        for path in paths:
            uri = empty_store(out_dir / "stores" / path.stem) if fresh_stores else tracking_uri
            future = pool.submit(run_lab, path, out_dir / path.name, parameters, timeout, uri, memory_mb)
            futures[future] = path
        for future in as_completed(futures):
            try:
                run = future.result()
            except Exception as err:  # the worker process itself died: still a result for this lab
                path = futures[future]
                run = LabRun(path.stem, "failed", 0.0, out_dir / path.name, f"runner worker died: {err!r}")
            results[futures[future]] = run
            if on_done:
                on_done(run, len(results), len(paths))
    return [results[p] for p in paths]


def update_references(paths: list[Path], workers: int | None = None, timeout: float = 300,
                      on_done: Callable[[LabRun, int, int], None] | None = None,
                      memory_mb: int | None = None) -> list[LabRun]:
    """Build labs from their sources, execute them on fresh stores, and write them to labs/ with clean metadata."""
    from . import sources

    with tempfile.TemporaryDirectory(prefix="mlopslab-update-") as tmp:
        fresh = []
        for path in paths:
            built = build.student_notebook(sources.source_of(notebooks.lab_number(path)))
            fresh.append(Path(tmp) / "built" / path.name)
            fresh[-1].parent.mkdir(exist_ok=True)
            notebooks.write(built, fresh[-1])
        runs = run_labs(fresh, Path(tmp) / "out", workers=workers, timeout=timeout, fresh_stores=True,
                        on_done=on_done, memory_mb=memory_mb)
        for path, run in zip(paths, runs):
            if run.status == "ok":
                notebooks.write(notebooks.clean(notebooks.read(run.output)), path)
    return runs


def table(runs: list[LabRun]) -> str:
    """The closing table: lab, status, seconds; then the errors."""
    width = max([len(r.lab) for r in runs] + [3])
    lines = [f"{'lab':<{width}}  status  seconds  peak MB", f"{'-' * width}  ------  -------  -------"]
    lines += [f"{r.lab:<{width}}  {r.status:<6}  {r.seconds:7.1f}  {r.peak_mb:7.0f}" for r in runs]
    lines += [f"FAILED {r.lab}: {r.error}" for r in runs if r.status != "ok"]
    return "\n".join(lines)
