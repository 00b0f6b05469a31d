"""The roster: who the students are, with each system's ids, their names and e-mail addresses.

A CSV file (``mlopslab grade ... --roster roster.csv``). Its header may be the course's own or the one the LMS
exports, since the columns are recognised by name (case and spaces do not matter):

============== =====================================================================================
field          header names recognised
============== =====================================================================================
name           ``name``, ``student``, ``full name``, ``student name`` (or ``first name`` + ``last name``)
email          ``email``, ``e-mail``, ``email address``
canvas_id      ``canvas id``, ``canvas user id``, ``id`` (Canvas's gradebook export)
sis_user_id    ``sis user id``, ``sid`` (Gradescope), ``id number`` (Moodle), ``student id``, ``student number``
sis_login_id   ``sis login id``, ``login id``, ``username``
section        ``section``, ``sections``
============== =====================================================================================

So Canvas's gradebook export (Student, ID, SIS User ID, SIS Login ID, Section) and Gradescope's roster export (Full
Name, Email, SID) can be used as they are; add an ``email`` column where the export has none. A person's
**key** (the gradebook's ``student``) is the e-mail address when known, else the first id known, else the name.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass, fields
from pathlib import Path

ALIASES = {
    "name": ("name", "student", "full name", "student name", "fullname"),
    "email": ("email", "e-mail", "email address", "e-mail address", "mail"),
    "canvas_id": ("canvas id", "canvas user id", "id"),
    "sis_user_id": ("sis user id", "sid", "id number", "idnumber", "student id", "student number"),
    "sis_login_id": ("sis login id", "login id", "username", "login"),
    "section": ("section", "sections"),
}
FIRST, LAST = ("first name", "firstname", "given name"), ("last name", "lastname", "surname", "family name")


class RosterError(ValueError):
    """A roster that cannot be used; the message names the file and the row."""


@dataclass(frozen=True)
class Person:
    """One student as the roster (or an LMS archive) knows them."""

    name: str = ""
    email: str = ""
    canvas_id: str = ""
    sis_user_id: str = ""
    sis_login_id: str = ""
    section: str = ""

    @property
    def key(self) -> str:
        """The gradebook's student key: e-mail, else an id, else the name."""
        return (self.email or self.sis_user_id or self.sis_login_id or self.canvas_id or self.name).strip()

    def identities(self) -> set[str]:
        """Every way this person may be named in a term file or an archive, lower-case."""
        return {v.strip().lower() for v in (self.email, self.canvas_id, self.sis_user_id, self.sis_login_id,
                                            self.name, self.key) if v and v.strip()}

    def merged(self, other: Person) -> Person:
        """This person with the blanks filled from ``other``."""
        return Person(**{f.name: getattr(self, f.name) or getattr(other, f.name) for f in fields(Person)})


def name_key(name: str) -> str:
    """A name compared loosely: lower-case letters only, words sorted ("Doe, Jane" == "Jane Doe")."""
    words = re.findall(r"[^\W\d_]+", name.lower())
    return " ".join(sorted(words))


def _column(header: list[str], names: tuple[str, ...]) -> int | None:
    normal = [re.sub(r"\s+", " ", h.strip().lower()) for h in header]
    return next((normal.index(n) for n in names if n in normal), None)


class Roster:
    """The people of a course, found by e-mail, id or name."""

    def __init__(self, people: list[Person], path: str = "") -> None:
        self.people = people
        self.path = path

    def find(self, *, email: str = "", canvas_id: str = "", sis_user_id: str = "", name: str = "") -> Person | None:
        """The one person matching the first given identity that matches anyone; None when none (or many) do."""
        for field_name, value in (("email", email), ("canvas_id", canvas_id), ("sis_user_id", sis_user_id)):
            if value:
                found = [p for p in self.people if getattr(p, field_name).strip().lower() == value.strip().lower()]
                if len(found) == 1:
                    return found[0]
        if name:
            found = [p for p in self.people if p.name and name_key(p.name) == name_key(name)]
            if len(found) == 1:
                return found[0]
        return None

    def by_identity(self, text: str) -> Person | None:
        """The person any of whose identities (e-mail, an id, the name) is ``text``."""
        wanted = text.strip().lower()
        found = [p for p in self.people if wanted in p.identities() or name_key(p.name) == name_key(text)]
        return found[0] if len(found) == 1 else None


def read_roster(path: Path | str) -> Roster:
    """Load a roster CSV (UTF-8, a byte-order mark is fine); RosterError when no column can be recognised."""
    path = Path(path)
    try:
        with open(path, newline="", encoding="utf-8-sig") as handle:
            rows = list(csv.reader(handle))
    except (OSError, UnicodeDecodeError) as err:
        raise RosterError(f"{path}: cannot read the roster: {err}") from err
    if not rows:
        raise RosterError(f"{path}: the roster is empty")
    header, people = rows[0], []
    where = {name: _column(header, names) for name, names in ALIASES.items()}
    first, last = _column(header, FIRST), _column(header, LAST)
    if where["name"] is None and where["email"] is None and (first is None or last is None):
        raise RosterError(f"{path}: no name or e-mail column (recognised headers: "
                          f"{', '.join(n for names in ALIASES.values() for n in names)})")
    for number, row in enumerate(rows[1:], start=2):
        cells = {name: row[i].strip() if i is not None and i < len(row) else "" for name, i in where.items()}
        if not cells["name"] and first is not None and last is not None and max(first, last) < len(row):
            cells["name"] = f"{row[first].strip()} {row[last].strip()}".strip()
        if not any(cells.values()) or "points possible" in cells["name"].lower():
            continue  # blank lines and Canvas's "Points Possible" row
        people.append(Person(**cells))
        if not people[-1].key:
            raise RosterError(f"{path}, row {number}: neither a name, an e-mail nor an id")
    return Roster(people, str(path))
