"""Tests of mlopslab.privacy: PII detection and masking, pseudonymization, role-based views."""

from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from mlopslab import data, privacy

# --- strategies -------------------------------------------------------------------------------------------------

words = st.text(alphabet="abcdefghijklmnopqrstuvwxyz", min_size=1, max_size=8)
filler = st.lists(words, min_size=0, max_size=4).map(" ".join)
customer_ids = st.builds(lambda n, s: f"{n}-{s}", st.integers(1000, 9999),
                         st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ", min_size=5, max_size=5))


def _n(k: int) -> st.SearchStrategy[str]:
    return st.text(alphabet="0123456789", min_size=k, max_size=k)


phones = st.one_of(
    st.builds(lambda a, b, c: f"+1 {a}-{b}-{c}", _n(3), _n(3), _n(4)),
    st.builds(lambda a, b, c: f"({a}) {b}-{c}", _n(3), _n(3), _n(4)),
    st.builds(lambda a, b, c: f"{a}.{b}.{c}", _n(3), _n(3), _n(4)),
)
emails = st.builds(lambda u, sep, v, d: f"{u}{sep}{v}@{d}.com", words, st.sampled_from(["", ".", "_"]), words, words)
ssns = st.builds(lambda a, b, c: f"{a}-{b}-{c}", _n(3), _n(2), _n(4))
cards = st.one_of(
    st.builds(lambda g, sep: sep.join(g), st.lists(_n(4), min_size=4, max_size=4), st.sampled_from([" ", "-", ""])),
    st.builds(lambda a, b, c: f"{a} {b} {c}", _n(4), _n(6), _n(5)),
)
addresses = st.builds(lambda n, street, kind: f"{n} {street.title()} {kind}", st.integers(1, 9999), words,
                      st.sampled_from(["Street", "Avenue", "Road", "Lane"]))
PII = {"phone": phones, "email": emails, "ssn": ssns, "card": cards, "address": addresses}
pieces = st.lists(st.one_of([st.tuples(st.just(kind), values) for kind, values in PII.items()]), min_size=1, max_size=4)


def _note(parts: list[tuple[str, str]], glue: list[str]) -> str:
    return " ".join(f"{g} {value} ;" for (_, value), g in zip(parts, glue + [""] * len(parts), strict=False))


# --- detection and masking --------------------------------------------------------------------------------------


def test_dirty_batch_notes_are_detected_exactly() -> None:
    dirty = data.load_dirty_batch()
    truth = data.load_dirty_defects()
    found = privacy.detect_pii(dirty, columns=["notes"])
    assert set(found["row"]) == set(truth.loc[truth.defect == "personal_data", "row"])
    assert set(found["kind"]) == {"phone", "email", "ssn", "card", "address"}


def test_harmless_text_has_no_pii() -> None:
    for text in ["Router replaced", "invoice 2025-117 paid", "born 1990-01-02", "order 12345678", "", None]:
        assert privacy.find_pii(text) == []
        assert privacy.mask_pii(text) == text


@settings(max_examples=150, deadline=None)
@given(parts=pieces, glue=st.lists(filler, max_size=4))
def test_every_inserted_pii_is_detected_and_masked(parts, glue) -> None:
    text = _note(parts, glue)
    assert {kind for kind, _ in parts} <= set(privacy.pii_kinds(text))
    masked = privacy.mask_pii(text)
    assert privacy.find_pii(masked) == []
    for kind, value in parts:
        assert value not in masked
        assert f"[{kind.upper()}]" in masked


@settings(max_examples=150, deadline=None)
@given(text=st.text(max_size=80))
def test_masking_leaves_no_detectable_pii_in_any_text(text: str) -> None:
    masked = privacy.mask_pii(text)
    assert privacy.find_pii(masked) == []
    assert privacy.mask_pii(masked) == masked


@settings(max_examples=100, deadline=None)
@given(text=filler)
def test_text_without_pii_is_unchanged(text: str) -> None:
    assert privacy.mask_pii(text) == text


def test_contains_pii_treats_missing_as_clean() -> None:
    flags = privacy.contains_pii(pd.Series(["call 303-555-0147", None, float("nan"), "ok"]))
    assert flags.tolist() == [True, False, False, False]


# --- pseudonymization -------------------------------------------------------------------------------------------


@settings(max_examples=100, deadline=None)
@given(ids=st.lists(customer_ids, min_size=1, max_size=30, unique=True), key=st.text(min_size=1, max_size=20))
def test_pseudonyms_are_deterministic_and_hide_the_id(ids: list[str], key: str) -> None:
    first = privacy.pseudonymize(pd.Series(ids), key)
    again = privacy.pseudonymize(pd.Series(ids), key)
    assert first.tolist() == again.tolist()
    assert first.nunique() == len(ids)
    for original, pseudonym in zip(ids, first, strict=True):
        assert original not in pseudonym and len(pseudonym) == 16
        assert privacy.pseudonymize(original, key) == pseudonym


@settings(max_examples=100, deadline=None)
@given(cid=customer_ids, keys=st.lists(st.text(min_size=1, max_size=20), min_size=2, max_size=2, unique=True))
def test_different_keys_give_different_pseudonyms(cid: str, keys: list[str]) -> None:
    assert privacy.pseudonymize(cid, keys[0]) != privacy.pseudonymize(cid, keys[1])


@settings(max_examples=50, deadline=None)
@given(left=st.lists(customer_ids, max_size=25, unique=True), right=st.lists(customer_ids, max_size=25, unique=True),
       key=st.text(min_size=1, max_size=12))
def test_joins_on_pseudonyms_match_joins_on_ids(left, right, key) -> None:
    a = pd.DataFrame({"customerID": left, "a": range(len(left))})
    right_ids = right + left[:3]
    b = pd.DataFrame({"customerID": right_ids, "b": range(len(right_ids))}).drop_duplicates("customerID")
    raw = a.merge(b, on="customerID")[["a", "b"]].sort_values(["a", "b"]).reset_index(drop=True)
    pa_ = a.assign(customerID=privacy.pseudonymize(a["customerID"], key))
    pb = b.assign(customerID=privacy.pseudonymize(b["customerID"], key))
    hidden = pa_.merge(pb, on="customerID")[["a", "b"]].sort_values(["a", "b"]).reset_index(drop=True)
    pd.testing.assert_frame_equal(raw, hidden)


@pytest.mark.parametrize("key", ["", None, 42])
def test_pseudonymize_needs_a_key(key) -> None:
    with pytest.raises(ValueError, match="secret key"):
        privacy.pseudonymize("1234-ABCDE", key)


def test_pseudonymize_keeps_missing_values() -> None:
    out = privacy.pseudonymize(pd.Series(["1234-ABCDE", None]), "s")
    assert pd.isna(out.iloc[1]) and len(out.iloc[0]) == 16


# --- role-based views -------------------------------------------------------------------------------------------

KEY = "test-key"


@pytest.fixture(scope="module")
def dirty() -> pd.DataFrame:
    return data.load_dirty_batch()


def test_business_analyst_sees_no_identifiers_notes_or_protected_attributes(dirty) -> None:
    view = privacy.role_view(dirty, "Business Analyst", KEY)
    assert not {"customerID", "notes", "gender", "SeniorCitizen", "row"} & set(view.columns)
    assert set(view["tenure"].dropna()) <= {"0-12", "13-24", "25-48", "49-72"}
    assert len(view) == len(dirty)


def test_data_scientist_sees_pseudonyms_and_no_free_text(dirty) -> None:
    view = privacy.role_view(dirty, "Data Scientist", KEY)
    assert not set(view["customerID"]) & set(dirty["customerID"])
    assert view["customerID"].tolist() == privacy.pseudonymize(dirty["customerID"], KEY).tolist()
    assert "notes" not in view.columns, "a name in a note survives masking: free text is withheld"
    assert {"gender", "SeniorCitizen", *data.FEATURES} <= set(view.columns)


def test_only_the_data_steward_sees_free_text(dirty) -> None:
    for role in privacy.ROLE_POLICIES:
        view = privacy.role_view(dirty, role, KEY)
        assert ("notes" in view.columns) == (role == "Data Steward"), role


def test_data_engineer_sees_real_ids_and_every_contract_column(dirty) -> None:
    view = privacy.role_view(dirty, "Data Engineer", KEY)
    assert view["customerID"].tolist() == dirty["customerID"].tolist()
    assert {"month", *data.FEATURES} <= set(view.columns) and "notes" not in view.columns


def test_policies_cover_every_column_of_the_schema() -> None:
    from mlopslab import schema

    for role, policy in privacy.ROLE_POLICIES.items():
        assert set(policy) == set(schema.COLUMNS), role


def test_data_steward_sees_everything_the_policy_names(dirty) -> None:
    view = privacy.role_view(dirty, "Data Steward", KEY)
    pd.testing.assert_frame_equal(view, dirty.drop(columns="row"))


def test_columns_outside_a_policy_are_dropped(dirty) -> None:
    view = privacy.role_view(dirty.assign(secret="x"), "Data Steward", KEY)
    assert "secret" not in view.columns


def test_unknown_role_and_action_are_clear_errors(dirty) -> None:
    with pytest.raises(KeyError, match="no access policy for role 'Intern'.*Data Steward"):
        privacy.role_view(dirty, "Intern", KEY)
    with pytest.raises(ValueError, match="unknown action"):
        privacy.role_view(dirty, "X", KEY, policies={"X": {"tenure": "blur"}})
    with pytest.raises(ValueError, match="no generalization is defined for column 'Contract'"):
        privacy.role_view(dirty, "X", KEY, policies={"X": {"Contract": "generalize"}})


def test_access_matrix_covers_every_role() -> None:
    matrix = privacy.access_matrix()
    assert list(matrix.columns) == list(privacy.ROLE_POLICIES)
    assert set(matrix.stack()) <= set(privacy.ACTIONS)


@given(tenure=st.integers(0, 72))
def test_tenure_band_contains_the_tenure(tenure: int) -> None:
    band = privacy.tenure_band(pd.Series([tenure])).iloc[0]
    low, high = (int(x) for x in band.split("-"))
    assert low <= tenure <= high
