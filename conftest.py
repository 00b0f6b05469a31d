"""Test-session set-up shared by the unit tests, nbval and the exercise harness: see tests/helpers/notebook_session.py
(warm kernels, one thread each, a fresh MLflow store per notebook). Helpers shared by tests live in tests/helpers/
(on pytest's pythonpath).

The longest test scopes run first (``pytest_collection_modifyitems`` below, with ``--no-loadscope-reorder`` in
pytest.ini): pytest-xdist hands each worker one scope (module or class) at a time in collection order, so a long
scope collected last would keep one core busy while the other idles at the end.
"""

from __future__ import annotations

pytest_plugins = ["notebook_session"]

LONGEST = {
    # seconds per scope on the 2-core CI machine (pytest --durations, 2026-12-02); only the order matters: a figure
    # that is off costs some idle time at the end of the run, never a result
    "tests/integration/test_release.py": 160,
    "tests/integration/test_runner_cli.py": 120,
    "tests/labs/test_exercises.py::TestLab10": 95,
    "tests/labs/test_exercises.py::TestLab11": 75,
    "tests/labs/test_exercises.py::TestLab08": 75,
    "tests/unit/test_deployment.py": 75,
    "tests/integration/test_grading.py": 70,
    "tests/integration/test_term_lms.py": 66,
    "tests/integration/test_shared_server.py": 60,
    "tests/integration/test_sandbox.py": 60,
    "tests/labs/test_exercises.py::TestLab04": 52,
    "tests/labs/test_exercises.py::TestLab03": 45,
    "tests/labs/test_exercises.py::TestLab09": 43,
    "tests/integration/test_warm.py": 40,
    "tests/labs/test_exercises.py::TestLab07": 34,
    "tests/labs/test_exercises.py::TestLab05": 32,
    "tests/labs/test_exercises.py::TestLab01": 28,
    "tests/labs/test_exercises.py::TestLab06": 22,
    "tests/integration/test_tracking_concurrency.py": 20,
    "tests/labs/test_exercises.py::TestLab02": 15,
    "tests/labs/test_exercises.py::TestLab00": 12,
}


def _expected_seconds(nodeid: str) -> float:
    return max((s for scope, s in LONGEST.items() if nodeid == scope or nodeid.startswith(scope + "::")), default=0)


def pytest_collection_modifyitems(items: list) -> None:
    """Longest scopes first; the rest in collection order (a stable sort keeps each scope's tests together)."""
    items.sort(key=lambda item: -_expected_seconds(item.nodeid))
