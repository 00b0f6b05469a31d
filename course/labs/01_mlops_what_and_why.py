# %% [markdown]
# # Lab 01 — MLOps: what it is and why a notebook is not enough
#
# **Stage:** the big picture (before stage 1) · **Personas:** the whole team — the **Data Scientist** trains the model,
# the **Business Analyst** approves it, the **Data Steward** answers the auditor · **Time:** about 75 minutes
#
# TelcoNova's analytics team has a churn model that "works on Dana's laptop". The Head of Customer Retention wants to use
# it to choose which customers get a retention offer each month, and Compliance wants to know how that decision is made.
# This lab is about the gap between those two sentences.
#
# ### Learning objectives
# By the end of this lab you can:
# 1. define MLOps in one sentence and name its **five key features**;
# 2. place the six stages of operationalization on the enterprise ML lifecycle: **CRISP-DM with DevOps laid over it**;
# 3. show, with a real model, which audit questions a notebook-only workflow **cannot** answer; record a model in
#    **MLflow** yourself so that they can be answered, and answer one of them with a query you write;
# 4. place a team on **Google's MLOps maturity levels** (0, 1, 2) and say what it needs next.
#
# ### Why this matters to the business
# A churn model decides who gets a discount worth real money. When a manager asks *"why did we call these customers?"*
# or a regulator asks *"which data and which people were involved?"*, "I ran a notebook in March" is not an answer.
# MLOps turns a one-off model into something the company can trust, repeat, improve and defend.

# %% id="cell-01"
import hashlib
import inspect

import matplotlib.pyplot as plt
import mlflow
import pandas as pd
from mlflow.tracking import MlflowClient
from mlopslab import config, data, lineage, maturity, policy
from mlopslab.exercises import check
from sklearn.compose import ColumnTransformer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

config.quiet()
pd.set_option("display.max_colwidth", None)

# %% [markdown]
# ## 1. What is MLOps?
#
# The lecture starts from the business side: *ML operationalization* means putting machine-learning models into
# production use so that they deliver business value, not just a good score in a notebook. The community site
# [ml-ops.org](https://ml-ops.org/) describes how: MLOps extends DevOps so that **data and models become first-class
# citizens** next to code. They are versioned, tested, deployed and monitored with the same discipline as software. In
# one sentence: *MLOps is the set of practices and tools that take machine-learning models into production reliably,
# and keep them working, accountable and improving once they are there.*
#
# It is as much about **people** as about tools: a data scientist alone cannot operate a model. The lecture names five
# **key features** every MLOps setup has to cover:

# %% id="cell-03"
pd.DataFrame({"key feature": list(maturity.KEY_FEATURES), "what it means": list(maturity.KEY_FEATURES.values())})

# %% [markdown]
# ### Exercise 01.1 — which key feature was missing?
# Six things that went wrong in TelcoNova's first year with machine learning. For each, name the **key feature** that,
# had it been in place, would have prevented it or answered the question. Two of the six share a feature.
#
# * `model_by_email`: the CRM app still scores customers with last year's model; the new one was sent to IT as an
#   e-mail attachment and is waiting in someone's inbox.
# * `who_signed`: a regulator asks who decided that the model may choose which customers get a discount, and on what
#   evidence. Nobody can show it.
# * `lost_experiment`: two data scientists each trained a churn model last quarter. Nobody can say which scored better,
#   on which data, or how to train it again.
# * `silent_price_rise`: after a price rise the scores shifted; nobody noticed until a campaign report two months
#   later.
# * `phone_numbers`: call-centre notes with customers' phone numbers ended up in the data the models are trained on.
# * `trained_once`: a competitor's offer changed who leaves. The model was trained once, in 2025, and there is no plan
#   to retrain or replace it.
#
# Give a dict `situation -> key feature`; short names such as `"deployment"` or `"lifecycle"` are fine. The check gives
# points only when all six are right, and says nothing about which one is off: think each one through.

# %% mlopslab={"exercise": "01.practices", "choices": ["development", "monitoring", "deployment", "lifecycle", "governance"]}
# BEGIN STUB
# practices = {
#     "model_by_email": ...,
#     "who_signed": ...,
#     "lost_experiment": ...,
#     "silent_price_rise": ...,
#     "phone_numbers": ...,
#     "trained_once": ...,
# }
# END STUB
# BEGIN SOLUTION
practices = {
    "model_by_email": "deployment",
    "who_signed": "governance",
    "lost_experiment": "development",
    "silent_price_rise": "monitoring",
    "phone_numbers": "governance",
    "trained_once": "lifecycle",
}
# END SOLUTION

# %% mlopslab={"check": "01.practices"}
check("01.practices", practices)

# %% mlopslab={"wrong": "01.practices"}
practices = {  # two swapped: noticing a change is monitoring; acting on it over the model's life is the lifecycle
    "model_by_email": "deployment",
    "who_signed": "governance",
    "lost_experiment": "development",
    "silent_price_rise": "lifecycle",
    "phone_numbers": "governance",
    "trained_once": "monitoring",
}

# %% mlopslab={"wrong": "01.practices"}
practices = {key: "governance" for key in ["model_by_email", "who_signed", "lost_experiment", "silent_price_rise",
                                            "phone_numbers", "trained_once"]}

# %% mlopslab={"shortcut": "01.practices"}
practices = dict(zip(["model_by_email", "who_signed", "lost_experiment", "silent_price_rise", "phone_numbers",
                      "trained_once"], [*maturity.KEY_FEATURES, "governance"]))  # the features in the table's order

# %% [markdown]
# ## 2. The enterprise ML lifecycle
#
# Data-science projects have followed **CRISP-DM** (the *Cross-Industry Standard Process for Data Mining*) for a long
# time: understand the business, understand the data, prepare it, model, evaluate, deploy — and go round again.
# CRISP-DM says *what* to do; it says little about *how* to ship and run the result, and it stops at deployment.
# **DevOps** does the shipping and running: plan, code, build, test, release, deploy, operate, monitor, as one
# continuous loop with automation at every step.
#
# ML operationalization lays the DevOps loop over the CRISP-DM cycle. The lecture cuts the result into **six stages**,
# each led by two personas, and every later lab is one of them. The figure puts them on one loop: each stage in the
# middle ring, the CRISP-DM phase it belongs to inside, the DevOps steps laid over it outside.

# %% id="cell-09"
maturity.lifecycle_figure()
plt.show()

# %% [markdown]
# Read the figure clockwise from the top. Business understanding and planning (labs 01 and 02) set the goal. Stages 1 to
# 5 follow CRISP-DM's phases, with the DevOps steps that make each one repeatable: data pipelines are *code*, a model is
# *built*, validation is its *test* and *release*. Stage 6, **monitoring**, has no CRISP-DM phase at all: it is what
# DevOps adds (*monitor*; *operate* starts with the deployment of stage 5), and it is what sends the team round the
# loop again. Running through all six
# are the **5 Cs**: continuous training, validation, deployment, integration and monitoring (lab 10).
#
# ## 3. The "notebook-only" churn model
#
# First the way many models are born. Dana, the team's Data Scientist, loads the customer data, trains a logistic
# regression on the legitimate input columns (`data.FEATURES`), checks the AUC on a hold-out set, and is done.
# The training code is a small function so that we can reuse it unchanged in section 4.

# %% id="cell-11"
NUMERIC = ["SeniorCitizen", "tenure", "MonthlyCharges", "TotalCharges"]
CATEGORICAL = [c for c in data.FEATURES if c not in NUMERIC]


def train_churn_model(customers, C=1.0, test_size=0.25, seed=config.SEED):
    """Fit scaling + one-hot encoding + logistic regression; return the model and its hold-out ROC AUC."""
    X, y = customers[data.FEATURES], customers[data.TARGET].eq("Yes").astype(int)
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=test_size, stratify=y, random_state=seed)
    prepare = ColumnTransformer([("numeric", StandardScaler(), NUMERIC),
                                 ("categorical", OneHotEncoder(handle_unknown="ignore"), CATEGORICAL)])
    model = make_pipeline(prepare, LogisticRegression(C=C, max_iter=1000))
    model.fit(X_train, y_train)
    return model, roc_auc_score(y_test, model.predict_proba(X_test)[:, 1])


customers = data.load_customers()
model, holdout_auc = train_churn_model(customers)
print(f"Trained on {len(customers):,} customers; ROC AUC on the hold-out set: {holdout_auc:.3f}")
print(f"-> {'at or above' if holdout_auc >= policy.GATE.min_auc else 'below'} the governance board's minimum AUC "
      f"({policy.GATE.min_auc}, section 4)")

# %% [markdown]
# A good model, by the bar the last line checks. In January 2026 it goes into production: at the start of each month
# it scores that month's customers, and the retention team calls the riskiest. Later that year, once the churn labels
# of a few months are in, two people come by.
#
# * The **regulator** (through Compliance): *which data trained it, with which settings and which code, and who approved
#   its use?*
# * The **Head of Customer Retention**: *how does it perform today?*
#
# Let us try to answer from what the notebook has:

# %% id="cell-13"
notebook_only = {
    "Which data version trained it?":
        "'data/customers.csv' - but that file can change any day, and no fingerprint of it was kept",
    "Which parameters?":
        f"C={model[-1].C} - only while this kernel lives; after a restart nothing is on record",
    "Which code?":
        "whatever the cells say now - they may have been edited since the model was trained",
    "Who trained it, and who approved it?":
        "unknown - a notebook does not know who ran it, and nobody signed anything",
    "How does it perform today?":
        "unknown - the model was scored once, on a 2025 hold-out set",
}
for question, answer in notebook_only.items():
    print(f"? {question}\n    -> {answer}")

# %% [markdown]
# Not one question gets an answer that would satisfy an auditor. Nothing here is *wrong* with the model — what is
# missing is a **record**.
#
# ## 4. The same model, with a few lines of tracking
#
# Now the team records what happens, in an **MLflow tracking store** (a small SQLite database here; a shared server in a
# real company). The training code is the very same function. Around it we log:
#
# * the **parameters** (`mlflow.log_params`) and the hold-out **metric** (`mlflow.log_metric`);
# * the **data version**: `lineage.data_version(customers)` is the course's one definition of a data version, the
#   SHA-256 fingerprint of the data's content. It goes under the tag `lineage.TAG` (`"data_version"`), the key every lab
#   of the course uses, so that one search finds every run that touched these data. The data set itself is logged as a
#   lineage input too (`mlflow.log_input`);
# * the **code version**: a fingerprint of the training function's source;
# * **who** trained it: the tag `policy.APPROVAL.author_tag` (`"author"`) with the author's name, both from the
#   governed policy, `policy.APPROVAL`: the same tag that later labs put on every registered model version.

# %% id="cell-15"
config.setup_tracking()
client = MlflowClient()

data_version = lineage.data_version(customers)
code_version = hashlib.sha256(inspect.getsource(train_churn_model).encode()).hexdigest()
params = {"model": "logistic regression", "C": 1.0, "test_size": 0.25, "seed": config.SEED}

with mlflow.start_run(run_name="churn-logreg", tags={"lab": "01"}) as run:
    model, holdout_auc = train_churn_model(customers, C=params["C"], test_size=params["test_size"], seed=params["seed"])
    mlflow.log_params(params)
    mlflow.log_metric("roc_auc_holdout", holdout_auc)
    mlflow.set_tags({lineage.TAG: data_version, "data_file": "data/customers.csv",
                     "code_version": code_version, policy.APPROVAL.author_tag: policy.APPROVAL.author})
    dataset = mlflow.data.from_pandas(customers, source="data/customers.csv", name="customers-2025", targets="Churn")
    mlflow.log_input(dataset, context="training")

print(f"Recorded run 'churn-logreg': {len(params)} parameters, 1 metric, data version {lineage.short(data_version)}, "
      f"code version {code_version[:12]}, trained by {policy.APPROVAL.author}.")

# %% [markdown]
# Approval is a separate step by a separate person. TelcoNova's governed policy (`mlopslab.policy`) says who: the
# **Business Analyst** approves, and nobody approves their own model (`policy.APPROVAL`). The Business Analyst compares
# the hold-out AUC with the governance board's minimum (`policy.GATE.min_auc`, the same bar lab 06's automated gate
# applies) and signs off. The sign-off goes into the same record, as tags on the run.

# %% id="cell-17"
approver = policy.APPROVAL.approver   # the Business Analyst
author = client.get_run(run.info.run_id).data.tags[policy.APPROVAL.author_tag]
assert policy.APPROVAL.may_approve(author, approver), "nobody approves their own model"
if holdout_auc >= policy.GATE.min_auc:
    client.set_tag(run.info.run_id, policy.APPROVAL.approver_tag, approver)
    client.set_tag(run.info.run_id, "approval_note", f"hold-out AUC {holdout_auc:.3f}, above the governed minimum of "
                                                     f"{policy.GATE.min_auc}: fit for the monthly retention campaign")
print(f"{approver} ({policy.APPROVAL.approver_role}) approved the run of {author} ({policy.APPROVAL.author_role}).")

# %% [markdown]
# In production the model scores each month's batch of customers, and a month later the churn labels arrive. Each month
# we log, on the same run, the AUC on the newly labelled batch, the churn rate the model **expected** (its mean score)
# and the churn rate that **actually** happened; `step` numbers the months. `TODAY` is the latest month whose labels are
# in: in the data's scenario (`data.term()`) the market changes in one month of the year, and `TODAY` is the month after
# that change (December at the latest), so that its story shows.

# %% id="cell-19"
changed = data.term().drift.competitor_batch  # the month the market changed, in the data's scenario
after_change = data.PRODUCTION_MONTHS.index(changed) + 1  # the position of the month after it (0 is January)
TODAY = data.PRODUCTION_MONTHS[min(after_change, len(data.PRODUCTION_MONTHS) - 1)]  # December at the latest
months = data.PRODUCTION_MONTHS[: data.PRODUCTION_MONTHS.index(TODAY) + 1]
for step, month in enumerate(months, start=1):
    batch, labels = data.load_batch(month), data.load_labels(month)
    scores = model.predict_proba(batch[data.FEATURES])[:, 1]
    churned = labels[data.TARGET].eq("Yes")
    client.log_metric(run.info.run_id, "roc_auc_production", roc_auc_score(churned, scores), step=step)
    client.log_metric(run.info.run_id, "churn_expected", scores.mean(), step=step)
    client.log_metric(run.info.run_id, "churn_actual", churned.mean(), step=step)
print(f"Logged {len(months)} months of production metrics ({months[0]} to {months[-1]}).")

# %% [markdown]
# Now the audit again — this time **only from the record**. We forget the Python variables and query the tracking
# store, as an auditor with read access would: `mlflow.search_runs` returns the runs as a table (one column per
# parameter, metric and tag), `MlflowClient.get_metric_history` returns a metric's value over the months.

# %% id="cell-21"
record = mlflow.search_runs(filter_string="tags.lab = '01' and attributes.run_name = 'churn-logreg'",
                            order_by=["attributes.start_time DESC"]).iloc[0]
history = {name: [m.value for m in client.get_metric_history(record.run_id, name)]
           for name in ("roc_auc_production", "churn_expected", "churn_actual")}
recorded_version = record[f"tags.{lineage.TAG}"]
same_data = recorded_version == lineage.data_version(data.data_dir() / "customers.csv")
author, approver = record[f"tags.{policy.APPROVAL.author_tag}"], record[f"tags.{policy.APPROVAL.approver_tag}"]
from_the_record = {
    "Which data version trained it?":
        f"{record['tags.data_file']}, data version {lineage.short(recorded_version)}... "
        f"({'the file on disk today still has this version' if same_data else 'the file on disk has CHANGED since'})",
    "Which parameters?":
        ", ".join(f"{k.removeprefix('params.')}={v}" for k, v in record.filter(like="params.").sort_index().items()),
    "Which code?":
        f"training function with code version {record['tags.code_version'][:12]}...",
    "Who trained it, and who approved it?":
        f"trained by {author}; approved by {approver} "
        f"('{record['tags.approval_note']}')",
    "How does it perform today?":
        f"AUC {history['roc_auc_production'][-1]:.3f} in {TODAY} (hold-out: {record['metrics.roc_auc_holdout']:.3f}); "
        f"it expected {history['churn_expected'][-1]:.0%} churn, {history['churn_actual'][-1]:.0%} churned",
}
for question, answer in from_the_record.items():
    print(f"? {question}\n    -> {answer}")

# %% [markdown]
# Every question now has an answer that anyone with access can check, long after the kernel is gone. The last answer
# hides a surprise; a picture of the metric history shows it:

# %% id="cell-23"
fig, (left, right) = plt.subplots(1, 2, figsize=(11, 3.6))
left.plot(months, history["roc_auc_production"], marker="o", label="production, per month")
left.axhline(record["metrics.roc_auc_holdout"], color="grey", linestyle="--", label="hold-out AUC at training")
left.set(title="Ranking quality (ROC AUC) per month", ylim=(0.5, 1.0), ylabel="ROC AUC")
left.legend(loc="lower left")
right.plot(months, history["churn_expected"], marker="o", label="expected by the model")
right.plot(months, history["churn_actual"], marker="s", label="actually churned")
right.set(title="Churn rate per month", ylim=(0, 0.5), ylabel="share of the batch")
right.legend(loc="lower left")
for ax in (left, right):
    ax.tick_params(axis="x", rotation=45)
fig.suptitle("How the churn model performs in production (from the tracking record)")
fig.tight_layout()
plt.show()


# %% id="cell-history-says"
def share_range(values):
    low, high = f"{min(values):.0%}", f"{max(values):.0%}"
    return low if low == high else f"{low} to {high}"


before = data.month_name(data.PRODUCTION_MONTHS[data.PRODUCTION_MONTHS.index(changed) - 1])
for span, keep in ((f"until {before}", lambda m: m < changed), (f"from {data.month_name(changed)}", lambda m: m >= changed)):
    actual = [a for m, a in zip(months, history["churn_actual"]) if keep(m)]
    expected = [e for m, e in zip(months, history["churn_expected"]) if keep(m)]
    print(f"{span}: {share_range(actual)} of each batch churned; the model expected {share_range(expected)}")
holdout_auc, drop = record["metrics.roc_auc_holdout"], policy.ALERTS.auc_drop
far_below = sum(auc < holdout_auc - drop for auc in history["roc_auc_production"])
print(f"-> ranking: production AUC above the hold-out's in {sum(auc > holdout_auc for auc in history['roc_auc_production'])}"
      f" of {len(months)} months, {'never' if not far_below else f'in {far_below} of them'} more than {drop:g} below it"
      " (lab 09's alert rule)")
rates = pd.DataFrame({"actual": history["churn_actual"], "expected": history["churn_expected"]}, index=months)
early, late = rates[rates.index < changed], rates[rates.index >= changed]
print(f"-> churn rate: expected above actual in {int((early['expected'] > early['actual']).sum())} of {len(early)} months "
      f"until {before}; from {data.month_name(changed)} churn {'is above' if late['actual'].min() > early['actual'].max() else 'is not above'}"
      f" every earlier month, and the model's expectation {'falls behind' if (late['expected'] < late['actual']).all() else 'keeps up'}")

# %% [markdown]
# The first line with an arrow compares the model's **ranking** in production with its hold-out set, month by month
# (left). Where production looks *better*, it is not the model improving: the 2025 labels it was trained and tested
# on are noisy (a legacy process recorded some customers who stayed as churners, lab 07), while the 2026 labels record
# who really left, and clean labels are easier to rank. The churn *rate* tells another story (right, and the lines
# under the chart). Where the model at first expected more churn than happened, that is the same label bias. Then, in
# one month, the actual rate jumps above what it had been and the model's expectation falls behind (the last line
# checks both): something changed in the market. Finding out *what* is lab 09's job; noticing it at all is what a
# record and a little monitoring buy you.
#
# ### Exercise 01.2 — record the challenger yourself
# Dana has a second candidate in her notebook: the same training function with stronger regularisation, `C=0.1`,
# trained only on the **recent half-year** (the customers observed in `2025-07` or later), in case older behaviour no
# longer applies. It exists only in her kernel. Before the Business Analyst can even look at it, it needs a record that
# answers the audit questions. Write that run, with the MLflow calls of section 4:
#
# * keep the customers observed in `2025-07` or later as `recent` (the column `month` holds `"YYYY-MM"` text, so `>=`
#   compares it correctly);
# * start a run named `churn-logreg-recent` with the tag `lab` = `"01"`, and inside it train with
#   `train_churn_model(recent, C=0.1)`;
# * log the same four parameters as `params`, with `C` = `0.1`, and the metric `roc_auc_holdout`;
# * tag the data version of **the rows it was trained on** under `lineage.TAG`, the `code_version` and the author
#   (`policy.APPROVAL.author_tag`);
# * do **not** approve it: approval is the Business Analyst's step, not the author's.
#
# Give the run's id (`<run>.info.run_id`) as `challenger_run_id`. The check reads the run back from the tracking store
# and recomputes what it should hold.

# %% mlopslab={"exercise": "01.record_run"}
# BEGIN STUB
# recent = ...  # the customers observed in 2025-07 or later
# # with mlflow.start_run(...) as challenger:  # named "churn-logreg-recent", tagged lab "01"
# #     train with C=0.1 on `recent`, log the parameters and the metric,
# #     tag the data version, the code version and who trained it
# challenger_run_id = ...  # the run's id
# END STUB
# BEGIN SOLUTION
recent = customers[customers["month"] >= "2025-07"]
challenger_params = {**params, "C": 0.1}
with mlflow.start_run(run_name="churn-logreg-recent", tags={"lab": "01"}) as challenger:
    challenger_model, challenger_auc = train_churn_model(recent, C=challenger_params["C"],
                                                         test_size=challenger_params["test_size"],
                                                         seed=challenger_params["seed"])
    mlflow.log_params(challenger_params)
    mlflow.log_metric("roc_auc_holdout", challenger_auc)
    mlflow.set_tags({lineage.TAG: lineage.data_version(recent), "data_file": "data/customers.csv, 2025-07 to 2025-12",
                     "code_version": code_version, policy.APPROVAL.author_tag: policy.APPROVAL.author})
challenger_run_id = challenger.info.run_id
# END SOLUTION

# %% mlopslab={"check": "01.record_run"}
check("01.record_run", challenger_run_id)

# %% mlopslab={"wrong": "01.record_run"}
recent = customers[customers["month"] >= "2025-07"]
with mlflow.start_run(run_name="churn-logreg-recent", tags={"lab": "01"}) as challenger:
    challenger_model, challenger_auc = train_churn_model(recent, C=0.1)
    mlflow.log_params({**params, "C": 0.1})
    mlflow.log_metric("roc_auc_holdout", challenger_auc)
    mlflow.set_tags({lineage.TAG: data_version,  # the version of the whole file, not of the rows it learned from
                     "code_version": code_version, policy.APPROVAL.author_tag: policy.APPROVAL.author})
challenger_run_id = challenger.info.run_id

# %% mlopslab={"wrong": "01.record_run"}
recent = customers[customers["month"] >= "2025-07"]
with mlflow.start_run(run_name="churn-logreg-recent", tags={"lab": "01"}) as challenger:
    challenger_model, challenger_auc = train_churn_model(recent, C=0.1)
    mlflow.log_params({**params, "C": 0.1})
    mlflow.log_metric("roc_auc_holdout", challenger_auc)
    mlflow.set_tags({lineage.TAG: lineage.data_version(recent), "code_version": code_version,
                     policy.APPROVAL.author_tag: policy.APPROVAL.author, policy.APPROVAL.approver_tag: policy.APPROVAL.author})
challenger_run_id = challenger.info.run_id

# %% mlopslab={"shortcut": "01.record_run"}
challenger_run_id = run.info.run_id  # the lab's own, approved run

# %% mlopslab={"shortcut": "01.record_run"}
with mlflow.start_run(run_name="churn-logreg-recent", tags={"lab": "01"}) as challenger:  # a record, but no training
    mlflow.log_params({**params, "C": 0.1})
    mlflow.log_metric("roc_auc_holdout", holdout_auc)
    mlflow.set_tags({lineage.TAG: lineage.data_version(customers[customers["month"] >= "2025-07"]),
                     "code_version": code_version, policy.APPROVAL.author_tag: policy.APPROVAL.author})
challenger_run_id = challenger.info.run_id

# %% mlopslab={"shortcut": "01.record_run"}
recent = customers[customers["month"] >= "2025-07"]
bare = client.create_run("0")  # the Default experiment, no name, no lab tag: the audit search never finds it
challenger_model, challenger_auc = train_churn_model(recent, C=0.1)
for key, value in {**params, "C": 0.1}.items():
    client.log_param(bare.info.run_id, key, value)
client.log_metric(bare.info.run_id, "roc_auc_holdout", challenger_auc)
for key, value in {lineage.TAG: lineage.data_version(recent), "code_version": code_version,
                   policy.APPROVAL.author_tag: policy.APPROVAL.author}.items():
    client.set_tag(bare.info.run_id, key, value)
client.set_terminated(bare.info.run_id)
challenger_run_id = bare.info.run_id

# %% mlopslab={"shortcut": "01.record_run"}
recent = customers[customers["month"] >= "2025-07"]
with mlflow.start_run(run_name="churn-logreg-recent", tags={"lab": "01"}) as challenger:
    challenger_model, challenger_auc = train_churn_model(recent, C=0.1)
    mlflow.log_params({**params, "C": 0.1})
    mlflow.log_metric("roc_auc_holdout", challenger_auc)
    mlflow.set_tags({lineage.TAG: lineage.data_version(recent), "code_version": code_version,
                     policy.APPROVAL.author_tag: policy.APPROVAL.author,
                     "approver": policy.APPROVAL.author})  # the author's own approval, under another tag
challenger_run_id = challenger.info.run_id


# %% [markdown]
# ### Exercise 01.3 — answer an audit question from the record
# Compliance asks: *"Who approved the models that were trained on a given data version?"* Write `who_approved(version)`
# that searches the tracking store with `mlflow.search_runs(filter_string=...)`, keeping the runs whose tag `lineage.TAG`
# equals `version`, and returns the sorted list of distinct approvers (the column `tags.approved_by`: `approved_by` is
# `policy.APPROVAL.approver_tag`). Return an empty
# list when no run of that data version was approved. Careful: the result table has a `tags.approved_by` column only if
# at least one of its runs carries that tag. The check calls your function with the version of today's
# `data/customers.csv`, with the version of the recent half-year and with a made-up one.

# %% mlopslab={"exercise": "01.who_approved"}
def who_approved(version):
    """The sorted, distinct approvers of the runs tagged with data version `version` (an empty list if none)."""
    # BEGIN SOLUTION
    runs = mlflow.search_runs(filter_string=f"tags.{lineage.TAG} = '{version}'")
    if runs.empty or "tags.approved_by" not in runs:
        return []
    return sorted(runs["tags.approved_by"].dropna().unique())
    # END SOLUTION


# %% mlopslab={"check": "01.who_approved"}
check("01.who_approved", who_approved)


# %% mlopslab={"wrong": "01.who_approved"}
def who_approved(version):
    return [policy.APPROVAL.author]


# %% mlopslab={"wrong": "01.who_approved"}
def who_approved(version):
    runs = mlflow.search_runs(filter_string=f"tags.{lineage.TAG} = '{version}'")
    return sorted(runs["tags.approved_by"].dropna().unique())  # fails when no run of that version was approved


# %% mlopslab={"shortcut": "01.who_approved"}
def who_approved(version):
    return [policy.APPROVAL.approver]  # what the policy says, not what the record says


# %% mlopslab={"shortcut": "01.who_approved"}
def who_approved(version):
    return [approver] if version == data_version else []  # what the lab printed, for the one version it knows


# %% [markdown]
# ### Written exercise 01.A — the answer to the auditor
# Compliance forwards the regulator's questions of section 3 to you, the team's Data Steward, and asks for the answer
# they will sign. Write it in the cell below, in a few sentences and **only from the record** (the answers read back
# from the tracking store in section 4, and your `who_approved`): which data version trained the model, with which
# parameters and which code; who trained it and who approved it, and why; how it performs today against its hold-out;
# and one thing the record cannot prove. A person reads it and scores it against the rubric below; no automatic check
# (and not `mlopslab grade --self`) can.

# %% id="code-audit-rubric"
from mlopslab.rubrics import show_rubric

show_rubric("01.audit_answer")

# %% [markdown] mlopslab={"written": "01.audit_answer"}
# *Your answer to the auditor (double-click to edit, then replace this text):*
#
# * **Data, parameters, code:** …
# * **Trained and approved by:** …
# * **Performance today:** …
# * **What the record cannot prove:** …

# %% [markdown] mlopslab={"model_answer": "01.audit_answer"}
# **Model answer (graders only).** The production model is the run `churn-logreg` of the tracking store. It was
# trained on `data/customers.csv` at the data version the run records under `data_version`, and the file on disk today
# still has that fingerprint, so the data are the same; with the parameters the run logged (a logistic regression, its
# `C`, the seed and the test size) and the training function whose code version the run records. The Data Scientist
# trained it and the Business Analyst approved it, with the note on the run (the hold-out AUC above the governed
# minimum). In the latest month of production metrics its AUC stands beside its hold-out AUC, and the churn it
# expected beside the churn that happened: the answer gives both pairs and says what the gap means for the campaign.
# What the record cannot prove: a code version names the code without keeping it (the source must be kept, e.g. in
# git), and a tag says who approved, not that the approval was well founded. Full marks quote the record rather than
# memory and keep what it proves apart from what it merely states.

# %% [markdown]
# ## 5. How mature is a team? The MLOps maturity levels
#
# Recording runs by hand is a start, not the destination. Google's architecture guide *MLOps: continuous delivery and
# automation pipelines in machine learning* describes three levels of maturity:
#
# * **Level 0, manual process.** Every step is done by hand, in notebooks and scripts; the trained model is handed to
#   IT as a file; new models arrive a few times a year; there is no CI or CD, and nobody actively monitors the model
#   in production.
# * **Level 1, ML pipeline automation.** The training pipeline is automated and retrains the model on fresh data
#   (*continuous training*), started by a schedule, by new data or by monitoring. It validates data and models,
#   records every run's metadata, and delivers each validated model to the prediction service.
# * **Level 2, CI/CD pipeline automation.** The pipeline itself is treated as software: its code is in source control,
#   built and tested by CI and deployed by CD, so that new ideas reach production quickly and safely.
#
# The course's self-assessment restates the components Google gives each level as ten statements, five per level (the
# table below, with the key feature each serves and the lab where this course builds it). **Google does not score its
# levels**: the scoring rule is the course's simplification. A level counts as reached when at least 4 of its 5
# statements hold (`maturity.THRESHOLD`) and every lower level is reached. Note also what the levels leave out: they
# measure automation. Governance (who approved what, and can you prove it) is not one of Google's levels; this course
# treats it in labs 03, 06 and 07.

# %% id="cell-32"
pd.DataFrame([(q.level, q.key, q.text, q.feature, q.labs) for q in maturity.QUESTIONS],
             columns=["level", "key", "statement", "key feature", "built in lab"])

# %% [markdown]
# **TelcoNova today** (the documented default team, `maturity.DEFAULT_TEAM`): models are trained in notebooks and handed
# over as files, and since section 4 the team records its runs, by hand. No statement holds yet, so the road ahead is
# the whole list: the labs of this course build most of it.

# %% id="cell-34"
today = maturity.assess(maturity.DEFAULT_TEAM)
print(f"TelcoNova: level {today.level} ({maturity.LEVELS[today.level]})")
labs_of = {q.key: q.labs for q in maturity.QUESTIONS}
print("Missing for level 1:", ", ".join(f"{key} (lab{'s' if ',' in labs_of[key] else ''} {labs_of[key]})"
                                         for key in today.missing))

# %% [markdown]
# **A worked example.** *Atlas*, an insurer, retrains its claims model every night with an automated pipeline on the
# newest data. The pipeline checks the data and the new model and stops when a check fails; every run is recorded and
# its model registered; a model that passes goes to the prediction service without anyone copying files. The nightly
# schedule is the only trigger, though: nobody watches the live model. Experiments happen in notebooks and are re-typed
# into the pipeline by hand; the pipeline's code is changed without automated tests and deployed by an engineer; nobody
# tests the prediction service before a release. Statement by statement:

# %% id="cell-atlas"
atlas = {
    "pipeline": True,           # retrains every night, automatically
    "validation": True,         # checks data and model, stops on failure
    "metadata": True,           # every run recorded, model registered
    "model_delivery": True,     # a model that passes reaches the prediction service by itself
    "triggers": False,          # a schedule only: nobody watches the live model
    "source_control": False,    # experiments in notebooks, re-typed into the pipeline
    "pipeline_ci": False,       # no automated tests of pipeline changes
    "pipeline_cd": False,       # deployed by an engineer
    "serving_tests": False,     # nobody tests the prediction service
    "live_monitoring": False,   # no statistics of the live predictions
}
atlas_result = maturity.assess(atlas)
print(f"Atlas: level {atlas_result.level}; statements met: level 1 {atlas_result.by_level[1]:.0%}, "
      f"level 2 {atlas_result.by_level[2]:.0%}; missing for level 2: {', '.join(atlas_result.missing)}")
maturity.plot_assessment(atlas_result, title="Atlas: ")
plt.show()

# %% [markdown]
# **Assess your own team** (or a team you know from an internship): tick the statements that are true and the level and
# chart update. The questionnaire is only a front end to the same `maturity.assess` call as above; without a live
# JupyterLab it shows the default team and changes nothing.

# %% id="cell-36"
maturity.questionnaire(maturity.DEFAULT_TEAM)

# %% [markdown]
# ### Exercise 01.4 — assess a team yourself: Dynamo
# *Dynamo* is an online retailer's data team. Read its description, decide for each of the ten statements whether it
# holds (`True`) or not (`False`), then let `maturity.assess` place the team, as for Atlas.
#
# * Its data scientists write experiments as modules in the team's git repository, and a promising idea ships as a new
#   version of the training pipeline.
# * Every merge request to that repository is built and tested by a CI server before it is merged.
# * A pipeline version that passes CI is rolled out to the test and production environments by the deployment service;
#   nobody copies files by hand.
# * Before each release, an automated test sends sample requests to the prediction service and checks the response
#   schema and the latency.
# * Every training run logs its parameters, metrics and data version to an MLflow server, and registers its model.
# * But the training pipeline runs only when an engineer starts it, on whatever extract is at hand.
# * Nothing checks the incoming data or the newly trained model before the model is used.
# * The trained model file is attached to a ticket, and the operations team copies it onto the prediction server.
# * No statistics of the live predictions are collected, so a drop in performance starts neither the pipeline nor a new
#   experiment.
#
# The check gives points only when all ten answers match the description, and does not say which one is off.

# %% mlopslab={"exercise": "01.assess_team", "choices": [true, false]}
# BEGIN STUB
# dynamo = {
#     "pipeline": ...,
#     "validation": ...,
#     "metadata": ...,
#     "model_delivery": ...,
#     "triggers": ...,
#     "source_control": ...,
#     "pipeline_ci": ...,
#     "pipeline_cd": ...,
#     "serving_tests": ...,
#     "live_monitoring": ...,
# }
# # then place Dynamo with maturity.assess, as for Atlas, and print its level
# END STUB
# BEGIN SOLUTION
dynamo = {
    "pipeline": False, "validation": False, "metadata": True, "model_delivery": False, "triggers": False,  # level 1
    "source_control": True, "pipeline_ci": True, "pipeline_cd": True, "serving_tests": True, "live_monitoring": False,
}
dynamo_result = maturity.assess(dynamo)
print(f"Dynamo: level {dynamo_result.level}; statements met: level 1 {dynamo_result.by_level[1]:.0%}, "
      f"level 2 {dynamo_result.by_level[2]:.0%}")
# END SOLUTION

# %% mlopslab={"check": "01.assess_team"}
check("01.assess_team", dynamo)

# %% mlopslab={"wrong": "01.assess_team"}
dynamo = {  # the pipeline code is deployed automatically, but the models are not: model_delivery is False
    "pipeline": False, "validation": False, "metadata": True, "model_delivery": True, "triggers": False,
    "source_control": True, "pipeline_ci": True, "pipeline_cd": True, "serving_tests": True, "live_monitoring": False,
}

# %% mlopslab={"wrong": "01.assess_team"}
dynamo = {key: True for key in atlas}  # "lots of automation" is not every statement

# %% mlopslab={"shortcut": "01.assess_team"}
dynamo = {key: not value for key, value in atlas.items()}  # the worked example, turned around

# %% [markdown]
# ## Recap
# * **MLOps** brings data and models under the discipline DevOps brought to code; its five key features are model
#   development, monitoring, productionalization and deployment, iteration and lifecycle, and governance.
# * The enterprise ML lifecycle is **CRISP-DM with DevOps laid over it**; this course walks its six stages, and
#   monitoring, the stage CRISP-DM lacks, is what sends the team round the loop again.
# * A notebook can train a good model but cannot answer *which data, which parameters, which code, who approved, how is
#   it doing today*. A few lines of **MLflow tracking** can, from a record anyone can query: you wrote such a record,
#   with the data version under `lineage.TAG`, and an audit query that reads it.
# * **Maturity** (Google): manual (level 0), an automated training pipeline (1), an automatically built, tested and
#   deployed pipeline (2). Level-2 tooling on top of a manual training process is still level 0: the levels build on
#   each other.
#
# ### In the real world
# * [ml-ops.org](https://ml-ops.org/) collects the principles (versioning, testing, automation, reproducibility).
# * Google Cloud's *MLOps: continuous delivery and automation pipelines in machine learning* defines levels 0–2.
#   Microsoft's *Machine Learning operations maturity model* (Azure Architecture Center) cuts the same path into five
#   levels (0–4), and the two do not map one to one: Microsoft keeps retraining triggered by production metrics for its
#   top level, where Google already counts triggered retraining as level 1. Maturity models are maps, not grades.
# * Regulation is catching up: the EU AI Act asks providers of high-risk AI systems for logging, documentation and human
#   oversight — the record you built in section 4, at company scale.
# * Tracking servers (MLflow, Weights & Biases, Vertex AI Experiments, Azure ML) are usually shared by a whole team;
#   `MLFLOW_TRACKING_URI` points this course at one.
#
# **Next:** lab 02 meets the people — the five personas, how they work together in Scrum sprints, and who is
# accountable for what.
