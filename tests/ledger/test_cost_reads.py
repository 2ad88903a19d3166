"""The ledger's reads for cost reports: imported report rows as they are (shadowed ones too) and calls per agent and
tool, over a period, each read through its partial index rather than a scan of every event."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from ledger import Ledger

T0 = datetime(2026, 11, 5, tzinfo=UTC)


def test_report_rows_and_tool_calls_are_read_by_period(tmp_path: Path) -> None:
    with Ledger.open(tmp_path / "s.db") as led:
        led.ingest_cost([
            {"id": "a", "ts": "2026-11-05T00:30:00Z", "agent": "bot", "cost_usd": 1.0, "tool": "Search"},
            {"id": "b", "ts": "2026-11-05T01:00:00Z", "agent": "bot", "cost_usd": 1.0, "tool": "Search",
             "input_tokens": 10, "output_tokens": 5},
            {"id": "c", "ts": "2026-11-06T01:00:00Z", "agent": "bot", "cost_usd": 1.0, "tool": "Search"},
            {"id": "bill", "ts": "2026-11-05T00:00:00Z", "agent": "bot", "cost_usd": 2.5, "aggregate": True,
             "period_s": 86400, "runs": 0, "kind": "other", "source": "anthropic-cost", "provider": "anthropic",
             "attributes": {"workspace_id": "wrk_1"}},
        ])
        until = datetime(2026, 11, 6, tzinfo=UTC)
        [bill] = led.aggregate_rows(T0, until)
        [use] = led.tool_use(T0, until)
        plans = [led.store._run(f"EXPLAIN QUERY PLAN {sql}", (0, 1))  # type: ignore[attr-defined]
                 for sql in ("SELECT ts FROM cost_events WHERE aggregate = 1 AND ts >= ? AND ts < ?",
                             "SELECT agent_key, tool, COUNT(*) FROM cost_events WHERE aggregate = 0 AND tool IS "
                             "NOT NULL AND ts >= ? AND ts < ? GROUP BY agent_key, tool")]
    # the bill row is shadowed by the per-call events of its hours, and still read whole
    assert (bill.cost, bill.source, bill.attributes["workspace_id"], bill.provider) == (2.5, "anthropic-cost",
                                                                                        "wrk_1", "anthropic")
    assert (use.agent_key, use.tool, use.calls, use.tokens) == ("bot", "Search", 2, 15)
    assert "cost_events_aggregate_ts" in str(plans[0]) and "cost_events_tool_ts" in str(plans[1])
