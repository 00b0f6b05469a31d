"""04.preprocessor and 10.rollback draw their made-up cases from ``_guards.case_seed``: an honest answer is right and
each declared wrong or shortcut idea stays below full points on replayed seeds, and a lookup of the cases fails (the
old fixed serving batch's matrices for 04; for 10 a table keyed on (versions registered, broken version), filled from
many draws of the generator itself, which the student has in the package source)."""

from __future__ import annotations

import collections
import functools
import pickle

import numpy as np
import pytest
from draws import SEEDS, scores
from lab_answers import declared_mistakes, defined
from mlopslab import config, continuous, data, preparation
from mlopslab.checks import lab04, lab10
from mlopslab.preparation import CATEGORICAL, NUMERIC, FeatureEngineer
from sklearn.base import BaseEstimator, TransformerMixin, clone
from sklearn.compose import ColumnTransformer
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

# --- 04.preprocessor ------------------------------------------------------------------------------------------

def build_preprocessor(numeric, categorical, *, unknown="ignore", team_lists=False, features=True):
    if team_lists:
        numeric, categorical = NUMERIC, CATEGORICAL
    scale_numbers = ("numeric", StandardScaler(), numeric)
    encode_categories = ("categorical", OneHotEncoder(handle_unknown=unknown, sparse_output=False), categorical)
    columns = ColumnTransformer([scale_numbers, encode_categories], verbose_feature_names_out=False)
    return Pipeline([("features", FeatureEngineer()), ("encode", columns)]) if features else columns


TEAM_PREPROCESSOR = preparation.build_preprocessor()
TEAM_BYTES = pickle.dumps(preparation.build_preprocessor())


def team_copy(numeric, categorical):
    prep = clone(TEAM_PREPROCESSOR)
    (n0, s0, _), (n1, s1, _) = prep.named_steps["encode"].transformers
    return prep.set_params(encode__transformers=[(n0, s0, list(numeric)), (n1, s1, list(categorical))])


def team_unpickled(numeric, categorical):
    prep = pickle.loads(TEAM_BYTES)  # noqa: S301 -- bytes this module made
    (n0, s0, _), (n1, s1, _) = prep.named_steps["encode"].transformers
    return prep.set_params(encode__transformers=[(n0, s0, list(numeric)), (n1, s1, list(categorical))])


@functools.cache
def _old_matrices() -> dict[tuple[tuple[str, ...], tuple[str, ...]], np.ndarray]:
    """The team's matrices on the case 04.preprocessor used to fix in its source, by column lists."""
    customers = data.load_customers()
    train = customers[customers["month"].isin(sorted(customers["month"].unique())[:6])][data.FEATURES]
    serving = data.load_batch("2026-01")[data.FEATURES].head(200).copy()
    serving.iloc[7, serving.columns.get_loc("Contract")] = "Quarterly"
    fewer = (["tenure", "MonthlyCharges", "services"], ["Contract", "tenure_band"])
    return {(tuple(n), tuple(c)): np.asarray(preparation.build_preprocessor(n, c).fit(train).transform(serving), float)
            for n, c in ((NUMERIC, CATEGORICAL), fewer)}


class Replay(TransformerMixin, BaseEstimator):
    """Fits nothing; gives the old case's stored matrix for its column lists."""

    def __init__(self, key=None):
        self.key = key

    def fit(self, X, y=None):
        return self

    def transform(self, X):
        return _old_matrices().get(self.key, np.zeros((len(X), 1)))


def build_preprocessor_looked_up(numeric, categorical):
    """Names ColumnTransformer and OneHotEncoder, and replays the matrices computed before the check."""
    ColumnTransformer, OneHotEncoder  # noqa: B018 -- named, never used
    return Replay((tuple(numeric), tuple(categorical)))


def test_04_preprocessor_cases_are_drawn() -> None:
    first = lab04._preprocessor_cases(5)
    again, other = lab04._preprocessor_cases(5), lab04._preprocessor_cases(6)
    assert first[1].equals(again[1]) and first[2] == again[2] and not first[1].equals(other[1])
    customers, windows = data.load_customers(), set()
    for seed in range(100, 140):
        train, serving, [team, (numeric, categorical)] = lab04._preprocessor_cases(seed)
        months = tuple(sorted(customers.loc[train.index, "month"].unique()))
        assert len(months) == 6 and len(train) == customers["month"].isin(months).sum()
        windows.add(months)
        assert team == (NUMERIC, CATEGORICAL) and len(serving) == 200
        assert 2 <= len(numeric) < len(NUMERIC) and 2 <= len(categorical) < len(CATEGORICAL)
        assert numeric == [c for c in NUMERIC if c in numeric] and categorical == [c for c in CATEGORICAL if c in categorical]
        unseen = sum(int((~serving[c].isin(set(train[c]))).sum()) for c in lab04._UNSEEN)
        others = sum(int((~serving[c].isin(set(train[c]))).sum()) for c in CATEGORICAL if c in serving and c not in lab04._UNSEEN)
        assert 1 <= unseen <= 3 and others == 0, seed
    assert len(windows) > 3  # the six training months are drawn too


def test_04_preprocessor() -> None:
    seeds = list(SEEDS)[:4]
    assert scores("04.preprocessor", build_preprocessor, seeds) == [1.0] * len(seeds)
    wrongs = (lambda n, c: build_preprocessor(n, c, unknown="error"), lambda n, c: build_preprocessor(n, c, team_lists=True),
              lambda n, c: build_preprocessor(n, c, features=False), lambda n, c: preparation.build_preprocessor(),
              team_copy, team_unpickled, build_preprocessor_looked_up)
    for number, wrong in enumerate(wrongs):
        assert max(scores("04.preprocessor", wrong, seeds)) < 1, number


def test_04_the_lookup_passed_the_old_case() -> None:
    """The lookup is a fair attack: on the old fixed case it gives the team's numbers exactly."""
    customers = data.load_customers()
    train = customers[customers["month"].isin(sorted(customers["month"].unique())[:6])][data.FEATURES]
    built = clone(build_preprocessor_looked_up(NUMERIC, CATEGORICAL)).fit(train)
    assert np.array_equal(built.transform(train), _old_matrices()[(tuple(NUMERIC), tuple(CATEGORICAL))])


# --- 10.rollback ----------------------------------------------------------------------------------------------

roll_back = defined("10", "10.rollback", "roll_back", {"continuous": continuous})


def roll_back_newest_without_incident(client, name):
    target = str(max(int(v.version) for v in client.search_model_versions(f"name='{name}'") if "incident" not in v.tags))
    client.set_registered_model_alias(name, "champion", target)
    return target


@functools.cache
def _lookup_table() -> dict[tuple[int, int], str]:
    """(versions registered, broken version) -> the version to return to most often, over 6,000 draws."""
    found = collections.defaultdict(collections.Counter)
    for seed in range(10_000, 16_000):
        for _, versions, broken, expected in lab10._rollback_scenarios(seed):
            found[(len(versions), broken)][expected] += 1
    return {key: counts.most_common(1)[0][0] for key, counts in found.items()}


def roll_back_looked_up(client, name):
    versions = client.search_model_versions(f"name='{name}'")
    broken = max(int(v.version) for v in versions if "incident" in v.tags)
    target = _lookup_table().get((len(versions), broken), "1")
    client.set_registered_model_alias(name, "champion", target)
    return target


def test_10_rollback_layouts() -> None:
    for seed in range(100, 300):
        for what, versions, broken, expected in lab10._rollback_scenarios(seed):
            assert "incident" in versions[broken - 1] and int(expected) < broken - 1, what
            assert sum(continuous.START_TAG in tags for tags in versions) == sum("incident" in tags for tags in versions) == 1
            months = [tags[continuous.PROMOTED_TAG] for tags in versions if continuous.PROMOTED_TAG in tags]
            assert months == sorted(set(months)), what
            kept = [(i + 1, tags) for i, tags in enumerate(versions) if "incident" not in tags]
            promoted = [i for i, tags in kept if continuous.PROMOTED_TAG in tags]
            assert str(max(promoted or [i for i, tags in kept if continuous.START_TAG in tags])) == expected, what


def test_10_a_lookup_table_passes_under_one_check_in_a_hundred() -> None:
    """Filled from 6,000 draws, the table passes all three stories on other seeds well under 1% of the time."""
    table = _lookup_table()
    passed = [all(table.get((len(v), b)) == t for _, v, b, t in lab10._rollback_scenarios(seed)) for seed in range(2000)]
    assert sum(passed) / len(passed) < 0.01


@pytest.fixture
def store(monkeypatch):
    from stores import fresh_store

    monkeypatch.setenv("MLFLOW_TRACKING_URI", fresh_store("case-seeds-rollback-wide"))
    config.setup_tracking()


def test_10_rollback(store) -> None:
    wrongs = [*declared_mistakes("10", "10.rollback", "roll_back", {"continuous": continuous}),
              ("not a lab cell: the newest version without an incident", roll_back_newest_without_incident),
              ("not a lab cell: a lookup of the scenarios", roll_back_looked_up)]
    seeds = list(SEEDS)[:3]
    assert scores("10.rollback", roll_back, seeds) == [1.0] * len(seeds)
    for what, wrong in wrongs:
        assert max(scores("10.rollback", wrong, seeds)) < 1, what
