"""Single-source labs: the student notebooks are generated from course/labs/, and a hand edit is caught."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys

import pytest
from mlopslab.config import repo_root
from mlopslab.tools import build, sources


def test_generated_files_are_up_to_date() -> None:
    """`mlopslab build --check`: every student notebook, the README table and the course map match the sources."""
    assert build.problems() == []


def test_labs_folder_holds_only_the_student_notebooks() -> None:
    """Nothing a lab, a probe or a tool writes ends up beside the notebooks students open."""
    strays = [p.name for p in (repo_root() / "labs").iterdir()
              if not (p.is_file() and p.suffix == ".ipynb") and p.name != ".ipynb_checkpoints"]
    assert not strays, strays


@pytest.fixture
def course_copy(tmp_path):
    """The parts of the repository that `mlopslab build` reads and writes, copied; an environment pointing at it."""
    for part in ("course", "labs", "docs", "README.md", "data/SHA256SUMS"):
        src, dst = repo_root() / part, tmp_path / part
        dst.parent.mkdir(parents=True, exist_ok=True)
        (shutil.copytree if src.is_dir() else shutil.copy2)(src, dst)
    return tmp_path, {**os.environ, "MLOPSLAB_HOME": str(tmp_path)}


def _check(env) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "mlopslab", "build", "--check"], env=env, capture_output=True,
                          text=True, timeout=300, check=False)


def test_check_fails_after_a_hand_edit_and_build_repairs_it(course_copy) -> None:
    root, env = course_copy
    lab = root / "labs" / "00_welcome.ipynb"
    nb = json.loads(lab.read_text())
    nb["cells"][0]["source"] = "# edited by hand in JupyterLab\n"
    lab.write_text(json.dumps(nb, indent=1))
    proc = _check(env)
    assert proc.returncode == 1 and "labs/00_welcome.ipynb" in proc.stdout and "edited by hand" in proc.stdout
    subprocess.run([sys.executable, "-m", "mlopslab", "build"], env=env, check=True, capture_output=True)
    assert _check(env).returncode == 0


def test_a_changed_code_cell_loses_its_stale_outputs(course_copy) -> None:
    root, env = course_copy
    source = root / "course" / "labs" / "00_welcome.py"
    text = source.read_text()
    cells = [c for c in sources.read(source).cells if c.cell_type == "code" and not sources.role(c)]
    target = next(c for c in cells if any(o for o in _outputs(root, c)))
    line = target.source.splitlines()[0]
    source.write_text(text.replace(line, line + "  # edited", 1))
    assert _check(env).returncode == 1
    subprocess.run([sys.executable, "-m", "mlopslab", "build"], env=env, check=True, capture_output=True)
    nb = json.loads((root / "labs" / "00_welcome.ipynb").read_text())
    edited = next(c for c in nb["cells"] if "# edited" in "".join(c["source"]))
    assert edited["outputs"] == [], "outputs of a changed cell are dropped until `mlopslab run --update`"
    kept = [c for c in nb["cells"] if c["cell_type"] == "code" and c["outputs"]]
    assert kept, "the other cells keep their reference outputs"


def _outputs(root, cell) -> list:
    nb = json.loads((root / "labs" / "00_welcome.ipynb").read_text())
    return next((c["outputs"] for c in nb["cells"] if "".join(c["source"]) == cell.source), [])


def test_student_notebooks_hold_stubs_not_solutions() -> None:
    for source in sources.source_paths():
        held = sources.answers(source)
        cells = {c.id: c for c in sources.student_cells(source)}
        for ex_id, solution in held.solution.items():
            stub = cells[f"ex-{sources.slug_id(ex_id)}"].source
            assert stub.strip() != solution.strip(), f"{ex_id}: the stub is the solution"


MARKED = '''x = 1
# BEGIN STUB
# rate = ...  # a share
# END STUB
# BEGIN SOLUTION
rate = x / 2
# END SOLUTION
def f(a):
    """Doc."""
    # BEGIN SOLUTION
    return a * 2
    # END SOLUTION
total = sum([1, 2])  # SOLUTION
'''


def test_markers_split_stub_from_solution() -> None:
    stub, solution = sources.split_exercise(MARKED)
    assert stub == 'x = 1\nrate = ...  # a share\ndef f(a):\n    """Doc."""\n    ...\ntotal = ...\n'
    assert solution == 'x = 1\nrate = x / 2\ndef f(a):\n    """Doc."""\n    return a * 2\ntotal = sum([1, 2])\n'


@pytest.mark.parametrize("text, problem", [
    ("# BEGIN SOLUTION\nx = 1\n", "not closed"),
    ("x = 1\n# END SOLUTION\n", "without its BEGIN"),
    ("# BEGIN STUB\nx = ...\n# END STUB\n# BEGIN SOLUTION\nx = 1\n# END SOLUTION\n", "stub lines are comments"),
    ("x = 1\n", "no SOLUTION marker"),
])
def test_bad_markers_are_named(text: str, problem: str) -> None:
    with pytest.raises(sources.SourceError, match=problem):
        sources.split_exercise(text)



def _heading_before(cells: list, index: int) -> str:
    """The last "Exercise …" heading line above cell ``index``, without its hashes."""
    for cell in reversed(cells[:index]):
        if cell.cell_type == "markdown":
            found = [line.lstrip("#").strip() for line in cell.source.splitlines()
                     if line.startswith("#") and "xercise " in line]
            if found:
                return found[-1]
    return ""


def _as_heading(title: str) -> str:
    return title[0].lower() + title[1:]


def _plain(heading: str) -> str:
    """The heading as plain text (titles show in HTML pages and LMS columns): no markdown emphasis or code marks."""
    return heading.replace("`", "").replace("*", "")


@pytest.mark.parametrize("source", sources.source_paths(), ids=lambda p: p.stem[:2])
def test_exercise_headings_agree_with_the_checks(source) -> None:
    """One name per exercise: the heading a student reads ("Exercise 05.1 — the profit of a threshold") has the number
    the check's feedback prints ("Exercise 05.1 (05.campaign)") and the title the grades and feedback pages show."""
    from mlopslab import exercises, rubrics

    lab = source.stem[:2]
    cells = sources.read(source).cells
    declared = exercises.exercises_of(lab)
    found, expected = [], []
    for index, cell in enumerate(cells):
        kind, ex_id = sources.role(cell) or ("", "")
        heading = _plain(_heading_before(cells, index))
        if kind == "exercise":
            found.append(heading)
            expected.append(f"Exercise {exercises.number(ex_id)} — {_as_heading(declared[ex_id].title)}")
        elif kind == "written":
            found.append(heading)
            letter = heading.split(" — ")[0].rsplit(".", 1)[-1]  # "Written exercise 01.A": the letter is free
            expected.append(f"Written exercise {lab}.{letter} — {_as_heading(rubrics.get(ex_id).title)}")
    assert found == expected
    assert [sources.role(c)[1] for c in cells if (sources.role(c) or ("",))[0] == "exercise"] == list(declared), \
        "exercise cells follow the order the checks declare"
