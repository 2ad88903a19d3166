"""Detection settings: one frozen `AnomalyConfig`, with per-agent overrides read from a note's frontmatter."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from typing import Any, TypeVar

__all__ = ["AnomalyConfig", "ConfigError", "with_numbers"]

Settings = TypeVar("Settings")
_MOST = 1_000_000  # any setting: more days than that overflows a microsecond timestamp; more of anything is a typo


class ConfigError(ValueError):
    """A bad override: names the field and the value."""


def with_numbers(base: Settings, overrides: object, what: str) -> Settings:
    """`base` (a dataclass of numbers) with fields replaced from a note's `what:` mapping; a ConfigError names the
    first unknown key, wrong type or negative value (a string would be multiplied, not compared, where it is used).

    >>> with_numbers(AnomalyConfig(), {"spike_z": 6}, "anomaly").spike_z
    6.0
    """
    if not overrides:
        return base
    if not isinstance(overrides, Mapping):
        raise ConfigError(f"{what}: needs a mapping of settings, got {overrides!r}")
    known = {f.name: type(getattr(base, f.name)) for f in fields(base)}  # type: ignore[arg-type]
    changes: dict[str, Any] = {}
    for key, value in overrides.items():
        if key not in known:
            raise ConfigError(f"{what}: unknown field {key!r} (known: {', '.join(sorted(known))})")
        kind = known[key]
        if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= _MOST:
            raise ConfigError(f"{what}: field {key!r} needs a number from 0 to {_MOST:,}, got {value!r}")
        if kind is int and value != int(value):
            raise ConfigError(f"{what}: field {key!r} needs a whole number, got {value!r}")
        changes[key] = kind(value)
    return replace(base, **changes)  # type: ignore[type-var]


@dataclass(frozen=True, slots=True)
class AnomalyConfig:
    """Every threshold of detection, gating and attribution. Amounts in USD, times in hours.

    >>> AnomalyConfig().with_overrides({"min_excess_usd_day": 20}).min_excess_usd_day
    20.0
    """

    # baseline: the same hour of previous days, in log1p(cost)
    lookback_days: int = 14
    min_samples: int = 2
    mad_scale: float = 1.4826
    mad_floor: float = 0.12
    pooled_scale: float = 0.6
    dow_min_days: int = 21
    week_lookback: int = 4  # weeks of the same weekday an hour is also compared with, once `week_min_samples`
    week_min_samples: int = 2  # of them exist and their median lies `week_apart` scales from the usual one (a
    week_apart: float = 2.0  # weekday with a level of its own: a weekly cadence is then the agent's normal)
    # rules
    spike_z: float = 4.0
    spike_hits: int = 2
    spike_span: int = 3
    cusum_k: float = 0.5
    cusum_h: float = 5.0
    cusum_clip: float = 3.0
    onset_k: float = 1.0
    active_z: float = 3.0
    quiet_hours: int = 6
    spike_max_hours: int = 12
    # recovery: a lasting shift ends once its cost stays within `recovery_band` of the old level for this many hours
    recovery_hours: int = 24
    recovery_band: float = 0.15
    # unit rates (cost per run, price per token) pooled over the last `pool_runs` runs, at most `pool_max_hours`
    pool_runs: int = 20
    pool_runs_long: int = 100  # a second, slower pool: a lasting x1.4 in runs of heavy-tailed size stands out
    pool_min_hours: int = 3
    pool_max_hours: int = 72
    pool_min_runs: int = 3
    pool_stride: int = 2  # hours between the history samples the pooled baseline takes
    pool_refresh: int = 6  # hours between fresh sample sets: spans starting within one block share them
    pool_min_samples: int = 16
    unit_z: float = 4.5
    unit_hits: int = 2  # consecutive verdicts above `unit_z`
    unit_floor: float = 0.05  # least scale of a pooled log ratio
    # daily runs (volume) against the same 24 h of earlier days
    volume_z: float = 4.0
    volume_min_days: int = 3
    volume_floor: float = 0.1  # least scale: this share of the usual day's runs
    # gates against false alarms: excess per day >= max(floor, share x the agent's daily cost), and a percent;
    # the floor: less than $0.20 a day ($6 a month) is not worth a person's look, whatever the multiple
    min_excess_usd_day: float = 0.2
    min_excess_share: float = 0.2
    cost_excess_share: float = 1.0  # the hourly-cost rules (noisier than unit rates) need a day's cost of excess
    gate_hours: int = 24  # the excess must reach a day of the required rate, and keep that rate after
    min_excess_pct: float = 0.3
    min_runs: float = 3.0
    sparse_share: float = 0.5  # an incident whose hours mostly have a zero same-hour baseline is sparse...
    day_z: float = 4.0  # ...and its trailing 24 h cost must stand out this far from earlier days' (robust z)
    day_floor: float = 0.25  # the daily scale is at least this share of the daily median
    # incremental passes
    window_hours: int = 168
    warmup_hours: int = 48
    # attribution
    attribution_window_hours: float = 48.0
    skew_tolerance_hours: float = 1.0
    decay_hours: float = 12.0
    peer_window_hours: float = 6.0
    min_score: float = 0.3
    top_candidates: int = 3

    def with_overrides(self, overrides: object) -> AnomalyConfig:
        """This config with fields replaced from a mapping (a note's `anomaly:` frontmatter); unknown keys fail."""
        return with_numbers(self, overrides, "anomaly")
