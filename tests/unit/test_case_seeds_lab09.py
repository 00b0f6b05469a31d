"""Lab 09's batches of the check's own (09.psi, 09.drift_alerts) are drawn from ``_guards.case_seed``: another year's
drift (when prices rise and by how much, when the competitor comes and how many sign-ups it brings, which feature and
months the case shows), not one fixed year in the check's source. On every draw an honest answer is right, each
declared wrong idea stays below full points, and a lookup of the old fixed year fails."""

from __future__ import annotations

from functools import partial

import draws
import numpy as np
import pandas as pd
import pytest
from mlopslab import data, monitoring, registry
from mlopslab.checks import _guards, lab09
from mlopslab.exercises import evaluate
from mlopslab.policy import ALERTS

SEEDS = range(100, 124)
OLD_DRIFT = data.Drift(price_rise=0.25, price_rise_month=3, competitor_month=4, new_customer_shift=0.5)
"""The year the checks used before, fixed in their source: what a lookup table would be typed in from."""
OLD_MONTHS = ["2026-02", "2026-05", "2026-09"]
scores = partial(draws.scores, seeds=SEEDS)


@pytest.fixture(scope="module")
def old_year() -> dict[str, pd.DataFrame]:
    return monitoring.production_year(OLD_DRIFT, batch_size=450)[0]


@pytest.fixture(scope="module")
def lab_batches() -> dict[str, pd.DataFrame]:
    return {m: data.load_batch(m) for m in data.PRODUCTION_MONTHS}


def test_the_draws_replay_and_differ() -> None:
    """(What a draw costs is measured, not asserted: a test never asserts a wall-clock time.)"""
    lab09._unseen_drift(0)  # the reference and the customers, cached
    first, again, other = lab09._psi_drawn(5), lab09._psi_drawn(5), lab09._psi_drawn(6)
    assert first[:2] == again[:2] and first[2].equals(again[2]) and not first[2].equals(other[2])
    batches, features = lab09._unseen_drift(5)
    same, _ = lab09._unseen_drift(5)
    assert all(batches[m].equals(same[m]) for m in batches) and len(batches) == 3 and len(features) == 4


# --- 09.psi ---------------------------------------------------------------------------------------------------

def psi_table(reference, current):
    edges = np.quantile(reference, np.linspace(0, 1, 11))
    edges[0], edges[-1] = -np.inf, np.inf
    shares = pd.DataFrame({"reference": np.histogram(reference, edges)[0] / len(reference),
                           "current": np.histogram(current, edges)[0] / len(current)})
    ref, cur = shares["reference"].clip(lower=monitoring.EPSILON), shares["current"].clip(lower=monitoring.EPSILON)
    return shares.assign(term=(cur - ref) * np.log(cur / ref))


def psi_table_closed_edges(reference, current):
    edges = np.quantile(reference, np.linspace(0, 1, 11))
    shares = pd.DataFrame({"reference": np.histogram(reference, edges)[0] / len(reference),
                           "current": np.histogram(current, edges)[0] / len(current)})
    ref, cur = shares["reference"].clip(lower=monitoring.EPSILON), shares["current"].clip(lower=monitoring.EPSILON)
    return shares.assign(term=(cur - ref) * np.log(cur / ref))


def psi_table_counts(reference, current):
    edges = np.quantile(reference, np.linspace(0, 1, 11))
    edges[0], edges[-1] = -np.inf, np.inf
    shares = pd.DataFrame({"reference": np.histogram(reference, edges)[0] + 1, "current": np.histogram(current, edges)[0] + 1})
    return shares.assign(term=(shares["current"] - shares["reference"]) * np.log(shares["current"] / shares["reference"]))


def test_psi_the_drawn_case_lies_partly_beyond_the_reference() -> None:
    """So closed outer bins give another table on the drawn case itself, whatever the lab's months hold."""
    reference = lab09._reference()
    for seed in SEEDS:
        feature, month, current = lab09._psi_drawn(seed)
        assert feature in ("MonthlyCharges", "TotalCharges") and month in data.PRODUCTION_MONTHS
        assert (current > reference[feature].max()).any()
        assert not np.allclose(psi_table(reference[feature], current)["current"],
                               psi_table_closed_edges(reference[feature], current)["current"])


def test_psi_right_on_every_draw_and_the_wrong_ideas_are_not() -> None:
    assert scores("09.psi", psi_table) == [1.0] * len(SEEDS)
    assert scores("09.psi", lambda r, c: psi_table(r, c).round(3), seeds=SEEDS[:8]) == [1.0] * 8
    for wrong in (psi_table_closed_edges, psi_table_counts):
        assert max(scores("09.psi", wrong)) < 1, wrong.__name__


def test_psi_a_lookup_of_the_old_year_fails_on_every_draw(old_year, lab_batches, monkeypatch) -> None:
    """The tables of every lab month and of the old year's batch, made at cell time and looked up by the sample the
    check passes; any other sample gets flat shares. Full points on the old fixed case, none on a drawn one."""
    reference = lab09._reference()
    seen = {(f, round(float(b[f].sum()), 2)): psi_table(reference[f], b[f])
            for b in [*lab_batches.values(), old_year["2026-05"]] for f in monitoring.KEY_FEATURES}

    def looked_up(reference, current):
        flat = pd.DataFrame({"reference": [0.1] * 10, "current": [0.1] * 10, "term": [0.0] * 10})
        return seen.get((current.name, round(float(current.sum()), 2)), flat)

    assert scores("09.psi", looked_up) == [0.0] * len(SEEDS)
    monkeypatch.setattr(lab09, "_psi_drawn", lambda seed: ("TotalCharges", "2026-05", old_year["2026-05"]["TotalCharges"]))
    assert evaluate("09.psi", looked_up).score == 1.0  # the check before: the old year's batch, fixed


# --- 09.drift_alerts ------------------------------------------------------------------------------------------

def drift_alerts(reference, batches, features, rules, digits=None):
    found = []
    for month, batch in batches.items():
        for feature in features:
            value = monitoring.psi(reference[feature], batch[feature])
            value = value if digits is None else round(value, digits)
            if value >= rules.psi_warn:
                found.append((month, feature, value, "alert" if value >= rules.psi_alert else "warn"))
    return pd.DataFrame(found, columns=["month", "feature", "psi", "level"])


def drift_alerts_only_alerts(reference, batches, features, rules):
    table = drift_alerts(reference, batches, features, rules)
    return table[table["psi"] > 0.25]


def drift_alerts_with_ok(reference, batches, features, rules):
    rows = [(m, f, monitoring.psi(reference[f], b[f])) for m, b in batches.items() for f in features]
    return pd.DataFrame([(m, f, v, "alert" if v >= rules.psi_alert else "warn" if v >= rules.psi_warn else "ok")
                         for m, f, v in rows], columns=["month", "feature", "psi", "level"])  # the quiet ones too


def test_drift_the_drawn_case_keeps_what_it_tests() -> None:
    """A month alerts, a month is quiet, something only warns; no PSI within 0.002 of a line; the lab's month names."""
    reference = lab09._reference()
    for seed in SEEDS:
        batches, features = lab09._unseen_drift(seed)
        rows = lab09._drift_rows(reference, batches, features, ALERTS)
        assert set(batches) <= set(data.PRODUCTION_MONTHS) and features[:3] == monitoring.KEY_FEATURES
        by_month = rows.groupby("month")["level"].agg(set)
        assert {"ok"} in list(by_month) and any("alert" in levels for levels in by_month)
        assert (rows["level"] == "warn").any()
        assert np.abs(rows["psi"].to_numpy()[:, None] - [ALERTS.psi_warn, ALERTS.psi_alert]).min() >= 0.002
        quick = [lab09._quick_psi(f, batches[m][f]) for m, f in zip(rows["month"], rows["feature"])]
        assert np.allclose(quick, rows["psi"], rtol=0, atol=1e-12)


def test_drift_right_on_every_draw_and_the_wrong_ideas_are_not() -> None:
    assert scores("09.drift_alerts", drift_alerts) == [1.0] * len(SEEDS)
    assert scores("09.drift_alerts", lambda *args: drift_alerts(*args, digits=3), seeds=SEEDS[:8]) == [1.0] * 8
    for wrong in (drift_alerts_only_alerts, drift_alerts_with_ok):
        assert max(scores("09.drift_alerts", wrong)) < 1, wrong.__name__


def test_drift_the_unseen_case_alone_separates_the_wrong_ideas(lab_batches) -> None:
    """On the drawn batches themselves (not only on the lab's): alerts only, 'ok' rows kept, and the lab's PSIs
    looked up by month name each give another table than the reference."""
    reference = lab09._reference()

    def keys(table):
        return {(r.month, r.feature, r.level) for r in table.itertuples()}

    for seed in SEEDS:
        batches, features = lab09._unseen_drift(seed)
        right = keys(drift_alerts(reference, batches, features, ALERTS))
        assert keys(drift_alerts_only_alerts(reference, batches, features, ALERTS)) != right
        assert keys(drift_alerts_with_ok(reference, batches, features, ALERTS)) != right
        lab_ones = {m: lab_batches[m] for m in batches}
        looked_up = drift_alerts(reference, lab_ones, features, ALERTS)
        expected = drift_alerts(reference, batches, features, ALERTS)
        assert keys(looked_up) != right or not np.allclose(
            looked_up.sort_values(["month", "feature"])["psi"], expected.sort_values(["month", "feature"])["psi"],
            atol=1e-3)


def test_drift_a_lookup_of_the_old_year_fails_on_every_draw(old_year, lab_batches, monkeypatch) -> None:
    """Every PSI of the lab's months and of the old year's three months, computed at cell time; the old year's when
    the batches have its size, the lab's otherwise. Full points on the old fixed case, less on every drawn one."""
    reference = lab09._reference()
    lab_psi = {(m, f): monitoring.psi(reference[f], b[f]) for m, b in lab_batches.items() for f in data.FEATURES}
    old_psi = {(m, f): monitoring.psi(reference[f], old_year[m][f]) for m in OLD_MONTHS for f in data.FEATURES}

    def looked_up(reference, batches, features, rules):
        seen = old_psi if all(len(b) == 450 for b in batches.values()) and set(batches) == set(OLD_MONTHS) else lab_psi
        rows = [(m, f, seen[(m, f)]) for m in batches for f in features]
        return pd.DataFrame([(m, f, v, "alert" if v >= rules.psi_alert else "warn") for m, f, v in rows
                             if v >= rules.psi_warn], columns=["month", "feature", "psi", "level"])

    for seed in SEEDS:
        _guards.replay({"09.drift_alerts": seed})
        result = evaluate("09.drift_alerts", looked_up)
        assert result.score == 0 and "wrong on batches of the check's own" in result.message, seed
    old_case = ({m: old_year[m] for m in OLD_MONTHS}, [*monitoring.KEY_FEATURES, "InternetService"])
    monkeypatch.setattr(lab09, "_unseen_drift", lambda seed: old_case)
    assert evaluate("09.drift_alerts", looked_up).score == 1.0  # the check before: the old year's months, fixed


# --- 09.drift_types -------------------------------------------------------------------------------------------

KINDS = {"over-prediction": "label bias", "price rise": "data drift", "new sign-ups": "data drift",
         "competitor's fibre offer": "concept drift"}


def first_batches(year_alerts: pd.DataFrame) -> dict[str, tuple[str, str]]:
    def first(kind, rule):
        return year_alerts.loc[(year_alerts["kind"] == kind) & year_alerts["rule"].str.startswith(rule), "batch"].min()

    return {"over-prediction": ("calibration gap", first("performance", "over-predicted")),
            "price rise": ("psi", first("data", "PSI MonthlyCharges")),
            "new sign-ups": ("psi", first("data", "PSI tenure")),
            "competitor's fibre offer": ("calibration gap", first("performance", "under-predicted"))}


def test_drift_types_evidence_one_signal_or_month_away_gets_nothing_and_the_same_message() -> None:
    """The probe changes the kinds one at a time; here the evidence: any signal or month changed, no credit, and one
    message whichever it is (no enumeration). The months come from the term's data, as the lab's monitor finds them."""
    # the check scores the year with the store's champion: this test must not rely on another having registered it
    registry.ensure_champion()
    champion = registry.load("champion")
    reference, holdout = monitoring.champion_data(audited=True)
    year = monitoring.monitor_year(champion, reference, holdout, features=monitoring.KEY_FEATURES)
    evidence = first_batches(year.alerts)
    assert evaluate("09.drift_types", KINDS, evidence=evidence).score == 1.0
    raised = {f: (s, year.alerts.loc[year.alerts["batch"] == m, "raised_in"].min()) for f, (s, m) in evidence.items()}
    assert evaluate("09.drift_types", KINDS, evidence=raised).score == 1.0  # the month the alert was raised in
    messages = set()
    for finding, (signal, month) in evidence.items():
        for other in lab09.SIGNALS:
            if other != signal:
                result = evaluate("09.drift_types", KINDS, evidence={**evidence, finding: (other, month)})
                assert result.score == 0, (finding, other)
                messages.add(result.message)
        earlier = data.PRODUCTION_MONTHS[max(data.PRODUCTION_MONTHS.index(month) - 1, 0)]
        later = data.PRODUCTION_MONTHS[min(data.PRODUCTION_MONTHS.index(month) + 2, 11)]
        for moved in {earlier, later} - {month, raised[finding][1]}:
            result = evaluate("09.drift_types", KINDS, evidence={**evidence, finding: (signal, moved)})
            assert result.score == 0, (finding, moved)
            messages.add(result.message)
    assert len(messages) == 1
