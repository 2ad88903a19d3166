"""Counts an ingest's outcomes into its `IngestReport`; lists are capped so a huge bad file cannot exhaust memory."""

from __future__ import annotations

from collections.abc import Callable

from .ingest import BatchOutcome
from .results import IngestReport, ItemResult, Rejection, UnpricedModel
from .rows import AGENT, CACHE_READ, CACHE_WRITE, COST, ID, INPUT, KEY, MODEL, OUTPUT, PROVIDER, WARNING

__all__ = ["IngestTally"]

_CAP = 10_000


class IngestTally:
    """Accepted, duplicate and rejected rows, warnings, unattributed names, unpriced models and the total cost."""

    def __init__(self, item_results: bool) -> None:
        self.item_results = item_results
        self.accepted = self.duplicates = self.alerts = self.outcomes = 0
        self.total = 0.0
        self.rejected: list[Rejection] = []
        self.warnings: list[Rejection] = []
        self.items: list[ItemResult] = []
        self.unattributed: set[str] = set()
        self.unpriced: dict[tuple[str, str | None], list[int]] = {}

    def reject(self, row: int, field: str, message: str) -> None:
        if len(self.rejected) < _CAP:
            self.rejected.append(Rejection(row, field, message))
        if self.item_results:
            self.items.append(ItemResult(row, "rejected", message=f"{field}: {message}"))

    def warn(self, row: int, field: str, message: str) -> None:
        if len(self.warnings) < _CAP:
            self.warnings.append(Rejection(row, field, message))

    def count(self, row: int, event_id: str, fresh: bool, warning: str | None, cost: float | None = None) -> None:
        if fresh:
            self.accepted += 1
        else:
            self.duplicates += 1
        if warning and len(self.warnings) < _CAP:
            self.warnings.append(Rejection(row, "ts", warning))
        if self.item_results:
            self.items.append(ItemResult(row, "stored" if fresh else "duplicate", event_id, cost))

    def add(self, outcome: BatchOutcome, node_of: Callable[[str, str], str | None]) -> None:
        stored, duplicates = outcome.stored, outcome.duplicates
        if self.item_results or any(r[WARNING] for _, r in stored) or any(r[WARNING] for _, r in duplicates):
            for (row, r), fresh in sorted([(item, True) for item in stored] + [(item, False) for item in duplicates],
                                          key=lambda item: item[0][0]):
                self.count(row, r[ID], fresh, r[WARNING], r[COST])
        else:
            self.accepted += len(stored)
            self.duplicates += len(duplicates)
        for _, r in stored:
            cost = r[COST]
            if cost is None:
                tally = self.unpriced.setdefault((r[MODEL] or "", r[PROVIDER]), [0, 0, 0, 0, 0])
                for i, n in enumerate((1, r[INPUT], r[OUTPUT], r[CACHE_READ], r[CACHE_WRITE])):
                    tally[i] += n
            else:
                self.total += cost
        for key, agent in {(r[KEY], r[AGENT]) for _, r in stored}:
            if node_of(key, agent) is None:
                self.unattributed.add(agent)

    def report(self) -> IngestReport:
        return IngestReport(
            accepted=self.accepted, duplicates=self.duplicates, rejected=self.rejected, warnings=self.warnings,
            unattributed=sorted(self.unattributed),
            unpriced=[UnpricedModel(m, p, *t) for (m, p), t in sorted(self.unpriced.items(), key=lambda i: i[0][0])],
            total_cost_usd=self.total, items=sorted(self.items, key=lambda i: i.row), alerts=self.alerts,
            outcomes=self.outcomes,
        )


