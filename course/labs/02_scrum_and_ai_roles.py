# %% [markdown]
# # Lab 02 — Scrum and the AI project roles
#
# **Stage:** how the team works, across all six stages · **Personas:** the whole team; the **Business Analyst** leads
# as Product Owner
#
# TelcoNova's churn model will not be built by one heroic data scientist. It takes five roles, six stages and many
# small deliveries. This lab sets up *how* the team works: who is accountable for what, and how a Scrum sprint turns a
# wish list into a working increment every two weeks, with numbers that tell the team whether it is getting better.
#
# ### Learning objectives
# By the end of this lab you can:
# 1. name the five personas of an AI project and read a **RACI** matrix of personas × stages;
# 2. write and order a **product backlog** of user stories by value per point and by **WSJF**;
# 3. plan a sprint under a **capacity** without breaking **dependencies** — by hand (widget) and by a function;
# 4. follow a sprint through its **daily stand-ups**, **burndown**, **review** and **retrospective**;
# 5. compute the Scrum **KPIs** — velocity, commitment reliability, cycle time — and forecast the next sprint.
#
# ### Why this matters to the business
# Most machine-learning projects that fail do not fail on the algorithm: they fail on hand-overs (“I thought *you* were
# getting the data approved”), on work nobody asked for, and on promises nobody could keep. Clear accountability and
# short, measured iterations are how a team ships something of value early and keeps its promises to the business.

# %% id="cell-01"
import matplotlib.pyplot as plt
import pandas as pd

from IPython.display import display

from mlopslab import scrum
from mlopslab.exercises import check

pd.set_option("display.max_colwidth", 90)
pd.set_option("display.width", 160)

# %% [markdown]
# ## 1. The five personas
#
# An AI project needs five kinds of work. In a small team one person may wear two hats, but the *responsibilities*
# stay distinct:

# %% id="cell-03"
with pd.option_context("display.max_colwidth", None):
    display(pd.DataFrame({"persona": list(scrum.PERSONAS), "responsibility": list(scrum.PERSONAS.values())}).set_index("persona"))

# %% [markdown]
# ## 2. Who does what: the RACI matrix
#
# The course follows **six stages** of operationalizing a model (CRISP-DM with DevOps laid over it, lab 01). For each
# stage a **RACI** matrix says, for every persona, whether they are
#
# * **R**esponsible — they do the work (there can be several);
# * **A**ccountable — they own the outcome and sign it off (**exactly one** per stage: if two people are accountable,
#   nobody is);
# * **C**onsulted — asked for input *before* a decision;
# * **I**nformed — told *after* the decision.
#
# The accountable persona of each stage is one of the two personas who lead it (lab 00's table); the other lead is
# usually responsible.

# %% id="cell-05"
raci = scrum.raci_frame()
assert (raci == "A").sum().eq(1).all(), "every stage needs exactly one accountable persona"
scrum.plot_raci()
plt.show()

# %% [markdown]
# Read it by column: for *model deployment and insight consumption*, the App Developer builds the integration (R),
# the Data Engineer owns the result in production (A), the Data Scientist is consulted about how the model must be
# called (C), and the rest are informed.
#
# ### Exercise 02.1 — who is accountable?
# Things go wrong, and then it matters who owns them. For each situation decide **which stage** it belongs to, then
# read the **A** of that stage from the matrix. Give a dict `situation -> persona`.
#
# | situation | what happens |
# | --- | --- |
# | `drift_alert` | Monday 7:00: the monthly drift report shows that charges jumped for every customer. |
# | `payment_data_request` | A marketing intern asks for the raw payment details of all customers “for a quick analysis”. |
# | `candidate_below_champion` | The new candidate model scores below the champion on held-out data, and the deadline is tomorrow. |
# | `scoring_encodes_differently` | Scores in production differ from the notebook because a column is encoded differently at scoring time. |
# | `score_missing_in_crm` | Since last night's release the churn score no longer appears on the CRM customer page. |
# | `choice_of_model` | Two candidate models are on the table; somebody has to decide which one goes forward. |

# %% mlopslab={"exercise": "02.accountable"}
# BEGIN STUB
# accountable = {
#     "drift_alert": ...,
#     "payment_data_request": ...,
#     "candidate_below_champion": ...,
#     "scoring_encodes_differently": ...,
#     "score_missing_in_crm": ...,
#     "choice_of_model": ...,
# }
# END STUB
# BEGIN SOLUTION
accountable = {
    "drift_alert": "Data Engineer",
    "payment_data_request": "Data Steward",
    "candidate_below_champion": "Data Scientist",
    "scoring_encodes_differently": "Data Engineer",
    "score_missing_in_crm": "Data Engineer",
    "choice_of_model": "Data Scientist",
}
# END SOLUTION

# %% mlopslab={"check": "02.accountable"}
check("02.accountable", accountable)

# %% mlopslab={"wrong": "02.accountable"}
accountable = {
    "drift_alert": "Data Engineer",
    "payment_data_request": "Data Engineer",
    "candidate_below_champion": "Business Analyst",
    "scoring_encodes_differently": "Data Scientist",
    "score_missing_in_crm": "App Developer",
    "choice_of_model": "Business Analyst",
}

# %% [markdown]
# ## 3. The product backlog
#
# Inputs from customers, the team, managers and executives become **user stories** in one ordered list, the
# **product backlog**. A story is written from a persona's point of view — *As a …, I want …, so that …* — so that
# everyone knows who needs it and why. Each story carries
#
# * **points**: its size, estimated by the team on the Fibonacci scale (1, 2, 3, 5, 8, 13: bigger is vaguer);
# * **business value** (1–10), given by the Product Owner; for WSJF also **time criticality** and **risk reduction**;
# * **dependencies**: stories that must be finished first.
#
# TelcoNova's backlog has 24 stories; here are the first eight (the package holds them as data: `scrum.BACKLOG`).

# %% id="cell-10"
backlog = scrum.backlog_frame()
print(f"{len(backlog)} stories, {backlog['points'].sum()} points in all")
with pd.option_context("display.max_colwidth", None):
    display(backlog[["persona", "points", "value", "depends on", "story"]].head(8))

# %% id="cell-11"
points = backlog.pivot_table(index="stage", columns="persona", values="points", aggfunc="sum", fill_value=0)
points = points.loc[list(scrum.STAGES)]
ax = points.plot.barh(stacked=True, figsize=(9, 3.8), colormap="tab10")
ax.invert_yaxis()
ax.legend(title="persona", loc="center left", bbox_to_anchor=(1.01, 0.5))
ax.set_xlabel("story points in the backlog")
ax.set_title("Where the backlog's work sits: stage × persona")
plt.tight_layout()
plt.show()

# %% [markdown]
# Every persona has stories, and the work is spread over all six stages: an ML product is much more than model
# development.
#
# ## 4. Ordering the backlog: value per point and WSJF
#
# The Product Owner orders the backlog so that the team always works on what matters most. Two common rules:
#
# * **value per point** = business value ÷ points — bang for the buck;
# * **WSJF** (*Weighted Shortest Job First*, from SAFe) = **cost of delay** ÷ job size, where cost of delay = business
#   value + time criticality + risk reduction. It also rewards work that unblocks others or removes risk, such as
#   documenting and protecting the data early.

# %% id="cell-13"
ranked = backlog.assign(**{
    "rank by value/point": backlog["value/point"].rank(ascending=False, method="min").astype(int),
    "rank by WSJF": backlog["WSJF"].rank(ascending=False, method="min").astype(int),
}).sort_values(["WSJF", "value/point"], ascending=False)
ranked[["persona", "points", "value", "value/point", "WSJF", "rank by value/point", "rank by WSJF"]].head(8)

# %% [markdown]
# Small stories with a high cost of delay float up — S10 (track every training run) costs two points and makes all
# later work reproducible. Large stories such as S11 (compare three models, 8 points) sink, even though they are
# valuable: a hint to **split** them.
#
# ## 5. Sprint planning under a capacity
#
# At sprint planning the team takes stories from the top of the ordered backlog, **as much as it can commit to deliver
# by the end of the sprint** (two weeks here). Two rules:
#
# 1. the points may not exceed the team's **capacity**;
# 2. a story goes in only if **each of its dependencies is done or planned in the same sprint**.
#
# `scrum.plan_sprint` does this deterministically: it walks the backlog best first and takes every story that fits and
# is ready, until nothing more fits. The team's capacity for sprint 1 is 20 points.

# %% id="cell-15"
CAPACITY = 20
plan = scrum.plan_sprint(scrum.BACKLOG, CAPACITY)
plan_check = scrum.check_plan([s.id for s in plan], CAPACITY)
print(f"Sprint 1 plan: {[s.id for s in plan]}: {plan_check.points} of {CAPACITY} points; problems: {plan_check.problems() or 'none'}")

# %% [markdown]
# Four points stay free: the only other story that is ready, S03, needs 5, and every other story still waits for
# a dependency. A planner could swap stories to fill the gap; the function stays simple and predictable.
#
# **Try it yourself.** In JupyterLab the planner below lets you tick stories and watch the capacity bar (green: fine,
# orange: a dependency is missing, red: over capacity). It is only a front end: it calls `scrum.check_plan`, exactly as
# the cell above did, and starts from the plan above. Nothing later depends on what you tick.

# %% id="cell-17"
scrum.planner_widget(CAPACITY, preselected=[s.id for s in plan])

# %% [markdown]
# ### The sprint backlog
# The stories the team commits to are broken into **tasks** — small, concrete steps that fit in a day or two. The
# sprint backlog is what the team looks at every day.

# %% id="cell-19"
sprint_backlog = pd.DataFrame(
    [{"story": s.id, "persona": s.persona, "task": task} for s in plan for task in s.tasks]
)
sprint_backlog

# %% [markdown]
# ## 6. The sprint: daily stand-ups and the burndown
#
# Every morning the team meets for fifteen minutes. Each person says what they did, what they will do, and what
# blocks them. Below is a **simulated** sprint (seeded, so everyone sees the same one): the team's daily output varies,
# impediments pop up, and stories wait for the stories they depend on. At most three stories are in progress at once.

# %% id="cell-21"
sprint1 = scrum.simulate_sprint(plan)
standup = sprint1.standup
standup[standup["day"] <= 2]

# %% id="cell-22"
blocked = standup[standup["blocker"] != ""]
print(f"{len(blocked)} stand-up reports named a blocker; each blocker once, with the day it was first reported:")
blocked.drop_duplicates(["story", "blocker"])

# %% [markdown]
# The **burndown** chart shows the work left (in story points) at the end of each day against the ideal straight line
# from the commitment to zero. Above the line means behind plan.

# %% id="cell-24"
scrum.plot_burndown(sprint1)
plt.show()

# %% [markdown]
# The team worked on three stories at once, so none finished before day 4; S02 could not start until S01 was done on
# day 6, and S05 waited for S02. From day 5 on the line is above the ideal, and the sprint ends with work left.
#
# ## 7. Sprint review and retrospective
#
# At the **sprint review** the team shows the *finished* work to the stakeholders: committed versus done, and whether
# the result is a **potentially shippable increment** — finished stories that work on their own, without relying on
# unfinished ones. The Product Owner had set the sprint goal *“the customer data is documented and protected”*
# (stories S01 and S02).

# %% id="cell-26"
sprint_review = scrum.review(sprint1, goal=["S01", "S02"])
pd.Series(sprint_review, name="sprint 1 review").to_frame()

# %% [markdown]
# The increment is shippable (what is done stands on its own), but the sprint goal was missed: S02 is almost done
# and goes back to the top of the backlog with the work already spent on it.
#
# The **retrospective** looks at *how* the team worked, not at the product: what should we **start**, **stop** and
# **continue** doing? Here it is derived from what happened in the simulated sprint, and kept as data so that the next
# retrospective can check whether the actions worked.

# %% id="cell-28"
retro = scrum.retrospective(sprint1)
with pd.option_context("display.max_colwidth", None):
    display(pd.DataFrame([(kind, item) for kind, items in retro.items() for item in items], columns=["", "action"]))

# %% [markdown]
# ### Exercise 02.2 — plan sprint 2
# Sprint 1 finished the stories in `done_after_sprint_1` (below). For sprint 2 a team member is on leave, so the
# capacity is **18 points**. Choose the stories for sprint 2 as a list of ids:
#
# * within 18 points, with every dependency done or in your plan (stories not finished in sprint 1 are back in the
#   backlog);
# * worth **at least as much business value** as walking the backlog in WSJF order gives.
#
# You may use `scrum.check_plan(ids, 18, done_after_sprint_1)` to test a plan, and `backlog` to look up stories.

# %% id="cell-30"
done_after_sprint_1 = sprint1.done
print("done after sprint 1:", done_after_sprint_1)

# %% mlopslab={"exercise": "02.sprint_plan"}
# BEGIN STUB
# sprint_plan = [...]  # e.g. ["S02", "S05"]
# END STUB
# BEGIN SOLUTION
best = scrum.plan_sprint(scrum.BACKLOG, 18, done_after_sprint_1, by="value_per_point")
sprint_plan = [s.id for s in best]
# END SOLUTION

# %% mlopslab={"check": "02.sprint_plan"}
check("02.sprint_plan", sprint_plan)

# %% mlopslab={"wrong": "02.sprint_plan"}
sprint_plan = ["S02", "S07", "S03", "S08"]

# %% [markdown]
# ## 8. KPIs: is the team getting better?
#
# Scrum measures itself at the end of every sprint. Three KPIs matter most:
#
# * **velocity** — points *done* per sprint, usually the mean of the last three sprints. It is the team's own yardstick
#   for planning, never a target to compare teams by (points are estimates, and teams estimate differently);
# * **commitment reliability** — points done ÷ points committed (over the same sprints): does the team keep its
#   promises?
# * **cycle time** — working days from the start of a story to its finish: how long does the business wait?
#
# Here is the team's history over five two-week sprints, each planned at a capacity of 20 points (unfinished stories go
# first in the next sprint).

# %% id="cell-34"
sprints = scrum.run_sprints(5, CAPACITY)
hist = scrum.history(sprints)
hist


# %% [markdown]
# ### Exercise 02.3 — compute velocity and commitment reliability
# Write `sprint_kpis(hist)`: it gets a table like `hist` (columns `committed` and `done`, one row per sprint, oldest
# first) and returns `{"velocity": ..., "commitment_reliability": ...}`, both over the **last three sprints**:
# velocity = mean points done; commitment reliability = total points done ÷ total points committed. The check tries
# it on `hist` and on another team's history.

# %% mlopslab={"exercise": "02.sprint_kpis"}
# BEGIN STUB
# def sprint_kpis(hist):
#     ...  # return {"velocity": ..., "commitment_reliability": ...}
# END STUB
# BEGIN SOLUTION
def sprint_kpis(hist):
    last = hist.tail(3)
    return {"velocity": last["done"].mean(),
            "commitment_reliability": last["done"].sum() / last["committed"].sum()}
# END SOLUTION


# %% mlopslab={"check": "02.sprint_kpis"}
check("02.sprint_kpis", sprint_kpis)


# %% mlopslab={"wrong": "02.sprint_kpis"}
def sprint_kpis(hist):
    return {"velocity": hist["done"].mean(),
            "commitment_reliability": (hist["done"] / hist["committed"]).mean()}


# %% [markdown]
# The package computes the same KPIs, and the cycle time of every finished story:

# %% id="cell-39"
print(f"velocity (last 3 sprints): {scrum.velocity(hist):.1f} points")
print(f"commitment reliability (last 3 sprints): {scrum.commitment_reliability(hist, last=3):.0%}")
cycles = scrum.cycle_times(sprints)
print(f"cycle time: median {cycles['cycle days'].median():.0f} working days, longest {cycles['cycle days'].max()} ({cycles['cycle days'].idxmax()})")
cycles.head(6)

# %% [markdown]
# ### Forecasting the next sprint
# Planning at 20 points every sprint keeps breaking the promise. A better commitment is **“yesterday's weather”**: plan
# the next sprint at the mean velocity of the last three sprints, with the worst and best of them as the range. If a
# person is on holiday, scale by the share of person-days available.

# %% id="cell-41"
forecast = scrum.forecast_capacity(hist)
print("next sprint, whole team:", forecast)
print("next sprint, one of five people away for a week (90% of person-days):", scrum.forecast_capacity(hist, availability=0.9))
scrum.plot_velocity(hist, forecast)
plt.show()

# %% [markdown]
# ## Recap
# * Five personas share the work; a **RACI** matrix gives every stage exactly one **accountable** owner.
# * The **product backlog** holds user stories written from the personas' points of view, ordered by value per point
#   or **WSJF** (cost of delay ÷ size).
# * **Sprint planning** takes stories from the top within the **capacity**, never ahead of their **dependencies**.
# * **Daily stand-ups** surface blockers; the **burndown** shows progress against the ideal line.
# * The **review** inspects the increment (shippable? goal met?); the **retrospective** improves the way of working.
# * **Velocity**, **commitment reliability** and **cycle time** tell the team whether it keeps its promises, and
#   yesterday's weather gives an honest **forecast**.
#
# ### In the real world
# * Teams keep the backlog in a tool such as Jira, Azure Boards, GitHub Projects or Trello, with the same fields you
#   saw here: persona, points, value, dependencies.
# * *The Scrum Guide* (Schwaber & Sutherland) defines the events and artefacts in a dozen pages; WSJF comes from the
#   Scaled Agile Framework (SAFe).
# * Data-science work is uncertain: many teams add time-boxed **spikes** (“find out in three days whether the payment
#   data is usable”) and agree a *definition of done* that includes tracking, tests and documentation.
# * Velocity is for the team's own planning. Used as a performance target across teams it inflates estimates and
#   stops meaning anything.
#
# **Next:** lab 03 starts the first stage — data provisioning with governance, led by the Data Steward and the Data
# Engineer.
