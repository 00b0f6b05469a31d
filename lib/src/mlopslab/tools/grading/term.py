"""The term file: due dates per lab, extensions per student, the late policy, and each lab's assignment in the LMS.

A TOML file (``mlopslab grade ... --term term.toml``; docs/grading.md has the full example)::

    [term]
    name = "MLOps, spring 2026"
    timezone = "Europe/Berlin"        # due dates and LMS times written without an offset are in this zone

    [late]
    percent_per_day = 10              # deducted per day, or part of a day, after the due date
    max_percent = 50                  # the cap
    grace_minutes = 15                # up to this much after the due date counts as on time
    of = "earned"                     # a share of the points "earned", or of the lab's "possible" points
    refuse_after_days = 0             # more days late than this: 0 points (0 = never)
    unknown_time_days = 1             # the LMS says "late" but gives no time (Canvas): count this many days

    [labs.02]
    due = 2026-03-06T23:59:00
    title = "Lab 02: Scrum and the AI roles"   # the assignment's name in the LMS (default: from course/labs.toml)
    canvas_id = 734502                # the Canvas assignment id (its gradebook column "Title (734502)")

    [[extensions]]
    student = "jane.doe@uni.example"  # an e-mail, an LMS id, or the gradebook's student key
    lab = "02"
    days = 3                          # or: until = 2026-03-09T23:59:00

Nothing here changes a cached grade: the penalty is applied each time the gradebook is written, so a corrected
term file takes effect with the next ``mlopslab grade`` (every submission skipped as unchanged) or ``mlopslab review``.
"""

from __future__ import annotations

import math
import tomllib
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError


class TermError(ValueError):
    """A term file that cannot be used; the message names the file and the entry."""


@dataclass(frozen=True)
class LatePolicy:
    """How late work loses points."""

    percent_per_day: float = 0.0
    max_percent: float = 100.0
    grace_minutes: float = 0.0
    of: str = "earned"
    refuse_after_days: int = 0
    unknown_time_days: int = 1


@dataclass(frozen=True)
class Extension:
    student: str
    lab: str
    until: datetime | None = None
    days: float = 0.0


@dataclass(frozen=True)
class LabTerm:
    """One lab in this term: its due date and its assignment in the LMS."""

    due: datetime | None = None
    title: str = ""
    canvas_id: str = ""
    moodle_cmid: str = ""
    gradescope_id: str = ""


@dataclass(frozen=True)
class Term:
    name: str = ""
    timezone: str = "UTC"
    late: LatePolicy = LatePolicy()
    labs: dict[str, LabTerm] = field(default_factory=dict)
    extensions: tuple[Extension, ...] = ()
    path: str = ""

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def lab(self, lab: str) -> LabTerm:
        return self.labs.get(lab, LabTerm())

    def due(self, lab: str, identities: set[str]) -> tuple[datetime | None, str]:
        """(the due date for this student, '' or the extension that set it)."""
        base = self.lab(lab).due
        for ext in self.extensions:
            if ext.lab == lab and ext.student.strip().lower() in identities:
                if ext.until is not None:
                    return ext.until, f"extension to {_show(ext.until, self.zone)}"
                if base is not None:
                    return base + timedelta(days=ext.days), f"extension of {ext.days:g} day(s)"
        return base, ""


@dataclass(frozen=True)
class Late:
    """The late verdict for one student and lab: days late, the percentage and points deducted, and why."""

    days: int = 0
    percent: float = 0.0
    penalty: float = 0.0
    note: str = ""


def _when(value, zone: ZoneInfo, where: str) -> datetime:
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=zone)
    if isinstance(value, date):
        return datetime.combine(value, time(23, 59), tzinfo=zone)
    if isinstance(value, str):
        try:
            return _when(datetime.fromisoformat(value), zone, where)
        except ValueError as err:
            raise TermError(f"{where}: {value!r} is not a date and time like 2026-03-06T23:59:00") from err
    raise TermError(f"{where}: give a date and time like 2026-03-06T23:59:00, not {value!r}")


def _show(moment: datetime, zone: ZoneInfo) -> str:
    return moment.astimezone(zone).strftime("%Y-%m-%d %H:%M %Z").strip()


def _policy(data: dict, where: str) -> LatePolicy:
    known = set(LatePolicy.__dataclass_fields__)
    unknown = set(data) - known
    if unknown:
        raise TermError(f"{where} [late]: unknown keys {sorted(unknown)} (known: {sorted(known)})")
    policy = LatePolicy(**data)
    if policy.of not in ("earned", "possible"):
        raise TermError(f"{where} [late]: of = 'earned' or 'possible', not {policy.of!r}")
    if policy.percent_per_day < 0 or not 0 <= policy.max_percent <= 100:
        raise TermError(f"{where} [late]: percent_per_day >= 0 and 0 <= max_percent <= 100")
    return policy


def read_term(path: Path | str) -> Term:
    """Load a term file; TermError naming the entry when something is wrong."""
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as err:
        raise TermError(f"{path}: cannot read the term file: {err}") from err
    head = data.get("term", {})
    try:
        zone = ZoneInfo(head.get("timezone", "UTC"))
    except (ZoneInfoNotFoundError, ValueError) as err:
        raise TermError(f"{path} [term]: unknown timezone {head.get('timezone')!r}") from err
    labs = {}
    for number, entry in data.get("labs", {}).items():
        if not (len(number) == 2 and number.isdigit()):
            raise TermError(f"{path}: [labs.{number}]: labs are two digits, e.g. [labs.02]")
        where = f"{path} [labs.{number}]"
        due = _when(entry["due"], zone, where) if "due" in entry else None
        labs[number] = LabTerm(due, str(entry.get("title", "")), str(entry.get("canvas_id", "")),
                               str(entry.get("moodle_cmid", "")), str(entry.get("gradescope_id", "")))
    extensions = []
    for i, entry in enumerate(data.get("extensions", [])):
        where = f"{path} [[extensions]] #{i + 1}"
        if "student" not in entry or "lab" not in entry or ("until" in entry) == ("days" in entry):
            raise TermError(f"{where}: give student, lab and either until or days")
        until = _when(entry["until"], zone, where) if "until" in entry else None
        extensions.append(Extension(str(entry["student"]), str(entry["lab"]).zfill(2), until,
                                    float(entry.get("days", 0))))
    return Term(str(head.get("name", "")), zone.key, _policy(data.get("late", {}), str(path)), labs,
                tuple(extensions), str(path))


def parse_time(text: str, zone: ZoneInfo) -> datetime | None:
    """A submission time as an LMS writes it (ISO 8601, or Moodle's "Friday, 6 March 2026, 11:58 PM"); None if blank."""
    text = (text or "").strip()
    if not text or text == "-":
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        from dateutil import parser

        try:
            moment = parser.parse(text)
        except (ValueError, OverflowError):
            return None
    return moment if moment.tzinfo else moment.replace(tzinfo=zone)


def assess(term: Term, lab: str, identities: set[str], submitted: datetime | None, lms_late: bool,
           earned: float, possible: float) -> Late:
    """The late verdict for one lab of one student under the term's policy."""
    due, extension = term.due(lab, identities)
    policy, zone = term.late, term.zone
    if due is None:
        return Late()
    with_ext = f" (with an {extension})" if extension else ""
    if submitted is None:
        if not lms_late:
            return Late()
        if extension:
            return Late(note=f"the LMS marks it late but gives no time; with the {extension} no penalty is applied "
                             "(check the time by hand)")
        days, when = policy.unknown_time_days, "the LMS marks it late but gives no time"
    else:
        seconds = (submitted - due).total_seconds()
        if seconds <= policy.grace_minutes * 60:
            return Late(note=f"on time: handed in {_show(submitted, zone)}, due {_show(due, zone)}{with_ext}")
        days = math.ceil(seconds / 86400)
        when = f"handed in {_show(submitted, zone)}, due {_show(due, zone)}{with_ext}"
    basis = earned if policy.of == "earned" else possible
    late = f"{days} day{'' if days == 1 else 's'} late: {when}"
    if policy.refuse_after_days and days > policy.refuse_after_days:
        return Late(days, 100.0, round(earned, 4),
                    f"{late}; more than {policy.refuse_after_days} days late counts 0 points")
    percent = min(policy.percent_per_day * days, policy.max_percent)
    penalty = round(min(basis * percent / 100, earned), 4)
    capped = " (the cap)" if percent == policy.max_percent and policy.percent_per_day * days > percent else ""
    what = "of the points earned" if policy.of == "earned" else "of the lab's points"
    return Late(days, percent, penalty, f"{late}; -{percent:g}%{capped} {what} = -{penalty:g} points")
