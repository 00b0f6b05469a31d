"""A grader scores two written answers through the review page, from the keyboard, in a real browser.

``mlopslab review`` serves a graded batch of lab 02 (two students' retrospectives waiting for a grader, written here
as the grader would have left them, so nothing is executed); headless Chromium (Debian's ``chromium``) driven by
Playwright opens the page, scores each criterion with digit keys, writes a comment, saves with Enter; the scores reach
``reviews.json``, the gradebook and the feedback pages. Also: the page refuses a wrong token, refuses a score the rubric
does not allow, and ``--blind`` sends no name at all. Marked ``browser`` (deselected by default; CI selects it).
"""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from pathlib import Path

import lms_fixtures as fx
import pytest
import requests
from live_jupyter import free_port, stop_group, wait_for
from mlopslab import rubrics
from mlopslab.tools.grading import book
from mlopslab.tools.grading.roster import Person
from mlopslab.tools.grading.score import ExerciseGrade, SubmissionGrade
from mlopslab.tools.grading.written import NEEDS_REVIEW, PENDING

pytestmark = pytest.mark.browser

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage"]
TIMEOUT_MS = 60_000  # a bound on failure on a busy machine, never a measured figure
TOKEN = "review-test-token"
STUDENTS = {"jane.doe@uni.example": ("Jane Doe", fx.RETRO["jane"]), "omar.haddad@uni.example": ("Omar Haddad",
                                                                                                 fx.RETRO["omar"])}


def graded_batch(out: Path) -> Path:
    """A graded batch of lab 02 as `mlopslab grade` leaves it: two retrospectives waiting for a grader."""
    rubric = rubrics.get(fx.WRITTEN)
    grades = [SubmissionGrade(key, "02", "02_scrum_and_ai_roles.ipynb", "ok", exercises=[
        ExerciseGrade("02.burndown", "The burndown", 3.0, 3.0, "correct", "Right."),
        ExerciseGrade(rubric.id, rubric.title, 0.0, rubric.points, NEEDS_REVIEW, PENDING, source=text, kind="written")])
        for key, (_, text) in STUDENTS.items()]
    people = {key: Person(name=name, email=key) for key, (name, _) in STUDENTS.items()}
    book.save(out, grades, people, {})
    book.write_reports(book.load(out))
    return out


def serve(out: Path, *flags: str):
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "mlopslab", "review", str(out), "--port", str(port), "--token",
                             TOKEN, "--no-browser", "--grader", "TA", *flags],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True)
    url = f"http://127.0.0.1:{port}/"
    wait_for(lambda: requests.get(url, params={"token": TOKEN}, timeout=5).status_code == 200, "the review page",
             timeout=60)
    return proc, url


@pytest.fixture
def review_server(tmp_path):
    proc, url = serve(graded_batch(tmp_path / "grades"))
    try:
        yield tmp_path / "grades", url
    finally:
        stop_group(proc)


@pytest.fixture
def page(tmp_path):
    sync_api = pytest.importorskip("playwright.sync_api")
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: apt-get install -y chromium")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1300, "height": 1000})
            page.set_default_timeout(TIMEOUT_MS)
            yield page
        finally:
            browser.close()


def test_a_grader_scores_two_answers_from_the_keyboard(review_server, page, tmp_path) -> None:
    out, url = review_server
    errors: list[str] = []
    page.on("pageerror", lambda err: errors.append(str(err)))
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.goto(f"{url}?token={TOKEN}")
    page.wait_for_selector("body[data-ready='1']")
    assert page.locator("#left").inner_text() == "2 to score"

    # the first answer of the question, across the class: Jane's (by student key)
    assert "Jane Doe" in page.locator("#who").inner_text()
    assert "S02 could not start" in page.locator("#answer").inner_text()
    assert page.locator(".crit").count() == 4
    for key in ("2", "2", "1", "1"):  # each digit scores the chosen criterion and moves to the next
        page.keyboard.press(key)
    assert page.locator("#total").inner_text() == "6 / 6"
    page.keyboard.press("c")
    page.keyboard.type("Every item has its evidence.")
    page.keyboard.press("Escape")
    page.keyboard.press("Enter")
    page.wait_for_function("() => document.querySelector('#left').innerText === '1 to score'")

    # the next answer to score: Omar's; back up a criterion with the arrow keys, add half points with h
    assert "Omar Haddad" in page.locator("#who").inner_text()
    for key in ("1", "ArrowUp", "h", "h", "ArrowDown", "1", "0", "1"):  # start 1 -> 1.5 -> 2; stop 1, continue 0, action 1
        page.keyboard.press(key)
    assert page.locator("#total").inner_text() == "4 / 6"
    page.keyboard.press("c")
    page.keyboard.type("Name the facts behind each item.")
    page.keyboard.press("Control+Enter")
    page.wait_for_function("() => document.querySelector('#left').innerText === '0 to score'")
    page.screenshot(path=str(tmp_path / "review.png"))
    assert not errors, errors

    saved = json.loads((out / "reviews.json").read_text())
    assert saved["jane.doe@uni.example|02.retrospective"]["scores"] == {"start": 2, "stop": 2, "continue": 1,
                                                                       "action": 1}
    assert saved["omar.haddad@uni.example|02.retrospective"]["scores"] == {"start": 2, "stop": 1, "continue": 0,
                                                                           "action": 1}
    assert saved["omar.haddad@uni.example|02.retrospective"]["grader"] == "TA"
    with open(out / "gradebook.csv", newline="", encoding="utf-8") as handle:
        gradebook = {row["student"]: row for row in csv.DictReader(handle)}
    assert gradebook["jane.doe@uni.example"]["02.retrospective"] == "6"
    assert gradebook["omar.haddad@uni.example"]["lab 02"] == "7"  # 3 for the burndown, 4 for the retrospective
    feedback = (out / "feedback" / "omar.haddad_uni.example.html").read_text(encoding="utf-8")
    assert "Name the facts behind each item." in feedback and "scored by a grader" in feedback


def test_the_server_refuses_what_it_must(review_server) -> None:
    out, url = review_server
    assert requests.get(url, timeout=5).status_code == 403
    assert requests.get(url + "api/queue", params={"token": "wrong"}, timeout=5).status_code == 403
    items = requests.get(url + "api/queue", headers={"X-Token": TOKEN}, timeout=5).json()["items"]
    first = items[0]["id"]
    too_many = requests.post(url + "api/review", headers={"X-Token": TOKEN}, timeout=5,
                             json={"id": first, "scores": {"start": 3, "stop": 0, "continue": 0, "action": 0}})
    assert too_many.status_code == 400 and "between 0 and 2" in too_many.json()["error"]
    missing = requests.post(url + "api/review", headers={"X-Token": TOKEN}, timeout=5,
                            json={"id": first, "scores": {"start": 1}})
    assert missing.status_code == 400 and "score every criterion" in missing.json()["error"]
    no_header = requests.post(url + "api/review?token=" + TOKEN, timeout=5, json={"id": first, "scores": {}})
    assert no_header.status_code == 403  # a cross-site form cannot set the header
    assert not (out / "reviews.json").exists()
    html = requests.get(url, params={"token": TOKEN}, timeout=5)
    assert "script-src 'nonce-" in html.headers["Content-Security-Policy"]


def test_blind_review_sends_no_names(tmp_path) -> None:
    out = graded_batch(tmp_path / "grades")
    proc, url = serve(out, "--blind")
    try:
        data = requests.get(url + "api/queue", headers={"X-Token": TOKEN}, timeout=5).text
    finally:
        stop_group(proc)
    assert json.loads(data)["blind"] is True and "Answer 1" in data
    for key, (name, _) in STUDENTS.items():
        assert key not in data and name not in data and key.split("@")[0] not in data
