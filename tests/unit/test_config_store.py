"""A new tracking store keeps everything in its own folder, MLflow's ``Default`` experiment included."""

from __future__ import annotations

from pathlib import Path

from mlflow.tracking import MlflowClient
from mlopslab.config import empty_store, init_store, sqlite_uri


def _default_run_artifact(uri: str) -> Path:
    """Log a text artifact in a run of the Default experiment (id 0); where it landed."""
    client = MlflowClient(tracking_uri=uri)
    run = client.create_run("0")
    client.log_text(run.info.run_id, "logged outside the course experiment", "note.txt")
    client.set_terminated(run.info.run_id)
    return Path(client.get_run(run.info.run_id).info.artifact_uri.removeprefix("file://")) / "note.txt"


def test_copies_of_the_template_log_default_runs_into_their_own_folder(tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)  # MLflow's own default would be <cwd>/mlruns
    for name in ("first", "second"):
        folder = (tmp_path / name).resolve()
        note = _default_run_artifact(empty_store(folder))
        assert note.is_file() and note.is_relative_to(folder), note
    assert not (tmp_path / "mlruns").exists()


def test_a_store_made_in_place_logs_default_runs_beside_its_database(tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    folder = (tmp_path / "store").resolve()
    uri = sqlite_uri(folder)
    init_store(uri)
    note = _default_run_artifact(uri)
    assert note.is_file() and note.is_relative_to(folder), note
    assert not (tmp_path / "mlruns").exists()
