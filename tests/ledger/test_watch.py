"""Changes seen in telemetry (`ledger.watch`): each kind, the thresholds against noise, and the merge with a change
recorded by CI; through a real ledger on disk, so the per-agent state lives in the store between batches."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from ledger import Ledger
from ledger.results import ChangeRecord

T0 = datetime(2026, 3, 2, 8, tzinfo=UTC)


@pytest.fixture
def led(tmp_path: Path) -> Iterator[Ledger]:
    with Ledger.open(tmp_path / "store.db", batch_size=50) as ledger:
        yield ledger


def calls(n: int, start: datetime, every: timedelta = timedelta(minutes=2), agent: str = "support-bot",
          **fields: Any) -> list[dict[str, Any]]:
    """`n` calls of `agent`, one every `every`; a list value of a field cycles through its items."""
    out = []
    for i in range(n):
        event: dict[str, Any] = {"ts": (start + i * every).isoformat(), "agent": agent, "input_tokens": 1000,
                                 "output_tokens": 100, "cost_usd": 0.01}
        for name, value in fields.items():
            event[name] = value[i % len(value)] if isinstance(value, list) else value
        out.append(event)
    return out


def seen(led: Ledger) -> list[ChangeRecord]:
    return sorted((c for c in led.changes(limit=1000).items if c.source == "telemetry"), key=lambda c: c.ts)


def test_a_model_swap_is_one_model_change_dated_by_its_first_call(led: Ledger) -> None:
    led.ingest_cost(calls(40, T0, model="gpt-4o-mini"))
    swap = T0 + timedelta(hours=2)
    led.ingest_cost(calls(30, swap, model="gpt-4o", cost_usd=0.05))
    [change] = seen(led)
    assert (change.kind, change.ts, change.target) == ("model", swap, "support-bot")
    assert change.details is not None
    assert (change.details["old"], change.details["new"], change.details["detected"]) == ("gpt-4o-mini", "gpt-4o",
                                                                                            "switch")
    # evidence: the calls that settled it (5, the threshold) and since when
    assert change.details["evidence"] == {"events": 5, "since": swap.isoformat(), "share": 1.0}
    assert "gpt-4o-mini to gpt-4o" in change.summary


def test_one_stray_call_with_another_model_is_not_a_switch(led: Ledger) -> None:
    events = calls(60, T0, model="gpt-4o-mini")
    events[30]["model"] = "gpt-4o"  # one call in between
    events[31]["model"] = "gpt-4o"  # and a second: still under the five calls a switch needs
    led.ingest_cost(events)
    assert seen(led) == []


def test_an_ab_split_is_reported_once_as_a_mix(led: Ledger) -> None:
    led.ingest_cost(calls(20, T0, model="claude-haiku-4-5"))
    led.ingest_cost(calls(300, T0 + timedelta(hours=1), every=timedelta(minutes=1),
                          model=["claude-haiku-4-5", "claude-sonnet-4-5"]))
    [change] = seen(led)
    assert change.kind == "model" and change.details is not None
    assert change.details["detected"] == "mix"
    assert (change.details["old"], change.details["new"]) == ("claude-haiku-4-5", "claude-sonnet-4-5")
    assert change.details["evidence"]["share"] == pytest.approx(0.5, abs=0.03)
    assert change.ts == T0 + timedelta(hours=1, minutes=1)  # the split's first sonnet call


def test_a_new_agent_version_is_a_deploy_change_and_the_first_version_is_none(led: Ledger) -> None:
    led.ingest_cost(calls(10, T0, agent_version="1.4.0", deploy_id="d-76", model="gpt-4o"))
    assert seen(led) == []  # the first version seen is where watching starts, not a change
    led.ingest_cost(calls(10, T0 + timedelta(hours=1), agent_version="1.5.0", deploy_id="d-77", model="gpt-4o"))
    [change] = seen(led)
    assert change.kind == "deploy" and change.details is not None
    assert change.details["old"] == "version 1.4.0, deploy d-76"
    assert change.details["new"] == "version 1.5.0, deploy d-77"
    assert change.ts == T0 + timedelta(hours=1)


def test_prompt_and_tool_hash_changes_are_prompt_and_config_changes(led: Ledger) -> None:
    led.ingest_cost(calls(10, T0, prompt_hash="p1", tools_hash="t1"))
    led.ingest_cost(calls(10, T0 + timedelta(hours=1), prompt_hash="p2", tools_hash="t1"))
    led.ingest_cost(calls(10, T0 + timedelta(hours=2), prompt_hash="p2", tools_hash="t2"))
    found = [(c.kind, c.details["field"], c.details["old"], c.details["new"], c.ts) for c in seen(led)
             if c.details is not None]
    assert found == [("prompt", "prompt_hash", "p1", "p2", T0 + timedelta(hours=1)),
                     ("config", "tools_hash", "t1", "t2", T0 + timedelta(hours=2))]


def test_a_hash_that_flips_on_every_call_is_reported_once_as_unstable(led: Ledger) -> None:
    led.ingest_cost(calls(10, T0, prompt_hash="stable"))
    led.ingest_cost(calls(1000, T0 + timedelta(hours=1), every=timedelta(seconds=30),
                          prompt_hash=[f"h{i}" for i in range(1000)]))
    [change] = seen(led)
    assert change.kind == "prompt" and change.details is not None
    assert change.details["detected"] == "unstable"
    assert change.details["evidence"] == {"events": 5, "since": (T0 + timedelta(hours=1)).isoformat(), "values": 5}


def test_detection_spans_batches_and_a_reopened_store(tmp_path: Path) -> None:
    """The state is the store's: a swap split over two ingests, the store closed in between, is still seen once."""
    with Ledger.open(tmp_path / "s.db") as led:
        led.ingest_cost(calls(20, T0, model="gpt-4o-mini") + calls(3, T0 + timedelta(hours=1), model="gpt-4o"))
        assert seen(led) == []
    with Ledger.open(tmp_path / "s.db") as led:
        led.ingest_cost(calls(3, T0 + timedelta(hours=1, minutes=6), model="gpt-4o"))
        [change] = seen(led)
        assert change.ts == T0 + timedelta(hours=1)


def test_the_same_events_again_detect_nothing_new(led: Ledger) -> None:
    events = calls(20, T0, model="gpt-4o-mini") + calls(20, T0 + timedelta(hours=1), model="gpt-4o")
    led.ingest_cost(events)
    led.ingest_cost(events)  # duplicates by id: not folded again
    assert len(seen(led)) == 1


def test_agents_are_watched_apart(led: Ledger) -> None:
    led.ingest_cost(calls(20, T0, model="gpt-4o-mini", agent="a") + calls(20, T0, model="gpt-4o", agent="b"))
    assert seen(led) == []  # each agent's own model, not a switch between them


def test_a_change_recorded_by_ci_first_keeps_the_telemetry_one_out(led: Ledger) -> None:
    led.ingest_changes([{"ts": (T0 + timedelta(minutes=55)).isoformat(), "target": "support-bot", "kind": "deploy",
                         "summary": "deploy 1.5.0", "source": "ci"}])
    led.ingest_cost(calls(10, T0, agent_version="1.4.0"))
    led.ingest_cost(calls(10, T0 + timedelta(hours=1), agent_version="1.5.0"))
    assert seen(led) == []
    assert [c.summary for c in led.changes().items] == ["deploy 1.5.0"]


def test_a_change_recorded_after_telemetry_showed_it_replaces_the_telemetry_one(led: Ledger) -> None:
    led.ingest_cost(calls(20, T0, model="gpt-4o-mini") + calls(20, T0 + timedelta(hours=3), model="gpt-4o"))
    assert len(seen(led)) == 1
    # a different kind, or the same kind hours away, is another change
    led.ingest_changes([{"ts": (T0 + timedelta(hours=3)).isoformat(), "target": "support-bot", "kind": "prompt",
                         "summary": "prompt v2"},
                        {"ts": (T0 + timedelta(hours=8)).isoformat(), "target": "support-bot", "kind": "model",
                         "summary": "later model change"}])
    assert len(seen(led)) == 1
    led.ingest_changes([{"ts": (T0 + timedelta(hours=2, minutes=30)).isoformat(), "target": "Support-Bot",
                         "kind": "model", "summary": "switch to gpt-4o", "source": "ci"}])
    assert seen(led) == []
    assert "switch to gpt-4o" in [c.summary for c in led.changes().items]
