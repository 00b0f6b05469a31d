# %% [markdown]
# # Lab 11 — Capstone: one sprint, the whole pipeline, and an honest maturity score
#
# **Stage:** all six stages end to end, and the checks of the 5 Cs (lab 10's continuous integration, monitoring,
# training, validation and deployment), in one Scrum sprint · **Lead personas:** the whole
# team — the **Business Analyst** as Product Owner (and the approver of models), the **Data Steward** (the contract),
# the **Data Engineer** (the pipeline, scoring and monitoring), the **Data Scientist** (the model's author) and the
# **App Developer** (the list in the CRM) · **Time:** about 165 minutes
#
# It is Monday 2 February 2026, the first day of TelcoNova's sixth sprint. Labs 03–10 built the pieces one at a time:
# a data contract, a preparation pipeline, tracked training, a governed gate and approval chain, a registry with
# aliases, batch scoring, monitoring, a retraining loop (labs 09 and 10 played the months ahead forward, a rehearsal
# of what monitoring and retraining will meet; this sprint is back in February 2026). This sprint puts them together into one **increment** that
# runs from February's raw export to a monitored retention list, and **you write it**, step by step, with the MLflow,
# pandera and scikit-learn calls on screen. At the end of the sprint the team asks what an auditor or a new manager
# would ask: *how mature is this, really?* The answer is computed from the evidence your code left in the tracking
# store, not from anyone's opinion.
#
# ### Learning objectives
# By the end of this lab you can:
# 1. plan a sprint with a fixed end date, a sprint goal and a deliverable, at the team's measured velocity;
# 2. write the increment: a **pandera** contract with quarantine, **scikit-learn** training with lab 07's mitigation,
#    **MLflow** runs with lineage tags, the governed gate, the approval chain and the champion alias;
# 3. hold a sprint review in which a story is done only if its evidence is in the store, compute the delivery and
#    model KPIs, and turn the stakeholders' feedback into backlog items;
# 4. score an ML system with Google's **ML Test Score** from evidence queried back from MLflow, crediting
#    "automated" only to what runs without a person, and write one of its rules yourself;
# 5. plan the next sprint to raise the score the most, within capacity and the Product Owner's priorities.
#
# ### Why this matters to the business
# A model earns money only when the whole chain works every month: a broken contract, a skipped gate or an unnoticed
# drift costs more than a slightly better AUC earns. Management funds the team by sprints; it wants to see what each
# sprint delivered (the review), how the team improves (the retrospective) and how much risk is left (the scorecard).
#
# **Plan your time.** This is the longest lab: reading and running it takes about an hour, the six exercises about an
# hour and a half, and the written retrospective a quarter of an hour. It is built to be done over two sessions:
# sections 1–3 (the increment), then 4–7.

# %% [markdown]
# ## 1. Set-up
#
# The capstone has its own registered model, `churn-capstone`, so that its promotions never move the `churn@champion`
# that other labs serve. It starts where the previous sprint ended: with **last sprint's champion**, the governed
# champion of lab 07 (the bias-mitigated logistic regression, approved with its governed threshold), registered in your
# tracking store if it is not there yet. `capstone.start()` returns the **increment**: every run you log in this lab
# carries its tags (`increment.tags(step)`), so that the evidence can be queried back later.

# %% id="setup"
import json

import matplotlib.pyplot as plt
import mlflow
import pandas as pd
import pandera.pandas as pa
from IPython.display import display
from mlflow import MlflowClient
from mlopslab import (
    capstone,
    config,
    continuous,
    development,
    lineage,
    mltestscore,
    monitoring,
    policy,
    preparation,
    provisioning,
    registry,
    scrum,
    trust,
    validation,
)
from mlopslab.exercises import check
from sklearn.compose import ColumnTransformer
from sklearn.metrics import roc_auc_score
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

config.quiet()
config.setup_tracking()
pd.set_option("display.width", 140)
pd.set_option("display.max_colwidth", 100)

increment = capstone.start()
MODEL, client = increment.name, MlflowClient()
threshold = capstone.governed_threshold(MODEL)  # last sprint's champion's governed threshold (policy.THRESHOLD.tag)
print(f"{MODEL}@champion at the start of the sprint: version {increment.previous} (last sprint's model), governed "
      f"threshold {threshold:.2f}")
hidden = {"capstone.increment": "<its id>", mltestscore.CODE_TAG: "<the git commit>"}
print("the increment's tags:", {k: hidden.get(k, v) for k, v in increment.tags("a step").items()})

# %% [markdown]
# ## 2. Sprint planning: the sprint goal, the dates and the sprint backlog
#
# Lab 02 ran the team's first five sprints over the product backlog as sprint 1's review refined it (the Data
# Protection Officer's task on S02, the Head of Retention's new story F01: `capstone.BACKLOG`, which is
# `scrum.refined_backlog()`). Here is that history (story points committed
# and done per sprint) and what it forecasts for sprint 6: after sprint 5's retrospective ("stop committing to more
# than we finish") the team plans at its measured velocity, the **expected** forecast.

# %% id="history"
results = capstone.sprints()
forecast = scrum.forecast_capacity(scrum.history(results[:-1]))
print(scrum.history(results[:-1]).T.to_string())
print("sprint 5's retrospective, stop:", scrum.retrospective(results[-2])["stop"])
print(f"forecast for sprint 6 (last three sprints): {forecast}; carried over from sprint 5: {list(results[-2].carry_over)}")

# %% [markdown]
# The Product Owner (the Business Analyst) states the **sprint goal**, the outcome the sprint is for. The sprint has
# **fixed dates**: the lecture's rule is that the end date and the deliverable do not change. What is not done on the
# last day is not done, and goes back to the product backlog. The team pulls stories from the top of the ordered
# backlog while they fit the capacity; sprint 5 left S21 unfinished, so it is carried over first.

# %% id="plan"
sprint6 = results[-1]
done_before = capstone.done_before(results)
print(f"sprint {capstone.SPRINT}: {capstone.SPRINT_START} to {capstone.SPRINT_END} (fixed); review on the last day")
print("sprint goal:", capstone.SPRINT_GOAL)
print(f"capacity {forecast['expected']} points; committed {sprint6.committed_points} points: {sprint6.committed}")
committed = [scrum.story(s, capstone.BACKLOG) for s in sprint6.committed]
sprint_backlog = pd.DataFrame([{"story": s.id, "persona": s.persona, "points": s.points, "task": task}
                               for s in committed for task in s.tasks])
display(sprint_backlog)
print("the next stories in the ordered backlog, and why they were not pulled:")
capstone.unpulled(results, forecast["expected"])

# %% [markdown]
# Some capacity is left unused on purpose: every next story is bigger than what is left, or waits for another one. A
# team does not cut a story in half to fill a sprint, and a sprint committed to exactly its capacity leaves no room
# for the surprises that stand-ups reveal.
#
# The sprint's new stories are all about watching the model. But a Scrum increment must be **usable** and
# **integrated** with everything built before: the team's **Definition of Done** (lab 02: what must be true before
# anything counts as done) says that the whole pipeline runs end to end on February's data, with the new monitoring
# on top. Section 3 is that work.
#
# ## 3. The increment, end to end
#
# ### 3a. Data provisioning: the contract (Data Steward, Data Engineer)
# February's batch has arrived from the CRM, and real exports have glitches. Before anything is scored, lab 03's data
# contract (a pandera schema) checks every row, including the agents' free-text `notes` that only CRM exports carry
# (the privacy rule: no personal data in them). Rows that break a rule are **quarantined**, never silently dropped,
# and the count must reconcile: rows in = accepted + quarantined. A customer sent twice quarantines both copies: the
# contract cannot tell which one is right.

# %% id="export"
export = capstone.february_export()
contract = provisioning.customer_contract(labelled=False)
print(f"{len(export)} rows and {export.shape[1]} columns exported for {capstone.BATCH_MONTH} "
      f"({export['notes'].notna().sum()} rows with agents' notes); the contract '{contract.name}' has rules on "
      f"{len(contract.columns)} columns")

# %% [markdown]
# ### Exercise 11.1 — run the contract, quarantine, and record the verdict
# 1. Write `quarantine(rows, contract)`: run the contract on the rows with `contract.validate(rows, lazy=True)`.
#    `lazy=True` collects every failure instead of stopping at the first: the error it raises,
#    `pa.errors.SchemaErrors`, has a table `err.failure_cases` whose column `index` names the failing rows. Return
#    the accepted rows (all but the failing ones) and the quarantined rows (the failing ones). The check also runs
#    your function on a dirty batch of its own, so it must find the broken rows of whatever batch it is given.
# 2. Split `export` with it.
# 3. Record the verdict as an MLflow run (`mlflow.start_run`, named `contract-2026-02`): its tags are
#    `increment.tags("contract")`, `capstone.contract_tags(contract)`, the accepted rows' data version under
#    `lineage.TAG` (`lineage.data_version`) and `"reconciles"` (`"True"` or `"False"`); its metrics `rows_in`,
#    `accepted` and `quarantined`. Keep the run's id in `contract_run`.

# %% mlopslab={"exercise": "11.contract"}
def quarantine(rows, contract):
    """Run the data contract on `rows`: (the accepted rows, the quarantined rows), every row in exactly one."""
    # BEGIN STUB
    # try:
    #     contract.validate(rows, lazy=True)
    #     bad_rows = []
    # except pa.errors.SchemaErrors as err:
    #     bad_rows = ...
    # return ..., ...
    # END STUB
    # BEGIN SOLUTION
    try:
        contract.validate(rows, lazy=True)
        bad_rows = []
    except pa.errors.SchemaErrors as err:
        bad_rows = sorted(set(err.failure_cases["index"].dropna().astype(int)))
    return rows.drop(index=bad_rows), rows.loc[bad_rows]
    # END SOLUTION


accepted, quarantined = quarantine(export, contract)
# BEGIN STUB
# contract_run = ...  # the id of your MLflow run
# END STUB
# BEGIN SOLUTION
with mlflow.start_run(run_name="contract-2026-02") as run:
    mlflow.set_tags({**increment.tags("contract"), **capstone.contract_tags(contract),
                     "reconciles": str(len(export) == len(accepted) + len(quarantined))})
    mlflow.set_tag(lineage.TAG, lineage.data_version(accepted))
    mlflow.log_metrics({"rows_in": len(export), "accepted": len(accepted), "quarantined": len(quarantined)})
contract_run = run.info.run_id
print(f"{len(export)} in = {len(accepted)} accepted + {len(quarantined)} quarantined; quarantined rows: "
      f"{list(quarantined.index)}")
# END SOLUTION

# %% mlopslab={"check": "11.contract"}
check("11.contract", contract_run, increment=increment, quarantine=quarantine)


# %% mlopslab={"wrong": "11.contract"}
def quarantine(rows, contract):
    """Not lazy: pandera stops at the first broken rule, the other glitches slip through."""
    try:
        contract.validate(rows)
        bad_rows = []
    except pa.errors.SchemaError as err:
        bad_rows = sorted(set(err.failure_cases["index"].dropna().astype(int)))
    return rows.drop(index=bad_rows), rows.loc[bad_rows]


accepted, quarantined = quarantine(export, contract)
with mlflow.start_run(run_name="contract-2026-02") as run:  # and the run forgets the increment's tags
    mlflow.log_metrics({"rows_in": len(export), "accepted": len(accepted), "quarantined": len(quarantined)})
contract_run = run.info.run_id


# %% mlopslab={"wrong": "11.contract"}
def quarantine(rows, contract):
    """Finds the broken rows, but leaves them among the accepted too: rows in != accepted + quarantined."""
    try:
        contract.validate(rows, lazy=True)
        bad_rows = []
    except pa.errors.SchemaErrors as err:
        bad_rows = sorted(set(err.failure_cases["index"].dropna().astype(int)))
    return rows, rows.loc[bad_rows]


accepted, quarantined = quarantine(export, contract)
with mlflow.start_run(run_name="contract-2026-02") as run:
    mlflow.set_tags({**increment.tags("contract"), **capstone.contract_tags(contract),
                     "reconciles": str(len(export) == len(accepted) + len(quarantined))})
    mlflow.set_tag(lineage.TAG, lineage.data_version(accepted))
    mlflow.log_metrics({"rows_in": len(export), "accepted": len(accepted), "quarantined": len(quarantined)})
contract_run = run.info.run_id


# %% mlopslab={"shortcut": "11.contract"}
def quarantine(batch, contract):
    """Lab 03's one call does the split."""
    checked = provisioning.validate_batch(batch, contract)
    return batch.loc[checked.accepted.index], checked.quarantined


accepted, quarantined = quarantine(export, contract)
with mlflow.start_run(run_name="contract-2026-02") as run:
    mlflow.set_tags({**increment.tags("contract"), **capstone.contract_tags(contract), "reconciles": "True",
                     lineage.TAG: lineage.data_version(accepted)})
    mlflow.log_metrics({"rows_in": len(export), "accepted": len(accepted), "quarantined": len(quarantined)})
contract_run = run.info.run_id


# %% mlopslab={"shortcut": "11.contract"}
def quarantine(batch, contract):
    """The glitchy rows read off capstone.february_export's source, with no contract run at all."""
    bad_rows = [17, 88, 230, 311, 402, 600]
    return batch.drop(index=bad_rows), batch.loc[bad_rows]


accepted, quarantined = quarantine(export, contract)
with mlflow.start_run(run_name="contract-2026-02") as run:
    mlflow.set_tags({**increment.tags("contract"), **capstone.contract_tags(contract), "reconciles": "True",
                     lineage.TAG: lineage.data_version(accepted)})
    mlflow.log_metrics({"rows_in": len(export), "accepted": len(accepted), "quarantined": len(quarantined)})
contract_run = run.info.run_id


# %% mlopslab={"shortcut": "11.contract"}
def quarantine(batch, contract):
    """A table of the dirty batches in the sources, by month: February's glitchy rows (capstone.february_export) and
    those of the check's own dirty batch (March's, as its source once made it), with no contract run at all."""
    glitchy = {"2026-02": [17, 88, 230, 311, 402, 600], "2026-03": [12, 57, 71, 140, 190, 233, 600]}
    bad_rows = glitchy.get(str(batch["month"].iloc[0]), [])
    return batch.drop(index=bad_rows), batch.loc[bad_rows]


accepted, quarantined = quarantine(export, contract)
with mlflow.start_run(run_name="contract-2026-02") as run:
    mlflow.set_tags({**increment.tags("contract"), **capstone.contract_tags(contract), "reconciles": "True",
                     lineage.TAG: lineage.data_version(accepted)})
    mlflow.log_metrics({"rows_in": len(export), "accepted": len(accepted), "quarantined": len(quarantined)})
contract_run = run.info.run_id

# %% [markdown]
# ### 3b. Model development with tracking (Data Scientist, Business Analyst)
# The Data Scientist retrains the champion's recipe on newer data: lab 07's **mitigated** logistic regression (the
# family lab 05's decision rule chose, `registry.reference_estimator()`). Its **exam** is the newest labelled months,
# as many as the governed promotion rule (`policy.PROMOTION`, lab 10) sets aside as `gate_months`: customers that
# neither this model nor last sprint's champion was trained on, so both can sit the same exam. An exam month of 2025
# sits it with the **audited** outcomes of lab 07's label audit, as lab 09's yardstick does: its recorded labels hold
# false churners, and an exam graded with them rewards the model that repeats them. The recipe learns from every
# labelled month before the exam, the champion's months and the newer ones, with their recorded labels as the
# champion did: the audit covers only the few months printed below, not the year, and the recipe's reweighing (lab 07)
# is its answer to the labels' bias. (Lab 10's automatic loop keeps only the newest `window` months, because it retrains after
# a drift alert, when older months describe a world that has gone; this retraining is planned in the sprint, not
# triggered by drift.) The recipe keeps the governed threshold of the champion it may replace: retraining changes the
# model, not the campaign's decision rule.

# %% id="data"
train = capstone.training_data()
gate = capstone.gate_data()
print(f"training: {len(train):,} customers, {train['month'].min()}..{train['month'].max()}, "
      f"data version {lineage.short(lineage.data_version(train))}")
print(f"exam (gate months): {len(gate):,} customers of {sorted(gate['month'].unique())}; outcomes of "
      f"{[m for m in capstone.GATE_MONTHS if m in trust.AUDITED_MONTHS]} from the label audit (lab 07)")
print(f"months the label audit covers (trust.AUDITED_MONTHS): {list(trust.AUDITED_MONTHS)}; the training months "
      f"keep their recorded labels")
print(f"policy.PROMOTION: gate_months = {policy.PROMOTION.gate_months}, window = {policy.PROMOTION.window} "
      "(the automatic loop's, after a drift alert)")

# %% [markdown]
# ### Exercise 11.2 — train the mitigated recipe and track it with MLflow
# Write it as two functions, so that the same code can retrain the recipe on any months (the check runs it on months
# of its own too):
# 1. **Reweighing** (lab 07), `reweighing(groups, y)`: each row's weight is P(group) · P(label) / P(group, label), a
#    pandas computation, one weight per row (`trust.fit_mitigated` does the whole recipe for you and is not the answer;
#    nor is lab 07's private helper).
# 2. `train_recipe(train, gate, threshold)`, everything from its three arguments:
#    * **fit** the recipe with scikit-learn: the champion's estimator, `registry.reference_estimator()` (lab 05's
#      logistic regression), inside `trust.without_protected(...)` (the pipeline that does not take SeniorCitizen or
#      gender as inputs), fitted on `X, y` with your weights over the groups `trust.intersection(X)` (SeniorCitizen ×
#      gender) passed as `model__sample_weight`;
#    * **score the exam** (`model.predict_proba(X_gate)[:, 1]`) and compute the AUC (`roc_auc_score`), the campaign
#      profit at `threshold` (`development.expected_profit`) and what no model earns on the same customers
#      (`validation.baseline_profit(y_gate)`);
#    * **track** it with your own MLflow calls (lab 05's `development.log_run` is not the answer): one run with
#      `increment.tags("train")`, the tags `lineage.TAG` (the training data's version), `policy.APPROVAL.author_tag`
#      (its author, `policy.APPROVAL.author`) and `"candidate": "recipe"`, the model's parameters
#      (`mlflow.log_params`), the metrics `auc`, `profit` and `baseline_profit`, and the model itself
#      (`mlflow.sklearn.log_model`, under the name `"model"`, with `X.head(3)` as its input example,
#      `pyfunc_predict_fn="predict_proba"` so that the served model returns churn probabilities,
#      `skops_trusted_types=development.SKOPS_TRUSTED` so that MLflow may load the course's own classes, and
#      `pip_requirements=development.model_requirements()`, the model's environment pinned from this one as in lab
#      05: without it MLflow loads your model in a fresh Python to guess the requirements, several seconds);
#    * return the run's id.
#
# The cell then trains the recipe on `train` at the governed `threshold`, and loads the model you logged: the one the
# release ships.

# %% mlopslab={"exercise": "11.train"}
def reweighing(groups, y):
    """Lab 07's reweighing: P(group) · P(label) / P(group, label) for every row (a numpy array)."""
    # BEGIN SOLUTION
    rows = pd.DataFrame({"g": groups.to_numpy(), "y": y.to_numpy()})
    p_group = rows["g"].map(rows["g"].value_counts(normalize=True))
    p_label = rows["y"].map(rows["y"].value_counts(normalize=True))
    p_joint = rows.groupby(["g", "y"])["y"].transform("size") / len(rows)
    weights = p_group * p_label / p_joint
    return weights.to_numpy()
    # END SOLUTION


def train_recipe(train, gate, threshold):
    """The mitigated recipe fitted on `train`, examined on `gate` at `threshold`, tracked in one MLflow run: its id."""
    X, y = preparation.split_xy(train)
    X_gate, y_gate = preparation.split_xy(gate)
    # BEGIN STUB
    # weights = reweighing(trust.intersection(X), y)
    # model = ...
    # run_id = ...  # the id of your MLflow run
    # END STUB
    # BEGIN SOLUTION
    weights = reweighing(trust.intersection(X), y)
    model = trust.without_protected(registry.reference_estimator())
    model.fit(X, y, model__sample_weight=weights)
    scores = model.predict_proba(X_gate)[:, 1]
    with mlflow.start_run(run_name="lr-mitigated-2026-02") as run:
        mlflow.set_tags({**increment.tags("train"), "candidate": "recipe",
                         lineage.TAG: lineage.data_version(train), policy.APPROVAL.author_tag: policy.APPROVAL.author})
        fitted = model.named_steps["model"]
        mlflow.log_params({"model": type(fitted).__name__, **fitted.get_params()})
        mlflow.log_metrics({"auc": roc_auc_score(y_gate, scores),
                            "profit": development.expected_profit(y_gate, scores, threshold),
                            "baseline_profit": validation.baseline_profit(y_gate)})
        requirements = development.model_requirements()  # pinned from this environment, as in lab 05
        mlflow.sklearn.log_model(model, name="model", input_example=X.head(3), pip_requirements=requirements,
                                 skops_trusted_types=development.SKOPS_TRUSTED, pyfunc_predict_fn="predict_proba")
    run_id = run.info.run_id
    # END SOLUTION
    return run_id


train_run = train_recipe(train, gate, threshold)
X, y = preparation.split_xy(train)
X_gate, y_gate = preparation.split_xy(gate)
weights = reweighing(trust.intersection(X), y)  # the training rows' weights, for the simpler model below
model = capstone.load_logged_model(train_run)  # mlflow.sklearn.load_model(f"runs:/{train_run}/model"), or None

# %% mlopslab={"check": "11.train"}
check("11.train", train_recipe, increment=increment, reweighing=reweighing)


# %% mlopslab={"wrong": "11.train"}
def reweighing(groups, y):
    """Every row weighs the same: no reweighing."""
    return pd.Series(1.0, index=range(len(y))).to_numpy()


def train_recipe(train, gate, threshold):
    """No reweighing, and no baseline profit or author in the run."""
    X, y = preparation.split_xy(train)
    X_gate, y_gate = preparation.split_xy(gate)
    model = trust.without_protected(registry.reference_estimator()).fit(X, y)
    scores = model.predict_proba(X_gate)[:, 1]
    with mlflow.start_run(run_name="lr-2026-02") as run:
        mlflow.set_tags({**increment.tags("train"), lineage.TAG: lineage.data_version(train), "candidate": "recipe"})
        mlflow.log_params({"model": "LogisticRegression", **model.named_steps["model"].get_params()})
        mlflow.log_metrics({"auc": roc_auc_score(y_gate, scores),
                            "profit": development.expected_profit(y_gate, scores, threshold)})
        requirements = development.model_requirements()  # pinned from this environment, as in lab 05
        mlflow.sklearn.log_model(model, name="model", input_example=X.head(3), pip_requirements=requirements,
                                 skops_trusted_types=development.SKOPS_TRUSTED, pyfunc_predict_fn="predict_proba")
    run_id = run.info.run_id
    return run_id


train_run = train_recipe(train, gate, threshold)
X, y = preparation.split_xy(train)
X_gate, y_gate = preparation.split_xy(gate)
weights = ...  # no reweighing
model = capstone.load_logged_model(train_run)  # mlflow.sklearn.load_model(f"runs:/{train_run}/model"), or None


# %% mlopslab={"wrong": "11.train"}
def reweighing(groups, y):
    """The reweighing weights, from counts: n(group) · n(label) / (n · n(group, label))."""
    rows = pd.DataFrame({"group": list(groups), "label": list(y)})
    count_group = rows.groupby("group")["label"].transform("size")
    count_label = rows.groupby("label")["group"].transform("size")
    count_both = rows.groupby(["group", "label"])["label"].transform("size")
    return (count_group * count_label / (len(rows) * count_both)).to_numpy()


def train_recipe(train, gate, threshold):
    """Reweighed and tracked, but the model itself never logged: nothing to register, nothing to serve."""
    X, y = preparation.split_xy(train)
    X_gate, y_gate = preparation.split_xy(gate)
    model = trust.without_protected(registry.reference_estimator())
    model.fit(X, y, model__sample_weight=reweighing(trust.intersection(X), y))
    exam = model.predict_proba(X_gate)[:, 1]
    author = {policy.APPROVAL.author_tag: policy.APPROVAL.author}
    with mlflow.start_run(run_name="lr-mitigated-no-model") as tracked:
        mlflow.set_tags({**increment.tags("train"), "candidate": "recipe", lineage.TAG: lineage.data_version(train), **author})
        mlflow.log_metrics({"auc": roc_auc_score(y_gate, exam), "profit": development.expected_profit(y_gate, exam, threshold),
                            "baseline_profit": validation.baseline_profit(y_gate)})
    return tracked.info.run_id  # no mlflow.sklearn.log_model


train_run = train_recipe(train, gate, threshold)
X, y = preparation.split_xy(train)
X_gate, y_gate = preparation.split_xy(gate)
weights = reweighing(trust.intersection(X), y)  # the training rows' weights, for the simpler model below
model = capstone.load_logged_model(train_run)  # mlflow.sklearn.load_model(f"runs:/{train_run}/model"), or None


# %% mlopslab={"shortcut": "11.train"}
def train_recipe(train, gate, threshold):
    """Lab 07's helper reweighs and fits; lab 07's private helper gives the weights; the MLflow calls are one's own."""
    X, y = preparation.split_xy(train)
    X_gate, y_gate = preparation.split_xy(gate)
    trust._reweighing_weights(trust.intersection(X), y)
    model = trust.fit_mitigated(train, registry.reference_estimator())
    scores = model.predict_proba(X_gate)[:, 1]
    with mlflow.start_run(run_name="lr-mitigated-2026-02") as run:
        mlflow.set_tags({**increment.tags("train"), "candidate": "recipe",
                         lineage.TAG: lineage.data_version(train), policy.APPROVAL.author_tag: policy.APPROVAL.author})
        mlflow.log_params({"model": "LogisticRegression", **model.named_steps["model"].get_params()})
        mlflow.log_metrics({"auc": roc_auc_score(y_gate, scores),
                            "profit": development.expected_profit(y_gate, scores, threshold),
                            "baseline_profit": validation.baseline_profit(y_gate)})
        requirements = development.model_requirements()  # pinned from this environment, as in lab 05
        mlflow.sklearn.log_model(model, name="model", input_example=X.head(3), pip_requirements=requirements,
                                 skops_trusted_types=development.SKOPS_TRUSTED, pyfunc_predict_fn="predict_proba")
    return run.info.run_id


train_run = train_recipe(train, gate, threshold)


# %% mlopslab={"shortcut": "11.train"}
def train_recipe(train, gate, threshold):
    """Lab 05's helper logs the run: no MLflow call of one's own (and the two tags it writes deleted after)."""
    X, y = preparation.split_xy(train)
    X_gate, y_gate = preparation.split_xy(gate)
    model = trust.without_protected(registry.reference_estimator())
    model.fit(X, y, model__sample_weight=reweighing(trust.intersection(X), y))
    run_id = development.log_run(
        model, "lr-mitigated-2026-02", train, gate, lineage.data_version(train), threshold=threshold,
        metrics={"baseline_profit": validation.baseline_profit(y_gate)},
        tags={**increment.tags("train"), "candidate": "recipe", policy.APPROVAL.author_tag: policy.APPROVAL.author})
    for tag in ("train_rows", "test_months"):
        client.delete_tag(run_id, tag)
    return run_id


train_run = train_recipe(train, gate, threshold)


# %% mlopslab={"shortcut": "11.train"}
def reweighing(groups, y):
    """Left as a stub that weighs every row the same: train_recipe reweighs inline instead."""
    return pd.Series(1.0, index=range(len(y))).to_numpy()


def train_recipe(train, gate, threshold):
    """The whole recipe, right, with the weights computed inline rather than by `reweighing`."""
    X, y = preparation.split_xy(train)
    X_gate, y_gate = preparation.split_xy(gate)
    rows = pd.DataFrame({"g": trust.intersection(X).to_numpy(), "y": y.to_numpy()})
    p_group, p_label = (rows[c].map(rows[c].value_counts(normalize=True)) for c in ("g", "y"))
    weights = (p_group * p_label / (rows.groupby(["g", "y"])["y"].transform("size") / len(rows))).to_numpy()
    model = trust.without_protected(registry.reference_estimator())
    model.fit(X, y, model__sample_weight=weights)
    scores = model.predict_proba(X_gate)[:, 1]
    with mlflow.start_run(run_name="lr-mitigated-2026-02") as run:
        mlflow.set_tags({**increment.tags("train"), "candidate": "recipe",
                         lineage.TAG: lineage.data_version(train), policy.APPROVAL.author_tag: policy.APPROVAL.author})
        mlflow.log_params({"model": "LogisticRegression", **model.named_steps["model"].get_params()})
        mlflow.log_metrics({"auc": roc_auc_score(y_gate, scores),
                            "profit": development.expected_profit(y_gate, scores, threshold),
                            "baseline_profit": validation.baseline_profit(y_gate)})
        requirements = development.model_requirements()  # pinned from this environment, as in lab 05
        mlflow.sklearn.log_model(model, name="model", input_example=X.head(3), pip_requirements=requirements,
                                 skops_trusted_types=development.SKOPS_TRUSTED, pyfunc_predict_fn="predict_proba")
    return run.info.run_id


train_run = train_recipe(train, gate, threshold)


# %% mlopslab={"shortcut": "11.train"}
mitigated = trust.fit_mitigated(train, registry.reference_estimator())  # fitted once, outside the function


def train_recipe(train, gate, threshold):
    """The model lab 07's helper fitted in the cell, logged with one's own MLflow calls."""
    X, y = preparation.split_xy(train)
    X_gate, y_gate = preparation.split_xy(gate)
    scores = mitigated.predict_proba(X_gate)[:, 1]
    with mlflow.start_run(run_name="lr-mitigated-2026-02") as run:
        mlflow.set_tags({**increment.tags("train"), "candidate": "recipe",
                         lineage.TAG: lineage.data_version(train), policy.APPROVAL.author_tag: policy.APPROVAL.author})
        mlflow.log_params({"model": "LogisticRegression", **mitigated.named_steps["model"].get_params()})
        mlflow.log_metrics({"auc": roc_auc_score(y_gate, scores),
                            "profit": development.expected_profit(y_gate, scores, threshold),
                            "baseline_profit": validation.baseline_profit(y_gate)})
        requirements = development.model_requirements()  # pinned from this environment, as in lab 05
        mlflow.sklearn.log_model(mitigated, name="model", input_example=X.head(3), pip_requirements=requirements,
                                 skops_trusted_types=development.SKOPS_TRUSTED, pyfunc_predict_fn="predict_proba")
    return run.info.run_id


train_run = train_recipe(train, gate, threshold)

# %% [markdown]
# Is the full recipe worth its inputs? Breck et al.'s rubric asks whether **a simpler model is not better**, and
# suggests the baseline: a linear model on very few features. It shows that the pipeline works at all, and what every
# further input buys for the upkeep and the data risk it brings. The recipe is already a linear model, so the simpler
# one is the same logistic regression on **three inputs** only, the ones a retention agent reads first on the
# customer's screen: the contract, the tenure and the monthly charges. It learns from the same customers with your
# recipe's weights, and sits the same exam at the same threshold. (The no-model policy is not a simpler *model*: the
# gate's uplift rule already compares every candidate with it.)

# %% id="simpler"
FEW = {"numeric": ["tenure", "MonthlyCharges"], "categorical": ["Contract"]}  # the agent's first three facts
simpler = Pipeline([
    ("prep", ColumnTransformer([("numeric", StandardScaler(), FEW["numeric"]),
                                ("categorical", OneHotEncoder(handle_unknown="ignore"), FEW["categorical"])])),
    ("model", registry.reference_estimator()),  # the recipe's own logistic regression and its settings
])
if not isinstance(train_run, str) or not hasattr(weights, "__len__"):
    print("Exercise 11.2 first: the simpler model learns like your recipe, from the same customers with its weights.")
else:
    simpler.fit(X, y, model__sample_weight=weights)  # the same customers, the same reweighing
    simple_scores = simpler.predict_proba(X_gate)[:, 1]
    with mlflow.start_run(run_name="lr-3-inputs-2026-02") as simple_run:
        mlflow.set_tags({**increment.tags("train"), lineage.TAG: lineage.data_version(train), "candidate": "simpler"})
        mlflow.log_params({"model": type(simpler.named_steps["model"]).__name__, "C": simpler.named_steps["model"].C,
                           "inputs": ",".join(FEW["numeric"] + FEW["categorical"])})
        mlflow.log_metrics({"auc": roc_auc_score(y_gate, simple_scores),
                            "profit": development.expected_profit(y_gate, simple_scores, threshold)})
    runs = capstone.tracked_runs(increment, "train").set_index("run_id").reindex([train_run, simple_run.info.run_id])
    display(runs.assign(inputs=runs["params.inputs"].fillna("all the recipe's inputs"))[
        ["tags.mlflow.runName", "tags.candidate", "inputs", "metrics.auc", "metrics.profit"]]
        .set_index("tags.mlflow.runName").round({"metrics.auc": 4}))
    recipe_profit, simple_profit = runs["metrics.profit"]
    print(f"exam profit: the full recipe €{recipe_profit:,.0f}, the three-input model €{simple_profit:,.0f}: "
          + ("the recipe's other inputs pay for themselves, for now" if recipe_profit > simple_profit else
             "the other inputs buy nothing: ship the simpler model, or say why not"))

# %% [markdown]
# If the three-input model earned as much on the exam, the other inputs would cost upkeep and data risk for nothing,
# and the team should ship the simpler model or say why not. The scorecard's Model 5 (section 6) reads exactly this
# comparison from the store, and re-reads it every time the recipe is retrained.

# %% [markdown]
# ### 3c. Validation and governance: gate, model card, approval, alias (Data Scientist, Data Engineer, Business Analyst)
# The approval chain is the governed one, `policy.APPROVAL`, in its order:

# %% id="chain"
print(" → ".join(policy.APPROVAL.order))
print(f"author: {policy.APPROVAL.author} ({policy.APPROVAL.author_role}); "
      f"approver: {policy.APPROVAL.approver} ({policy.APPROVAL.approver_role})")

# %% [markdown]
# Nobody approves their own model, and nobody approves before the evidence the approval cites exists. Lab 06's helpers
# record each step as a tag of the model version and refuse a step out of order: `validation.record_gate` (the
# verdict and the governed threshold), `validation.log_model_card` (the card, and when it was logged),
# `validation.approve` (refuses without a passed gate and a card, or when the approver is the author) and
# `validation.promote`, the one function that moves `champion` (refuses unless the whole chain is on record, and
# tags the version it `replaces`). The card is written from the gate's evidence by `registry.champion_card`.
#
# Lab 10's loop promoted its retrains without a person: the board's **standing approval** (`policy.STANDING_APPROVAL`)
# covers the loop's routine retrains. Does it cover this one?

# %% id="standing-approval"
standing = policy.STANDING_APPROVAL
print("policy.STANDING_APPROVAL covers a version only if all of these hold:", *standing.covers, sep="\n  * ")
print("continuous.RECIPE, the loop's retrain:", continuous.RECIPE)
print(f"this sprint's retrain: the same family, inputs, mitigation and inherited threshold, trained on every labelled "
      f"month before the exam ({len(capstone.TRAIN_MONTHS)} months, {capstone.TRAIN_MONTHS[0]}.."
      f"{capstone.TRAIN_MONTHS[-1]}), not on the loop's newest {policy.PROMOTION.window}")

# %% [markdown]
# Not quite. Nothing on the standing approval's *not covered* list changes here (no new family, inputs, mitigation or
# threshold), but the standing approval is the board's grant to the **loop**: the recipe retrained on the newest
# months, after an alert, with no person in between. This retrain is not routine: the team planned it in the sprint,
# on a training set the loop never uses (every labelled month, not the newest window), and it is the first release of
# the sprint's new pipeline. So it goes through the whole chain, `policy.APPROVAL`, and the sprint goal says so: a
# gated model **approved by the Product Owner**. In the registry the difference shows: a version the loop promoted
# carries the standing approval's tag, yours will carry the Product Owner's name.
#
# ### Exercise 11.3 — release, in the governed order
# The cell skips the release while `model` is None (your training run has not logged a model yet): write yours in
# its `else:` branch.
# 1. Run the governed gate on your `model`: `validation.gate` on the exam (`gate`), with `policy.GATE` and the
#    governed `threshold`; keep its verdict in `decision`.
# 2. Register your run's model under `MODEL` with `mlflow.register_model` (its URI is `runs:/<train_run>/model`) and
#    keep what it returns in `registered`; tag the version with its author (`policy.APPROVAL.author_tag`), copied
#    from the run.
# 3. Record the gate (`validation.record_gate`), then write the card (`registry.champion_card(decision, train,
#    gate, model, lineage.data_version(train), registered.version, MODEL)`) and log it for the version
#    (`validation.log_model_card`, with `name=MODEL` and `version=`).
# 4. The promotion rule (`policy.PROMOTION`, lab 10). Write `beats(new, old, rule)`: given the gate's evidence of the
#    candidate (`new`) and of the champion (`old`), both with a `profit` and an `auc`, and a promotion rule, it says
#    whether the candidate earns **more than** `rule.min_gain` euros above the champion **and** ranks at most
#    `rule.max_auc_drop` (AUC) below it. The check tries it on cases of its own, under the governed rule and another.
# 5. Does your model beat last sprint's champion (loaded by its version, `increment.previous`) on the same exam, at the
#    same threshold? Run the gate on the old champion too; print both models' exam profit and AUC, and record what you
#    compared with on your version: the old champion's exam profit and AUC as the tags `promotion.champion_profit` and
#    `promotion.champion_auc`.
# 6. Write `decide_and_promote(name, version, decision, old, rule)`: only if the gate passed (`decision`) **and**
#    `beats(decision.evidence, old, rule)`, the Product Owner approves version `version` of the registered model `name`
#    (`validation.approve(version, policy.APPROVAL.approver, reason, name=name)`) and `validation.promote` moves its
#    alias. Otherwise it changes nothing: the champion stays, and the version stays registered with its verdict. Release
#    with it: `decide_and_promote(MODEL, registered.version, decision, <the champion's evidence>, policy.PROMOTION)`.
#    The check runs it again on scratch registered models of its own, where the champion must stay and where it must go.

# %% mlopslab={"exercise": "11.release"}
def beats(new, old, rule):
    """The promotion rule: does the candidate's exam evidence `new` beat the champion's `old` under `rule`?"""
    # BEGIN SOLUTION
    return new.profit - old.profit > rule.min_gain and old.auc - new.auc <= rule.max_auc_drop
    # END SOLUTION


def decide_and_promote(name, version, decision, old, rule):
    """Approve and promote `version` of `name` only if its gate passed and it beats the champion's evidence `old` under
    `rule`; otherwise change nothing."""
    # BEGIN SOLUTION
    new = decision.evidence
    if decision.passed and beats(new, old, rule):
        validation.approve(version, policy.APPROVAL.approver, f"gate passed; model card reviewed; earns "
                           f"€{new.profit - old.profit:,.0f} more than the champion on the same exam", name=name)
        validation.promote(version, name)
    # END SOLUTION


decision = registered = None  # your release below sets them
if model is None:
    print("Exercise 11.2 first: the release ships the model your training run logged, and `model` is None.")
elif policy.APPROVAL.author_tag not in client.get_run(train_run).data.tags:
    print(f"Exercise 11.2 first: your training run has no author ({policy.APPROVAL.author_tag}), so nobody can show "
          "that the approver is not the author: the release waits.")
else:
    # BEGIN STUB
    # decision = ...
    # registered = ...   # what mlflow.register_model returns
    # # then: the author tag, the gate's record, the model card; the comparison and its tags;
    # # and decide_and_promote(MODEL, registered.version, decision, <the champion's evidence>, policy.PROMOTION)
    # END STUB
    # BEGIN SOLUTION
    decision = validation.gate(model, gate, policy.GATE, threshold=threshold)
    registered = mlflow.register_model(f"runs:/{train_run}/model", MODEL)
    author = client.get_run(train_run).data.tags[policy.APPROVAL.author_tag]
    client.set_model_version_tag(MODEL, registered.version, policy.APPROVAL.author_tag, author)
    validation.record_gate(registered.version, decision, name=MODEL)
    card = registry.champion_card(decision, train, gate, model, lineage.data_version(train), registered.version, MODEL)
    validation.log_model_card(train_run, card, name=MODEL, version=registered.version)

    last_champion = mlflow.pyfunc.load_model(f"models:/{MODEL}/{increment.previous}")
    old = validation.gate(last_champion, gate, policy.GATE, threshold=threshold).evidence
    new = decision.evidence
    client.set_model_version_tag(MODEL, registered.version, "promotion.champion_profit", str(old.profit))
    client.set_model_version_tag(MODEL, registered.version, "promotion.champion_auc", str(old.auc))
    print(decision)
    print(f"exam profit: new €{new.profit:,.0f} (AUC {new.auc:.3f}) against last sprint's champion "
          f"€{old.profit:,.0f} (AUC {old.auc:.3f}): beats it under policy.PROMOTION: {beats(new, old, policy.PROMOTION)}")
    decide_and_promote(MODEL, registered.version, decision, old, policy.PROMOTION)
    # END SOLUTION

# %% mlopslab={"check": "11.release"}
check("11.release", registered, increment=increment, beats=beats, decide_and_promote=decide_and_promote)

# %% mlopslab={"wrong": "11.release"}
def beats(new, old, rule):
    """A profit at least as high is enough, and the AUC is not looked at."""
    return new.profit >= old.profit


def decide_and_promote(name, version, decision, old, rule):
    """Approve and promote if the gate passed and the candidate beats the champion."""
    if decision.passed and beats(decision.evidence, old, rule):
        validation.approve(version, policy.APPROVAL.approver, "gate passed, beats the champion", name=name)
        validation.promote(version, name)


decision = validation.gate(model, gate, policy.GATE, threshold=threshold)
registered = mlflow.register_model(f"runs:/{train_run}/model", config.MODEL_NAME)  # the other labs' model, not MODEL


# %% mlopslab={"wrong": "11.release"}
def beats(new, old, rule):
    """The AUC drop measured the wrong way round: a candidate that ranks much better is refused."""
    return new.profit - old.profit > rule.min_gain and new.auc - old.auc <= rule.max_auc_drop


def decide_and_promote(name, version, decision, old, rule):
    """Approve and promote if the gate passed and the candidate beats the champion."""
    if decision.passed and beats(decision.evidence, old, rule):
        validation.approve(version, policy.APPROVAL.approver, "gate passed, beats the champion", name=name)
        validation.promote(version, name)


decision = registered = None  # your release below sets them
if model is None:
    print("Exercise 11.2 first: the release ships the model your training run logged, and `model` is None.")
elif policy.APPROVAL.author_tag not in client.get_run(train_run).data.tags:
    print(f"Exercise 11.2 first: your training run has no author ({policy.APPROVAL.author_tag}), so nobody can show "
          "that the approver is not the author: the release waits.")
else:
    decision = validation.gate(model, gate, policy.GATE, threshold=threshold)
    registered = mlflow.register_model(f"runs:/{train_run}/model", MODEL)
    author = client.get_run(train_run).data.tags[policy.APPROVAL.author_tag]
    client.set_model_version_tag(MODEL, registered.version, policy.APPROVAL.author_tag, author)
    validation.record_gate(registered.version, decision, name=MODEL)
    card = registry.champion_card(decision, train, gate, model, lineage.data_version(train), registered.version, MODEL)
    validation.log_model_card(train_run, card, name=MODEL, version=registered.version)
    last_champion = mlflow.pyfunc.load_model(f"models:/{MODEL}/{increment.previous}")
    old = validation.gate(last_champion, gate, policy.GATE, threshold=threshold).evidence
    new = decision.evidence
    client.set_model_version_tag(MODEL, registered.version, "promotion.champion_profit", str(old.profit))
    client.set_model_version_tag(MODEL, registered.version, "promotion.champion_auc", str(old.auc))
    decide_and_promote(MODEL, registered.version, decision, old, policy.PROMOTION)


# %% mlopslab={"shortcut": "11.release"}
def beats(new, old, rule):
    """No comparison: the stub's function, left as it is."""


def decide_and_promote(name, version, decision, old, rule):
    """No comparison either: the gate passed, so the Product Owner approves."""
    if decision.passed:
        validation.approve(version, policy.APPROVAL.approver, "gate passed", name=name)
        validation.promote(version, name)


decision = validation.gate(model, gate, policy.GATE, threshold=threshold)  # every step, but no comparison: it promotes
registered = mlflow.register_model(f"runs:/{train_run}/model", MODEL)       # because the gate passed (or the hint said so)
author = client.get_run(train_run).data.tags[policy.APPROVAL.author_tag]
client.set_model_version_tag(MODEL, registered.version, policy.APPROVAL.author_tag, author)
validation.record_gate(registered.version, decision, name=MODEL)
card = registry.champion_card(decision, train, gate, model, lineage.data_version(train), registered.version, MODEL)
validation.log_model_card(train_run, card, name=MODEL, version=registered.version)
decide_and_promote(MODEL, registered.version, decision, None, policy.PROMOTION)


# %% mlopslab={"shortcut": "11.release"}
def beats(new, old, rule):
    """Promote whatever happens (on this sprint's data the new model does beat the champion)."""
    return True


def decide_and_promote(name, version, decision, old, rule):
    """Approve and promote if the gate passed and the candidate beats the champion."""
    if decision.passed and beats(decision.evidence, old, rule):
        validation.approve(version, policy.APPROVAL.approver, "gate passed, beats the champion", name=name)
        validation.promote(version, name)


decision = validation.gate(model, gate, policy.GATE, threshold=threshold)
registered = mlflow.register_model(f"runs:/{train_run}/model", MODEL)
author = client.get_run(train_run).data.tags[policy.APPROVAL.author_tag]
client.set_model_version_tag(MODEL, registered.version, policy.APPROVAL.author_tag, author)
validation.record_gate(registered.version, decision, name=MODEL)
card = registry.champion_card(decision, train, gate, model, lineage.data_version(train), registered.version, MODEL)
validation.log_model_card(train_run, card, name=MODEL, version=registered.version)
old = validation.gate(mlflow.pyfunc.load_model(f"models:/{MODEL}/{increment.previous}"), gate, policy.GATE,
                      threshold=threshold).evidence
client.set_model_version_tag(MODEL, registered.version, "promotion.champion_profit", str(old.profit))
client.set_model_version_tag(MODEL, registered.version, "promotion.champion_auc", str(old.auc))
decide_and_promote(MODEL, registered.version, decision, old, policy.PROMOTION)


# %% mlopslab={"shortcut": "11.release"}
def beats(new, old, rule):
    """The promotion rule, written right, and then never asked."""
    return new.profit - old.profit > rule.min_gain and old.auc - new.auc <= rule.max_auc_drop


def decide_and_promote(name, version, decision, old, rule):
    """Always promote a candidate that passed the gate (on this sprint's data that is the right call)."""
    if decision.passed:
        validation.approve(version, policy.APPROVAL.approver, "gate passed", name=name)
        validation.promote(version, name)


decision = validation.gate(model, gate, policy.GATE, threshold=threshold)
registered = mlflow.register_model(f"runs:/{train_run}/model", MODEL)
author = client.get_run(train_run).data.tags[policy.APPROVAL.author_tag]
client.set_model_version_tag(MODEL, registered.version, policy.APPROVAL.author_tag, author)
validation.record_gate(registered.version, decision, name=MODEL)
card = registry.champion_card(decision, train, gate, model, lineage.data_version(train), registered.version, MODEL)
validation.log_model_card(train_run, card, name=MODEL, version=registered.version)
old = validation.gate(mlflow.pyfunc.load_model(f"models:/{MODEL}/{increment.previous}"), gate, policy.GATE,
                      threshold=threshold).evidence
client.set_model_version_tag(MODEL, registered.version, "promotion.champion_profit", str(old.profit))
client.set_model_version_tag(MODEL, registered.version, "promotion.champion_auc", str(old.auc))
decide_and_promote(MODEL, registered.version, decision, old, policy.PROMOTION)

# %% [markdown]
# Is the margin real? The promotion rule compares euros earned on the exam's customers (the line below counts them
# once exercise 11.3 has run), where a few hundred euros either way can be noise, and the two AUCs need not even agree
# with the euros. The governed rule does not ask that question of each release: it says once, in `min_gain` and
# `max_auc_drop`, how much is enough. Here is the rule, and what it does with your margin:

# %% id="promotion-rule"
promotion_rule = policy.PROMOTION
print(f"policy.PROMOTION: more than €{promotion_rule.min_gain:,.0f} of exam profit above the champion, and an AUC "
      f"at most {promotion_rule.max_auc_drop:g} below it; the gate must pass as well")
released = None  # your version of MODEL, if exercise 11.3 registered one
if hasattr(registered, "version") and getattr(registered, "name", None) == MODEL:
    released = client.get_model_version(MODEL, registered.version)
if released is None or "promotion.champion_profit" not in released.tags or not hasattr(decision, "evidence"):
    print("Exercise 11.3 first: the margin is read from your version's record.")
else:
    margin = decision.evidence.profit - float(released.tags["promotion.champion_profit"])
    print(f"your margin: €{margin:,.0f} on {decision.evidence.customers:,} customers "
          f"(€{margin / decision.evidence.customers:.2f} each): "
          + (f"more than min_gain (€{promotion_rule.min_gain:,.0f}), so the rule counts it as a win, however small"
             if margin > promotion_rule.min_gain else "not more than min_gain, so the champion stays"))

# %% [markdown]
# The governed `min_gain` (printed above) is the board's answer: any margin above it moves the champion, however small
# it is against the exam's noise, so a model trained on newer months that earns more is preferred to the old one. If
# margins of this size should not move the champion, the place to say so is `min_gain`, through the board, not a
# release's own judgement; lab 10 shows what a larger `min_gain` would have changed over a year.

# %% [markdown]
# The registry holds last sprint's champion and, once your release has run, your version, each with its verdicts and
# approvals (version numbers are those of a fresh tracking store; on a used store they are higher):

# %% id="versions"
validation.versions_table(MODEL)

# %% [markdown]
# ### 3d. Deployment: batch scoring (Data Engineer, App Developer)
# The scoring job loads whatever `champion` points at, **by alias**: it never names a version, so the release above
# needed no change to it. It reads the governed threshold from that version's tag, scores the rows the contract
# accepted, and checks two things a machine can check: every score is a probability, and the served model (MLflow's
# *pyfunc*, the generic Python model a server loads, with its input schema) scores exactly as the scikit-learn
# pipeline that was trained (no training/serving **skew**). Before any of that, it checks the rows it was handed
# against the contract once more, and stops the line if any break it. Its facts go to the tracking store.

# %% id="score"
serving = client.get_model_version_by_alias(MODEL, "champion")
batch_scores, stop = None, ""
if not isinstance(accepted, pd.DataFrame):
    stop = "Exercise 11.1 first: the scoring job scores only the rows the contract accepted."
elif policy.THRESHOLD.tag not in serving.tags:
    stop = f"champion v{serving.version} has no governed threshold ({policy.THRESHOLD.tag}): the job stops the line"
else:
    try:
        contract.validate(accepted, lazy=True)  # the job trusts nobody: the rows it scores must pass the contract
    except pa.errors.SchemaErrors as err:
        stop = (f"{err.failure_cases['index'].nunique()} of the rows handed to the job break the contract: it stops "
                "the line (exercise 11.1 quarantines them)")
if stop:
    print(stop)
else:
    served = mlflow.pyfunc.load_model(f"models:/{MODEL}@champion")
    trained_pipeline = mlflow.sklearn.load_model(f"models:/{MODEL}@champion")
    batch_threshold = float(serving.tags[policy.THRESHOLD.tag])
    batch_scores = monitoring.score(served, accepted)
    skew = float(abs(batch_scores - monitoring.score(trained_pipeline, accepted)).max())
    in_range = bool(((batch_scores >= 0) & (batch_scores <= 1)).all())
    retention_list = (accepted.assign(churn_probability=batch_scores)
                      .sort_values("churn_probability", ascending=False).reset_index(drop=True))
    with mlflow.start_run(run_name="batch-scoring-2026-02"):
        mlflow.set_tags({**increment.tags("score"), "model.version": str(serving.version),
                         lineage.TAG: lineage.data_version(accepted), "threshold": f"{batch_threshold:.2f}"})
        mlflow.log_metrics({"rows": len(batch_scores), "contacted": int((batch_scores >= batch_threshold).sum()),
                            "scores_in_range": float(in_range), "skew.max_abs_diff": skew})
    print(f"champion v{serving.version} scored {len(batch_scores)} customers; "
          f"{int((batch_scores >= batch_threshold).sum())} have a score ≥ {batch_threshold:.2f} and get the offer; "
          f"scores are probabilities: {in_range}; served vs trained pipeline, largest difference: {skew:.1e}")
    display(retention_list[["customerID", "churn_probability", "Contract", "tenure", "MonthlyCharges"]].head(5).round(3))

# %% [markdown]
# ### 3e. Monitoring: this sprint's stories (Data Engineer, Data Scientist)
# S20: the **PSI** (population stability index, lab 09) of every input, February's batch against the training data.
# S21: January's labels have arrived, so the team can finally see how last sprint's champion, which scored January,
# really did: its AUC on those real outcomes against lab 09's yardstick, its AUC on the **audited** outcomes of its
# hold-out months (outcomes of the same kind as production's, not the recorded 2025 labels with lab 07's false
# churners), and its calibration per segment in both directions. S23: the governed alert rules (`policy.ALERTS`)
# decide, with the gate's fairness rule (`policy.GATE`) applied to February's list as labs 09 and 10 do, and the
# verdict is recorded with the rules it applied.

# %% id="monitor"
rules = policy.ALERTS
last_champion = mlflow.pyfunc.load_model(f"models:/{MODEL}/{increment.previous}")
january = gate[gate["month"] == capstone.LABELS_MONTH]
y_january = preparation.split_xy(january)[1]
january_scores = monitoring.score(last_champion, january)
online = monitoring.performance(y_january, january_scores, threshold)
gaps = monitoring.segment_gaps(y_january, january_scores, january[monitoring.SEGMENTS])
worst = gaps.loc[gaps["gap"].abs().idxmax()]
champion_train, audited = monitoring.champion_data(audited=True)  # lab 09's yardstick: its hold-out, real outcomes
offline_auc = roc_auc_score(preparation.split_xy(audited)[1], monitoring.score(last_champion, audited))
age = capstone.months_between(champion_train["month"].max(), capstone.LABELS_MONTH)
# drift is measured against the data the serving model learned from (lab 10): the new recipe's, or last sprint's
drift_reference = train if serving.version != increment.previous else champion_train
drift = None if batch_scores is None else monitoring.feature_drift(drift_reference, accepted, rules=rules)
alerts = [] if drift is None else [f"data: PSI {f}" for f in drift.loc[drift["level"] == "alert", "feature"]]
if online["auc"] < offline_auc - rules.auc_drop:
    alerts.append(f"performance: AUC drop ({online['auc']:.3f} < {offline_auc:.3f} − {rules.auc_drop:g})")
if abs(worst["gap"]) > rules.segment_gap:
    side = "under" if worst["gap"] > 0 else "over"  # gap = observed − predicted churn rate
    alerts.append(f"performance: churn {side}-predicted by {abs(worst['gap']):.2f} in {worst['segment']}")
fairness = {}
if batch_scores is not None:  # the governed fairness rule on February's list, at the serving threshold
    fairness = monitoring.fairness_gaps(batch_scores >= batch_threshold,
                                        accepted[list(policy.GATE.sensitive_features)])
    by = max(fairness, key=fairness.get)
    if fairness[by] > policy.GATE.max_fairness_gap:
        alerts.append(f"fairness: selection rate gap {fairness[by]:.3f} by {by} > {policy.GATE.max_fairness_gap:g}")
with mlflow.start_run(run_name="monitor-2026-02"):
    mlflow.set_tags({**increment.tags("monitor"), "alert_rules": json.dumps(rules.as_dict()),
                     "verdict": "alert" if alerts else "ok", "alert_list": "; ".join(alerts) or "none"})
    mlflow.log_metrics({"online.auc": online["auc"], "online.profit": online["profit"], "offline.auc": offline_auc,
                        "segment_gap": float(worst["gap"]), "model_age_months": age, "alerts": len(alerts),
                        **{f"fairness_gap.{k}": v for k, v in fairness.items()},
                        **({} if drift is None else {f"psi.{f}": v for f, v in drift.set_index("feature")["psi"].items()})})
print(f"last sprint's champion on January's outcomes: AUC {online['auc']:.3f} (lab 09's yardstick, its hold-out's "
      f"audited outcomes: {offline_auc:.3f}); worst calibration gap {worst['gap']:+.3f} ({worst['segment']})")
if fairness:
    print("February's list, selection rate gaps:", {k: round(v, 3) for k, v in fairness.items()},
          f"(limit {policy.GATE.max_fairness_gap:g})")
print("alerts:", alerts or "none: nothing to act on this month")
drift.head(5) if drift is not None else None

# %% [markdown]
# How to read it: the PSI table above (once the job has scored your accepted rows) shows whether February's customers
# still look like the ones the model learned from, and the AUC line whether last sprint's champion still ranks
# churners as well as its yardstick promised. A calibration alert is different: the ranking can be fine while the
# predicted churn rate of one segment is off. Churn *over*-predicted in a segment means offers to customers who would
# have stayed; churn *under*-predicted means churners the campaign misses. When the `alerts:` line lists one, it is about
# the model that scored January, last sprint's champion; it goes on the board (S23's tickets), and the next labelled
# month shows whether the model serving February has the same gap. Under `policy.PROMOTION.retrain_on`, a performance alert is also a reason
# to retrain; this sprint has already done so.
#
# The pipeline ran from a raw export to a monitored retention list. Each step left a run or a registry entry behind,
# tagged with the increment's id. Here they are, queried back: this is the raw material for the review and the
# scorecard.

# %% id="evidence"
evidence = capstone.collect(increment)
steps = evidence.runs[[f"tags.{mltestscore.STEP_TAG}", "tags.mlflow.runName", f"tags.{mltestscore.TRIGGER_TAG}"]]
print(steps.set_axis(["step", "run", "started by"], axis=1).to_string(index=False))
print(f"\nregistered: version {evidence.version.get('version', '-')}, aliases {evidence.version.get('aliases') or '-'}, "
      f"gate {evidence.version.get('gate', '-')}, approved by {evidence.version.get('approved_by', '-')}")

# %% [markdown]
# ## 4. The daily stand-up and the burndown
#
# While the work was done, the team met for fifteen minutes every morning: what did I do yesterday, what will I do
# today, what blocks me. The sprint's stand-up log (lab 02's simulation of the team) and its burndown, counted both
# ways as in lab 02: the work left with partial progress, and the points of the stories not done yet (the Scrum
# count: a story that is almost done is not done):

# %% id="standup"
standup = sprint6.standup
print(f"{len(standup)} stand-up updates over {scrum.SPRINT_DAYS} days; blockers named:")
print(standup.loc[standup["blocker"] != "", ["day", "persona", "story", "blocker"]].to_string(index=False))
scrum.plot_burndown(sprint6, title="Sprint 6 burndown (labels: stories finished that day)", by_story=True)
plt.show()

# %% [markdown]
# ## 5. Sprint review: what did the sprint deliver?
#
# On the last day of the sprint the team shows the working increment to the stakeholders, and the Product Owner
# decides what counts as done. TelcoNova's rule is strict: a story is done only if its Definition of Done can be
# **found in the tracking store**, and the sprint goal is met only if the deliverable is there. The model that serves
# counts only if this sprint's release chose it: your version, or last sprint's champion once your version was
# compared with it and did not beat it.

# %% id="review"
done = capstone.done_by_evidence(evidence)
display(done)
champion_now = registry.client().get_model_version_by_alias(MODEL, "champion")
# this sprint's release chose it: your version, or the champion your version was compared with and did not beat
chosen = {evidence.version.get("version"), increment.previous if "promotion.champion_profit" in evidence.version else None}
deliverable = {
    "February's batch went through the contract (broken rows quarantined, the count reconciled)":
        "metrics.accepted" in evidence.step("contract") and evidence.step("contract").get("tags.reconciles") == "True",
    "a gated model serves, approved by the Product Owner": str(champion_now.version) in chosen
        and champion_now.tags.get(policy.APPROVAL.approver_tag) == policy.APPROVAL.approver,
    "the retention list was scored by the champion": "metrics.rows" in evidence.step("score"),
    "the monitoring run is recorded": bool(evidence.step("monitor")),
}
for condition, met in deliverable.items():
    print(f"  {'yes' if met else 'NO '}  {condition}")
print("sprint goal met:", all(deliverable.values()))
history = capstone.history_by_evidence(results, evidence)
print(history.T.to_string())

# %% [markdown]
# **KPI measurement.** Two kinds of KPI go to management. *Delivery* KPIs say whether the team is predictable:
# **velocity** (the mean of story points done over the last three sprints) and **commitment reliability** (points done
# ÷ points committed over the same sprints). *Model* KPIs say whether the work pays: here the **profit uplift** of the
# sprint's model over no model on the exam, as recorded in its training run.
#
# ### Exercise 11.4 — the sprint-review KPIs
# Write `sprint_kpis(history, metrics)`, the function the Product Owner will run at every review. `history` is a table
# like the one above (one row per sprint, oldest first, columns `committed` and `done`; the last sprint's done points
# come from the evidence); `metrics` is the dict of metrics of the sprint's model's training run, as MLflow returns it
# (`client.get_run(run_id).data.metrics`, with `profit` and `baseline_profit`). Return a dict with `velocity`,
# `commitment_reliability` (a share between 0 and 1, not a percentage) and `profit_uplift` (what the model earns over
# no model on the exam, in euros). Compute them with pandas, as in lab 02: `scrum.velocity` and
# `scrum.commitment_reliability` are lab 02's answers, not yours. The check runs your function on this sprint's
# history and run, read back from the store, and on another team's review.

# %% mlopslab={"exercise": "11.review_kpis"}
def sprint_kpis(history, metrics):
    """The review's KPIs: velocity and commitment reliability over the last three sprints, and the profit uplift."""
    # BEGIN STUB
    # last_three = ...
    # return {"velocity": ..., "commitment_reliability": ..., "profit_uplift": ...}
    # END STUB
    # BEGIN SOLUTION
    last_three = history.tail(3)
    return {"velocity": last_three["done"].mean(),
            "commitment_reliability": last_three["done"].sum() / last_three["committed"].sum(),
            "profit_uplift": metrics["profit"] - metrics["baseline_profit"]}
    # END SOLUTION


# the sprint's model: the registered version; its training run holds the exam's metrics
sprint_model = client.get_run(evidence.version["run_id"]).data.metrics if evidence.version else {}
if not {"profit", "baseline_profit"} <= set(sprint_model):
    print("Exercises 11.2 and 11.3 first: the model KPI is read from the registered version's training run (its "
          "metrics profit and baseline_profit).")
else:
    kpis = sprint_kpis(history, sprint_model)
    display(pd.to_numeric(pd.Series(kpis, name="this sprint's review"), errors="coerce").round(3)
            if isinstance(kpis, dict) else kpis)

# %% mlopslab={"check": "11.review_kpis"}
check("11.review_kpis", sprint_kpis, increment=increment)


# %% mlopslab={"wrong": "11.review_kpis"}
def sprint_kpis(history, metrics):
    """Every sprint, the mean of the ratios, and the profit without subtracting what no model earns."""
    return {"velocity": history["done"].mean(),
            "commitment_reliability": (history["done"] / history["committed"]).mean(),
            "profit_uplift": metrics["profit"]}


# %% mlopslab={"wrong": "11.review_kpis"}
def sprint_kpis(history, metrics):
    """The last three sprints, but the mean of the per-sprint ratios, and the uplift the wrong way round."""
    last_three = history.tail(3)
    return {"velocity": last_three["done"].mean(),
            "commitment_reliability": (last_three["done"] / last_three["committed"]).mean(),
            "profit_uplift": metrics["baseline_profit"] - metrics["profit"]}


# %% mlopslab={"shortcut": "11.review_kpis"}
def sprint_kpis(history, metrics):
    """Lab 02's KPI functions from the package."""
    return {"velocity": scrum.velocity(history, 3),
            "commitment_reliability": scrum.commitment_reliability(history, last=3),
            "profit_uplift": metrics["profit"] - metrics["baseline_profit"]}


# %% mlopslab={"shortcut": "11.review_kpis"}
def sprint_kpis(history, metrics):
    """This sprint's numbers, copied from the table the cell above displays."""
    return {"velocity": 13.333, "commitment_reliability": 0.816, "profit_uplift": 9600.0}


# %% mlopslab={"shortcut": "11.review_kpis"}
def sprint_kpis(history, metrics, velocity=scrum.velocity, reliability=scrum.commitment_reliability):
    """Lab 02's KPI functions, bound as default arguments."""
    return {"velocity": velocity(history, 3), "commitment_reliability": reliability(history, last=3),
            "profit_uplift": metrics["profit"] - metrics["baseline_profit"]}


# %% mlopslab={"shortcut": "11.review_kpis"}
kpi_functions = {"velocity": scrum.velocity, "reliability": scrum.commitment_reliability}  # saved before the check


def sprint_kpis(history, metrics):
    """Lab 02's KPI functions, kept in a dict of the notebook."""
    return {"velocity": kpi_functions["velocity"](history, 3),
            "commitment_reliability": kpi_functions["reliability"](history, last=3),
            "profit_uplift": metrics["profit"] - metrics["baseline_profit"]}


# %% [markdown]
# The velocity chart, with the forecast for sprint 7 (the capacity the next sprint will plan with):

# %% id="velocity"
scrum.plot_velocity(history, scrum.forecast_capacity(history))
plt.show()

# %% [markdown]
# The review is a working session, not a status report: the stakeholders try the increment and say what they need
# next. The Product Owner turns what they said into items of the product backlog for sprint 7:

# %% id="feedback"
with pd.option_context("display.max_colwidth", None):
    display(pd.DataFrame([{"stakeholder": fb.stakeholder, "about": fb.about, "said": fb.said, "becomes": fb.story}
                          for fb in capstone.REVIEW_FEEDBACK]))

# %% [markdown]
# ## 6. An MLOps maturity scorecard: the ML Test Score
#
# Lab 01 placed teams on a maturity scale by asking them questions. Self-assessment is cheap and flattering. Google's
# **ML Test Score** (Breck et al., *The ML Test Score: A Rubric for ML Production Readiness and Technical Debt
# Reduction*, 2017) asks for 28 concrete tests in four sections (**data**, **model**, **infrastructure** and
# **monitoring**, seven each) and scores each one:
#
# | points | when |
# | --- | --- |
# | 0 | not done, or no evidence that it was |
# | ½ | done **by hand**: a person's judgement (a review, an approval), or a check in a pipeline a person started |
# | 1 | **automated**: a machine check with a recorded verdict, in a pipeline that runs **without a person** |
#
# A section's score is the **sum** of its seven tests; the **final score is the minimum** over the four sections: a
# team with perfect monitoring and untested data is only as good as its data. Breck et al. read the final score in
# bands, from *a research project* (0) to *exceptional* (above 5).
#
# Every point must be earned with **evidence the team produced in this lab**, queried back from the store. Who started
# the runs is part of that evidence:

# %% id="triggers"
print("the increment's runs were started by:", evidence.triggers, "| without a person:", evidence.unattended)
print("the version's gate policy:", evidence.version.get("gate.policy", "-"))
print("the governed gate policy: ", json.dumps(policy.GATE.as_dict()))
print("the gate's reasons:", *evidence.version.get("gate.reasons", "-").split("; "), sep="\n  ")

# %% [markdown]
# ### Exercise 11.5 — write the rubric's inclusion rule (Model 7)
# Breck's Model 7 asks whether *the model is tested for considerations of inclusion*. Lab 07 showed what that takes:
# a fairness rule that the recorded labels cannot fool, adopted by the board: the governed `policy.GATE`. Write
# `judge_inclusion(ev)`, the rule the scorecard applies to Model 7, from the evidence alone (`ev` is what
# `capstone.collect` returns; the cell above prints what your increment's holds). It returns 0, ½ (`0.5`) or 1 point:
# * the test Model 7 asks about is the **fairness** rule, not the whole gate: a gate can fail on AUC while its
#   fairness rule passed, and a gate record can pass with no fairness result in it. Credit only a fairness result
#   that passed, as the gate recorded it among its reasons;
# * only under the **governed** fairness rule: a gate that ran under a looser limit or another fairness metric (its
#   recorded policy is not `policy.GATE`'s) earns nothing;
# * as the scoring table above says, a full point only when no person had to start the pipeline (`ev.unattended`);
#   otherwise half.
#
# The check runs your rule on made-up increments of every kind above, and on yours.

# %% mlopslab={"exercise": "11.judge"}
def judge_inclusion(ev):
    """Model 7 of the ML Test Score: 0, 0.5 or 1 point, from the evidence."""
    # BEGIN SOLUTION
    if json.loads(ev.version.get("gate.policy", "{}")) != policy.GATE.as_dict():
        return 0
    reasons = [r for r in ev.version.get("gate.reasons", "").split("; ") if "[fairness]" in r]
    if not reasons or not reasons[0].startswith("pass"):
        return 0
    return 1 if ev.unattended else 0.5
    # END SOLUTION


# %% mlopslab={"check": "11.judge"}
check("11.judge", judge_inclusion, increment=increment)


# %% mlopslab={"wrong": "11.judge"}
def judge_inclusion(ev):
    """A fairness reason that passed, under whatever rule, counts as automated."""
    return 1 if "pass [fairness]" in ev.version.get("gate.reasons", "") else 0


# %% mlopslab={"wrong": "11.judge"}
def judge_inclusion(ev):
    """The fairness result under the governed rule, but a pipeline started by hand earns the full point too."""
    if json.loads(ev.version.get("gate.policy", "{}")) != policy.GATE.as_dict():
        return 0
    reasons = [r for r in ev.version.get("gate.reasons", "").split("; ") if "[fairness]" in r]
    return 1 if reasons and reasons[0].startswith("pass") else 0


# %% mlopslab={"shortcut": "11.judge"}
def judge_inclusion(ev):
    """The gate's overall verdict stands in for the fairness result."""
    if json.loads(ev.version.get("gate.policy", "{}")) != policy.GATE.as_dict() or ev.version.get("gate") != "passed":
        return 0
    return 1 if ev.unattended else 0.5


# %% mlopslab={"shortcut": "11.judge"}
def judge_inclusion(ev):
    """Only the governed policy is checked: a gate that ran under it counts, whatever its fairness result."""
    if json.loads(ev.version.get("gate.policy", "{}")) != policy.GATE.as_dict():
        return 0
    return 1 if ev.unattended else 0.5


# %% mlopslab={"shortcut": "11.judge"}
def judge_inclusion(ev):
    """The check's made-up increments in a table keyed on their gate reasons and who started each step (as its source
    once made them); any other increment judged by the gate's overall verdict."""
    auc, auc_fail = "pass [auc]: AUC 0.800 meets the minimum 0.750", "FAIL [auc]: AUC 0.720 is below the minimum 0.750"
    uplift = "pass [uplift]: profit uplift €7.00 per customer over the best no-model policy meets the minimum"
    gap = "largest selection rate gap {} (by SeniorCitizen) {} the maximum {}"
    ok, fail = f"pass [fairness]: {gap.format('0.040', 'is within', '0.100')}", \
        f"FAIL [fairness]: {gap.format('0.180', 'exceeds', '0.100')}"
    looser, recall = f"pass [fairness]: {gap.format('0.150', 'is within', '0.200')}", \
        "pass [fairness]: largest recall gap 0.040 (by SeniorCitizen) is within the maximum 0.100"
    person, machine = ("notebook",) * 4, ("schedule",) * 4
    table = {(f"{auc}; {uplift}; {ok}", person): 0.5, (f"{auc}; {uplift}; {ok}", machine): 1,
             (f"{auc}; {uplift}; {ok}", ("ci", "ci", "notebook", "ci")): 0.5, (f"{auc}; {uplift}; {fail}", machine): 0,
             (f"{auc_fail}; {uplift}; {ok}", machine): 1, (f"{auc_fail}; {uplift}; {ok}", person): 0.5,
             (f"{auc}; {uplift}", machine): 0, (f"{auc}; {uplift}; {looser}", machine): 0,
             (f"{auc}; {uplift}; {recall}", person): 0, ("", machine): 0}
    key = (ev.version.get("gate.reasons", ""), tuple(ev.runs.get("tags.capstone.trigger", pd.Series(dtype=str))))
    if key in table:
        return table[key]
    if json.loads(ev.version.get("gate.policy", "{}")) != policy.GATE.as_dict() or ev.version.get("gate") != "passed":
        return 0
    return 1 if ev.unattended else 0.5


# %% [markdown]
# Now all 28 tests. `mltestscore.scorecard` applies one evidence rule per test (written in `mlopslab/mltestscore.py`,
# where you can read and dispute each one) and your rule for Model 7:

# %% id="scorecard"
card = mltestscore.scorecard(evidence, judges={"Model 7": judge_inclusion})
with pd.option_context("display.max_colwidth", None):
    display(card[["what", "points", "how", "evidence"]])

# %% id="score-plot"
scores = mltestscore.section_scores(card)
final = mltestscore.final_score(card)
band, meaning = mltestscore.band(final)
print(scores.to_string())
print(f"\nML Test Score = min over the sections = {final:g}: {meaning}")
mltestscore.plot_scorecard(card)
plt.show()

# %% [markdown]
# Read the chart from the right: the weakest section sets the score, however good the others are. The left panel
# has one cell per test, its row the section and its column the test's number there: row *Data*, column *test 3* is
# `Data 3` of the table above, where its name and evidence are. It shows why the score is low: once section 3's exercises have run, many tests are done (orange) but only **by hand**. The
# machine checks are there, in the code you wrote, but a person started the pipeline, and a pipeline that runs only
# when someone remembers is not automated. The red cells are work nobody has done yet.
#
# To reach the next band, **every** section must score above the band's limit:

# %% id="next-band"
target = mltestscore.next_band_target(final)
needed = target + mltestscore.MANUAL  # "above N" with points in halves
print(f"next band: every section above {target:g}, i.e. at least {needed:g}")
pd.DataFrame({"score": scores, "short by": (needed - scores).clip(lower=0)})

# %% [markdown]
# ## 7. Retrospective: start, stop, continue — and the next sprint
#
# The retrospective looks at *how* the team worked, not at the product. Here is the team's board: the stand-up log
# gives the first items, and the scorecard gives more, since the weakest section's missing tests are work the team has
# not done yet. You will write your own retrospective at the end of the lab (exercise 11.R).

# %% id="retro"
retro = scrum.retrospective(sprint6)
retro["start"] += [f"{test}: {card.loc[test, 'to climb']}" for test in card.index  # tests nobody has built yet
                   if card.loc[test, "section"] == scores.idxmin() and card.loc[test, "points"] == 0
                   and not card.loc[test, "to climb"].startswith("keep")]
retro["continue"].append("recording every step's verdict in the tracking store: the review and the scorecard "
                         "needed nobody's memory")
with pd.option_context("display.max_colwidth", None):
    display(pd.DataFrame([(kind, item) for kind, items in retro.items() for item in items], columns=["", "action"]))

# %% [markdown]
# The product backlog still holds the stories of lab 02's backlog that no sprint has done (among them F01, from sprint
# 1's review). Sprint 7's goal is to climb the ML Test Score, so the Product Owner adds the stories the scorecard's
# gaps suggest and the ones this sprint's review created, and orders them first; the open product stories wait. Each
# new story says what it changes in the evidence: a new machine check, a new review, or (S34) a pipeline that runs on a
# schedule, without a person, so that every machine check earns its full point.

# %% id="backlog"
done_so_far = set(done_before) | set(sprint6.done)
print("still open in the product backlog:", [s.id for s in scrum.prioritise(capstone.BACKLOG) if s.id not in done_so_far])
next_capacity = scrum.forecast_capacity(history)["expected"]
print(f"sprint 7 capacity (forecast): {next_capacity} points; the Product Owner puts {capstone.MUST_HAVE} first "
      f"(the review's top request)")
with pd.option_context("display.max_colwidth", None):
    display(capstone.improvements_frame())

# %% [markdown]
# ### Exercise 11.6 — plan sprint 7 to climb
# Choose the stories for sprint 7: the Product Owner's `capstone.MUST_HAVE` among them, together at most the capacity
# above, and raising the **final** ML Test Score as far as any such plan can. Remember: the final score is the minimum
# over the sections, so a story that lifts a strong section changes nothing. `capstone.after_stories(card, [...])` shows
# the scorecard after a set of stories; try plans with it. The capacity is forecast from the sprints so far, sprint 6
# included, whose done stories come from your increment's evidence: it rises as your earlier exercises pass, so answer
# this exercise last, after re-running the capacity cell above.

# %% mlopslab={"exercise": "11.next_sprint"}
# BEGIN STUB
# print(mltestscore.section_scores(capstone.after_stories(card, ["S35", "S31"])))   # try plans like this
# next_sprint = [...]
# END STUB
# BEGIN SOLUTION
next_sprint = ["S35", "S34", "S28"]
# END SOLUTION

# %% mlopslab={"check": "11.next_sprint"}
check("11.next_sprint", next_sprint, increment=increment, judge=judge_inclusion)

# %% mlopslab={"wrong": "11.next_sprint"}
next_sprint = ["S35", "S30", "S32", "S31"]

# %% mlopslab={"wrong": "11.next_sprint"}
next_sprint = ["S34", "S28"]  # the climb without the Product Owner's first story

# %% mlopslab={"shortcut": "11.next_sprint"}
next_sprint = ["S35", "S31"]  # the stub's example plan, as it is

# %% mlopslab={"shortcut": "11.next_sprint"}
next_sprint = ["S35", "S28", "S31", "S25", "S29"]  # the smallest stories first, as many as fit the capacity

# %% [markdown]
# ### Written exercise 11.R — the capstone retrospective
# Now write the retrospective of the capstone sprint in your own words: one thing to **start**, one to **stop** (the
# team's board in section 7 has no *stop* yet: find one in the evidence) and one to **continue**, each with its
# evidence from this lab (the stand-up log, the review's verdicts, the scorecard), and the change that lifts the final
# ML Test Score most, with why (your plan for sprint 7 is part of the evidence). A person reads and scores it against
# this rubric.

# %% id="code-capstone-retro-rubric"
from mlopslab.rubrics import show_rubric

show_rubric("11.retrospective")

# %% [markdown] mlopslab={"written": "11.retrospective"}
# *Your retrospective (double-click to edit, then replace this text):*
#
# * **Start:** …
# * **Stop:** …
# * **Continue:** …
# * **What lifts the final ML Test Score most:** …

# %% [markdown] mlopslab={"model_answer": "11.retrospective"}
# **Model answer (graders only).** *Start* writing the missing tests of the scorecard's weakest section (the data
# section, when the increment is solved as the lab asks: nothing records what each feature contributes or costs, and
# no unit test of the feature code runs), since the final score is the minimum over the sections: a test that lifts a
# strong section changes nothing. Another good *start*, from the stand-up log: order the stories so that the ones
# others wait for finish first (S23 waited for S20 and S21 through the sprint's first week). *Stop* relying on a person
# for steps a schedule could run: every step of the increment was started from the notebook, so each machine check
# (the contract, the gate, the skew and range checks of the scoring job) earns only half its point. *Continue*
# recording every step's verdict in the tracking store: the review found each story's Definition of Done in the store
# and the scorecard was built from the record, nobody's memory; and continue the daily stand-up, where every blocker
# was known the same morning. The change that lifts the final score most is the pipeline that runs on a schedule
# without a person (S34, which the review's Marketing operations asked for: it turns half points into full points in
# every section at once), and after it the missing tests of the section that is still the weakest. Full marks tie each
# item to a fact of this sprint and explain why the minimum decides.


# %% [markdown]
# ## Recap
# * A **sprint** has fixed dates, a **sprint goal** and a deliverable; the team pulls stories from the ordered backlog
#   at its measured velocity, the **daily stand-up** surfaces blockers, the **sprint review** accepts only what the
#   evidence shows and turns the stakeholders' feedback into backlog items, the **retrospective** improves how the
#   team works, and **KPIs** (velocity, commitment reliability, profit uplift) make progress visible.
# * You wrote the increment's decisions: the **pandera** contract and its quarantine, the mitigated **scikit-learn**
#   recipe, **MLflow** runs with the increment's tags and the data version, the governed gate, the promotion rule
#   against last sprint's champion, the model card before the approval, the Product Owner's approval (not the
#   author's: this planned retrain is not one the loop's standing approval covers) and the champion alias; the lab's
#   cells then scored the batch by alias with a skew check and recorded the monitoring run, the pieces labs 08 and 09
#   had you write.
# * The **ML Test Score** was computed from that evidence: ½ for what is done by hand or started by a person, 1 only
#   for machine checks in a pipeline that runs without a person, section = sum, final = **minimum**. Inclusion is
#   credited from the fairness result under the governed rule, not from the existence of a check.
#
# ### In the real world
# * Breck et al. found that many production ML teams at Google scored low at first; the rubric is most useful as a
#   checklist of next steps, re-scored every quarter, as here from evidence rather than memory.
# * Teams keep evidence like this in **MLflow**, **Weights & Biases** or a platform's metadata store (Vertex ML
#   Metadata, SageMaker Model Registry, Kubeflow/ML Metadata) and build scorecards on top of it; model risk management
#   in banks (e.g. the US **SR 11-7** guidance) asks for the same trail and for independent approval.
# * Scrum in data-science teams is often adapted: **Kanban** for exploratory work, a Definition of Done that includes
#   tracking and tests, and "spikes" (time-boxed research stories) for questions nobody can estimate yet.
# * Other maturity models (Google's MLOps levels 0–2 and Microsoft's levels 0–4, lab 01) describe *where* a team is;
#   the ML Test Score says *which tests* to add next. The first step up is almost always the same: let a scheduler or
#   CI run what a person runs today (lab 10's loop).
#
# **Where each lecture topic is practised:** see the course map, `docs/course_map.md`.
