"""The MCP tool list a model reads before every conversation: lean (under 16 KB of compact JSON), every parameter
described, closed sets as enums and windows with their pattern under one name, reads and writes marked, titles, the
server's version; and an answer's full schema one resource away."""

from __future__ import annotations

import json
from importlib.metadata import version
from typing import Any

import pytest

BUDGET = 16 * 1024
WRITES = {"record_cost_events", "record_change", "set_anomaly_state"}
CLOSED = {"by": "top_spenders", "bucket": "agent_cost", "kind": "recent_alerts", "state": "anomalies",
          "severity": "vault_problems"}


def listed(mcp) -> list[dict[str, Any]]:
    return [t.model_dump(mode="json", exclude_none=True, by_alias=True) for t in mcp.tools()]


def test_the_tool_list_fits_its_budget(mcp) -> None:
    size = len(json.dumps(listed(mcp), separators=(",", ":")))
    assert 4_000 < size <= BUDGET, f"tools/list is {size:,} bytes of compact JSON (budget {BUDGET:,})"


def test_every_parameter_is_described_and_closed_sets_are_enums(mcp) -> None:
    tools = {t["name"]: t for t in listed(mcp)}
    undescribed = [f"{name}.{param}" for name, t in tools.items()
                   for param, schema in t["inputSchema"]["properties"].items() if not schema.get("description")]
    assert not undescribed, undescribed
    for param, tool in CLOSED.items():
        assert tools[tool]["inputSchema"]["properties"][param]["enum"], (tool, param)
    assert set(tools["record_change"]["inputSchema"]["properties"]["kind"]["enum"]) >= {"deploy", "prompt", "model"}
    assert tools["set_anomaly_state"]["inputSchema"]["properties"]["state"]["enum"]


def test_windows_have_one_name_a_pattern_and_a_stated_default(mcp) -> None:
    for tool in listed(mcp):
        params = tool["inputSchema"]["properties"]
        assert "since" not in params, tool["name"]
        if "window" in params:
            assert params["window"]["pattern"] and params["window"]["default"], tool["name"]


def test_reads_and_writes_are_marked_and_titled(mcp) -> None:
    for tool in listed(mcp):
        hints = tool["annotations"]
        assert tool["title"], tool["name"]
        assert hints["openWorldHint"] is False
        if tool["name"] in WRITES:
            assert (hints["readOnlyHint"], hints["destructiveHint"], hints["idempotentHint"]) == (False, False, True)
        else:
            assert hints["readOnlyHint"] is True, tool["name"]


def test_descriptions_are_short_and_free_of_docstring_indentation(mcp) -> None:
    for tool in listed(mcp):
        assert "\n " not in tool["description"] and len(tool["description"]) <= 300, tool["name"]


def test_the_server_reports_its_version(mcp) -> None:
    info = mcp.portal.call(lambda: _info(mcp.client))
    assert (info.name, info.version) == ("orgmap", version("orgmap"))


async def _info(client: Any) -> Any:
    return client.server_info


@pytest.mark.parametrize("tool", ["top_spenders", "explain_cost_change", "record_change"])
def test_an_answers_full_schema_is_one_resource_away(mcp, tool: str) -> None:
    full = json.loads(mcp.resource(f"schema://{tool}"))
    assert "summary" in full["properties"] and full["required"]
    assert full.get("$defs"), "the full schema keeps the nested definitions the tool list leaves out"
    listed_schema = next(t for t in listed(mcp) if t["name"] == tool)["outputSchema"]
    assert listed_schema["properties"]["summary"]["type"] == full["properties"]["summary"]["type"] == "string"


def test_an_answer_still_carries_its_whole_typed_structure(mcp) -> None:
    answer = mcp.call("top_spenders", window="21d")
    assert answer["summary"] and answer["items"] and {"key", "cost_per_day", "owner"} <= set(answer["items"][0])
