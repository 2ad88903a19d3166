"""When a write transaction moves the store's scan stamp (`EventStore.scan_stamp`): the counter an anomaly scan's
memo is keyed by, bumped in the same transaction only when it wrote something a scan of complete hours reads.

What a scan reads (`orgmap.anomaly_answers`): the hourly rollups of each agent's spend (`rollup_sum` by hour, runs
and calls included) and its outcome events per hour, both cut to the hours complete before the scan's `now`
(`ledger.anomaly.detect`); every change on the agents and what they depend on (any time: a change after an onset
can be its fix); the states users set on anomalies; and which agent keys resolve to which node (the keys' names and
their other ids). It reads no raw event (retention drops only those), no run record, no minute spend, no watch state
and no alert or delivery. So:

- rollups or outcomes written in an hour before the writer's current hour move it (late events, imported history,
  backfills; also a run's count moved to an earlier hour, an aggregate turned shadowed by a per-call event);
- those in the current hour (or later) do not: the clock hour is in the memo's key, and when it turns the scan
  reads that hour whole;
- except within `MARGIN` of the hour's end: a reader whose clock is ahead of the writer's, or whose data read
  raced the commit, may already scan that hour as complete, and must not keep a scan without these events;
- a change, an anomaly state, or an agent key's ids growing (they can re-attribute its past) always move it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from .timeutil import HOUR_US, to_us

__all__ = ["MARGIN", "ScanWrites"]

# Why a minute: it must cover how far a reader's clock may be ahead of the writer's (NTP keeps servers within
# milliseconds; an unsynced one drifts seconds a day) plus the time from the writer's clock read to its commit (the
# clock is read last, before the commit: milliseconds, seconds on a stalled disk). A minute covers both with room,
# and costs little: only events of the hour's last minute (a sixtieth of live ingest) make the next scan run again.
MARGIN = timedelta(minutes=1)
_MARGIN_US = int(MARGIN.total_seconds() * 1_000_000)


@dataclass(slots=True)
class ScanWrites:
    """What one write transaction wrote that an anomaly scan reads: the earliest hour of the rollups or outcomes it
    changed, and whether it wrote what a scan reads whatever its time (changes, anomaly states, agent ids)."""

    first_hour: int | None = None
    timeless: bool = False

    def hours(self, hours: Iterable[int]) -> None:
        """Rollups or outcomes were written in these hours (hours since the epoch)."""
        first = min(hours, default=None)
        if first is not None and (self.first_hour is None or first < self.first_hour):
            self.first_hour = first

    def always(self) -> None:
        """Something a scan reads whatever its time was written."""
        self.timeless = True

    def moves_scan(self, now: datetime) -> bool:
        """Does a scan at the writer's `now` (or a reader's clock up to `MARGIN` ahead) read what was written?"""
        if self.timeless:
            return True
        return self.first_hour is not None and self.first_hour < (to_us(now) + _MARGIN_US) // HOUR_US
