"""A Binder rehearsal without Docker: what repo2docker and mybinder.org would do, as far as this machine allows.

The student release (`mlopslab release`, what the Binder badge points at) is written to a temporary folder; a fresh venv gets
``pip install -r binder/requirements.txt`` from the copy's root (repo2docker's working directory); ``binder/postBuild``
runs; JupyterLab starts through ``binder/start`` on a free loopback port with a token, under a JupyterHub-style
base URL and accepting a foreign Host header as a hub-proxied server does. Then: the server lists the labs, a lab
runs on the server's own kernel over its websocket, and the MLflow UI answers through the proxy path, reading the
store the labs write to.

Slow (a venv install, about a minute with a warm pip cache): marked ``binder``; deselect it with ``-m "not binder"``.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from live_jupyter import Kernel, clean_env, errors, start_jupyter, stop_group, stream_text, wait_for

pytestmark = pytest.mark.binder

BASE_URL = "/user/student-binder/"
PUBLIC = "hub.binder.example"  # stands in for the hub's public name, which reaches the server through the hub's proxy


def copy_repo(target: Path) -> Path:
    """What Binder builds: the student release (`mlopslab release`), which the badge points at."""
    from mlopslab.tools import release

    release.write_release(target)
    return target


@pytest.fixture(scope="module")
def binder(tmp_path_factory):
    """The rehearsed Binder: (server, repo copy, venv); the server's process group is stopped afterwards."""
    tmp = tmp_path_factory.mktemp("binder")
    repo = copy_repo(tmp / "repo")
    venv = tmp / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    env = clean_env(venv / "bin")
    install = subprocess.run([str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet", "-r",
                              "binder/requirements.txt"], cwd=repo, env=env, capture_output=True, text=True)
    assert install.returncode == 0, install.stdout[-3000:] + install.stderr[-3000:]
    post = subprocess.run(["binder/postBuild"], cwd=repo, env=env, capture_output=True, text=True)
    assert post.returncode == 0, post.stdout + post.stderr
    assert (repo / ".mlflow" / "mlflow.db").is_file(), "postBuild should create the embedded tracking store"
    server = start_jupyter(repo, tmp / "jupyter.log", env, start_script=repo / "binder" / "start", base_url=BASE_URL,
                           extra_args=("--ServerApp.allow_remote_access=True",))
    try:
        yield server, repo, venv
    finally:
        stop_group(server.proc)


def test_server_lists_the_labs(binder) -> None:
    server, repo, _ = binder
    reply = server.request("GET", "api/contents/labs")
    assert reply.status_code == 200, reply.text
    listed = {item["name"] for item in reply.json()["content"] if item["type"] == "notebook"}
    assert listed == {p.name for p in (repo / "labs").glob("*.ipynb")}
    assert "00_welcome.ipynb" in listed


def test_a_lab_runs_on_the_servers_kernel(binder) -> None:
    server, repo, venv = binder
    lab = nbformat.read(repo / "labs" / "00_welcome.ipynb", as_version=4)
    cells = {cell.id: cell for cell in lab.cells}
    kernel = Kernel(server, "labs/00_welcome.ipynb")
    try:
        where = kernel.execute("import sys, os; print(sys.prefix); print(os.getcwd())")
        prefix, cwd = stream_text(where).split()
        assert Path(prefix).resolve() == venv.resolve(), "the kernel must be the server's (the Binder venv)"
        assert Path(cwd).resolve() == (repo / "labs").resolve()

        for cell_id in ("cell-02", "cell-06", "cell-08", "ex-00-churn-rate"):
            outputs = kernel.execute(cells[cell_id].source)
            assert not errors(outputs), (cell_id, errors(outputs))
            if cell_id == "cell-06":  # the data checksums, exactly as in the committed reference output
                assert stream_text(outputs) == stream_text(cells[cell_id].outputs)
            if cell_id == "cell-08":  # Binder sets no MLFLOW_TRACKING_URI: the labs use the repo's own store
                assert "course default" in stream_text(outputs), stream_text(outputs)

        feedback = kernel.execute(cells["check-00-churn-rate"].source)
        results = [o["data"]["application/vnd.mlopslab.check+json"] for o in feedback if o["output_type"] == "display_data"]
        assert [r["status"] for r in results] == ["unanswered"], feedback
    finally:
        kernel.close()


def test_mlflow_ui_through_the_proxy(binder) -> None:
    server, repo, _ = binder
    tiles = server.request("GET", "server-proxy/servers-info").json()["server_processes"]
    assert [(t["name"], t["launcher_entry"]["title"], t["launcher_entry"]["enabled"]) for t in tiles] == [
        ("mlflow", "MLflow UI", True)]

    kernel = Kernel(server, "labs/00_welcome.ipynb")  # a lab logs a run to its store, as lab 01 and 05 do
    try:
        logged = kernel.execute("import mlflow\nfrom mlopslab import config\nconfig.quiet()\n"
                                "print(config.setup_tracking())\n"
                                "with mlflow.start_run(run_name='binder-rehearsal') as run:\n"
                                "    mlflow.log_metric('roc_auc', 0.5)")
        assert not errors(logged), errors(logged)
        assert stream_text(logged).strip() == f"sqlite:///{(repo / '.mlflow' / 'mlflow.db').resolve()}"
    finally:
        kernel.close()

    page = wait_for(lambda: (r := server.request("GET", "mlflow/")).status_code == 200 and r, "the MLflow UI")
    assert "<title>MLflow</title>" in page.text
    script = re.search(r'src="(static-files/[^"]+\.js)"', page.text)
    assert script, page.text[:500]
    asset = server.request("GET", "mlflow/" + script.group(1))  # relative asset paths resolve under the proxy path
    assert asset.status_code == 200 and "javascript" in asset.headers["Content-Type"]

    # The browser's own Host and Origin (the hub's public name) reach MLflow through the proxy.
    browser = {"Host": PUBLIC, "Origin": f"https://{PUBLIC}", "Content-Type": "application/json"}
    found = server.request("POST", "mlflow/ajax-api/2.0/mlflow/experiments/search", headers=browser,
                           data=json.dumps({"max_results": 100}))
    assert found.status_code == 200, found.text[:500]
    experiments = {e["name"]: e["experiment_id"] for e in found.json()["experiments"]}
    assert "churn-retention" in experiments, experiments
    runs = server.request("POST", "mlflow/ajax-api/2.0/mlflow/runs/search", headers=browser,
                          data=json.dumps({"experiment_ids": [experiments["churn-retention"]]}))
    assert runs.status_code == 200, runs.text[:500]
    assert "binder-rehearsal" in {r["info"]["run_name"] for r in runs.json()["runs"]}
