"""Retention (raw events kept N days, rollups and runs kept) on both stores, and `orgmap migrate-store`: a SQLite store
copied into PostgreSQL, verified by totals, refused into a store that already holds events."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest

from ledger import Ledger
from tests.ledger.conftest import NOW, resolve

ORGMAP = Path(sys.executable).with_name("orgmap")


def _event(i: int, days_ago: float, cost: float) -> dict:
    return {"id": f"e{i}", "ts": (NOW - timedelta(days=days_ago)).isoformat(), "agent": "support-bot",
            "cost_usd": cost, "run_id": f"run-{i}"}


def test_raw_events_past_the_retention_are_dropped_and_refused_while_rollups_and_runs_keep_them(
        ledger_factory: Callable[..., Ledger]) -> None:
    events = [_event(1, 10, 4.0), _event(2, 6, 2.0), _event(3, 1, 1.0)]
    assert ledger_factory().ingest_cost(events).accepted == 3  # stored before any retention is set
    led = ledger_factory(keep_events_days=5)  # opening applies it: the two older events go
    assert led.store.count("cost_events") == 1  # type: ignore[attr-defined]
    rate = led.run_rate(timedelta(days=30), now=NOW)
    assert (rate.total_cost, rate.rows[0].runs) == (pytest.approx(7.0), 3)  # rollups and runs keep all three
    assert len(led.runs(since=NOW - timedelta(days=30))) == 3
    again = led.ingest_cost(events)  # sent again: the old ones cannot be told from stored ones, so are refused
    assert (again.accepted, again.duplicates) == (0, 1)
    assert [(r.row, r.field) for r in again.rejected] == [(1, "ts"), (2, "ts")]
    assert "older than the 5 days of raw events this store keeps" in again.rejected[0].message
    assert led.run_rate(timedelta(days=30), now=NOW).total_cost == pytest.approx(7.0)


def test_retention_of_less_than_a_day_is_refused(ledger_factory: Callable[..., Ledger]) -> None:
    with pytest.raises(ValueError, match="keep_events_days must be at least 1"):
        ledger_factory(keep_events_days=0)


def _fill(led: Ledger) -> None:
    led.set_resolver(resolve)
    led.ingest_cost([_event(i, i / 10, 0.25 * (i % 5 + 1)) | {"run_id": f"run-{i % 7}"} for i in range(300)]
                    + [{"ts": NOW.isoformat(), "agent": "triage", "aggregate": True, "cost_usd": 12.5,
                        "period_s": 86400}])
    led.ingest_changes([{"id": "c1", "ts": NOW.isoformat(), "target": "support-bot", "kind": "model",
                         "summary": "to a bigger model"}])
    led.raise_alert("anomaly|x", "anomaly", "agents/support", "spend jumped", {"factor": 3})
    led.set_anomaly_state("x", "acknowledged", "seen")


def _answers(led: Ledger) -> tuple:
    led.set_resolver(resolve)
    rate = led.run_rate(timedelta(days=60), now=NOW)
    return (rate.total_cost, [(r.key, r.cost, r.runs, r.calls) for r in rate.rows],
            [(r.run_id, r.cost_usd, r.calls) for r in led.runs(top=50)],
            [(a.id, a.message, a.ts) for a in led.alerts()], [c.id for c in led.changes().items],
            {k: v.state for k, v in led.anomaly_states().items()}, led.store.store_id())


def test_migrate_store_copies_sqlite_into_postgresql_verified_and_the_copy_goes_on(
        make_vault, postgres_url: str) -> None:
    vault = make_vault({"Agents/Support Agent.md": "---\ntype: agent\naliases: [support-bot]\n---\n"})
    source = vault / ".orgmap" / "orgmap.db"
    with Ledger.open(source, clock=lambda: NOW) as led:
        _fill(led)
        before = _answers(led)
    env = {k: v for k, v in os.environ.items() if k != "ORGMAP_DB"}
    done = subprocess.run([str(ORGMAP), "migrate-store", "--vault", str(vault), "--to", postgres_url],
                          capture_output=True, text=True, timeout=300, env=env)
    assert done.returncode == 0, done.stderr
    assert "rows and totals checked equal in both stores" in done.stderr
    lines = {line.split()[0]: line.split()[1:] for line in done.stdout.splitlines()[1:]}
    assert lines["cost_events"] == ["301", "$237.500000"]  # 300 calls of 0.25..1.25 (60 of each) + 12.5
    password = postgres_url.split(":")[2].split("@")[0]
    assert password not in done.stdout + done.stderr
    with Ledger.open(postgres_url, clock=lambda: NOW) as copy:
        assert _answers(copy) == before
        alert = copy.raise_alert("anomaly|y", "anomaly", None, "another", {})  # ids go on past the copied ones
        assert alert is not None and alert.id == before[3][-1][0] + 1
    again = subprocess.run([str(ORGMAP), "migrate-store", "--vault", str(vault), "--to", postgres_url],
                           capture_output=True, text=True, timeout=300, env=env)
    assert again.returncode == 2
    assert "already holds events: copy into an empty store" in again.stderr


def test_a_copy_into_a_new_sqlite_file_is_the_same_store(tmp_path: Path) -> None:
    from ledger import copy_store

    with Ledger.open(tmp_path / "a.db", clock=lambda: NOW) as led:
        _fill(led)
        before = _answers(led)
    copied = copy_store(tmp_path / "a.db", tmp_path / "b.db")
    assert copied["cost_events"] == (301, 237.5) and copied["alerts"] == (1, None)
    with Ledger.open(tmp_path / "b.db", clock=lambda: NOW) as led:
        assert _answers(led) == before
