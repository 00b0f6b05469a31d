"""Reference solutions and known-wrong answers for lab 11 (exercise id -> exercise cell source)."""

SOLUTIONS = {
    "11.review_kpis": (
        "last = history.tail(3)\n"
        'champion = runs[runs["run_id"] == evidence.version["run_id"]].iloc[0]\n'
        'baseline = runs[runs["tags.candidate"] == "baseline"].iloc[0]\n'
        "review_kpis = {\n"
        '    "velocity": last["done"].mean(),\n'
        '    "commitment_reliability": last["done"].sum() / last["committed"].sum(),\n'
        '    "profit_uplift": champion["metrics.profit"] - baseline["metrics.profit"],\n'
        "}\n"
    ),
    # a schema checked by the pipeline; a person's approval; one run per model type; an automated AUC rule
    "11.judge": (
        "judged = {\n"
        '    "Data 1": 1,\n'
        '    "Model 1": 0.5,\n'
        '    "Model 3": 0,\n'
        '    "Monitoring 7": 1,\n'
        "}\n"
    ),
    # S25 lifts the two weakest sections (Data, Infrastructure); S26 Data again; S28 Infrastructure again
    "11.next_sprint": 'next_sprint = ["S25", "S26", "S28"]\n',
}

WRONG = {
    # every sprint instead of the last three, the mean of ratios, and the other candidate's profit
    "11.review_kpis": (
        "review_kpis = {\n"
        '    "velocity": history["done"].mean(),\n'
        '    "commitment_reliability": (history["done"] / history["committed"]).mean(),\n'
        '    "profit_uplift": runs["metrics.profit"].iloc[1],\n'
        "}\n"
    ),
    # self-reported optimism: everything "done"
    "11.judge": (
        "judged = {\n"
        '    "Data 1": 1,\n'
        '    "Model 1": 1,\n'
        '    "Model 3": 1,\n'
        '    "Monitoring 7": 1,\n'
        "}\n"
    ),
    # polishes the strong sections; the weakest (Data) stays where it is
    "11.next_sprint": 'next_sprint = ["S30", "S31", "S32"]\n',
}
