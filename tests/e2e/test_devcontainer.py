"""The Codespaces / VS Code dev container, as far as this machine allows: its configuration parses and names what
it needs, and its post-create script runs in a fresh venv (install, data check, lab 00 headlessly)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from live_jupyter import REPO, clean_env

pytestmark = pytest.mark.devcontainer


def test_configuration_is_valid() -> None:
    config = json.loads((REPO / ".devcontainer" / "devcontainer.json").read_text())
    image = config["image"]
    version = image.rsplit(":", 1)[1].split("-")[0]
    assert image.startswith("mcr.microsoft.com/devcontainers/python:") and tuple(map(int, version.split("."))) >= (3, 11)
    assert config["postCreateCommand"] == "bash .devcontainer/post-create.sh"
    assert "labs/00_welcome.ipynb" in config["customizations"]["codespaces"]["openFiles"]
    assert os.access(REPO / ".devcontainer" / "post-create.sh", os.X_OK)


def test_post_create_script_sets_up_the_course_in_a_fresh_venv(tmp_path) -> None:
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    env = clean_env(venv / "bin", MLOPSLAB_HOME=str(REPO), MLFLOW_TRACKING_URI=f"sqlite:///{tmp_path / 'mlflow.db'}")
    proc = subprocess.run(["bash", ".devcontainer/post-create.sh"], cwd=REPO, env=env, capture_output=True, text=True,
                          timeout=1800)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert "00_welcome  ok" in proc.stdout and "data files match" in proc.stdout, proc.stdout[-2000:]
    assert (REPO / "build" / "environment-check" / "00_welcome.ipynb").is_file()
