"""The environment a lab kernel gets from the process that starts it."""

from __future__ import annotations

from mlopslab.tools.execution import kernel_env


def test_a_kernel_never_inherits_this_process_s_experiment_or_run(monkeypatch) -> None:
    """``mlflow.set_experiment`` in the starting process sets MLFLOW_EXPERIMENT_ID; a kernel on its own store that
    inherited it would fail its first run ("experiment_id 1 does not exist"), as one did in CI."""
    monkeypatch.setenv("MLFLOW_EXPERIMENT_ID", "1")
    monkeypatch.setenv("MLFLOW_RUN_ID", "0123456789abcdef")
    monkeypatch.setenv("SOMETHING_ELSE", "kept")
    env = kernel_env("sqlite:////tmp/store/mlflow.db")
    assert "MLFLOW_EXPERIMENT_ID" not in env and "MLFLOW_RUN_ID" not in env
    assert env["MLFLOW_TRACKING_URI"] == "sqlite:////tmp/store/mlflow.db" and env["SOMETHING_ELSE"] == "kept"
