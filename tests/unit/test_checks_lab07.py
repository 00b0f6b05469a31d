"""Lab 07's checks on honest answers that differ from the reference solution (rounded to a sensible number of
decimals, groups given readable names), and on near misses whose feedback must say what is wrong."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from fairlearn.metrics import MetricFrame, equal_opportunity_difference, false_positive_rate, selection_rate, true_positive_rate
from lab_examples import lab07_customer
from mlopslab import preparation, registry, trust
from mlopslab.checks import lab07  # noqa: F401 -- registers the checks
from mlopslab.exercises import evaluate


@pytest.fixture(scope="module")
def review():
    """Lab 07's candidate, its example customer with the background, and the campaign on the hold-out months."""
    model, train, holdout = registry.train_reference_model()
    X_train, _ = preparation.split_xy(train)
    customer = trust.customer_frame(lab07_customer(holdout))
    y, _, seniors, contacted = lab07._candidate_campaign()
    return {"model": model, "customer": customer, "background": trust.comparable_customers(X_train, customer, n=200),
            "y": y, "seniors": seniors, "contacted": contacted}


def effect_rounded(decimals):
    def feature_effect(model, customer, feature, background):
        own = model.predict_proba(customer)[0, 1]
        rows = customer.iloc[[0] * len(background)].assign(**{feature: background[feature].to_numpy()})
        return round(float(own - model.predict_proba(rows)[:, 1].mean()), decimals)
    return feature_effect


def test_an_effect_rounded_to_four_decimals_is_right(review) -> None:
    context = {k: review[k] for k in ("model", "customer", "background")}
    assert evaluate("07.feature_effect", effect_rounded(4), **context).status == "correct"
    result = evaluate("07.feature_effect", effect_rounded(2), **context)
    assert result.status == "wrong" and "keep at least four decimals" in result.message


def test_group_metrics_with_readable_group_names(review) -> None:
    metrics = {"selection_rate": selection_rate, "recall": true_positive_rate, "false_positive_rate": false_positive_rate}
    readable = review["seniors"].map({0: "not senior", 1: "senior"})
    frame = MetricFrame(metrics=metrics, y_true=review["y"], y_pred=review["contacted"], sensitive_features=readable)
    assert evaluate("07.group_metrics", frame).status == "correct"
    other = pd.Series(np.where(np.arange(len(readable)) % 2, "a", "b"))  # two groups, but not SeniorCitizen's
    frame = MetricFrame(metrics=metrics, y_true=review["y"], y_pred=review["contacted"], sensitive_features=other)
    assert evaluate("07.group_metrics", frame).status == "wrong"


def weights_rounded(groups, y):
    joint = pd.crosstab(np.asarray(groups), np.asarray(y), normalize=True)
    weights = [joint.sum(axis=1)[g] * joint.sum(axis=0)[label] / joint.loc[g, label] for g, label in zip(groups, y)]
    return pd.Series(weights, index=groups.index).round(6)


def weights_too_coarse(groups, y):
    return weights_rounded(groups, y).round(2)


def weights_sorted(groups, y):
    return np.sort(weights_rounded(groups, y).to_numpy())


def test_reweighing_weights_rounded_to_six_decimals_are_right() -> None:
    assert evaluate("07.reweighing", weights_rounded).status == "correct"
    result = evaluate("07.reweighing", weights_too_coarse)
    assert result.status == "wrong" and "rounded too coarsely" in result.message
    result = evaluate("07.reweighing", weights_sorted)
    assert result.status == "wrong" and "not in the rows' order" in result.message


def test_a_recall_gap_rounded_to_three_decimals_is_right() -> None:
    def recall_gap(outcomes, decisions, groups):
        return round(equal_opportunity_difference(outcomes, decisions, sensitive_features=groups), 3)

    model, _, holdout = registry.train_reference_model()
    mitigated_threshold = 0.3   # any model and threshold: the check recomputes the gaps it expects from them
    X, _ = preparation.split_xy(holdout)
    y, audited, seniors, contacted = lab07._candidate_campaign()
    mitigated_contacted = (trust.scores(model, X) >= mitigated_threshold).astype(int)
    gaps = {"candidate": {"recorded": recall_gap(y, contacted, seniors), "audited": recall_gap(audited, contacted, seniors)},
            "mitigated": {"recorded": recall_gap(y, mitigated_contacted, seniors),
                          "audited": recall_gap(audited, mitigated_contacted, seniors)}}
    result = evaluate("07.recall_gaps", gaps, recall_gap=recall_gap, mitigated=model,
                      mitigated_threshold=mitigated_threshold)
    assert result.status == "correct", result.message
