"""When an anomaly ends: its cost back within the old level for long enough, and the change that likely fixed it.

A lasting shift restarts the detection baseline at its onset (the new level becomes the agent's normal there), so a
return to the old level never shows as a break of its own. It is found here instead, against the cost the old level
predicts for each hour after the onset (the `expected` that describes the anomaly).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

import numpy as np

from ledger.anomaly.config import AnomalyConfig
from ledger.anomaly.model import ChangeEvent

__all__ = ["likely_fix", "recovery"]


def recovery(actual: np.ndarray, expected: np.ndarray, config: AnomalyConfig) -> int | None:
    """The hour (an index into `actual`, the anomaly's hours from its onset) from which its cost is back within the
    old level, or None while it is not.

    Back within: over `recovery_hours` consecutive hours in which the old level expects some cost, the cost exceeds
    the `expected` cost by at most `recovery_band` of it (quiet hours, a weekend of a weekday agent, say nothing;
    no dollar floor: a cheap agent's quiet night is not a recovery). The end is the first
    such stretch's hour after which the excess over the band stopped adding up (where its running sum peaks): the
    last elevated hour, not the start of a stretch that still holds a few of them.

    >>> config = AnomalyConfig(recovery_hours=4)
    >>> recovery(np.array([3.0] * 6 + [1.0] * 5), np.ones(11), config)
    6
    >>> recovery(np.array([3.0] * 6 + [1.0] * 3), np.ones(9), config) is None
    True
    """
    span = config.recovery_hours
    if len(actual) < span + 1:
        return None
    excess = np.concatenate([[0.0], np.cumsum(actual - expected)])
    base = np.concatenate([[0.0], np.cumsum(expected)])
    windows = excess[span:] - excess[:-span]  # window starting at hour i: excess over hours [i, i + span)
    usual = base[span:] - base[:-span]
    calm = np.flatnonzero((windows[1:] <= config.recovery_band * usual[1:]) & (usual[1:] > 0)) + 1  # never the onset
    if not len(calm):
        return None
    start = int(calm[0])
    over = np.cumsum(actual[start : start + span] - expected[start : start + span] * (1 + config.recovery_band))
    peak = int(np.argmax(over))
    return start + peak + 1 if over[peak] > 0 else start


def likely_fix(changes: Iterable[ChangeEvent], onset: datetime, end: datetime, cause: str | None,
               config: AnomalyConfig) -> ChangeEvent | None:
    """The change (on the agent or what it depends on) that most likely ended an anomaly: of those after its onset
    and before its end (`skew_tolerance_hours` either way), not its cause, the latest; of equals, the nearest in
    the graph."""
    skew = timedelta(hours=config.skew_tolerance_hours)
    between = [c for c in changes if onset < c.ts <= end + skew and c.id != cause and c.graph_distance is not None]
    return max(between, key=lambda c: (c.ts, -(c.graph_distance or 0), c.id), default=None)
