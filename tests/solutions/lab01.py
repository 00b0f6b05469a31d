"""Reference solutions and known-wrong answers for lab 01 (exercise id -> exercise cell source)."""

SOLUTIONS = {
    "01.practices": (
        "practices = {\n"
        '    "compare_candidates": "model development",\n'
        '    "psi_check": "monitoring",\n'
        '    "rest_endpoint": "productionalization and deployment",\n'
        '    "monthly_retrain": "iteration and lifecycle",\n'
        '    "approval_record": "governance",\n'
        '    "mask_pii": "Governance",\n'
        '    "score_alert": "monitoring",\n'
        "}\n"
    ),
    "01.audit_needs": 'audit_needs = ["data_version", "parameters", "code_version", "people", "metrics"]\n',
    "01.who_approved": (
        "def who_approved(data_sha256):\n"
        "    runs = mlflow.search_runs(filter_string=f\"tags.data_sha256 = '{data_sha256}'\")\n"
        "    if runs.empty:\n"
        "        return []\n"
        '    return sorted(runs["tags.approved_by"].dropna().unique())\n'
    ),
    "01.team_levels": 'team_levels = {"Atlas": 0, "Borealis": 1, "Cirrus": 2}\n',
}

WRONG = {
    "01.practices": (
        "practices = {\n"
        '    "compare_candidates": "governance",\n'
        '    "psi_check": "deployment",\n'
        '    "rest_endpoint": "monitoring",\n'
        '    "monthly_retrain": "model development",\n'
        '    "approval_record": "lifecycle",\n'
        '    "mask_pii": "monitoring",\n'
        '    "score_alert": "governance",\n'
        "}\n"
    ),
    "01.audit_needs": 'audit_needs = ["screenshot", "hostname", "cell_count"]\n',
    "01.who_approved": (
        "def who_approved(data_sha256):\n"
        '    return ["Data Scientist"]\n'
    ),
    "01.team_levels": 'team_levels = {"Atlas": 1, "Borealis": 2, "Cirrus": 2}\n',
}
