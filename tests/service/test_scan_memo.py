"""The anomaly scan is memoised between questions: asked again with nothing written it is not run again (the
dashboard's run-rate rows and its anomaly list share one scan), and any write it reads (a cost event, a change, an
anomaly state, another process's event) or a vault edit makes the next question scan again. No timing: the service
counts the scans it runs."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from orgmap.service import Service

NOW = datetime(2026, 3, 2, 12, 30, tzinfo=UTC)
JUMP = datetime(2026, 3, 1, 6, tzinfo=UTC)
NOTE = "---\ntype: agent\naliases: [helpdesk]\n---\n"


def events() -> list[dict]:
    """Three weeks of ten $0.10 runs an hour, three times as many from JUMP on: a level shift still going."""
    out = []
    start = NOW.replace(minute=0) - timedelta(days=21)
    for h in range(21 * 24):
        hour = start + timedelta(hours=h)
        for run in range(30 if hour >= JUMP else 10):
            out.append({"ts": (hour + timedelta(seconds=100 * run)).isoformat(), "agent": "helpdesk",
                        "run_id": f"r{h}-{run}", "cost_usd": 0.1, "id": f"e{h}-{run}"})
    return out


def test_a_second_question_does_not_rescan_and_every_write_or_vault_edit_does(tmp_path: Path) -> None:
    note = tmp_path / "Agents" / "Helpdesk.md"
    note.parent.mkdir(parents=True)
    note.write_text(NOTE, encoding="utf-8")
    with Service.open(tmp_path, clock=lambda: NOW) as svc:
        svc.record_cost(events())
        memo = svc.anomaly_answers
        first = svc.anomalies("7d")
        assert first.total == 1 and first.items[0].onset >= JUMP and first.items[0].end is None
        scans = memo.scans
        assert svc.anomalies("7d") == first and memo.scans == scans  # asked again: answered from the memo
        row = svc.run_rate("7d", "agent").items[0]
        assert row.anomaly is not None and row.anomaly.id == first.items[0].id  # the rows share the list's scan
        assert memo.scans == scans

        svc.record_cost([{"ts": NOW.isoformat(), "agent": "helpdesk", "cost_usd": 0.1, "id": "late"}])
        assert svc.anomalies("7d") == first and memo.scans == scans + 1  # a cost event: scanned again

        svc.record_changes([{"ts": (JUMP - timedelta(hours=1)).isoformat(), "target": "Helpdesk", "kind": "deploy",
                             "summary": "deploy 9f1: retry every call", "id": "chg-1"}])
        explained = svc.anomalies("7d")
        assert memo.scans == scans + 2 and explained.items[0].cause_id == "chg-1"  # the new change is its cause

        svc.set_anomaly_state(first.items[0].id, "acknowledged")  # (it scans the agent to find the anomaly)
        scans = memo.scans
        assert svc.anomalies("7d").items[0].state == "acknowledged" and memo.scans == scans + 1
        assert svc.run_rate("7d", "agent").items[0].anomaly is None  # acknowledged: no longer open
        assert memo.scans == scans + 1

        # another process (a second server on the same store) records an event: seen through the store's version
        with Service.open(tmp_path, clock=lambda: NOW) as other:
            other.record_cost([{"ts": NOW.isoformat(), "agent": "helpdesk", "cost_usd": 0.1, "id": "elsewhere"}])
        svc.anomalies("7d")
        assert memo.scans == scans + 2
        svc.anomalies("7d")
        assert memo.scans == scans + 2

        # a vault edit: the agent's note now raises its dollar floor above the shift, so it is no anomaly
        note.write_text(NOTE.replace("type: agent\n", "type: agent\nanomaly: {min_excess_usd_day: 1000}\n"),
                        encoding="utf-8")
        svc.graph.refresh(["Agents/Helpdesk.md"])
        assert svc.anomalies("7d").total == 0 and memo.scans == scans + 3
