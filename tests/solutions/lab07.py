"""Reference solutions and known-wrong answers for lab 07 (exercise id -> exercise cell source)."""

SOLUTIONS = {
    "07.feature_effect": '''def feature_effect(model, customer, feature, background):
    own = model.predict_proba(customer)[:, 1][0]
    variants = pd.concat([customer] * len(background), ignore_index=True)
    variants[feature] = background[feature].to_numpy()
    return own - model.predict_proba(variants)[:, 1].mean()
''',
    "07.false_positive_rates": '''stayers = (y_hold == 0).to_numpy()
seniors = X_hold["SeniorCitizen"].to_numpy()
false_positive_rates = {
    0: contacted[stayers & (seniors == 0)].mean(),
    1: contacted[stayers & (seniors == 1)].mean(),
}
''',
    "07.ship_decision": '''champion_decision = validation.gate(model, holdout, strict_policy)
reweighed_decision = validation.gate(reweighed, holdout, strict_policy)
ship_decision = {
    "champion_may_ship": champion_decision.passed,
    "reweighed_may_ship": reweighed_decision.passed,
    "champion_fails": champion_decision.failed,
}
''',
}

WRONG = {
    # the sign reversed: replaced average minus own score
    "07.feature_effect": '''def feature_effect(model, customer, feature, background):
    own = model.predict_proba(customer)[:, 1][0]
    variants = pd.concat([customer] * len(background), ignore_index=True)
    variants[feature] = background[feature].to_numpy()
    return model.predict_proba(variants)[:, 1].mean() - own
''',
    # the recall (churners contacted) instead of the false positive rate
    "07.false_positive_rates": '''churners = (y_hold == 1).to_numpy()
seniors = X_hold["SeniorCitizen"].to_numpy()
false_positive_rates = {
    0: contacted[churners & (seniors == 0)].mean(),
    1: contacted[churners & (seniors == 1)].mean(),
}
''',
    # trusting lab 06's recall-based gate
    "07.ship_decision": '''ship_decision = {
    "champion_may_ship": True,
    "reweighed_may_ship": True,
    "champion_fails": [],
}
''',
}
