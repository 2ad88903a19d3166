"""Detection: each kind of incident found with the right factor and onset, and the gates that keep noise out."""

from __future__ import annotations

from datetime import timedelta

import pytest

from ledger.anomaly import AnomalyConfig, ChangeEvent, anomaly_id, detect


def _hours(anomaly, series) -> int:
    return int((anomaly.onset - series.start) / timedelta(hours=1))


def test_retry_loop_is_a_spike_of_retries_with_its_onset_to_the_hour(series):
    s = series(7, changes=(("calls", 130, 134, 10.0),))
    [a] = detect(s)
    assert (a.kind, a.factor, _hours(a, s)) == ("spike", "retries", 130)
    assert s.hour(134) <= a.end <= s.hour(135)
    assert a.observed.calls_per_run == pytest.approx(10.0)
    assert a.observed.retry_share == pytest.approx(0.9)


def test_prompt_bloat_is_a_tokens_shift(series):
    s = series(7, changes=(("tokens", 120, None, 1.6),))
    [a] = detect(s)
    assert (a.kind, a.factor) == ("shift", "tokens")
    assert abs(_hours(a, s) - 120) <= 2
    assert a.end is None  # the new level persists
    assert a.ratio == pytest.approx(1.6, rel=0.1)
    assert a.shares.tokens > 0.8


def test_model_swap_is_a_price_shift_found_within_two_hours(series):
    s = series(7, changes=(("price", 100, None, 8.0),))
    [a] = detect(s)
    assert (a.factor, _hours(a, s)) == ("price", 100)
    assert a.detected_at - a.onset <= timedelta(hours=2)
    assert a.observed.model_mix == {"big-model": 1.0}
    assert a.shares.price > 0.9


def test_daily_job_turned_hourly_is_volume(series):
    s = series(7, daily_at=9, runs=0, tokens=60000, changes=(("runs", 110, None, 0),))
    [a] = detect(s)
    assert a.factor == "volume"
    assert abs(_hours(a, s) - 110) <= 2
    assert a.baseline.runs_per_hour < 0.1 < 0.9 < a.observed.runs_per_hour


def test_a_clean_agent_raises_nothing_over_four_weeks(series):
    assert detect(series(28, seed=3)) == []


def test_three_days_of_history_is_enough_and_two_give_nothing(series):
    s = series(3, changes=(("price", 60, None, 8.0),))
    [a] = detect(s)
    assert (_hours(a, s), a.factor) == (60, "price")
    two = series(2, changes=(("price", 30, None, 8.0),))
    assert detect(two) == []


def test_missing_hours_raise_nothing_and_hide_nothing(series):
    gaps = (50, 51, 52, 90, 91, 140)
    assert detect(series(7, missing=gaps)) == []
    s = series(7, missing=gaps, changes=(("price", 100, None, 8.0),))
    assert [(a.factor, _hours(a, s)) for a in detect(s)] == [("price", 100)]


def test_a_benign_one_hour_burst_does_not_alert(series):
    assert detect(series(7, changes=(("runs", 100, 101, 4.0),))) == []


def test_the_dollar_gate_scales_with_the_agent_and_a_per_agent_override(series):
    # $2.40 a day; its cost per run triples: $4.80 a day of excess clears max($0.05, 20% of $2.40) within hours
    small = series(7, runs=1, changes=(("price", 100, None, 3.0),))
    [a] = detect(small)
    assert a.factor == "price" and abs(_hours(a, small) - 100) <= 6
    strict = AnomalyConfig().with_overrides({"min_excess_usd_day": 20})
    assert detect(small, config=strict) == []
    # $0.002 a day: the same tripling is below the $0.05/day floor, found only without it
    tiny = series(7, runs=2, price=2e-8, changes=(("price", 100, None, 3.0),))
    assert detect(tiny) == []
    [b] = detect(tiny, config=AnomalyConfig().with_overrides({"min_excess_usd_day": 0}))
    assert b.factor == "price"


def test_the_percent_gate(series):
    s = series(7, runs=400, changes=(("tokens", 100, None, 1.5),))  # +$20/h, a 50% rise in cost per run
    assert detect(s, config=AnomalyConfig(min_excess_pct=0.6)) == []
    [a] = detect(s)
    assert a.factor == "tokens"


def test_repeated_passes_report_one_anomaly_with_a_stable_id(series):
    s = series(14, changes=(("calls", 200, 205, 8.0), ("tokens", 260, None, 1.7)))
    seen: dict[str, list] = {}
    known: list = []
    for h in range(49, len(s) + 1):
        found = detect(s, now=s.hour(h), known=known)
        for a in found:
            seen.setdefault(a.id, []).append(h)
        known = [a for a in known if a.id not in {f.id for f in found}] + found
    history = detect(s)
    assert sorted(seen) == sorted(a.id for a in history)
    assert [a.factor for a in history] == ["retries", "tokens"]
    assert history[0].id == anomaly_id("Support Agent", s.hour(200))
    first_seen = {i: hours[0] for i, hours in seen.items()}
    assert all(s.hour(first_seen[a.id]) == a.detected_at for a in history)


@pytest.mark.parametrize("seed", range(5))
def test_a_sparse_costly_agent_raises_no_alarm_for_its_ordinary_runs(series, seed):
    # three runs a day at about $4 each, at random hours: most same-hour baselines are zero
    s = series(21, seed=seed, runs=3 / 24, price=2e-3, agent="Contract Review")
    assert detect(s, config=AnomalyConfig(), history=True) == []


def test_a_sparse_agent_whose_runs_multiply_is_found_with_a_finite_ratio(series):
    s = series(21, seed=1, runs=3 / 24, price=2e-3, changes=(("runs", 16 * 24, None, 8.0),))
    found = detect(s, history=True)
    assert found, "24 runs a day instead of 3 went unseen"
    first = found[0]
    assert 16 * 24 - 6 <= _hours(first, s) <= 17 * 24
    assert first.factor == "volume"
    assert 0 < first.ratio < 100 and first.baseline_cost_per_hour > 0


def test_the_empty_hours_before_an_agent_existed_are_no_baseline(series):
    # the store's history starts a week before the agent's first run: its first days are no infinite jump
    s = series(14, missing=tuple(range(7 * 24)))
    assert [a for a in detect(s, history=True) if a.onset < s.hour(10 * 24)] == []


@pytest.mark.parametrize("seed", range(4))
def test_a_history_scan_judges_the_first_three_weeks_without_the_weeks_after(series, hour, seed):
    # weekdays busy, weekends at a tenth, starting on a Saturday: the day-of-week factors of later weeks must not
    # decide what the agent's first weekdays looked like when they happened
    saturday = 5 * 24
    weekends = tuple(("runs", d * 24, d * 24 + 24, 0.1) for d in range(42) if (5 + d) % 7 in (5, 6))
    s = series(42, seed=seed, runs=4.0, changes=weekends, start=hour(saturday))
    cut = s.start + timedelta(hours=24 * AnomalyConfig().dow_min_days - 1)
    early = [a.id for a in detect(s, now=cut, history=True)]
    whole = detect(s, history=True)
    assert [a.id for a in whole if a.onset < cut - timedelta(hours=48)] == early
    assert whole == []  # and this clean agent raises nothing (the old scan saw its first Mondays as jumps)


def test_a_shift_that_returns_to_its_old_level_ends_and_names_the_change_that_fixed_it(series, hour):
    s = series(14, changes=(("calls", 200, 272, 2.5),))  # retries for three days, then back to normal
    cause = ChangeEvent("c1", hour(199), "Support Agent", "deploy", "v2: self-correction loop", ref="abc123")
    fix = ChangeEvent("c2", hour(271) + timedelta(minutes=50), "Support Agent", "deploy", "v2.1: cap retries",
                      ref="def456")
    unrelated = ChangeEvent("c3", hour(300), "Support Agent", "deploy", "v2.2: later", ref="0a0a0a")
    [a] = detect(s, changes=[cause, fix, unrelated])
    assert a.kind == "shift" and a.candidates[0].change.id == "c1"
    assert a.end is not None and hour(272) <= a.end <= hour(276)
    assert a.fix == fix and a.state == "open"
    assert a.sentence.endswith("likely fixed by deploy def456")
    [lasting] = detect(series(14, changes=(("calls", 200, None, 2.5),)), changes=[cause, fix])
    assert lasting.end is None and lasting.fix is None
