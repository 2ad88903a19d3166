"""Alert records (budget thresholds, run outliers, anomalies) and the webhook body they are posted as.

An alert is written to the store in the transaction that fires it and waits there, with its delivery state, until a
webhook takes it (`ledger.outbox`).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from .timeutil import from_us

__all__ = ["ALERT_COLUMNS", "Alert", "alert_from_row"]

# The columns of an alert row, in the order `alert_from_row` reads them.
ALERT_COLUMNS = "id, ts, kind, node_id, message, evidence, delivered_at, attempts, last_error, next_attempt_at"


@dataclass(frozen=True, slots=True)
class Alert:
    """One fired alert. `kind` is `budget`, `run` or `anomaly`; `evidence` holds the figures that fired it.

    Delivery: `delivered_at` is set once a webhook took it; until then `attempts` counts the POSTs tried,
    `last_error` says why the last one failed and `next_attempt_at` is when the next is due (None: at once).
    """

    id: int
    ts: datetime
    kind: str
    node_id: str | None
    message: str
    evidence: dict[str, Any]
    delivered_at: datetime | None = None
    attempts: int = 0
    last_error: str | None = None
    next_attempt_at: datetime | None = None

    def payload(self, idempotency_key: str) -> dict[str, Any]:
        """The webhook body: Slack shows `text`; other receivers read `alert`, and drop a repeat by its key."""
        return {
            "text": self.message,
            "idempotency_key": idempotency_key,
            "alert": {
                "id": self.id, "ts": self.ts.isoformat(), "kind": self.kind, "node_id": self.node_id,
                "message": self.message, "evidence": self.evidence,
            },
        }


def alert_from_row(row: Sequence[Any]) -> Alert:
    """An alert from a store row of `ALERT_COLUMNS`."""
    alert_id, ts, kind, node_id, message, evidence, delivered, attempts, last_error, next_at = row
    return Alert(alert_id, from_us(ts), kind, node_id, message, json.loads(evidence),
                 None if delivered is None else from_us(delivered), attempts, last_error,
                 None if next_at is None or delivered is not None else from_us(next_at))
