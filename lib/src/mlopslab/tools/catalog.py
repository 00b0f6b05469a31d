"""The course's one registry of labs (``course/labs.toml``) and what is generated from it.

Each ``[[lab]]`` record holds the number, slug, title, README summary, lead personas, the course modules the lab
uses, an honest time estimate for a business student, and its lecture topics (``[[lab.topic]]``: topic and the
lab heading that teaches it). From it come the README's table of labs, ``docs/course_map.md`` and the tests'
expectations; ``mlopslab new-lab`` adds a record and scaffolds the files of a new lab.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from ..config import repo_root

README_BEGIN, README_END = "<!-- labs:begin (generated from course/labs.toml by mlopslab build) -->", "<!-- labs:end -->"
BINDER = "https://mybinder.org/v2/gh/{repository}/HEAD?labpath=labs/{name}.ipynb"
SLUG = re.compile(r"^[a-z][a-z0-9_]*$")


@dataclass(frozen=True)
class Topic:
    topic: str
    section: str


@dataclass(frozen=True)
class Lab:
    number: str
    slug: str
    title: str
    summary: str
    personas: str
    modules: tuple[str, ...]
    minutes: int
    topics: tuple[Topic, ...] = field(default_factory=tuple)

    @property
    def name(self) -> str:
        return f"{self.number}_{self.slug}"


def registry_path() -> Path:
    return repo_root() / "course" / "labs.toml"


def _registry() -> dict:
    return tomllib.loads(registry_path().read_text(encoding="utf-8"))


def repository() -> str:
    """The public GitHub repository (``owner/name``) of the student release, as ``course/labs.toml`` sets it."""
    return _registry().get("course", {}).get("repository", "OWNER/REPO")


def hub_link(name: str) -> str:
    """An nbgitpuller link: the hub clones (or updates) the student release and opens lab ``name`` in JupyterLab."""
    from urllib.parse import urlencode

    course = _registry().get("course", {})
    repo = repository()
    query = urlencode({"repo": f"https://github.com/{repo}", "branch": course.get("branch", "main"),
                       "urlpath": f"lab/tree/{repo.split('/')[-1]}/labs/{name}.ipynb"})
    return f"{course.get('hub', 'https://hub.example.edu').rstrip('/')}/hub/user-redirect/git-pull?{query}"


def labs() -> list[Lab]:
    """Every lab of the registry, in number order."""
    records = _registry().get("lab", [])
    found = [Lab(r["number"], r["slug"], r["title"], r["summary"], r["personas"], tuple(r.get("modules", [])),
                 int(r["minutes"]), tuple(Topic(t["topic"], t["section"]) for t in r.get("topic", [])))
             for r in records]
    return sorted(found, key=lambda lab: lab.number)


def readme_table(found: list[Lab]) -> str:
    """The README's table of labs, with a Binder link per lab."""
    lines = ["| lab | stage / topic | lead personas | time | open on |", "| --- | --- | --- | ---: | --- |"]
    lines += [f"| [{lab.name}](labs/{lab.name}.ipynb) | {lab.summary} | {lab.personas} | {lab.minutes} min | "
              f"[Binder]({BINDER.format(repository=repository(), name=lab.name)}) · [JupyterHub]({hub_link(lab.name)}) |"
              for lab in found]
    return "\n".join(lines)


def with_readme_table(text: str, found: list[Lab]) -> str:
    """``text`` (the README) with the generated table between its markers."""
    start, end = text.find(README_BEGIN), text.find(README_END)
    if start < 0 or end < start:
        raise ValueError(f"README.md lacks the markers {README_BEGIN!r} ... {README_END!r}")
    return text[: start + len(README_BEGIN)] + "\n" + readme_table(found) + "\n" + text[end:]


def course_map(found: list[Lab]) -> str:
    """docs/course_map.md: lecture topic -> lab and section."""
    head = ("# Course map: lecture topics → labs\n\n"
            "Where each topic of the lecture (*MLOps – what it is, why MLOps*) is taught by doing. The **section** is a\n"
            "heading of the lab's notebook. Generated from `course/labs.toml` by `mlopslab build`; the tests check that\n"
            "every lab below exists and has that heading, so the map cannot silently drift from the labs.\n\n"
            "| lecture topic | lab | section | time |\n| --- | --- | --- | ---: |\n")
    rows = [f"| {t.topic} | [{lab.name}](../labs/{lab.name}.ipynb) | {t.section} | {lab.minutes} min |"
            for lab in found for t in lab.topics]
    untaught = [lab for lab in found if not lab.topics]
    tail = "".join(f"\nLab {lab.number} ([{lab.name}](../labs/{lab.name}.ipynb)) teaches {lab.summary.split(':')[0]}"
                   " rather than a lecture topic.\n" for lab in untaught)
    return head + "\n".join(rows) + "\n" + tail


def generated() -> dict[Path, str]:
    """Every file generated from the registry, with its content."""
    found = labs()
    readme = repo_root() / "README.md"
    return {readme: with_readme_table(readme.read_text(encoding="utf-8"), found),
            repo_root() / "docs" / "course_map.md": course_map(found)}


SOURCE_TEMPLATE = '''# %% [markdown]
# # Lab {number} — {title}
#
# **Stage:** … · **Personas:** … · **Time:** about {minutes} minutes
#
# ### Learning objectives
# By the end of this lab you can:
# 1. …
#
# ### Why this matters to the business
# …

# %%
from mlopslab.exercises import check

# %% [markdown]
# ### Exercise {number}.1 — a first exercise
# Replace this with the task. The student writes the lab's technique here.

# %% mlopslab={{"exercise": "{number}.first"}}
# BEGIN STUB
# first = ...  # what the student starts from
# END STUB
# BEGIN SOLUTION
first = 42
# END SOLUTION

# %% mlopslab={{"check": "{number}.first"}}
check("{number}.first", first)

# %% mlopslab={{"wrong": "{number}.first"}}
first = 41

# %% [markdown]
# ## Recap
# * …
'''

CHECKS_TEMPLATE = '''"""Checks of lab {number} ({slug})."""

from __future__ import annotations

from ..exercises import correct, exercise, wrong


@exercise("{number}.first", points=1, title="A first exercise")
def first(answer, **_):
    if answer == 42:
        return correct("Right.")
    return wrong("Not yet: replace this check with one that judges the student's own work.")
'''


def scaffold(number: str, slug: str, title: str = "", checks_dir: Path | None = None) -> list[Path]:
    """Create the source, the checks module and the registry record of a new lab; refuse to overwrite.

    ``checks_dir`` is the package's ``checks/`` folder unless given (a test writes elsewhere).
    """
    if not (len(number) == 2 and number.isdigit()):
        raise ValueError(f"a lab number is two digits, not {number!r}")
    if not SLUG.match(slug):
        raise ValueError(f"a slug is lower-case words joined by underscores, not {slug!r}")
    if any(lab.number == number for lab in labs()):
        raise FileExistsError(f"lab {number} is already in {registry_path()}")
    title = title or slug.replace("_", " ").capitalize()
    minutes = 60
    source = repo_root() / "course" / "labs" / f"{number}_{slug}.py"
    checks = (checks_dir or Path(__file__).resolve().parents[1] / "checks") / f"lab{number}.py"
    for path in (source, checks):
        if path.exists():
            raise FileExistsError(f"{path} exists already")
    source.write_text(SOURCE_TEMPLATE.format(number=number, title=title, minutes=minutes), encoding="utf-8")
    checks.write_text(CHECKS_TEMPLATE.format(number=number, slug=slug), encoding="utf-8")
    record = (f'\n[[lab]]\nnumber = "{number}"\nslug = "{slug}"\ntitle = "{title}"\nsummary = "{title}"\n'
              f'personas = "…"\nmodules = []\nminutes = {minutes}\n')
    with open(registry_path(), "a", encoding="utf-8") as handle:
        handle.write(record)
    return [source, checks, registry_path()]
