"""Deployment (lab 08): batch scoring, request validation, and the reliability of the real scoring server.

The server tests run against the lab's own endpoint (`churn-service@champion` served by
what ``mlflow models serve --env-manager local`` runs), started once for this module on a fresh tracking store.

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
from mlopslab import data, deployment, provisioning, registry, schema
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
    (lambda f: f.assign(tenure=[5, 6, -3]), "column 'tenure' must be between 0 and 72, got -3 in row 2"),
    (lambda f: f.assign(tenure=[240, 6, 7]), "column 'tenure' must be between 0 and 72, got 240 in row 0"),
    (lambda f: f.assign(MonthlyCharges=[70.0, 950.0, 20.0]),
     "column 'MonthlyCharges' must be between 0 and 200, got 950.0 in row 1"),
    (lambda f: f.assign(PhoneService=[True, False, True]), "column 'PhoneService' must hold text"),
    (lambda f: f.head(0), "no customers (0 rows)"),
])
def test_validate_request_names_the_problem(change, message) -> None:
    with pytest.raises(deployment.InvalidRequest) as raised:
        deployment.validate_request(change(GOOD.reset_index(drop=True)))
    assert message in raised.value.message
    assert raised.value.get_http_status_code() == 400


def _one_change(column: str, value) -> pd.DataFrame:
    """The first customer of January's batch with one value changed (ids kept, for the contract)."""
    row = BATCH.head(1).reset_index(drop=True).astype(object)
    row.at[0, column] = value
    return row


def _refusals(column: str, value) -> tuple[str | None, set[str]]:
    """(serving's message or None, the defect classes the contract's column rules quarantine the row for).

    Serving applies the contract's column rules; the one row rule (TotalCharges close to tenure x MonthlyCharges)
    judges a batch's bookkeeping, and a what-if request (lab 08's agent form changes tenure alone) breaks it by design.
    """
    row = _one_change(column, value)
    try:
        deployment.validate_request(row[data.FEATURES].astype(object))
        message = None
    except deployment.InvalidRequest as err:
        message = err.message
    violations = provisioning.validate_batch(row).violations
    column_rules = violations[~violations["rule"].isin(provisioning.RULE_COLUMNS)]  # not the rows' cross-column rule
    return message, set(column_rules.loc[column_rules["column"] == column, "defect"])


def _edge_values() -> list[tuple[str, object, bool]]:
    """(column, value, allowed by the schema) at and beyond every range edge, and beside every category list."""
    cases = []
    for name in schema.NUMBER_FEATURES:
        column = schema.COLUMNS[name]
        step = 1 if column.kind == "integer" else 0.01
        cases += [(name, column.low, True), (name, column.low - step, False)]
        if column.high is not None:
            cases += [(name, column.high, True), (name, column.high + step, False)]
    for name in schema.CATEGORY_FEATURES:
        cases += [(name, schema.COLUMNS[name].categories[-1], True), (name, "Unknown", False)]
    return cases


@pytest.mark.parametrize(("column", "value", "allowed"), _edge_values(), ids=lambda v: str(v))
def test_serving_and_the_contract_agree_on_every_column_rule(column, value, allowed) -> None:
    """One schema: serving refuses exactly what the contract's column rules quarantine, and says which rule."""
    message, defects = _refusals(column, value)
    if allowed:
        assert message is None and not defects, (message, defects)
        return
    assert defects <= {"out_of_range", "unknown_category"} and defects, defects
    assert message is not None and f"column '{column}'" in message and repr(value) in message
    rule = schema.COLUMNS[column]
    assert (rule.range_text() if rule.is_number else str(list(rule.categories))) in message


@pytest.mark.parametrize(("column", "value", "words"), [
    ("tenure", 240, "must be between 0 and 72, got 240"),
    ("MonthlyCharges", 950.0, "must be between 0 and 200, got 950.0"),
    ("SeniorCitizen", 2, "must be 0 or 1, got 2"),
])
def test_what_the_contract_quarantines_serving_refuses_with_a_clear_message(column, value, words) -> None:
    message, defects = _refusals(column, value)
    assert defects == {"out_of_range"}
    assert message == f"column '{column}' {words} in row 0"


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


def test_ensure_service_registers_once_per_champion_and_pins_its_version(service) -> None:
    _, model_uri = service
    assert model_uri == "models:/churn-service@champion"
    assert deployment.ensure_service() == model_uri
    champion = registry.alias_version("champion")
    versions = registry.client().search_model_versions(f"name='{deployment.SERVICE_NAME}'")
    wrapping = [v for v in versions if v.tags["champion_version"] == champion]
    assert len(wrapping) == 1
    assert wrapping[0].tags["wraps"] == f"models:/{registry.MODEL_NAME}/{champion}"  # the version, not the alias


def test_server_scores_like_the_registered_champion_and_names_the_version(client) -> None:
    frame = BATCH[data.FEATURES].head(20)
    online = client.predict(frame)
    offline = deployment.churn_probability(registry.load("champion"), frame)
    assert np.allclose(online.to_numpy(), offline)
    assert list(online.index) == list(frame.index)
    records = client.post(deployment.payload(frame, "records"))
    assert records.ok and len(records.body["predictions"]) == 20
    assert {row["model_version"] for row in records.body["predictions"]} == {registry.alias_version("champion")}


def test_a_running_server_is_pinned_until_the_redeploy(service, client) -> None:
    """Lab 08's claim: moving churn@champion changes nothing served until ensure_service and a new server."""
    tracking_uri, _ = service
    c = registry.client()
    name, before = registry.MODEL_NAME, registry.alias_version("champion")
    service_before = registry.alias_version("champion", deployment.SERVICE_NAME)
    current = c.get_model_version(name, before)
    moved = c.create_model_version(name, source=current.source, run_id=current.run_id, tags={"rehearsal": "test"})
    try:
        c.set_registered_model_alias(name, "champion", moved.version)
        body = deployment.payload(GOOD)
        assert {row["model_version"] for row in client.post(body).body["predictions"]} == {before}
        with deployment.ScoringServer(deployment.ensure_service(), tracking_uri=tracking_uri) as redeployed:
            fresh = deployment.ScoringClient(redeployed.url)
            assert {row["model_version"] for row in fresh.post(body).body["predictions"]} == {str(moved.version)}
            fresh.close()
        assert {row["model_version"] for row in client.post(body).body["predictions"]} == {before}
    finally:
        c.set_registered_model_alias(name, "champion", before)
        c.set_registered_model_alias(deployment.SERVICE_NAME, "champion", service_before)


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


def test_lab08_checks_recording_proxy_answers_like_the_server_and_records_each_request(server, client) -> None:
    """Check 08.score_online hands the student's function this proxy's address: it must answer as the server does,
    a refusal included, record every request (method, path, JSON body), and be gone after its block."""
    import requests
    from mlopslab.checks.lab08 import _recording_proxy

    refused_body = deployment.payload(GOOD.drop(columns=["Contract"]))
    with _recording_proxy(server.url) as (url, seen):
        proxied = deployment.ScoringClient(url)
        assert proxied.ping()
        assert np.allclose(proxied.predict(GOOD).to_numpy(), client.predict(GOOD).to_numpy())
        refused = proxied.post(refused_body)
        proxied.close()
    assert (refused.status, refused.message) == (400, client.post(refused_body).message)
    assert [(method, path) for method, path, _ in seen] == [("GET", "/ping"), ("POST", "/invocations"),
                                                             ("POST", "/invocations")]
    assert [body for _, _, body in seen[1:]] == [deployment.payload(GOOD), refused_body]
    with pytest.raises(requests.ConnectionError):
        requests.get(f"{url}/ping", timeout=5)


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
            assert len(deployment.group_processes(group)) >= 1  # MLflow's scoring app under uvicorn
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
