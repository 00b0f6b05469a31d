"""The benchmark behind README's Performance section: running, testing and grading, on this machine, in one run.

Never part of the test run. Measures, one after another:

(a) the floor: every lab as a plain Python script, serially (each pays its own imports);
(b) naive: the papermill command line over each lab, serially;
(c) ``mlopslab run`` from cold (a new process, no cache: ``--force``), warm kernels as by default;
(d) the same with cold kernels (``--kernels cold``), to show what the warm kernels save;
(e) the sandbox's cost per notebook: a few copies of one lab graded serially, sandboxed (warm kernels, the default),
    unsandboxed, and sandboxed on cold kernels;
(f) grading a synthetic class (``--students``, default 30, × every lab), sandboxed as by default;
(g) the whole ``pytest`` suite;
(a') the floor again, at the end: the machine's speed drifts over a run of most of an hour (the same twelve scripts
     took between 114 s and 200 s in four runs over two days), so every ratio is taken against the mean of (a) and
     (a'), and the report gives both.

Every measured run must succeed: a failed run is reported and makes ``mlopslab bench`` exit non-zero.
"""

from __future__ import annotations

import json
import os
import platform
import random
import re
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

from ..config import labs_dir, repo_root, sqlite_uri
from . import answers, execution, notebooks

OUTPUT_KEPT = 20_000
"""Characters of a failed run's output (pytest, ``mlopslab run``) the JSON keeps."""


def _env(store: Path, **extra: str) -> dict[str, str]:
    return {**os.environ, "MLFLOW_TRACKING_URI": sqlite_uri(store), "MPLBACKEND": "Agg",
            "PYDEVD_DISABLE_FILE_VALIDATION": "1", **extra}


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
    (tmp / "naive").mkdir(exist_ok=True)
    for path in paths:
        cmd = [papermill, str(path), str(tmp / "naive" / path.name), "-k", execution.KERNEL, "--cwd", str(labs_dir()),
               "--execution-timeout", "600", "--no-progress-bar"]
        wall, _, code = _timed(cmd, _env(tmp / "naive-store" / path.stem), labs_dir())
        per_lab[path.stem] = {"seconds": round(wall, 2), "exit": code}
    return {"seconds": round(sum(v["seconds"] for v in per_lab.values()), 2), "labs": per_lab}


def _table(stdout: str) -> dict:
    """Per-lab seconds, status and peak memory from the closing table of ``mlopslab run``."""
    rows = {}
    for line in stdout.splitlines():
        parts = line.split()
        if len(parts) == 4 and parts[1] in ("ok", "failed", "cached"):
            rows[parts[0]] = {"status": parts[1], "seconds": float(parts[2]), "peak_mb": round(float(parts[3]))}
    return rows


def run_command(paths: list[Path], tmp: Path, kernels: str) -> dict:
    """(c), (d) ``mlopslab run --force`` as a new process, with warm or cold kernels."""
    cmd = [sys.executable, "-m", "mlopslab", "run", "--force", "--out", str(tmp / f"run-{kernels}"), "--kernels",
           kernels, "--labs", *[p.name[:2] for p in paths]]
    start = time.perf_counter()
    proc = subprocess.run(cmd, env=_env(tmp / f"run-store-{kernels}"), cwd=repo_root(), capture_output=True,
                          text=True, check=False)
    found = {"seconds": round(time.perf_counter() - start, 2), "exit": proc.returncode, "labs": _table(proc.stdout)}
    if proc.returncode:  # the runner names the lab, the cell and the error: keep them, the run's folder is deleted
        found["output_end"] = (proc.stdout + proc.stderr)[-OUTPUT_KEPT:]
    return found


def synthetic_class(paths: list[Path], students: int, folder: Path, seed: int = 0) -> int:
    """Submissions for ``students`` × labs: reference solutions with some wrong answers mixed in."""
    rng = random.Random(seed)
    count = 0
    labs = {path: (notebooks.read(path), answers.chosen(notebooks.lab_number(path), "solution"),
                   answers.chosen(notebooks.lab_number(path), "wrong")) for path in paths}  # read each lab once
    for s in range(students):
        for path in paths:
            lab_nb, good, bad = labs[path]
            chosen = {ex: (bad[ex] if rng.random() < 0.3 else good[ex]) for ex in good}
            target = folder / f"student{s:03d}" / path.name
            target.parent.mkdir(parents=True, exist_ok=True)
            notebooks.write(notebooks.with_answers(lab_nb, chosen), target)
            count += 1
    return count


def _grade(subs: Path, out: Path, *extra: str, env: dict | None = None) -> tuple[float, int]:
    start = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "mlopslab", "grade", str(subs), "--out", str(out), "--force", *extra],
                          cwd=repo_root(), capture_output=True, text=True, check=False, env=env)
    return time.perf_counter() - start, proc.returncode


def sandbox_cost(tmp: Path, lab: str = "00", students: int = 4, repeats: int = 3) -> dict:
    """(e) ``students`` copies of one lab graded serially (``--workers 1``): sandboxed with warm kernels (the
    default), unsandboxed, and sandboxed with cold kernels; medians of ``repeats``, per notebook."""
    path = notebooks.lab_paths([lab])[0]
    subs = tmp / "sandbox-cost"
    synthetic_class([path], students, subs, seed=1)
    modes = {"bwrap": ("bwrap", "warm"), "none": ("none", "warm"), "bwrap-cold": ("bwrap", "cold")}
    times: dict[str, list[float]] = {mode: [] for mode in modes}
    codes = []
    for _ in range(repeats):
        for mode, (box, kernels) in modes.items():
            env = {**os.environ, "MLOPSLAB_KERNELS": kernels}
            seconds, code = _grade(subs, tmp / f"sandbox-cost-{mode}", "--sandbox", box, "--workers", "1", env=env)
            times[mode].append(seconds / students)
            codes.append(code)
    median = {mode: statistics.median(values) for mode, values in times.items()}
    return {"lab": path.stem, "students": students, "repeats": repeats,
            "sandboxed_seconds": round(median["bwrap"], 2), "unsandboxed_seconds": round(median["none"], 2),
            "sandboxed_cold_seconds": round(median["bwrap-cold"], 2),
            "cost_seconds": round(median["bwrap"] - median["none"], 2), "exit": max(codes)}


def grading(paths: list[Path], students: int, tmp: Path, compare: bool = True) -> dict:
    """(f) ``mlopslab grade`` (sandboxed, the default) over ``students`` × labs; with ``compare``, the same class
    graded again with ``--sandbox none``, and whether the two gradebooks are identical (they must be)."""
    subs = tmp / "class"
    count = synthetic_class(paths, students, subs)
    seconds, code = _grade(subs, tmp / "grades")
    found = {"students": students, "notebooks": count, "seconds": round(seconds, 1), "exit": code,
             "per_minute": round(60 * count / seconds, 1)}
    if compare:
        plain, plain_code = _grade(subs, tmp / "grades-unsandboxed", "--sandbox", "none")
        books = [(tmp / folder / "gradebook.csv").read_bytes() if (tmp / folder / "gradebook.csv").exists() else None
                 for folder in ("grades", "grades-unsandboxed")]
        found.update({"unsandboxed_seconds": round(plain, 1), "unsandboxed_exit": plain_code,
                      "same_gradebook": books[0] is not None and books[0] == books[1]})
    return found


def pytest_suite(*args: str) -> dict:
    """(g) The wall time of the whole ``pytest`` suite (the README's test command; ``args`` narrow it, for tests), and
    where it goes: the seconds of each test file (setup, call and teardown of its tests, from ``--durations=0``) and
    their sum, the suite's busy seconds over all workers.

    When it fails, the JSON keeps the end of its output (the tracebacks): a failure seen once in a run of most of
    an hour may not come back when the test is run alone."""
    start = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "pytest", "-q", "--durations=0", "--durations-min=0", *args],
                          cwd=repo_root(), capture_output=True, text=True, check=False)
    lines = proc.stdout.strip().splitlines()
    by_file = durations_by_file(lines)
    found = {"seconds": round(time.perf_counter() - start, 1), "exit": proc.returncode,
             "summary": lines[-1] if lines else "",
             "failures": [line for line in lines if line.startswith(("FAILED ", "ERROR "))],
             "busy_seconds": round(sum(by_file.values()), 1), "by_file": by_file}
    if proc.returncode:
        found["output_end"] = (proc.stdout + proc.stderr)[-OUTPUT_KEPT:]
    return found


_DURATION = re.compile(r"^(?P<seconds>\d+(?:\.\d+)?)s (?:setup|call|teardown)\s+(?P<nodeid>\S+)")


def durations_by_file(lines: list[str]) -> dict[str, float]:
    """Seconds per test file from pytest's ``--durations`` lines (a notebook counts as a file), longest first."""
    totals: dict[str, float] = {}
    for line in lines:
        match = _DURATION.match(line.strip())
        if match:
            where = match["nodeid"].split("::", 1)[0]
            totals[where] = totals.get(where, 0.0) + float(match["seconds"])
    return {where: round(seconds, 1) for where, seconds in sorted(totals.items(), key=lambda kv: -kv[1])}


def machine() -> dict:
    """What the figures were measured on."""
    return {"date": date.today().isoformat(), "cores": os.cpu_count(), "python": platform.python_version(),
            "platform": platform.platform(),
            "memory_gb": round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1)}


def floor_seconds(result: dict) -> float:
    """The floor the ratios use: the mean of the floor at the start and at the end (the start alone if no end)."""
    ends = [result[key]["seconds"] for key in ("floor", "floor_end") if key in result]
    return sum(ends) / len(ends)


def ratios(result: dict) -> dict:
    """The targets' ratios: run and pytest against the floor, grading against students × floor."""
    base = floor_seconds(result)
    found = {"run/floor": round(result["run"]["seconds"] / base, 2),
             "run cold kernels/floor": round(result["run_cold"]["seconds"] / base, 2),
             "run/naive": round(result["run"]["seconds"] / result["naive"]["seconds"], 2)}
    if "grading" in result:
        found["grading/(students x floor)"] = round(result["grading"]["seconds"] / (result["grading"]["students"] * base), 2)
    if "pytest" in result:
        found["pytest/floor"] = round(result["pytest"]["seconds"] / base, 2)
    return found


def run_benchmark(labs: list[str] | None = None, students: int = 30, with_grading: bool = True,
                  with_pytest: bool = True, compare: bool = True) -> dict:
    """Measure everything; return the results as a dict (also the JSON written by the CLI)."""
    paths = notebooks.lab_paths(labs)
    with tempfile.TemporaryDirectory(prefix="mlopslab-bench-") as name:
        tmp = Path(name)
        result = {"machine": machine(), "labs": [p.stem for p in paths]}
        result["floor"] = floor(paths, tmp)
        result["naive"] = naive(paths, tmp)
        result["run"] = run_command(paths, tmp, "warm")
        result["run_cold"] = run_command(paths, tmp, "cold")
        result["sandbox"] = sandbox_cost(tmp)
        if with_grading:
            result["grading"] = grading(paths, students, tmp, compare)
        if with_pytest:
            result["pytest"] = pytest_suite()
        result["floor_end"] = floor(paths, tmp)
        result["ratios"] = ratios(result)
    return result


def report(result: dict) -> str:
    """The printed table."""
    end = result.get("floor_end", {}).get("seconds")
    again = f"  (again at the end: {end:.1f} s; the ratios use the mean, {floor_seconds(result):.1f} s)" if end else ""
    lines = [f"Machine: {result['machine']}", "",
             f"(a) floor, scripts serially        : {result['floor']['seconds']:7.1f} s{again}",
             f"(b) naive papermill CLI, serially  : {result['naive']['seconds']:7.1f} s",
             f"(c) mlopslab run (warm kernels)    : {result['run']['seconds']:7.1f} s",
             f"(d) mlopslab run --kernels cold    : {result['run_cold']['seconds']:7.1f} s"]
    s = result["sandbox"]
    lines.append(f"(e) sandbox cost per notebook      : {s['cost_seconds']:7.2f} s  (lab {s['lab']} per notebook: "
                 f"{s['sandboxed_seconds']} s sandboxed, {s['unsandboxed_seconds']} s not, "
                 f"{s.get('sandboxed_cold_seconds', '?')} s sandboxed on cold kernels; median of {s['repeats']})")
    if "grading" in result:
        g = result["grading"]
        lines.append(f"(f) grading {g['students']} × {len(result['labs'])} labs, sandboxed: {g['seconds']:7.1f} s  "
                     f"({g['notebooks']} notebooks, {g['per_minute']}/min)")
        if "same_gradebook" in g:
            lines.append(f"    the same class unsandboxed      : {g['unsandboxed_seconds']:7.1f} s  (gradebook "
                         f"{'identical' if g['same_gradebook'] else 'DIFFERENT'} to the sandboxed one)")
    if "pytest" in result:
        p = result["pytest"]
        lines.append(f"(g) pytest                         : {p['seconds']:7.1f} s  ({p['summary']})")
        if p.get("by_file"):
            top = ", ".join(f"{where} {seconds:.0f} s" for where, seconds in list(p["by_file"].items())[:5])
            lines.append(f"    busy {p['busy_seconds']:.0f} s over all workers; longest files: {top}")
    lines += ["", "ratios: " + ", ".join(f"{k} = {v}" for k, v in result["ratios"].items()), "",
              f"{'lab':<36} {'floor s':>8} {'naive s':>8} {'warm s':>7} {'cold s':>7} {'peak MB':>8}"]
    for lab in result["labs"]:
        a, b = result["floor"]["labs"][lab], result["naive"]["labs"][lab]
        c = result["run"]["labs"].get(lab, {"seconds": float("nan"), "peak_mb": 0})
        d = result["run_cold"]["labs"].get(lab, {"seconds": float("nan")})
        lines.append(f"{lab:<36} {a['seconds']:8.1f} {b['seconds']:8.1f} {c['seconds']:7.1f} {d['seconds']:7.1f} "
                     f"{c['peak_mb']:8d}")
    return "\n".join(lines)


def failures(result: dict) -> list[str]:
    """What went wrong in a benchmark run: a figure measured on a failed run is not a figure."""
    found = [f"{key}: {lab} exited {v['exit']}" for key in ("floor", "floor_end")
             for lab, v in result.get(key, {"labs": {}})["labs"].items() if v["exit"]]
    found += [f"naive: {lab} exited {v['exit']}" for lab, v in result["naive"]["labs"].items() if v["exit"]]
    for key in ("run", "run_cold"):
        found += [f"{key}: mlopslab run exited {result[key]['exit']}"] if result[key]["exit"] else []
        missing = set(result["labs"]) - {lab for lab, v in result[key]["labs"].items() if v["status"] == "ok"}
        found += [f"{key}: {lab} did not run ok" for lab in sorted(missing)]
    if result["sandbox"]["exit"]:
        found.append(f"sandbox cost: mlopslab grade exited {result['sandbox']['exit']}")
    if result.get("grading", {}).get("exit"):
        found.append(f"mlopslab grade exited {result['grading']['exit']}")
    if result.get("grading", {}).get("unsandboxed_exit"):
        found.append(f"mlopslab grade --sandbox none exited {result['grading']['unsandboxed_exit']}")
    if result.get("grading", {}).get("same_gradebook") is False:
        found.append("the sandboxed and unsandboxed gradebooks differ")
    if result.get("pytest", {}).get("exit"):
        found.append(f"pytest exited {result['pytest']['exit']}")
    return found


def write_json(result: dict, path: Path) -> None:
    """Write the results as JSON."""
    Path(path).write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
