# %% [markdown]
# # Lab 05 — Model development and experiment tracking
#
# **Stage:** model development · **Lead personas:** Data Scientist, Business Analyst · **Time:** about 90 minutes
#
# The development stories of lab 02's backlog (S09 to S11) at TelcoNova. The data is prepared (lab 04); now the
# **Data Scientist** trains candidate models and the **Business Analyst** decides what "a good model" means in euros.
# Every training run is recorded in MLflow, so that the team compares runs from a shared record instead of from
# memory or screenshots, and every run names the exact data it was trained on.
#
# ### Learning objectives
# By the end of this lab you can:
# 1. train on lab 04's prepared data and prove, with its **data version**, that it is that data;
# 2. turn a retention campaign's economics into a **cost matrix**, and compute the **profit of a threshold** yourself;
# 3. start from a **baseline** and explain why accuracy flatters it;
# 4. cross-validate candidates with **forward-chaining month folds**, choose the campaign threshold on the
#    **validation months** and report on the **test months**;
# 5. track a run in **MLflow** yourself: parameters, metrics, the lineage tag, the model with its signature; compare
#    runs from the store and read one back;
# 6. decide which candidate goes on to validation, and say how sure you can be.
#
# ### Why this matters to the business
# "Which model did we ship, trained on what, and why that one?" A team that cannot answer from a record repeats work,
# ships the wrong file and fails its audit (lab 01). And a model is only worth what the decision it drives earns: the
# retention campaign's profit, not a statistic on a slide.

# %% id="cell-01"
import inspect

import matplotlib.pyplot as plt
import mlflow
import numpy as np
import pandas as pd
from mlflow.models import infer_signature
from mlopslab import config, data, development, lineage, policy, preparation
from mlopslab.exercises import check
from sklearn.base import clone
from sklearn.dummy import DummyClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score, roc_auc_score
from threadpoolctl import threadpool_limits

config.quiet()
threadpool_limits(1)  # one thread per process: much faster on small shared machines such as Binder
config.setup_tracking()  # MLflow -> the course tracking store, experiment "churn-retention"

customers = data.load_customers()
prepared = preparation.prepare(customers, seed=config.SEED)  # lab 04's preparation: the same function, the same seed
record = preparation.ensure_preparation_run(prepared)  # lab 04's record of it (logged now if this store has none)
train, test = prepared.train, prepared.test
X_train, y_train = preparation.split_xy(train)
X_test, y_test = preparation.split_xy(test)
recorded = record.data.tags[lineage.TAG]
if record.data.tags.get("logged_by") == preparation.STAND_IN:  # the package's stand-in, not lab 04's own record
    print(f"no record from lab 04 in this store: the package logged the prepared data as version "
          f"{lineage.short(recorded)} in its place\n(run lab 04 to record it yourself; this cell then compares the two)")
else:
    print(f"lab 04 recorded the prepared data as version {lineage.short(recorded)}")
    print(f"this lab's preparation has version             {lineage.short(prepared.version)}: "
          f"{'the same data' if prepared.version == recorded else 'DIFFERENT data'}")
print(f"training: {len(train):,} customers ({train['month'].min()} .. {train['month'].max()}); "
      f"test: {len(test):,} ({test['month'].min()} .. {test['month'].max()})")

# %% [markdown]
# The hand-off from lab 04 is checked, not assumed: the version this lab computes must equal the one lab 04 recorded
# in the tracking store. (If your store says "DIFFERENT", lab 04 was run with another seed or other cleaning steps:
# run it again as it is. If it holds no record from lab 04, the package records this lab's preparation in its place,
# tagged `logged_by`, so that the lab runs on an empty store; there is nothing to compare until you run lab 04.)
# Every run below carries this version in its tag `lineage.TAG`.
#
# ## 1. What is a good model? The Business Analyst's answer
#
# The model will drive a **retention campaign**: each month, customers with a high churn score get an offer. The
# campaign's economics are governed (`mlopslab.policy.ECONOMICS`, from last year's pilot):
#
# * each contacted customer costs the offer (`offer_cost`);
# * a customer kept is worth `customer_value` (the margin of the next year);
# * the offer keeps a share `save_rate` of the customers who were about to churn.
#
# That gives a **cost matrix**: the expected profit of each decision for each kind of customer. Contacting a churner
# earns `save_rate × customer_value − offer_cost` on average; contacting a customer who would have stayed anyway
# wastes the offer; not contacting earns and costs nothing (the churners leave either way).

# %% tags=["parameters"] id="parameters"
# Parameters: the campaign's economics, by default the governed policy. An instructor can run another market's
# numbers headlessly, e.g.   mlopslab run --labs 05 -p offer_cost 10 -p save_rate 0.2
offer_cost = policy.ECONOMICS.offer_cost
customer_value = policy.ECONOMICS.customer_value
save_rate = policy.ECONOMICS.save_rate

# %% id="cell-03"
# the governed economics, unless an instructor's parameters make this run an illustration for another market:
economics = development.Economics(offer_cost=offer_cost, customer_value=customer_value, save_rate=save_rate)  # illustration
if economics != policy.ECONOMICS:
    print("These economics differ from the governed policy: this run is an illustration for another market.")
print(economics)
economics.cost_matrix()

# %% [markdown]
# The campaign contacts every customer whose churn score is at least a **threshold**. Its profit is the cost matrix
# summed over the customers it contacts: each contacted churner brings the (churns, contacted) cell, each contacted
# stayer the (stays, contacted) cell. A low threshold reaches more churners and wastes more offers; a high one wastes
# little and misses most churners.
#
# ### Exercise 05.1 — the profit of a threshold
# Complete `campaign(y_true, scores, threshold, economics)`: `y_true` holds 1 for each customer who churned, `scores`
# the model's churn scores. Return a dict with how many customers the campaign contacts (`"contacted"`), how many of
# them churn (`"churners_contacted"`) and its `"profit"` in euros, read from `economics.cost_matrix()` (a table:
# `matrix.loc["churns", "contacted"]` is one cell).

# %% mlopslab={"exercise": "05.campaign"}
def campaign(y_true, scores, threshold, economics):
    """Contact every customer whose score is at least threshold: how many, how many churners among them, the profit."""
    y_true, scores = np.asarray(y_true), np.asarray(scores)
    matrix = economics.cost_matrix()
    # BEGIN STUB
    # contacted = ...            # True for each customer the campaign contacts
    # churners_contacted = ...   # how many of the contacted customers churn (y_true == 1)
    # profit = ...               # each contacted customer's cell of the cost matrix, summed
    # return {"contacted": ..., "churners_contacted": ..., "profit": ...}
    # END STUB
    # BEGIN SOLUTION
    reached = scores >= threshold
    reached_churners = int((reached & (y_true == 1)).sum())
    reached_stayers = int(reached.sum()) - reached_churners
    profit = (reached_churners * matrix.loc["churns", "contacted"]
              + reached_stayers * matrix.loc["stays", "contacted"])
    return {"contacted": int(reached.sum()), "churners_contacted": reached_churners, "profit": float(profit)}
    # END SOLUTION


# %% mlopslab={"check": "05.campaign"}
check("05.campaign", campaign)


# %% mlopslab={"wrong": "05.campaign"}
def campaign(y_true, scores, threshold, economics):
    """Only the churners count: the wasted offers are forgotten."""
    y_true, scores = np.asarray(y_true), np.asarray(scores)
    matrix = economics.cost_matrix()
    reached = scores >= threshold
    churners = int((reached & (y_true == 1)).sum())
    return {"contacted": int(reached.sum()), "churners_contacted": churners,
            "profit": float(churners * matrix.loc["churns", "contacted"])}


# %% mlopslab={"wrong": "05.campaign"}
def campaign(y_true, scores, threshold, economics):
    """Strictly above the threshold."""
    y_true, scores = np.asarray(y_true), np.asarray(scores)
    matrix = economics.cost_matrix()
    reached = scores > threshold
    churners = int((reached & (y_true == 1)).sum())
    stayers = int(reached.sum()) - churners
    return {"contacted": int(reached.sum()), "churners_contacted": churners,
            "profit": float(churners * matrix.loc["churns", "contacted"] + stayers * matrix.loc["stays", "contacted"])}


# %% mlopslab={"wrong": "05.campaign"}
def campaign(y_true, scores, threshold, economics):
    """The governed economics, whatever the argument says."""
    y_true, scores = np.asarray(y_true), np.asarray(scores)
    matrix = policy.ECONOMICS.cost_matrix()
    reached = scores >= threshold
    churners = int((reached & (y_true == 1)).sum())
    stayers = int(reached.sum()) - churners
    return {"contacted": int(reached.sum()), "churners_contacted": churners,
            "profit": float(churners * matrix.loc["churns", "contacted"] + stayers * matrix.loc["stays", "contacted"])}


# %% mlopslab={"shortcut": "05.campaign"}
campaign = development.expected_profit  # the package's profit: a number, not the campaign's counts


# %% mlopslab={"shortcut": "05.campaign"}
def campaign(y_true, scores, threshold, economics):
    """The package's profit, with the right economics, and the counts around it."""
    reached = np.asarray(scores) >= threshold
    return {"contacted": int(reached.sum()), "churners_contacted": int(np.asarray(y_true)[reached].sum()),
            "profit": development.expected_profit(y_true, scores, threshold, economics)}


# %% [markdown]
# The package keeps the same computation for every later lab: `development.expected_profit` (the profit at one
# threshold), `development.profit_curve` (at every threshold from 0 to 1, in steps of a hundredth) and
# `development.best_threshold` (the most profitable point of that curve). The first is what you just wrote, so only
# its signature is shown; the other two build on it:

# %% id="cell-profit-source"
signature_and_docstring = inspect.getsource(development.expected_profit).split('"""')[:2]
print('"""'.join(signature_and_docstring) + '"""\n    ...\n')
for function in (development.profit_curve, development.best_threshold):
    print(inspect.getsource(function))

# %% [markdown]
# ## 2. The baseline
#
# Before any clever model, a baseline: the **majority class** ("nobody churns"). Every candidate must beat it, and it
# shows which metrics can be trusted.

# %% id="cell-05"
baseline = development.fit_candidate(DummyClassifier(strategy="most_frequent"), train)
baseline_scores = development.churn_scores(baseline, test)
everyone = development.expected_profit(y_test, baseline_scores, 0.0, economics)
print(f"accuracy: {accuracy_score(y_test, baseline.predict(X_test)):.1%}  (it predicts 'no churn' for everyone)")
print(f"AUC:      {roc_auc_score(y_test, baseline_scores):.2f}  (it cannot rank anyone above anyone)")
print(f"campaign without a model: contact everyone €{everyone:,.0f}, contact nobody €0")

# %% [markdown]
# Three-quarters accuracy for a model that knows nothing: with about a quarter churners, accuracy rewards saying "no"
# to everyone. The AUC (how well the scores rank churners above stayers; a coin flip scores one half) and the profit
# are the metrics to watch. Without a model the business can still contact *everyone* (or nobody, whichever earns
# more): that is the bar a model must clear.
#
# ## 3. Candidates, cross-validated on the training months
#
# The two candidates (`development.candidate_models()`): a **logistic regression** (simple, explainable) and a
# **gradient-boosting** tree ensemble (flexible, catches interactions). Both sit behind lab 04's preprocessing
# pipeline. Before any result is on screen, the team writes down how it will choose: **the candidate with the highest
# profit on the validation months goes to validation (lab 06)**; the test months confirm or question it (section 7).
#
# One split gives one number; **cross-validation** repeats the fit on several folds and shows how much the score
# moves. Which folds? The usual stratified k-fold would shuffle the months: training on August to predict June. We
# use **forward-chaining month folds**: fit on every month before month *m*, validate on month *m*, for the last
# training months (`policy.THRESHOLD.validation_months` of them; the table below names them). Each fold rehearses
# deployment, like lab 04's split, and the validation months are where the team makes its choices. The test months
# after them stay untouched.

# %% id="cell-folds"
def month_folds(frame, n_folds=policy.THRESHOLD.validation_months):
    """Forward chaining: for each of the last n_folds months, fit on every earlier month and validate on it."""
    months = sorted(frame["month"].unique())
    for month in months[-n_folds:]:
        yield month, frame[frame["month"] < month], frame[frame["month"] == month]


def cross_validate(model, frame):
    """Per fold the validation month's AUC; and every validation customer's label and out-of-fold score."""
    folds, scored = [], []
    for month, fit_part, validation_part in month_folds(frame):
        fitted = development.fit_candidate(clone(model), fit_part)
        scores = development.churn_scores(fitted, validation_part)
        _, y = preparation.split_xy(validation_part)
        folds.append({"validation month": month, "fit rows": len(fit_part), "AUC": roc_auc_score(y, scores)})
        scored.append(pd.DataFrame({"month": month, "churned": y.to_numpy(), "score": scores}))
    return pd.DataFrame(folds), pd.concat(scored, ignore_index=True)


candidates = {name: development.candidate_models()[name] for name in ("logistic_regression", "gradient_boosting")}
cv, validation = {}, {}
for name, estimator in candidates.items():
    cv[name], validation[name] = cross_validate(estimator, train)
pd.concat(cv, names=["model", "fold"]).round(3)

# %% id="cell-fold-plot"
fig, ax = plt.subplots(figsize=(6, 3.6))
for name, folds in cv.items():
    ax.plot(folds["validation month"], folds["AUC"], marker="o", label=name)
ax.set(title="AUC on each validation month", xlabel="validation month (fitted on every month before it)",
       ylabel="AUC")
ax.legend()
plt.tight_layout()
plt.show()
fold_auc = pd.DataFrame({name: folds["AUC"].to_numpy() for name, folds in cv.items()})  # a row per month, a column per model
gap, move = (fold_auc.max(axis=1) - fold_auc.min(axis=1)).max(), fold_auc.diff().abs().max().max()
print(f"-> the largest gap between the models ({gap:.3f}) is {'smaller' if gap < move else 'not smaller'} than the "
      f"largest move of a line from one month to the next ({move:.3f})")

# %% [markdown]
# Read the picture twice. Across models: how far apart do the two lines run? Across months: how far does each line
# move from one month to the next? The line under the picture sets the two side by side. A difference between
# candidates that is smaller than the month-to-month move is a warning not to crown a winner on the third decimal;
# one that is larger than what a month moves the lines is a difference worth looking into.
#
# **The threshold is a choice too, and choices are made on validation months.** For each candidate, the Business
# Analyst takes the threshold that earns most on its out-of-fold scores of the validation months: the governed rule,
# `policy.THRESHOLD`, which lab 06 applies too. Its profit on the test months, at that fixed threshold, is the honest
# estimate. The threshold that earns most *on the test months themselves* would flatter the model: nobody knows next
# month's labels when the campaign is set up.
#
# ### Exercise 05.2 — choose on validation, report on test
# Complete `test_profit(y_val, val_scores, y_test, test_scores, economics)`: return `(threshold, profit)`, the
# threshold that earns most on the validation months (`development.best_threshold` returns `(threshold, profit)`)
# and the profit that threshold earns on the test months (your `campaign` or `development.expected_profit`).

# %% mlopslab={"exercise": "05.test_profit"}
def test_profit(y_val, val_scores, y_test, test_scores, economics):
    """The threshold chosen on the validation months, and the profit it earns on the test months."""
    # BEGIN STUB
    # ...
    # return ...  # (threshold, profit)
    # END STUB
    # BEGIN SOLUTION
    chosen, _ = development.best_threshold(y_val, val_scores, economics)
    return chosen, development.expected_profit(y_test, test_scores, chosen, economics)
    # END SOLUTION


# %% mlopslab={"check": "05.test_profit"}
check("05.test_profit", test_profit)


# %% mlopslab={"wrong": "05.test_profit"}
def test_profit(y_val, val_scores, y_test, test_scores, economics):
    """The best threshold of the test months themselves."""
    return development.best_threshold(y_test, test_scores, economics)


# %% mlopslab={"wrong": "05.test_profit"}
def test_profit(y_val, val_scores, y_test, test_scores, economics):
    """The validation months' own profit reported as the test profit."""
    return development.best_threshold(y_val, val_scores, economics)


# %% mlopslab={"shortcut": "05.test_profit"}
def test_profit(y_val, val_scores, y_test, test_scores, economics):
    """The default threshold of 0.5."""
    return 0.5, development.expected_profit(y_test, test_scores, 0.5, economics)


# %% [markdown]
# The team now fits each candidate on all nine training months and applies the rule: threshold from the validation
# months, profit on the test months.

# %% id="cell-choices"
fitted = {name: development.fit_candidate(clone(estimator), train) for name, estimator in candidates.items()}
test_scores = {name: development.churn_scores(pipeline, test) for name, pipeline in fitted.items()}
thresholds, validation_profit = {}, {}
for name, scored in validation.items():
    thresholds[name], validation_profit[name] = development.best_threshold(scored["churned"], scored["score"],
                                                                           economics)
pd.DataFrame({"CV AUC (mean)": {n: cv[n]["AUC"].mean() for n in candidates},
              "threshold (validation months)": thresholds,
              "validation profit (€, 3 months)": validation_profit,
              "test AUC": {n: roc_auc_score(y_test, s) for n, s in test_scores.items()},
              "test profit (€) at that threshold": {n: development.expected_profit(y_test, test_scores[n], thresholds[n],
                                                                                   economics) for n in candidates}}
             ).round(3)

# %% [markdown]
# ## 4. Tracking runs in MLflow
#
# An MLflow **run** records one training: its **parameters** (settings), **metrics** (results), **tags** (facts
# such as the data version), **artifacts** (files: plots, the model). Here is the baseline's run written out call by
# call:

# %% id="cell-10"
with mlflow.start_run(run_name="baseline") as run:
    mlflow.log_params({"model": "DummyClassifier", "strategy": "most_frequent"})
    mlflow.log_metrics({"auc": roc_auc_score(y_test, baseline_scores), "threshold": 0.0, "profit": everyone})
    mlflow.set_tags({lineage.TAG: prepared.version, "lab": "05"})   # lineage: which data trained this model
    example = X_train.head(3)
    signature = infer_signature(example, baseline.predict_proba(example)[:, 1])  # input columns -> churn score
    mlflow.sklearn.log_model(baseline, name="model", signature=signature, input_example=example,
                             pyfunc_predict_fn="predict_proba",
                             skops_trusted_types=development.SKOPS_TRUSTED,   # safe serialization (skops)
                             # its environment, pinned from this one (else MLflow loads the model in a fresh
                             # Python to guess the requirements, which takes seconds)
                             pip_requirements=development.model_requirements())
print("logged the baseline run")

# %% [markdown]
# * the **signature** is the model's contract: which input columns with which types, and what comes out; a serving
#   system (lab 08) rejects requests that break it;
# * the **input example** shows a user what a valid request looks like;
# * the **lineage tag** `lineage.TAG` (`data_version`) points the run at exactly one version of the training data.
#
# `development.log_run` does the same in one call for the two candidates, with the threshold chosen on the
# validation months, the cross-validation scores as extra metrics, and the ROC and profit curves as plot artifacts:

# %% id="cell-12"
run_ids = {}
for name, pipeline in fitted.items():
    cv_metrics = {"cv_auc_mean": round(cv[name]["AUC"].mean(), 4), "cv_auc_std": round(cv[name]["AUC"].std(), 4),
                  "validation_profit": round(validation_profit[name], 2)}
    run_ids[name] = development.log_run(pipeline, name, train, test, prepared.version, economics, tags={"lab": "05"},
                                        metrics=cv_metrics, log_curves=True, threshold=thresholds[name])
    print(f"logged {name}")

# %% [markdown]
# What does a run hold now? Read one back from the store (no run ids printed: they differ on every run):

# %% id="cell-14"
client = mlflow.MlflowClient()
stored = mlflow.search_runs(experiment_names=[config.EXPERIMENT], order_by=["attributes.start_time DESC"],
                            filter_string="tags.mlflow.runName = 'gradient_boosting' AND tags.lab = '05'",
                            output_format="list")[0]
models = mlflow.search_logged_models(filter_string=f"source_run_id = '{stored.info.run_id}'", output_format="list")
print("params: ", sorted(stored.data.params)[:6], "...")
print("metrics:", sorted(stored.data.metrics))
print("lineage tag is the prepared data's version:", stored.data.tags[lineage.TAG] == prepared.version)
print("artifacts:", [f.path for f in client.list_artifacts(stored.info.run_id, "plots")])
print("logged model has a signature:", mlflow.models.get_model_info(f"models:/{models[0].model_id}").signature is not None)

# %% [markdown]
# In the MLflow UI (in JupyterLab, the **MLflow UI** tile in the launcher; on your own machine also
# `mlflow ui --backend-store-uri sqlite:///.mlflow/mlflow.db` from the repository folder) the same run shows its
# plots. Here is the ROC curve of both candidates on the test months:

# %% id="cell-16"
development.roc_figure(y_test, test_scores)
plt.show()

# %% [markdown]
# ### Exercise 05.3 — log a run of your own
# Train a candidate of your own and track it. The first lines of the cell below do the modelling for a more strongly
# regularised logistic regression (change it if you like): cross-validation on the month folds, the threshold chosen
# on the validation months, the fit on all training months and the scores of the test months. Then write the MLflow
# run yourself, like the baseline cell above, in **one run** with:
#
# * parameters that say which model with which settings;
# * the metrics `auc` (test months), `threshold` (chosen on the validation months) and `profit` (test months, at that
#   threshold);
# * the tag `lineage.TAG` with the version of the data the model was trained on;
# * the model, with a signature and an input example, logged as the baseline cell logs it. Keep its
#   `skops_trusted_types=development.SKOPS_TRUSTED`: the pipeline holds the course's own `FeatureEngineer`, and
#   MLflow's safe format (skops) refuses to save a type it has not been told to trust.
#
# Log it in the course experiment (the one `config.setup_tracking()` set above) and put the run's id in `my_run_id`.
# The check reads your run back from the store, loads your model and recomputes its test AUC and profit; a run made
# by `development.log_run` or by the lab's own cells does not count.

# %% mlopslab={"exercise": "05.log_run"}
my_model = LogisticRegression(C=0.05, max_iter=1000)
my_folds, my_validation = cross_validate(my_model, train)
my_threshold, _ = development.best_threshold(my_validation["churned"], my_validation["score"], economics)
mine = development.fit_candidate(clone(my_model), train)
my_scores = development.churn_scores(mine, test)
# BEGIN STUB
# with mlflow.start_run(run_name="my-candidate") as run:
#     ...  # mlflow.log_params(...), mlflow.log_metrics(...), mlflow.set_tag(...), mlflow.sklearn.log_model(...)
#     # log the model as the baseline cell does: name="model", signature=..., input_example=..., and
#     # skops_trusted_types=development.SKOPS_TRUSTED (without it MLflow refuses the course's FeatureEngineer)
# my_run_id = ...  # the id of your run: run.info.run_id
# END STUB
# BEGIN SOLUTION
with mlflow.start_run(run_name="my-candidate") as run:
    mlflow.log_params({"model": "LogisticRegression", "C": 0.05})
    mlflow.log_metrics({"auc": roc_auc_score(y_test, my_scores), "threshold": my_threshold,
                        "profit": development.expected_profit(y_test, my_scores, my_threshold, economics)})
    mlflow.set_tag(lineage.TAG, prepared.version)
    my_example = X_train.head(3)
    my_signature = infer_signature(my_example, mine.predict_proba(my_example)[:, 1])
    mlflow.sklearn.log_model(mine, name="model", signature=my_signature, input_example=my_example,
                             pyfunc_predict_fn="predict_proba",
                             skops_trusted_types=development.SKOPS_TRUSTED,   # safe serialization (skops)
                             pip_requirements=development.model_requirements())
my_run_id = run.info.run_id
# END SOLUTION

# %% mlopslab={"check": "05.log_run"}
check("05.log_run", my_run_id, economics=economics)

# %% mlopslab={"wrong": "05.log_run"}
my_model = LogisticRegression(C=0.05, max_iter=1000)
with mlflow.start_run(run_name="incomplete") as run:
    mlflow.log_params({"model": "LogisticRegression", "C": 0.05})
    mlflow.log_metrics({"auc": 0.79, "profit": 15000.0})
my_run_id = run.info.run_id

# %% mlopslab={"wrong": "05.log_run"}
my_model = LogisticRegression(C=0.05, max_iter=1000)
mine = development.fit_candidate(clone(my_model), train)
my_scores = development.churn_scores(mine, test)
with mlflow.start_run(run_name="raw-file-version") as run:
    mlflow.log_params({"model": "LogisticRegression", "C": 0.05})
    mlflow.log_metrics({"auc": roc_auc_score(y_test, my_scores), "threshold": 0.25,
                        "profit": development.expected_profit(y_test, my_scores, 0.25, economics)})
    mlflow.set_tag(lineage.TAG, lineage.data_version(config.data_dir() / "customers.csv"))  # the raw file's version
    signature = infer_signature(X_train.head(3), mine.predict_proba(X_train.head(3))[:, 1])
    mlflow.sklearn.log_model(mine, name="model", signature=signature, input_example=X_train.head(3),
                             pyfunc_predict_fn="predict_proba",
                             skops_trusted_types=development.SKOPS_TRUSTED,   # safe serialization (skops)
                             pip_requirements=development.model_requirements())
my_run_id = run.info.run_id

# %% mlopslab={"shortcut": "05.log_run"}
my_run_id = stored.info.run_id  # the gradient-boosting run the lab read back

# %% mlopslab={"shortcut": "05.log_run"}
my_run_id = run_ids["logistic_regression"]  # a run the lab logged

# %% mlopslab={"shortcut": "05.log_run"}
mine = development.fit_candidate(LogisticRegression(C=0.05, max_iter=1000), train)
my_run_id = development.log_run(mine, "my-candidate", train, test, prepared.version, economics)  # the one package call

# %% mlopslab={"shortcut": "05.log_run"}
my_run_id = record.info.run_id  # lab 04's preparation record

# %% mlopslab={"shortcut": "05.log_run"}
mine = development.fit_candidate(LogisticRegression(C=0.05, max_iter=1000), train)
my_run_id = development.log_run(mine, "my-candidate", train, test, prepared.version, economics)
for telltale in ("train_rows", "test_months"):  # the package's run with the tags the check reads deleted
    mlflow.MlflowClient().delete_tag(my_run_id, telltale)

# %% mlopslab={"shortcut": "05.log_run"}
mine = development.fit_candidate(LogisticRegression(C=0.05, max_iter=1000), train)
saved_input = development._log_training_input
development._log_training_input = lambda *args, **kwargs: None  # the package's run, without its dataset input
try:
    my_run_id = development.log_run(mine, "my-candidate", train, test, prepared.version, economics,
                                    threshold=my_threshold)
finally:
    development._log_training_input = saved_input
for telltale in ("train_rows", "test_months"):  # and without the tags that name it
    mlflow.MlflowClient().delete_tag(my_run_id, telltale)

# %% mlopslab={"shortcut": "05.log_run"}
lab_run = mlflow.get_run(run_ids["logistic_regression"])
lab_model = fitted["logistic_regression"]
with mlflow.start_run(run_name="my-candidate") as run:  # the lab's model and numbers, as a run "of my own"
    mlflow.log_params({"model": "LogisticRegression", "C": 0.5})
    mlflow.log_metrics({name: lab_run.data.metrics[name] for name in ("auc", "threshold", "profit")})
    mlflow.set_tag(lineage.TAG, prepared.version)
    mlflow.sklearn.log_model(lab_model, name="model", input_example=X_train.head(3),
                             signature=infer_signature(X_train.head(3), lab_model.predict_proba(X_train.head(3))[:, 1]),
                             pyfunc_predict_fn="predict_proba", skops_trusted_types=development.SKOPS_TRUSTED,
                             pip_requirements=development.model_requirements())
my_run_id = run.info.run_id

# %% mlopslab={"shortcut": "05.log_run"}
lab_run = mlflow.get_run(run_ids["logistic_regression"])
lab_model = fitted["logistic_regression"]
if mlflow.get_experiment_by_name("my-experiments") is None:  # its artifacts in a scratch folder, not beside the lab
    import pathlib
    import tempfile

    mlflow.create_experiment("my-experiments", artifact_location=pathlib.Path(tempfile.mkdtemp()).as_uri())
mlflow.set_experiment("my-experiments")  # the lab's model and numbers, in an experiment without the lab's runs
try:
    with mlflow.start_run(run_name="my-candidate") as run:
        mlflow.log_params({"model": "LogisticRegression", "C": 0.5})
        mlflow.log_metrics({name: lab_run.data.metrics[name] for name in ("auc", "threshold", "profit")})
        mlflow.set_tag(lineage.TAG, prepared.version)
        mlflow.sklearn.log_model(lab_model, name="model", input_example=X_train.head(3),
                                 signature=infer_signature(X_train.head(3), lab_model.predict_proba(X_train.head(3))[:, 1]),
                                 pyfunc_predict_fn="predict_proba", skops_trusted_types=development.SKOPS_TRUSTED,
                                 pip_requirements=development.model_requirements())
finally:
    mlflow.set_experiment(config.EXPERIMENT)
my_run_id = run.info.run_id

# %% [markdown]
# ## 5. Comparing runs from the tracking store
#
# The team compares runs from the store, not from memory: `mlflow.search_runs` returns them as a DataFrame. This lab
# tags its own runs `lab = 05`; a store may already hold earlier runs of the same names (if you run the lab twice), so
# we keep the latest run of each name, and show only what is deterministic (names, parameters, metrics; never run ids
# or times). The baseline's `cv AUC` shows "—": its run logs no cross-validation, since a model that gives everyone
# the same score has nothing to validate (it ranks nobody, so its AUC is one half on any month).

# %% id="cell-21"
runs = mlflow.search_runs(experiment_names=[config.EXPERIMENT], filter_string="tags.lab = '05'",
                          order_by=["attributes.start_time DESC"])
latest = runs.drop_duplicates("tags.mlflow.runName")
comparison = (latest[["tags.mlflow.runName", "params.model", "metrics.cv_auc_mean", "metrics.auc",
                      "metrics.threshold", "metrics.profit"]]
              .set_axis(["run", "model", "cv AUC", "test AUC", "threshold (validation)", "test profit (€)"], axis=1)
              .sort_values("run").reset_index(drop=True))
comparison.assign(**{"cv AUC": comparison["cv AUC"].map(lambda auc: "—" if pd.isna(auc) else f"{auc:.4f}")})

# %% id="cell-22"
fig, axes = plt.subplots(1, 2, figsize=(10, 3.4))
positions = range(len(comparison))
axes[0].plot(comparison["test AUC"], positions, "o", color="#4c72b0", markersize=8)  # dots: the axis does not start at 0
for row, auc in zip(positions, comparison["test AUC"]):
    axes[0].annotate(f"{auc:.3f}", (auc, row), xytext=(7, 0), textcoords="offset points", va="center", fontsize=9)
axes[0].axvline(0.5, color="grey", ls="--", lw=1)
axes[0].text(0.505, len(comparison) - 0.45, "chance", color="grey", fontsize=9, va="center")
axes[0].set(title="AUC on the test months", xlabel="AUC (dashed line: a coin flip)", ylabel="",
            xlim=(0.45, 0.85), ylim=(-0.5, len(comparison) - 0.2), yticks=list(positions), yticklabels=comparison["run"])
comparison.assign(profit_k=comparison["test profit (€)"] / 1000).plot.barh(
    x="run", y="profit_k", ax=axes[1], legend=False, color="#55a868")
axes[1].set(title="Campaign profit on the test months\n(threshold chosen on the validation months)",
            xlabel="expected profit (thousand €)", ylabel="")
plt.tight_layout()
plt.show()


# %% [markdown]
# ### Exercise 05.4 — read a run back
# Write `read_run(run_name)`: it finds the **latest** run with that name in the course experiment and returns a dict
# with its test AUC, its test profit and its data version: `{"auc": ..., "profit": ..., lineage.TAG: ...}`. Use
# `mlflow.search_runs(experiment_names=[config.EXPERIMENT], filter_string="tags.mlflow.runName = '...'",
# order_by=["attributes.start_time DESC"], output_format="list")`: each run has `.data.metrics` and `.data.tags`.
# The check asks for the lab's two candidates and for a run that only the store holds: one it logs just before
# asking (and deletes afterwards).

# %% mlopslab={"exercise": "05.read_run"}
# BEGIN STUB
# def read_run(run_name):
#     ...  # return {"auc": ..., "profit": ..., lineage.TAG: ...}
# END STUB
# BEGIN SOLUTION
def read_run(run_name):
    found = mlflow.search_runs(experiment_names=[config.EXPERIMENT],
                               filter_string=f"tags.mlflow.runName = '{run_name}'",
                               order_by=["attributes.start_time DESC"], output_format="list")[0]
    return {"auc": found.data.metrics["auc"], "profit": found.data.metrics["profit"],
            lineage.TAG: found.data.tags[lineage.TAG]}
# END SOLUTION


# %% mlopslab={"check": "05.read_run"}
check("05.read_run", read_run)


# %% mlopslab={"wrong": "05.read_run"}
def read_run(run_name):
    found = mlflow.search_runs(experiment_names=[config.EXPERIMENT],
                               filter_string=f"tags.mlflow.runName = '{run_name}'", output_format="list")[0]
    return {"auc": found.data.metrics["cv_auc_mean"], "profit": found.data.metrics["profit"],
            lineage.TAG: found.data.tags[lineage.TAG]}


# %% mlopslab={"wrong": "05.read_run"}
def read_run(run_name):
    found = mlflow.search_runs(experiment_names=[config.EXPERIMENT],
                               filter_string=f"tags.mlflow.runName = '{run_name}'",
                               order_by=["attributes.start_time ASC"], output_format="list")[0]   # the oldest first
    return {"auc": found.data.metrics["auc"], "profit": found.data.metrics["profit"],
            lineage.TAG: found.data.tags[lineage.TAG]}


# %% mlopslab={"shortcut": "05.read_run"}
def read_run(run_name):
    row = comparison.set_index("run").loc[run_name]  # section 5's table already holds both candidates' latest runs
    return {"auc": row["test AUC"], "profit": row["test profit (€)"], lineage.TAG: prepared.version}


# %% [markdown]
# ## 6. Best by AUC or best by profit?
#
# The AUC judges the ranking over *all* thresholds; the campaign uses one. Where that threshold sits depends on the
# economics: an expensive offer is worth making only to the customers most certain to churn (the top of the list), a
# cheap one to almost everybody. So the model with the better AUC need not earn more.
#
# First an **illustration** with made-up scores, where the effect is large. A "ranker" orders everyone fairly well;
# a "sniper" is mediocre overall but puts about a third of the churners at the very top with near-certain scores.
# Under an expensive premium offer, each model's threshold is chosen on one half of the customers and its profit
# measured on the other half:

# %% id="cell-illustration"
rng = np.random.default_rng(config.SEED)
y_demo = (rng.random(4000) < 0.25).astype(int)
demo = {"ranker": 1 / (1 + np.exp(-(1.6 * y_demo - 1.0 + rng.normal(0, 1, 4000)))),
        "sniper": np.where((y_demo == 1) & (rng.random(4000) < 0.3), rng.uniform(0.9, 1.0, 4000),
                           rng.uniform(0, 0.85, 4000))}
premium = development.Economics(offer_cost=90, customer_value=300, save_rate=0.4)  # illustration
half = np.arange(4000) < 2000
rows = []
for name, s in demo.items():
    chosen, _ = development.best_threshold(y_demo[half], s[half], premium)
    rows.append({"model": name, "AUC": round(roc_auc_score(y_demo[~half], s[~half]), 3), "threshold": chosen,
                 "premium campaign profit (€)": development.expected_profit(y_demo[~half], s[~half], chosen, premium)})
pd.DataFrame(rows)

# %% [markdown]
# The ranker wins on AUC and the sniper earns more: the premium campaign only ever uses the top of the list, and
# there the sniper is better. The Business Analyst's rule: **choose the model for the decision it will drive.**
#
# Now TelcoNova's own candidates. `show_campaign(offer_cost, customer_value, save_rate)` plots each candidate's
# profit curve on the validation months (the dot marks the chosen threshold) and prints what that threshold earns on
# the test months; without arguments it uses this lab's economics. `campaign_table` does the same for several
# campaigns at once: the governed one, a cheap **SMS offer** and a costly **premium offer**.

# %% id="cell-27"
def show_campaign(offer_cost=economics.offer_cost, customer_value=economics.customer_value,
                  save_rate=economics.save_rate):
    """Profit curves on the validation months, and the test profit at each candidate's chosen threshold."""
    econ = development.Economics(offer_cost=offer_cost, customer_value=customer_value, save_rate=save_rate)  # illustration
    fig, ax = plt.subplots(figsize=(6.5, 4))
    rows = []
    for name, scored in validation.items():
        curve = development.profit_curve(scored["churned"], scored["score"], econ)
        chosen, earned = development.best_threshold(scored["churned"], scored["score"], econ)
        line, = ax.plot(curve["threshold"], curve["profit"], label=name)
        ax.plot(chosen, earned, "o", color=line.get_color())
        rows.append({"model": name, "threshold": chosen, "validation profit (€)": earned,
                     "test profit (€)": development.expected_profit(y_test, test_scores[name], chosen, econ)})
    ax.axhline(0, color="grey", lw=0.8)
    ax.set(title=f"Offer €{offer_cost:g}, customer €{customer_value:g}, save rate {save_rate:.0%}",
           xlabel="threshold (contact customers with churn score >= threshold)",
           ylabel="profit on the validation months (€)")
    ax.legend(fontsize=8)
    plt.tight_layout()
    plt.show()
    print(pd.DataFrame(rows).to_string(index=False))


show_campaign()


# %% id="cell-29"
def campaign_table(campaigns):
    """For each named campaign: the best candidate by mean CV AUC and by validation profit (both judged on the
    validation months), and each candidate's test profit at its chosen threshold."""
    cv_auc = {n: cv[n]["AUC"].mean() for n in validation}
    table = []
    for label, econ in campaigns.items():
        chosen = {n: development.best_threshold(s["churned"], s["score"], econ) for n, s in validation.items()}
        table.append({"campaign": label,
                      "best by CV AUC": max(cv_auc, key=cv_auc.get),
                      "best by validation profit": max(chosen, key=lambda n: chosen[n][1]),
                      **{f"test profit {n} (€)": development.expected_profit(y_test, test_scores[n], chosen[n][0], econ)
                         for n in test_scores}})
    return pd.DataFrame(table)


def euros(value):
    """A sum of money with its sign in front: -€5 rather than €-5."""
    return f"-€{-value:,.0f}" if value < 0 else f"€{value:,.0f}"


campaigns = campaign_table({
    "this lab's economics": economics,
    "SMS offer": development.Economics(offer_cost=5, customer_value=300, save_rate=0.2),  # illustration
    "premium offer": development.Economics(offer_cost=90, customer_value=300, save_rate=0.4)})  # illustration
profits = campaigns.set_index("campaign").filter(like="test profit")  # one column per candidate
profit_gap = (profits.max(axis=1) - profits.min(axis=1)).max()  # the largest difference between the candidates
governed, best_premium = profits.loc["this lab's economics"].max(), profits.loc["premium offer"].max()
print(f"-> the candidates' test profits differ by at most {euros(profit_gap)} ({profit_gap / governed:.0%} of the "
      f"governed campaign's {euros(governed)}); the premium offer earns at best {euros(best_premium)} "
      f"({best_premium / governed:.0%} of it)")
campaigns

# %% [markdown]
# Both choices are made on the validation months, like every choice in this lab; the test months only report. The
# choice by validation profit may change with the campaign (the best by CV AUC cannot: it ignores the campaign). The
# line above sets the candidates' largest difference in test profit, and the best the premium offer earns, against
# the governed campaign's test profit. A difference of a few percent of it means the two candidates earn about the
# same whichever campaign runs; a premium offer that earns a few percent of it, or loses money, barely pays with
# *any* model (a finding for the Business Analyst in its own right). Section 7 measures, for the governed campaign,
# whether such a difference means anything.
#
# **Try it.** In JupyterLab, the sliders below call `show_campaign` each time you move one: find an offer cost at
# which the chosen thresholds, or the ranking, change. (The chart appears once you move a slider; when the lab runs
# headless nobody moves them, and the cell shows only the sliders.)

# %% id="cell-31"
from IPython.display import display

try:
    import ipywidgets as widgets
except ImportError:
    widgets = None

if widgets is None:
    print("ipywidgets is not installed: call show_campaign(...) with your own numbers instead.")
else:
    sliders = {"offer_cost": widgets.FloatSlider(value=economics.offer_cost, min=5, max=120, step=5,
                                                 description="offer €"),
               "customer_value": widgets.FloatSlider(value=economics.customer_value, min=100, max=600, step=25,
                                                     description="value €"),
               "save_rate": widgets.FloatSlider(value=economics.save_rate, min=0.05, max=0.8, step=0.05,
                                                description="save rate")}
    chart = widgets.Output()

    def redraw(_change):
        """Called when a slider moves: redraw the campaign for the sliders' values."""
        with chart:
            chart.clear_output(wait=True)
            show_campaign(**{key: slider.value for key, slider in sliders.items()})

    for slider in sliders.values():
        slider.observe(redraw, names="value")
    display(widgets.VBox([*sliders.values(), chart]))

# %% [markdown]
# ## 7. The decision, and how sure it is
#
# The team's rule, written down in section 3 before looking: **the candidate with the highest profit on the validation
# months goes to validation (lab 06)**; the test months confirm or question it. How big is the difference on the test months
# compared with chance? A **bootstrap** redraws the test customers with replacement a thousand times and recomputes
# the difference in profit each time; the central part of those differences (the printed interval) is the range the
# data supports.

# %% id="cell-decision"
chosen_model = max(validation_profit, key=validation_profit.get)
other_model = next(name for name in candidates if name != chosen_model)
gain, cost = economics.cost_matrix().loc["churns", "contacted"], economics.cost_matrix().loc["stays", "contacted"]
per_customer = {name: np.where(test_scores[name] >= thresholds[name], np.where(y_test == 1, gain, cost), 0.0)
                for name in candidates}
draws = np.random.default_rng(config.SEED).integers(0, len(y_test), size=(1000, len(y_test)))
difference = per_customer[chosen_model][draws].sum(axis=1) - per_customer[other_model][draws].sum(axis=1)
low, high = np.percentile(difference, [5, 95])

print(f"candidate for validation: {chosen_model}")
print(f"validation months: {euros(validation_profit[chosen_model])} against "
      f"{euros(validation_profit[other_model])} ({other_model})")
print(f"test months: {euros(per_customer[chosen_model].sum())} against {euros(per_customer[other_model].sum())}; "
      f"the difference lies between {euros(low)} and {euros(high)} in 90 % of the bootstrap draws")
print("a clear win on the test months" if low > 0 else
      "not a clear win on the test months: the range includes zero")
client.set_tag(run_ids[chosen_model], "decision", "candidate for validation (lab 06)")

# %% [markdown]
# The decision is recorded where the team will look for it: the chosen run carries the tag `decision`, next to its
# lineage tag. Its evidence is recorded too, including how unsure it is: when the bootstrap range includes zero, the
# test months cannot tell the candidates apart, and the choice rests on the validation months and on the rule written
# down beforehand, not on a hunch. (The datasheet says churn in this data follows a logistic model; a logistic
# regression doing as well as a flexible tree ensemble is no surprise there. On real data the contest is open.) Lab
# 06 validates the chosen candidate on held-out data before anyone may use it.
#
# ## 8. One data version, from lab 03 to this model
#
# Lab 03 promised that a search by data version finds everything that touched the data. Here it is, with the
# course's own runs: the prepared data's version finds the preparation record (lab 04's, or on a store without it the
# package's stand-in, which says so) and every training run of this lab; the preparation record names the raw file's
# version (lab 03's) as its source.

# %% id="cell-lineage"
touched = mlflow.search_runs(experiment_names=[config.EXPERIMENT],
                             filter_string=f"tags.{lineage.TAG} = '{prepared.version}'",
                             order_by=["attributes.start_time DESC"])
touched = touched.drop_duplicates("tags.mlflow.runName")
logged_by = touched.get("tags.logged_by", pd.Series("", index=touched.index)).fillna("")
touched["logged by"] = ["the package, in lab 04's place" if who == preparation.STAND_IN else f"lab {lab}"
                        for who, lab in zip(logged_by, touched["tags.lab"])]
print(f"runs tagged {lineage.TAG} = {lineage.short(prepared.version)}:")
print(touched[["tags.mlflow.runName", "tags.lab", "logged by"]].set_axis(["run", "lab", "logged by"], axis=1)
      .sort_values(["lab", "run"]).to_string(index=False))
source = lineage.data_version(config.data_dir() / "customers.csv")
from_source = mlflow.search_runs(experiment_names=[config.EXPERIMENT],
                                 filter_string=f"tags.source_data_version = '{source}'")
print(f"\nprepared from customers.csv version {lineage.short(source)}:",
      sorted(set(from_source["tags.mlflow.runName"])))

# %% [markdown]
# ## Recap
# * Lab 05 trains on lab 04's prepared data and checks it: same function, same seed, the same `lineage` version as
#   lab 04's record; every run carries it in the tag `lineage.TAG`.
# * A cost matrix turns a campaign's economics into the profit of a threshold; you computed it yourself.
# * Start from a baseline: it shows that accuracy flatters on imbalanced data, and sets the bar ("contact
#   everyone").
# * Cross-validate with forward-chaining month folds; make every choice (threshold, model) on the validation months
#   and report on the test months.
# * Track every run, with the calls on screen: parameters, metrics, the lineage tag, the model with signature and
#   input example. Compare runs from the tracking store (`mlflow.search_runs`), never from memory.
# * The best model by AUC need not be the best by profit; a decision is written down with its rule, its evidence and
#   its uncertainty.
#
# ### In the real world
# * MLflow's UI shows the same runs with charts and side-by-side comparison; teams often share one tracking server
#   (set `MLFLOW_TRACKING_URI`) so that every run of every member lands in one place.
# * `mlflow.sklearn.autolog()` logs parameters and metrics automatically; teams still add business metrics and
#   lineage tags by hand.
# * Hyperparameter search tools (Optuna, scikit-learn's `GridSearchCV` with `TimeSeriesSplit`) log each trial as a
#   run; cost-sensitive evaluation and uplift models go further than our cost matrix.
# * Weights & Biases, Neptune and the cloud ML platforms (SageMaker, Vertex AI, Azure ML) offer the same tracking
#   ideas.
#
# **Next:** lab 06 validates the chosen candidate on held-out data, puts it through an automated gate and registers it
# with an alias in the MLflow model registry.
