"""The exercise harness over every lab: blank, reference solutions, known-wrong answers.

"As committed" is proven in two halves: nbval re-executes each committed lab and requires its outputs to
equal the stored ones, and ``test_committed_lab_is_blank`` requires the stored outputs to say "not answered
yet" for every exercise with no error. Together: the blank lab runs without error and every check says so.
"""

from __future__ import annotations

import pytest
from mlopslab import exercises, harness, notebooks

from conftest import fresh_store

LABS = notebooks.lab_paths()


def test_there_are_labs() -> None:
    assert LABS, "no labs found in labs/"


@pytest.mark.parametrize("lab_path", LABS, ids=lambda p: p.stem)
def test_committed_lab_is_blank(lab_path) -> None:
    lab = notebooks.lab_number(lab_path)
    nb = notebooks.read(lab_path)
    declared = exercises.exercises_of(lab)
    cells = notebooks.exercise_cells(nb)
    assert len(declared) >= (2 if lab == "00" else 3), f"lab {lab} needs more exercises"
    assert list(cells) == list(declared), "exercise cells and declared checks must match one to one, in order"
    assert set(harness.answers(lab, "solution")) == set(declared) == set(harness.answers(lab, "wrong"))
    results = {r.exercise: r for r in exercises.results_of(nb)}
    assert set(results) == set(declared), "every exercise's check must have run in the committed lab"
    assert {r.status for r in results.values()} == {"unanswered"}
    assert not harness.error_outputs(nb)
    ids = [c.id for c in nb.cells]
    assert len(ids) == len(set(ids)), "cell ids must be unique (the grader matches cells by id)"
    for ex_id, cell in cells.items():
        following = nb.cells[nb.cells.index(cell) + 1]
        assert following.metadata.get("mlopslab", {}).get("check") == ex_id, f"{ex_id}: its check cell must follow it"


@pytest.mark.parametrize("lab_path", LABS, ids=lambda p: p.stem)
def test_reference_solutions_pass(lab_path) -> None:
    nb = harness.run_with(lab_path, "solution", tracking_uri=fresh_store(lab_path.stem + "-solution"))
    assert not harness.error_outputs(nb)
    results = exercises.results_of(nb)
    assert len(results) == len(exercises.exercises_of(notebooks.lab_number(lab_path)))
    failing = [(r.exercise, r.status, r.message) for r in results if r.status != "correct"]
    assert not failing


@pytest.mark.parametrize("lab_path", LABS, ids=lambda p: p.stem)
def test_wrong_answers_get_a_hint(lab_path) -> None:
    nb = harness.run_with(lab_path, "wrong", tracking_uri=fresh_store(lab_path.stem + "-wrong"))
    assert not harness.error_outputs(nb)
    results = exercises.results_of(nb)
    assert len(results) == len(exercises.exercises_of(notebooks.lab_number(lab_path)))
    for r in results:
        assert r.status in ("wrong", "partial"), (r.exercise, r.status, r.message)
        assert r.score < 1 and r.message.strip(), (r.exercise, r.message)
