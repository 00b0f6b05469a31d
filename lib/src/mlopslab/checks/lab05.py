"""Checks of lab 05 (model development and tracking): a complete tracked run, reading runs back, picking by profit.

The tracking checks read the MLflow store themselves (the kernel's ``MLFLOW_TRACKING_URI`` or the course store);
the profit check computes the expected choice with :func:`mlopslab.development.profit_ranking`.
"""

from __future__ import annotations

import numpy as np

from ..config import EXPERIMENT, data_dir, tracking_uri
from ..development import Economics, profit_ranking
from ..exercises import NotAnswered, correct, exercise, partial, wrong

REQUIRED_METRICS = ("auc", "profit")


def expected_data_version() -> str:
    """The data version of the training data: the SHA-256 of data/customers.csv."""
    from ..provisioning import data_version

    return data_version(data_dir() / "customers.csv")


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


@exercise("05.log_run", points=3, title="Log a run carrying every required field")
def log_run(answer, **_):
    from mlflow.exceptions import MlflowException

    if not isinstance(answer, str):
        return wrong(f"Give the run's id as a string (run.info.run_id, or what development.log_run returns), "
                     f"not a {type(answer).__name__}.")
    try:
        run = _client().get_run(answer.strip())
    except MlflowException:
        return wrong("The tracking store has no run with that id. Keep the id of the run you logged: "
                     "`with mlflow.start_run(...) as run:` ... `my_run_id = run.info.run_id`.")
    missing = []
    if not run.data.params:
        missing.append("params (which model, with which settings: mlflow.log_params)")
    for metric in REQUIRED_METRICS:
        if metric not in run.data.metrics:
            missing.append(f"the metric '{metric}' on the test months (mlflow.log_metrics)")
    version = run.data.tags.get("data_version")
    if version is None:
        missing.append("the tag 'data_version' (mlflow.set_tag('data_version', data_version))")
    elif version != expected_data_version():
        missing.append("a data_version tag that is the hash of data/customers.csv (use the `data_version` variable)")
    models = _logged_models(run)
    if not models:
        missing.append("the model (mlflow.sklearn.log_model(..., name='model', signature=..., input_example=...))")
    elif not any(_has_signature(m) for m in models):
        missing.append("a signature on the logged model (infer_signature(example, scores))")
    auc = run.data.metrics.get("auc")
    if not missing and auc is not None and auc > 0.95:
        return partial(0.75, f"Every field is there, but an AUC of {auc:.3f} is too good to be true: is a leaky "
                             "column (lab 04) among the inputs?")
    if not missing:
        return correct("Complete: params, metrics, data version and a model with its signature. Anyone can now "
                       "tell which data and which settings made this model.")
    parts = 5
    score = round((parts - len(missing)) / parts, 2)
    hint = "The run is missing " + "; ".join(missing) + "."
    return partial(score, hint) if score > 0 else wrong(hint)


def _latest_run(run_name: str):
    import mlflow

    mlflow.set_tracking_uri(tracking_uri())
    found = mlflow.search_runs(experiment_names=[EXPERIMENT], filter_string=f"tags.mlflow.runName = '{run_name}'",
                               order_by=["attributes.start_time DESC"], max_results=1, output_format="list")
    return found[0] if found else None


@exercise("05.read_run", points=2, title="Read a run back from the tracking store")
def read_run(answer, **_):
    if not callable(answer):
        return wrong("Define a function `read_run(run_name)` that returns a dict.")
    names = ["logistic_regression", "gradient_boosting"]
    results = {name: answer(name) for name in names}
    if all(r is None for r in results.values()):
        raise NotAnswered
    right = total = 0
    problems = []
    for name, got in results.items():
        run = _latest_run(name)
        if run is None:
            return wrong(f"The store has no run named {name!r}: run the cells of section 4 first.")
        expected = {"auc": run.data.metrics.get("auc"), "profit": run.data.metrics.get("profit"),
                    "data_version": run.data.tags.get("data_version")}
        if not isinstance(got, dict):
            return wrong(f"read_run({name!r}) returned a {type(got).__name__}; return a dict with the keys "
                         f"{sorted(expected)}.")
        for key, value in expected.items():
            total += 1
            mine = got.get(key)
            ok = (mine == value) if key == "data_version" else (
                isinstance(mine, (int, float, np.floating)) and abs(float(mine) - value) < 1e-9)
            right += ok
            if not ok:
                problems.append(f"read_run({name!r})[{key!r}] is {mine!r}")
    if right == total:
        return correct("Right: the numbers come from the store, not from anyone's memory.")
    hint = (f"{problems[0]}, which is not what the store holds. Search the runs by name "
            "(filter_string=\"tags.mlflow.runName = '...'\"), take the latest, and read "
            "metrics.auc, metrics.profit and tags.data_version.")
    return partial(round(right / total, 2), hint) if right else wrong(hint)


def _synthetic_case(seed: int = 5):
    """Two models where the better AUC is not the better campaign when offers are expensive."""
    rng = np.random.default_rng(seed)
    y = (rng.random(2000) < 0.25).astype(int)
    ranker = 1 / (1 + np.exp(-(1.6 * y - 1.0 + rng.normal(0, 1, 2000))))  # good everywhere, mixed at the top
    sniper = np.where((y == 1) & (rng.random(2000) < 0.3), rng.uniform(0.9, 1.0, 2000), rng.uniform(0, 0.85, 2000))
    return y, {"ranker": ranker, "sniper": sniper}


CASES = [Economics(), Economics(offer_cost=90.0, customer_value=300.0, save_rate=0.4),
         Economics(offer_cost=5.0, customer_value=300.0, save_rate=0.2)]


@exercise("05.pick_by_profit", points=2, title="Pick the model by business value")
def pick_by_profit(answer, y_test=None, test_scores=None, **_):
    if not callable(answer):
        return wrong("Define a function `pick_by_profit(y_true, scores_by_model, economics)` that returns a name.")
    cases = [_synthetic_case()]
    if y_test is not None and test_scores is not None:
        cases.append((np.asarray(y_test), test_scores))
    for y, scores in cases:
        for economics in CASES:
            ranking = profit_ranking(y, scores, economics)
            got = answer(y, scores, economics)
            if got is None:
                raise NotAnswered
            if got not in scores:
                return wrong(f"Return one of the model names {sorted(scores)}, not {got!r}.")
            best_profit = ranking.iloc[0]
            by_auc = ranking.sort_values("auc", ascending=False).iloc[0]["model"]
            if got == best_profit["model"] or ranking.loc[ranking["model"] == got, "profit"].iloc[0] == best_profit["profit"]:
                continue
            if got == by_auc:
                return wrong(f"With offer cost {economics.offer_cost:g}, customer value {economics.customer_value:g} "
                             f"and save rate {economics.save_rate:g} you picked {got!r}, the best AUC, but "
                             f"{best_profit['model']!r} earns more. Use each model's best threshold "
                             "(development.best_threshold) and compare the profits.")
            return wrong(f"With offer cost {economics.offer_cost:g} you picked {got!r}, but {best_profit['model']!r} "
                         "earns the most at its best threshold. Does your function use the `economics` it is given?")
    return correct("Right: the model that earns the most for this campaign — which is not always the best AUC.")
