"""The data set: byte-identical regeneration, checksums, documented relationships, bias and drift."""

from __future__ import annotations

import pandas as pd
import pytest
from mlopslab import data
from mlopslab.config import data_dir


def test_regeneration_is_byte_identical(tmp_path) -> None:
    """From the config the data was made with: the defaults, or a term's data/config.json (docs/instructors.md)."""
    written = data.write_all(tmp_path, data.term())
    assert (tmp_path / "SHA256SUMS").read_bytes() == (data_dir() / "SHA256SUMS").read_bytes()
    for path in written:
        assert path.read_bytes() == (data_dir() / path.relative_to(tmp_path)).read_bytes(), path.name


def test_committed_files_match_checksums() -> None:
    status = data.verify_checksums()
    assert len(status) == 1 + 2 * 12 + 2 + (data_dir() / data.TERM_FILE).is_file()
    assert all(status.values()), [name for name, ok in status.items() if not ok]


def test_a_changed_byte_is_detected(tmp_path) -> None:
    data.write_all(tmp_path)
    path = tmp_path / "customers.csv"
    path.write_bytes(path.read_bytes().replace(b"Yes", b"No ", 1))
    assert data.verify_checksums(tmp_path)["customers.csv"] is False


def churn_rate(df: pd.DataFrame, by: str) -> pd.Series:
    return df.groupby(by)["Churn"].apply(lambda s: (s == "Yes").mean())


def test_customers_schema_and_relationships() -> None:
    df = data.load_customers()
    assert list(df.columns) == data.CUSTOMER_COLUMNS
    assert len(df) == data.N_CUSTOMERS and df["customerID"].is_unique
    assert 0.2 < (df["Churn"] == "Yes").mean() < 0.32
    by_contract = churn_rate(df, "Contract")
    assert by_contract["Month-to-month"] > 2 * by_contract["One year"] > 0
    short = df["tenure"] < 12
    assert (df.loc[short, "Churn"] == "Yes").mean() > (df.loc[~short, "Churn"] == "Yes").mean()
    assert churn_rate(df, "InternetService")["Fiber optic"] > churn_rate(df, "InternetService")["DSL"]
    for column, values in data.CATEGORIES.items():
        assert set(df[column]) <= set(values), column


def test_injected_bias_is_there_and_configurable() -> None:
    biased = data.make_customers()
    fair = data.make_customers(data.DataConfig(bias=data.Bias(0.0, 0.0)))
    gap = lambda df: churn_rate(df, "SeniorCitizen")[1] - churn_rate(df, "SeniorCitizen")[0]  # noqa: E731
    assert gap(biased) > gap(fair) + 0.08


def test_leaky_column_is_mostly_nonzero_for_churners_only() -> None:
    df = data.load_customers()
    refunded = df[data.LEAKY] > 0
    assert (df.loc[refunded, "Churn"] == "Yes").mean() > 0.8


def test_production_drift_and_delayed_labels() -> None:
    first, late = data.load_batch("2026-01"), data.load_batch("2026-09")
    assert late["MonthlyCharges"].mean() > first["MonthlyCharges"].mean() * 1.08
    labels = data.load_labels("2026-03")
    assert set(labels["label_available"]) == {"2026-04"}
    assert list(labels["customerID"]) == list(data.load_batch("2026-03")["customerID"])
    no_drift = data.Drift(price_rise=0.0, competitor_effect=0.0, new_customer_shift=0.0)
    calm = data.make_production(data.DataConfig(drift=no_drift))[0]
    assert abs(calm["2026-09"]["MonthlyCharges"].mean() - first["MonthlyCharges"].mean()) < 3


def test_unknown_month_is_a_clear_error() -> None:
    with pytest.raises(ValueError, match="2026-13"):
        data.load_batch("2026-13")


def test_dirty_batch_has_every_documented_defect_class() -> None:
    truth = data.load_dirty_defects()
    assert set(truth["defect"]) == set(data.DEFECT_CLASSES)
    dirty = data.load_dirty_batch()
    assert len(dirty) == data.DIRTY_ROWS and dirty["row"].tolist() == [str(i) for i in range(data.DIRTY_ROWS)]
    assert dirty["customerID"].duplicated(keep=False).sum() == (truth["defect"] == "duplicate_id").sum()


def test_config_from_dict_and_cli(tmp_path) -> None:
    import json
    import subprocess
    import sys

    config = data.DataConfig.from_dict({"seed": 7, "drift": {"price_rise": 0.3}, "bias": {"senior_false_churn": 0.0}})
    assert config.seed == 7 and config.drift.price_rise == 0.3 and config.bias.senior_false_churn == 0.0
    with pytest.raises(ValueError, match="price_rise"):
        data.DataConfig.from_dict({"drift": {"price_hike": 0.3}})
    (tmp_path / "term.json").write_text(json.dumps({"drift": {"price_rise": 0.3}}))
    proc = subprocess.run([sys.executable, "-m", "mlopslab", "data", "generate", "--out", str(tmp_path / "d"),
                           "--config", str(tmp_path / "term.json")], capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stderr
    june = pd.read_csv(tmp_path / "d" / "production" / "batch_2026-06.csv")["MonthlyCharges"].mean()
    assert june > data.load_batch("2026-06")["MonthlyCharges"].mean() + 5
    bad = subprocess.run([sys.executable, "-m", "mlopslab", "data", "generate", "--out", str(tmp_path / "e"),
                          "--config", str(tmp_path / "missing.json")], capture_output=True, text=True, check=False)
    assert bad.returncode == 2 and "missing.json" in bad.stderr
