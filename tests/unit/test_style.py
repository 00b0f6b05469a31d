"""The code is ruff-clean: the package, the tests and the lab sources (ruff.toml says which rules)."""

from __future__ import annotations

import subprocess
import sys

from mlopslab.config import repo_root


def test_ruff_finds_nothing() -> None:
    proc = subprocess.run([sys.executable, "-m", "ruff", "check", "lib", "tests", "course", "conftest.py"],
                          cwd=repo_root(), capture_output=True, text=True, timeout=300, check=False)
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-2000:]
