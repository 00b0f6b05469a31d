"""What a student reads: every lab has its frame, and no figure computed from the data is typed into the prose.

A number typed in markdown that a cell also prints goes stale the day the data changes (a new term's
``mlopslab data generate --config``) while every other test stays green. The prose may say "about a quarter" or
point at the printed line; the figure itself comes from a cell.
"""

from __future__ import annotations

import re

import pytest
from mlopslab.tools import notebooks

LABS = notebooks.lab_paths()

FRAME = {
    "stage": re.compile(r"\*\*Stage:\*\*"),
    "personas": re.compile(r"\*\*(Lead )?[Pp]ersonas:\*\*"),
    "time estimate": re.compile(r"\*\*Time:\*\*\s*about\s+\d+\s*minutes"),
    "learning objectives": re.compile(r"#+\s*Learning objectives"),
    "business reason": re.compile(r"#+\s*Why this matters to the business"),
}

_NUMBER = re.compile(r"(?<![\w.])(?P<num>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+\.\d+|\d+)(?P<pct>\s?%)?(?![\w])")
_YEAR_MONTH = re.compile(r"\b(19|20)\d\d-\d\d\b")
_EXERCISE_REF = re.compile(r"\b\d\d\.\d+\b(?=\s*(—|-|:|\)|$))|(?i:\bexercises?\s+)\d\d\.\d+\b")
"""An exercise's number ("Exercise 05.1 — …", "as in exercise 03.5"): the check cells print it too, not a figure."""
_CODE = re.compile(r"`[^`]*`")


def _numbers(text: str) -> list[tuple[str, float, bool]]:
    """(as typed, value, is a percentage) for each number in ``text``."""
    found = []
    for match in _NUMBER.finditer(text):
        raw = match.group("num")
        found.append((match.group(0).strip(), float(raw.replace(",", "")), bool(match.group("pct"))))
    return found


def figures_in_markdown(nb) -> list[tuple[int, str, float, bool]]:
    """(cell index, as typed, value, is a percentage) of the figures typed in markdown cells (not headings)."""
    found = []
    for index, cell in enumerate(nb.cells):
        if cell.cell_type != "markdown":
            continue
        text = "\n".join(line for line in cell.source.splitlines() if not line.lstrip().startswith("#"))
        text = _EXERCISE_REF.sub(" ", _YEAR_MONTH.sub(" ", _CODE.sub(" ", text)))
        for typed, value, pct in _numbers(text):
            is_year = value.is_integer() and 1990 <= value <= 2035 and not pct
            small_count = value.is_integer() and value < 100 and not pct and "." not in typed
            if not (is_year or small_count):
                found.append((index, typed, value, pct))
    return found


def printed_values(nb) -> set[float]:
    """Every number the committed outputs print (a percentage also as a share)."""
    values: set[float] = set()
    for cell in nb.cells:
        for out in cell.get("outputs", []) if cell.cell_type == "code" else []:
            texts = [out.get("text", "")]
            data = out.get("data", {})
            texts += [data.get("text/plain", ""), re.sub(r"<[^>]+>", " ", data.get("text/html", ""))]
            for text in texts:
                text = "".join(text) if isinstance(text, list) else text
                for _, value, pct in _numbers(text):
                    values.add(round(value, 10))
                    if pct:
                        values.add(round(value / 100, 10))
    return values


def _printed(value: float, pct: bool, printed: set[float]) -> bool:
    candidates = {round(value, 10)}
    if pct:
        candidates.add(round(value / 100, 10))
    return bool(candidates & printed)


@pytest.mark.parametrize("lab_path", LABS, ids=lambda p: p.stem)
def test_lab_has_its_frame(lab_path) -> None:
    nb = notebooks.read(lab_path)
    markdown = [c.source for c in nb.cells if c.cell_type == "markdown"]
    missing = [name for name, pattern in FRAME.items() if not pattern.search(markdown[0])]
    assert not missing, f"{lab_path.stem}: the first cell lacks {missing}"
    assert any(re.search(r"#+\s*Recap", text) for text in markdown[-2:]), f"{lab_path.stem} must end with a recap"


@pytest.mark.parametrize("lab_path", LABS, ids=lambda p: p.stem)
def test_no_printed_figure_is_typed_in_the_prose(lab_path) -> None:
    nb = notebooks.read(lab_path)
    printed = printed_values(nb)
    typed = [f"markdown cell {i}: {text!r}" for i, text, value, pct in figures_in_markdown(nb)
             if _printed(value, pct, printed)]
    assert not typed, f"{lab_path.stem}: figures typed in prose that a cell prints: {typed}"


def test_the_figure_finder_finds_figures() -> None:
    """The rule itself: typed figures are found, years, months, exercise numbers and small counts are not."""
    from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

    md = new_markdown_cell("In 2025, about 25.6 % left; 7,000 customers; 3 sprints; 2026-08; Exercise 05.1 — x; `0.75`; "
                           "as in exercise 03.5.")
    code = new_code_cell("print(...)")
    code.outputs = [{"output_type": "stream", "name": "stdout", "text": "rate 0.256, n 7000\n"}]
    nb = new_notebook(cells=[md, code])
    assert [t for _, t, _, _ in figures_in_markdown(nb)] == ["25.6 %", "7,000"]
    printed = printed_values(nb)
    assert all(_printed(v, p, printed) for _, _, v, p in figures_in_markdown(nb))
