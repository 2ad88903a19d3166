"""The SQLite store: schema migration, refusal of newer files, two processes at once, and a kill mid-ingest."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
import textwrap
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from ledger import Ledger, SchemaError
from ledger.schema import SCHEMA_VERSION, migrate
from ledger.sqlite_store import SQLiteDialect

ROOT = Path(__file__).resolve().parents[2]


def test_a_v1_file_migrates_forward_keeping_its_data(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    conn = SQLiteDialect(path)
    migrate(conn, target=1)
    conn.execute("INSERT INTO alerts (dedupe, ts, kind, node_id, message, evidence) VALUES ('d', 1, 'budget', "
                 "'a', 'old alert', '{}')")
    conn.close()
    with Ledger.open(path) as led:
        assert led.store.migrated_from == 1  # type: ignore[attr-defined]
        assert [a.message for a in led.alerts()] == ["old alert"]
    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION == 13
    assert conn.execute("SELECT attempts FROM alerts").fetchone()[0] == 0
    conn.close()


def test_anomaly_feedback_kept_by_an_older_orgmap_survives_the_migration(tmp_path: Path) -> None:
    """Before schema 3 the feedback table was created on first use, outside the migrations: it is kept as it was."""
    path = tmp_path / "v2.db"
    conn = SQLiteDialect(path)
    migrate(conn, target=2)
    conn.execute("CREATE TABLE anomaly_feedback (id TEXT PRIMARY KEY, state TEXT NOT NULL, note TEXT, "
                 "updated_us INTEGER NOT NULL)")
    conn.execute("INSERT INTO anomaly_feedback VALUES ('a@1', 'acknowledged', 'seen', 1000000)")
    conn.close()
    with Ledger.open(path) as led:
        assert led.anomaly_states()["a@1"].state == "acknowledged"
        led.set_anomaly_state("b@2", "resolved_expected", "planned")
        led.set_anomaly_state("a@1", "open")
    with Ledger.open(path) as led:
        states = led.anomaly_states()
        assert {k: (v.state, v.note) for k, v in states.items()} == {
            "a@1": ("open", None), "b@2": ("resolved_expected", "planned")}
        with pytest.raises(ValueError, match="state must be one of"):
            led.set_anomaly_state("a@1", "closed")


def test_a_newer_file_is_refused_clearly(tmp_path: Path) -> None:
    path = tmp_path / "new.db"
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    conn.close()
    with pytest.raises(SchemaError, match="newer than this orgmap understands"):
        Ledger.open(path)



def test_a_store_before_the_week_rollup_gets_it_filled_from_its_day_rollup(tmp_path: Path) -> None:
    """Migration 12 fills agent_week from agent_day, so a 90-day run-rate over whole weeks reads what it did before."""
    path = tmp_path / "v11.db"
    end = datetime(2025, 10, 1, 12, tzinfo=UTC)
    events = [{"ts": (end - timedelta(hours=7 * h + 3)).isoformat(), "agent": f"a{h % 3}", "cost_usd": 0.25 * (h % 5),
               "run_id": f"r{h}"} for h in range(300)]  # every 7 hours for 87 days, costs in quarters
    with Ledger.open(path) as led:
        led.ingest_cost(events)
        before = led.run_rate(timedelta(days=90), now=end)
    conn = sqlite3.connect(path)
    conn.executescript("DROP TABLE agent_week; DROP INDEX agent_day_by_day; DROP INDEX agent_hour_by_hour; "
                       "DELETE FROM store_meta WHERE key = 'scan_stamp'; PRAGMA user_version = 11")
    conn.close()
    with Ledger.open(path) as led:
        assert led.store.migrated_from == 11  # type: ignore[attr-defined]
        after = led.run_rate(timedelta(days=90), now=end)
    assert [(r.key, r.cost, r.runs, r.calls) for r in after.rows] == [(r.key, r.cost, r.runs, r.calls)
                                                                     for r in before.rows]
    assert after.total_cost == before.total_cost == sum(e["cost_usd"] for e in events)


_WRITER = textwrap.dedent("""
    import json, sys
    from ledger import Ledger
    path, start, count, batch = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
    def events():
        for i in range(start, start + count):
            yield {"id": f"e{i}", "ts": f"2025-10-15T{i % 12:02d}:{i % 60:02d}:00Z", "agent": f"agent-{i % 7}",
                   "cost_usd": 0.01, "run_id": f"r{i % 50}"}
    with Ledger.open(path, batch_size=batch) as led:
        def progress(done, total):
            print(done, flush=True)
        report = led.ingest_cost(events(), on_progress=progress)
        print(json.dumps({"accepted": report.accepted, "duplicates": report.duplicates}), flush=True)
""")


def _writer(path: Path, start: int, count: int, batch: int = 200) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-c", _WRITER, str(path), str(start), str(count), str(batch)],
                            stdout=subprocess.PIPE, text=True, cwd=ROOT)


def _count(path: Path) -> tuple[int, float, int]:
    conn = sqlite3.connect(path)
    events = conn.execute("SELECT count(*) FROM cost_events").fetchone()[0]
    cost, calls = conn.execute("SELECT SUM(cost), SUM(calls) FROM agent_day WHERE agg = 0").fetchone()
    conn.close()
    return events, round(cost or 0, 6), calls or 0


def test_two_processes_ingest_into_one_file(tmp_path: Path) -> None:
    path = tmp_path / "shared.db"
    Ledger.open(path).close()
    a, b = _writer(path, 0, 3000), _writer(path, 2000, 3000)  # 1,000 ids overlap
    outs = [json.loads(p.communicate(timeout=120)[0].splitlines()[-1]) for p in (a, b)]
    assert a.returncode == b.returncode == 0
    assert sum(o["accepted"] for o in outs) == 5000
    assert sum(o["duplicates"] for o in outs) == 1000
    assert _count(path) == (5000, 50.0, 5000)


def test_a_kill_mid_ingest_loses_nothing_reported_and_a_rerun_double_counts_nothing(tmp_path: Path) -> None:
    path = tmp_path / "crash.db"
    proc = _writer(path, 0, 200_000, batch=500)
    assert proc.stdout is not None
    reported = 0
    for line in proc.stdout:
        reported = int(line)
        if reported >= 5000:
            break
    proc.kill()
    proc.wait()
    stored, _, _ = _count(path)
    assert stored >= reported
    rerun = _writer(path, 0, 20_000, batch=500)
    rerun.communicate(timeout=120)
    events, cost, calls = _count(path)
    assert events >= 20_000 and calls == events and cost == pytest.approx(events * 0.01)
    conn = sqlite3.connect(path)
    runs_counted = conn.execute("SELECT SUM(runs) FROM agent_day").fetchone()[0]
    run_records, run_calls = conn.execute("SELECT count(*), SUM(calls) FROM runs").fetchone()
    conn.close()
    assert runs_counted == run_records and run_calls == events
