# %% [markdown]
# # Lab 04 — Data preparation for the model
#
# **Stage:** data preparation for the model · **Lead personas:** Data Engineer, Data Scientist ·
# **Time:** about 100 minutes
#
# The preparation stories of lab 02's backlog (S06 to S08) at TelcoNova. Lab 03's data contract now guards the
# customer table: what arrives in the training data has been checked. The **Data Engineer** and the **Data Scientist**
# now turn that table into something a model can learn from, and they do it so that the exact same steps run again
# next month, in production, and for the auditor.
#
# ### Learning objectives
# By the end of this lab you can:
# 1. write a cleaning decision as a small, named step that leaves the raw data untouched and logs what it changed,
#    and keep it consistent with the data contract;
# 2. build the preprocessing as one scikit-learn `Pipeline` (engineered features, then a `ColumnTransformer` that
#    scales numbers and encodes categories), and add an engineered feature that it computes the same way in training
#    and in serving, judged on validation months;
# 3. scan the columns for a **target leak** (a value only known after the outcome) and show what it does to the score;
# 4. split the months into **train, validation and test** in time order, and explain what a random split hides;
# 5. explain what makes preparation reproducible: a seed, a **data version** of its output (`mlopslab.lineage`), and
#    a record in MLflow, so that lab 05 can prove it trains on exactly this data (the team's code does it here; you
#    logged a version yourself in lab 03 and will again in lab 05).
#
# ### Why this matters to the business
# Most models that disappoint in production were not badly trained: they were trained on data prepared differently
# from the data they later score, or on information they will never have when it matters. A leak can make a useless
# model look brilliant in a slide deck. Preparation is where those promises are kept or broken.

# %% id="cell-01"
import inspect
import tempfile
from pathlib import Path

import matplotlib.pyplot as plt
import mlflow
import numpy as np
import pandas as pd
from mlopslab import config, data, lineage, preparation, provisioning
from mlopslab.exercises import check
from mlopslab.preparation import CATEGORICAL, NUMERIC, CleaningStep, FeatureEngineer
from sklearn.compose import ColumnTransformer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import train_test_split
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler
from threadpoolctl import threadpool_limits

config.quiet()
threadpool_limits(1)  # one thread per process: much faster on small shared machines such as Binder
config.setup_tracking()  # MLflow -> the course tracking store (section 5 records the prepared data there)
pd.set_option("display.max_colwidth", 80)
customers = data.load_customers()
raw_version = lineage.data_version(customers)  # to prove later that nothing below changed the raw data
print(f"{len(customers):,} customers, {customers.shape[1]} columns, months {customers['month'].min()} to "
      f"{customers['month'].max()}; data version {lineage.short(raw_version)}")
provisioned = mlflow.search_runs(filter_string=f"tags.{lineage.TAG} = '{raw_version}' AND metrics.rows_in >= 0",
                                 order_by=["attributes.start_time DESC"], max_results=1)
if len(provisioned):  # lab 03's exercise 03.5 logged the contract's verdict on this very version
    counts = provisioned.iloc[0]
    print(f"lab 03's provisioning record of this version: {counts['metrics.rows_in']:.0f} rows in, "
          f"{counts['metrics.accepted']:.0f} accepted, {counts['metrics.quarantined']:.0f} quarantined")
else:                 # an empty store: the contract's verdict, checked here instead of assumed
    checked_now = provisioning.validate_batch(customers)
    print(f"no provisioning record of this version in the store (lab 03's exercise 03.5 logs one); the contract "
          f"now: {checked_now.rows_in} rows in, {len(checked_now.accepted)} accepted, "
          f"{len(checked_now.quarantined)} quarantined")

# %% [markdown]
# The data version is the one lab 03 gave `customers.csv`: `lineage.data_version` hashes the content, so the file on
# disk and the frame in memory have the same version, and a search by it finds lab 03's record of the contract's
# verdict on it.
#
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
# Here is the team's list so far (`preparation.CLEANING_STEPS`), and what one step looks like inside:

# %% id="cell-03"
pd.DataFrame([(step.name, step.reason) for step in preparation.CLEANING_STEPS], columns=["step", "why"])

# %% id="cell-04"
print(inspect.getsource(preparation.parse_numbers))

# %% [markdown]
# `preparation.apply_cleaning(raw, steps)` runs the steps in order on a copy and returns the cleaned frame **and** the
# log. First on the 2025 training data, which already passed lab 03's data contract:

# %% id="cell-06"
cleaned, log = preparation.apply_cleaning(customers)
log.drop(columns="reason")

# %% [markdown]
# Nothing to do: a good sign, and a *recorded* one: the log proves the steps ran and found nothing. Now the same
# steps on an incoming batch that did not go through the contract: lab 03's dirty batch (without its row number and
# free-text notes, which are not model inputs).

# %% id="cell-08"
incoming = data.load_dirty_batch().drop(columns=["row", "notes"])  # read as text, as it arrived
incoming_clean, incoming_log = preparation.apply_cleaning(incoming)
incoming_log.drop(columns="reason")

# %% [markdown]
# Every number in that log is a question someone may ask later ("why did rows disappear?") with its answer attached.
# Here is what `parse_numbers` did to the charges written as text:

# %% id="cell-10"
money = incoming["MonthlyCharges"].str.contains(r"\$|,", na=False)
pd.DataFrame({"MonthlyCharges as it arrived": incoming.loc[money, "MonthlyCharges"],
              "after parse_numbers": preparation.parse_numbers(incoming.loc[money])["MonthlyCharges"]})

# %% [markdown]
# **Raw data untouched, decisions reversible.** The raw frames are exactly what was read, and switching a decision off
# is one line: run again without the step. Without `drop_duplicate_ids`, the repeated customers stay in:

# %% id="cell-12"
print("raw training data unchanged:", lineage.data_version(customers) == raw_version)
print("raw batch still has '$70.35'-style text:", incoming["MonthlyCharges"].str.startswith("$", na=False).any())

without_dedup = [step for step in preparation.CLEANING_STEPS if step.name != "drop_duplicate_ids"]
rows_kept, _ = preparation.apply_cleaning(incoming, without_dedup)
print(f"rows kept: {len(incoming_clean)} with every step, {len(rows_kept)} without drop_duplicate_ids")

# %% [markdown]
# Out-of-range values and unknown categories (a tenure of twenty years, a "Bitcoin" payment) are not repaired here on
# purpose: they are the data contract's business (lab 03), which quarantines such rows and tells the data's owner.
#
# **One decision is still open: totals that do not add up.** The data contract has a rule for them: `TotalCharges`
# must be close to `tenure` × `MonthlyCharges`. Here it is, as the contract keeps it:

# %% id="cell-rule"
print(inspect.getsource(provisioning.total_matches_tenure_x_monthly))

# %% [markdown]
# Note what the rule *does not* judge: rows whose tenure or monthly charge is itself missing or out of range. Those
# are reported by the range rules; repeating them here would blame the total for another column's defect. After the
# first three steps, these rows of the batch break the rule:

# %% id="cell-breaking"
first_steps = [step for step in preparation.CLEANING_STEPS if step.name != "drop_incomplete_rows"]
parsed, _ = preparation.apply_cleaning(incoming, first_steps)
breaks = ~provisioning.total_matches_tenure_x_monthly(parsed)
parsed.loc[breaks, ["customerID", "tenure", "MonthlyCharges", "TotalCharges"]].assign(
    **{"tenure x MonthlyCharges": (parsed["tenure"] * parsed["MonthlyCharges"]).round(2)})

# %% [markdown]
# Most of them are the inconsistent totals that lab 03's contract quarantined. The other two are the rows whose
# charge arrived as text (`$70.35`, `79,90`): lab 03 quarantined them as `wrong_type`, so its totals rule never
# judged them. Read as numbers by `parse_numbers`, they do not fit the customer's total either. Reading a value is not
# the same as trusting it.
#
# What should cleaning do with them? Replacing the total by `tenure` × `MonthlyCharges` would write a number nobody
# recorded, and a "repair" that ignores the rule's limits produces nonsense (a tenure of −3 would give a negative
# total). The team's decision: **a total that breaks the contract's rule is no value at all.** It becomes missing,
# and the next step, `drop_incomplete_rows`, keeps such a row out of training like any other incomplete row.
#
# ### Exercise 04.1 — a cleaning step
# Complete `blank_inconsistent_totals(df)`: it returns a copy of `df` in which every `TotalCharges` that breaks the
# contract's rule is missing (`np.nan`); everything else stays as it was, and `df` itself is not changed. Use the
# contract's rule function itself, `provisioning.total_matches_tenure_x_monthly` (True where the total is fine),
# rather than your own version of it: when the Data Steward changes the contract, your step must follow.

# %% mlopslab={"exercise": "04.clean_totals"}
def blank_inconsistent_totals(df):
    """A copy of df in which every TotalCharges that breaks the data contract's consistency rule is missing."""
    out = df.copy()
    # BEGIN STUB
    # ...  # out.loc[<the rows where the contract's rule is False>, "TotalCharges"] = np.nan
    # END STUB
    # BEGIN SOLUTION
    breaks_rule = ~provisioning.total_matches_tenure_x_monthly(out)
    out.loc[breaks_rule, "TotalCharges"] = np.nan
    # END SOLUTION
    return out


# %% mlopslab={"check": "04.clean_totals"}
check("04.clean_totals", blank_inconsistent_totals)


# %% mlopslab={"wrong": "04.clean_totals"}
def blank_inconsistent_totals(df):
    """Repair: replace a total far from tenure x MonthlyCharges by that product."""
    out = df.copy()
    expected = (out["tenure"] * out["MonthlyCharges"]).round(2)
    far = (out["TotalCharges"] - expected).abs() > 0.25 * expected.clip(lower=1) + 1
    out.loc[far & expected.notna(), "TotalCharges"] = expected
    return out


# %% mlopslab={"wrong": "04.clean_totals"}
def blank_inconsistent_totals(df):
    """The rule restated with its own limits, judging every row."""
    out = df.copy()
    expected = out["tenure"] * out["MonthlyCharges"]
    out.loc[(out["TotalCharges"] - expected).abs() > 0.25 * expected.abs() + 1, "TotalCharges"] = np.nan
    return out


# %% mlopslab={"wrong": "04.clean_totals"}
def blank_inconsistent_totals(df):
    """Works on the caller's frame instead of a copy."""
    df.loc[~provisioning.total_matches_tenure_x_monthly(df), "TotalCharges"] = np.nan
    return df


# %% mlopslab={"shortcut": "04.clean_totals"}
blank_inconsistent_totals = provisioning.total_matches_tenure_x_monthly  # the rule itself


# %% mlopslab={"shortcut": "04.clean_totals"}
blank_inconsistent_totals = preparation.drop_incomplete_rows  # a step the team already has


# %% mlopslab={"shortcut": "04.clean_totals"}
def blank_inconsistent_totals(df):
    """Drop the rows instead of deciding about their totals."""
    return df[provisioning.total_matches_tenure_x_monthly(df)]


# %% mlopslab={"shortcut": "04.clean_totals"}
def blank_inconsistent_totals(df):
    """The row labels of the totals the table above shows, typed in."""
    out = df.copy()
    out.loc[out.index.isin(breaks[breaks].index), "TotalCharges"] = np.nan
    return out


# %% mlopslab={"shortcut": "04.clean_totals"}
def blank_inconsistent_totals(df):
    """The customer ids of the totals the table above shows, typed in."""
    out = df.copy()
    out.loc[out["customerID"].isin(parsed.loc[breaks, "customerID"]), "TotalCharges"] = np.nan
    return out


# %% [markdown]
# Your step joins the team's list after `drop_duplicate_ids`. Run the batch through the whole list again: the log
# line of your step counts the totals it blanked, and the last step drops their rows with the other incomplete ones.
# (Until your step is written, its line shows no change.)

# %% id="cell-team-steps"
team_steps = [*first_steps,
              CleaningStep("blank_inconsistent_totals", "a total that breaks the contract's rule is no value",
                           blank_inconsistent_totals),
              *[step for step in preparation.CLEANING_STEPS if step.name == "drop_incomplete_rows"]]
team_clean, team_log = preparation.apply_cleaning(incoming, team_steps)
team_log.drop(columns="reason")

# %% [markdown]
# The 2025 training data passed the contract, so this step finds nothing there: the package's preparation
# (section 5) runs the list without it, and section 5 checks that your list gives the same data.
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
# They are computed by one function, `add_features`, wrapped in a scikit-learn **transformer**, `FeatureEngineer`: a
# piece of code the pipeline runs the same way at training time and at serving time. Here is the whole function:

# %% id="cell-add-features"
print(inspect.getsource(preparation.add_features))

# %% id="cell-14"
engineered = FeatureEngineer().fit_transform(customers[data.FEATURES])
engineered[["tenure", "Contract", "MonthlyCharges", *preparation.ENGINEERED]].head(4)

# %% [markdown]
# Do the features separate churners from stayers? Looking beats reading:

# %% id="cell-16"
churned = customers["Churn"].eq("Yes")
services_count = engineered["services"].value_counts().sort_index()
by_band = churned.groupby(engineered["tenure_band"]).mean().reindex(preparation.TENURE_LABELS)
by_services = churned.groupby(engineered["services"]).mean()
one_service = engineered["services"].eq(1)
print(f"share who churned: all customers {churned.mean():.1%}")
print("  by tenure band:", ", ".join(f"{band} {share:.1%}" for band, share in by_band.items()))
print("  by number of services:", ", ".join(f"{n} {share:.1%}" for n, share in by_services.items()))
print(f"customers with one service who have phone only: {customers.loc[one_service, 'PhoneService'].eq('Yes').mean():.1%}")
two_services = customers[engineered["services"].eq(2)]
print("customers with two services who have phone and internet: "
      f"{(two_services['PhoneService'].eq('Yes') & two_services['InternetService'].ne('No')).mean():.1%}")
peak = by_services.idxmax()
print(f"-> the first year's churn is {by_band.iloc[0] / by_band.iloc[-1]:.1f} times the longest-standing band's; one service: "
      f"{'below' if by_services[1] < churned.mean() else 'not below'} average")
print(f"-> churn peaks at {peak} services and falls with "
      f"{'every' if by_services.loc[peak:].is_monotonic_decreasing else 'most, not every,'} add-on after that")
fig, axes = plt.subplots(1, 2, figsize=(10, 3.6), sharey=True)
by_band.plot.bar(ax=axes[0], color="#4c72b0", rot=0)
axes[0].set(xlabel="tenure band (months)", ylabel="share who churned", title="Churn falls with tenure")
by_services.plot.bar(ax=axes[1], color="#dd8452", rot=0)
axes[1].set(xlabel="number of services", title="Churn by number of services")
axes[1].set_xticks(range(len(services_count)),
                   [f"{n}\n({count:,})" for n, count in services_count.items()], fontsize=8)
axes[1].set_xlabel("number of services (customers)")
plt.tight_layout()
plt.show()

# %% [markdown]
# New customers churn far more often than loyal ones: the first line with an arrow gives the factor. The number of
# services tells a story too, with care for the small bars (the customer counts are under each bar). The two lines
# above the arrows say who the customers with one service and with two are: the share with phone only, and the share
# with phone and internet and no extras. The first arrow line says whether customers with one service churn less than
# average; the second says where churn peaks and how it falls as a customer takes more add-ons. The "0 services" bar
# holds customers with neither phone nor internet who still pay a monthly fee: an oddity of the source system the
# Data Engineer has asked the CRM team about. Both features are worth giving the model.
#
# Models need numbers, on comparable scales. A `ColumnTransformer` sends each group of columns to its own step: the
# **numeric** columns (`NUMERIC`: the raw numbers and the numeric engineered features) to a `StandardScaler` (mean 0,
# standard deviation 1, learned on the training data only), the **categorical** ones (`CATEGORICAL`) to a
# `OneHotEncoder`: one 0/1 column per category value. The team's two lists:

# %% id="cell-18"
print("NUMERIC:    ", NUMERIC)
print("CATEGORICAL:", CATEGORICAL)

# %% [markdown]
# ### Exercise 04.2 — the preprocessing pipeline
# Write the team's preprocessing as one scikit-learn object. Complete `build_preprocessor(numeric, categorical)`: it
# returns a `Pipeline` (not fitted) of two steps,
#
# 1. `("features", FeatureEngineer())`, which computes the engineered columns from the raw ones, then
# 2. `("encode", ColumnTransformer([...], verbose_feature_names_out=False))`, which scales the `numeric` columns with
#    a `StandardScaler` and one-hot encodes the `categorical` ones with a `OneHotEncoder` (dense output:
#    `sparse_output=False`), in that order.
#
# Production will send categories the training data never had (a new contract type next year): your encoder must
# turn them into zeros, not into an error. The check fits your pipeline on six months of customers, applies it to a
# serving batch that holds such a category, and compares every number with the team's; it also calls your function
# with fewer columns, so use the arguments.

# %% mlopslab={"exercise": "04.preprocessor"}
def build_preprocessor(numeric, categorical):
    """FeatureEngineer, then the numeric columns scaled and the categorical ones one-hot encoded."""
    # BEGIN STUB
    # return ...  # Pipeline([("features", ...), ("encode", ColumnTransformer([...]))])
    # END STUB
    # BEGIN SOLUTION
    scale_numbers = ("numeric", StandardScaler(), numeric)
    encode_categories = ("categorical", OneHotEncoder(handle_unknown="ignore", sparse_output=False), categorical)
    columns = ColumnTransformer([scale_numbers, encode_categories], verbose_feature_names_out=False)
    return Pipeline([("features", FeatureEngineer()), ("encode", columns)])
    # END SOLUTION


# %% mlopslab={"check": "04.preprocessor"}
check("04.preprocessor", build_preprocessor)


# %% mlopslab={"wrong": "04.preprocessor"}
def build_preprocessor(numeric, categorical):
    """The encoder's default: an unseen category is an error."""
    scale_numbers = ("numeric", StandardScaler(), numeric)
    encode_categories = ("categorical", OneHotEncoder(), categorical)
    columns = ColumnTransformer([scale_numbers, encode_categories], verbose_feature_names_out=False)
    return Pipeline([("features", FeatureEngineer()), ("encode", columns)])


# %% mlopslab={"wrong": "04.preprocessor"}
def build_preprocessor(numeric, categorical):
    """The team's lists, whatever the arguments say."""
    scale, one_hot = StandardScaler(), OneHotEncoder(handle_unknown="ignore", sparse_output=False)
    both = ColumnTransformer([("numeric", scale, NUMERIC), ("categorical", one_hot, CATEGORICAL)], verbose_feature_names_out=False)
    return Pipeline([("features", FeatureEngineer()), ("encode", both)])


# %% mlopslab={"wrong": "04.preprocessor"}
def build_preprocessor(numeric, categorical):
    """No FeatureEngineer: the engineered columns do not exist in raw rows."""
    scale_numbers = ("numeric", StandardScaler(), numeric)
    encode_categories = ("categorical", OneHotEncoder(handle_unknown="ignore", sparse_output=False), categorical)
    return ColumnTransformer([scale_numbers, encode_categories], verbose_feature_names_out=False)


# %% mlopslab={"shortcut": "04.preprocessor"}
def build_preprocessor(numeric, categorical):
    """The package's pipeline, shown after this exercise."""
    return preparation.build_preprocessor()


# %% mlopslab={"shortcut": "04.preprocessor"}
from sklearn.base import clone

TEAM_PREPROCESSOR = preparation.build_preprocessor()  # built before the check switches the package's function off


def build_preprocessor(numeric, categorical):
    """A copy of the team's object, with the column lists swapped in."""
    prep = clone(TEAM_PREPROCESSOR)
    (n0, s0, _), (n1, s1, _) = prep.named_steps["encode"].transformers
    return prep.set_params(encode__transformers=[(n0, s0, list(numeric)), (n1, s1, list(categorical))])


# %% mlopslab={"shortcut": "04.preprocessor"}
import pickle

TEAM_BYTES = pickle.dumps(preparation.build_preprocessor())  # the team's object, kept as bytes


def build_preprocessor(numeric, categorical):
    """The team's object unpickled, with the column lists swapped in."""
    prep = pickle.loads(TEAM_BYTES)  # noqa: S301 -- bytes this cell made
    (n0, s0, _), (n1, s1, _) = prep.named_steps["encode"].transformers
    return prep.set_params(encode__transformers=[(n0, s0, list(numeric)), (n1, s1, list(categorical))])


# %% [markdown]
# The team keeps the same object in the package, `preparation.build_preprocessor()` (with `NUMERIC` and
# `CATEGORICAL`), and every later lab uses it. Yours should give the same numbers:

# %% id="cell-18-package"
mine = build_preprocessor(NUMERIC, CATEGORICAL)
if hasattr(mine, "fit_transform"):
    rows = customers[data.FEATURES].head(500)
    try:
        yours = np.asarray(mine.fit_transform(rows), dtype=float)
    except Exception as err:  # a pipeline that fails on raw rows: say why, and the lab goes on
        print(f"your pipeline fails on raw customer rows: {type(err).__name__}: {err}")
    else:
        package = preparation.build_preprocessor().fit_transform(rows)
        same = yours.shape == package.shape and np.allclose(yours, package)
        print("your pipeline and the package's give the same numbers:", same)
else:
    print("complete exercise 04.2 above, then run this cell again")

# %% [markdown]
# `handle_unknown="ignore"` matters in production: a category the model never saw (a new contract type next year)
# becomes all zeros instead of an error at 3 a.m.
#
# **One pipeline for training and serving.** Fit it once with a model behind it (`preparation.make_pipeline(model)`)
# on the training months, then give it rows of January 2026's production batch: raw, as they arrive, with no label
# and no engineered columns. The pipeline computes the features itself, the same way as in training:

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
# ### Exercise 04.3 — an engineered feature
# The retention team's rule of thumb: *the riskiest customers are new customers on a month-to-month contract.* Turn it
# into a feature the pipeline can compute. Complete `add_new_month_to_month(X)` in the style of `add_features`: it
# returns a copy of `X` with one more column, `new_month_to_month`, which is 1 for a customer whose `Contract` is
# `"Month-to-month"` and whose `tenure` is at most 12 months (the first year), and 0 otherwise.
#
# The check runs your function on training rows and on a serving batch, then puts it in front of the pipeline above
# (as a `FunctionTransformer`), fits a logistic regression on January to June and tells you how well it ranks the
# customers of July to September with and without your feature.

# %% mlopslab={"exercise": "04.new_feature"}
def add_new_month_to_month(X):
    """X with one more column, new_month_to_month: 1 for a month-to-month customer in the first year, else 0."""
    out = X.copy()
    # BEGIN STUB
    # ...  # out["new_month_to_month"] = ...  (a condition on Contract and one on tenure, as 0/1)
    # END STUB
    # BEGIN SOLUTION
    first_year = out["tenure"] <= 12
    out["new_month_to_month"] = ((out["Contract"] == "Month-to-month") & first_year).astype(int)
    # END SOLUTION
    return out


# %% mlopslab={"check": "04.new_feature"}
check("04.new_feature", add_new_month_to_month)


# %% mlopslab={"wrong": "04.new_feature"}
def add_new_month_to_month(X):
    """Strictly below 12 months: a customer in month 12 is left out."""
    out = X.copy()
    out["new_month_to_month"] = ((out["Contract"] == "Month-to-month") & (out["tenure"] < 12)).astype(int)
    return out


# %% mlopslab={"wrong": "04.new_feature"}
def add_new_month_to_month(X):
    """Writes into the caller's frame."""
    X["new_month_to_month"] = ((X["Contract"] == "Month-to-month") & (X["tenure"] <= 12)).astype(int)
    return X


# %% mlopslab={"wrong": "04.new_feature"}
def add_new_month_to_month(X):
    """Returns the column alone."""
    return ((X["Contract"] == "Month-to-month") & (X["tenure"] <= 12)).astype(int)


# %% mlopslab={"shortcut": "04.new_feature"}
add_new_month_to_month = preparation.add_features  # the team's features, not the new one


# %% [markdown]
# A feature that separates churners well on its own need not help a model that already sees its ingredients: the
# logistic regression has `is_month_to_month` and `tenure` already. Read the check's message: when the validation
# months show a gain in AUC of less than `policy.FEATURE_MIN_GAIN` (the team's rule), the feature stays out,
# because every feature is code to run, test and monitor in production. Every feature the team keeps has to pass the same test.
#
# ## 3. The leakage trap
#
# The Data Scientist's first draft simply used *every* column of the customer table except the id, the month and the
# target: the raw features plus any other numbers the table holds.

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
# A real customer table has dozens of columns, so the Data Scientist starts with a quick **leak scan**: how well does
# each column *alone* rank churners above stayers? The AUC answers that (0.5 = no signal, 1 = perfect). A number is
# its own score. A category needs one: the churn rate of its value (every "Month-to-month" customer scores the churn
# rate of month-to-month customers). And a column can rank churners at the *bottom* (AUC below 0.5) and still tell
# as much, so the scan keeps `max(auc, 1 - auc)`.
#
# ### Exercise 04.4 — the leak scan
# Complete `leak_scan(df)`: for every column except `Churn`, `customerID` and `month`, the AUC of that column alone
# (as above), returned as a Series from column name to AUC, highest first. Inside the loop, `values` is the column;
# a column is a category when `pd.api.types.is_numeric_dtype(values)` is False. Turn a category into its churn rates
# with `values.map(churned.groupby(values).mean())`, then use `roc_auc_score(churned, values)`.

# %% mlopslab={"exercise": "04.leak_scan"}
def leak_scan(df):
    """How well each column alone ranks churners above stayers: column -> AUC (0.5 = no signal, 1.0 = perfect)."""
    churned = df["Churn"].eq("Yes").astype(int)
    found = {}
    for column in df.columns.drop(["Churn", "customerID", "month"]):
        values = df[column]
        # BEGIN STUB
        # ...  # score a category by its churn rate, compute the AUC, keep max(auc, 1 - auc) in found[column]
        # END STUB
        # BEGIN SOLUTION
        if not pd.api.types.is_numeric_dtype(values):
            values = values.map(churned.groupby(values).mean())
        auc = roc_auc_score(churned, values)
        found[column] = max(auc, 1 - auc)
        # END SOLUTION
    return pd.Series(found, dtype=float).sort_values(ascending=False)


# %% mlopslab={"check": "04.leak_scan"}
check("04.leak_scan", leak_scan)


# %% mlopslab={"wrong": "04.leak_scan"}
def leak_scan(df):
    """Numbers only: the categories are skipped."""
    churned = df["Churn"].eq("Yes").astype(int)
    found = {}
    for column in df.select_dtypes("number").columns:
        auc = roc_auc_score(churned, df[column])
        found[column] = max(auc, 1 - auc)
    return pd.Series(found, dtype=float).sort_values(ascending=False)


# %% mlopslab={"wrong": "04.leak_scan"}
def leak_scan(df):
    """The AUC as it comes, whichever way the column points."""
    churned = df["Churn"].eq("Yes").astype(int)
    found = {}
    for column in df.columns.drop(["Churn", "customerID", "month"]):
        values = df[column]
        if not pd.api.types.is_numeric_dtype(values):
            values = values.map(churned.groupby(values).mean())
        found[column] = roc_auc_score(churned, values)
    return pd.Series(found, dtype=float).sort_values(ascending=False)


# %% mlopslab={"shortcut": "04.leak_scan"}
def leak_scan(df):
    """The draft's only extra number, named as the answer."""
    return pd.Series({"RefundAmount": 1.0})


# %% id="your-scan"
try:
    your_scan = leak_scan(customers)
except Exception as err:  # a scan that fails is the check's business above; this cell only shows the result
    your_scan = pd.Series(dtype=float)
    print(f"your leak_scan raised {type(err).__name__}: {err}")
if your_scan.empty:
    print("Your scan is empty so far: complete exercise 04.4 above, then run this cell again.")
else:
    print("The top of your scan (the AUC of each column alone):")
    print(your_scan.head(6).round(3).to_string())

# %% [markdown]
# A strong predictor is not yet a leak: month-to-month customers really do churn more, and the model should know it.
# For each column near the top of your scan (the cell above shows it), ask *when is this value recorded?* The datasheet (`data/README.md`)
# answers for `RefundAmount`: a refund is booked when an account is **closed**. It records the churn; it cannot
# predict it. Here is the evidence, and the score once the column is gone (the honest model from section 2 uses only
# `data.FEATURES`, the team's list of inputs known at scoring time):

# %% id="cell-32"
honest_auc = roc_auc_score(test["Churn"].eq("Yes"), model.predict_proba(test[data.FEATURES])[:, 1])
refunded = customers["RefundAmount"].gt(0)
print(f"customers with a refund: {refunded[churned].mean():.0%} of those labelled churners, "
      f"{refunded[~churned].mean():.0%} of stayers")
print(f"is RefundAmount in a production batch? {'RefundAmount' in batch.columns}")
pd.DataFrame({"model": ["first draft: every column", "without RefundAmount"],
              "AUC on the test months": [round(draft_auc, 3), round(honest_auc, 3)]})

# %% [markdown]
# The honest model is weaker on paper and the only one of the two that can work: the production batch does not even
# contain `RefundAmount`, so the draft model could not have scored a single real customer.
#
# The share of labelled churners with a refund is lower than the datasheet's share of churners who get one. That is
# not a contradiction: the datasheet describes *true* churners, and some customers are *labelled* churners although
# they stayed (a legacy retention process recorded plan downgrades as churn, lab 07 digs into it). Nobody closed
# their account, so nobody refunded them.
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


reports = [split_report("random", random_train, random_test), split_report("time-aware", train, test)]
auc_gap = reports[0]["AUC"] - reports[1]["AUC"]
print(f"-> the random split's AUC is {abs(auc_gap):.3f} {'higher' if auc_gap > 0 else 'lower'}: "
      f"{'close' if abs(auc_gap) < 0.03 else 'not close'}")
pd.DataFrame(reports)

# %% [markdown]
# The line above compares the two AUCs on 2025. Where they are close, a difference of this size comes and goes with
# the random seed (try `random_state=0`, `1`, `2` above): TelcoNova's customers behaved alike every month of
# 2025 (the datasheet's drift starts only in 2026). That is luck, not a licence: a random split cannot *tell* you
# whether behaviour changes over time, because it trains on the very months it tests.
#
# A look ahead shows what it hides. A year later the team has the labelled 2026 batches too (lab 09 tells that
# story: a price rise, then a competitor's fibre offer; the cell prints their months). Repeat the same comparison on
# the two years of history: a random split versus training up to the competitor's arrival and testing on the months
# from it to December.

# %% id="cell-38"
production = pd.concat([data.load_batch(m).merge(data.load_labels(m)[["customerID", "Churn"]], on="customerID")
                        for m in data.PRODUCTION_MONTHS])
history = pd.concat([customers.drop(columns="RefundAmount"), production], ignore_index=True)
drift = data.term().drift  # the datasheet's events of 2026
print(f"price rise from {drift.price_rise_batch}, competitor from {drift.competitor_batch}")
later_train = history[history["month"] < drift.competitor_batch]
later_test = history[history["month"] >= drift.competitor_batch]
later_random_train, later_random_test = train_test_split(history, test_size=len(later_test),
                                                         random_state=config.SEED, stratify=history["Churn"])
later = [split_report("random (2025-2026)", later_random_train, later_random_test),
         split_report("time-aware (2025-2026)", later_train, later_test)]
off = {r["split"].split()[0]: r["predicted churn rate"] - r["actual churn rate"] for r in later}
jump = later_test["Churn"].eq("Yes").mean() - later_train["Churn"].eq("Yes").mean()
print(f"-> churn from {drift.competitor_batch} on: {100 * jump:+.1f} points on the months before; predicted churn: time-aware "
      + ", random split ".join(f"{100 * abs(off[s]):.1f} points {'under' if off[s] < 0 else 'over'}" for s in ("time-aware", "random"))
      + f"; AUC {'higher' if later[1]['AUC'] > later[0]['AUC'] else 'not higher'} on the later months")
pd.DataFrame(later)


# %% [markdown]
# The line above reads the table. The random split promises a churn forecast close to what happened. The time-aware
# split shows the truth of deploying in the competitor's month: churn jumped (the line says by how much), and a model
# trained on the past under-predicts it; a retention budget sized on the random split's promise would be too small.
# The random split hid the change by letting the "future" months into training. (Where the AUC looks *better* on the
# later months, as the line says, it is because their 2026 labels are the clean ones of lab 01: ranking customers
# still works; what changed is how many of them leave. One number never tells the whole story.)
#
# **Rule:** when the data has a time order and the model will score the future, test on the future.
#
# There is one more trap. Every choice the team makes by looking at results (which model, which threshold for the
# campaign, which feature to keep, as in exercise 04.3) fits those choices to the months it looked at. Judged again on
# the same months, the result flatters. So the months are cut in **three** parts, in time order: **train** (fit the
# model), **validation** (make the choices) and **test** (judge the final choice once, as a stand-in for the
# future). Lab 05 chooses its models and campaign thresholds on validation months and reports on the test months.
#
# ### Exercise 04.5 — train, validation and test months
# Complete `split_by_time(df, validation_months=3, test_months=3)`: it returns `(train, validation, test)`, where
# `test` holds the rows of the last `test_months` months of `df["month"]`, `validation` the rows of the
# `validation_months` months before those, and `train` every earlier row. The rows need not be in month order. Filter
# the rows and keep their index, so that every row of a part points back to its row in `df`; do not modify `df`. (The
# months are text like `"2025-10"`, which sorts in time order.) The defaults are the team's split: as many test months
# as `time_split` held out above (its `test_months`), and before them `policy.THRESHOLD.validation_months` validation
# months, the months on which lab 05 makes its choices.

# %% mlopslab={"exercise": "04.split_by_time"}
def split_by_time(df, validation_months=3, test_months=3):
    """(train, validation, test): the rows of the last test_months months, of the validation_months before, the rest."""
    months = sorted(df["month"].unique())
    # BEGIN STUB
    # ...  # the first test month and the first validation month, then one filter on df["month"] per part
    # return ...  # train, validation, test
    # END STUB
    # BEGIN SOLUTION
    first_test, first_validation = months[-test_months], months[-test_months - validation_months]
    train = df[df["month"] < first_validation]
    validation = df[(df["month"] >= first_validation) & (df["month"] < first_test)]
    return train, validation, df[df["month"] >= first_test]
    # END SOLUTION


# %% mlopslab={"check": "04.split_by_time"}
check("04.split_by_time", split_by_time)


# %% mlopslab={"wrong": "04.split_by_time"}
def split_by_time(df, validation_months=3, test_months=3):
    """A random split into three parts."""
    test = df.sample(frac=test_months / 12, random_state=0)
    rest = df.drop(test.index)
    validation = rest.sample(frac=validation_months / 9, random_state=0)
    return rest.drop(validation.index), validation, test


# %% mlopslab={"wrong": "04.split_by_time"}
def split_by_time(df, validation_months=3, test_months=3):
    """The validation months placed after the test months."""
    months = sorted(df["month"].unique())
    first_validation, first_test = months[-validation_months], months[-validation_months - test_months]
    train = df[df["month"] < first_test]
    test = df[(df["month"] >= first_test) & (df["month"] < first_validation)]
    return train, df[df["month"] >= first_validation], test


# %% mlopslab={"shortcut": "04.split_by_time"}
def split_by_time(df, validation_months=3, test_months=3):
    """The package's two-way split, twice."""
    rest, test = preparation.time_split(df, test_months)
    train, validation = preparation.time_split(rest, validation_months)
    return train, validation, test


# %% mlopslab={"shortcut": "04.split_by_time"}
def split_by_time(df, validation_months=3, test_months=3):
    """The package's two-way split, twice, with the row labels carried through."""
    rest, test = preparation.time_split(df.reset_index(), test_months)
    train, validation = preparation.time_split(rest, validation_months)
    return tuple(part.set_index("index").rename_axis(df.index.name) for part in (train, validation, test))


# %% mlopslab={"shortcut": "04.split_by_time"}
def split_by_time(df, validation_months=3, test_months=3):
    """The months of this year's data, typed in."""
    return df[df["month"] <= "2025-06"], df[df["month"].between("2025-07", "2025-09")], df[df["month"] >= "2025-10"]


# %% mlopslab={"shortcut": "04.split_by_time"}
from mlopslab import development


def split_by_time(df, validation_months=3, test_months=3):
    """The package's month folds find the cut months."""
    folds = list(development.month_folds(df, validation_months + test_months))
    before_validation, before_test = folds[0][0], folds[validation_months][0]
    train = df.iloc[before_validation]
    return train, df.iloc[before_test].drop(index=train.index), df.drop(index=df.index[before_test])


# %% [markdown]
# ## 5. Reproducible preparation: seed it, version it, record it
#
# The team's whole preparation is one function, `preparation.prepare(raw, seed)`: clean (section 1), drop the leaky
# column (section 3), split the last three months off as test months (section 4; lab 05 cuts its validation months
# from the training months), and shuffle the training rows once (some learners read rows in order, e.g. in
# mini-batches, and should not see the months in sequence). It returns the prepared data and its **version**:

# %% id="cell-prepare"
print(inspect.getsource(preparation.prepare))

# %% [markdown]
# The version is `lineage.data_version` of the prepared data, the same definition lab 03 used for files: a SHA-256
# hash of the content. Same raw data + same code + same seed must give the same version, on your laptop, on Binder,
# in CI, next year:

# %% id="cell-43"
prepared = preparation.prepare(customers, seed=config.SEED)
again = preparation.prepare(customers, seed=config.SEED)
print(f"prepared: {len(prepared.train):,} training rows, {len(prepared.test):,} test rows")
print("same seed, same version:   ", prepared.version == again.version)
print("prepared data version:     ", lineage.short(prepared.version))

unseeded = [preparation.prepare(customers, seed=None).version for _ in range(2)]
print("no seed, same version twice:", unseeded[0] == unseeded[1])
print("another seed, same version: ", preparation.prepare(customers, seed=config.SEED + 1).version == prepared.version)
print("with your cleaning step too:", preparation.prepare(customers, seed=config.SEED, steps=team_steps).version
      == prepared.version)

with tempfile.TemporaryDirectory() as folder:
    path = Path(folder) / "customers_prepared.csv"
    prepared.data.to_csv(path, index=False, lineterminator="\n")
    print("written to a file, same version:", lineage.data_version(path) == prepared.version)

# %% [markdown]
# Without a seed the shuffle differs on every run, so the "same" preparation produces a different data set each time
# and no result can be reproduced exactly. With the seed, the version is a short, checkable name for the prepared
# data, wherever it lives: in memory, in a file, in a data lake.
#
# **Record it.** A version is only useful if the runs that use the data carry it. The preparation is recorded as an
# MLflow run: the tag `lineage.TAG` names the data it produced, and the tag `source_data_version` names the data it
# read (lab 03's version of `customers.csv`). Every model trained on this data will carry the same tag, so one
# search finds everything that touched it.

# %% id="cell-record"
print(inspect.getsource(preparation.log_preparation))
run_id = preparation.log_preparation(prepared)
record = mlflow.get_run(run_id)
print(f"recorded: tag {lineage.TAG} = {lineage.short(record.data.tags[lineage.TAG])}, "
      f"source_data_version = {lineage.short(record.data.tags['source_data_version'])}")
print("derived from customers.csv as lab 03 versioned it:",
      record.data.tags["source_data_version"] == lineage.data_version(config.data_dir() / "customers.csv"))

# %% [markdown]
# Lab 05 starts from this record: it runs the same function with the same seed, checks that its data has this
# version, and tags every training run with it.
#
# ## Recap
# * Cleaning is a declared list of small, named steps with reasons; each run leaves a log, and the raw data is never
#   modified. A step that meets a defect the data contract knows uses the contract's own rule, and invents nothing.
# * Feature engineering lives in one scikit-learn `Pipeline` (`FeatureEngineer` + `ColumnTransformer`), which you
#   wrote: fitted on the training data, reused unchanged for serving, unseen categories included. A new feature earns
#   its place on the validation months.
# * A score that is too good to be true usually is: a leak scan finds the suspects, and the question *when is this
#   value recorded?* convicts them. `RefundAmount` leaked the outcome; inputs must be known at the moment of scoring.
# * Split by time when the model will score the future: train, validation (for every choice), test (judged once).
# * Seed every random step, name the output with `lineage.data_version`, and record that version in MLflow.
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
