"""Checks of lab 08 (deployment and insight consumption): retention list, serving mode, payload, SLO."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd

from ..data import FEATURES, load_batch
from ..exercises import NotAnswered, correct, exercise, partial, wrong

PAYLOAD_MONTH = "2026-01"
PAYLOAD_ROWS = 3
SLO_MS = 300.0
"""The lab's service-level objective: 95 % of single-customer calls within this many milliseconds."""


# ------------------------------------------------------------------------------------------ retention list

def _scored_example() -> pd.DataFrame:
    """Eight customers whose ranking by churn probability differs from their ranking by revenue at risk."""
    return pd.DataFrame({
        "rank": range(1, 9),
        "customerID": [f"C-{i}" for i in range(1, 9)],
        "churn_probability": [0.91, 0.84, 0.72, 0.65, 0.51, 0.40, 0.33, 0.12],
        "Contract": ["Month-to-month"] * 8,
        "tenure": [2, 5, 1, 8, 3, 12, 20, 40],
        "MonthlyCharges": [20.0, 25.0, 105.0, 90.0, 110.0, 99.0, 30.0, 118.0],
    })


def _expected_list(scored: pd.DataFrame, n: int) -> pd.DataFrame:
    risk = scored["churn_probability"] * scored["MonthlyCharges"] * 12
    out = scored.assign(revenue_at_risk=risk)
    return out.sort_values(["revenue_at_risk", "customerID"], ascending=[False, True]).head(n)


@exercise("08.retention_list", points=2, title="A top-N retention list by revenue at risk")
def retention_list(answer, scored: pd.DataFrame | None = None, **_):
    if not callable(answer):
        return wrong("Define a function `retention_list(scored, n)` that returns a DataFrame.")
    cases = [(_scored_example(), 3), (_scored_example(), 5)]
    if scored is not None:
        cases.append((scored, 25))
    for frame, n in cases:
        result = answer(frame.copy(), n)
        if result is None:
            raise NotAnswered
        if not isinstance(result, pd.DataFrame):
            return wrong(f"retention_list(scored, {n}) returned a {type(result).__name__}; return a DataFrame.")
        if "customerID" not in result.columns:
            return wrong("Keep the customerID column: marketing needs to know whom to call.")
        if len(result) != n:
            return wrong(f"retention_list(scored, {n}) returned {len(result)} rows; marketing asked for exactly "
                         f"{n} (`.head(n)` after sorting).")
        expected = _expected_list(frame, n)
        given = result["customerID"].tolist()
        if given == expected["customerID"].tolist():
            continue
        by_probability = frame.sort_values("churn_probability", ascending=False).head(n)["customerID"].tolist()
        if given == by_probability:
            return partial(0.25, "This is the top-N by churn probability. Marketing ranks by revenue at risk: "
                                 "churn_probability × MonthlyCharges × 12 — compute that column, then sort by it.")
        if set(given) == set(expected["customerID"]):
            return partial(0.5, "The right customers, but not in the right order: sort by revenue_at_risk with "
                                "ascending=False, so the biggest risk comes first.")
        return wrong("Compute revenue_at_risk = churn_probability * MonthlyCharges * 12, sort by it from the "
                     "largest down, and keep the first n rows.")
    if "revenue_at_risk" not in result.columns:
        return partial(0.75, "The right customers in the right order; add the revenue_at_risk column so that "
                             "marketing sees why each customer is on the list.")
    if not np.allclose(result["revenue_at_risk"].to_numpy(float), expected["revenue_at_risk"].to_numpy(float)):
        return partial(0.75, "The order is right, but revenue_at_risk has other values than "
                             "churn_probability × MonthlyCharges × 12 (a year has twelve monthly bills).")
    return correct("Right: the list puts the customers first whose loss would cost the most revenue.")


# ------------------------------------------------------------------------------------------- serving mode

SERVING_CASES = {
    "monthly retention campaign list for marketing": "batch",
    "churn risk on the agent's screen while the customer is on the phone": "real-time",
    "retention offer shown when a customer opens the 'cancel contract' web page": "real-time",
    "quarterly revenue-at-risk report for the finance team": "batch",
}
_MODE_NAMES = {"batch": "batch", "offline": "batch", "real-time": "real-time", "realtime": "real-time",
               "real time": "real-time", "online": "real-time"}


@exercise("08.serving_mode", points=1, title="Batch or real time?")
def serving_mode(answer, **_):
    if not isinstance(answer, dict):
        return wrong("Give a dict that maps each use case (the keys given) to 'batch' or 'real-time'.")
    unknown = [k for k in answer if k not in SERVING_CASES]
    if unknown:
        return wrong(f"Keep the keys as given; unknown use case(s): {unknown}.")
    modes = {k: _MODE_NAMES.get(str(v).strip().lower()) for k, v in answer.items() if v is not ...}
    invalid = [answer[k] for k, m in modes.items() if m is None]
    if invalid:
        return wrong(f"Answer each use case with 'batch' or 'real-time', not {invalid[0]!r}.")
    right = [k for k, mode in SERVING_CASES.items() if modes.get(k) == mode]
    if len(right) == len(SERVING_CASES):
        return correct("Right: when the decision can wait for a schedule, score in batch; when someone waits "
                       "for the answer, serve in real time.")
    missed = next(k for k in SERVING_CASES if k not in right)
    hint = (f"{len(right)} of {len(SERVING_CASES)} right. Look again at '{missed}': does a person or a web page "
            "wait for the score at that moment, or can it be computed ahead on a schedule?")
    return partial(len(right) / len(SERVING_CASES), hint) if right else wrong(hint)


# ----------------------------------------------------------------------------------------------- payload

def _expected_payload_rows() -> pd.DataFrame:
    return load_batch(PAYLOAD_MONTH)[FEATURES].head(PAYLOAD_ROWS).reset_index(drop=True)


def _holds_ellipsis(value) -> bool:
    if value is Ellipsis:
        return True
    if isinstance(value, dict):
        return any(_holds_ellipsis(v) for v in value.values())
    if isinstance(value, (list, tuple)):
        return any(_holds_ellipsis(v) for v in value)
    return False


@exercise("08.request_body", points=2, title="Build the request body")
def request_body(answer, **_):
    from mlflow.pyfunc.scoring_server import infer_and_parse_data

    from ..deployment import InvalidRequest, validate_request

    body = answer
    if isinstance(body, (str, bytes)):
        try:
            body = json.loads(body)
        except ValueError as err:
            return wrong(f"Your text is not valid JSON ({err}); build a Python dict instead.")
    if not isinstance(body, dict):
        return wrong(f"Build a dict such as {{'dataframe_split': {{'columns': [...], 'data': [...]}}}}, "
                     f"not a {type(body).__name__}.")
    if _holds_ellipsis(body):
        return wrong("Replace every `...` in the body with real values: the column names and the rows.")
    try:
        json.dumps(body)
    except TypeError as err:
        return wrong(f"The body cannot be sent as JSON ({err}). Use plain Python values: `.tolist()` or "
                     "`df.to_dict(orient='split')` turn NumPy numbers into Python numbers.")
    tables = [k for k in body if k in ("dataframe_split", "dataframe_records")]
    if len(body) != 1 or not tables:
        return wrong(f"The body needs exactly one key, 'dataframe_split' (or 'dataframe_records'); yours has "
                     f"{sorted(body)}.")
    try:
        frame = infer_and_parse_data(body)
    except Exception as err:
        return wrong(f"MLflow cannot read this body as a table: {str(err).splitlines()[0][:200]} — under "
                     "'dataframe_split' give 'columns' (a list of names) and 'data' (a list of rows).")
    expected = _expected_payload_rows()
    missing = [c for c in FEATURES if c not in frame.columns]
    if len(missing) == len(FEATURES):
        return wrong(f"MLflow read a table without the model's column names (it got {list(frame.columns)[:5]}): "
                     "put the names, list(rows.columns), under 'columns'.")
    if missing:
        return wrong(f"The table lacks the model input(s) {missing}: send every column of data.FEATURES.")
    if len(frame) != len(expected):
        return wrong(f"Your body holds {len(frame)} row(s); send the first {PAYLOAD_ROWS} customers of the batch "
                     f"(batch[data.FEATURES].head({PAYLOAD_ROWS})).")
    if not frame[FEATURES].astype(str).reset_index(drop=True).equals(expected.astype(str)):
        return wrong(f"The rows should be the first {PAYLOAD_ROWS} customers of the {PAYLOAD_MONTH} batch with "
                     "their values unchanged, each row's values in the order of 'columns'.")
    extra = [c for c in frame.columns if c not in FEATURES]
    if extra:
        return partial(0.5, f"The rows are right, but the endpoint rejects the extra column(s) {extra}: send "
                            "only the model inputs, batch[data.FEATURES].")
    try:
        validate_request(frame)
    except InvalidRequest as err:
        return partial(0.5, f"The endpoint would refuse it: {err.message}")
    return correct("Right: this body is exactly what the scoring server reads into the model's input table.")


# -------------------------------------------------------------------------------------------------- SLO

def _slo_cases(latencies) -> list[tuple[np.ndarray, float, float, bool, str]]:
    """(latencies, objective, percentile, expected, what it tests)."""
    tail = np.array([100.0] * 94 + [900.0] * 6)  # mean fine, p95 too slow
    rare = np.array([100.0] * 97 + [900.0] * 3)  # p95 fine, max too slow
    cases = [
        (tail, SLO_MS, 95, False, "mean"),
        (rare, SLO_MS, 95, True, "max"),
        (tail, SLO_MS, 50, True, "percentile"),
        (rare, 50.0, 95, False, "objective"),
    ]
    if latencies is not None and len(latencies):
        measured = np.asarray(latencies, dtype=float)
        cases.append((measured, SLO_MS, 95, bool(np.percentile(measured, 95) <= SLO_MS), "measured"))
    return cases


@exercise("08.meets_slo", points=2, title="Does the endpoint meet its service-level objective?")
def meets_slo(answer, latencies=None, **_):
    if not callable(answer):
        return wrong("Define a function `meets_slo(latencies_ms, objective_ms=SLO_MS, percentile=95)`.")
    failed = []
    for values, objective, pct, expected, what in _slo_cases(latencies):
        result = answer(values.copy(), objective_ms=objective, percentile=pct)
        if result is None:
            raise NotAnswered
        if not isinstance(result, (bool, np.bool_)):
            return wrong(f"Return True or False, not {result!r}.")
        if bool(result) != expected:
            failed.append(what)
    if not failed:
        verdict = ""
        if latencies is not None and len(latencies):
            met = np.percentile(np.asarray(latencies, dtype=float), 95) <= SLO_MS
            verdict = " On the latencies measured above, the endpoint " + ("meets" if met else "misses") + " it."
        return correct("Right: an SLO is about a percentile, not the average or the single worst call." + verdict)
    hints = {
        "mean": "Use the percentile, not the mean: a few very slow calls can hide behind a good average.",
        "max": "Use the percentile, not the slowest call: the objective allows 5 % of calls to be slower.",
        "percentile": "Use the `percentile` argument (np.percentile(latencies_ms, percentile)), not a fixed 95.",
        "objective": "Compare with the `objective_ms` argument, not a fixed number.",
        "measured": "Compare np.percentile(latencies_ms, percentile) with objective_ms (at most = met).",
    }
    if set(failed) <= {"percentile", "objective"}:
        return partial(0.5, hints[failed[0]])
    return wrong(hints[failed[0]])
