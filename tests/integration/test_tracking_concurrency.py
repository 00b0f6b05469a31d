"""Tracking under concurrency: parallel labs on one embedded SQLite store lose no run and never lock out."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

import nbformat
from mlopslab.config import repo_root
from nbformat.v4 import new_code_cell, new_notebook

LOGGING_LAB = """
from mlopslab import config
config.quiet()
config.setup_tracking()
import mlflow
for i in range(RUNS):
    with mlflow.start_run(run_name=f"{LAB}-{i}"):
        mlflow.log_params({"i": i, "lab": LAB})
        mlflow.log_metrics({"auc": 0.5 + i / 100, "profit": 100.0 * i})
        mlflow.set_tag("data_version", "abc")
print("logged", RUNS)
"""


def test_parallel_labs_on_the_default_store_lose_no_run(tmp_path) -> None:
    repo = tmp_path / "repo"
    (repo / "labs").mkdir(parents=True)
    shutil.copytree(repo_root() / "data", repo / "data")
    labs, runs_per_lab, rounds = 2, 8, 2  # a new store, then the same store again
    for n in range(labs):
        src = f"RUNS = {runs_per_lab}\nLAB = 'lab{n}'\n" + LOGGING_LAB
        nb = new_notebook(cells=[new_code_cell(src)])
        nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
        nbformat.write(nb, repo / "labs" / f"{n:02d}_logging.ipynb")
    env = {k: v for k, v in os.environ.items() if k != "MLFLOW_TRACKING_URI"} | {"MLOPSLAB_HOME": str(repo)}
    for round_ in range(rounds):
        proc = subprocess.run([sys.executable, "-m", "mlopslab", "run", "--out", str(tmp_path / f"out{round_}"),
                               "--workers", "2", "--kernels", "cold"],  # a cold kernel imports only MLflow
                              env=env, capture_output=True, text=True, timeout=600, check=False)
        assert proc.returncode == 0, proc.stdout + proc.stderr
        assert "locked" not in proc.stdout + proc.stderr

    import mlflow

    client = mlflow.tracking.MlflowClient(tracking_uri=f"sqlite:///{repo / '.mlflow' / 'mlflow.db'}")
    experiment = client.get_experiment_by_name("churn-retention")
    runs = client.search_runs([experiment.experiment_id], max_results=1000)
    assert len(runs) == labs * runs_per_lab * rounds
    assert all(r.info.status == "FINISHED" for r in runs)


ENSURE = "from mlopslab import config, registry\nconfig.quiet()\nprint('champion', registry.ensure_champion())\n"


def test_labs_that_need_the_champion_at_once_build_it_once(tmp_path) -> None:
    """`mlopslab run` on a new default store: labs 08-11 start side by side and each asks for the champion. Two
    builders at once made MLflow fail on its dataset table (UNIQUE constraint) and would register two champions."""
    from mlflow import MlflowClient
    from mlopslab import config
    from stores import fresh_store

    uri = fresh_store("champion-race")
    env = {**os.environ, "MLFLOW_TRACKING_URI": uri}
    procs = [subprocess.Popen([sys.executable, "-c", ENSURE], env=env, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True) for _ in range(2)]
    outputs = [p.communicate(timeout=300) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], [err[-2000:] for _, err in outputs]
    assert {out.split()[-1] for out, _ in outputs} == {"1"}, outputs
    versions = MlflowClient(uri).search_model_versions(f"name='{config.MODEL_NAME}'")
    assert len(versions) == 1, [v.version for v in versions]
