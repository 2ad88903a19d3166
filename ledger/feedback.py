"""What users say about anomalies (acknowledged, resolved as expected or unexpected), kept as feedback.

Detection recomputes anomalies from the rollups, so their state is the only thing about them the store keeps (its
`anomaly_feedback` table, written through `Ledger.set_anomaly_state`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

__all__ = ["STATES", "Feedback"]

STATES = ("open", "acknowledged", "resolved_expected", "resolved_unexpected")


@dataclass(frozen=True, slots=True)
class Feedback:
    anomaly_id: str
    state: str
    note: str | None
    updated_at: datetime
