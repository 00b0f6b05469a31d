"""The MLflow UI in one process: the app `mlflow server --workers 1` serves, without its supervising parent.

``mlflow server`` stays alive only to supervise one uvicorn worker, and each imports MLflow: about 280 MB for the
supervisor on top of the worker's 265 MB. Binder guarantees 1 GB per session, so the JupyterLab tile
(:mod:`mlopslab.mlflow_proxy`) starts the same FastAPI app in a single process:
``python -m mlopslab.mlflow_ui PORT``. MLflow's own security middleware (Host and Origin checks, configured by
``MLFLOW_SERVER_ALLOWED_HOSTS`` / ``MLFLOW_SERVER_CORS_ALLOWED_ORIGINS``) is part of that app and stays on.
"""

from __future__ import annotations

import os
import sys

from . import config


def configure(uri: str) -> None:
    """Tell the MLflow server app where the store and the artifacts are, as ``mlflow server`` does for its worker."""
    from mlflow.environment_variables import _MLFLOW_SGI_NAME
    from mlflow.server import constants

    os.environ[constants.BACKEND_STORE_URI_ENV_VAR] = uri
    os.environ[constants.REGISTRY_STORE_URI_ENV_VAR] = uri
    root = config.artifact_root(uri)
    if root:
        os.environ[constants.ARTIFACT_ROOT_ENV_VAR] = root
    os.environ[_MLFLOW_SGI_NAME.name] = "uvicorn"
    os.environ.setdefault("MLFLOW_SERVER_ENABLE_JOB_EXECUTION", "false")


def main(argv: list[str] | None = None) -> None:
    """Serve the MLflow UI for the labs' tracking store on 127.0.0.1:PORT until stopped."""
    port = int((argv if argv is not None else sys.argv[1:])[0])
    uri = config.tracking_uri()
    configure(uri)
    config.init_store(uri)
    import uvicorn

    uvicorn.run("mlflow.server.fastapi_app:app", host="127.0.0.1", port=port, log_level="warning")


if __name__ == "__main__":
    main()
