"""The raw event table (schema 11): append-only, keyed for idempotency by a 64-bit key of the id that two ids may
share; a store written before it migrates forward with its events, on both stores."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

from ledger import Ledger
from ledger.dialect import Dialect, is_database_url
from ledger.postgres_store import PostgresDialect
from ledger.schema import ID_KEY_SQL, id_key, migrate
from ledger.sqlite_store import SQLiteDialect
from tests.ledger.conftest import NOW


def _event(event_id: str, cost: float, hour: int = 10) -> dict:
    return {"id": event_id, "ts": f"2025-10-15T{hour:02d}:00:00Z", "agent": "support-bot", "cost_usd": cost}


def test_the_key_is_the_first_64_bits_of_the_ids_md5_signed() -> None:
    # md5("e1") is cd3dc8b6cffb41e4 163dcbd857ca87da: its first 16 hex digits, above 2**63, read as negative
    assert id_key("e1") == int("cd3dc8b6cffb41e4", 16) - (1 << 64)
    assert id_key("e1") != id_key("e2")


def test_two_ids_sharing_a_key_are_two_events_and_each_is_still_idempotent(
        ledger_factory: Callable[..., Ledger]) -> None:
    led = ledger_factory()
    assert led.ingest_cost([_event("other", 1.0)]).accepted == 1
    with led.store.transaction():  # make the stored event's key collide with the next id's
        led.store._run("UPDATE cost_events SET id_key = ? WHERE id = 'other'", (id_key("new"),))  # type: ignore[attr-defined]
    report = led.ingest_cost([_event("new", 2.0), _event("new", 2.0), _event("other", 1.0)])
    assert (report.accepted, report.duplicates) == (1, 2)  # "new" stored once; "other" was stored before
    assert led.ingest_cost([_event("new", 2.0)]).duplicates == 1
    assert led.store.count("cost_events") == 2  # type: ignore[attr-defined]
    assert led.run_rate(timedelta(days=1), now=NOW).total_cost == 3.0


def _dialect(location: str) -> Dialect:
    return PostgresDialect(location) if is_database_url(location) else SQLiteDialect(location)


def test_a_store_of_schema_10_keeps_its_events_and_their_idempotency(store_location: str) -> None:
    if not is_database_url(store_location):
        Path(store_location).parent.mkdir(parents=True)
    old = _dialect(store_location)
    migrate(old, target=10)
    with old.transaction():
        for event_id, ts, cost in (("a", 1760522400000000, 1.5), ("b", 1760526000000000, 2.5)):
            old.execute(old.sql("INSERT INTO cost_events (id, ts, agent, agent_key, kind, cost_usd, aggregate) "
                                "VALUES (?, ?, 'support-bot', 'support-bot', 'llm', ?, 0)"), (event_id, ts, cost))
    old.close()
    with Ledger.open(store_location, clock=lambda: NOW) as led:
        assert led.store.migrated_from == 10  # type: ignore[attr-defined]
        stored = led.store._run(f"SELECT id, id_key, {ID_KEY_SQL}(id), cost_usd FROM cost_events "  # type: ignore[attr-defined]
                                "ORDER BY id")
        assert [tuple(r) for r in stored] == [("a", id_key("a"), id_key("a"), 1.5),
                                              ("b", id_key("b"), id_key("b"), 2.5)]
        report = led.ingest_cost([_event("a", 1.5, 8), _event("c", 4.0, 11)])
        assert (report.accepted, report.duplicates) == (1, 1)
        assert led.store.count("cost_events") == 3  # type: ignore[attr-defined]
