"""The MCP prompts a client shows as commands (a weekly cost review, explain an agent's spend, what breaks if X goes
down), through the SDK's client: listed with titles and described arguments, apart from the tool list, and each
rendering a message that names tools that exist, with arguments those tools take."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from mcp.shared.exceptions import MCPError
from mcp.types import TextContent

from tests.interfaces.conftest import McpDoor

PROMPTS = {"weekly_cost_review": set(), "explain_agent_spend": {"agent"}, "what_breaks_if_down": {"node"}}
ARGUMENTS = {"explain_agent_spend": {"agent": "support-bot"}, "what_breaks_if_down": {"node": "zendesk"}}
# A tool named in a prompt, `tool`, and the arguments the prompt tells the model to pass it: `tool` with a=..., b=...
CALL = re.compile(r"`([a-z_]+)`((?: with [^:`\n]*)?)")
ARGUMENT = re.compile(r"\b([a-z_]+)=('[^']*'|[^,\s)]+)")


def prompts(mcp: McpDoor) -> dict[str, Any]:
    return {p.name: p for p in mcp.portal.call(mcp.client.list_prompts).prompts}


def rendered(mcp: McpDoor, name: str) -> str:
    result = mcp.portal.call(mcp.client.get_prompt, name, ARGUMENTS.get(name))
    assert [m.role for m in result.messages] == ["user"], name
    content = result.messages[0].content
    assert isinstance(content, TextContent), name
    return content.text


def test_the_prompts_are_listed_with_titles_and_described_arguments(mcp: McpDoor) -> None:
    listed = prompts(mcp)
    assert set(listed) == set(PROMPTS)
    for name, arguments in PROMPTS.items():
        prompt = listed[name]
        assert prompt.title and prompt.description and "\n" not in prompt.description, name
        assert {a.name for a in prompt.arguments or []} == arguments, name
        for argument in prompt.arguments or []:
            assert argument.required and argument.description, (name, argument.name)


@pytest.mark.parametrize("name", list(PROMPTS))
def test_a_prompt_names_tools_that_exist_with_arguments_they_take(mcp: McpDoor, name: str) -> None:
    tools = {t.name: set(t.input_schema["properties"]) for t in mcp.tools()}
    text = rendered(mcp, name)
    calls = CALL.findall(text)
    assert len({tool for tool, _ in calls}) >= 3, text
    for tool, arguments in calls:
        if tool in ("next_cursor", "cursor"):
            continue
        assert tool in tools, f"{name} names a tool that does not exist: {tool}"
        unknown = {key for key, _ in ARGUMENT.findall(arguments)} - tools[tool]
        assert not unknown, f"{name} passes {tool} arguments it does not take: {unknown}"
    for value in (ARGUMENTS.get(name) or {}).values():
        assert value in text, f"{name} does not carry its argument {value!r}"


def test_the_weekly_review_asks_for_spenders_anomalies_budgets_and_unattributed_spend(mcp: McpDoor) -> None:
    text = rendered(mcp, "weekly_cost_review")
    for tool in ("top_spenders", "explain_cost_change", "budget_status", "unattributed_spend"):
        assert f"`{tool}`" in text, tool
    assert "window=7d" in text


def test_a_prompt_refuses_a_missing_argument(mcp: McpDoor) -> None:
    with pytest.raises(MCPError):
        mcp.portal.call(mcp.client.get_prompt, "explain_agent_spend", {})


def test_the_prompts_stay_out_of_the_tool_list(mcp: McpDoor) -> None:
    """prompts/list is a separate request, so the prompts cost the tool list's budget nothing."""
    tool_list = json.dumps([t.model_dump(mode="json", exclude_none=True, by_alias=True) for t in mcp.tools()])
    assert not any(name in tool_list for name in PROMPTS)


@pytest.mark.parametrize("name", list(PROMPTS))
def test_the_calls_a_prompt_asks_for_answer(mcp: McpDoor, name: str) -> None:
    """Every call the prompt spells out in full (all the tool's required arguments given) answers, as the model
    would make it."""
    required = {t.name: set(t.input_schema.get("required", [])) for t in mcp.tools()}
    made = 0
    for tool, arguments in CALL.findall(rendered(mcp, name)):
        given = {key: _value(value) for key, value in ARGUMENT.findall(arguments)}
        if tool in required and required[tool] <= set(given):
            assert mcp.call(tool, **given)["summary"], (tool, given)
            made += 1
    assert made >= 3, name


def _value(text: str) -> Any:
    """An argument's value as the prompt writes it: a quoted name, a number or a bare word."""
    if text.startswith("'"):
        return text.strip("'")
    return int(text) if text.isdigit() else text
