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


def test_init_store_never_replaces_a_store_that_exists(tmp_path) -> None:
    """init_store copies the template only where no store is: a second call (or another process that lost the race)
    keeps what the first one made and what was logged in it; no partial copy is left behind."""
    uri = sqlite_uri(tmp_path / "store")
    init_store(uri)
    client = MlflowClient(tracking_uri=uri)
    experiment = client.create_experiment("kept")
    init_store(uri)
    assert client.get_experiment(experiment).name == "kept"
    assert sorted(p.name for p in (tmp_path / "store").iterdir()) == ["mlflow.db"]


def test_init_store_makes_the_folders_a_store_needs(tmp_path) -> None:
    db = tmp_path / "a" / "b" / "course.db"
    init_store(f"sqlite:///{db}")
    assert db.is_file() and MlflowClient(tracking_uri=f"sqlite:///{db}").search_experiments()[0].name == "Default"
