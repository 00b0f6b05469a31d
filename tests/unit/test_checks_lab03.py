"""Lab 03's checks on honest answers that differ from the reference solution, and on near misses whose feedback must
say what is wrong."""

from __future__ import annotations

import re

import numpy as np
import pandera.pandas as pa
from mlopslab import data
from mlopslab.checks import lab03  # noqa: F401 -- registers the checks
from mlopslab.exercises import evaluate


def _failing_labels(batch, contract) -> set:
    try:
        contract.validate(batch, lazy=True)
    except pa.errors.SchemaErrors as err:
        return {label for label in err.failure_cases["index"] if label == label}  # NaN != NaN: a whole column's failure
    return set()


def quarantine_as_list(batch, contract):
    bad = _failing_labels(batch, contract)
    return [batch.drop(index=list(bad)), batch.loc[[label for label in batch.index if label in bad]]]


def quarantine_swapped(batch, contract):
    bad = batch.index.isin(list(_failing_labels(batch, contract)))
    return batch[bad], batch[~bad]


def quarantine_renumbered(batch, contract):
    bad = batch.index.isin(list(_failing_labels(batch, contract)))
    return batch[~bad].reset_index(drop=True), batch[bad].reset_index(drop=True)


def test_quarantine_takes_a_list_built_with_drop_and_loc() -> None:
    assert evaluate("03.quarantine", quarantine_as_list).status == "correct"


def test_quarantine_says_when_the_two_frames_are_swapped() -> None:
    result = evaluate("03.quarantine", quarantine_swapped)
    assert result.status == "wrong" and "wrong order" in result.message


def test_quarantine_says_when_the_labels_are_lost() -> None:
    result = evaluate("03.quarantine", quarantine_renumbered)
    assert result.status == "wrong" and "labels" in result.message and "reconcile" not in result.message


def services_as_array(df):
    says_no = df[data.ADDONS].eq("No internet service")
    no_internet = df["InternetService"].eq("No")
    internet_ok = np.where(no_internet, says_no.all(axis=1), ~says_no.any(axis=1))
    return internet_ok & (df["PhoneService"].eq("No") == df["MultipleLines"].eq("No phone service")).to_numpy()


def test_services_consistent_takes_a_numpy_array() -> None:
    assert evaluate("03.services_consistent", services_as_array).status == "correct"


def mask_card_own_regex(text):
    def last_four(match):
        digits = "".join(ch for ch in match.group(0) if ch.isdigit())
        return f"[CARD ending {digits[-4:]}]"

    return re.sub(r"\b(?:\d[ -]?){12,15}\d\b", last_four, text)


def test_mask_card_takes_an_own_pattern() -> None:
    assert evaluate("03.mask_card", mask_card_own_regex).status == "correct"
