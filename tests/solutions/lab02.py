"""Reference solutions and known-wrong answers for lab 02 (exercise id -> exercise cell source)."""

SOLUTIONS = {
    "02.accountable": (
        "accountable = {\n"
        '    "drift_alert": "Data Engineer",\n'
        '    "payment_data_request": "Data Steward",\n'
        '    "candidate_below_champion": "Data Scientist",\n'
        '    "scoring_encodes_differently": "Data Engineer",\n'
        '    "score_missing_in_crm": "Data Engineer",\n'
        '    "choice_of_model": "Data Scientist",\n'
        "}\n"
    ),
    # value per point instead of WSJF: S03, S08, S06, S07 carry more business value in 15 points
    "02.sprint_plan": (
        'best = scrum.plan_sprint(scrum.BACKLOG, 18, done_after_sprint_1, by="value_per_point")\n'
        "sprint_plan = [s.id for s in best]\n"
    ),
    "02.sprint_kpis": (
        "def sprint_kpis(hist):\n"
        "    last = hist.tail(3)\n"
        '    return {"velocity": last["done"].mean(),\n'
        '            "commitment_reliability": last["done"].sum() / last["committed"].sum()}\n'
    ),
}

WRONG = {
    # the App Developer is responsible for the CRM integration, but not accountable
    "02.accountable": (
        "accountable = {\n"
        '    "drift_alert": "Data Engineer",\n'
        '    "payment_data_request": "Data Engineer",\n'
        '    "candidate_below_champion": "Business Analyst",\n'
        '    "scoring_encodes_differently": "Data Scientist",\n'
        '    "score_missing_in_crm": "App Developer",\n'
        '    "choice_of_model": "Business Analyst",\n'
        "}\n"
    ),
    # S07 needs S06, which is neither done nor planned
    "02.sprint_plan": 'sprint_plan = ["S02", "S07", "S03", "S08"]\n',
    # the mean of per-sprint ratios, over every sprint
    "02.sprint_kpis": (
        "def sprint_kpis(hist):\n"
        '    return {"velocity": hist["done"].mean(),\n'
        '            "commitment_reliability": (hist["done"] / hist["committed"]).mean()}\n'
    ),
}
