"""The memo of spend series (`SpendAnswers.spend_over_time`): the past of a series is kept, the present read fresh.

A series' buckets before the one holding the clock hour (the hour's, or for day buckets the day's) are complete: only
a late write can change them. They are kept keyed by everything that can change them, and the present bucket is read
from the store on each question (an hour or a day of rollup rows: a small read) and added to a copy of them before
the answer rounds to cents, so the answer is the one a read of the whole span gives, to the last bit. What the past
buckets read, and what moves the key when it changes:

- the hourly and daily rollups of the counted spend (per-call rows and aggregates not shadowed), of all agents or of
  a project, client or model, in hours before the reader's clock hour: the store's scan stamp
  (`ledger.scan_stamp`) moves when a write transaction changes them (late events, imported history, an aggregate
  turned shadowed by a per-call event, a run's count moved to an earlier hour), in this process or in another one or
  a replica, and when one is written within a minute of its hour's end (a reader's clock a little ahead); it is
  read before the data, so a past kept under it is never older than it says;
- which agent key is which node: the vault (its revision) and the keys' ids (growing ids move the scan stamp);
- the grouping by owner or team and the groups' names: the vault's revision;
- the question: span, grouping, bucket, filters, and where the present starts (the clock hour turning moves it).

Not read, so not in the key: raw events (retention drops only those), the minute spend, runs, budgets, alerts.
Entries are few (`ENTRIES`, least recently used out first): a dashboard asks a handful of series, each kept for an
hour at most (the span of a window moves with the clock hour); an entry is its groups' buckets as arrays of
doubles (8 bytes a bucket: a week of hours of 1,000 agents is 1.3 MB).
"""

from __future__ import annotations

import threading
from array import array
from collections import OrderedDict
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import TYPE_CHECKING

from ledger.timeutil import HOUR_US, from_us, to_us

if TYPE_CHECKING:
    from ledger import Ledger
    from ledger.series import GroupedSpend

__all__ = ["ENTRIES", "SeriesMemo"]

ENTRIES = 8


def present_start(since: datetime, until: datetime, bucket: str, now: datetime) -> datetime:
    """Where a series' present starts: the bucket holding the clock hour, within [since, until] (both on the hour)."""
    hour = to_us(now) // HOUR_US
    start = hour - hour % 24 if bucket == "day" else hour
    return min(max(from_us(start * HOUR_US), since), until)


class SeriesMemo:
    """Series' complete past, kept between questions (thread-safe; `reads` counts the pasts read from the store)."""

    def __init__(self) -> None:
        self.reads = 0
        self._kept: OrderedDict[tuple, dict[str | None, array]] = OrderedDict()
        self._lock = threading.Lock()

    def grouped_spend(self, ledger: Ledger, revision: int, now: datetime, since: datetime, until: datetime, by: str,
                      bucket: str, group_of: Callable[[str], Sequence[str]] | None,
                      filters: Mapping[str, str]) -> GroupedSpend:
        """`ledger.grouped_spend` over [since, until) (on the hour), its past from the memo when kept under the same
        key (the module's docstring: why the key is complete), its present read now."""
        stamp = ledger.scan_stamp()  # read before the data
        cut = present_start(since, until, bucket, now)
        key = (stamp, revision, since, until, cut, by, bucket, tuple(sorted(filters.items())))
        with self._lock:
            past = self._kept.get(key)
            if past is not None:
                self._kept.move_to_end(key)
        if past is None:
            found = ledger.grouped_spend(since, until, by, bucket, group_of, part=(since, cut),
                                         project=filters.get("project"), client=filters.get("client"),
                                         model=filters.get("model"))
            past = {group: array("d", values) for group, values in found.costs.items()}
            with self._lock:
                self.reads += 1
                self._kept[key] = past
                while len(self._kept) > ENTRIES:
                    self._kept.popitem(last=False)
        return ledger.grouped_spend(since, until, by, bucket, group_of, part=(cut, until), onto=past,
                                    project=filters.get("project"), client=filters.get("client"),
                                    model=filters.get("model"))
