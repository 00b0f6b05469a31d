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


def test_artifact_root_is_beside_a_sqlite_store_and_is_the_one_the_ui_uses(tmp_path, monkeypatch) -> None:
    import os

    from mlflow.environment_variables import _MLFLOW_SGI_NAME
    from mlflow.server import constants
    from mlopslab import config, mlflow_ui

    uri = sqlite_uri(tmp_path / "s")
    assert config.artifact_root(uri) == (tmp_path / "s" / "artifacts").resolve().as_uri()
    assert config.artifact_root("http://127.0.0.1:5000") is None
    for name in (constants.BACKEND_STORE_URI_ENV_VAR, constants.REGISTRY_STORE_URI_ENV_VAR,
                 constants.ARTIFACT_ROOT_ENV_VAR, _MLFLOW_SGI_NAME.name, "MLFLOW_SERVER_ENABLE_JOB_EXECUTION"):
        monkeypatch.delenv(name, raising=False)  # configure() sets them; monkeypatch restores them after the test
    mlflow_ui.configure(uri)
    assert os.environ[constants.ARTIFACT_ROOT_ENV_VAR] == config.artifact_root(uri)


def test_tracking_is_set_up_once_per_store_and_again_when_anything_moved(tmp_path, monkeypatch) -> None:
    import mlflow
    from mlopslab import config

    calls = []
    real = mlflow.set_experiment
    monkeypatch.setattr(mlflow, "set_experiment", lambda *a, **k: calls.append(a) or real(*a, **k))
    first = empty_store(tmp_path / "first")
    monkeypatch.setenv("MLFLOW_TRACKING_URI", first)
    assert config.ensure_tracking() == first and len(calls) == 1
    assert config.ensure_tracking() == first and len(calls) == 1  # nothing moved: nothing redone
    real("elsewhere")  # the student selects another experiment: the next client puts the course's back
    assert config.ensure_tracking() == first and len(calls) == 2
    assert mlflow.get_experiment(mlflow.tracking.fluent._get_experiment_id()).name == config.EXPERIMENT
    second = empty_store(tmp_path / "second")  # another store (a test's fresh one, the grader's)
    monkeypatch.setenv("MLFLOW_TRACKING_URI", second)
    assert config.ensure_tracking() == second and mlflow.get_tracking_uri() == second and len(calls) == 3
    monkeypatch.setenv("MLFLOW_TRACKING_URI", first)  # back to the first: MLflow points at the second meanwhile
    assert config.ensure_tracking() == first and len(calls) == 4
    Path(first.removeprefix("sqlite:///")).unlink()  # the store deleted and made anew at the same path
    empty_store(tmp_path / "first")
    assert config.ensure_tracking() == first and len(calls) == 5
    assert mlflow.get_experiment_by_name(config.EXPERIMENT) is not None
