"""The cases a check makes up are drawn from the answer's code: the check cell and the grader's re-check (another
process, another string hash seed) judge the same answer on the same cases, so a half-right answer is not flagged."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import textwrap
from unittest import mock

import numpy as np
import pandas as pd
from mlopslab import exercises, privacy, provisioning
from mlopslab.checks import lab03, lab04
from mlopslab.checks._guards import answer_seed

SOURCE = textwrap.dedent('''
    import pandas as pd

    WORDS = {"card", "Card", "charge"}
    PREFIXES = pd.DataFrame({"digit": ["3", "4", "5"], "brand": ["amex", "visa", "mastercard"]})

    def brand(text):
        return PREFIXES.loc[PREFIXES["digit"] == text[:1], "brand"].tolist()

    def mask(text):
        if any(word in text for word in {"card", "Card", "charge"} | WORDS) and brand(text):
            return text.upper()
        return text
''')


def _seed_in_a_new_process(hash_seed: str) -> int:
    code = f"from mlopslab.checks._guards import answer_seed\nexec({SOURCE!r})\nprint(answer_seed(mask, '03.mask_card'))"
    env = {**os.environ, "PYTHONHASHSEED": hash_seed}
    return int(subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True).stdout)


def test_the_seed_is_the_same_in_every_process_and_changes_with_the_code() -> None:
    namespace: dict = {"__name__": "__main__"}  # as in a kernel: the functions are the notebook's
    exec(SOURCE, namespace)  # noqa: S102 -- the test's own source
    here = answer_seed(namespace["mask"], "03.mask_card")
    assert {_seed_in_a_new_process("1"), _seed_in_a_new_process("2")} == {here}  # sets, frames, helpers
    exec(SOURCE.replace("upper", "lower"), namespace)  # noqa: S102
    assert answer_seed(namespace["mask"], "03.mask_card") != here
    assert answer_seed(namespace["mask"], "03.other") != answer_seed(namespace["mask"], "03.mask_card")


def test_a_table_filled_in_after_seeing_the_cases_draws_other_cases() -> None:
    """A lookup whose code stays the same while its table grows: the table is part of what the seed is drawn from."""
    table: dict[str, str] = {}
    frame = pd.DataFrame({"text": ["a"], "masked": ["b"]})

    def lookup(text):
        return table.get(text, text)

    def frame_lookup(text):
        return dict(zip(frame["text"], frame["masked"], strict=True)).get(text, text)

    def calls_a_helper(text):
        return lookup(text)

    before = [answer_seed(f, "03.mask_card") for f in (lookup, frame_lookup, calls_a_helper)]
    table["Card ending 4111"] = "[CARD ending 4111]"
    frame.loc[1] = ["c", "d"]
    after = [answer_seed(f, "03.mask_card") for f in (lookup, frame_lookup, calls_a_helper)]
    assert all(b != a for b, a in zip(before, after, strict=True))


def _masks_some_cards(text: str) -> str:
    """Keeps three digits instead of four when a card ends in 0-4: how many texts it gets right depends on the draw."""
    def one(match: re.Match) -> str:
        digits = re.sub(r"\D", "", match.group())
        return f"[CARD ending {digits[-4:] if int(digits[-1]) > 4 else digits[-3:]}]"

    return privacy.PII_PATTERNS["card"].sub(one, text)


def _blanks_some_totals(df):
    """Skips customers whose id starts with 9: right or not depending on the ids drawn."""
    out = df.copy()
    broken = ~provisioning.total_matches_tenure_x_monthly(out).to_numpy() & ~out["customerID"].str.startswith("9")
    out.loc[broken.to_numpy(), "TotalCharges"] = np.nan
    return out


def test_the_answers_below_score_differently_on_other_draws() -> None:
    """Without this, the next test would pass with a fresh draw per call too."""
    for module, exercise_id, answer in ((lab03, "03.mask_card", _masks_some_cards),
                                        (lab04, "04.clean_totals", _blanks_some_totals)):
        scores = set()
        for seed in range(0, 12 * 7919, 7919):
            with mock.patch.object(module, "answer_seed", lambda _answer, _salt, seed=seed: seed):
                scores.add(exercises.evaluate(exercise_id, answer).score)
        assert len(scores) > 1, exercise_id


def test_a_half_right_answer_gets_the_same_verdict_every_time() -> None:
    for exercise_id, answer in (("03.mask_card", _masks_some_cards), ("04.clean_totals", _blanks_some_totals)):
        verdicts = {(v.status, v.score, v.message) for v in (exercises.evaluate(exercise_id, answer) for _ in range(4))}
        assert len(verdicts) == 1, (exercise_id, verdicts)
        assert next(iter(verdicts))[0] != "correct"
