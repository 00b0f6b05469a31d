# %% [markdown]
# # Lab 03 — Data provisioning with governance
#
# **Stage:** data provisioning with governance · **Lead personas:** Data Steward, Data Engineer
# (with the Data Scientist and the Business Analyst as the data's consumers)
#
# Sprint 2 at **TelcoNova**. Before anyone trains a churn model, the data has to arrive — every month, from billing
# and the CRM — and it has to arrive *governed*: described, checked, stripped of what people must not see, and
# versioned. Two personas own this stage. The **Data Steward** decides what the data is, who may use it and for what,
# and how personal data is protected. The **Data Engineer** builds the pipeline that enforces those decisions on every
# batch, automatically.
#
# ### Learning objectives
# By the end of this lab you can:
# 1. read a **catalog entry** and a **datasheet** and say who owns a data set, what it may be used for and how long it is kept;
# 2. write and run a **data contract** with pandera, and read its violation report row by row;
# 3. **quarantine** bad rows instead of dropping them, and **reconcile** every batch: rows in = accepted + quarantined;
# 4. turn a malformed file into a clear error message instead of a wall of traceback;
# 5. **detect, mask and pseudonymize** personal data, and give each role its own **view** of the data;
# 6. give every data version a **content hash** and record its **lineage**, also in MLflow.
#
# ### Why this matters to the business
# A churn model is only as good as the rows it learns from and scores. A month of charges read as text, a duplicated
# customer, or a note with a customer's card number copied into a training table are not technical details: they
# cost money (wrong retention offers), trust (a data leak) and time (nobody can say which data a model saw). Governance
# is what lets the team answer *"which data, checked how, seen by whom?"* for every model it ships.

# %% id="setup"
import tempfile
from pathlib import Path

import matplotlib.pyplot as plt
import pandas as pd
import pandera.pandas as pa
from IPython.display import display

from mlopslab import config, data, privacy, provisioning
from mlopslab.exercises import check

config.quiet()
pd.set_option("display.width", 160)
pd.set_option("display.max_columns", 12)
pd.set_option("display.max_colwidth", 70)

# %% [markdown]
# ## 1. The catalog entry and the datasheet (Data Steward)
#
# A **data catalog** lists every data set of the company with its *metadata*: what it is, who owns it (the business
# owner answers for it), who stewards it (the Data Steward looks after its quality and its rules), where it comes
# from, what it may and may not be used for, and how long it is kept. The course keeps the catalog entry of the churn
# data in the package; the long description — the **datasheet** — is `data/README.md`.

# %% id="catalog"
entry = provisioning.catalog_entry()
for key, value in entry.items():
    print(f"{key:<22} {value if isinstance(value, str) else '; '.join(value)}")

# %% [markdown]
# The last line is new: a **version** of the training file, a SHA-256 hash of its bytes (section 6 explains it).
# The datasheet answers the questions a catalog entry cannot fit. Its sections:

# %% id="datasheet"
datasheet = (config.data_dir() / "README.md").read_text(encoding="utf-8")
print("\n".join(line for line in datasheet.splitlines() if line.startswith("## ")))

# %% [markdown]
# Read the sections *Composition* and *The dirty batch* in `data/README.md` now: they tell you which columns to expect,
# their ranges and categories, and which defects the batch of January 2026 is known to carry. That is the raw material
# of a data contract. Note also *Target leakage*: `RefundAmount` is only known after a customer leaves, so the catalog
# allows it for analysis, but lab 04 keeps it away from the model.
#
# ## 2. A data contract with pandera (Data Engineer)
#
# A **data contract** is the agreement between the producer of data (billing, CRM) and its consumers (the model, the
# dashboards), written as code so that a machine checks it on every batch: column names and types, allowed ranges and
# categories, unique keys, and rules that tie columns together.
#
# Here is a small contract for three columns, written directly with [pandera](https://pandera.readthedocs.io).
# `lazy=True` asks pandera to collect *every* failure instead of stopping at the first one.

# %% id="mini-contract"
mini_contract = pa.DataFrameSchema({
    "customerID": pa.Column(str, unique=True),
    "tenure": pa.Column(int, pa.Check.in_range(0, 72)),
    "Contract": pa.Column(str, pa.Check.isin(data.CATEGORIES["Contract"])),
})
sample = pd.DataFrame({
    "customerID": ["0001-AAAAA", "0002-BBBBB", "0002-BBBBB"],
    "tenure": [12, 240, 3],
    "Contract": ["One year", "Monthly", "Two year"],
})
try:
    mini_contract.validate(sample, lazy=True)
except pa.errors.SchemaErrors as err:
    display(err.failure_cases[["column", "check", "failure_case", "index"]])

# %% [markdown]
# Each failure names the column, the rule (`check`), the offending value and the row (`index`). The team's full
# contract lives in the package, `provisioning.customer_contract()`, because later labs run it on every production
# batch. It has the same three kinds of column rules for all columns, plus a rule across columns: the total charged
# so far must be close to tenure × monthly charge (within 20 %), and an optional free-text `notes` column must not hold
# personal data.

# %% id="full-contract"
contract = provisioning.customer_contract(labelled=True)

def rules_of(column):
    return "; ".join(check.error or check.name for check in column.checks)

overview = pd.DataFrame(
    [{"column": name, "type": "text" if "string" in str(col.dtype) else str(col.dtype),
      "nullable": col.nullable, "unique": col.unique, "rules": rules_of(col)}
     for name, col in contract.columns.items()]
).set_index("column")
categorical = overview["rules"].str.startswith("isin")
display(overview[~categorical])
print(f"...and {categorical.sum()} categorical columns, each limited to its categories in data.CATEGORIES:")
print(", ".join(overview.index[categorical]))
print("Rules across columns:", [check.name for check in contract.checks])

# %% [markdown]
# Two versions exist: `customer_contract(labelled=True)` for historical data with `Churn` and `RefundAmount`, and
# `labelled=False` for the monthly production batches, which arrive before anyone knows who will churn.
#
# `provisioning.validate_batch(df)` runs the contract and sorts every row into **accepted** or **quarantined**, with a
# **violations** table listing each broken rule. First, the clean historical data and the twelve production batches
# of 2026: they should pass.

# %% id="clean"
customers = data.load_customers()
checked = provisioning.validate_batch(customers)
print(checked)

monthly = pd.DataFrame({m: provisioning.validate_batch(data.load_batch(m)).reconciliation()
                        for m in data.PRODUCTION_MONTHS}).T
monthly.head(12)

# %% [markdown]
# Every row accepted, and every batch **reconciles**: rows in = accepted + quarantined. Now the batch that worried the
# Data Steward: January's CRM export with known problems. It is read **as text** (every value a string), so that a
# value like `"79,90"` arrives as it was sent instead of being silently turned into something else by the reader.

# %% id="dirty"
dirty = data.load_dirty_batch()
result = provisioning.validate_batch(dirty)
print(result)
print(result.reconciliation().to_string())
result.violations.head(12)

# %% [markdown]
# No row is dropped: 240 rows in, each either accepted or quarantined, and 42 violations, each with its row, column,
# rule and value. (A note with personal data is shown *masked* in the report, so that the report itself does not
# spread it.) The summary per defect class:

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
# * **A cross-column rule judges only what it can.** Row 1 has tenure 99: its total no longer matches
#   tenure × monthly, but that is a symptom of the range defect, not a second defect. The rule skips rows whose inputs
#   are already out of range.
#
# The quarantine keeps the rows exactly as received, with the reason, so that the Data Steward can fix them at the source:

# %% id="quarantine"
result.quarantined[["customerID", "tenure", "Contract", "MonthlyCharges", "TotalCharges", "quarantine_reason"]].head(8)

# %% [markdown]
# ### Exercise 03.1 — a rule the contract misses
# After a CRM migration, some rows came back with services that contradict each other. Here is a batch with such
# rows. The contract accepts them all: every value on its own is an allowed category.

# %% id="migration"
migration = data.load_batch("2026-02").head(100).copy()
no_internet = migration.index[migration["InternetService"] == "No"][:2]
migration.loc[no_internet, "StreamingTV"] = "Yes"                    # streaming without internet
with_dsl = migration.index[migration["InternetService"] == "DSL"][:2]
migration.loc[with_dsl, "TechSupport"] = "No internet service"       # 'no internet' although on DSL
no_phone = migration.index[migration["PhoneService"] == "No"][:2]
migration.loc[no_phone, "MultipleLines"] = "Yes"                     # several lines without a phone
print(provisioning.validate_batch(migration))
migration.loc[[*no_internet, *with_dsl, *no_phone], ["PhoneService", "MultipleLines", "InternetService", "StreamingTV", "TechSupport"]]


# %% [markdown]
# Write the missing rule as a function `services_consistent(df)` that returns one `True` (consistent) or `False`
# (conflict) per row. The rule, in words: a customer has *"No internet service"* in an add-on column
# (`data.ADDONS`: OnlineSecurity, OnlineBackup, DeviceProtection, TechSupport, StreamingTV, StreamingMovies) **exactly
# when** `InternetService` is `"No"`, and has *"No phone service"* in `MultipleLines` **exactly when** `PhoneService`
# is `"No"`. "Exactly when" means both directions.
#
# The check runs your function on the clean training data (it must not reject any row) and, plugged into the contract
# with `customer_contract(extra_checks=[pa.Check(services_consistent)])`, on a fresh test batch with all four kinds of
# conflict.

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
        ok &= ~((df["InternetService"] == "No") & (df[addon] != "No internet service"))
    return ok


# %% [markdown]
# ### Exercise 03.2 — reconcile the legacy load
# Before the contract, a nightly job loaded the CRM batches. Its logic, reproduced here: drop every row with an empty
# field (notes aside), drop repeated customer ids, load the rest.

# %% id="legacy"
def legacy_load(batch):
    """The old nightly job: drop rows with an empty field (notes aside), then repeated ids."""
    fields = [c for c in batch.columns if c != "notes"]
    loaded = batch[~(batch[fields].apply(lambda s: s.str.strip() == "")).any(axis=1)]
    return loaded.drop_duplicates("customerID")

legacy = legacy_load(dirty)
print(f"rows in: {len(dirty)}, loaded by the legacy job: {len(legacy)}, reported: nothing")

# %% [markdown]
# The legacy job does not reconcile: rows vanished without a report, and some bad rows went in. Find both, using the
# row numbers (the index of `dirty` and `legacy`) and the contract's `result.quarantined`:
#
# * `silently_dropped`: the rows of `dirty` that the legacy job did not load;
# * `slipped_through`: the rows the legacy job loaded although the contract quarantines them.
#
# Sets help: `set(a.index) - set(b.index)` and `set(a.index) & set(b.index)`.

# %% mlopslab={"exercise": "03.reconcile"}
# BEGIN STUB
# silently_dropped = ...  # rows of `dirty` that are not in `legacy`
# slipped_through = ...   # rows in `legacy` that the contract quarantined
# reconcile = {"silently_dropped": silently_dropped, "slipped_through": slipped_through}
# END STUB
# BEGIN SOLUTION
silently_dropped = sorted(set(dirty.index) - set(legacy.index))
slipped_through = sorted(set(legacy.index) & set(result.quarantined.index))
reconcile = {"silently_dropped": silently_dropped, "slipped_through": slipped_through}
# END SOLUTION

# %% mlopslab={"check": "03.reconcile"}
check("03.reconcile", reconcile)

# %% mlopslab={"wrong": "03.reconcile"}
silently_dropped = sorted(set(legacy.index) & set(result.quarantined.index))
slipped_through = sorted(set(dirty.index) - set(legacy.index))
reconcile = {"silently_dropped": silently_dropped, "slipped_through": slipped_through}

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
# with missing values and even keeps the half value `"Ye"` where the file was cut. A pipeline built on it would carry
# on with half a customer.

# %% id="silent"
pd.read_csv(folder / "truncated.csv").tail(2)[["customerID", "tenure", "PhoneService", "InternetService", "Contract", "MonthlyCharges"]]

# %% [markdown]
# ## 4. Personal data: detect, mask, pseudonymize (Data Steward)
#
# Six quarantined rows broke only one rule: `personal_data`. Call-centre agents typed contact details into the free-text
# `notes`. `privacy.detect_pii` scans text columns with patterns for phone numbers, e-mail addresses, social security
# numbers, payment-card numbers and postal addresses, and reports *where* and *what kind*, never the value itself.
# (All of these are fictitious: reserved 555-01xx numbers and example domains.)

# %% id="pii"
findings = privacy.detect_pii(dirty, columns=["notes"])
findings

# %% [markdown]
# **Masking** replaces each finding by its kind. Look closely at the first line:

# %% id="mask"
with_pii = dirty.loc[findings["row"].unique(), ["customerID", "notes"]]
for row, note in with_pii["notes"].items():
    print(f"row {row:>3}: {privacy.mask_pii(note)}")

# %% [markdown]
# The social security number is masked, but **"John Miller" is not**: pattern matching finds only what it has
# patterns for, and names have none. Real tools add named-entity recognition, and still miss some. That is why the
# governance answer is layered: mask what can be found, and keep free text away from everyone who does not need it.
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
# ### Exercise 03.3 — mask a payment card, keep the last four digits
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
    return privacy.mask_pii(text)


# %% [markdown]
# ### Pseudonymization: hide the id, keep the joins
# The Data Scientist needs to join a batch with the labels that arrive a month later, but does not need to know *who*
# the customer is. **Pseudonymization** replaces each `customerID` by a keyed hash (HMAC-SHA256 with a secret *salt*):
# the same id always gets the same pseudonym, so joins still work, but without the salt nobody can rebuild the mapping
# by hashing a list of known ids. In real life the salt is a secret in a vault, held by the Data Steward; here it is
# a fixed string so that the lab is reproducible.

# %% id="pseudo"
SALT = "telconova-course-salt"
batch, labels = data.load_batch("2026-01"), data.load_labels("2026-01")
batch_p = batch.assign(customerID=privacy.pseudonymize(batch["customerID"], SALT))
labels_p = labels.assign(customerID=privacy.pseudonymize(labels["customerID"], SALT))
labels_other = labels.assign(customerID=privacy.pseudonymize(labels["customerID"], "another-salt"))

print(pd.DataFrame({"customerID": batch["customerID"].head(3), "pseudonym": batch_p["customerID"].head(3)}).to_string(index=False))
print(f"\njoin on pseudonyms, same salt:      {len(batch_p.merge(labels_p, on='customerID'))} of {len(batch)} rows match")
print(f"join on pseudonyms, different salt: {len(batch_p.merge(labels_other, on='customerID'))} of {len(batch)} rows match")

# %% [markdown]
# ## 5. Role-based views: who may see what
#
# The Data Steward writes one **access policy** per role: for each column, *keep*, *pseudonymize*, *mask* (personal
# data in text), *generalize* (tenure → a band) or *drop*. A column the policy does not name is dropped: **deny by
# default**. Only the columns where the roles differ are shown:

# %% id="roles"
matrix = privacy.access_matrix()
matrix[matrix.nunique(axis=1) > 1]

# %% [markdown]
# The reasoning: the **Data Steward** answers for the data and sees it all. The **Data Scientist** models churn, so
# keeps every feature, the label and the protected attributes `gender` and `SeniorCitizen` (needed to audit fairness in
# lab 07), but sees pseudonyms instead of ids and masked notes. The **Business Analyst** works with segments, not
# people: no ids, no notes, tenure as a band, and no protected attributes, so that a campaign cannot target by gender
# or age. `privacy.role_view(df, role, salt)` applies a policy. Here is what each role sees of the first four
# provisioned customers with notes:

# %% id="views"
SHOWN = ["customerID", "gender", "SeniorCitizen", "tenure", "Contract", "MonthlyCharges", "notes"]
with_notes = provisioned[provisioned["notes"].fillna("").str.strip() != ""]

def show_view(role="Business Analyst", rows=4):
    """The first `rows` provisioned customers with notes, as `role` may see them (the lab's chosen columns)."""
    view = privacy.role_view(with_notes, role, SALT)
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
# Lab 00 checked the data against `SHA256SUMS`. The same idea names a **data version**: `provisioning.data_version`
# returns the SHA-256 hash of a file's bytes or of a table's contents. Change one value anywhere and the version
# changes; the same content always has the same version, wherever and whenever it is computed.

# %% id="versions"
v_file = provisioning.data_version(config.data_dir() / "customers.csv")
v_frame = provisioning.data_version(customers)
one_change = customers.copy()
one_change.loc[4321, "MonthlyCharges"] += 0.01
print(f"customers.csv (file)           {v_file[:16]}...")
print(f"customers (DataFrame)          {v_frame[:16]}...  same content, same version: {v_file == v_frame}")
print(f"one charge changed by 1 cent   {provisioning.data_version(one_change)[:16]}...")

# %% [markdown]
# A **lineage record** says which data version was made from which, by which step. Here is the lineage of this lab's
# work: from the received file to what the Data Scientist may use.

# %% id="lineage-table"
ds_view = privacy.role_view(provisioned, "Data Scientist", SALT)
lineage = pd.DataFrame([
    provisioning.lineage_entry("dirty_batch.csv", config.data_dir() / "dirty_batch.csv", "CRM export 2026-01", "received"),
    provisioning.lineage_entry("batch_2026-01.accepted", result.accepted, "dirty_batch.csv", "validate_batch (contract)"),
    provisioning.lineage_entry("batch_2026-01.quarantine", result.quarantined, "dirty_batch.csv", "validate_batch (contract)"),
    provisioning.lineage_entry("batch_2026-01.remediated", readmitted.accepted, "batch_2026-01.quarantine", "mask_pii + validate_batch"),
    provisioning.lineage_entry("batch_2026-01.provisioned", provisioned, "accepted + remediated", "concat"),
    provisioning.lineage_entry("batch_2026-01.ds_view", ds_view, "batch_2026-01.provisioned", "role_view (Data Scientist)"),
])
lineage.assign(version=lineage["version"].str[:12])

# %% [markdown]
# Finally the lineage goes where the models will be tracked: an **MLflow** run of the provisioning step, with the data
# version as a parameter, the counts as metrics, and the lineage and the violations report as artifacts. From lab 05
# on, every training run logs the data version it used, so a search by version finds everything that touched this data.

# %% id="mlflow"
import mlflow

config.setup_tracking()
provisioned_version = provisioning.data_version(provisioned)
with mlflow.start_run(run_name="03-provision-batch-2026-01") as run:
    mlflow.set_tags({"lab": "03", "stage": "data provisioning with governance", "steward": "Data Steward"})
    mlflow.log_params({"data_version": provisioned_version, "source_version": lineage.loc[0, "version"],
                       "contract": result.contract})
    mlflow.log_metrics({"rows_in": result.rows_in, "accepted": len(provisioned),
                        "quarantined": len(dirty) - len(provisioned), "violations": len(result.violations)})
    mlflow.log_dict(lineage.to_dict("records"), "lineage.json")
    mlflow.log_text(result.violations.to_csv(index=False), "violations.csv")

found = mlflow.search_runs(filter_string=f"params.data_version = '{provisioned_version}'",
                           order_by=["attributes.start_time DESC"], max_results=1)
columns = ["tags.mlflow.runName", "metrics.rows_in", "metrics.accepted", "metrics.quarantined", "params.contract"]
print(found[columns].T.to_string(header=False))
logged = mlflow.artifacts.load_dict(f"{run.info.artifact_uri}/lineage.json")
print(f"lineage.json read back from the run: {len(logged)} records, last: {logged[-1]['dataset']}")

# %% [markdown]
# ## Recap
# * A **catalog entry** and a **datasheet** say what the data is, who owns and stewards it, what it may be used for and
#   how long it is kept.
# * A **data contract** (pandera, lazy validation) checks types, ranges, categories, unique ids and cross-column rules
#   on every batch and reports each violation with its row, column, rule and value.
# * Bad rows are **quarantined**, not dropped; every batch **reconciles** (rows in = accepted + quarantined), which
#   the legacy job could not claim.
# * A malformed file stops with a **clear error** that says what and where.
# * Personal data is **detected, masked and pseudonymized**; pattern matching misses names, so free text stays away from
#   roles that do not need it. **Role-based views** apply a deny-by-default policy.
# * Every data version has a **content hash**, and **lineage** records, also in MLflow, link each version to its source.
#
# ### In the real world
# * Contracts: pandera, Great Expectations, Soda, and dbt tests run the same kind of rules inside data pipelines; the
#   *Open Data Contract Standard* describes contracts between teams.
# * Catalogs and lineage: DataHub, OpenMetadata, Unity Catalog, Collibra; OpenLineage is a common lineage format;
#   DVC and lakeFS version data by content hashes, as here.
# * Personal data: Microsoft Presidio adds named-entity recognition to pattern matching; card numbers are validated with
#   the Luhn checksum; the GDPR treats pseudonymized data as still personal (the salt can undo it), unlike anonymized
#   data. Access policies are enforced by the data platform (row and column security), not by each notebook.
#
# **Next:** lab 04 prepares the provisioned data for the model, and walks into a target-leakage trap.
