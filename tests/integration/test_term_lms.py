"""An instructor's week, per LMS: from the system's download to its import file and feedback bundle.

For Canvas, Moodle and Gradescope, the fixture download of lab 02 (``lms_fixtures``: named as each system names
it) goes through the documented command sequence of docs/instructors.md: ``mlopslab grade`` with the roster, the
term file and an extra-checks file; the written answers scored (here through the review server's own save, the
browser test drives the page); ``mlopslab export``. The late penalties and the extension are those the term file
implies; the grade files hold the final points with the reviewed written answers; the feedback bundles hold each
student's page and nothing of the hidden check's source or the grader's cells.
"""

from __future__ import annotations

import csv
import json
import subprocess
import sys
import zipfile
from pathlib import Path

import lms_fixtures as fx
import pytest
from mlopslab.tools.grading.review import Queue, item_id

LIMITS = ["--timeout", "30", "--lab-cell-timeout", "120", "--notebook-timeout", "300", "--workers", "2"]
SECRET = "HIDDEN-CHECK-SOURCE-MARKER"
EXTRA_CHECKS = f'''
from mlopslab.exercises import correct, wrong
from mlopslab.tools.grading.hidden import hidden_check


@hidden_check("02.hidden_kpis", of="02.sprint_kpis", points=1, title="KPIs on a third history")
def kpis(answer, **_):
    marker = "{SECRET}"
    return correct("Right on a third history.") if callable(answer) and marker else wrong("Not yet.")
'''
JANE, OMAR, LI, ZOE = "jane.doe@uni.example", "omar.haddad@uni.example", "li.wei@uni.example", "zoe.kim@uni.example"
SCORES = {JANE: ({"start": 2, "stop": 2, "continue": 1, "action": 1}, "Precise, with evidence."),
          OMAR: ({"start": 1.5, "stop": 1, "continue": 0.5, "action": 0.5}, "Name the facts behind each item.")}


def mlopslab(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    proc = subprocess.run([sys.executable, "-m", "mlopslab", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=900, check=False)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    return proc


@pytest.fixture(scope="module", params=["canvas", "moodle", "gradescope"])
def week(request, tmp_path_factory) -> dict:
    """One LMS's week: download -> grade -> review -> export, in the documented commands."""
    lms = request.param
    root = tmp_path_factory.mktemp(lms)
    fx.downloads(root, lms)
    (root / "extra_checks.py").write_text(EXTRA_CHECKS, encoding="utf-8")
    graded = mlopslab("grade", "downloads", "--out", "grades", "--roster", "roster.csv", "--term", "term.toml",
                      "--extra-checks", "extra_checks.py", *LIMITS, cwd=root)
    before = _gradebook(root)
    queue = Queue(root / "grades", grader="TA")
    for student, row in list(queue.rows):
        scores, comment = SCORES[student]
        queue.save(item_id(student, row.exercise), scores, comment)
    exported = mlopslab("export", "grades", cwd=root)
    return {"lms": lms, "root": root, "graded": graded, "before": before, "after": _gradebook(root),
            "exported": exported, "folder": root / "grades" / "lms" / lms}


def _gradebook(root: Path) -> dict[str, dict[str, str]]:
    with open(root / "grades" / "gradebook.csv", newline="", encoding="utf-8") as handle:
        return {row["student"]: row for row in csv.DictReader(handle)}


# raw points: 12 for the lab's five exercises, 1 for the hidden check, 6 for the retrospective; Omar's burndown is
# wrong (-3). Expected penalties under the term file (10 % a day of the points earned, 15 minutes' grace):
EXPECTED_PENALTY = {
    # Canvas gives no times: Li's LATE mark counts one day; Omar's LATE mark is covered by his extension
    "canvas": {JANE: 0, OMAR: 0, LI: 1.3, ZOE: 0},
    # Moodle's worksheet and Gradescope's metadata give times: Omar is a day late after his one-day extension
    "moodle": {JANE: 0, OMAR: 1.35, LI: 0, ZOE: 0},
    "gradescope": {JANE: 0, OMAR: 1.35, LI: 0, ZOE: 0},
}
RAW = {JANE: 19, OMAR: 13.5, LI: 13, ZOE: 0}  # after the reviews (Jane 6/6, Omar 3.5/6; Li left the prompt)


def test_written_answers_wait_for_a_grader_then_count(week) -> None:
    before, after = week["before"], week["after"]
    assert "2 written answer(s) wait for a grader" in week["graded"].stdout
    assert before[JANE]["02.retrospective"] == "0" and before[JANE]["to review"] == "02.retrospective"
    assert after[JANE]["02.retrospective"] == "6" and after[OMAR]["02.retrospective"] == "3.5"
    assert after[JANE]["to review"] == "" and after[LI]["to review"] == ""  # Li's cell still holds the prompt
    page = (week["root"] / "grades" / "feedback" / "omar.haddad_uni.example.html").read_text(encoding="utf-8")
    assert "Name the facts behind each item." in page and "scored by a grader" in page


def test_late_penalties_and_extensions_follow_the_term_file(week) -> None:
    book = week["after"]
    for student, penalty in EXPECTED_PENALTY[week["lms"]].items():
        row = book[student]
        assert float(row["lab 02 raw"]) == RAW[student], (student, row)
        assert float(row["lab 02 penalty"]) == penalty, (student, row["lab 02 late"])
        assert float(row["lab 02"]) == round(RAW[student] - penalty, 4) == float(row["total"])
    assert book[ZOE]["lab 02 status"] == "not-submitted" and book[ZOE]["email"] == ZOE
    if week["lms"] == "canvas":
        assert "check the time by hand" in book[OMAR]["lab 02 late"]
    else:
        assert "extension of 1 day(s)" in book[OMAR]["lab 02 late"]


def _final(week) -> dict[str, float]:
    return {s: round(RAW[s] - p, 4) for s, p in EXPECTED_PENALTY[week["lms"]].items()}


def test_the_import_file_holds_the_final_points_with_the_rosters_ids(week) -> None:
    folder, final = week["folder"], _final(week)
    if week["lms"] == "canvas":
        rows = list(csv.reader(open(folder / "canvas-grades.csv", encoding="utf-8")))
        assert rows[0][:5] == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section"]
        assert rows[0][5].endswith("(734502)") and rows[1][0] == "Points Possible" and rows[1][5] == "19"
        got = {r[1]: float(r[5]) for r in rows[2:]}
        assert got == {fx.PEOPLE[k][2]: final[fx.PEOPLE[k][1]] for k in fx.PEOPLE}
    elif week["lms"] == "moodle":
        sheet = list(csv.DictReader(open(folder / "moodle-worksheet-lab02.csv", encoding="utf-8")))
        assert {r["Identifier"]: float(r["Grade"]) for r in sheet} == {
            "Participant 1100001": final[JANE], "Participant 1100002": final[OMAR], "Participant 1100003": final[LI]}
        gradebook = list(csv.reader(open(folder / "moodle-gradebook.csv", encoding="utf-8")))
        assert {r[0]: float(r[1]) for r in gradebook[1:]} == final
    else:
        scores = list(csv.DictReader(open(folder / "gradescope-scores-lab02.csv", encoding="utf-8")))
        assert {r["SID"]: float(r["Score"]) for r in scores} == {fx.PEOPLE[k][3]: final[fx.PEOPLE[k][1]] for k in fx.PEOPLE}
        with zipfile.ZipFile(folder / "gradescope-autograder-lab02.zip") as z:
            grades = json.loads(z.read("grades.json"))
        assert grades[OMAR]["score"] == final[OMAR] and grades["s2026002"] is not None


def _bundle(week) -> dict[str, str]:
    folder = week["folder"]
    name = {"canvas": "canvas-feedback-lab02.zip", "moodle": "moodle-feedback-lab02.zip",
            "gradescope": "gradescope-feedback-lab02.zip"}[week["lms"]]
    with zipfile.ZipFile(folder / name) as z:
        pages = {n: z.read(n).decode() for n in z.namelist()}
    if week["lms"] == "gradescope":  # the feedback Gradescope posts: each test's output in the autograder's grades
        with zipfile.ZipFile(folder / "gradescope-autograder-lab02.zip") as z:
            pages["grades.json"] = z.read("grades.json").decode()
    return pages


def test_the_feedback_bundle_is_shaped_for_the_lms(week) -> None:
    names = sorted(_bundle(week))
    expected = {"canvas": ["doejane_52301_991001_feedback-lab02.html", "haddadomar_late_52302_991002_feedback-lab02.html",
                           "weili_late_52303_991003_feedback-lab02.html"],
                "moodle": ["Jane Doe_1100001_assignfeedback_file/feedback-lab02.html",
                           "Li Wei_1100003_assignfeedback_file/feedback-lab02.html",
                           "Omar Haddad_1100002_assignfeedback_file/feedback-lab02.html"],
                "gradescope": ["S2026001-lab02.html", "S2026002-lab02.html", "S2026003-lab02.html", "grades.json"]}
    assert names == expected[week["lms"]]


def test_the_feedback_bundle_never_holds_hidden_checks_or_grader_cells(week) -> None:
    pages = _bundle(week)
    text = "\n".join(pages.values())
    for forbidden in (SECRET, "hidden_check(", "recheck(", "run_hidden(", "grader-check-", "incell"):
        assert forbidden not in text, forbidden
    omar = next(page for name, page in pages.items() if "2302" in name or "1100002" in name or "S2026002" in name)
    assert "Precise" not in omar and "Name the facts behind each item." in omar
    assert "KPIs on a third history" in omar  # the hidden check's title and message are feedback; its source is not


def test_grading_again_keeps_the_reviews(week) -> None:
    """The reviews belong to the answers, not to a run (whether the run re-grades or skips, by the cache)."""
    if week["lms"] != "moodle":
        pytest.skip("once is enough")
    mlopslab("grade", "downloads", "--out", "grades", "--roster", "roster.csv", "--term", "term.toml",
             "--extra-checks", "extra_checks.py", *LIMITS, cwd=week["root"])
    assert _gradebook(week["root"]) == week["after"]
