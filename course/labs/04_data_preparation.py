# %% [markdown]
# # Lab 04 — Data preparation for the model
#
# **Stage:** data preparation for the model · **Lead personas:** Data Engineer, Data Scientist
#
# Sprint 2 at TelcoNova. Lab 03's data contract now guards the customer table: what arrives in the training data has
# been checked. The **Data Engineer** and the **Data Scientist** now turn that table into something a model can learn
# from — and they do it so that the exact same steps run again next month, in production, and for the auditor.
#
# ### Learning objectives
# By the end of this lab you can:
# 1. write cleaning decisions down as a declared list of small functions, with a log of what each one changed, and
#    leave the raw data untouched;
# 2. build the feature engineering and encoding as a scikit-learn `Pipeline` / `ColumnTransformer`, so training and
#    serving share one piece of code;
# 3. spot a **target leak** (a column only known after the outcome) and show what it does to the score;
# 4. choose a **time-aware split** and explain what a random split hides;
# 5. make preparation reproducible: seed it, hash its output, and get the same hash twice.
#
# ### Why this matters to the business
# Most models that disappoint in production were not badly trained: they were trained on data prepared differently
# from the data they later score, or on information they will never have when it matters. A leak can make a useless
# model look brilliant in a slide deck. Preparation is where those promises are kept or broken.

# %% id="cell-01"
import inspect

import matplotlib.pyplot as plt
import pandas as pd
from sklearn.compose import ColumnTransformer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import train_test_split
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

from mlopslab import config, data, preparation
from mlopslab.exercises import check
from mlopslab.preparation import CATEGORICAL, NUMERIC, FeatureEngineer
from threadpoolctl import threadpool_limits

config.quiet()
threadpool_limits(1)  # one thread per process: much faster on small shared machines such as Binder
pd.set_option("display.max_colwidth", 80)
customers = data.load_customers()
raw_fingerprint = preparation.frame_hash(customers)  # to prove later that nothing below changed the raw data
print(f"{len(customers):,} customers, {customers.shape[1]} columns, months {customers['month'].min()} to "
      f"{customers['month'].max()}")

# %% [markdown]
# ## 1. Cleaning: decisions written down, logged and reversible
#
# Cleaning is a series of *decisions* ("a customer counted twice is counted once", "we do not invent missing
# values"). When they are buried in an ad-hoc notebook cell that overwrites the data, nobody can tell later what was
# changed, or undo one decision without redoing all of them. The team therefore keeps:
#
# * a **declared list** of cleaning steps, each a small named function with the reason for it;
# * a **log** of what each step changed (rows dropped, cells changed), every time it runs;
# * the **raw data untouched**: each step works on a copy, so dropping a decision is as easy as removing it from the
#   list and running again.
#
# Here is the team's list (`preparation.CLEANING_STEPS`), and what one step looks like inside:

# %% id="cell-03"
pd.DataFrame([(step.name, step.reason) for step in preparation.CLEANING_STEPS], columns=["step", "why"])

# %% id="cell-04"
print(inspect.getsource(preparation.repair_total_charges))

# %% [markdown]
# `preparation.apply_cleaning(raw, steps)` runs the steps in order on a copy and returns the cleaned frame **and** the
# log. First on the 2025 training data, which already passed lab 03's data contract:

# %% id="cell-06"
cleaned, log = preparation.apply_cleaning(customers)
log.drop(columns="reason")

# %% [markdown]
# Nothing to do: a good sign, and a *recorded* one — the log proves the steps ran and found nothing. Now the same
# steps on an incoming batch that did not go through the contract: lab 03's dirty batch (without its row number and
# free-text notes, which are not model inputs).

# %% id="cell-08"
incoming = data.load_dirty_batch().drop(columns=["row", "notes"])  # read as text, as it arrived
incoming_clean, incoming_log = preparation.apply_cleaning(incoming)
incoming_log.drop(columns="reason")

# %% [markdown]
# Every number in that log is a question someone may ask later ("why do we have 226 rows, not 240?") with its answer
# attached. Some examples of what changed:

# %% id="cell-10"
money = incoming["MonthlyCharges"].str.contains(r"\$|,", na=False)
pd.DataFrame({"MonthlyCharges as it arrived": incoming.loc[money, "MonthlyCharges"],
              "after parse_numbers": preparation.parse_numbers(incoming.loc[money])["MonthlyCharges"]})

# %% [markdown]
# **Raw data untouched, decisions reversible.** The raw frames are exactly what was read, and switching a decision off
# is one line: run again without the step. Without `drop_duplicate_ids`, the four repeated customers stay in:

# %% id="cell-12"
print("raw training data unchanged:", preparation.frame_hash(customers) == raw_fingerprint)
print("raw batch still has '$70.35'-style text:", incoming["MonthlyCharges"].str.startswith("$", na=False).any())

without_dedup = [step for step in preparation.CLEANING_STEPS if step.name != "drop_duplicate_ids"]
rows_kept, _ = preparation.apply_cleaning(incoming, without_dedup)
print(f"rows kept: {len(incoming_clean)} with every step, {len(rows_kept)} without drop_duplicate_ids")

# %% [markdown]
# Out-of-range values and unknown categories (a tenure of 240, a "Bitcoin" payment) are not repaired here on purpose:
# they are the data contract's business (lab 03), which quarantines such rows and tells the data's owner.
#
# ## 2. Feature engineering inside the pipeline
#
# The Data Scientist has ideas for features that the raw columns only hint at:
#
# | feature | what it is | why it might help |
# | --- | --- | --- |
# | `tenure_band` | 0–12, 13–24, 25–48, 49–72 months | churn is concentrated in the first year |
# | `services` | number of services the customer has | more services, more reasons to stay |
# | `charges_per_service` | `MonthlyCharges` / `services` | paying a lot for little feels expensive |
# | `is_month_to_month` | 1 for month-to-month contracts | they can leave any month |
# | `auto_pay` | 1 for automatic payment | no monthly decision to pay |
#
# They live in a scikit-learn **transformer**, `FeatureEngineer`, not in a one-off cell: a transformer is a piece of
# code the pipeline runs the same way at training time and at serving time.

# %% id="cell-14"
engineered = FeatureEngineer().fit_transform(customers[data.FEATURES])
engineered[["tenure", "Contract", "MonthlyCharges", *preparation.ENGINEERED]].head(4)

# %% [markdown]
# Do the features separate churners from stayers? Looking beats reading:

# %% id="cell-16"
churned = customers["Churn"].eq("Yes")
fig, axes = plt.subplots(1, 2, figsize=(10, 3.6), sharey=True)
churned.groupby(engineered["tenure_band"]).mean().reindex(preparation.TENURE_LABELS).plot.bar(
    ax=axes[0], color="#4c72b0", rot=0)
axes[0].set(xlabel="tenure band (months)", ylabel="share who churned", title="Churn falls with tenure")
churned.groupby(engineered["services"]).mean().plot.bar(ax=axes[1], color="#dd8452", rot=0)
axes[1].set(xlabel="number of services", title="Churn by number of services")
plt.tight_layout()
plt.show()

# %% [markdown]
# New customers churn several times more often than loyal ones. The number of services tells a story too: customers
# with one service (almost all phone-only, no internet) rarely churn; churn peaks at two services (phone and internet,
# no extras) and falls with every add-on a customer takes. Both features are worth giving the model.
#
# Models need numbers, on comparable scales. A `ColumnTransformer` sends each group of columns to its own step:
#
# * the **numeric** columns (`NUMERIC`: the raw numbers and the numeric engineered features) to `StandardScaler()`
#   (mean 0, standard deviation 1, learned on the training data only);
# * the **categorical** columns (`CATEGORICAL`) to `OneHotEncoder(handle_unknown="ignore", sparse_output=False)`: one
#   0/1 column per category value. `handle_unknown="ignore"` matters in production: a category the model never saw
#   (a new contract type next year) becomes all zeros instead of an error at 3 a.m.

# %% id="cell-18"
print("NUMERIC:    ", NUMERIC)
print("CATEGORICAL:", CATEGORICAL)

# %% [markdown]
# ### Exercise 04.1 — build the preprocessing pipeline
# Complete `preprocessor`: `FeatureEngineer()` first, then a `ColumnTransformer` that standardises `NUMERIC` and
# one-hot encodes `CATEGORICAL` (ignoring unknown categories, dense output). Replace each `...` with a transformer.
# The check fits your pipeline on the training months and also sends it a serving row with a category it has never
# seen.

# %% mlopslab={"exercise": "04.preprocessor"}
# BEGIN STUB
# preprocessor = Pipeline([
#     ("features", FeatureEngineer()),
#     ("encode", ColumnTransformer([
#         ("numeric", ..., NUMERIC),          # a scaler
#         ("categorical", ..., CATEGORICAL),  # an encoder that ignores unknown categories
#     ], verbose_feature_names_out=False)),
# ])
# END STUB
# BEGIN SOLUTION
preprocessor = Pipeline([
    ("features", FeatureEngineer()),
    ("encode", ColumnTransformer([
        ("numeric", StandardScaler(), NUMERIC),
        ("categorical", OneHotEncoder(handle_unknown="ignore", sparse_output=False), CATEGORICAL),
    ], verbose_feature_names_out=False)),
])
# END SOLUTION

# %% mlopslab={"check": "04.preprocessor"}
check("04.preprocessor", preprocessor)

# %% mlopslab={"wrong": "04.preprocessor"}
preprocessor = Pipeline([
    ("features", FeatureEngineer()),
    ("encode", ColumnTransformer([
        ("numeric", "passthrough", NUMERIC),
        ("categorical", OneHotEncoder(sparse_output=False), CATEGORICAL),
    ], verbose_feature_names_out=False)),
])

# %% [markdown]
# The package holds the same pipeline as `preparation.build_preprocessor()`, and `preparation.make_pipeline(model)`
# puts a model behind it: every later lab (and the production service in lab 08) uses exactly this code.
#
# **One pipeline for training and serving.** Fit it once on the training months, then give it a row of January
# 2026's production batch — raw, as it arrives, with no label and no engineered columns. The pipeline computes the
# features itself, the same way as in training:

# %% id="cell-23"
train, test = preparation.time_split(customers, test_months=3)
model = preparation.make_pipeline(LogisticRegression(max_iter=1000, C=0.5))
model.fit(*preparation.split_xy(train))

batch = data.load_batch("2026-01")
incoming_rows = batch[data.FEATURES].head(3)
served = model.named_steps["prep"].named_steps["features"].transform(incoming_rows)
served = served[["tenure", "Contract", *preparation.ENGINEERED]].assign(
    churn_score=model.predict_proba(incoming_rows)[:, 1].round(3))
served.set_axis(batch["customerID"].head(3))

# %% [markdown]
# If the serving team had re-implemented `charges_per_service` in their own code, one rounding difference would be
# enough for the model to see different numbers in production than in training (*training–serving skew*). With one
# pipeline object there is only one implementation.
#
# ## 3. The leakage trap
#
# The Data Scientist's first draft simply used *every* column of the customer table except the id, the month and the
# target — the raw features plus any other numbers the table holds:

# %% id="cell-25"
draft_columns = [c for c in customers.columns if c not in ("customerID", "month", "Churn")]
other_numbers = [c for c in draft_columns if c not in data.FEATURES]
draft = Pipeline([
    ("prep", ColumnTransformer([("features", preparation.build_preprocessor(), data.FEATURES),
                                ("other_numbers", StandardScaler(), other_numbers)])),
    ("model", LogisticRegression(max_iter=1000, C=0.5)),
])
draft.fit(train[draft_columns], train["Churn"].eq("Yes"))
draft_auc = roc_auc_score(test["Churn"].eq("Yes"), draft.predict_proba(test[draft_columns])[:, 1])
print(f"First draft, every column: AUC {draft_auc:.3f} on the test months")

# %% [markdown]
# An AUC above 0.9 for predicting what people will do next month, from contract and billing data? That is too good
# to be true, and *too good to be true* is the classic symptom of **target leakage**: an input that is only known
# *after* the outcome, so it carries the answer inside it. Such a model shines in testing and is useless in
# production, where the leaky column does not exist yet at the moment of scoring.
#
# A quick tool: how well does each column **alone** rank churners above stayers (`preparation.single_feature_auc`;
# 0.5 = no signal, 1.0 = perfect)? A strong predictor is not yet a leak — ask, for each suspicious column, *when is
# this value recorded?* The datasheet (`data/README.md`) says what each column means.

# %% id="cell-27"
preparation.single_feature_auc(customers).head(6)

# %% [markdown]
# ### Exercise 04.2 — find the leaky feature
# Which column of `customers` is only known after the customer churned? Give its name as a string.

# %% mlopslab={"exercise": "04.leaky_feature"}
# BEGIN STUB
# leaky_feature = ...  # a column name, e.g. "tenure"
# END STUB
# BEGIN SOLUTION
leaky_feature = "RefundAmount"
# END SOLUTION

# %% mlopslab={"check": "04.leaky_feature"}
check("04.leaky_feature", leaky_feature)

# %% mlopslab={"wrong": "04.leaky_feature"}
leaky_feature = "Contract"

# %% [markdown]
# **Before and after.** Here is the leak, and the score once it is removed (the honest model from section 2, which
# only uses `data.FEATURES`):

# %% id="cell-32"
honest_auc = roc_auc_score(test["Churn"].eq("Yes"), model.predict_proba(test[data.FEATURES])[:, 1])
refunded = customers["RefundAmount"].gt(0)
print(f"customers with a refund: {refunded[churned].mean():.0%} of churners, {refunded[~churned].mean():.0%} of stayers")
print(f"is RefundAmount in a production batch? {'RefundAmount' in batch.columns}")
pd.DataFrame({"model": ["first draft: every column", "without RefundAmount"],
              "AUC on the test months": [round(draft_auc, 3), round(honest_auc, 3)]})

# %% [markdown]
# A refund is booked when an account is closed: the column records the churn, it does not predict it. The honest
# model is weaker on paper and the only one of the two that can work: the production batch does not even contain
# `RefundAmount`, so the draft model could not have scored a single real customer. `data.FEATURES` is the team's list
# of inputs known at scoring time; every later lab uses it.
#
# ## 4. Choosing the split: why a random split can lie
#
# To estimate how well the model will do, we hold out customers it has not seen. The question is *which* ones. A
# **random split** picks them at random; a **time-aware split** trains on the earlier months and tests on the later
# ones, the way the model will be used: trained on the past, scoring the future.
#
# A random split of the same size mixes the months: most test customers were predicted by a model that had already
# seen *later* months.

# %% id="cell-34"
random_train, random_test = train_test_split(customers, test_size=len(test), random_state=config.SEED,
                                             stratify=customers["Churn"])


def split_summary(name, train_part, test_part):
    later = train_part["month"].to_numpy()[:, None] > test_part["month"].to_numpy()[None, :]
    return {"split": name, "train months": f"{train_part['month'].min()} .. {train_part['month'].max()}",
            "test months": f"{test_part['month'].min()} .. {test_part['month'].max()}",
            "test rows that had later months in training": f"{later.any(axis=0).mean():.0%}"}


pd.DataFrame([split_summary("random", random_train, random_test), split_summary("time-aware", train, test)])


# %% [markdown]
# Does it matter? Compare what each split promises. Besides the AUC, look at the **predicted churn rate** (the average
# churn score) against the **actual churn rate** of the test customers: the Business Analyst sizes the retention
# budget on that number.

# %% id="cell-36"
def split_report(name, train_part, test_part):
    fitted = preparation.make_pipeline(LogisticRegression(max_iter=1000, C=0.5)).fit(*preparation.split_xy(train_part))
    X, y = preparation.split_xy(test_part)
    scores = fitted.predict_proba(X)[:, 1]
    return {"split": name, "AUC": round(roc_auc_score(y, scores), 3),
            "predicted churn rate": round(scores.mean(), 3), "actual churn rate": round(y.mean(), 3)}


pd.DataFrame([split_report("random", random_train, random_test), split_report("time-aware", train, test)])

# %% [markdown]
# On 2025 the two are close. The random split's AUC is a little higher, but a difference of this size comes and goes
# with the random seed (try `random_state=0`, `1`, `2` above): TelcoNova's customers behaved alike every month of
# 2025, as the datasheet says. That is luck, not a licence — a random split cannot *tell* you whether behaviour
# changes over time, because it trains on the very months it tests.
#
# A look ahead shows what it hides. A year later the team has the labelled 2026 batches too (lab 09 tells that
# story: a price rise in June, a competitor's fibre offer in July). Repeat the same comparison on the two years of
# history — a random split versus training up to June 2026 and testing on July to December:

# %% id="cell-38"
production = pd.concat([data.load_batch(m).merge(data.load_labels(m)[["customerID", "Churn"]], on="customerID")
                        for m in data.PRODUCTION_MONTHS])
history = pd.concat([customers.drop(columns="RefundAmount"), production], ignore_index=True)
later_train, later_test = history[history["month"] < "2026-07"], history[history["month"] >= "2026-07"]
later_random_train, later_random_test = train_test_split(history, test_size=len(later_test),
                                                         random_state=config.SEED, stratify=history["Churn"])
pd.DataFrame([split_report("random (2025-2026)", later_random_train, later_random_test),
              split_report("time-aware (2025-2026)", later_train, later_test)])


# %% [markdown]
# The random split promises a churn forecast that is spot on. The time-aware split shows the truth of deploying in
# July: churn jumped (the competitor), and a model trained on the past under-predicts it by about five percentage
# points — a retention budget sized on the random split's promise would be far too small. The random split hid the
# change by letting the "future" months into training. (The AUC even looks *better* on the later months: ranking
# customers still works; what changed is how many of them leave. One number never tells the whole story.)
#
# **Rule:** when the data has a time order and the model will score the future, test on the future.
#
# ### Exercise 04.3 — choose the split
# Write `split_by_time(df, test_months=3)`: it returns `(train, test)` where `test` holds the rows of the last
# `test_months` months of `df["month"]` and `train` holds every earlier row. Do not modify `df`. (The months are
# text like `"2025-10"`, which sorts in time order.)

# %% mlopslab={"exercise": "04.split_by_time"}
# BEGIN STUB
# def split_by_time(df, test_months=3):
#     ...  # return train, test
# END STUB
# BEGIN SOLUTION
def split_by_time(df, test_months=3):
    months = sorted(df["month"].unique())
    cutoff = months[-test_months]
    return df[df["month"] < cutoff], df[df["month"] >= cutoff]
# END SOLUTION


# %% mlopslab={"check": "04.split_by_time"}
check("04.split_by_time", split_by_time)


# %% mlopslab={"wrong": "04.split_by_time"}
def split_by_time(df, test_months=3):
    test = df.sample(frac=test_months / 12, random_state=0)
    return df.drop(test.index), test


# %% [markdown]
# ## 5. Reproducible preparation: seed it, hash it
#
# The team's whole preparation is one function, `preparation.prepare(raw, seed)`: clean (section 1), drop the leaky
# column (section 3), split by time (section 4), and shuffle the training rows once (some learners read rows in order,
# e.g. in mini-batches, and should not see the months in sequence). It returns the prepared frames and a **version**:
# a SHA-256 hash of their content. Same raw data + same code + same seed must give the same hash — on your laptop, on
# Binder, in CI, next year.

# %% id="cell-43"
first = preparation.prepare(customers, seed=config.SEED)
second = preparation.prepare(customers, seed=config.SEED)
print(f"prepared: {len(first.train):,} training rows, {len(first.test):,} test rows")
print("same seed, same hash:      ", first.version == second.version)
print("prepared data version:     ", first.version[:16])

unseeded = [preparation.prepare(customers, seed=None).version for _ in range(2)]
print("no seed, same hash twice:  ", unseeded[0] == unseeded[1])
other_seed = preparation.prepare(customers, seed=config.SEED + 1).version
print("another seed, same hash:   ", other_seed == first.version)

# %% [markdown]
# Without a seed the shuffle differs on every run, so the "same" preparation produces a different data set each time
# and no result can be reproduced exactly. With the seed, the hash is a short, checkable name for the prepared data:
# lab 05 records the data version with every training run, so that anyone can later ask *which data trained this
# model?* and get an exact answer.
#
# ## Recap
# * Cleaning is a declared list of small, named steps with reasons; each run leaves a log, and the raw data is never
#   modified, so every decision can be inspected and undone.
# * Feature engineering and encoding live in one scikit-learn `Pipeline` (`FeatureEngineer` + `ColumnTransformer`),
#   fitted on the training data and reused unchanged for serving; `handle_unknown="ignore"` keeps serving alive.
# * A score that is too good to be true usually is: `RefundAmount` leaked the outcome. Inputs must be known at the
#   moment of scoring.
# * Split by time when the model will score the future; a random split hides change over time.
# * Seed every random step and hash the output: same inputs, same hash.
#
# ### In the real world
# * scikit-learn's `Pipeline`, `ColumnTransformer` and `TimeSeriesSplit` are the everyday tools here; feature stores
#   (Feast, Tecton, Databricks Feature Store) share feature definitions between training and serving at scale.
# * Transformation tools such as dbt keep cleaning steps as versioned, tested code with documentation.
# * Kaufman et al., *Leakage in data mining* (2012), is the classic paper on leaks; Kapoor & Narayanan (2023) found
#   leakage behind many published ML results.
# * Data versioning (DVC, lakeFS, Delta Lake time travel) gives prepared data a version, just like our hash.
#
# **Next:** lab 05 trains candidate models on this prepared data and tracks every run in MLflow.
