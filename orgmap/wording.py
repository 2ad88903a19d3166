"""How answers word figures, so a sum reads the same in every summary sentence."""

from __future__ import annotations

__all__ = ["money"]


def money(x: float) -> str:
    """Dollars to the cent, with thousands separators.

    >>> money(1234.5)
    '$1,234.50'
    """
    return f"${x:,.2f}"
