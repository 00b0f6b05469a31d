"""The similarity report finds a planted copy and flags nothing among honest answers.

Two classes: a fixture class of honestly different answers to lab 00's three exercises and lab 02's written
retrospective, into which one copy is planted per kind (code renamed, reformatted and commented; prose re-cased,
re-punctuated and re-formatted); and the benchmark's synthetic class (``mlopslab.tools.bench.synthetic_class``: per
student and exercise the reference solution or the first known-wrong answer). The synthetic class is honest but its
variants are *identical by construction* (every student with the solution has the same text), which is exactly what
the report must not flag: answers the lab's source already holds, and passages most of the class shares, do not count.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from mlopslab import rubrics
from mlopslab.tools import bench, notebooks
from mlopslab.tools.grading import similarity
from mlopslab.tools.grading.book import _base
from mlopslab.tools.grading.written import written_id

CHURN = [
    'm2m = customers[customers["Contract"] == "Month-to-month"]\nchurn_rate = (m2m["Churn"] == "Yes").mean()\n',
    'churn_rate = customers.query("Contract == \'Month-to-month\'")["Churn"].eq("Yes").mean()\n',
    'rates = customers.groupby("Contract")["Churn"].apply(lambda s: (s == "Yes").mean())\n'
    'churn_rate = rates["Month-to-month"]\n',
    'subset = customers.loc[customers.Contract.str.startswith("Month")]\n'
    'churn_rate = subset.Churn.value_counts(normalize=True)["Yes"]\n',
    'monthly = customers[customers["Contract"] == "Month-to-month"]\n'
    'churned = len(monthly[monthly["Churn"] == "Yes"])\nchurn_rate = churned / len(monthly)\n',
    'table = pd.crosstab(customers["Contract"], customers["Churn"], normalize="index")\n'
    'churn_rate = table.loc["Month-to-month", "Yes"]\n',
]
LEADS = [
    'def lead_personas(table):\n    counts = table["persona"].value_counts()\n    return list(counts[counts >= 2].index)\n',
    'def lead_personas(table):\n    return [p for p in table["persona"].unique() if (table["persona"] == p).sum() > 1]\n',
    'from collections import Counter\n\ndef lead_personas(table):\n    c = Counter(table["persona"])\n'
    '    return [k for k, v in c.items() if v > 1]\n',
    'def lead_personas(table):\n    g = table.groupby("persona").size()\n    return g[g > 1].index.tolist()\n',
    'def lead_personas(table):\n    dupes = table[table.duplicated("persona", keep=False)]\n'
    '    return sorted(dupes["persona"].unique())\n',
    'def lead_personas(table):\n    found = []\n    for persona in table["persona"]:\n'
    '        if list(table["persona"]).count(persona) > 1 and persona not in found:\n            found.append(persona)\n'
    '    return found\n',
]
YEARLY = [
    'def yearly_value(table):\n    lost = table.loc[table["Churn"] == "Yes", "MonthlyCharges"]\n    return lost.sum() * 12\n',
    'def yearly_value(table):\n    return table.query("Churn == \'Yes\'")["MonthlyCharges"].sum() * 12\n',
    'def yearly_value(table):\n    total = 0\n    for _, row in table.iterrows():\n        if row["Churn"] == "Yes":\n'
    '            total += row["MonthlyCharges"]\n    return 12 * total\n',
    'def yearly_value(table):\n    mask = table.Churn.eq("Yes")\n    return float((table.MonthlyCharges * mask).sum() * 12)\n',
    'def yearly_value(table):\n    by_status = table.groupby("Churn")["MonthlyCharges"].sum()\n'
    '    return 12 * by_status.get("Yes", 0)\n',
    'import numpy as np\n\ndef yearly_value(table):\n'
    '    return 12 * np.where(table["Churn"] == "Yes", table["MonthlyCharges"], 0).sum()\n',
]
RETROS = [
    "Start: plan stories in the order of their dependencies, S02 waited six stand-ups for S01. Stop: committing 16 "
    "points when we finish 8. Continue: the stand-up. Action: the Scrum Master adds a dependency check to planning.",
    "We should start removing blockers at the source: the test database was down and nobody owned it. We should stop "
    "over-promising, since only half the committed work was done. Keep the daily meeting. First step: book the DBA.",
    "* **Start:** limit work in progress; the first story was only done on day four.\n* **Stop:** taking stories whose "
    "acceptance criteria are unclear.\n* **Continue:** showing finished stories at the review.\n* **Action:** WIP limit "
    "of three on the board, checked at the next retrospective.",
    "Start a definition of ready so that S05 does not sit idle. Stop planning at the full capacity of twenty points: "
    "our velocity is lower. Continue delivering S10, S01 and S09 that stakeholders use. The Scrum Master asks the "
    "Product Owner to clarify criteria before planning.",
    "Looking at the burndown, the line stayed flat for days. I'd start splitting big stories, stop carrying over "
    "S02 every sprint, and continue the stand-up because blockers surfaced quickly. Action: split S02 into two.",
    "Evidence first: two impediments and six waits. Start: escalate impediments the same day. Stop: ignoring the "
    "dependency column when we order the backlog. Continue: honest stand-ups. Action: the Scrum Master keeps an "
    "impediment board and reviews it at each retrospective.",
]
PLANTED_CODE = '''def yearly_value(df):
    # total yearly revenue lost
    total=0
    for idx , r in df.iterrows():
        if r['Churn']=='Yes':   total += r['MonthlyCharges']
    return 12*total
'''
"""A copy of the third honest ``yearly_value``: names changed, layout changed, a comment added."""
PLANTED_TEXT = ("start: PLAN stories in the order of their dependencies -- S02 waited six stand-ups for S01!\n\n"
                "STOP: committing 16 points when we finish 8.\n\n**continue**: the stand-up.\n\n*Action*: the scrum "
                "master adds a dependency check to planning.")
"""A copy of the first honest retrospective: case, punctuation and markdown changed."""


def _class(planted: bool) -> dict[str, dict[str, str]]:
    found = {"00.churn_rate": dict(enumerate(CHURN)), "00.lead_persona": dict(enumerate(LEADS)),
             "00.yearly_value": dict(enumerate(YEARLY)), "02.retrospective": dict(enumerate(RETROS))}
    found = {ex: {f"student{i}": text for i, text in by.items()} for ex, by in found.items()}
    if planted:
        found["00.yearly_value"]["copier"] = PLANTED_CODE
        found["02.retrospective"]["copier"] = PLANTED_TEXT
        found["00.churn_rate"]["copier"] = CHURN[0]  # the plain way, written by several: not enough alone
    return found


def test_honest_answers_are_not_flagged() -> None:
    assert similarity.report(_class(planted=False), _base(["00", "02"]), {"02.retrospective"}) == []


def test_the_planted_copies_are_found_and_nothing_else() -> None:
    pairs = similarity.report(_class(planted=True), _base(["00", "02"]), {"02.retrospective"})
    assert [(p.exercise, p.first, p.second) for p in pairs] == [
        ("00.yearly_value", "copier", "student2"), ("02.retrospective", "copier", "student0")], pairs
    assert all(p.similarity >= similarity.THRESHOLD for p in pairs)


def test_normalising_sets_names_layout_and_comments_aside() -> None:
    assert similarity.code_tokens(PLANTED_CODE) == similarity.code_tokens(YEARLY[2])
    assert similarity.code_tokens("x = f(a)  # one\n") != similarity.code_tokens("x = g(a)\n")  # other call: differs
    assert similarity.text_tokens("**Start:** Plan!") == similarity.text_tokens("start -- plan")


def _answers(nb: dict) -> dict[str, str]:
    found = {}
    for cell in nb["cells"]:
        key = cell.get("metadata", {}).get("mlopslab", {}).get("exercise") or written_id(cell)
        if key:
            found[key] = "".join(cell["source"])
    return found


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory) -> dict[str, dict[str, str]]:
    folder = tmp_path_factory.mktemp("synthetic")
    bench.synthetic_class(notebooks.lab_paths(), 30, folder)
    found: dict[str, dict[str, str]] = {}
    for path in sorted(folder.glob("*/*.ipynb")):
        for exercise, source in _answers(json.loads(path.read_text())).items():
            found.setdefault(exercise, {})[path.parent.name] = source
    return found


def _labs(found: dict) -> list[str]:
    return sorted({exercise[:2] for exercise in found})


def _written(found: dict) -> set[str]:
    return {w for lab in _labs(found) for w in rubrics.rubrics_of(lab)}


def test_the_benchmarks_synthetic_class_flags_nothing(synthetic) -> None:
    assert "02.retrospective" in _written(synthetic)
    assert similarity.report(synthetic, _base(_labs(synthetic)), _written(synthetic)) == []


def test_its_honest_variants_are_identical_by_construction(synthetic) -> None:
    """Why the base matters: most exercises have a majority of byte-identical answers in this class."""
    identical = [e for e, by in synthetic.items() if max(list(by.values()).count(v) for v in by.values()) >= 15]
    assert len(identical) >= len(synthetic) // 2


def test_a_copy_planted_in_the_synthetic_class_is_found(synthetic) -> None:
    planted = {e: dict(by) for e, by in synthetic.items()}
    planted["00.yearly_value"]["student000"] = YEARLY[2]
    planted["00.yearly_value"]["student001"] = PLANTED_CODE
    pairs = similarity.report(planted, _base(_labs(planted)), _written(planted))
    assert [(p.exercise, p.first, p.second) for p in pairs] == [("00.yearly_value", "student000", "student001")]


def test_the_page_is_a_list_not_a_verdict(tmp_path: Path) -> None:
    found = _class(planted=True)
    page = similarity.page(similarity.report(found, _base(["00", "02"]), {"02.retrospective"}), found)
    assert "not a verdict" in page and "copier" in page and "&lt;" not in PLANTED_CODE
