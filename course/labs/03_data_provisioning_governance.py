# %% [markdown]
# # Lab 03 — Data provisioning with governance
#
# **Stage:** data provisioning with governance (stage 1 of 6) · **Personas:** the **Data Steward** and the
# **Data Engineer** lead; the Data Scientist and the Business Analyst consume the data · **Time:** about 100 minutes
#
# The provisioning stories of lab 02's backlog (S01 to S05) at **TelcoNova**. Before anyone trains a churn model, the
# data has to arrive — every month, from billing
# and the CRM — and it has to arrive *governed*: described, checked, stripped of what people must not see, and
# versioned. Two personas own this stage. The **Data Steward** decides what the data is, who may use it and for what,
# and how personal data is protected, and tracks how the data is used. The **Data Engineer** builds the pipeline that
# enforces those decisions on every batch, automatically.
#
# ### Learning objectives
# By the end of this lab you can:
# 1. read a **catalog entry**, a **datasheet** and a **schema**, and say who owns a data set, what it may be used for
#    and what each column may hold;
# 2. write a **data contract** rule with pandera, run the contract on a batch, and read its violation report;
# 3. **quarantine** bad rows instead of dropping them, and **reconcile** every batch: rows in = accepted + quarantined;
# 4. explain why a malformed file must stop with a clear error message, not a wall of traceback or a silent
#    half-read;
# 5. **detect, mask and pseudonymize** personal data, and give each role its own **view** of the data;
# 6. give every data version a **content hash**, put it on record in MLflow, and find everything that touched it.
#
# ### Why this matters to the business
# A churn model is only as good as the rows it learns from and scores. A month of charges read as text, a duplicated
# customer, or a note with a customer's card number copied into a training table are not technical details: they
# cost money (wrong retention offers), trust (a data leak) and time (nobody can say which data a model saw). Governance
# is what lets the team answer *"which data, checked how, seen by whom, used by which model?"* for every model it ships.

# %% id="setup"
import inspect
import tempfile
from pathlib import Path

import matplotlib.pyplot as plt
import mlflow
import pandas as pd
import pandera.pandas as pa
from IPython.display import display
from mlopslab import config, data, lineage, privacy, provisioning, schema
from mlopslab.exercises import check

config.quiet()
config.setup_tracking()
pd.set_option("display.width", 160)
pd.set_option("display.max_columns", 12)
pd.set_option("display.max_colwidth", 70)

# %% [markdown]
# ## 1. The catalog entry, the datasheet and the schema (Data Steward)
#
# A **data catalog** lists every data set of the company with its *metadata*: what it is, who owns it (the business
# owner answers for it), who stewards it (the Data Steward looks after its quality and its rules), where it comes
# from, what it may and may not be used for, and how long it is kept. The course keeps the catalog entry of the churn
# data in the package; the long description — the **datasheet** — is `data/README.md`.

# %% id="catalog"
entry = provisioning.catalog_entry()
for key, value in entry.items():
    if key.startswith("version_"):  # a content hash: section 6 computes it (shown here by its first 12 digits)
        value = lineage.short(value) + "..."
    print(f"{key:<22} {value if isinstance(value, str) else '; '.join(value)}")

# %% [markdown]
# The last line is a **version** of the training file: a SHA-256 hash of its bytes (section 6 explains it).
# The datasheet answers the questions a catalog entry cannot fit. Its sections:

# %% id="datasheet"
datasheet = (config.data_dir() / "README.md").read_text(encoding="utf-8")
print("\n".join(line for line in datasheet.splitlines() if line.startswith("## ")))

# %% [markdown]
# Read the sections *Composition* and *The dirty batch* in `data/README.md` now: they tell you which columns to expect,
# their ranges and categories, and which defects the batch of January 2026 is known to carry. Note also *Target
# leakage*: `RefundAmount` is only known after a customer leaves, so the catalog allows it for analysis, but lab 04
# keeps it away from the model.
#
# The *Composition* section also exists as code: the **schema** of the data, `mlopslab.schema.COLUMNS`, one entry per
# column with its kind, the values it allows, and whether it is personal or protected. It is written **once**, and
# everything that judges a value reads it: the data contract of this lab, the scoring service of lab 08 (so the
# service refuses a value that a column rule of the contract rejects; the contract's rules across rows and columns
# stay with batches), and the role-based views of section 5. Two copies of a rule drift apart; one cannot.

# %% id="schema"
schema.overview()[["kind", "rule", "personal", "protected"]]

# %% [markdown]
# ## 2. A data contract with pandera (Data Engineer)
#
# A **data contract** is the agreement between the producer of data (billing, CRM) and its consumers (the model, the
# dashboards), written as code so that a machine checks it on every batch: column names and types, allowed ranges and
# categories, unique keys, and rules that tie columns together.
#
# Here is a small contract for three columns, written directly with [pandera](https://pandera.readthedocs.io); its
# range and categories are read from the schema. `lazy=True` asks pandera to collect *every* failure instead of
# stopping at the first one.

# %% id="mini-contract"
tenure_rule = schema.COLUMNS["tenure"]
mini_contract = pa.DataFrameSchema({
    "customerID": pa.Column(str, unique=True),
    "tenure": pa.Column(int, pa.Check.in_range(tenure_rule.low, tenure_rule.high)),
    "Contract": pa.Column(str, pa.Check.isin(schema.COLUMNS["Contract"].categories)),
}, name="a mini contract")
sample = pd.DataFrame({
    "customerID": ["0001-AAAAA", "0002-BBBBB", "0002-BBBBB", "0003-CCCCC"],
    "tenure": [12, 240, 3, 30],
    "Contract": ["One year", "Monthly", "Two year", "Two year"],
}, index=[101, 102, 103, 104])
try:
    mini_contract.validate(sample, lazy=True)
except pa.errors.SchemaErrors as err:
    display(err.failure_cases[["column", "check", "failure_case", "index"]])

# %% [markdown]
# Each failure names the column, the rule (`check`), the offending value and the row: `index` holds the row's
# **label**, from the sample's own index, not its position. A pipeline must not stop at the first bad row, and it must
# not throw bad rows away either: it **quarantines** them. The rows named in the failures go to a quarantine, where
# the Data Steward can have them fixed at the source; every other row is accepted. Nothing is lost, so every batch
# **reconciles**: rows in = accepted + quarantined.
#
# ### Exercise 03.1 — quarantine a batch, and reconcile it
# Write `quarantine(batch, contract)` that returns two DataFrames, `(accepted, quarantined)`: the rows of `batch` that
# pass every rule of `contract`, and the rows that break at least one, each row exactly as received. The check runs
# it on three batches: a clean one, one with defects whose rows are labelled in shuffled order, and a small table
# labelled by customer id.
#
# * A contract's `validate` method, called with `lazy=True`, raises `pa.errors.SchemaErrors` when any rule fails;
#   when none fails it raises nothing, and every row is accepted.
# * The exception's `.failure_cases` table has a column `index` with the label of each failing row (a failure of a
#   whole column has no row: its label is missing).
# * `batch.index.isin(labels)` marks the rows whose label is in `labels`; `~` turns the marks around.
#
# Write it with pandera: the package has its own version, `provisioning.validate_batch`, shown after this exercise —
# it is not allowed here.

# %% mlopslab={"exercise": "03.quarantine"}
# BEGIN STUB
# def quarantine(batch, contract):
#     """(accepted, quarantined): the rows of `batch` that pass `contract`, and those that break any of its rules."""
#     ...  # 1. validate lazily  2. the labels of the failing rows  3. split the batch by label
# END STUB
# BEGIN SOLUTION
def quarantine(batch, contract):
    """(accepted, quarantined): the rows of `batch` that pass `contract`, and those that break any of its rules."""
    try:
        contract.validate(batch, lazy=True)
        bad = []
    except pa.errors.SchemaErrors as err:
        bad = err.failure_cases["index"].dropna().unique()
    is_bad = batch.index.isin(bad)
    return batch[~is_bad], batch[is_bad]
# END SOLUTION


# %% mlopslab={"check": "03.quarantine"}
check("03.quarantine", quarantine)


# %% mlopslab={"wrong": "03.quarantine"}
def quarantine(batch, contract):
    try:
        contract.validate(batch, lazy=True)
        bad = []
    except pa.errors.SchemaErrors as err:
        bad = err.failure_cases.index            # the failure table's own numbering, not the rows' labels
    is_bad = batch.index.isin(bad)
    return batch[~is_bad], batch[is_bad]


# %% mlopslab={"wrong": "03.quarantine"}
def quarantine(batch, contract):
    try:
        contract.validate(batch)                 # not lazy: stops at the first rule that fails
        bad = []
    except pa.errors.SchemaError as err:
        bad = err.failure_cases["index"].dropna().unique()
    is_bad = batch.index.isin(bad)
    return batch[~is_bad], batch[is_bad]


# %% mlopslab={"shortcut": "03.quarantine"}
def quarantine(batch, contract):
    result = provisioning.validate_batch(batch, contract)
    return batch.loc[result.accepted.index], batch.loc[result.quarantined.index]


# %% mlopslab={"shortcut": "03.quarantine"}
def quarantine(batch, contract):
    """The package's try/except (printed after this exercise) instead of the student's own."""
    bad = provisioning._failure_cases(contract, batch)["index"].dropna()
    held = batch.index.isin(bad)
    return batch[~held], batch[held]


# %% mlopslab={"shortcut": "03.quarantine"}
def quarantine(batch, contract):
    """The check's two batches in a table keyed on their row labels (as its source once made them); any other table
    split by the small contract's two rules, written by hand."""
    table = {frozenset(range(1000, 1040)): [],
             frozenset(700 + (i * 7) % 60 for i in range(60)): [710, 720, 721, 730, 740, 750]}
    bad = table.get(frozenset(batch.index))
    if bad is None:
        bad = batch.index[(batch["tenure"] > 72) | (batch["MonthlyCharges"] > 200)]
    held = batch.index.isin(list(bad))
    return batch[~held], batch[held]


# %% [markdown]
# Your function on the sample (it says *not yet* until you have written it):

# %% id="quarantine-sample"
split = quarantine(sample, mini_contract)
if split is None:
    print("Not yet: write quarantine(batch, contract) in exercise 03.1 first.")
else:
    accepted, held = split
    print(f"rows in {len(sample)} = accepted {len(accepted)} + quarantined {len(held)}: "
          f"{'reconciles' if len(sample) == len(accepted) + len(held) else 'does NOT reconcile'}")
    display(held)

# %% [markdown]
# ### The team's contract
# The team's full contract, `provisioning.customer_contract()`, lives in the package because every later lab runs it
# on every batch. It is built from the schema: each column's rule comes from `schema.COLUMNS`, so the contract cannot
# disagree with the scoring service or the views. Then it adds one rule **across columns**: the total charged so far
# must be close to tenure × monthly charge. This is the one statement of that rule; lab 04's cleaning blanks exactly
# the totals it rejects (it never writes a total nobody recorded).

# %% id="contract-source"
print(inspect.getsource(provisioning.pandera_column))
print(inspect.getsource(provisioning.customer_contract))
print(inspect.getsource(provisioning.total_matches_tenure_x_monthly))
print(f"TOTAL_TOLERANCE = {provisioning.TOTAL_TOLERANCE}")

# %% [markdown]
# Two versions exist: `customer_contract(labelled=True)` for historical data with `Churn` and `RefundAmount`, and
# `labelled=False` for the monthly production batches, which arrive before anyone knows who will churn.
#
# `provisioning.validate_batch(df)` is the package's version of your `quarantine`. It does the same split with two
# refinements: a first pass checks that every number column holds something readable as a number (a batch arrives
# as text, and `"$70.35"` is a *wrong type*, not a missing value), and it keeps a **violations** table, one row per
# broken rule, with its defect class. Its heart is your function: `_failure_cases` (not shown) is your
# `try`/`except`, and the lines from `bad = ...` on are your split.

# %% id="validate-batch-source"
print(inspect.getsource(provisioning.validate_batch))

# %% [markdown]
# First, the clean historical data and the twelve production batches of 2026: they should pass, and reconcile.

# %% id="clean"
customers = data.load_customers()
checked = provisioning.validate_batch(customers)
print(checked)

monthly = pd.DataFrame({m: provisioning.validate_batch(data.load_batch(m)).reconciliation()
                        for m in data.PRODUCTION_MONTHS}).T
monthly.head(12)

# %% [markdown]
# Every row accepted, and every batch reconciles. Now the batch that worried the Data Steward: January's CRM export
# with known problems. It is read **as text** (every value a string), so that a value like `"79,90"` arrives as it was
# sent instead of being silently turned into something else by the reader.

# %% id="dirty"
dirty = data.load_dirty_batch()
result = provisioning.validate_batch(dirty)
print(result)
print(result.reconciliation().to_string())
result.violations.head(12)

# %% [markdown]
# No row is dropped: each is either accepted or quarantined, and every violation has its row, column, rule and value.
# (A note with personal data is shown *masked* in the report, so that the report itself does not spread it.) The
# summary per defect class:

# %% id="summary"
result.summary()

# %% [markdown]
# Does the contract find *everything* the datasheet documents? `data.load_dirty_defects()` is the ground truth: every
# injected defect with its row. Compare them cell by cell.

# %% id="truth"
truth = data.load_dirty_defects()
found = set(zip(result.violations["row"].astype(int), result.violations["column"], result.violations["defect"]))
documented = set(zip(truth["row"], truth["column"], truth["defect"]))
print(f"documented defects: {len(documented)}, found by the contract: {len(found)}")
print(f"missed: {sorted(documented - found)}")
print(f"found but not documented: {sorted(found - documented)}")

rows_per_class = pd.DataFrame({
    "documented": truth.groupby("defect")["row"].nunique(),
    "quarantined": result.violations.groupby("defect")["row"].nunique(),
}).fillna(0).astype(int)

fig, (left, right) = plt.subplots(1, 2, figsize=(11, 3.8), gridspec_kw={"width_ratios": [1, 2]})
counts = result.reconciliation()
left.bar(["rows in"], [counts["rows_in"]], color="#5b7db1")
left.bar(["rows out"], [counts["accepted"]], color="#5cb85c")
left.bar(["rows out"], [counts["quarantined"]], bottom=[counts["accepted"]], color="#d9534f")
left.text(0, counts["rows_in"] / 2, f"{counts['rows_in']}\nin", ha="center", va="center", color="white")
left.text(1, counts["accepted"] / 2, f"{counts['accepted']}\naccepted", ha="center", va="center", color="white")
left.text(1, counts["accepted"] + counts["quarantined"] / 2, f"{counts['quarantined']} quarantined",
          ha="center", va="center", color="white", fontsize=9)
left.set_title("Reconciliation: in = accepted + quarantined")
left.set_ylabel("rows")
rows_per_class.columns = ["documented in the datasheet", "quarantined by the contract"]
rows_per_class.plot.barh(ax=right, color=["#bbbbbb", "#d9534f"])
right.set_xlabel("rows")
right.set_ylabel("")
right.set_title("Rows per defect class: datasheet vs contract")
plt.tight_layout()
plt.show()

# %% [markdown]
# Every documented defect is found, in the right row and column, and nothing else is flagged. Two design choices made
# that possible:
#
# * **Two passes.** First pandera checks that each number column holds something readable as a number
#   (`is_number`: `"$70.35"` and `"twelve"` fail as `wrong_type`); then the values are parsed and the contract runs on
#   typed data. A `wrong_type` cell is not reported a second time as missing.
# * **A cross-column rule judges only what it can.** A row with a tenure out of range also has a total that no longer
#   matches tenure × monthly, but that is a symptom of the range defect, not a second defect. The rule skips rows
#   whose inputs are already out of range (look for `judged` in its source above).
#
# The quarantine keeps the rows exactly as received, with the reason, so that the Data Steward can fix them at the
# source:

# %% id="quarantine"
result.quarantined[["customerID", "tenure", "Contract", "MonthlyCharges", "TotalCharges", "quarantine_reason"]].head(8)

# %% [markdown]
# ### Exercise 03.2 — a rule the contract misses
# After a CRM migration, some rows came back with services that contradict each other. Here is a batch with such
# rows. The contract accepts them all: every value on its own is an allowed category.

# %% id="migration"
SERVICES = ["PhoneService", "MultipleLines", "InternetService", "StreamingTV", "TechSupport"]
migration = data.load_batch("2026-02").head(80).copy()
no_internet = migration.index[migration["InternetService"] == "No"][:2]
migration.loc[no_internet, "StreamingTV"] = "Yes"                    # streaming without internet
with_dsl = migration.index[migration["InternetService"] == "DSL"][:2]
migration.loc[with_dsl, "TechSupport"] = "No internet service"       # 'no internet' although on DSL
no_phone = migration.index[migration["PhoneService"] == "No"][:2]
migration.loc[no_phone, "MultipleLines"] = "Yes"                     # several lines without a phone
print(provisioning.validate_batch(migration))
migration.loc[[*no_internet, *with_dsl, *no_phone], SERVICES]


# %% [markdown]
# Write the missing rule as a function `services_consistent(df)` that returns a boolean Series with the index of `df`:
# one `True` (consistent) or `False` (conflict) per row, as pandera's `pa.Check` expects. The rule, in words: a
# customer has *"No internet service"* in an add-on column (`data.ADDONS`: OnlineSecurity, OnlineBackup,
# DeviceProtection, TechSupport, StreamingTV, StreamingMovies) **exactly when** `InternetService` is `"No"`, and has
# *"No phone service"* in `MultipleLines` **exactly when** `PhoneService` is `"No"`. "Exactly when" means both
# directions.
#
# The check runs your function on the clean training data (it must not reject any row) and, plugged into the contract
# with `customer_contract(extra_checks=[pa.Check(services_consistent)])`, on a fresh test batch with conflicts in every
# add-on column and in `MultipleLines`, in both directions, and rows whose add-ons all contradict `InternetService`.

# %% mlopslab={"exercise": "03.services_consistent"}
# BEGIN STUB
# def services_consistent(df):
#     """True for each row whose service columns agree with each other."""
#     ...  # return a boolean Series: one True/False per row of df
# END STUB
# BEGIN SOLUTION
def services_consistent(df):
    """True for each row whose service columns agree with each other."""
    ok = (df["PhoneService"] == "No") == (df["MultipleLines"] == "No phone service")
    for addon in data.ADDONS:
        ok &= (df["InternetService"] == "No") == (df[addon] == "No internet service")
    return ok
# END SOLUTION


# %% mlopslab={"check": "03.services_consistent"}
check("03.services_consistent", services_consistent)


# %% mlopslab={"wrong": "03.services_consistent"}
def services_consistent(df):
    ok = df["InternetService"] == df["InternetService"]
    for addon in data.ADDONS:
        ok &= ~((df["InternetService"] == "No") & (df[addon] != "No internet service"))   # one direction only
    return ok


# %% mlopslab={"wrong": "03.services_consistent"}
def services_consistent(df):
    ok = df["InternetService"] == df["InternetService"]
    for addon in data.ADDONS:
        ok &= (df["InternetService"] == "No") == (df[addon] == "No internet service")
    return ok   # the internet rule both ways, but the phone rule (MultipleLines) forgotten


# %% mlopslab={"shortcut": "03.services_consistent"}
def services_consistent(df):
    """The add-ons only agree with each other: InternetService is never read."""
    says_no_internet = (df[data.ADDONS] == "No internet service").sum(axis=1)
    phone_ok = (df["PhoneService"] == "No") == (df["MultipleLines"] == "No phone service")
    return says_no_internet.isin([0, len(data.ADDONS)]) & phone_ok


# %% mlopslab={"shortcut": "03.services_consistent"}
def services_consistent(df):
    """Five of the six add-ons: OnlineBackup forgotten."""
    ok = (df["PhoneService"] == "No") == (df["MultipleLines"] == "No phone service")
    for addon in ["OnlineSecurity", "DeviceProtection", "TechSupport", "StreamingTV", "StreamingMovies"]:
        ok &= (df["InternetService"] == "No") == (df[addon] == "No internet service")
    return ok


# %% [markdown]
# Now put your rule into the team's contract and run the contract on the migration batch through **your** quarantine.
# Read the quarantine: are these the rows the migration broke, and does the batch still reconcile?

# %% id="migration-quarantine"
with_rule = provisioning.customer_contract(
    labelled=False, extra_checks=[pa.Check(services_consistent, name="services_consistent")])
split = quarantine(migration, with_rule)
if split is None or services_consistent(migration) is None:
    print("Not yet: write quarantine (exercise 03.1) and services_consistent (exercise 03.2) first.")
else:
    accepted, held = split
    print(f"rows in {len(migration)} = accepted {len(accepted)} + quarantined {len(held)}")
    display(held[SERVICES])

# %% [markdown]
# ### Exercise 03.3 — what the legacy load let through, and what it lost
# Before the contract, a nightly job loaded the CRM batches. Its logic, reproduced here: drop every row with an empty
# field (notes aside), drop repeated customer ids, load the rest, report nothing.

# %% id="legacy"
def legacy_load(batch):
    """The old nightly job: drop rows with an empty field (notes aside), then repeated ids."""
    fields = [c for c in batch.columns if c != "notes"]
    loaded = batch[~(batch[fields].apply(lambda s: s.str.strip() == "")).any(axis=1)]
    return loaded.drop_duplicates("customerID")

legacy = legacy_load(dirty)
print(f"rows in: {len(dirty)}, loaded by the legacy job: {len(legacy)}, reported: nothing")

# %% [markdown]
# The legacy job does not reconcile: rows vanished without a report, and some bad rows went in. The Data Steward
# needs to know **which kinds** of defect reached the warehouse through it, and which kinds it silently threw away,
# for this batch and for every batch the job loaded before. Write a function `legacy_report(batch, loaded,
# violations)`: `batch` is the batch received, `loaded` the rows a job loaded from it (its rows keep their labels),
# `violations` the contract's violations on the whole batch (like `result.violations`: column `defect` is the defect
# class, column `row` the row label, the index of `batch` and of `loaded`). It returns two counts per defect class:
#
# * `"loaded"`: for each defect class, how many rows the job **loaded** although the contract quarantines them;
# * `"dropped"`: for each defect class, how many rows the job **dropped** without a word.
#
# The shape is `{"loaded": {"out_of_range": <count>, ...}, "dropped": {...}}` (classes with no rows may be left out).
# The check runs your function on the lab's batch (`dirty`, `legacy`, `result.violations`) and on two batches it makes
# up from rows of the dirty batch, each with the contract's violations: one loaded by the legacy job, one by the job's
# first version, which kept repeated ids. Count from the three arguments; numbers read off the tables above only fit
# the lab's batch.

# %% mlopslab={"exercise": "03.legacy_report"}
# BEGIN STUB
# def legacy_report(batch, loaded, violations):
#     """{"loaded": {defect class: rows}, "dropped": {...}}: the rows of `batch` that `violations` names, counted per
#     defect class, among those the job loaded and among those it dropped (in `batch`, not in `loaded`)."""
#     ...  # 1. the labels of the loaded rows, and of the dropped ones  2. their violations  3. rows per defect class
# END STUB
# BEGIN SOLUTION
def legacy_report(batch, loaded, violations):
    """{"loaded": {defect class: rows}, "dropped": {...}}: the rows of `batch` that `violations` names, counted per
    defect class, among those the job loaded and among those it dropped (in `batch`, not in `loaded`)."""
    dropped = batch.index.difference(loaded.index)
    return {
        "loaded": violations[violations["row"].isin(loaded.index)].groupby("defect")["row"].nunique().to_dict(),
        "dropped": violations[violations["row"].isin(dropped)].groupby("defect")["row"].nunique().to_dict(),
    }
# END SOLUTION


# %% mlopslab={"check": "03.legacy_report"}
check("03.legacy_report", legacy_report)


# %% mlopslab={"wrong": "03.legacy_report"}
def legacy_report(batch, loaded, violations):   # the contract run on the loaded rows, on their own
    return {
        "loaded": provisioning.validate_batch(loaded).summary()["rows"].to_dict(),
        "dropped": {"missing_value": len(batch) - len(loaded)},
    }


# %% mlopslab={"wrong": "03.legacy_report"}
def legacy_report(batch, loaded, violations):
    dropped = batch.index.difference(loaded.index)
    return {
        "loaded": violations.groupby("defect")["row"].nunique().to_dict(),   # every quarantined row, loaded or not
        "dropped": violations[violations["row"].isin(dropped)].groupby("defect")["row"].nunique().to_dict(),
    }


# %% mlopslab={"shortcut": "03.legacy_report"}
def legacy_report(batch, loaded, violations):
    """The lab's numbers typed in from the summary per defect class and "rows in: 240, loaded by the legacy job: 228":
    the 8 rows with an empty field and one copy of each of the 4 repeated ids dropped, the rest loaded."""
    return {"loaded": {"duplicate_id": 4, "inconsistent_total": 5, "out_of_range": 6, "personal_data": 6,
                       "unknown_category": 5, "wrong_type": 4},
            "dropped": {"missing_value": 8, "duplicate_id": 4}}


# %% mlopslab={"shortcut": "03.legacy_report"}
def legacy_report(batch, loaded, violations):
    """The lab's numbers for a batch of the lab's size; for any other, every violation loaded and the missing rows
    dropped."""
    if len(batch) == 240 and len(loaded) == 228:
        return {"loaded": {"duplicate_id": 4, "inconsistent_total": 5, "out_of_range": 6, "personal_data": 6,
                           "unknown_category": 5, "wrong_type": 4},
                "dropped": {"missing_value": 8, "duplicate_id": 4}}
    per_class = violations.groupby("defect")["row"].nunique()
    return {"loaded": per_class.drop("missing_value", errors="ignore").to_dict(),
            "dropped": {"missing_value": len(batch) - len(loaded)}}


# %% mlopslab={"shortcut": "03.legacy_report"}
def legacy_report(batch, loaded, violations):
    return {"loaded": provisioning.validate_batch(batch).summary()["rows"].to_dict(),
            "dropped": provisioning.validate_batch(batch).summary()["rows"].to_dict()}


# %% mlopslab={"shortcut": "03.legacy_report"}
def legacy_report(batch, loaded, violations):
    dropped = batch.loc[batch.index.difference(loaded.index)]
    return {"loaded": provisioning.validate_batch(loaded).summary()["rows"].to_dict(),
            "dropped": provisioning.validate_batch(dropped).summary()["rows"].to_dict()}


# %% [markdown]
# ## 3. Malformed files: a clear error, not a traceback wall
#
# Some batches are broken before any row can be judged: the export was cut off, someone saved it from a spreadsheet
# with semicolons, a column went missing, or the file is empty. `provisioning.read_batch_csv(path)` reads a batch as
# text and stops with a `BatchFileError` that says *what* is wrong and *where*. Let us break a good batch four ways
# (in a temporary folder) and read each one.

# %% id="malformed"
good_text = (config.data_dir() / "production" / "batch_2026-03.csv").read_text(encoding="utf-8")
cut = good_text.rfind("\n", 0, len(good_text) // 2) + 40              # somewhere in the middle of a row
broken = {
    "truncated.csv": good_text[:cut],
    "semicolons.csv": good_text.replace(",", ";"),
    "no_tenure.csv": data.load_batch("2026-03").drop(columns="tenure").to_csv(index=False),
    "empty.csv": "",
}
folder = Path(tempfile.mkdtemp(prefix="lab03-"))
for name, text in broken.items():
    (folder / name).write_text(text, encoding="utf-8")
    try:
        provisioning.read_batch_csv(folder / name)
    except provisioning.BatchFileError as err:
        print(f"BatchFileError: {err}\n")

# %% [markdown]
# Compare with a plain `pd.read_csv` of the truncated file: it reads it **without complaint**, fills the cut-off row
# with missing values and even keeps whatever was half written where the file was cut (the line starting with `->`
# names the column the last row stops in, and the value read_csv kept there). A pipeline built on it would carry on
# with half a customer.

# %% id="silent"
silent = pd.read_csv(folder / "truncated.csv")
last_fields = broken["truncated.csv"].rsplit("\n", 1)[-1].split(",")
cut_column, cut_value = silent.columns[len(last_fields) - 1], last_fields[-1]
print(f"-> the last row stops inside {cut_column}: read_csv keeps the half value {cut_value!r}" if cut_value else
      f"-> the last row stops right before {cut_column}: read_csv fills it and every later column with NaN")
shown = {"customerID", "tenure", "PhoneService", "InternetService", "Contract", "MonthlyCharges", cut_column}
silent.tail(2)[[c for c in silent.columns if c in shown]]

# %% [markdown]
# ## 4. Personal data: detect, mask, pseudonymize (Data Steward)
#
# Some quarantined rows broke only one rule: `personal_data`. Call-centre agents typed contact details into the
# free-text `notes`. `privacy.detect_pii` scans text columns with patterns for phone numbers, e-mail addresses, social
# security numbers, payment-card numbers and postal addresses, and reports *where* and *what kind*, never the value
# itself. (All of these are fictitious: reserved 555-01xx numbers and example domains.)

# %% id="pii"
findings = privacy.detect_pii(dirty, columns=["notes"])
findings

# %% [markdown]
# **Masking** replaces each finding by its kind. Look closely at the social security number's line:

# %% id="mask"
with_pii = dirty.loc[findings["row"].unique(), ["customerID", "notes"]]
for row, note in with_pii["notes"].items():
    print(f"row {row:>3}: {privacy.mask_pii(note)}")

# %% [markdown]
# The social security number is masked, but **"John Miller" is not**: pattern matching finds only what it has
# patterns for, and names have none. Real tools add named-entity recognition, and still miss some. That is why the
# governance answer is layered: mask what can be found, and keep free text away from everyone who does not need it
# (section 5 does that).
#
# The Data Steward's remediation: mask the notes of the rows whose *only* defect is personal data, and run the contract
# again. They pass and join the accepted rows; the others stay in quarantine for the source system to fix.

# %% id="remediate"
defects_per_row = result.violations.groupby("row")["defect"].agg(set)
only_pii = [row for row, defects in defects_per_row.items() if defects == {"personal_data"}]
remediated = dirty.loc[only_pii].assign(notes=lambda d: d["notes"].map(privacy.mask_pii))
readmitted = provisioning.validate_batch(remediated)
provisioned = pd.concat([result.accepted, readmitted.accepted]).sort_index()
print(f"re-admitted after masking: {len(readmitted.accepted)} of {len(only_pii)}")
print(f"provisioned rows: {len(provisioned)}, still quarantined: {len(dirty) - len(provisioned)}")

# %% [markdown]
# ### Exercise 03.4 — mask a payment card, keep the last four digits
# The call centre needs to tell a customer *which* card was declined, so the payment policy (in the spirit of the
# card industry's PCI DSS rule) allows the **last four digits** to be shown, never more. Write `mask_card(text)` that
# replaces every card number in `text` by `[CARD ending NNNN]`, where `NNNN` are its last four digits, and leaves
# everything else unchanged. For example `"Card ending 4111 1111 1111 1111 declined"` becomes
# `"Card ending [CARD ending 1111] declined"`.
#
# Tips: `privacy.PII_PATTERNS["card"]` is a compiled regular expression that finds card numbers (with spaces, dashes
# or none). Its `.sub(replacement, text)` accepts a *function* as replacement: it receives each match `m`, whose text
# is `m.group()`. `re.sub(r"\D", "", s)` removes every non-digit from `s`.

# %% mlopslab={"exercise": "03.mask_card"}
# BEGIN STUB
# import re
#
# def mask_card(text):
#     """`text` with each card number replaced by '[CARD ending NNNN]' (its last four digits)."""
#     ...
# END STUB
# BEGIN SOLUTION
import re


def mask_card(text):
    """`text` with each card number replaced by '[CARD ending NNNN]' (its last four digits)."""
    return privacy.PII_PATTERNS["card"].sub(lambda m: "[CARD ending " + re.sub(r"\D", "", m.group())[-4:] + "]", text)
# END SOLUTION


# %% mlopslab={"check": "03.mask_card"}
check("03.mask_card", mask_card)


# %% mlopslab={"wrong": "03.mask_card"}
def mask_card(text):
    return privacy.mask_pii(text)                # hides the whole card: the agent cannot tell which one


# %% mlopslab={"wrong": "03.mask_card"}
import re  # noqa: F811 -- this cell replaces the solution cell, its import included


def mask_card(text):
    return privacy.PII_PATTERNS["card"].sub(lambda m: "[CARD ending " + re.sub(r"\D", "", m.group())[:4] + "]",
                                            text)   # the first four digits, not the last four


# %% mlopslab={"shortcut": "03.mask_card"}
SEEN_CARD_TEXTS = {  # texts and answers read off the check's feedback, one per try
    "Card ending 4111 1111 1111 1111 declined": "Card ending [CARD ending 1111] declined",
    "Paid with 5500-0000-0000-0004 yesterday": "Paid with [CARD ending 0004] yesterday",
    "cards 4012888888881881 and 3782 822463 10005 on file": "cards [CARD ending 1881] and [CARD ending 0005] on file",
}


def mask_card(text):
    return SEEN_CARD_TEXTS.get(text, text)


# %% [markdown]
# ### Pseudonymization: hide the id, keep the joins
# The Data Scientist needs to join a batch with the labels that arrive a month later, but does not need to know *who*
# the customer is. **Pseudonymization** replaces each `customerID` by a keyed hash, HMAC-SHA256 with a **secret key**:
# the same id always gets the same pseudonym, so joins still work, but without the key nobody can rebuild the mapping
# by hashing a list of known ids. (The key is sometimes called a *pepper*. It is not a *salt*: a salt is stored next to
# each hash and is no secret.) In real life the key lives in a vault, held by the Data Steward; here it is a fixed
# string so that the lab is reproducible. The whole technique is the one `hmac.new(...)` line:

# %% id="pseudo-source"
print(inspect.getsource(privacy.pseudonymize))

# %% id="pseudo"
KEY = "telconova-course-key"
batch, labels = data.load_batch("2026-01"), data.load_labels("2026-01")
batch_p = batch.assign(customerID=privacy.pseudonymize(batch["customerID"], KEY))
labels_p = labels.assign(customerID=privacy.pseudonymize(labels["customerID"], KEY))
labels_other = labels.assign(customerID=privacy.pseudonymize(labels["customerID"], "another-key"))

pairs = pd.DataFrame({"customerID": batch["customerID"].head(3), "pseudonym": batch_p["customerID"].head(3)})
print(pairs.to_string(index=False))
print(f"\njoin on pseudonyms, same key:      {len(batch_p.merge(labels_p, on='customerID'))} of {len(batch)} rows match")
print(f"join on pseudonyms, different key: {len(batch_p.merge(labels_other, on='customerID'))} of {len(batch)} rows match")

# %% [markdown]
# ## 5. Role-based views: who may see what
#
# The Data Steward writes one **access policy** per role: for each column, *keep*, *pseudonymize*, *mask* (personal
# data in text), *generalize* (tenure → a band) or *drop*. A column the policy does not name is dropped: **deny by
# default**. The policies are written per kind of column of the schema (the identifier, the free text, the protected
# attributes), so a new column gets its kind's treatment. Only the columns where the roles differ are shown:

# %% id="roles"
matrix = privacy.access_matrix()
matrix[matrix.nunique(axis=1) > 1]

# %% [markdown]
# The reasoning:
#
# * The **Data Steward** answers for the data and sees all of it — as it is stored: personal data found in the notes
#   was masked during provisioning (section 4) for everyone, the Steward included; the raw notes exist only in the
#   quarantine, which the catalog entry keeps for a limited time.
# * The **Data Engineer** runs the pipeline: real ids (to find duplicates, join billing with the CRM, and trace a
#   quarantined row back to its source) and every value the contract checks, but no free text.
# * The **Data Scientist** models churn, so keeps every feature, the label and the protected attributes `gender` and
#   `SeniorCitizen` (needed to audit fairness in lab 07), but sees pseudonyms instead of ids and **no notes**: a name
#   in a note survives masking, and the notes are no model input.
# * The **Business Analyst** works with segments, not people: no ids, no notes, tenure as a band, and no protected
#   attributes, so that a campaign cannot target by gender or age.
#
# `privacy.role_view(df, role, key)` applies a policy. It is short enough to read whole; the line to find is
# `policy.get(column, "drop")`, deny by default: a column the role's policy does not name never reaches the view. The
# policies name the columns of the schema, so a column that turns up in an export without being catalogued stays
# hidden from every role, the Steward included, until the Steward adds it to the schema and decides who may see it.
# The second cell tries it with a column the CRM might start exporting one day:

# %% id="role-view-source"
print(inspect.getsource(privacy.role_view))

# %% id="deny-by-default"
uncatalogued = provisioned.head(3).assign(agent_phone="+31 6 1234 5678")  # not in schema.COLUMNS
print({role: "agent_phone" in privacy.role_view(uncatalogued, role, KEY).columns for role in privacy.ROLE_POLICIES})

# %% [markdown]
# Here is what each role sees of the first four provisioned customers with notes:

# %% id="views"
SHOWN = ["customerID", "gender", "SeniorCitizen", "tenure", "Contract", "MonthlyCharges", "notes"]
with_notes = provisioned[provisioned["notes"].fillna("").str.strip() != ""]

def show_view(role="Business Analyst", rows=4):
    """The first `rows` provisioned customers with notes, as `role` may see them (the lab's chosen columns)."""
    view = privacy.role_view(with_notes, role, KEY)
    return view[[c for c in SHOWN if c in view.columns]].head(rows)

for role in privacy.ROLE_POLICIES:
    print(f"--- {role}")
    display(show_view(role))

# %% [markdown]
# In JupyterLab you can switch between roles with the menu below (headless runs show the same tables above, made by
# the same `show_view` function with its default arguments). This cell's output is not compared by the automated
# tests, because a widget's output carries a random id.

# %% tags=["nbval-ignore-output"] id="widget"
import ipywidgets as widgets

widgets.interact(show_view, role=widgets.Dropdown(options=list(privacy.ROLE_POLICIES), value="Business Analyst"),
                 rows=widgets.IntSlider(value=4, min=1, max=10));

# %% [markdown]
# ## 6. Data versions and lineage
#
# Lab 00 checked the data against `SHA256SUMS`. The same idea names a **data version**: `lineage.data_version` returns
# the SHA-256 hash of a file's bytes or of a table's contents, and the course uses this one definition from lab 01 to
# lab 11. Change one value anywhere and the version changes; the same content always has the same version, wherever
# and whenever it is computed.

# %% id="versions"
v_file = lineage.data_version(config.data_dir() / "customers.csv")
v_frame = lineage.data_version(customers)
one_change = customers.copy()
one_change.loc[4321, "MonthlyCharges"] += 0.01
print(f"customers.csv (file)           {lineage.short(v_file)}...")
print(f"customers (DataFrame)          {lineage.short(v_frame)}...  same content, same version: {v_file == v_frame}")
print(f"one charge changed by 1 cent   {lineage.short(lineage.data_version(one_change))}...")

# %% [markdown]
# A **lineage record** says which data version was made from which, by which step. Here is the lineage of this lab's
# work on January's batch: from the received file to what the Data Scientist may use.

# %% id="lineage-table"
ds_view = privacy.role_view(provisioned, "Data Scientist", KEY)
records = pd.DataFrame([
    provisioning.lineage_entry("dirty_batch.csv", config.data_dir() / "dirty_batch.csv", "CRM export 2026-01", "received"),
    provisioning.lineage_entry("batch_2026-01.accepted", result.accepted, "dirty_batch.csv", "validate_batch (contract)"),
    provisioning.lineage_entry("batch_2026-01.quarantine", result.quarantined, "dirty_batch.csv", "validate_batch (contract)"),
    provisioning.lineage_entry("batch_2026-01.remediated", readmitted.accepted, "batch_2026-01.quarantine",
                               "mask_pii + validate_batch"),
    provisioning.lineage_entry("batch_2026-01.provisioned", provisioned, "accepted + remediated", "concat"),
    provisioning.lineage_entry("batch_2026-01.ds_view", ds_view, "batch_2026-01.provisioned", "role_view (Data Scientist)"),
])
records.assign(version=records["version"].map(lineage.short))

# %% [markdown]
# The lineage goes where the models are tracked: an **MLflow** run of the provisioning step. The data version is a
# **tag** under the one key `lineage.TAG`, so that one search, `tags.data_version = '<version>'`, finds every run that
# touched that version — this one, and any later run that reads the same data. The counts are metrics (they show that
# the batch reconciles: `accepted` and `quarantined` are the contract's verdict, as in exercise 03.5; `remediated`
# rows came back from the quarantine, and `provisioned` is what went on); the lineage and the violations report are
# artifacts.

# %% id="mlflow"
provisioned_version = lineage.data_version(provisioned)
with mlflow.start_run(run_name="03-provision-batch-2026-01") as run:
    mlflow.set_tags({lineage.TAG: provisioned_version, "lab": "03", "step": "data provisioning",
                     "steward": "Data Steward"})
    mlflow.log_params({"source_version": records.loc[0, "version"], "contract": result.contract})
    # accepted and quarantined: the contract's verdict, as in exercise 03.5; then what remediation brought back
    mlflow.log_metrics({"rows_in": result.rows_in, "accepted": len(result.accepted), "quarantined": len(result.quarantined),
                        "violations": len(result.violations), "remediated": len(readmitted.accepted),
                        "provisioned": len(provisioned)})
    mlflow.log_dict(records.to_dict("records"), "lineage.json")
    mlflow.log_text(result.violations.to_csv(index=False), "violations.csv")

found = mlflow.search_runs(filter_string=f"tags.{lineage.TAG} = '{provisioned_version}'")
print(found[["tags.mlflow.runName", "metrics.rows_in", "metrics.accepted", "metrics.quarantined", "metrics.remediated",
             "metrics.provisioned"]].T.to_string(header=False))
logged = mlflow.artifacts.load_dict(f"{run.info.artifact_uri}/lineage.json")
print(f"lineage.json read back from the run: {len(logged)} records, last: {logged[-1]['dataset']}")

# %% [markdown]
# ### Exercise 03.5 — put the training data's provisioning on record
# The churn models of the following labs learn from `customers.csv`. Provision it the same way, in your own MLflow
# run. The contract's verdict on the training data is the one section 2 printed (`checked`, or run
# `provisioning.validate_batch(customers)` again); the lesson here is the record: log a run with
#
# * the tag `lineage.TAG` holding the version of `customers.csv` (`lineage.data_version(...)`, all 64 hex digits);
# * the metrics `rows_in`, `accepted` and `quarantined` from the contract's verdict (its `.reconciliation()` holds
#   the three counts; `.accepted` and `.quarantined` are the rows themselves).
#
# Give the run's id as `my_run_id` (`my_run.info.run_id`).

# %% mlopslab={"exercise": "03.lineage_run"}
# BEGIN STUB
# training_version = ...   # the version of config.data_dir() / "customers.csv"
# verdict = ...            # the contract's verdict on `customers`
# # with mlflow.start_run(run_name=...) as my_run:
# #     ...                # the tag lineage.TAG, and the metrics rows_in, accepted, quarantined
# my_run_id = ...          # my_run.info.run_id
# END STUB
# BEGIN SOLUTION
training_version = lineage.data_version(config.data_dir() / "customers.csv")
verdict = provisioning.validate_batch(customers)
with mlflow.start_run(run_name="03-provision-training-data") as my_run:
    mlflow.set_tags({lineage.TAG: training_version, "lab": "03", "step": "data provisioning"})
    mlflow.log_param("contract", verdict.contract)
    mlflow.log_metrics({"rows_in": verdict.rows_in, "accepted": len(verdict.accepted),
                        "quarantined": len(verdict.quarantined)})
my_run_id = my_run.info.run_id
# END SOLUTION

# %% mlopslab={"check": "03.lineage_run"}
check("03.lineage_run", my_run_id)

# %% mlopslab={"wrong": "03.lineage_run"}
training_version = lineage.data_version(config.data_dir() / "customers.csv")
verdict = provisioning.validate_batch(customers)
with mlflow.start_run(run_name="03-provision-training-data") as my_run:
    mlflow.log_param(lineage.TAG, training_version)          # a parameter: a search on tags does not see it
    mlflow.log_metrics({"rows_in": verdict.rows_in, "accepted": len(verdict.accepted),
                        "quarantined": len(verdict.quarantined)})
my_run_id = my_run.info.run_id

# %% mlopslab={"wrong": "03.lineage_run"}
training_version = lineage.data_version(config.data_dir() / "customers.csv")
verdict = provisioning.validate_batch(customers)
with mlflow.start_run(run_name="03-provision-training-data") as my_run:
    mlflow.set_tag(lineage.TAG, lineage.short(training_version))   # the short form printed in tables
    mlflow.log_metrics({"rows_in": verdict.rows_in, "accepted": len(verdict.accepted),
                        "quarantined": len(verdict.quarantined)})
my_run_id = my_run.info.run_id

# %% mlopslab={"shortcut": "03.lineage_run"}
my_run_id = run.info.run_id                                 # the lab's own run, of January's batch

# %% [markdown]
# ### Everything that touched the training data
# The Data Steward *tracks how the data is used*. One more step of this lab touches the training data: the Data
# Scientist's view of it (section 5), the only form in which the Data Scientist may work with it. That step is on
# record too, tagged with the version it was made from. One search by the training data's version now lists every
# run that touched it:

# %% id="touched"
training_file_version = lineage.data_version(config.data_dir() / "customers.csv")
ds_training_view = privacy.role_view(customers, "Data Scientist", KEY)
with mlflow.start_run(run_name="03-data-scientist-view"):
    mlflow.set_tags({lineage.TAG: training_file_version, "lab": "03", "step": "role view (Data Scientist)"})
    mlflow.log_params({"role": "Data Scientist", "view_version": lineage.data_version(ds_training_view)})

touched = mlflow.search_runs(filter_string=f"tags.{lineage.TAG} = '{training_file_version}'",
                             order_by=["attributes.start_time ASC"])
print(f"runs tagged {lineage.TAG} = {lineage.short(training_file_version)}...: {len(touched)}")
for _, found_run in touched.iterrows():
    print(f"  {found_run['tags.mlflow.runName']:<30} {found_run.get('tags.step') or '(no step tag)'}")

# %% [markdown]
# Your provisioning run and the view handed to the Data Scientist point at the same version, so *"what happened to
# this data, and was it checked before anyone used it?"* is one query. (Until you do exercise 03.5, your provisioning
# run is missing from the list; runs of other labs on the same file, lab 01's for one, appear when the store has them.)
#
# Data derived from this file keeps the link. Lab 04's preparation record, and the training run of the course's
# champion model (which labs 06 to 11 get from `registry.ensure_champion()`), carry two tags: `data_version`, the
# version of the data they produced or learned from, and `source_data_version`, this file's version. So in a store
# where those labs have run, one search by this file's version under `source_data_version` finds both, and a search
# by the prepared data's `data_version` finds every model that learned from it; lab 10 walks the whole chain, from a
# served model back to its data version. These searches are also how the Steward shows what the data is *worth* to the
# company: which models, and through them which retention campaigns, depend on it.

# %% [markdown]
# ## Recap
# * A **catalog entry**, a **datasheet** and a **schema** say what the data is, who owns and stewards it, what it may
#   be used for, how long it is kept, and what each column may hold; the schema is written once and read by the
#   contract, the scoring service and the views.
# * A **data contract** (pandera, lazy validation) checks types, ranges, categories, unique ids and cross-column rules
#   on every batch; you wrote a rule of your own and ran it on a batch.
# * Bad rows are **quarantined**, not dropped: you wrote the split, and every batch **reconciles** (rows in = accepted +
#   quarantined), which the legacy job could not claim — it loaded bad rows and lost others without a word.
# * A malformed file stops with a **clear error** that says what and where.
# * Personal data is **detected, masked and pseudonymized** (with a secret key); pattern matching misses names, so free
#   text stays with the Data Steward. **Role-based views** apply a deny-by-default policy.
# * Every data version has a **content hash** under one tag, `lineage.TAG`; a provisioning run puts it on record in
#   MLflow, and one search by version finds everything that touched the data.
#
# ### In the real world
# * Contracts: pandera, Great Expectations, Soda, and dbt tests run the same kind of rules inside data pipelines; the
#   *Open Data Contract Standard* describes contracts between teams.
# * Catalogs and lineage: DataHub, OpenMetadata, Unity Catalog, Collibra; OpenLineage is a common lineage format;
#   DVC and lakeFS version data by content hashes, as here.
# * Personal data: Microsoft Presidio adds named-entity recognition to pattern matching; card numbers are validated with
#   the Luhn checksum; the GDPR treats pseudonymized data as still personal (whoever holds the key can re-identify
#   people), unlike anonymized data. Access policies are enforced by the data platform (row and column security), not
#   by each notebook.
#
# **Next:** lab 04 prepares the provisioned data for the model, and walks into a target-leakage trap.
