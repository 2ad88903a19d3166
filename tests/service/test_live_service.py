"""The service over a watched vault: note edits become change events, and aliases re-attribute past spend."""

from __future__ import annotations

import shutil
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from orgmap.service import Service

EXAMPLE = Path(__file__).resolve().parents[2] / "orgmap" / "demo" / "vault"
NOW = datetime(2026, 11, 20, 12, tzinfo=UTC)


class Applied:
    """Set when the watcher has applied a batch and every listener subscribed before this one has run."""

    def __init__(self, svc: Service) -> None:
        self.event = threading.Event()
        assert svc.live is not None
        svc.live.subscribe(lambda _changes: self.event.set())

    def wait(self) -> None:
        assert self.event.wait(10), "the watcher did not apply the edit"
        self.event.clear()


@pytest.fixture()
def live(tmp_path: Path) -> Iterator[tuple[Service, Path]]:
    vault = tmp_path / "vault"
    shutil.copytree(EXAMPLE, vault)
    svc = Service.open(vault, watch=True, clock=lambda: NOW)
    try:
        yield svc, vault
    finally:
        svc.close()


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_a_model_switch_in_a_note_is_recorded_as_a_model_change(live: tuple[Service, Path]) -> None:
    svc, vault = live
    applied = Applied(svc)
    note = vault / "Agents" / "Sales Research Agent.md"
    line = next(ln for ln in note.read_text(encoding="utf-8").splitlines() if ln.startswith("model:"))
    _edit(note, line, 'model: "[[claude-sonnet-4-5]]"')
    applied.wait()
    changes = svc.changes("Sales Research Agent", since="1d").items
    assert [(c.kind, c.source) for c in changes] == [("model", "vault")]
    assert changes[0].details is not None and changes[0].details["property"] == "model"
    assert "claude-sonnet-4-5" in str(changes[0].details["new"])
    assert changes[0].node_id == "Agents/Sales Research Agent"


def test_adding_an_alias_attributes_past_spend(live: tuple[Service, Path]) -> None:
    svc, vault = live
    applied = Applied(svc)
    event = {"id": "old-1", "ts": (NOW - timedelta(hours=2)).isoformat(), "agent": "legacy-sales-bot",
             "model": "gpt-4o-mini", "provider": "openai", "cost_usd": 12.5}
    assert svc.record_cost([event]).accepted == 1
    before = svc.unattributed("1d")
    assert [(n.name, n.cost_usd) for n in before.items] == [("legacy-sales-bot", 12.5)]
    _edit(vault / "Agents" / "Sales Research Agent.md", "aliases: [", "aliases: [legacy-sales-bot, ")
    applied.wait()
    assert svc.unattributed("1d").items == []
    top = svc.run_rate("1d", "agent", 5)
    assert (top.items[0].name, top.items[0].cost_usd) == ("Sales Research Agent", 12.5)
    # aliases are bookkeeping: editing them records no change event
    assert svc.changes("Sales Research Agent", since="1d").items == []


def test_the_vault_notes_are_never_written(live: tuple[Service, Path]) -> None:
    svc, vault = live
    before = {p: p.read_bytes() for p in vault.rglob("*.md")}
    svc.record_cost([{"ts": NOW.isoformat(), "agent": "ask-data", "cost_usd": 1.0}])
    svc.anomalies("7d")
    svc.budgets()
    assert {p: p.read_bytes() for p in vault.rglob("*.md")} == before


def test_the_background_scan_stops_with_the_service(tmp_path: Path) -> None:
    vault = tmp_path / "vault"
    shutil.copytree(EXAMPLE, vault)
    svc = Service.open(vault, clock=lambda: NOW)
    svc.start_background(interval_s=300, first_after_s=0)
    scanner = svc._scanner
    assert scanner is not None and scanner.is_alive()
    svc.close()  # must not wait out the 300 s interval
    assert not scanner.is_alive()
