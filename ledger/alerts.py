"""Alert records (budget thresholds, run outliers) and their webhook delivery off the ingest path.

The record is written first, in the store; the webhook is a JSON POST with a Slack-compatible `text` field, sent by
one background thread. A failed POST is logged and leaves the record undelivered (`delivered_at` empty).
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import httpx

__all__ = ["Alert", "WebhookSender"]

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Alert:
    """One fired alert. `kind` is `budget` or `run`; `evidence` holds the figures that fired it."""

    id: int
    ts: datetime
    kind: str
    node_id: str | None
    message: str
    evidence: dict[str, Any]
    delivered_at: datetime | None = None

    def payload(self) -> dict[str, Any]:
        """The webhook body: Slack shows `text`; other receivers read `alert`."""
        return {
            "text": self.message,
            "alert": {
                "id": self.id, "ts": self.ts.isoformat(), "kind": self.kind, "node_id": self.node_id,
                "message": self.message, "evidence": self.evidence,
            },
        }


class WebhookSender:
    """Posts alerts from a queue on a daemon thread; `flush()` waits until the queue is drained."""

    def __init__(self, url: str, on_delivered: Callable[[int], None], *, timeout_s: float = 5.0) -> None:
        self.url = url
        self._on_delivered = on_delivered
        self._timeout = timeout_s
        self._queue: queue.Queue[Alert | None] = queue.Queue()
        self._thread = threading.Thread(target=self._loop, name="orgmap-webhook", daemon=True)
        self._thread.start()

    def send(self, alert: Alert) -> None:
        self._queue.put(alert)

    def flush(self) -> None:
        self._queue.join()

    def close(self) -> None:
        self._queue.put(None)
        self._thread.join(timeout=self._timeout + 1)

    def _loop(self) -> None:
        with httpx.Client(timeout=self._timeout) as client:
            while True:
                alert = self._queue.get()
                try:
                    if alert is None:
                        return
                    response = client.post(self.url, json=alert.payload())
                    response.raise_for_status()
                    self._on_delivered(alert.id)
                except Exception as exc:
                    log.warning("webhook for alert %s failed: %s", getattr(alert, "id", "?"), exc)
                finally:
                    self._queue.task_done()
