"""Every exercise of every lab: blank, solved, wrong, and not passable by a shortcut.

"As committed" is proven in two halves: nbval re-executes each committed lab (on the student release, see
tests/integration/test_release.py) and requires its outputs to equal the stored ones, and
``test_committed_lab_is_blank`` requires the stored outputs to say "not answered yet" for every exercise with no
error. Then each lab runs three times or more: with its reference solutions (and the shortcut probe after every check,
see ``mlopslab.tools.probe``), with its first wrong answers, and once per later wrong answer (every exercise declares
two or more), so that none breaks a later cell. One class per lab, so that pytest-xdist (``--dist loadscope``)
spreads the labs over the workers and each lab's runs are shared by its tests.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from mlopslab import exercises
from mlopslab.tools import answers, execution, notebooks, probe
from stores import fresh_store

LABS = notebooks.lab_paths()


def test_there_are_labs() -> None:
    assert LABS, "no labs found in labs/"


def _run(lab_path: Path, kind: str):
    lab = notebooks.lab_number(lab_path)
    nb = answers.filled(lab_path, kind)
    if kind == "solution":
        nb = answers.with_probes(nb, lab)
    outcome = answers.run(nb, tracking_uri=fresh_store(f"{lab_path.stem}-{kind}", lab))
    return nb, outcome


def _verdicts(nb) -> dict[str, exercises.Result]:
    return {r.exercise: r for r in exercises.results_of(nb)}


class LabExercises:
    """The tests of one lab; a subclass per lab sets ``lab_path``."""

    lab_path: Path

    @property
    def lab(self) -> str:
        return notebooks.lab_number(self.lab_path)

    @pytest.fixture(scope="class")
    def solved(self):
        return _run(self.lab_path, "solution")

    @pytest.fixture(scope="class")
    def wrong(self):
        return _run(self.lab_path, "wrong")

    @pytest.fixture(scope="class")
    def later_wrong(self):
        runs = []
        for k, chosen in enumerate(answers.other_wrong(self.lab), start=2):
            nb = notebooks.with_answers(notebooks.read(self.lab_path), chosen)
            runs.append((k, nb, answers.run(nb, tracking_uri=fresh_store(f"{self.lab_path.stem}-wrong{k}", self.lab))))
        return runs

    def test_every_declared_wrong_answer_runs_the_lab_to_the_end(self, later_wrong) -> None:
        """The wrong-answer run fills in each exercise's first wrong answer; a later one once crashed a later cell
        (lab 04's pipeline comparison, lab 10's loop), which only a run of the whole lab shows."""
        assert later_wrong, "every exercise declares two wrong answers or more: there is a second run"
        for k, nb, outcome in later_wrong:
            assert outcome.ok, (k, outcome.reason)
            assert not execution.error_outputs(nb), (k, execution.error_outputs(nb)[:3])

    def test_committed_lab_is_blank(self) -> None:
        nb = notebooks.read(self.lab_path)
        declared = exercises.exercises_of(self.lab)
        cells = notebooks.exercise_cells(nb)
        assert len(declared) >= (2 if self.lab == "00" else 3), f"lab {self.lab} needs more exercises"
        assert list(cells) == list(declared), "exercise cells and declared checks must match one to one, in order"
        results = _verdicts(nb)
        assert set(results) == set(declared), "every exercise's check must have run in the committed lab"
        assert {r.status for r in results.values()} == {"unanswered"}
        assert not execution.error_outputs(nb)
        ids = [c.id for c in nb.cells]
        assert len(ids) == len(set(ids)), "cell ids must be unique (the grader matches cells by id)"
        for ex_id, cell in cells.items():
            following = nb.cells[nb.cells.index(cell) + 1]
            assert following.metadata.get("mlopslab", {}).get("check") == ex_id, f"{ex_id}: its check cell must follow it"

    def test_source_gives_every_exercise_a_solution_and_two_wrong_answers(self) -> None:
        found = answers.of(self.lab)
        declared = set(exercises.exercises_of(self.lab))
        assert set(found.solution) == declared
        assert set(found.wrong) == declared, "every exercise needs known-wrong answers in its source"
        thin = sorted(ex for ex, wrong in found.wrong.items() if len(wrong) < 2)
        assert not thin, f"every exercise declares two wrong answers or more (two different mistakes): {thin}"
        assert set(found.shortcut) <= declared

    def test_reference_solutions_pass(self, solved) -> None:
        nb, outcome = solved
        assert outcome.ok, outcome.reason
        assert not execution.error_outputs(nb)
        results = _verdicts(nb)
        assert set(results) == set(exercises.exercises_of(self.lab))
        assert [(r.exercise, r.status, r.message) for r in results.values() if r.status != "correct"] == []

    def test_no_shortcut_scores_full_points(self, solved) -> None:
        nb, _ = solved
        probes = probe.results(nb)
        assert set(probes) == set(exercises.exercises_of(self.lab)), "every exercise must have been probed"
        errors = {ex: p["error"] for ex, p in probes.items() if p["error"]}
        assert not errors, errors
        scoring = [(ex, c["origin"]) for ex, p in probes.items() for c in p["candidates"] if c["status"] == "correct"]
        assert not scoring, f"shortcuts that get full points: {scoring}"

    def test_choice_exercises_cannot_be_enumerated(self, solved) -> None:
        """One choice away from the solution: no credit, and the same message whichever choice is wrong."""
        nb, _ = solved
        for ex, p in probe.results(nb).items():
            moves = p["perturbations"]
            if not moves:
                continue
            credited = [m["origin"] for m in moves if m["score"] > 0]
            assert not credited, f"{ex}: partial or full credit one choice away ({credited}) lets a student climb"
            messages = {m["message"] for m in moves}
            assert len(messages) == 1, f"{ex}: the feedback tells which choice is wrong: {sorted(messages)[:4]}"

    def test_wrong_answers_get_a_hint(self, solved, wrong) -> None:
        nb, outcome = wrong
        assert outcome.ok, outcome.reason
        assert not execution.error_outputs(nb)
        results = _verdicts(nb)
        assert set(results) == set(exercises.exercises_of(self.lab))
        for r in results.values():
            assert r.status in ("wrong", "partial") and r.score < 1 and r.message.strip(), (r.exercise, r.status, r.message)
        solved_nb, _ = solved
        for ex, p in probe.results(solved_nb).items():
            for w in p["wrong"]:
                assert w["status"] in ("wrong", "partial") and w["message"].strip(), (ex, w)


for _path in LABS:
    _name = f"TestLab{notebooks.lab_number(_path)}"
    globals()[_name] = type(_name, (LabExercises,), {"lab_path": _path, "__doc__": f"Exercises of {_path.stem}."})
