"""Budgets: thresholds fire once per period (also across a restart), webhooks to a real local server, allowance."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest

from ledger import BudgetSpec, Ledger, RunSettings

TS = "2025-10-15T12:{:02d}:00Z"


@pytest.fixture
def hook() -> Iterator[tuple[str, list[dict]]]:
    received: list[dict] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            received.append(json.loads(body))
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/hook", received
    server.shutdown()
    server.server_close()


def _spend(led: Ledger, *amounts: float, agent: str = "support-bot", start: int = 0) -> None:
    led.ingest_cost([{"ts": TS.format(start + i), "agent": agent, "cost_usd": a, "project": "helpdesk"}
                     for i, a in enumerate(amounts)])


def test_thresholds_fire_once_and_post_to_the_webhook(ledger_factory, hook) -> None:
    url, received = hook
    led = ledger_factory(webhook_url=url)
    led.set_budgets([BudgetSpec("agent", "agents/support", daily_usd=10.0)])
    _spend(led, 4.0)
    assert led.alerts() == []
    _spend(led, 2.0, start=1)  # 60%: crosses 50%
    _spend(led, 0.5, start=2)  # 65%: nothing new
    _spend(led, 3.6, start=3)  # 101%: crosses 75, 90, 100 in one ingest: one message naming the three
    led.flush_webhooks()
    alerts = led.alerts(kind="budget")
    assert [a.evidence["thresholds"] for a in alerts] == [[0.5], [0.75, 0.9, 1.0]]
    assert [a.evidence["threshold"] for a in alerts] == [0.5, 1.0]
    assert all(a.delivered_at is not None for a in alerts)
    assert sorted(r["alert"]["evidence"]["threshold"] for r in received) == [0.5, 1.0]
    assert all("agents/support" in r["text"] and "day" in r["text"] for r in received)
    assert "(crossed 75%, 90%, 100%)" in received[-1]["text"]
    led.close()
    again = ledger_factory(webhook_url=url)
    again.set_budgets([BudgetSpec("agent", "agents/support", daily_usd=10.0)])
    _spend(again, 1.0, start=10)
    again.flush_webhooks()
    assert len(again.alerts(kind="budget")) == 2 and len(received) == 2


def test_the_run_ceiling_and_the_hourly_cap_alert_only_when_reached(ledger: Ledger) -> None:
    ledger.set_budgets([BudgetSpec("agent", "agents/support", hourly_usd=10.0, per_run_usd=2.0)])
    ledger.ingest_cost([{"ts": TS.format(i), "agent": "support-bot", "run_id": f"calm{i}", "cost_usd": 1.8}
                        for i in range(5)])  # 90% of the run ceiling each, 90% of the hourly cap together
    assert ledger.alerts(kind="budget") == []
    ledger.ingest_cost([{"ts": TS.format(5), "agent": "support-bot", "run_id": "calm0", "cost_usd": 0.5}])
    ledger.ingest_cost([{"ts": TS.format(6), "agent": "support-bot", "run_id": "calm0", "cost_usd": 0.5}])
    alerts = ledger.alerts(kind="budget")
    assert sorted((a.evidence["period"], a.evidence["threshold"]) for a in alerts) == [("hour", 1.0), ("run", 1.0)]


def test_a_failing_webhook_keeps_the_alert_record(ledger_factory) -> None:
    led = ledger_factory(webhook_url="http://127.0.0.1:9/nothing-listens-here")
    led.set_budgets([BudgetSpec("project", "helpdesk", monthly_usd=1.0, thresholds=(1.0,))])
    _spend(led, 2.0)
    led.flush_webhooks()
    [alert] = led.alerts()
    assert alert.delivered_at is None and alert.evidence["period"] == "month"
    assert alert.attempts == 1 and "ConnectError" in str(alert.last_error) and alert.next_attempt_at is not None


def test_budget_status_per_period(ledger: Ledger, now: datetime) -> None:
    ledger.set_budgets([BudgetSpec("agent", "agents/support", daily_usd=10, monthly_usd=100, hourly_usd=5)])
    ledger.ingest_cost([{"ts": "2025-10-01T10:00:00Z", "agent": "support-bot", "cost_usd": 20.0}])
    _spend(ledger, 1.0, 2.0)
    ledger.ingest_cost([{"ts": "2025-10-15T11:00:00Z", "agent": "support-bot", "cost_usd": 4.0}])  # > 60 min ago
    [status] = ledger.budget_status(now)
    periods = {p.period: (p.spent, p.limit, round(p.used_pct)) for p in status.periods}
    assert periods == {"hour": (3.0, 5, 60), "day": (7.0, 10, 70), "month": (27.0, 100, 27)}


def test_allowance_checks_run_hour_day_month_owner_and_project(ledger: Ledger, now: datetime) -> None:
    ledger.set_budgets([
        BudgetSpec("agent", "agents/support", daily_usd=10, per_run_usd=2.0),
        BudgetSpec("owner", "teams/platform", monthly_usd=50, agents=("agents/support", "agents/triage")),
        BudgetSpec("project", "helpdesk", daily_usd=6),
    ])
    assert ledger.allowance("agents/other", now=now).allowed
    ledger.ingest_cost([{"ts": TS.format(1), "agent": "support-bot", "run_id": "r1", "cost_usd": 1.5,
                         "project": "helpdesk"}])
    ok = ledger.allowance("agents/support", run_id="r1", now=now)
    assert ok.allowed and ok.remaining == pytest.approx(0.5)  # the run budget is the tightest
    ledger.ingest_cost([{"ts": TS.format(2), "agent": "support-bot", "run_id": "r1", "cost_usd": 0.6}])
    denied = ledger.allowance("agents/support", run_id="r1", now=now)
    assert not denied.allowed and "run" in denied.reason
    assert ledger.allowance("agents/support", run_id="r2", now=now).allowed
    ledger.ingest_cost([{"ts": TS.format(3), "agent": "triage", "cost_usd": 5.0, "project": "helpdesk"}])
    by_project = ledger.allowance("agents/triage", now=now, project="helpdesk")
    assert not by_project.allowed and "project helpdesk day" in by_project.reason
    ledger.ingest_cost([{"ts": TS.format(4), "agent": "triage", "cost_usd": 45.0}])
    assert "owner teams/platform month" in ledger.allowance("agents/support", now=now).reason


def test_run_outliers_are_flagged_once_with_evidence(ledger: Ledger, now: datetime) -> None:
    ledger.set_run_settings(RunSettings(cost_k=5, min_runs=5, max_retries=2, max_calls=100),
                            per_agent={"agents/triage": RunSettings(cost_k=50, min_runs=5)})
    base = [{"ts": f"2025-10-14T{h:02d}:00:00Z", "agent": a, "run_id": f"{a}-{h}", "cost_usd": 1.0}
            for h in range(6) for a in ("support-bot", "triage")]
    ledger.ingest_cost(base)
    ledger.ingest_cost([{"ts": "2025-10-15T10:00:00Z", "agent": a, "run_id": "big", "cost_usd": 6.0}
                        for a in ("support-bot", "triage")])
    ledger.ingest_cost([{"ts": "2025-10-15T10:01:00Z", "agent": "support-bot", "run_id": "big", "cost_usd": 1.0}])
    ledger.ingest_cost([{"ts": f"2025-10-15T11:0{i}:00Z", "agent": "support-bot", "run_id": "flaky",
                         "cost_usd": 0.1, "status": "error"} for i in range(4)]
                       + [{"ts": "2025-10-15T11:09:00Z", "agent": "support-bot", "run_id": "flaky", "cost_usd": 0.1}])
    alerts = ledger.alerts(kind="run")
    assert sorted((a.evidence["run_id"], a.node_id) for a in alerts) == [
        ("big", "agents/support"), ("flaky", "agents/support")]
    big = next(a for a in alerts if a.evidence["run_id"] == "big")
    assert big.evidence["median"] == 1.0 and big.evidence["cost"] == 6.0
    flagged = ledger.runs("agents/support", flagged=True)
    assert {(r.run_id, tuple(r.flags)) for r in flagged} == {("big", ("cost",)), ("flaky", ("retries",))}
    assert next(r for r in flagged if r.run_id == "flaky").retries == 4


def test_run_outliers_count_the_runs_another_process_stored_meanwhile(ledger_factory, now: datetime) -> None:
    # the run costs are kept in memory between batches; a commit by another connection must be seen
    mine, other = ledger_factory(), ledger_factory()
    runs = [{"ts": f"2025-10-14T{h:02d}:00:00Z", "agent": "support-bot", "run_id": f"cheap-{h}", "cost_usd": 1.0}
            for h in range(5)]
    mine.ingest_cost(runs)
    other.ingest_cost([{**e, "run_id": f"dear-{i}", "cost_usd": 100.0} for i, e in enumerate(runs)])
    # peers: five at $1 and five at $100, median $50.50; $200 is not 5x that (against the $1 runs alone it would be)
    mine.ingest_cost([{"ts": "2025-10-15T10:00:00Z", "agent": "support-bot", "run_id": "big", "cost_usd": 200.0}])
    mine.ingest_cost([{"ts": "2025-10-15T11:00:00Z", "agent": "support-bot", "run_id": "huge", "cost_usd": 600.0}])
    [alert] = [a for a in mine.alerts(kind="run") if a.evidence["run_id"] in ("big", "huge")]
    assert (alert.evidence["run_id"], alert.evidence["median"], alert.evidence["peer_runs"]) == ("huge", 100.0, 11)


def test_run_views_and_distribution(ledger: Ledger, now: datetime) -> None:
    ledger.ingest_cost(
        [{"ts": "2025-10-15T10:00:00Z", "agent": "support-bot", "run_id": f"r{i}", "cost_usd": float(i),
          "model": "gpt-4o", "client": "acme"} for i in range(1, 11)]
        + [{"ts": "2025-10-15T10:00:00Z", "agent": "support-bot", "run_id": "r10", "kind": "tool", "cost_usd": 0.5,
            "tool": "search"},
           {"ts": "2025-10-15T10:00:00Z", "agent": "support-bot", "run_id": "rep", "aggregate": True, "runs": 3,
            "cost_usd": 9.0}]
    )
    top = ledger.runs(top=2)
    assert [(r.run_id, r.cost_usd) for r in top] == [("r10", 10.5), ("rep", 9.0)]
    assert top[0].tool_cost_usd == 0.5 and top[0].models == ["gpt-4o"] and top[0].client == "acme"
    assert top[1].aggregate_only and "aggregate" in (top[1].note or "")
    dist = ledger.run_cost_distribution("agents/support", timedelta(days=1), now)
    assert dist.runs == 10
    assert dist.median == pytest.approx(5.5)
    assert dist.p90 == pytest.approx(9.15)  # 9 + 0.1 x (10.5 - 9)
    assert dist.max == 10.5
