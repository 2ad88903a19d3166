"""The run costs the outlier check compares each run against, kept in memory per agent between batches.

Every batch asks, for each agent it touched, for the (first_ts, run_id, cost) of that agent's runs from a week or so
before the batch's earliest run on. Re-reading them from the store cost as much as storing the batch's runs, so they
are read once per agent and then kept current from the runs each batch writes. The store's `data_version` tells when
another connection (another orgmap process on the same file) committed; then the index starts over, as it does when
the batch before did not commit (its runs may be in the index). Batches may come from several threads (HTTP
requests): `begin` runs inside the store's write transaction, `committed` after its COMMIT.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Mapping

from .runs import RunRecord
from .store import EventStore

__all__ = ["RunCostIndex"]

Peer = tuple[int, str, float]  # (first_ts, run_id, cost)


class RunCostIndex:
    """Per agent key: the lower bound `since` it holds every non-aggregate run from, and run_id -> its `Peer`."""

    def __init__(self) -> None:
        self._agents: dict[str, tuple[int, dict[str, Peer]]] = {}
        self._version: int | None = None
        self._batches = 0
        self._open = 0  # the batch begun and not known to have committed (0: none)
        self._lock = threading.Lock()

    def begin(self, store: EventStore) -> int:
        """Start a batch (call inside its write transaction): forget everything when another connection committed
        since the last batch, or when the last batch never reported its commit. Returns the batch's token."""
        version = store.data_version()
        with self._lock:
            if self._open or version != self._version:
                self._agents.clear()
                self._version = version
            self._batches += 1
            self._open = self._batches
            return self._batches

    def committed(self, token: int) -> None:
        """The batch `token` committed: what it recorded holds."""
        with self._lock:
            if self._open == token:
                self._open = 0

    def record(self, runs: Iterable[RunRecord]) -> None:
        """Keep the index current with runs just written (aggregate-only runs are not peers)."""
        for run in runs:
            held = self._agents.get(run.agent_key)
            if held is not None and not run.aggregate_only:
                held[1][run.run_id] = (run.first_ts, run.run_id, run.cost)

    def peers(self, store: EventStore, since_by_agent: Mapping[str, int]) -> dict[str, list[Peer]]:
        """Each agent's runs that started at or after its `since`, reading only agents (or older spans) not held."""
        missing = [key for key, since in since_by_agent.items()
                   if key not in self._agents or self._agents[key][0] > since]
        if missing:
            since = min(since_by_agent[key] for key in missing)
            fresh: dict[str, dict[str, Peer]] = {key: {} for key in missing}
            for key, ts, rid, cost in store.run_costs_by_agent(missing, since):
                fresh[key][rid] = (ts, rid, cost)
            for key, runs in fresh.items():
                self._agents[key] = (since, runs)
        out: dict[str, list[Peer]] = {}
        for key, since in since_by_agent.items():
            runs = self._agents[key][1]
            found = out[key] = [peer for peer in runs.values() if peer[0] >= since]
            if 2 * len(found) < len(runs):  # mostly runs older than needed now: drop them (amortised O(1) a run)
                self._agents[key] = (since, {peer[1]: peer for peer in found})
        return out
