"""The shared model spine: preparation pipeline, the profit metric, tracked runs and the champion alias."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from mlopslab import config, data, development, preparation, registry
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
    # one lineage from lab 04 to the served model: the version and its run carry the prepared data's version
    from mlopslab import lineage, policy

    champion = registry.client().get_model_version("churn", "1")
    run = registry.client().get_run(champion.run_id)
    expected = preparation.prepare(data.load_customers()).version
    assert champion.tags[lineage.TAG] == run.data.tags[lineage.TAG] == expected
    assert run.data.tags["source_data_version"] == lineage.data_version(config.data_dir() / "customers.csv")
    _, threshold, _, _ = registry.train_champion()
    assert champion.tags[policy.THRESHOLD.tag] == f"{threshold:.2f}" and champion.tags["gate"] == "passed"
    # lab 08's redeploy rehearsal, stopped before its rollback: the next lab's ensure_champion moves the alias back
    client = registry.client()
    rehearsal = client.create_model_version("churn", source=champion.source, run_id=champion.run_id,
                                            tags={registry.REHEARSAL_TAG: "1"})
    client.set_registered_model_alias("churn", "champion", rehearsal.version)
    assert registry.ensure_champion() == "1" == registry.alias_version("champion")
    # the 08.contact_list check's scratch version, left as champion by a kernel that stopped within the check: deleted
    scratch = client.create_model_version("churn", source=champion.source, run_id=champion.run_id,
                                          tags={registry.REHEARSAL_TAG: "1", registry.SCRATCH_TAG: "08.contact_list"})
    client.set_registered_model_alias("churn", "champion", scratch.version)
    assert registry.ensure_champion() == "1" == registry.alias_version("champion")
    assert scratch.version not in {v.version for v in client.search_model_versions("name = 'churn'")}


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
    lab05 = re.search(r"(?:lab 04 recorded|the package logged) the prepared data as version (\w+)",
                      printed("05_model_development_tracking"))
    assert lab04 and lab05, "lab 04 or lab 05 no longer prints the prepared data's version"
    assert lab04.group(1) == lab05.group(1) == expected


def _lab05_cell(cell_id: str) -> str:
    """The source of one code cell of lab 05 (its instructor source), by cell id."""
    from mlopslab.tools import sources

    cells = {c.metadata.get("id"): c.source for c in sources.read(sources.source_of("05")).cells
             if c.cell_type == "code"}
    assert cell_id in cells, f"lab 05 has no cell {cell_id!r} any more: update this test with the lab"
    return cells[cell_id]


def test_lab_05_decision_rule_chooses_the_course_reference_candidate() -> None:
    """The hand-off from lab 05 to labs 06–11 is wired: lab 05's own cells, run on the shipped data with the governed
    economics, choose the family that ``registry.train_reference_model`` (and so the champion) uses.

    If the data is regenerated (``mlopslab data generate --config ...``) and lab 05 chooses another family, this fails:
    change ``registry.REFERENCE_FAMILY`` and the prose of labs 06–11, or the data."""
    import ast

    import pandas as pd
    from mlopslab import policy
    from sklearn.base import clone
    from sklearn.metrics import roc_auc_score

    prepared = preparation.prepare(data.load_customers())   # lab 05's training data (its set-up cell)
    X_test, y_test = preparation.split_xy(prepared.test)
    names = {"pd": pd, "np": np, "clone": clone, "roc_auc_score": roc_auc_score, "development": development,
             "preparation": preparation, "policy": policy, "economics": policy.ECONOMICS,
             "train": prepared.train, "test": prepared.test, "X_test": X_test, "y_test": y_test}
    exec(compile(_lab05_cell("cell-folds"), "lab05:cell-folds", "exec"), names)      # folds, cross-validation
    exec(compile(_lab05_cell("cell-choices"), "lab05:cell-choices", "exec"), names)  # thresholds, validation profit
    decision = ast.parse(_lab05_cell("cell-decision")).body[0]                      # the rule, as the lab writes it
    assert ast.unparse(decision) == "chosen_model = max(validation_profit, key=validation_profit.get)", \
        "lab 05's decision rule changed: re-apply it here"
    exec(compile(ast.Module([decision], type_ignores=[]), "lab05:cell-decision", "exec"), names)
    chosen = names["chosen_model"]

    assert chosen == registry.REFERENCE_FAMILY, (
        f"lab 05 now chooses {chosen} (validation profit {names['validation_profit']}), but the course's reference "
        f"candidate and champion are {registry.REFERENCE_FAMILY}")
    model, train, test = registry.train_reference_model()
    fitted, built = model.named_steps["model"], development.candidate_models()[chosen]
    assert type(fitted) is type(built) and fitted.get_params() == built.get_params()
    assert train.equals(prepared.train) and test.equals(prepared.test)   # lab 05's very rows, in lab 04's order


def test_the_champion_is_the_mitigated_reference_candidate_on_the_prepared_data() -> None:
    """The champion is the reference family with the protected columns out of its inputs, trained on lab 04's
    prepared data."""
    pipeline, threshold, train, test = registry.train_champion()
    built = development.candidate_models()[registry.REFERENCE_FAMILY]
    assert type(pipeline.named_steps["model"]) is type(built)
    assert pipeline.named_steps["model"].get_params() == built.get_params()
    assert not {"SeniorCitizen", "gender"} & set(pipeline.named_steps["prep"].get_feature_names_out())
    prepared = registry.prepared_reference()
    assert train.equals(prepared.train) and test.equals(prepared.test) and 0 < threshold < 1
