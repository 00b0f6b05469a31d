"""How far a number an answer gives may be from the check's own: as far as rounding it to some decimals moves it."""

from __future__ import annotations


def rounded(decimals: int) -> float:
    """The most that rounding to ``decimals`` decimals moves a number (half a unit of the last decimal kept), plus
    1e-9 for floating-point error: a value rounded to that many decimals or more lies within it."""
    return 0.5 * 10.0 ** -decimals + 1e-9
