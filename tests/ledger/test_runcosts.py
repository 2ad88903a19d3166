"""The in-memory run costs of the outlier check: held between batches, dropped when a batch did not commit."""

from __future__ import annotations

from pathlib import Path

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
            assert index.peers(store, {"bot": 0}) == {"bot": []}
            store.put_runs([_run("r1", 2.0)])
            index.record([_run("r1", 2.0)])
        index.committed(token)
        with store.transaction():  # held in memory: the index answers without reading r1 back
            index.begin(store)
            assert index.peers(store, {"bot": 0}) == {"bot": [(10, "r1", 2.0)]}
            index.record([_run("r2", 9.0)])  # this batch never reports a commit (as when it rolls back)
        with store.transaction():
            index.begin(store)
            assert index.peers(store, {"bot": 0}) == {"bot": [(10, "r1", 2.0)]}  # r2 forgotten, r1 read back
    finally:
        store.close()
