# %% [markdown]
# # Lab 08 — Deployment and insight consumption
#
# **Stage:** model deployment and insight consumption in production · **Lead personas:** Data Engineer, App Developer
# (the consumers: the marketing team and the call-centre agents) · **Time:** about 75 minutes
#
# Lab 07's trustworthy-AI review mitigated the label bias of lab 05's logistic regression, the mitigated model passed
# the validation gate, and the Business Analyst approved it: it sits in the registry as `churn@champion`, with its
# **governed decision threshold** recorded on the model version. So far it has not earned TelcoNova a single euro: a
# model creates value only when its predictions reach the people who decide. This sprint the **Data Engineer** puts
# the champion to work in two ways, and the **App Developer** builds a small screen on top of it.
#
# | consumer | needs | how we serve it |
# | --- | --- | --- |
# | marketing team | once a month, the customers to call with a retention offer, most valuable first | a **batch scoring job** |
# | call-centre agents | the churn risk of the customer on the phone, *now* | a **real-time REST endpoint** |
#
# ### Learning objectives
# By the end of this lab you can:
# 1. load a model by its **registry alias** with MLflow, and read its **governed threshold** from the registry;
# 2. write a **batch scoring job** that hands marketing a ranked contact list;
# 3. run a real **scoring server** (MLflow's, as `mlflow models serve` starts it) and call it over HTTP with
#    `requests`, in code you write;
# 4. build a correct **request**, and handle the clear errors a bad request gets;
# 5. measure **latency percentiles**, and judge them against the governed **service-level objective**;
# 6. explain why a **redeploy** is needed when the champion changes: a running server does not follow the alias by
#    itself (you watch one happen);
# 7. see the endpoint with an App Developer's eyes: a form for call-centre agents.
#
# ### Why this matters to the business
# Deployment is where most models stall: studies of enterprise ML keep finding that a large share of models never
# reach production. The reasons are rarely the algorithm — they are hand-offs: *which* model file, *what* input
# format, *who* restarts the server, *how fast* must it answer. This lab makes each of those explicit.

# %% id="setup"
import inspect
import tempfile
from pathlib import Path

import matplotlib.pyplot as plt
import mlflow
import numpy as np
import pandas as pd
import requests
from IPython.display import display
from mlflow import MlflowClient
from mlopslab import config, data, deployment, policy, registry
from mlopslab.exercises import check

config.quiet()
registry.ensure_champion()  # on an empty store: train, gate, approve and register the course's champion
client = MlflowClient()

# %% [markdown]
# ## 1. The champion in the registry
#
# A registry **alias** is a named pointer to one model version. Deployment code asks for `models:/churn@champion` —
# never for a file path or a run id — so that promoting a better model (or rolling back a bad one, lab 10) is a
# registry operation, not a code change.
#
# The model version carries more than the model: its **tags** record the governance trail (the gate's verdict, who
# approved it) and the **decision threshold** the board governs (tag `gate.threshold`, named in `mlopslab.policy`):
# contact a customer when the churn probability is at or above it. Every consumer reads the threshold there, so the
# batch job, the agents' screen and the monitor (lab 09) cannot drift apart.

# %% id="registry"
version = client.get_model_version_by_alias(config.MODEL_NAME, "champion")
threshold = float(version.tags[policy.THRESHOLD.tag])
print(f"models:/{config.MODEL_NAME}@champion -> version {version.version}")
for tag in ["gate", policy.THRESHOLD.tag, policy.APPROVAL.author_tag, policy.APPROVAL.approver_tag]:
    print(f"  {tag:15} {version.tags.get(tag)}")
print(f"governed decision threshold: contact when the churn probability is at least {threshold:.2f}")

# %% [markdown]
# ## 2. Batch scoring: the marketing team's contact list
#
# The **Data Engineer's** batch job runs once a month, when the month's customer snapshot lands. Each run starts
# fresh:
#
# 1. load the model **by its alias**, with MLflow: `mlflow.pyfunc.load_model(...)` takes a model URI such as
#    `models:/<name>@<alias>` and returns a model whose `predict` gives two columns per customer, the probability to
#    stay and the probability to churn (the second column, `[:, 1]`);
# 2. read the governed threshold from the version the alias names (as in the cell above);
# 3. score the month's production batch (`data.load_batch(month)`; the model takes the columns `data.FEATURES`);
# 4. keep the customers at or above the threshold: the campaign contacts them all;
# 5. rank them for the call list. The Business Analyst points out that a customer paying €110 a month is worth more
#    than one paying €20, even at a slightly lower churn risk, so marketing calls in order of **revenue at risk**, the
#    expected yearly revenue lost:
#
# $$\text{revenue at risk} = \text{churn probability} \times \text{MonthlyCharges} \times 12 .$$
#
# Because the job loads the model and reads the threshold *each time it runs*, next month's run uses whatever the
# registry says then: a promoted model, a re-governed threshold.
#
# ### Exercise 08.1 — the monthly contact list
# Write `contact_list(month)`: it does steps 1–5 for the batch of `month` (`"YYYY-MM"`) and returns a DataFrame with
# the columns `customerID`, `churn_probability`, `MonthlyCharges` and `revenue_at_risk`, one row per customer to
# contact, highest revenue at risk first. The check runs your job on months the lab does not show, and once after
# moving `churn@champion` to another version, with another model and another threshold tag (and back): your job must
# follow the registry. The course's helpers that read the threshold or score a batch are switched off while it runs.

# %% mlopslab={"exercise": "08.contact_list"}
# BEGIN STUB
# def contact_list(month):
#     ...  # load by alias, read the threshold tag, score the batch, keep p >= threshold, rank by revenue at risk
# END STUB
# BEGIN SOLUTION
def contact_list(month):
    served_model = mlflow.pyfunc.load_model(f"models:/{config.MODEL_NAME}@champion")
    served_version = client.get_model_version_by_alias(config.MODEL_NAME, "champion")
    cutoff = float(served_version.tags[policy.THRESHOLD.tag])
    customers = data.load_batch(month)
    customers["churn_probability"] = served_model.predict(customers[data.FEATURES])[:, 1]
    to_call = customers[customers["churn_probability"] >= cutoff].copy()
    to_call["revenue_at_risk"] = to_call["churn_probability"] * to_call["MonthlyCharges"] * 12
    to_call = to_call.sort_values("revenue_at_risk", ascending=False)
    return to_call[["customerID", "churn_probability", "MonthlyCharges", "revenue_at_risk"]]
# END SOLUTION


# %% mlopslab={"check": "08.contact_list"}
check("08.contact_list", contact_list)


# %% mlopslab={"wrong": "08.contact_list"}
def contact_list(month):
    served_model = mlflow.pyfunc.load_model(f"models:/{config.MODEL_NAME}@champion")
    customers = data.load_batch(month)
    customers["churn_probability"] = served_model.predict(customers[data.FEATURES])[:, 1]
    to_call = customers[customers["churn_probability"] >= 0.5].copy()  # the textbook 0.5, not the governed threshold
    to_call["revenue_at_risk"] = to_call["churn_probability"] * to_call["MonthlyCharges"] * 12
    return to_call.sort_values("revenue_at_risk", ascending=False)[
        ["customerID", "churn_probability", "MonthlyCharges", "revenue_at_risk"]]


# %% mlopslab={"wrong": "08.contact_list"}
def contact_list(month):
    served_model = mlflow.pyfunc.load_model(f"models:/{config.MODEL_NAME}@champion")
    served_version = client.get_model_version_by_alias(config.MODEL_NAME, "champion")
    customers = data.load_batch(month)
    customers["churn_probability"] = served_model.predict(customers[data.FEATURES])[:, 1]
    to_call = customers[customers["churn_probability"] >= float(served_version.tags[policy.THRESHOLD.tag])].copy()
    to_call["revenue_at_risk"] = to_call["churn_probability"] * to_call["MonthlyCharges"] * 12
    return to_call.sort_values("churn_probability", ascending=False)[  # ranked by risk, not by revenue at risk
        ["customerID", "churn_probability", "MonthlyCharges", "revenue_at_risk"]]


# %% mlopslab={"shortcut": "08.contact_list"}
def contact_list(month):
    scored = deployment.score_batch(registry.load("champion"), data.load_batch(month))  # the course's helpers
    contact = scored[scored["churn_probability"] >= float(version.tags[policy.THRESHOLD.tag])]
    contact = contact.assign(revenue_at_risk=contact["churn_probability"] * contact["MonthlyCharges"] * 12)
    return contact.sort_values("revenue_at_risk", ascending=False)[
        ["customerID", "churn_probability", "MonthlyCharges", "revenue_at_risk"]]


# %% mlopslab={"shortcut": "08.contact_list"}
champion_now = mlflow.pyfunc.load_model(f"models:/{config.MODEL_NAME}@champion")  # loaded once, outside the job


def contact_list(month):
    batch = data.load_batch(month)
    scored = batch.assign(churn_probability=champion_now.predict(batch[data.FEATURES])[:, 1])
    contact = scored[scored["churn_probability"] >= threshold]  # the threshold read once, above
    contact = contact.assign(revenue_at_risk=contact["churn_probability"] * contact["MonthlyCharges"] * 12)
    return contact.sort_values("revenue_at_risk", ascending=False)[
        ["customerID", "churn_probability", "MonthlyCharges", "revenue_at_risk"]]


# %% mlopslab={"shortcut": "08.contact_list"}
from mlflow.pyfunc import load_model  # a name the spy on mlflow.pyfunc.load_model does not see


def contact_list(month):
    pinned = client.get_model_version(config.MODEL_NAME, version.version)  # today's champion, by its number
    batch = data.load_batch(month)
    scored = batch.assign(churn_probability=load_model(f"models:/{config.MODEL_NAME}/{pinned.version}").predict(
        batch[data.FEATURES])[:, 1])
    contact = scored[scored["churn_probability"] >= float(pinned.tags[policy.THRESHOLD.tag])]
    contact = contact.assign(revenue_at_risk=contact["churn_probability"] * contact["MonthlyCharges"] * 12)
    return contact.sort_values("revenue_at_risk", ascending=False)[
        ["customerID", "churn_probability", "MonthlyCharges", "revenue_at_risk"]]


# %% mlopslab={"shortcut": "08.contact_list"}
from mlopslab import monitoring


def contact_list(month):
    served_model = mlflow.pyfunc.load_model(f"models:/{config.MODEL_NAME}@champion")
    scored = deployment.score_batch(served_model, data.load_batch(month))  # the course's scoring ...
    contact = scored[scored["churn_probability"] >= monitoring.governed_threshold()]  # ... and threshold
    contact = contact.assign(revenue_at_risk=contact["churn_probability"] * contact["MonthlyCharges"] * 12)
    return contact.sort_values("revenue_at_risk", ascending=False)[
        ["customerID", "churn_probability", "MonthlyCharges", "revenue_at_risk"]]


# %% [markdown]
# In production the job writes its list where marketing picks it up (here: a temporary folder; in a company, a shared
# drive, a database table or the CRM). The cell below runs **your** job for January and writes the list it returns,
# highest revenue at risk first, as `contact_list_2026-01.csv` (until you have written the job there is no list to
# hand over). The plot shows how the churn risk is spread over January's whole batch and where the governed threshold
# cuts.

# %% id="batch-job"
month = "2026-01"
champion = mlflow.pyfunc.load_model(f"models:/{config.MODEL_NAME}@champion")   # for the picture and later cells
batch = data.load_batch(month)
try:
    january = contact_list(month)   # your job (exercise 08.1)
except Exception as err:  # a half-written job should not stop the lab
    january = f"{type(err).__name__}: {err}"
if isinstance(january, pd.DataFrame):
    written = Path(tempfile.mkdtemp(prefix="lab08-")) / f"contact_list_{month}.csv"
    january.to_csv(written, index=False, float_format="%.4f")
    print(f"wrote {written.name}: {len(january)} customers to contact, in the order your job ranks them")
    display(january.head(3).round(3))
else:
    print("no contact list to hand over yet: write contact_list(month) in exercise 08.1"
          + (f" (it raised {january})" if isinstance(january, str) else ""))

january_risk = champion.predict(batch[data.FEATURES])[:, 1]   # the whole batch
contacted = int((january_risk >= threshold).sum())
fig, ax = plt.subplots(figsize=(7, 3.5))
ax.hist(january_risk, bins=30, color="#5b8db8")
ax.axvline(threshold, color="#d9534f", linestyle="--",
           label=f"governed threshold {threshold:.2f}: {contacted} of {len(january_risk)} customers contacted")
ax.set_xlabel("predicted churn probability")
ax.set_ylabel("customers")
ax.set_title("Churn risk in the January 2026 batch")
ax.legend(loc="upper right")
plt.tight_layout()
plt.show()

# %% [markdown]
# ## 3. Real-time serving: a REST endpoint for the call centre
#
# ### Batch or real time?
# Batch scoring is cheap and simple: one job, one file, no server to keep alive. Real-time scoring is for decisions
# that cannot wait for the next scheduled run: someone (a person or a web page) is waiting for the answer. It costs a
# server that must be up, fast and robust against bad requests.
#
# ### Exercise 08.2 — choose the serving mode
# Map each use case to `"batch"` or `"real-time"`. All five must be right for the point.

# %% mlopslab={"exercise": "08.serving_mode", "choices": ["batch", "real-time"]}
# BEGIN STUB
# serving_mode = {
#     "monthly retention campaign list for marketing": ...,
#     "churn risk on the agent's screen while the customer is on the phone": ...,
#     "retention offer shown when a customer opens the 'cancel contract' web page": ...,
#     "quarterly revenue-at-risk report for the finance team": ...,
#     "nightly refresh of every customer's risk in the CRM": ...,
# }
# END STUB
# BEGIN SOLUTION
serving_mode = {
    "monthly retention campaign list for marketing": "batch",
    "churn risk on the agent's screen while the customer is on the phone": "real-time",
    "retention offer shown when a customer opens the 'cancel contract' web page": "real-time",
    "quarterly revenue-at-risk report for the finance team": "batch",
    "nightly refresh of every customer's risk in the CRM": "batch",
}
# END SOLUTION

# %% mlopslab={"check": "08.serving_mode"}
check("08.serving_mode", serving_mode)

# %% mlopslab={"wrong": "08.serving_mode"}
serving_mode = {
    "monthly retention campaign list for marketing": "real-time",
    "churn risk on the agent's screen while the customer is on the phone": "batch",
    "retention offer shown when a customer opens the 'cancel contract' web page": "batch",
    "quarterly revenue-at-risk report for the finance team": "real-time",
    "nightly refresh of every customer's risk in the CRM": "real-time",
}

# %% mlopslab={"wrong": "08.serving_mode"}
serving_mode = {
    "monthly retention campaign list for marketing": "batch",
    "churn risk on the agent's screen while the customer is on the phone": "real-time",
    "retention offer shown when a customer opens the 'cancel contract' web page": "real-time",
    "quarterly revenue-at-risk report for the finance team": "batch",
    "nightly refresh of every customer's risk in the CRM": "real-time",   # the CRM is live, but the refresh is nightly
}

# %% mlopslab={"shortcut": "08.serving_mode"}
serving_mode = {
    "monthly retention campaign list for marketing": "batch",
    "churn risk on the agent's screen while the customer is on the phone": "batch",
    "retention offer shown when a customer opens the 'cancel contract' web page": "batch",
    "quarterly revenue-at-risk report for the finance team": "batch",
    "nightly refresh of every customer's risk in the CRM": "batch",
}

# %% [markdown]
# ### A strict contract at the door
# MLflow checks every request against the model's signature. Is that enough for a service? Try two bad requests
# directly on the loaded champion:

# %% id="signature"
probe = batch[data.FEATURES].head(2)
bad_inputs = {
    "an extra column (customerID)": probe.assign(customerID=batch["customerID"].head(2)),
    "no rows at all": probe.head(0),
}
for label, frame in bad_inputs.items():
    try:
        champion.predict(frame)
        print(f"{label}: scored without a word (the column was silently dropped)")
    except Exception as err:
        print(f"{label}: {type(err).__name__}: {str(err).splitlines()[0]}")

# %% [markdown]
# A silent success on a wrong request hides a bug in the caller's app; a cryptic error from deep inside a library
# helps nobody. So the Data Engineer serves the champion behind a thin **validating wrapper**, an MLflow `PythonModel`
# that the package keeps (`deployment.ValidatingModel`) so that every deployment of the churn model uses the same one.
# Here are its key lines:

# %% id="wrapper"
print(inspect.getsource(deployment.ValidatingModel))

# %% [markdown]
# * `load_context` runs **once**, when the server starts: it loads the copy of the champion stored inside the wrapper.
# * `predict` runs for every request: `validate_request` checks the request against the one data schema of the course
#   (`mlopslab.schema`: the same column rules as lab 03's data contract) — column names, types, missing values, known
#   categories, allowed ranges, a maximum number of rows — and raises `InvalidRequest`, which the server turns into
#   **HTTP `400`** with a message that names the column and row. Only then does it call the champion, and it tells which
#   model version answered.
#
# `deployment.ensure_service()` logs this wrapper with `mlflow.pyfunc.log_model`, a copy of the champion's version
# inside, and registers it as `churn-service@champion`:

# %% id="service"
print(inspect.getsource(deployment.ensure_service))
service_uri = deployment.ensure_service()
service = client.get_model_version_by_alias(deployment.SERVICE_NAME, "champion")
print(f"serving {service_uri}: version {service.version}, which holds a copy of {service.tags['wraps']}")

# %% [markdown]
# ### Start the scoring server
# An engineer would start it from a terminal with:
#
# ```bash
# mlflow models serve --model-uri models:/churn-service@champion --env-manager local --host 127.0.0.1 --port <free port>
# ```
#
# `ScoringServer` does what that command does, in one process instead of two: it fetches the model's files (resolving
# the alias **once, at start-up**), then starts MLflow's own scoring app (`mlflow.pyfunc.scoring_server`) under
# uvicorn, with the command line MLflow itself builds. The command-line tool would keep a second Python process alive
# only to wait for the server, about a quarter of a gigabyte that a Binder session cannot spare.
#
# * `--env-manager local` means: use this Python environment (no download — we are offline);
# * it listens on **127.0.0.1** only (this machine) on a **free port**, so labs running in parallel never collide;
# * it runs in its **own process group**: stopping it ends every process it started. It is stopped by the last cell
#   of this lab, at the latest when the kernel exits, and on Linux even when the kernel is killed.
#
# Starting takes a few seconds: the server imports MLflow and loads the model, then answers its health check `/ping`.
#
# **On Binder**, a session is guaranteed 1 GB of memory. This kernel with its scoring server needs most of it: if
# you opened the MLflow UI, shut it down now: in JupyterLab's *Running Terminals and Kernels* panel (left side bar),
# section *Server Proxy Apps*, shut down *MLflow UI*. Its tile in the launcher starts it again after section 7.

# %% id="start-server"
server = deployment.ScoringServer(service_uri).start()
print("scoring server is healthy:", requests.get(f"{server.url}/ping", timeout=5).status_code == 200)

# %% [markdown]
# ### A first request
# The endpoint is `POST /invocations` with a JSON body. For a table of customers MLflow accepts two layouts:
#
# ```json
# {"dataframe_records": [{"gender": "Female", "SeniorCitizen": 1, ...}, ...]}
# {"dataframe_split":   {"columns": ["gender", "SeniorCitizen", ...], "data": [["Female", 1, ...], ...]}}
# ```
#
# `split` sends each column name once, so it is the smaller of the two for many customers. The answer is
# `{"predictions": [{"churn_probability": ..., "model_version": ...}, ...]}`, one entry per customer, in the same
# order. Here is one customer, sent with the `requests` library as any app would:

# %% id="first-request"
customer = batch[data.FEATURES].head(1).to_dict(orient="records")  # [{"gender": ..., "SeniorCitizen": ..., ...}]
response = requests.post(f"{server.url}/invocations", json={"dataframe_records": customer}, timeout=30)
print("HTTP", response.status_code)
print({"predictions": [{k: round(v, 4) if isinstance(v, float) else v for k, v in row.items()}
                       for row in response.json()["predictions"]]})

# %% [markdown]
# ### Exercise 08.3 — call the endpoint, and handle a refusal
# Write `score_online(url, customers)`: send the rows of the DataFrame `customers` (the model inputs) to the scoring
# server at `url` in **one** `dataframe_split` request with `requests.post`, and return their churn probabilities as
# a list, in the order of the rows. If the server refuses the request (any status other than `200`), **raise an
# exception whose message carries the server's own message** (the JSON answer's `"message"`), so that the App
# Developer's screen can say what was wrong instead of crashing on a missing `"predictions"`.
#
# JSON cannot hold NumPy numbers: `.values.tolist()` on a DataFrame gives plain Python values. The check calls your
# function on customers of its own, good and bad, with the address of a small proxy in front of the lab's server
# (`server.url`) that counts the requests your function sends; the course's own client (`deployment.ScoringClient`,
# `deployment.payload`) and the functions that validate or score in the notebook (`deployment.validate_request`,
# `deployment.churn_probability`) are switched off while it runs.

# %% mlopslab={"exercise": "08.score_online"}
# BEGIN STUB
# def score_online(url, customers):
#     ...  # build the dataframe_split body, POST it to url + "/invocations", raise on a refusal, return the list
# END STUB
# BEGIN SOLUTION
def score_online(url, customers):
    body = {"dataframe_split": {"columns": list(customers.columns), "data": customers.values.tolist()}}
    response = requests.post(f"{url}/invocations", json=body, timeout=30)
    if response.status_code != 200:
        raise ValueError(f"the scoring service refused the request (HTTP {response.status_code}): "
                         f"{response.json()['message']}")
    return [row["churn_probability"] for row in response.json()["predictions"]]
# END SOLUTION


# %% mlopslab={"check": "08.score_online"}
check("08.score_online", score_online, url=server.url)


# %% mlopslab={"wrong": "08.score_online"}
def score_online(url, customers):
    body = {"dataframe_split": {"columns": list(customers.columns), "data": customers.values.tolist()}}
    response = requests.post(f"{url}/invocations", json=body, timeout=30)
    return [row["churn_probability"] for row in response.json()["predictions"]]  # a refusal ends in a KeyError


# %% mlopslab={"wrong": "08.score_online"}
def score_online(url, customers):
    body = {"dataframe_split": {"columns": list(customers.columns), "data": customers.values.tolist()}}
    response = requests.post(f"{url}/invocations", json=body, timeout=30)
    if response.status_code != 200:
        return []  # a refusal looks like "no customers"
    return [row["churn_probability"] for row in response.json()["predictions"]]


# %% mlopslab={"shortcut": "08.score_online"}
def score_online(url, customers):
    return deployment.ScoringClient(url).predict(customers).tolist()  # the course's own client


# %% mlopslab={"shortcut": "08.score_online"}
def score_online(url, customers):
    response = requests.post(f"{url}/invocations", json=deployment.payload(customers), timeout=30)
    if response.status_code != 200:
        raise ValueError(response.json()["message"])
    return [row["churn_probability"] for row in response.json()["predictions"]]


# %% mlopslab={"shortcut": "08.score_online"}
def score_online(url, customers):
    frame = deployment.validate_request(customers)  # the server's own validation, in the notebook ...
    local = mlflow.pyfunc.load_model(f"models:/{config.MODEL_NAME}@champion")
    return list(deployment.churn_probability(local, frame))  # ... and a local model: no request at all


# %% mlopslab={"shortcut": "08.score_online"}
def score_online(url, customers):
    scores = []
    for row in customers.to_dict(orient="records"):  # one records request per customer, not one split request
        response = requests.post(f"{url}/invocations", json={"dataframe_records": [row]}, timeout=30)
        if response.status_code != 200:
            raise ValueError(response.json()["message"])
        scores.append(response.json()["predictions"][0]["churn_probability"])
    return scores


# %% mlopslab={"shortcut": "08.score_online"}
def score_online(url, customers):
    local = mlflow.pyfunc.load_model(f"models:/{config.MODEL_NAME}@champion")  # no request: scored in the notebook
    if set(customers.columns) != set(data.FEATURES):
        raise ValueError(f"unexpected column(s) {sorted(set(customers.columns) - set(data.FEATURES))}")
    unknown = sorted(set(customers["Contract"]) - set(data.CATEGORIES["Contract"]))
    if unknown:
        raise ValueError(f"column 'Contract' has the unknown value {unknown[0]!r}")
    return list(local.predict(customers[data.FEATURES])[:, 1])


# %% [markdown]
# From here on the lab uses the course's client, `deployment.ScoringClient`: the same request and the same error
# handling as your function, over one kept-alive connection. Does the endpoint give the *same* answer as the batch
# job? It must: both run the very same model and pipeline (no re-implemented features in the app — the classic
# training/serving skew).

# %% id="parity"
scoring = deployment.ScoringClient(server.url)
first_50 = batch[data.FEATURES].head(50)
online = scoring.predict(first_50)
offline = deployment.churn_probability(champion, first_50)
print("endpoint and batch job agree on all 50 customers:", bool(np.allclose(online, offline)))

# %% [markdown]
# ### Bad requests get clear answers
# An App Developer's first requests are rarely perfect. Each of these gets **HTTP `400`** and a message that says what
# is wrong and where — and the server keeps serving afterwards.

# %% id="bad-requests"
good = batch[data.FEATURES].head(2)
bad_requests = {
    "malformed JSON": '{"dataframe_split": {"columns": ["tenure"], "data": [[12]]',
    "missing column": deployment.payload(good.drop(columns=["tenure"])),
    "extra column": deployment.payload(batch.head(2)),
    "wrong type": deployment.payload(good.assign(tenure=["twelve", 24])),
    "unknown category": deployment.payload(good.assign(Contract=["Monthly", "One year"])),
    "out of range": deployment.payload(good.assign(tenure=[240, 24])),
    "empty request": deployment.payload(good.head(0)),
}
for label, body in bad_requests.items():
    answer = scoring.post(body)
    print(f"{label:17} → HTTP {answer.status}: {answer.message[:150]}")
print("\nstill serving after all that:", scoring.ping(), "| a good request scores:", scoring.post(deployment.payload(good)).ok)

# %% [markdown]
# ## 4. Latency and the service-level objective
#
# The call-centre screen must show the risk while the agent greets the customer. The governance board wrote that
# down as a **service-level objective (SLO)**, `policy.SLO`: a share of single-customer requests (the percentile) must
# be answered within a number of milliseconds.
#
# The measured quantity (request latency) is the *service-level indicator*; an SLO sets a target for it; a
# *service-level agreement* (SLA) is an SLO written into a contract, with consequences when it is missed. SLOs use
# **percentiles**, not averages: the p95 is the latency that 95 of every hundred calls beat, so it speaks for the unlucky
# customers that an average hides. A percentile needs enough calls: with 20 calls the p95 is about the slowest one,
# so the measurement below makes a hundred.
#
# The next cell makes single-customer calls and a few calls with the whole batch. Its numbers depend on the machine and
# on what else runs on it, so the course's automated output comparison ignores this cell (tag `nbval-ignore-output`).

# %% tags=["nbval-ignore-output"] id="latency"
slo = policy.SLO
print(slo)
latency = deployment.measure_latency(scoring, batch[data.FEATURES], single_calls=100, batch=batch[data.FEATURES])
latency.table()


# %% [markdown]
# A batch call scores hundreds of rows in the time of a few single calls (compare the medians): most of a
# single call's time is fixed overhead (HTTP, JSON, pandas), not the model. So bulk scoring belongs in batch calls or
# the batch job — but not in one giant request either: the endpoint caps a request at `policy.SLO.max_rows` rows, so
# that no single caller can hold the server up for everyone else.
#
# ### Exercise 08.4 — does the endpoint meet its SLO?
# Write `meets_slo(latencies_ms, slo=policy.SLO)`: `True` when the `slo.percentile`-th percentile of the latencies is
# at most `slo.latency_ms`, else `False`. With too few calls that percentile says nothing: **raise a `ValueError`**
# when there are fewer than `100 / (100 − slo.percentile)` latencies (for the p95: fewer than 20). The check tries it
# on made-up latencies, on other objectives (`policy.ServingObjective(latency_ms=..., percentile=...)`) and on the
# latencies measured above.

# %% mlopslab={"exercise": "08.meets_slo"}
# BEGIN STUB
# def meets_slo(latencies_ms, slo=policy.SLO):
#     ...  # ValueError if too few; else True when the slo.percentile-th percentile is at most slo.latency_ms
# END STUB
# BEGIN SOLUTION
def meets_slo(latencies_ms, slo=policy.SLO):
    if len(latencies_ms) < 100 / (100 - slo.percentile):
        raise ValueError(f"{len(latencies_ms)} calls are too few to estimate the p{slo.percentile:g}")
    return bool(np.percentile(latencies_ms, slo.percentile) <= slo.latency_ms)
# END SOLUTION


# %% mlopslab={"check": "08.meets_slo"}
check("08.meets_slo", meets_slo, latencies=latency.single_ms)

# %% [markdown]
# Your function is now the team's SLO judgement. On the latencies measured above (machine-dependent, so this output
# is not compared either):

# %% tags=["nbval-ignore-output"] id="slo-verdict"
verdict = meets_slo(latency.single_ms)   # None while exercise 08.4 is unanswered
print(f"-> your meets_slo on the {len(latency.single_ms)} single calls measured above: "
      + ("not answered yet (exercise 08.4)" if verdict is None else str(verdict)))


# %% mlopslab={"wrong": "08.meets_slo"}
def meets_slo(latencies_ms, slo=policy.SLO):
    return bool(np.mean(latencies_ms) <= slo.latency_ms)


# %% mlopslab={"wrong": "08.meets_slo"}
def meets_slo(latencies_ms, slo=policy.SLO):
    return bool(np.percentile(latencies_ms, slo.percentile) <= slo.latency_ms)  # no matter how few calls


# %% [markdown]
# ## 5. The App Developer's view: a form for call-centre agents
#
# The **App Developer** turns the endpoint into something an agent can use without knowing what a model is: pick a few
# facts about the caller, press *Score*, read a risk and the action the campaign's policy prescribes. The app only
# talks HTTP to the endpoint — it could be written in any language — and it uses the **governed threshold**, read
# from the registry for the version that answered (every reply names it), like your job of section 2: a customer the
# batch campaign would contact gets the same advice on the agent's screen, and a redeployed model brings its own
# threshold along.
#
# The computation is a plain function, `agent_view`: it scores a customer through the endpoint and phrases the answer.
# By default it scores `DEFAULT_CUSTOMER`, the first customer of January's batch; keyword arguments change single
# fields (e.g. `Contract="Two year"`).

# %% id="agent-view"
DEFAULT_CUSTOMER = batch[data.FEATURES].iloc[0].to_dict()


def agent_view(scoring, customer=None, **changes):
    '''What the agent's screen shows for one customer (default: DEFAULT_CUSTOMER, with `changes` applied).'''
    row = {**(customer or DEFAULT_CUSTOMER), **changes}
    try:
        reply = scoring.post(deployment.payload(pd.DataFrame([row])))
    except requests.ConnectionError:
        return "The scoring service is not running: start it again (section 3)."
    if not reply.ok:
        return f"The scoring service refused this customer: {reply.message}"
    answer = reply.body["predictions"][0]
    risk = answer["churn_probability"]
    answered_by = client.get_model_version(config.MODEL_NAME, answer["model_version"])  # the version that answered
    governed = float(answered_by.tags[policy.THRESHOLD.tag])
    if risk >= governed:
        return f"churn risk {risk:.0%}, at or above the campaign threshold ({governed:.0%}) → offer the retention deal"
    return f"churn risk {risk:.0%}, below the campaign threshold ({governed:.0%}) → no retention offer"


print("default customer:                  ", agent_view(scoring))
print("same, two-year contract:           ", agent_view(scoring, Contract="Two year"))
print("same, two-year contract, 48 months:", agent_view(scoring, Contract="Two year", tenure=48))
print("same, with a typo in tenure:       ", agent_view(scoring, tenure="two"))

# %% [markdown]
# The form below calls the same function. In JupyterLab, change the fields and press *Score*; when the notebook runs
# without a browser (as in the course's tests) the form is simply not used and the cell above still shows the result.

# %% id="agent-form"
try:
    import ipywidgets as widgets
    from IPython.display import display
except ImportError:
    widgets = None
    print("ipywidgets is not installed: call agent_view(scoring, Contract=..., tenure=...) instead.")

if widgets is not None:
    fields = {
        "Contract": widgets.Dropdown(options=data.CATEGORIES["Contract"], value=DEFAULT_CUSTOMER["Contract"]),
        "InternetService": widgets.Dropdown(options=data.CATEGORIES["InternetService"],
                                            value=DEFAULT_CUSTOMER["InternetService"]),
        "TechSupport": widgets.Dropdown(options=data.CATEGORIES["TechSupport"], value=DEFAULT_CUSTOMER["TechSupport"]),
        "tenure": widgets.IntSlider(min=0, max=72, value=int(DEFAULT_CUSTOMER["tenure"])),
        "MonthlyCharges": widgets.FloatSlider(min=18, max=140, step=0.5, value=float(DEFAULT_CUSTOMER["MonthlyCharges"])),
    }
    for name, field in fields.items():
        field.description = name
    button, screen = widgets.Button(description="Score", button_style="primary"), widgets.Output()

    def on_score(_):
        with screen:
            screen.clear_output()
            print(agent_view(scoring, **{name: field.value for name, field in fields.items()}))

    button.on_click(on_score)
    display(widgets.VBox([*fields.values(), button, screen]))

# %% [markdown]
# ## 6. When the champion changes: the redeploy
#
# When the team promotes a retrained model (lab 10 shows that loop, on a registered model of its own), it moves the
# alias `churn@champion`. Does the server follow? **No, not by itself** — and that is how a real MLflow deployment behaves,
# not a flaw of this lab:
#
# * `mlflow models serve` (like `mlflow models build-docker` and the managed endpoints) resolves the model URI **once**,
#   when it starts or when the image is built;
# * our service holds a **copy** of the champion's version, made by `ensure_service` (`wraps` above names it).
#
# That is deliberate: what runs in production must not change under the team's feet; it changes by a **redeploy**,
# a step someone runs and can roll back. Let us rehearse it. Only a model that has passed the gate and the approval
# (labs 06, 07, 10) may become `churn@champion`, so the rehearsal does not touch that alias: teams rehearse on
# **staging**, a second alias with a deployment of its own. The Data Engineer points `churn@staging` at the approved
# version and replaces the running server by one that serves the staging service, `churn-service@staging` (one
# scoring server at a time: a Binder session would not hold two).

# %% id="staging"
client.set_registered_model_alias(config.MODEL_NAME, "staging", version.version)
staging_uri = deployment.ensure_service("staging")  # churn-service@staging, holding a copy of what churn@staging names
scoring.close()
server.stop()
server = deployment.ScoringServer(staging_uri).start()
scoring = deployment.ScoringClient(server.url)
print(f"staging serves {staging_uri}: healthy {scoring.ping()}, answers with version "
      f"{scoring.post(deployment.payload(good)).body['predictions'][0]['model_version']}")

# %% [markdown]
# Now the change. A real one would be a retrained model; for the rehearsal the Data Engineer registers the champion's
# own model files once more, as a **new version** that only differs by its number, tags it as a rehearsal (not
# approved), and moves `churn@staging` to it. Does the staging server follow?

# %% id="move-alias"
rehearsal = client.create_model_version(config.MODEL_NAME, source=version.source, run_id=version.run_id, tags={
    policy.THRESHOLD.tag: version.tags[policy.THRESHOLD.tag],
    "rehearsal": f"lab 08 redeploy rehearsal: the files of version {version.version}, not approved",
    registry.REHEARSAL_TAG: version.version,  # the approved version it stands in for
})
client.set_registered_model_alias(config.MODEL_NAME, "staging", rehearsal.version)
print(f"churn@staging -> version {client.get_model_version_by_alias(config.MODEL_NAME, 'staging').version}; "
      f"churn@champion -> version {client.get_model_version_by_alias(config.MODEL_NAME, 'champion').version}")
answer = scoring.post(deployment.payload(good))
print(f"the running server still answers with version {answer.body['predictions'][0]['model_version']}")

# %% [markdown]
# The registry says one thing, the server serves another. The redeploy: build the service for the version the alias
# names now, replace the running server by one that serves it, and check what it answers. Teams with spare capacity
# do it **blue/green**: start the new server beside the old one, switch the callers over, then stop the old one, so
# that callers never see a gap. A scoring server takes a good share of a small machine's memory, so the lab does the
# simpler **recreate**: stop, then start — a few seconds in which the agents' screen would say that the service is
# not running.

# %% id="redeploy"
new_service_uri = deployment.ensure_service("staging")  # a new churn-service version, holding a copy of the new one
scoring.close()
server.stop()                                        # the old server goes ...
server = deployment.ScoringServer(new_service_uri).start()  # ... and a new one loads the new version
scoring = deployment.ScoringClient(server.url)
answer = scoring.post(deployment.payload(good))
print(f"redeployed: healthy {scoring.ping()}; answers with version {answer.body['predictions'][0]['model_version']}")
print("the agent's screen:", agent_view(scoring))

# %% [markdown]
# End of the rehearsal: the alias goes back to the approved version. Moving it back is a **rollback** — and it needs
# the same steps to take effect: the service is built again for the approved version (otherwise
# `churn-service@staging` would still wrap the rehearsal, and the next `mlflow models serve` of it would serve a
# version nobody approved), then a redeploy. Here the lab's last cell stops the server instead of redeploying.
# Through all of it, `churn@champion`, which batch scoring and lab 09's monitor read, never moved.

# %% id="rollback"
client.set_registered_model_alias(config.MODEL_NAME, "staging", version.version)
staging_uri = deployment.ensure_service("staging")  # churn-service@staging wraps the approved version again
wrapped = client.get_model_version_by_alias(deployment.SERVICE_NAME, "staging").tags["champion_version"]
print(f"churn@staging -> version {client.get_model_version_by_alias(config.MODEL_NAME, 'staging').version} "
      f"(the approved one); {staging_uri} wraps version {wrapped}; the running server still serves version "
      f"{scoring.post(deployment.payload(good)).body['predictions'][0]['model_version']} until a redeploy; "
      f"churn@champion -> version {client.get_model_version_by_alias(config.MODEL_NAME, 'champion').version}")

# %% [markdown]
# ## 7. Stop the server
#
# A server nobody stops keeps a port and memory busy — on a shared Binder or lab machine that is someone else's
# problem. `stop()` ends the whole process group (SIGTERM, then SIGKILL if needed) and waits until it is gone.
#
# In a script, prefer the context manager: it stops the server even when the code inside fails.
#
# ```python
# with deployment.ScoringServer(service_uri) as server:
#     scoring = deployment.ScoringClient(server.url)
#     ...  # if this raises, the server is still stopped
# ```

# %% id="stop"
group, port = server.pgid, server.port
scoring.close()
server.stop()
print("server running:", server.running)
print("processes left in its process group:", len(deployment.group_processes(group)))
print("port still answering:", deployment.port_in_use(port))

# %% [markdown]
# ## Recap
# * Deployment code loads **`models:/churn@champion`** with `mlflow.pyfunc.load_model` — the alias, never a file or
#   run id — and reads the **governed threshold** from the version's tags, so every consumer applies the same policy.
# * **Batch scoring** serves decisions that can wait for a schedule (the retention campaign); **real-time serving**
#   serves decisions someone waits for (the call centre). Both run the same model, so they give the same answer.
# * A real endpoint is a process to run, watch and stop: free port, health check, clean shutdown.
# * A service validates its input **strictly** and answers a bad request with a 4xx and a message that names the
#   problem; a client **raises** with that message instead of crashing on a missing field.
# * Latency is judged by a **percentile** of enough calls against the **service-level objective**; throughput by
#   batch calls.
# * A running server is **pinned** to the version it loaded. Moving the alias changes nothing served until the
#   **redeploy** (build the service, replace the server: blue/green or recreate); a rollback is the same move back.
#   Rehearse it on a staging alias: `churn@champion` only ever names an approved version.
#
# ### In the real world
# * Scoring servers run as containers (`mlflow models build-docker`) behind a load balancer, on Kubernetes with
#   KServe or Seldon, or on managed endpoints (SageMaker, Azure ML, Vertex AI, Databricks Model Serving); batch jobs
#   run on a scheduler (Airflow, Dagster) or in Spark (`mlflow.pyfunc.spark_udf`). A deployment pipeline (CD, lab 10)
#   runs the redeploy when the alias moves.
# * Teams add authentication, rate limits and request-size limits at an API gateway, and roll out new versions
#   gradually (blue/green, canary, shadow traffic) by moving traffic step by step.
# * Every request and prediction is logged with the model version that answered: that log is the raw material of
#   monitoring (lab 09).
# * Google's *Site Reliability Engineering* book (chapter "Service Level Objectives") is the classic text on SLIs,
#   SLOs and error budgets.
#
# **Next:** lab 09 watches the model in production month by month — and finds out when the world changes under it.
