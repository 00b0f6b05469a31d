"""LMS downloads in (named as Canvas, Moodle and Gradescope name them, zipped or unpacked), grade files and feedback
bundles out, the roster, and safe unpacking. Nothing is executed here: tests/integration/test_term_lms.py grades.
"""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path
from zoneinfo import ZoneInfo

import lms_fixtures as fx
import pytest
from mlopslab.tools.grading import book, command, intake
from mlopslab.tools.grading.archives import ArchiveError, unpack
from mlopslab.tools.grading.batch import known_labs
from mlopslab.tools.grading.lms import Origin, systems
from mlopslab.tools.grading.roster import Person, RosterError, read_roster
from mlopslab.tools.grading.score import ExerciseGrade, SubmissionGrade
from mlopslab.tools.grading.term import read_term

BERLIN = ZoneInfo("Europe/Berlin")
EMAILS = {"jane.doe@uni.example", "omar.haddad@uni.example", "li.wei@uni.example"}


def _collected(tmp_path: Path, lms: str, unpacked: bool):
    downloads, roster_path, _ = fx.downloads(tmp_path, lms)
    if unpacked:
        fx.unzipped(next(downloads.glob("*.zip")))
    subs, found = command._collect(downloads, tmp_path / "out", known_labs(), read_roster(roster_path), BERLIN)
    return subs, found


@pytest.mark.parametrize("unpacked", [False, True], ids=["zip", "unpacked"])
@pytest.mark.parametrize("lms", ["canvas", "moodle", "gradescope"])
def test_each_download_gives_one_lab02_submission_per_student(tmp_path, lms, unpacked) -> None:
    subs, found = _collected(tmp_path, lms, unpacked)
    assert {s.student for s in subs} == EMAILS, [(s.student, s.problem) for s in subs]
    assert {(s.lab, s.problem, s.origin.lms) for s in subs} == {("02", "", lms)}
    people = found.people
    assert people["omar.haddad@uni.example"].name in ("Omar Haddad", "Haddad, Omar")
    assert people["jane.doe@uni.example"].sis_user_id == "S2026001"  # from the roster, whatever the LMS gave


def test_canvas_names_give_ids_and_the_late_mark(tmp_path) -> None:
    subs, _ = _collected(tmp_path, "canvas", False)
    origin = {s.student: s.origin for s in subs}
    assert origin["omar.haddad@uni.example"].late and not origin["jane.doe@uni.example"].late
    assert (origin["omar.haddad@uni.example"].canvas_id, origin["omar.haddad@uni.example"].attachment,
            origin["omar.haddad@uni.example"].prefix) == ("52302", "991002", "haddadomar_late")
    assert origin["li.wei@uni.example"].submitted_at == ""  # Canvas's zip holds no time
    assert {s.path.name for s in subs} == {"02_scrum_and_ai_roles.ipynb", "lab02-1.ipynb", "Lab 02 scrum.ipynb"}
    assert origin["li.wei@uni.example"].late and origin["li.wei@uni.example"].prefix == "weili_late"


def test_moodle_times_come_from_the_grading_worksheet(tmp_path) -> None:
    subs, _ = _collected(tmp_path, "moodle", True)
    origin = {s.student: s.origin for s in subs}
    assert origin["omar.haddad@uni.example"].participant == "1100002"
    assert origin["omar.haddad@uni.example"].submitted_at == "2026-03-08T10:30:00+01:00"
    assert origin["li.wei@uni.example"].prefix == "Li Wei_1100003"


def test_gradescope_times_and_ids_come_from_the_metadata(tmp_path) -> None:
    subs, _ = _collected(tmp_path, "gradescope", False)
    origin = {s.student: s.origin for s in subs}
    assert origin["jane.doe@uni.example"].submitted_at == "2026-03-06T21:12:44.123456+01:00"
    assert (origin["omar.haddad@uni.example"].sid, origin["omar.haddad@uni.example"].submission) == \
        ("S2026002", "submission_302")


def test_gradescope_group_submission_counts_for_each_submitter(tmp_path) -> None:
    export = tmp_path / "assignment_9_export"
    (export / "submission_7").mkdir(parents=True)
    (export / "submission_7" / "02_scrum_and_ai_roles.ipynb").write_text(json.dumps(fx.notebook("jane")))
    (export / "submission_metadata.yml").write_text(
        "submission_7:\n  :submitters:\n  - :name: A One\n    :sid: '1'\n    :email: a@x.example\n"
        "  - :name: B Two\n    :sid: '2'\n    :email: b@x.example\n  :created_at: 2026-03-06 10:00:00 +01:00\n")
    found = intake.gather(tmp_path, tmp_path / "staging", None, BERLIN)
    assert set(found.people) == {"a@x.example", "b@x.example"}
    assert {o.group for o in found.origins.values()} == {("b@x.example",), ("a@x.example",)}


def test_older_layouts_still_work_beside_a_download(tmp_path) -> None:
    downloads, roster_path, _ = fx.downloads(tmp_path, "canvas")
    (downloads / "alice").mkdir()
    (downloads / "alice" / "02_scrum_and_ai_roles.ipynb").write_text(json.dumps(fx.notebook("li")))
    (downloads / "bob__02_scrum_and_ai_roles.ipynb").write_text(json.dumps(fx.notebook("li")))
    subs, _ = command._collect(downloads, tmp_path / "out", known_labs(), read_roster(roster_path), BERLIN)
    assert {s.student for s in subs} == EMAILS | {"alice", "bob"}
    assert all(s.origin is None for s in subs if s.student in ("alice", "bob"))


def test_a_zip_of_student_folders_is_read_as_folders(tmp_path) -> None:
    downloads = tmp_path / "downloads"
    downloads.mkdir()
    with zipfile.ZipFile(downloads / "week2.zip", "w") as z:
        z.writestr("alice/02_scrum_and_ai_roles.ipynb", json.dumps(fx.notebook("li")))
    subs, _ = command._collect(downloads, tmp_path / "out", known_labs(), None, BERLIN)
    assert [(s.student, s.lab, s.origin) for s in subs] == [("alice", "02", None)]


def test_a_student_in_a_folder_and_a_download_is_a_duplicate(tmp_path) -> None:
    downloads, roster_path, _ = fx.downloads(tmp_path, "canvas")
    (downloads / "jane.doe@uni.example").mkdir()
    (downloads / "jane.doe@uni.example" / "lab02.ipynb").write_text(json.dumps(fx.notebook("jane")))
    subs, _ = command._collect(downloads, tmp_path / "out", known_labs(), read_roster(roster_path), BERLIN)
    jane = [s for s in subs if s.student == "jane.doe@uni.example"]
    assert len(jane) == 1 and jane[0].status == "duplicate"


def test_rosters_as_the_systems_export_them(tmp_path) -> None:
    canvas = read_roster(fx.roster_csv(tmp_path / "canvas.csv", "canvas"))
    jane = canvas.find(name="Jane Doe")
    assert (jane.name, jane.canvas_id, jane.sis_user_id, jane.sis_login_id, jane.email) == \
        ("Doe, Jane", "52301", "S2026001", "jdoe", "jane.doe@uni.example")
    assert canvas.find(canvas_id="52302").email == "omar.haddad@uni.example"
    gradescope = read_roster(fx.roster_csv(tmp_path / "gs.csv", "gradescope"))
    assert gradescope.find(sis_user_id="s2026003").name == "Li Wei"
    assert gradescope.by_identity("zoe.kim@uni.example").key == "zoe.kim@uni.example"
    (tmp_path / "bad.csv").write_text("colour,size\nred,3\n")
    with pytest.raises(RosterError, match="no name or e-mail column"):
        read_roster(tmp_path / "bad.csv")


@pytest.mark.parametrize("member", ["../escaped.ipynb", "/etc/escaped.ipynb", "a/../../escaped.ipynb"])
def test_a_zip_cannot_write_outside_its_folder(tmp_path, member) -> None:
    archive = tmp_path / "evil.zip"
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr(member, "{}")
    with pytest.raises(ArchiveError, match="outside"):
        unpack(archive, tmp_path / "target")
    assert not (tmp_path / "escaped.ipynb").exists()


def test_macos_metadata_is_skipped(tmp_path) -> None:
    archive = tmp_path / "ok.zip"
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("__MACOSX/._a.ipynb", "x")
        z.writestr("a/._b.ipynb", "x")
        z.writestr("a/b.ipynb", "{}")
    assert [p.relative_to(tmp_path / "t").as_posix() for p in unpack(archive, tmp_path / "t")] == ["a/b.ipynb"]


# --- exports, from a made-up graded batch -----------------------------------------------------------------------

def _book(tmp_path: Path) -> book.Book:
    rows = [ExerciseGrade("02.burndown", "The burndown", 3.0, 3.0, "correct", "Right."),
            ExerciseGrade("02.retrospective", "Retro", 4.0, 6.0, "reviewed", "Scored by a grader.", kind="written")]
    grades = [SubmissionGrade("jane.doe@uni.example", "02", "x", "ok", exercises=rows, penalty=0.7,
                              late="1 day(s) late: -10%"),
              SubmissionGrade("zoe.kim@uni.example", "02", "", "not-submitted",
                              exercises=[ExerciseGrade("02.burndown", "The burndown", 0, 3.0, "missing", "")])]
    people = {"jane.doe@uni.example": Person("Jane Doe", "jane.doe@uni.example", "52301", "S2026001", "jdoe", "A"),
              "zoe.kim@uni.example": Person("Zoe Kim", "zoe.kim@uni.example", "52304", "S2026004", "zkim", "A")}
    origins = {"jane.doe@uni.example|02": Origin("canvas", canvas_id="52301", attachment="991001", prefix="doejane",
                                                 participant="1100001", submitted_at="2026-03-07T10:00:00+01:00",
                                                 sid="S2026001")}
    term = tmp_path / "term.toml"
    term.write_text(fx.TERM)
    return book.Book(tmp_path, grades, people, origins, read_term(term))


def test_canvas_gradebook_import(tmp_path) -> None:
    graded = _book(tmp_path)
    systems()["canvas"].write_import(graded, tmp_path)
    rows = list(csv.reader(open(tmp_path / "canvas-grades.csv", encoding="utf-8")))
    assert rows[0] == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section",
                       "Lab 02: Scrum and the AI project roles (734502)"]
    assert rows[1] == ["Points Possible", "", "", "", "", "9"]
    assert rows[2] == ["Doe, Jane", "52301", "S2026001", "jdoe", "A", "6.3"]  # 7 raw less the 0.7 penalty
    assert rows[3][:2] == ["Kim, Zoe", "52304"] and rows[3][-1] == "0"


def test_canvas_feedback_names_follow_the_reupload_rule(tmp_path) -> None:
    graded = _book(tmp_path)
    (bundle,) = systems()["canvas"].write_feedback(graded, tmp_path)
    (name,) = zipfile.ZipFile(bundle).namelist()
    numbers = [part for part in name.split("_") if part.isdigit()]
    assert numbers[:2] == ["52301", "991001"] and name.endswith(".html")  # user id, then the uploaded file's id


def test_moodle_worksheet_and_gradebook_and_feedback_folders(tmp_path) -> None:
    graded = _book(tmp_path)
    graded.origins["jane.doe@uni.example|02"] = Origin("moodle", name="Jane Doe", prefix="Jane Doe_1100001",
                                                       participant="1100001", email="jane.doe@uni.example",
                                                       submitted_at="2026-03-07T10:00:00+01:00")
    systems()["moodle"].write_import(graded, tmp_path)
    sheet = list(csv.DictReader(open(tmp_path / "moodle-worksheet-lab02.csv", encoding="utf-8")))
    assert [(r["Identifier"], r["Grade"], r["Maximum Grade"]) for r in sheet] == [("Participant 1100001", "6.3", "9")]
    assert {"Identifier", "Grade", "Last modified (grade)", "Feedback comments"} <= set(sheet[0])
    assert "late penalty 0.7" in sheet[0]["Feedback comments"]
    gradebook = list(csv.reader(open(tmp_path / "moodle-gradebook.csv", encoding="utf-8")))
    assert gradebook[0][0] == "Email address" and ["jane.doe@uni.example", "6.3"] in gradebook
    (bundle,) = systems()["moodle"].write_feedback(graded, tmp_path)
    assert zipfile.ZipFile(bundle).namelist() == ["Jane Doe_1100001_assignfeedback_file/feedback-lab02.html"]


def test_gradescope_autograder_posts_the_grade_and_feedback(tmp_path) -> None:
    graded = _book(tmp_path)
    written = systems()["gradescope"].write_import(graded, tmp_path)
    autograder = next(p for p in written if p.suffix == ".zip")
    root = tmp_path / "autograder"
    with zipfile.ZipFile(autograder) as z:
        assert {"setup.sh", "run_autograder"} <= set(z.namelist())  # at the root, as Gradescope requires
        assert z.getinfo("run_autograder").external_attr >> 16 & 0o111
        z.extractall(root / "source")
    (root / "submission_metadata.json").write_text(json.dumps({"users": [{"email": "Jane.Doe@uni.example",
                                                                          "name": "Jane Doe"}]}))
    subprocess.run([sys.executable, str(root / "source" / "run_autograder")], check=True,
                   env={**os.environ, "AUTOGRADER_ROOT": str(root)})
    results = json.loads((root / "results" / "results.json").read_text())
    assert results["score"] == 6.3 and "late" in results["output"]
    assert [(t["name"].split()[0], t["score"], t["max_score"]) for t in results["tests"]] == \
        [("02.2", 3.0, 3.0), ("02.retrospective", 4.0, 6.0), ("late", -0.7, 0)]
    assert results["tests"][0]["name"].startswith("02.2 (02.burndown) ")  # the heading's number, then the id
    scores = list(csv.reader(io.StringIO((tmp_path / "gradescope-scores-lab02.csv").read_text())))
    assert scores[0] == ["Name", "SID", "Email", "Score", "Max Points"] and scores[1][:2] == ["Jane Doe", "S2026001"]


@pytest.mark.parametrize("name", ["..", ".", "../../etc", ".hidden", "a/../../b", "/", "  "])
def test_a_students_name_never_becomes_a_path_out_of_the_output_folder(name, tmp_path) -> None:
    from mlopslab.tools.grading.collect import slug

    made = slug(name)
    assert made and "/" not in made and not made.startswith(".")
    assert (tmp_path / "executed" / made).resolve().parent == (tmp_path / "executed").resolve()
