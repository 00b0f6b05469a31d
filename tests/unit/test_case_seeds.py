"""Checks that make up cases draw them afresh on every check (no answer or table written before can know them), and
the grader's re-check, on a fresh import of the machinery, judges the answer on the same cases: a half-right answer
gets the same points from the check cell and from the re-check, so it is not flagged."""

from __future__ import annotations

import re
from unittest import mock

import numpy as np
import pytest
from mlopslab import exercises, privacy, provisioning
from mlopslab.checks import _guards, lab03, lab04


def _masks_some_cards(text: str) -> str:
    """Keeps three digits instead of four when a card ends in 0-4: how many texts it gets right depends on the draw."""
    def one(match: re.Match) -> str:
        digits = re.sub(r"\D", "", match.group())
        return f"[CARD ending {digits[-4:] if int(digits[-1]) > 4 else digits[-3:]}]"

    return privacy.PII_PATTERNS["card"].sub(one, text)


def _blanks_some_totals(df):
    """Skips customers whose id starts with 00-04 (none of the lab's batch does): right or not depending on the ids
    the check draws."""
    out = df.copy()
    skipped = out["customerID"].str[:2].isin(["00", "01", "02", "03", "04"])
    broken = ~provisioning.total_matches_tenure_x_monthly(out).to_numpy() & ~skipped.to_numpy()
    out.loc[broken, "TotalCharges"] = np.nan
    return out


HALF_RIGHT = [(lab03, "03.mask_card", _masks_some_cards), (lab04, "04.clean_totals", _blanks_some_totals)]


@pytest.mark.parametrize(("module", "exercise_id", "answer"), HALF_RIGHT, ids=[h[1] for h in HALF_RIGHT])
def test_a_half_right_answer_scores_differently_on_other_draws(module, exercise_id, answer) -> None:
    """Without this, the re-check test below would pass with a fixed seed too."""
    scores = {exercises.evaluate(exercise_id, answer).score for _ in range(12)}
    assert len(scores) > 1, scores


def test_every_check_draws_a_new_seed_and_a_replayed_one_is_used_once() -> None:
    seeds = [_guards.case_seed("03.mask_card") for _ in range(3)]
    assert len(set(seeds)) == 3 and _guards.drawn()["03.mask_card"] == seeds[-1]
    _guards.replay({"03.mask_card": 12345})
    assert _guards.case_seed("03.mask_card") == 12345
    assert _guards.case_seed("03.mask_card") != 12345


@pytest.mark.parametrize(("module", "exercise_id", "answer"), HALF_RIGHT, ids=[h[1] for h in HALF_RIGHT])
def test_the_graders_recheck_replays_the_check_cells_cases(module, exercise_id, answer) -> None:
    """incell.recheck re-imports the machinery and re-runs the check cell's call: on the seeds the check cell drew."""
    from mlopslab.tools.grading import incell

    shown = []
    with mock.patch.object(incell, "_display", lambda mime, payload, text: shown.append(payload)):
        for _ in range(6):
            in_cell = exercises.evaluate(exercise_id, answer)
            incell.recheck(f"check({exercise_id!r}, answer)", {"answer": answer})
            again = shown[-1]["results"][0]
            assert (again["status"], again["score"]) == (in_cell.status, in_cell.score), shown[-1]


def test_the_graders_key_draws_the_same_cases_for_the_same_submission() -> None:
    """Grading a notebook twice gives the same grades: the key is made from its exercise cells, which any table typed
    into one of them changes."""
    from mlopslab.tools.grading import assemble

    sources = {"03.mask_card": "def mask_card(text):\n    return text", "03.quarantine": "def quarantine(rows, c):\n    ..."}
    key = assemble.case_key(sources)
    assert key == assemble.case_key(dict(reversed(sources.items())))
    assert key != assemble.case_key({**sources, "03.quarantine": sources["03.quarantine"] + "\nTABLE = {'a': 1}"})
    try:
        _guards.set_case_key(key)
        first = [_guards.case_seed("03.mask_card"), _guards.case_seed("04.clean_totals")]
        assert [_guards.case_seed("03.mask_card"), _guards.case_seed("04.clean_totals")] == first
        assert first[0] != first[1]
        _guards.set_case_key(key + "0")
        assert _guards.case_seed("03.mask_card") != first[0]
    finally:
        _guards._KEY.clear()
    assert _guards.case_seed("03.mask_card") != _guards.case_seed("03.mask_card")  # a student's kernel: fresh draws


def test_the_key_is_set_after_the_shared_prefix_and_before_the_first_check() -> None:
    from mlopslab.tools import answers, notebooks, prefix
    from mlopslab.tools.grading import assemble

    lab = notebooks.lab_paths(["02"])[0]
    built = assemble.assemble(lab, answers.filled(lab, "wrong"))
    ids = [c.id for c in built.nb.cells]
    where = ids.index(assemble.CASE_KEY_CELL)
    first_check = ids.index(next(iter(built.check_cells.values())))
    assert prefix.prefix_length(built.nb) < where < first_check
    assert assemble.case_key(built.sources) in built.nb.cells[where].source
