"""Alert records (budget thresholds, run outliers, anomalies) and the webhook body they are posted as.

An alert is written to the store in the transaction that fires it and waits there, with its delivery state, until a
webhook takes it (`ledger.outbox`).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from .timeutil import from_us

__all__ = ["ALERT_COLUMNS", "DELIVERY_COLUMNS", "Alert", "Delivery", "alert_from_row", "crossed_at",
           "delivery_from_row"]

# The columns of an alert row, in the order `alert_from_row` reads them.
ALERT_COLUMNS = ("id, ts, recorded_at, kind, node_id, message, evidence, delivered_at, attempts, last_error, "
                 "next_attempt_at")
# The columns of a delivery row (an alert routed to one person's address), in the order `delivery_from_row` reads.
DELIVERY_COLUMNS = "id, alert_id, recipient, destination, delivered_at, attempts, last_error, next_attempt_at"


@dataclass(frozen=True, slots=True)
class Delivery:
    """An alert on its way to one recipient (a person or team node id) at one `destination` (`email:ADDRESS`,
    `webhook:URL`), with its own delivery state, read as an alert's is."""

    id: int
    alert_id: int
    recipient: str
    destination: str
    delivered_at: datetime | None = None
    attempts: int = 0
    last_error: str | None = None
    next_attempt_at: datetime | None = None


def delivery_from_row(row: Sequence[Any]) -> Delivery:
    """A delivery from a store row of `DELIVERY_COLUMNS`."""
    row_id, alert_id, recipient, destination, delivered, attempts, last_error, next_at = row
    return Delivery(row_id, alert_id, recipient, destination, None if delivered is None else from_us(delivered),
                    attempts, last_error, None if next_at is None or delivered is not None else from_us(next_at))


@dataclass(frozen=True, slots=True)
class Alert:
    """One fired alert. `kind` is `budget`, `run` or `anomaly`; `evidence` holds the figures that fired it.

    Two times: `ts` is when it happened (the event whose cost crossed a budget threshold, a flagged run's last
    event, an anomaly's onset), so a backfill's alerts fall where their events do; `recorded_at` is when orgmap
    fired it (the ledger's clock). Alerts are listed and filtered by `ts`; delivery's age limit reads `recorded_at`.

    Delivery: `delivered_at` is set once the global webhook took it; until then `attempts` counts the POSTs tried,
    `last_error` says why the last one failed and `next_attempt_at` is when the next is due (None: at once).
    `deliveries` are its routes to people (a budget's `notify:`, its owners), each with that state of its own.
    """

    id: int
    ts: datetime
    recorded_at: datetime
    kind: str
    node_id: str | None
    message: str
    evidence: dict[str, Any]
    delivered_at: datetime | None = None
    attempts: int = 0
    last_error: str | None = None
    next_attempt_at: datetime | None = None
    deliveries: list[Delivery] = field(default_factory=list)

    def text(self) -> str:
        """The message as delivered: the headline, then the lines of detail a budget alert carries (`details`)."""
        details = self.evidence.get("details")
        return "\n".join([self.message, *details]) if isinstance(details, list) and details else self.message

    def payload(self, idempotency_key: str) -> dict[str, Any]:
        """The webhook body: Slack shows `text`; other receivers read `alert`, and drop a repeat by its key."""
        return {
            "text": self.text(),
            "idempotency_key": idempotency_key,
            "alert": {
                "id": self.id, "ts": self.ts.isoformat(), "recorded_at": self.recorded_at.isoformat(),
                "kind": self.kind, "node_id": self.node_id, "message": self.message, "evidence": self.evidence,
            },
        }


def alert_from_row(row: Sequence[Any]) -> Alert:
    """An alert from a store row of `ALERT_COLUMNS`."""
    alert_id, ts, recorded, kind, node_id, message, evidence, delivered, attempts, last_error, next_at = row
    return Alert(alert_id, from_us(ts), from_us(recorded), kind, node_id, message, json.loads(evidence),
                 None if delivered is None else from_us(delivered), attempts, last_error,
                 None if next_at is None or delivered is not None else from_us(next_at))


def crossed_at(before: float, target: float, costs: Sequence[tuple[int, float]]) -> int | None:
    """When spend crossed `target`: the time of the first of `costs` ((ts, cost) in time order: a batch's new events
    in the period) that brings the spend from `before` (what the period held without them) to `target`. When the
    period was over it before them (a budget set late), the first of them: the earliest time known to be over.
    None when there are none.

    >>> crossed_at(4.0, 5.0, [(10, 0.5), (20, 0.6), (30, 1.0)])
    20
    >>> crossed_at(6.0, 5.0, [(10, 0.5), (20, 0.5)])
    10
    """
    spent = before
    for ts, cost in costs:
        spent += cost
        if spent + 1e-9 >= target:
            return ts
    return costs[0][0] if costs else None
