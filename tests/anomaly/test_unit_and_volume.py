"""The unit-rate and daily-runs signals: what the hourly cost hides on small and sparse agents, one incident per
anomaly whichever signals see it, and dependency changes corroborated across their dependents."""

from __future__ import annotations

from datetime import timedelta

import numpy as np

from ledger.anomaly import AnomalyConfig, ChangeEvent, corroborated, detect
from ledger.anomaly.unit import pooled


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
