"""The alert outbox: one daemon thread per `Ledger` delivers the store's undelivered alerts, oldest first, and retries
a failed one with exponential backoff until it is delivered. Two queues of one shape: each alert to the global webhook
(`--webhook`), and each routed delivery (an alert to one person's `email:` or `webhook:`, `ledger.alerts.Delivery`).

Ingest only records alerts (in the transaction that fires them) and wakes the thread, so a slow or dead webhook costs
ingest and the allowance check nothing. The alerts wait in the store, so what one run could not deliver the next run
delivers, and a process with a webhook also delivers the alerts another process fired. Each alert is claimed in a
short write transaction before it is posted (its next attempt is set a lease away), so two processes on one store
never post the same alert at once; one that dies mid-POST leaves the alert to be retried when the lease ends. Each
POST carries `Idempotency-Key: orgmap-<store id>-alert-<alert id>`, and the body the same key, so a receiver can
drop the repeat of a POST whose answer was lost; a routed delivery's key adds `-to-<delivery id>` (an email carries it
as its Message-ID).
"""

from __future__ import annotations

import logging
import random
import smtplib
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

import httpx

from .alerts import Alert, alert_from_row, delivery_from_row
from .destinations import check_webhook_url
from .mailer import SmtpSettings, send_mail
from .store import EventStore
from .timeutil import US, to_us

__all__ = ["DeliveryPolicy", "Outbox", "channels_for", "retry_delay"]

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class DeliveryPolicy:
    """How alerts are posted and retried. The defaults suit a server; tests shorten every wait."""

    timeout_s: float = 5.0  # each phase of one POST (connect, send, read)
    backoff_s: float = 2.0  # the wait after an alert's first failed POST, doubled after each further one...
    backoff_max_s: float = 900.0  # ...up to this: a receiver down for a day is tried every 15 minutes
    jitter: float = 0.2  # each wait moves by up to this share either way, so stores that failed together part
    lease_s: float = 60.0  # a claimed alert is left to its claimer this long: longer than any one POST takes
    poll_s: float = 5.0  # how often the thread looks for alerts other processes fired
    close_wait_s: float = 5.0  # how long `close()` first tries the alerts due
    # Alerts recorded longer ago than this are not posted (they stay undelivered, visible as such): a webhook added to a
    # store that ran months without one must not flood its channel with every alert of the past. None: no limit.
    max_age_s: float | None = 7 * 86_400.0


def retry_delay(attempts: int, policy: DeliveryPolicy, spread: float) -> float:
    """Seconds to wait after an alert's `attempts`-th failed POST; `spread` (in [0, 1)) places it within the jitter.

    >>> policy = DeliveryPolicy(backoff_s=2.0, backoff_max_s=60.0, jitter=0.0)
    >>> [retry_delay(n, policy, 0.5) for n in (1, 2, 3, 10)]
    [2.0, 4.0, 8.0, 60.0]
    """
    wait = min(policy.backoff_max_s, policy.backoff_s * 2.0 ** min(attempts - 1, 62))
    return wait * (1.0 + policy.jitter * (2.0 * spread - 1.0))


def _now_us() -> int:
    """Wall time: delivery happens in the real world, whatever clock the ledger answers by."""
    return time.time_ns() // 1000


@dataclass(frozen=True, slots=True)
class _Queue:
    """One queue of the store: how its rows are claimed and marked, and how one claimed row is sent (returning the
    row's id, its attempts so far, and the error, None when it was delivered)."""

    claim: Callable[[int, int, int], tuple | None]
    next_due: Callable[[int], int | None]
    delivered: Callable[[int, int], None]
    failed: Callable[[int, str, int], None]
    send: Callable[[httpx.Client, tuple], tuple[int, int, str | None]]


class Outbox:
    """Delivers a store's undelivered alerts to the global webhook (`url`, when given) and the routed deliveries (by
    webhook, or by email through `smtp`) from a daemon thread, started here; `close()` it."""

    def __init__(self, store: EventStore, url: str | None, *, allow_link_local: bool = False,
                 policy: DeliveryPolicy | None = None, clock: Callable[[], datetime] | None = None,
                 smtp: SmtpSettings | None = None) -> None:
        self.url = None if url is None else check_webhook_url(url, allow_link_local)
        self.policy = policy or DeliveryPolicy()
        self._clock = clock  # the ledger's: alerts are recorded by it, so their age is measured by it
        self._store = store
        self._smtp = smtp
        self._key_prefix = f"orgmap-{store.store_id()}-alert-"
        channels = channels_for(smtp)
        self._queues = ([_Queue(store.claim_alert, store.next_alert_due, store.mark_delivered, store.mark_failed,
                                self._post_alert)] if self.url else []) + [
            _Queue(lambda due, lease, since: store.claim_delivery(due, lease, since, channels),
                   lambda since: store.next_delivery_due(since, channels), store.mark_delivery_delivered,
                   store.mark_delivery_failed, self._send_delivery)]
        self._wake = threading.Event()
        self._stopping = threading.Event()
        self._passes = threading.Condition()  # guards the pass counts below and `_stopped`
        self._begun = self._finished = 0
        self._stopped = False
        self._thread = threading.Thread(target=self._run, name="orgmap-alerts", daemon=True)
        self._thread.start()

    def wake(self) -> None:
        """Alerts were just recorded: try them now rather than at the next poll. Never waits."""
        self._wake.set()

    def flush(self, timeout_s: float | None = None) -> None:
        """Wait until every alert due now has been tried (delivered, or its retry scheduled), or `timeout_s`.

        Waits for a whole pass of the thread that began after this call; a pass tries each alert due at its start
        once, so this ends even while a receiver keeps failing."""
        deadline = None if timeout_s is None else time.monotonic() + timeout_s
        with self._passes:
            target = self._begun + 1
            self._wake.set()
            while self._finished < target and not self._stopped:
                remaining = None if deadline is None else deadline - time.monotonic()
                if remaining is not None and remaining <= 0:
                    return
                self._passes.wait(remaining)

    def close(self) -> None:
        """Try the alerts due for up to `close_wait_s`, then stop the thread once its send in flight ends (bounded
        by the timeout). What is left stays in the store for the next run."""
        self.flush(self.policy.close_wait_s)
        self._stopping.set()
        self._wake.set()
        self._thread.join(timeout=self.policy.timeout_s + 1)

    def _run(self) -> None:
        try:
            with httpx.Client(timeout=self.policy.timeout_s, follow_redirects=False) as client:
                while not self._stopping.is_set():
                    self._wake.wait(self._pass(client))
        finally:
            with self._passes:
                self._stopped = True
                self._passes.notify_all()

    def _pass(self, client: httpx.Client) -> float:
        """Try each alert due now, oldest first, queue by queue; returns the seconds until the next one is due (at
        most `poll_s`)."""
        with self._passes:
            self._begun += 1
            this_pass = self._begun
            self._wake.clear()
        pause = self.policy.poll_s
        try:
            due_by = _now_us()
            recorded_now = to_us(self._clock()) if self._clock is not None else due_by
            since = 0 if self.policy.max_age_s is None else recorded_now - int(self.policy.max_age_s * US)
            for queue in self._queues:
                while not self._stopping.is_set():
                    row = queue.claim(due_by, _now_us() + int(self.policy.lease_s * US), since)
                    if row is None:
                        break
                    self._attempt(client, queue, row)
                due = queue.next_due(since)
                if due is not None:
                    pause = min(pause, max(0.0, (due - _now_us()) / US))
        except Exception:  # the store busy past its timeout, say: the next pass tries again
            log.exception("alert delivery pass failed")
        finally:
            with self._passes:
                self._finished = this_pass
                self._passes.notify_all()
        return pause

    def _attempt(self, client: httpx.Client, queue: _Queue, row: tuple) -> None:
        """Send one claimed row; record it delivered, or the error and when to try again."""
        row_id, attempts, error = queue.send(client, row)
        if error is None:
            queue.delivered(row_id, _now_us())
            return
        delay = retry_delay(attempts, self.policy, random.random())
        log.warning("alert delivery %s failed (attempt %d): %s; next try in %.0f s", row_id, attempts, error, delay)
        queue.failed(row_id, error[:500], _now_us() + int(delay * US))

    def _post_alert(self, client: httpx.Client, row: tuple) -> tuple[int, int, str | None]:
        alert = alert_from_row(row)
        assert self.url is not None
        return alert.id, alert.attempts, _post(client, self.url, alert, self._key_prefix + str(alert.id))

    def _send_delivery(self, client: httpx.Client, row: tuple) -> tuple[int, int, str | None]:
        """A routed delivery: POST to a person's webhook, or email through the SMTP server."""
        delivery = delivery_from_row(row)
        found = self._store.get_alert(delivery.alert_id)
        if found is None:
            return delivery.id, delivery.attempts, f"alert {delivery.alert_id} is not in the store"
        alert = alert_from_row(found)
        key = f"{self._key_prefix}{alert.id}-to-{delivery.id}"
        kind, _, address = delivery.destination.partition(":")
        if kind == "webhook":
            try:
                check_webhook_url(address)  # an address from a note: never link-local, whoever wrote it
            except ValueError as exc:
                return delivery.id, delivery.attempts, str(exc)
            return delivery.id, delivery.attempts, _post(client, address, alert, key)
        if kind != "email" or self._smtp is None:  # never claimed: `channels_for` leaves them to others
            return delivery.id, delivery.attempts, f"cannot send to {delivery.destination!r}"
        try:
            send_mail(self._smtp, address, alert.message, alert.text(), key)
        except (smtplib.SMTPException, OSError) as exc:
            return delivery.id, delivery.attempts, f"{type(exc).__name__}: {exc}"
        return delivery.id, delivery.attempts, None


def channels_for(smtp: SmtpSettings | None) -> tuple[str, ...]:
    """The routed deliveries a process can send: webhooks always, email with an SMTP server. Email waits, visible and
    undelivered, for a process that has one (as alerts wait for a process with the global webhook)."""
    return ("webhook", "email") if smtp is not None else ("webhook",)


def _post(client: httpx.Client, url: str, alert: Alert, key: str) -> str | None:
    """POST one alert; the error, or None when the receiver took it. The response body is not read: the status says
    it all."""
    try:
        with client.stream("POST", url, json=alert.payload(key), headers={"Idempotency-Key": key}) as response:
            return None if response.is_success else f"HTTP {response.status_code}"
    except httpx.HTTPError as exc:
        return f"{type(exc).__name__}: {exc}"
