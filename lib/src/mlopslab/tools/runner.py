"""The headless runner: execute labs in parallel worker processes (papermill parameters, the execution layer)."""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..config import data_dir, empty_store, init_store, labs_dir
from ..config import tracking_uri as default_tracking_uri
from . import build, execution, fingerprint, notebooks


@dataclass(frozen=True)
class LabRun:
    """The outcome of executing one lab."""

    lab: str
    status: str  # "ok", "cached" (unchanged since its last successful run: not run again) or "failed"
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
    force: bool = True,
) -> list[LabRun]:
    """Execute ``paths`` in parallel; results in the order of ``paths``.

    ``fresh_stores`` gives every lab its own empty tracking store under ``out_dir`` (what the
    reference outputs are made with); otherwise every lab uses ``tracking_uri`` or the default.
    Unless ``force``, a lab whose last successful run into ``out_dir`` had the same notebook, package code, data,
    parameters and tracking store is not run again: its result is ``cached`` (as jupyter-cache does).
    """
    out_dir = Path(out_dir)
    results: dict[Path, LabRun] = {}
    if not fresh_stores:
        tracking_uri = tracking_uri or default_tracking_uri()
        init_store(tracking_uri)
    keys = {p: run_key(p, parameters, tracking_uri, timeout, memory_mb) for p in paths}
    todo = []
    for path in paths:
        cached = None if force or fresh_stores else _cached_run(out_dir, path, keys[path])
        if cached:
            results[path] = cached
            if on_done:
                on_done(cached, len(results), len(paths))
        else:
            todo.append(path)
    workers = max(1, min(workers or os.cpu_count() or 1, len(todo) or 1))
    with ProcessPoolExecutor(max_workers=workers) as pool:
        futures = {}
        for path in longest_first(todo, out_dir):
            uri = empty_store(out_dir / "stores" / path.stem) if fresh_stores else tracking_uri
            future = pool.submit(run_lab, path, out_dir / path.name, parameters, timeout, uri, memory_mb)
            futures[future] = path
        for future in as_completed(futures):
            path = futures[future]
            try:
                run = future.result()
            except Exception as err:  # the worker process itself died: still a result for this lab
                run = LabRun(path.stem, "failed", 0.0, out_dir / path.name, f"runner worker died: {err!r}")
            if run.status == "ok" and not fresh_stores:
                _remember(out_dir, path, keys[path], run)
            results[path] = run
            if on_done:
                on_done(run, len(results), len(paths))
    return [results[p] for p in paths]


def longest_first(paths: list[Path], out_dir: Path) -> list[Path]:
    """``paths`` in the order that keeps the workers busy to the end: the longest last run first (a lab never run
    into ``out_dir`` counts by its number, the later labs being the heavier ones)."""
    def last_seconds(path: Path) -> float:
        try:
            return float(json.loads(_record(out_dir, path).read_text(encoding="utf-8"))["seconds"])
        except (OSError, ValueError, KeyError, TypeError):
            return 0.0

    return sorted(paths, key=lambda p: (last_seconds(p), p.name), reverse=True)


def run_key(path: Path, parameters: dict | None, tracking_uri: str | None, timeout: float,
            memory_mb: int | None) -> str:
    """What a lab's run depends on: the notebook, the package's code, the data, the settings."""
    settings = json.dumps({"parameters": parameters or {}, "tracking_uri": tracking_uri, "timeout": timeout,
                           "memory_mb": memory_mb}, sort_keys=True, default=str)
    return fingerprint.digest(Path(path), fingerprint.package_digest(), data_dir() / "SHA256SUMS", settings)


def _record(out_dir: Path, path: Path) -> Path:
    return out_dir / ".mlopslab-cache" / f"{path.stem}.json"


def _cached_run(out_dir: Path, path: Path, key: str) -> LabRun | None:
    try:
        record = json.loads(_record(out_dir, path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    output = out_dir / path.name
    if record.get("key") != key or not output.is_file():
        return None
    return LabRun(path.stem, "cached", 0.0, output, "", float(record.get("peak_mb", 0.0)))


def _remember(out_dir: Path, path: Path, key: str, run: LabRun) -> None:
    record = _record(out_dir, path)
    record.parent.mkdir(parents=True, exist_ok=True)
    record.write_text(json.dumps({"key": key, "seconds": round(run.seconds, 2), "peak_mb": round(run.peak_mb)}),
                      encoding="utf-8")


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
    lines += [f"FAILED {r.lab}: {r.error}" for r in runs if r.status == "failed"]
    return "\n".join(lines)
