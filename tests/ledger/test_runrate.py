"""Run-rate, attribution, aggregate overlap, runs counting and the series read from rollups."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from ledger import Ledger
from ledger.runrate import month_days


def _day(d: int, hour: int = 10) -> str:
    return f"2025-10-{d:02d}T{hour:02d}:00:00Z"


def test_ranked_run_rate_with_baseline_and_unattributed(ledger: Ledger, now: datetime) -> None:
    events = [{"ts": "2025-09-30T10:00:00Z", "agent": "ghost", "cost_usd": 0.5}]  # the data covers the baseline
    for d in range(2, 9):  # baseline window [Oct 1 13:00, Oct 8 13:00): $1/day for support-bot
        events.append({"ts": _day(d), "agent": "support-bot", "cost_usd": 1.0, "run_id": f"b{d}"})
    for d in range(9, 16):  # current week: $3/day in 2 runs, plus $0.5/day unattributed
        events += [
            {"ts": _day(d), "agent": "Support-Bot", "cost_usd": 1.0, "run_id": f"r{d}", "input_tokens": 100},
            {"ts": _day(d, 11), "agent": "support agent", "cost_usd": 2.0, "run_id": f"s{d}", "input_tokens": 300},
            {"ts": _day(d), "agent": "ghost", "cost_usd": 0.5},
            {"ts": _day(d), "agent": "triage", "cost_usd": 0.25},
        ]
    ledger.ingest_cost(events)
    rate = ledger.run_rate(timedelta(days=7), now=now)
    assert [r.key for r in rate.rows] == ["agents/support", "(unattributed)", "agents/triage"]
    top = rate.rows[0]
    assert top.cost_per_day == pytest.approx(3.0)
    assert top.runs_per_day == pytest.approx(2.0)
    assert top.cost_per_1k_runs == pytest.approx(1500.0)
    assert top.tokens_per_run == pytest.approx(200.0)
    assert top.projected_month == pytest.approx(3.0 * 31)
    assert top.baseline_cost_per_day == pytest.approx(1.0)
    assert top.change_pct == pytest.approx(200.0)
    assert rate.unattributed_cost == pytest.approx(3.5)
    assert rate.total_cost_per_day == pytest.approx(3.75)


def test_group_by_owner_and_model(ledger: Ledger, now: datetime) -> None:
    ledger.ingest_cost([
        {"ts": _day(15), "agent": "support-bot", "cost_usd": 4.0, "model": "gpt-4o"},
        {"ts": _day(15), "agent": "triage", "cost_usd": 1.0, "model": "o3"},
        {"ts": _day(15), "agent": "ghost", "cost_usd": 2.0, "model": "o3"},
    ])
    owners = {"agents/support": ["teams/platform", "people/ana"], "agents/triage": ["teams/platform"]}
    rate = ledger.run_rate(timedelta(days=1), by="owner", now=now, group_of=lambda n: owners[n])
    # an agent with two owners counts half under each, so the rows add up to the total
    assert {r.key: r.cost for r in rate.rows} == {"teams/platform": 3.0, "people/ana": 2.0, "(unattributed)": 2.0}
    by_model = ledger.run_rate(timedelta(days=1), by="model", now=now)
    assert {r.key: r.cost for r in by_model.rows} == {"gpt-4o": 4.0, "o3": 1.0, "(unattributed)": 2.0}
    for grouping in (rate, by_model, ledger.run_rate(timedelta(days=1), now=now)):
        assert grouping.unattributed_cost == 2.0 and sum(r.cost for r in grouping.rows) == grouping.total_cost == 7.0


def test_a_short_window_is_compared_with_the_same_hours_a_week_earlier(ledger: Ledger, now: datetime) -> None:
    ledger.ingest_cost([
        {"ts": _day(15, 9), "agent": "support-bot", "cost_usd": 4.0},  # a Wednesday
        {"ts": _day(14, 9), "agent": "support-bot", "cost_usd": 0.1},  # the day before: not the baseline
        {"ts": _day(8, 9), "agent": "support-bot", "cost_usd": 4.0},  # the Wednesday a week earlier
        {"ts": _day(1, 9), "agent": "triage", "cost_usd": 1.0},  # the data covers the baseline
    ])
    rate = ledger.run_rate(timedelta(hours=24), now=now)
    week_ago = timedelta(days=7)
    assert (rate.baseline_since, rate.baseline_until) == (rate.since - week_ago, rate.until - week_ago)
    assert rate.rows[0].change_pct == 0.0
    week = ledger.run_rate(timedelta(days=7), now=now)
    assert (week.baseline_since, week.baseline_until) == (week.since - timedelta(days=7), week.since)


def test_a_window_longer_than_the_data_says_where_the_data_begins(ledger: Ledger, now: datetime) -> None:
    ledger.ingest_cost([{"ts": _day(13, 9), "agent": "support-bot", "cost_usd": 1.0},
                        {"ts": _day(15, 9), "agent": "support-bot", "cost_usd": 1.0}])
    rate = ledger.run_rate(timedelta(days=30), now=now)
    assert rate.data_since == datetime(2025, 10, 13, 9, tzinfo=UTC)
    assert ledger.run_rate(timedelta(days=1), now=now).data_since is None  # data before the window: it is covered


def test_no_change_is_given_against_a_baseline_the_data_covers_only_in_part(ledger: Ledger, now: datetime) -> None:
    ledger.ingest_cost([{"ts": _day(5, 9), "agent": "support-bot", "cost_usd": 1.0},  # 3 days into the baseline
                        {"ts": _day(14, 9), "agent": "support-bot", "cost_usd": 5.0}])
    week = ledger.run_rate(timedelta(days=7), now=now)
    assert week.data_since is None and week.rows[0].baseline_cost_per_day > 0
    assert week.rows[0].change_pct is None  # not +1,300% against the three days of data there are


def test_a_month_is_projected_over_the_calendar_days_of_the_month_the_window_ends_in() -> None:
    assert month_days(datetime(2026, 3, 2, 13, tzinfo=UTC)) == 31
    assert month_days(datetime(2026, 3, 1, tzinfo=UTC)) == 28  # a window ending at midnight ends in February
    assert month_days(datetime(2024, 2, 10, tzinfo=UTC)) == 29


def test_a_new_alias_reattributes_past_spend(ledger: Ledger, now: datetime) -> None:
    ledger.ingest_cost([{"ts": _day(15), "agent": "proj_support", "cost_usd": 5.0}])
    assert [u.name for u in ledger.unattributed(timedelta(days=1), now)] == ["proj_support"]
    ledger.set_resolver(lambda n: "agents/support" if n.casefold() in ("support-bot", "proj_support") else None)
    assert ledger.unattributed(timedelta(days=1), now) == []
    assert ledger.spend_summary(["agents/support"], timedelta(days=1), now)["agents/support"].cost_usd == 5.0


def test_a_vault_edit_during_a_query_never_leaves_a_stale_name_map(ledger: Ledger, now: datetime) -> None:
    """The alias lands while a query is resolving names (the watcher thread's sync): later queries see it."""
    ledger.ingest_cost([{"ts": _day(15), "agent": "proj_support", "cost_usd": 5.0}])
    edited = lambda n: "agents/support" if n.casefold() in ("support-bot", "proj_support") else None  # noqa: E731

    def resolve_then_edit(name: str) -> str | None:
        ledger.set_resolver(edited)  # what Service.sync does on another thread mid-query
        return None

    ledger.set_resolver(resolve_then_edit)
    assert ledger.spend_summary(["agents/support"], timedelta(days=1), now)["agents/support"].cost_usd == 0.0
    assert ledger.spend_summary(["agents/support"], timedelta(days=1), now)["agents/support"].cost_usd == 5.0
    assert ledger.unattributed(timedelta(days=1), now) == []


@pytest.mark.parametrize("aggregate_first", [True, False])
def test_per_call_events_shadow_an_aggregate_of_the_same_hour(ledger: Ledger, now: datetime,
                                                                aggregate_first: bool) -> None:
    aggregate = {"ts": _day(15, 9), "agent": "support-bot", "aggregate": True, "runs": 10, "cost_usd": 9.0,
                 "period_s": 3600}
    other_hour = {"ts": _day(15, 8), "agent": "support-bot", "aggregate": True, "runs": 4, "cost_usd": 4.0}
    calls = [{"ts": _day(15, 9), "agent": "support-bot", "cost_usd": 1.0} for _ in range(3)]
    calls = [{**c, "id": f"c{i}"} for i, c in enumerate(calls)]
    order = [[aggregate, other_hour], calls] if aggregate_first else [calls, [aggregate, other_hour]]
    for batch in order:
        ledger.ingest_cost(batch)
    rate = ledger.run_rate(timedelta(days=1), now=now)
    [row] = rate.rows
    assert row.cost == pytest.approx(3.0 + 4.0)
    assert row.runs == pytest.approx(3 + 4)
    assert rate.shadowed_aggregate_cost == pytest.approx(9.0)


def test_daily_aggregate_is_shadowed_by_calls_anywhere_in_its_day(ledger: Ledger, now: datetime) -> None:
    ledger.ingest_cost([{"ts": "2025-10-14T00:00:00Z", "agent": "triage", "aggregate": True, "period_s": 86400,
                         "runs": 100, "cost_usd": 50.0}])
    assert ledger.run_rate(timedelta(days=2), now=now).rows[0].cost == pytest.approx(50.0)
    ledger.ingest_cost([{"ts": "2025-10-14T17:30:00Z", "agent": "triage", "cost_usd": 2.0}])
    rate = ledger.run_rate(timedelta(days=2), now=now)
    assert rate.rows[0].cost == pytest.approx(2.0)
    assert rate.shadowed_aggregate_cost == pytest.approx(50.0)


def test_a_run_counts_once_in_the_hour_of_its_first_event(ledger: Ledger, now: datetime) -> None:
    ledger.ingest_cost([{"ts": _day(15, 11), "agent": "support-bot", "run_id": "r1", "cost_usd": 1.0}])
    ledger.ingest_cost([{"ts": _day(15, 12), "agent": "support-bot", "run_id": "r1", "cost_usd": 1.0}])
    ledger.ingest_cost([{"ts": _day(15, 9), "agent": "support-bot", "run_id": "r1", "cost_usd": 1.0},
                        {"ts": _day(15, 9), "agent": "triage", "run_id": "r1", "cost_usd": 1.0},
                        {"ts": _day(15, 9), "agent": "triage", "cost_usd": 1.0}])
    series = {p.start.hour: p.runs for p in ledger.spend_series("agents/support", timedelta(hours=4), now=now)}
    assert series == {9: 1, 10: 0, 11: 0, 12: 0}
    triage = ledger.spend_summary(["agents/triage"], timedelta(days=1), now)["agents/triage"]
    assert triage.runs == 2  # run id reused by another agent is another run; no run_id counts one each


def test_hourly_series_and_daily_spend_series(ledger: Ledger, now: datetime) -> None:
    ledger.ingest_cost([
        {"ts": _day(15, 10), "agent": "support-bot", "cost_usd": 1.0, "model": "gpt-4o", "input_tokens": 10},
        {"ts": _day(15, 10), "agent": "support-bot", "cost_usd": 2.0, "model": "o3", "retry": 1},
        {"ts": _day(14, 23), "agent": "support-bot", "cost_usd": 5.0, "model": "o3"},
    ])
    series = ledger.hourly_series(["agents/support", "agents/triage"], now - timedelta(hours=3), now)
    s = series["agents/support"]
    assert s.start.hour == 9 and len(s) == 4
    assert s.cost == [0.0, 3.0, 0.0, 0.0]
    assert s.model_cost == {"gpt-4o": [0.0, 1.0, 0.0, 0.0], "o3": [0.0, 2.0, 0.0, 0.0]}
    assert s.retries[1] == 1 and s.input_tokens[1] == 10
    assert series["agents/triage"].cost == [0.0] * 4
    days = ledger.spend_series("agents/support", timedelta(days=2), bucket="day", now=now)
    assert [(p.start.day, p.cost_usd) for p in days] == [(13, 0.0), (14, 5.0), (15, 3.0)]


def test_a_window_ending_mid_day_counts_its_edge_hours_and_nothing_past_them(ledger: Ledger, now: datetime) -> None:
    """Two days ending at 12:30 are [Oct 13 13:00, Oct 15 13:00): the whole of Oct 14 (read from the day rollups)
    plus the last 11 hours of Oct 13 and the first 13 of Oct 15 (from the hour rollups). Its baseline is the same
    hours a week earlier, [Oct 6 13:00, Oct 8 13:00)."""
    def ev(d: int, hour: int, minute: int, agent: str, cost: float, run: str | None = None) -> dict:
        e = {"ts": f"2025-10-{d:02d}T{hour:02d}:{minute:02d}:00Z", "agent": agent, "cost_usd": cost}
        return e if run is None else {**e, "run_id": run}

    ledger.ingest_cost([
        ev(6, 12, 59, "support-bot", 50.0, "b0"),  # a minute before the baseline: out of it, but the data covers it
        ev(7, 10, 0, "support-bot", 3.5, "b1"),  # a whole day of the baseline
        ev(8, 12, 59, "support-bot", 0.5, "b2"),  # the baseline's last edge hour
        ev(8, 13, 0, "support-bot", 70.0, "b3"),  # the baseline's end: out
        ev(13, 12, 59, "support-bot", 100.0, "x1"),  # a minute before the window: out
        ev(13, 13, 0, "support-bot", 1.0, "r1"),  # the window's first hour
        ev(13, 23, 30, "support-bot", 2.0, "r2"),
        ev(14, 10, 0, "support-bot", 4.0, "r3"),  # the whole day
        ev(15, 12, 10, "support-bot", 8.0, "r4"),  # the window's last hour
        ev(15, 13, 0, "support-bot", 16.0, "x2"),  # the window's end: out
        ev(14, 0, 0, "triage", 0.5, "t1"),
        ev(15, 0, 0, "triage", 0.25, "t2"),
        ev(13, 18, 0, "ghost", 0.125),
    ])
    rate = ledger.run_rate(timedelta(days=2), now=now)
    assert (rate.since, rate.until) == (datetime(2025, 10, 13, 13, tzinfo=UTC), datetime(2025, 10, 15, 13, tzinfo=UTC))
    assert [(r.key, r.cost) for r in rate.rows] == [("agents/support", 15.0), ("agents/triage", 0.75),
                                                    ("(unattributed)", 0.125)]
    support = rate.rows[0]
    assert (support.cost_per_day, support.runs, support.runs_per_day, support.cost_per_1k_runs) == (7.5, 4, 2.0, 3750.0)
    assert support.baseline_cost_per_day == 2.0  # $3.50 + $0.50 over two days
    assert support.change_pct == 275.0  # (7.50 - 2.00) / 2.00
    assert support.projected_month == 7.5 * 31
    assert (rate.total_cost, rate.total_cost_per_day, rate.unattributed_cost) == (15.875, 7.9375, 0.125)
    assert rate.data_since is None
    by_model = ledger.run_rate(timedelta(days=2), by="model", now=now)
    assert {r.key: r.cost for r in by_model.rows} == {"(none)": 15.75, "(unattributed)": 0.125}


def test_data_beginning_in_an_edge_hour_of_a_window_ending_mid_day(ledger: Ledger, now: datetime) -> None:
    ledger.ingest_cost([{"ts": "2025-10-13T15:20:00Z", "agent": "triage", "cost_usd": 1.0},
                        {"ts": "2025-10-15T01:00:00Z", "agent": "triage", "cost_usd": 1.0}])
    rate = ledger.run_rate(timedelta(days=2), now=now)  # [Oct 13 13:00, Oct 15 13:00)
    assert rate.data_since == datetime(2025, 10, 13, 15, tzinfo=UTC)
    assert rate.rows[0].change_pct is None
    later = ledger.run_rate(timedelta(hours=20), now=now)  # [Oct 14 17:00, Oct 15 13:00): the data began before it
    assert later.data_since is None and later.rows[0].cost == 1.0


def test_a_window_of_whole_weeks_days_and_hours_adds_up_to_its_events(ledger: Ledger, now: datetime) -> None:
    """A 30-day window ending at 12:30 is [Sep 15 13:00, Oct 15 13:00): read as three whole weeks (7 days from the
    epoch's day 0, a Thursday: Sep 18 to Oct 8), the days Sep 16-17 and Oct 9-14, and 11 + 13 edge hours. An event
    an hour lands in each part and counts once; one a minute outside either end does not count."""
    events = [{"ts": "2025-09-15T12:59:00Z", "agent": "triage", "cost_usd": 64.0},  # before the window
              {"ts": "2025-10-15T13:00:00Z", "agent": "triage", "cost_usd": 128.0}]  # at its end
    for hour in range(30 * 24):  # one event an hour: $0.25 in even hours, $0.5 in odd ones
        ts = datetime(2025, 9, 15, 13, 30, tzinfo=UTC) + timedelta(hours=hour)
        events.append({"ts": ts.isoformat(), "agent": "triage", "cost_usd": 0.25 * (1 + hour % 2),
                       "run_id": f"r{hour}"})
    ledger.ingest_cost(events)
    rate = ledger.run_rate(timedelta(days=30), now=now)
    [row] = rate.rows
    assert (row.cost, row.runs, row.calls) == (360 * 0.25 + 360 * 0.5, 720, 720)
    assert row.cost_per_day == 9.0
    week = ledger.run_rate(timedelta(days=14), now=datetime(2025, 10, 9, tzinfo=UTC))  # [Sep 25, Oct 9): two weeks
    assert (week.rows[0].cost, week.rows[0].calls) == (14 * 9.0, 14 * 24)
