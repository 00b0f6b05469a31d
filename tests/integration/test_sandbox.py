"""The grading sandbox: one test per way out of a submission, each proven blocked; honest work grades the same.

A class of lab-00 submissions is graded once through `mlopslab grade` (sandboxed, the default). Each attacker's
first exercise cell solves the exercise and then tries one way out, printing what it managed: the test then looks
at the machine (files, a TCP listener) and at everything a student sees (results, gradebook, feedback pages).
"""

from __future__ import annotations

import csv
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

import pytest
from grading_fixtures import SOLVED, copy_solved
from mlopslab.config import repo_root
from mlopslab.tools import confine, execution, sandbox
from nbformat.v4 import new_code_cell, new_notebook

pytestmark = pytest.mark.skipif(sandbox.bwrap() is None, reason="needs bubblewrap (apt-get install bubblewrap)")

SECRET = "SECRET-HIDDEN-CHECK-7391"
HIDDEN = f'''
from mlopslab.exercises import correct, wrong
from mlopslab.tools.grading.hidden import hidden_check

NOTE = "{SECRET}"


@hidden_check("00.hidden_yearly", of="00.yearly_value", points=1, title="Yearly value, called once more")
def yearly_more(answer, **_):
    if not callable(answer):
        return wrong("Define the function.")
    try:
        answer(None)  # whatever it returns: this check only calls the student's function (and keeps NOTE secret)
    except Exception:  # noqa: BLE001
        pass
    return correct("Called.")
'''

WRITE_REPO = "open({path!r}, 'a').write('# pwned\\n')"
STEAL_FROM_HIDDEN_CHECK = '''
def yearly_value(monthly_charges):
    import inspect
    found = []
    for info in inspect.stack():
        found += [c for c in info.frame.f_code.co_consts if isinstance(c, str)]
        found += [str(v) for v in info.frame.f_globals.values() if isinstance(v, str)]
    stolen = " ".join(found)
    print("stolen:", stolen)
    if "".join(["SECRET-", "HIDDEN"]) in stolen:  # not one literal: its own source must not match
        raise SystemExit("stolen: " + stolen)  # past the hidden check's own `except Exception`
    return 12 * monthly_charges
'''

EXIT_IN_HIDDEN_CHECK = '''
def yearly_value(monthly_charges):
    if monthly_charges is None:  # only the extra check calls it so
        raise SystemExit("leaving from inside the extra check")  # past its own `except Exception`
    return 12 * monthly_charges
'''


def attack(code: str) -> str:
    """An exercise cell that answers 00.churn_rate correctly, then tries ``code`` and prints what happened."""
    body = "\n".join("    " + line for line in code.strip().splitlines())
    return (SOLVED["00.churn_rate"] + "\ntry:\n" + body + "\n    print('ESCAPED')\n"
            "except Exception as err:\n    print('BLOCKED', type(err).__name__, err)\n")


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """The attacker class graded once, sandboxed; what the machine and the student can see afterwards."""
    root = tmp_path_factory.mktemp("sandbox")
    subs, out = root / "submissions", root / "out"
    secret_dir = Path(tempfile.mkdtemp(prefix="instructor-"))
    hidden = secret_dir / "hidden_checks.py"
    hidden.write_text(HIDDEN, encoding="utf-8")
    template = next(Path(tempfile.gettempdir()).glob("mlopslab-empty-store-mlflow-*.db"), None)
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    listener.settimeout(0.5)
    port, connections = listener.getsockname()[1], []

    def accept() -> None:
        while not stop.is_set():
            try:
                connections.append(listener.accept()[0])
            except OSError:
                continue

    stop = threading.Event()
    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    check_file = repo_root() / "lib" / "src" / "mlopslab" / "checks" / "lab00.py"
    attacks = {
        "write_repo": WRITE_REPO.format(path=str(check_file)),
        "write_out": f"open({str(out / 'gradebook.csv')!r}, 'w').write('pwned')",
        "write_tmp": (f"open({str(template)!r}, 'ab').write(b'pwned')\n" if template else "")
                     + "open('/tmp/mlopslab-planted', 'w').write('pwned')",
        "read_other": f"print('OTHER:', open({str(subs / 'honest' / '00_welcome.ipynb')!r}).read()[:200])",
        "read_hidden": f"print('HIDDEN:', open({str(hidden)!r}).read())",
        "read_hidden_via_proc": ("import os\nfor pid in os.listdir('/proc'):\n    if pid.isdigit():\n"
                                 "        print('CMD', pid, open(f'/proc/{pid}/cmdline').read().replace(chr(0), ' '))\n"
                                 f"print('HIDDEN:', open({str(hidden)!r}).read())"),
        "network": f"import socket\nsocket.create_connection(('127.0.0.1', {port}), timeout=3).send(b'hi')",
        "network_out": "import socket\nsocket.create_connection(('198.51.100.7', 80), timeout=3)",
        "flood": "for i in range(400_000):\n    print('flood' * 20)",
    }
    for student, code in attacks.items():
        (subs / student).mkdir(parents=True)
        copy_solved(subs / student / "00_welcome.ipynb", churn_rate=attack(code))
    (subs / "steal_hidden").mkdir()
    copy_solved(subs / "steal_hidden" / "00_welcome.ipynb", yearly_value=STEAL_FROM_HIDDEN_CHECK)
    (subs / "exit_in_hidden").mkdir()
    copy_solved(subs / "exit_in_hidden" / "00_welcome.ipynb", yearly_value=EXIT_IN_HIDDEN_CHECK)
    (subs / "honest").mkdir()
    copy_solved(subs / "honest" / "00_welcome.ipynb")
    honest_only = root / "honest-only"  # never run an attacker without the sandbox
    (honest_only / "honest").mkdir(parents=True)
    copy_solved(honest_only / "honest" / "00_welcome.ipynb")
    before = {"check_file": check_file.read_bytes(), "template": template.read_bytes() if template else b""}
    common = ["--workers", "2", "--extra-checks", str(hidden), "--timeout", "30"]
    try:
        # started as an instructor would, from the folder with the hidden checks (`python -m` puts it on sys.path)
        proc = subprocess.run([sys.executable, "-m", "mlopslab", "grade", str(subs), *common, "--out", str(out)],
                              cwd=secret_dir, capture_output=True, text=True, timeout=900, check=False)
        plain = subprocess.run([sys.executable, "-m", "mlopslab", "grade", str(honest_only), *common, "--out",
                                str(root / "plain"), "--sandbox", "none"],
                               capture_output=True, text=True, timeout=900, check=False)
    finally:
        stop.set()
        thread.join()
        listener.close()
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return {"out": out, "plain": root / "plain", "proc": proc, "plain_proc": plain, "before": before,
            "check_file": check_file, "template": template, "connections": connections}


def executed_text(graded, student: str) -> str:
    nb = json.loads((graded["out"] / "executed" / student / "00_welcome.ipynb").read_text(encoding="utf-8"))
    cell = next(c for c in nb["cells"] if c.get("id") == "ex-00-churn-rate")
    return "".join(o.get("text", "") for o in cell.get("outputs", [])) + json.dumps(cell.get("outputs", []))


def seen_by_students(graded) -> str:
    """Everything the grader hands back or a student could read: results, gradebook, feedback pages."""
    out = graded["out"]
    parts = [(out / "gradebook.csv").read_text(encoding="utf-8"), (out / "results.csv").read_text(encoding="utf-8")]
    parts += [p.read_text(encoding="utf-8") for p in (out / "feedback").glob("*.html")]
    parts += [p.read_text(encoding="utf-8") for p in (out / "results").rglob("*.json")]
    return "\n".join(parts)


def test_writing_into_the_course_repository_is_blocked(graded) -> None:
    assert "BLOCKED OSError" in executed_text(graded, "write_repo") and "Read-only" in executed_text(graded, "write_repo")
    assert graded["check_file"].read_bytes() == graded["before"]["check_file"]


def test_writing_into_the_output_folder_is_blocked(graded) -> None:
    assert "BLOCKED" in executed_text(graded, "write_out")
    assert "pwned" not in (graded["out"] / "gradebook.csv").read_text(encoding="utf-8")


def test_writing_into_the_shared_temporary_folder_is_blocked(graded) -> None:
    """The sandbox's /tmp is its own: what the kernel writes there never reaches the machine's /tmp."""
    if graded["template"] is not None:
        assert graded["template"].read_bytes() == graded["before"]["template"]
    assert not Path("/tmp/mlopslab-planted").exists()


def test_reading_another_submission_is_blocked(graded) -> None:
    text = executed_text(graded, "read_other")
    assert "BLOCKED FileNotFoundError" in text and "OTHER:" not in text


def test_reading_the_hidden_checks_from_disk_is_blocked(graded) -> None:
    for student in ("read_hidden", "read_hidden_via_proc"):
        text = executed_text(graded, student)
        assert "BLOCKED FileNotFoundError" in text and SECRET not in text, student


def test_the_graders_processes_are_not_visible(graded) -> None:
    text = executed_text(graded, "read_hidden_via_proc")
    commands = [line for line in text.splitlines() if line.startswith("CMD ")]
    assert commands and all("mlopslab grade" not in c and "--extra-checks" not in c for c in commands), commands
    assert any(c.startswith("CMD 1 ") for c in commands)  # the sandbox's own init is all there is


def test_network_connections_are_blocked(graded) -> None:
    assert "BLOCKED" in executed_text(graded, "network") and "BLOCKED" in executed_text(graded, "network_out")
    assert graded["connections"] == [], "a sandboxed kernel reached a server on the grading machine"


def test_hidden_checks_do_not_leak_through_the_students_function(graded) -> None:
    seen = seen_by_students(graded)
    assert SECRET not in seen
    rows = {r["student"]: r for r in csv.DictReader(open(graded["out"] / "results.csv", encoding="utf-8"))
            if r["exercise"] == "00.hidden_yearly"}
    # the frame walk is flagged by the grader's scan (inspect, f_globals): the extra check does not count
    assert rows["steal_hidden"]["status"] == "flagged", rows["steal_hidden"]
    # an answer that leaves from inside the extra check without any introspection: an error, its details not shown
    assert rows["exit_in_hidden"]["status"] == "error", rows["exit_in_hidden"]
    assert "details are not shown" in rows["exit_in_hidden"]["message"], rows["exit_in_hidden"]


def test_a_flood_of_output_is_cut(graded) -> None:
    """About 40 MB printed; the executed notebook keeps the start, a notice, and the check results."""
    executed = graded["out"] / "executed" / "flood" / "00_welcome.ipynb"
    assert executed.stat().st_size < 3 * 2**20
    assert "output cut" in executed_text(graded, "flood")
    rows = [r for r in csv.DictReader(open(graded["out"] / "results.csv", encoding="utf-8")) if r["student"] == "flood"]
    assert any(r["exercise"] == "00.churn_rate" and r["status"] == "correct" for r in rows), rows


def test_honest_work_grades_the_same_with_and_without_the_sandbox(graded) -> None:
    assert graded["plain_proc"].returncode == 0, graded["plain_proc"].stderr
    assert "WARNING: grading without a sandbox" in graded["plain_proc"].stderr

    def honest(folder: Path) -> list[dict]:
        rows = csv.DictReader(open(folder / "results.csv", encoding="utf-8"))
        return [{k: v for k, v in r.items() if k != "submission"} for r in rows if r["student"] == "honest"]

    assert honest(graded["out"]) == honest(graded["plain"]) and honest(graded["out"])
    assert {r["status"] for r in honest(graded["out"])} == {"correct"}, honest(graded["out"])


SHOW_SANDBOX = """
import json
from mlopslab.tools import sandbox
print(json.dumps([str(p) for p in sandbox.Sandbox.for_course().readable]))
"""


def test_the_graders_own_folders_are_not_in_the_sandbox(tmp_path) -> None:
    """`python -m mlopslab grade` from the instructor's folder puts that folder first on the import path, and
    PYTHONPATH adds others: neither may become readable inside the sandbox (they hold the hidden checks, every
    student's submission, the gradebook)."""
    instructor, elsewhere = tmp_path / "instructor", tmp_path / "elsewhere"
    for folder in (instructor, elsewhere):
        folder.mkdir()
    (instructor / "show_sandbox.py").write_text(SHOW_SANDBOX, encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(elsewhere)}
    proc = subprocess.run([sys.executable, "-m", "show_sandbox"], cwd=instructor, env=env, capture_output=True,
                          text=True, timeout=120, check=False)
    assert proc.returncode == 0, proc.stderr
    readable = [Path(p) for p in json.loads(proc.stdout)]
    exposed = [str(p) for p in readable if tmp_path.resolve() in (p, *p.parents) or p in tmp_path.resolve().parents]
    assert not exposed, exposed
    assert Path(sys.prefix).resolve() in readable and repo_root().resolve() / "lib" in readable, readable


def test_missing_bubblewrap_refuses_to_grade_unsandboxed(tmp_path) -> None:
    env = {"PATH": str(Path(sys.executable).parent), "HOME": str(tmp_path)}
    (tmp_path / "subs").mkdir()
    proc = subprocess.run([sys.executable, "-m", "mlopslab", "grade", str(tmp_path / "subs"), "--out",
                           str(tmp_path / "out")], env=env, capture_output=True, text=True, timeout=300, check=False)
    assert proc.returncode == 2 and "apt-get install bubblewrap" in proc.stderr and "--sandbox none" in proc.stderr


ATTACK_THE_NEXT_KERNEL = r'''
import ctypes, os, signal, subprocess, sys, tempfile
area = os.path.dirname(os.getcwd())
zygote = next(int(p) for p in os.listdir("/proc") if p.isdigit()
              and b"mlopslab.tools.warm" in open(f"/proc/{p}/cmdline", "rb").read())

def attempt(name, action):
    try:
        action()
        print("ESCAPED", name)
    except Exception as err:
        print("BLOCKED", name, type(err).__name__)

attempt("write_area", lambda: open(os.path.join(area, "planted"), "w").write("x"))
attempt("write_tmp", lambda: open("/tmp/planted", "w").write("x"))
attempt("kill_zygote", lambda: os.kill(zygote, signal.SIGKILL))
attempt("zygote_environ", lambda: open(f"/proc/{zygote}/environ", "rb").read())
attempt("zygote_memory", lambda: open(f"/proc/{zygote}/mem", "r+b"))
libc = ctypes.CDLL(None, use_errno=True)
attempt("ptrace_zygote", lambda: (_ for _ in ()).throw(OSError()) if libc.ptrace(16, zygote, 0, 0) else None)
open(os.path.join(tempfile.gettempdir(), "mine"), "w").write("x")  # its own /tmp folder: allowed, deleted after it
open("/dev/shm/planted", "w").write("x")  # allowed (joblib's semaphores live there), emptied after it
subprocess.Popen(["sleep", "300"], start_new_session=True)
subprocess.Popen([sys.executable, "-c", "import os, time\nif os.fork() == 0:\n    time.sleep(300)"])
print("ZYGOTE", zygote)
'''
LOOK_AROUND = r'''
import os
area = os.path.dirname(os.getcwd())
procs = {p: open(f"/proc/{p}/cmdline", "rb").read().replace(b"\0", b" ").decode() for p in os.listdir("/proc") if p.isdigit()}
print("TMP", sorted(os.listdir("/tmp")))
print("AREA", sorted(os.listdir(area)))
print("SHM", sorted(os.listdir("/dev/shm")))
print("PROCS", sorted(procs.values()))
print("ZYGOTE", next(p for p, c in procs.items() if "mlopslab.tools.warm" in c))
'''


@pytest.mark.skipif(not confine.available(), reason="needs Landlock 6 (Linux 6.12+); else grading kernels start cold")
def test_a_warm_grading_kernel_leaves_nothing_for_the_next() -> None:
    """Grading kernels forked one after another from one sandboxed zygote: the first tries every way to reach the
    zygote or to leave something behind; the next kernel, in the same sandbox, finds nothing of it."""
    seen = []
    for source in (ATTACK_THE_NEXT_KERNEL, LOOK_AROUND):
        workdir = execution.scratch("grade-", sandboxed=True)
        nb = new_notebook(cells=[new_code_cell(source)])
        outcome = execution.execute(nb, workdir, sandboxed=True)
        shutil.rmtree(workdir)  # as the grader does after every submission
        assert outcome.ok, outcome.reason
        seen.append("".join(o.get("text", "") for o in nb.cells[0].outputs))
    attack, look = seen
    assert "ESCAPED" not in attack and attack.count("BLOCKED") == 6, attack
    lines = {key: eval(value) if key != "ZYGOTE" else value for key, value in  # noqa: S307 -- our own repr
             (line.split(" ", 1) for line in look.splitlines())}
    # the area and its own folder; plus the read-only course repository or venv, when they live under /tmp
    mounted = {Path(p).resolve().relative_to("/tmp").parts[0] for p in (repo_root(), sys.prefix)
               if Path(p).resolve().is_relative_to("/tmp")}
    left = [name for name in lines["TMP"] if name not in mounted]
    assert len(left) == 2 and "planted" not in left, lines["TMP"]
    assert sorted(name.split("-")[0] for name in lines["AREA"]) == [".zygote", "grade", "kernel"], lines["AREA"]
    assert lines["SHM"] == [], lines["SHM"]
    assert not any("sleep 300" in c or "time.sleep(300)" in c for c in lines["PROCS"]), lines["PROCS"]
    assert lines["ZYGOTE"] == attack.split("ZYGOTE ")[1].strip(), "the zygote survived and served the next kernel"
