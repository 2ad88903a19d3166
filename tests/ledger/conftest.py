"""Ledger fixtures: a fixed clock, a resolver, and the store parametrised so a PostgreSQL store can join."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from ledger import Ledger

NOW = datetime(2025, 10, 15, 12, 30, tzinfo=UTC)
NODES = {"support-bot": "agents/support", "support agent": "agents/support", "triage": "agents/triage"}


def resolve(name: str) -> str | None:
    return NODES.get(name.casefold())


@pytest.fixture
def now() -> datetime:
    return NOW


@pytest.fixture(params=["sqlite"])
def ledger_factory(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Callable[..., Ledger]]:
    opened: list[Ledger] = []

    def make(**kw: object) -> Ledger:
        kw.setdefault("clock", lambda: NOW)
        led = Ledger.open(tmp_path / "orgmap.db", **kw)  # type: ignore[arg-type]
        led.set_resolver(resolve)
        opened.append(led)
        return led

    yield make
    for led in opened:
        led.close()


@pytest.fixture
def ledger(ledger_factory: Callable[..., Ledger]) -> Ledger:
    return ledger_factory()
