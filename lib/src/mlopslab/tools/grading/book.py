"""A graded batch as a whole: its grades with the late policy and the reviews applied, and the reports written from it.

``mlopslab grade`` keeps, beside the cached grades, what the reports need again: ``grades.json`` (every grade of the
batch as graded), ``intake.json`` (who each student is and where each submission came from) and ``batch.json`` (the
term file and roster used). :func:`load` reads them back and applies the term's late policy and the reviews of
written answers, so ``mlopslab review`` and ``mlopslab export`` see the same gradebook as the last grading run, and
:func:`write_reports` rewrites gradebook.csv, results.csv, the feedback pages, summary.html and similarity.html.
"""

from __future__ import annotations

import csv
import json
from dataclasses import asdict, dataclass, field, replace
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from .. import catalog
from . import reviews, similarity
from .collect import slug
from .feedback import feedback_page, write_pages
from .lms import Origin
from .report import write_gradebook, write_long
from .roster import Person
from .score import SubmissionGrade
from .term import Term, assess, read_term
from .written import KIND

GRADES, INTAKE, BATCH = "grades.json", "intake.json", "batch.json"


def save(out: Path, grades: list[SubmissionGrade], people: dict[str, Person], origins: dict[str, Origin],
         term: str = "", roster: str = "") -> None:
    """Keep a batch's grades (as graded), identities and origins, and the files that were used, in ``out``."""
    out.mkdir(parents=True, exist_ok=True)
    (out / GRADES).write_text(json.dumps([g.as_json() for g in grades], indent=1, ensure_ascii=False) + "\n",
                              encoding="utf-8")
    (out / INTAKE).write_text(json.dumps({"people": {k: asdict(v) for k, v in people.items()},
                                          "origins": {k: asdict(v) for k, v in origins.items()}},
                                         indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    (out / BATCH).write_text(json.dumps({"term": term, "roster": roster}, indent=1) + "\n", encoding="utf-8")


@dataclass
class Book:
    """The gradebook of one batch: final grades, who the students are, where each submission came from."""

    out: Path
    grades: list[SubmissionGrade]
    people: dict[str, Person] = field(default_factory=dict)
    origins: dict[str, Origin] = field(default_factory=dict)
    term: Term | None = None
    warnings: list[str] = field(default_factory=list)

    @property
    def zone(self) -> ZoneInfo:
        return self.term.zone if self.term else ZoneInfo("UTC")

    def warn(self, text: str) -> None:
        if text not in self.warnings:
            self.warnings.append(text)

    def students(self) -> list[str]:
        return list(dict.fromkeys(g.student for g in self.grades))

    def labs(self) -> list[str]:
        return sorted({g.lab for g in self.grades if g.lab})

    def grade(self, student: str, lab: str) -> SubmissionGrade | None:
        return next((g for g in self.grades if g.student == student and g.lab == lab), None)

    def grades_of(self, lab: str) -> list[SubmissionGrade]:
        return [g for g in self.grades if g.lab == lab]

    def person(self, student: str) -> Person:
        return self.people.get(student, Person(name=student))

    def origin(self, student: str, lab: str) -> Origin | None:
        return self.origins.get(f"{student}|{lab}")

    def origins_of(self, student: str) -> list[Origin]:
        return [o for k, o in self.origins.items() if k.split("|", 1)[0] == student]

    def lab_title(self, lab: str) -> str:
        """The lab's assignment name in the LMS: the term file's ``title``, else "Lab NN: <title>"."""
        if self.term and self.term.lab(lab).title:
            return self.term.lab(lab).title
        titles = {entry.number: entry.title for entry in catalog.labs()}
        return f"Lab {lab}: {titles[lab]}" if lab in titles else f"Lab {lab}"

    def lab_max(self, lab: str) -> float:
        return max((g.max_points for g in self.grades_of(lab)), default=0.0)

    def lab_page(self, grade: SubmissionGrade) -> str:
        """The feedback page of one student for one lab, as handed back through the LMS."""
        return feedback_page(grade.student, [grade], self.people.get(grade.student))


def _late(grades: list[SubmissionGrade], term: Term | None, people: dict[str, Person],
          origins: dict[str, Origin]) -> list[SubmissionGrade]:
    done = []
    for grade in grades:
        origin = origins.get(f"{grade.student}|{grade.lab}")
        submitted = datetime.fromisoformat(origin.submitted_at) if origin and origin.submitted_at else None
        if term is None or grade.lab is None or grade.status == "not-submitted":
            done.append(replace(grade, submitted_at=submitted.isoformat() if submitted else ""))
            continue
        identities = people.get(grade.student, Person()).identities() | {grade.student.lower()}
        late = assess(term, grade.lab, identities, submitted, bool(origin and origin.late), grade.points,
                      grade.max_points)
        done.append(replace(grade, penalty=late.penalty, late=late.note,
                            submitted_at=submitted.isoformat() if submitted else ""))
    return done


def load(out: Path, term_path: str | None = None) -> Book:
    """The batch graded into ``out``, with the term's late policy (``term_path`` or the one used) and the reviews."""
    out = Path(out)
    if not (out / GRADES).is_file():
        raise FileNotFoundError(f"{out} holds no graded batch ({GRADES}): run `mlopslab grade ... --out {out}` first")
    grades = [SubmissionGrade.from_json(g) for g in json.loads((out / GRADES).read_text(encoding="utf-8"))]
    intake = json.loads((out / INTAKE).read_text(encoding="utf-8")) if (out / INTAKE).is_file() else {}
    batch = json.loads((out / BATCH).read_text(encoding="utf-8")) if (out / BATCH).is_file() else {}
    people = {k: Person(**v) for k, v in intake.get("people", {}).items()}
    origins = {k: Origin(**{**v, "group": tuple(v.get("group", ()))}) for k, v in intake.get("origins", {}).items()}
    term_file = term_path or batch.get("term") or ""
    term = read_term(term_file) if term_file else None
    grades = reviews.apply(grades, reviews.load(out))
    return Book(out, _late(grades, term, people, origins), people, origins, term)


def _base(labs: list[str]) -> dict[str, list[str]]:
    """Exercise id -> what every student may share: the stub or prompt, and the source's known answers."""
    from .. import answers, notebooks

    base: dict[str, list[str]] = {}
    committed = {notebooks.lab_number(p): p for p in notebooks.lab_paths()}
    for lab in labs:
        for path in [committed[lab]] if lab in committed else []:
            for cell in notebooks.read(path).cells:
                meta = cell.get("metadata", {}).get("mlopslab", {})
                for key in ("exercise", "written"):
                    if key in meta:
                        base.setdefault(meta[key], []).append(cell.source)
        try:
            held = answers.of(lab)
        except FileNotFoundError:  # a student release: only the stubs are known
            continue
        for ex_id, solution in held.solution.items():
            base.setdefault(ex_id, []).extend([solution, *held.wrong.get(ex_id, []), *held.shortcut.get(ex_id, [])])
    return base


def similar(book: Book) -> tuple[list[similarity.Pair], dict[str, dict[str, str]]]:
    """The near-identical pairs of the batch and the answers they were computed from."""
    found: dict[str, dict[str, str]] = {}
    written = set()
    for grade in book.grades:
        for row in grade.exercises:
            if row.source.strip() and not row.hidden_of:
                found.setdefault(row.exercise, {})[grade.student] = row.source
                if row.kind == KIND:
                    written.add(row.exercise)
    return similarity.report(found, _base(book.labs()), written), found


def write_reports(book: Book) -> None:
    """gradebook.csv, results.csv, feedback/, summary.html, similarity.html and similarity.csv in the batch's folder."""
    out = book.out
    people = book.people if any(p.name or p.email for p in book.people.values()) else None
    write_gradebook(book.grades, out / "gradebook.csv", people)
    write_long(book.grades, out / "results.csv")
    write_pages(book.grades, out, book.people)
    pairs, found = similar(book)
    (out / "similarity.html").write_text(similarity.page(pairs, found, lambda s: f"feedback/{slug(s)}.html"),
                                         encoding="utf-8")
    with open(out / "similarity.csv", "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["exercise", "first", "second", "similarity", "shared"])
        writer.writerows([p.exercise, p.first, p.second, f"{p.similarity:g}", p.shared] for p in pairs)


def pending(book: Book) -> int:
    """How many written answers wait for a grader."""
    return sum(row.status == "needs-review" for g in book.grades for row in g.exercises)

