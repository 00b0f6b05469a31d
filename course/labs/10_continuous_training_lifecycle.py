# %% [markdown]
# # Lab 10 — Continuous training and the model lifecycle: the 5 Cs
#
# **Stage:** continuous training, validation, deployment, integration and monitoring · **Lead personas:** the whole team
#
# Lab 09 ended with alarms: prices rose in June, a competitor's fibre offer arrived in July, and the champion now
# under-predicts churn for fibre customers. The team could retrain by hand once. MLOps does it as a **loop** that
# runs every month, with the checks a human would do written down as code:
#
# | C | what | who leads it here |
# | --- | --- | --- |
# | continuous **integration** (CI) | every new batch and every code change is tested before it is used | Data Steward (the data contract), Data Engineer (the tests) |
# | continuous **monitoring** (CM) | drift and performance are measured every month | Data Engineer, Data Scientist |
# | continuous **training** (CT) | an alert triggers training a challenger on the latest labelled months | Data Scientist |
# | continuous **validation** (CV) | the challenger must pass the gate and beat the champion | Data Scientist, Business Analyst |
# | continuous **deployment** (CD) | a passing challenger becomes champion by moving an alias; rollback moves it back | Data Engineer, App Developer |
#
# ### Learning objectives
# By the end of this lab you can:
# 1. run data and code tests as a CI step from a notebook;
# 2. explain each step of a drift-triggered retraining loop and read its monthly log;
# 3. write a promotion policy and read the gate's decisions;
# 4. promote and **roll back** a model by moving a registry alias;
# 5. compare a static and a continuously retrained model in **business value**;
# 6. trace **lineage**: which data trained the model that scored a given month.
#
# ### Why this matters to the business
# The Business Analyst's question is simple: *is retraining worth it?* This lab answers it in euros, month by month,
# and shows the safety nets (the gate, the rollback, the lineage) that let the team retrain without fear.

# %% [markdown]
# ## 1. Set-up
#
# The loop promotes and rolls back models, so it gets its own registered model, `churn-lifecycle`: the
# `churn@champion` that other labs serve is never touched. It starts, like every lab, from the course's reference
# champion (gradient boosting trained on 2025), created in your tracking store if it is not there yet.

# %% id="cell-02"
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from mlopslab import config, continuous, data, monitoring, provisioning, registry
from mlopslab.exercises import check

config.quiet()
pd.set_option("display.width", 120)
pd.set_option("display.max_colwidth", 50)

MODEL = "churn-lifecycle"
start = continuous.start_lifecycle(MODEL)
print(f"{MODEL}@champion -> the reference model ({'v' + start})")

# %% [markdown]
# ## 2. Continuous integration: test the data and the code
#
# **Data.** Before a batch is scored, it must pass the data contract that the Data Steward wrote in lab 03
# (`provisioning.validate_batch`): types, ranges, known categories, unique ids, totals consistent with tenure ×
# charges. Every row is either accepted or quarantined, never silently dropped. All twelve production batches pass;
# for contrast, the dirty batch from lab 03 would be stopped:

# %% id="cell-04"
ci = pd.DataFrame([(m, *continuous.ci_check(data.load_batch(m))) for m in data.PRODUCTION_MONTHS],
                  columns=["batch", "passed", "detail"])
dirty = provisioning.validate_batch(data.load_dirty_batch().drop(columns=["row", "notes"]))
print(f"production batches passing the contract: {ci['passed'].sum()} of {len(ci)}")
print(f"dirty batch: {len(dirty.accepted)} accepted, {len(dirty.quarantined)} quarantined "
      f"(in = accepted + quarantined: {dirty.reconciles})")
ci.head(3)

# %% [markdown]
# **Code.** The pipeline's code is tested too. In a real repository these tests live in `tests/` and a CI service
# runs them on every commit; here we hand a few to pytest in-process. They test *properties* that must hold whatever
# the data: PSI is zero for identical samples, the pipeline refuses a batch without a required column, a campaign
# that contacts nobody earns nothing.

# %% id="cell-06"
CODE_TESTS = """
import numpy as np, pytest
from mlopslab import data, monitoring, development, preparation

def test_psi_of_identical_samples_is_zero():
    values = data.load_batch("2026-01")["tenure"]
    assert monitoring.psi(values, values) == pytest.approx(0)

def test_pipeline_refuses_a_batch_without_a_feature():
    with pytest.raises(KeyError, match="MonthlyCharges"):
        preparation.split_xy(data.load_batch("2026-01").drop(columns="MonthlyCharges"))

def test_contacting_nobody_earns_nothing():
    assert development.expected_profit([0, 1, 1], [0.2, 0.4, 0.6], threshold=1.01) == 0
"""
continuous.run_code_checks(CODE_TESTS)

# %% [markdown]
# ## 3. The loop: monitoring, training, validation, deployment
#
# `continuous.simulate_year` walks through 2026 month by month. In each month:
#
# 1. **CI** — the new batch passes the data contract;
# 2. **CM** — the monitor of lab 09 compares the batch with the *current champion's* training data (on a few key
#    features: prices, tenure, internet service, contract), and last month's scores with last month's labels (they
#    have just arrived);
# 3. **CT** — if an alert fired, a challenger (logistic regression, fast to train) is trained on the three newest
#    labelled months *before* the last one;
# 4. **CV** — the last labelled month is the challenger's exam: lab 06's validation gate (minimum AUC, profit uplift,
#    fairness) and the **promotion policy** — it must earn more than the champion on that month and rank at most
#    0.02 AUC worse;
# 5. **CD** — if both pass, the `champion` alias moves to the challenger's registered version;
# 6. the batch is scored by whatever `champion` serves, and the campaign runs.
#
# With `strategy="static"` the loop monitors but never retrains: that is the baseline. The continuous run works
# against the real registry (`registry_name=MODEL`): every challenger is an MLflow run, every promotion an alias move.

# %% id="cell-08"
static = continuous.simulate_year("static")
year = continuous.simulate_year("continuous", registry_name=MODEL)
year.log[["month", "alerts", "alert", "challenger", "model", "version", "profit"]]

# %% [markdown]
# Read the log from the top. January to May: no alert, nothing to do. June: the price rise alerts, a challenger is
# trained — and fails. July: another challenger, rejected again. From August the challengers have seen the new world
# and win their exams. November's challenger loses to the champion it would replace, so the champion stays.
#
# Each retraining's exam, as the gate saw it:

# %% id="cell-10"
year.gates[["month", "trained_on", "gate_month", "challenger_auc", "champion_auc", "challenger_profit",
            "champion_profit", "gate", "beats_champion"]]


# %% [markdown]
# June's challenger beats the champion but fails lab 06's gate: on a single month of 600 customers its contact rate
# differs too much between groups (the fairness rule), and the gate does not negotiate. July's passes the gate but
# earns less than the champion on June's labels: promoting it would have been change for its own sake.
#
# ### Exercise 10.1 — write the promotion policy
# Write `promote(challenger, champion)`. Each argument is a dict with the gate month's `"auc"` and `"profit"`.
# Promote (return `True`) only if the challenger earns **strictly more profit** than the champion **and** its AUC is
# **at most 0.02 below** the champion's. The check tries your function on the year's real challengers and on edge
# cases (a tie, a big AUC drop, exactly 0.02, ...).

# %% mlopslab={"exercise": "10.promotion_policy"}
# BEGIN STUB
# def promote(challenger, champion):
#     ...  # return True or False
# END STUB
# BEGIN SOLUTION
def promote(challenger, champion):
    earns_more = challenger["profit"] > champion["profit"]
    ranks_well_enough = challenger["auc"] >= champion["auc"] - 0.02
    return earns_more and ranks_well_enough
# END SOLUTION


# %% mlopslab={"check": "10.promotion_policy"}
check("10.promotion_policy", promote)


# %% mlopslab={"wrong": "10.promotion_policy"}
def promote(challenger, champion):
    return challenger["profit"] > champion["profit"]


# %% [markdown]
# ## 4. Business value: static vs continuously retrained
#
# The Business Analyst's chart: the campaign's expected profit each month (`development.expected_profit` at each
# serving model's threshold, on the month's real outcomes), for both strategies.

# %% id="cell-15"
comparison = continuous.compare(static, year)
promotions = list(year.log.loc[year.log["challenger"] == "promoted", "month"])
fig = continuous.value_figure(comparison, promotions)
plt.show()
total = comparison[["static", "continuous"]].sum()
print(f"year total: static €{total['static']:,.0f}, continuous €{total['continuous']:,.0f} "
      f"(+€{total['continuous'] - total['static']:,.0f}, {total['continuous'] / total['static'] - 1:+.1%})")

# %% [markdown]
# Until July both strategies serve the same model. From August the retrained models — which have seen the price
# rise, the new sign-ups and the competitor in their training data — earn about €600–1,100 more each month: about
# 10 % more on the months after the drift. The gap is the price of *not* retraining; the gate's rejections cost
# nothing, because a rejected challenger never serves.
#
# ## 5. Lineage: from data version to the alias that serves
#
# An auditor asks: *"Which model decided whom to call in November, and what was it trained on?"* The lineage
# answers without anyone's memory: each month → the model that scored it → its registry version → the data it was
# trained on (a content hash of the training rows) → the month whose labels validated it.

# %% id="cell-17"
lineage = continuous.lineage(year)
lineage

# %% id="cell-18"
aliases = {"champion": registry.alias_version("champion", MODEL), "challenger": registry.alias_version("challenger", MODEL)}
fig = continuous.lineage_figure(year, aliases)
plt.show()

# %% [markdown]
# The same facts are in MLflow: each registered version carries the tags `train_months`, `gate_month`,
# `data_version` and `replaces`, and each challenger's run the tags `trigger` and `gate`. (Version numbers are those
# of a fresh tracking store; on a store that already holds runs they are higher, and the lineage is still right.)
#
# ### Exercise 10.2 — read the lineage of a month
# For the **November 2026** batch: in which month was the model that scored it promoted, which labelled months was it
# trained on (first and last, as `"YYYY-MM..YYYY-MM"`), and which month's labels did its gate use?

# %% mlopslab={"exercise": "10.lineage"}
# BEGIN STUB
# november = {
#     "promoted_in": ...,   # "YYYY-MM"
#     "trained_on": ...,    # "YYYY-MM..YYYY-MM"
#     "gate_month": ...,    # "YYYY-MM"
# }
# END STUB
# BEGIN SOLUTION
november = {
    "promoted_in": "2026-10",
    "trained_on": "2026-06..2026-08",
    "gate_month": "2026-09",
}
# END SOLUTION

# %% mlopslab={"check": "10.lineage"}
check("10.lineage", november)

# %% mlopslab={"wrong": "10.lineage"}
november = {
    "promoted_in": "2026-11",
    "trained_on": "2026-07..2026-09",
    "gate_month": "2026-10",
}

# %% [markdown]
# ## 6. An incident, and a rollback
#
# It is January 2027. Under time pressure, someone trains a "quick fix" on December's batch, skips the gate and
# moves `champion` to it. The code below replays that mistake (a bug shuffled the labels, so the model learned
# nothing). `continuous.promote` records on the new version which one it `replaces`: that tag is what makes a
# rollback a one-liner.

# %% id="cell-23"
from mlopslab import development, preparation

december = continuous.labelled("2026-12")
shuffled = december.assign(Churn=december["Churn"].sample(frac=1, random_state=config.SEED).to_numpy())
hotfix = development.fit_candidate(development.candidate_models()["logistic_regression"], shuffled)
run_id = development.log_run(hotfix, "hotfix-2027-01", shuffled, december, preparation.frame_hash(shuffled)[:12],
                             tags={"gate": "skipped"})
broken = registry.register(run_id, name=MODEL, tags={"incident": "hotfix without gate"})
replaced = continuous.promote(MODEL, broken)
auc_now = monitoring.performance(preparation.split_xy(december)[1], monitoring.score(registry.load("champion", MODEL), december), 0.2)["auc"]
print(f"champion now serves the hotfix; it replaced the version trained on {year.served_by('2026-12').train_months[0]}.."
      f"{year.served_by('2026-12').train_months[-1]}")
print(f"AUC of the served model on December's labels: {auc_now:.2f} (0.5 = coin toss)")

# %% [markdown]
# ### Exercise 10.3 — roll back
# Move `champion` back to the version that served before the incident. Read it from the broken version's tag
# `replaces` (do not retrain, do not delete anything: the broken version stays for the post-mortem), move the alias
# with the MLflow client, and set `rolled_back_to` to that version. The check reads the registry.

# %% mlopslab={"exercise": "10.rollback"}
# BEGIN STUB
# client = registry.client()
# current = client.get_model_version_by_alias(MODEL, "champion")
# print("champion serves", current.version, "with tags", sorted(current.tags))
# rolled_back_to = ...  # the version to return to
# # client.set_registered_model_alias(MODEL, "champion", rolled_back_to)
# END STUB
# BEGIN SOLUTION
client = registry.client()
current = client.get_model_version_by_alias(MODEL, "champion")
rolled_back_to = current.tags["replaces"]
client.set_registered_model_alias(MODEL, "champion", rolled_back_to)
# END SOLUTION

# %% mlopslab={"check": "10.rollback"}
check("10.rollback", rolled_back_to, name=MODEL)

# %% mlopslab={"wrong": "10.rollback"}
client = registry.client()
rolled_back_to = "1"
client.set_registered_model_alias(MODEL, "champion", rolled_back_to)

# %% [markdown]
# ## Recap
# * **CI**: data contracts and code tests run before anything is used; a failed check stops the line.
# * **CM → CT**: the monitor's alerts trigger retraining on the newest labelled months; labels arrive late, so the
#   retrained model is always a little behind the world.
# * **CV**: a challenger must pass the same gate as any model *and* beat the champion on data it has not seen.
# * **CD**: deployment is an alias move; rollback is the same move backwards, recorded in the registry.
# * Here, continuous training earned about 5 % more over the year (about 10 % after the drift) than the static model.
# * **Lineage** links every scored month to a model version, its training data and its exam.
#
# ### In the real world
# * Orchestrators such as **Airflow**, **Prefect**, **Kubeflow Pipelines**, **Argo** or **GitHub Actions** run this
#   loop on a schedule or on an alert; TFX and SageMaker Pipelines package it for their platforms.
# * Deployment by alias is often gradual: **shadow** (the challenger scores but nobody acts on it), **canary** (a
#   few percent of traffic), **A/B tests** with a business metric, and automatic rollback on an error budget.
# * Retraining has costs (compute, review, risk); teams retrain on a schedule, on alerts, or both, and keep a human
#   approval for high-stakes models (lab 06).
# * Google's *ML Test Score* rubric (used in the capstone, lab 11) grades exactly these practices.
#
# **Next:** lab 11, the capstone: a sprint across the roles that delivers the whole pipeline, scored for maturity.
