# %% [markdown]
# # Lab 02 — Scrum and the AI project roles
#
# **Stage:** how the team works, across all six stages · **Personas:** the whole team; the **Business Analyst** leads
# as Product Owner · **Time:** about 110 minutes
#
# TelcoNova's churn model will not be built by one heroic data scientist. It takes five roles, six stages and many
# small deliveries. This lab sets up *how* the team works: who owns what, and how a Scrum sprint turns a wish list into
# a working increment every two weeks, with numbers that tell the team whether it is getting better. You follow the
# team's first sprint day by day, and you write the Scrum techniques yourself: the burndown from the stand-up log, the
# retrospective's evidence, the sprint planner and the KPIs.
#
# ### Learning objectives
# By the end of this lab you can:
# 1. name the five personas of an AI project, read a **RACI** matrix of personas × stages, and say who owns a problem;
# 2. tell the **Product Owner** from the **Scrum Master**, and say what each does in each Scrum event;
# 3. order a **product backlog** by value per point and by **WSJF**, and write a sprint planner that respects the
#    **capacity**, the **dependencies** and the work carried over;
# 4. follow a two-week sprint with a **fixed end date** through its **daily stand-ups**, compute its **burndown** from
#    the stand-up log, and explain why partly done work is not done;
# 5. feed the stakeholders' feedback from the **sprint review** back into the backlog, and draw the
#    **retrospective** from the sprint's data;
# 6. compute the Scrum **KPIs** — velocity and commitment reliability — and read the next sprint's forecast from them.
#
# ### Why this matters to the business
# Most machine-learning projects that fail do not fail on the algorithm: they fail on hand-overs (“I thought *you* were
# getting the data approved”), on work nobody asked for, and on promises nobody could keep. Clear accountability and
# short, measured iterations are how a team ships something of value early, hears what its customers think while it
# is still cheap to change course, and keeps its promises to the business.

# %% id="cell-01"
import dataclasses
import inspect

import matplotlib.pyplot as plt
import pandas as pd
from IPython.display import display
from mlopslab import scrum
from mlopslab.exercises import check

pd.set_option("display.max_colwidth", 90)
pd.set_option("display.width", 160)
pd.set_option("display.max_columns", 30)

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
# * **A**ccountable — they answer for the outcome: the stage's decisions are theirs, and so is the explaining when it
#   goes wrong (**exactly one** per stage: if two people are accountable, nobody is);
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
# called (C), and the rest are informed. One column may surprise you: in *model development* the Business Analyst is
# responsible too, because they write the business metric — the expected profit of a retention campaign (lab 05) —
# by which the candidates are compared; the Data Engineer is only consulted, on what the production data will look
# like.
#
# Answering for a stage is not the same as approving a model version for use: that is a separate, governed chain
# (`policy.APPROVAL`, lab 01). TelcoNova's policy has the Business Analyst approve every model, and nobody approves
# their own: in *model validation and governance* the Data Scientist answers for the evidence (A), and the Business
# Analyst, consulted on it, gives the approval (lab 06).
#
# ## 3. The Scrum team: Product Owner, Scrum Master and Developers
#
# The RACI matrix says who owns each *stage* of the product. Scrum adds three accountabilities that say who owns the
# *way of working*. They cut across the personas:

# %% id="code-scrum-roles"
with pd.option_context("display.max_colwidth", None):
    display(pd.DataFrame(scrum.SCRUM_ROLES).T)

# %% [markdown]
# The **Product Owner** and the **Scrum Master** are easy to confuse and must not be the same person. The Product Owner
# owns *what* is built and in which order — the product backlog, the sprint goal, the decision whether a story is done.
# The Scrum Master owns *how* the team works: they serve the team rather than direct it, make sure the events happen
# and stay short, remove impediments the team cannot remove itself, and keep new requests out of the running sprint
# by sending them to the Product Owner, who decides whether and when they are built (usually: into the backlog, for a
# later sprint). A Product Owner who also ran the process would be tempted to squeeze “one more story” into every
# sprint; a Scrum Master has no stake in the backlog's order.
#
# Here is what each of them does in Scrum's events (you meet each event in the sprint below):

# %% id="code-scrum-events"
with pd.option_context("display.max_colwidth", None):
    display(pd.DataFrame(scrum.SCRUM_EVENTS).T)

# %% [markdown]
# ### Exercise 02.1 — who owns it?
# Things go wrong, and then it matters who owns them. For each situation, give the persona who owns it, or
# `"Scrum Master"`:
#
# * a problem **in a stage** of the product: decide which stage it belongs to, then read the **A** of that stage from
#   the RACI matrix;
# * a question about **how the team works**: is it about *what* gets built and when (the Product Owner — at TelcoNova
#   the Business Analyst), or about removing what stops the team (the Scrum Master)?
#
# | situation | what happens |
# | --- | --- |
# | `drift_alert` | Monday 7:00: the monthly drift report shows that charges jumped for every customer. |
# | `payment_data_request` | A marketing intern asks for the raw payment details of all customers “for a quick analysis”. |
# | `candidate_below_champion` | The new candidate model scores below the champion on held-out data; the deadline is tomorrow. |
# | `scoring_encodes_differently` | Production scores differ from the notebook's: a column is encoded differently at scoring. |
# | `score_missing_in_crm` | Since last night's release the churn score no longer appears on the CRM customer page. |
# | `choice_of_model` | Model development has produced two candidate models. Within that stage, who answers for the choice of the one that goes on to validation? |
# | `database_down_again` | Third morning running: the test database is down, two people cannot work, the team cannot fix it. |
# | `request_mid_sprint` | Day 3: marketing wants a churn list for next week. Whose call is it whether, and when, it is built? |
#
# The check is all or nothing and does not say which answer is wrong.

# %% mlopslab={"exercise": "02.accountable", "choices": ["Data Steward", "Data Engineer", "Data Scientist", "Business Analyst", "App Developer", "Scrum Master"]}
# BEGIN STUB
# accountable = {
#     "drift_alert": ...,
#     "payment_data_request": ...,
#     "candidate_below_champion": ...,
#     "scoring_encodes_differently": ...,
#     "score_missing_in_crm": ...,
#     "choice_of_model": ...,
#     "database_down_again": ...,
#     "request_mid_sprint": ...,
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
    "database_down_again": "Scrum Master",
    "request_mid_sprint": "Business Analyst",
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
    "database_down_again": "Data Engineer",
    "request_mid_sprint": "Scrum Master",
}

# %% mlopslab={"wrong": "02.accountable"}
accountable = {
    "drift_alert": "Data Engineer",
    "payment_data_request": "Data Steward",
    "candidate_below_champion": "Data Scientist",
    "scoring_encodes_differently": "Data Engineer",
    "score_missing_in_crm": "Data Engineer",
    "choice_of_model": "Data Scientist",
    "database_down_again": "Business Analyst",
    "request_mid_sprint": "Scrum Master",
}

# %% [markdown]
# ## 4. The product backlog
#
# Inputs from customers, the team, managers and executives become **user stories** in one ordered list, the
# **product backlog**. A story is written from a persona's point of view — *As a …, I want …, so that …* — so that
# everyone knows who needs it and why. Each story carries
#
# * **points**: its size, estimated by the team on the Fibonacci scale (1, 2, 3, 5, 8, 13: bigger is vaguer);
# * **business value** (1–10), given by the Product Owner; for WSJF also **time criticality** and **risk reduction**;
# * **dependencies**: stories that must be finished first.
#
# The package holds TelcoNova's backlog as data (`scrum.BACKLOG`, one `Story` each); as a table it looks like this:

# %% id="cell-10"
backlog = pd.DataFrame([dataclasses.asdict(s) for s in scrum.BACKLOG]).set_index("id")
print(f"{len(backlog)} stories, {backlog['points'].sum()} points in all")
with pd.option_context("display.max_colwidth", None):
    display(backlog[["persona", "points", "value", "depends_on", "text"]].head(8))

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
# ## 5. Ordering the backlog: value per point and WSJF
#
# The Product Owner orders the backlog so that the team always works on what matters most. Two common rules:
#
# * **value per point** = business value ÷ points — bang for the buck;
# * **WSJF** (*Weighted Shortest Job First*, from SAFe) = **cost of delay** ÷ job size, where cost of delay = business
#   value + time criticality + risk reduction. It also rewards work that unblocks others or removes risk, such as
#   documenting and protecting the data early.

# %% id="code-wsjf"
def add_wsjf(table):
    """The backlog table with value per point, cost of delay and WSJF."""
    table = table.copy()
    table["value/point"] = table["value"] / table["points"]
    table["cost of delay"] = table["value"] + table["time_criticality"] + table["risk_reduction"]
    table["WSJF"] = table["cost of delay"] / table["points"]
    return table


backlog = add_wsjf(backlog)
ranked = backlog.assign(**{
    "rank by value/point": backlog["value/point"].rank(ascending=False, method="min").astype(int),
    "rank by WSJF": backlog["WSJF"].rank(ascending=False, method="min").astype(int),
}).sort_values(["WSJF", "value/point"], ascending=False)
columns = ["persona", "points", "value", "cost of delay", "value/point", "WSJF", "rank by value/point", "rank by WSJF"]
for sid, story in ranked[ranked["points"] == ranked["points"].max()].iterrows():
    print(f"{sid}, one of the largest stories: {story['points']} points, value {story['value']}, "
          f"rank {story['rank by WSJF']} of {len(ranked)} by WSJF")
ranked[columns].head(8).round(2)

# %% [markdown]
# Small stories with a high cost of delay float up — S10 (track every training run) costs two points and makes all
# later work reproducible. The largest stories sink to the bottom (the lines above the table), even valuable ones such
# as S11 (compare a baseline with two candidate models): a hint to **split** them. From here on the team orders its
# backlog by WSJF.
#
# ## 6. The sprint: a fixed time-box with a goal and a deliverable
#
# A **sprint** is a time-box of two to four weeks. Its **end date does not move** and neither does the **deliverable**
# the team commits to: if work is not finished by the last day, the sprint still ends on that day, and the unfinished
# stories go back to the product backlog. What the team ships at the end is an **increment**: the stories that are
# done, working together with everything built before.
#
# TelcoNova's team picks **two weeks** (ten working days): long enough to finish a few stories, short enough that the
# stakeholders see working results — and give feedback — twice a month. Shorter sprints mean more planning and review
# overhead for the time worked; longer ones mean waiting longer for feedback. Review and retrospective are held on the
# last day; the next sprint starts the next working day. (The course's calendar counts Monday to Friday and ignores
# public holidays: sprint 3 works through Christmas. A real team plans holidays as lower capacity.)

# %% id="code-calendar"
print(inspect.getsource(scrum.sprint_dates))  # the calendar is defined once: lab 11's sprint 6 follows from it
print(f"sprint 1 starts on {scrum.FIRST_DAY:%A %d %B %Y}; a sprint is {scrum.SPRINT_DAYS} working days")
calendar = pd.DataFrame([scrum.sprint_dates(s) for s in range(1, 6)], index=pd.RangeIndex(1, 6, name="sprint"),
                        columns=["first day", "last day: review and retrospective"])
calendar.apply(lambda day: day.dt.strftime("%a %d %b %Y"))

# %% [markdown]
# ### Sprint planning under a capacity
#
# At sprint planning the Product Owner proposes a **sprint goal** and the team takes stories from the top of the
# ordered backlog, **as much as it can commit to deliver by the end of the sprint**. Two rules:
#
# 1. the points may not exceed the team's **capacity**;
# 2. a story goes in only if **each of its dependencies is done or planned in the same sprint**.
#
# The sprint goal of sprint 1 is *“the customer data is documented and protected”* (S01 and S02). The team's first
# guess at its capacity is `scrum.CAPACITY` points a sprint (the first line below). `scrum.plan_sprint` walks the
# backlog in WSJF order and takes the best story that is ready and fits, again and again, until nothing more fits (in
# section 10 you write this planner yourself):

# %% id="cell-15"
CAPACITY = scrum.CAPACITY  # the team's first guess at its capacity
print(f"The team's capacity: {CAPACITY} points a sprint")
SPRINT_GOAL = ["S01", "S02"]
plan = scrum.plan_sprint(scrum.BACKLOG, CAPACITY)
planned = [s.id for s in plan]
plan_check = scrum.check_plan(planned, CAPACITY)
print(f"Sprint 1 plan: {planned}: {plan_check.points} of {CAPACITY} points; "
      f"problems: {plan_check.problems() or 'none'}")
with_one_more = {s.id: scrum.check_plan([*planned, s.id], CAPACITY) for s in scrum.BACKLOG if s.id not in planned}
ready = [sid for sid, more in with_one_more.items() if not more.missing_dependencies]
print("ready but left out:", ", ".join(f"{sid} (with it: {with_one_more[sid].points} of {CAPACITY} points)"
                                       for sid in ready) or "none",
      f"| waiting for a dependency: {len(with_one_more) - len(ready)} stories")

# %% [markdown]
# A few points stay free. The second line says why nothing more went in: the only other story that is ready does not
# fit, and every other story still waits for a dependency.
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
# ## 7. The daily stand-up and the burndown
#
# Every morning the team meets for fifteen minutes. Each person says what they did yesterday, what they will do today,
# and what blocks them; the Scrum Master takes each impediment away to remove it. Below is a **simulated** sprint 1
# (seeded, so everyone sees the same one): the team's daily output varies, impediments pop up, and stories wait for the
# stories they depend on. At most three stories are in progress at once. The log keeps what the burndown and the
# retrospective need: each story's progress (`update`) and what blocked it (`blocker`).

# %% id="cell-21"
sprint1 = scrum.simulate_sprint(plan)
standup = sprint1.standup
standup[standup["day"] <= 2]

# %% id="cell-22"
blocked = standup[standup["blocker"] != ""]
print(f"{len(blocked)} stand-up reports named a blocker; each blocker once, with the day it was first reported:")
blocked.drop_duplicates(["story", "blocker"])

# %% [markdown]
# The **burndown** chart shows the work left at the end of each day against the ideal straight line from the
# commitment to zero: above the line means behind plan. There are two ways to count “work left”. One counts partial
# progress (a story with one of its five points still to do adds one point). The other counts a story's **points in
# full until the day it is done**, and then not at all — the way the sprint review and the velocity count, because in
# Scrum a story that is almost done is *not done*: nobody can use it yet.
#
# ### Exercise 02.2 — the burndown from the stand-up log
# Write `story_burndown(standup, points, days)`: it returns a list of `days + 1` numbers, the story points of the
# committed stories that are **not done** at the end of day 0 (before any work: the whole commitment), day 1, …,
# day `days`. A story is done on the day its `update` ends with `": done"` (as in `"worked on S10: done"`); `points`
# maps each committed story to its points (`sprint1.points`). The check runs your function on all five sprints of the
# lab's history.

# %% mlopslab={"exercise": "02.burndown"}
def story_burndown(standup, points, days):
    """Points of the committed stories not done yet, at the end of each day 0..days (a list of days + 1 numbers)."""
    # BEGIN STUB
    # done_on = ...   # story id -> the day its update said "done"
    # ...             # one number per day: the points of the stories not done by the end of that day
    # END STUB
    # BEGIN SOLUTION
    finished = standup[standup["update"].str.endswith(": done")]
    done_on = dict(zip(finished["story"], finished["day"]))
    return [sum(p for story, p in points.items() if done_on.get(story, days + 1) > day)
            for day in range(days + 1)]
    # END SOLUTION


story_burndown(standup, sprint1.points, scrum.SPRINT_DAYS)  # try it on sprint 1


# %% mlopslab={"check": "02.burndown"}
check("02.burndown", story_burndown)


# %% mlopslab={"wrong": "02.burndown"}
def story_burndown(standup, points, days):
    finished = standup[standup["update"].str.endswith(": done")]
    done_on = dict(zip(finished["story"], finished["day"]))
    return [sum(p for story, p in points.items() if done_on.get(story, days + 1) > day)
            for day in range(1, days + 1)]  # forgets day 0, the commitment


# %% mlopslab={"wrong": "02.burndown"}
def story_burndown(standup, points, days):
    finished = standup[standup["update"].str.endswith(": done")]
    done_on = dict(zip(finished["story"], finished["day"]))
    return [sum(p for story, p in points.items() if done_on.get(story, days + 1) >= day)  # done counts a day late
            for day in range(days + 1)]


# %% mlopslab={"shortcut": "02.burndown"}
def story_burndown(standup, points, days):
    return sprint1.remaining  # the work left that the simulation tracked


# %% mlopslab={"shortcut": "02.burndown"}
def story_burndown(standup, points, days):
    return [16, 16, 16, 16, 14, 11, 8, 8, 8, 8, 8]  # sprint 1's line, typed from the chart below


# %% mlopslab={"shortcut": "02.burndown"}
def story_burndown(standup, points, days):
    """The package's own sprints, looked up by their stand-up log."""
    for result in scrum.run_sprints(5, scrum.CAPACITY, scrum.refined_backlog()):
        if result.standup.equals(standup):
            return scrum._unfinished_points(result)
    return []


# %% mlopslab={"shortcut": "02.burndown"}
burndown_lines = {  # the package's lines, made before the check switches it off, with the check's former made-up sprint
    result.standup.to_csv(): scrum._unfinished_points(result)
    for result in [*scrum.run_sprints(5, scrum.CAPACITY, scrum.refined_backlog()),
                   scrum.simulate_sprint(scrum.plan_sprint(scrum.refined_backlog(), 16), seed=scrum.SEED + 101, sprint=9)]
}


def story_burndown(standup, points, days):
    return burndown_lines.get(standup.to_csv())


# %% [markdown]
# Both ways of counting, on one chart (the orange line is what your function computes; a green label marks the day
# a story was done):

# %% id="code-burndown-plot"
scrum.plot_burndown(sprint1, title="Sprint 1 burndown: work left vs. points of stories not done", by_story=True)
plt.show()

# %% id="code-burndown-end"
not_done = [s for s in sprint1.committed if s not in sprint1.done]
print(f"committed: {sprint1.committed_points} points; done: {sprint1.done_points} points ({', '.join(sprint1.done)})")
print(f"at the end of day {scrum.SPRINT_DAYS}: {sprint1.committed_points - sprint1.done_points} points in stories not "
      f"done ({', '.join(not_done)}), with {sprint1.remaining[-1]:.1f} points of work left in them")

# %% [markdown]
# The two lines tell different stories, and both are true. The blue line says the team worked steadily and ended with
# little work left. The orange line says what the business got: it falls only when a story is finished, and it ends
# at the committed points minus the done points — the figure the sprint review reports. The gap at the end is S02,
# nearly finished, and S05, which could not start before S02 was done. The team worked on three stories at once, so
# none finished in the first days; S01 — half of the sprint goal — shared the team with S10 and S09 and finished only
# in the second week, and S02 waited for it all that time.
#
# The end date did not move: on the last day the sprint ended with S02 unfinished and S05 not started.
#
# ## 8. The sprint review: the increment, and the feedback that flows back into the backlog
#
# At the **sprint review** the team shows the *finished* work to the stakeholders. The Product Owner says what is
# done: committed versus done, whether the sprint goal was met, and whether the result is a **potentially shippable
# increment** — finished stories that work on their own, without relying on unfinished ones. Whether to *deliver* it
# (release it to its users now) is then the Product Owner's decision.

# %% id="cell-26"
sprint_review = scrum.review(sprint1, goal=SPRINT_GOAL)
pd.Series(sprint_review, name="sprint 1 review").to_frame()

# %% [markdown]
# The increment is shippable (what is done stands on its own), but the sprint goal was missed: S02 goes back to the
# product backlog, with the work already spent on it, and so does S05; the team will carry both into sprint 2.
#
# The review is also the sprint's **learning loop**: the stakeholders see working software early and say what they
# think, while it is still cheap to change course. The Product Owner turns what they say into changes of the product
# backlog. Here is what was said at sprint 1's review:

# %% id="code-feedback"
feedback = pd.DataFrame([{
    "from": fb.stakeholder, "about": fb.about, "said": fb.said,
    "backlog change": (f"new story {fb.new_story.id}" if fb.new_story is not None
                       else f"{fb.story} gets a task: {fb.new_task}" if fb.story else "none"),
} for fb in scrum.REVIEW_FEEDBACK])
with pd.option_context("display.max_colwidth", None):
    display(feedback)

# %% [markdown]
# The Product Owner applies the changes: a new story joins the product backlog with its own estimate and value, and an
# existing story gets a new task (the team judged the masking small enough to keep S02's estimate). Then the backlog is
# ordered again by WSJF:

# %% id="code-refine"
refined = {s.id: s for s in scrum.BACKLOG}
for fb in scrum.REVIEW_FEEDBACK:
    if fb.new_story is not None:  # a new story joins the product backlog
        refined[fb.new_story.id] = fb.new_story
    elif fb.story:  # an existing story gets a new task; its estimate stays
        old = refined[fb.story]
        refined[fb.story] = dataclasses.replace(old, tasks=(*old.tasks, fb.new_task))
refined = list(refined.values())

backlog = add_wsjf(pd.DataFrame([dataclasses.asdict(s) for s in refined]).set_index("id"))
still_open = backlog.drop(index=sprint1.done).sort_values("WSJF", ascending=False)
still_open["WSJF rank"] = range(1, len(still_open) + 1)
print(f"product backlog after the review: {len(backlog)} stories, {len(still_open)} of them not done")
print("the backlog the later sprints and lab 11 work from (scrum.refined_backlog()) is this one:",
      refined == scrum.refined_backlog())
with pd.option_context("display.max_colwidth", None):
    display(still_open.loc[["S02", "F01"], ["WSJF rank", "WSJF", "depends_on", "tasks"]].round(2))

# %% [markdown]
# Both changes are now data the next sprint planning works from. S02 goes into sprint 2 with the Data Protection
# Officer's task in its sprint backlog (lab 03 does that masking). The new story F01 takes its place in the lower half
# of the open backlog, and it cannot start before S12 (the reasons behind each score) is done anyway; the Product Owner
# can raise its value when the campaign comes closer. Not every comment becomes work: the finance controller's did not.
#
# ## 9. The retrospective: evidence from the sprint's data
#
# The **retrospective** looks at *how* the team worked, not at the product: what should we **start**, **stop** and
# **continue** doing? The Scrum Master facilitates it and brings the evidence, so that the discussion is about what
# happened rather than what people remember. The stand-up log holds two kinds of blockers, and they call for different
# actions:
#
# * a **wait**: a story *cannot start* because another story it depends on is not done (its update says
#   `cannot start …`) — a planning problem for the whole team;
# * an **impediment**: a story that had started was stopped by something else (a database down, a missing approval) —
#   the Scrum Master's to remove at its source.
#
# ### Exercise 02.3 — the retrospective's evidence
# Write `retro_evidence(standup)`: it returns `{"waiting": ..., "impediments": ...}`, where `"waiting"` counts, per
# story, the stand-up reports at which it could not start, and `"impediments"` counts, per blocker, the other stand-up
# reports that named it (each such report is a day of no progress on a story). Dicts or Series of counts are both
# fine. The check runs your function on all five sprints.

# %% mlopslab={"exercise": "02.retro_evidence"}
def retro_evidence(standup):
    """{"waiting": story -> reports it could not start, "impediments": blocker -> reports it stopped a story}."""
    # BEGIN STUB
    # blocked = standup[standup["blocker"] != ""]
    # ...
    # END STUB
    # BEGIN SOLUTION
    blocked = standup[standup["blocker"] != ""]
    waits = blocked["update"].str.startswith("cannot start")
    return {"waiting": blocked.loc[waits, "story"].value_counts().to_dict(),
            "impediments": blocked.loc[~waits, "blocker"].value_counts().to_dict()}
    # END SOLUTION


retro_evidence(standup)  # try it on sprint 1


# %% mlopslab={"check": "02.retro_evidence"}
check("02.retro_evidence", retro_evidence)


# %% mlopslab={"wrong": "02.retro_evidence"}
def retro_evidence(standup):
    blocked = standup[standup["blocker"] != ""]
    waits = blocked["blocker"].str.startswith("waiting for")  # "waiting for access ..." is an impediment
    return {"waiting": blocked.loc[waits, "story"].value_counts().to_dict(),
            "impediments": blocked.loc[~waits, "blocker"].value_counts().to_dict()}


# %% mlopslab={"wrong": "02.retro_evidence"}
def retro_evidence(standup):
    blocked = standup[standup["blocker"] != ""]
    return {"waiting": blocked["blocker"].value_counts().to_dict(), "impediments": {}}


# %% mlopslab={"shortcut": "02.retro_evidence"}
def retro_evidence(standup):
    return {"waiting": {"S02": 6, "S05": 4},  # sprint 1's counts, read off the log above
            "impediments": {"test database down for maintenance": 1,
                            "unclear acceptance criteria: asked the Product Owner": 1}}


# %% mlopslab={"shortcut": "02.retro_evidence"}
def retro_evidence(standup):
    return scrum.retrospective(sprint1)


# %% [markdown]
# ### Written exercise 02.R — the team's retrospective
# **Your turn, before you read on.** From your evidence, the burndown and the review, write the retrospective in the
# cell below: one thing the team should **start**, one it should **stop** and one it should **continue**, each with the
# fact from this sprint that supports it (a story that waited, a blocker, the points committed and done), and the
# first action the Scrum Master takes. Write it in that cell (double-click it to edit); a few sentences are enough. A
# person reads it and scores it against the rubric below; no automatic check (and not `mlopslab grade --self`) can.

# %% id="code-retro-rubric"
from mlopslab.rubrics import show_rubric

show_rubric("02.retrospective")

# %% [markdown] mlopslab={"written": "02.retrospective"}
# *Your retrospective (double-click to edit, then replace this text):*
#
# * **Start:** …
# * **Stop:** …
# * **Continue:** …
# * **The Scrum Master's first action:** …

# %% [markdown] mlopslab={"model_answer": "02.retrospective"}
# **Model answer (graders only).** *Start* ordering the sprint by dependencies, not by value alone: S02 could not
# start on most stand-ups because the story it depends on was not done, so its points waited all sprint. *Start*
# removing impediments at their source as well: the test database going down and the unclear acceptance criteria each
# cost a day of no progress. *Stop* committing to more than the team finishes: the sprint committed twice the points it
# delivered, so the next plan uses the measured velocity, not the capacity. *Continue* the daily stand-up, which
# surfaced every blocker the same morning, and delivering finished stories the stakeholders can use. *First action:*
# the Scrum Master books a dependency check into sprint planning and asks the database team for a maintenance window
# outside the sprint, to be reviewed at the next retrospective. Full marks need each item tied to a fact of this
# sprint; an answer about the product (“add more features”) rather than the way of working misses the point.

# %% [markdown]
# Now compare with the board the team agreed on, below. The package wrote this board from the same evidence (it is
# reused for the capstone sprint in lab 11); a real team writes it together, with the Scrum Master at the whiteboard.

# %% id="cell-28"
retro = scrum.retrospective(sprint1)
with pd.option_context("display.max_colwidth", None):
    display(pd.DataFrame([(kind, item) for kind, items in retro.items() for item in items], columns=["", "action"]))

# %% [markdown]
# The Scrum Master takes the impediments away and follows up at the next retrospective whether they came back. The
# “stop” item is the hardest to act on after one sprint: a single sprint is not yet a velocity. The team keeps its
# capacity for now and measures; section 11 shows what five sprints tell.
#
# ## 10. Planning sprint 2: your own planner
#
# Sprint 2 starts from the refined backlog, the stories done in sprint 1, and the two stories carried over (S02 with
# most of its work done, and S05, not started). The team keeps its capacity. Its planning rule:
#
# 1. the **carried-over** stories go in first, whatever their WSJF, at their full points (the team does not
#    re-estimate the work left; that is the team's choice to make);
# 2. then, again and again, take the story with the **highest WSJF** that is not done or planned yet, has each
#    dependency done or planned, and **still fits** the capacity;
# 3. stop when no story qualifies.
#
# Rule 2 looks again from the top after every story it takes: taking a story can make a better-ranked one ready.

# %% id="cell-30"
done_after_sprint_1 = sprint1.done
carried = list(sprint1.carry_over)
print("done after sprint 1:", done_after_sprint_1)
print("carried over:", carried)

# %% [markdown]
# ### Exercise 02.4 — write the sprint planner
# Write `sprint_plan(backlog, capacity, done, carried)`: `backlog` is a table like `backlog` above (one row per story,
# indexed by id, with the columns `points`, `WSJF` and `depends_on`), `done` and `carried` are lists of story ids. It
# returns the sprint backlog as a list of story ids, following the team's rule. Write the walk yourself, with pandas;
# the package's planner is not the answer. The check runs your function on sprints 1, 2 and 4 of the team's history
# and on a small made-up backlog.

# %% mlopslab={"exercise": "02.sprint_plan"}
def sprint_plan(backlog, capacity, done, carried):
    """The sprint backlog (story ids): carried-over stories first, then again and again the best ready story that fits."""
    # the carried-over stories go first, at their full points; the other stories are ranked best first
    plan = list(carried)
    used = backlog.loc[plan, "points"].sum()
    ranked = backlog.sort_values("WSJF", ascending=False).index.tolist()
    # BEGIN STUB
    # ...  # repeat: take the first story of `ranked` that qualifies; when none does, return plan
    # END STUB
    # BEGIN SOLUTION
    while True:
        qualifies = [sid for sid in ranked
                     if sid not in plan and sid not in done
                     and all(dep in done or dep in plan for dep in backlog.loc[sid, "depends_on"])
                     and used + backlog.loc[sid, "points"] <= capacity]
        if not qualifies:
            return plan
        plan.append(qualifies[0])
        used += backlog.loc[qualifies[0], "points"]
    # END SOLUTION


sprint_plan(backlog, CAPACITY, done_after_sprint_1, carried)  # try it: sprint 2


# %% mlopslab={"check": "02.sprint_plan"}
check("02.sprint_plan", sprint_plan)


# %% mlopslab={"wrong": "02.sprint_plan"}
def sprint_plan(backlog, capacity, done, carried):
    plan = list(carried)
    used = backlog.loc[plan, "points"].sum()
    for sid in backlog.sort_values("WSJF", ascending=False).index:  # one pass: never looks back up
        deps_ok = all(dep in done or dep in plan for dep in backlog.loc[sid, "depends_on"])
        if sid not in plan and sid not in done and deps_ok and used + backlog.loc[sid, "points"] <= capacity:
            plan.append(sid)
            used += backlog.loc[sid, "points"]
    return plan


# %% mlopslab={"wrong": "02.sprint_plan"}
def sprint_plan(backlog, capacity, done, carried):
    plan, used = [], 0  # forgets the carried-over stories
    ranked = backlog.sort_values("WSJF", ascending=False).index.tolist()
    while True:
        qualifies = [sid for sid in ranked
                     if sid not in plan and sid not in done
                     and all(dep in done or dep in plan for dep in backlog.loc[sid, "depends_on"])
                     and used + backlog.loc[sid, "points"] <= capacity]
        if not qualifies:
            return plan
        plan.append(qualifies[0])
        used += backlog.loc[qualifies[0], "points"]


# %% mlopslab={"shortcut": "02.sprint_plan"}
def sprint_plan(backlog, capacity, done, carried):
    return [s.id for s in scrum.plan_sprint(scrum.BACKLOG, capacity, done)]


# %% mlopslab={"shortcut": "02.sprint_plan"}
def sprint_plan(backlog, capacity, done, carried):
    room = capacity - backlog.loc[list(carried), "points"].sum()
    stories = [scrum.Story(sid, row["persona"], row["stage"], row["text"], row["points"], row["value"],
                           row["time_criticality"], row["risk_reduction"], tuple(row["depends_on"]))
               for sid, row in backlog.iterrows() if sid not in carried]
    return list(carried) + [s.id for s in scrum.plan_sprint(stories, room, [*done, *carried])]


# %% mlopslab={"shortcut": "02.sprint_plan"}
def sprint_plan(backlog, capacity, done, carried):
    return ["S02", "S05", "S03", "S08"]  # sprint 2's plan, typed in


# %% [markdown]
# The package's `scrum.run_sprints` plans with the same rule (carried-over stories first, then `scrum.plan_sprint` on
# the capacity left) and simulates each sprint. Here are the team's first five sprints, run on the refined backlog, and
# sprint 2's sprint backlog — with the Data Protection Officer's task on S02:

# %% id="code-sprint-2"
sprints = scrum.run_sprints(5, CAPACITY, stories=refined)
sprint2 = sprints[1]
print(f"sprint 2: {sprint2.committed}, {sprint2.committed_points} of {CAPACITY} points")
pd.DataFrame([{"story": sid, "task": task} for sid in sprint2.committed for task in backlog.loc[sid, "tasks"]]).head(6)

# %% [markdown]
# ## 11. KPIs: is the team getting better?
#
# Scrum measures itself at the end of every sprint. Three KPIs matter most:
#
# * **velocity** — points *done* per sprint, usually the mean of the last three sprints. It is the team's own yardstick
#   for planning, never a target to compare teams by (points are estimates, and teams estimate differently);
# * **commitment reliability** — points done ÷ points committed (over the same sprints): does the team keep its
#   promises?
# * **cycle time** — working days from the start of a story to its finish: how long does the business wait?
#
# Here is the team's history over its first five sprints, each planned at the team's capacity:

# %% id="cell-34"
hist = scrum.history(sprints)
hist


# %% [markdown]
# ### Exercise 02.5 — compute velocity and commitment reliability
# Write `sprint_kpis(hist)`: it gets a table like `hist` (columns `committed` and `done`, one row per sprint, oldest
# first) and returns `{"velocity": ..., "commitment_reliability": ...}`, both over the **last three sprints**:
# velocity = mean points done; commitment reliability = total points done ÷ total points committed. Compute them
# with pandas (the package's own KPI functions are not the answer). The check tries your function on `hist` and on
# another team's history.

# %% mlopslab={"exercise": "02.sprint_kpis"}
def sprint_kpis(hist):
    """{"velocity": mean points done, "commitment_reliability": done / committed}, over the last three sprints."""
    # BEGIN STUB
    # last = ...
    # ...
    # END STUB
    # BEGIN SOLUTION
    last = hist.tail(3)
    return {"velocity": last["done"].mean(),
            "commitment_reliability": last["done"].sum() / last["committed"].sum()}
    # END SOLUTION


sprint_kpis(hist)  # try it


# %% mlopslab={"check": "02.sprint_kpis"}
check("02.sprint_kpis", sprint_kpis)


# %% mlopslab={"wrong": "02.sprint_kpis"}
def sprint_kpis(hist):
    return {"velocity": hist["done"].mean(),
            "commitment_reliability": (hist["done"] / hist["committed"]).mean()}


# %% mlopslab={"wrong": "02.sprint_kpis"}
def sprint_kpis(hist):
    last = hist.tail(3)
    return {"velocity": last["done"].mean(),
            "commitment_reliability": (last["done"] / last["committed"]).mean()}   # the mean of the ratios


# %% mlopslab={"shortcut": "02.sprint_kpis"}
def sprint_kpis(hist):
    return {"velocity": scrum.velocity(hist), "commitment_reliability": scrum.commitment_reliability(hist, last=3)}


# %% mlopslab={"shortcut": "02.sprint_kpis"}
def sprint_kpis(hist):
    return {"velocity": (12 + 13 + 16) / 3, "commitment_reliability": (12 + 13 + 16) / (20 + 19 + 19)}  # typed from `hist`


# %% mlopslab={"shortcut": "02.sprint_kpis"}
def sprint_kpis(table):
    last = hist.tail(3)  # the notebook's history, not the table it is given
    return {"velocity": last["done"].mean(), "commitment_reliability": last["done"].sum() / last["committed"].sum()}


# %% [markdown]
# The third KPI, the cycle time of every finished story, counted in working days across sprints:

# %% id="cell-39"
cycles = scrum.cycle_times(sprints)
days = cycles["cycle days"]
print(f"cycle time: median {days.median():.0f} working days, longest {days.max()} ({days.idxmax()})")
cycles.head(6)

# %% [markdown]
# ### Forecasting the next sprint
# Planning at the full capacity every sprint keeps breaking the promise. A better commitment is **“yesterday's weather”**: plan
# the next sprint at the mean velocity of the last three sprints, with the worst and best of them as the range. If a
# person is on holiday, scale by the share of person-days available. With five sprints of history the team now acts on
# its retrospective's “stop” item: lab 11 plans sprint 6 at this forecast.

# %% id="cell-41"
forecast = scrum.forecast_capacity(hist)
print("next sprint, whole team:", forecast)
print("next sprint, one of five people away for a week (90% of person-days):", scrum.forecast_capacity(hist, availability=0.9))
scrum.plot_velocity(hist, forecast)
plt.show()

# %% [markdown]
# ## Recap
# * Five personas share the work; a **RACI** matrix gives every stage exactly one **accountable** owner.
# * Scrum adds three accountabilities: the **Product Owner** owns *what* is built and in which order, the **Scrum
#   Master** owns *how* the team works (events, impediments, protecting the sprint), the **Developers** build.
# * The **product backlog** holds user stories written from the personas' points of view, ordered by value per point
#   or **WSJF** (cost of delay ÷ size).
# * A **sprint** is a fixed time-box of two to four weeks: its end date and its deliverable do not move; unfinished
#   stories go back to the backlog.
# * **Sprint planning** takes stories from the top within the **capacity**, never ahead of their **dependencies**,
#   carried-over work first.
# * **Daily stand-ups** surface blockers; the **burndown** shows progress against the ideal line — and a story counts
#   only when it is done.
# * The **review** inspects the increment with the stakeholders, and their feedback flows back into the product
#   backlog; the **retrospective** improves the way of working, from the sprint's evidence.
# * **Velocity**, **commitment reliability** and **cycle time** tell the team whether it keeps its promises, and
#   yesterday's weather gives an honest **forecast**.
#
# ### In the real world
# * Teams keep the backlog in a tool such as Jira, Azure Boards, GitHub Projects or Trello, with the same fields you
#   saw here: persona, points, value, dependencies.
# * *The Scrum Guide* (Schwaber & Sutherland, 2020) defines the accountabilities, events and artefacts in a dozen
#   pages; WSJF comes from the Scaled Agile Framework (SAFe).
# * Data-science work is uncertain: many teams add time-boxed **spikes** (“find out in three days whether the payment
#   data is usable”) and agree a *definition of done* that includes tracking, tests and documentation.
# * Velocity is for the team's own planning. Used as a performance target across teams it inflates estimates and
#   stops meaning anything.
#
# **Next:** lab 03 starts the first stage — data provisioning with governance, led by the Data Steward and the Data
# Engineer — and masks the free-text notes the Data Protection Officer asked about.
