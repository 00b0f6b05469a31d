"""A small class of lab-02 submissions as Canvas, Moodle and Gradescope hand them out, named as each system names
its "download all submissions" files and folders (see docs/grading.md for the sources), with a roster and a term.

Each class: ``jane`` hands in the reference solutions and a written retrospective on time, ``omar`` the solutions but
a wrong burndown and a written retrospective on Sunday, a day and a half late (Canvas gives no time, only its LATE
mark), ``li`` the solutions with the written cell left as the prompt, two minutes before the deadline (Canvas marks
her LATE: its own due date was earlier); ``zoe`` is on the roster and hands in nothing. Omar has a one-day extension,
so he is one day late.
"""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

from mlopslab.rubrics import cell_id
from mlopslab.tools import answers, notebooks

LAB = "02"
WRITTEN = "02.retrospective"
RETRO = {
    "jane": ("* **Start:** ordering stories by their dependencies: S02 could not start for most of the sprint because "
             "the story it needs was open.\n* **Stop:** committing 16 points when we finish 8.\n* **Continue:** the "
             "daily stand-up, which showed every blocker the same morning.\n* **First action:** the Scrum Master "
             "checks dependencies at planning and we look at waits again at the next retrospective.\n"),
    "omar": ("Start removing impediments at the source, the database was down. Stop over-committing, half the points "
             "were not done. Continue the stand-ups. Action: ask the DBA for a maintenance window.\n"),
}
PEOPLE = {  # key: (full name, e-mail, Canvas id, SIS user id, SIS login id)
    "jane": ("Jane Doe", "jane.doe@uni.example", "52301", "S2026001", "jdoe"),
    "omar": ("Omar Haddad", "omar.haddad@uni.example", "52302", "S2026002", "ohaddad"),
    "li": ("Li Wei", "li.wei@uni.example", "52303", "S2026003", "lwei"),
    "zoe": ("Zoe Kim", "zoe.kim@uni.example", "52304", "S2026004", "zkim"),
}
TERM = '''[term]
name = "MLOps, spring 2026"
timezone = "Europe/Berlin"

[late]
percent_per_day = 10
max_percent = 50
grace_minutes = 15
unknown_time_days = 1

[labs.02]
due = 2026-03-06T23:59:00
canvas_id = 734502

[[extensions]]
student = "omar.haddad@uni.example"
lab = "02"
days = 1
'''


def notebook(student: str) -> dict:
    """Lab 02 as ``student`` hands it in."""
    lab_path = notebooks.lab_paths([LAB])[0]
    chosen = answers.chosen(LAB, "solution")
    if student == "omar":
        chosen["02.burndown"] = answers.chosen(LAB, "wrong")["02.burndown"]
    nb = json.loads(json.dumps(notebooks.with_answers(notebooks.read(lab_path), chosen)))
    if student in RETRO:
        for cell in nb["cells"]:
            if cell["id"] == cell_id(WRITTEN):
                cell["source"] = RETRO[student]
    return nb


def roster_csv(path: Path, style: str) -> Path:
    """The roster as the LMS exports it (Canvas: gradebook columns plus e-mail; Gradescope: Full Name, Email, SID)."""
    if style == "gradescope":
        rows = ["Full Name,Email,SID"] + [f"{n},{e},{sid}" for n, e, _, sid, _ in PEOPLE.values()]
    else:
        rows = ["Student,ID,SIS User ID,SIS Login ID,Section,Email"]
        rows += [f'"{n.split()[1]}, {n.split()[0]}",{cid},{sid},{login},Section A,{e}'
                 for n, e, cid, sid, login in PEOPLE.values()]
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return path


def _dump(nb: dict) -> str:
    return json.dumps(nb, indent=1)


def canvas(folder: Path) -> Path:
    """``<course>-<assignment>_submissions.zip``: ``<name>[_late]_<user id>_<attachment id>_<file name>``, flat."""
    path = folder / "MLOPS101-lab-02-scrum-and-ai-roles_submissions.zip"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("doejane_52301_991001_02_scrum_and_ai_roles.ipynb", _dump(notebook("jane")))
        z.writestr("haddadomar_late_52302_991002_lab02-1.ipynb", _dump(notebook("omar")))
        z.writestr("weili_late_52303_991003_Lab 02 scrum.ipynb", _dump(notebook("li")))
    return path


def moodle(folder: Path) -> Path:
    """``<course>-<assignment>-<cmid>.zip`` with ``<Full name>_<participant>_assignsubmission_file/`` folders, and the
    grading worksheet ``Grades-<course>-<assignment>-<cmid>.csv`` (submission times) beside it."""
    path = folder / "MLOPS101-Lab 02 Scrum and AI roles-4242.zip"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("Jane Doe_1100001_assignsubmission_file/02_scrum_and_ai_roles.ipynb", _dump(notebook("jane")))
        z.writestr("Omar Haddad_1100002_assignsubmission_file/lab02.ipynb", _dump(notebook("omar")))
        z.writestr("Omar Haddad_1100002_assignsubmission_file/notes.txt", "my notes")
        z.writestr("Li Wei_1100003_assignsubmission_file/02_scrum_and_ai_roles.ipynb", _dump(notebook("li")))
    sheet = folder / "Grades-MLOPS101-Lab 02 Scrum and AI roles-4242.csv"
    sheet.write_text(
        "Identifier,Full name,Email address,Status,Grade,Maximum Grade,Grade can be changed,"
        "Last modified (submission),Last modified (grade),Feedback comments\n"
        "Participant 1100001,Jane Doe,jane.doe@uni.example,Submitted for grading,,100.00,Yes,"
        '"Friday, 6 March 2026, 9:12 PM",-,\n'
        "Participant 1100002,Omar Haddad,omar.haddad@uni.example,Submitted for grading,,100.00,Yes,"
        '"Sunday, 8 March 2026, 10:30 AM",-,\n'
        "Participant 1100003,Li Wei,li.wei@uni.example,Submitted for grading,,100.00,Yes,"
        '"Friday, 6 March 2026, 11:58 PM",-,\n'
        "Participant 1100004,Zoe Kim,zoe.kim@uni.example,No submission,,100.00,Yes,-,-,\n", encoding="utf-8")
    return path


def gradescope(folder: Path) -> Path:
    """The assignment export: ``assignment_<id>_export/`` with ``submission_metadata.yml`` and ``submission_<id>/``."""
    root = "assignment_2345678_export"
    metadata = """submission_301:
  :submitters:
  - :name: Jane Doe
    :sid: 'S2026001'
    :email: jane.doe@uni.example
  :created_at: 2026-03-06 21:12:44.123456000 +01:00
  :score: 0.0
submission_302:
  :submitters:
  - :name: Omar Haddad
    :sid: 'S2026002'
    :email: omar.haddad@uni.example
  :created_at: 2026-03-08 10:30:00.000000000 +01:00
  :score: !ruby/object:BigDecimal 18:0.0
submission_303:
  :submitters:
  - :name: Li Wei
    :sid: 'S2026003'
    :email: li.wei@uni.example
  :created_at: 2026-03-06 23:58:10.000000000 +01:00
"""
    path = folder / f"{root}.zip"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr(f"{root}/submission_metadata.yml", metadata)
        z.writestr(f"{root}/submission_301/02_scrum_and_ai_roles.ipynb", _dump(notebook("jane")))
        z.writestr(f"{root}/submission_302/02_scrum_and_ai_roles.ipynb", _dump(notebook("omar")))
        z.writestr(f"{root}/submission_303/02_scrum_and_ai_roles.ipynb", _dump(notebook("li")))
    return path


BUILDERS = {"canvas": canvas, "moodle": moodle, "gradescope": gradescope}


def downloads(folder: Path, lms: str) -> tuple[Path, Path, Path]:
    """(DOWNLOADS with the LMS's zip, the roster, the term file) under ``folder``."""
    downloads_dir = folder / "downloads"
    downloads_dir.mkdir(parents=True)
    BUILDERS[lms](downloads_dir)
    roster = roster_csv(folder / "roster.csv", "gradescope" if lms == "gradescope" else "canvas")
    term = folder / "term.toml"
    term.write_text(TERM, encoding="utf-8")
    return downloads_dir, roster, term


def unzipped(archive: Path) -> Path:
    """The download unpacked beside the zip (as a person double-clicking it would), the zip removed."""
    target = archive.with_suffix("")
    with zipfile.ZipFile(archive) as z:
        z.extractall(target)
    archive.unlink()
    return target

