"""Lab 00 types the lecture's stage leads twice for the student to read (the table of labs in its first cells and the
``stages`` dict that builds ``stage_leads``); both must say what :data:`mlopslab.scrum.RACI` says (the A and the R of
each stage), so that a change to the RACI matrix fails here instead of leaving lab 00 behind."""

from __future__ import annotations

import ast
import re
from pathlib import Path

from mlopslab import scrum
from mlopslab.checks import lab00

SOURCE = Path(__file__).resolve().parents[2] / "course" / "labs" / "00_welcome.py"
LAB_OF_STAGE = dict(zip(scrum.STAGES, ["03", "04", "05", "06", "08", "09"]))
"""The lab that teaches each stage (lab 07, trustworthy AI, is not one of the six)."""


def _leads(key: str) -> set[str]:
    return {persona for persona, letter in scrum.RACI[key].items() if letter in "AR"}


def test_the_table_of_labs_names_the_leads_of_each_stage() -> None:
    rows = dict(re.findall(r"^# \| (\d\d) \| [^|]+ \| ([^|]+) \|$", SOURCE.read_text(encoding="utf-8"), re.MULTILINE))
    for key, lab in LAB_OF_STAGE.items():
        assert {p.strip() for p in rows[lab].split(",")} == _leads(key), f"lab {lab} ({key})"


def test_the_stages_dict_holds_the_six_stages_and_their_leads_in_order() -> None:
    assigns = [node for node in ast.walk(ast.parse(SOURCE.read_text(encoding="utf-8")))
               if isinstance(node, ast.Assign) and [getattr(t, "id", None) for t in node.targets] == ["stages"]]
    assert len(assigns) == 1
    stages = ast.literal_eval(assigns[0].value)
    assert list(stages) == [f"{n} {name}" for n, name in enumerate(scrum.STAGES.values(), 1)]
    for (key, name), leads in zip(scrum.STAGES.items(), stages.values()):
        assert len(leads) == 2 and set(leads) == _leads(key), name


def test_the_check_reads_its_table_from_the_raci_matrix() -> None:
    assert {name: set(leads) for name, leads in lab00._STAGE_LEADS.items()} == {
        scrum.STAGES[key]: _leads(key) for key in scrum.STAGES}
