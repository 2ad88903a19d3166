"""Outcome events (`kind: outcome`) in the ledger: stored beside cost events, idempotent by id, bad ones refused by
field, and counted per node and outcome name."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

from ledger import Ledger

T0 = datetime(2026, 3, 2, 8, tzinfo=UTC)


def outcome(minutes: int, name: str = "ticket_resolved", agent: str = "support-bot", **more: object) -> dict:
    return {"kind": "outcome", "ts": (T0 + timedelta(minutes=minutes)).isoformat(), "agent": agent, "outcome": name,
            **more}


def test_outcomes_mixed_with_cost_events_are_stored_once_and_counted(tmp_path: Path) -> None:
    with Ledger.open(tmp_path / "s.db") as led:
        led.set_resolver(lambda name: {"support-bot": "Support"}.get(name.casefold()))
        cost = {"ts": T0.isoformat(), "agent": "support-bot", "cost_usd": 3.0, "input_tokens": 10}
        batch = [cost, outcome(1, run_id="r1", value_usd=5), outcome(2, value_usd="2.5"), outcome(3, "escalated")]
        first = led.ingest_cost(batch, item_results=True)
        assert (first.accepted, first.outcomes, first.duplicates, first.rejected) == (4, 3, 0, [])
        assert [i.status for i in first.items] == ["stored"] * 4
        assert first.total_cost_usd == 3.0  # outcomes cost nothing
        again = led.ingest_cost(batch)
        assert (again.accepted, again.duplicates) == (0, 4)  # idempotent: each outcome's id is its content's hash
        found = led.outcomes(T0, T0 + timedelta(hours=1))
        assert found == {"Support": {"ticket_resolved": (2, 7.5, 2), "escalated": (1, 0.0, 0)}}
        assert led.outcomes(T0 + timedelta(minutes=2), T0 + timedelta(hours=1)) == {
            "Support": {"ticket_resolved": (1, 2.5, 1), "escalated": (1, 0.0, 0)}}


def test_bad_outcomes_are_refused_by_field_and_the_rest_kept(tmp_path: Path) -> None:
    with Ledger.open(tmp_path / "s.db") as led:
        report = led.ingest_cost([outcome(1), {**outcome(2), "outcome": ""}, {**outcome(3), "value_usd": -1},
                                  {"kind": "Outcome", "ts": T0.isoformat(), "outcome": "x"}, outcome(4, "x", id="o-9")])
        assert report.accepted == 2
        assert [(r.row, r.field) for r in report.rejected] == [(2, "outcome"), (3, "value_usd"), (4, "agent")]


def test_an_outcome_for_an_agent_with_no_cost_is_kept_with_a_warning(tmp_path: Path) -> None:
    with Ledger.open(tmp_path / "s.db") as led:
        report = led.ingest_cost([outcome(1, agent="quiet-bot")])
        assert report.accepted == 1 and report.unattributed == ["quiet-bot"]
        [warning] = report.warnings
        assert warning.field == "agent" and "no cost events for 'quiet-bot' yet" in warning.message
        led.ingest_cost([{"ts": T0.isoformat(), "agent": "quiet-bot", "cost_usd": 1.0}])
        assert led.ingest_cost([outcome(2, agent="quiet-bot")]).warnings == []  # it has cost now


def test_outcomes_come_in_from_a_jsonl_file_too(tmp_path: Path) -> None:
    path = tmp_path / "events.jsonl"
    path.write_text("\n".join(json.dumps(e) for e in [outcome(1), outcome(2), {"kind": "outcome"}]) + "\n")
    with Ledger.open(tmp_path / "s.db") as led:
        report = led.ingest_jsonl(path)
        assert report.accepted == 2 and [(r.row, r.field) for r in report.rejected] == [(3, "ts")]
        assert led.outcomes(T0, T0 + timedelta(days=1)) == {None: {"ticket_resolved": (2, 0.0, 0)}}
