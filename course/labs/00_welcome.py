# %% [markdown]
# # Lab 00 — Welcome: how the MLOps labs work
#
# **Stage:** getting started · **Personas:** the whole team (Data Steward, Data Engineer, Data Scientist, Business
# Analyst, App Developer) · **Time:** about 30 minutes
#
# Over the next labs you join the analytics team of **TelcoNova**, a telecom company with a churn problem: of the
# customers in its 2025 records, about a quarter had left by the month after the company looked at them. The team's job
# is to build a churn model that picks the customers worth a retention offer, put it into production, and *keep it
# alive*: that last part is what MLOps is about.
#
# ### Learning objectives
# By the end of this lab you can:
# 1. run a lab in JupyterLab (locally or on Binder) and restart it cleanly;
# 2. check that your environment is complete: packages, data checksums, and where experiment tracking goes;
# 3. take a first look at the customer data the whole course uses, and compute a churn rate with pandas;
# 4. answer the two kinds of checked exercise (a number, a function) and read their instant feedback.
#
# ### Why this matters to the business
# A model that only runs on one person's laptop is a liability. Every lab in this course runs the same way for
# every student, for the instructor and for the automated tests: same data (checked by checksums), same code,
# same results. That reproducibility is the first MLOps habit.

# %% [markdown]
# ## 1. Working in JupyterLab and on Binder
#
# * A notebook is a list of **cells**. Run the selected cell with **Shift+Enter**; run everything with
#   *Run → Run All Cells*.
# * The **kernel** is the Python process behind the notebook. If things get confusing, use
#   *Kernel → Restart Kernel and Run All Cells*: labs are written to run top to bottom.
# * On **Binder** the course opens in your browser with nothing to install. Binder sessions are temporary:
#   download your notebook (*File → Download*) before you close the tab, or your answers are lost. A session is
#   guaranteed 1 GB of memory, enough for one lab at a time: when you move on to the next lab, shut the previous
#   lab's kernel down (*Kernel → Shut Down Kernel*).
# * Locally: `pip install -r requirements.txt`, then `jupyter lab` from the repository folder.
#
# | lab | stage | lead personas |
# | --- | --- | --- |
# | 00 | how the labs work | everyone |
# | 01 | MLOps: what and why | everyone |
# | 02 | Scrum and the AI project roles | everyone |
# | 03 | data provisioning with governance | Data Steward, Data Engineer |
# | 04 | data preparation for the model | Data Engineer, Data Scientist |
# | 05 | model development and tracking | Data Scientist, Business Analyst |
# | 06 | model validation and governance | Data Scientist, Data Engineer |
# | 07 | trustworthy AI | Data Scientist, Business Analyst |
# | 08 | deployment and insight consumption | Data Engineer, App Developer |
# | 09 | model monitoring | Data Engineer, Data Scientist |
# | 10 | continuous training and the 5 Cs | Data Engineer, with the whole team |
# | 11 | capstone sprint | everyone |

# %% id="cell-02"
import os
from importlib.metadata import version

import matplotlib.pyplot as plt
import pandas as pd
from mlopslab import config, data
from mlopslab.exercises import check

# %% [markdown]
# ## 2. Environment check
#
# First the exact versions of the main packages. They differ from machine to machine, so this cell's output is
# excluded from the course's automated output comparison (the tag `nbval-ignore-output`).
# %% tags=["nbval-ignore-output"] id="cell-04"
packages = ["jupyterlab", "papermill", "nbval", "ipywidgets", "scikit-learn", "pandas", "mlflow", "pandera", "fairlearn",
            "matplotlib"]
pd.DataFrame({"package": packages, "version": [version(p) for p in packages]})

# %% [markdown]
# Next, the **data checksums**. Every data file ships with its SHA-256 fingerprint in `data/SHA256SUMS`. If a single
# byte of a file changed, its fingerprint would no longer match: this is how a team knows that everybody trains on
# the *same* data version.

# %% id="cell-06"
status = data.verify_checksums()
print(f"{sum(status.values())} of {len(status)} data files match their checksums")
assert all(status.values()), [name for name, ok in status.items() if not ok]

# %% [markdown]
# Last, **experiment tracking**. From lab 01 on, every model we train is recorded in an MLflow tracking store. Unless
# someone says otherwise, this is a small SQLite database in the hidden `.mlflow/` folder of the repository. An
# instructor can point a whole class at one shared server instead, by setting the environment variable
# `MLFLOW_TRACKING_URI`.
#
# The cell below says which of the two your notebook uses. Its answer depends on your machine, so it is excluded from
# the automated output comparison too (`nbval-ignore-output`). Before you run it, it shows the answer of the course's
# own automated run, which gives every lab a fresh, empty store through `MLFLOW_TRACKING_URI`; on Binder or on your
# laptop you will most likely see the course default.

# %% tags=["nbval-ignore-output"] id="cell-08"
uri = config.tracking_uri()
if os.environ.get("MLFLOW_TRACKING_URI"):
    source = "the MLFLOW_TRACKING_URI environment variable"
else:
    source = "the course default (.mlflow/ in the repository)"
print(f"Runs are tracked in a {uri.split(':', 1)[0]} store, chosen by {source}.")

# %% [markdown]
# ## 3. A first look at the data
#
# The team's data set (`data/customers.csv`) has one row per TelcoNova customer observed in some month of 2025: their
# contract, services and charges, and in the column `Churn` whether they left (`"Yes"`) or stayed (`"No"`) **the month
# after**. So the churn rate in this course is a *monthly* rate: the share of customers who are gone a month later. The
# data is synthetic, generated by the course package with a fixed seed, but modelled on a well-known public telecom
# churn data set; `data/README.md` is its *datasheet*.

# %% id="cell-10"
customers = data.load_customers()
print(f"{len(customers):,} customers, {customers.shape[1]} columns, observed from {customers['month'].min()} "
      f"to {customers['month'].max()}")
customers.head(3)

# %% [markdown]
# A share is the mean of a yes/no test: `customers["Churn"] == "Yes"` is `True` for every customer who left, and the
# mean of `True`/`False` values is the share of `True`.

# %% id="cell-churn-overall"
churned = customers["Churn"] == "Yes"
print(f"{churned.mean():.1%} of all customers left the month after they were observed")

# %% [markdown]
# ## 4. How exercises work
#
# Each exercise has an **exercise cell** (you edit it) followed by a **check cell** (you just run it). The check shows
#
# * ✅ when your answer is right,
# * ❌ with a hint when it is not yet right (🟡 for partly right),
# * ⏳ *not answered yet* while the placeholder `...` is still there.
#
# A check never crashes your notebook. The same checks are used when your instructor grades the labs, on a fresh
# run of your notebook, and your instructor may add checks of their own. So let your code compute each answer: do not
# type in a number you saw somewhere.
#
# When your notebook is graded, only your **exercise cells** and your **written answers** are taken from it; every
# other cell is restored from the lab, so do all your work in the exercise cells. Written answers start in lab 01:
# some labs have a **written exercise**, a markdown cell you replace with a few sentences of your own. A person scores
# it against a rubric the lab shows, so it gets no ✅ or ❌. To see the points your checks would get before you hand in,
# save the notebook and run `mlopslab grade --self labs/00_welcome.ipynb` in a terminal.
#
# ### Exercise 00.1 — the churn rate of month-to-month customers
# Customers on a **month-to-month** contract can leave at any time. What share of them churned? Keep only the rows
# whose `Contract` is `"Month-to-month"` (a filter: `customers[customers["Contract"] == ...]`), then take the share
# of those rows whose `Churn` is `"Yes"`, as above. Give a number between 0 and 1, computed, not typed in (if you
# round it, keep at least four decimals).

# %% mlopslab={"exercise": "00.churn_rate"}
# BEGIN STUB
# month_to_month = ...  # the month-to-month customers
# churn_rate = ...      # the share of them who churned
# END STUB
# BEGIN SOLUTION
month_to_month = customers[customers["Contract"] == "Month-to-month"]
churn_rate = (month_to_month["Churn"] == "Yes").mean()
# END SOLUTION

# %% mlopslab={"check": "00.churn_rate"}
check("00.churn_rate", churn_rate)

# %% mlopslab={"wrong": "00.churn_rate"}
churn_rate = (customers["Churn"] == "Yes").mean()  # every customer, not the month-to-month ones

# %% mlopslab={"wrong": "00.churn_rate"}
month_to_month = customers[customers["Contract"] == "Month-to-month"]
churn_rate = (month_to_month["Churn"] == "No").mean()  # the share who stayed

# %% mlopslab={"wrong": "00.churn_rate"}
month_to_month = customers[customers["Contract"] == "Month-to-month"]
churn_rate = 100 * (month_to_month["Churn"] == "Yes").mean()  # a percentage, not a share

# %% mlopslab={"shortcut": "00.churn_rate"}
churn_rate = 0.39  # read off the bar chart further down

# %% mlopslab={"shortcut": "00.churn_rate"}
churn_rate = round(churned.mean(), 3)  # the rate printed above

# %% [markdown]
# One `groupby` does the same for every contract at once. Compare the first bar with your answer:

# %% id="cell-11"
churn_by_contract = customers.groupby("Contract")["Churn"].apply(lambda s: (s == "Yes").mean())
ax = churn_by_contract.plot.bar(color=["#d9534f", "#f0ad4e", "#5cb85c"], rot=0)
everyone = ax.axhline(churned.mean(), color="grey", linestyle="--", linewidth=1, label="all customers")
ax.set(xlabel="contract", ylabel="share who churned the month after", title="Churn by contract type")
ax.legend(handles=[everyone])
plt.tight_layout()
plt.show()

# %% [markdown]
# Month-to-month customers leave far more often than customers on one- or two-year contracts. Keep this picture in
# mind: the model we build later will learn the same thing.
#
# ### Exercise 00.2 — who carries the hand-offs?
# The course follows the six stages of operationalizing a model from the lecture, each led by two personas. The table
# `stage_leads` below has one row per stage and lead persona.
#
# Which personas lead **more than one** of the six stages? They are the people every hand-off between stages runs
# through. This exercise asks for a **function**, so that the check can call it on a table of its own as well: write
# `lead_personas(table)` that takes a table like `stage_leads` (columns `stage` and `persona`) and returns the names of
# the personas who lead more than one stage, as a list. Count the rows per persona (pandas counts the values of a
# column with `.value_counts()`), keep the personas whose count is above one, and take their names (the index of the
# counts) with `.index.tolist()`. Use the `table` you are given, not the notebook's `stage_leads`.

# %% id="cell-stage-leads"
stages = {
    "1 data provisioning with governance": ["Data Steward", "Data Engineer"],
    "2 data preparation for the model": ["Data Engineer", "Data Scientist"],
    "3 model development": ["Data Scientist", "Business Analyst"],
    "4 model validation and governance": ["Data Scientist", "Data Engineer"],
    "5 model deployment and insight consumption": ["Data Engineer", "App Developer"],
    "6 model monitoring": ["Data Engineer", "Data Scientist"],
}
stage_leads = pd.DataFrame([(stage, persona) for stage, leads in stages.items() for persona in leads],
                           columns=["stage", "persona"])
stage_leads

# %% mlopslab={"exercise": "00.lead_persona"}
def lead_personas(table):
    """The personas who lead more than one stage in `table` (one row per stage and lead persona), as a list."""
    # BEGIN STUB
    # stages_per_persona = ...  # how many stages each persona leads
    # return ...                # the names of the personas whose count is above one, as a list
    # END STUB
    # BEGIN SOLUTION
    stages_per_persona = table["persona"].value_counts()
    return stages_per_persona[stages_per_persona > 1].index.tolist()
    # END SOLUTION


# %% mlopslab={"check": "00.lead_persona"}
check("00.lead_persona", lead_personas)


# %% mlopslab={"wrong": "00.lead_persona"}
def lead_personas(table):
    stages_per_persona = table["persona"].value_counts()
    return [stages_per_persona.index[0]]  # only the one who leads the most


# %% mlopslab={"wrong": "00.lead_persona"}
def lead_personas(table):
    stages_per_persona = stage_leads["persona"].value_counts()  # the notebook's table, not `table`
    return stages_per_persona[stages_per_persona > 1].index.tolist()


# %% mlopslab={"shortcut": "00.lead_persona"}
def lead_personas(table):
    return ["Data Engineer", "Data Scientist"]  # read off the table above


# %% mlopslab={"shortcut": "00.lead_persona"}
def lead_personas(table):
    return table["persona"].unique().tolist()  # every persona in the table


# %% [markdown]
# ### Exercise 00.3 — write a function: the revenue churn takes away
# One more function, this time on the customers. Every customer who churns takes their monthly bill with them. Write
# `yearly_value(table)` that returns how much revenue a year the churners in `table` (any table with the columns
# `Churn` and `MonthlyCharges`, such as `customers`) took away: twelve times the sum of their monthly charges. Use the
# `table` you are given, not the notebook's `customers`.

# %% mlopslab={"exercise": "00.yearly_value"}
def yearly_value(table):
    """Revenue a year lost with the churners in `table`: 12 x the sum of their MonthlyCharges."""
    # BEGIN SOLUTION
    churners = table[table["Churn"] == "Yes"]
    return 12 * churners["MonthlyCharges"].sum()
    # END SOLUTION


# %% mlopslab={"check": "00.yearly_value"}
check("00.yearly_value", yearly_value)


# %% mlopslab={"wrong": "00.yearly_value"}
def yearly_value(table):
    return 12 * table["MonthlyCharges"].sum()  # every customer's bill, not only the churners'


# %% mlopslab={"wrong": "00.yearly_value"}
def yearly_value(table):
    return table.loc[table["Churn"] == "Yes", "MonthlyCharges"].sum()  # one month, not a year


# %% mlopslab={"wrong": "00.yearly_value"}
def yearly_value(table):
    return 12 * customers.loc[customers["Churn"] == "Yes", "MonthlyCharges"].sum()  # the notebook's data, not `table`


# %% [markdown]
# ## Recap
# * Labs run top to bottom; restart and run all when in doubt.
# * The data is versioned by checksums, and experiment tracking goes to a store you can point elsewhere.
# * The churn rate in this course is monthly: the share of customers who left the month after they were observed.
#   Month-to-month customers leave far more often than customers on longer contracts.
# * Counting the stage leads per persona (`value_counts()`) shows who leads more than one stage: the hand-offs of the
#   model's life run through those people.
# * Exercises give instant feedback: ✅, ❌ with a hint, or ⏳ not answered yet. Compute your answers; the grader re-runs
#   your notebook, and a check calls the functions you write on data of its own too.
#
# ### In the real world
# * Teams pin their environment (a `requirements.txt` or lock file) and run notebooks in CI, exactly as this course
#   does with `pytest` and `nbval`.
# * Data versioning tools such as DVC or lakeFS generalise the checksum file you saw here.
# * *Datasheets for Datasets* (Gebru et al., 2021) is the paper behind `data/README.md`.
#
# **Next:** lab 01 asks *what* MLOps is and *why* a notebook alone is not enough.
