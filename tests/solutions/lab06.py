"""Reference solutions and known-wrong answers for lab 06 (exercise id -> exercise cell source)."""

SOLUTIONS = {
    "06.gate_decision": '''def gate_decision(evidence, policy):
    failed = []
    if evidence.auc < policy.min_auc:
        failed.append("auc")
    if evidence.uplift_per_customer < policy.min_uplift_per_customer:
        failed.append("uplift")
    if evidence.fairness_gap > policy.max_fairness_gap:
        failed.append("fairness")
    return not failed, failed
''',
    "06.intended_use": '''intended_use = {
    "in_scope": [1, 3, 5],
    "out_of_scope": [2, 4, 6, 7],
}
''',
    "06.audit_answer": '''client = registry.client()
mv = client.get_model_version_by_alias("churn", "challenger")
audit_answer = {
    "version": mv.version,
    "gate": mv.tags["gate"],
    "failed_rules": [rule for rule in ("auc", "uplift", "fairness") if f"FAIL [{rule}]" in mv.tags["gate.reasons"]],
}
''',
}

WRONG = {
    # strict comparisons everywhere: a value exactly at a limit wrongly fails
    "06.gate_decision": '''def gate_decision(evidence, policy):
    failed = []
    if not evidence.auc > policy.min_auc:
        failed.append("auc")
    if not evidence.uplift_per_customer > policy.min_uplift_per_customer:
        failed.append("uplift")
    if not evidence.fairness_gap < policy.max_fairness_gap:
        failed.append("fairness")
    return not failed, failed
''',
    "06.intended_use": '''intended_use = {
    "in_scope": [1, 2, 3, 4, 5],
    "out_of_scope": [6, 7],
}
''',
    # the champion instead of the challenger
    "06.audit_answer": '''client = registry.client()
mv = client.get_model_version_by_alias("churn", "champion")
audit_answer = {"version": mv.version, "gate": mv.tags["gate"], "failed_rules": []}
''',
}
