"""Paths and settings shared by every lab: where the repo, data and tracking store are."""

from __future__ import annotations

import os
from pathlib import Path

SEED = 42
"""The one seed every lab and generator starts from."""

EXPERIMENT = "churn-retention"
"""The MLflow experiment the labs log to."""

MODEL_NAME = "churn"
"""The registered model name (aliases: ``challenger``, ``champion``)."""


def repo_root() -> Path:
    """The course repository: ``MLOPSLAB_HOME`` if set, else found from this file or the cwd."""
    if os.environ.get("MLOPSLAB_HOME"):
        return Path(os.environ["MLOPSLAB_HOME"]).resolve()
    for start in (Path(__file__).resolve(), Path.cwd().resolve()):
        for candidate in (start, *start.parents):
            if (candidate / "data" / "SHA256SUMS").is_file() and (candidate / "labs").is_dir():
                return candidate
    raise FileNotFoundError(
        "Cannot find the course repository (a folder with data/SHA256SUMS and labs/). "
        "Install the package with `pip install -e ./lib` from the repo, or set MLOPSLAB_HOME."
    )


def data_dir() -> Path:
    """The shipped data folder."""
    return repo_root() / "data"


def labs_dir() -> Path:
    """The folder of the numbered lab notebooks."""
    return repo_root() / "labs"


def default_store_dir() -> Path:
    """The git-ignored folder of the embedded MLflow store."""
    return repo_root() / ".mlflow"


def sqlite_uri(folder: Path) -> str:
    """An MLflow SQLite tracking URI for a store kept in ``folder``."""
    folder = Path(folder).resolve()
    folder.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{folder / 'mlflow.db'}"


def tracking_uri() -> str:
    """``MLFLOW_TRACKING_URI`` if set, else the embedded SQLite store of the repo."""
    return os.environ.get("MLFLOW_TRACKING_URI") or sqlite_uri(default_store_dir())


def artifact_root(uri: str) -> str | None:
    """Where a store's experiments keep their artifacts: the ``artifacts`` folder beside a SQLite store's database
    (a file URI), so never the cwd; None for another store (its server decides)."""
    if not uri.startswith("sqlite:///"):
        return None
    return (Path(uri.removeprefix("sqlite:///")).resolve().parent / "artifacts").as_uri()


def setup_tracking(experiment: str = EXPERIMENT) -> str:
    """Point MLflow at the course store, select the course experiment, return the URI.

    A new experiment keeps its artifacts at :func:`artifact_root` (beside the SQLite database, not in the cwd).
    """
    import mlflow

    uri = tracking_uri()
    mlflow.set_tracking_uri(uri)
    if mlflow.get_experiment_by_name(experiment) is None and uri.startswith("sqlite:///"):
        try:
            mlflow.create_experiment(experiment, artifact_location=artifact_root(uri))
        except Exception:  # created meanwhile by a parallel lab
            if mlflow.get_experiment_by_name(experiment) is None:
                raise
    _SET_UP[(uri, experiment)] = mlflow.set_experiment(experiment).experiment_id
    return uri


_SET_UP: dict[tuple[str, str], str] = {}
"""(tracking URI, experiment name) -> the experiment's id, as :func:`setup_tracking` last selected it."""


def ensure_tracking(experiment: str = EXPERIMENT) -> str:
    """:func:`setup_tracking`, done once per tracking URI: a later call only checks that MLflow still points at that
    store and experiment and that the store still holds it, and sets up again when not (another
    ``MLFLOW_TRACKING_URI``, a store deleted or made anew, ``mlflow.set_tracking_uri`` or ``mlflow.set_experiment``
    called meanwhile). Returns the URI."""
    import mlflow
    from mlflow.tracking import fluent

    uri = tracking_uri()
    selected = _SET_UP.get((uri, experiment))
    if (selected is not None and mlflow.get_tracking_uri() == uri
            and getattr(fluent, "_active_experiment_id", None) == selected  # MLflow's selection, without a lookup
            and _store_holds(uri, selected, experiment)):
        return uri
    return setup_tracking(experiment)


def _store_holds(uri: str, experiment_id: str, experiment: str) -> bool:
    """Whether a SQLite store still holds ``experiment`` as the active experiment ``experiment_id`` (one read query,
    a fraction of MLflow's lookups); always True for another kind of store."""
    import sqlite3
    from contextlib import closing

    if not uri.startswith("sqlite:///"):
        return True
    db = Path(uri.removeprefix("sqlite:///"))
    if not db.is_file():
        return False
    try:
        with closing(sqlite3.connect(f"{db.resolve().as_uri()}?mode=ro", uri=True)) as con:
            found = con.execute("SELECT name, lifecycle_stage FROM experiments WHERE experiment_id = ?",
                                (int(experiment_id),)).fetchone()
    except (sqlite3.Error, ValueError):
        return False
    return found == (experiment, "active")


def quiet() -> None:
    """Silence library warnings and MLflow's logging, so lab outputs stay deterministic and readable."""
    import logging
    import warnings

    warnings.filterwarnings("ignore")
    os.environ.setdefault("MLFLOW_LOGGING_LEVEL", "ERROR")
    os.environ.setdefault("MLFLOW_ENABLE_ARTIFACTS_PROGRESS_BAR", "false")
    import mlflow  # noqa: F401  (mlflow configures its loggers on import: quiet them afterwards)

    for name in ("mlflow", "alembic", "urllib3", "git"):
        logging.getLogger(name).setLevel(logging.ERROR)
    os.environ.setdefault("GIT_PYTHON_REFRESH", "quiet")
    os.environ.setdefault("MLFLOW_ENABLE_ASYNC_LOGGING", "false")


def empty_store(folder: Path) -> str:
    """A new SQLite store in ``folder``, copied from a once-migrated template (MLflow's migrations take seconds)."""
    import shutil

    uri = sqlite_uri(folder)
    shutil.copyfile(_template_store(), Path(folder) / "mlflow.db")
    _default_experiment_beside(Path(folder) / "mlflow.db")
    return uri


def init_store(uri: str) -> None:
    """Create a SQLite store that does not exist yet, once, before parallel labs use it (no racing migrations).

    The new store is a copy of the once-migrated template (as :func:`empty_store`), put in place atomically and
    never over a store that another process created meanwhile.
    """
    if not uri.startswith("sqlite:///") or Path(uri.removeprefix("sqlite:///")).is_file():
        return
    import shutil

    db = Path(uri.removeprefix("sqlite:///"))
    db.parent.mkdir(parents=True, exist_ok=True)
    partial = db.with_name(f".{db.name}.{os.getpid()}.partial")
    shutil.copyfile(_template_store(), partial)
    _default_experiment_beside(partial)  # in the store's folder: its artifacts folder is the store's
    try:
        os.link(partial, db)  # fails if the store exists by now: then that one is kept
    except FileExistsError:
        pass
    except OSError:  # a file system without hard links
        if not db.exists():
            os.replace(partial, db)
    finally:
        partial.unlink(missing_ok=True)


def _template_store() -> Path:
    """The migrated empty SQLite store that new stores are copied from: made once per machine and MLflow version."""
    import shutil
    import tempfile
    from importlib.metadata import version

    template = Path(tempfile.gettempdir()) / f"mlopslab-empty-store-mlflow-{version('mlflow')}.db"
    if not template.is_file():
        import logging

        from mlflow.tracking import MlflowClient

        scratch = Path(tempfile.mkdtemp(prefix="mlopslab-template-"))
        logging.getLogger("mlflow").setLevel(logging.WARNING)  # no "Creating initial MLflow database tables" noise
        MlflowClient(tracking_uri=sqlite_uri(scratch)).search_experiments(max_results=1)
        os.replace(scratch / "mlflow.db", template)  # atomic: parallel creators never see half a file
        shutil.rmtree(scratch, ignore_errors=True)
    return template


def _default_experiment_beside(db: Path) -> None:
    """Point MLflow's ``Default`` experiment (id 0) at :func:`artifact_root`, the ``artifacts`` folder beside the
    database, as :func:`setup_tracking` does for the course experiment. MLflow records ``<cwd>/mlruns/0`` of whichever process
    created the tables, so a copied template sent a run logged outside the course experiment to a stranger's
    folder (in the grading sandbox, one it cannot write)."""
    import sqlite3

    with sqlite3.connect(db) as con:
        con.execute("UPDATE experiments SET artifact_location = ? WHERE experiment_id = 0",
                    (artifact_root(f"sqlite:///{db}"),))
    con.close()
