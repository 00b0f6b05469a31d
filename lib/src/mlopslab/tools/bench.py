"""The benchmark behind README's Performance section: running, testing and grading, on this machine.

Never part of the test run. Measures (a) the floor: every lab as a plain Python script, one after another;
(b) naive: the papermill command line over each lab, one after another; (c) ``mlopslab run`` with its
defaults; per-lab wall time and kernel peak memory; grading throughput against naive papermill; and the
wall time of the whole ``pytest`` suite.
"""

from __future__ import annotations

import json
import os
import platform
import random
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

from ..config import labs_dir, repo_root, sqlite_uri
from . import answers, execution, notebooks


def _env(store: Path) -> dict[str, str]:
    return {**os.environ, "MLFLOW_TRACKING_URI": sqlite_uri(store), "MPLBACKEND": "Agg",
            "PYDEVD_DISABLE_FILE_VALIDATION": "1"}


def _timed(cmd: list[str], env: dict, cwd: Path) -> tuple[float, float, int]:
    """Run a command; return (wall seconds, peak RSS of its largest process in MB, exit code)."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(proc.pid, 0)
    return time.perf_counter() - start, usage.ru_maxrss / 1024, os.waitstatus_to_exitcode(status)


def export_script(path: Path, folder: Path) -> Path:
    """The lab's code cells as a plain Python script (IPython's display() imported explicitly)."""
    nb = notebooks.read(path)
    cells = [c.source for c in nb.cells if c.cell_type == "code" and not c.source.lstrip().startswith(("%", "!"))]
    script = folder / f"{path.stem}.py"
    script.write_text("from IPython.display import display\n\n" + "\n\n".join(cells) + "\n", encoding="utf-8")
    return script


def floor(paths: list[Path], tmp: Path) -> dict:
    """(a) Every lab as a plain script, serially."""
    per_lab = {}
    for path in paths:
        script = export_script(path, tmp)
        wall, peak, code = _timed([sys.executable, str(script)], _env(tmp / "floor" / path.stem), labs_dir())
        per_lab[path.stem] = {"seconds": round(wall, 2), "peak_mb": round(peak), "exit": code}
    return {"seconds": round(sum(v["seconds"] for v in per_lab.values()), 2), "labs": per_lab}


def naive(paths: list[Path], tmp: Path) -> dict:
    """(b) The papermill command line over each lab, serially."""
    papermill = str(Path(sys.executable).with_name("papermill"))
    per_lab = {}
    for path in paths:
        cmd = [papermill, str(path), str(tmp / "naive" / path.name), "-k", execution.KERNEL, "--cwd", str(labs_dir()),
               "--execution-timeout", "600", "--no-progress-bar"]
        (tmp / "naive").mkdir(exist_ok=True)
        wall, _, code = _timed(cmd, _env(tmp / "naive-store" / path.stem), labs_dir())
        per_lab[path.stem] = {"seconds": round(wall, 2), "exit": code}
    return {"seconds": round(sum(v["seconds"] for v in per_lab.values()), 2), "labs": per_lab}


def runner_defaults(paths: list[Path], tmp: Path) -> dict:
    """(c) ``mlopslab run`` with its defaults, as a command; per-lab seconds and peak memory from its own table."""
    from . import runner

    cmd = [sys.executable, "-m", "mlopslab", "run", "--out", str(tmp / "run"), "--labs", *[p.name[:2] for p in paths]]
    env = _env(tmp / "run-store")
    start = time.perf_counter()
    proc = subprocess.run(cmd, env=env, cwd=repo_root(), capture_output=True, check=False)
    wall = time.perf_counter() - start
    # per-lab figures: one lab at a time in a fresh worker, so each kernel's peak is its own
    per_lab = {}
    for path in paths:
        run = runner.run_lab(path, tmp / "per-lab" / path.name, tracking_uri=sqlite_uri(tmp / "per-lab-store" / path.stem))
        per_lab[path.stem] = {"seconds": round(run.seconds, 2), "peak_mb": round(run.peak_mb), "status": run.status}
    return {"seconds": round(wall, 2), "exit": proc.returncode, "labs": per_lab}


def synthetic_class(paths: list[Path], students: int, folder: Path, seed: int = 0) -> int:
    """Submissions for ``students`` × labs: reference solutions with some wrong answers mixed in."""
    rng = random.Random(seed)
    count = 0
    for s in range(students):
        for path in paths:
            lab = notebooks.lab_number(path)
            good, bad = answers.chosen(lab, "solution"), answers.chosen(lab, "wrong")
            chosen = {ex: (bad[ex] if rng.random() < 0.3 else good[ex]) for ex in good}
            target = folder / f"student{s:03d}" / path.name
            target.parent.mkdir(parents=True, exist_ok=True)
            notebooks.write(notebooks.with_answers(notebooks.read(path), chosen), target)
            count += 1
    return count


def grading(paths: list[Path], students: int, tmp: Path) -> dict:
    """Notebooks graded per minute by ``mlopslab grade`` vs naive sequential papermill over the same class."""
    subs = tmp / "class"
    count = synthetic_class(paths, students, subs)
    start = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "mlopslab", "grade", str(subs), "--out", str(tmp / "grades")],
                          cwd=repo_root(), capture_output=True, text=True, check=False)
    graded = time.perf_counter() - start
    papermill = str(Path(sys.executable).with_name("papermill"))
    start = time.perf_counter()
    for nb in sorted(subs.rglob("*.ipynb")):
        cmd = [papermill, str(nb), str(tmp / "naive-grade.ipynb"), "-k", execution.KERNEL, "--cwd", str(labs_dir()),
               "--no-progress-bar"]
        _timed(cmd, _env(tmp / "naive-grade-store" / nb.parent.name / nb.stem), labs_dir())
    naive_wall = time.perf_counter() - start
    return {"notebooks": count, "grade_seconds": round(graded, 1), "grade_exit": proc.returncode,
            "grade_per_minute": round(60 * count / graded, 1), "naive_seconds": round(naive_wall, 1),
            "naive_per_minute": round(60 * count / naive_wall, 1), "speedup": round(naive_wall / graded, 2)}


def pytest_suite() -> dict:
    """The wall time of the whole ``pytest`` suite (the README's test command)."""
    start = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "pytest", "-q"], cwd=repo_root(), capture_output=True, text=True,
                          check=False)
    last = proc.stdout.strip().splitlines()[-1] if proc.stdout.strip() else ""
    return {"seconds": round(time.perf_counter() - start, 1), "exit": proc.returncode, "summary": last}


def machine() -> dict:
    """What the figures were measured on."""
    return {"date": date.today().isoformat(), "cores": os.cpu_count(), "python": platform.python_version(),
            "platform": platform.platform(),
            "memory_gb": round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1)}


def run_benchmark(labs: list[str] | None = None, students: int = 30, with_grading: bool = True,
                  with_pytest: bool = True) -> dict:
    """Measure everything; return the results as a dict (also the JSON written by the CLI)."""
    paths = notebooks.lab_paths(labs)
    with tempfile.TemporaryDirectory(prefix="mlopslab-bench-") as name:
        tmp = Path(name)
        result = {"machine": machine(), "labs": [p.stem for p in paths]}
        result["floor"] = floor(paths, tmp)
        result["naive"] = naive(paths, tmp)
        result["run"] = runner_defaults(paths, tmp)
        result["ratios"] = {"run/floor": round(result["run"]["seconds"] / result["floor"]["seconds"], 2),
                            "run/naive": round(result["run"]["seconds"] / result["naive"]["seconds"], 2)}
        if with_grading:
            result["grading"] = grading(paths, students, tmp)
        if with_pytest:
            result["pytest"] = pytest_suite()
    return result


def report(result: dict) -> str:
    """The printed table."""
    lines = [f"Machine: {result['machine']}", "",
             f"(a) floor, scripts serially : {result['floor']['seconds']:7.1f} s",
             f"(b) naive papermill CLI      : {result['naive']['seconds']:7.1f} s",
             f"(c) mlopslab run (defaults)  : {result['run']['seconds']:7.1f} s",
             f"    (c)/(a) = {result['ratios']['run/floor']}   (c)/(b) = {result['ratios']['run/naive']}", "",
             f"{'lab':<36} {'floor s':>8} {'naive s':>8} {'run s':>7} {'kernel peak MB':>15}"]
    for lab in result["labs"]:
        a, b, c = (result[k]["labs"][lab] for k in ("floor", "naive", "run"))
        lines.append(f"{lab:<36} {a['seconds']:8.1f} {b['seconds']:8.1f} {c['seconds']:7.1f} {c['peak_mb']:15d}")
    if "grading" in result:
        g = result["grading"]
        lines += ["", f"grading: {g['notebooks']} notebooks: mlopslab grade {g['grade_per_minute']}/min "
                      f"({g['grade_seconds']} s, exit {g['grade_exit']}); naive papermill {g['naive_per_minute']}/min "
                      f"({g['naive_seconds']} s); speed-up {g['speedup']}x"]
    if "pytest" in result:
        p = result["pytest"]
        lines += [f"pytest suite: {p['seconds']} s (exit {p['exit']}: {p['summary']})"]
    return "\n".join(lines)


def failures(result: dict) -> list[str]:
    """What went wrong in a benchmark run: a figure measured on a failed run is not a figure."""
    found = [f"floor: {lab} exited {v['exit']}" for lab, v in result["floor"]["labs"].items() if v["exit"]]
    found += [f"naive: {lab} exited {v['exit']}" for lab, v in result["naive"]["labs"].items() if v["exit"]]
    found += [f"mlopslab run exited {result['run']['exit']}"] if result["run"].get("exit") else []
    found += [f"run: {lab} {v['status']}" for lab, v in result["run"]["labs"].items() if v["status"] != "ok"]
    if result.get("grading", {}).get("grade_exit"):
        found.append(f"mlopslab grade exited {result['grading']['grade_exit']}")
    if result.get("pytest", {}).get("exit"):
        found.append(f"pytest exited {result['pytest']['exit']}")
    return found


def write_json(result: dict, path: Path) -> None:
    """Write the results as JSON."""
    Path(path).write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
