"""The shortcut probe's package-function candidates: every course function a student could call, except those
whose side effects would change what the rest of the lab sees."""

from __future__ import annotations

from mlopslab.tools import probe


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
