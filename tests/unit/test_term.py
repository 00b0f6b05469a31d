"""The term file: due dates, extensions and the late policy computed exactly as the file says."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from mlopslab.tools.grading.term import TermError, assess, parse_time, read_term

BERLIN = ZoneInfo("Europe/Berlin")
TERM = '''[term]
timezone = "Europe/Berlin"

[late]
percent_per_day = 10
max_percent = 30
grace_minutes = 15
refuse_after_days = 7
unknown_time_days = 2

[labs.02]
due = 2026-03-06T23:59:00

[labs.03]
due = 2026-03-13T23:59:00+00:00

[[extensions]]
student = "Jane.Doe@uni.example"
lab = "02"
days = 2

[[extensions]]
student = "S2026002"
lab = "02"
until = 2026-03-10T12:00:00
'''


@pytest.fixture
def term(tmp_path):
    path = tmp_path / "term.toml"
    path.write_text(TERM)
    return read_term(path)


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=BERLIN)


@pytest.mark.parametrize("handed_in, days, percent, penalty", [
    ("2026-03-06T23:00", 0, 0, 0),  # on time
    ("2026-03-07T00:10", 0, 0, 0),  # within the 15 minutes' grace
    ("2026-03-07T00:20", 1, 10, 0.8),  # past the grace: a day, or part of one
    ("2026-03-08T23:59", 2, 20, 1.6),  # exactly two days
    ("2026-03-09T00:05", 3, 30, 2.4),  # a little into the third day
    ("2026-03-11T12:00", 5, 30, 2.4),  # capped at 30 %
    ("2026-03-14T12:00", 8, 100, 8.0),  # more than 7 days: nothing counts
])
def test_percent_per_day_with_grace_cap_and_a_last_day(term, handed_in, days, percent, penalty) -> None:
    late = assess(term, "02", {"someone"}, at(handed_in), False, earned=8.0, possible=10.0)
    assert (late.days, late.percent, late.penalty) == (days, percent, penalty), late.note
    assert ("on time" in late.note) == (days == 0)


def test_extensions_by_days_or_until_match_any_identity(term) -> None:
    jane = {"jane.doe@uni.example", "jane doe"}
    assert assess(term, "02", jane, at("2026-03-08T20:00"), False, 8, 10).penalty == 0  # 2 days' extension
    late = assess(term, "02", jane, at("2026-03-09T08:00"), False, 8, 10)
    assert (late.days, late.penalty) == (1, 0.8) and "extension of 2 day(s)" in late.note
    omar = {"s2026002", "omar.haddad@uni.example"}
    assert assess(term, "02", omar, at("2026-03-10T11:00"), False, 8, 10).penalty == 0  # until a fixed time
    assert assess(term, "02", omar, at("2026-03-10T13:00"), False, 8, 10).days == 1
    assert assess(term, "03", omar, at("2026-03-14T01:30"), False, 8, 10).days == 1  # another lab: no extension


def test_time_zones_and_basis(term, tmp_path) -> None:
    # lab 03 is due 23:59 UTC = 00:59 Berlin: 00:30 Berlin is on time
    assert assess(term, "03", set(), at("2026-03-14T00:30"), False, 8, 10).days == 0
    possible = tmp_path / "possible.toml"
    possible.write_text(TERM.replace("grace_minutes = 15", 'grace_minutes = 15\nof = "possible"'))
    late = assess(read_term(possible), "02", set(), at("2026-03-07T12:00"), False, earned=0.5, possible=10.0)
    assert late.penalty == 0.5  # 10 % of the lab's 10 points, but never below 0 points


def test_lms_late_mark_without_a_time(term) -> None:
    late = assess(term, "02", set(), None, True, 8, 10)
    assert (late.days, late.penalty) == (2, 1.6) and "gives no time" in late.note
    assert assess(term, "02", set(), None, False, 8, 10).penalty == 0  # no mark, no time: on time
    extended = assess(term, "02", {"jane.doe@uni.example"}, None, True, 8, 10)
    assert extended.penalty == 0 and "check the time by hand" in extended.note
    assert assess(term, "05", set(), at("2026-09-01T00:00"), True, 8, 10).penalty == 0  # no due date


def test_moodle_and_gradescope_times_are_read() -> None:
    assert parse_time("Friday, 6 March 2026, 11:58 PM", BERLIN) == at("2026-03-06T23:58")
    assert parse_time("2026-03-06 21:12:44.123456 +01:00", BERLIN).utcoffset().total_seconds() == 3600
    assert parse_time("-", BERLIN) is None and parse_time("", BERLIN) is None


@pytest.mark.parametrize("text, problem", [
    ('[late]\nof = "something"\n', "of = 'earned' or 'possible'"),
    ("[late]\nper_day = 10\n", "unknown keys"),
    ("[labs.2]\ndue = 2026-03-06T23:59:00\n", "two digits"),
    ('[[extensions]]\nstudent = "x"\nlab = "02"\n', "either until or days"),
    ('[term]\ntimezone = "Mars/Olympus"\n', "unknown timezone"),
    ('[labs.02]\ndue = "next friday"\n', "not a date and time"),
])
def test_a_bad_term_file_names_the_entry(tmp_path, text, problem) -> None:
    path = tmp_path / "term.toml"
    path.write_text(text)
    with pytest.raises(TermError, match=problem):
        read_term(path)
