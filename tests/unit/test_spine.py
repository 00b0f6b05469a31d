"""The shared model spine: preparation pipeline, the profit metric, tracked runs and the champion alias."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from mlopslab import data, development, preparation, registry
from mlopslab.development import Economics, expected_profit
from stores import fresh_store


def test_time_split_trains_on_earlier_months() -> None:
    train, test = preparation.time_split(data.load_customers(), test_months=3)
    assert train["month"].max() < test["month"].min()
    assert len(train) + len(test) == data.N_CUSTOMERS
    with pytest.raises(ValueError, match="test_months"):
        preparation.time_split(data.load_customers(), test_months=12)


def test_pipeline_uses_no_leaky_column_and_scores_serving_rows() -> None:
    train, test = preparation.time_split(data.load_customers())
    pipe = development.fit_candidate(development.candidate_models()["logistic_regression"], train)
    batch = data.load_batch("2026-01")[data.FEATURES]
    scores = pipe.predict_proba(batch)[:, 1]
    assert scores.shape == (len(batch),) and ((scores >= 0) & (scores <= 1)).all()
    assert development.evaluate(pipe, test)["auc"] > 0.7
    with pytest.raises(KeyError, match="tenure"):
        preparation.split_xy(batch.drop(columns=["tenure"]))


def test_frame_hash_is_stable_and_sensitive() -> None:
    df = data.load_customers().head(100)
    assert preparation.frame_hash(df) == preparation.frame_hash(df.copy())
    changed = df.copy()
    changed.loc[0, "tenure"] += 1
    assert preparation.frame_hash(changed) != preparation.frame_hash(df)


@given(st.lists(st.tuples(st.booleans(), st.floats(0, 1)), min_size=1, max_size=200), st.floats(0, 1))
def test_profit_is_the_cost_matrix_summed_over_contacted(rows, threshold) -> None:
    econ = Economics()
    y = np.array([int(r[0]) for r in rows])
    s = np.array([r[1] for r in rows])
    contacted = s >= threshold
    gain = econ.save_rate * econ.customer_value - econ.offer_cost
    expected = gain * (contacted & (y == 1)).sum() - econ.offer_cost * (contacted & (y == 0)).sum()
    assert expected_profit(y, s, threshold, econ) == pytest.approx(expected)
    assert expected_profit(y, s, 1.01, econ) == 0.0


def test_best_threshold_beats_contacting_everyone() -> None:
    y = np.array([1, 1, 0, 0, 0, 0])
    s = np.array([0.9, 0.8, 0.3, 0.2, 0.1, 0.05])
    threshold, profit = development.best_threshold(y, s)
    assert profit == expected_profit(y, s, threshold) > expected_profit(y, s, 0.0)


def test_ensure_champion_registers_once(monkeypatch) -> None:
    monkeypatch.setenv("MLFLOW_TRACKING_URI", fresh_store("champion"))
    assert registry.alias_version("champion") is None
    assert registry.ensure_champion() == "1"
    assert registry.ensure_champion() == "1"
    scores = registry.load().predict(data.load_batch("2026-02")[data.FEATURES].head(5))
    assert np.asarray(scores).shape == (5, 2)


def test_lab_04_and_lab_05_print_the_same_prepared_data_version() -> None:
    """The hand-off of the committed labs: the version lab 04 records is the one lab 05 trains on and reproduces."""
    import re

    from mlopslab import lineage
    from mlopslab.tools import notebooks

    def printed(name: str) -> str:
        nb = notebooks.read(notebooks.labs_dir() / f"{name}.ipynb")
        return "".join(out.get("text", "") for cell in nb.cells if cell.cell_type == "code" for out in cell.outputs)

    expected = lineage.short(preparation.prepare(data.load_customers()).version)
    lab04 = re.search(r"recorded: tag data_version = (\w+)", printed("04_data_preparation"))
    lab05 = re.search(r"lab 04 recorded the prepared data as version (\w+)", printed("05_model_development_tracking"))
    assert lab04 and lab05, "lab 04 or lab 05 no longer prints the prepared data's version"
    assert lab04.group(1) == lab05.group(1) == expected
