"""Alerts routed to people, against a real SMTP server and real webhook receivers on 127.0.0.1: each recipient gets one
message per alert (one for several thresholds crossed at once), by email or webhook, with its own delivery state; an
email the server could not take is retried, also after a restart, under the same Message-ID."""

from __future__ import annotations

import re
import socket
import time
from dataclasses import replace

from ledger import BudgetSpec, DeliveryPolicy, Ledger, SmtpSettings
from tests.smtp_receiver import free_port, smtp_server
from tests.webhook_receiver import receiver, wait_until

FAST = DeliveryPolicy(timeout_s=0.5, backoff_s=0.05, backoff_max_s=0.5, jitter=0.0, lease_s=10.0, poll_s=0.2,
                      close_wait_s=1.0)
TS = "2025-10-15T12:{:02d}:00Z"


def _spec(routes: dict[float, tuple[tuple[str, str], ...]]) -> BudgetSpec:
    return BudgetSpec("agent", "agents/support", daily_usd=10.0, label="Support Bot", owners=("Maya Chen",),
                      routes=tuple(sorted(routes.items())))


def _spend(led: Ledger, cost: float, minute: int) -> None:
    led.ingest_cost([{"ts": TS.format(minute), "agent": "support-bot", "cost_usd": cost}])


def test_one_message_per_recipient_names_every_threshold_crossed(ledger_factory) -> None:
    maya = ("people/maya", "email:maya@example.com")
    with smtp_server() as box, receiver() as finance:
        team = ("teams/finance", f"webhook:{finance.url}")
        led = ledger_factory(delivery=FAST, smtp=SmtpSettings(box.host, box.port, tls="none"),
                             dashboard_url="http://127.0.0.1:8000/")
        led.set_budgets([_spec({0.5: (maya,), 0.75: (maya,), 0.9: (maya, team), 1.0: (maya, team)})])
        _spend(led, 4.0, 0)  # 40%: nothing
        assert led.alerts() == []
        _spend(led, 8.7, 1)  # 127%: crosses 50, 75, 90 and 100 at once
        led.flush_webhooks()
        [alert] = led.alerts()
        wait_until(lambda: len(box.messages) == 1 and len(finance.posts) == 1)
        time.sleep(0.2)  # nothing more arrives
        assert len(box.messages) == 1 and len(finance.posts) == 1
    assert alert.evidence["thresholds"] == [0.5, 0.75, 0.9, 1.0]
    assert {d.destination: d.delivered_at is not None for d in alert.deliveries} == {
        "email:maya@example.com": True, f"webhook:{finance.url}": True}
    [mail] = box.to("maya@example.com")
    assert mail["Subject"] == "Budget agent Support Bot: day spend $12.70 is 127% of $10.00 (crossed 50%, 75%, 90%, " \
                              "100%)"
    body = mail.get_content()
    for part in ("Owner: Maya Chen.", "Top agents: agents/support $12.70.", "It has run out",
                 "Paused from 100%: every agent.", "Dashboard: http://127.0.0.1:8000/#budgets"):
        assert part in body, part
    delivery = next(d for d in alert.deliveries if d.destination.startswith("email:"))
    key = f"orgmap-{led.store.store_id()}-alert-{alert.id}-to-{delivery.id}"
    assert mail["Message-ID"] == f"<{key}@orgmap>" and mail["X-Idempotency-Key"] == key
    [post] = finance.posts
    assert post.key == f"orgmap-{led.store.store_id()}-alert-{alert.id}-to-" + str(
        next(d.id for d in alert.deliveries if d.destination.startswith("webhook:")))
    assert post.body["text"].startswith("Budget agent Support Bot") and "Top agents" in post.body["text"]


def test_routes_follow_the_threshold_crossed(ledger_factory) -> None:
    maya, rachel = ("people/maya", "email:maya@example.com"), ("people/rachel", "email:rachel@example.com")
    with smtp_server() as box:
        led = ledger_factory(delivery=FAST, smtp=SmtpSettings(box.host, box.port, tls="none"))
        led.set_budgets([_spec({0.5: (maya,), 0.75: (rachel,), 0.9: (maya, rachel), 1.0: (maya, rachel)})])
        _spend(led, 5.5, 0)  # 55%: Maya
        _spend(led, 2.0, 1)  # 75%: Rachel
        _spend(led, 1.6, 2)  # 91%: both
        led.flush_webhooks()
        wait_until(lambda: len(box.messages) == 4)
    crossed = [m["Subject"].rsplit("(crossed ", 1)[1] for m in box.to("maya@example.com")]
    assert crossed == ["50%)", "90%)"]
    assert [m["Subject"].rsplit("(crossed ", 1)[1] for m in box.to("rachel@example.com")] == ["75%)", "90%)"]


def test_an_email_the_server_could_not_take_is_delivered_after_a_restart(ledger_factory) -> None:
    port = free_port()  # nothing listens there yet
    maya = ("people/maya", "email:maya@example.com")
    settings = SmtpSettings("127.0.0.1", port, tls="none", timeout_s=0.5)
    led = ledger_factory(delivery=replace(FAST, backoff_s=0.5, close_wait_s=0.2), smtp=settings)  # no retry yet
    led.set_budgets([_spec({0.5: (maya,)})])
    _spend(led, 6.0, 0)
    led.flush_webhooks()
    [failed] = led.alerts()[0].deliveries
    assert failed.delivered_at is None and failed.attempts == 1
    assert "ConnectionRefusedError" in str(failed.last_error) and failed.next_attempt_at is not None
    led.close()
    time.sleep(0.6)  # past the retry's backoff
    with smtp_server(port) as box:
        again = ledger_factory(delivery=FAST, smtp=settings)  # a new process: the outbox starts for what waits
        again.flush_webhooks()
        wait_until(lambda: box.messages)
        [delivered] = again.alerts()[0].deliveries
    assert delivered.delivered_at is not None and delivered.attempts == 2 and delivered.id == failed.id
    [mail] = box.messages
    assert re.fullmatch(rf"<orgmap-[0-9a-f]{{16}}-alert-\d+-to-{failed.id}@orgmap>", mail["Message-ID"])


def test_without_an_smtp_server_an_email_waits_visibly_for_one_and_ingest_never_waits(ledger_factory) -> None:
    with receiver(hang=True) as dead:
        led = ledger_factory(delivery=replace(FAST, timeout_s=1.0, close_wait_s=0.1))
        both = (("people/maya", "email:maya@example.com"), ("teams/ops", f"webhook:{dead.url}"))
        led.set_budgets([_spec(dict.fromkeys((0.5, 0.75, 0.9, 1.0), both))])
        started = time.monotonic()
        _spend(led, 6.0, 0)
        allowed = led.allowance("agents/support")
        assert time.monotonic() - started < 0.5 and allowed.allowed
        wait_until(lambda: dead.posts)  # the hook hangs
        email = next(d for d in led.alerts()[0].deliveries if d.destination.startswith("email:"))
        assert (email.delivered_at, email.attempts, email.last_error) == (None, 0, None)  # not tried: no server
        started = time.monotonic()
        _spend(led, 4.0, 1)  # another alert while the hook hangs: ingest does not wait
        assert time.monotonic() - started < 0.5 and len(led.alerts()) == 2
        led.close()
    with smtp_server() as box:  # a process with an SMTP server sends what waited
        again = ledger_factory(delivery=FAST, smtp=SmtpSettings(box.host, box.port, tls="none"))
        again.flush_webhooks()
        wait_until(lambda: len(box.messages) == 2)
    assert [m["Subject"].rsplit("(crossed ", 1)[1] for m in box.to("maya@example.com")] == ["50%)", "75%, 90%, 100%)"]


def test_an_smtp_server_that_never_answers_costs_ingest_and_the_allowance_check_nothing(ledger_factory) -> None:
    with socket.socket() as silent:  # accepts connections (the backlog) and never says a word
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        settings = SmtpSettings("127.0.0.1", silent.getsockname()[1], tls="none", timeout_s=0.5)
        led = ledger_factory(delivery=replace(FAST, close_wait_s=0.1), smtp=settings)
        led.set_budgets([_spec(dict.fromkeys((0.5, 0.75, 0.9, 1.0), (("people/maya", "email:maya@example.com"),)))])
        started = time.monotonic()
        _spend(led, 6.0, 0)
        _spend(led, 5.0, 1)
        verdict = led.allowance("agents/support")
        assert time.monotonic() - started < 0.5 and not verdict.allowed and len(led.alerts()) == 2
        wait_until(lambda: led.alerts()[0].deliveries[0].last_error)
        assert "timed out" in str(led.alerts()[0].deliveries[0].last_error)
