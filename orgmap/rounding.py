"""How answers round money, in one place, so every door (HTTP, MCP, the CLI's JSON) shows the same figure.

Sums shown to people (a cost, a cost per day, a projected month) are dollars to the cent; a unit cost (a run, a
thousand runs), where cents are too coarse, keeps at least `SIGNIFICANT` significant digits. The answer types apply
these as they are built (`orgmap.answer_types.Usd`, `UnitUsd`); `cents_adding_up` rounds a ranked view's rows so
that they add up to its rounded total. Every other figure of an answer (a ratio, a token rate, an alert's evidence)
is `tidy` when it is serialised: binary noise such as 3.6999999999999997 is gone.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

__all__ = ["SIGNIFICANT", "cents", "cents_adding_up", "tidy", "unit_usd"]

SIGNIFICANT = 4


def cents(x: float) -> float:
    """Dollars to the cent (never -0.0).

    >>> cents(3.6999999999999997)
    3.7
    """
    return round(x, 2) + 0.0


def unit_usd(x: float) -> float:
    """Dollars to the cent, or to `SIGNIFICANT` significant digits when that is finer (a run of $0.0031234).

    >>> unit_usd(8.9465871), unit_usd(0.0031234), unit_usd(1234.5678)
    (8.947, 0.003123, 1234.57)
    """
    if x == 0 or not math.isfinite(x):
        return x
    return round(x, max(2, SIGNIFICANT - 1 - math.floor(math.log10(abs(x))))) + 0.0


def cents_adding_up(values: Sequence[float], total: float) -> list[float]:
    """`values` to the cent such that they add up to `total` to the cent: each is rounded to the nearest cent, and
    the cents that rounding lost or gained (at most one per value) go to the values rounding moved the furthest.

    >>> cents_adding_up([1 / 3, 1 / 3, 1 / 3], 1.0)
    [0.34, 0.33, 0.33]
    """
    target = round(total * 100)
    out = [round(v * 100) for v in values]
    gap = target - sum(out)
    step = 1 if gap > 0 else -1
    # the values rounded down the most get a cent first (rounded up the most lose one first); ties by position
    order = sorted(range(len(values)), key=lambda i: step * (out[i] - values[i] * 100))
    for i in order[:abs(gap)]:
        out[i] += step
    return [c / 100 for c in out]


def tidy(value: object) -> object:
    """`value` with every float in it (through dicts and lists) cut to 12 significant digits: the noise of binary
    floating point goes (0.1 + 0.2 reads 0.3), every digit that means something stays.

    >>> tidy({"ratio": 3.6999999999999997, "items": [0.1 + 0.2, 7, "x"], "big": 123456.78})
    {'ratio': 3.7, 'items': [0.3, 7, 'x'], 'big': 123456.78}
    """
    if type(value) is float:
        return float(f"{value:.12g}")
    if type(value) is dict:
        return {k: tidy(v) for k, v in value.items()}
    if type(value) is list:
        return [tidy(v) for v in value]
    return value
