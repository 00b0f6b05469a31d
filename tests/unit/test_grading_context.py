"""Checks trust nothing the student can overwrite: the grader keeps the lab's own values of the context a check takes."""

from __future__ import annotations

from mlopslab.tools import notebooks
from mlopslab.tools.grading import assemble, incell


def test_snapshot_cells_follow_the_lab_cells_that_make_a_checks_context() -> None:
    lab = notebooks.lab_paths(["07"])[0]
    nb = notebooks.read(lab)
    contexts = {name for c in nb.cells if c.get("metadata", {}).get("mlopslab", {}).get("check")
                for name in assemble.context_names(c.source)}
    assert contexts, "lab 07 passes context to a check (the test needs one)"
    students = {name for c in nb.cells if notebooks.exercise_id(c) for name in assemble.bound_names(c.source)}
    assert "recall_gap" in contexts & students  # the student's own function, passed as context: never replaced
    contexts -= students
    built = assemble.assemble(lab, nb)
    cells = built.nb.cells
    snapshots = [i for i, c in enumerate(cells) if c.id.startswith(assemble.SNAPSHOT_PREFIX)]
    assert snapshots
    covered = set()
    for i in snapshots:
        before = cells[i - 1]
        assert not before.get("metadata", {}).get("mlopslab"), "only the lab's own cells are snapshotted"
        names = set(eval(cells[i].source.split("snapshot(", 1)[1].rsplit(", globals()", 1)[0]))  # noqa: S307
        assert names <= assemble.bound_names(before.source) & contexts
        covered |= names
    assert covered == contexts


def test_the_recheck_uses_the_labs_value_not_the_students(monkeypatch) -> None:
    monkeypatch.setattr(incell, "SNAPSHOTS", {"model": "the lab's model"})
    namespace = {"model": "a model the student's cell put there", "answer": 42}
    [(exercise_id, answer, context)] = incell.trusted_calls('check("07.x", answer, model=model)', namespace)
    assert (exercise_id, answer, context) == ("07.x", 42, {"model": "the lab's model"})


def test_context_and_bound_names_are_read_from_the_code() -> None:
    assert assemble.context_names('check("08.x", f, url=server.url, n=3)') == {"server"}
    assert assemble.bound_names("import numpy as np\nfor i in range(3):\n    x = i\ndef f(): pass") == {"np", "i", "x", "f"}


def test_only_the_cells_after_the_last_recheck_are_skipped_and_only_without_hidden_checks(tmp_path) -> None:
    lab = notebooks.lab_paths(["08"])[0]
    nb = notebooks.read(lab)
    cells = assemble.assemble(lab, nb).nb.cells
    skipped = [i for i, c in enumerate(cells) if "skip-execution" in c.get("metadata", {}).get("tags", [])]
    last_recheck = max(i for i, c in enumerate(cells) if c.get("metadata", {}).get("mlopslab", {}).get("grader")
                       not in (None, "snapshot"))
    trailing = [i for i, c in enumerate(cells) if i > last_recheck and c.cell_type == "code"]
    assert trailing, "lab 08 has code after its last check (the test needs some)"
    assert skipped == trailing
    hidden = tmp_path / "extra_checks.py"
    hidden.write_text("")
    with_hidden = assemble.assemble(lab, nb, hidden).nb.cells
    assert not [c for c in with_hidden if "skip-execution" in c.get("metadata", {}).get("tags", [])]
    assert with_hidden[-1].id == assemble.HIDDEN_CELL
