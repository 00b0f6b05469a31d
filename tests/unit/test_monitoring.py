"""Drift metrics (properties), alert rules, and the monitor detecting the injected production drift in time."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from mlopslab import data, monitoring, policy, registry

numbers = st.lists(st.floats(-1e6, 1e6, allow_nan=False), min_size=1, max_size=300)
words = st.lists(st.sampled_from(["DSL", "Fiber optic", "No", "5G"]), min_size=1, max_size=300)


@given(numbers, numbers)
def test_psi_is_never_negative(reference, current) -> None:
    assert monitoring.psi(reference, current) >= 0


@given(numbers)
def test_psi_of_a_sample_with_itself_is_zero(values) -> None:
    assert monitoring.psi(values, values) == pytest.approx(0, abs=1e-12)


@given(words, words)
def test_categorical_psi_is_symmetric(reference, current) -> None:
    # with categories as bins the formula is symmetric: (q - p) ln(q / p) = (p - q) ln(p / q)
    assert monitoring.psi(reference, current) == pytest.approx(monitoring.psi(current, reference))


@given(numbers, numbers, st.randoms(use_true_random=False))
def test_drift_metrics_ignore_row_order(reference, current, rnd) -> None:
    shuffled = current[:]
    rnd.shuffle(shuffled)
    assert monitoring.psi(reference, shuffled) == pytest.approx(monitoring.psi(reference, current))
    assert monitoring.ks(reference, shuffled) == pytest.approx(monitoring.ks(reference, current))


@given(numbers, numbers)
def test_ks_is_between_zero_and_one_and_symmetric(reference, current) -> None:
    value = monitoring.ks(reference, current)
    assert 0 <= value <= 1
    assert value == pytest.approx(monitoring.ks(current, reference))


@settings(max_examples=30)
@given(st.floats(0.5, 3.0))
def test_a_bigger_shift_gives_a_bigger_psi(shift) -> None:
    rng = np.random.default_rng(0)
    reference = rng.normal(0, 1, 2000)
    small = monitoring.psi(reference, reference + shift / 4)
    large = monitoring.psi(reference, reference + shift)
    assert large > small > 0
    assert monitoring.ks(reference, reference + shift) > monitoring.ks(reference, reference + shift / 4) > 0


def test_bin_shares_sum_to_one_and_count_new_extremes() -> None:
    shares = monitoring.bin_shares([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], [100, 200])
    assert shares["reference"].sum() == pytest.approx(1) and shares["current"].sum() == pytest.approx(1)
    assert shares["current"].iloc[-1] == 1.0  # values above the reference's maximum land in the open last bin


def test_bin_labels_say_what_np_histogram_counts() -> None:
    """A bin holds its lower edge, not its upper one: [a, b), as np.histogram counts (outer bins open)."""
    shares = monitoring.bin_shares([1, 2, 3, 4], [2, 2, 2, 2], bins=2)   # edges -inf, 2.5, inf
    assert list(shares["bin"]) == ["(-inf, 2.5)", "[2.5, inf)"]
    edge = monitoring.bin_shares(np.arange(1, 11), [2.0], bins=5)          # 2.8 is an inner edge
    assert edge["bin"].iloc[0] == "(-inf, 2.8)" and edge["bin"].iloc[1].startswith("[2.8, ")
    at_edge = monitoring.bin_shares(np.arange(1, 11), [2.8], bins=5)
    assert at_edge["current"].iloc[1] == 1.0  # a value equal to a lower edge is counted in the bin that starts there


def test_bad_input_says_what_is_wrong() -> None:
    with pytest.raises(ValueError, match="current sample.*missing"):
        monitoring.psi([1.0, 2.0], [1.0, None])
    with pytest.raises(ValueError, match="empty"):
        monitoring.psi([], [1.0])
    with pytest.raises(TypeError, match="categorical"):
        monitoring.ks(["a", "b"], ["a"])
    with pytest.raises(KeyError, match="tenure"):
        monitoring.feature_drift(data.load_batch("2026-01"), data.load_batch("2026-02").drop(columns="tenure"))
    with pytest.raises(ValueError, match="same customers"):
        monitoring.performance([0, 1], [0.5], 0.5)


def test_alert_levels_follow_the_rules() -> None:
    rules = monitoring.AlertRules(psi_warn=0.1, psi_alert=0.25)
    assert [monitoring.level(v, rules) for v in (0.05, 0.1, 0.2, 0.25, 0.6)] == ["ok", "warn", "warn", "alert", "alert"]
    assert monitoring.next_month("2026-12") == "2027-01" and monitoring.next_month("2026-01") == "2026-02"


@pytest.fixture(scope="module")
def year() -> monitoring.Monitoring:
    pipeline, train, test = registry.train_reference_model()
    return monitoring.monitor_year(pipeline, train, test)


def test_no_drift_alert_before_the_drift(year) -> None:
    before = year.alerts[year.alerts["raised_in"] < "2026-06"]
    assert set(before["kind"]) <= {"performance", "fairness"}, before
    assert not before["rule"].str.startswith("under-predicted").any(), before


def test_the_label_bias_alerts_in_both_directions_from_the_first_labels(year) -> None:
    """The model learned 2025's inflated labels; 2026's outcomes are real: over-prediction alerts, raised in the
    month January's labels arrive (a one-sided rule would never see it)."""
    assert year.first_alert("performance", "over-predicted") == "2026-02"
    first = year.alerts[year.alerts["rule"].str.startswith("over-predicted")].iloc[0]
    assert first["batch"] == "2026-01" and first["value"] < -year.rules.segment_gap
    table = year.table.set_index("month")
    assert (table.loc[:"2026-05", "predicted_rate"] > table.loc[:"2026-05", "churn_rate"]).all()


def test_price_rise_is_a_monthlycharges_alert_in_june(year) -> None:
    june = year.alerts[(year.alerts["raised_in"] == "2026-06") & (year.alerts["kind"] == "data")]
    assert "PSI MonthlyCharges" in set(june["rule"])
    assert year.first_alert("data") == "2026-06"


def test_competitor_shows_as_under_prediction_when_july_labels_arrive(year) -> None:
    assert year.first_alert("performance", "under-predicted") == "2026-08"
    first = year.alerts[year.alerts["rule"].str.startswith("under-predicted") & (year.alerts["raised_in"] == "2026-08")]
    assert set(first["batch"]) == {"2026-07"} and first["rule"].str.contains("Fiber optic").any()
    table = year.table.set_index("month")
    assert table.loc["2026-07":, "churn_rate"].min() > table.loc[:"2026-06", "churn_rate"].max()


def test_alerts_are_raised_when_the_labels_arrive(year) -> None:
    pipeline, train, test = registry.train_reference_model()
    batches = {m: data.load_batch(m) for m in ["2026-07", "2026-08"]}
    late = {m: data.load_labels(m).sample(frac=1.0, random_state=0).assign(label_available="2026-11")
            for m in batches}
    result = monitoring.monitor_year(pipeline, train, test, batches, late, features=monitoring.KEY_FEATURES)
    performance = result.alerts[result.alerts["kind"] == "performance"]
    assert not performance.empty and set(performance["raised_in"]) == {"2026-11"}
    on_time = year.table.set_index("month").loc[["2026-07", "2026-08"], "calibration_gap"].to_numpy()
    assert np.allclose(result.table["calibration_gap"].to_numpy(), on_time)  # labels joined by customer, not row


def test_fairness_is_monitored_in_the_batch_month_under_the_governed_rule(year) -> None:
    """The unmitigated model contacts seniors far more often: the governed gate's fairness rule (share contacted,
    no labels needed) alerts on every batch, in the batch's own month; a model that contacts everyone alike does not."""
    fairness = year.alerts[year.alerts["kind"] == "fairness"]
    assert year.fairness is policy.GATE and list(fairness["raised_in"]) == list(fairness["batch"])
    assert set(fairness["batch"]) == set(data.PRODUCTION_MONTHS) and set(fairness["threshold"]) == {policy.GATE.max_fairness_gap}
    table = year.table.set_index("month")
    assert (table["fairness_gap"] > policy.GATE.max_fairness_gap).all() and set(table["fairness_by"]) == {"SeniorCitizen"}
    batch = data.load_batch("2026-01")
    contacted = monitoring.score(registry.train_reference_model()[0], batch) >= year.threshold
    rates = pd.Series(contacted).groupby(batch["SeniorCitizen"].to_numpy()).mean()
    assert table.at["2026-01", "fairness_gap"] == pytest.approx(rates.max() - rates.min(), abs=1e-4)

    class Everyone:
        def predict_proba(self, X):
            return np.column_stack([np.zeros(len(X)), np.ones(len(X))])

    _, test = registry.reference_split()
    flat = monitoring.monitor_year(Everyone(), test, test, {"2026-01": batch}, {"2026-01": data.load_labels("2026-01")},
                                   threshold=year.threshold, features=monitoring.KEY_FEATURES)
    assert flat.table.at[0, "fairness_gap"] == 0 and "fairness" not in set(flat.alerts["kind"])


def test_the_audited_hold_out_changes_only_the_labels() -> None:
    """champion_data(audited=True): the same hold-out customers and inputs, with the audited outcomes (fewer churners:
    the recorded labels hold false churners), so the reference AUC is measured on real outcomes, like production's."""
    train, recorded = monitoring.champion_data()
    audited_train, audited = monitoring.champion_data(audited=True)
    pd.testing.assert_frame_equal(train, audited_train)
    pd.testing.assert_frame_equal(recorded.drop(columns=data.TARGET), audited.drop(columns=data.TARGET))
    assert (audited[data.TARGET] == "Yes").mean() < (recorded[data.TARGET] == "Yes").mean()
    assert set(audited[data.TARGET]) == {"Yes", "No"}


def test_segment_gaps_and_the_two_sided_calibration_fields() -> None:
    y = [1, 0, 0, 0, 1, 1]
    scores = [0.1, 0.2, 0.3, 0.9, 0.9, 0.95]
    segments = pd.DataFrame({"Contract": ["A", "A", "A", "B", "B", "B"]})
    gaps = monitoring.segment_gaps(y, scores, segments).set_index("segment")
    assert gaps.loc["Contract=A", "customers"] == 3
    assert gaps.loc["Contract=A", "gap"] == pytest.approx(1 / 3 - 0.2)
    assert gaps.loc["Contract=B", "gap"] == pytest.approx(2 / 3 - 2.75 / 3)
    perf = monitoring.performance(y, scores, 0.5, segments)
    assert perf["worst_segment"] == "Contract=A"  # the most under-predicted (unchanged meaning for labs 10, 11)
    assert perf["calibration_segment"] == "Contract=B" and perf["calibration_gap"] == pytest.approx(2 / 3 - 2.75 / 3, abs=1e-4)
    assert monitoring.direction(0.1) == "under-predicted" and monitoring.direction(-0.1) == "over-predicted"


def test_stronger_drift_is_seen_more_strongly() -> None:
    pipeline, train, test = registry.train_reference_model()
    mild = monitoring.production_year(data.Drift(price_rise=0.05, competitor_effect=0.0))
    strong = monitoring.production_year(data.Drift(price_rise=0.30, competitor_effect=2.5))
    results = [monitoring.monitor_year(pipeline, train, test, *year) for year in (mild, strong)]
    june = [r.table.set_index("month").at["2026-06", "psi_MonthlyCharges"] for r in results]
    gap = [r.table.set_index("month").loc["2026-07":, "segment_gap"].mean() for r in results]
    assert june[1] > june[0] and gap[1] > gap[0]
    assert results[0].first_alert("performance", "under-predicted") is None


def test_dashboard_has_a_panel_per_signal(year) -> None:
    import matplotlib

    matplotlib.use("Agg")
    fig = monitoring.dashboard(year)
    assert len(fig.axes) == 5  # data drift, predicted vs observed, AUC, calibration, fairness
    labels = [t.get_text() for t in fig.axes[-1].get_xticklabels()]
    assert labels[0] == "26-01" and labels[-1] == "26-12"  # batch months: predicted and observed of a batch align
    predicted, observed = fig.axes[1].get_lines()[:2]
    assert list(predicted.get_xdata()) == list(observed.get_xdata())


def test_default_production_year_equals_the_shipped_files() -> None:
    batches, labels = monitoring.production_year()
    pd.testing.assert_frame_equal(batches["2026-03"].reset_index(drop=True), data.load_batch("2026-03"),
                                  check_dtype=False)
    assert list(labels["2026-12"]["label_available"].unique()) == ["2027-01"]
