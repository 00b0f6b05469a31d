"""Reference solutions and known-wrong answers for lab 05 (exercise id -> exercise cell source)."""

SOLUTIONS = {
    "05.log_run": '''mine = development.fit_candidate(LogisticRegression(C=0.05, max_iter=1000), train)
with mlflow.start_run(run_name="my-candidate") as run:
    mlflow.log_params({"model": "LogisticRegression", "C": 0.05})
    mlflow.log_metrics(development.evaluate(mine, test, economics))
    mlflow.set_tag("data_version", data_version)
    example = X_train.head(3)
    mlflow.sklearn.log_model(mine, name="model", input_example=example,
                             signature=infer_signature(example, mine.predict_proba(example)[:, 1]),
                             skops_trusted_types=development.SKOPS_TRUSTED,
                             pip_requirements=development.model_requirements())
my_run_id = run.info.run_id
''',
    "05.read_run": '''def read_run(run_name):
    run = mlflow.search_runs(experiment_names=[config.EXPERIMENT], filter_string=f"tags.mlflow.runName = '{run_name}'",
                             order_by=["attributes.start_time DESC"], output_format="list")[0]
    return {"auc": run.data.metrics["auc"], "profit": run.data.metrics["profit"],
            "data_version": run.data.tags["data_version"]}
''',
    "05.pick_by_profit": '''def pick_by_profit(y_true, scores_by_model, economics):
    profits = {name: development.best_threshold(y_true, scores, economics)[1]
               for name, scores in scores_by_model.items()}
    return max(profits, key=profits.get)
''',
}

WRONG = {
    # params and metrics, but no data version and no model: the run cannot say which data made which model
    "05.log_run": '''with mlflow.start_run(run_name="incomplete") as run:
    mlflow.log_params({"model": "LogisticRegression", "C": 0.05})
    mlflow.log_metrics({"auc": 0.79, "profit": 15000.0})
my_run_id = run.info.run_id
''',
    # the first (oldest-first) run's metrics of the wrong kind: cross-validation AUC instead of the test AUC
    "05.read_run": '''def read_run(run_name):
    run = mlflow.search_runs(experiment_names=[config.EXPERIMENT], filter_string=f"tags.mlflow.runName = '{run_name}'",
                             output_format="list")[0]
    return {"auc": run.data.metrics["cv_auc_mean"], "profit": run.data.metrics["profit"],
            "data_version": run.data.tags["data_version"]}
''',
    # the best AUC, whatever the campaign
    "05.pick_by_profit": '''from sklearn.metrics import roc_auc_score


def pick_by_profit(y_true, scores_by_model, economics):
    return max(scores_by_model, key=lambda name: roc_auc_score(y_true, scores_by_model[name]))
''',
}
