# %% [markdown]
# # Lab 09 — Model monitoring: is the model still right?
#
# **Stage:** model monitoring · **Lead personas:** Data Engineer, Data Scientist (with the Business Analyst watching the profit)
#
# It is January 2026. TelcoNova's churn model went live: every month the Data Engineer's job scores the new batch of
# customers with the **champion** model, and the retention team phones the ones above the campaign threshold. The
# model was trained on 2025. The world it scores will not stay 2025 for long: the datasheet (`data/README.md`) warns
# of a **price rise in June** and a **competitor's fibre offer in July**, and the true outcome of each month (who
# actually churned) only arrives **a month later**.
#
# ### Learning objectives
# By the end of this lab you can:
# 1. measure **data drift** per feature with the population stability index (PSI) and the Kolmogorov–Smirnov (KS) statistic;
# 2. watch **prediction drift** (the distribution of the model's scores) before any label arrives;
# 3. measure **performance decay** (AUC, calibration by segment, profit) once delayed labels arrive, and say when;
# 4. write **alert rules** with thresholds you can justify, and read a monitoring **dashboard**;
# 5. tell **data drift** (the inputs change) from **concept drift** (what the inputs mean changes).
#
# ### Why this matters to the business
# A churn model that silently goes stale keeps phoning the wrong customers: the campaign budget is spent, the
# customers who actually leave are not called, and nobody notices until the quarterly churn figure. Monitoring turns
# "nobody noticed" into an alert within a month, with enough evidence to decide whether to retrain (lab 10).

# %% [markdown]
# ## 1. Set-up: the champion and its reference data
#
# The monitor needs two things: the model that is **served** (`models:/churn@champion` in the MLflow registry;
# `ensure_champion()` trains and registers the course's reference model if your store has none yet) and the
# **reference** data it was trained on — the yardstick every production batch is compared with. We also keep the
# model's hold-out months: its AUC there is the level that performance in production is compared with.

# %% id="cell-02"
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from mlopslab import config, data, monitoring, registry
from mlopslab.exercises import check

config.quiet()
pd.set_option("display.width", 120)
pd.set_option("display.max_colwidth", 60)

registry.ensure_champion()
champion = registry.load("champion")          # the served model, loaded by alias as the scoring job does
reference, holdout = monitoring.champion_data()  # what the champion was trained on, and its hold-out months
print(f"reference: {len(reference):,} customers from {reference['month'].min()} to {reference['month'].max()}")
print(f"hold-out:  {len(holdout):,} customers from {holdout['month'].min()} to {holdout['month'].max()}")

# %% [markdown]
# ## 2. A year of production batches — and labels that arrive late
#
# Each month brings a batch of 600 customers to score (`data.load_batch`). Their outcome arrives with the next
# month's data (`data.load_labels`, column `label_available`). The table is the Data Engineer's delivery log.

# %% id="cell-04"
batches = {m: data.load_batch(m) for m in data.PRODUCTION_MONTHS}
labels = {m: data.load_labels(m) for m in data.PRODUCTION_MONTHS}
pd.DataFrame({
    "batch": list(batches),
    "rows": [len(b) for b in batches.values()],
    "labels available in": [labels[m]["label_available"].iloc[0] for m in batches],
})

# %% [markdown]
# ## 3. Data drift, by hand: the population stability index
#
# **PSI** compares two distributions of one feature. Cut the *reference* values into bins (here: its ten deciles,
# so each bin holds 10 % of the reference), count which share of the *current* batch falls into each bin, and add up
#
# $$\mathrm{PSI} = \sum_{\text{bins}} (\text{current share} - \text{reference share}) \cdot \ln\frac{\text{current share}}{\text{reference share}}$$
#
# Every term is ≥ 0 (both factors have the same sign), so PSI is 0 for identical shares and grows with the shift.
# The outer bins are open-ended, so values beyond the reference's range still count; an empty bin gets a tiny
# share (0.0001) so the logarithm stays finite.
#
# Below: the monthly charges of January's batch and of June's (after the 15 % price rise), against the reference.

# %% id="cell-06"
shares = {m: monitoring.bin_shares(reference["MonthlyCharges"], batches[m]["MonthlyCharges"]) for m in ["2026-01", "2026-06"]}
fig, ax = plt.subplots(figsize=(9, 3.5))
positions = np.arange(len(shares["2026-01"]))
ax.bar(positions - 0.27, shares["2026-01"]["reference"], 0.27, label="reference (2025)", color="grey")
ax.bar(positions, shares["2026-01"]["current"], 0.27, label="January 2026")
ax.bar(positions + 0.27, shares["2026-06"]["current"], 0.27, label="June 2026 (after the price rise)")
ax.set_xticks(positions, shares["2026-01"]["bin"], rotation=30, ha="right", fontsize=8)
ax.set_ylabel("share of customers")
ax.set_title("MonthlyCharges: reference deciles vs two production batches")
ax.legend()
plt.tight_layout()
plt.show()
for m in shares:
    print(f"PSI of MonthlyCharges in {m}: {monitoring.psi(reference['MonthlyCharges'], batches[m]['MonthlyCharges']):.3f}")


# %% [markdown]
# January's shares scatter around 10 % per bin: that is sampling noise of 600 rows, PSI ≈ 0.02. In June the
# customers have moved up a bin or two: the cheapest deciles empty out and the top bin swells, PSI ≈ 0.6.
#
# **Why 0.1 and 0.25?** These cut-offs come from credit scoring, where PSI has been used for decades to watch
# scorecards: below **0.1** the population is considered stable (a 600-row batch produces about 0.02–0.03 of pure
# noise), **0.1–0.25** is a moderate shift worth a look, above **0.25** a major shift that usually changes a model's
# inputs materially. They are conventions, not laws: section 5 lets you choose your own and see what it costs.
#
# ### Exercise 09.1 — compute PSI yourself
# Write `my_psi(reference, current)` for a numeric feature, following the recipe: bin edges at the reference's
# deciles (`np.quantile(reference, np.linspace(0, 1, 11))`), the first and last edge replaced by −∞ and +∞, the
# shares of both samples per bin (`np.histogram(values, edges)[0] / len(values)`), empty shares floored at 0.0001,
# then the sum above. The check compares your function with the monitor's on three feature/month pairs.

# %% mlopslab={"exercise": "09.psi"}
# BEGIN STUB
# def my_psi(reference, current):
#     ...  # return the PSI of `current` against `reference` (one number)
# END STUB
# BEGIN SOLUTION
def my_psi(reference, current):
    edges = np.quantile(reference, np.linspace(0, 1, 11))
    edges[0], edges[-1] = -np.inf, np.inf
    ref = np.histogram(reference, edges)[0] / len(reference)
    cur = np.histogram(current, edges)[0] / len(current)
    ref, cur = np.clip(ref, 1e-4, None), np.clip(cur, 1e-4, None)
    return float(np.sum((cur - ref) * np.log(cur / ref)))
# END SOLUTION


# %% mlopslab={"check": "09.psi"}
check("09.psi", my_psi)


# %% mlopslab={"wrong": "09.psi"}
def my_psi(reference, current):
    edges = np.quantile(reference, np.linspace(0, 1, 11))
    ref = np.histogram(reference, edges)[0] + 1
    cur = np.histogram(current, edges)[0] + 1
    return float(np.sum((cur - ref) * np.log(cur / ref)))


# %% [markdown]
# ## 4. Every feature, every month
#
# `monitoring.feature_drift` computes PSI for all 19 model inputs (categories get one bin each) and, for numbers,
# the **KS statistic**: the largest vertical gap between the two cumulative distributions (0 = identical, 1 = no
# overlap). KS needs no binning; PSI also works for categories and weighs the tails. Here are the five most drifted
# features of July:

# %% id="cell-11"
monitoring.feature_drift(reference, batches["2026-07"]).head(5)

# %% [markdown]
# July adds a second shift on top of the prices: a wave of **recent sign-ups** (tenure under 12 months) drawn in by
# the market turmoil. `TotalCharges` (≈ tenure × monthly charges) moves with both, but less.
#
# ## 5. Monitoring the whole year
#
# `monitoring.monitor_year` does, for each month, what the monitoring job does: feature drift of the batch against
# the reference, the champion's scores (**prediction drift**: their mean and their PSI against the scores of the
# hold-out months), and — once the labels have arrived — the **performance** of that month's scores:
#
# * `auc`: does the model still *rank* churners above stayers?
# * `churn_rate` vs `predicted_rate`, and `segment_gap`: observed minus predicted churn in the worst customer
#   segment (internet service, contract): is the model still *calibrated* where it matters?
# * `profit`: the campaign's expected profit at the champion's threshold (the Business Analyst's metric).

# %% id="cell-13"
year = monitoring.monitor_year(champion, reference, holdout, batches, labels)
print(f"reference AUC on the hold-out months: {year.reference_auc:.3f}; campaign threshold: {year.threshold:.2f}")
year.table[["month", "psi_MonthlyCharges", "psi_tenure", "prediction_mean", "prediction_psi"]].round(3)

# %% [markdown]
# And the performance of each batch, known only in the `labels_known` month:

# %% id="cell-15"
year.table[["month", "labels_known", "auc", "churn_rate", "predicted_rate", "worst_segment", "segment_gap", "profit"]].round(3)

# %% [markdown]
# Read it column by column:
#
# * **Data drift** jumps in June (prices) and July (tenure) and stays: the world does not go back.
# * **Prediction drift** is mild: the mean score creeps from about 0.26 to 0.31, and the scores' PSI hovers around
#   0.1 (a warning, no alert). The model *sees* the higher prices
#   and the new customers and scores them as riskier — but not as risky as they turn out to be.
# * **AUC never drops** below the reference: the model still ranks customers well. A monitor that watched only AUC
#   would stay silent all year.
# * **Calibration breaks in July**: the churn rate jumps from about 22 % to 34 %, and fibre customers churn far more
#   than predicted (`segment_gap` above +0.10 from July on, never above +0.02 before).
# * **Profit goes up**, because there are more churners to save. Profit alone hides the decay: lab 10 shows how
#   much more a retrained model would have earned.
#
# ### Exercise 09.2 — when do you first *see* the competitor?
# The competitor's offer starts in July. In which month can the monitoring team first measure its effect on
# performance? Give the month as `"YYYY-MM"`.

# %% mlopslab={"exercise": "09.label_delay"}
# BEGIN STUB
# first_visible = ...  # "YYYY-MM"
# END STUB
# BEGIN SOLUTION
first_visible = "2026-08"
# END SOLUTION

# %% mlopslab={"check": "09.label_delay"}
check("09.label_delay", first_visible)

# %% mlopslab={"wrong": "09.label_delay"}
first_visible = "2026-07"

# %% [markdown]
# ## 6. Alert rules
#
# Numbers in a table alert nobody. The team writes its rules down as data (`monitoring.AlertRules`) so that they are
# reviewed, versioned and applied the same way every month:

# %% id="cell-20"
rules = monitoring.AlertRules()
print(rules)
year.alerts

# %% [markdown]
# Note the two dates of every alert: `raised_in` is when the team learns it, `batch` the month it concerns. Data
# alerts are raised in the batch's own month; performance alerts a month later. Nothing fires from January to May,
# the price rise alerts in **June**, and the competitor's concept drift alerts in **August**, as soon as July's
# labels are in.
#
# ### Exercise 09.3 — choose a PSI alert threshold
# One PSI threshold applies to all three key features (`MonthlyCharges`, `TotalCharges`, `tenure`). Choose it so that
# the monitor raises **no false alarm from January to May** and **catches both shifts within their month**: the price
# rise in June and the new sign-ups in July. The table `psi_key` below is your evidence; the check recomputes it.

# %% id="cell-22"
psi_key = year.table.set_index("month")[[f"psi_{f}" for f in monitoring.KEY_FEATURES]]
psi_key.round(3)

# %% mlopslab={"exercise": "09.alert_threshold"}
# BEGIN STUB
# psi_alert = ...  # one PSI value
# END STUB
# BEGIN SOLUTION
psi_alert = 0.25
# END SOLUTION

# %% mlopslab={"check": "09.alert_threshold"}
check("09.alert_threshold", psi_alert)

# %% mlopslab={"wrong": "09.alert_threshold"}
psi_alert = 0.02

# %% [markdown]
# ## 7. The monitoring dashboard
#
# One figure for the weekly stand-up: months on the x-axis, data drift on top, prediction vs reality in the middle,
# performance at the bottom — plotted **in the month its labels arrived**, so the empty January and the extra
# January 2027 show the label delay. Shaded months raised an alert.

# %% id="cell-26"
fig = monitoring.dashboard(year, title="TelcoNova churn model: monitoring 2026")
plt.show()


# %% [markdown]
# ## 8. Data drift or concept drift?
#
# * **Data drift** (covariate shift): the distribution of the *inputs* X changes; the relation P(churn | X) stays.
#   A good model may cope: it has seen high prices before and knows they raise churn.
# * **Concept drift**: the *relation* P(churn | X) changes; the same customer is now more likely to leave. No input
#   statistic can show it; only labels can.
#
# Compare the calibration by segment in June (after the price rise) and in July (after the competitor arrived):

# %% id="cell-28"
def calibration_by_segment(month):
    batch = batches[month]
    y = (labels[month]["Churn"] == "Yes").astype(int)
    return monitoring.segment_gaps(y, monitoring.score(champion, batch), batch[monitoring.SEGMENTS]).set_index("segment")

pd.concat({m: calibration_by_segment(m)["gap"] for m in ["2026-05", "2026-06", "2026-07"]}, axis=1).round(3)

# %% [markdown]
# ### Exercise 09.4 — name the drift
# For each of the three events of the year, say whether it is `"data drift"` or `"concept drift"`, using the
# evidence above (PSI alerts, AUC, segment gaps).

# %% mlopslab={"exercise": "09.drift_types"}
# BEGIN STUB
# drift_type = {
#     "price rise": ...,        # June: monthly charges +15 %
#     "new sign-ups": ...,      # July on: a third of each batch joined in the last year
#     "competitor offer": ...,  # July on: a rival's fibre offer
# }
# END STUB
# BEGIN SOLUTION
drift_type = {
    "price rise": "data drift",
    "new sign-ups": "data drift",
    "competitor offer": "concept drift",
}
# END SOLUTION

# %% mlopslab={"check": "09.drift_types"}
check("09.drift_types", drift_type)

# %% mlopslab={"wrong": "09.drift_types"}
drift_type = {
    "price rise": "concept drift",
    "new sign-ups": "data drift",
    "competitor offer": "data drift",
}


# %% [markdown]
# ## 9. Dial the drift
#
# What if the price rise had been smaller, or the competitor stronger? `what_if` regenerates the production year in
# memory with another drift (`data.make_production` with a `data.Drift`), runs the same monitor with the same rules,
# and reports when each kind of alert first fires. Its defaults are the shipped scenario (15 % price rise,
# competitor effect 1.2 on the churn log-odds of fibre customers).

# %% id="cell-33"
def what_if(price_rise=0.15, competitor_effect=1.2, rules=monitoring.AlertRules()):
    # The monitor's verdict on a production year regenerated with this drift (defaults: the shipped data).
    drift = data.Drift(price_rise=price_rise, competitor_effect=competitor_effect)
    new_batches, new_labels = monitoring.production_year(drift)
    result = monitoring.monitor_year(champion, reference, holdout, new_batches, new_labels, rules=rules,
                                     features=monitoring.KEY_FEATURES)  # the key features only: faster
    table = result.table.set_index("month")
    summary = {
        "price rise": f"{price_rise:.0%}", "competitor effect": competitor_effect,
        "first data alert": result.first_alert("data"), "first performance alert": result.first_alert("performance"),
        "June PSI MonthlyCharges": round(table.at["2026-06", "psi_MonthlyCharges"], 3),
        "mean segment gap Jul-Dec": round(table.loc["2026-07":, "segment_gap"].mean(), 3),
    }
    return summary, result

scenarios = [(0.0, 0.0), (0.05, 0.4), (0.15, 1.2), (0.30, 2.5)]
pd.DataFrame([what_if(p, c)[0] for p, c in scenarios]).fillna("none")

# %% [markdown]
# Read it row by row. Without a price rise or a competitor, July's wave of new sign-ups still raises a (data) alert,
# and rightly so, but performance never alerts. A 5 % price rise only reaches a PSI warning in June, and a weak
# competitor (0.4) is caught in October, three months late: small concept drift hides in the noise of a segment's
# churn rate. The bigger the drift, the sooner and louder the alert. In JupyterLab, move the
# sliders below to watch the whole dashboard react (each move regenerates and re-monitors a year: give it a few
# seconds). Run headless, the cell only creates the controls; the table above is the same computation. The cell's
# output is excluded from the automated comparison because a widget gets a new id on every run.

# %% tags=["nbval-ignore-output"] id="cell-35"
import ipywidgets as widgets

def show_dashboard(price_rise, competitor_effect):
    summary, result = what_if(price_rise, competitor_effect)
    print(summary)
    monitoring.dashboard(result, title=f"price rise {price_rise:.0%}, competitor effect {competitor_effect:g}")
    plt.show()

sliders = {
    "price_rise": widgets.FloatSlider(value=0.15, min=0.0, max=0.4, step=0.05, description="price rise", continuous_update=False),
    "competitor_effect": widgets.FloatSlider(value=1.2, min=0.0, max=3.0, step=0.2, description="competitor", continuous_update=False),
}
panel = widgets.interactive(show_dashboard, {"manual": True, "manual_name": "monitor this year"}, **sliders)
panel

# %% [markdown]
# ## Recap
# * **Data drift** is visible the day a batch arrives: PSI (binned, works for categories) and KS (distance of two
#   CDFs, numbers only) per feature against the training data. PSI 0.1 / 0.25 are customary warn / alert lines.
# * **Prediction drift** watches the model's output distribution, also without labels.
# * **Performance** needs labels, which arrive late: here a month, in real churn problems often more. Watch more
#   than AUC: a model can rank well and still be badly calibrated for one segment.
# * **Alert rules** are code: reviewed thresholds, each alert with the month it was raised and the batch it concerns.
# * **Concept drift** (P(churn | X) changed) only shows in labelled data; data drift alone may need no retraining.
#
# ### In the real world
# * Monitoring tools such as **Evidently**, **NannyML**, **WhyLabs**, **Arize** or cloud services (SageMaker Model
#   Monitor, Vertex AI Model Monitoring) compute these metrics per batch and page someone when a rule fires.
# * With long label delays, teams estimate performance before labels arrive (NannyML's confidence-based estimation)
#   or use proxy labels (a cancellation request before the actual churn).
# * Alert fatigue is real: per-feature alerts on 100 features produce false alarms every week. Teams alert on a few
#   key features and on business metrics, and correct for multiple testing.
# * Monitoring also covers the service itself: latency, errors, missing fields (lab 08).
#
# **Next:** lab 10 closes the loop: the monitor's alerts trigger retraining, a gate validates the challenger, and an
# alias promotes it — the 5 Cs of continuous ML.
