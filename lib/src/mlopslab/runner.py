"""The headless runner: execute labs with papermill in parallel worker processes."""

from __future__ import annotations

import os
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from . import notebooks
from .config import empty_store, init_store, labs_dir
from .config import tracking_uri as default_tracking_uri


@dataclass(frozen=True)
class LabRun:
    """The outcome of executing one lab."""

    lab: str
    status: str  # "ok" or "failed"
    seconds: float
    output: Path
    error: str = ""
    peak_mb: float = 0.0  # peak resident memory of the lab's kernel


def _failed_cell(output: Path) -> str:
    """'cell N' for the last cell that started executing in an output notebook, else ''."""
    try:
        nb = notebooks.read(output)
    except Exception:
        return ""
    started = [i for i, cell in enumerate(nb.cells)
               if cell.get("metadata", {}).get("papermill", {}).get("status") not in (None, "pending")
               and cell.cell_type == "code"]
    return f"cell {started[-1]}" if started else ""


def _describe(err: BaseException, output: Path) -> str:
    """One line naming the failing cell and the error."""
    ename = getattr(err, "ename", type(err).__name__)
    cell_index = getattr(err, "cell_index", None)
    where = f"cell {cell_index}" if cell_index is not None else _failed_cell(output)
    count = getattr(err, "exec_count", None)
    if count is not None:
        where += f" (In [{count}])"
    lines = [line.strip() for line in str(getattr(err, "evalue", err)).splitlines() if line.strip(" -")]
    message = lines[-1] if hasattr(err, "evalue") and lines else (lines[0] if lines else "")
    if "Timeout" in ename:
        ename = "Timeout"
    return f"{where or 'before any cell'}: {ename}: {message}"[:500]


class PeakMemory:
    """Poll the resident memory of this process's children (the kernel) in a thread; keep the peak."""

    def __init__(self, interval: float = 0.1) -> None:
        import threading

        self.interval, self.peak = interval, 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._poll, daemon=True)

    def _poll(self) -> None:
        import psutil

        me = psutil.Process()
        while not self._stop.is_set():
            total = 0
            for child in me.children(recursive=True):
                try:
                    total += child.memory_info().rss
                except psutil.Error:
                    pass
            self.peak = max(self.peak, total)
            self._stop.wait(self.interval)

    def __enter__(self) -> PeakMemory:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()

    @property
    def megabytes(self) -> float:
        return self.peak / 2**20


def one_thread_per_kernel() -> None:
    """Labs run side by side, one per core: a kernel's BLAS/OpenMP threads would only fight over the cores."""
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ.setdefault(var, "1")


def limit_memory(megabytes: int | None) -> None:
    """Cap this process's data segment (inherited by the kernels it starts): a runaway lab gets MemoryError."""
    if megabytes:
        import resource

        limit = int(megabytes) * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_DATA, (limit, limit))


def run_lab(
    path: Path,
    output: Path,
    parameters: dict[str, Any] | None = None,
    timeout: float = 300,
    tracking_uri: str | None = None,
    memory_mb: int | None = None,
) -> LabRun:
    """Execute one lab into ``output`` (cwd: labs/); never raises for a failing lab."""
    import papermill

    limit_memory(memory_mb)
    if tracking_uri:
        os.environ["MLFLOW_TRACKING_URI"] = tracking_uri
    os.environ.setdefault("PYDEVD_DISABLE_FILE_VALIDATION", "1")
    one_thread_per_kernel()
    output.parent.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    memory = PeakMemory()
    try:
        with memory:
            papermill.execute_notebook(
                str(path),
                str(output),
                parameters=parameters or {},
                kernel_name=notebooks.KERNEL,
                cwd=str(labs_dir()),
                execution_timeout=timeout,
                progress_bar=False,
                log_output=False,
            )
    except BaseException as err:  # a failing lab is a result, not a crash of the batch
        if isinstance(err, KeyboardInterrupt):
            raise
        return LabRun(path.stem, "failed", time.perf_counter() - start, output, _describe(err, output),
                      memory.megabytes)
    return LabRun(path.stem, "ok", time.perf_counter() - start, output, peak_mb=memory.megabytes)


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
    """Re-execute labs on fresh stores and write them back to labs/ with clean metadata."""
    with tempfile.TemporaryDirectory(prefix="mlopslab-update-") as tmp:
        runs = run_labs(paths, Path(tmp), workers=workers, timeout=timeout, fresh_stores=True, on_done=on_done,
                        memory_mb=memory_mb)
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
