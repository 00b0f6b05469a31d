# %% [markdown]
# # Lab 05 — Model development and experiment tracking
#
# **Stage:** model development · **Lead personas:** Data Scientist, Business Analyst
#
# Sprint 3 at TelcoNova. The data is prepared (lab 04); now the **Data Scientist** trains candidate models and the
# **Business Analyst** decides what "a good model" means in euros. Every training run is recorded in MLflow, so that
# the team compares runs from a shared record instead of from memory or screenshots.
#
# ### Learning objectives
# By the end of this lab you can:
# 1. start from a **baseline** and explain why accuracy flatters it;
# 2. cross-validate candidate models with **time-aware folds** on the training months, and say why;
# 3. track a run in **MLflow**: parameters, metrics, plots as artifacts, the model with its signature and input
#    example, and the **data version** it was trained on;
# 4. compare runs **from the tracking store** (`mlflow.search_runs`) and read a run back;
# 5. turn a retention campaign's economics into a **cost matrix** and an expected profit, and see why the best model
#    by AUC need not be the best by profit.
#
# ### Why this matters to the business
# "Which model did we ship, trained on what, and why that one?" A team that cannot answer from a record repeats work,
# ships the wrong file and fails its audit (lab 01). And a model is only worth what the decision it drives earns: the
# retention campaign's profit, not a statistic on a slide.

# %% id="cell-01"
import matplotlib.pyplot as plt
import mlflow
import pandas as pd
from mlflow.models import infer_signature
from sklearn.dummy import DummyClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score
from threadpoolctl import threadpool_limits

from mlopslab import config, data, development, preparation, provisioning
from mlopslab.development import Economics
from mlopslab.exercises import check

config.quiet()
threadpool_limits(1)  # one thread per process: much faster on small shared machines such as Binder
config.setup_tracking()  # MLflow -> the course tracking store, experiment "churn-retention"

customers = data.load_customers()
data_version = provisioning.data_version(config.data_dir() / "customers.csv")  # lab 03: the file's SHA-256
train, test = preparation.time_split(customers, test_months=3)  # lab 04: train on the past, test on the future
X_train, y_train = preparation.split_xy(train)
X_test, y_test = preparation.split_xy(test)
print(f"training: {len(train):,} customers ({train['month'].min()} .. {train['month'].max()}); "
      f"test: {len(test):,} ({test['month'].min()} .. {test['month'].max()})")
print(f"data version: {data_version[:16]}")

# %% [markdown]
# ## 1. What is a good model? The Business Analyst's answer
#
# The model will drive a **retention campaign**: each month, customers with a high churn score get an offer (a discount
# worth €25 to TelcoNova). The Business Analyst has the numbers from last year's pilot:
#
# * the offer costs **€25** per contacted customer (`offer_cost`);
# * a customer kept is worth **€300** (`customer_value`, the margin of the next year);
# * an offer keeps **35 %** of the customers who were about to churn (`save_rate`).
#
# That gives a **cost matrix**: the expected profit of each decision for each kind of customer. Contacting a churner
# earns 0.35 × 300 − 25 = €80 on average; contacting a customer who would have stayed anyway wastes €25; not
# contacting earns and costs nothing (the churners leave either way).

# %% tags=["parameters"] id="parameters"
# Parameters: the pilot's numbers. An instructor can run other economics headlessly, e.g.
#   mlopslab run --labs 05 -p offer_cost 10 -p save_rate 0.2
offer_cost = 25.0
customer_value = 300.0
save_rate = 0.35

# %% id="cell-03"
economics = Economics(offer_cost=offer_cost, customer_value=customer_value, save_rate=save_rate)
economics.cost_matrix()

# %% [markdown]
# The campaign contacts every customer whose churn score is at least a **threshold**; its expected profit is the
# cost matrix summed over the contacted customers (`development.expected_profit`). Each model gets the threshold
# that earns most on the test months (`development.best_threshold`).
#
# ## 2. The baseline
#
# Before any clever model, a baseline: the **majority class** ("nobody churns"). Every candidate must beat it, and it
# shows which metrics can be trusted.

# %% id="cell-05"
baseline = development.fit_candidate(DummyClassifier(strategy="most_frequent"), train)
baseline_scores = development.evaluate(baseline, test, economics)
print(f"accuracy: {accuracy_score(y_test, baseline.predict(X_test)):.1%}  (it predicts 'no churn' for everyone)")
print(f"AUC:      {baseline_scores['auc']:.2f}  (it cannot rank anyone above anyone)")
print(f"profit:   €{baseline_scores['profit']:,.0f} at threshold {baseline_scores['best_threshold']:.2f}, "
      "i.e. contact everyone")

# %% [markdown]
# Three-quarters accuracy for a model that knows nothing: with 25 % churners, accuracy rewards saying "no" to
# everyone. The AUC (how well the scores rank churners above stayers; 0.5 is chance) and the profit are the metrics
# to watch. The baseline's best campaign is to contact *everyone* — a real option the business has without any
# model, and the bar a model must clear.
#
# ## 3. Candidates, cross-validated on the training months
#
# The two candidates (`development.candidate_models()`): a **logistic regression** (simple, explainable) and a
# **gradient-boosting** tree ensemble (flexible, catches interactions). Both sit behind lab 04's preprocessing
# pipeline.
#
# One test split gives one number; **cross-validation** repeats the fit on several folds and shows how much the score
# moves. Which folds? The usual stratified k-fold would shuffle the months — training on December to predict
# September. We use **forward-chaining month folds** (`development.month_folds`): fit on every month before month *m*,
# validate on month *m*, for the last three training months. Each fold rehearses deployment, like lab 04's split.
# (On 2025, where the months look alike, stratified k-fold would give similar numbers; the time-aware folds stay
# honest when they do not.) The test months (October–December) stay untouched for the final comparison.

# %% id="cell-07"
candidates = ["logistic_regression", "gradient_boosting"]
cv = {name: development.cross_validate(development.candidate_models()[name], train, n_folds=3, economics=economics)
      for name in candidates}
pd.concat(cv, names=["model", "fold"]).round(3)

# %% id="cell-08"
cv_summary = pd.DataFrame({name: {"AUC mean": folds["auc"].mean(), "AUC std": folds["auc"].std(),
                                  "profit mean (€ per month)": folds["profit"].mean()}
                           for name, folds in cv.items()}).T
cv_summary.round(3)

# %% [markdown]
# The two candidates are close, and the fold-to-fold spread is of the same size as the gap between them: a warning
# not to crown a winner on the third decimal.
#
# ## 4. Tracking runs in MLflow
#
# An MLflow **run** records one training: its **parameters** (settings), **metrics** (results), **tags** (facts
# such as the data version), **artifacts** (files: plots, the model). Here is the baseline's run written out call by
# call:

# %% id="cell-10"
with mlflow.start_run(run_name="baseline") as run:
    mlflow.log_params({"model": "DummyClassifier", "strategy": "most_frequent"})
    mlflow.log_metrics(baseline_scores)                            # auc, best_threshold, profit, profit_at_0.5
    mlflow.set_tags({"data_version": data_version, "lab": "05"})   # lineage: which data trained this model
    example = X_train.head(3)
    signature = infer_signature(example, baseline.predict_proba(example)[:, 1])  # input columns -> churn score
    mlflow.sklearn.log_model(baseline, name="model", signature=signature, input_example=example,
                             pyfunc_predict_fn="predict_proba",
                             skops_trusted_types=development.SKOPS_TRUSTED,   # safe serialization (skops)
                             pip_requirements=development.model_requirements())
print("logged the baseline run")

# %% [markdown]
# * the **signature** is the model's contract: which input columns with which types, and what comes out; a serving
#   system (lab 08) rejects requests that break it;
# * the **input example** shows a user what a valid request looks like;
# * the **data version** tag is the lineage: with it, the run points at exactly one version of the training data.
#
# `development.log_run` does all of this in one call (and also logs the training data set as the run's input), and
# with `log_curves=True` it adds the ROC and profit curves as plot artifacts. The candidates also get their
# cross-validation scores as metrics:

# %% id="cell-12"
fitted = {}
for name in candidates:
    fitted[name] = development.fit_candidate(development.candidate_models()[name], train)
    cv_metrics = {"cv_auc_mean": round(cv[name]["auc"].mean(), 4), "cv_auc_std": round(cv[name]["auc"].std(), 4),
                  "cv_profit_mean": round(cv[name]["profit"].mean(), 2)}
    development.log_run(fitted[name], name, train, test, data_version, economics, tags={"lab": "05"},
                        metrics=cv_metrics, log_curves=True)
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
print("data version tag matches:", stored.data.tags["data_version"] == data_version)
print("artifacts:", [f.path for f in client.list_artifacts(stored.info.run_id, "plots")])
print("logged model has a signature:", mlflow.models.get_model_info(f"models:/{models[0].model_id}").signature is not None)

# %% [markdown]
# In the MLflow UI (`mlflow ui --backend-store-uri sqlite:///.mlflow/mlflow.db` from the repository folder) the same
# run shows its plots. Here is the ROC curve it logged, for both candidates:

# %% id="cell-16"
test_scores = {"baseline": development.churn_scores(baseline, test),
               **{name: development.churn_scores(pipe, test) for name, pipe in fitted.items()}}
development.roc_figure(y_test, {name: test_scores[name] for name in candidates})  # the baseline's ROC is the chance line
plt.show()

# %% [markdown]
# ### Exercise 05.1 — log a run carrying every required field
# Train a candidate of your own — for example a more strongly regularised logistic regression,
# `development.fit_candidate(LogisticRegression(C=0.05, max_iter=1000), train)` — and log it in **one run** with:
# parameters, the metrics `auc` and `profit` on the test months, the tag `data_version`, and the model with a
# signature and an input example. Copy the baseline cell above, or use `development.log_run`. Put the run's id in
# `my_run_id`. The check reads your run back from the store.

# %% mlopslab={"exercise": "05.log_run"}
# BEGIN STUB
# my_run_id = ...  # the id of your run: run.info.run_id (development.log_run returns it)
# END STUB
# BEGIN SOLUTION
mine = development.fit_candidate(LogisticRegression(C=0.05, max_iter=1000), train)
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
# END SOLUTION

# %% mlopslab={"check": "05.log_run"}
check("05.log_run", my_run_id)

# %% mlopslab={"wrong": "05.log_run"}
with mlflow.start_run(run_name="incomplete") as run:
    mlflow.log_params({"model": "LogisticRegression", "C": 0.05})
    mlflow.log_metrics({"auc": 0.79, "profit": 15000.0})
my_run_id = run.info.run_id

# %% [markdown]
# ## 5. Comparing runs from the tracking store
#
# The team compares runs from the store, not from memory: `mlflow.search_runs` returns them as a DataFrame. This lab
# tags its runs `lab = 05`; a store may already hold earlier runs of the same names (if you run the lab twice), so we
# keep the latest run of each name, and show only what is deterministic (names, parameters, metrics — never run ids
# or times).

# %% id="cell-21"
runs = mlflow.search_runs(experiment_names=[config.EXPERIMENT], filter_string="tags.lab = '05'",
                          order_by=["attributes.start_time DESC"])
latest = runs.drop_duplicates("tags.mlflow.runName")
comparison = (latest[["tags.mlflow.runName", "params.model", "metrics.cv_auc_mean", "metrics.auc",
                      "metrics.best_threshold", "metrics.profit"]]
              .set_axis(["run", "model", "cv AUC", "test AUC", "best threshold", "test profit (€)"], axis=1)
              .sort_values("test AUC", ascending=False).reset_index(drop=True))
comparison

# %% id="cell-22"
fig, axes = plt.subplots(1, 2, figsize=(10, 3.4))
comparison.plot.barh(x="run", y="test AUC", ax=axes[0], legend=False, color="#4c72b0", xlim=(0.4, 0.85))
axes[0].set(title="AUC on the test months", xlabel="AUC (0.5 = chance)", ylabel="")
comparison.plot.barh(x="run", y="test profit (€)", ax=axes[1], legend=False, color="#55a868")
axes[1].set(title="Campaign profit at each model's best threshold", xlabel="expected profit (€)", ylabel="")
plt.tight_layout()
plt.show()


# %% [markdown]
# ### Exercise 05.2 — read a run back
# Write `read_run(run_name)`: it finds the **latest** run with that name in the course experiment and returns a dict
# with its test AUC, its profit and its data version: `{"auc": ..., "profit": ..., "data_version": ...}`. Use
# `mlflow.search_runs(experiment_names=[config.EXPERIMENT], filter_string="tags.mlflow.runName = '...'",
# order_by=["attributes.start_time DESC"], output_format="list")`: each run has `.data.metrics` and `.data.tags`.

# %% mlopslab={"exercise": "05.read_run"}
# BEGIN STUB
# def read_run(run_name):
#     ...  # return {"auc": ..., "profit": ..., "data_version": ...}
# END STUB
# BEGIN SOLUTION
def read_run(run_name):
    run = mlflow.search_runs(experiment_names=[config.EXPERIMENT], filter_string=f"tags.mlflow.runName = '{run_name}'",
                             order_by=["attributes.start_time DESC"], output_format="list")[0]
    return {"auc": run.data.metrics["auc"], "profit": run.data.metrics["profit"],
            "data_version": run.data.tags["data_version"]}
# END SOLUTION


# %% mlopslab={"check": "05.read_run"}
check("05.read_run", read_run)


# %% mlopslab={"wrong": "05.read_run"}
def read_run(run_name):
    run = mlflow.search_runs(experiment_names=[config.EXPERIMENT], filter_string=f"tags.mlflow.runName = '{run_name}'",
                             output_format="list")[0]
    return {"auc": run.data.metrics["cv_auc_mean"], "profit": run.data.metrics["profit"],
            "data_version": run.data.tags["data_version"]}


# %% [markdown]
# ## 6. Best by AUC or best by profit?
#
# The AUC judges the ranking over *all* thresholds; the campaign only uses one. Where that threshold sits depends on
# the economics: an expensive offer is worth making only to the customers most certain to churn (the top of the
# list), a cheap one to almost everybody. `show_campaign(offer_cost, customer_value, save_rate)` plots the profit
# curves of the three models (dots: each model's best threshold) and ranks them; without arguments it uses the
# default economics:

# %% id="cell-27"
def show_campaign(offer_cost=25.0, customer_value=300.0, save_rate=0.35):
    """Plot the profit curves and print the profit ranking for one campaign's economics."""
    econ = Economics(offer_cost=offer_cost, customer_value=customer_value, save_rate=save_rate)
    development.profit_figure(y_test, test_scores, econ,
                              title=f"Offer €{offer_cost:g}, customer €{customer_value:g}, save rate {save_rate:.0%}")
    plt.show()
    print(development.profit_ranking(y_test, test_scores, econ).to_string(index=False))


show_campaign()


# %% [markdown]
# Under the default economics the logistic regression wins on both counts. Now the Business Analyst tries two other
# campaigns: a cheap **SMS offer** (€5, keeps only 20 % of churners) and a costly **premium offer** (€90, keeps 40 %).
# `campaign_choice` compares the winner by AUC with the winner by profit for each; it is a plain function, so you can
# call it with any economics you like.

# %% id="cell-29"
def campaign_choice(campaigns):
    """For each named Economics: the best model by AUC and by profit, with the profits."""
    rows = []
    for campaign, econ in campaigns.items():
        ranking = development.profit_ranking(y_test, test_scores, econ).set_index("model")
        rows.append({"campaign": campaign, "best by AUC": ranking["auc"].idxmax(),
                     "best by profit": ranking["profit"].idxmax(),
                     **{f"profit {m} (€)": ranking.loc[m, "profit"] for m in candidates}})
    return pd.DataFrame(rows)


campaign_choice({"default (€25, 35 %)": economics,
                 "SMS offer (€5, 20 %)": Economics(offer_cost=5, save_rate=0.2),
                 "premium offer (€90, 40 %)": Economics(offer_cost=90, save_rate=0.4)})

# %% [markdown]
# For both other campaigns the gradient-boosting model earns more, although its AUC is lower. The AUC averages the
# ranking over every threshold; a campaign uses one point of it — the premium offer only the very top of the list,
# the SMS offer almost all of it — and at that point the two models' order can flip. The Business Analyst's rule:
# **choose the model for the decision it will drive.**
#
# Two honest caveats. The differences are a hundred or two euros on 1,718 customers, about the fold-to-fold noise of
# section 3: "no clear winner yet, re-check on more months" (lab 06 validates on held-out data). And the premium offer
# barely pays with *any* model — a finding for the Business Analyst in its own right.
#
# **Try it.** In JupyterLab, the sliders below call `show_campaign` each time you move one: find an offer cost at
# which the ranking flips. (The chart appears once you move a slider; when the lab runs headless nobody moves them,
# and the cell shows only the sliders.)

# %% id="cell-31"
try:
    import ipywidgets as widgets
except ImportError:
    widgets = None

if widgets is None:
    print("ipywidgets is not installed: call show_campaign(...) with your own numbers instead.")
else:
    sliders = {"offer_cost": widgets.FloatSlider(value=25, min=5, max=120, step=5, description="offer €"),
               "customer_value": widgets.FloatSlider(value=300, min=100, max=600, step=25, description="value €"),
               "save_rate": widgets.FloatSlider(value=0.35, min=0.05, max=0.8, step=0.05, description="save rate")}
    chart = widgets.Output()

    def redraw(_change):
        """Called when a slider moves: redraw the campaign for the sliders' values."""
        with chart:
            chart.clear_output(wait=True)
            show_campaign(**{name: slider.value for name, slider in sliders.items()})

    for slider in sliders.values():
        slider.observe(redraw, names="value")
    display(widgets.VBox([*sliders.values(), chart]))


# %% [markdown]
# ### Exercise 05.3 — pick the model by business value
# Write `pick_by_profit(y_true, scores_by_model, economics)`: `scores_by_model` maps a model name to its churn scores
# for the customers in `y_true`; return the **name** of the model whose campaign earns the most at its own best
# threshold under `economics`. (`development.best_threshold(y_true, scores, economics)` returns
# `(threshold, profit)`.) The check tries your function on several campaigns, including some where the best AUC
# loses.

# %% mlopslab={"exercise": "05.pick_by_profit"}
# BEGIN STUB
# def pick_by_profit(y_true, scores_by_model, economics):
#     ...  # return the name of the most profitable model
# END STUB
# BEGIN SOLUTION
def pick_by_profit(y_true, scores_by_model, economics):
    profits = {name: development.best_threshold(y_true, scores, economics)[1]
               for name, scores in scores_by_model.items()}
    return max(profits, key=profits.get)
# END SOLUTION


# %% mlopslab={"check": "05.pick_by_profit"}
check("05.pick_by_profit", pick_by_profit, y_test=y_test, test_scores=test_scores)

# %% mlopslab={"wrong": "05.pick_by_profit"}
from sklearn.metrics import roc_auc_score


def pick_by_profit(y_true, scores_by_model, economics):
    return max(scores_by_model, key=lambda name: roc_auc_score(y_true, scores_by_model[name]))

# %% [markdown]
# ## Recap
# * Start from a baseline: it shows that accuracy flatters on imbalanced data, and sets the bar ("contact
#   everyone").
# * Cross-validate with folds that respect time when the model will score the future.
# * Track every run: parameters, metrics, plots, the model with signature and input example, and the data version —
#   `development.log_run` does it in one call.
# * Compare runs from the tracking store (`mlflow.search_runs`), never from memory; show deterministic columns.
# * A cost matrix turns a campaign's economics into expected profit; the best model by AUC need not be the best by
#   profit, and small differences need a second look before anyone is crowned.
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
# **Next:** lab 06 validates the chosen model on held-out data, puts it through an automated gate and registers it
# with an alias in the MLflow model registry.
