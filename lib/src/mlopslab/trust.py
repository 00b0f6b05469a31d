"""Trustworthy AI (lab 07): explanations, the label audit, the mitigated model, and the model's fact sheet.

Explanations work on the raw input columns (``data.FEATURES``), so they speak the business's language:
*Contract*, *tenure*, *MonthlyCharges* — not one-hot columns. Every function takes a fitted pipeline
(anything with ``predict_proba`` on a frame of FEATURES columns).

The **mitigated model** (:func:`fit_mitigated` on lab 05's candidate family, ``registry.REFERENCE_FAMILY``: the
logistic regression) is the champion that labs 08–11 serve: the same model, trained with reweighing over
SeniorCitizen × gender (Kamiran & Calders), in a pipeline that does not use SeniorCitizen or gender as inputs
(:func:`without_protected`). Its input schema still lists every FEATURES column, so the apps and the scoring service
send the same customer record as before; no score depends on the two columns.
"""

from __future__ import annotations

import functools
from dataclasses import replace

import numpy as np
import pandas as pd

from .config import SEED
from .data import CATEGORIES, FEATURES, Bias, DataConfig, make_customers, term
from .policy import GATE
from .schema import require_columns
from .scoring import churn_scores, one_thread
from .validation import markdown_table

SENSITIVE = list(GATE.sensitive_features)
"""The protected attributes the fairness review looks at: the governed gate's (``policy.GATE.sensitive_features``)."""
AUDITED_MONTHS = ("2025-10", "2025-11", "2025-12")
"""The months the label audit covers: the billing system records account closures from October 2025 on."""


scores = churn_scores
"""Churn probabilities of a fitted pipeline: :func:`mlopslab.scoring.churn_scores`, under this lab's name."""


def audited_outcomes() -> pd.DataFrame:
    """The customers of the audited months (:data:`AUDITED_MONTHS`) with the *audited* churn outcome.

    The Data Steward's audit reconciled every recorded churn of October–December 2025 (the months the billing system
    has account closures for) with those closures. In this course that is the same generator with the injected
    label bias switched off (see data/README.md): the same customers, rows and order as the hold-out months of
    ``preparation.time_split(data.load_customers(), 3)``, with only ``Churn`` corrected. The generator runs with the
    config of the data in data/ (``data.term()``), so a new term's audit describes the new term's customers.
    """
    return _audited(term()).copy()


@functools.lru_cache(maxsize=2)
def _audited(config: DataConfig) -> pd.DataFrame:
    """:func:`audited_outcomes` of the data generated with ``config``, once per process (0.1-0.2 s each time; lab
    11's gate data asks for it in every check). Callers get a copy."""
    clean = make_customers(replace(config, bias=Bias(senior_false_churn=0.0, female_false_churn=0.0)))
    return clean[clean["month"].isin(AUDITED_MONTHS)].reset_index(drop=True)


# --- global explanations ------------------------------------------------------------------------------------------

def sample_rows(X: pd.DataFrame, y: pd.Series | None = None, n: int = 400, seed: int = SEED):
    """A reproducible sample of ``n`` rows (all rows if fewer): keeps explanations cheap."""
    picked = X.sample(min(n, len(X)), random_state=seed)
    return picked if y is None else (picked, y.loc[picked.index])


# --- local explanations ---------------------------------------------------------------------------------------------

def comparable_customers(X: pd.DataFrame, customer: pd.Series | pd.DataFrame, n: int = 200,
                         seed: int = SEED) -> pd.DataFrame:
    """A sample of customers who, like ``customer``, do or do not have internet and phone service.

    Used as the background of :func:`feature_effects`, so that replacing an add-on never creates an impossible
    customer (online security without internet).
    """
    row = customer_frame(customer).iloc[0]
    same = ((X["InternetService"] != "No") == (row["InternetService"] != "No")) & (X["PhoneService"] == row["PhoneService"])
    if not same.any():
        raise ValueError("no comparable customers in the background data (same internet and phone status)")
    return sample_rows(X.loc[same, FEATURES], n=n, seed=seed)


def feature_effects(model, customer: pd.Series | pd.DataFrame, background: pd.DataFrame, n_background: int = 200,
                    seed: int = SEED) -> pd.DataFrame:
    """How much each input moves one customer's churn score.

    The effect of a feature is the customer's score minus their average score when that one feature is replaced
    by the values of other (background) customers: positive means the customer's own value raises the risk.
    Effects are not additive (features interact); they answer "what if this were typical?" one feature at a time.
    """
    row = customer_frame(customer)
    base = sample_rows(background[FEATURES], n=n_background, seed=seed)
    own = float(scores(model, row)[0])
    variants = []
    for feature in FEATURES:
        variant = pd.concat([row] * len(base), ignore_index=True)
        variant[feature] = base[feature].to_numpy()
        variants.append(variant)
    replaced = scores(model, pd.concat(variants, ignore_index=True)).reshape(len(FEATURES), len(base)).mean(axis=1)
    table = pd.DataFrame({"feature": FEATURES, "value": [row.iloc[0][f] for f in FEATURES], "effect": own - replaced})
    order = table["effect"].abs().sort_values(ascending=False).index
    return table.loc[order].reset_index(drop=True).round({"effect": 4})


def customer_frame(customer: pd.Series | pd.DataFrame) -> pd.DataFrame:
    """One customer as a one-row frame of the FEATURES columns (numbers as floats), from a row or a frame."""
    row = customer.to_frame().T if isinstance(customer, pd.Series) else customer
    if len(row) != 1:
        raise ValueError(f"explain one customer at a time: got {len(row)} rows")
    require_columns(row, FEATURES, "the customer")
    return row[FEATURES].reset_index(drop=True).astype({c: float for c in ("tenure", "MonthlyCharges", "TotalCharges")})


def _describe(feature: str, value) -> str:
    if feature == "SeniorCitizen":
        return "being a senior citizen" if int(value) == 1 else "not being a senior citizen"
    if feature == "tenure":
        return f"a tenure of {int(value)} months"
    if feature in ("MonthlyCharges", "TotalCharges"):
        label = "monthly charges" if feature == "MonthlyCharges" else "total charges to date"
        return f"{label} of €{float(value):,.2f}"
    if feature == "gender":
        return f"being {str(value).lower()}"
    return f"{feature} = {value}"


def reasons_in_words(effects: pd.DataFrame, score: float, top: int = 3, min_effect: float = 0.01) -> list[str]:
    """The largest effects as sentences a retention agent can read."""
    lines = [f"Churn score {score:.0%}. The main reasons, compared with typical customers:"]
    for _, r in effects.head(top).iterrows():
        if abs(r["effect"]) < min_effect:
            break
        direction = "raises" if r["effect"] > 0 else "lowers"
        lines.append(f"- {_describe(r['feature'], r['value'])} {direction} the risk by {abs(r['effect']) * 100:.0f} "
                     "percentage points")
    return lines


def what_if(model, customer: pd.Series | pd.DataFrame, Contract: str | None = None,
            MonthlyCharges: float | None = None) -> float:
    """The customer's churn score with another contract and/or other monthly charges.

    Defaults (``None``) keep the customer's own values. New monthly charges are an offer from now on: TotalCharges,
    what the customer has paid so far, stays as it is.
    """
    row = customer_frame(customer).copy()
    if Contract is not None:
        if Contract not in CATEGORIES["Contract"]:
            raise ValueError(f"Contract must be one of {CATEGORIES['Contract']}, got {Contract!r}")
        row["Contract"] = Contract
    if MonthlyCharges is not None:
        if not 0 < MonthlyCharges < 500:
            raise ValueError(f"MonthlyCharges must be between 0 and 500 euros, got {MonthlyCharges}")
        row["MonthlyCharges"] = float(MonthlyCharges)
    return float(scores(model, row)[0])


def what_if_widget(model, customer: pd.Series | pd.DataFrame):
    """An ipywidgets control (contract; change of the monthly bill) showing the score move; calls :func:`what_if`.

    The result is a label updated on every change (no printed output), so headless runs stay quiet.
    """
    import ipywidgets as widgets

    row = customer_frame(customer)
    before = what_if(model, row)
    contract = widgets.Dropdown(options=CATEGORIES["Contract"], value=row.loc[0, "Contract"], description="Contract")
    change = widgets.FloatSlider(value=0.0, min=-40.0, max=40.0, step=5.0, description="€ / month ±")
    result = widgets.Label()

    def update(_=None) -> None:
        charges = float(row.loc[0, "MonthlyCharges"]) + change.value
        after = what_if(model, row, Contract=contract.value, MonthlyCharges=charges)
        result.value = (f"{contract.value}, €{charges:.2f} a month: churn score {after:.1%} "
                        f"(now {before:.1%}, {100 * (after - before):+.1f} points)")

    contract.observe(update, names="value")
    change.observe(update, names="value")
    update()
    return widgets.VBox([contract, change, result])


# --- group fairness and the mitigated model ---------------------------------------------------------------------------

def fairness_summary(y, contacted, X: pd.DataFrame, sensitive: list[str] = SENSITIVE) -> pd.DataFrame:
    """Demographic parity and equalized odds differences (fairlearn) for each sensitive feature."""
    from fairlearn.metrics import demographic_parity_difference, equalized_odds_difference

    y, contacted = np.asarray(y, dtype=int), np.asarray(contacted, dtype=int)
    rows = {s: {"demographic_parity_difference": demographic_parity_difference(y, contacted, sensitive_features=X[s]),
                "equalized_odds_difference": equalized_odds_difference(y, contacted, sensitive_features=X[s])}
            for s in sensitive}
    return pd.DataFrame(rows).T.astype(float).round(3)


def _reweighing_weights(groups: pd.Series, y: pd.Series) -> np.ndarray:
    """Kamiran & Calders reweighing: weight P(group)·P(label) / P(group, label), so label and group look independent.

    Private: lab 07's students write it (exercise 07.reweighing); the package needs it for :func:`fit_mitigated`.
    """
    frame = pd.DataFrame({"g": np.asarray(groups), "y": np.asarray(y, dtype=int)})
    if frame.isna().any().any():
        raise ValueError("reweighing needs a group and a label for every row (found missing values)")
    p_group = frame["g"].map(frame["g"].value_counts(normalize=True))
    p_label = frame["y"].map(frame["y"].value_counts(normalize=True))
    p_joint = frame.groupby(["g", "y"])["y"].transform("size") / len(frame)
    return (p_group * p_label / p_joint).to_numpy()


def intersection(X: pd.DataFrame, sensitive: list[str] = SENSITIVE) -> pd.Series:
    """One group label per customer combining the sensitive features, e.g. 'senior=1, gender=Female'."""
    names = {"SeniorCitizen": "senior"}
    parts = [f"{names.get(k, k)}=" + X[k].astype(str) for k in sensitive]  # column-wise: no Python loop per row
    return parts[0].str.cat(parts[1:], sep=", ").rename(None)


def without_protected(model, protected: list[str] = SENSITIVE):
    """``make_pipeline(model)`` whose encoder leaves out the ``protected`` columns: the pipeline still accepts every
    FEATURES column (the same input schema for apps and the service), but no score depends on the protected ones."""
    from sklearn.pipeline import Pipeline

    from . import preparation

    prep = preparation.build_preprocessor([c for c in preparation.NUMERIC if c not in protected],
                                          [c for c in preparation.CATEGORICAL if c not in protected])
    return Pipeline([("prep", prep), ("model", model)])


def fit_mitigated(train: pd.DataFrame, model=None, sensitive: list[str] = SENSITIVE):
    """The mitigated model: reweighing over the intersection of ``sensitive`` (in training only) and a pipeline
    that does not take them as inputs (:func:`without_protected`).

    ``model`` is the unfitted estimator; without one it is the course's reference candidate, the family lab 05's
    decision rule picks (``registry.reference_estimator()``): the champion's recipe, which labs 10 and 11 retrain."""
    from .preparation import split_xy
    from .registry import reference_estimator

    X, y = split_xy(train)
    weights = _reweighing_weights(intersection(X, sensitive), y)
    estimator = reference_estimator() if model is None else model
    with one_thread():
        return without_protected(estimator, sensitive).fit(X, y, model__sample_weight=weights)


# --- the fact sheet ---------------------------------------------------------------------------------------------------

FACT_SHEET_SECTIONS = ("Purpose", "Lineage", "Performance", "Explanations", "Fairness", "Mitigation", "Review decision")
"""The sections of the model's fact sheet (after IBM's AI FactSheets, Arnold et al., 2019)."""


def fact_sheet(facts: dict[str, str | pd.DataFrame | dict], title: str = "Churn retention model") -> str:
    """A markdown fact sheet; ``facts`` maps each of :data:`FACT_SHEET_SECTIONS` to text, a dict or a table."""
    missing = [s for s in FACT_SHEET_SECTIONS if s not in facts]
    if missing:
        raise ValueError(f"the fact sheet is missing the section(s) {missing}")
    parts = [f"# AI fact sheet: {title}"]
    for section in FACT_SHEET_SECTIONS:
        parts.append(f"## {section}\n\n{_as_markdown(facts[section])}")
    return "\n\n".join(parts) + "\n"


def _as_markdown(value) -> str:
    if isinstance(value, pd.DataFrame):
        return markdown_table(value)
    if isinstance(value, dict):
        return "\n".join(f"- **{k}**: {v}" for k, v in value.items())
    return str(value).strip()

