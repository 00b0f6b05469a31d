"""A class of lab-00 submissions, built from the reference solutions, each with the grade it must get.

Every student breaks the notebook in one way (or not at all); ``EXPECTED`` says, per student, the lab status,
a phrase its reason must contain, and per exercise (including the hidden check) the points and status.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path

from mlopslab import exercises
from mlopslab.tools import answers, notebooks

LAB = "00"
SOLVED = answers.chosen(LAB, "solution")
WRONG = answers.chosen(LAB, "wrong")
IDS = ["00.churn_rate", "00.hidden_exact", "00.lead_persona", "00.yearly_value"]
PARTIAL_CHURN = ('month_to_month = customers[customers["Contract"] == "Month-to-month"]\n'
                 'churn_rate = 100 * (month_to_month["Churn"] == "Yes").mean()\n')
"""An answer to 00.churn_rate that gets partial credit (a percentage instead of a share)."""

EXTRA_CHECKS = '''
from mlopslab.data import load_customers
from mlopslab.exercises import correct, wrong
from mlopslab.tools.grading.hidden import hidden_check


@hidden_check("00.hidden_exact", of="00.churn_rate", points=0.5, title="The churn rate, unrounded")
def exact(answer, **_):
    customers = load_customers()
    expected = (customers.loc[customers["Contract"] == "Month-to-month", "Churn"] == "Yes").mean()
    return correct("Exact.") if answer == expected else wrong("Compute the share; do not type it in.")
'''

TAMPER_REGISTRY = '''import mlopslab.exercises as ex
ex.exercises_of("00")  # load the real checks first, then replace one
ex._REGISTRY["00.churn_rate"] = ex.Exercise("00.churn_rate", 1.0, "x", lambda answer, **_: ex.correct())
churn_rate = 0.9
'''

FAKE_RESULT = {"exercise": "00.yearly_value", "status": "correct", "score": 1.0, "points": 1.0, "max_points": 1.0,
               "message": "Correct."}
TAMPER_CHECK = f'''def yearly_value(monthly_charges):
    return 0

def check(exercise_id, answer, **context):
    from IPython.display import display as show
    show({{"application/vnd.mlopslab.check+json": {FAKE_RESULT!r}, "text/plain": "✅"}}, raw=True)
'''


def _lab() -> dict:
    return json.loads(json.dumps(notebooks.read(notebooks.lab_paths([LAB])[0])))


def _with(answers: dict[str, str]) -> dict:
    return notebooks.with_answers(_lab(), answers)


def _solved(**overrides: str) -> dict:
    return _with({**SOLVED, **{f"00.{k}": v for k, v in overrides.items()}})


def _edited_and_deleted() -> dict:
    """Wrong answers; check cells edited to show a fake ✅; the set-up cells and the last exercise deleted."""
    nb = _with(WRONG)
    for cell in nb["cells"]:
        checked = cell.get("metadata", {}).get("mlopslab", {}).get("check")
        if checked:
            fake = {**FAKE_RESULT, "exercise": checked}
            cell["source"] = (f"print('✅ {checked}: correct')\nfrom IPython.display import display\n"
                              f"display({{'application/vnd.mlopslab.check+json': {fake!r}}}, raw=True)")
    own = [c["id"] for c in nb["cells"] if c["cell_type"] == "code" and not c.get("metadata", {}).get("mlopslab")]
    gone = {own[0], own[-1], "ex-00-yearly-value", "check-00-yearly-value"}  # the set-up cell, a later lab cell
    nb["cells"] = [c for c in nb["cells"] if c["id"] not in gone]
    return nb


def _fake_outputs() -> dict:
    nb = _lab()
    for cell in nb["cells"]:
        checked = cell.get("metadata", {}).get("mlopslab", {}).get("check")
        if checked:
            result = {**FAKE_RESULT, "exercise": checked}
            cell["outputs"] = [{"output_type": "display_data", "metadata": {},
                                "data": {exercises.MIME: result, "text/plain": "✅"}}]
    return nb


def _flat_lms() -> dict:
    """Solved, but a wrong kernelspec and new cell ids (JupyterLab copy-paste keeps the exercise metadata)."""
    nb = _solved()
    nb["metadata"]["kernelspec"] = {"name": "ir", "display_name": "R", "language": "R"}
    for cell in nb["cells"]:
        if cell["id"].startswith("ex-"):
            cell["id"] = "pasted-" + cell["id"]
    return nb


def _row(churn, hidden, lead, yearly) -> dict[str, tuple[float, str]]:
    return dict(zip(IDS, [churn, hidden, lead, yearly]))


OK = "ok"
EXPECTED: dict[str, tuple[str, str, dict[str, tuple[float, str]]]] = {
    # student: (lab status, phrase in the reason or a note, {exercise: (points, status)})
    "complete": (OK, "", _row((1, "correct"), (0.5, "correct"), (1, "correct"), (1, "correct"))),
    "blank_faked_outputs": (OK, "", _row((0, "unanswered"), (0, "unanswered"), (0, "unanswered"), (0, "unanswered"))),
    "partly": (OK, "", _row((0.5, "partial"), (0, "wrong"), (1, "correct"), (0, "wrong"))),
    "syntax_error_sys_exit": (OK, "", _row((0, "error"), (0, "not-run"), (0, "error"), (1, "correct"))),
    "infinite_loops": (OK, "", _row((0, "timeout"), (0, "not-run"), (1, "correct"), (0, "timeout"))),
    # extra (hidden) checks run after the student's last cell: a run that dies earlier leaves them not graded
    "kernel_crash": ("kernel-died", "exit code 3", _row((1, "correct"), (0, "not-run"), (0, "not-run"), (0, "not-run"))),
    "edited_deleted": (OK, "", _row((0, "wrong"), (0, "wrong"), (0, "wrong"), (0, "missing"))),
    "invalid_json": ("invalid", "not valid JSON", _row((0, "not-run"), (0, "not-run"), (0, "not-run"), (0, "not-run"))),
    "nested_json": ("invalid", "nested too deeply", _row((0, "not-run"), (0, "not-run"), (0, "not-run"), (0, "not-run"))),
    "oversized": ("invalid", "over the grader's 64 MB", _row((0, "not-run"), (0, "not-run"), (0, "not-run"), (0, "not-run"))),
    "flat_lms": (OK, "'ir'", _row((1, "correct"), (0.5, "correct"), (1, "correct"), (1, "correct"))),
    "tamper_registry": (OK, "", _row((0, "flagged"), (0, "flagged"), (0, "flagged"), (0, "flagged"))),
    "tamper_check": (OK, "", _row((1, "correct"), (0.5, "correct"), (1, "correct"), (0, "flagged"))),
    "unparsable": (OK, "", _row((1, "correct"), (0.5, "correct"), (0, "timeout"), (1, "correct"))),
    "memory_hog": ("memory", "over the cap", _row((1, "correct"), (0, "not-run"), (1, "correct"), (0, "not-run"))),
}
UNGRADABLE = {"stray": ("unknown-lab", "cannot tell which lab")}
"""Students whose only file is not a lab: a gradebook row with the reason, no exercises."""


def build_class(root: Path) -> Path:
    """Write the fixture class under ``root``; returns the submissions folder."""
    subs = root / "submissions"
    notebooks_by_student = {
        "complete": _solved(),
        "blank_faked_outputs": _fake_outputs(),
        "partly": _with({"00.churn_rate": PARTIAL_CHURN,
                         "00.lead_persona": SOLVED["00.lead_persona"], "00.yearly_value": WRONG["00.yearly_value"]}),
        "syntax_error_sys_exit": _solved(churn_rate="churn_rate = (customers['Churn'] == \n",
                                         lead_persona="import sys\nsys.exit('bye')\n"),
        "infinite_loops": _solved(churn_rate="while True:\n    pass\n",
                                  yearly_value="def yearly_value(monthly_charges):\n    while True:\n        pass\n"),
        "kernel_crash": _solved(lead_persona="import os\nos._exit(3)\n"),
        "edited_deleted": _edited_and_deleted(),
        "tamper_registry": _solved(churn_rate=TAMPER_REGISTRY),
        "tamper_check": _solved(yearly_value=TAMPER_CHECK),
        "memory_hog": _solved(yearly_value="hog = bytearray(2 * 2**30)\n"),
        # too deep for the grader's ast.parse (RecursionError); IPython then spins on it past the cell's limit
        "unparsable": _solved(lead_persona="x = " + " + ".join(["1"] * 3000) + "\n"),
    }
    for student, nb in notebooks_by_student.items():
        (subs / student).mkdir(parents=True)
        (subs / student / "00_welcome.ipynb").write_text(json.dumps(nb, indent=1), encoding="utf-8")
    (subs / "invalid_json").mkdir()
    (subs / "invalid_json" / "00_welcome.ipynb").write_text(json.dumps(_solved(), indent=1)[:5000], encoding="utf-8")
    (subs / "nested_json").mkdir()  # valid JSON that Python's parser cannot read: a clear grade, not a grader error
    (subs / "nested_json" / "00_welcome.ipynb").write_text("[" * 200_000 + "]" * 200_000, encoding="utf-8")
    (subs / "oversized").mkdir()  # never read into the grader's memory
    huge = _solved()
    flood = {"output_type": "stream", "name": "stdout", "text": "x" * (65 * 2**20)}
    next(c for c in huge["cells"] if c["cell_type"] == "code")["outputs"] = [flood]
    (subs / "oversized" / "00_welcome.ipynb").write_text(json.dumps(huge), encoding="utf-8")
    (subs / "flat_lms__00_welcome.ipynb").write_text(json.dumps(_flat_lms(), indent=1), encoding="utf-8")
    (subs / "stray").mkdir()
    (subs / "stray" / "notes.ipynb").write_text(json.dumps({"cells": [], "metadata": {}}), encoding="utf-8")
    (root / "extra_checks.py").write_text(EXTRA_CHECKS, encoding="utf-8")
    return subs


def copy_solved(path: Path, **overrides: str) -> Path:
    """One lab-00 notebook with the solutions (and ``overrides``) at ``path``."""
    path.write_text(json.dumps(copy.deepcopy(_solved(**overrides)), indent=1), encoding="utf-8")
    return path
