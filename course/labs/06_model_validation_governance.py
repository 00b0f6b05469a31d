# %% [markdown]
# # Lab 06 — Model validation and governance
#
# **Stage:** model validation and governance · **Personas:** Data Scientist (leads), Data Engineer; the Business
# Analyst approves · **Time:** about 90 minutes
#
# The validation stories of lab 02's backlog (S13 and S14) at TelcoNova. Lab 05's decision rule chose the **logistic
# regression**: it earned most on the validation months, though the test months could not tell it from the gradient
# boosting. Before the chosen candidate may decide who receives a retention offer, it has to pass **validation** (does
# it work on months it has never seen, and is it worth the money?) and **governance** (who checked it, who approved
# it, and can we prove all of that later?). The **Data Scientist** owns the evidence; the **Data Engineer** owns the
# automation: the gate runs as code and the registry records every decision; the **Business Analyst** approves,
# because nobody approves their own model.
#
# ### Learning objectives
# By the end of this lab you can:
# 1. read a model's quality on **months it never saw** (validation and hold-out months, never in-sample), and read a
#    **reliability (calibration) curve**;
# 2. explain why the **decision threshold** comes from the campaign's costs and gains, chosen on validation months and
#    only confirmed on the test;
# 3. write an **automated validation gate** that applies the governed policy (`mlopslab.policy`) and says why;
# 4. use the **MLflow model registry** with its own calls: register a version, move the `challenger` alias, record
#    the gate's verdict and the threshold as tags;
# 5. write a **promotion step** that refuses unless the gate passed and someone other than the author approved the
#    model after its **model card** existed;
# 6. answer an **audit question** ("which version, which data, who built it, who approved it?") from the registry.
#
# ### Why this matters to the business
# Every customer the model flags costs a retention offer. A model that looks good in the lab but ranks poorly next
# quarter burns the campaign budget; a model nobody can trace is a compliance risk (banks call this *model risk
# management*; the EU AI Act asks for technical documentation and human oversight). Validation and governance turn
# "the notebook said so" into evidence that a reviewer, an auditor or next year's team can check.

# %% id="cell-01"
import json

import matplotlib.pyplot as plt
import mlflow
import numpy as np
import pandas as pd
from IPython.display import Markdown, display
from mlopslab import config, data, development, lineage, policy, preparation, registry, validation
from mlopslab.exercises import check
from sklearn.calibration import calibration_curve
from sklearn.metrics import brier_score_loss, roc_auc_score

config.quiet()
config.setup_tracking()
pd.set_option("display.width", 120)

MODEL = config.MODEL_NAME          # the registered model's name: "churn"
client = registry.client()          # an mlflow.MlflowClient on the course's tracking store
customers = data.load_customers()
prepared = preparation.prepare(customers, seed=config.SEED)  # lab 04's preparation: the data lab 05 trained on
train, holdout = prepared.train, prepared.test
print(f"prepared data version {lineage.short(prepared.version)} (lab 04's record, lab 05's runs)")
print(f"training months {train['month'].min()} to {train['month'].max()}: {len(train):,} customers")
print(f"hold-out months {holdout['month'].min()} to {holdout['month'].max()}: {len(holdout):,} customers")

# %% [markdown]
# Lab 05 ended with a decision, recorded where the team looks for it: the chosen run carries the tag `decision`. The
# candidate this lab validates is the family lab 05's rule chooses on this data, `registry.REFERENCE_FAMILY` (a unit
# test of the course re-applies lab 05's rule to the data and fails if the choice changes). If this store holds lab
# 05's runs, the cell below reads the decision back and compares:

# %% id="handoff"
family = registry.REFERENCE_FAMILY   # a key of development.candidate_models()
decided = mlflow.search_runs(experiment_names=[config.EXPERIMENT], order_by=["attributes.start_time DESC"],
                             filter_string=f"tags.lab = '05' AND tags.decision LIKE 'candidate for validation%' "
                                           f"AND tags.{lineage.TAG} = '{prepared.version}'",
                             max_results=1, output_format="list")
if not decided:
    print("this store holds no decision of lab 05 on this data (run lab 05 and this cell again to compare)")
elif decided[0].info.run_name == family:
    print(f"lab 05's decision in this store: {decided[0].info.run_name}, the candidate this lab validates")
else:
    print(f"lab 05's decision in this store is {decided[0].info.run_name} (other economics?); this lab validates the "
          f"governed choice, {family}")
print(f"candidate: {family}, in lab 04's preprocessing pipeline:", development.candidate_models()[family])

# %% [markdown]
# ## 1. Validation on months the model never saw
#
# Lab 05 chose the model family by its profit on the validation months. Validation now asks the question production will ask: trained
# on the past, how well does the model rank **later** customers? Two kinds of later months answer it:
#
# * **validation months** (July, August, September): each is scored by a model fitted only on the months before it
#   (*forward chaining*, as in lab 05). The team may look at these as often as it likes, for example to set the
#   threshold in section 3;
# * **hold-out months** (October to December): scored by the candidate fitted on January to September. They are the
#   test: looked at once, at the end, and reported.
#
# The loop below is forward chaining written out: `development.month_folds` gives, for each validation month, the rows
# to fit on and the rows to score, as positions (lab 05's own `month_folds` gave the frames themselves). The package
# keeps the same loop as `validation.out_of_time_scores` for later labs.

# %% id="validation-months"
def fit_chosen(frame):
    """Lab 05's candidate: the chosen family in lab 04's preprocessing pipeline, fitted on ``frame``."""
    return development.fit_candidate(development.candidate_models()[family], frame)


candidate = fit_chosen(train)                    # fitted on January to September
X_train, y_train = preparation.split_xy(train)
X_hold, y_hold = preparation.split_xy(holdout)
scores = validation.churn_scores(candidate, X_hold)

parts = []
for fit_rows, val_rows in development.month_folds(train, n_folds=policy.THRESHOLD.validation_months):
    fold_model = fit_chosen(train.iloc[fit_rows])                 # only the months before the validation month
    X_val, y_val = preparation.split_xy(train.iloc[val_rows])
    parts.append(pd.DataFrame({"month": train["month"].iloc[val_rows].to_numpy(), "y": y_val.to_numpy(),
                               "score": validation.churn_scores(fold_model, X_val)}))
validated = pd.concat(parts, ignore_index=True)

rows = [("validation", month, roc_auc_score(g["y"], g["score"])) for month, g in validated.groupby("month")]
monthly = [auc for _, _, auc in rows]   # the single validation months' AUCs
rows.append(("validation", "all three", roc_auc_score(validated["y"], validated["score"])))
for month in sorted(holdout["month"].unique()):
    in_month = (holdout["month"] == month).to_numpy()
    rows.append(("hold-out (test)", month, roc_auc_score(y_hold[in_month], scores[in_month])))
holdout_auc = roc_auc_score(y_hold, scores)
in_sample_auc = roc_auc_score(y_train, validation.churn_scores(candidate, X_train))
rows.append(("hold-out (test)", "all three", holdout_auc))
rows.append(("training months, in-sample", "Jan-Sep", in_sample_auc))
gap = in_sample_auc - holdout_auc
print(f"-> the hold-out AUC is {'within' if min(monthly) <= holdout_auc <= max(monthly) else 'outside'} the single "
      f"validation months' range; in-sample minus hold-out: {gap:+.3f}, {'small' if abs(gap) < 0.03 else 'not small'}")
pd.DataFrame(rows, columns=["months", "which", "AUC"]).round(3)

# %% [markdown]
# Compare like with like. The validation months and the hold-out months are both *later* than the data the model
# learned from, so their AUCs measure the same thing. Single months are small (a few hundred customers each), so
# their AUCs wobble; the line above the table says whether the hold-out figure lies within the range of the single
# validation months. If it does, that agreement is the evidence that the hold-out figure is the model's real level,
# not luck; if it does not, find out why (a change in the customers, lab 09) before quoting either. The last row is
# what a careless report would quote: the model scored on the customers it learned from, compared with the hold-out
# in the line's second figure. For a logistic regression, with one weight per input column, the difference is
# usually small (the line says whether it is here) and can even come out below zero when the later months happen to
# be easier to rank; a flexible model such as lab 05's gradient boosting, which can memorise its training customers,
# can look much better there than it is.
# Either way, never report an in-sample figure as the model's quality.
#
# ## 2. Calibration: does a score of 30 % mean 30 %?
#
# AUC only measures *ranking*. The Business Analyst also reads the scores as probabilities: "this segment has a 30 %
# churn risk", "we expect 400 churners next month". That reading is only valid if the model is **calibrated**. A
# **reliability curve** sorts customers into ten equal-sized bins by score and compares each bin's mean score with the
# share that actually churned. A calibrated model lies on the diagonal. The **Brier score** (mean squared error of the
# probabilities; lower is better) sums it up. For comparison the plot also shows lab 05's runner-up, fitted on the
# same months.

# %% id="calibration"
runner_up = next(name for name in ("logistic_regression", "gradient_boosting") if name != family)
other = development.fit_candidate(development.candidate_models()[runner_up], train)
other_scores = validation.churn_scores(other, X_hold)

observed, predicted = calibration_curve(y_hold, scores, n_bins=10, strategy="quantile")
other_observed, other_predicted = calibration_curve(y_hold, other_scores, n_bins=10, strategy="quantile")
fig, ax = plt.subplots(figsize=(5.2, 4.6))
ax.plot([0, 1], [0, 1], ls="--", color="grey", label="perfectly calibrated")
ax.plot(predicted, observed, marker="o", color="#1f77b4", label=f"candidate: {family}")
ax.plot(other_predicted, other_observed, marker="s", color="#ff7f0e", alpha=0.7, label=f"runner-up: {runner_up}")
ax.set_xlabel("mean predicted churn probability (per bin)")
ax.set_ylabel("observed churn rate (per bin)")
ax.set_title("Reliability curves on the hold-out months (ten bins of equal size)", fontsize=10)
ax.legend(loc="upper left", fontsize=8)
plt.tight_layout()
plt.show()

per_bin = len(y_hold) / len(observed)   # customers per bin
bins = pd.DataFrame({"mean score": predicted, "observed churn": observed, "observed - score": observed - predicted,
                     "chance ± (2 s.e.)": 2 * np.sqrt(observed * (1 - observed) / per_bin),
                     "runner-up observed - score": other_observed - other_predicted},
                    index=pd.RangeIndex(1, len(observed) + 1, name="bin"))
miss, chance = bins["observed - score"], bins["chance ± (2 s.e.)"]
within = int((miss.abs() <= chance).sum())   # bins that miss by less than chance
worst = miss.abs().idxmax()                  # the bin with the largest miss


def reading(k):
    """Bin k's calibration in words: which way its scores miss the outcomes, and whether beyond chance."""
    return (f"bin {k} of {len(bins)} (scores {'overstate' if miss[k] < 0 else 'understate'} its churn by "
            f"{abs(miss[k]):.3f}, {'beyond' if abs(miss[k]) > chance[k] else 'within'} chance)")


constant = np.full(len(y_hold), y_train.mean())
print(f"Brier score: candidate {brier_score_loss(y_hold, scores):.3f}, runner-up {brier_score_loss(y_hold, other_scores):.3f}, "
      f"always the training churn rate {brier_score_loss(y_hold, constant):.3f}")
print(f"expected churners (sum of the candidate's scores) {scores.sum():.0f}, recorded churners {y_hold.sum()}")
print(f"-> {within} of {len(bins)} bins within chance; the largest miss: {reading(worst)}")
top_bin = "the same bin" if worst == len(bins) else reading(len(bins))
print(f"-> the top bin: {top_bin}; the runner-up's top bin: observed - score "
      f"{bins['runner-up observed - score'].iloc[-1]:+.3f}")
bins.round(3)

# %% [markdown]
# Read the table with the plot. In total the candidate's scores are close to the outcomes (expected and recorded
# churners nearly agree), so campaign-level planning is fine. Bin by bin, compare each bin's miss (`observed - score`)
# with the chance wobble of a bin of this size (`chance ±`): a miss within it could be luck, a miss beyond it is
# unlikely to be. The two lines starting with `->` read the table for you: how many bins lie within chance, which bin
# misses most and which way, and the same for the **top bin**, the customers a retention campaign contacts first. Where
# a bin's scores overstate its churn beyond chance, a retention agent should read those scores as "high risk", not as
# literal probabilities; a miss within chance is no reason to distrust them.
#
# The runner-up's misses are the last column. Where they run positive at low and middle scores and negative at the
# top, its scores spread wider than the outcomes: **over-confidence**, the typical sign of a flexible model that fitted
# its training months closely; compare its Brier score with the candidate's in the first line. A logistic regression
# is usually better calibrated: it is fitted by making the recorded outcomes as likely as possible with one weight per
# input, which pulls its scores towards the observed rates and leaves it little room to memorise.
# (Calibrated to *recorded* churn, that is: lab 07 asks whether those labels are right.) If individual probabilities
# at the top mattered, the team would recalibrate on the validation months
# (`sklearn.calibration.CalibratedClassifierCV`).
#
# ## 3. The decision threshold: set by the business, on validation months
#
# The model gives a probability; the campaign needs a yes/no per customer: *contact if score ≥ threshold*. The default
# `0.5` ignores the economics. Lab 05's cost matrix (the governed `policy.ECONOMICS`) says what each decision is worth:

# %% id="cell-07"
policy.ECONOMICS.cost_matrix()

# %% [markdown]
# Contacting a customer who would stay wastes the offer; contacting a churner keeps them with the save rate and earns
# the customer's value minus the offer. Because a saved churner is worth far more than a wasted offer costs, the best
# threshold is well below `0.5`.
#
# The governed rule (`policy.THRESHOLD`) picks the threshold with the highest campaign profit **on the validation
# months**, never on the hold-out: a threshold tuned on the test would flatter the test. The hold-out then only
# *confirms* it.

# %% id="threshold"
print("rule:", policy.THRESHOLD.method)
val_curve = development.profit_curve(validated["y"], validated["score"])
threshold, _ = development.best_threshold(validated["y"], validated["score"])

fig, ax = plt.subplots(figsize=(7, 4))
ax.plot(val_curve["threshold"], val_curve["profit"] / 1000, color="#2ca02c", label="validation months")
hold_curve = development.profit_curve(y_hold, scores)
ax.plot(hold_curve["threshold"], hold_curve["profit"] / 1000, color="#1f77b4", ls="--",
        label="hold-out months (looked at afterwards)")
ax.axvline(threshold, color="#2ca02c", ls=":", label=f"governed threshold {threshold:.2f}")
ax.axvline(0.5, color="grey", ls=":", label="default 0.50")
ax.axhline(0, color="black", lw=0.8)
ax.set_xlabel("threshold (contact customers with churn score ≥ threshold)")
ax.set_ylabel("campaign profit (k€)")
ax.set_title("Campaign profit by threshold")
ax.legend(loc="upper right")
plt.tight_layout()
plt.show()

hindsight, _ = development.best_threshold(y_hold, scores)
pd.DataFrame({"threshold": [0.5, threshold, hindsight],
              "share contacted": [(scores >= t).mean() for t in (0.5, threshold, hindsight)],
              "hold-out profit (€)": [development.expected_profit(y_hold, scores, t) for t in (0.5, threshold, hindsight)]},
             index=["default", "governed (chosen on validation months)", "best on the hold-out (hindsight)"]).round(3)

# %% [markdown]
# The governed threshold contacts far more customers than `0.5` and earns much more on the hold-out. The hindsight row
# shows what peeking would have "gained": a little more, far less than the default gives away, and nothing anyone
# could have had, since nobody knows next month's labels when the campaign is set up. Both curves have a broad top, so
# the exact value matters less than not using `0.5` and not choosing it on the test. (It is the threshold lab 05 chose
# for this candidate on the same validation months: the rule is the same governed one.) The threshold is part of the model's release: section 5 records
# it on the model version (tag `gate.threshold`, `policy.THRESHOLD.tag`), where lab 08's scoring job and the agents'
# screen read it.
#
# ## 4. An automated validation gate
#
# A gate turns the governance board's policy into code that answers *pass* or *fail* the same way every time, for
# every candidate, with reasons. The policy is written once, in `mlopslab.policy`, and every lab reads it from there
# (labs 10 and 11 gate every retrained model with the same one):
#
# | rule | the board's question | passes when |
# | --- | --- | --- |
# | `auc` | does it rank well on unseen months? | AUC ≥ the minimum |
# | `uplift` | is it worth more than no model? | profit per customer above the best no-model policy ≥ the minimum |
# | `fairness` | is the offer handed out evenly? | the largest gap in **share contacted** between groups ≤ the maximum |
#
# (The best *no-model* policy is contacting everybody or nobody, whichever earns more; the groups are those of each
# sensitive feature, `SeniorCitizen` and `gender`.)
#
# The fairness rule compares the share contacted (*selection rate*), not a figure computed from churn labels. The
# board chose it because the datasheet flags the churn labels as coming from a legacy retention process: a rule
# measured on those labels would inherit their errors. Lab 07 examines that choice. The limits:

# %% id="policy"
pd.Series(policy.GATE.as_dict(), name="policy.GATE").to_frame()

# %% [markdown]
# ### Exercise 06.1 — the gate's decision
# The heart of `validation.gate` is a small function that applies the policy to the evidence. Write it yourself.
# `evidence` has the attributes `auc`, `uplift_per_customer` (euros per customer above the best no-model policy) and
# `fairness_gap` (the largest gap over the sensitive features); `policy` has `min_auc`, `min_uplift_per_customer` and
# `max_fairness_gap`. Return a pair `(passed, failed_rules)`: `passed` is `True` only if every rule holds, and
# `failed_rules` lists, in this order, the names `"auc"`, `"uplift"`, `"fairness"` of the rules that do not. A value
# **exactly at a limit passes**. The check runs your function on evidence and policies of its own, some built to fail.

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
    return len(failed) == 0, failed
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


# %% mlopslab={"wrong": "06.gate_decision"}
def gate_decision(evidence, policy):
    failed = []
    if evidence.auc < policy.min_auc:
        failed.append("min_auc")   # the policy's field names, not the rules' names
    if evidence.uplift_per_customer < policy.min_uplift_per_customer:
        failed.append("min_uplift_per_customer")
    if evidence.fairness_gap > policy.max_fairness_gap:
        failed.append("max_fairness_gap")
    return len(failed) == 0, failed


# %% mlopslab={"shortcut": "06.gate_decision"}
def gate_decision(evidence, policy):  # the verdict the lab printed for the candidate, whatever the evidence
    return False, ["fairness"]


# %% mlopslab={"shortcut": "06.gate_decision"}
def gate_decision(evidence, policy):  # the gate's own private decision
    verdict = validation._decide(evidence, policy)
    return verdict.passed, verdict.failed


# %% [markdown]
# Now the candidate meets the gate. `validation.gate` measures the evidence on the hold-out months at the governed
# threshold and applies `policy.GATE`; your function judges the same evidence on the line after it.

# %% id="gate"
decision = validation.gate(candidate, holdout, policy.GATE, threshold)
print(decision)
print()
print("your gate_decision on the same evidence:", gate_decision(decision.evidence, policy.GATE))
pd.concat({feature: validation.metrics_by_group(y_hold, scores, threshold, X_hold[feature])
           for feature in policy.GATE.sensitive_features}, names=["feature", "group"])

# %% [markdown]
# The gate **stops the candidate on fairness**. It ranks well and earns far more than no model, but seniors would be
# contacted much more often than other customers (compare `contacted_share` by `SeniorCitizen` in the table).
#
# The Data Scientist objects: "Seniors churn more in our data (`churn_rate`), so of course we contact more of them.
# Look at recall, the share of churners we reach: it is much closer between the groups. Measure that instead, and
# the model passes." Perhaps. But a gate whose rule changes when a candidate fails it is no gate, and the author of a model is
# not the one to change it. The rule stands; the question goes to the trustworthy-AI review (lab 07): are the seniors'
# higher recorded churn rates real? Until then the candidate may not serve; the registry keeps it, with its verdict on
# record.
#
# ## 5. The model registry: a version, the challenger alias, the gate's verdict
#
# The **MLflow model registry** keeps every registered version of the model `churn` with its lineage (the run that
# produced it) and lets the team point **aliases** at versions. Aliases arrived in MLflow 2.3; the older fixed
# "Staging/Production" stages were deprecated in MLflow 2.9. This course uses two aliases:
#
# * `challenger`: the candidate under review;
# * `champion`: the version production serves (lab 08 loads `models:/churn@champion`).
#
# The governed approval chain, `policy.APPROVAL`, says who does what, and that each step needs the one before it. In
# this lab the gate has already judged the candidate (section 4); registering it creates the version and records that
# verdict on it. Then come the model card, the approval, and only then the `champion` alias:

# %% id="chain"
print("gate (section 4) → registered, with the gate's verdict (section 5) → model card (section 6) → approval → "
      "champion alias (section 7)")
print(f"author: {policy.APPROVAL.author_role} ({policy.APPROVAL.author}); "
      f"approver: {policy.APPROVAL.approver_role} ({policy.APPROVAL.approver}); nobody approves their own model")

# %% [markdown]
# First the run, with its lineage: the data version (the version of lab 04's prepared data, `prepared.version`, the
# one lab 04 recorded and lab 05's runs carry, under the tag `lineage.TAG`; beside it the raw file's version it was
# prepared from), the author, the code (the package version and the git commit of the course repository, in
# MLflow's standard tag `mlflow.source.git.commit`), and, when this store holds it, lab 05's run whose decision chose
# this candidate (tag `selected_by_run`): from the registry, an auditor walks back to the decision.

# %% id="run"
from importlib.metadata import version as package_version

data_version = prepared.version   # lab 04's prepared data: the version lab 05's runs carry
run_tags = {policy.APPROVAL.author_tag: policy.APPROVAL.author,
            "source_data_version": prepared.source_version,   # the raw file lab 04 prepared it from (lab 03's version)
            "code.package": f"mlopslab {package_version('mlopslab')}",
            "code.entry_point": "labs/06_model_validation_governance.ipynb",
            "mlflow.source.git.commit": validation.code_version()}
if decided and decided[0].info.run_name == family:   # the hand-off from lab 05, on record: which decision chose it
    run_tags["selected_by_run"] = decided[0].info.run_id
run_id = development.log_run(candidate, "lr-candidate", train, holdout, data_version, tags=run_tags,
                              threshold=threshold)  # the governed one: the run records its hold-out profit
run = client.get_run(run_id)
print(f"run {run.info.run_name}: {lineage.TAG} {lineage.short(run.data.tags[lineage.TAG])}..., "
      f"author {run.data.tags[policy.APPROVAL.author_tag]}, selected by lab 05's run "
      f"{run.data.tags.get('selected_by_run', '(none in this store)')}")

# %% [markdown]
# ### Exercise 06.2 — register the challenger, with the MLflow calls
# Write `register_challenger(client, name, run_id, decision)`, the Data Engineer's registration step. It must:
#
# 1. register the model of run `run_id` as a new version of the registered model `name`:
#    `mlflow.register_model(f"runs:/{run_id}/model", name)` returns the version object (`.version`), and creates the
#    registered model `name` when it does not exist yet (on a fresh store it does not);
# 2. point the alias `challenger` at it: `client.set_registered_model_alias(name, "challenger", version)`;
# 3. record on the version, with `client.set_model_version_tag(name, version, key, value)`:
#    * `"gate"`: `"passed"` or `"failed"` (from `decision.passed`), and `"gate.reasons"`: the decision's reasons
#      (`decision.reasons`, a list of sentences) joined into one text;
#    * `"gate.policy"`: the policy the gate applied, as JSON text, `json.dumps(decision.policy.as_dict())` (lab 11
#      reads it to tell under which rules a verdict was reached);
#    * the governed threshold `decision.evidence.threshold` under the tag `policy.THRESHOLD.tag`, with two decimals;
#    * the run's author and data version, copied from the run's tags (`client.get_run(run_id).data.tags`), under the
#      tags `policy.APPROVAL.author_tag` and `lineage.TAG`;
# 4. return the version.
#
# Use the `client` your function receives for the alias and the tags. The check runs your function on a scratch
# registered model and two decisions of its own, then reads the registry (the course's helper `registry.register` is
# switched off while it runs: write the calls yourself).

# %% mlopslab={"exercise": "06.register_challenger"}
# BEGIN STUB
# def register_challenger(client, name, run_id, decision):
#     ...  # register, alias "challenger", tags; return the version
# END STUB
# BEGIN SOLUTION
def register_challenger(client, name, run_id, decision):
    new = mlflow.register_model(f"runs:/{run_id}/model", name)
    client.set_registered_model_alias(name, "challenger", new.version)
    lineage_tags = client.get_run(run_id).data.tags
    record = {
        "gate": "passed" if decision.passed else "failed",
        "gate.reasons": "; ".join(decision.reasons),
        "gate.policy": json.dumps(decision.policy.as_dict()),
        policy.THRESHOLD.tag: f"{decision.evidence.threshold:.2f}",
        policy.APPROVAL.author_tag: lineage_tags[policy.APPROVAL.author_tag],
        lineage.TAG: lineage_tags[lineage.TAG],
    }
    for key, value in record.items():
        client.set_model_version_tag(name, new.version, key, value)
    return new.version
# END SOLUTION


# %% mlopslab={"check": "06.register_challenger"}
check("06.register_challenger", register_challenger, run_id=run_id)


# %% mlopslab={"wrong": "06.register_challenger"}
def register_challenger(client, name, run_id, decision):
    new = mlflow.register_model(f"runs:/{run_id}/model", name)
    client.set_registered_model_alias(name, "champion", new.version)   # straight to production, no review
    client.set_model_version_tag(name, new.version, "gate", "passed" if decision.passed else "failed")
    client.set_model_version_tag(name, new.version, "gate.reasons", "; ".join(decision.reasons))
    return new.version


# %% mlopslab={"wrong": "06.register_challenger"}
def register_challenger(client, name, run_id, decision):
    new = mlflow.register_model(f"runs:/{run_id}/model", name)
    client.set_registered_model_alias(name, "challenger", new.version)
    client.set_model_version_tag(name, new.version, "gate", str(decision.passed))   # "True" or "False"
    client.set_model_version_tag(name, new.version, policy.THRESHOLD.tag, str(decision.evidence.threshold))
    return new.version


# %% mlopslab={"shortcut": "06.register_challenger"}
def register_challenger(client, name, run_id, decision):  # the course's helpers do it all
    version = registry.register(run_id, alias="challenger", name=name)
    validation.record_gate(version, decision, name=name)
    return version


# %% [markdown]
# Your function now registers the candidate (until you have written it, the course's helpers stand in, so that the
# rest of the lab runs). Read the version back from the registry, as any reviewer would:

# %% id="register"
def registered(run_id, decision):
    """Register a candidate with your register_challenger (or, until it is written, with the course's helpers)."""
    version = register_challenger(client, MODEL, run_id, decision)
    if version is None:
        version = registry.register(run_id, alias="challenger", tags={
            key: client.get_run(run_id).data.tags[key] for key in (policy.APPROVAL.author_tag, lineage.TAG)})
        validation.record_gate(version, decision)
    return str(version)


candidate_version = registered(run_id, decision)
aliases = client.get_registered_model(MODEL).aliases
print(f"registered {MODEL} version {candidate_version}; aliases now: {aliases}")
pd.Series(client.get_model_version(MODEL, candidate_version).tags,
          name=f"tags of version {candidate_version}").sort_index().to_frame()

# %% [markdown]
# ### A broken candidate meets the gate
# In the same sprint a refactoring of the data pipeline went wrong: a join shifted the churn labels by one row, so
# every customer carries the label of the customer before them. Nothing crashes: the model trains and produces scores
# that look like probabilities. Only validation can tell. It goes through the same steps.

# %% id="broken"
shifted = train.assign(Churn=train["Churn"].shift(1, fill_value="No"))  # the bug: labels off by one row
broken = fit_chosen(shifted)                                             # the same recipe, the shifted labels
broken_validated = validation.out_of_time_scores(fit_chosen, shifted)
broken_threshold, _ = development.best_threshold(broken_validated["y"], broken_validated["score"])
broken_run = development.log_run(broken, "lr-candidate-after-refactoring", shifted, holdout, data_version,
                                 tags=run_tags, threshold=broken_threshold)
broken_decision = validation.gate(broken, holdout, policy.GATE, broken_threshold)
broken_version = registered(broken_run, broken_decision)
print(broken_decision)
print(f"registered as version {broken_version}; share of hold-out customers it would contact: "
      f"{(validation.churn_scores(broken, X_hold) >= broken_threshold).mean():.0%}")

# %% [markdown]
# The gate blocked it, with reasons anyone can read: an AUC near a coin toss and no profit beyond the best no-model
# policy. Notice what did *not* fail: fairness. A model that contacts nearly everybody contacts every group alike, so
# any rule on contact shares is trivially met by spending the budget on everyone. That is why the gate has three
# rules and a model must pass all of them.
#
# The registry as a reviewer sees it (also in the MLflow UI: in JupyterLab open the **MLflow UI** tile in the
# launcher, then *Models → churn*):

# %% id="versions"
validation.versions_table()

# %% [markdown]
# ## 6. A model card
#
# A **model card** (Mitchell et al., 2019, *Model Cards for Model Reporting*) is a short document that travels with a
# model: what it is for and not for, what data it learned from, how well it works overall **and for each group**, its
# limitations and ethical considerations. It is the evidence an approver reads, so it must exist **before** anyone
# approves.
#
# ### Exercise 06.3 — the *intended use* section
# The App Developer collected uses that colleagues proposed for the model. A model card must say which uses the model
# was built and validated for (**in scope**); every other use is out of scope:
#
# 1. choose which customers receive this month's retention offer
# 2. refuse a contract upgrade to customers with a high churn score
# 3. estimate how many churners the campaign will reach and its expected profit
# 4. set each customer's monthly price from their churn score
# 5. show a retention agent the main reasons behind a customer's score before a call
# 6. score the company's business (B2B) accounts
# 7. sell churn scores to a partner company for its marketing
#
# List the numbers of the uses that are in scope. Remember what the team's backlog (lab 02) asks the model for, and
# that the per-customer explanations are part of the review before release (lab 07).

# %% mlopslab={"exercise": "06.intended_use", "choices": [1, 2, 3, 4, 5, 6, 7]}
# BEGIN STUB
# in_scope = [...]   # e.g. [1, ...]
# END STUB
# BEGIN SOLUTION
in_scope = [1, 3, 5]
# END SOLUTION

# %% mlopslab={"check": "06.intended_use"}
check("06.intended_use", in_scope)

# %% mlopslab={"wrong": "06.intended_use"}
in_scope = [1, 2, 3, 4, 5]

# %% mlopslab={"wrong": "06.intended_use"}
in_scope = [1, 3]   # the explanations before a call left out

# %% [markdown]
# The card's **figures** come from the evidence computed above, never typed in, so they cannot drift from the model;
# its **judgements** are the team's words, which is exactly what the approver reviews: the intended use is your answer
# to exercise 06.3 (the card says so while it is blank), the limitations and ethical considerations the Data
# Scientist's. It is logged as `model_card.md` in the run's artifacts, and `validation.log_model_card` records
# on the version when it was logged (tag `policy.APPROVAL.card_tag`): the approval must come after that time.

# %% id="card"
ev = decision.evidence
by_group = pd.concat({feature: validation.metrics_by_group(y_hold, scores, ev.threshold, X_hold[feature])
                      for feature in policy.GATE.sensitive_features}, names=["feature", "group"])
top = bins.iloc[-1]
offer = f"€{policy.ECONOMICS.offer_cost:g}"  # the governed offer cost
proposed = {1: f"choose which customers receive this month's {offer} retention offer",   # the uses of exercise 06.3
            2: "refuse a contract upgrade to customers with a high churn score",
            3: "estimate how many churners the campaign will reach and its expected profit",
            4: "set each customer's monthly price from their churn score",
            5: "show a retention agent the main reasons behind a customer's score before a call",
            6: "score the company's business (B2B) accounts",
            7: "sell churn scores to a partner company for its marketing"}
decided = [u for u in proposed if u in in_scope] if isinstance(in_scope, (list, tuple, set)) else []
if decided:   # the team's answer to exercise 06.3
    rejected = [proposed[u] for u in proposed if u not in decided]
    intended = ("In scope: " + "; ".join(proposed[u] for u in decided) + f". Contact if score ≥ {ev.threshold:.2f} "
                f"(tag {policy.THRESHOLD.tag}). Out of scope: every other use"
                + (", including: " + "; ".join(rejected) if rejected else "") + ".")
else:
    intended = "Not decided yet: exercise 06.3."
card = validation.model_card({
    "Model details": f"{registry.family_name(candidate).capitalize()} (lab 05's candidate) in a scikit-learn "
                     f"pipeline; registered as {MODEL} version {candidate_version}. Author: {policy.APPROVAL.author} "
                     f"({policy.APPROVAL.author_role}).",
    "Intended use": intended,
    "Training data": f"{len(train):,} customers observed {train['month'].min()} to {train['month'].max()} "
                     f"(lab 04's prepared data, {lineage.TAG} {lineage.short(data_version)}); see the datasheet "
                     "data/README.md.",
    "Evaluation data": f"{len(holdout):,} customers observed {holdout['month'].min()} to {holdout['month'].max()}, "
                       "used neither for training nor for the threshold (chosen on the validation months "
                       f"{', '.join(sorted(validated['month'].unique()))}).",
    "Metrics": f"AUC {ev.auc:.3f}; campaign profit €{ev.profit:,.0f} at threshold {ev.threshold:.2f} against "
               f"€{ev.baseline_profit:,.0f} for the best no-model policy. Brier score "
               f"{brier_score_loss(y_hold, scores):.3f}; calibrated within chance in {within} of {len(bins)} score "
               f"bins; customers in the top bin (mean score {top['mean score']:.2f}) churned at "
               f"{top['observed churn']:.2f}.",
    "Metrics by group": validation.markdown_table(by_group),
    "Limitations": "Trained on 2025 behaviour: price changes or competitor offers will shift it (monitoring, lab 09). "
                   "Scores are calibrated to the recorded churn labels, which the datasheet flags. Largest calibration "
                   f"miss on the hold-out months: {reading(worst)}"
                   + ("; read the scores there as a ranking, not as probabilities." if abs(miss[worst]) > chance[worst] else "."),
    "Ethical considerations": "; ".join(r for r in decision.reasons if r.startswith("FAIL")) + ". The churn labels "
                              "come from a legacy retention process the datasheet flags; the trustworthy-AI review "
                              "(lab 07) examines them before any release.",
})
validation.log_model_card(run_id, card, version=candidate_version)
display(Markdown(card))

# %% [markdown]
# ## 7. Approval and promotion
#
# Now, and only now, the Business Analyst can review the evidence: the gate's verdict and the card. The package's
# `validation.approve` records an approval as tags (who, why, when) and refuses to record one that the chain does not
# allow. The candidate failed the gate, so:

# %% id="approve"
try:
    validation.approve(candidate_version, approver=policy.APPROVAL.approver,
                       reason="gate verdict and model card reviewed")
except ValueError as refusal:
    print("refused:", refusal)

# %% [markdown]
# ### Written exercise 06.M — the go/no-go memo
# The Business Analyst owes the retention director a decision on the candidate: **go** (it may become `champion`) or
# **no-go**. Write the memo in the cell below, in a few sentences: the decision; the evidence it rests on (the gate's
# three tests, with the figures of the failing one from the gate's output above); an answer to the Data Scientist's
# argument that recall is similar in every group; and what would have to be true for a *go*, and who does what next.
# A person reads and scores it against this rubric.

# %% id="code-memo-rubric"
from mlopslab.rubrics import show_rubric

show_rubric("06.go_no_go")

# %% [markdown] mlopslab={"written": "06.go_no_go"}
# *Your go/no-go memo (double-click to edit, then replace this text):*
#
# * **Decision:** …
# * **Evidence:** …
# * **The recall argument:** …
# * **What would make it a go:** …

# %% [markdown] mlopslab={"model_answer": "06.go_no_go"}
# **Model answer (graders only).** No-go. The candidate ranks well (its AUC is above the governed minimum) and earns
# more than the best policy without a model (its profit uplift per customer is above the minimum), but it fails the
# fairness test: it would contact seniors far more often than other customers, a gap in the share contacted well above
# the policy's maximum, so nobody may approve it. The Data Scientist is right that recall is similar in every group,
# but that is equal opportunity, a different question from the governed rule, which looks at whom the campaign
# contacts and needs no labels; a gate whose rule bends when a candidate fails it is no gate, and its author is not the
# one to change it. The candidate stays in the registry as its own version, its failed verdict on record with it (the
# `challenger` alias has since moved on to the broken candidate registered after it), and `champion` does not point
# at it. It becomes a go when the trustworthy-AI review (lab 07) has checked whether the seniors' higher recorded
# churn is real, a model trained accordingly passes the same gate, its model card is logged, and the Business Analyst,
# not its author, approves it.

# %% [markdown]
# ### Exercise 06.4 — the promotion step that refuses
# Moving `champion` is what changes production, so the step that does it checks the whole record itself rather than
# trusting whoever calls it. Write `promote(client, name, version)`. Read the version's tags
# (`client.get_model_version(name, version).tags`) and **raise `PermissionError`** with a reason, leaving the alias
# where it is, unless:
#
# * the tag `"gate"` is `"passed"`;
# * a model card was logged: the tag `policy.APPROVAL.card_tag` exists (its value is the time, e.g.
#   `"2026-03-02T10:15:00+00:00"`);
# * someone approved it who is not its author: `policy.APPROVAL.may_approve(author, approver)` with the tags
#   `policy.APPROVAL.author_tag` and `policy.APPROVAL.approver_tag`;
# * the approval came after the card: the tag `policy.APPROVAL.approved_at_tag` is not earlier than the card's time
#   (times written this way compare correctly as text).
#
# Otherwise point `champion` at the version (`client.set_registered_model_alias`) and return the version. The check
# runs your function on versions of its own, one for each way a record can be incomplete.

# %% mlopslab={"exercise": "06.promote"}
# BEGIN STUB
# def promote(client, name, version):
#     tags = client.get_model_version(name, version).tags
#     ...  # raise PermissionError("...") unless the whole chain is on record; then move "champion"
# END STUB
# BEGIN SOLUTION
def promote(client, name, version):
    tags = client.get_model_version(name, version).tags
    chain = policy.APPROVAL
    card_logged = tags.get(chain.card_tag, "")
    approver = tags.get(chain.approver_tag, "")
    if tags.get("gate") != "passed":
        raise PermissionError(f"version {version}: the gate did not pass")
    if not card_logged:
        raise PermissionError(f"version {version}: no model card was logged")
    if not chain.may_approve(tags.get(chain.author_tag, ""), approver):
        raise PermissionError(f"version {version}: not approved by someone other than its author")
    if tags.get(chain.approved_at_tag, "") < card_logged:
        raise PermissionError(f"version {version}: approved before its model card existed")
    client.set_registered_model_alias(name, "champion", version)
    return version
# END SOLUTION


# %% mlopslab={"check": "06.promote"}
check("06.promote", promote)


# %% mlopslab={"wrong": "06.promote"}
def promote(client, name, version):
    tags = client.get_model_version(name, version).tags
    if tags.get("gate") != "passed" or not tags.get(policy.APPROVAL.approver_tag):
        raise PermissionError(f"version {version} is not approved")   # anyone may approve, even the author
    client.set_registered_model_alias(name, "champion", version)
    return version


# %% mlopslab={"wrong": "06.promote"}
def promote(client, name, version):
    client.set_registered_model_alias(name, "champion", version)       # moved first, checked afterwards
    tags = client.get_model_version(name, version).tags
    if tags.get("gate") != "passed":
        raise PermissionError(f"version {version}: the gate did not pass")
    return version


# %% mlopslab={"shortcut": "06.promote"}
def promote(client, name, version):  # the package's own promotion step
    validation.promote(version, name=name)
    return version


# %% mlopslab={"shortcut": "06.promote"}
def promote(client, name, version):  # the package's private check of the chain does the gate, card and author
    tags = client.get_model_version(name, version).tags
    chain = policy.APPROVAL
    problems = validation._approval_problems(tags)
    if problems or not chain.may_approve(tags[chain.author_tag], tags.get(chain.approver_tag, "")):
        raise PermissionError("; ".join(problems) or "not approved by someone other than its author")
    if tags.get(chain.approved_at_tag, "") < tags[chain.card_tag]:
        raise PermissionError("approved before its model card existed")
    client.set_registered_model_alias(name, "champion", version)
    return version


# %% mlopslab={"shortcut": "06.promote"}
def promote(client, name, version):  # a plain != instead of the governed may_approve: "Ana " and "ana" differ
    tags = client.get_model_version(name, version).tags
    chain = policy.APPROVAL
    approver = tags.get(chain.approver_tag)
    if tags.get("gate") != "passed" or approver in (None, tags.get(chain.author_tag)):
        raise PermissionError(f"version {version} may not become champion")
    if tags.get(chain.approved_at_tag, "") < tags.get(chain.card_tag, "~"):
        raise PermissionError(f"version {version}: approved before its model card existed")
    client.set_registered_model_alias(name, "champion", version)
    return version


# %% [markdown]
# Your promotion step now guards production. Try it on the two versions the registry holds:

# %% id="promote"
for version in (candidate_version, broken_version):
    try:
        promote(client, MODEL, version)
    except PermissionError as refusal:
        print("refused:", refusal)
    else:
        moved = registry.alias_version("champion") == version
        print(f"version {version}: " + ("promoted" if moved else "neither refused nor promoted (write exercise 06.4)"))
print(f"{MODEL}@champion now points at version: {registry.alias_version('champion')}")

# %% [markdown]
# Neither version may serve, so `champion` did not move (on a fresh store it does not exist yet, and the last line says
# `None`). The candidate waits for lab 07's review. In lab 07 a mitigated model passes the same gate, gets its card and
# the Business Analyst's approval, and becomes the champion that labs 08–11 serve
# (`registry.ensure_champion()` rebuilds exactly that chain on an empty store).
#
# ## 8. The audit trail
#
# Months later an auditor (or a customer complaint) asks: **which model was under review, trained on which data, by
# whom, what did the gate say, and who approved it?** Without MLOps, lab 01 showed, nobody could answer. With the
# registry it is a short walk: alias → version (its tags) → the run that produced it (its tags).
#
# ### Exercise 06.5 — answer an audit question from the registry
# Write `audit(client, name, alias)` returning a dict with the keys:
#
# * `"version"`: the version behind `name@alias` (`client.get_model_version_by_alias`);
# * `"data_version"`: the data version **of the run that produced it** (`client.get_run(version.run_id)`, its tag
#   `lineage.TAG`): the run is the record of what the model was trained on;
# * `"author"`, `"gate"`, `"approved_by"`: the version's tags `policy.APPROVAL.author_tag`, `"gate"` and
#   `policy.APPROVAL.approver_tag`, with `None` for a tag the version does not have.
#
# The check asks your function about a scratch registered model whose answers no output of this lab shows.

# %% mlopslab={"exercise": "06.audit"}
# BEGIN STUB
# def audit(client, name, alias):
#     ...  # return {"version": ..., "data_version": ..., "author": ..., "gate": ..., "approved_by": ...}
# END STUB
# BEGIN SOLUTION
def audit(client, name, alias):
    behind = client.get_model_version_by_alias(name, alias)
    trained = client.get_run(behind.run_id)
    return {
        "version": behind.version,
        "data_version": trained.data.tags.get(lineage.TAG),
        "author": behind.tags.get(policy.APPROVAL.author_tag),
        "gate": behind.tags.get("gate"),
        "approved_by": behind.tags.get(policy.APPROVAL.approver_tag),
    }
# END SOLUTION


# %% mlopslab={"check": "06.audit"}
check("06.audit", audit)


# %% mlopslab={"wrong": "06.audit"}
def audit(client, name, alias):
    behind = client.get_model_version_by_alias(name, alias)
    return {"version": behind.version, "data_version": behind.tags.get(lineage.TAG),   # the version's copy, not the run's
            "author": behind.tags.get(policy.APPROVAL.author_tag), "gate": behind.tags.get("gate"),
            "approved_by": behind.tags["approved_by"]}


# %% mlopslab={"wrong": "06.audit"}
def audit(client, name, alias):
    behind = max(client.search_model_versions(f"name='{name}'"), key=lambda v: int(v.version))   # the newest version,
    trained = client.get_run(behind.run_id)                                                       # not the alias's
    return {
        "version": behind.version,
        "data_version": trained.data.tags.get(lineage.TAG),
        "author": behind.tags.get(policy.APPROVAL.author_tag),
        "gate": behind.tags.get("gate"),
        "approved_by": behind.tags.get(policy.APPROVAL.approver_tag),
    }


# %% [markdown]
# The auditor's question about what is under review right now, `churn@challenger`. Each registration moved that
# alias, so it now names the last version registered, the broken candidate (see the registry's table above): the
# audit answers for whatever the alias names, which is why the gate's verdict travels with every version.

# %% id="audit"
try:
    answers = audit(client, MODEL, "challenger")
except Exception as err:  # a half-written audit() should not stop the lab
    answers = {"audit raised": f"{type(err).__name__}: {err}"}
for question, answer in (answers or {"audit": "returned nothing (write exercise 06.5)"}).items():
    print(f"{question:>12}: {lineage.short(answer) if question == 'data_version' and answer else answer}")

# %% [markdown]
# ## Recap
# * Validate on **later months** than you train on; compare validation months with hold-out months, never with the
#   in-sample figure.
# * A **reliability curve** tells whether scores can be read as probabilities (for budgets and forecasts).
# * The **threshold** is a business decision, chosen on validation months and recorded on the model version.
# * An **automated gate** applies the governed policy (`mlopslab.policy`) to every candidate and always says *why*; it
#   stopped a candidate on fairness and caught a silent bug. A rule does not change because a candidate fails it.
# * The **registry** records versions, aliases (`challenger`, `champion`), the gate's verdict and the threshold; the
#   **model card** comes before the **approval**, nobody approves their own model, and `champion` moves only when the
#   whole chain is on record.
# * An **audit trail** (alias → version → run) answers the auditor's questions long after the sprint.
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
# **Next:** lab 07 is the trustworthy-AI review the gate asked for: explanations, fairness, the labels the model
# learned from, and a mitigated model that may ship.
