"""The class-scale path: labs run against a real `mlflow server` process, as an instructor shares with a class."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def mlflow_server(tmp_path):
    """A real tracking server on a free loopback port, stopped with its whole process group afterwards."""
    from mlopslab.config import empty_store

    port = free_port()
    store = empty_store(tmp_path / "server")  # already migrated: the server starts without MLflow's migrations
    cmd = [str(Path(sys.executable).with_name("mlflow")), "server", "--host", "127.0.0.1", "--port", str(port),
           "--workers", "1", "--backend-store-uri", store,
           "--artifacts-destination", str(tmp_path / "artifacts")]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                with urllib.request.urlopen(f"{url}/health", timeout=2) as response:
                    if response.status == 200:
                        break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("mlflow server did not become healthy") from None
                time.sleep(0.5)
        yield url
    finally:
        os.killpg(proc.pid, signal.SIGINT)  # as Ctrl-C would (SIGTERM left it running for 20 s)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def test_labs_track_and_register_on_a_shared_server(mlflow_server, tmp_path) -> None:
    env = {**os.environ, "MLFLOW_TRACKING_URI": mlflow_server}
    proc = subprocess.run([sys.executable, "-m", "mlopslab", "run", "--labs", "01", "06", "--out", str(tmp_path / "out")],
                          env=env, capture_output=True, text=True, timeout=1200, check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr

    from mlflow.tracking import MlflowClient

    client = MlflowClient(tracking_uri=mlflow_server)
    experiment = client.get_experiment_by_name("churn-retention")
    runs = client.search_runs([experiment.experiment_id], max_results=500)
    assert len(runs) >= 2 and all(r.info.status == "FINISHED" for r in runs)
    assert {r.data.tags.get("data_version") for r in runs} - {None}, "runs carry their data version"
    # the student version of lab 06 registers the candidate as `challenger` (the promotion to `champion` is the
    # student's exercise 06.promote, a stub here)
    challenger = client.get_model_version_by_alias("churn", "challenger")
    assert challenger.version and client.get_run(challenger.run_id).info.status == "FINISHED"
    assert challenger.tags.get("data_version"), "the registered version carries its data version"
