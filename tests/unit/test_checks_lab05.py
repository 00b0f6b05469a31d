"""Lab 05's checks on honest answers that differ from the reference solution."""

from __future__ import annotations

import numpy as np
from mlopslab.checks import lab05  # noqa: F401 -- registers the checks
from mlopslab.exercises import evaluate


def campaign_loop_whole_euros(y_true, scores, threshold, economics):
    """A loop over the customers; the profit rounded to whole euros."""
    matrix = economics.cost_matrix()
    contacted = churners = 0
    profit = 0.0
    for label, score in zip(np.asarray(y_true), np.asarray(scores), strict=True):
        if score >= threshold:
            contacted += 1
            churners += int(label == 1)
            profit += matrix.loc["churns" if label == 1 else "stays", "contacted"]
    return {"contacted": contacted, "churners_contacted": churners, "profit": round(profit)}


def test_campaign_takes_a_loop_and_whole_euros() -> None:
    assert evaluate("05.campaign", campaign_loop_whole_euros).status == "correct"


def _profit(y, scores, threshold, economics):
    return campaign_loop_whole_euros(y, scores, threshold, economics)["profit"]


def own_grid_as_list(y_val, val_scores, y_test, test_scores, economics):
    """The threshold chosen over an own grid with an own campaign function, returned as a list."""
    grid = np.linspace(0, 1, 101)
    chosen = max(grid, key=lambda threshold: _profit(y_val, val_scores, threshold, economics))
    return [float(chosen), _profit(y_test, test_scores, chosen, economics)]


def validation_profit_instead(y_val, val_scores, y_test, test_scores, economics):
    grid = np.linspace(0, 1, 101)
    chosen = max(grid, key=lambda threshold: _profit(y_val, val_scores, threshold, economics))
    return chosen, _profit(y_val, val_scores, chosen, economics)


def test_test_profit_takes_an_own_grid_and_a_list() -> None:
    assert evaluate("05.test_profit", own_grid_as_list).status == "correct"


def test_test_profit_refuses_the_validation_profit_in_whole_euros() -> None:
    result = evaluate("05.test_profit", validation_profit_instead)
    assert result.status == "wrong" and "validation months' own" in result.message
