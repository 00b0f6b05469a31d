"""Reference solutions and known-wrong answers for lab 10 (exercise id -> exercise cell source)."""

SOLUTIONS = {
    "10.promotion_policy": '''def promote(challenger, champion):
    earns_more = challenger["profit"] > champion["profit"]
    ranks_well_enough = challenger["auc"] >= champion["auc"] - 0.02
    return earns_more and ranks_well_enough
''',
    "10.lineage": '''november = {
    "promoted_in": "2026-10",
    "trained_on": "2026-06..2026-08",
    "gate_month": "2026-09",
}
''',
    "10.rollback": '''client = registry.client()
current = client.get_model_version_by_alias(MODEL, "champion")
rolled_back_to = current.tags["replaces"]
client.set_registered_model_alias(MODEL, "champion", rolled_back_to)
''',
}

WRONG = {
    # promotes on profit alone: lets a challenger through that ranks much worse
    "10.promotion_policy": '''def promote(challenger, champion):
    return challenger["profit"] > champion["profit"]
''',
    # the month a challenger was trained, not the one that passed
    "10.lineage": '''november = {
    "promoted_in": "2026-11",
    "trained_on": "2026-07..2026-09",
    "gate_month": "2026-10",
}
''',
    # rolls back to the very first version, discarding the good retrained models
    "10.rollback": '''client = registry.client()
rolled_back_to = "1"
client.set_registered_model_alias(MODEL, "champion", rolled_back_to)
''',
}
