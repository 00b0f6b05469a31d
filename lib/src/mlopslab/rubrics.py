"""Written exercises: answers a person reads and scores against a rubric.

A lab declares a markdown cell as a written exercise in its source (``# %% [markdown] mlopslab={"written":
"02.retrospective"}``); the student writes the answer in that cell. Its rubric is declared with the lab's checks in
``mlopslab.checks.labNN``::

    from ..rubrics import criterion, written

    written("02.retrospective", title="The retrospective: start, stop, continue", criteria=[
        criterion("start", 2, "Something to start, with its evidence", full="What a full answer contains ..."),
        ...
    ])

The criteria, their points and what a full answer contains are for students too (:func:`show_rubric` displays
them in the lab); the model answer is an instructor-only cell of the source (``mlopslab={"model_answer": ...}``),
never in the student notebook or the release. ``mlopslab grade`` collects the answers (``needs-review``, 0 points
until a grader has scored them) and ``mlopslab review`` serves the page where graders score them.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Criterion:
    """One line of a rubric: its name, its points and what a full answer contains."""

    name: str
    points: float
    description: str
    full: str = ""


@dataclass(frozen=True)
class Rubric:
    """A written exercise: its id ("NN.name"), title and criteria."""

    id: str
    title: str
    criteria: tuple[Criterion, ...]

    @property
    def lab(self) -> str:
        return self.id.split(".", 1)[0]

    @property
    def points(self) -> float:
        return float(sum(c.points for c in self.criteria))

    @property
    def cell_id(self) -> str:
        return cell_id(self.id)


_RUBRICS: dict[str, Rubric] = {}


def cell_id(written_id: str) -> str:
    """"02.retrospective" -> "written-02-retrospective", the stable id of the answer cell."""
    return "written-" + written_id.replace(".", "-").replace("_", "-")


def criterion(name: str, points: float, description: str, full: str = "") -> Criterion:
    """A rubric criterion worth ``points``; ``full`` says what a full-marks answer contains."""
    if not name or not name.replace("_", "").isalnum():
        raise ValueError(f"criterion names are words (letters, digits, _), got {name!r}")
    if points <= 0:
        raise ValueError(f"criterion {name!r}: points must be positive, got {points}")
    return Criterion(name, float(points), description, full)


def written(written_id: str, title: str, criteria: list[Criterion]) -> Rubric:
    """Declare the written exercise ``written_id`` ("NN.name") with its rubric; returns it."""
    lab, _, name = written_id.partition(".")
    if not (lab.isdigit() and len(lab) == 2 and name):
        raise ValueError(f"written exercise ids look like 'NN.name', got {written_id!r}")
    names = [c.name for c in criteria]
    if not criteria or len(set(names)) != len(names):
        raise ValueError(f"{written_id}: give at least one criterion, each with its own name ({names})")
    rubric = Rubric(written_id, title or name.replace("_", " "), tuple(criteria))
    _RUBRICS[written_id] = rubric
    return rubric


def rubrics_of(lab: str) -> dict[str, Rubric]:
    """The written exercises of a lab ("00", "01", ...), by id, in declaration order."""
    from .exercises import load_checks

    if not load_checks(lab):
        return {}
    return {k: v for k, v in _RUBRICS.items() if v.lab == lab}


def get(written_id: str) -> Rubric:
    """The declared written exercise ``written_id``; KeyError naming the known ones if absent."""
    found = rubrics_of(written_id.split(".", 1)[0])
    if written_id not in found:
        raise KeyError(f"no written exercise {written_id!r}; this lab declares {sorted(found)}")
    return found[written_id]


def as_html(rubric: Rubric) -> str:
    """The rubric as an HTML table: criterion, what a full answer contains, points."""
    rows = "".join(
        f"<tr><td><b>{html.escape(c.description)}</b></td><td>{html.escape(c.full)}</td>"
        f"<td style='text-align:right'>{c.points:g}</td></tr>" for c in rubric.criteria)
    return (f"<div><b>Rubric of {html.escape(rubric.id)} — {html.escape(rubric.title)}</b> "
            f"({rubric.points:g} points, scored by a person)<table><tr><th>criterion</th>"
            f"<th>a full answer</th><th>points</th></tr>{rows}</table></div>")


def as_text(rubric: Rubric) -> str:
    """The rubric as plain text, one criterion per line."""
    lines = [f"Rubric of {rubric.id} — {rubric.title} ({rubric.points:g} points, scored by a person)"]
    lines += [f"  {c.points:g} pt  {c.description}: {c.full}" if c.full else f"  {c.points:g} pt  {c.description}"
              for c in rubric.criteria]
    return "\n".join(lines)


def show_rubric(written_id: str) -> None:
    """Display the rubric of a written exercise under the cell (what the graders will look for)."""
    from IPython.display import display

    rubric = get(written_id)
    bundle: dict[str, Any] = {"text/plain": as_text(rubric), "text/html": as_html(rubric)}
    display(bundle, raw=True)
