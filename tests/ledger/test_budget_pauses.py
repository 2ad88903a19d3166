"""Staged pauses: each budget (agent, owner, project, client) pauses agents by criticality as its spend climbs (the
default playbook and a custom policy), the allowance check says which budget and which stage denied, and the pause
state lists every agent held, with when it lifts."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from ledger import BudgetSpec, Ledger

TS = "2025-10-15T12:{:02d}:00Z"
AGENTS = {"low": "agents/triage", "normal": "agents/support"}


def _spend(led: Ledger, cost: float, agent: str = "support-bot", minute: int = 0, **dims: str) -> None:
    led.ingest_cost([{"ts": TS.format(minute), "agent": agent, "cost_usd": cost, **dims}])


@pytest.mark.parametrize(("spent", "denied"), [
    (8.9, set()),  # 89%: below every stage
    (9.0, {"low", "normal"}),  # 90%: every agent that is not critical
    (9.99, {"low", "normal"}),
    (10.0, {"low", "normal", "critical"}),  # 100%: every agent
])
def test_the_default_policy_pauses_all_but_critical_agents_from_90_and_all_from_100(
        ledger: Ledger, now: datetime, spent: float, denied: set[str]) -> None:
    ledger.set_budgets([BudgetSpec("owner", "teams/platform", daily_usd=10.0,
                                   agents=("agents/support", "agents/triage", "agents/pager"))])
    ledger.set_agents({"agents/triage": "low", "agents/pager": "critical"})
    _spend(ledger, spent)
    verdicts = {level: ledger.allowance(node, now=now) for level, node in
                {**AGENTS, "critical": "agents/pager"}.items()}
    assert {level for level, v in verdicts.items() if not v.allowed} == denied
    for level in denied:
        [hold] = verdicts[level].held_by[:1]
        assert (hold.scope, hold.key, hold.period) == ("owner", "teams/platform", "day")
        assert (hold.stage, hold.level) == ((1.0, "all") if spent >= 10 else (0.9, "normal"))
        assert hold.lifts_at == datetime(2025, 10, 16, tzinfo=UTC)  # the next day
        stage = "from 100% it pauses every agent" if spent >= 10 else \
            "from 90% it pauses every agent that is not critical"
        assert verdicts[level].reason.startswith("owner teams/platform day budget ")
        assert verdicts[level].reason.endswith(stage)
    assert verdicts["critical"].criticality == "critical"


@pytest.mark.parametrize(("spent", "denied"), [
    (8.9, set()), (9.2, {"low"}), (9.6, {"low", "normal"}), (10.5, {"low", "normal", "critical"})])
def test_a_custom_policy_pauses_stage_by_stage(ledger: Ledger, now: datetime, spent: float,
                                               denied: set[str]) -> None:
    spec = BudgetSpec("project", "helpdesk", monthly_usd=10.0, pause=((0.9, "low"), (0.95, "normal"), (1.0, "all")))
    ledger.set_budgets([spec])
    ledger.set_agents({"agents/triage": "low", "agents/pager": "critical"})
    _spend(ledger, spent, project="helpdesk")
    verdicts = {level: ledger.allowance(node, now=now, project="helpdesk")
                for level, node in {**AGENTS, "critical": "agents/pager"}.items()}
    assert {level for level, v in verdicts.items() if not v.allowed} == denied
    if denied == {"low"}:
        assert verdicts["low"].reason == ("project helpdesk month budget at 92%: $9.20 of $10.00; from 90% it "
                                          "pauses low-criticality agents")
        assert verdicts["low"].held_by[0].lifts_at == datetime(2025, 11, 1, tzinfo=UTC)
    # without naming the project, its budget does not apply
    assert all(ledger.allowance(node, now=now).allowed for node in (*AGENTS.values(), "agents/pager"))


def test_a_budget_that_never_pauses_only_reports(ledger: Ledger, now: datetime) -> None:
    ledger.set_budgets([BudgetSpec("agent", "agents/support", daily_usd=10.0, pause=())])
    _spend(ledger, 12.0)
    verdict = ledger.allowance("agents/support", now=now)
    assert verdict.allowed and verdict.held_by == []
    assert verdict.reason == ("agent agents/support day budget exhausted, but its pause policy does not pause normal "
                              "agents")
    assert verdict.remaining == pytest.approx(-2.0)


def test_client_budgets_count_the_clients_spend_and_deny_when_the_call_names_the_client(
        ledger: Ledger, now: datetime) -> None:
    ledger.set_budgets([BudgetSpec("client", "Acme Corp", daily_usd=5.0)])
    _spend(ledger, 3.0, client="Acme Corp", project="helpdesk")
    _spend(ledger, 2.5, agent="triage", minute=1, client="Acme Corp")
    _spend(ledger, 50.0, agent="triage", minute=2, client="Globex")  # another client's spend counts nowhere here
    [status] = ledger.budget_status(now)
    assert (status.scope, status.periods[0].spent) == ("client", 5.5)
    denied = ledger.allowance("agents/support", now=now, client="Acme Corp")
    assert not denied.allowed and denied.held_by[0].scope == "client"
    assert ledger.allowance("agents/support", now=now, client="Globex").allowed
    assert ledger.allowance("agents/support", now=now).allowed


def test_a_runs_client_and_project_apply_without_being_named(ledger: Ledger, now: datetime) -> None:
    ledger.set_budgets([BudgetSpec("client", "Acme Corp", daily_usd=5.0)])
    ledger.ingest_cost([{"ts": TS.format(1), "agent": "support-bot", "cost_usd": 6.0, "run_id": "r1",
                         "client": "Acme Corp"}])
    assert not ledger.allowance("agents/support", run_id="r1", now=now).allowed


def test_agent_owner_and_project_budgets_each_hold_and_the_most_severe_stage_is_the_reason(
        ledger: Ledger, now: datetime) -> None:
    ledger.set_budgets([
        BudgetSpec("agent", "agents/support", daily_usd=100.0),  # 10%
        BudgetSpec("owner", "teams/platform", monthly_usd=10.5, agents=("agents/support",)),  # 95%: stage 90
        BudgetSpec("project", "helpdesk", daily_usd=10.0),  # 100%: stage 100
    ])
    _spend(ledger, 10.0, project="helpdesk")
    verdict = ledger.allowance("agents/support", now=now, project="helpdesk")
    assert [(h.scope, h.stage) for h in verdict.held_by] == [("project", 1.0), ("owner", 0.9)]
    assert verdict.reason.startswith("project helpdesk day budget exhausted: $10.00 of $10.00")
    only_owner = ledger.allowance("agents/support", now=now)
    assert [(h.scope, h.level) for h in only_owner.held_by] == [("owner", "normal")]


def test_the_run_and_hour_caps_pause_only_when_reached(ledger: Ledger, now: datetime) -> None:
    ledger.set_budgets([BudgetSpec("agent", "agents/support", per_run_usd=1.0, hourly_usd=10.0)])
    ledger.ingest_cost([{"ts": TS.format(i), "agent": "support-bot", "cost_usd": 0.95, "run_id": f"r{i}"}
                        for i in range(10)])  # 95% of the run cap in r0..r9, 95% of the hour cap together
    assert ledger.allowance("agents/support", run_id="r0", now=now).allowed
    _spend(ledger, 0.5, minute=11)
    verdict = ledger.allowance("agents/support", run_id="r0", now=now)
    assert [(h.period, h.stage, h.lifts_at) for h in verdict.held_by] == [("hour", 1.0, None)]


def test_the_pause_state_lists_each_held_agent_with_its_budgets_and_when_they_lift(
        ledger: Ledger, now: datetime) -> None:
    ledger.set_budgets([
        BudgetSpec("owner", "teams/platform", daily_usd=10.0, agents=("agents/support", "agents/triage",
                                                                       "agents/pager")),
        BudgetSpec("project", "helpdesk", monthly_usd=4.0),
    ])
    ledger.set_agents({"agents/pager": "critical"})
    _spend(ledger, 9.5, project="helpdesk")  # 95% of the team's day, 238% of the project's month
    paused = {p.node_id: p for p in ledger.pauses(now)}
    assert set(paused) == {"agents/support", "agents/triage"}  # the critical pager runs on
    assert [(h.scope, h.stage, h.lifts_at) for h in paused["agents/support"].held_by] == [
        ("project", 1.0, datetime(2025, 11, 1, tzinfo=UTC)), ("owner", 0.9, datetime(2025, 10, 16, tzinfo=UTC))]
    # triage spent nothing on the project: only the team's budget holds it
    assert [h.scope for h in paused["agents/triage"].held_by] == ["owner"]
