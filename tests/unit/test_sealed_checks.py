"""The checks' reference code ships with every student release, so it refuses to run for the notebook's code.

A student could import ``mlopslab.checks.lab04`` and pass its ``_scan_reference`` as their answer, or wrap it in a
function of their own, or call ``lab03._legacy_truth()`` in a cell and hand in what it returns. Every function of
a check module is sealed (:func:`mlopslab.checks._guards.seal`): called from the notebook (``__main__``), directly
or through a library such as pandas, it raises; handed in as the answer, the check refuses it. Called by the checks,
the grader or a test, it runs.
"""

from __future__ import annotations

import functools
import importlib
import inspect
import pkgutil

import numpy as np
import pandas as pd
import pytest
from mlopslab import checks, exercises
from mlopslab.checks import _guards
from mlopslab.exercises import ReferenceCodeUsed, evaluate

MODULES = [importlib.import_module(info.name) for info in pkgutil.iter_modules(checks.__path__, "mlopslab.checks.")
           if info.name.rsplit(".", 1)[1].startswith("lab")]


def _notebook(source: str, **names) -> dict:
    """Run ``source`` as a notebook cell would (module ``__main__``); its namespace."""
    namespace = {"__name__": "__main__", **names}
    exec(compile(source, "<cell>", "exec"), namespace)  # noqa: S102 -- the test's own code
    return namespace


def _functions(module) -> list[tuple[str, object]]:
    return [(name, fn) for name, fn in vars(module).items()
            if callable(fn) and not isinstance(fn, type) and getattr(fn, "__module__", None) == module.__name__]


def test_there_is_a_check_module_per_lab() -> None:
    assert len(MODULES) >= 12


@pytest.mark.parametrize("module", MODULES, ids=lambda m: m.__name__.rsplit(".", 1)[1])
def test_every_function_of_a_check_module_refuses_the_notebook(module) -> None:
    functions = _functions(module)
    assert functions, f"{module.__name__} defines no function"
    unsealed = [name for name, fn in functions if not getattr(fn, _guards.SEALED, False)]
    assert not unsealed, f"{module.__name__} does not end with seal(__name__), or defines these after it: {unsealed}"
    for name, fn in functions:
        with pytest.raises(ReferenceCodeUsed, match=f"{module.__name__}.{name} is the checks' own reference code"):
            _notebook("fn()", fn=fn)


def test_a_function_the_notebook_wrote_around_the_reference_gets_nothing() -> None:
    from mlopslab.checks import lab04, lab07

    cell = _notebook("def leak_scan(df):\n    return lab04._scan_reference(df)\n"
                     "def feature_effect(model, customer, feature, background):\n"
                     "    return lab07._effect(model, customer, feature, background)[0]\n", lab04=lab04, lab07=lab07)
    result = evaluate("04.leak_scan", cell["leak_scan"])
    assert (result.status, result.score) == ("wrong", 0.0)
    assert "lab04._scan_reference is the checks' own reference code" in result.message


def test_the_reference_handed_in_as_the_answer_is_refused() -> None:
    from mlopslab.checks import lab04

    for answer in (lab04._scan_reference, functools.partial(lab04._scan_reference), {"scan": lab04._scan_reference}):
        result = evaluate("04.leak_scan", answer)
        assert result.status == "wrong" and "checks' own reference code" in result.message, answer


def test_a_value_computed_by_the_reference_in_a_cell_is_refused_there() -> None:
    from mlopslab.checks import lab03

    with pytest.raises(ReferenceCodeUsed):
        _notebook("truth = lab03._legacy_truth()", lab03=lab03)
    with pytest.raises(ReferenceCodeUsed):  # pandas in between: the nearest caller that counts is the cell
        _notebook("pd.Series([0]).apply(lambda _: lab03._legacy_truth())", lab03=lab03, pd=pd)


def test_the_checks_the_grader_and_tests_still_run_it() -> None:
    from mlopslab.checks import lab04

    assert lab04.leak_scan(lab04._scan_reference).score == 1  # the check calls it: not the notebook
    assert not _guards.called_by_notebook(inspect.currentframe())


def test_a_students_own_answer_is_not_mistaken_for_reference_code() -> None:
    cell = _notebook("def yearly_value(monthly):\n    return 12 * monthly\n")
    assert exercises.check_code_in(cell["yearly_value"]) is None
    assert "reference code" not in evaluate("00.yearly_value", cell["yearly_value"]).message


def test_a_package_function_saved_before_the_check_runs_is_switched_off_too() -> None:
    """_guards.without replaces the function's code, not only the module's attribute: a reference kept in a dict or
    bound by ``from ... import`` raises as well, and everything is as before afterwards."""
    from mlopslab import preparation

    cell = _notebook("from mlopslab.preparation import build_preprocessor as kept\n"
                     "tools = {'bp': preparation.build_preprocessor}\n"
                     "def build_preprocessor(numeric, categorical):\n"
                     "    prep = tools['bp']()\n"
                     "    columns = {'numeric': numeric, 'categorical': categorical}\n"
                     "    prep['encode'].transformers = [(n, t, columns[n]) for n, t, _ in prep['encode'].transformers]\n"
                     "    return prep\n"
                     "def by_alias(numeric, categorical):\n"
                     "    return kept(numeric, categorical)\n", preparation=preparation)
    for answer in (cell["build_preprocessor"], cell["by_alias"]):
        result = evaluate("04.preprocessor", answer)
        assert result.status == "wrong" and "build_preprocessor" in result.message
    with pytest.raises(_guards.Forbidden), _guards.without(preparation, ["build_preprocessor"]):  # again at the end
        with pytest.raises(_guards.Forbidden):
            cell["tools"]["bp"]()
    assert cell["tools"]["bp"]() is not None and cell["kept"] is preparation.build_preprocessor


@pytest.mark.parametrize(("exercise", "source"), [
    ("02.sprint_kpis", "tools = {'v': scrum.velocity, 'c': scrum.commitment_reliability}\n"
                       "def answer(hist):\n"
                       "    return {'velocity': tools['v'](hist), 'commitment_reliability': tools['c'](hist, 3)}\n"),
    ("02.sprint_plan", "import mlopslab\n"
                       "def answer(backlog, capacity, done, carried):\n"
                       "    s = getattr(mlopslab, 'scrum')\n"
                       "    rest = [x for x in s.refined_backlog() if x.id not in carried]\n"
                       "    room = capacity - backlog.loc[carried, 'points'].sum()\n"
                       "    return [*carried, *(x.id for x in s.plan_sprint(rest, room, [*done, *carried]))]\n"),
    ("02.burndown", "from mlopslab.scrum import _unfinished_points as line, SprintResult\n"
                    "def answer(standup, points, days):\n"
                    "    return line(SprintResult.__new__(SprintResult))\n"),
])
def test_lab02_package_scrum_functions_are_switched_off_however_they_are_reached(exercise, source) -> None:
    """Lab 02's checks run the answer with the scrum functions that do the exercise's work switched off: reached by
    a saved reference, through the package's module at run time, or imported under another name."""
    from mlopslab import scrum

    answer = _notebook(source, scrum=scrum)["answer"]
    result = evaluate(exercise, answer)
    assert result.status == "wrong" and "scrum." in result.message, result.message


def test_without_switches_off_a_class_where_it_was_saved_and_refuses_what_it_cannot_switch_off() -> None:
    """A blocked class has each method's code swapped (an instance the lab made, or the class kept in a dict, raise
    too); an lru_cache wrapper cannot be switched off where a student saved it, so ``without`` refuses to try."""
    import types as pytypes

    module = pytypes.ModuleType("mlopslab.fake")
    cell = _notebook("class Client:\n"
                     "    def __init__(self, url):\n        self.url = url\n"
                     "    def predict(self, rows):\n        return [0.5] * len(rows)\n"
                     "import functools\n"
                     "@functools.lru_cache\n"
                     "def cached():\n    return 1\n")
    module.Client, module.cached = cell["Client"], cell["cached"]
    made, kept = module.Client("http://x"), {"c": module.Client}
    with pytest.raises(_guards.Forbidden, match="fake.Client"), _guards.without(module, ["Client"]):  # again at the end
        with pytest.raises(_guards.Forbidden, match="fake.Client"):
            made.predict([1, 2])
        with pytest.raises(_guards.Forbidden, match="fake.Client"):
            kept["c"]("http://x")
    assert made.predict([1, 2]) == [0.5, 0.5] and kept["c"]("y").url == "y"
    with pytest.raises(TypeError, match="cannot switch off fake.cached"), _guards.without(module, ["cached"]):
        pass
    assert module.cached is cell["cached"]


def test_the_seal_has_no_way_back_to_the_unguarded_function() -> None:
    """functools.wraps leaves ``__wrapped__`` (what ``inspect.unwrap`` follows); a reviewer's answer called
    ``lab11._kpis.__wrapped__`` and scored full points."""
    exposed = [f"{m.__name__}.{name}" for m in MODULES for name, fn in _functions(m) if hasattr(fn, "__wrapped__")]
    assert not exposed


def test_a_course_function_that_calls_what_it_is_given_does_not_hide_the_notebook() -> None:
    """A reviewer passed lab 11's reference judge to ``mltestscore.scorecard`` as a judge: the nearest caller was
    then the course's package, not the notebook. Only the checks, ``exercises`` and the tools are trusted callers;
    the walk goes on through the other course modules."""
    import json

    from mlopslab import mltestscore, policy
    from mlopslab.checks import lab11

    reasons = "pass [auc]: AUC 0.800; pass [fairness]: largest selection rate gap 0.040 (by SeniorCitizen)"
    ev = mltestscore.Evidence(pd.DataFrame({"run_id": ["r"], f"tags.{mltestscore.STEP_TAG}": ["train"],
                                            f"tags.{mltestscore.TRIGGER_TAG}": ["schedule"], "tags.candidate": ["recipe"]}),
                              {"version": "2", "gate": "passed", "gate.reasons": reasons,
                               "gate.policy": json.dumps(policy.GATE.as_dict())}, ["1"])
    assert not mltestscore.scorecard(ev, judges={"Model 7": lambda _ev: 1.0}).empty  # the test's own call runs
    cell = _notebook("card = mltestscore.scorecard(ev, judges={'Model 7': lab11._reference_inclusion})",
                     mltestscore=mltestscore, lab11=lab11, ev=ev)
    refused = cell["card"].loc["Model 7"]  # the scorecard scores a judge that raises 0, and says why
    assert refused["points"] == 0 and "ReferenceCodeUsed" in refused["evidence"], refused["evidence"]
    assert mltestscore.scorecard(ev, judges={"Model 7": lab11._reference_inclusion}).loc["Model 7", "points"] == 1


def test_the_grading_scan_flags_the_ways_around_a_function() -> None:
    from mlopslab.tools.grading import tamper

    for source in ("f = lab11._kpis.__wrapped__", "f = lab11._kpis.__closure__[0].cell_contents", "c = g.__code__"):
        assert tamper.scan(source), source


def test_code_from_a_cell_is_the_notebook_whatever_name_its_globals_claim() -> None:
    """A reviewer rebuilt a function of theirs with ``__name__`` set to "helpers" (and exec'd code under that name):
    the seal looked at the name only. Code compiled from a cell (ipykernel's file name) is the notebook's."""
    from mlopslab.checks import lab04

    cell_file = "/tmp/ipykernel_4242/2791535710.py"
    namespace = {"__name__": "helpers", "lab04": lab04}
    exec(compile("def scan(df):\n    return lab04._scan_reference(df)\n", cell_file, "exec"), namespace)  # noqa: S102
    with pytest.raises(ReferenceCodeUsed):
        namespace["scan"](pd.DataFrame())
    exec(compile("def run():\n    exec('lab04._scan_reference(None)', {'__name__': 'helpers', 'lab04': lab04})\n",  # noqa: S102
                 cell_file, "exec"), namespace)
    with pytest.raises(ReferenceCodeUsed):
        namespace["run"]()


def test_a_module_the_notebook_wrote_is_the_notebooks(tmp_path) -> None:
    """Code from a file that is neither the course's, a library's nor a test (a module a cell wrote and ran with
    ``runpy``, or imported) counts as the notebook's: before, any such file was trusted like the project's code."""
    from mlopslab.checks import lab04

    module = tmp_path / "helpers.py"
    module.write_text("from mlopslab.checks import lab04\n\ndef scan(df):\n    return lab04._scan_reference(df)\n")
    cell = _notebook(f"import runpy\nhelpers = runpy.run_path({str(module)!r}, run_name='helpers')\n")
    assert evaluate("04.leak_scan", cell["helpers"]["scan"]).score == 0
    with pytest.raises(ReferenceCodeUsed):
        cell["helpers"]["scan"](pd.DataFrame())
    assert lab04.leak_scan(lab04._scan_reference).score == 1  # this test's own call is trusted


@pytest.mark.parametrize(("source", "flagged"), [
    ("f = getattr(g, '__code__')", True),
    ("f = getattr(g, '__clo' + 'sure__')", True),
    ("names = vars(module)", True),
    ("d = module.__dict__", True),
    ("coefficients = getattr(model, 'coef_', None)", False),
    ("def f(x):\n    '''the share of churners'''\n    return x.mean()", False),
])
def test_the_grading_scan_sees_attributes_reached_through_strings(source, flagged) -> None:
    """A reviewer reached ``__code__`` with getattr and a string; a literal attribute name stays fine."""
    from mlopslab.tools.grading import tamper

    assert bool(tamper.scan(source)) is flagged, tamper.scan(source)


@pytest.mark.parametrize(("source", "flagged"), [
    # reviewers' ways around the seal and the switches (2026-12-05): each scored full points, none was flagged
    ("import inspect, pkgutil\n_ev = inspect.getclosurevars(pkgutil.resolve_name('mlopslab.checks.lab02:_evidence'))"
     ".nonlocals['fn']", True),
    ("practices = dict(__import__('pkg' 'util').resolve_name('mlopslab.' 'checks.lab01:_SITUATIONS'))", True),
    ("oracle = inspect.getmodule(check).evaluate", True),
    ("import operator, types\n_code = operator.attrgetter('__co' + 'de__')\n"
     "planner = types.FunctionType(_code(scrum.plan_sprint), {})", True),
    ("import runpy, tempfile\nns = runpy.run_path(path)\ngate = ns['gate']", True),
    ("def psi(reference, current):\n    import sys\n    return sys._getframe(1).f_locals['expected']", True),
    ("name = 'mlopslab.' + 'checks'", True),
    # second round: frames without a forbidden name, getattr under another name, patching a module, copying its file
    ("import sys\nframes = sys._current_frames()", True),
    ("_ga = getattr\nexpected = _ga(frame, 'f_' + 'locals')['expected']", True),
    ("development._log_training_input = lambda *args, **kwargs: None", True),
    ("mlflow.log_params = only_mine", True),
    ("text = open(preparation.__file__).read()", True),
    # honest code that uses the same words elsewhere
    ("by_month = frame.stack()\nrows = sorted(rows, key=operator.itemgetter(1))", False),
    ("message = 'the checks pass: lab 02 is done'", False),
    ("weights = np.stack([a, b])\nfrom functools import partial\nscore = partial(f, threshold=0.5)", False),
    ("card = re.compile(r'\\d{4}')\ntotal = frame.eval('a + b')\nscores = development.evaluate(model, X, y)", False),
    ("pd.options.display.max_rows = 20\ncoefficients = getattr(model, 'coef_', None)", False),
])
def test_the_grading_scan_flags_introspection_and_copies(source, flagged) -> None:
    """The seal is a speed bump; the scan is what sends such a cell to the instructor."""
    from mlopslab.tools.grading import tamper

    assert bool(tamper.scan(source)) is flagged, tamper.scan(source)


def test_references_finds_a_switched_off_function_and_copies_of_its_code(tmp_path) -> None:
    """Reviewers copied guarded package functions past ``without`` (which swaps the original's code only): rebuilt
    from its code object, or its source run again with runpy, kept in a dict or behind a helper of the notebook."""
    import inspect
    import runpy
    import types

    from mlopslab import monitoring
    from mlopslab.checks._guards import references

    targets = {"monitoring.psi": monitoring.psi}
    cell = _notebook("def psi(reference, current):\n    return helper(reference, current)\n\n"
                     "def helper(reference, current):\n    return saved['psi'](reference, current)\n",
                     saved={"psi": monitoring.psi})
    assert references(cell["psi"], targets) == ["monitoring.psi"]
    cell["saved"]["psi"] = types.FunctionType(monitoring.psi.__code__, monitoring.psi.__globals__, "mine")
    assert references(cell["psi"], targets) == ["monitoring.psi"]
    copy = tmp_path / "copy.py"
    copy.write_text("import numpy as np\n\n" + inspect.getsource(monitoring.psi))
    cell["saved"]["psi"] = runpy.run_path(str(copy))["psi"]
    assert references(cell["psi"], targets) == ["monitoring.psi"]
    own = _notebook("import numpy as np\n\ndef psi(reference, current):\n"
                    "    return float(np.mean(reference) - np.mean(current))\n")
    assert references(own["psi"], targets) == []


@pytest.mark.filterwarnings("ignore:'mlopslab.monitoring' found in sys.modules:RuntimeWarning")  # runpy, as reviewers ran it
def test_a_switched_off_function_stays_off_in_a_copy_and_when_caught() -> None:
    """A reviewer ran the module again with runpy (new function objects ``without`` never touched); another
    student could catch :class:`Forbidden` and carry on. Both end in Forbidden when the block ends."""
    import runpy

    from mlopslab import monitoring
    from mlopslab.checks._guards import Forbidden, without

    copy = runpy.run_module("mlopslab.monitoring", run_name="mlopslab.monitoring_copy",
                            alter_sys=True)["psi"]
    a, b = np.linspace(0, 1, 200), np.linspace(0.2, 1.2, 200)
    assert copy(a, b) == monitoring.psi(a, b)  # outside the block: the copy works

    def caught() -> float:
        try:
            return copy(a, b)
        except Forbidden:
            return 0.0

    for answer in (lambda: copy(a, b), caught):
        with pytest.raises(Forbidden, match="monitoring.psi"), without(monitoring, ["psi"]):
            answer()
    assert copy(a, b) == monitoring.psi(a, b)  # and after it, nothing is left switched off


def test_a_renamed_copy_in_a_file_of_its_own_is_caught(tmp_path) -> None:
    """A reviewer copied a package function into a file under another name and imported it: neither its name nor its
    file is the package's, its code is."""
    import inspect
    import runpy

    from mlopslab import monitoring
    from mlopslab.checks._guards import Forbidden, references, without

    copy = tmp_path / "helpers.py"
    copy.write_text("from mlopslab.monitoring import *  # noqa\n"
                    "from mlopslab.monitoring import _as_series, _is_categorical, _psi_of  # noqa\nimport numpy as np\n\n"
                    + inspect.getsource(monitoring.psi).replace("def psi(", "def drift_index(", 1))
    renamed = runpy.run_path(str(copy))["drift_index"]
    a, b = np.linspace(0, 1, 200), np.linspace(0.2, 1.2, 200)
    assert renamed(a, b) == monitoring.psi(a, b)
    assert references(renamed, {"monitoring.psi": monitoring.psi}) == ["monitoring.psi"]
    with pytest.raises(Forbidden, match="monitoring.psi"), without(monitoring, ["psi"]):
        renamed(a, b)


def test_switching_the_watch_off_or_calling_from_a_thread_is_caught() -> None:
    """Reviewers called a copy from a worker thread (the profile hook watched the calling thread only) and switched
    the hook off with sys.setprofile(None) before calling it."""
    import runpy
    import sys
    from concurrent.futures import ThreadPoolExecutor

    from mlopslab import monitoring
    from mlopslab.checks._guards import Forbidden, without

    copy = runpy.run_path(monitoring.__file__, run_name="mlopslab.monitoring_thread_copy")["psi"]
    a, b = np.linspace(0, 1, 200), np.linspace(0.2, 1.2, 200)
    with pytest.raises(Forbidden, match="monitoring.psi"), without(monitoring, ["psi"]):
        with ThreadPoolExecutor(1) as pool:
            pool.submit(copy, a, b).exception()
    with pytest.raises(Forbidden, match="sys.setprofile"), without(monitoring, ["psi"]):
        sys.setprofile(None)
        copy(a, b)
    assert sys.getprofile() is None and copy(a, b) == monitoring.psi(a, b)
