"""The student release (`mlopslab release`): everything students need, no answer, and every lab runs in it."""

from __future__ import annotations

import configparser
import os
import shlex
import subprocess
import sys
from collections import Counter
from pathlib import Path
from xml.etree import ElementTree

import pytest
from mlopslab.config import repo_root
from mlopslab.tools import notebooks, release


@pytest.fixture(scope="module")
def released(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("release") / "student"
    release.write_release(out)
    return out


def in_release(released: Path, *args: str, timeout: float = 900) -> subprocess.CompletedProcess:
    """``mlopslab ARGS`` run from the release, importing the release's own copy of the package."""
    env = {k: v for k, v in os.environ.items() if k not in ("MLFLOW_TRACKING_URI", "MLOPSLAB_NBVAL_NOTEBOOK")}
    env.update({"MLOPSLAB_HOME": str(released), "PYTHONPATH": str(released / "lib" / "src")})
    return subprocess.run([sys.executable, "-m", "mlopslab", *args], cwd=released, env=env, capture_output=True,
                          text=True, timeout=timeout, check=False)


def test_no_solution_or_wrong_answer_reaches_students(released) -> None:
    assert release.leaks(released) == []
    assert release.secrets(), "the leak check must have lines to look for"


def test_release_holds_what_students_need_and_nothing_of_the_instructors(released) -> None:
    labs = sorted(p.name for p in (released / "labs").glob("*.ipynb"))
    assert labs == [p.name for p in notebooks.lab_paths()]
    for path in notebooks.lab_paths():
        assert (released / "labs" / path.name).read_bytes() == path.read_bytes()
    for needed in ("README.md", "requirements.txt", "lib/pyproject.toml", "lib/src/mlopslab/checks/lab00.py",
                   "data/SHA256SUMS", "binder/requirements.txt", "binder/postBuild", "docs/course_map.md"):
        assert (released / needed).is_file(), needed
    for absent in ("course", "tests", ".ci", "docs/instructors.md", "docs/grading.md", "docs/authoring.md", ".git"):
        assert not (released / absent).exists(), absent
    readme = (released / "README.md").read_text(encoding="utf-8")
    assert "labs/00_welcome.ipynb" in readme and "mlopslab grade --self" in readme and "| lab |" in readme


def test_binder_files_are_valid(released) -> None:
    binder = released / "binder"
    lines = [line.strip() for line in (binder / "requirements.txt").read_text().splitlines()]
    assert "-r ../requirements.txt" in lines and (binder / "../requirements.txt").resolve().is_file()
    assert "-e ./lib" in (released / "requirements.txt").read_text().splitlines()
    assert os.access(binder / "postBuild", os.X_OK) and os.access(binder / "start", os.X_OK)
    assert (binder / "runtime.txt").read_text().strip().startswith("python-3.")
    proc = in_release(released, "data", "verify")  # what postBuild runs first
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_instructor_commands_say_they_need_the_instructors_repository(released) -> None:
    for args in (["build", "--check"], ["solutions", "out", "--labs", "00"]):
        proc = in_release(released, *args)
        assert proc.returncode == 2 and "student release" in proc.stderr, (args, proc.stderr)


def nbval_options() -> list[str]:
    """The repository's nbval options and warning filters from pytest.ini (the sanitize file made absolute), so the
    release's nbval run is configured exactly as `pytest labs/NN.ipynb` is here."""
    ini = configparser.ConfigParser()
    ini.read(repo_root() / "pytest.ini", encoding="utf-8")
    words, options = shlex.split(ini["pytest"]["addopts"]), []
    for i, word in enumerate(words):
        if word.startswith("--nbval"):
            takes_value = "=" not in word and word != "--nbval" and i + 1 < len(words)
            options += [word, *([words[i + 1]] if takes_value else [])]
    options = [str(repo_root() / o) if o == "tests/nbval_sanitize.cfg" else o for o in options]
    warnings = [f"-W{line.strip()}" for line in ini["pytest"].get("filterwarnings", "").splitlines() if line.strip()]
    return options + warnings


def test_every_lab_gives_its_committed_outputs_in_the_release(released, tmp_path) -> None:
    """nbval over the release's labs, importing the release's own copy of the package: every lab runs there and
    gives its committed outputs. This is the suite's nbval run (pytest.ini leaves labs/ out of testpaths): the
    release's labs are byte-identical copies of labs/ (test_release_holds_what_students_need...)."""
    ini = tmp_path / "pytest.ini"
    ini.write_text("[pytest]\n", encoding="utf-8")  # none of the repository's: rootdir, testpaths, xdist
    options = nbval_options()
    assert str(repo_root() / "tests" / "nbval_sanitize.cfg") in options and "mlopslab-warm" in options, options
    env = {k: v for k, v in os.environ.items() if k not in ("MLFLOW_TRACKING_URI", "MLOPSLAB_NBVAL_NOTEBOOK")}
    env.update({"MLOPSLAB_HOME": str(released),
                "PYTHONPATH": os.pathsep.join([str(released / "lib" / "src"), str(repo_root() / "tests" / "helpers")])})
    report = tmp_path / "nbval.xml"
    proc = subprocess.run([sys.executable, "-m", "pytest", "-c", str(ini), "--rootdir", str(released), "-q", "-n", "0",
                           *options, "-p", "notebook_session", "-p", "no:cacheprovider", "-p", "no:randomly",
                           f"--junitxml={report}", "labs"], cwd=released, env=env, capture_output=True, text=True,
                          timeout=1800, check=False)
    assert proc.returncode == 0, proc.stdout[-6000:] + proc.stderr[-3000:]
    cases = list(ElementTree.parse(report).getroot().iter("testcase"))  # classname "labs.00_welcome.ipynb"
    per_lab = Counter(case.get("classname", "").removeprefix("labs.").removesuffix(".ipynb") for case in cases)
    assert set(per_lab) == {p.stem for p in notebooks.lab_paths()}, per_lab
    assert not [case.get("name") for case in cases if case.find("skipped") is not None], "a cell was skipped"


def test_the_run_command_works_in_the_release(released) -> None:
    proc = in_release(released, "run", "--labs", "00", "--out", str(released.parent / "executed"))
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    table = [line.split() for line in proc.stdout.splitlines() if not line.startswith("[")]
    assert [row[:2] for row in table if row and row[0] == "00_welcome"] == [["00_welcome", "ok"]]
