"""Run pytest in-process on test files given as source text: the mechanics under
:func:`mlopslab.continuous.run_code_checks` (lab 10's CI of code).

The files go to a temporary folder whose name tells the checks' seal that their code is the notebook's
(:data:`mlopslab.checks._guards.NOTEBOOK_TESTS`), with a ``pytest.ini`` of its own; plugins are not autoloaded while
pytest runs, and pytest's output is swallowed: the outcome of each test is collected by a plugin instead.
"""

from __future__ import annotations

import contextlib
import io
import os
import sys
import tempfile
from pathlib import Path


class _Collector:
    """A pytest plugin that keeps one row per test (and per file that does not collect): test, outcome, message."""

    def __init__(self) -> None:
        self.rows: list[dict[str, str]] = []

    def pytest_collectreport(self, report) -> None:
        if report.failed:
            lines = [line for line in str(report.longrepr).strip().splitlines() if line.strip()]
            self.rows.append({"test": f"(collecting {Path(report.nodeid).name or 'the tests'})",
                              "outcome": "failed", "message": lines[-1].lstrip("E ").strip() if lines else ""})

    def pytest_runtest_logreport(self, report) -> None:
        if report.when == "call" or (report.when == "setup" and report.outcome != "passed"):
            crash = getattr(report.longrepr, "reprcrash", None)  # "AssertionError: ..." without the temp path
            message = "" if not report.failed else (crash.message.splitlines()[0] if crash else
                                                     str(report.longrepr).strip().splitlines()[-1])
            self.rows.append({"test": report.nodeid.split("::")[-1], "outcome": report.outcome,
                              "message": message})


def run_sources(sources: list[str]) -> list[dict[str, str]]:
    """Run pytest in-process on each source (a test file's text); one row per test: test, outcome, message.

    A file that does not collect gives a failed row ``(collecting <file>)``. Nothing runs if ``sources`` is empty.
    """
    import pytest

    from .checks._guards import NOTEBOOK_TESTS

    collector = _Collector()
    modules = [f"test_lab10_checks{'' if i == 0 else f'_{i + 1}'}" for i in range(len(sources))]
    with tempfile.TemporaryDirectory(prefix=NOTEBOOK_TESTS) as folder:
        paths = [Path(folder) / f"{module}.py" for module in modules]
        for path, source in zip(paths, sources):
            path.write_text(source)
        ini = Path(folder) / "pytest.ini"
        ini.write_text("[pytest]\n")  # keep the repo's pytest.ini (nbval, xdist) out
        autoload = os.environ.get("PYTEST_DISABLE_PLUGIN_AUTOLOAD")
        os.environ["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = "1"  # no nbval/xdist/playwright plugins: seconds saved
        for module in modules:  # a file of the same name from an earlier run: pytest would refuse this one
            sys.modules.pop(module, None)
        try:
            if paths:
                with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
                    # no:unraisableexception: that plugin runs a full garbage collection twice per session, 0.1-0.3 s
                    # each in a kernel holding a lab's objects (most of a check's run); it only adds warnings
                    pytest.main([*map(str, paths), "-q", "-p", "no:cacheprovider", "-p", "no:randomly",
                                 "-p", "no:unraisableexception", "--continue-on-collection-errors", "--rootdir", folder,
                                 "-c", str(ini)], plugins=[collector])
        finally:
            for module in modules:
                sys.modules.pop(module, None)
            if autoload is None:
                os.environ.pop("PYTEST_DISABLE_PLUGIN_AUTOLOAD", None)
            else:
                os.environ["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = autoload
    return collector.rows
