"""The course map (docs/course_map.md) must not rot: every row names a lab that exists and a heading it has."""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
MAP = ROOT / "docs" / "course_map.md"

LECTURE_TOPICS = [
    "MLOps definition", "Five key features", "Enterprise ML lifecycle", "AI project roles",
    "product backlog", "sprint backlog", "sprint planning", "daily stand-up", "sprint review", "retrospective",
    "KPI measurement", "data provisioning with governance", "data preparation for the model", "model development",
    "model validation and governance", "model deployment and insight consumption", "model monitoring",
    "six stages", "continuous integration", "continuous training", "continuous deployment", "Trustworthy AI",
]
"""Every topic of the lecture (see /work/shared/DESIGN.md); each must appear in at least one row's topic."""

ROW = re.compile(r"^\|\s*(?P<topic>[^|]+?)\s*\|\s*\[(?P<name>[^\]]+)\]\((?P<link>[^)]+)\)\s*\|\s*(?P<section>[^|]+?)\s*\|$")


def rows() -> list[dict[str, str]]:
    lines = MAP.read_text(encoding="utf-8").splitlines()
    return [m.groupdict() for line in lines if (m := ROW.match(line.strip()))]


def headings(lab: Path) -> set[str]:
    """The text of every markdown heading of a lab (without the leading #s)."""
    found = set()
    for cell in nbformat.read(lab, as_version=4).cells:
        if cell.cell_type == "markdown":
            found |= {line.lstrip("#").strip() for line in cell.source.splitlines() if line.startswith("#")}
    return found


def test_the_map_has_rows() -> None:
    assert len(rows()) >= len(LECTURE_TOPICS)


@pytest.mark.parametrize("topic", LECTURE_TOPICS)
def test_every_lecture_topic_is_mapped(topic: str) -> None:
    assert any(topic.lower() in row["topic"].lower() for row in rows()), f"no row of the course map covers {topic!r}"


@pytest.mark.parametrize("row", rows(), ids=lambda r: f"{r['name']}: {r['section']}")
def test_row_points_at_an_existing_lab_and_heading(row: dict[str, str]) -> None:
    lab = (MAP.parent / row["link"]).resolve()
    assert lab.is_file(), f"{row['link']} does not exist"
    assert lab.parent == ROOT / "labs" and lab.stem == row["name"], "the link text must be the lab's file name"
    assert row["section"] in headings(lab), f"{lab.name} has no heading {row['section']!r}"
