# %% [markdown]
# # Lab 07 — Trustworthy AI: explanations, fairness and a fact sheet
#
# **Stage:** model validation and governance, trustworthy AI review · **Personas:** Data Scientist (leads),
# Business Analyst; the Data Steward joins for the label audit
#
# The champion passed lab 06's gate and serves the retention campaign. Before the next release TelcoNova's
# trustworthy-AI review asks three questions the gate did not: **Why** does the model score a customer the way it does?
# Is it **fair** to every group of customers? And is there a **record** a reviewer can sign? The Data Scientist
# explains the model; the Business Analyst translates the explanations for retention agents and weighs what fairness
# costs; the Data Steward checks the labels the model learned from.
#
# ### Learning objectives
# By the end of this lab you can:
# 1. explain a model **globally** with permutation importance and partial dependence;
# 2. explain **one customer's score** in plain business language, and explore it with a what-if control;
# 3. measure **group fairness** with fairlearn (`MetricFrame`, demographic parity and equalized odds differences) and
#    trace a disparity back to **biased labels**;
# 4. apply a **mitigation** (reweighing) and show its cost and benefit honestly;
# 5. write the model's **fact sheet** and decide whether it may ship.
#
# ### Why this matters to the business
# Retention agents will not use scores they cannot explain to a customer, and customers may ask why they were (or
# were not) offered a discount. A model that treats seniors or women differently without cause is a reputational and
# legal risk (anti-discrimination law; the EU AI Act's transparency and data-governance duties). And, as this lab shows,
# unfairness can also be plain bad business: it can waste the campaign budget.

# %% id="cell-01"
import matplotlib.pyplot as plt
import mlflow
import numpy as np
import pandas as pd
from fairlearn.metrics import MetricFrame, selection_rate
from fairlearn.postprocessing import ThresholdOptimizer
from IPython.display import Markdown, display
from sklearn.metrics import accuracy_score, roc_auc_score

from mlopslab import config, data, development, preparation, registry, trust, validation
from mlopslab.exercises import check

config.quiet()
config.setup_tracking()
pd.set_option("display.width", 120)

champion_version = registry.ensure_champion()          # trains and registers one on an empty store
model = mlflow.sklearn.load_model(registry.model_uri("champion"))
train, holdout = preparation.time_split(data.load_customers(), test_months=3)
X_train, y_train = preparation.split_xy(train)
X_hold, y_hold = preparation.split_xy(holdout)
hold_scores = trust.scores(model, X_hold)
threshold, _ = development.best_threshold(y_hold, hold_scores)
contacted = (hold_scores >= threshold).astype(int)
print(f"reviewing churn@champion (version {champion_version}); campaign threshold {threshold:.2f}, "
      f"{contacted.mean():.0%} of {len(holdout):,} hold-out customers contacted")

# %% [markdown]
# ## 1. Global explanations: what drives the model?
#
# **Permutation importance** asks: if we shuffle one input column (breaking its link to churn) and leave the rest, how
# much worse does the model rank customers? A big drop in AUC means the model leans on that input. We use a sample of
# 400 hold-out customers and five shuffles per column, which keeps this to a few seconds; the error bars show how much
# the answer varies between shuffles.

# %% id="cell-03"
importance = trust.permutation_importance_table(model, X_hold, y_hold, n_rows=400, n_repeats=5)
top = importance.head(10).iloc[::-1]
fig, ax = plt.subplots(figsize=(7, 4))
colors = ["#d62728" if f in trust.SENSITIVE else "#1f77b4" for f in top["feature"]]
ax.barh(top["feature"], top["auc_drop"], xerr=top["std"], color=colors)
ax.set_xlabel("drop in AUC when the column is shuffled")
ax.set_title("Permutation importance (top 10; red: protected attributes)")
plt.tight_layout()
plt.show()
importance.head(6)

# %% [markdown]
# Contract type and charges lead, as the business would expect. But **SeniorCitizen** is among the strongest inputs,
# and gender appears too. The datasheet lists the true drivers of churn (contract, tenure, charges, fibre, payment,
# support, partners); age and gender are not among them. Why would the model need them? Keep the question open for
# section 3.
#
# **Partial dependence** shows *how* an input moves the score: give every sampled customer the same value, average the
# scores, repeat for a range of values.

# %% id="cell-05"
fig, axes = plt.subplots(1, 3, figsize=(12, 3.6), sharey=True)
for ax, feature in zip(axes, ["tenure", "MonthlyCharges", "Contract"]):
    curve = trust.partial_dependence_curve(model, X_hold, feature)
    if feature == "Contract":
        ax.bar(curve[feature].astype(str), curve["mean_score"], color="#1f77b4")
        ax.tick_params(axis="x", labelsize=8)
    else:
        ax.plot(curve[feature], curve["mean_score"], marker="o", color="#1f77b4")
    ax.set_xlabel(feature)
axes[0].set_ylabel("average churn score")
fig.suptitle("Partial dependence: the average score if every customer had this value")
plt.tight_layout()
plt.show()

# %% [markdown]
# Risk falls steeply over the first two years of tenure, rises with the monthly bill, and a two-year contract cuts it
# sharply: the retention team can act on all three (for example, offer a contract upgrade). These shapes match the
# datasheet's true relationships, a good sign that the model learned real behaviour.
#
# ## 2. Explaining one customer's score
#
# A retention agent calls one customer, not an average. For a **local explanation** we ask, one input at a time: how
# would this customer's score change if that input were typical, i.e. took the values of other customers? The
# difference is the input's **effect** (in percentage points of churn probability); positive effects push the risk up.
# (SHAP values refine the same idea so that effects add up exactly; this simpler version is transparent and fast.)
#
# We explain customer 9339-JOZSO from December, whose score sits near the campaign's decision. The "typical" values
# come from 200 comparable customers of the training months (who, like this customer, have internet and phone
# service), so that no replacement creates an impossible customer such as online security without internet.

# %% id="cell-07"
customer = trust.customer_frame(holdout[holdout["customerID"] == "9339-JOZSO"])
background = trust.comparable_customers(X_train, customer, n=200)
score = trust.scores(model, customer)[0]
effects = trust.feature_effects(model, customer, background)

print(customer[["SeniorCitizen", "gender", "tenure", "Contract", "InternetService", "MonthlyCharges"]].to_string(index=False))
print()
print("\n".join(trust.reasons_in_words(effects, score, top=5)))
effects.head(8)


# %% [markdown]
# Most reasons are things the agent can talk about and an offer can address: the month-to-month contract, fibre
# without online security; the long tenure speaks for the customer staying. But the **strongest** reason is simply
# **being a senior**: a reason the agent could not (and should not) give a customer. That is a warning sign for the
# fairness review. (Effects are not additive and small ones are noisy: read the top few, not the decimals.)
#
# ### Exercise 07.1 — explain one prediction yourself
# Write `feature_effect(model, customer, feature, background)`: the customer's own score minus their **average** score
# when `feature` is replaced, one background customer at a time, by that background customer's value (every other input
# stays the customer's own). `customer` is a one-row DataFrame, `background` a DataFrame of other customers; scores are
# `model.predict_proba(frame)[:, 1]`. The check compares your function with the lab's on three inputs.

# %% mlopslab={"exercise": "07.feature_effect"}
# BEGIN STUB
# def feature_effect(model, customer, feature, background):
#     ...  # return a float: own score minus the average score with `feature` replaced
# END STUB
# BEGIN SOLUTION
def feature_effect(model, customer, feature, background):
    own = model.predict_proba(customer)[:, 1][0]
    variants = pd.concat([customer] * len(background), ignore_index=True)
    variants[feature] = background[feature].to_numpy()
    return own - model.predict_proba(variants)[:, 1].mean()
# END SOLUTION


# %% mlopslab={"check": "07.feature_effect"}
check("07.feature_effect", feature_effect, model=model, customer=customer, background=background)


# %% mlopslab={"wrong": "07.feature_effect"}
def feature_effect(model, customer, feature, background):
    own = model.predict_proba(customer)[:, 1][0]
    variants = pd.concat([customer] * len(background), ignore_index=True)
    variants[feature] = background[feature].to_numpy()
    return model.predict_proba(variants)[:, 1].mean() - own


# %% [markdown]
# ### What if? Change the contract or the bill
#
# The Business Analyst wants to know which offer would lower this customer's risk most. `trust.what_if(model,
# customer, Contract=None, MonthlyCharges=None)` re-scores the customer; `None` (the default) keeps the customer's own
# value, and new monthly charges also update the total charges. In JupyterLab the control below lets you pick a
# contract and move the monthly bill up or down; the table after it runs the same function for a few fixed offers,
# so the lab reads the same without widgets (for example in a headless run).

# %% id="cell-12"
trust.what_if_widget(model, customer)

# %% id="cell-13"
own = customer.loc[0, "MonthlyCharges"]
offers = {"no change": {}, "one-year contract": {"Contract": "One year"}, "two-year contract": {"Contract": "Two year"},
          "€10 discount": {"MonthlyCharges": own - 10},
          "one-year contract + €10 discount": {"Contract": "One year", "MonthlyCharges": own - 10}}
pd.DataFrame({"churn score": {name: trust.what_if(model, customer, **change) for name, change in offers.items()}}).round(3)

# %% [markdown]
# A one-year contract lowers the score far more than a €10 discount: useful input for designing the offer. Oddly, a
# *two-year* contract helps less than a one-year one. Few customers in the training data look like this one on a
# two-year contract, so the model is extrapolating there: a what-if answer is only as good as the data behind it. And
# what-if answers describe the *model*, not guaranteed customer behaviour; only an experiment, such as an A/B test of
# offers, shows what customers actually do.
#
# ## 3. Group fairness: is the campaign fair to every group?
#
# The campaign contacts customers with a score ≥ the threshold. Fairness metrics compare groups defined by a
# **protected attribute** (here `SeniorCitizen` and `gender`):
#
# * **selection rate**: share of a group that is contacted. *Demographic parity* asks for equal selection rates;
# * **recall** (true positive rate): share of a group's churners who are contacted;
# * **false positive rate**: share of a group's *non-churners* who are contacted, i.e. offers the group did not need.
#   *Equalized odds* asks for equal recall and equal false positive rates.
#
# ### Exercise 07.2 — compute a group metric
# Compute the **false positive rate** of the campaign for non-seniors (`0`) and seniors (`1`) on the hold-out:
# `y_hold` holds the recorded outcome (1 = churned), `contacted` the decision (1 = contacted), and
# `X_hold["SeniorCitizen"]` the group. Use pandas or numpy.

# %% mlopslab={"exercise": "07.false_positive_rates"}
# BEGIN STUB
# false_positive_rates = {
#     0: ...,   # share of non-churning non-seniors who were contacted
#     1: ...,   # share of non-churning seniors who were contacted
# }
# END STUB
# BEGIN SOLUTION
stayers = (y_hold == 0).to_numpy()
seniors = X_hold["SeniorCitizen"].to_numpy()
false_positive_rates = {
    0: contacted[stayers & (seniors == 0)].mean(),
    1: contacted[stayers & (seniors == 1)].mean(),
}
# END SOLUTION

# %% mlopslab={"check": "07.false_positive_rates"}
check("07.false_positive_rates", false_positive_rates, y=y_hold, contacted=contacted, groups=X_hold["SeniorCitizen"])

# %% mlopslab={"wrong": "07.false_positive_rates"}
churners = (y_hold == 1).to_numpy()
seniors = X_hold["SeniorCitizen"].to_numpy()
false_positive_rates = {
    0: contacted[churners & (seniors == 0)].mean(),
    1: contacted[churners & (seniors == 1)].mean(),
}

# %% [markdown]
# fairlearn's `MetricFrame` computes any metric per group in one go (and `.difference()` gives the largest gap between
# groups); `demographic_parity_difference` and `equalized_odds_difference` summarise the two fairness criteria.

# %% id="cell-18"
by_senior = trust.group_metrics(y_hold, contacted, X_hold["SeniorCitizen"])
by_gender = trust.group_metrics(y_hold, contacted, X_hold["gender"])
display(pd.concat({"SeniorCitizen": by_senior.by_group, "gender": by_gender.by_group}).astype({"customers": int}).round(3))
trust.fairness_summary(y_hold, contacted, X_hold)

# %% [markdown]
# Seniors are contacted far more often than other customers (demographic parity difference of about 0.26), and far
# more of the seniors who *stay* receive an offer (the false positive rate gap drives the equalized odds difference).
# Lab 06's gate compared **recall** only, which is nearly equal, so it passed.
#
# Is this unfair, or do seniors simply churn more? The recorded labels say seniors churn at 37 % against 24 % for other customers. The
# **Data Steward** checks those labels: an audit reconciled every recorded churn of 2025 with the billing system's
# actual account closures (`trust.audited_outcomes()`; the datasheet `data/README.md` documents what it found).

# %% id="cell-20"
audited = trust.audited_outcomes()
audited_train, audited_holdout = preparation.time_split(audited, test_months=3)
_, y_audited = preparation.split_xy(audited_holdout)
assert (audited_holdout["customerID"] == holdout["customerID"]).all()   # same customers, only the label audited


def churn_rate_by(frame):
    churned = frame["Churn"].eq("Yes")
    return pd.concat({c: churned.groupby(frame[c]).mean() for c in trust.SENSITIVE})


rates = pd.DataFrame({"recorded churn rate": churn_rate_by(train), "audited churn rate": churn_rate_by(audited_train)})
ax = rates.plot.bar(rot=0, figsize=(7, 3.6), color=["#d62728", "#2ca02c"])
ax.set_xticklabels([f"{c}={g}" for c, g in rates.index])
ax.set_ylabel("churn rate (training months)")
ax.set_title("Recorded vs audited churn rate by group")
plt.tight_layout()
plt.show()
rates.round(3)

# %% [markdown]
# The audit finds the bias: a legacy retention process recorded plan downgrades of seniors as churn (and a call-centre
# script did the same for some women). In truth every group churns at about 21 %. The model learned the **recording
# error**, not customer behaviour: that is why `SeniorCitizen` ranked so high in section 1. Against the audited
# outcomes, the campaign's disparity is plainly unjustified:

# %% id="cell-22"
truth = trust.group_metrics(y_audited, contacted, X_hold["SeniorCitizen"])
display(truth.by_group[["churn_rate", "contacted", "recall", "false_positive_rate"]].round(3))
print(f"audited churn-rate gap {truth.difference()['churn_rate']:.3f}, "
      f"but contacted-share gap {truth.difference()['contacted']:.3f}")

# %% [markdown]
# ## 4. Mitigation: reweighing, and what it costs
#
# The cause is in the labels, so the mitigation starts there. **Reweighing** (Kamiran & Calders, 2012) trains the same
# model with a weight per customer, P(group) · P(label) / P(group, label), over the four groups senior × gender.
# Combinations that are over-represented among recorded churners (senior churners) count less, under-represented ones
# more, so that in the weighted data the label no longer depends on the group. The model, features and threshold rule
# stay the same.
#
# For comparison we also try fairlearn's **ThresholdOptimizer**, a post-processing mitigation: it keeps the champion
# and picks a separate threshold per group to equalise selection rates (objective: accuracy).

# %% id="cell-24"
reweighed = trust.fit_reweighed(development.candidate_models()["gradient_boosting"], train)
re_scores = trust.scores(reweighed, X_hold)
re_threshold, _ = development.best_threshold(y_hold, re_scores)

postprocessed = ThresholdOptimizer(estimator=model, constraints="demographic_parity", objective="accuracy_score",
                                   prefit=True, predict_method="predict_proba")
postprocessed.fit(X_train, y_train, sensitive_features=X_train["SeniorCitizen"])
post_contacted = postprocessed.predict(X_hold, sensitive_features=X_hold["SeniorCitizen"], random_state=config.SEED)

def row(scores, decisions):
    gaps = trust.fairness_summary(y_hold, decisions, X_hold)["demographic_parity_difference"]
    return {"AUC (recorded)": roc_auc_score(y_hold, scores) if scores is not None else np.nan,
            "accuracy (recorded)": accuracy_score(y_hold, decisions),
            "profit € (recorded labels)": development.expected_profit(y_hold, decisions, 0.5),
            "profit € (audited outcomes)": development.expected_profit(y_audited, decisions, 0.5),
            "parity gap SeniorCitizen": gaps["SeniorCitizen"], "parity gap gender": gaps["gender"]}

comparison = pd.DataFrame({
    "champion": row(hold_scores, contacted),
    "reweighed": row(re_scores, (re_scores >= re_threshold).astype(int)),
    "champion + ThresholdOptimizer": row(None, post_contacted),
}).T
comparison.round(3)

# %% [markdown]
# Read the table honestly, column by column:
#
# * **Fairness**: both mitigations close the senior gap almost completely; reweighing also narrows the gender gap.
# * **Cost on the recorded labels** (what the old KPI report would show): reweighing costs a little AUC and nothing in
#   profit here; the ThresholdOptimizer (tuned for accuracy, not profit) contacts far fewer customers and loses about
#   €2,500, even though its accuracy looks higher.
# * **On the audited outcomes** (what really happens) the reweighed model earns *more* than the champion: the
#   champion spent offers on seniors who were never going to leave.
#
# Fairness and profit are not always in conflict; when the unfairness comes from wrong labels, fixing it helps both.
# When the labels are right, a mitigation usually *does* cost something, and the team must decide, with the
# business, how much it is willing to pay. Note also that per-group thresholds treat customers differently by age,
# which some jurisdictions forbid; reweighing uses the groups only during training.

# %% id="cell-26"
groups = trust.intersection(X_hold)
shares = pd.DataFrame({
    "champion": pd.Series(contacted, index=groups.index).groupby(groups).mean(),
    "reweighed": pd.Series((re_scores >= re_threshold).astype(int), index=groups.index).groupby(groups).mean(),
    "audited churn rate": pd.Series(y_audited.to_numpy(), index=groups.index).groupby(groups).mean(),
})
ax = shares.plot.bar(rot=0, figsize=(8, 3.8), color=["#d62728", "#1f77b4", "#2ca02c"])
ax.set_ylabel("share of the group")
ax.set_title("Share contacted by group, before and after reweighing (hold-out months)")
ax.tick_params(axis="x", labelsize=8)
plt.tight_layout()
plt.show()

# %% [markdown]
# ## 5. May it ship?
#
# The review board updates the gate's policy: besides AUC and profit, the **gap in share contacted** (demographic
# parity) between groups must stay within 0.10, because the audit showed that all groups truly churn alike.
#
# ### Exercise 07.3 — decide whether the model may ship, and why
# Run `validation.gate(...)` with `strict_policy` for the champion (`model`) and for the reweighed model (`reweighed`)
# on the hold-out, and record the board's decision: may each model ship, and which rules does the champion fail?

# %% id="cell-28"
strict_policy = validation.Policy(fairness_metric="selection_rate", max_fairness_gap=0.10)
strict_policy

# %% mlopslab={"exercise": "07.ship_decision"}
# BEGIN STUB
# # champion_decision = validation.gate(model, holdout, strict_policy)
# ship_decision = {
#     "champion_may_ship": ...,    # True or False
#     "reweighed_may_ship": ...,   # True or False
#     "champion_fails": [...],     # the names of the rules the champion fails, e.g. ["auc"]
# }
# END STUB
# BEGIN SOLUTION
champion_decision = validation.gate(model, holdout, strict_policy)
reweighed_decision = validation.gate(reweighed, holdout, strict_policy)
ship_decision = {
    "champion_may_ship": champion_decision.passed,
    "reweighed_may_ship": reweighed_decision.passed,
    "champion_fails": champion_decision.failed,
}
# END SOLUTION

# %% mlopslab={"check": "07.ship_decision"}
check("07.ship_decision", ship_decision, champion=model, reweighed=reweighed, holdout=holdout)

# %% mlopslab={"wrong": "07.ship_decision"}
ship_decision = {
    "champion_may_ship": True,
    "reweighed_may_ship": True,
    "champion_fails": [],
}

# %% [markdown]
# ## 6. The fact sheet
#
# A **fact sheet** (IBM's *AI FactSheets*, Arnold et al., 2019) gathers what a trustworthy-AI review needs in one
# record: purpose, lineage, performance, explanations, fairness, mitigation and the decision. It is assembled from the
# registry and the numbers computed above, then stored in MLflow beside the model. The reweighed model goes through
# lab 06's protocol: logged with its lineage, registered as `challenger`, gated with the strict policy, approved by the
# review board, and promoted only if it passed; the champion's version records the review's finding as a tag.

# %% id="cell-32"
lineage = validation.audit_trail("champion")
champion_gate = validation.gate(model, holdout, strict_policy)
reweighed_gate = validation.gate(reweighed, holdout, strict_policy)

run_id = development.log_run(reweighed, "gbm-reweighed", train, holdout, lineage["data_version"],
                             tags={"mitigation": "reweighing over SeniorCitizen x gender",
                                   "reviewed_model": f"churn version {champion_version}"})
new_version = registry.register(run_id, alias="challenger", tags={"candidate": "gradient boosting, reweighed"})
validation.record_gate(new_version, reweighed_gate)
client = registry.client()
review = "passed" if champion_gate.passed else "failed: " + "; ".join(r for r in champion_gate.reasons if r.startswith("FAIL"))
client.set_model_version_tag(config.MODEL_NAME, champion_version, "trust.review", review)

sheet = trust.fact_sheet({
    "Purpose": "Rank consumer customers by churn risk to choose who receives the €25 retention offer.",
    "Lineage": {"reviewed model": f"churn version {champion_version} ({lineage['run_name']}), "
                                  f"approved by {lineage['approved_by']}",
                "training data": f"{lineage['training_data']}, data version {lineage['data_version'][:12]}",
                "mitigated candidate": f"churn version {new_version} (gbm-reweighed), alias challenger"},
    "Performance": comparison[["AUC (recorded)", "profit € (recorded labels)", "profit € (audited outcomes)"]],
    "Explanations": {"strongest inputs (permutation importance)": ", ".join(importance["feature"].head(5)),
                     "example customer (9339-JOZSO)": "; ".join(r.removeprefix("- ")
                                                                    for r in trust.reasons_in_words(effects, score)[1:])},
    "Fairness": trust.fairness_summary(y_hold, contacted, X_hold),
    "Mitigation": "Reweighing (Kamiran & Calders) over SeniorCitizen x gender; the recorded senior churn was a "
                  "labelling error of a legacy process (datasheet, label audit).",
    "Review decision": {"champion": "; ".join(champion_gate.reasons),
                        "reweighed": "; ".join(reweighed_gate.reasons)},
})
client.log_text(run_id, sheet, "fact_sheet.md")
if reweighed_gate.passed:
    validation.approve(new_version, approver="trustworthy-ai.board@telconova.example",
                       reason="fairness review: label bias mitigated by reweighing; passes the strict gate")
    validation.promote(new_version, reweighed_gate)
display(Markdown(sheet))
validation.versions_table()

# %% [markdown]
# ## Recap
# * **Permutation importance** and **partial dependence** explain the model globally; **per-feature effects** explain
#   one customer's score in words an agent can use; a **what-if** control shows which offer would move it.
# * **fairlearn** measures group metrics (`MetricFrame`) and the gaps behind **demographic parity** and **equalized
#   odds**. Which criterion fits depends on whether you can trust the labels.
# * The disparity here came from **biased labels**; a label audit found it, a gate measuring recall on those labels
#   could not.
# * **Reweighing** closed the gap; its cost (and here its benefit) was measured on recorded *and* audited outcomes.
# * A **fact sheet** in the registry records lineage, metrics, fairness, explanations and the decision.
#
# ### In the real world
# * Explanations: SHAP, LIME and InterpretML; scikit-learn's `inspection` module (used here). Explanations describe a
#   model, not causes in the world.
# * Fairness: fairlearn (Microsoft, now community-run) and IBM's AI Fairness 360 offer metrics and mitigations
#   (reweighing, threshold optimisation, reductions such as `ExponentiatedGradient`).
# * Documentation: model cards, datasheets for datasets, and IBM's AI FactSheets; the EU AI Act and the NIST AI Risk
#   Management Framework ask for this kind of record.
# * Label bias is common wherever labels come from past human or process decisions (hiring, lending, policing):
#   auditing the labels is part of data governance, not an afterthought.
#
# **Next:** lab 08 deploys `churn@champion` and lets an app consume its scores.
