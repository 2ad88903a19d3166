"""The unit-rate and daily-runs signals: what the hourly cost hides on small and sparse agents, one incident per
anomaly whichever signals see it, and dependency changes corroborated across their dependents."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import numpy as np
import pytest

from ledger.anomaly import AnomalyConfig, ChangeEvent, corroborated, detect
from ledger.anomaly.unit import pooled, unit_z


def _hours(anomaly, series) -> int:
    return int((anomaly.onset - series.start) / timedelta(hours=1))


def test_pooled_ratio_spans_enough_runs_by_hand():
    cost = np.array([1.0, 0.0, 3.0, 2.0, 4.0])
    runs = np.array([1.0, 0.0, 1.0, 1.0, 2.0])
    ratio, got, starts = pooled(cost, runs, runs, AnomalyConfig(pool_runs=3, pool_min_hours=1, pool_min_runs=2))
    # hour 3: the last three runs are hours 0-3 ($6 / 3 runs); hour 4: hours 3-4 hold three runs ($6 / 3)
    assert np.exp(ratio[3]) == 2.0 and got[3] == 3.0 and starts[3] == 0
    assert np.exp(ratio[4]) == 2.0 and got[4] == 3.0 and starts[4] == 3
    assert np.isnan(ratio[1])  # no run in that hour: no new verdict



def test_pooled_baselines_are_shared_within_a_refresh_block_and_skip_hours_without_runs():
    rng = np.random.default_rng(0)
    ratio = rng.normal(0.0, 0.1, 400)
    ratio[390] = np.nan  # no run that hour
    got = np.full(400, 20.0)
    starts = np.arange(400) - 3
    targets = np.arange(380, 400)
    config = AnomalyConfig()
    z, med = unit_z(ratio, got, starts, targets, 0, config)
    blocks = (starts[targets] // config.pool_refresh).tolist()
    for i in range(len(targets)):
        for j in range(len(targets)):
            if blocks[i] == blocks[j] and i != 10 and j != 10:
                assert med[i] == med[j]  # the same samples, summarised once
    assert np.isnan(z[10]) and np.isnan(med[10])
    anchor = blocks[0] * config.pool_refresh  # the samples end where the block of the first target's span begins
    assert med[0] == np.nanmedian(ratio[anchor - np.arange(1, 24 * config.lookback_days + 1, config.pool_stride)])

def test_a_small_sparse_agent_whose_price_quintuples_is_found_within_hours(series):
    # about 8 runs a day at $0.19: $1.50 a day, a few runs an hour at most; the model swap at hour 300
    s = series(21, seed=2, runs=8 / 24, price=9.4e-5, changes=(("price", 300, None, 5.0),))
    [a] = detect(s, history=True)
    assert a.factor == "price" and a.kind == "shift"
    assert 300 <= _hours(a, s) <= 306
    assert a.detected_at - s.hour(300) <= timedelta(hours=24)


def test_a_tiny_agents_noise_and_a_small_agents_history_raise_nothing(series):
    for seed in range(3):
        assert detect(series(21, seed=seed, runs=8 / 24, price=2e-5), history=True) == []
        assert detect(series(21, seed=seed, runs=2, price=1e-6), history=True) == []


def test_growth_in_daily_runs_is_volume_with_its_onset_within_a_day(series):
    # runs x2.2 ramped in over three days from hour 14 x 24 (a weekday), no change recorded
    s = series(21, seed=4, runs=3.0, changes=tuple(("runs", 336 + 6 * k, 336 + 6 * (k + 1) if k < 11 else None,
                                                    1 + 1.2 * (k + 1) / 12) for k in range(12)))
    found = detect(s, history=True)
    assert len(found) == 1, [a.sentence for a in found]
    assert found[0].factor == "volume" and found[0].abstained
    assert 336 - 6 <= _hours(found[0], s) <= 336 + 24


def test_one_incident_when_several_signals_see_it(series):
    s = series(14, runs=5, changes=(("price", 200, None, 6.0),))
    found = detect(s, history=True)
    assert [(a.factor, _hours(a, s)) for a in found] == [("price", 200)]


def test_a_dependency_change_that_moved_one_dependent_lowers_the_floor_for_the_others(series, hour):
    [moved] = detect(series(7, agent="A", changes=(("calls", 100, None, 2.0),)))
    config = AnomalyConfig()
    change = ChangeEvent("c", hour(99), "Retriever", "config", "top_k 5 -> 12", graph_distance=1)
    far = ChangeEvent("old", hour(20), "Retriever", "config", "earlier", graph_distance=1)
    spans = corroborated({"A": [change, far]}, [moved], {"Retriever": {"A", "B", "C"}, "Other": {"A", "D"}}, config)
    assert sorted(spans) == ["B", "C"]
    assert spans["B"] == [(hour(98), hour(105))]
    # a change on the agent itself corroborates nothing
    own = ChangeEvent("d", hour(99), "A", "deploy", "v2", graph_distance=0)
    assert corroborated({"A": [own]}, [moved], {"A": {"A"}}, config) == {}


def test_a_weekly_batch_job_is_its_own_normal_and_a_busier_week_still_counts(series):
    # 20 runs at 07:00 every Monday ($2 a week) for six weeks: no weekday but Monday has runs, so against the usual
    # weekdays every Monday is a jump; against two earlier Mondays it is not (the first day of history has no full
    # trailing day, so the third Monday is the last with fewer than two)
    clean = series(42, seed=5, daily_at=7, weekday=0, runs=20)
    found = detect(clean, history=True)
    assert all(a.onset < clean.hour(21 * 24) for a in found), [a.sentence for a in found]
    assert all(a.kind == "spike" for a in found)  # a burst, not a level shift: later Mondays keep their history
    monday = 35 * 24 + 7  # the sixth Monday runs 3x
    s = series(42, seed=5, daily_at=7, weekday=0, runs=20, changes=(("runs", monday, monday + 1, 3.0),))
    [a] = [a for a in detect(s, history=True) if a.onset >= s.hour(21 * 24)]
    assert a.factor == "volume" and _hours(a, s) == monday


def test_the_dollar_floor_keeps_a_cents_agent_quiet_and_not_a_dimes_agent(series):
    # 24 runs a day of 2000 tokens; x3 the price from hour 200 adds 2 x the daily cost every day
    cents = series(14, seed=1, runs=1, price=1.04e-6, changes=(("price", 200, None, 3.0),))  # $0.05/day: +$0.10/day
    assert detect(cents, history=True) == []
    dimes = series(14, seed=1, runs=1, price=6.25e-6, changes=(("price", 200, None, 3.0),))  # $0.30/day: +$0.60/day
    [a] = detect(dimes, history=True)
    assert a.factor == "price" and abs(_hours(a, dimes) - 200) <= 2



def test_a_daily_job_turned_hourly_is_dated_where_it_turned_not_at_an_earlier_busy_run(series):
    # one run at 07:00 every day; four on day 9; from day 10 at 12:00 a run every hour (a schedule change)
    s = series(14, daily_at=7, changes=(("runs", 9 * 24 + 7, 9 * 24 + 8, 4.0), ("runs", 252, None, 0.0)))
    found = detect(s, history=True)
    assert [(a.factor, abs(_hours(a, s) - 252) <= 6) for a in found] == [("volume", True)], \
        [(a.sentence, _hours(a, s)) for a in found]


def test_a_jump_in_runs_on_a_growing_agent_is_dated_where_it_jumped(series):
    # 2% more runs every day for three weeks (the same-hour baseline of earlier days runs low), then x1.8 at hour 400:
    # the onset is the jump, not where the drift above the baseline began
    growth = tuple(("runs", 24 * d, None, 1.02) for d in range(1, 21))
    for seed in range(3):
        s = series(21, seed=seed, runs=10.0, changes=(*growth, ("runs", 400, None, 1.8)))
        found = [a for a in detect(s, history=True) if a.factor == "volume"]
        assert [abs(_hours(a, s) - 400) <= 6 for a in found] == [True], [(a.sentence, _hours(a, s)) for a in found]


def _with_outcomes(s, per_run: float, halved_from: int | None, seed: int = 5):
    """The series with outcomes: each run delivers one with probability `per_run`, half that from `halved_from`."""
    rng = np.random.default_rng(seed)
    share = np.full(len(s), per_run)
    if halved_from is not None:
        share[halved_from:] /= 2
    return replace(s, outcomes=rng.binomial(np.asarray(s.runs, dtype=int), share).astype(float).tolist())


def test_cost_flat_while_outcomes_halve_is_an_anomaly_on_cost_per_outcome(series):
    # $0.10 a run, 20 runs an hour, 90% of runs resolve a ticket (~$0.11 each); from hour 400 only 45% do
    s = _with_outcomes(series(21, seed=4), 0.9, 400)
    [a] = detect(s, history=True)
    assert 400 <= _hours(a, s) <= 406 and a.per_outcome is not None
    old, new = a.per_outcome
    assert old == pytest.approx(0.1 / 0.9, rel=0.05) and new == pytest.approx(0.1 / 0.45, rel=0.08)
    assert a.sentence.startswith("Support Agent: cost per outcome rose 2.0x ($0.11 -> $0.23) from")
    assert a.ratio == pytest.approx(2.0, rel=0.08)  # what the work should have cost at the old rate, doubled


def test_steady_outcomes_and_an_agent_without_outcomes_raise_nothing(series):
    for seed in range(3):
        assert detect(_with_outcomes(series(21, seed=seed), 0.9, None, seed), history=True) == []
    assert detect(series(21, seed=4), history=True) == []  # the same traffic, no outcomes reported
