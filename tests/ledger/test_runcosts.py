"""The in-memory run costs of the outlier check: held between batches, dropped when a batch did not commit, and
costing a batch the same however many runs are stored."""

from __future__ import annotations

import cProfile
import pstats
from datetime import UTC, datetime, timedelta
from pathlib import Path

from ledger import Ledger
from ledger.runcosts import RunCostIndex
from ledger.runs import RunRecord
from ledger.sqlite_store import SQLiteStore


def _run(run_id: str, cost: float) -> RunRecord:
    return RunRecord("bot", run_id, 10, 10, (0, "bot", "", "", "", "", "llm", 0), calls=1, cost=cost,
                     aggregate_only=False)


def test_runs_of_a_committed_batch_are_held_and_those_of_a_failed_one_forgotten(tmp_path: Path) -> None:
    store = SQLiteStore(tmp_path / "orgmap.db")
    index = RunCostIndex()
    try:
        with store.transaction():
            token = index.begin(store)
            store.put_runs([_run("r1", 2.0)])
            index.record([_run("r1", 2.0)])
            assert index.medians(store, {"bot": ([_run("r1", 2.0)], 0)}) == {("bot", "r1"): (0.0, 0)}
        index.committed(token)
        with store.transaction():  # held in memory: r1 counts, r2 joins without being read back
            index.begin(store)
            index.record([_run("r2", 9.0)])  # this batch never reports a commit (as when it rolls back)
            assert index.medians(store, {"bot": ([_run("r2", 9.0)], 0)}) == {("bot", "r2"): (2.0, 1)}
        with store.transaction():
            index.begin(store)
            store.put_runs([_run("r3", 4.0)])
            index.record([_run("r3", 4.0)])  # r2 forgotten, r1 and r3 read back: r3's peer is r1 alone
            assert index.medians(store, {"bot": ([_run("r3", 4.0)], 0)}) == {("bot", "r3"): (2.0, 1)}
    finally:
        store.close()


def _batch_calls(ledger: Ledger, start: datetime, first: int, n: int) -> int:
    """Ingest runs `first` to `first + n` of one agent (a call each, a minute apart) and count the Python calls."""
    events = [{"ts": (start + timedelta(minutes=i)).isoformat(), "agent": "support-bot", "run_id": f"r{i}",
               "cost_usd": 1.0 + i % 7 / 10, "id": f"e{i}"} for i in range(first, first + n)]
    profile = cProfile.Profile()
    profile.enable()
    report = ledger.ingest_cost(events)
    profile.disable()
    assert report.accepted == n and report.alerts == 0
    return pstats.Stats(profile).total_calls  # type: ignore[attr-defined]


def test_a_batch_checks_its_runs_at_the_same_cost_however_many_runs_are_stored(ledger: Ledger) -> None:
    """Ingest slowed down as the store filled: each batch's run-cost check went over every stored run of its agents
    in the window (a sort and a copy of them all). Work is counted as the Python calls a batch makes (cProfile), which
    is deterministic, unlike a timing: a batch of 20 runs after 4,000 runs in the window makes no more calls than the
    same batch after 1,000 (it made about one more per stored run)."""
    start = datetime(2025, 10, 12, tzinfo=UTC)  # 4,040 minutes: every run within the 7-day window of the last
    _batch_calls(ledger, start, 0, 1000)
    small = _batch_calls(ledger, start, 1000, 20)
    _batch_calls(ledger, start, 1020, 3000)
    large = _batch_calls(ledger, start, 4020, 20)
    assert large <= small * 1.05, (small, large)
