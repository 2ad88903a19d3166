"""Incidents of a z-score series that moves slowly (a pooled unit rate, a trailing day of runs): fire after a few
consecutive verdicts above a threshold, find the onset by a CUSUM run back from there, restart the baseline at the
onset of a lasting shift. Shared by the unit-rate and the volume signals."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from ledger.anomaly.config import AnomalyConfig

__all__ = ["Episode", "rise_onset", "scan_episodes"]


@dataclass(frozen=True, slots=True)
class Episode:
    """One incident of a signal: hours as indices; `expected` is the cost the old level predicts for each hour
    from `onset` to the end of the series; `end` None: the new level persists."""

    rule: str
    onset: int
    fired: int
    end: int | None
    z_max: float
    floor: int
    expected: np.ndarray


STEP_SHARE = 0.25  # a rise is a step when the hours before the steepest one hold less than this share of its excess


def rise_onset(actual: np.ndarray, expected: np.ndarray, lo: int, hi: int, allowance: float,
               noise: np.ndarray | None = None) -> int:
    """Where a rise seen at `hi` began: one hour after the last zero of the CUSUM of actual - expected x (1 +
    allowance) - noise from `lo` to `hi`, moved on to the first hour with some actual. When the rise is a step (the
    hours from there to the step hold under `STEP_SHARE` of its excess an hour: a baseline a little low, a lucky
    hour long before), the step.

    >>> rise_onset(np.array([1.0, 1, 1, 3, 3, 3]), np.ones(6), 0, 5, 0.5)
    3
    >>> rise_onset(np.array([1.2, 1.2, 1.2, 1.2, 1.2, 1.2, 1.2, 3, 3, 3]), np.ones(10), 0, 9, 0.1)
    7
    """
    s, last_zero = 0.0, lo - 1
    for h in range(lo, hi + 1):
        slack = float(noise[h]) if noise is not None else 0.0
        s = max(0.0, s + float(actual[h]) - float(expected[h]) * (1 + allowance) - slack)
        if s == 0.0:
            last_zero = h
    onset = min(last_zero + 1, hi)
    step = _step(actual, expected, onset, hi)
    if step > onset and _rate(actual, expected, onset, step) < STEP_SHARE * _rate(actual, expected, step, hi + 1):
        onset = step
    while onset < hi and actual[onset] <= 0:
        onset += 1
    return onset


def _step(actual: np.ndarray, expected: np.ndarray, lo: int, hi: int) -> int:
    """The hour from which the excess up to `hi` stands out most in Poisson deviations (of equals, the latest)."""
    excess = np.cumsum((actual[lo : hi + 1] - expected[lo : hi + 1])[::-1])
    weight = np.cumsum(expected[lo : hi + 1][::-1])
    return hi - int(np.argmax(excess / np.sqrt(1.0 + weight)))


def _rate(actual: np.ndarray, expected: np.ndarray, lo: int, hi: int) -> float:
    """Excess an hour over hours [lo, hi)."""
    return float((actual[lo:hi] - expected[lo:hi]).sum()) / max(hi - lo, 1)


def scan_episodes(rule: str, z: np.ndarray, targets: np.ndarray, floor: int, threshold: float, hits: int,
                  rebase: Callable[[int, np.ndarray], np.ndarray],
                  open_episode: Callable[[int, int, int], tuple[int, np.ndarray]],
                  config: AnomalyConfig, lag: int = 0) -> list[Episode]:
    """Walk the verdicts; `hits` consecutive ones above `threshold` open an episode (`open_episode(i, t, lo)` gives
    its onset, not before `lo`, and expected cost); it stays active while z > `active_z` and closes after
    `quiet_hours` calm.
    One that lasts `spike_max_hours` restarts the baseline at its onset (`rebase(floor, rest) -> z`) and persists.
    `lag`: how many hours a verdict looks back (its pooled span): an hour's burst stays in view that much longer, so
    it is added to `spike_max_hours` and taken off the end of a closed episode."""
    zs = z.tolist()  # plain floats: this loop runs over every hour scanned, NaN (no verdict) is zt != zt
    found: list[Episode] = []
    run, current = 0, None  # current: [onset, fired, last_active, z_max, restarted, floor, expected]
    since = max(floor, int(targets[0])) if len(targets) else floor  # onsets lie after the last episode's end
    for i, t in enumerate(targets.tolist()):
        zt = zs[i]
        if zt != zt:
            continue
        if current is None:
            run = run + 1 if zt > threshold else 0
            if run >= hits:
                onset, expected = open_episode(i, t, max(floor, since))
                current = [onset, t, t, zt, False, floor, expected]
            continue
        current[3] = max(current[3], zt)
        if zt > config.active_z:
            current[2] = t
            if not current[4] and t - current[0] >= config.spike_max_hours + lag and i + 1 < len(targets):
                current[4], floor = True, current[0]
                zs[i + 1 :] = rebase(floor, targets[i + 1 :]).tolist()
        elif t - current[2] >= config.quiet_hours:
            found.append(_close(rule, current, max(current[0] + 1, current[2] + 1 - lag)))
            since = current[2] + 1
            current, run = None, 0
    if current is not None:
        found.append(_close(rule, current, None))
    return found


def _close(rule: str, c: list, end: int | None) -> Episode:
    onset, fired, _, z_max, restarted, floor, expected = c
    return Episode(rule, onset, fired, None if restarted else end, z_max, floor, expected)
