"""Shared fixtures for the importer tests: sample files and a check of events against docs/events.md."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

DATA = Path(__file__).resolve().parent.parent / "data" / "importers"
COST_FIELDS: dict[str, type | tuple[type, ...]] = {
    "ts": str, "agent": str, "agent_ids": list, "id": str, "kind": str, "model": str, "provider": str,
    "input_tokens": int, "output_tokens": int, "cache_read_tokens": int, "cache_write_tokens": int,
    "reasoning_tokens": int, "cost_usd": (int, float), "tool": str, "run_id": str, "client": str,
    "project": str, "task": str, "retry": int, "duration_ms": (int, float), "status": str,
    "aggregate": bool, "runs": int, "period_s": int, "source": str, "attributes": dict,
    "agent_version": str, "deploy_id": str, "prompt_hash": str, "tools_hash": str,
}
CHANGE_FIELDS: dict[str, type | tuple[type, ...]] = {
    "ts": str, "target": str, "kind": str, "summary": str, "id": str, "ref": str, "author": str,
    "planned": bool, "source": str, "details": dict,
}
CHANGE_KINDS = {
    "deploy", "prompt", "model", "config", "schedule", "dependency", "release", "commit", "vault_edit", "other",
}


def check_event(event: dict[str, Any]) -> None:
    """Fail unless `event` has docs/events.md's required fields and types (cost or change event)."""
    change = "target" in event
    fields = CHANGE_FIELDS if change else COST_FIELDS
    required = ("ts", "target", "kind", "summary") if change else ("ts", "agent")
    assert not set(event) - set(fields), f"unknown fields {set(event) - set(fields)} in {event}"
    for name in required:
        assert event.get(name) not in (None, ""), f"missing {name} in {event}"
    for name, value in event.items():
        assert isinstance(value, fields[name]) and not (isinstance(value, bool) and fields[name] is not bool), (
            f"{name}={value!r} has the wrong type in {event}"
        )
    assert datetime.fromisoformat(event["ts"]).tzinfo is not None, event["ts"]
    if change:
        assert event["kind"] in CHANGE_KINDS
        return
    assert event.get("kind", "llm") in {"llm", "tool", "embedding", "retrieval", "other"}
    for name in ("input_tokens", "output_tokens", "cache_read_tokens", "cache_write_tokens", "reasoning_tokens"):
        assert event.get(name, 0) >= 0
    cached = event.get("cache_read_tokens", 0) + event.get("cache_write_tokens", 0)
    assert cached <= event.get("input_tokens", 0), f"cache above input in {event}"
    assert event.get("reasoning_tokens", 0) <= event.get("output_tokens", 0), f"reasoning above output in {event}"
    assert event.get("cost_usd", 0) >= 0
    assert event.get("period_s", 1) > 0


@pytest.fixture
def valid() -> Callable[[dict[str, Any]], None]:
    return check_event


@pytest.fixture
def data() -> Path:
    return DATA
