# %% [markdown]
# # Lab 11 — Capstone: one sprint, the whole pipeline, and an honest maturity score
#
# **Stage:** all six stages, end to end, in one Scrum sprint · **Lead personas:** the whole team — the Business
# Analyst as Product Owner, the Data Steward, the Data Engineer, the Data Scientist and the App Developer
#
# It is February 2026. TelcoNova's analytics team starts its sixth sprint. Labs 03–10 built the pieces one at a time:
# a data contract, a preparation pipeline, tracked training runs, a validation gate, a registry with aliases, batch
# scoring, monitoring. This sprint puts them together into one **increment** that runs from raw data to a monitored
# retention list — and then asks the question an auditor, a new manager or the team itself should ask: *how mature
# is this, really?* The answer is computed from the evidence the pipeline left behind, not from anyone's opinion.
#
# ### Learning objectives
# By the end of this lab you can:
# 1. plan a sprint from the product backlog at the team's measured velocity, with a sprint goal;
# 2. run the whole pipeline — contract → preparation → tracked training → gate → registry alias → batch scoring →
#    monitoring — and say which persona owns each step;
# 3. hold a sprint review with delivery KPIs (velocity, commitment reliability) and model KPIs (profit uplift);
# 4. score an ML system with the **ML Test Score** rubric from evidence queried back from MLflow;
# 5. run a retrospective and choose the backlog items that raise the maturity score the most.
#
# ### Why this matters to the business
# A model earns money only when the whole chain works every month: a broken contract, a skipped gate or an unnoticed
# drift costs more than a slightly better AUC earns. Management funds the team by sprints; it wants to see what each
# sprint delivered (the review), how the team improves (the retrospective) and how much risk is left (the scorecard).

# %% [markdown]
# ## 1. Set-up
#
# The capstone has its own registered model, `churn-capstone`, so that its promotions never move the `churn@champion`
# that other labs serve. It starts where the previous sprint ended: with last sprint's champion (the course's
# reference model, gradient boosting trained on January–September 2025), created in your tracking store if it is not
# there yet. `capstone.start()` returns the **increment**: every run and model version it makes carries the
# increment's id, so that the evidence can be queried back later.

# %% id="cell-02"
import matplotlib.pyplot as plt
import pandas as pd
from IPython.display import display

from mlopslab import capstone, config, continuous, data, provisioning, registry, scrum, validation
from mlopslab.exercises import check

config.quiet()
config.setup_tracking()
pd.set_option("display.width", 140)
pd.set_option("display.max_colwidth", 110)

increment = capstone.start()
MODEL = increment.name
print(f"{MODEL}@champion at the start of the sprint: version {increment.previous} (last sprint's model)")

# %% [markdown]
# ## 2. Sprint planning: the sprint goal and the sprint backlog
#
# Lab 02 ran the team's first five sprints over the product backlog. Here is that history — committed and done story
# points per sprint — and what it forecasts for sprint 6. After sprint 5's retrospective ("stop committing to more
# than we finish") the team plans at its measured velocity: the **expected** forecast, not the old 20 points.

# %% id="cell-04"
history = scrum.history(scrum.run_sprints(5, capstone.CAPACITY))
forecast = scrum.forecast_capacity(history)
print(history.T.to_string())
print(f"\nforecast for sprint 6 (last three sprints): {forecast}")

# %% [markdown]
# The Product Owner (the Business Analyst) states the **sprint goal** — the outcome the sprint is for — and the team
# pulls stories from the top of the ordered backlog until the capacity is used. Sprint 5 left S21 unfinished, so it is
# carried over first; `scrum.plan_sprint` fills the rest by WSJF, respecting dependencies.

# %% id="cell-06"
results = capstone.sprints()
sprint6 = results[-1]
done_before = capstone.done_before(results)
print("sprint goal:", capstone.SPRINT_GOAL)
print(f"capacity {forecast['expected']} points; committed {sprint6.committed_points} points: {sprint6.committed}")
print(f"already done in sprints 1-5: {len(done_before)} of {len(scrum.BACKLOG)} stories")

sprint_backlog = pd.DataFrame([{"story": s, "persona": scrum.story(s).persona, "points": scrum.story(s).points,
                                "task": task} for s in sprint6.committed for task in scrum.story(s).tasks])
sprint_backlog

# %% [markdown]
# The new stories are all about watching the model (S20 drift reports, S21 performance once labels arrive, S23 alert
# rules). But a Scrum increment must be **usable** and **integrated** with everything built before: the team's
# Definition of Done for the sprint is that the whole pipeline runs end to end on February's data, with the new
# monitoring on top. Section 3 is that work, step by step, each step led by its personas (lab 02's RACI).
#
# ## 3. The increment, end to end
#
# ### 3a. Data provisioning: the contract (Data Steward, Data Engineer)
# January's labels and February's batch have arrived. Before anything trains or scores, lab 03's data contract checks
# the training data (all of 2025) and the new batch. Every row is accepted or quarantined; in = accepted + quarantined.
# `capstone.check_data` records the verdicts — rules, row counts, data versions and the catalog entry — as a run in
# the tracking store.

# %% id="cell-08"
raw_train = data.load_customers()
raw_batch = data.load_batch(capstone.BATCH_MONTH)
contract = capstone.check_data(increment, raw_train, raw_batch)
capstone.reconciliation(contract)

# %% [markdown]
# ### 3b. Data preparation (Data Engineer, Data Scientist)
# Only accepted rows go on. The candidates train on 2025; January 2026 — the newest labelled month — is their exam,
# data they have never seen. The training data's **version** (a SHA-256 of its content) goes on every run, so any model
# can be traced back to its exact data. Feature engineering, scaling and encoding live inside the model pipeline
# (lab 04), so training and scoring prepare data the same way.

# %% id="cell-10"
train = capstone.accepted_rows(raw_train, contract["training data"])
batch = capstone.accepted_rows(raw_batch, contract["batch"])
exam = continuous.labelled(capstone.EXAM_MONTH)
data_version = provisioning.data_version(train)
print(f"training: {len(train):,} customers, {train['month'].min()}..{train['month'].max()}, data version {data_version[:12]}")
print(f"exam:     {len(exam):,} customers of {capstone.EXAM_MONTH}, churn rate {(exam['Churn'] == 'Yes').mean():.1%}")
print(f"batch:    {len(batch):,} customers of {capstone.BATCH_MONTH} to score")

# %% [markdown]
# ### 3c. Model development with tracking (Data Scientist, Business Analyst)
# The baseline (no model: the most frequent class) and two candidates are trained and logged to MLflow with their
# parameters, metrics on the exam month (AUC, and the Business Analyst's campaign profit), the data version and the
# code version. Only the winner by profit logs its model artifact. The table is read **back from the tracking store**:
# it is what an auditor would see.

# %% id="cell-12"
trained = capstone.train_candidates(increment, train, exam, data_version)
runs = capstone.tracked_runs(increment, "train")
runs[["tags.candidate", "params.model", "metrics.auc", "metrics.best_threshold", "metrics.profit",
      "tags.data_version"]].assign(**{"tags.data_version": runs["tags.data_version"].str[:12]})

# %% [markdown]
# ### 3d. Model validation and governance (Data Scientist, Data Engineer)
# The winner must pass lab 06's gate on the exam month: a minimum AUC, a minimum profit uplift per customer over the
# best no-model policy, and a maximum recall gap between groups of `SeniorCitizen` and `gender` (the one-month limit of
# lab 10, because 600 customers make small groups noisy). For comparison, last sprint's champion sits the same exam.

# %% id="cell-14"
decision = validation.gate(trained.pipeline, exam, capstone.GATE_POLICY)
last_champion = registry.load("champion", MODEL)
previous = validation.gate(last_champion, exam, capstone.GATE_POLICY)
print(decision)
print(f"\nexam profit: {trained.winner} €{decision.evidence.profit:,.0f} · last sprint's champion "
      f"€{previous.evidence.profit:,.0f} · no model €{decision.evidence.baseline_profit:,.0f}")

# %% [markdown]
# ### 3e. The registry: gate, approval, champion alias (Data Engineer, Business Analyst)
# The winner is registered as `challenger`; the gate's verdict goes on the version as tags; the Business Analyst
# records the approval; the `champion` alias moves to it, and the version records which one it `replaces` — the
# rollback target. (Version numbers are those of a fresh tracking store; on a used store they are higher.)

# %% id="cell-16"
version = capstone.register_and_promote(increment, trained, decision,
                                        reason="passes the gate on the January exam and earns more than last sprint's champion")
validation.versions_table(MODEL)

# %% [markdown]
# ### 3f. Deployment: batch scoring (Data Engineer, App Developer)
# The scoring job loads whatever `champion` points at — it never names a version — scores February's batch, checks
# that every score is a probability, and writes the ranked retention list for the CRM (lab 08). The job's facts go to
# the tracking store: which version scored, how many rows, how many customers will be contacted.

# %% id="cell-18"
scored = capstone.score_batch(increment, batch)
scoring = capstone.tracked_runs(increment, "score").iloc[-1]
print(f"champion version {scoring['tags.model.version']} scored {scoring['metrics.rows_scored']:.0f} customers; "
      f"{scoring['metrics.contacted']:.0f} have a score ≥ {scoring['tags.threshold']} and get the offer")
scored.head(5).round(3)

# %% [markdown]
# ### 3g. Monitoring: this sprint's new stories (Data Engineer, Data Scientist)
# S20: the PSI of every input, February's batch against the training data. S21: January's labels have arrived, so
# the team can finally see how last sprint's champion — which scored January — really did. S23: the alert rules of
# lab 09 decide, and the verdict is recorded.

# %% id="cell-20"
report = capstone.monitor(increment, train, batch, exam, last_champion)
print(f"data drift: largest PSI {report.drift['psi'].max():.3f} ({report.drift['feature'].iloc[0]}); "
      f"prediction drift: PSI {report.prediction_psi:.3f}")
print(f"last month's champion on January's outcomes: AUC {report.performance['auc']:.3f} "
      f"(hold-out {report.reference_auc:.3f}), campaign profit €{report.performance['profit']:,.0f}")
print("alerts:", report.alerts or "none — nothing to act on this month")
report.drift.head(5)

# %% [markdown]
# The pipeline ran from raw data to a monitored retention list. Each step left a run or a registry entry behind,
# tagged with the increment's id. Here they are, queried back — this is the raw material for the review and the
# scorecard:

# %% id="cell-22"
evidence = capstone.collect(increment)
steps = evidence.runs[["tags.capstone.step", "tags.mlflow.runName"]].rename(
    columns={"tags.capstone.step": "step", "tags.mlflow.runName": "run"})
print(steps.to_string(index=False))
print(f"\nregistered: {MODEL} version {evidence.version['version']}, aliases {evidence.version['aliases']}, "
      f"gate {evidence.version['gate']}, approved by {evidence.version['approved_by']}")

# %% [markdown]
# ## 4. The daily stand-up and the burndown
#
# While the work was done, the team met for fifteen minutes every morning: what did I do yesterday, what will I do
# today, what blocks me. The sprint's simulated stand-up log (lab 02) and its burndown:

# %% id="cell-24"
standup = sprint6.standup
print(f"{len(standup)} stand-up updates over {scrum.SPRINT_DAYS} days; blockers named:")
print(standup.loc[standup["blocker"] != "", ["day", "persona", "story", "blocker"]].to_string(index=False))
scrum.plot_burndown(sprint6, title="Sprint 6 burndown (labels: stories finished that day)")
plt.show()

# %% [markdown]
# ## 5. Sprint review: what did the sprint deliver?
#
# The review is a demonstration, not a status meeting: the team shows the working increment to the stakeholders and
# the Product Owner decides what counts as done. TelcoNova's rule is strict: a story counts as done only if its
# Definition of Done can be **found in the tracking store**.

# %% id="cell-26"
review = scrum.review(sprint6, goal=sprint6.committed, done_before=done_before)
display(capstone.done_by_evidence(evidence))
pd.Series(review, name="sprint 6 review").to_frame()

# %% [markdown]
# **KPI measurement.** Two kinds of KPI go to management. *Delivery* KPIs say whether the team is predictable:
# **velocity** (the mean of story points done over the last three sprints) and **commitment reliability** (points done
# ÷ points committed over the same sprints). *Model* KPIs say whether the work pays: here the **profit uplift** of the
# new champion over the baseline (no model) on the exam month, as recorded in the tracking store.

# %% id="cell-28"
history = scrum.history(results)
print(history.T.to_string())
runs = capstone.tracked_runs(increment, "train")
runs[["tags.candidate", "metrics.auc", "metrics.profit"]]

# %% [markdown]
# ### Exercise 11.1 — the sprint-review KPIs
# Compute, from the `history` table and the training runs read back from the store (`runs`, above):
# * `velocity`: points done, averaged over the last three sprints (4–6);
# * `commitment_reliability`: total done ÷ total committed over the last three sprints (a share, e.g. 0.75);
# * `profit_uplift`: the champion's exam profit minus the baseline's (euros). Which candidate is the champion? The
#   registered version says (`evidence.version["run_id"]`), or look for the run that won by profit.

# %% mlopslab={"exercise": "11.review_kpis"}
# BEGIN STUB
# review_kpis = {
#     "velocity": ...,
#     "commitment_reliability": ...,
#     "profit_uplift": ...,
# }
# END STUB
# BEGIN SOLUTION
last = history.tail(3)
champion = runs[runs["run_id"] == evidence.version["run_id"]].iloc[0]
baseline = runs[runs["tags.candidate"] == "baseline"].iloc[0]
review_kpis = {
    "velocity": last["done"].mean(),
    "commitment_reliability": last["done"].sum() / last["committed"].sum(),
    "profit_uplift": champion["metrics.profit"] - baseline["metrics.profit"],
}
# END SOLUTION

# %% mlopslab={"check": "11.review_kpis"}
check("11.review_kpis", review_kpis, increment=increment)

# %% mlopslab={"wrong": "11.review_kpis"}
review_kpis = {
    "velocity": history["done"].mean(),
    "commitment_reliability": (history["done"] / history["committed"]).mean(),
    "profit_uplift": runs["metrics.profit"].iloc[1],
}

# %% [markdown]
# The velocity chart with the forecast for sprint 7 (the capacity the next sprint will plan with):

# %% id="cell-33"
scrum.plot_velocity(history, scrum.forecast_capacity(history))
plt.show()

# %% [markdown]
# ## 6. An MLOps maturity scorecard: the ML Test Score
#
# Lab 01 placed teams on a maturity scale by asking them questions. Self-assessment is cheap and flattering. Google's
# **ML Test Score** (Breck et al., *The ML Test Score: A Rubric for ML Production Readiness and Technical Debt
# Reduction*, 2017) asks for 28 concrete tests in four sections — **data**, **model**, **infrastructure** and
# **monitoring**, seven each — and scores each one:
#
# | points | when |
# | --- | --- |
# | 0 | not done, or no evidence that it was |
# | 0.5 | done **by hand**: run once, or judged by a person (a review, an approval, a number someone compared) |
# | 1 | **automated**: a machine check with a recorded verdict, run by the pipeline every time |
#
# A section's score is the **sum** of its seven tests; the **final score is the minimum** over the four sections —
# a team with perfect monitoring and untested data is only as good as its data. Breck et al. read the final score in
# bands: 0 *a research project*; up to 1 *serious holes in reliability possible*; up to 2 *a first pass at
# productionization*; up to 3 *reasonably tested, more could be automated*; up to 5 *strong automated testing and
# monitoring, fit for mission-critical systems*; above 5 *exceptional*.
#
# Here every point must be earned with **evidence the team produced in this lab**, queried back from the tracking
# store and the registry — not with answers to a questionnaire. Below is some of that evidence, as read from the store.

# %% id="cell-35"
contract_run, monitor_run = evidence.step("contract"), evidence.step("monitor")
print("contract run: rules", contract_run["tags.contract.rules"])
print(f"   training data {contract_run['metrics.train.rows_in']:.0f} in -> {contract_run['metrics.train.accepted']:.0f} accepted, "
      f"batch {contract_run['metrics.batch.rows_in']:.0f} in -> {contract_run['metrics.batch.accepted']:.0f} accepted; "
      f"reconciled: {contract_run['tags.train.reconciles']}, {contract_run['tags.batch.reconciles']}")
print("training runs (model type: runs):", runs.groupby("params.model").size().to_dict())
champion_run = runs[runs["run_id"] == evidence.version["run_id"]].iloc[0]
print("champion's run: git commit recorded:", pd.notna(champion_run.get("tags.mlflow.source.git.commit")),
      "| data version recorded:", pd.notna(champion_run.get("tags.data_version")))
print(f"champion's version: gate={evidence.version['gate']}, approved_by={evidence.version['approved_by']}")
print(f"monitor run: online AUC {monitor_run['metrics.online.auc']:.3f}, hold-out AUC {monitor_run['metrics.reference.auc']:.3f}, "
      f"verdict {monitor_run['tags.verdict']}, rules {monitor_run['tags.alert_rules']}")

# %% [markdown]
# ### Exercise 11.2 — judge four tests from the evidence
# Score these four tests 0, 0.5 or 1 from the evidence printed above (and in section 3):
# * **Data 1** — feature expectations are captured in a schema;
# * **Model 1** — model specs are reviewed and submitted (version-controlled, reviewed before release);
# * **Model 3** — all hyperparameters have been tuned;
# * **Monitoring 7** — prediction quality has not regressed (is it measured, against a rule?).

# %% mlopslab={"exercise": "11.judge"}
# BEGIN STUB
# judged = {
#     "Data 1": ...,
#     "Model 1": ...,
#     "Model 3": ...,
#     "Monitoring 7": ...,
# }
# END STUB
# BEGIN SOLUTION
judged = {
    "Data 1": 1,
    "Model 1": 0.5,
    "Model 3": 0,
    "Monitoring 7": 1,
}
# END SOLUTION

# %% mlopslab={"check": "11.judge"}
check("11.judge", judged, increment=increment)

# %% mlopslab={"wrong": "11.judge"}
judged = {
    "Data 1": 1,
    "Model 1": 1,
    "Model 3": 1,
    "Monitoring 7": 1,
}

# %% [markdown]
# Now all 28 tests. `capstone.scorecard` applies one evidence rule per test (written in `mlopslab/capstone.py`, where
# you can read and dispute each one) to what `capstone.collect` read back from the store:

# %% id="cell-40"
card = capstone.scorecard(evidence)
with pd.option_context("display.max_colwidth", 95):
    display(card[["what", "points", "how", "evidence"]])

# %% id="cell-41"
scores = capstone.section_scores(card)
final = capstone.final_score(card)
band, meaning = capstone.level(final)
print(scores.to_string())
print(f"\nML Test Score = min over the sections = {final:g}: {meaning}")
capstone.plot_scorecard(card)
plt.show()

# %% [markdown]
# Read the chart from the right: **data** is the weakest section, so it sets the score, however good the monitoring
# is. The left panel shows why: nobody has checked what each feature contributes (Data 2) or costs (Data 3), and the
# feature code has no unit tests (Data 7). Infrastructure is next: no unit tests of the model pipeline, no canary,
# and the reproducibility and rollback are possible but never tried.
#
# To reach the next band, **every** section must score above the band's limit:

# %% id="cell-43"
target = capstone.next_level_target(final)
needed = target + capstone.MANUAL  # "above 3" with points in halves: at least 3.5
print(f"next band: every section above {target:g}, i.e. at least {needed:g}")
pd.DataFrame({"score": scores, "short by": (needed - scores).clip(lower=0)})

# %% [markdown]
# ## 7. Retrospective: start, stop, continue — and the next sprint
#
# The retrospective looks at *how* the team worked, not at the product. The stand-up log gives the first items; the
# scorecard gives more: the tests that scored 0 or 0.5 are work the team has not done yet.

# %% id="cell-45"
retro = scrum.retrospective(sprint6)
retro["start"] += [f"{test}: {card.loc[test, 'to climb']}" for test in card.index
                   if card.loc[test, "section"] == scores.idxmin() and card.loc[test, "points"] == 0]
retro["continue"].append("recording every step's verdict in the tracking store: the review and the scorecard "
                         "needed nobody's memory")
with pd.option_context("display.max_colwidth", None):
    display(pd.DataFrame([(kind, item) for kind, items in retro.items() for item in items], columns=["", "action"]))

# %% [markdown]
# The Product Owner turns the gaps into stories for the product backlog. Each one lifts one or more tests of the
# scorecard:

# %% id="cell-47"
next_capacity = scrum.forecast_capacity(history)["expected"]
print(f"sprint 7 capacity (forecast): {next_capacity} points")
with pd.option_context("display.max_colwidth", 100):
    display(capstone.improvements_frame())

# %% [markdown]
# ### Exercise 11.3 — plan sprint 7 to climb
# Choose the improvement stories for sprint 7: together at most the capacity above, and raising the **final** ML
# Test Score as far as any plan within that capacity can. Remember: the final score is the minimum over the sections,
# so a story that lifts a strong section changes nothing. `capstone.what_if(card, [...])` shows the scorecard after
# a set of stories, if you want to try plans out.

# %% mlopslab={"exercise": "11.next_sprint"}
# BEGIN STUB
# next_sprint = [...]  # e.g. ["S27", "S31"]
# END STUB
# BEGIN SOLUTION
next_sprint = ["S25", "S26", "S28"]
# END SOLUTION

# %% mlopslab={"check": "11.next_sprint"}
check("11.next_sprint", next_sprint, increment=increment)

# %% mlopslab={"wrong": "11.next_sprint"}
next_sprint = ["S30", "S31", "S32"]

# %% [markdown]
# ## Recap
# * A **sprint** starts from a **sprint goal** and a **sprint backlog** pulled from the ordered product backlog at the
#   team's measured velocity; the **daily stand-up** surfaces blockers; the **sprint review** shows a working, integrated
#   increment; the **retrospective** improves how the team works; **KPIs** (velocity, commitment reliability, profit
#   uplift) make progress visible.
# * The increment ran all six stages through the course package: contract (provisioning) → preparation → tracked
#   training (development) → gate, approval and alias (validation and governance) → batch scoring (deployment) →
#   drift and performance checks (monitoring).
# * Every step left evidence in MLflow. The **ML Test Score** was computed from that evidence: 0.5 for what is done by
#   hand, 1 for what is automated, section = sum, final = **minimum**. The weakest section sets the score, so the next
#   sprint's improvement stories target it.
#
# ### In the real world
# * Breck et al. found that many production ML teams at Google scored low at first; the rubric is most useful as a
#   checklist of next steps, re-scored every quarter — as here, from evidence, not from memory.
# * Teams keep evidence like this in **MLflow**, **Weights & Biases** or a platform's metadata store (Vertex ML
#   Metadata, SageMaker Model Registry, Kubeflow/ML Metadata), and build scorecards on top of it; model risk
#   management in banks (e.g. the US **SR 11-7** guidance) asks for the same trail.
# * Scrum in data-science teams is often adapted: **Kanban** for exploratory work, a Definition of Done that includes
#   tracking and tests, and "spikes" (time-boxed research stories) for questions nobody can estimate yet.
# * Other maturity models — Google's MLOps levels 0–2 and Microsoft's levels 0–4 (lab 01) — describe *where* a team is;
#   the ML Test Score says *which tests* to add next.
#
# **Where each lecture topic is practised:** see the course map, `docs/course_map.md`.
