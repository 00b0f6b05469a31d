"""The registry of labs (course/labs.toml) matches the labs, covers the lecture, and its pages are built from it."""

from __future__ import annotations

import importlib
import re
import shutil

import pytest
from mlopslab.tools import build, catalog, notebooks, sources

LECTURE_TOPICS = [
    "MLOps definition", "Five key features", "Enterprise ML lifecycle", "AI project roles", "Scrum Master",
    "product backlog", "sprint backlog", "sprint planning", "daily stand-up", "sprint review", "retrospective",
    "KPI measurement", "data provisioning with governance", "data preparation for the model", "model development",
    "model validation and governance", "model deployment and insight consumption", "model monitoring",
    "six stages", "continuous integration", "continuous training", "continuous deployment", "Trustworthy AI",
]
"""Every topic of the course's lecture (module 4: MLOps what and why); each must be some lab's topic."""

LABS = catalog.labs()


def headings(lab: catalog.Lab) -> set[str]:
    """The text of every markdown heading of a lab (without the leading #s)."""
    found = set()
    for cell in notebooks.read(notebooks.labs_dir() / f"{lab.name}.ipynb").cells:
        if cell.cell_type == "markdown":
            found |= {line.lstrip("#").strip() for line in cell.source.splitlines() if line.startswith("#")}
    return found


def test_registry_lists_exactly_the_labs_and_sources() -> None:
    names = [lab.name for lab in LABS]
    assert names == [p.stem for p in notebooks.lab_paths()] == [p.stem for p in sources.source_paths()]
    assert len({lab.number for lab in LABS}) == len(LABS)


@pytest.mark.parametrize("topic", LECTURE_TOPICS)
def test_every_lecture_topic_is_mapped(topic: str) -> None:
    assert any(topic.lower() in t.topic.lower() for lab in LABS for t in lab.topics), f"no lab covers {topic!r}"


@pytest.mark.parametrize("lab", LABS, ids=lambda lab: lab.name)
def test_topics_point_at_headings_of_the_lab(lab: catalog.Lab) -> None:
    missing = [t.section for t in lab.topics if t.section not in headings(lab)]
    assert not missing, f"{lab.name} has no heading {missing}"


@pytest.mark.parametrize("lab", LABS, ids=lambda lab: lab.name)
def test_lab_header_states_its_time_and_its_modules_exist(lab: catalog.Lab) -> None:
    first = notebooks.read(notebooks.labs_dir() / f"{lab.name}.ipynb").cells[0].source
    stated = re.search(r"\*\*Time:\*\*\s*about\s+(\d+)\s*minutes", first)
    assert stated, f"{lab.name}: the first cell must say '**Time:** about N minutes'"
    assert int(stated.group(1)) == lab.minutes, f"{lab.name}: the header and course/labs.toml disagree on the time"
    for module in lab.modules:
        importlib.import_module(f"mlopslab.{module}")


def test_new_lab_scaffold_builds(tmp_path, monkeypatch) -> None:
    """`mlopslab new-lab` writes a source that builds into a lab with a blank exercise and its check."""
    for part in ("course", "labs", "docs", "README.md", "data/SHA256SUMS"):
        src, dst = catalog.repo_root() / part, tmp_path / part
        dst.parent.mkdir(parents=True, exist_ok=True)
        (shutil.copytree if src.is_dir() else shutil.copy2)(src, dst)
    monkeypatch.setenv("MLOPSLAB_HOME", str(tmp_path))
    checks = tmp_path / "checks"
    checks.mkdir()
    created = catalog.scaffold("98", "scaffold_test", "A scaffolded lab", checks_dir=checks)
    assert {p.name for p in created} == {"98_scaffold_test.py", "lab98.py", "labs.toml"}
    compile((checks / "lab98.py").read_text(), "lab98.py", "exec")
    build.build(["98"])
    nb = notebooks.read(tmp_path / "labs" / "98_scaffold_test.ipynb")
    assert [c.id for c in nb.cells if c.id.startswith(("ex-", "check-"))] == ["ex-98-first", "check-98-first"]
    assert "42" not in next(c.source for c in nb.cells if c.id == "ex-98-first")
    assert any(lab.number == "98" for lab in catalog.labs())
    with pytest.raises(FileExistsError):
        catalog.scaffold("98", "again", checks_dir=checks)


@pytest.mark.parametrize("lab", LABS, ids=lambda lab: lab.name)
def test_jupyterhub_links_open_the_right_lab(lab: catalog.Lab) -> None:
    """An nbgitpuller link clones the release's repository and opens labs/<this lab>.ipynb in JupyterLab."""
    from urllib.parse import parse_qs, urlsplit

    link = urlsplit(catalog.hub_link(lab.name))
    query = {k: v[0] for k, v in parse_qs(link.query).items()}
    repo = catalog.repository()
    assert link.path == "/hub/user-redirect/git-pull"
    assert query["repo"] == f"https://github.com/{repo}" and query["branch"]
    folder, path = query["urlpath"].removeprefix("lab/tree/").split("/", 1)
    assert folder == repo.split("/")[-1], "nbgitpuller clones into a folder named after the repository"
    assert (catalog.repo_root() / path).is_file() and path == f"labs/{lab.name}.ipynb"
