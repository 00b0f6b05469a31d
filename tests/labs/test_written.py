"""Written exercises in the single-source format: the answer cell, its rubric, its model answer kept from students."""

from __future__ import annotations

import pytest
from mlopslab import rubrics
from mlopslab.tools import notebooks, release, sources

LABS = notebooks.lab_paths()


@pytest.mark.parametrize("lab_path", LABS, ids=lambda p: p.stem)
def test_every_written_cell_has_a_rubric_and_a_model_answer(lab_path) -> None:
    lab = notebooks.lab_number(lab_path)
    cells = {c.metadata["mlopslab"]["written"]: c for c in notebooks.read(lab_path).cells
             if "written" in c.get("metadata", {}).get("mlopslab", {})}
    declared = rubrics.rubrics_of(lab)
    assert set(cells) == set(declared), "each written cell needs a rubric in checks/labNN.py, and each rubric a cell"
    held = sources.answers(sources.source_of(lab))
    for written_id, cell in cells.items():
        assert cell.cell_type == "markdown" and cell.id == rubrics.cell_id(written_id)
        assert "written" in cell.metadata.get("tags", [])
        assert held.model_answers.get(written_id, "").strip(), f"{written_id}: give graders a model answer"
        model_lines = [line for line in held.model_answers[written_id].splitlines() if len(line) > 20]
        text = lab_path.read_text(encoding="utf-8")
        assert not any(line.strip() in text for line in model_lines), f"{written_id}: the model answer reached students"


def test_lab02_asks_for_its_retrospective_in_writing() -> None:
    rubric = rubrics.get("02.retrospective")
    assert rubric.points == 6 and [c.name for c in rubric.criteria] == ["start", "stop", "continue", "action"]
    assert all(c.full for c in rubric.criteria), "students see what a full answer contains"


def test_the_release_treats_a_model_answer_as_a_secret(tmp_path) -> None:
    secret = release.secrets()["02.retrospective"]
    assert secret, "the model answer's lines are secrets"
    (tmp_path / "labs").mkdir()
    lab = notebooks.lab_paths(["02"])[0]
    (tmp_path / "labs" / lab.name).write_text(lab.read_text(encoding="utf-8"), encoding="utf-8")
    assert release.leaks(tmp_path, "02") == []
    (tmp_path / "notes.md").write_text(sorted(secret)[0], encoding="utf-8")
    assert [line.split(":")[0] for line in release.leaks(tmp_path, "02")] == ["02.retrospective"]


def test_a_written_exercise_must_be_a_markdown_cell(tmp_path) -> None:
    source = tmp_path / "99_example.py"
    source.write_text('# %% [markdown]\n# # Example\n\n# %% mlopslab={"written": "99.essay"}\nx = 1\n')
    with pytest.raises(sources.SourceError, match="a written exercise is a markdown cell"):
        sources.student_cells(source)
    source.write_text('# %% [markdown] mlopslab={"written": "99.essay"}\n# *Your essay.*\n\n'
                      '# %% [markdown] mlopslab={"model_answer": "99.essay"}\n# The model essay, for graders only.\n')
    (cell,) = sources.student_cells(source)
    assert (cell.id, cell.metadata["mlopslab"], cell.source) == ("written-99-essay", {"written": "99.essay"},
                                                                 "*Your essay.*")
    held = sources.answers(source)
    assert held.prompts == {"99.essay": "*Your essay.*\n"}
    assert held.model_answers == {"99.essay": "The model essay, for graders only.\n"}
