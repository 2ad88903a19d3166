"""What users say about anomalies (acknowledged, resolved as expected or unexpected), kept as feedback.

A small table of its own in the ledger's SQLite file, created when first used; detection recomputes anomalies from
the rollups, so their state is the only thing about them that needs storing.
"""

from __future__ import annotations

import sqlite3
import threading
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

__all__ = ["STATES", "AnomalyFeedback", "Feedback"]

STATES = ("open", "acknowledged", "resolved_expected", "resolved_unexpected")


@dataclass(frozen=True, slots=True)
class Feedback:
    anomaly_id: str
    state: str
    note: str | None
    updated_at: datetime


class AnomalyFeedback:
    """Anomaly id -> the state a user set, with an optional note."""

    def __init__(self, path: str | Path) -> None:
        self._conn = sqlite3.connect(str(path), timeout=30, isolation_level=None, check_same_thread=False)
        self._conn.execute("PRAGMA busy_timeout = 30000")
        self._conn.execute("CREATE TABLE IF NOT EXISTS anomaly_feedback (id TEXT PRIMARY KEY, state TEXT NOT NULL, "
                           "note TEXT, updated_us INTEGER NOT NULL)")
        self._lock = threading.Lock()

    def set(self, anomaly_id: str, state: str, note: str | None = None, now: datetime | None = None) -> Feedback:
        if state not in STATES:
            raise ValueError(f"state must be one of {', '.join(STATES)}; got {state!r}")
        when = now or datetime.now(UTC)
        with self._lock:
            self._conn.execute("INSERT INTO anomaly_feedback VALUES (?, ?, ?, ?) ON CONFLICT(id) DO UPDATE SET "
                               "state = excluded.state, note = excluded.note, updated_us = excluded.updated_us",
                               (anomaly_id, state, note, int(when.timestamp() * 1_000_000)))
        return Feedback(anomaly_id, state, note, when)

    def all(self) -> dict[str, Feedback]:
        with self._lock:
            rows = self._conn.execute("SELECT id, state, note, updated_us FROM anomaly_feedback").fetchall()
        return {r[0]: Feedback(r[0], r[1], r[2], datetime.fromtimestamp(r[3] / 1_000_000, UTC)) for r in rows}

    def close(self) -> None:
        self._conn.close()
