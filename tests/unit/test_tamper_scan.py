"""The grader's static scan flags what reaches around the checks, and never an honest answer: a flagged exercise
scores 0 until an instructor looks, so a false flag costs a student points."""

from __future__ import annotations

import pytest
from mlopslab.tools import answers, notebooks
from mlopslab.tools.grading import tamper


@pytest.mark.parametrize("lab", [notebooks.lab_number(p) for p in notebooks.lab_paths()])
def test_no_reference_solution_or_declared_wrong_answer_is_flagged(lab) -> None:
    found = answers.of(lab)
    cells = [(ex, "solution", src) for ex, src in found.solution.items()]
    cells += [(ex, f"wrong {k}", src) for ex, sources in found.wrong.items() for k, src in enumerate(sources, 1)]
    flagged = [(ex, kind, tamper.scan(src)) for ex, kind, src in cells if tamper.scan(src)]
    assert not flagged, flagged


HONEST = {
    "a gate's checks in a dict": "checks = {'auc': auc >= 0.8, 'recall': recall >= 0.6}\npassed = all(checks.values())",
    "a loop variable called grading": "for grading in ('A', 'B'):\n    print(grading)",
    "a parameter called exercises": "def count(exercises):\n    return len(exercises)",
    "a frame called data": "data = customers.copy()\ndata.columns = [c.lower() for c in data.columns]",
    "a compiled pattern": "import re\ncard = re.compile(r'\\d{4}')",
    "a pandas expression": "df.eval('total = tenure * MonthlyCharges')",
    "getattr with a literal name": "coef = getattr(model, 'coef_', None)",
    "a magic": "%time model.fit(X, y)",
    "a path to a CSV file": "frame = pd.read_csv('data/batch.csv')",
    "a dict of checks filled in": "checks = {}\nchecks['auc'] = auc > 0.8\nprint(checks)",
    "with ... as tools": "with open('notes.txt') as tools:\n    print(tools.read())",
    "a model under another name": "m = model\nm.n_jobs = 1",
}

TAMPERING = {
    "the checks imported": "from mlopslab import checks\nchecks.lab02.SEED",
    "the checks reached as an attribute": "import mlopslab\nchecks = mlopslab.checks",
    "a course module patched": "data.load_customers = lambda: frame",
    "mlflow patched": "import mlflow\nmlflow.log_params = print",
    "check redefined": "def check(*args):\n    return None",
    "a frame read": "import sys\nsys._getframe(1).f_locals",
    "the machinery named in strings": "name = 'mlopslab.' + 'checks.lab02'",
    # reviewer s11/e, against the own-variable exemption and literal getattr
    "used before the cell binds it": "x = checks.lab02\nchecks = None",
    "a module bound to itself": "data = data\ndata.load_customers = lambda: None",
    "a loop over the module": "for data in [data]:\n    data.load_customers = None",
    "a walrus": "if (mlflow := mlflow):\n    mlflow.log_metric = print",
    "a comprehension variable": "[checks for checks in [1]]\nchecks.x = 1",
    "getattr with a machinery name": "import mlopslab\nc = getattr(mlopslab, 'checks')",
    "the tools imported": "import mlopslab.tools as t",
    "a module under another name": "m = mlflow\nm.log_metric = print",
    "a star import": "from mlopslab import *\nchecks.lab02",
}


@pytest.mark.parametrize("source", HONEST.values(), ids=HONEST.keys())
def test_honest_code_is_not_flagged(source) -> None:
    assert tamper.scan(source) == []


@pytest.mark.parametrize("source", TAMPERING.values(), ids=TAMPERING.keys())
def test_tampering_is_flagged(source) -> None:
    assert tamper.scan(source)
