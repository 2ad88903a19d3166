"""The run costs the outlier check compares each run against, kept in memory per agent between batches, in order.

A run is compared with the median cost of the agent's other runs that started at most its window before it (or
later). Sorting every held run of the agent on every batch made ingest slow down as the history grew, so each agent's
runs are kept in start order, the costs of those inside the current window in a `SortedBag`: a batch moves the
window's start to each run it checks (the runs the start passes leave or rejoin the bag) and reads the middle ranks.
A batch costs about as much as the runs it touched, whatever the history.

The runs are read from the store once per agent and then kept current from the runs each batch writes. The store's
`data_version` tells when another connection (another orgmap process on the same file) committed; then the index
starts over, as it does when the batch before did not commit (its runs may be in the index). Batches may come from
several threads (HTTP requests): `begin` runs inside the store's write transaction, `committed` after its COMMIT.
"""

from __future__ import annotations

import threading
from bisect import bisect_left
from collections.abc import Iterable, Mapping, Sequence

from .runs import RunRecord
from .sortedbag import SortedBag
from .store import EventStore

__all__ = ["AgentRuns", "RunCostIndex"]

Median = tuple[float, int]  # (median cost of the other runs in the window, how many there are)
# Runs that started up to a day before the earliest window a batch asked for stay held: a later batch with such a
# run (a late call of a long run) then needs no read from the store.
_SLACK_US = 86_400_000_000


class AgentRuns:
    """One agent's non-aggregate runs: every one that started at or after `floor`, in (first_ts, run_id) order; the
    costs of those that started at or after `since` (the window's start last asked for) are in `costs`."""

    def __init__(self, floor: int, peers: Iterable[tuple[int, str, float]]) -> None:
        self.floor = self.since = floor
        self.runs = {rid: (ts, cost) for ts, rid, cost in peers}
        self.order = sorted((ts, rid) for rid, (ts, _) in self.runs.items())
        self.start = 0  # order[start:] started at or after `since`
        self.costs = SortedBag(cost for _, cost in self.runs.values())

    def put(self, run_id: str, first_ts: int, cost: float) -> None:
        """Hold a run's current start and cost, replacing what was held; a run that started before `floor` is not
        held. Runs mostly arrive at the end of the order, and a run's later calls only change its cost."""
        old = self.runs.get(run_id)
        if old is not None and old[0] == first_ts:
            if first_ts >= self.since:
                self.costs.remove(old[1])
                self.costs.add(cost)
            self.runs[run_id] = (first_ts, cost)
            return
        if old is not None:
            del self.runs[run_id]
            i = bisect_left(self.order, (old[0], run_id))
            del self.order[i]
            if i < self.start:
                self.start -= 1
            else:
                self.costs.remove(old[1])
        if first_ts >= self.floor:
            self.runs[run_id] = (first_ts, cost)
            self.order.insert(bisect_left(self.order, (first_ts, run_id)), (first_ts, run_id))
            if first_ts < self.since:
                self.start += 1
            else:
                self.costs.add(cost)

    def seek(self, since: int) -> None:
        """Move the window's start to `since` (not before `floor`): the costs of the runs it passes leave or rejoin."""
        order, runs, costs = self.order, self.runs, self.costs
        while self.start < len(order) and order[self.start][0] < since:
            costs.remove(runs[order[self.start][1]][1])
            self.start += 1
        while self.start and order[self.start - 1][0] >= since:
            self.start -= 1
            costs.add(runs[order[self.start][1]][1])
        self.since = since

    def median_without(self, run_id: str) -> Median:
        """The median cost and the number of the window's runs other than `run_id`; (0.0, 0) when there are none."""
        costs = self.costs
        own = self.runs.get(run_id)
        skip = costs.rank(own[1]) if own is not None and own[0] >= self.since else len(costs)
        n = len(costs) - (skip < len(costs))
        if not n:
            return 0.0, 0

        def at(i: int) -> float:
            return costs[i if i < skip else i + 1]

        return (at(n // 2) if n % 2 else (at(n // 2 - 1) + at(n // 2)) / 2), n

    def forget_before(self, floor: int) -> None:
        """Stop holding the runs that started before `floor` (at most `since`) once they are half of those held, so
        dropping them costs O(1) a run."""
        cut = bisect_left(self.order, (floor,))
        if cut and 2 * cut >= len(self.order):
            for _, rid in self.order[:cut]:
                del self.runs[rid]
            del self.order[:cut]
            self.start -= cut
            self.floor = floor


class RunCostIndex:
    """Per agent key: its `AgentRuns`, held between batches while no other connection writes."""

    def __init__(self) -> None:
        self._agents: dict[str, AgentRuns] = {}
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
                held.put(run.run_id, run.first_ts, run.cost)

    def medians(self, store: EventStore,
                todo: Mapping[str, tuple[Sequence[RunRecord], int]]) -> dict[tuple[str, str], Median]:
        """Per (agent key, run id) of the runs to check: the median cost and number of the agent's other runs that
        started at most the window before it (or later). `todo` maps an agent key to its runs (recorded already) and
        its window in microseconds."""
        since = {key: min(run.first_ts for run in runs) - window for key, (runs, window) in todo.items()}
        self._read(store, since)
        out: dict[tuple[str, str], Median] = {}
        for key, (runs, window) in todo.items():
            agent = self._agents[key]
            for run in sorted(runs, key=lambda r: r.first_ts):
                agent.seek(run.first_ts - window)
                out[(key, run.run_id)] = agent.median_without(run.run_id)
            agent.forget_before(since[key] - _SLACK_US)
        return out

    def _read(self, store: EventStore, since_by_agent: Mapping[str, int]) -> None:
        """Read from the store the agents not held, or held from a later start than `since_by_agent` asks for (from
        a day earlier, see `_SLACK_US`), in one query."""
        missing = [key for key, since in since_by_agent.items()
                   if key not in self._agents or self._agents[key].floor > since]
        if not missing:
            return
        floor = min(since_by_agent[key] for key in missing) - _SLACK_US
        fresh: dict[str, list[tuple[int, str, float]]] = {key: [] for key in missing}
        for key, ts, rid, cost in store.run_costs_by_agent(missing, floor):
            fresh[key].append((ts, rid, cost))
        for key, peers in fresh.items():
            self._agents[key] = AgentRuns(floor, peers)
