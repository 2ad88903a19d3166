"""Small seeded hourly series for the anomaly tests: a steady agent whose levers can be changed from an hour on."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from ledger.series import HourlySeries

MONDAY = datetime(2025, 3, 3, tzinfo=UTC)


def make_series(
    days: int = 7,
    *,
    seed: int = 0,
    runs: float = 20.0,
    tokens: float = 2000.0,
    price: float = 5e-5,
    changes: tuple[tuple[str, int, int | None, float], ...] = (),
    missing: tuple[int, ...] = (),
    daily_at: int | None = None,
    weekday: int | None = None,
    agent: str = "Support Agent",
    start: datetime = MONDAY,
) -> HourlySeries:
    """`runs` per hour (Poisson), one call of `tokens` (lognormal, 10%) per run at `price` a token: $0.10 a run.

    `changes`: (lever, from hour, to hour or None, factor) with lever runs | calls | tokens | price;
    `daily_at`: a daily job at that hour instead (runs = 1); with `weekday` (0 = Monday) a weekly job on that day
    instead, of `runs` runs (Poisson); `missing`: hours with no data at all.
    """
    rng = np.random.default_rng(seed)
    n = days * 24
    rate = np.full(n, runs)
    clock = start.weekday() * 24 + start.hour + np.arange(n)
    if daily_at is not None:
        rate = (clock % 24 == daily_at).astype(float)
    if daily_at is not None and weekday is not None:
        rate *= (clock // 24 % 7 == weekday) * runs
    levers = {"runs": rate, "calls": np.ones(n), "tokens": np.full(n, tokens), "price": np.full(n, price)}
    for lever, lo, hi, factor in changes:
        if lever == "runs" and factor == 0:  # cadence: every hour once
            levers["runs"][lo:hi] = 1.0
        else:
            levers[lever][lo:hi] *= factor
    poisson = daily_at is None or weekday is not None
    run_count = rng.poisson(levers["runs"]).astype(float) if poisson else levers["runs"].copy()
    calls = np.round(run_count * levers["calls"])
    retries = calls - run_count
    toks = calls * levers["tokens"] * np.exp(rng.normal(0, 0.1, n))
    cost = toks * levers["price"]
    keep = np.ones(n)
    keep[list(missing)] = 0.0
    model = {"small-model": (cost * keep * (levers["price"] == price)).tolist()}
    if (levers["price"] != price).any():
        model["big-model"] = (cost * keep * (levers["price"] != price)).tolist()
    return HourlySeries(
        agent, start, (cost * keep).tolist(), (run_count * keep).tolist(), (calls * keep).tolist(),
        (toks * 0.75 * keep).tolist(), (toks * 0.25 * keep).tolist(), (retries * keep).tolist(), model,
    )


@pytest.fixture
def series() -> Callable[..., HourlySeries]:
    return make_series


def at(hour: int, start: datetime = MONDAY) -> datetime:
    return start + timedelta(hours=hour)


@pytest.fixture
def hour() -> Callable[[int], datetime]:
    return at
