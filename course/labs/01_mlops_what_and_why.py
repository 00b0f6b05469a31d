# %% [markdown]
# # Lab 01 — MLOps: what it is and why a notebook is not enough
#
# **Stage:** the big picture (before stage 1) · **Personas:** the whole team — the **Data Scientist** trains the model,
# the **Business Analyst** approves it, the **Data Steward** answers the auditor
#
# TelcoNova's analytics team has a churn model that "works on Dana's laptop". The Head of Customer Retention wants to use
# it to choose which customers get a retention offer each month, and Compliance wants to know how that decision is made.
# This lab is about the gap between those two sentences.
#
# ### Learning objectives
# By the end of this lab you can:
# 1. define MLOps in one sentence and name its **five key features**;
# 2. draw the enterprise ML lifecycle: **CRISP-DM with DevOps laid over it**, and the six stages of operationalization;
# 3. show, with a real model, which audit questions a notebook-only workflow **cannot** answer — and answer them from an
#    **MLflow** tracking record instead;
# 4. place a team on the **MLOps maturity scale** (Google's levels 0/1/2, Microsoft's 0–4) and say what it needs next.
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
from sklearn.compose import ColumnTransformer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

from mlopslab import config, data, maturity
from mlopslab.exercises import check

config.quiet()
pd.set_option("display.max_colwidth", None)

# %% [markdown]
# ## 1. What is MLOps?
#
# The community site [ml-ops.org](https://ml-ops.org/) describes MLOps as extending DevOps so that **data and models
# become first-class citizens** next to code: they are versioned, tested, deployed and monitored with the same discipline
# as software. In one sentence: *MLOps is the set of practices and tools that take machine-learning models into
# production reliably, and keep them working, accountable and improving once they are there.*
#
# It is as much about **people** as about tools: a data scientist alone cannot operate a model. The lecture names five
# **key features** every MLOps setup has to cover:

# %% id="cell-03"
pd.DataFrame({"key feature": list(maturity.FEATURES), "what it means": list(maturity.FEATURES.values())})

# %% [markdown]
# ### Exercise 01.1 — map practices to the key features
# Below are seven things TelcoNova's team does (or should do). For each practice, name the **key feature** it serves.
# Give a dict `practice key -> feature name`; short names such as `"deployment"` or `"lifecycle"` are fine.

# %% id="cell-05"
pd.DataFrame({"practice key": list(maturity.PRACTICES), "practice": [text for text, _ in maturity.PRACTICES.values()]})

# %% mlopslab={"exercise": "01.practices"}
# BEGIN STUB
# practices = {
#     "compare_candidates": ...,
#     "psi_check": ...,
#     "rest_endpoint": ...,
#     "monthly_retrain": ...,
#     "approval_record": ...,
#     "mask_pii": ...,
#     "score_alert": ...,
# }
# END STUB
# BEGIN SOLUTION
practices = {
    "compare_candidates": "model development",
    "psi_check": "monitoring",
    "rest_endpoint": "productionalization and deployment",
    "monthly_retrain": "iteration and lifecycle",
    "approval_record": "governance",
    "mask_pii": "Governance",
    "score_alert": "monitoring",
}
# END SOLUTION

# %% mlopslab={"check": "01.practices"}
check("01.practices", practices)

# %% mlopslab={"wrong": "01.practices"}
practices = {
    "compare_candidates": "governance",
    "psi_check": "deployment",
    "rest_endpoint": "monitoring",
    "monthly_retrain": "model development",
    "approval_record": "lifecycle",
    "mask_pii": "monitoring",
    "score_alert": "governance",
}

# %% [markdown]
# ## 2. The enterprise ML lifecycle
#
# Data-science projects have followed **CRISP-DM** (the *Cross-Industry Standard Process for Data Mining*) for a long
# time: understand the business, understand the data, prepare it, model, evaluate, deploy — and go round again.
# CRISP-DM says *what* to do; it says little about *how* to ship and run the result. **DevOps** does: plan, code, build,
# test, release, deploy, operate, monitor, as one continuous loop with automation at every step.
# ML operationalization lays the DevOps loop over the CRISP-DM cycle:

# %% id="cell-09"
maturity.lifecycle_figure()
plt.show()

# %% [markdown]
# In this course the combined loop has **six stages**, each led by two personas. Every later lab is one of them:
#
# | stage | lead personas | lab |
# | --- | --- | --- |
# | data provisioning with governance | Data Steward, Data Engineer | 03 |
# | data preparation for the model | Data Engineer, Data Scientist | 04 |
# | model development | Data Scientist, Business Analyst | 05 |
# | model validation and governance | Data Scientist, Data Engineer | 06, 07 |
# | model deployment and insight consumption in production | Data Engineer, App Developer | 08 |
# | model monitoring | Data Engineer, Data Scientist | 09 |
#
# Running through all six, again and again, are the **5 Cs**: continuous training, validation, deployment, integration
# and monitoring (lab 10).
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

# %% [markdown]
# A good model. Three months later the model is scoring customers every month, and two people come by.
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
# * the **data version**: the SHA-256 fingerprint of the file (`data.sha256_file`) as a tag, plus the data set itself as
#   a lineage input (`mlflow.log_input`);
# * the **code version**: a fingerprint of the training function's source;
# * **who** trained it, as a tag.

# %% id="cell-15"
config.setup_tracking()
client = MlflowClient()

data_sha256 = data.sha256_file(data.data_dir() / "customers.csv")
code_sha256 = hashlib.sha256(inspect.getsource(train_churn_model).encode()).hexdigest()
params = {"model": "logistic regression", "C": 1.0, "test_size": 0.25, "seed": config.SEED}

with mlflow.start_run(run_name="churn-logreg", tags={"lab": "01"}) as run:
    model, holdout_auc = train_churn_model(customers, C=params["C"], test_size=params["test_size"], seed=params["seed"])
    mlflow.log_params(params)
    mlflow.log_metric("roc_auc_holdout", holdout_auc)
    mlflow.set_tags({"data_file": "data/customers.csv", "data_sha256": data_sha256,
                     "code_sha256": code_sha256, "trained_by": "Data Scientist"})
    dataset = mlflow.data.from_pandas(customers, source="data/customers.csv", name="customers-2025", targets="Churn")
    mlflow.log_input(dataset, context="training")

print(f"Recorded run 'churn-logreg': {len(params)} parameters, 1 metric, data and code fingerprints, who trained it.")

# %% [markdown]
# Approval is a separate step by a separate person: the **Business Analyst** reviews the hold-out AUC against the
# campaign's needs and signs off. The sign-off goes into the same record, as tags on the run.

# %% id="cell-17"
client.set_tag(run.info.run_id, "approved_by", "Business Analyst")
client.set_tag(run.info.run_id, "approval_note", "hold-out AUC above 0.80: fit for the monthly retention campaign")

# %% [markdown]
# In production the model scores each month's batch of customers, and a month later the churn labels arrive. Each month
# we log, on the same run, the AUC on the newly labelled batch, the churn rate the model **expected** (its mean score)
# and the churn rate that **actually** happened. `TODAY` is the latest month whose labels are in.

# %% id="cell-19"
TODAY = "2026-08"
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
record = mlflow.search_runs(filter_string="tags.lab = '01'", order_by=["attributes.start_time DESC"]).iloc[0]
history = {name: [m.value for m in client.get_metric_history(record.run_id, name)]
           for name in ("roc_auc_production", "churn_expected", "churn_actual")}
same_file = record["tags.data_sha256"] == data.sha256_file(data.data_dir() / "customers.csv")
from_the_record = {
    "Which data version trained it?":
        f"{record['tags.data_file']}, SHA-256 {record['tags.data_sha256'][:16]}... "
        f"({'the file on disk today still matches' if same_file else 'the file on disk has CHANGED since'})",
    "Which parameters?":
        ", ".join(f"{k.removeprefix('params.')}={v}" for k, v in record.filter(like="params.").sort_index().items()),
    "Which code?":
        f"training function with SHA-256 {record['tags.code_sha256'][:16]}...",
    "Who trained it, and who approved it?":
        f"trained by the {record['tags.trained_by']}; approved by the {record['tags.approved_by']} "
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
left.plot(months, history["roc_auc_production"], marker="o")
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

# %% [markdown]
# The model still **ranks** customers about as well as on its hold-out set (left). The churn *rate* tells another
# story (right): until June the model expected a little more churn than happened (its training labels carry a bias you
# will meet in lab 07); from July the actual rate jumps from about a fifth to a third of each batch, and the model's
# expectation falls behind — something changed in the market. Finding out *what* is lab 09's job; noticing it at all is
# what a record and a little monitoring buy you.
#
# ### Exercise 01.2 — what does an audit record need?
# An auditor sends the list of candidate entries below. Which ones must a model's record contain so that the audit
# questions can be answered? Give a list of keys.

# %% id="cell-25"
pd.DataFrame({"key": list(maturity.AUDIT_ITEMS), "entry": [text for text, _, _ in maturity.AUDIT_ITEMS.values()]})

# %% mlopslab={"exercise": "01.audit_needs"}
# BEGIN STUB
# audit_needs = [...]  # e.g. ["screenshot", "hostname"]
# END STUB
# BEGIN SOLUTION
audit_needs = ["data_version", "parameters", "code_version", "people", "metrics"]
# END SOLUTION

# %% mlopslab={"check": "01.audit_needs"}
check("01.audit_needs", audit_needs)

# %% mlopslab={"wrong": "01.audit_needs"}
audit_needs = ["screenshot", "hostname", "cell_count"]


# %% [markdown]
# ### Exercise 01.3 — answer an audit question from the record
# Compliance asks: *"Who approved the models that were trained on the data version we hold today?"* Write
# `who_approved(data_sha256)` that searches the tracking store (`mlflow.search_runs(filter_string=...)`, filtering on
# the tag `data_sha256`) and returns the list of distinct approvers — an empty list if no run used that data version.
# The check calls it with today's fingerprint and with a made-up one.

# %% mlopslab={"exercise": "01.who_approved"}
# BEGIN STUB
# def who_approved(data_sha256):
#     ...  # search the runs whose tag data_sha256 equals the argument; return the distinct 'tags.approved_by'
# END STUB
# BEGIN SOLUTION
def who_approved(data_sha256):
    runs = mlflow.search_runs(filter_string=f"tags.data_sha256 = '{data_sha256}'")
    if runs.empty:
        return []
    return sorted(runs["tags.approved_by"].dropna().unique())
# END SOLUTION


# %% mlopslab={"check": "01.who_approved"}
check("01.who_approved", who_approved)


# %% mlopslab={"wrong": "01.who_approved"}
def who_approved(data_sha256):
    return ["Data Scientist"]


# %% [markdown]
# ## 5. How mature is a team? The MLOps maturity levels
#
# Recording runs by hand is a start, not the destination. Google describes three levels of MLOps maturity; Microsoft
# describes five, which map onto Google's as the table shows:
#
# | Google level | what it looks like | Microsoft level |
# | --- | --- | --- |
# | **0 — manual process** | notebooks, scripts run by hand, models handed over as files; rare releases | 0 *No MLOps*, 1 *DevOps but no MLOps* |
# | **1 — ML pipeline automation** | an automated training pipeline retrains on new data (continuous training); runs tracked, data and models versioned | 2 *Automated training* |
# | **2 — CI/CD pipeline automation** | code, data and pipeline tested in CI; validated models deployed automatically; monitoring and approvals automated | 3 *Automated model deployment*, 4 *Full MLOps automated operations* |
#
# The course's self-assessment has ten statements, one per key feature at level 1 and at level 2. A level counts as
# reached when at least 4 of its 5 practices are in place (`maturity.THRESHOLD`) and every lower level is reached.

# %% id="cell-32"
pd.DataFrame([(q.level, q.feature, q.text) for q in maturity.QUESTIONS], columns=["level", "key feature", "statement"])

# %% [markdown]
# **TelcoNova today** (the documented default team, `maturity.DEFAULT_TEAM`): models are trained in notebooks and handed
# over as files; the only thing in place is a monthly performance report someone reads.

# %% id="cell-34"
today = maturity.assess(maturity.DEFAULT_TEAM)
print(f"Level {today.level}: {maturity.LEVELS[today.level]}")
print("Missing for level 1:", ", ".join(today.missing))
maturity.plot_assessment(today, title="TelcoNova today: ")
plt.show()

# %% [markdown]
# **Assess your own team** (or a team you know from an internship): tick the statements that are true and the level and
# chart update. The questionnaire is only a front end to the same `maturity.assess` call as above; without a live
# JupyterLab it shows the default team and changes nothing.

# %% id="cell-36"
maturity.questionnaire(maturity.DEFAULT_TEAM)

# %% [markdown]
# ### Exercise 01.4 — place three teams on the scale
# * **Atlas** (an insurer) keeps its code in git and logs every experiment to MLflow; a monthly report of the model's
#   accuracy on new claims goes to the manager. Retraining means a data scientist re-running a notebook on whatever
#   extract is at hand, and the model file is e-mailed to IT, who copy it onto the server.
# * **Borealis** (a retailer) retrains every night with an automated pipeline on the newest versioned data; every run is
#   tracked and each trained model lands in a model registry. A weekly performance report is read on Mondays, and code
#   changes run unit tests in CI. Releasing a model, though, is a ticket to the operations team; nobody watches the
#   inputs for drift, and approvals happen in hallway conversations.
# * **Cirrus** (a bank) has everything Borealis has, plus an automated validation gate, automatic deployment of models
#   that pass it with one-command rollback, drift alerts on inputs and predictions, and a queryable record of who
#   approved each release and why.
#
# Give each team's Google level (0, 1 or 2). You may use `maturity.assess` with the question keys shown above.

# %% mlopslab={"exercise": "01.team_levels"}
# BEGIN STUB
# team_levels = {"Atlas": ..., "Borealis": ..., "Cirrus": ...}
# END STUB
# BEGIN SOLUTION
team_levels = {"Atlas": 0, "Borealis": 1, "Cirrus": 2}
# END SOLUTION

# %% mlopslab={"check": "01.team_levels"}
check("01.team_levels", team_levels)

# %% mlopslab={"wrong": "01.team_levels"}
team_levels = {"Atlas": 1, "Borealis": 2, "Cirrus": 2}

# %% [markdown]
# ## Recap
# * **MLOps** brings data and models under the discipline DevOps brought to code; its five key features are model
#   development, monitoring, productionalization and deployment, iteration and lifecycle, and governance.
# * The enterprise ML lifecycle is **CRISP-DM with DevOps laid over it**; this course walks its six stages.
# * A notebook can train a good model but cannot answer *which data, which parameters, which code, who approved, how is
#   it doing today*. A few lines of **MLflow tracking** can, from a record anyone can query.
# * **Maturity** grows from manual (level 0) to automated training (1) to automated CI/CD, monitoring and governance (2).
#
# ### In the real world
# * [ml-ops.org](https://ml-ops.org/) collects the principles (versioning, testing, automation, reproducibility).
# * Google Cloud's *MLOps: continuous delivery and automation pipelines in machine learning* defines levels 0–2;
#   Microsoft's *Machine Learning operations maturity model* (Azure Architecture Center) defines levels 0–4.
# * Regulation is catching up: the EU AI Act asks providers of high-risk AI systems for logging, documentation and human
#   oversight — the record you built in section 4, at company scale.
# * Tracking servers (MLflow, Weights & Biases, Vertex AI Experiments, Azure ML) are usually shared by a whole team;
#   `MLFLOW_TRACKING_URI` points this course at one.
#
# **Next:** lab 02 meets the people — the five personas, how they work together in Scrum sprints, and who is
# accountable for what.
