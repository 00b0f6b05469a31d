"""Checks of lab 05 (model development and tracking): the profit of a threshold, the threshold chosen on validation
months, a tracked run of the student's own, and reading runs back.

The tracking checks read the MLflow store themselves (the kernel's ``MLFLOW_TRACKING_URI`` or the course store) and
recompute the prepared data's version with :func:`mlopslab.preparation.prepare`; the profit checks compare with
private references built on the package's :func:`mlopslab.development.expected_profit`. ``05.read_run`` also asks for
runs that no table of the lab holds: two it logs under a fresh name with random values, and deletes afterwards.
"""

from __future__ import annotations

import contextlib
import math
import re

import numpy as np

from .. import development
from ..config import EXPERIMENT, SEED, tracking_uri
from ..development import best_threshold, expected_profit
from ..exercises import NotAnswered, correct, exercise, is_blank, partial, wrong
from ..lineage import TAG, data_version
from ..policy import ECONOMICS, Economics
from ._guards import Forbidden, case_seed, references, seal, without

LAB_RUNS = ("baseline", "logistic_regression", "gradient_boosting")
"""The runs lab 05's own cells log (tag ``lab`` = 05)."""
REQUIRED_METRICS = ("auc", "threshold", "profit")
_RUN_ID = re.compile(r"^[0-9a-f]{32}$")
EURO = 0.5
"""How far a profit may be from the reference: a profit rounded to whole euros is right."""

CASES = [ECONOMICS, Economics(offer_cost=5.0, customer_value=300.0, save_rate=0.2),
         Economics(offer_cost=90.0, customer_value=300.0, save_rate=0.4),
         Economics(offer_cost=25.0, customer_value=150.0, save_rate=0.35)]
"""Campaign economics the profit checks try: the governed policy, a cheap SMS, a premium offer, low-value customers."""


def _prepared():
    from ..data import load_customers
    from ..preparation import prepare

    return prepare(load_customers(), seed=SEED)


def _client():
    from mlflow.tracking import MlflowClient

    return MlflowClient(tracking_uri=tracking_uri())


def _logged_models(run) -> list:
    """The models logged by a run (MLflow 3 LoggedModels whose source run it is)."""
    return _client().search_logged_models(experiment_ids=[run.info.experiment_id],
                                          filter_string=f"source_run_id = '{run.info.run_id}'")


def _has_signature(model) -> bool:
    import mlflow

    mlflow.set_tracking_uri(tracking_uri())
    return mlflow.models.get_model_info(f"models:/{model.model_id}").signature is not None


def _number(value) -> float | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


# --- 05.campaign ------------------------------------------------------------------------------------------------

def _campaign_case(seed: int):
    """Labels and scores with ties at the thresholds the check tries (scores on a 0.05 grid), drawn from ``seed``
    (:func:`~._guards.case_seed`, fresh for every check: no table of counts and profits typed in matches them). Drawn
    again until the common mistakes give other numbers: some scores sit exactly on 0.3 and on 0.5 (``>`` contacts
    fewer), and customers who stay score 0.3 or more (forgetting their offers changes the profit)."""
    rng = np.random.default_rng(seed)
    while True:
        y = (rng.random(400) < 0.3).astype(int)
        scores = np.clip(np.round((0.25 + 0.35 * y + rng.normal(0, 0.2, 400)) * 20) / 20, 0, 1)
        if (np.isclose(scores, 0.3).any() and np.isclose(scores, 0.5).any()
                and ((scores >= 0.3) & (y == 0)).any() and ((scores >= 0.3) & (y == 1)).any()):
            return y, scores


def _campaign_reference(y, scores, threshold: float, economics: Economics) -> dict:
    reached = np.asarray(scores, dtype=float) >= threshold
    labels = np.asarray(y, dtype=int)
    return {"contacted": int(reached.sum()), "churners_contacted": int(labels[reached].sum()),
            "profit": expected_profit(labels, scores, threshold, economics)}


_PROFIT_FUNCTIONS = ("expected_profit", "profit_curve", "best_threshold", "evaluate")
"""The package's profit functions: lab 05 shows them *after* the student has written the computation."""


def _profit_blocked(name: str) -> str:
    return (f"Your function calls the course's `{name}`: this exercise asks you to compute the profit yourself, from "
            "`economics.cost_matrix()` and the customers the campaign contacts.")


@exercise("05.campaign", points=3, title="The profit of a threshold")
def campaign(answer, **_):
    import pandas as pd

    if not callable(answer):
        return wrong("Define a function `campaign(y_true, scores, threshold, economics)` that returns a dict.")
    used = references(answer, {f"development.{name}": getattr(development, name) for name in _PROFIT_FUNCTIONS})
    if used:
        return wrong(_profit_blocked(used[0]))
    y, scores = _campaign_case(case_seed("05.campaign"))
    keys = ("contacted", "churners_contacted", "profit")
    for economics in CASES:
        for threshold in (0.3, 0.5, 0.0, 0.75, 1.01):
            try:
                with without(development, list(_PROFIT_FUNCTIONS)):
                    got = answer(pd.Series(y, index=np.arange(len(y))[::-1]), scores.copy(), threshold, economics)
            except Forbidden as err:
                return wrong(_profit_blocked(err.name))
            if got is None or is_blank(got):
                raise NotAnswered
            if not isinstance(got, dict):
                return wrong(f"Return a dict with the keys {list(keys)}, not a {type(got).__name__}.")
            missing = [k for k in keys if k not in got]
            if missing:
                return wrong(f"The dict misses {missing}: return {{'contacted': ..., 'churners_contacted': ..., "
                             "'profit': ...}.")
            values = {k: _number(got[k]) for k in keys}
            if any(v is None for v in values.values()):
                return wrong("Every value of the dict must be a number (a count, a count, euros).")
            expected = _campaign_reference(y, scores, threshold, economics)
            if values["contacted"] != expected["contacted"]:
                strict = int((scores > threshold).sum())
                if values["contacted"] == strict:
                    return wrong("The campaign contacts every customer whose score is *at least* the threshold "
                                 "(`scores >= threshold`): customers exactly at the threshold are contacted too.")
                return wrong(f"At threshold {threshold:g} your function says the campaign contacts {got['contacted']} "
                             "customers, which is not right: count the customers whose score is at least the "
                             "threshold (`scores >= threshold`).")
            if values["churners_contacted"] != expected["churners_contacted"]:
                return wrong("`churners_contacted` counts the contacted customers whose label is 1 (they churn). "
                             "Work with plain arrays (`np.asarray`), so that a label's position matches its score's.")
            if abs(values["profit"] - expected["profit"]) > EURO:
                matrix = economics.cost_matrix()
                churners, stayers = expected["churners_contacted"], expected["contacted"] - expected["churners_contacted"]
                if abs(values["profit"] - churners * matrix.loc["churns", "contacted"]) <= EURO and stayers:
                    return wrong("Every contacted customer who would have stayed anyway costs the offer: add the "
                                 "stayers times the cost matrix's (stays, contacted) cell.")
                governed = _campaign_reference(y, scores, threshold, ECONOMICS)["profit"]
                if economics != ECONOMICS and abs(values["profit"] - governed) <= EURO:
                    return wrong(f"With offer cost {economics.offer_cost:g}, customer value "
                                 f"{economics.customer_value:g} and save rate {economics.save_rate:g} your profit is "
                                 "the governed policy's: use the cost matrix of the `economics` argument.")
                return wrong(f"At threshold {threshold:g}, with offer cost {economics.offer_cost:g}, customer value "
                             f"{economics.customer_value:g} and save rate {economics.save_rate:g}, the campaign earns "
                             "a different profit. Each contacted churner brings the matrix's (churns, contacted) "
                             "cell, each contacted stayer its (stays, contacted) cell; the others bring nothing.")
    return correct("Right: the campaign's profit is the cost matrix summed over the customers it contacts. That one "
                   "number is what the Business Analyst compares models on.")


# --- 05.test_profit ---------------------------------------------------------------------------------------------

def _tuning_case(seed: int = 3):
    """Validation and test months whose most profitable thresholds differ (the test months flatter a model), drawn
    from ``seed`` (:func:`~._guards.case_seed`, fresh for every check: no (threshold, profit) typed in matches them).
    Drawn again until, under the governed economics, the test months' best threshold and 0.5 each earn at least a
    euro less than the best on the validation months, and the validation months' best threshold earns on the test
    months more than a euro from its validation profit: choosing on the test months, reporting the validation
    profit, or keeping 0.5 is then wrong on every draw."""
    rng = np.random.default_rng(seed)

    def month(n, spread):
        y = (rng.random(n) < 0.27).astype(int)
        return y, np.clip(0.22 + 0.3 * y + rng.normal(0, spread, n), 0, 1)

    grid = np.round(np.linspace(0, 1, 101), 2)
    cell = ECONOMICS.cost_matrix().to_numpy()[:, 1]

    def curve(y, s):  # the profit of every threshold of best_threshold's grid, the best one's position, and whether
        reached = s[None, :] >= grid[:, None]  # every threshold within 1e-6 of the best contacts the same customers
        profits = reached @ cell[y]
        best = int(np.argmax(profits))
        near = np.abs(profits - profits[best]) <= 1e-6
        return profits, best, len(set(reached[near].sum(axis=1))) == 1

    while True:
        (y_val, s_val), (y_test, s_test) = month(900, 0.17), month(900, 0.2)
        (val, best_val, clear_val), (test, best_test, clear_test) = curve(y_val, s_val), curve(y_test, s_test)
        if (clear_val and clear_test and val[best_test] < val[best_val] - 1 and val[50] < val[best_val] - 1
                and abs(val[best_val] - test[best_val]) > 1):
            return y_val, s_val, y_test, s_test


def _pair(got) -> tuple[float, float] | None:
    if not isinstance(got, (tuple, list)) or len(got) != 2:
        return None
    threshold, profit = _number(got[0]), _number(got[1])
    return None if threshold is None or profit is None else (threshold, profit)


@exercise("05.test_profit", points=2, title="Choose on validation, report on test")
def honest_test_profit(answer, **_):
    if not callable(answer):
        return wrong("Define a function `test_profit(y_val, val_scores, y_test, test_scores, economics)` that "
                     "returns (threshold, profit).")
    y_val, s_val, y_test, s_test = _tuning_case(case_seed("05.test_profit"))
    flattered = 0
    for economics in CASES[:3]:
        got = answer(y_val, s_val.copy(), y_test, s_test.copy(), economics)
        if got is None or is_blank(got):
            raise NotAnswered
        pair = _pair(got)
        if pair is None:
            return wrong("Return a tuple of two numbers: (the threshold chosen on the validation months, the profit "
                         "on the test months at that threshold).")
        threshold, profit = pair
        _, best_val = best_threshold(y_val, s_val, economics)
        test_at_threshold = expected_profit(y_test, s_test, threshold, economics)
        val_at_threshold = expected_profit(y_val, s_val, threshold, economics)
        best_test_threshold, best_test = best_threshold(y_test, s_test, economics)
        if val_at_threshold < best_val - 0.01:
            if abs(threshold - best_test_threshold) < 1e-9 or abs(profit - best_test) <= EURO:
                return wrong("You chose the threshold on the test months: their best profit flatters the model, "
                             "because nobody will know next month's labels when the threshold is set. Choose it on "
                             "the validation months, then report the test months' profit at that threshold.")
            return wrong(f"With offer cost {economics.offer_cost:g}, threshold {threshold:g} is not the most "
                         "profitable one on the validation months: try the thresholds on the validation labels and "
                         "scores, with this campaign's economics, and keep the one that earns most.")
        if abs(profit - test_at_threshold) > EURO:
            if abs(profit - val_at_threshold) <= EURO:
                return wrong("The threshold is right, but the profit is the validation months' own. Report what the "
                             "threshold earns on the test months: they stand in for the future.")
            return wrong(f"At threshold {threshold:g} the test months earn a different profit: the profit of that "
                         "threshold on the test months' labels and scores, with this campaign's economics.")
        flattered += best_test - profit
    return correct(f"Right: chosen on validation, judged on test. Across these campaigns the test-tuned figures "
                   f"would have claimed €{flattered:,.0f} more than the honest ones.")


# --- 05.log_run -------------------------------------------------------------------------------------------------

def _made_by_log_run(run) -> bool:
    """Whether ``run`` holds the params only ``development.log_run`` writes: its marker ``logged_with`` (logged with
    the model's settings) or the ``economics.*`` params, which the exercise never asks for. MLflow has no call that
    deletes a param; the tags ``train_rows`` and ``test_months`` say so too, but ``delete_tag`` removes them."""
    from ..development import ECONOMICS, LOGGED_WITH

    params = run.data.params
    economics = {f"economics.{key}" for key in ECONOMICS.as_dict()}
    return params.get(LOGGED_WITH) == f"{development.__name__}.log_run" or economics <= set(params)


def _lab_runs(experiment_id: str) -> list:
    """The runs lab 05's own cells logged in this experiment (tag ``lab`` = 05, a name of :data:`LAB_RUNS`)."""
    found = _client().search_runs([experiment_id], "tags.lab = '05'", order_by=["attributes.start_time DESC"])
    return [r for r in found if r.data.tags.get("mlflow.runName") in LAB_RUNS]


def _lab_twin(lab_runs: list, auc: float, found: dict, choices: list) -> str | None:
    """The name of the lab run whose model the logged one is: the same test AUC (the lab logs it to 4 digits) and
    the same test profit at that run's threshold. None when the model is a candidate of its own."""
    for lab_run in lab_runs:
        metrics = lab_run.data.metrics
        if not {"auc", "threshold", "profit"} <= set(metrics) or abs(metrics["auc"] - auc) > 6e-5:
            continue
        profits = [expected_profit(found["y"], found["scores"], metrics["threshold"], e) for e in choices]
        if any(abs(metrics["profit"] - p) <= 1.0 for p in profits):
            return lab_run.data.tags["mlflow.runName"]
    return None


def _model_scores(model) -> tuple[float, dict] | None:
    """The logged model's test AUC and its scores on the prepared test months, or None if it cannot be loaded."""
    import mlflow
    from sklearn.metrics import roc_auc_score

    from ..preparation import split_xy

    try:
        mlflow.set_tracking_uri(tracking_uri())
        pipeline = mlflow.sklearn.load_model(f"models:/{model.model_id}")
        X, y = split_xy(_prepared().test)
        scores = pipeline.predict_proba(X)[:, 1]
    except Exception:  # noqa: BLE001 -- a model that cannot score the test months is reported, not raised
        return None
    return roc_auc_score(y, scores), {"y": y, "scores": scores}


@exercise("05.log_run", points=3, title="Log a run of your own")
def log_run(answer, economics=None, **_):
    from mlflow.exceptions import MlflowException

    if not isinstance(answer, str):
        return wrong(f"Give the run's id as a string (`run.info.run_id`), not a {type(answer).__name__}.")
    if not _RUN_ID.match(answer.strip()):
        return wrong("That is not a run id (32 hex digits). Keep the id of the run you logged in `my_run_id`: "
                     "`with mlflow.start_run(...) as run:` gives it as `run.info.run_id`.")
    try:
        run = _client().get_run(answer.strip())
    except MlflowException:
        return wrong("The tracking store has no run with that id. Keep the id of the run you logged in "
                     "`my_run_id`: `with mlflow.start_run(...) as run:` gives it as `run.info.run_id`.")
    tags = run.data.tags
    if tags.get("lab") in ("04", "05") or tags.get("mlflow.runName") in LAB_RUNS:
        return wrong("That run was logged by the lab's own cells. Log a run of your own candidate in the exercise "
                     "cell, with the MLflow calls written there.")
    if {"train_rows", "test_months"} <= set(tags) or _made_by_log_run(run):
        return wrong("That run holds what `development.log_run` logs (its `logged_with` or `economics.*` params, "
                     "which this exercise does not ask for): it was made by `development.log_run` or copied from a "
                     "run it made. Write the MLflow calls yourself (`mlflow.start_run`, `log_params`, "
                     "`log_metrics`, `set_tag`, `sklearn.log_model`), as the baseline cell does: that is the "
                     "exercise.")
    course = _client().get_experiment_by_name(EXPERIMENT)
    if course is None or run.info.experiment_id != course.experiment_id:
        return wrong(f"That run is not in the course experiment {EXPERIMENT!r}, where the team compares its runs: "
                     "log it there (the experiment `config.setup_tracking()` set at the top of the lab).")
    lab_runs = _lab_runs(course.experiment_id)
    if lab_runs and run.info.start_time <= max(r.info.start_time for r in lab_runs):
        return wrong("That run is older than the lab's own runs: log a new run of your own in the exercise cell "
                     "(after running the cells above it).")
    missing = []
    if not run.data.params:
        missing.append("params (which model, with which settings: mlflow.log_params)")
    absent = [m for m in REQUIRED_METRICS if m not in run.data.metrics]
    if absent:
        missing.append(f"the metrics {absent} (test AUC, the threshold chosen on validation months, the test "
                       "profit at it: mlflow.log_metrics)")
    version, prepared_version = tags.get(TAG), _prepared().version
    if version is None:
        missing.append(f"the lineage tag {TAG!r} (`mlflow.set_tag` with `lineage.TAG` and the prepared data's version)")
    elif version != prepared_version:
        from ..config import data_dir

        raw = version == data_version(data_dir() / "customers.csv")
        missing.append(f"a {TAG!r} tag naming the data the model was trained on: the prepared data's version, "
                       "`prepared.version`" + (" (not the raw file's version)" if raw else ""))
    models = _logged_models(run)
    if not models:
        missing.append("the model (mlflow.sklearn.log_model(..., name='model', signature=..., input_example=..., "
                       "skops_trusted_types=development.SKOPS_TRUSTED), as the baseline cell logs it: without the "
                       "trusted types MLflow refuses to save the course's own FeatureEngineer)")
    elif not any(_has_signature(m) for m in models):
        missing.append("a signature on the logged model (infer_signature(example, scores))")
    if missing:
        score = round((5 - len(missing)) / 5, 2)
        hint = "The run is missing " + "; ".join(missing) + "."
        return partial(score, hint) if score > 0 else wrong(hint)
    scored = _model_scores(models[0])
    if scored is None:
        return partial(0.5, "The logged model cannot score the prepared test months (`prepared.test`): log the "
                            "fitted pipeline itself, trained on `train`.")
    auc, found = scored
    if auc > 0.95:
        return partial(0.75, f"An AUC of {auc:.3f} is too good to be true: is a leaky column (lab 04) among the "
                             "inputs?")
    choices = [ECONOMICS] + ([economics] if isinstance(economics, Economics) else [])
    twin = _lab_twin(lab_runs, auc, found, choices)
    if twin is not None:
        return wrong(f"The logged model ranks the test months and earns on them exactly as the lab's run {twin!r} "
                     "does: it is the lab's model, not a candidate of your own. Train your own (the exercise cell's "
                     "regularised logistic regression, or other settings) and log that.")
    logged = run.data.metrics
    if abs(logged["auc"] - auc) > 0.001:
        return partial(0.5, f"The run's metric auc is {logged['auc']:.4f}, but the logged model ranks the test "
                            f"months with AUC {auc:.4f}: log the metrics of this model on `test`.")
    profits = [expected_profit(found["y"], found["scores"], logged["threshold"], e) for e in choices]
    if not any(abs(logged["profit"] - p) <= 1.0 for p in profits):
        return partial(0.5, f"The run's profit is not what the logged model earns on the test months at its "
                            f"logged threshold {logged['threshold']:g} (€{profits[-1]:,.0f}).")
    return correct("Complete: params, honest metrics, the lineage tag of the prepared data and the model with its "
                   "signature, all written by you. Anyone can now tell which data and which settings made this "
                   "model, and check its numbers.")


# --- 05.read_run ------------------------------------------------------------------------------------------------

def _latest_run(run_name: str):
    import mlflow

    mlflow.set_tracking_uri(tracking_uri())
    query = f"tags.mlflow.runName = '{run_name}'"
    found = mlflow.search_runs(experiment_names=[EXPERIMENT], filter_string=query,
                               order_by=["attributes.start_time DESC"], max_results=1, output_format="list")
    return found[0] if found else None


def _read_ok(got, expected: dict) -> dict[str, bool]:
    """For each key of ``expected``, whether the student's dict ``got`` holds that value."""
    found = {}
    for key, value in expected.items():
        mine = got.get(key)
        found[key] = (mine == value) if key == TAG else (
            isinstance(mine, (int, float, np.floating)) and value is not None and abs(float(mine) - value) < 1e-9)
    return found


@contextlib.contextmanager
def _scratch_runs():
    """Two runs that no table of the lab holds: the same fresh name, random metrics and a random lineage tag, the
    older one a minute before the newer (so only the latest is right). Logged in the course experiment for the
    length of the block, deleted after it. Yields the name and (older, newer) expected dicts."""
    import secrets
    import time

    from mlflow.entities import Metric, RunTag

    client = _client()
    experiment = client.get_experiment_by_name(EXPERIMENT)
    rng = np.random.default_rng()  # unseeded on purpose: values nobody can know before the check logs them
    name = f"candidate-{secrets.token_hex(6)}"
    now = int(time.time() * 1000)
    logged, expected = [], []
    try:
        for start in (now - 60_000, now):
            run = client.create_run(experiment.experiment_id, start_time=start, run_name=name,
                                    tags={"logged_by": "mlopslab.checks.lab05 (deleted after the check)"})
            logged.append(run.info.run_id)
            values = {"auc": round(float(rng.uniform(0.6, 0.9)), 6), "profit": round(float(rng.uniform(5e3, 4e4)), 2)}
            metrics = {**values, "cv_auc_mean": round(float(rng.uniform(0.6, 0.9)), 6),
                       "threshold": round(float(rng.uniform(0.1, 0.6)), 2)}
            version = secrets.token_hex(32)
            client.log_batch(run.info.run_id, metrics=[Metric(k, v, start, 0) for k, v in metrics.items()],
                             tags=[RunTag(TAG, version)])
            client.set_terminated(run.info.run_id, end_time=start + 1000)
            expected.append({**values, TAG: version})
        yield name, expected
    finally:
        for run_id in logged:
            client.delete_run(run_id)


@exercise("05.read_run", points=2, title="Read a run back")
def read_run(answer, **_):
    if not callable(answer):
        return wrong("Define a function `read_run(run_name)` that returns a dict.")
    names = ["logistic_regression", "gradient_boosting"]
    results = {name: answer(name) for name in names}
    if all(r is None or is_blank(r) for r in results.values()):
        raise NotAnswered
    right = total = 0
    problems = []
    for name, got in results.items():
        run = _latest_run(name)
        if run is None:
            return wrong(f"The store has no run named {name!r}: run the cells of section 4 first.")
        expected = {"auc": run.data.metrics.get("auc"), "profit": run.data.metrics.get("profit"),
                    TAG: run.data.tags.get(TAG)}
        if not isinstance(got, dict):
            return wrong(f"read_run({name!r}) returned a {type(got).__name__}; return a dict with the keys "
                         f"{sorted(expected)}.")
        for key, ok in _read_ok(got, expected).items():
            total += 1
            right += ok
            if not ok:
                problems.append(f"read_run({name!r})[{key!r}] is {got.get(key)!r}")
    if right < total:
        hint = (f"{problems[0]}, which is not what the store holds. Search the runs by name "
                "(filter_string=\"tags.mlflow.runName = '...'\"), take the latest, and read "
                f"metrics.auc, metrics.profit and tags.{TAG}.")
        return partial(round(right / total, 2), hint) if right else wrong(hint)
    # the lab's own tables hold both runs above: a run logged just now, under a new name, holds what only the store does
    elsewhere = ("read_run is right for the lab's two runs, but not for a run that only the store holds (the check "
                 "logged it just now under a new name, and deleted it afterwards)")
    with _scratch_runs() as (name, (older, newer)):
        try:
            got = answer(name)
        except Exception as err:  # noqa: BLE001 -- the student's function failing on an unknown run is feedback
            return partial(0.5, f"{elsewhere}: it raised {type(err).__name__}. Find the run in the store "
                                "(`mlflow.search_runs`), not in a table the lab made.")
    if not isinstance(got, dict):
        return partial(0.5, f"{elsewhere}: it returned a {type(got).__name__}, not a dict.")
    if all(_read_ok(got, newer).values()):
        return correct("Right: the numbers come from the store, not from anyone's memory.")
    if all(_read_ok(got, older).values()):
        return partial(0.5, f"{elsewhere}: that name has two runs, and yours read the older one. Order the search "
                            "by start time, newest first (`order_by=[\"attributes.start_time DESC\"]`), and take the "
                            "first.")
    return partial(0.5, f"{elsewhere}: search the store by name, take the latest run, and read metrics.auc, "
                        f"metrics.profit and tags.{TAG} from it, not from a table the lab made.")

seal(__name__)
