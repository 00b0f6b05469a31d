"""Deployment and insight consumption (lab 08): batch scoring, a real scoring server, its client, latency.

Two ways to put the champion to work:

* **batch** — :func:`score_batch` scores a month's production batch in-process and :func:`write_scores` hands
  the ranked list to the marketing team as a CSV file;
* **real time** — :class:`ScoringServer` runs ``mlflow models serve --env-manager local`` on a free 127.0.0.1
  port, and :class:`ScoringClient` calls it over HTTP. The operating-system plumbing under the server (free ports,
  process groups, clean-up at exit) is in :mod:`mlopslab._processes`.

The served model is :class:`ValidatingModel`, a thin MLflow pyfunc around one version of ``churn`` that checks
every request against the model's inputs (:data:`mlopslab.data.FEATURES`, :func:`validate_request`), answers a bad
one with HTTP 400 and a message naming the column, and tells in every answer which model version scored it.
:func:`ensure_service` registers it as ``churn-service@champion``.

Serving is **pinned at deploy time**, as in any real MLflow deployment: the wrapper holds a copy of the version the
``champion`` alias named when :func:`ensure_service` built it, and ``mlflow models serve`` loads it once at start-up.
When the alias moves, nothing served changes until the redeploy: :func:`ensure_service` again (a new wrapper around
the new version), a new server, then the old one stopped (lab 08 shows it).
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import mlflow.pyfunc
import numpy as np
import pandas as pd
from mlflow.exceptions import MlflowException
from mlflow.protos.databricks_pb2 import INVALID_PARAMETER_VALUE

from . import registry, schema

# the server's operating-system plumbing (lab 08 shows with group_processes and port_in_use that a stopped server is gone)
from ._processes import LIVE as _LIVE
from ._processes import free_port, group_processes, port_in_use, read_tail, start_group, stop_group  # noqa: F401
from .config import MODEL_NAME, setup_tracking
from .data import FEATURES
from .policy import SLO
from .scoring import churn_scores

SERVICE_NAME = f"{MODEL_NAME}-service"
"""The registered name of the validating wrapper that the scoring server serves."""

MAX_ROWS = SLO.max_rows
"""Most rows one real-time request may carry (the governed ``policy.SLO.max_rows``); larger requests get HTTP 400
(use the batch job for those)."""

INTEGER_COLUMNS = schema.INTEGER_FEATURES
DECIMAL_COLUMNS = schema.DECIMAL_FEATURES
CONTEXT_COLUMNS = ["Contract", "tenure", "MonthlyCharges"]
"""Columns copied into the scored list so that marketing sees why a customer is on it."""


# --------------------------------------------------------------------------------------------------- batch job

churn_probability = churn_scores
"""The churn probability of each row, from a pyfunc or scikit-learn model of the course:
:func:`mlopslab.scoring.churn_scores`, as the batch job and the served model use it."""


def score_batch(model, batch: pd.DataFrame) -> pd.DataFrame:
    """Score a production batch: one row per customer, highest churn probability first, with its ``rank``.

    Columns: rank, customerID, month, churn_probability and the context columns Contract, tenure, MonthlyCharges.
    """
    schema.require_columns(batch, ["customerID", "month", *FEATURES], "the batch")
    scored = batch[["customerID", "month"]].copy()
    scored["churn_probability"] = churn_probability(model, batch)
    scored[CONTEXT_COLUMNS] = batch[CONTEXT_COLUMNS]
    scored = scored.sort_values(["churn_probability", "customerID"], ascending=[False, True], ignore_index=True)
    scored.insert(0, "rank", range(1, len(scored) + 1))
    return scored


def write_scores(scored: pd.DataFrame, folder: Path | str, name: str = "retention_list") -> Path:
    """Write a scored list as ``<folder>/<name>_<month>.csv`` for the teams that consume it; return the path."""
    months = sorted(scored["month"].unique()) if "month" in scored.columns else []
    suffix = f"_{months[0]}" if len(months) == 1 else ""
    path = Path(folder) / f"{name}{suffix}.csv"
    path.parent.mkdir(parents=True, exist_ok=True)
    scored.to_csv(path, index=False, float_format="%.6f", lineterminator="\n")
    return path


# ------------------------------------------------------------------------------------- request validation

class InvalidRequest(MlflowException):
    """A scoring request that does not match the model's inputs; the server answers it with HTTP 400."""

    def __init__(self, message: str) -> None:
        super().__init__(message, error_code=INVALID_PARAMETER_VALUE)


def _first_bad(values: pd.Series, is_ok) -> tuple[int, Any] | None:
    """(row position, value) of the first value for which ``is_ok`` is false, else None."""
    for position, value in enumerate(values.tolist()):
        if not is_ok(value):
            return position, value
    return None


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, (bool, np.bool_))


def _column_problem(name: str, values: pd.Series) -> str | None:
    """What is wrong with one input column (the first bad row), or None.

    The rules are the data contract's column rules, read from the one schema (:data:`mlopslab.schema.COLUMNS`):
    the same categories, whole numbers and ranges, so the endpoint refuses what the contract quarantines.
    """
    column = schema.COLUMNS[name]
    found = _first_bad(values, lambda v: not (v is None or (isinstance(v, float) and np.isnan(v))))
    if found:
        return f"column '{name}' has no value in row {found[0]}"
    if column.kind == "category":
        found = _first_bad(values, lambda v: isinstance(v, str))
        if found:
            return f"column '{name}' must hold text, got {found[1]!r} in row {found[0]}"
        found = _first_bad(values, lambda v: v in column.categories)
        if found:
            return (f"column '{name}' has the unknown value {found[1]!r} in row {found[0]} "
                    f"(allowed: {list(column.categories)})")
        return None
    found = _first_bad(values, _is_number)
    if found:
        return f"column '{name}' must hold numbers, got {found[1]!r} in row {found[0]}"
    if column.kind == "integer":
        found = _first_bad(values, lambda v: float(v).is_integer())
        if found:
            return f"column '{name}' must hold whole numbers, got {found[1]!r} in row {found[0]}"
    found = _first_bad(values, column.in_range)
    if found:
        return f"column '{name}' must be {column.range_text()}, got {found[1]!r} in row {found[0]}"
    return None


def validate_request(model_input: Any) -> pd.DataFrame:
    """The request as the model's input frame (FEATURES, in order, typed), or :class:`InvalidRequest` saying why."""
    if isinstance(model_input, dict):
        try:
            model_input = pd.DataFrame(model_input)
        except ValueError as err:
            raise InvalidRequest(f"the request is not a table of customers: {err}") from None
    if not isinstance(model_input, pd.DataFrame):
        raise InvalidRequest("send a table of customers (dataframe_split or dataframe_records), "
                             f"not {type(model_input).__name__}")
    frame = model_input
    if len(frame) == 0:
        raise InvalidRequest("the request holds no customers (0 rows): send at least one row")
    if len(frame) > MAX_ROWS:
        raise InvalidRequest(f"the request holds {len(frame)} rows; the real-time endpoint takes at most "
                             f"{MAX_ROWS} per call: score large batches with the batch job")
    columns = [str(c) for c in frame.columns]
    missing = schema.missing_columns(frame, FEATURES)
    extra = [c for c in columns if c not in FEATURES]
    problems = []
    if missing:
        problems.append(f"missing column(s) {missing}")
    if extra:
        problems.append(f"unexpected column(s) {extra} (send only the {len(FEATURES)} model inputs; "
                        "leave identifiers such as customerID out)")
    if len(set(columns)) < len(columns):
        problems.append("some columns appear twice")
    if not problems:
        problems = [p for p in (_column_problem(c, frame[c]) for c in FEATURES) if p]
    if problems:
        raise InvalidRequest("; ".join(problems))
    typed = frame[FEATURES].copy()
    typed[INTEGER_COLUMNS] = typed[INTEGER_COLUMNS].astype("int64")
    typed[DECIMAL_COLUMNS] = typed[DECIMAL_COLUMNS].astype("float64")
    return typed


class ValidatingModel(mlflow.pyfunc.PythonModel):
    """The served model: validate the request strictly, then return the champion's churn probabilities.

    Artifact ``champion``: a copy of the wrapped model version, made when the wrapper was logged; model config
    ``champion_version``: its version number. Output: one row per customer, ``churn_probability`` and
    ``model_version`` (which version scored it, for the caller's records and for monitoring).
    """

    def load_context(self, context) -> None:
        self.champion = mlflow.pyfunc.load_model(context.artifacts["champion"])  # once, when the server starts
        self.version = str((context.model_config or {}).get("champion_version", "unknown"))

    def predict(self, context, model_input: pd.DataFrame, params=None) -> pd.DataFrame:
        features = validate_request(model_input)
        return pd.DataFrame({"churn_probability": churn_probability(self.champion, features),
                             "model_version": self.version})


def ensure_service(alias: str = "champion") -> str:
    """Build the service for the version ``churn@<alias>`` names now: the validating wrapper, holding a copy of that
    version, registered as ``churn-service@<alias>`` (once per version; later calls return at once). Returns the
    model URI to serve. A running server keeps what it loaded: serve the new URI to pick up a moved alias."""
    from .development import model_requirements

    champion_version = registry.alias_version(alias)  # as it is now: lab 08 rehearses a redeploy on churn@staging
    if champion_version is None and alias == "champion":
        champion_version = registry.ensure_champion()
    if champion_version is None:
        raise LookupError(f"there is no model {registry.model_uri(alias)} to serve")
    service_uri = registry.model_uri(alias, SERVICE_NAME)
    current = registry.alias_version(alias, SERVICE_NAME)
    if current is not None:
        tags = registry.client().get_model_version(SERVICE_NAME, current).tags
        if tags.get("champion_version") == champion_version:
            return service_uri
    pinned = f"models:/{MODEL_NAME}/{champion_version}"  # the version, not the alias: the copy must not move
    setup_tracking()
    with mlflow.start_run(run_name=SERVICE_NAME) as run:
        mlflow.set_tags({"wraps": pinned, "champion_version": champion_version})
        mlflow.pyfunc.log_model(name="model", python_model=ValidatingModel(), artifacts={"champion": pinned},
                                model_config={"champion_version": champion_version},
                                pip_requirements=model_requirements())
    registry.register(run.info.run_id, alias=alias, name=SERVICE_NAME,
                      tags={"champion_version": champion_version, "wraps": pinned})
    return service_uri


# ----------------------------------------------------------------------------------------------- payloads

def payload(frame: pd.DataFrame, orient: str = "split") -> dict:
    """The JSON body MLflow's scoring server expects: ``{"dataframe_split": {...}}`` (or ``dataframe_records``)."""
    if orient not in ("split", "records"):
        raise ValueError(f"orient must be 'split' or 'records', got {orient!r}")
    table = json.loads(frame.to_json(orient=orient, index=False, double_precision=15))
    return {f"dataframe_{orient}": table}


# ------------------------------------------------------------------------------------------------ the server

@dataclass(eq=False)
class ScoringServer:
    """A real MLflow scoring server on a free 127.0.0.1 port: what ``mlflow models serve --env-manager local`` runs.

    Like the command-line tool, it fetches the model's files (resolving an alias once, at start-up) and starts
    MLflow's scoring app (``mlflow.pyfunc.scoring_server``) under uvicorn with MLflow's own command line and
    environment (``scoring_server.get_cmd``); unlike it, it does not keep a second Python process alive only to
    wait for the server (about 250 MB that Binder's guaranteed 1 GB cannot spare).

    Use it as a context manager, or call :meth:`start` and :meth:`stop`. It runs in its own process group, which
    :meth:`stop` ends as a whole (SIGTERM, then SIGKILL), so no worker survives; it is also stopped at
    interpreter exit and, on Linux, when the starting process dies. ``tracking_uri`` (default: the course store)
    is passed to the server so that it can resolve a ``models:/name@alias`` URI.
    """

    model_uri: str
    tracking_uri: str | None = None
    startup_timeout: float = 120.0
    port: int | None = field(default=None, init=False)
    process: subprocess.Popen | None = field(default=None, init=False, repr=False)
    _log: Any = field(default=None, init=False, repr=False)
    _files: str | None = field(default=None, init=False, repr=False)

    @property
    def url(self) -> str:
        if self.port is None:
            raise RuntimeError("the scoring server has not been started")
        return f"http://127.0.0.1:{self.port}"

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    @property
    def pgid(self) -> int | None:
        """The server's process group id (equal to the pid of the server process)."""
        return self.process.pid if self.process is not None else None

    def start(self, attempts: int = 3) -> ScoringServer:
        """Start the server and wait until ``/ping`` answers; retry on another port if the port was taken."""
        if self.running:
            return self
        for attempt in range(attempts):
            self._launch(free_port())
            try:
                self._wait_healthy()
                return self
            except _PortTaken:
                self.stop()
                if attempt == attempts - 1:
                    raise RuntimeError(f"no free port found for the scoring server after {attempts} attempts") from None
            except BaseException:
                self.stop()
                raise
        return self

    def stop(self, timeout: float = 10.0) -> None:
        """Stop the whole process group (SIGTERM, SIGKILL after ``timeout`` s) and wait until it is gone."""
        _LIVE.discard(self)
        if self.process is None:
            return
        stop_group(self.process, timeout)
        self.process = None
        if self._log is not None:
            self._log.close()
            self._log = None
        if self._files is not None:
            shutil.rmtree(self._files, ignore_errors=True)
            self._files = None

    def log_tail(self, lines: int = 15) -> str:
        """The last lines the server wrote (stdout and stderr), for error messages."""
        if self._log is None:
            return ""
        return read_tail(self._log, lines)

    def __enter__(self) -> ScoringServer:
        return self.start()

    def __exit__(self, *exc_info) -> None:
        self.stop()

    def _model_files(self) -> str:
        """The model's files, fetched once (the alias is resolved now, as ``mlflow models serve`` does)."""
        import mlflow

        if self._files is None:
            self._files = tempfile.mkdtemp(prefix="mlopslab-serve-model-")
            tracking = self.tracking_uri or setup_tracking()
            try:
                with contextlib.redirect_stderr(io.StringIO()):
                    mlflow.set_tracking_uri(tracking)
                    mlflow.artifacts.download_artifacts(artifact_uri=self.model_uri, dst_path=self._files)
            except Exception as err:  # noqa: BLE001 -- a bad URI is the caller's mistake: say which, clearly
                shutil.rmtree(self._files, ignore_errors=True)
                self._files = None
                raise RuntimeError(f"the scoring server for {self.model_uri} exited (it could not fetch the model) "
                                   f"before it became healthy: {err}") from None
        return self._files

    def _launch(self, port: int) -> None:
        from mlflow.pyfunc import scoring_server

        command, env = scoring_server.get_cmd(self._model_files(), port=port, host="127.0.0.1", nworkers=1)
        env.update({"MLFLOW_TRACKING_URI": self.tracking_uri or setup_tracking(), "PYTHONUNBUFFERED": "1",
                    # one OpenMP thread per request: on a small shared machine, threads competing for the same
                    # cores make each prediction many times slower
                    "OMP_NUM_THREADS": os.environ.get("OMP_NUM_THREADS", "1")})
        self._log = tempfile.TemporaryFile(prefix="mlopslab-serve-", suffix=".log")  # gone even after a crash
        self.port = port
        self.process = start_group([sys.executable, "-m", *shlex.split(command)], env, self._log)
        _LIVE.add(self)

    def _wait_healthy(self) -> None:
        import requests

        deadline = time.monotonic() + self.startup_timeout
        while time.monotonic() < deadline:
            code = self.process.poll()
            if code is not None:
                tail = self.log_tail()
                if "address already in use" in tail.lower():
                    raise _PortTaken
                raise RuntimeError(f"the scoring server for {self.model_uri} exited (code {code}) before it "
                                   f"became healthy; its last output:\n{tail}")
            try:
                if requests.get(self.url + "/ping", timeout=1).status_code == 200:
                    return
            except requests.RequestException:
                pass
            time.sleep(0.2)
        raise TimeoutError(f"the scoring server for {self.model_uri} did not answer /ping within "
                           f"{self.startup_timeout:.0f} s; its last output:\n{self.log_tail()}")


class _PortTaken(Exception):
    """The chosen port was taken between choosing it and binding it."""


# ------------------------------------------------------------------------------------------------ the client

class ScoringError(Exception):
    """The scoring server refused a request: ``status`` (HTTP) and the server's ``message``."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(f"HTTP {status}: {message}")
        self.status = status
        self.message = message


@dataclass(frozen=True)
class Reply:
    """One HTTP answer of the scoring server: the status, the decoded body, and its message if it is an error."""

    status: int
    body: Any
    message: str = ""

    @property
    def ok(self) -> bool:
        return self.status == 200


def server_message(body: Any) -> str:
    """The useful part of a scoring-server error body (MLflow prefixes it with the whole request)."""
    text = body.get("message", json.dumps(body)) if isinstance(body, dict) else str(body)
    if "\nError: " in text:
        text = text.split("\nError: ", 1)[1]
    return text.split("\nInput:", 1)[0].strip()[:500]


class ScoringClient:
    """A small HTTP client of the scoring server (one keep-alive session)."""

    def __init__(self, url: str, timeout: float = 30.0) -> None:
        import requests

        self.url = url.rstrip("/")
        self.timeout = timeout
        self.session = requests.Session()

    def ping(self) -> bool:
        """Whether the server answers its health check."""
        import requests

        try:
            return self.session.get(self.url + "/ping", timeout=2).status_code == 200
        except requests.RequestException:
            return False

    def post(self, body: dict | str | bytes) -> Reply:
        """POST a body to /invocations as JSON (a dict is encoded; text or bytes are sent as they are)."""
        data = json.dumps(body) if isinstance(body, dict) else body
        response = self.session.post(self.url + "/invocations", data=data, timeout=self.timeout,
                                     headers={"Content-Type": "application/json"})
        try:
            decoded = response.json()
        except ValueError:
            decoded = response.text
        return Reply(response.status_code, decoded, "" if response.ok else server_message(decoded))

    def predict(self, frame: pd.DataFrame) -> pd.Series:
        """Churn probabilities of the rows of ``frame`` (its index kept); :class:`ScoringError` if refused."""
        reply = self.post(payload(frame))
        if not reply.ok:
            raise ScoringError(reply.status, reply.message)
        probabilities = [row["churn_probability"] for row in reply.body["predictions"]]
        return pd.Series(probabilities, index=frame.index, name="churn_probability")

    def close(self) -> None:
        self.session.close()


# ------------------------------------------------------------------------------------------------- latency

@dataclass(frozen=True)
class Latency:
    """Measured latencies: single-row calls (ms each) and batch calls (ms each, ``batch_rows`` rows per call)."""

    single_ms: np.ndarray
    batch_ms: np.ndarray
    batch_rows: int

    def table(self) -> pd.DataFrame:
        """p50 and p95 of single-row calls and the throughput of a batch call."""
        batch = float(np.median(self.batch_ms))
        rows = [
            ("single-row call, p50", round(float(np.percentile(self.single_ms, 50)), 1), "ms"),
            ("single-row call, p95", round(float(np.percentile(self.single_ms, 95)), 1), "ms"),
            (f"batch call of {self.batch_rows} rows, median", round(batch, 1), "ms"),
            ("batch throughput", round(self.batch_rows / batch * 1000), "rows/s"),
        ]
        return pd.DataFrame(rows, columns=["measure", "value", "unit"]).set_index("measure")


def measure_latency(client: ScoringClient, rows: pd.DataFrame, single_calls: int = 50,
                    batch: pd.DataFrame | None = None, batch_calls: int = 3) -> Latency:
    """Time ``single_calls`` one-row calls (cycling through ``rows``) and ``batch_calls`` calls with ``batch``.

    One warm-up call is made first and not counted. Every call must succeed (else :class:`ScoringError`).
    """
    if single_calls < 1 or batch_calls < 1:
        raise ValueError("single_calls and batch_calls must be at least 1")
    batch = rows if batch is None else batch
    client.predict(rows.head(1))

    def timed(frame: pd.DataFrame) -> float:
        start = time.perf_counter()
        client.predict(frame)
        return (time.perf_counter() - start) * 1000

    single = [timed(rows.iloc[[i % len(rows)]]) for i in range(single_calls)]
    batched = [timed(batch) for _ in range(batch_calls)]
    return Latency(np.array(single), np.array(batched), len(batch))
