"""Ledger fixtures: a fixed clock, a resolver, and the store: each ledger test runs on SQLite and on PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime

import pytest

from ledger import Ledger

NOW = datetime(2025, 10, 15, 12, 30, tzinfo=UTC)
NODES = {"support-bot": "agents/support", "support agent": "agents/support", "triage": "agents/triage"}


def resolve(name: str) -> str | None:
    return NODES.get(name.casefold())


@pytest.fixture
def now() -> datetime:
    return NOW


@pytest.fixture
def ledger_factory(store_location: str) -> Iterator[Callable[..., Ledger]]:
    """Open ledgers on the test's store (each call another connection to it, as another process would have)."""
    opened: list[Ledger] = []

    def make(**kw: object) -> Ledger:
        kw.setdefault("clock", lambda: NOW)
        led = Ledger.open(store_location, **kw)  # type: ignore[arg-type]
        led.set_resolver(resolve)
        opened.append(led)
        return led

    yield make
    for led in opened:
        led.close()


@pytest.fixture
def ledger(ledger_factory: Callable[..., Ledger]) -> Ledger:
    return ledger_factory()
