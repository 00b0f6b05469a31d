"""The shortcut probe: its package-function candidates (every course function a student could call, except those
whose side effects would change what the rest of the lab sees), and what it leaves behind."""

from __future__ import annotations

from mlopslab import config
from mlopslab.tools import probe
from stores import fresh_store


def offered() -> set[str]:
    return {name for count in (1, 2, 3) for name, _ in probe.package_functions(count)}


def test_functions_with_side_effects_on_the_lab_are_never_tried() -> None:
    names = offered()
    for unsafe in ("mlopslab.registry.reset_champion", "mlopslab.mlflow_ui.configure", "mlopslab.mlflow_ui.main"):
        assert unsafe not in names, f"{unsafe} would change the store or the environment the lab's later cells use"


def test_functions_a_student_could_use_as_a_shortcut_are_still_tried() -> None:
    names = offered()
    for candidate in ("mlopslab.preparation.make_pipeline", "mlopslab.validation.gate", "mlopslab.monitoring.psi",
                      "mlopslab.validation.promote", "mlopslab.registry.register"):
        assert candidate in names, candidate


def test_runs_a_declared_cell_logs_are_deleted_after_its_verdict(monkeypatch) -> None:
    """Lab 11's second wrong answer of 11.contract logs a contract run tagged for the increment: left in the store,
    it became the increment's evidence and changed the scorecard the lab's later cells print."""
    import mlflow

    monkeypatch.setenv("MLFLOW_TRACKING_URI", fresh_store("probe-runs"))
    config.setup_tracking()
    with mlflow.start_run(run_name="the lab's own"):
        pass
    with probe._runs_deleted_afterwards():
        with mlflow.start_run(run_name="a wrong answer's"):
            pass
        assert len(mlflow.search_runs(search_all_experiments=True)) == 2  # the check still sees it
    assert list(mlflow.search_runs(search_all_experiments=True)["tags.mlflow.runName"]) == ["the lab's own"]
