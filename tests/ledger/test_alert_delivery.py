"""Alert delivery through the store's outbox, against real receivers on 127.0.0.1: an alert waits in the store until
a webhook takes it (across a restart, and whoever fired it), a failed POST is retried with backoff under the same
idempotency key, two ledgers on one store post each alert once, and a webhook that never answers costs ingest and
the allowance check nothing."""

from __future__ import annotations

import re
import time
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

from ledger import BudgetSpec, DeliveryPolicy, Ledger
from ledger.schema import migrate
from ledger.sqlite_store import SQLiteDialect
from ledger.timeutil import from_us
from tests.webhook_receiver import receiver, wait_until

# Every wait short, so no test waits more than a second or two; no jitter, so the backoff can be measured.
FAST = DeliveryPolicy(timeout_s=0.5, backoff_s=0.05, backoff_max_s=0.5, jitter=0.0, lease_s=10.0, poll_s=0.2,
                      close_wait_s=1.0)
KEY = re.compile(r"orgmap-[0-9a-f]{16}-alert-(\d+)")


def _alert_id(key: str | None) -> int:
    """The alert id an idempotency key names (after the store's id, so stores posting to one receiver differ)."""
    match = KEY.fullmatch(str(key))
    assert match, key
    return int(match[1])


def _fire(led: Ledger, count: int) -> None:
    for i in range(count):
        led.raise_alert(f"test|{i}", "anomaly", "agents/support", f"alert {i}", {"i": i})


def test_alerts_a_hanging_webhook_never_took_are_delivered_after_a_restart(ledger_factory) -> None:
    with receiver(hang=True) as dead:
        led = ledger_factory(webhook_url=dead.url, delivery=replace(FAST, timeout_s=0.3, close_wait_s=0.2))
        _fire(led, 6)
        wait_until(lambda: dead.posts)  # the first one is in flight, never to be answered
        started = time.monotonic()
        led.close()
        assert time.monotonic() - started < 2.0  # close_wait_s, then the POST in flight ends by its timeout
        tried = len(dead.posts)
    assert tried < 6
    with receiver() as hook:
        again = ledger_factory(webhook_url=hook.url, delivery=FAST)
        again.flush_webhooks()
        alerts = again.alerts()
    assert [a.message for a in alerts] == [f"alert {i}" for i in range(6)]
    assert all(a.delivered_at is not None and a.next_attempt_at is None for a in alerts)
    # each posted once, oldest first, under its idempotency key (header and body alike)
    assert [_alert_id(k) for k in hook.posted_keys()] == [a.id for a in alerts]
    assert [p.body["idempotency_key"] for p in hook.posts] == hook.posted_keys()
    retried = [a for a in alerts if a.attempts == 2]
    assert len(retried) == tried and sum(a.attempts for a in alerts) == 6 + tried
    assert all("ReadTimeout" in str(a.last_error) for a in retried)


def test_ingest_and_the_allowance_check_never_wait_for_a_webhook_that_never_answers(ledger_factory) -> None:
    with receiver(hang=True) as dead:
        led = ledger_factory(webhook_url=dead.url, delivery=replace(FAST, timeout_s=1.0, close_wait_s=0.1))
        led.set_budgets([BudgetSpec("agent", "agents/support", daily_usd=10.0),
                         BudgetSpec("project", "helpdesk", daily_usd=10.0)])
        spend = {"agent": "support-bot", "cost_usd": 4.0, "project": "helpdesk"}
        led.ingest_cost([{**spend, "ts": "2025-10-15T12:00:00Z", "cost_usd": 8.0}])  # 80%: one alert per budget
        wait_until(lambda: dead.posts)  # the webhook thread now waits on a POST that is never answered
        started = time.monotonic()
        report = led.ingest_cost([{**spend, "ts": "2025-10-15T12:01:00Z"}])  # 120%: one more per budget
        allowance = led.allowance("agents/support")
        elapsed = time.monotonic() - started
        assert report.alerts == 2 and not allowance.allowed
        assert elapsed < 0.5
        assert len(dead.posts) == 1 and len(led.alerts()) == 4
        started = time.monotonic()
        led.close()
        assert time.monotonic() - started < 2.5  # close_wait_s, then the POST in flight ends by its timeout


def test_a_failed_post_is_retried_with_growing_backoff_under_the_same_idempotency_key(ledger_factory) -> None:
    with receiver(500, 503, 200) as hook:
        led = ledger_factory(webhook_url=hook.url, delivery=replace(FAST, backoff_s=0.3, backoff_max_s=1.0))
        led.raise_alert("test|retry", "anomaly", "agents/support", "spend doubled", {"x": 1})
        led.flush_webhooks()
        [failed] = led.alerts()
        assert (failed.delivered_at, failed.attempts, failed.last_error) == (None, 1, "HTTP 500")
        assert failed.next_attempt_at is not None and failed.next_attempt_at > datetime.now(UTC)
        wait_until(lambda: led.alerts()[0].delivered_at is not None)
        [done] = led.alerts()
    assert (done.attempts, done.last_error, done.next_attempt_at) == (3, "HTTP 503", None)
    first, second, third = hook.posts
    assert first.key == second.key == third.key == first.body["idempotency_key"] == third.body["idempotency_key"]
    assert _alert_id(first.key) == done.id
    assert third.body["alert"]["message"] == third.body["text"] == "spend doubled"
    assert second.at - first.at >= 0.3 and third.at - second.at >= 0.6  # 0.3 s, then doubled


def test_two_ledgers_on_one_store_post_each_alert_once(ledger_factory) -> None:
    writer = ledger_factory()  # no webhook: it only records; the others deliver what it fired
    _fire(writer, 20)
    with receiver(delay_s=0.01) as hook:
        one = ledger_factory(webhook_url=hook.url, delivery=FAST)
        two = ledger_factory(webhook_url=hook.url, delivery=FAST)
        one.flush_webhooks()
        two.flush_webhooks()
    alerts = writer.alerts()
    keys = hook.posted_keys()
    assert len(keys) == len(set(keys)) == 20
    assert all(a.delivered_at is not None and a.attempts == 1 for a in alerts)


def test_a_v3_store_migrates_and_delivers_what_it_never_delivered(tmp_path: Path) -> None:
    path = tmp_path / "v3.db"
    conn = SQLiteDialect(path)
    migrate(conn, target=3)
    fired = time.time_ns() // 1000 - 3_600_000_000  # an hour ago
    conn.execute("INSERT INTO alerts (dedupe, ts, kind, node_id, message, evidence, delivered_at, attempts) VALUES "
                 "('a', ?, 'budget', NULL, 'delivered before', '{}', ?, 1), "
                 "('b', ?, 'budget', NULL, 'failed before', '{\"spent\": 5}', NULL, 1)", (fired, fired + 2, fired))
    conn.close()
    with receiver() as hook, Ledger.open(path, webhook_url=hook.url, delivery=FAST) as led:
        assert led.store.migrated_from == 3  # type: ignore[attr-defined]
        led.flush_webhooks()
        delivered, failed = led.alerts()
    assert [p.body["alert"] for p in hook.posts] == [{
        "id": failed.id, "ts": from_us(fired).isoformat(), "recorded_at": from_us(fired).isoformat(),
        "kind": "budget", "node_id": None,
        "message": "failed before", "evidence": {"spent": 5}}]
    assert (delivered.delivered_at, delivered.attempts) == (from_us(fired + 2), 1)
    assert failed.delivered_at is not None and failed.attempts == 2 and failed.last_error is None


def test_alerts_fired_before_the_delivery_horizon_are_kept_but_not_posted(ledger_factory) -> None:
    """A webhook added to a store that ran for months without one posts what fired in the last week, not the whole
    past: the older alerts stay in the store, undelivered and never tried."""
    old = ledger_factory(clock=lambda: datetime(2025, 9, 1, 9, 0, tzinfo=UTC))  # six weeks before NOW
    old.raise_alert("test|old", "budget", "agents/support", "September's alert", {})
    with receiver() as hook:
        led = ledger_factory(webhook_url=hook.url, delivery=FAST)
        led.raise_alert("test|new", "budget", "agents/support", "today's alert", {})
        led.flush_webhooks()
        september, today = led.alerts()
    assert [p.body["text"] for p in hook.posts] == ["today's alert"]
    assert (september.delivered_at, september.attempts, september.message) == (None, 0, "September's alert")
    assert today.delivered_at is not None
