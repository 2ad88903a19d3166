"""Cost per outcome through every door: outcomes come in over HTTP, MCP, the CLI's ingest and OTLP, and the agent's
cost answer and the ranked run-rate carry the same figures at each door (CLI, HTTP, MCP), worked out by hand here."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from orgmap.cli import main
from tests.interfaces.conftest import NOW
from tests.interfaces.test_parity_cli import cli_json

AGENT = "Agents/Support Reply Agent"
DAY = "2026-03-01T{:02d}:00:00+00:00"


def outcome(hour: int, name: str = "ticket_resolved", **more: Any) -> dict[str, Any]:
    return {"kind": "outcome", "ts": DAY.format(hour), "agent": "support-bot", "outcome": name, **more}


def otlp_outcome_span(span_id: str, value: float) -> dict[str, Any]:
    event = {"name": "orgmap.outcome", "timeUnixNano": "1772326800000000000",  # 2026-03-01T01:00:00Z
             "attributes": [{"key": "orgmap.outcome.name", "value": {"stringValue": "ticket_resolved"}},
                            {"key": "orgmap.outcome.value_usd", "value": {"doubleValue": value}}]}
    span = {"traceId": "0af7651916cd43dd8448eb211c80319c", "spanId": span_id, "name": "resolve",
            "startTimeUnixNano": "1772326800000000000", "endTimeUnixNano": "1772326801000000000",
            "attributes": [{"key": "gen_ai.agent.name", "value": {"stringValue": "support-bot"}}], "events": [event]}
    return {"resourceSpans": [{"resource": {"attributes": []}, "scopeSpans": [{"spans": [span]}]}]}


@pytest.fixture(scope="module")
def vault(tmp_path_factory: pytest.TempPathFactory, doors: Any) -> Path:
    """The example company, its support agent's note naming its unit of work, and no demo traffic."""
    root = doors.copy_company(tmp_path_factory.mktemp("outcomes"))
    note = root / "Agents" / "Support Reply Agent.md"
    note.write_text(note.read_text().replace("type: agent\n", "type: agent\noutcome: ticket_resolved\n", 1))
    return root


def test_outcomes_through_every_door_give_one_cost_per_outcome(vault: Path, doors: Any, tmp_path: Path, store_for,
                                                                capsys: pytest.CaptureFixture[str],
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ORGMAP_DB", store_for(vault))  # every door below, the CLI's too, opens this store
    cost = [{"ts": DAY.format(h), "agent": "support-bot", "cost_usd": 1.5, "model": "claude-sonnet-4-5",
             "input_tokens": 100, "run_id": f"r{h}"} for h in range(8)]  # $12 over the day
    with doors.api_client(doors.opener(vault)) as api:
        assert api.post("/v1/events/cost", json=cost).json()["accepted"] == 8
        by_http = api.post("/v1/events/cost", json=[outcome(2, run_id="r2", value_usd=10), outcome(3)]).json()
        assert (by_http["accepted"], by_http["outcomes"], by_http["warnings"]) == (2, 2, [])
        assert by_http["summary"].startswith("2 events stored (2 outcomes); 0 duplicates")
        again = api.post("/v1/events/cost", json=[outcome(2, run_id="r2", value_usd=10)]).json()
        assert (again["accepted"], again["duplicates"]) == (0, 1)  # the same outcome twice is one outcome
        otlp = api.post("/v1/traces", content=json.dumps(otlp_outcome_span("00f067aa0ba902b7", 6.0)),
                        headers={"content-type": "application/json"})
        assert otlp.status_code == 200, otlp.text
    with doors.mcp_in_memory(doors.opener(vault)) as mcp:
        by_mcp = mcp.call("record_cost_events", events=[outcome(4, value_usd=4), outcome(5, "ticket_escalated")])
        assert by_mcp["accepted"] == 2
    path = tmp_path / "outcomes.jsonl"
    path.write_text(json.dumps(outcome(6)) + "\n")  # no run id: it counts all the same
    capsys.readouterr()
    assert main(["ingest", str(path), "--vault", str(vault), "--json"]) == 0
    by_cli = json.loads(capsys.readouterr().out)
    assert (by_cli["cost_events"], by_cli["outcome_events"]) == (0, 1)
    assert by_cli["summary"].startswith("1 events stored (0 cost, 1 outcome, 0 change)")

    # 5 tickets resolved (HTTP 2, OTLP 1, MCP 1, CLI 1) for $12: $2.40 each; $20 of value: 1.667x the spend
    expected = {"outcome": "ticket_resolved", "outcomes": 5, "outcomes_per_day": round(5 / 7, 3),
                "cost_per_outcome": 2.4, "value_usd": 20.0, "return_on_spend": 1.667,
                "other_outcomes": {"ticket_escalated": 1}}
    with doors.api_client(doors.opener(vault)) as api, doors.mcp_in_memory(doors.opener(vault)) as mcp:
        spend = api.get("/v1/agents/support-bot/spend", params={"window": "7d"}).json()
        assert spend["outcomes"] == expected
        assert "5 ticket_resolved" in spend["summary"] and "$2.4 per ticket_resolved" in spend["summary"]
        assert mcp.call("agent_cost", agent="support-bot", window="7d") == spend
        assert cli_json(["spend", "support-bot", "--window", "7d", "--bucket", "day"], vault, capsys) == spend
        ranked = api.get("/v1/run-rate", params={"window": "7d", "limit": 50}).json()
        [row] = [r for r in ranked["items"] if r["key"] == AGENT]
        assert row["outcomes"] == expected
        by_mcp = mcp.call("top_spenders", window="7d")["items"]
        assert by_mcp == ranked["items"][: len(by_mcp)] and row in by_mcp
        node = api.get(f"/v1/nodes/{AGENT}").json()
    assert node["spend"]["outcomes"] == expected
    assert NOW.isoformat().startswith("2026-03-02")  # the window's end the figures above assume


def test_an_agent_whose_note_names_another_unit_shows_no_cost_per_outcome(doors: Any, company: Path) -> None:
    root = company
    note = root / "Agents" / "Support Reply Agent.md"
    note.write_text(note.read_text().replace("type: agent\n", "type: agent\noutcome: refund_issued\n", 1))
    with doors.api_client(doors.opener(root)) as api:
        api.post("/v1/events/cost", json=[{"ts": DAY.format(1), "agent": "support-bot", "cost_usd": 2.0},
                                          outcome(2)])
        assert api.get("/v1/agents/support-bot/spend", params={"window": "7d"}).json()["outcomes"] is None
