"""``mlopslab release OUT`` writes the student repository: labs, package and checks, data, Binder files, README.

Like nbgrader's ``generate_assignment`` or ``otter assign``: this repository stays the instructor's source, and
students (and the Binder badge) get the release. It holds the student notebooks as built (stubs only), the package
with its instant-feedback checks, the data, ``binder/``, ``requirements.txt``, the course map and a student README.
It never holds the lab sources (solutions, wrong answers, shortcuts, model answers of written exercises), hidden
checks, tests or instructor guides. Writing refuses when a student notebook is out of date with its source, and when
a line of a reference solution, a wrong answer or a model answer turns up anywhere in what was written
(:func:`leaks`).
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

from ..config import repo_root
from . import build, catalog, sources

INCLUDE = ("labs/*.ipynb", "lib/pyproject.toml", "lib/src/mlopslab/**/*.py", "data/**/*", "binder/*",
           "requirements.txt", "constraints.txt", ".gitignore", "docs/course_map.md", ".devcontainer/*",
           "docs/jupyterhub.md")
"""What a release holds, as globs from the repository root; everything else stays with the instructor."""

SKIP_PARTS = {"__pycache__", ".ipynb_checkpoints"}
STUDENT_README = "course/README.student.md"
TEXT_SUFFIXES = {".py", ".ipynb", ".md", ".txt", ".toml", ".cfg", ".json", ".yml", ".yaml", ".sh", ""}
MIN_SECRET_LENGTH = 16
"""A solution line shorter than this (``else:``, ``return total``) is not a secret worth checking for."""


class ReleaseError(RuntimeError):
    """The release cannot be written as it stands; the message says why and what to run."""


def files() -> list[Path]:
    """The repository's files that go into a release (relative paths)."""
    root = repo_root()
    found = {p.relative_to(root) for pattern in INCLUDE for p in root.glob(pattern) if p.is_file()}
    return sorted(p for p in found if not SKIP_PARTS & set(p.parts) and not p.name.endswith(".pyc"))


def student_readme() -> str:
    """The release's README: the student template with the table of labs."""
    template = (repo_root() / STUDENT_README).read_text(encoding="utf-8").replace("OWNER/REPO", catalog.repository())
    return catalog.with_readme_table(template, catalog.labs())


def _normal(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def _notebook_text(path: Path) -> str:
    nb = json.loads(path.read_text(encoding="utf-8"))
    parts = []
    for cell in nb.get("cells", []):
        parts.append("".join(cell.get("source", "")))
        for out in cell.get("outputs", []):
            parts.append("".join(out.get("text", "")))
            for value in out.get("data", {}).values():
                parts.append(value if isinstance(value, str) else "".join(value) if isinstance(value, list) else "")
    return "\n".join(parts)


def corpus(folder: Path) -> dict[Path, str]:
    """Every text file under ``folder`` (notebooks as their cell sources and outputs), whitespace-normalised."""
    texts = {}
    for path in sorted(folder.rglob("*")):
        if not path.is_file() or path.suffix not in TEXT_SUFFIXES or path.suffix == ".csv":
            continue
        try:
            text = _notebook_text(path) if path.suffix == ".ipynb" else path.read_text(encoding="utf-8")
        except (UnicodeDecodeError, ValueError):
            continue
        texts[path] = _normal(text)
    return texts


def secrets() -> dict[str, set[str]]:
    """Exercise id -> the lines of its solution and wrong answers that the student notebook does not show anyway."""
    found: dict[str, set[str]] = {}
    for source in sources.source_paths():
        shown = {_normal(line) for cell in sources.student_cells(source) for line in cell.source.splitlines()}
        held = sources.answers(source)
        for ex_id in held.solution:
            lines = held.solution[ex_id].splitlines() + [line for w in held.wrong.get(ex_id, []) for line in w.splitlines()]
            found[ex_id] = {n for line in lines if len(n := _normal(line)) >= MIN_SECRET_LENGTH
                            and not n.startswith(("#", "import ", "from ")) and n not in shown}
        for written_id, model in held.model_answers.items():  # a written exercise's model answer, for graders only
            found.setdefault(written_id, set()).update(
                n for line in model.splitlines() if len(n := _normal(line)) >= MIN_SECRET_LENGTH and n not in shown)
    return found


def leaks(folder: Path, lab: str | None = None) -> list[str]:
    """'exercise: line (in file)' for every secret line (of lab ``lab``, or all) found in the files under ``folder``."""
    texts = corpus(folder)
    return [f"{ex_id}: {line!r} (in {path.relative_to(folder)})"
            for ex_id, lines in secrets().items() if lab is None or ex_id.startswith(f"{lab}.")
            for line in sorted(lines) for path, text in texts.items() if line in text]


def check(lab: str | None = None) -> list[str]:
    """The leaks a release written now would have (of lab ``lab``, or all), without writing one."""
    import tempfile

    root = repo_root()
    with tempfile.TemporaryDirectory(prefix="mlopslab-release-check-") as tmp:
        for relative in files():
            target = Path(tmp) / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(root / relative, target)
        return leaks(Path(tmp), lab)


def write_release(out: Path, force: bool = False) -> int:
    """Write the student release into ``out``; return the number of files written."""
    out = Path(out)
    if out.exists() and any(out.iterdir()):
        if not force:
            raise FileExistsError(f"{out} exists and is not empty (use --force to replace it)")
        shutil.rmtree(out)
    stale = build.problems()
    if stale:
        raise ReleaseError("the student notebooks are out of date with their sources; run `mlopslab build` "
                           "(and `mlopslab run --update`) first:\n  " + "\n  ".join(stale))
    root = repo_root()
    chosen = files()
    for relative in chosen:
        target = out / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(root / relative, target)
    (out / "README.md").write_text(student_readme(), encoding="utf-8")
    found = leaks(out)
    if found:
        shutil.rmtree(out)
        raise ReleaseError("a solution or wrong answer would reach students; nothing was written:\n  "
                           + "\n  ".join(found[:20]))
    return len(chosen) + 1
