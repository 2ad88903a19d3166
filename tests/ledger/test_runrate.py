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
