"""The headless runner and the CLI: a failing lab names its cell; help texts explain themselves."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from mlopslab.tools import cli
from nbformat.v4 import new_code_cell, new_notebook


def make_repo(tmp_path, cells: list[str]) -> dict:
    """A minimal course repo with one lab made of ``cells``; returns an environment pointing at it."""
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "SHA256SUMS").write_text("")
    (tmp_path / "labs").mkdir()
    nb = new_notebook(cells=[new_code_cell(src) for src in cells])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, tmp_path / "labs" / "01_tiny.ipynb")
    return {**os.environ, "MLOPSLAB_HOME": str(tmp_path)}


COLD = ["--kernels", "cold"]
"""For the runs whose point is the runner's bookkeeping, not the kind of kernel: a warm kernel's zygote imports the
course's libraries first (5-9 s on the 2-core machine), which a one-cell lab never pays back. The warm kernels'
failures, limits and clean-up are tested in test_warm.py; the console and interrupt tests here run warm (the
default)."""


def run_cli(args: list[str], env: dict) -> subprocess.CompletedProcess:
    cmd = [sys.executable, "-m", "mlopslab", *args]
    return subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=300, check=False)


def test_broken_cell_fails_the_run_and_is_named(tmp_path) -> None:
    env = make_repo(tmp_path, ["x = 1", "y = x / 0"])
    proc = run_cli(["run", "--out", str(tmp_path / "out"), *COLD], env)
    assert proc.returncode == 1
    assert "01_tiny" in proc.stdout and "cell 1" in proc.stdout and "ZeroDivisionError" in proc.stdout
    assert (tmp_path / "out" / "01_tiny.ipynb").is_file()


def test_parameters_reach_the_lab(tmp_path) -> None:
    env = make_repo(tmp_path, ["assert n_customers == 5, n_customers"])
    proc = run_cli(["run", "--out", str(tmp_path / "out"), "-p", "n_customers", "5", *COLD], env)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "01_tiny  ok" in proc.stdout


def test_unknown_lab_is_a_clear_error(tmp_path) -> None:
    env = make_repo(tmp_path, ["x = 1"])
    proc = run_cli(["run", "--labs", "42"], env)
    assert proc.returncode == 2 and "no lab named 42" in proc.stderr and "01_tiny" in proc.stderr


@pytest.mark.parametrize("argv", [["--help"], ["run", "--help"], ["data", "--help"]])
def test_help_explains_itself(argv, capsys) -> None:
    with pytest.raises(SystemExit) as exit_info:
        cli.main(argv)
    assert exit_info.value.code == 0
    out = capsys.readouterr().out
    assert "usage: mlopslab" in out and len(out.splitlines()) > 5


def write_lab(repo, name: str, cells: list[str]) -> None:
    nb = new_notebook(cells=[new_code_cell(src) for src in cells])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, repo / "labs" / name)


def test_hang_crash_and_memory_are_reported_while_other_labs_finish(tmp_path) -> None:
    env = make_repo(tmp_path, ["x = 1"])
    write_lab(tmp_path, "02_hang.ipynb", ["import time\nwhile True:\n    time.sleep(0.1)"])
    write_lab(tmp_path, "03_crash.ipynb", ["import os\nos._exit(1)"])
    write_lab(tmp_path, "04_memory.ipynb", ["hog = bytearray(4 * 1024**3)"])
    write_lab(tmp_path, "05_fine.ipynb", ["y = 2"])
    proc = run_cli(["run", "--out", str(tmp_path / "out"), "--timeout", "3", "--memory-limit", "1500", *COLD], env)
    out = proc.stdout
    assert proc.returncode == 1, out + proc.stderr
    assert "01_tiny    ok" in out and "05_fine    ok" in out
    failed = {line.split(":", 1)[0].removeprefix("FAILED "): line
              for line in out.splitlines() if line.startswith("FAILED")}
    assert set(failed) == {"02_hang", "03_crash", "04_memory"}
    assert "Timeout" in failed["02_hang"] and "cell 0" in failed["02_hang"] and "timed out" in failed["02_hang"]
    assert "cell 0" in failed["03_crash"] and "DeadKernel" in failed["03_crash"]
    assert "MemoryError" in failed["04_memory"]


def test_solutions_command_fills_in_and_verifies_every_check(tmp_path) -> None:
    proc = run_cli(["solutions", str(tmp_path / "sol"), "--labs", "00"], dict(os.environ))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    nb = nbformat.read(tmp_path / "sol" / "00_welcome.ipynb", as_version=4)
    from mlopslab import exercises

    statuses = {r.exercise: r.status for r in exercises.results_of(nb)}
    assert statuses and set(statuses.values()) == {"correct"}
    assert "papermill" not in nb.metadata


def _signal_masks(pid: int) -> str:
    """The signal masks of a process (ignored, blocked, caught), from /proc: SIGINT is bit 2 (0x2)."""
    try:
        lines = Path(f"/proc/{pid}/status").read_text().splitlines()
    except OSError as err:
        return str(err)
    return " ".join(line for line in lines if line.startswith(("SigIgn", "SigBlk", "SigCgt")))


def _kernels_under(pid: int) -> list:
    """The kernels among a process's descendants (a warm kernel is named ipykernel); a descendant that ends while
    being looked at (the runner's short-lived helpers) is skipped, not an error."""
    import psutil

    kernels = []
    for p in psutil.Process(pid).children(recursive=True):
        try:
            if "ipykernel" in p.name() + " ".join(p.cmdline()):
                kernels.append(p)
        except psutil.NoSuchProcess:
            continue
    return kernels


def test_interrupt_leaves_no_kernel_behind(tmp_path) -> None:
    import signal
    import time

    import psutil

    env = make_repo(tmp_path, ["import time\nwhile True:\n    time.sleep(0.1)"])
    write_lab(tmp_path, "02_hang.ipynb", ["import time\nwhile True:\n    time.sleep(0.1)"])
    cmd = [sys.executable, "-m", "mlopslab", "run", "--out", str(tmp_path / "out")]
    # as from a terminal: a shell's background job (`pytest &`, nohup) runs with SIGINT ignored, which its children
    # inherit, and Python then never turns Ctrl-C into KeyboardInterrupt (seen twice: exit 1, SIGINT in SigIgn)
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    try:
        deadline = time.monotonic() + 120
        kernels: list[psutil.Process] = []
        while time.monotonic() < deadline and len(kernels) < 2:
            time.sleep(0.5)
            kernels = _kernels_under(proc.pid)
        assert len(kernels) == 2, "both labs' kernels should be running"
        descendants = psutil.Process(proc.pid).children(recursive=True)
        signals = _signal_masks(proc.pid)  # why, if it ends without being interrupted
        os.killpg(proc.pid, signal.SIGINT)  # what Ctrl-C in a terminal does: the whole foreground group
        proc.wait(timeout=60)
        gone, alive = psutil.wait_procs(descendants, timeout=30)
        assert not alive, [p.cmdline() for p in alive]
        stderr = proc.stderr.read().decode()
        assert proc.returncode == 130 and "interrupted" in stderr, (proc.returncode, signals, stderr[-2000:],
                                                                    proc.stdout.read().decode()[-2000:])
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)


def test_unchanged_labs_are_cached_until_they_change(tmp_path) -> None:
    env = make_repo(tmp_path, ["x = 1"])
    write_lab(tmp_path, "02_other.ipynb", ["y = 2"])
    out = ["run", "--out", str(tmp_path / "out"), *COLD]
    first = run_cli(out, env)
    assert first.returncode == 0 and "01_tiny   ok" in first.stdout and "02_other  ok" in first.stdout, first.stdout
    second = run_cli(out, env)
    assert second.returncode == 0, second.stdout
    assert "01_tiny   cached" in second.stdout and "02_other  cached" in second.stdout, second.stdout
    write_lab(tmp_path, "02_other.ipynb", ["y = 3"])
    third = run_cli(out, env)
    assert "01_tiny   cached" in third.stdout and "02_other  ok" in third.stdout, third.stdout
    forced = run_cli([*out, "--force"], env)
    assert "01_tiny   ok" in forced.stdout and "02_other  ok" in forced.stdout, forced.stdout


def test_the_console_shows_progress_and_nothing_alarming(tmp_path) -> None:
    env = make_repo(tmp_path, ["x = 1"])
    proc = run_cli(["run", "--out", str(tmp_path / "out")], env)
    assert proc.returncode == 0 and "[1/1] ok" in proc.stdout and "elapsed" in proc.stdout, proc.stdout
    assert "TCP" not in proc.stdout + proc.stderr and "WARNING" not in proc.stdout + proc.stderr, proc.stderr
