# %% [markdown]
# # Lab 07 — Trustworthy AI: explanations, fairness and a fact sheet
#
# **Stage:** model validation and governance, trustworthy AI review · **Personas:** Data Scientist (leads),
# Business Analyst (approves); the Data Steward joins for the label audit · **Time:** about 90 minutes
#
# Lab 06's gate stopped lab 05's candidate, the logistic regression, on fairness: it would contact seniors far more
# often than other customers. The Data Scientist asked the board to measure recall instead ("seniors simply churn more"). The
# board sent the question to TelcoNova's **trustworthy-AI review**, which asks what the gate cannot: **Why** does the
# model score a customer the way it does? Is the gap **justified** by real differences between customers? And if not,
# what would a **fair** model cost, and may it ship? The Data Scientist explains the model and builds the mitigation;
# the Business Analyst translates the explanations for retention agents, weighs the cost and approves; the Data
# Steward checks the labels the model learned from.
#
# ### Learning objectives
# By the end of this lab you can:
# 1. explain a model **globally** with permutation importance and partial dependence;
# 2. explain **one customer's score** in plain business language, and explore it with a what-if control;
# 3. measure **group fairness** with fairlearn's `MetricFrame` (selection rate, recall, false positive rate by group)
#    and trace a disparity back to **biased labels**;
# 4. write **reweighing** (Kamiran & Calders) and train a mitigated model that does not take age or gender as inputs;
# 5. show why a fairness rule measured on biased labels misleads, and take the mitigated model through the governed
#    gate, its model card, a fact sheet and the Business Analyst's approval to `champion`.
#
# ### Why this matters to the business
# Retention agents will not use scores they cannot explain to a customer, and customers may ask why they were (or
# were not) offered a discount. A model that treats seniors or women differently without cause is a reputational and
# legal risk (anti-discrimination law; the EU AI Act's transparency and data-governance duties). And, as this lab shows,
# unfairness can also be plain bad business: it can waste the campaign budget.
#
# The model under review is the one lab 06 logged: the first cell finds its run `lr-candidate` in MLflow by the
# version of the prepared data it learned from, and loads it. On a store where lab 06 has not run, the cell fits lab
# 06's recipe on the same months instead, which gives the same model.

# %% id="cell-01"
from dataclasses import replace

import matplotlib.pyplot as plt
import mlflow
import mlflow.sklearn
import numpy as np
import pandas as pd
from fairlearn.metrics import MetricFrame, false_positive_rate, selection_rate, true_positive_rate
from fairlearn.postprocessing import ThresholdOptimizer
from IPython.display import Markdown, display
from mlopslab import config, data, development, lineage, policy, preparation, registry, trust, validation
from mlopslab.exercises import check
from sklearn.inspection import partial_dependence, permutation_importance
from sklearn.metrics import roc_auc_score

config.quiet()
config.setup_tracking()
pd.set_option("display.width", 120)
MODEL = config.MODEL_NAME
client = registry.client()


def fit_chosen(frame):
    """Lab 05's candidate recipe: the chosen family (registry.REFERENCE_FAMILY) in lab 04's preprocessing pipeline."""
    return development.fit_candidate(development.candidate_models()[registry.REFERENCE_FAMILY], frame)


prepared = preparation.prepare(data.load_customers(), seed=config.SEED)   # lab 04's preparation, as in labs 05 and 06
train, holdout = prepared.train, prepared.test                           # January-September; October-December
logged = mlflow.search_runs(filter_string=f"tags.mlflow.runName = 'lr-candidate' AND tags.{lineage.TAG} = '{prepared.version}'",
                            order_by=["attributes.start_time DESC"], max_results=1, output_format="list")
if logged:   # lab 06 logged its candidate in this store: review that very model
    candidate = mlflow.sklearn.load_model(f"runs:/{logged[0].info.run_id}/model")
    print("reviewing the model lab 06 logged as its run 'lr-candidate' (read back from MLflow)")
else:        # an empty store: lab 06's recipe on the same months gives the same model
    candidate = fit_chosen(train)
    print("no run 'lr-candidate' from lab 06 in this store: lab 06's recipe, fitted here on the same months (run lab "
          "06 first and this cell reviews the model it logged)")
X_train, y_train = preparation.split_xy(train)
X_hold, y_hold = preparation.split_xy(holdout)
validated = validation.out_of_time_scores(fit_chosen, train)    # the governed threshold rule, as in lab 06
threshold, _ = development.best_threshold(validated["y"], validated["score"])
hold_scores = trust.scores(candidate, X_hold)
contacted = (hold_scores >= threshold).astype(int)
print(f"lab 06's candidate: {registry.REFERENCE_FAMILY}, trained on prepared data {lineage.short(prepared.version)}")
print(f"governed threshold {threshold:.2f}: {contacted.mean():.0%} of {len(holdout):,} hold-out customers contacted")

# %% [markdown]
# ## 1. Global explanations: what drives the model?
#
# **Permutation importance** asks: if we shuffle one input column (breaking its link to churn) and leave the rest, how
# much worse does the model rank customers? A big drop in AUC means the model leans on that input. scikit-learn's
# `permutation_importance` (in `sklearn.inspection`) does the shuffling: it scores the model once, then once per
# shuffle of each column, and returns the mean and the spread of the drops. We use a sample of 400 hold-out customers
# and five shuffles per column, which keeps this to a few seconds; the error bars show how much the answer varies
# between shuffles.

# %% id="cell-03"
sample = X_hold[data.FEATURES].sample(400, random_state=config.SEED)   # the model's raw inputs, 400 customers
with development.one_thread():
    shuffled = permutation_importance(candidate, sample, y_hold.loc[sample.index], scoring="roc_auc", n_repeats=5,
                                      random_state=config.SEED)
importance = pd.DataFrame({"feature": data.FEATURES, "auc_drop": shuffled.importances_mean,
                           "std": shuffled.importances_std})
importance = importance.sort_values("auc_drop", ascending=False, ignore_index=True).round(4)
rank = dict(zip(importance["feature"], importance.index + 1))   # 1 = the strongest input

top = importance.head(10).iloc[::-1]
fig, ax = plt.subplots(figsize=(7, 4))
colors = ["#d62728" if f in trust.SENSITIVE else "#1f77b4" for f in top["feature"]]
ax.barh(top["feature"], top["auc_drop"], xerr=top["std"], color=colors)
ax.set_xlabel("drop in AUC when the column is shuffled")
ax.set_title("Permutation importance (top 10; red: protected attributes)")
plt.tight_layout()
plt.show()
print(f"-> strongest input: {importance.loc[0, 'feature']}; of the {len(rank)} inputs SeniorCitizen ranks "
      f"{rank['SeniorCitizen']}, gender {rank['gender']}")
importance.head(6)

# %% [markdown]
# The contract type and the charges are among the strongest inputs, as the business would expect. But the line above
# also ranks the two protected attributes: **SeniorCitizen** is up among the strongest inputs, and gender has a rank of
# its own further down. The datasheet lists the true drivers of churn (contract, tenure, charges, fibre, payment,
# support, partners); age and gender are not among them. Why would the model need them? Keep the question open for
# section 3.
#
# Tenure, a true driver, barely registers. That is a property of the method, not of churn: the model also sees tenure
# through `TotalCharges` (roughly tenure × monthly charges) and lab 04's tenure bands, so shuffling the `tenure` column
# alone removes little the model cannot read elsewhere. Permutation importance measures what the model would lose,
# and correlated inputs share the credit.
#
# **Partial dependence** shows *how* an input moves the score: give every sampled customer the same value, average the
# scores, repeat for a range of values. scikit-learn's `partial_dependence` does this on the same sample, over a grid
# of values of a numeric input, or over every category of a categorical one.

# %% id="cell-05"
fig, axes = plt.subplots(1, 3, figsize=(12, 3.6), sharey=True)
for ax, feature in zip(axes, ["tenure", "MonthlyCharges", "Contract"]):
    categorical = feature in data.CATEGORIES
    grid_rows = sample if categorical else sample.astype({feature: float})   # a numeric grid needs a float column
    with development.one_thread():
        curve = partial_dependence(candidate, grid_rows, [feature], response_method="predict_proba",
                                   grid_resolution=12, categorical_features=[feature] if categorical else None)
    values, mean_score = curve["grid_values"][0], curve["average"][0]
    if categorical:
        ax.bar(values.astype(str), mean_score, color="#1f77b4")
        ax.tick_params(axis="x", labelsize=8)
    else:
        ax.plot(values, mean_score, marker="o", color="#1f77b4")
    ax.set_xlabel(feature)
axes[0].set_ylabel("average churn score")
fig.suptitle("Partial dependence: the average score if every customer had this value")
plt.tight_layout()
plt.show()

# %% [markdown]
# Risk rises smoothly with the monthly bill, and any contract longer than a month lowers it, the step from
# month-to-month to one year doing most of that. The retention team can act on both (for example, offer a contract
# upgrade); these shapes match the datasheet's true relationships.
#
# Tenure needs a second look. Overall the risk falls with tenure, as the datasheet says, and is highest in the first
# year; but the curve zigzags: it drifts down within each of lab 04's tenure bands and jumps at their edges. The
# model describes tenure with a straight-line term plus one step per band, and partial dependence moves `tenure`
# while holding `TotalCharges` fixed, so most points are customers who cannot exist (sixty months of tenure with a new
# customer's total charges). Read a partial dependence curve for its overall direction, and distrust its details
# where the input is tied to others.
#
# ## 2. Explaining one customer's score
#
# A retention agent calls one customer, not an average. For a **local explanation** we ask, one input at a time: how
# would this customer's score change if that input were typical, i.e. took the values of other customers? The
# difference is the input's **effect** (in percentage points of churn probability); positive effects push the risk up.
# (SHAP values refine the same idea so that effects add up exactly; this simpler version is transparent and fast.)
#
# We explain one customer from December: of the seniors on a month-to-month contract with fibre and phone service,
# the one who has been with TelcoNova longest (the cell prints who). The "typical" values
# come from 200 comparable customers of the training months (who, like this customer, have internet and phone
# service), so that no replacement creates an impossible customer such as online security without internet.

# %% id="cell-07"
december = holdout[(holdout["month"] == holdout["month"].max()) & (holdout["SeniorCitizen"] == 1)
                   & (holdout["Contract"] == "Month-to-month") & (holdout["InternetService"] == "Fiber optic")
                   & (holdout["PhoneService"] == "Yes")]
example_id = december.sort_values("tenure", ascending=False, kind="stable")["customerID"].iloc[0]
customer = trust.customer_frame(holdout[holdout["customerID"] == example_id])
background = trust.comparable_customers(X_train, customer, n=200)
score = trust.scores(candidate, customer)[0]
effects = trust.feature_effects(candidate, customer, background)

print(f"customer {example_id}:")
print(customer[["SeniorCitizen", "gender", "tenure", "Contract", "InternetService", "MonthlyCharges"]].to_string(index=False))
print()
print("\n".join(trust.reasons_in_words(effects, score, top=5)))
reason = effects.assign(rank=effects.index + 1).set_index("feature")   # effects come largest first
senior, gender = reason.loc["SeniorCitizen"], reason.loc["gender"]
print(f"-> strongest reason: {effects.loc[0, 'feature']}; being a senior: {100 * senior['effect']:+.1f} points (rank "
      f"{senior['rank']}); being {gender['value'].lower()}: {100 * gender['effect']:+.1f} points (rank {gender['rank']})")
effects.head(8)


# %% [markdown]
# Most reasons are things the agent can talk about and an offer can address: the month-to-month contract, the fibre
# service, the payment method; the long tenure and the charges paid so far speak for the customer staying. But the
# line above puts **being a senior** among the strongest reasons (its rank and points): a reason the agent could not
# (and should not) give a customer. The same line gives gender's effect, which should be nil: where being a woman or
# a man moves the score by more than a point or so, that is a second warning sign. Both are for the fairness review.
# (Effects are not additive and small ones are noisy: read the top few, not the decimals.)
#
# ### Exercise 07.1 — explain one prediction yourself
# Write `feature_effect(model, customer, feature, background)`: the customer's own score minus their **average** score
# when `feature` is replaced, one background customer at a time, by that background customer's value (every other input
# stays the customer's own). `customer` is a one-row DataFrame, `background` a DataFrame of other customers; scores are
# `model.predict_proba(frame)[:, 1]`. The check compares your function with its own on a few inputs, for this
# customer and for another one.

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
check("07.feature_effect", feature_effect, model=candidate, customer=customer, background=background)


# %% mlopslab={"wrong": "07.feature_effect"}
def feature_effect(model, customer, feature, background):
    own = model.predict_proba(customer)[:, 1][0]
    variants = pd.concat([customer] * len(background), ignore_index=True)
    variants[feature] = background[feature].to_numpy()
    return model.predict_proba(variants)[:, 1].mean() - own


# %% mlopslab={"wrong": "07.feature_effect"}
def feature_effect(model, customer, feature, background):
    variants = pd.concat([customer] * len(background), ignore_index=True)
    variants[feature] = background[feature].to_numpy()
    return model.predict_proba(variants)[:, 1].mean()   # the replaced average alone, not compared with the own score


# %% mlopslab={"shortcut": "07.feature_effect"}
def feature_effect(model, customer, feature, background):  # the package's table of effects
    table = trust.feature_effects(model, customer, background, n_background=len(background))
    return table.set_index("feature").loc[feature, "effect"]


# %% mlopslab={"shortcut": "07.feature_effect"}
def feature_effect(model, customer, feature, background):  # the lab's own table, read off for the feature
    return effects.set_index("feature").loc[feature, "effect"]


# %% [markdown]
# ### What if? Change the contract or the bill
#
# The Business Analyst wants to know which offer would lower this customer's risk most. `trust.what_if(model,
# customer, Contract=None, MonthlyCharges=None)` re-scores the customer; `None` (the default) keeps the customer's own
# value. New monthly charges are an offer from now on: what the customer has paid so far (`TotalCharges`) stays as
# it is. In JupyterLab the control below lets you pick a contract and move the monthly bill up or down; the cell after
# it runs the same function for a few fixed offers, so the lab reads the same without widgets (for example in a
# headless run).

# %% id="cell-12"
trust.what_if_widget(candidate, customer)

# %% id="cell-13"
own = customer.loc[0, "MonthlyCharges"]
offers = {"one-year contract": {"Contract": "One year"}, "two-year contract": {"Contract": "Two year"},
          "€10 discount": {"MonthlyCharges": own - 10},
          "one-year contract + €10 discount": {"Contract": "One year", "MonthlyCharges": own - 10}}
now = trust.what_if(candidate, customer)   # no change: the customer's own score
print(f"churn score now: {now:.3f}")
for name, change in offers.items():
    after = trust.what_if(candidate, customer, **change)
    print(f"-> {name}: {after:.3f}, {'lowers' if after < now else 'raises'} the score by {100 * abs(after - now):.1f} points")

# %% [markdown]
# Read the lines above: a one-year contract lowers the score far more than a €10 discount, useful input for designing
# the offer. A two-year contract lowers it only a little further, as the partial dependence showed: leaving
# month-to-month is what counts. None of the offers touches one of the strongest reasons, being a senior: part of every
# score above comes from age alone. And what-if answers describe the *model*, not guaranteed customer behaviour; few customers in the training
# data may look like this one on the new terms, and only an experiment, such as an A/B test of offers, shows what
# customers actually do.
#
# ## 3. Group fairness: is the campaign fair to every group?
#
# The campaign contacts customers with a score ≥ the threshold. Fairness metrics compare groups defined by a
# **protected attribute** (here `SeniorCitizen` and `gender`):
#
# * **selection rate**: share of a group that is contacted. *Demographic parity* asks for equal selection rates; the
#   governed gate (`policy.GATE`) measures exactly this;
# * **recall** (true positive rate): share of a group's churners who are contacted. *Equal opportunity* asks for equal
#   recall: the rule the Data Scientist proposed;
# * **false positive rate**: share of a group's *non-churners* who are contacted, i.e. offers the group did not need.
#   *Equalized odds* asks for equal recall and equal false positive rates.
#
# fairlearn's **`MetricFrame`** computes any metric for every group in one go: you give it the metrics (a dict of
# name → function of `(y_true, y_pred)`), the true outcomes, the decisions and the groups; `.by_group` is the table and
# `.difference()` the largest gap between groups, per metric.
#
# ### Exercise 07.2 — the group metrics, with fairlearn
# Build `group_frame`, a `MetricFrame` of the campaign on the hold-out months with the three metrics above, named
# `"selection_rate"`, `"recall"` and `"false_positive_rate"` (fairlearn's `selection_rate`, `true_positive_rate` and
# `false_positive_rate`, imported above), for the groups of `SeniorCitizen`. The recorded outcomes are `y_hold`, the
# decisions `contacted` (1 = contacted), the groups `X_hold["SeniorCitizen"]`.

# %% mlopslab={"exercise": "07.group_metrics"}
# BEGIN STUB
# group_frame = ...   # MetricFrame(metrics={"selection_rate": ..., "recall": ..., "false_positive_rate": ...},
# #                                 y_true=..., y_pred=..., sensitive_features=...)
# END STUB
# BEGIN SOLUTION
group_frame = MetricFrame(
    metrics={"selection_rate": selection_rate, "recall": true_positive_rate,
             "false_positive_rate": false_positive_rate},
    y_true=y_hold, y_pred=contacted, sensitive_features=X_hold["SeniorCitizen"],
)
# END SOLUTION

# %% mlopslab={"check": "07.group_metrics"}
check("07.group_metrics", group_frame)

# %% mlopslab={"wrong": "07.group_metrics"}
group_frame = MetricFrame(
    metrics={"selection_rate": selection_rate, "recall": true_positive_rate,
             "false_positive_rate": false_positive_rate},
    y_true=contacted, y_pred=y_hold, sensitive_features=X_hold["SeniorCitizen"],   # outcomes and decisions swapped
)

# %% mlopslab={"wrong": "07.group_metrics"}
group_frame = MetricFrame(
    metrics={"selection_rate": selection_rate, "recall": true_positive_rate,
             "false_positive_rate": false_positive_rate},
    y_true=y_hold, y_pred=contacted, sensitive_features=X_hold["gender"],   # the other protected attribute
)


# %% mlopslab={"shortcut": "07.group_metrics"}
group_frame = MetricFrame(metrics={"selection_rate": selection_rate}, y_true=y_hold, y_pred=contacted,
                          sensitive_features=X_hold["SeniorCitizen"])   # the gate's metric only

# %% [markdown]
# Your frame, by group and as gaps (`difference()`), with fairlearn's two summary criteria for both protected
# attributes beside it:

# %% id="group-frame"
if isinstance(group_frame, MetricFrame):
    display(group_frame.by_group.round(3))
    display(group_frame.difference().round(3).rename("largest gap between groups").to_frame())
trust.fairness_summary(y_hold, contacted, X_hold)

# %% [markdown]
# Seniors are contacted far more often than other customers, and far more of the seniors who *stay* receive an offer:
# the false positive rate gap drives the equalized odds difference. Recall differs far less between the groups (your
# frame's `recall` column; lab 06's table showed it too). That is the Data Scientist's point: "the model reaches
# churners about equally; seniors just churn more."
#
# Do they? The **Data Steward** checks the labels. From October 2025 the billing system records every account closure,
# so for the hold-out months the audit could reconcile each recorded churn with an actual closure
# (`trust.audited_outcomes()`; the datasheet `data/README.md` documents what it found; in this course the audited
# outcomes are the data generator's own, with the injected label bias switched off). The same customers, with the
# recorded and the audited outcome side by side:

# %% id="audit"
audited = trust.audited_outcomes()
assert (audited["customerID"] == holdout["customerID"]).all()   # the same customers, only the label audited
_, y_audited = preparation.split_xy(audited)

rates = pd.DataFrame({
    "recorded churn rate": pd.concat({c: y_hold.groupby(X_hold[c]).mean() for c in trust.SENSITIVE}),
    "audited churn rate": pd.concat({c: y_audited.groupby(X_hold[c]).mean() for c in trust.SENSITIVE}),
    "share contacted": pd.concat({c: pd.Series(contacted).groupby(X_hold[c]).mean() for c in trust.SENSITIVE}),
})
ax = rates.plot.bar(rot=0, figsize=(8, 3.8), color=["#d62728", "#2ca02c", "#7f7f7f"])
ax.set_xticklabels([f"{c}={g}" for c, g in rates.index])
ax.set_ylabel("share of the group (hold-out months)")
ax.set_title("Recorded vs audited churn, and the candidate's contacts, by group")
plt.tight_layout()
plt.show()
rates.round(3)

# %% [markdown]
# The audit finds the bias: a legacy retention process recorded plan downgrades of seniors as churn (and a call-centre
# script did the same for some women). Audited, every group churns at about the same rate. The model learned the
# **recording error**, not customer behaviour: that is why `SeniorCitizen` ranked so high in section 1, and why it
# contacts seniors so much more often. The gap the gate measured is not justified.
#
# The audit covers only the three months the billing system has closures for, and those months are the test, so the
# team cannot simply retrain on audited labels. (From January 2026 churn is recorded from billing closures, the
# legacy process retired.) The model must be trained on the recorded January–September labels, and made fair anyway.
#
# ## 4. Mitigation: reweighing, without age and gender as inputs
#
# The cause is in the labels, so the mitigation starts there. **Reweighing** (Kamiran & Calders, 2012) trains the same
# model with a weight per customer, over the four groups senior × gender:
#
# $$w = \frac{P(\text{group}) \cdot P(\text{label})}{P(\text{group}, \text{label})}$$
#
# Combinations that are over-represented among recorded churners (senior churners) count less, under-represented ones
# more, so that in the weighted data the label no longer depends on the group. Reweighing uses the groups **only
# during training**. To make that true of the model as well, the mitigated pipeline leaves `SeniorCitizen` and
# `gender` out of its inputs (`trust.without_protected`): it still accepts the full customer record, so the apps and
# the scoring service need no change, but no score depends on the two columns.
#
# ### Exercise 07.3 — the reweighing weights
# Write `reweighing_weights(groups, y)`: one weight per customer, P(group) · P(label) / P(group, label), where the
# probabilities are shares of all rows (e.g. P(group) is the share of rows in that customer's group). `groups` and `y`
# are Series of the same length (a group label and 0/1). Return an array or Series of weights, in the rows' order.
# pandas' `value_counts(normalize=True)`, `map` and `groupby(...).transform("size")` do most of the work. The check
# tries your function on data of its own.

# %% mlopslab={"exercise": "07.reweighing"}
# BEGIN STUB
# def reweighing_weights(groups, y):
#     ...  # return one weight per row: P(group) * P(label) / P(group, label)
# END STUB
# BEGIN SOLUTION
def reweighing_weights(groups, y):
    rows = pd.DataFrame({"group": np.asarray(groups), "label": np.asarray(y)})
    share_group = rows["group"].map(rows["group"].value_counts(normalize=True))
    share_label = rows["label"].map(rows["label"].value_counts(normalize=True))
    share_both = rows.groupby(["group", "label"])["label"].transform("size") / len(rows)
    return (share_group * share_label / share_both).to_numpy()
# END SOLUTION


# %% mlopslab={"check": "07.reweighing"}
check("07.reweighing", reweighing_weights)


# %% mlopslab={"wrong": "07.reweighing"}
def reweighing_weights(groups, y):
    rows = pd.DataFrame({"group": np.asarray(groups), "label": np.asarray(y)})
    share_group = rows["group"].map(rows["group"].value_counts(normalize=True))
    share_label = rows["label"].map(rows["label"].value_counts(normalize=True))
    share_both = rows.groupby(["group", "label"])["label"].transform("size") / len(rows)
    return (share_both / (share_group * share_label)).to_numpy()   # upside down


# %% mlopslab={"wrong": "07.reweighing"}
def reweighing_weights(groups, y):
    rows = pd.DataFrame({"group": np.asarray(groups), "label": np.asarray(y)})
    share_group = rows["group"].map(rows["group"].value_counts(normalize=True))
    share_label = rows["label"].map(rows["label"].value_counts(normalize=True))
    share_in_group = rows.groupby("group")["label"].transform(lambda s: s.map(s.value_counts(normalize=True)))
    return (share_group * share_label / share_in_group).to_numpy()   # P(label | group), not P(group, label)


# %% mlopslab={"shortcut": "07.reweighing"}
def reweighing_weights(groups, y):  # the package's own
    return trust._reweighing_weights(groups, y)


# %% [markdown]
# Now the mitigated model: your weights, the same logistic regression, the pipeline without the protected inputs, and
# the governed threshold chosen on validation months exactly as for the candidate (each validation fold reweighs its
# own training months). Until you have written `reweighing_weights`, the package's `trust.fit_mitigated` stands in.

# %% id="mitigate"
def fit_mitigated(frame):
    """The mitigated recipe with your reweighing_weights: weights over senior × gender, no protected inputs."""
    X, y = preparation.split_xy(frame)
    weights = reweighing_weights(trust.intersection(X), y)
    estimator = development.candidate_models()[registry.REFERENCE_FAMILY]   # lab 05's candidate, unfitted
    if weights is None:   # exercise 07.3 not written yet
        return trust.fit_mitigated(frame, estimator)
    with development.one_thread():
        return trust.without_protected(estimator).fit(X, y, model__sample_weight=np.asarray(weights, dtype=float))


mitigated = fit_mitigated(train)
mitigated_validated = validation.out_of_time_scores(fit_mitigated, train)
mitigated_threshold, _ = development.best_threshold(mitigated_validated["y"], mitigated_validated["score"])
mitigated_scores = trust.scores(mitigated, X_hold)
mitigated_contacted = (mitigated_scores >= mitigated_threshold).astype(int)

flipped = X_hold.assign(SeniorCitizen=1 - X_hold["SeniorCitizen"],
                        gender=np.where(X_hold["gender"] == "Male", "Female", "Male"))
print(f"governed threshold of the mitigated model: {mitigated_threshold:.2f}")
print("scores unchanged when every customer's age group and gender are flipped:",
      bool(np.allclose(trust.scores(mitigated, flipped), mitigated_scores)))

# %% [markdown]
# For comparison, fairlearn's **ThresholdOptimizer**, a post-processing mitigation: it keeps the candidate and picks a
# separate threshold per group to equalise selection rates (objective: accuracy). Each model is read on the recorded
# labels (what the old KPI report would show) and on the audited outcomes (what really happened).

# %% id="compare"
postprocessed = ThresholdOptimizer(estimator=candidate, constraints="demographic_parity", objective="accuracy_score",
                                   prefit=True, predict_method="predict_proba")
postprocessed.fit(X_train, y_train, sensitive_features=X_train["SeniorCitizen"])
post_contacted = postprocessed.predict(X_hold, sensitive_features=X_hold["SeniorCitizen"], random_state=config.SEED)


def row(scores, decisions):
    """One model's campaign on the hold-out months: ranking, reach, profit on both kinds of outcome, parity gaps."""
    gaps = trust.fairness_summary(y_hold, decisions, X_hold)["demographic_parity_difference"]
    return {"AUC (recorded)": roc_auc_score(y_hold, scores) if scores is not None else np.nan,
            "share contacted": np.mean(decisions),
            "profit € (recorded labels)": development.expected_profit(y_hold, decisions, 0.5),
            "profit € (audited outcomes)": development.expected_profit(y_audited, decisions, 0.5),
            "parity gap SeniorCitizen": gaps["SeniorCitizen"], "parity gap gender": gaps["gender"]}


comparison = pd.DataFrame({
    "candidate": row(hold_scores, contacted),
    "mitigated (reweighed, no protected inputs)": row(mitigated_scores, mitigated_contacted),
    "candidate + ThresholdOptimizer": row(None, post_contacted),
}).T
comparison.round(3)

# %% [markdown]
# Read the table honestly, column by column:
#
# * **Fairness**: both mitigations close the senior gap; the mitigated model also narrows the gender gap.
# * **Cost on the recorded labels** (what the old KPI report would show): the mitigated model ranks a little worse and
#   earns a little less; the ThresholdOptimizer (tuned for accuracy, not profit) contacts far fewer customers (see
#   *share contacted*) and earns the least of the three.
# * **On the audited outcomes** (what really happens) the mitigated model earns *more* than the candidate: the
#   candidate spent offers on seniors who were never going to leave.
#
# Fairness and profit are not always in conflict; when the unfairness comes from wrong labels, fixing it helps both.
# When the labels are right, a mitigation usually *does* cost something, and the team must decide, with the business,
# how much it is willing to pay. Per-group thresholds also treat customers differently by age at decision time, which
# some jurisdictions forbid; the mitigated model never sees age or gender when it scores.
#
# Why both steps? Leaving the columns out stops the model from using them directly, but other inputs can stand in for
# them (a *proxy*: a postcode for ethnicity, a product for age). Reweighing removes the dependence from the training
# labels themselves, so no input can carry it. In this synthetic data age and gender happen to be unrelated to the
# other inputs, so either step would do much of the work here; in real data proxies are the rule.

# %% id="shares"
groups = trust.intersection(X_hold)
shares = pd.DataFrame({
    "candidate": pd.Series(contacted, index=groups.index).groupby(groups).mean(),
    "mitigated": pd.Series(mitigated_contacted, index=groups.index).groupby(groups).mean(),
    "audited churn rate": pd.Series(y_audited.to_numpy(), index=groups.index).groupby(groups).mean(),
})
ax = shares.plot.bar(rot=0, figsize=(8, 3.8), color=["#d62728", "#1f77b4", "#2ca02c"])
ax.set_ylabel("share of the group")
ax.set_title("Share contacted by group, before and after mitigation (hold-out months)")
ax.tick_params(axis="x", labelsize=8)
plt.tight_layout()
plt.show()
spread = shares.max() - shares.min()   # between the most and the least of the four groups, per column
print(f"-> spread between the groups: share contacted {spread['candidate']:.3f} (candidate), {spread['mitigated']:.3f} "
      f"(mitigated); audited churn rate {spread['audited churn rate']:.3f}. The candidate contacts "
      f"{shares['candidate'].idxmax()} most, {shares['candidate'].idxmin()} least")
shares.round(3)

# %% [markdown]
# Group by group (senior × gender, the table under the chart), compare the spreads in the line above: how far apart
# the groups' shares contacted lie, against how far apart their audited churn rates lie. A candidate whose shares
# spread several times wider than the churn rates contacts some groups far more often than others that churn just as
# often; a mitigated model whose shares spread no wider than the churn rates treats the groups alike.
#
# ## 5. May it ship? The board's rule, tested
#
# The Data Scientist's proposal is still on the table: measure **recall** (equal opportunity) instead of the share
# contacted. Recall is computed against churn labels, so the question is which labels.
#
# ### Exercise 07.4 — the recall gap, on recorded and on audited outcomes
# Write `recall_gap(outcomes, decisions, groups)`: the largest difference in recall between the groups (a
# `MetricFrame` with `true_positive_rate`, then `.difference()`; fairlearn's `equal_opportunity_difference`; or
# pandas). The check also runs it on cases of its own; the course's own gate and monitor code may not do it for you. Then, for the candidate (`contacted`) and the mitigated model (`mitigated_contacted`), compute the recall gap by
# `SeniorCitizen` against the recorded outcomes (`y_hold`) and against the audited outcomes (`y_audited`), and put
# the four gaps in the dict below.

# %% mlopslab={"exercise": "07.recall_gaps"}
# BEGIN STUB
# def recall_gap(outcomes, decisions, groups):
#     ...  # return one number: the largest difference in recall between the groups
#
#
# recall_gaps = {
#     "candidate": {"recorded": ..., "audited": ...},
#     "mitigated": {"recorded": ..., "audited": ...},
# }
# END STUB
# BEGIN SOLUTION
def recall_gap(outcomes, decisions, groups):
    by_group = MetricFrame(metrics=true_positive_rate, y_true=outcomes, y_pred=decisions, sensitive_features=groups)
    return by_group.difference()


seniors = X_hold["SeniorCitizen"]
recall_gaps = {
    "candidate": {"recorded": recall_gap(y_hold, contacted, seniors),
                  "audited": recall_gap(y_audited, contacted, seniors)},
    "mitigated": {"recorded": recall_gap(y_hold, mitigated_contacted, seniors),
                  "audited": recall_gap(y_audited, mitigated_contacted, seniors)},
}
# END SOLUTION

# %% mlopslab={"check": "07.recall_gaps"}
check("07.recall_gaps", recall_gaps, recall_gap=recall_gap, mitigated=mitigated, mitigated_threshold=mitigated_threshold)


# %% mlopslab={"wrong": "07.recall_gaps"}
def recall_gap(outcomes, decisions, groups):
    by_group = MetricFrame(metrics=selection_rate, y_true=outcomes, y_pred=decisions,   # the share contacted
                           sensitive_features=groups)
    return by_group.difference()


seniors = X_hold["SeniorCitizen"]
recall_gaps = {
    "candidate": {"recorded": recall_gap(y_hold, contacted, seniors),
                  "audited": recall_gap(y_audited, contacted, seniors)},
    "mitigated": {"recorded": recall_gap(y_hold, mitigated_contacted, seniors),
                  "audited": recall_gap(y_audited, mitigated_contacted, seniors)},
}


# %% mlopslab={"wrong": "07.recall_gaps"}
def recall_gap(outcomes, decisions, groups):
    by_group = MetricFrame(metrics={"recall": true_positive_rate}, y_true=outcomes, y_pred=decisions,
                           sensitive_features=groups)
    return by_group.difference()   # a dict of metrics: one gap per metric, a Series


seniors = X_hold["SeniorCitizen"]
recall_gaps = {
    "candidate": {"recorded": recall_gap(y_hold, contacted, seniors),
                  "audited": recall_gap(y_audited, contacted, seniors)},
    "mitigated": {"recorded": recall_gap(y_hold, mitigated_contacted, seniors),
                  "audited": recall_gap(y_audited, mitigated_contacted, seniors)},
}


# %% mlopslab={"shortcut": "07.recall_gaps"}
def recall_gap(outcomes, decisions, groups):
    """The gate's own gap computation, asked for recall."""
    return validation._group_gaps(outcomes, np.asarray(decisions) == 1, pd.DataFrame({"g": np.asarray(groups)}),
                                  "recall")["g"]


seniors = X_hold["SeniorCitizen"]
recall_gaps = {
    "candidate": {"recorded": recall_gap(y_hold, contacted, seniors),
                  "audited": recall_gap(y_audited, contacted, seniors)},
    "mitigated": {"recorded": recall_gap(y_hold, mitigated_contacted, seniors),
                  "audited": recall_gap(y_audited, mitigated_contacted, seniors)},
}

# %% mlopslab={"shortcut": "07.recall_gaps"}
from mlopslab import monitoring


def recall_gap(outcomes, decisions, groups):
    """The monitor's calibration table, read as recall: the mean decision per group among the churners."""
    churners = np.asarray(outcomes) == 1
    table = monitoring.segment_gaps(np.asarray(decisions)[churners], np.zeros(churners.sum()),
                                    pd.DataFrame({"g": np.asarray(groups)[churners]}))
    return float(table["observed"].max() - table["observed"].min())


seniors = X_hold["SeniorCitizen"]
recall_gaps = {
    "candidate": {"recorded": recall_gap(y_hold, contacted, seniors),
                  "audited": recall_gap(y_audited, contacted, seniors)},
    "mitigated": {"recorded": recall_gap(y_hold, mitigated_contacted, seniors),
                  "audited": recall_gap(y_audited, mitigated_contacted, seniors)},
}

# %% [markdown]
# Your four numbers as a table, and both models through the gate: under the governed policy, and, as an illustration
# only, under the rule the Data Scientist proposed (recall, measured on the recorded labels):

# %% id="board"
if all(isinstance(v, float) for gaps in recall_gaps.values() for v in gaps.values()):
    display(pd.DataFrame(recall_gaps).T.astype(float).round(3).rename_axis("recall gap by SeniorCitizen"))
proposed = replace(policy.GATE, fairness_metric="recall")  # illustration: the rule proposed, not the governed policy
verdicts = {}
for name, model, cut in (("candidate", candidate, threshold), ("mitigated", mitigated, mitigated_threshold)):
    verdicts[name] = {rule_name: validation.gate(model, holdout, rule, cut).passed
                      for rule_name, rule in (("governed gate", policy.GATE), ("recall rule (illustration)", proposed))}
pd.DataFrame(verdicts).T.replace({True: "pass", False: "FAIL"})

# %% [markdown]
# On the recorded labels the recall rule gets it backwards: it would pass the biased candidate and fail the fair
# model. A senior who merely downgraded their plan counts as a "churner" the fair model did not contact, so its recall
# for seniors looks poor. Against the audited outcomes the picture flips. A fairness rule measured on labels is only
# as trustworthy as the labels; the share contacted needs no labels at all.
#
# The board keeps its rule (`policy.GATE`, as lab 06 applied it; labs 10 and 11 gate every retrained model with it),
# and the mitigated model passes it. The candidate stays rejected.
#
# ## 6. The fact sheet, the approval, the champion
#
# A **fact sheet** (IBM's *AI FactSheets*, Arnold et al., 2019) gathers what a trustworthy-AI review needs in one
# record: purpose, lineage, performance, explanations, fairness, mitigation and the decision. The mitigated model now
# goes through lab 06's approval chain (`policy.APPROVAL`), this time with the package's helpers for the steps you
# wrote there: logged with its lineage and author, registered as `challenger`, its gate verdict and governed threshold
# recorded, its **model card and this fact sheet logged before** the Business Analyst approves, and only then
# promoted to `champion` by `validation.promote`, which checks the whole chain like your lab-06 `promote`.

# %% id="register"
data_version = prepared.version   # lab 04's prepared data: the version lab 05's and lab 06's runs carry
decision = validation.gate(mitigated, holdout, policy.GATE, mitigated_threshold)
run_id = development.log_run(mitigated, registry.CHAMPION_RUN_NAME, train, holdout, data_version, tags={
    policy.APPROVAL.author_tag: policy.APPROVAL.author, "source_data_version": prepared.source_version,
    "mitigation": "reweighing over SeniorCitizen x gender; SeniorCitizen and gender not model inputs"},
    threshold=mitigated_threshold)
version = registry.register(run_id, alias="challenger", tags={policy.APPROVAL.author_tag: policy.APPROVAL.author,
                                                              lineage.TAG: data_version})
validation.record_gate(version, decision)
print(decision)
print(f"registered as {MODEL} version {version} (alias challenger); {policy.THRESHOLD.tag} = "
      f"{client.get_model_version(MODEL, version).tags[policy.THRESHOLD.tag]}")

# %% id="fact-sheet"
review = "; ".join(f"{name}: {'passes' if v['governed gate'] else 'fails'} the governed gate, "
                   f"{'passes' if v['recall rule (illustration)'] else 'fails'} the proposed recall rule"
                   for name, v in verdicts.items())
sheet = trust.fact_sheet({
    "Purpose": f"Rank consumer customers by churn risk to choose who receives the €{policy.ECONOMICS.offer_cost:g} "
               "retention offer.",
    "Lineage": {"reviewed candidate": f"{registry.family_name(candidate)} on the recorded 2025 labels (lab 05's "
                                      "choice, lab 06's lr-candidate), stopped by the governed gate on fairness",
                "mitigated model": f"{MODEL} version {version} ({registry.CHAMPION_RUN_NAME}), author "
                                   f"{policy.APPROVAL.author}",
                "training data": f"{len(train):,} customers, {train['month'].min()} to {train['month'].max()}, "
                                 f"lab 04's prepared data, {lineage.TAG} {lineage.short(data_version)}",
                "label audit": f"{len(audited):,} customers, {audited['month'].min()} to {audited['month'].max()}"},
    "Performance": comparison[["AUC (recorded)", "share contacted", "profit € (recorded labels)",
                               "profit € (audited outcomes)"]],
    "Explanations": {"strongest inputs of the candidate": ", ".join(importance["feature"].head(5)),
                     f"example customer ({example_id})": "; ".join(r.removeprefix("- ")
                                                                for r in trust.reasons_in_words(effects, score)[1:])},
    "Fairness": comparison[["parity gap SeniorCitizen", "parity gap gender"]],
    "Mitigation": "Reweighing (Kamiran & Calders) over SeniorCitizen x gender in training; SeniorCitizen and gender "
                  "are not model inputs. The recorded senior churn was a labelling error of a legacy process "
                  "(label audit of the hold-out months).",
    "Review decision": f"{review} (measured on the recorded labels). The board keeps its rule on the share "
                       "contacted, which needs no labels; the mitigated model may ship after approval.",
})
card = registry.champion_card(decision, train, holdout, mitigated, data_version, version)
validation.log_model_card(run_id, card, version=version)       # the card: before any approval
client.log_text(run_id, sheet, "fact_sheet.md")                 # the review's record, beside it
display(Markdown(sheet))

# %% [markdown]
# ### Written exercise 07.J — the fact sheet's judgement
# Before the approval below, the Business Analyst writes the review's judgement under the fact sheet: is the mitigated
# model fit to ship for the retention campaign? Write it in the cell below: your verdict; the evidence from the fact
# sheet that weighs most (fairness before and after mitigation, and profit on the recorded labels against the audited
# outcomes); the risk that is left and how it will be watched; and what you would tell the agents who see a
# customer's reasons beside the score. A person reads and scores it against this rubric.

# %% id="code-judgement-rubric"
from mlopslab.rubrics import show_rubric

show_rubric("07.fact_sheet_judgement")

# %% [markdown] mlopslab={"written": "07.fact_sheet_judgement"}
# *Your judgement (double-click to edit, then replace this text):*
#
# * **Verdict:** …
# * **The evidence that weighs most:** …
# * **The risk left, and how it is watched:** …
# * **What the agents are told:** …

# %% [markdown] mlopslab={"model_answer": "07.fact_sheet_judgement"}
# **Model answer (graders only).** Fit to ship, after approval by the Business Analyst. The reviewed candidate would
# have contacted seniors far more often than others; the label audit showed that much of the seniors' recorded churn
# was a labelling error of a legacy process, and the mitigated model (reweighing, no sensitive inputs) brings the gap
# in the share contacted under the governed maximum while keeping most of the profit; on the audited outcomes it earns
# at least as much as the candidate, so fairness did not cost the business. The risk left: fairness was audited for
# seniority and gender only, on a few months, and the customers and outcomes may drift; the monitor (lab 09) applies
# the governed fairness rule (the gap in the share contacted by SeniorCitizen and gender) to every month's batch and,
# once the outcomes arrive, checks calibration and profit, and every retrained model (lab 10) goes through the same
# gate, fairness rule included. The agents are told that the reasons explain the score, not the customer's motives,
# and that they may not be used to treat any group differently.

# %% [markdown]
# The Business Analyst has read the card and the fact sheet. The author cannot approve, the approver can, and the
# promotion step checks the record before it moves `champion`:

# %% id="approve"
try:
    validation.approve(version, approver=policy.APPROVAL.author, reason="my own model looks fine")
except ValueError as refusal:
    print("refused:", refusal)
if decision.passed:
    validation.approve(version, approver=policy.APPROVAL.approver,
                       reason="passes the governed gate; model card and fact sheet reviewed; label bias mitigated")
    validation.promote(version)
else:
    print("the mitigated model failed the gate: nobody may approve it, and champion does not move")
print(f"{MODEL}@champion is now version {registry.alias_version('champion')}")
validation.versions_table()

# %% [markdown]
# This is the champion that labs 08–11 serve: the mitigated logistic regression, with its governed threshold on the
# version (tag `gate.threshold`). On an empty store `registry.ensure_champion()` rebuilds exactly this model through
# the same chain, so every later lab starts from it.
#
# ## Recap
# * **Permutation importance** and **partial dependence** explain the model globally; **per-feature effects** explain
#   one customer's score in words an agent can use; a **what-if** control shows which offer would move it.
# * fairlearn's **`MetricFrame`** measures any metric by group; the gaps behind **demographic parity**, **equal
#   opportunity** and **equalized odds** answer different questions.
# * The disparity here came from **biased labels**; a label audit found it. A fairness rule measured on those labels
#   (recall) would have passed the biased model and failed the fair one, so the board keeps a rule that needs no
#   labels.
# * **Reweighing** in training, with age and gender left out of the model's inputs, closed the gap; its cost (and here
#   its benefit) was measured on recorded *and* audited outcomes.
# * A **fact sheet** and a **model card** in the registry, then an approval by someone other than the author, then the
#   alias: the mitigated model is the champion.
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
