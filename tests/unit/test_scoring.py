"""The one churn scorer (mlopslab.scoring): every lab's scoring name is it, for pipelines and pyfunc-shaped models."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from mlopslab import data, deployment, development, monitoring, registry, scoring, trust, validation
from mlopslab.schema import MissingColumns

BATCH = data.load_batch("2026-01").head(50)


class _Pyfunc:
    """A stand-in for an MLflow pyfunc: only ``predict``, with the FEATURES columns it was given recorded."""

    def __init__(self, two_columns: bool) -> None:
        self.two_columns, self.seen = two_columns, None

    def predict(self, frame: pd.DataFrame) -> np.ndarray:
        self.seen = list(frame.columns)
        p = frame["tenure"].to_numpy(float) / 100
        return np.column_stack([1 - p, p]) if self.two_columns else p


def test_every_lab_scores_with_the_one_scorer() -> None:
    one = scoring.churn_scores
    assert (development.churn_scores is validation.churn_scores is trust.scores is monitoring.score
            is deployment.churn_probability is one)
    assert development.one_thread is scoring.one_thread


def test_a_pipeline_gives_its_churn_probabilities_on_the_features_only() -> None:
    pipeline = registry.train_reference_model()[0]
    scores = scoring.churn_scores(pipeline, BATCH.assign(extra="ignored"))
    np.testing.assert_array_equal(scores, pipeline.predict_proba(BATCH[data.FEATURES])[:, 1])
    assert scores.dtype == float and scores.shape == (len(BATCH),)


@pytest.mark.parametrize("two_columns", [True, False])
def test_a_pyfunc_gives_the_churn_column_of_its_predictions(two_columns: bool) -> None:
    model = _Pyfunc(two_columns)
    scores = scoring.churn_scores(model, BATCH)
    np.testing.assert_allclose(scores, BATCH["tenure"].to_numpy(float) / 100)
    assert model.seen == data.FEATURES


def test_a_missing_feature_is_named() -> None:
    with pytest.raises(MissingColumns, match="the customers to score lacks the required column.s. tenure") as err:
        scoring.churn_scores(_Pyfunc(True), BATCH.drop(columns="tenure"))
    assert err.value.missing == ["tenure"]
