"""An alert tells when it happened (the event whose cost crossed a budget threshold, a run's last event, an
anomaly's onset) apart from when orgmap recorded it: a backfill's alerts fall where their events do, are listed and
filtered by that time, and are still delivered, because the outbox's age limit reads when they were recorded."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from ledger import Ledger
from ledger.schema import migrate
from ledger.sqlite_store import SQLiteDialect
from orgmap.cli.commands.spend import _show_alerts
from orgmap.service import Service
from tests.webhook_receiver import receiver

NOW = datetime(2026, 12, 7, 12, tzinfo=UTC)
BACKFILL = datetime(2026, 10, 13, 9, tzinfo=UTC)


@pytest.fixture()
def vault(tmp_path: Path) -> Path:
    note = tmp_path / "Agents" / "Bot.md"
    note.parent.mkdir(parents=True)
    note.write_text("---\ntype: agent\naliases: [bot]\nbudget: {daily_usd: 1, per_run_usd: 1, thresholds: [1.0]}\n"
                    "---\n", encoding="utf-8")
    return tmp_path


def _event(at: datetime, cost: float, run: str | None = None) -> dict:
    return {"ts": at.isoformat(), "agent": "bot", "cost_usd": cost, **({"run_id": run} if run else {})}


def test_a_budget_alert_happened_at_the_event_that_crossed_its_threshold(vault: Path) -> None:
    with Service.open(vault, clock=lambda: NOW) as svc:
        svc.record_cost([_event(NOW - timedelta(hours=h), c) for h, c in ((4, 0.4), (3, 0.7), (2, 0.5))])
        answer = svc.alerts(since="24h")
        budgets = svc.budgets()
    [alert] = answer.items
    assert alert.ts == NOW - timedelta(hours=3)  # $0.40 + $0.70 crossed the $1 day
    assert alert.recorded_at == NOW
    data = answer.model_dump(mode="json")["items"][0]
    assert (data["ts"], data["recorded_at"]) == ("2026-12-07T09:00:00Z", "2026-12-07T12:00:00Z")
    assert budgets.alerts[0].ts == alert.ts and budgets.alerts[0].recorded_at == NOW


def test_a_backfilled_run_alert_is_dated_by_its_run_and_filtered_by_that_date(
        vault: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with Service.open(vault, clock=lambda: NOW) as svc:
        svc.record_cost([_event(BACKFILL, 0.8, "r1"), _event(BACKFILL + timedelta(minutes=5), 0.7, "r1"),
                         _event(NOW - timedelta(hours=1), 0.2)])
        recent = svc.alerts(since="7d")
        everything = svc.alerts(since="90d")
    assert recent.items == []  # it happened in October, whenever it was recorded
    [alert] = everything.items
    assert alert.kind == "budget" and alert.ts == BACKFILL + timedelta(minutes=5) and alert.recorded_at == NOW
    _show_alerts(everything)  # `orgmap alerts` prints both
    assert capsys.readouterr().out.startswith("2026-10-13 09:05 (recorded 2026-12-07 12:00) budget: Budget agent")


def test_alerts_are_ordered_by_when_they_happened(tmp_path: Path) -> None:
    with Ledger.open(tmp_path / "orgmap.db", clock=lambda: NOW) as led:
        led.raise_alert("a|late", "anomaly", "agents/bot", "late", {}, at=NOW - timedelta(days=1))
        led.raise_alert("a|early", "anomaly", "agents/bot", "early", {}, at=NOW - timedelta(days=30))
        assert [a.message for a in led.alerts()] == ["early", "late"]
        assert [a.message for a in led.alerts(since=NOW - timedelta(days=7))] == ["late"]
        assert {a.recorded_at for a in led.alerts()} == {NOW}


def test_a_backfills_alerts_are_still_delivered(tmp_path: Path) -> None:
    """The 7-day delivery horizon is measured on when an alert was recorded, not when its events happened."""
    with receiver(200) as hook:
        with Ledger.open(tmp_path / "orgmap.db", webhook_url=hook.url) as led:
            led.raise_alert("a|old", "anomaly", "agents/bot", "began in October", {}, at=BACKFILL)
            led.flush_webhooks()
            [alert] = led.alerts()
        assert alert.delivered_at is not None
        [post] = hook.posts
        assert post.body["alert"]["ts"] == BACKFILL.isoformat()
        assert post.body["alert"]["recorded_at"] == alert.recorded_at.isoformat()


def test_an_older_store_keeps_its_alerts_with_both_times_equal(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    conn = SQLiteDialect(path)
    migrate(conn, target=4)
    conn.execute("INSERT INTO alerts (dedupe, ts, kind, node_id, message, evidence) VALUES ('d', 1765108800000000, "
                 "'budget', 'a', 'old alert', '{}')")
    conn.close()
    with Ledger.open(path) as led:
        [alert] = led.alerts()
    assert alert.ts == alert.recorded_at == datetime(2025, 12, 7, 12, tzinfo=UTC)
