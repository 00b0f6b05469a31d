"""Explanations, fairness, reweighing and the fact sheet (lab 07)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from mlopslab import data, development, preparation, trust
from mlopslab.data import FEATURES


class ContractModel:
    """A toy model whose score depends on the contract only (and a little on monthly charges)."""

    def predict_proba(self, X: pd.DataFrame) -> np.ndarray:
        p = np.where(X["Contract"] == "Month-to-month", 0.6, 0.1) + 0.001 * (X["MonthlyCharges"].astype(float) - 70)
        return np.column_stack([1 - p, p])


@pytest.fixture(scope="module")
def customers() -> pd.DataFrame:
    return data.load_customers()


def test_audited_outcomes_only_remove_false_churn(customers) -> None:
    audited = trust.audited_outcomes()
    _, holdout = preparation.time_split(customers, test_months=len(trust.AUDITED_MONTHS))
    assert sorted(audited["month"].unique()) == list(trust.AUDITED_MONTHS)
    assert audited.drop(columns="Churn").equals(holdout.drop(columns="Churn"))
    changed = audited["Churn"] != holdout["Churn"]
    assert changed.any() and (holdout.loc[changed, "Churn"] == "Yes").all()
    seniors = audited["SeniorCitizen"] == 1
    assert abs((audited.loc[seniors, "Churn"] == "Yes").mean() - (audited.loc[~seniors, "Churn"] == "Yes").mean()) < 0.03


def test_audited_outcomes_are_a_new_frame_each_time() -> None:
    """They are generated once per process; a caller that changes its frame changes nobody else's."""
    first = trust.audited_outcomes()
    first["Churn"] = "No"
    assert (trust.audited_outcomes()["Churn"] == "Yes").any()


def test_feature_effects_find_the_only_input_that_matters(customers) -> None:
    customer = customers[customers["Contract"] == "Month-to-month"].head(1)
    effects = trust.feature_effects(ContractModel(), customer, customers.head(300))
    assert effects.loc[0, "feature"] == "Contract" and effects.loc[0, "effect"] > 0.2
    others = effects.set_index("feature").drop(index=["Contract", "MonthlyCharges"])["effect"]
    assert (others.abs() < 1e-12).all()
    words = trust.reasons_in_words(effects, 0.6, top=2)
    assert "Contract = Month-to-month raises the risk" in words[1]


def test_what_if_and_its_errors(customers) -> None:
    customer = customers[customers["Contract"] == "Month-to-month"].head(1)
    model = ContractModel()
    assert trust.what_if(model, customer) == pytest.approx(model.predict_proba(customer)[0, 1])
    assert trust.what_if(model, customer, Contract="Two year") < trust.what_if(model, customer)
    assert trust.what_if(model, customer, MonthlyCharges=60.0) < trust.what_if(model, customer, MonthlyCharges=70.0)
    with pytest.raises(ValueError, match="Contract must be one of"):
        trust.what_if(model, customer, Contract="Monthly")
    with pytest.raises(ValueError, match="one customer at a time"):
        trust.what_if(model, customers.head(2))
    with pytest.raises(KeyError, match="tenure"):
        trust.what_if(model, customer.drop(columns="tenure"))


def test_what_if_keeps_what_was_paid(customers) -> None:
    """A new price applies from now on: TotalCharges, the charges already paid, stays the customer's own."""
    seen = []

    class Recorder(ContractModel):
        def predict_proba(self, X: pd.DataFrame) -> np.ndarray:
            seen.append(X.copy())
            return super().predict_proba(X)

    customer = customers[customers["tenure"] > 12].head(1)
    trust.what_if(Recorder(), customer, MonthlyCharges=float(customer["MonthlyCharges"].iloc[0]) - 10)
    assert seen[0]["TotalCharges"].iloc[0] == pytest.approx(float(customer["TotalCharges"].iloc[0]))
    assert seen[0]["MonthlyCharges"].iloc[0] == pytest.approx(float(customer["MonthlyCharges"].iloc[0]) - 10)


def test_comparable_customers_share_internet_and_phone_status(customers) -> None:
    customer = customers[customers["InternetService"] == "No"].head(1)
    background = trust.comparable_customers(customers, customer, n=50)
    assert len(background) == 50 and (background["InternetService"] == "No").all()
    assert list(background.columns) == FEATURES


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["a", "b", "c"]), st.booleans()), min_size=4, max_size=60))
def test_reweighing_makes_label_independent_of_group(rows) -> None:
    # every group has churners and stayers by construction (an `assume` on random lists rejected so many examples
    # that hypothesis's filter health check failed now and then)
    rows = rows + [(g, label) for g in sorted({g for g, _ in rows}) for label in (True, False)]
    groups = pd.Series([g for g, _ in rows])
    y = pd.Series([int(label) for _, label in rows])
    w = trust._reweighing_weights(groups, y)
    assert w.sum() == pytest.approx(len(rows))
    weighted_rate = (w * y).groupby(groups).sum() / pd.Series(w).groupby(groups).sum()
    assert np.allclose(weighted_rate, y.mean())


def test_fairness_summary_matches_hand_computation() -> None:
    X = pd.DataFrame({"SeniorCitizen": [0, 0, 0, 0, 1, 1, 1, 1], "gender": ["Female", "Male"] * 4})
    y = np.array([1, 0, 1, 0, 1, 0, 1, 0])
    contacted = np.array([1, 0, 0, 0, 1, 1, 1, 1])
    summary = trust.fairness_summary(y, contacted, X)
    assert summary.loc["SeniorCitizen", "demographic_parity_difference"] == pytest.approx(0.75)  # 1/4 vs 4/4
    assert summary.loc["SeniorCitizen", "equalized_odds_difference"] == pytest.approx(1.0)       # FPR 0 vs 1


def test_the_mitigated_model_takes_no_protected_input_and_passes_the_gate() -> None:
    """The champion's recipe (lab 05's candidate, reweighed, without protected inputs) passes the governed gate where
    the same candidate without mitigation fails it on fairness (the story of labs 06 and 07)."""
    from mlopslab import policy, registry, validation

    train, holdout = registry.reference_split()

    def mitigated(frame):
        return trust.fit_mitigated(frame, registry.reference_estimator())

    def plain(frame):
        return development.fit_candidate(registry.reference_estimator(), frame)

    model = mitigated(train)
    X = holdout[FEATURES]
    flipped = X.assign(SeniorCitizen=1 - X["SeniorCitizen"],
                       gender=np.where(X["gender"] == "Male", "Female", "Male"))
    assert np.array_equal(trust.scores(model, X), trust.scores(model, flipped))
    verdicts = {}
    for name, fit in (("mitigated", mitigated), ("plain", plain)):
        validated = validation.out_of_time_scores(fit, train)
        threshold, _ = development.best_threshold(validated["y"], validated["score"])
        verdicts[name] = validation.gate(fit(train), holdout, policy.GATE, threshold)
    assert verdicts["mitigated"].passed
    assert verdicts["plain"].failed == ["fairness"]


def test_fact_sheet_needs_every_section() -> None:
    facts = {s: f"about {s}" for s in trust.FACT_SHEET_SECTIONS}
    facts["Fairness"] = pd.DataFrame({"gap": [0.1]}, index=["SeniorCitizen"])
    sheet = trust.fact_sheet(facts)
    assert "| SeniorCitizen | 0.100 |" in sheet and "## Review decision" in sheet
    with pytest.raises(ValueError, match="Lineage"):
        trust.fact_sheet({k: v for k, v in facts.items() if k != "Lineage"})
