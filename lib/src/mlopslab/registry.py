"""The MLflow model registry, by alias: register a run's model, move aliases, load ``models:/churn@alias``.

Stages are deprecated in MLflow 3; the course uses the aliases ``challenger`` and ``champion``.
:func:`ensure_champion` gives any lab a served model on an empty store, so no lab depends on another.
"""

from __future__ import annotations

from .config import MODEL_NAME, SEED, data_dir, setup_tracking


def client():
    """An MlflowClient on the course tracking store."""
    from mlflow.tracking import MlflowClient

    return MlflowClient(tracking_uri=setup_tracking())


def model_uri(alias: str = "champion", name: str = MODEL_NAME) -> str:
    """``models:/churn@champion`` and the like."""
    return f"models:/{name}@{alias}"


def register(run_id: str, alias: str | None = None, tags: dict[str, str] | None = None, name: str = MODEL_NAME) -> str:
    """Register the model logged under ``run_id``; optionally point ``alias`` at it; return the version."""
    import contextlib
    import io

    import mlflow

    setup_tracking()
    with contextlib.redirect_stderr(io.StringIO()):  # MLflow prints "Successfully registered..." to stderr
        version = mlflow.register_model(f"runs:/{run_id}/model", name).version
    c = client()
    for key, value in (tags or {}).items():
        c.set_model_version_tag(name, version, key, value)
    if alias:
        c.set_registered_model_alias(name, alias, version)
    return str(version)


def alias_version(alias: str, name: str = MODEL_NAME) -> str | None:
    """The version an alias points at, or None if the alias (or the model) does not exist."""
    from mlflow.exceptions import MlflowException

    try:
        return str(client().get_model_version_by_alias(name, alias).version)
    except MlflowException:
        return None


def load(alias: str = "champion", name: str = MODEL_NAME):
    """The model behind an alias, as an MLflow pyfunc (``predict`` returns churn probabilities)."""
    import mlflow

    setup_tracking()
    # suppress_warnings skips MLflow's environment-mismatch scan (seconds; the course venv is the model's own)
    return mlflow.pyfunc.load_model(model_uri(alias, name), suppress_warnings=True)


def reference_split():
    """The reference model's (train, test) frames: the 2025 customers, the last three months held out."""
    from .data import load_customers
    from .preparation import time_split

    return time_split(load_customers(), test_months=3)


def train_reference_model(seed: int = SEED):
    """Fit the course's reference churn model (gradient boosting) on the 2025 customers.

    Returns the fitted pipeline and the (train, test) frames of :func:`reference_split`.
    """
    from .development import candidate_models, fit_candidate

    train, test = reference_split()
    pipeline = fit_candidate(candidate_models(seed)["gradient_boosting"], train)
    return pipeline, train, test


def ensure_champion(name: str = MODEL_NAME) -> str:
    """Make sure ``name@champion`` exists in the current store (train, log, register if not); return its version."""
    version = alias_version("champion", name)
    if version is not None:
        return version
    from .data import sha256_file
    from .development import log_run

    pipeline, train, test = train_reference_model()
    run_id = log_run(pipeline, "reference-champion", train, test, sha256_file(data_dir() / "customers.csv"),
                     tags={"trained_by": "mlopslab.registry.ensure_champion", "approved_by": "course reference"})
    return register(run_id, alias="champion", tags={"approved_by": "course reference", "gate": "passed"}, name=name)
