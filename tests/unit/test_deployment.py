"""Deployment (lab 08): batch scoring, request validation, and the reliability of the real scoring server.

The server tests run against the lab's own endpoint (`churn-service@champion` served by
``mlflow models serve --env-manager local``), started once for this module on a fresh tracking store.

Decision on very large requests: the real-time endpoint takes at most ``deployment.MAX_ROWS`` (5,000) rows per
call; a 10,000-row payload gets HTTP 400 with a message that names the limit and points to the batch job.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import numpy as np
import pandas as pd
import pytest
from mlflow.pyfunc.scoring_server import infer_and_parse_data
from mlopslab import data, deployment, registry
from stores import fresh_store

BATCH = data.load_batch("2026-01")
GOOD = BATCH[data.FEATURES].head(3)


# ------------------------------------------------------------------------------------------- no server needed

class _Constant:
    """A stand-in model: predict_proba-shaped output with the churn probability taken from tenure."""

    def predict(self, frame: pd.DataFrame) -> np.ndarray:
        p = frame["tenure"].to_numpy(float) / 100
        return np.column_stack([1 - p, p])


def test_score_batch_ranks_every_customer_by_risk() -> None:
    scored = deployment.score_batch(_Constant(), BATCH)
    assert len(scored) == len(BATCH) and set(scored["customerID"]) == set(BATCH["customerID"])
    assert scored["churn_probability"].is_monotonic_decreasing
    assert scored["rank"].tolist() == list(range(1, len(BATCH) + 1))
    top = BATCH.loc[BATCH["tenure"].idxmax()]
    assert scored.iloc[0]["tenure"] == top["tenure"]
    with pytest.raises(KeyError, match="customerID"):
        deployment.score_batch(_Constant(), BATCH.drop(columns=["customerID"]))


def test_write_scores_names_the_month(tmp_path) -> None:
    scored = deployment.score_batch(_Constant(), BATCH)
    path = deployment.write_scores(scored, tmp_path)
    assert path.name == "retention_list_2026-01.csv"
    assert pd.read_csv(path)["customerID"].tolist() == scored["customerID"].tolist()


@pytest.mark.parametrize("orient", ["split", "records"])
def test_payload_is_what_mlflow_reads_back(orient) -> None:
    body = deployment.payload(GOOD, orient)
    parsed = infer_and_parse_data(json.loads(json.dumps(body)))
    pd.testing.assert_frame_equal(parsed, GOOD.reset_index(drop=True), check_dtype=False)
    with pytest.raises(ValueError, match="orient"):
        deployment.payload(GOOD, "columns")


def test_validate_request_accepts_production_rows() -> None:
    typed = deployment.validate_request(BATCH[data.FEATURES])
    assert list(typed.columns) == data.FEATURES and len(typed) == len(BATCH)


@pytest.mark.parametrize(("change", "message"), [
    (lambda f: f.drop(columns=["tenure"]), "missing column(s) ['tenure']"),
    (lambda f: f.assign(customerID="x"), "unexpected column(s) ['customerID']"),
    (lambda f: f.assign(tenure=["twelve", 1, 2]), "column 'tenure' must hold numbers, got 'twelve' in row 0"),
    (lambda f: f.assign(tenure=[1, 2.5, 3]), "column 'tenure' must hold whole numbers, got 2.5 in row 1"),
    (lambda f: f.assign(MonthlyCharges=[1.0, 2.0, None]), "column 'MonthlyCharges' has no value in row 2"),
    (lambda f: f.assign(Contract=["Monthly"] * 3), "column 'Contract' has the unknown value 'Monthly' in row 0"),
    (lambda f: f.assign(gender=[1, 0, 1]), "column 'gender' must hold text, got 1 in row 0"),
    (lambda f: f.assign(SeniorCitizen=[0, 2, 0]), "column 'SeniorCitizen' must be 0 or 1, got 2 in row 1"),
    (lambda f: f.assign(tenure=[5, 6, -3]), "column 'tenure' must be 0 or more, got -3 in row 2"),
    (lambda f: f.assign(PhoneService=[True, False, True]), "column 'PhoneService' must hold text"),
    (lambda f: f.head(0), "no customers (0 rows)"),
])
def test_validate_request_names_the_problem(change, message) -> None:
    with pytest.raises(deployment.InvalidRequest) as raised:
        deployment.validate_request(change(GOOD.reset_index(drop=True)))
    assert message in raised.value.message
    assert raised.value.get_http_status_code() == 400


def test_server_message_strips_mlflows_request_echo() -> None:
    body = {"error_code": "INVALID_PARAMETER_VALUE",
            "message": "Failed to predict data '   gender ...\n[2 rows x 19 columns]'. \nError: missing column(s) ['x']"}
    assert deployment.server_message(body) == "missing column(s) ['x']"
    assert deployment.server_message("plain text") == "plain text"


# ------------------------------------------------------------------------------------------ the real server

@pytest.fixture(scope="module")
def service():
    """A fresh store with the champion and its validating service registered: (tracking URI, model URI)."""
    with pytest.MonkeyPatch.context() as patch:
        uri = fresh_store("deployment")
        patch.setenv("MLFLOW_TRACKING_URI", uri)
        yield uri, deployment.ensure_service()


@pytest.fixture(scope="module")
def server(service):
    tracking_uri, model_uri = service
    with deployment.ScoringServer(model_uri, tracking_uri=tracking_uri) as running:
        yield running


@pytest.fixture(scope="module")
def client(server):
    c = deployment.ScoringClient(server.url)
    yield c
    c.close()


def test_ensure_service_registers_once_per_champion(service) -> None:
    _, model_uri = service
    assert model_uri == "models:/churn-service@champion"
    assert deployment.ensure_service() == model_uri
    versions = registry.client().search_model_versions(f"name='{deployment.SERVICE_NAME}'")
    assert len(versions) == 1 and versions[0].tags["champion_version"] == registry.alias_version("champion")


def test_server_scores_like_the_registered_champion(client) -> None:
    frame = BATCH[data.FEATURES].head(20)
    online = client.predict(frame)
    offline = deployment.churn_probability(registry.load("champion"), frame)
    assert np.allclose(online.to_numpy(), offline)
    assert list(online.index) == list(frame.index)
    records = client.post(deployment.payload(frame, "records"))
    assert records.ok and len(records.body["predictions"]) == 20


BAD_REQUESTS = {
    "malformed JSON": ('{"dataframe_split": {"columns": ["tenure"], "data": [[1]]', "valid JSON"),
    "not a table": ({"rows": [1, 2]}, "dataframe_split"),
    "missing column": (deployment.payload(GOOD.drop(columns=["tenure"])), "missing column(s) ['tenure']"),
    "extra column": (deployment.payload(BATCH.head(2)), "unexpected column(s) ['customerID', 'month']"),
    "wrong type": (deployment.payload(GOOD.assign(tenure=["twelve", 1, 2])), "column 'tenure' must hold numbers"),
    "empty payload": (deployment.payload(GOOD.head(0)), "no customers (0 rows)"),
    "empty body": ("", "valid JSON"),
    "10,000 rows": (deployment.payload(BATCH[data.FEATURES].sample(10_000, replace=True, random_state=0)),
                    f"at most {deployment.MAX_ROWS}"),
}


@pytest.mark.parametrize("case", list(BAD_REQUESTS))
def test_bad_request_gets_a_clear_4xx_and_the_server_keeps_serving(client, case) -> None:
    body, message = BAD_REQUESTS[case]
    reply = client.post(body)
    assert 400 <= reply.status < 500, (reply.status, reply.body)
    assert message in reply.message, reply.message
    assert client.ping()
    assert client.predict(GOOD).between(0, 1).all()


def test_scoring_error_carries_status_and_message(client) -> None:
    with pytest.raises(deployment.ScoringError, match="HTTP 400: missing column") as raised:
        client.predict(GOOD.drop(columns=["Contract"]))
    assert raised.value.status == 400 and "Contract" in raised.value.message


LOAD_SCRIPT = textwrap.dedent("""
    import json, sys
    from concurrent.futures import ThreadPoolExecutor
    import requests

    url, body, total, workers = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    sessions = {}

    def call(i):
        import threading
        session = sessions.setdefault(threading.get_ident(), requests.Session())
        try:
            r = session.post(url + "/invocations", data=body, headers={"Content-Type": "application/json"}, timeout=60)
            return "ok" if r.status_code == 200 and len(r.json()["predictions"]) == 1 else f"HTTP {r.status_code}"
        except Exception as err:
            return type(err).__name__

    with ThreadPoolExecutor(workers) as pool:
        outcomes = list(pool.map(call, range(total)))
    print(json.dumps({o: outcomes.count(o) for o in set(outcomes)}))
""")


def test_thousand_concurrent_requests_from_another_process_all_succeed(server, tmp_path) -> None:
    script = tmp_path / "load.py"
    script.write_text(LOAD_SCRIPT)
    body = json.dumps(deployment.payload(GOOD.head(1)))
    done = subprocess.run([sys.executable, str(script), server.url, body, "1000", "8"],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    assert json.loads(done.stdout) == {"ok": 1000}


def test_server_stops_cleanly_when_the_code_using_it_raises(service) -> None:
    tracking_uri, model_uri = service
    with pytest.raises(RuntimeError, match="the app failed"):
        with deployment.ScoringServer(model_uri, tracking_uri=tracking_uri) as s:
            group, port = s.pgid, s.port
            assert len(deployment.group_processes(group)) >= 2  # `mlflow models serve` and its uvicorn
            assert deployment.port_in_use(port)
            raise RuntimeError("the app failed")
    assert not s.running
    assert deployment.group_processes(group) == []
    assert not deployment.port_in_use(port)


ATEXIT_SCRIPT = textwrap.dedent("""
    import sys
    from mlopslab import deployment

    server = deployment.ScoringServer(sys.argv[1], tracking_uri=sys.argv[2]).start()
    print(server.pgid, server.port, flush=True)
    raise SystemExit("left without calling stop(): atexit must stop the server")
""")


def test_server_is_stopped_at_interpreter_exit(service, tmp_path) -> None:
    tracking_uri, model_uri = service
    script = tmp_path / "forget_to_stop.py"
    script.write_text(ATEXIT_SCRIPT)
    done = subprocess.run([sys.executable, str(script), model_uri, tracking_uri],
                          capture_output=True, text=True, timeout=300)
    assert "atexit must stop the server" in done.stderr, done.stderr[-2000:]
    group, port = map(int, done.stdout.split())
    assert deployment.group_processes(group) == []
    assert not deployment.port_in_use(port)


def test_a_server_that_cannot_start_says_why(service) -> None:
    tracking_uri, _ = service
    broken = deployment.ScoringServer("models:/no-such-model@champion", tracking_uri=tracking_uri)
    with pytest.raises(RuntimeError, match="exited .* before it became healthy") as raised:
        broken.start()
    assert "no-such-model" in str(raised.value)
    assert not broken.running and broken not in deployment._LIVE
