"""Checks of lab 08 (deployment and insight consumption): the monthly contact list, batch or real time, the client
of the scoring server with its error handling, and the SLO verdict.

The contact-list check runs the student's job with the course's helpers that read the threshold or score a batch
switched off (:mod:`._guards`), then moves ``churn@champion`` to a scratch version of its own (another model, another
threshold tag) for one more run, and back: a job that does not load the model and read the threshold through the alias,
each time it runs, cannot pass. The client check hands the student's function the address of a recording proxy in
front of the lab's live server, so it sees every request the function sends, with customers of its own, good and bad,
and with the course's client and the server's validation and scoring switched off.
"""

from __future__ import annotations

import contextlib
import json
import sys
from contextlib import ExitStack, contextmanager
from functools import lru_cache

import numpy as np
import pandas as pd

from .. import deployment
from ..config import MODEL_NAME
from ..data import FEATURES, load_batch
from ..exercises import NotAnswered, correct, exercise, partial, wrong
from ..policy import SLO, THRESHOLD, ServingObjective
from ._guards import Forbidden, case_seed, references, seal, without
from ._tolerance import rounded

# ------------------------------------------------------------------------------------------ contact list

_COLUMNS = ["customerID", "churn_probability", "MonthlyCharges", "revenue_at_risk"]
_MONTHS = ("2026-02", "2026-03")


def _champion():
    """(the champion's model version, the model loaded by its alias) — the check's own, never the notebook's."""
    from ..registry import client

    version = client().get_model_version_by_alias(MODEL_NAME, "champion")
    return version, _model(version.source, version.run_id)


@lru_cache(maxsize=4)
def _model(source: str, run_id: str):
    """A registered model version's model, loaded once per kernel (``source`` identifies its files)."""
    import mlflow.pyfunc

    from ..config import setup_tracking

    setup_tracking()
    return mlflow.pyfunc.load_model(source)


def _expected_list(model, threshold: float, month: str) -> pd.DataFrame:
    batch = load_batch(month)
    scores = np.asarray(model.predict(batch[FEATURES]), dtype=float)
    scores = scores[:, 1] if scores.ndim == 2 else scores
    frame = batch.assign(churn_probability=scores)
    frame = frame[frame["churn_probability"] >= threshold]
    frame = frame.assign(revenue_at_risk=frame["churn_probability"] * frame["MonthlyCharges"] * 12)
    return frame.sort_values(["revenue_at_risk", "customerID"], ascending=[False, True])[_COLUMNS]


@contextmanager
def _spy_on_load():
    """Record every ``mlflow.pyfunc.load_model`` call: (model URI, the file the call came from)."""
    import mlflow.pyfunc

    original = mlflow.pyfunc.load_model
    calls: list[tuple[str, str]] = []

    def spy(model_uri, *args, **kwargs):
        calls.append((str(model_uri), sys._getframe(1).f_code.co_filename))
        return original(model_uri, *args, **kwargs)

    mlflow.pyfunc.load_model = spy
    try:
        yield calls
    finally:
        mlflow.pyfunc.load_model = original


@contextmanager
def _alias_moved(champion, model):
    """Within the block ``churn@champion`` names a scratch version of the check's own: the champion's pipeline with
    its coefficients scaled (other probabilities, another ranking) and another threshold tag. Yields (that model, its
    threshold); afterwards the alias moves back and the version is deleted. The job reads the notebook's registry, so
    the check cannot hand it one of its own; the tag ``registry.REHEARSAL_TAG`` lets ``ensure_champion`` move the alias
    back should the kernel die within the block."""
    import copy
    import shutil
    import tempfile

    import mlflow.pyfunc
    import mlflow.sklearn

    from ..development import SKOPS_TRUSTED, model_requirements
    from ..registry import REHEARSAL_TAG, SCRATCH_TAG, client

    pipeline = copy.deepcopy(model.get_raw_model())
    estimator = pipeline.steps[-1][1] if hasattr(pipeline, "steps") else pipeline
    if hasattr(estimator, "coef_"):
        estimator.coef_ = estimator.coef_ * 1.8
    threshold = round(min(float(champion.tags[THRESHOLD.tag]) + 0.15, 0.9), 2)
    folder = tempfile.mkdtemp(prefix="lab08-check-")
    scratch = None
    try:
        mlflow.sklearn.save_model(pipeline, f"{folder}/model", pyfunc_predict_fn="predict_proba",
                                  skops_trusted_types=SKOPS_TRUSTED, pip_requirements=model_requirements())
        scratch = client().create_model_version(MODEL_NAME, source=f"{folder}/model", tags={
            THRESHOLD.tag: f"{threshold:.2f}", REHEARSAL_TAG: champion.version,
            SCRATCH_TAG: "08.contact_list: a scratch version, deleted when the check ends"})
        client().set_registered_model_alias(MODEL_NAME, "champion", scratch.version)
        yield mlflow.pyfunc.load_model(f"{folder}/model"), threshold
    finally:  # the alias first, then the scratch version and its files, whatever the job did to them
        shutil.rmtree(folder, ignore_errors=True)
        client().set_registered_model_alias(MODEL_NAME, "champion", champion.version)
        if scratch is not None:
            with contextlib.suppress(Exception):  # the job may have deleted it: not the student's error to report
                client().delete_model_version(MODEL_NAME, scratch.version)


def _run_job(answer, month: str):
    """(result, the job's load_model calls, feedback if it used a course helper) of one run of the student's job,
    with the course's functions that read the governed threshold or score a batch switched off."""
    from .. import capstone, monitoring

    helpers = [(monitoring, ["governed_threshold", "score"]), (capstone, ["governed_threshold"]),
               (deployment, ["score_batch", "churn_probability"])]
    try:
        with ExitStack() as stack:
            for module, names in helpers:
                stack.enter_context(without(module, names))
            calls = stack.enter_context(_spy_on_load())
            return answer(month), calls, None
    except Forbidden as err:
        step = ("read the threshold tag of the version the alias names yourself" if "threshold" in err.name
                else "score the batch with the loaded model's predict yourself")
        return None, [], wrong(f"Your job uses `{err.name}`, a course helper that does a step of the job: {step}.")


def _shape_problem(result, month: str):
    """A Feedback if ``result`` is not a contact list at all (checked before anything is loaded), else None."""
    if result is None:
        raise NotAnswered
    if not isinstance(result, pd.DataFrame):
        return wrong(f"contact_list({month!r}) returned a {type(result).__name__}; return a DataFrame.")
    missing = [c for c in _COLUMNS if c not in result.columns]
    if "customerID" in missing or "churn_probability" in missing:
        return wrong(f"The list lacks the column(s) {missing}: marketing needs to know whom to call, and why.")
    return None


_EUROS = rounded(0)
"""How far a revenue at risk may be from the check's: one rounded to whole euros (or cents) is right."""


def _same_ranking(given: list[str], expected: pd.DataFrame) -> bool:
    """Whether ``given`` (customer ids) is ``expected``'s list in its order, up to customers whose revenue at risk is
    equal once rounded (a job that ranks by a rounded revenue may order them either way)."""
    wanted = expected["customerID"].tolist()
    if given == wanted:
        return True
    if len(given) != len(wanted) or set(given) != set(wanted):
        return False
    revenue = expected.set_index("customerID")["revenue_at_risk"].loc[given].to_numpy(float)
    return bool(np.all(np.diff(revenue) <= 2 * _EUROS))  # two revenues that round to the same euro differ by < €1


def _judge_list(result, expected: pd.DataFrame, everyone: pd.DataFrame, month: str):
    """None if ``result`` is the expected list, else a Feedback."""
    missing = [c for c in _COLUMNS if c not in result.columns]
    given = result["customerID"].astype(str).tolist()
    wanted = expected["customerID"].tolist()
    if _same_ranking(given, expected):
        if "revenue_at_risk" in missing or "MonthlyCharges" in missing:
            return partial(0.75, "The right customers in the right order; keep the MonthlyCharges and "
                                 "revenue_at_risk columns so that marketing sees why each customer is on the list.")
        yours = pd.Series(result["revenue_at_risk"].to_numpy(float), index=given)
        if not np.allclose(yours.loc[wanted].to_numpy(), expected["revenue_at_risk"].to_numpy(float), rtol=0,
                           atol=_EUROS):
            return partial(0.75, "The order is right, but revenue_at_risk has other values than churn_probability "
                                 "× MonthlyCharges × 12 (a year has twelve monthly bills).")
        return None
    if set(given) == set(wanted):
        return partial(0.5, "The right customers, but not in the right order: marketing calls by revenue at risk "
                            "(churn_probability × MonthlyCharges × 12), the largest first.")
    if len(given) == len(everyone):
        return partial(0.25, "Your list holds every customer of the batch. The campaign contacts only those at or "
                             "above the governed threshold (the version's tag gate.threshold).")
    return wrong(f"For {month} your list holds {len(given)} customers; the governed threshold selects "
                 f"{len(wanted)}. Keep the customers whose churn probability is at or above the threshold read from "
                 "the champion version's tag (policy.THRESHOLD.tag).")


def _judge_move(result, followed, kept_both, kept_model, kept_threshold):
    """None if the job's list after the alias moved is ``followed`` (the new version's model and threshold), else a
    Feedback that says what it kept."""
    given = None
    if isinstance(result, pd.DataFrame) and "customerID" in result.columns:
        given = result["customerID"].astype(str).tolist()
    if given is not None and _same_ranking(given, followed):
        return None
    moved = "When churn@champion moved to another version (another model, another threshold tag), your job "
    if given == kept_both["customerID"].tolist():
        return partial(0.5, moved + "returned the same list as before: it does not follow the alias. Load the model "
                                    "by its alias and read the threshold tag of the version it names, inside the job.")
    if given == kept_model["customerID"].tolist():
        return partial(0.5, moved + "kept scoring with the model it had before. Load the model by its alias inside the "
                                    "job, each time it runs.")
    if given == kept_threshold["customerID"].tolist():
        return partial(0.5, moved + "kept the old threshold. Read the tag of the version the alias names inside the "
                                    "job, each time it runs.")
    return partial(0.5, moved + "did not return the list that version gives. Load the model and read its threshold "
                                "through the alias, inside the job, each time it runs.")


@exercise("08.contact_list", points=3, title="The monthly contact list")
def contact_list(answer, **_):
    if not callable(answer):
        return wrong("Define a function `contact_list(month)` that returns a DataFrame.")
    for month in _MONTHS:
        result, calls, blocked = _run_job(answer, month)
        if blocked is not None:
            return blocked
        feedback = _shape_problem(result, month)
        if feedback is not None:
            return feedback
        version, model = _champion()
        threshold = float(version.tags[THRESHOLD.tag])
        feedback = _judge_list(result, _expected_list(model, threshold, month), load_batch(month), month)
        if feedback is not None:
            return feedback
        if any(where.replace("\\", "/").endswith("mlopslab/registry.py") for _, where in calls):
            return partial(0.5, "The list is right, but the model is loaded by the course's registry.load. Write the "
                                "MLflow call yourself: mlflow.pyfunc.load_model with the URI models:/<name>@<alias>.")
    month = _MONTHS[0]
    with _alias_moved(version, model) as (moved_model, moved_threshold):
        result, _, blocked = _run_job(answer, month)
    if blocked is not None:
        return blocked
    feedback = _judge_move(result, _expected_list(moved_model, moved_threshold, month), _expected_list(model, threshold, month),
                           _expected_list(model, moved_threshold, month), _expected_list(moved_model, threshold, month))
    if feedback is not None:
        return feedback
    return correct("Right: the job loads the model the alias names and applies the threshold tag of that version, "
                   "each time it runs: when churn@champion moved to another version, your list followed.")


# ------------------------------------------------------------------------------------------- serving mode

USE_CASES = (
    "monthly retention campaign list for marketing",
    "churn risk on the agent's screen while the customer is on the phone",
    "retention offer shown when a customer opens the 'cancel contract' web page",
    "quarterly revenue-at-risk report for the finance team",
    "nightly refresh of every customer's risk in the CRM",
)
_MODES = ("batch", "real-time")
_KEY = "1be452b6b71e5f70b2f035ef58d5a99923bc6a73f1f22d91c8bedbfca7fad8dc"
"""SHA-256 of the right answer (use cases in order, each with its mode): the release ships this module to students."""


def _digest(modes: dict[str, str]) -> str:
    import hashlib

    return hashlib.sha256("|".join(f"{case}={modes[case]}" for case in USE_CASES).encode()).hexdigest()


@exercise("08.serving_mode", points=1, title="Choose the serving mode")
def serving_mode(answer, **_):
    if not isinstance(answer, dict):
        return wrong("Give a dict that maps each use case (the keys given) to 'batch' or 'real-time'.")
    if set(answer) != set(USE_CASES):
        return wrong(f"Keep the five use cases as given: {list(USE_CASES)}.")
    modes = {k: str(v).strip().lower() for k, v in answer.items()}
    invalid = sorted({m for m in modes.values() if m not in _MODES})
    if invalid:
        return wrong(f"Answer each use case with 'batch' or 'real-time', not {invalid[0]!r}.")
    if _digest(modes) == _KEY:
        return correct("Right: when the decision can wait for a schedule, score in batch; when someone waits for the "
                       "answer, serve in real time.")
    return wrong("Not all five are right yet. For each use case ask: does a person or a web page wait for the score "
                 "at that moment, or can it be computed ahead, on a schedule?")


# ------------------------------------------------------------------------------------------ score online

def _customers(seed: int) -> pd.DataFrame:
    """A few customers of a month the lab does not show, in a shuffled order, with a non-default index."""
    return load_batch("2026-04")[FEATURES].sample(4, random_state=seed)


def _server_scores(url: str, frame: pd.DataFrame) -> list[float] | None:
    """The check's own call of the server (to verify that ``url`` is the lab's live endpoint), or None."""
    import requests

    body = json.loads(json.dumps({"dataframe_split": {"columns": list(frame.columns),
                                                      "data": frame.astype(object).values.tolist()}}))
    try:
        reply = requests.post(f"{url}/invocations", json=body, timeout=30)
    except requests.RequestException:
        return None
    if reply.status_code != 200:
        return None
    return [row["churn_probability"] for row in reply.json()["predictions"]]


@contextmanager
def _recording_proxy(target: str):
    """A proxy on a free 127.0.0.1 port that forwards every request to ``target`` and answers with the server's reply.
    Yields (its URL, the requests seen: a list of (method, path, JSON body or None)); stopped when the block ends."""
    import threading
    from http.client import HTTPConnection
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
    from urllib.parse import urlsplit

    server = urlsplit(target)
    seen: list[tuple[str, str, object]] = []

    class Forward(BaseHTTPRequestHandler):
        def forward(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            try:
                seen.append((self.command, self.path, json.loads(body) if body else None))
            except ValueError:
                seen.append((self.command, self.path, None))
            headers = {k: v for k, v in self.headers.items() if k.lower() in ("content-type", "accept")}
            try:
                upstream = HTTPConnection(server.hostname, server.port, timeout=60)
                upstream.request(self.command, self.path, body=body or None, headers=headers)
                reply = upstream.getresponse()
                status, kind, content = reply.status, reply.getheader("Content-Type", "text/plain"), reply.read()
                upstream.close()
            except OSError as err:
                status, kind, content = 502, "text/plain", f"the scoring server did not answer: {err}".encode()
            self.send_response(status)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(content)))
            self.end_headers()
            self.wfile.write(content)

        do_GET = do_POST = do_PUT = do_DELETE = forward

        def log_message(self, *_args) -> None:
            pass

    proxy = ThreadingHTTPServer(("127.0.0.1", 0), Forward)
    threading.Thread(target=proxy.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True).start()  # quick to stop
    try:
        yield f"http://127.0.0.1:{proxy.server_address[1]}", seen
    finally:
        proxy.shutdown()
        proxy.server_close()


_CLIENT = ["ScoringClient", "payload"]
_SERVER = ["validate_request", "churn_probability", "score_batch"]
"""The course's own client, and the functions that validate or score in the kernel: switched off during the call."""


def _call(answer, url: str, frame: pd.DataFrame):
    """(result, exception, the requests it sent, blocked feedback) of the student's function, called with the
    address of a recording proxy in front of ``url`` and with the course's client, validation and scoring off."""
    names = _CLIENT + _SERVER
    used = references(answer, {f"deployment.{n}": getattr(deployment, n) for n in names})
    if used:
        return None, None, [], _blocked(used[0].split(".", 1)[1])
    with _recording_proxy(url) as (proxy, seen):
        try:
            with without(deployment, names):
                return answer(proxy, frame.copy()), None, list(seen), None
        except Forbidden as err:
            return None, None, [], _blocked(err.name.split(".", 1)[1])
        except Exception as err:  # noqa: BLE001 -- the student's own exception is what the bad cases look at
            return None, err, list(seen), None


def _blocked(name: str):
    if name in _CLIENT:
        return wrong(f"Your function uses `deployment.{name}`, the course's own client: build the dataframe_split "
                     "body and call requests.post yourself.")
    return wrong(f"Your function uses `deployment.{name}`, which validates or scores in this kernel: send the "
                 "customers to the server at url and let it validate and score them.")


def _request_problem(seen, rows: int):
    """A Feedback unless the function sent exactly one POST to /invocations with a dataframe_split body, else None."""
    posts = [body for method, path, body in seen
             if method == "POST" and path.split("?", 1)[0].rstrip("/").endswith("/invocations")]
    if not posts:
        return wrong("Your function sent no request to the scoring server at url: the exercise is the client. POST "
                     "the customers to url + '/invocations' and return what the server answers.")
    if len(posts) > 1:
        return partial(0.5, f"For {rows} customers your function sent {len(posts)} requests to /invocations. Send them "
                            "all in one request: every call costs the fixed overhead of HTTP and JSON.")
    if not (isinstance(posts[0], dict) and "dataframe_split" in posts[0]):
        return partial(0.5, "Your request is not in the dataframe_split layout: send "
                            "{'dataframe_split': {'columns': [...], 'data': [...]}}.")
    return None


_DECIMALS = rounded(4)
"""How far a returned probability may be from the server's: one rounded to four decimals is right."""


@exercise("08.score_online", points=3, title="Call the endpoint, and handle a refusal")
def score_online(answer, url: str | None = None, **_):
    if not callable(answer):
        return wrong("Define a function `score_online(url, customers)` that returns a list of probabilities.")
    if not isinstance(url, str) or not url.startswith("http://127.0.0.1:"):
        return wrong("Run the check cell as given: it passes the lab's server address, server.url.")
    good = _customers(seed=case_seed("08.score_online") % 2**32)  # other customers for every check: no typed scores
    result, error, seen, blocked = _call(answer, url, good)
    if blocked:
        return blocked
    if result is None and error is None:
        raise NotAnswered
    if error is None:
        if isinstance(result, (pd.Series, np.ndarray, tuple)):
            result = list(np.asarray(result).ravel())
        if not isinstance(result, list) or len(result) != len(good):
            return wrong(f"For {len(good)} customers return a list of {len(good)} churn probabilities, not "
                         f"{type(result).__name__} {str(result)[:80]}.")
        try:
            values = np.asarray(result, dtype=float)
        except (TypeError, ValueError):
            return wrong("Return the numbers only: [row['churn_probability'] for row in "
                         "response.json()['predictions']].")
    reference = _server_scores(url, good)
    offline = deployment.churn_probability(_champion()[1], good)
    if reference is None or not np.allclose(reference, offline, atol=1e-6):
        return wrong(f"The scoring server at {url} does not answer like the champion: start it again (section 3, "
                     "`server = deployment.ScoringServer(service_uri).start()`) and run the check cell again.")
    if error is not None:
        return wrong(f"On good customers your function raised {type(error).__name__}: {str(error)[:200]}. Send "
                     "{'dataframe_split': {'columns': [...], 'data': [...]}} as json= to url + '/invocations'.")
    if not np.allclose(values, offline, rtol=0, atol=_DECIMALS):
        if np.allclose(np.sort(values), np.sort(offline), rtol=0, atol=_DECIMALS):
            return wrong("The right probabilities in the wrong order: keep the order of the rows you sent.")
        if np.allclose(values, offline, rtol=0, atol=1e-2):
            return wrong("Your probabilities are close to the server's but rounded too coarsely: keep at least four "
                         "decimals (the agents' screen rounds for display).")
        return wrong("Your probabilities differ from the server's for these customers: send the rows as given, every "
                     "column, in one request, and read 'churn_probability' from each prediction.")
    feedback = _request_problem(seen, len(good))
    if feedback is not None:
        return feedback
    bad_cases = [
        ("an unknown category", good.assign(Contract=["Month-to-month", "Monthly", "One year", "Two year"]),
         ["Monthly"]),
        ("an extra column", good.assign(customerID="0000-XXXXX"), ["customerID"]),
    ]
    for label, frame, words in bad_cases:
        result, error, seen, blocked = _call(answer, url, frame)
        if blocked:
            return blocked
        if error is None:
            return wrong(f"For a request with {label} the server answers HTTP 400, but your function returned "
                         f"{str(result)[:60]!r} as if nothing happened. Check response.status_code and raise an "
                         "exception with the server's message.")
        feedback = _request_problem(seen, len(frame))
        if feedback is not None:
            return feedback
        message = str(error)
        if not any(word in message for word in words):
            return partial(0.5, f"For a request with {label} your function raised {type(error).__name__}: "
                                f"{message[:100]!r}, which does not say what is wrong. Raise with the server's own "
                                "message (response.json()['message']) so the App Developer can show it.")
    return correct("Right: your function sends the customers in one dataframe_split request to /invocations, returns "
                   "the server's probabilities in the order of the rows, and when the server refuses a request it "
                   "raises an error that carries the server's message.")


# --------------------------------------------------------------------------------------------------- SLO

def _slo_cases(latencies, seed: int) -> list[tuple[np.ndarray, ServingObjective, object, str]]:
    """(latencies, objective, expected: True / False / ValueError, what it tests), the latencies drawn from ``seed``
    (:func:`~._guards.case_seed`, fresh for every check: no verdict typed in, keyed on the samples, matches them).
    Drawn again until each sample tests what it names: ``tail``'s mean and median meet the objective and its
    percentile does not; ``rare``'s percentile meets it and its slowest call does not."""
    rng = np.random.default_rng(seed)
    least = 100 / (100 - SLO.percentile)  # fewest calls for the percentile

    def calls(count: int, slow: int, base: float) -> np.ndarray:
        fast = base + rng.uniform(-0.2, 0.2, count - slow) * base
        return rng.permutation(np.concatenate([fast, rng.uniform(1.5, 3.0, slow) * SLO.latency_ms]).round(1))

    while True:
        base, count = float(rng.uniform(0.2, 0.5)) * SLO.latency_ms, int(rng.integers(100, 161))
        share = 1 - SLO.percentile / 100
        tail = calls(count, int(np.ceil(count * share)) + int(rng.integers(2, 5)), base)  # mean fine, percentile slow
        rare = calls(count, int(rng.integers(1, max(2, int(count * share) - 1))), base)  # percentile fine, max slow
        if (np.mean(tail) <= SLO.latency_ms < np.percentile(tail, SLO.percentile)
                and np.percentile(tail, 50) <= SLO.latency_ms
                and np.percentile(rare, SLO.percentile) <= SLO.latency_ms < np.max(rare)):
            break
    strict = round(float(rng.uniform(0.3, 0.7)) * base)
    cases = [
        (tail, SLO, False, "mean"),
        (rare, SLO, True, "max"),
        (tail, ServingObjective(latency_ms=SLO.latency_ms, percentile=50.0), True, "percentile"),
        (rare, ServingObjective(latency_ms=strict, percentile=SLO.percentile), False, "objective"),
        (calls(int(rng.integers(5, int(np.ceil(least)))), 0, base), SLO, ValueError, "too few"),
        (calls(int(rng.integers(int(np.ceil(least)), 2 * int(np.ceil(least)))), 0, base), SLO, True, "enough"),
        (calls(int(rng.integers(60, 100)), 2, base), ServingObjective(latency_ms=SLO.latency_ms, percentile=99.0),
         ValueError, "too few"),
    ]
    if latencies is not None and len(latencies) >= 100 / (100 - SLO.percentile):
        measured = np.asarray(latencies, dtype=float)
        cases.append((measured, SLO, bool(np.percentile(measured, SLO.percentile) <= SLO.latency_ms), "measured"))
    return cases


_SLO_HINTS = {
    "mean": "Use the percentile, not the mean: a few very slow calls can hide behind a good average.",
    "max": "Use the percentile, not the slowest call: the objective allows the remaining share of calls to be slower.",
    "percentile": "Use the objective's own percentile (slo.percentile), not a fixed 95.",
    "objective": "Compare with slo.latency_ms, not a fixed number.",
    "too few": "With fewer than 100 / (100 − slo.percentile) calls the percentile says nothing: raise a ValueError.",
    "enough": "Raise the ValueError only when there are too few calls: 100 / (100 − slo.percentile) calls are "
              "enough (20 for a p95).",
    "measured": "On some of the check's samples your verdict is not the objective's: it is met when at least "
                "slo.percentile % of the calls took slo.latency_ms or less.",
}


@exercise("08.meets_slo", points=2, title="Does the endpoint meet its SLO?")
def meets_slo(answer, latencies=None, **_):
    if not callable(answer):
        return wrong("Define a function `meets_slo(latencies_ms, slo=policy.SLO)`.")
    failed = []
    for values, objective, expected, what in _slo_cases(latencies, case_seed("08.meets_slo")):
        try:
            result = answer(values.copy(), slo=objective)
        except ValueError:
            if expected is not ValueError:
                failed.append(what)
            continue
        if result is None:
            raise NotAnswered
        if expected is ValueError:
            failed.append(what)
            continue
        if not isinstance(result, (bool, np.bool_)):
            return wrong(f"Return True or False, not {result!r}.")
        if bool(result) != expected:
            failed.append(what)
    if not failed:
        verdict = ""
        if latencies is not None and len(latencies) >= 100 / (100 - SLO.percentile):
            met = np.percentile(np.asarray(latencies, dtype=float), SLO.percentile) <= SLO.latency_ms
            verdict = " On the latencies measured above, the endpoint " + ("meets" if met else "misses") + " it."
        return correct("Right: an SLO is about a percentile of enough calls, not the average or the single worst "
                       "call." + verdict)
    if set(failed) <= {"too few", "enough"}:
        return partial(0.5, _SLO_HINTS[failed[0]])
    if set(failed) <= {"percentile", "objective"}:
        return partial(0.5, _SLO_HINTS[failed[0]])
    return wrong(_SLO_HINTS[failed[0]])

seal(__name__)
