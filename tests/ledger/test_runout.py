"""When a budget runs out: the burn rate over the 7 whole days before today (from a new agent's first day when it
began within them), the spend projected to the period's end, and the time it runs out, against figures computed by
hand. NOW is Wednesday 2025-10-15 12:30 UTC, so the burn window is 2025-10-08 to 2025-10-14, whole days."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from ledger import BudgetSpec, Ledger


def _at(day: int, hour: int, cost: float, agent: str = "support-bot", minute: int = 0) -> dict:
    return {"ts": datetime(2025, 10, day, hour, minute, tzinfo=UTC).isoformat(), "agent": agent, "cost_usd": cost}


def test_burn_projection_and_run_out_of_a_month_and_a_day(ledger: Ledger, now: datetime) -> None:
    ledger.set_budgets([BudgetSpec("agent", "agents/support", daily_usd=20.0, monthly_usd=300.0)])
    ledger.ingest_cost([_at(1, 10, 100.0)]  # this month, before the burn window
                       + [_at(day, 13, 14.0) for day in range(8, 15)]  # $14 a day, seven days in the window
                       + [_at(15, 12, 5.0, minute=10)])  # today (not in the window)
    [status] = ledger.budget_status(now)
    day, month = status.periods
    assert (month.burn_usd_per_day, month.burn_window) == (pytest.approx(14.0), "7d")
    assert month.spent == pytest.approx(203.0) and month.end == datetime(2025, 11, 1, tzinfo=UTC)
    # $97 left at $14/day: 6.928571 days = 6 d 22 h 17 min 8.57 s after 12:30
    assert month.runs_out_at == datetime(2025, 10, 22, 10, 47, 8, tzinfo=UTC)
    # 16 d 11.5 h to the month's end at $14/day: 203 + 230.7083
    assert month.projected_usd == pytest.approx(433.708333, abs=1e-5)
    # the day: $15 left lasts past midnight at $14/day; 11.5 h more of it is $6.7083
    assert (day.end, day.runs_out_at) == (datetime(2025, 10, 16, tzinfo=UTC), None)
    assert day.projected_usd == pytest.approx(11.708333, abs=1e-5) and day.burn_window == "7d"


def test_a_new_agents_burn_counts_from_its_first_day(ledger: Ledger, now: datetime) -> None:
    ledger.set_budgets([BudgetSpec("agent", "agents/triage", monthly_usd=80.0)])
    ledger.ingest_cost([_at(13, 9, 30.0, "triage"), _at(14, 9, 30.0, "triage")])
    [month] = ledger.budget_status(now)[0].periods
    # it began on the 13th: two days, $60 / 2 = $30/day; $20 left lasts 16 hours
    assert (month.burn_usd_per_day, month.burn_window) == (pytest.approx(30.0), "2d")
    assert month.runs_out_at == datetime(2025, 10, 16, 4, 30, tzinfo=UTC)


def test_an_agent_that_paused_for_days_is_not_new(ledger: Ledger, now: datetime) -> None:
    ledger.set_budgets([BudgetSpec("agent", "agents/triage", monthly_usd=80.0)])
    ledger.ingest_cost([_at(6, 9, 30.0, "triage"), _at(13, 9, 30.0, "triage")])  # the 6th is before the window
    [month] = ledger.budget_status(now)[0].periods
    assert (month.burn_usd_per_day, month.burn_window) == (pytest.approx(30.0 / 7), "7d")


def test_an_exhausted_budget_has_run_out_and_one_without_spend_lasts(ledger: Ledger, now: datetime) -> None:
    ledger.set_budgets([BudgetSpec("agent", "agents/support", daily_usd=1.0),
                        BudgetSpec("agent", "agents/triage", daily_usd=1.0)])
    ledger.ingest_cost([_at(15, 9, 2.0)])
    over, idle = ledger.budget_status(now)
    assert over.periods[0].runs_out_at == now and over.periods[0].remaining == pytest.approx(-1.0)
    # today is not in the window: no burn, and no date beyond "it has run out"
    assert over.periods[0].burn_usd_per_day == 0.0
    assert (idle.periods[0].burn_usd_per_day, idle.periods[0].runs_out_at, idle.periods[0].projected_usd) == (
        0.0, None, 0.0)


def test_a_project_budgets_burn_is_the_projects(ledger: Ledger, now: datetime) -> None:
    ledger.set_budgets([BudgetSpec("project", "helpdesk", monthly_usd=100.0)])
    ledger.ingest_cost([{**_at(day, 13, 7.0), "project": "helpdesk"} for day in range(8, 15)]
                       + [{**_at(day, 13, 50.0), "project": "other"} for day in range(8, 15)])
    [month] = ledger.budget_status(now)[0].periods
    assert month.burn_usd_per_day == pytest.approx(7.0) and month.spent == pytest.approx(49.0)
    # $51 left at $7/day: 7 d 6 h 51 min 25.71 s after 12:30
    assert month.runs_out_at == datetime(2025, 10, 22, 19, 21, 25, tzinfo=UTC)


def test_the_burn_rate_follows_every_write_of_this_process_and_of_others(ledger_factory, now: datetime) -> None:
    mine, other = ledger_factory(), ledger_factory()
    for led in (mine, other):
        led.set_budgets([BudgetSpec("agent", "agents/support", monthly_usd=1000.0)])
    mine.ingest_cost([_at(day, 13, 7.0) for day in range(8, 15)])
    assert mine.budget_status(now)[0].periods[0].burn_usd_per_day == pytest.approx(7.0)  # read, then kept
    mine.ingest_cost([_at(10, 9, 14.0)])  # a late event of a past day, by this process
    assert mine.budget_status(now)[0].periods[0].burn_usd_per_day == pytest.approx(9.0)
    other.ingest_cost([_at(11, 9, 7.0)])  # and by another connection to the store
    assert mine.budget_status(now)[0].periods[0].burn_usd_per_day == pytest.approx(10.0)
    # a new day, a new window (the 9th to the 15th): the 8th's $7 leaves it
    assert mine.budget_status(now.replace(day=16))[0].periods[0].burn_usd_per_day == pytest.approx(63.0 / 7)
