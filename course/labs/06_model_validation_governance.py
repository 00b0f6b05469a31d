# %% [markdown]
# # Lab 06 — Model validation and governance
#
# **Stage:** model validation and governance · **Personas:** Data Scientist (leads), Data Engineer
#
# Sprint 4 at TelcoNova. Lab 05 left the team with a gradient-boosting candidate that beats the baseline in
# cross-validation. Before it may decide who receives a retention offer, it has to pass **validation** (does it work on
# data it has never seen, and is it worth the money?) and **governance** (who checked it, who approved it, and can we
# prove all of that later?). The **Data Scientist** owns the evidence; the **Data Engineer** owns the automation: the
# gate runs as code and the registry records every decision.
#
# ### Learning objectives
# By the end of this lab you can:
# 1. evaluate a model on **hold-out months** it never saw, and read a **reliability (calibration) curve**;
# 2. choose the **decision threshold** from the campaign's costs and gains instead of the default 0.5;
# 3. write an **automated validation gate** that returns a decision *and its reasons*;
# 4. use the **MLflow model registry**: register versions, move the `challenger` and `champion` aliases, record
#    approvals as tags, promote only what passed;
# 5. write a **model card** and log it with the model;
# 6. answer an **audit question** ("which data, which code, who approved, which version serves?") from the registry.
#
# ### Why this matters to the business
# Every customer the model flags costs a €25 offer. A model that looks good in the lab but ranks poorly next quarter
# burns the campaign budget; a model nobody can trace is a compliance risk (banks call this *model risk management*;
# the EU AI Act asks for technical documentation and human oversight). Validation and governance turn "the notebook
# said so" into evidence that a reviewer, an auditor or next year's team can check.

# %% id="cell-01"
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from IPython.display import Markdown, display
from sklearn.calibration import calibration_curve
from sklearn.metrics import brier_score_loss, roc_auc_score

from mlopslab import config, data, development, preparation, registry, validation
from mlopslab.exercises import check

config.quiet()
config.setup_tracking()
pd.set_option("display.width", 120)

customers = data.load_customers()
train, holdout = preparation.time_split(customers, test_months=3)
print(f"training months {train['month'].min()} to {train['month'].max()}: {len(train):,} customers")
print(f"hold-out months {holdout['month'].min()} to {holdout['month'].max()}: {len(holdout):,} customers")

# %% [markdown]
# ## 1. Hold-out evaluation: data the model has never seen
#
# Cross-validation in lab 05 chose the model family. Validation now asks a stricter question: trained on January to
# September, how well does the model rank the customers of **October to December**? The split is by time, as in
# production, where the model always scores customers from *after* its training data.
#
# We train the candidate (the course's reference gradient-boosting pipeline) and compare its AUC on the training months
# with the hold-out months, month by month. A large drop would mean the model memorised its training data; a
# month-to-month wobble shows how much a single month's number can be trusted.

# %% id="cell-03"
candidate, train, holdout = registry.train_reference_model()
X_train, y_train = preparation.split_xy(train)
X_hold, y_hold = preparation.split_xy(holdout)
scores = validation.churn_scores(candidate, X_hold)

rows = {"training months (in-sample)": roc_auc_score(y_train, validation.churn_scores(candidate, X_train)),
        "hold-out months, all": roc_auc_score(y_hold, scores)}
for month in sorted(holdout["month"].unique()):
    in_month = (holdout["month"] == month).to_numpy()
    rows[f"hold-out {month}"] = roc_auc_score(y_hold[in_month], scores[in_month])
pd.Series(rows, name="AUC").round(3).to_frame()

# %% [markdown]
# The model ranks in-sample customers better than new ones (it has seen their answers), and the hold-out AUC of about
# 0.79 is the honest figure to report. Single months vary by a few points: one month of data is a small sample.
#
# ## 2. Calibration: does a score of 30 % mean 30 %?
#
# AUC only measures *ranking*. The Business Analyst also reads the scores as probabilities: "this segment has a 30 %
# churn risk", "we expect 400 churners next month". That reading is only valid if the model is **calibrated**. A
# **reliability curve** sorts customers into ten equal-sized bins by score and compares each bin's mean score with the
# share that actually churned. A calibrated model lies on the diagonal. The **Brier score** (mean squared error of the
# probabilities; lower is better) sums it up.

# %% id="cell-05"
observed, predicted = calibration_curve(y_hold, scores, n_bins=10, strategy="quantile")
fig, ax = plt.subplots(figsize=(5, 4.5))
ax.plot([0, 1], [0, 1], ls="--", color="grey", label="perfectly calibrated")
ax.plot(predicted, observed, marker="o", color="#1f77b4", label="candidate (hold-out months)")
ax.set_xlabel("mean predicted churn probability (per bin)")
ax.set_ylabel("observed churn rate (per bin)")
ax.set_title("Reliability curve (ten bins of about 170 customers)")
ax.legend(loc="upper left")
plt.tight_layout()
plt.show()

print(f"Brier score {brier_score_loss(y_hold, scores):.3f} (always predicting the churn rate: "
      f"{brier_score_loss(y_hold, np.full(len(y_hold), y_train.mean())):.3f})")
print(f"expected churners (sum of scores) {scores.sum():.0f}, actual churners {y_hold.sum()}")

# %% [markdown]
# Up to scores of about 0.4 the points follow the diagonal. The two highest bins lie below it: customers scored 55 %
# or 70 % churned at about 48 % and 61 %, so the model is **over-confident at the top**, a common trait of boosted
# trees. In total the errors cancel (expected and actual churners nearly match), so campaign-level planning is fine,
# but a retention agent should not read a 70 % score as "seven in ten". If the gap mattered, the team would
# recalibrate (`sklearn.calibration.CalibratedClassifierCV`) before anyone relies on individual probabilities.
#
# ## 3. The decision threshold: set by the business, not by default
#
# The model gives a probability; the campaign needs a yes/no per customer: *contact if score ≥ threshold*. The default
# 0.5 ignores the economics. Lab 05's cost matrix says what each decision is worth per customer:

# %% id="cell-07"
economics = development.Economics()
economics.cost_matrix()

# %% [markdown]
# Contacting a customer who would stay wastes €25; contacting a churner keeps them with probability 35 % and earns
# 0.35 × €300 − €25 = €80. Because a saved churner is worth far more than a wasted offer costs, the best threshold is
# well below 0.5. `development.profit_curve` evaluates the campaign's profit at every threshold from 0 to 1:

# %% id="cell-09"
curve = development.profit_curve(y_hold, scores, economics)
threshold, best_profit = development.best_threshold(y_hold, scores, economics)
at_half = curve.set_index("threshold").loc[0.5]

fig, ax = plt.subplots(figsize=(7, 4))
ax.plot(curve["threshold"], curve["profit"] / 1000, color="#2ca02c")
ax.axvline(threshold, color="#2ca02c", ls="--", label=f"best threshold {threshold:.2f}: €{best_profit:,.0f}")
ax.axvline(0.5, color="grey", ls=":", label=f"default 0.50: €{at_half['profit']:,.0f}")
ax.axhline(0, color="black", lw=0.8)
ax.set_xlabel("threshold (contact customers with churn score ≥ threshold)")
ax.set_ylabel("campaign profit on the hold-out (k€)")
ax.set_title("Expected profit of the retention campaign by threshold")
ax.legend()
plt.tight_layout()
plt.show()

pd.DataFrame({"threshold": [0.5, threshold],
              "share contacted": [at_half["contacted_share"], (scores >= threshold).mean()],
              "profit (€)": [at_half["profit"], best_profit]}, index=["default", "profit-optimal"]).round(3)

# %% [markdown]
# Moving the threshold from 0.50 to the profit-optimal value contacts more than twice as many customers and earns
# about €4,000 more on the same model. The top of the curve is flat: thresholds between about 0.15 and 0.35 earn
# nearly the same, so the exact value matters less than not using 0.5. Note the honest caveat: we chose the threshold on the same hold-out we report it on,
# which flatters it slightly. A stricter team picks the threshold on a validation period and confirms it on a later one.
#
# ## 4. An automated validation gate
#
# A gate turns the team's validation policy into code that answers *pass* or *fail* the same way every time, for
# every candidate, with reasons. TelcoNova's governance board agreed on three rules (`validation.Policy`):
#
# | rule | the board's question | limit |
# | --- | --- | --- |
# | `auc` | does it rank customers well on unseen months? | AUC ≥ 0.75 |
# | `uplift` | is it worth more than no model at all? | profit ≥ €2 per customer above the best *no-model* policy (contact everybody or nobody) |
# | `fairness` | does the campaign reach churners equally in every group? | largest gap in **recall** (share of churners contacted) between the groups of `SeniorCitizen` and of `gender` ≤ 0.10 |
#
# `validation.gate(model, holdout)` measures the evidence and applies the rules. It returns a decision with `.passed`,
# `.reasons` (one sentence per rule) and `.failed` (the rule names). Labs 10 and 11 reuse it to guard every retrained
# model.

# %% id="cell-11"
policy = validation.Policy()
decision = validation.gate(candidate, holdout, policy)
print(decision)
print()
print("evidence:", {"threshold": decision.evidence.threshold, "profit (€)": decision.evidence.profit,
                    "no-model profit (€)": decision.evidence.baseline_profit,
                    "recall gaps": decision.evidence.fairness_gaps})


# %% [markdown]
# ### Exercise 06.1 — implement the gate decision
# The heart of `validation.gate` is a small function that applies the policy to the evidence. Write it yourself.
# `evidence` has the attributes `auc`, `uplift_per_customer` and `fairness_gap` (the largest gap over the sensitive
# features); `policy` has `min_auc`, `min_uplift_per_customer` and `max_fairness_gap`. Return a pair
# `(passed, failed_rules)`: `passed` is `True` only if every rule holds, and `failed_rules` lists the names `"auc"`,
# `"uplift"`, `"fairness"` of the rules that do not. A value **exactly at a limit passes**. The check runs your function
# on seven candidates, some built to fail.

# %% mlopslab={"exercise": "06.gate_decision"}
# BEGIN STUB
# def gate_decision(evidence, policy):
#     ...  # return (passed, failed_rules)
# END STUB
# BEGIN SOLUTION
def gate_decision(evidence, policy):
    failed = []
    if evidence.auc < policy.min_auc:
        failed.append("auc")
    if evidence.uplift_per_customer < policy.min_uplift_per_customer:
        failed.append("uplift")
    if evidence.fairness_gap > policy.max_fairness_gap:
        failed.append("fairness")
    return not failed, failed
# END SOLUTION


# %% mlopslab={"check": "06.gate_decision"}
check("06.gate_decision", gate_decision)


# %% mlopslab={"wrong": "06.gate_decision"}
def gate_decision(evidence, policy):
    failed = []
    if not evidence.auc > policy.min_auc:
        failed.append("auc")
    if not evidence.uplift_per_customer > policy.min_uplift_per_customer:
        failed.append("uplift")
    if not evidence.fairness_gap < policy.max_fairness_gap:
        failed.append("fairness")
    return not failed, failed


# %% [markdown]
# ## 5. The model registry: challenger, gate, approval, champion
#
# The **MLflow model registry** keeps every registered version of the model `churn` with its lineage (the run that
# produced it) and lets the team point **aliases** at versions. MLflow 3 replaced the old "Staging/Production" stages
# with aliases; this course uses two:
#
# * `challenger` — the candidate under review;
# * `champion` — the version production serves (lab 08 loads `models:/churn@champion`).
#
# The promotion protocol, run by the Data Engineer's code, is: log the run with its lineage → register the version and
# point `challenger` at it → run the gate and write its verdict on the version as tags → **a human approves** (who, why,
# when, as tags) → only then move `champion`. `validation.approve` refuses a version whose gate did not pass, and
# `validation.promote` refuses a version without an approval.
#
# First the lineage we record with every run: the data version (the SHA-256 of the training file), and the code (the
# package version and the git commit of the course repository, in MLflow's standard tag `mlflow.source.git.commit`).

# %% id="cell-16"
from importlib.metadata import version as package_version

APPROVER = "data.scientist@telconova.example"
data_version = data.sha256_file(config.data_dir() / "customers.csv")
lineage = {"code.package": f"mlopslab {package_version('mlopslab')}",
           "code.entry_point": "labs/06_model_validation_governance.ipynb",
           "mlflow.source.git.commit": validation.code_version()}
print("data version:", data_version[:16], "...")
print("code:", lineage["code.package"], "+ the git commit of the course repository")

# %% [markdown]
# Now the candidate goes through the protocol. Each step is one line of code, so the same steps can run in a CI
# pipeline without anyone at a keyboard (lab 10).

# %% id="cell-18"
run_id = development.log_run(candidate, "gbm-candidate", train, holdout, data_version, tags=lineage)
version = registry.register(run_id, alias="challenger", tags={"candidate": "gradient boosting"})
print(f"registered churn version {version} and pointed 'challenger' at it")

decision = validation.gate(candidate, holdout, policy)
validation.record_gate(version, decision)
print("gate:", "passed" if decision.passed else f"failed on {decision.failed}")

if decision.passed:
    validation.approve(version, approver=APPROVER,
                       reason="passes the gate on Oct-Dec 2025; threshold set by campaign profit; card reviewed")
    promoted = validation.promote(version, decision)
    print(f"approved by {APPROVER}; champion is now version {registry.alias_version('champion')}")

# %% [markdown]
# ### A broken candidate meets the gate
# In the same sprint a refactoring of the data pipeline went wrong: a join shifted the churn labels by one row, so
# every customer carries the label of the customer before them. Nothing crashes: the model trains and produces scores
# that look like probabilities. Only validation can tell. Watch the protocol stop it.

# %% id="cell-20"
shifted = train.assign(Churn=train["Churn"].shift(1, fill_value="No"))  # the bug: labels off by one row
broken = development.fit_candidate(development.candidate_models()["logistic_regression"], shifted)

broken_run = development.log_run(broken, "lr-candidate-after-refactoring", shifted, holdout, data_version, tags=lineage)
broken_version = registry.register(broken_run, alias="challenger", tags={"candidate": "logistic regression"})
broken_decision = validation.gate(broken, holdout, policy)
validation.record_gate(broken_version, broken_decision)
print(broken_decision)
print("promoted:", validation.promote(broken_version, broken_decision))

# %% [markdown]
# The gate blocked it, with reasons anyone can read: an AUC below a coin toss and no profit beyond contacting everyone.
# The `champion` alias did not move, so production never saw the broken model. Here is the registry as a reviewer
# sees it (also in the MLflow UI: `mlflow ui --backend-store-uri sqlite:///.mlflow/mlflow.db`, *Models → churn*):

# %% id="cell-22"
validation.versions_table()

# %% [markdown]
# ## 6. A model card
#
# A **model card** (Mitchell et al., 2019, *Model Cards for Model Reporting*) is a short document that travels with a
# model: what it is for and not for, what data it learned from, how well it works overall **and for each group**, its
# limitations and ethical considerations. The metrics by group come straight from the hold-out:

# %% id="cell-24"
threshold = decision.evidence.threshold
by_group = pd.concat({feature: validation.metrics_by_group(y_hold, scores, threshold, X_hold[feature])
                      for feature in ["SeniorCitizen", "gender"]}, names=["feature", "group"])
by_group

# %% [markdown]
# Seniors and women are contacted more often, in line with their higher *recorded* churn rates; recall is similar across
# groups, which is what the gate's fairness rule measures. Keep the seniors' 37 % recorded churn rate in mind: lab 07
# asks whether those labels can be trusted.
#
# ### Exercise 06.2 — the *intended use* section
# The App Developer collected uses that colleagues proposed for the model. A model card must say which uses the model
# was built and validated for (**in scope**) and which it must not be used for (**out of scope**):
#
# 1. choose which customers receive this month's €25 retention offer
# 2. refuse a contract upgrade to customers with a high churn score
# 3. estimate how many churners the campaign will reach and its expected profit
# 4. set each customer's monthly price from their churn score
# 5. show a retention agent the main reasons behind a customer's score before a call
# 6. score the company's business (B2B) accounts
# 7. sell churn scores to a partner company for its marketing
#
# Sort all seven by their numbers.

# %% mlopslab={"exercise": "06.intended_use"}
# BEGIN STUB
# intended_use = {
#     "in_scope": [...],      # e.g. [1, ...]
#     "out_of_scope": [...],
# }
# END STUB
# BEGIN SOLUTION
intended_use = {
    "in_scope": [1, 3, 5],
    "out_of_scope": [2, 4, 6, 7],
}
# END SOLUTION

# %% mlopslab={"check": "06.intended_use"}
check("06.intended_use", intended_use)

# %% mlopslab={"wrong": "06.intended_use"}
intended_use = {
    "in_scope": [1, 2, 3, 4, 5],
    "out_of_scope": [6, 7],
}

# %% [markdown]
# The card itself is assembled from the evidence the lab computed (never typed in by hand, so it cannot drift from the
# model) and logged as `model_card.md` in the run's artifacts; the version's description in the registry repeats the
# intended use.

# %% id="cell-29"
card = validation.model_card({
    "Model details": f"Gradient-boosting classifier in a scikit-learn pipeline; registered as churn version {version}. "
                     f"Owner: the TelcoNova analytics team (Data Scientist). Approved by {APPROVER}.",
    "Intended use": "Rank consumer customers each month by their risk of churning next month, to choose who receives "
                    "the €25 retention offer (contact if score ≥ " + f"{threshold:.2f}" + "), to plan the campaign, and "
                    "to explain a score to a retention agent. Not for pricing, refusing service, B2B accounts or any "
                    "use outside TelcoNova.",
    "Training data": f"{len(train):,} customers observed January-September 2025 (customers.csv, data version "
                     f"{data_version[:12]}); see the datasheet data/README.md.",
    "Evaluation data": f"{len(holdout):,} customers observed October-December 2025, never used for training.",
    "Metrics": f"AUC {decision.evidence.auc:.3f}; campaign profit €{decision.evidence.profit:,.0f} at threshold "
               f"{threshold:.2f} vs €{decision.evidence.baseline_profit:,.0f} without a model. Calibrated up to scores of "
               "about 0.4; over-confident above (a 70 % score means about 60 %).",
    "Metrics by group": validation.markdown_table(by_group),
    "Limitations": "Trained on 2025 behaviour: price changes or competitor offers will shift it (monitor, lab 09). "
                   "The threshold was chosen on the evaluation months. Scores are probabilities for groups of "
                   "customers, not certainties about one person.",
    "Ethical considerations": "Uses gender and age (SeniorCitizen) as inputs. The historical labels may carry a "
                              "legacy process's bias (see the datasheet); the trustworthy-AI review (lab 07) must "
                              "check it before the next release.",
})
validation.log_model_card(run_id, card, version=version)
display(Markdown(card))

# %% [markdown]
# ## 7. The audit trail
#
# Months later an auditor (or a customer complaint) asks: **which model decided, trained on which data, with which
# code, and who approved it?** Without MLOps, lab 01 showed, nobody could answer. Now the registry and the tracking
# store answer it in one query: follow the alias to the version, the version to its run, and read the tags.
# `validation.audit_trail` does exactly that (we leave out the run id, the commit and the time stamp here because they
# change on every run of the lab; they are in the returned dict and in the MLflow UI).

# %% id="cell-31"
trail = validation.audit_trail("champion")
for question, answer in trail.items():
    if question not in ("run_id", "git_commit", "approved_at"):
        print(f"{question:>16}: {answer}")

# %% [markdown]
# ### Exercise 06.3 — answer an audit question from the registry
# The auditor's second question: **"What is under review right now, and why was it not promoted?"** Answer it from
# the registry with an `MlflowClient` (`registry.client()` gives one on the course store): read the version behind the
# alias `challenger`, its tag `gate`, and from its tag `gate.reasons` the names of the rules that failed.

# %% mlopslab={"exercise": "06.audit_answer"}
# BEGIN STUB
# client = registry.client()
# # mv = client.get_model_version_by_alias("churn", "challenger");  mv.version, mv.tags[...]
# audit_answer = {
#     "version": ...,        # the version number behind churn@challenger
#     "gate": ...,           # its gate verdict: "passed" or "failed"
#     "failed_rules": [...], # the rules that failed, e.g. ["auc"]
# }
# END STUB
# BEGIN SOLUTION
client = registry.client()
mv = client.get_model_version_by_alias("churn", "challenger")
audit_answer = {
    "version": mv.version,
    "gate": mv.tags["gate"],
    "failed_rules": [rule for rule in ("auc", "uplift", "fairness") if f"FAIL [{rule}]" in mv.tags["gate.reasons"]],
}
# END SOLUTION

# %% mlopslab={"check": "06.audit_answer"}
check("06.audit_answer", audit_answer)

# %% mlopslab={"wrong": "06.audit_answer"}
client = registry.client()
mv = client.get_model_version_by_alias("churn", "champion")
audit_answer = {"version": mv.version, "gate": mv.tags["gate"], "failed_rules": []}

# %% [markdown]
# ## Recap
# * Validate on **later months** than you train on; report the hold-out number, not the in-sample one.
# * A **reliability curve** tells whether scores can be read as probabilities (for budgets and forecasts).
# * The **threshold** is a business decision: pick it from the costs and gains of the campaign.
# * An **automated gate** applies the same policy to every candidate and always says *why*; it caught a silent bug.
# * The **registry** records versions, aliases (`challenger`, `champion`), the gate's verdict and the **human approval**;
#   `champion` moves only when both say yes.
# * A **model card** and an **audit trail** make the model explainable to reviewers and auditors long after the sprint.
#
# ### In the real world
# * Registries: MLflow (open source, and in Databricks Unity Catalog), Amazon SageMaker Model Registry (with an
#   approval status per version), Azure ML, Vertex AI Model Registry. Aliases or tags drive deployment pipelines.
# * Gates run in CI/CD: a pull request or a retraining job must pass them before deployment (lab 10). Libraries such
#   as Deepchecks or Evidently provide ready-made validation suites.
# * Model risk management in banking (the US Fed's SR 11-7) and the EU AI Act's documentation duties for high-risk
#   systems formalise independent validation, approval and record keeping.
# * Model cards: Mitchell et al. (2019); Hugging Face model cards and Google's Model Card Toolkit are widely used forms.
#
# **Next:** lab 07 reviews the champion as a **trustworthy AI** reviewer would: explanations, fairness, and the
# labels the model learned from.
