"""The MLflow UI as a JupyterLab launcher tile, through jupyter-server-proxy.

Registered in ``lib/pyproject.toml`` under the ``jupyter_serverproxy_servers`` entry point, so any JupyterLab
with jupyter-server-proxy installed (Binder, or a student's own) shows an "MLflow UI" tile. The first request to
``<base_url>/mlflow/`` starts MLflow's server app (in one process, :mod:`mlopslab.mlflow_ui`) on a free loopback
port, reading the labs' own tracking store (:func:`mlopslab.config.tracking_uri`); Jupyter authenticates every
request before it is proxied.

MLflow 3 checks the Host header (against DNS rebinding) and the Origin of state-changing API calls (against
cross-site requests). Through the proxy the browser's own Host and Origin reach MLflow: on a local JupyterLab those
are ``localhost`` and pass MLflow's defaults; on Binder they are the hub's public name, which is not known in
advance, so ``binder/start`` sets ``MLFLOW_SERVER_ALLOWED_HOSTS`` and ``MLFLOW_SERVER_CORS_ALLOWED_ORIGINS``, which
MLflow reads from the environment (see docs/binder.md).
"""

from __future__ import annotations

import sys

from . import config

NAME = "mlflow"
"""The proxy path: the UI is at ``<base_url>/mlflow/``."""

START_TIMEOUT = 120.0
"""Seconds the proxy waits for the server's port on the first request (MLflow imports slowly on a busy machine)."""


def command(port: int | str = "{port}") -> list[str]:
    """The MLflow UI's command line: MLflow's server app in one process, on loopback, on the labs' tracking store."""
    return [sys.executable, "-m", "mlopslab.mlflow_ui", str(port)]


def environment() -> dict[str, str]:
    """Extra environment for the server: no background job runner (the labs use none; it costs memory)."""
    return {"MLFLOW_SERVER_ENABLE_JOB_EXECUTION": "false"}


def icon() -> str:
    """The launcher icon (binder/mlflow.svg), or "" for jupyter-server-proxy's default."""
    try:
        path = config.repo_root() / "binder" / "mlflow.svg"
    except FileNotFoundError:
        return ""
    return str(path) if path.is_file() else ""


def setup_mlflow() -> dict:
    """The jupyter-server-proxy server-process config (the ``jupyter_serverproxy_servers`` entry point).

    Called once when Jupyter starts; imports nothing heavy (MLflow runs in its own process, on demand).
    """
    return {
        "command": command(),
        "environment": environment(),
        "timeout": START_TIMEOUT,
        "absolute_url": False,
        "new_browser_tab": True,
        "launcher_entry": {"title": "MLflow UI", "icon_path": icon(), "category": "Other"},
    }
