"""The PostgreSQL store's faults: a database down at start, a connection lost mid-ingest (once, and for good), a schema
newer than the code, and a password that never shows in an error, a log line or the CLI's output."""

from __future__ import annotations

import logging
import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit

import psycopg
import pytest

from ledger import Ledger, SchemaError, StoreUnavailable, postgres_store
from ledger import ledger as ledger_module
from ledger.postgres_store import PostgresDialect, redact
from ledger.schema import SCHEMA_VERSION, migrate

NOW = datetime(2025, 10, 15, 12, 30, tzinfo=UTC)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _events(n: int, start: int = 0) -> Iterator[dict]:
    for i in range(start, start + n):
        yield {"id": f"e{i}", "ts": (NOW - timedelta(minutes=i)).isoformat(), "agent": "support-bot",
               "cost_usd": 0.01 * (i % 7 + 1), "run_id": f"r{i % 50}"}


def _kill_connections(server: str, database_url: str) -> int:
    """End every connection to the database, as a server restart or failover would; returns how many."""
    with psycopg.connect(server, autocommit=True) as conn:
        return len(conn.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s",
                                (urlsplit(database_url).path.lstrip("/"),)).fetchall())


def _stored(url: str) -> tuple[int, float, int]:
    """Events, their total cost, and the calls the hourly rollups count: what a reader of the store sees."""
    with psycopg.connect(url) as conn:
        n, cost = conn.execute("SELECT count(*), sum(cost_usd) FROM cost_events").fetchone()  # type: ignore[misc]
        calls = conn.execute("SELECT sum(calls) FROM rollup_hour").fetchone()[0]  # type: ignore[index]
    return n, round(cost or 0.0, 6), int(calls or 0)


def test_redact_hides_the_password_in_the_user_part_and_in_parameters() -> None:
    assert redact("postgresql://ann:s3cr%40t@db.example:5432/orgmap") == "postgresql://ann:***@db.example:5432/orgmap"
    assert redact("postgresql://ann@db/orgmap?password=s3cret&sslmode=require") == \
        "postgresql://ann@db/orgmap?password=***&sslmode=require"
    assert redact("postgresql://db/orgmap") == "postgresql://db/orgmap"


def test_a_database_that_is_down_at_start_is_named_without_its_password(caplog: pytest.LogCaptureFixture) -> None:
    url = f"postgresql://orgmap:hunter2secret@127.0.0.1:{_free_port()}/orgmap"
    caplog.set_level(logging.DEBUG)
    with pytest.raises(StoreUnavailable) as raised:
        Ledger.open(url)
    message = str(raised.value)
    assert message.startswith(f"cannot reach the event store at postgresql://orgmap:***@{urlsplit(url).netloc[-15:]}")
    assert "hunter2secret" not in message and "hunter2secret" not in caplog.text


def test_the_cli_says_the_database_is_down_and_never_prints_the_password(make_vault) -> None:
    vault = make_vault({"Agents/A.md": "---\ntype: agent\n---\n"})
    url = f"postgresql://orgmap:hunter2secret@127.0.0.1:{_free_port()}/orgmap"
    orgmap = Path(sys.executable).with_name("orgmap")
    done = subprocess.run([str(orgmap), "top", "--vault", str(vault)], capture_output=True, text=True, timeout=120,
                          env={**os.environ, "ORGMAP_DB": url})
    assert done.returncode != 0
    assert "cannot reach the event store at postgresql://orgmap:***@127.0.0.1" in done.stderr
    assert "Traceback" not in done.stderr
    assert "hunter2secret" not in done.stderr + done.stdout


def test_a_wrong_password_is_refused_without_echoing_either_password(postgres_url: str) -> None:
    parts = urlsplit(postgres_url)
    wrong = postgres_url.replace(f":{parts.password}@", ":not-the-password-42@")
    with pytest.raises(StoreUnavailable) as raised:
        Ledger.open(wrong)
    assert "password authentication failed" in str(raised.value)
    assert "not-the-password-42" not in str(raised.value) and str(parts.password) not in str(raised.value)


def test_a_v1_store_migrates_forward_keeping_its_data(postgres_url: str) -> None:
    old = PostgresDialect(postgres_url)
    migrate(old, target=1)
    with old.transaction():
        old.execute(old.sql("INSERT INTO alerts (dedupe, ts, kind, node_id, message, evidence) VALUES "
                            "('d', 1765108800000000, 'budget', 'a', 'old alert', '{}')"))
    old.close()
    with Ledger.open(postgres_url) as led:
        assert led.store.migrated_from == 1  # type: ignore[attr-defined]
        [alert] = led.alerts()
        assert (alert.message, alert.ts, alert.recorded_at) == ("old alert", datetime(2025, 12, 7, 12, tzinfo=UTC),
                                                               datetime(2025, 12, 7, 12, tzinfo=UTC))
        assert len(led.store.store_id()) == 16
    with psycopg.connect(postgres_url) as conn:
        assert conn.execute("SELECT version FROM orgmap_schema").fetchone() == (SCHEMA_VERSION,)
        # the schema's INTEGER is PostgreSQL's BIGINT (microsecond times), its REAL a DOUBLE PRECISION
        types = dict(conn.execute("SELECT column_name, data_type FROM information_schema.columns "
                                  "WHERE table_name = 'cost_events'").fetchall())
    assert (types["ts"], types["cost_usd"], types["id"]) == ("bigint", "double precision", "text")


def test_a_store_newer_than_the_code_is_refused(postgres_url: str) -> None:
    Ledger.open(postgres_url).close()
    with psycopg.connect(postgres_url) as conn:
        conn.execute("UPDATE orgmap_schema SET version = %s", (SCHEMA_VERSION + 1,))
    with pytest.raises(SchemaError, match="newer than this orgmap understands") as raised:
        Ledger.open(postgres_url)
    assert "***@" in str(raised.value)


def test_a_connection_lost_mid_transaction_is_retried_and_nothing_is_doubled_or_lost(
        postgres_url: str, postgres_server: str, caplog: pytest.LogCaptureFixture) -> None:
    killed: list[int] = []

    def resolve(name: str) -> str | None:
        # called inside the first batch's transaction, after its rows are written and before it commits
        if not killed:
            killed.append(_kill_connections(postgres_server, postgres_url))
        return "agents/support" if name == "support-bot" else None

    with Ledger.open(postgres_url, clock=lambda: NOW, batch_size=100) as led:
        led.set_resolver(resolve)
        report = led.ingest_cost(_events(250))
        assert killed and killed[0] >= 1
        assert (report.accepted, report.duplicates) == (250, 0)
        again = led.ingest_cost(_events(250))
        assert (again.accepted, again.duplicates) == (0, 250)
        row = led.run_rate(timedelta(days=7), now=NOW).rows[0]
        assert (row.calls, row.runs) == (250, 50)  # the retried batch's run counts added once
    expected = round(sum(0.01 * (i % 7 + 1) for i in range(250)), 6)
    assert _stored(postgres_url) == (250, expected, 250)
    assert "lost the event store" in caplog.text and str(urlsplit(postgres_url).password) not in caplog.text


def test_a_database_gone_for_good_mid_ingest_is_reported_with_what_was_stored(
        postgres_url: str, postgres_server: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ledger_module, "_RETRY_PAUSES_S", (0.05, 0.05))
    monkeypatch.setattr(postgres_store, "_WAIT_S", 1.0)
    name = urlsplit(postgres_url).path.lstrip("/")

    def gone(done: int, total: int | None) -> None:
        """Once the second batch committed (ingest reads one batch ahead, so not when the input reaches it)."""
        if done == 200:
            with psycopg.connect(postgres_server, autocommit=True) as admin:  # no new connections, old ones ended
                admin.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false')
            _kill_connections(postgres_server, postgres_url)

    led = Ledger.open(postgres_url, clock=lambda: NOW, batch_size=100)
    try:
        with pytest.raises(StoreUnavailable, match="200 events of this ingest were stored before it") as raised:
            led.ingest_cost(_events(350), on_progress=gone)
        assert str(urlsplit(postgres_url).password) not in str(raised.value)
    finally:
        with psycopg.connect(postgres_server, autocommit=True) as admin:
            admin.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true')
        led.close()
    assert _stored(postgres_url)[0] == 200
    with Ledger.open(postgres_url, clock=lambda: NOW) as led:  # sent again: the rest is stored, nothing twice
        report = led.ingest_cost(_events(350))
    assert (report.accepted, report.duplicates) == (150, 200)
    assert _stored(postgres_url)[::2] == (350, 350)


def _partitions(url: str) -> dict[str, int]:
    """cost_events' partitions and the rows each holds."""
    with psycopg.connect(url) as conn:
        names = [r[0] for r in conn.execute("SELECT c.relname FROM pg_inherits JOIN pg_class c ON c.oid = inhrelid "
                                            "WHERE inhparent = 'cost_events'::regclass ORDER BY 1").fetchall()]
        return {n: conn.execute(f"SELECT count(*) FROM {n}").fetchone()[0] for n in names}  # type: ignore[index]


def test_raw_events_are_partitioned_by_month_backfills_included(postgres_url: str) -> None:
    def at(i: int, when: str) -> dict:
        return {"id": f"p{i}", "ts": when, "agent": "support-bot", "cost_usd": 1.0}

    with Ledger.open(postgres_url, clock=lambda: NOW) as led:
        led.ingest_cost([at(1, "2025-09-30T23:59:59Z"), at(2, "2025-10-01T00:00:00Z"), at(3, "2025-10-15T10:00:00Z")])
        led.ingest_cost([at(4, "2025-08-03T10:00:00Z"), at(1, "2025-09-30T23:59:59Z")])  # a backfill, a duplicate
        assert led.run_rate(timedelta(days=90), now=NOW).total_cost == 4.0
    assert _partitions(postgres_url) == {"cost_events_default": 0, "cost_events_y2025m08": 1,
                                         "cost_events_y2025m09": 1, "cost_events_y2025m10": 2}


def test_a_v6_store_has_its_events_moved_into_month_partitions(postgres_url: str) -> None:
    old = PostgresDialect(postgres_url)
    migrate(old, target=6)
    with old.transaction():
        for event_id, ts in (("a", 1759276799000000), ("b", 1759276800000000)):  # 2025-09-30 23:59:59, 10-01 00:00
            old.execute(old.sql("INSERT INTO cost_events (id, ts, agent, agent_key, kind, cost_usd) "
                                "VALUES (?, ?, 'x', 'x', 'llm', 1.5)"), (event_id, ts))
    old.close()
    with Ledger.open(postgres_url, clock=lambda: NOW) as led:
        assert led.store.migrated_from == 6  # type: ignore[attr-defined]
        assert led.ingest_cost([{"id": "a", "ts": "2025-09-30T23:59:59Z", "agent": "x"}]).duplicates == 1
    assert _partitions(postgres_url) == {"cost_events_default": 0, "cost_events_y2025m09": 1,
                                         "cost_events_y2025m10": 1}
