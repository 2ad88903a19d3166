"""A manager's four questions, each answered by one MCP call to `orgmap mcp` over stdio (as an editor launches it),
each answer's text within about 2,000 tokens (counted as len(text) / 4, the usual rule of thumb for English and
JSON).

`orgmap mcp` runs on the real clock, so this vault's demo traffic ends now: five weeks at 0.3 scale, enough for the
demo's planted incidents, the #2 spender's (Support Reply Agent's) slow drift among them."""

from __future__ import annotations

import json
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest
from mcp import StdioServerParameters

from orgmap.demo.data import generate
from orgmap.service import Service

ORGMAP = str(Path(sys.executable).with_name("orgmap"))
TOKENS = 2_000


def tokens(text: str) -> float:
    """About how many tokens a model reads for `text`: a quarter of its characters."""
    return len(text) / 4


@pytest.fixture(scope="module")
def manager(doors, tmp_path_factory: pytest.TempPathFactory):
    """`orgmap mcp` over stdio on a demo vault whose traffic ends now; a door that returns (answer, text)."""
    vault = doors.copy_company(tmp_path_factory.mktemp("manager"))
    now = datetime.now(UTC)
    data = generate(seed=7, now=now, days=35, scale=0.3)
    with Service.open(vault, clock=lambda: now) as service:
        service.record_cost(data.cost_events)
        service.record_changes(data.change_events)
    with doors.mcp_door(StdioServerParameters(command=ORGMAP, args=["mcp", "--vault", str(vault)])) as door:
        yield door


def ask(door, tool: str, **arguments: object) -> dict:
    """One call: its structured answer, after checking the text a model reads is that JSON and within budget."""
    text = door.text(tool, **arguments)
    assert tokens(text) < TOKENS, f"{tool} answers with about {tokens(text):,.0f} tokens"
    answer = door.call(tool, **arguments)
    assert json.loads(text) == answer
    return answer


def test_who_owns_the_support_agent(manager) -> None:
    answer = ask(manager, "who_owns", name="the support agent")
    assert [c["id"] for c in answer["candidates"]] == ["Agents/Support Reply Agent", "Agents/Support Triage Agent"]
    for candidate in answer["candidates"]:
        [team] = candidate["owners"]
        assert (team["id"], team["lead"]) == ("Teams/Support Engineering", "People/Grace Liu")
    assert "Support Engineering" in answer["summary"]


def test_which_agents_cost_the_most_and_why(manager) -> None:
    """The #2 spender of the demo (Support Reply Agent; on some days of the week Contract Review Agent's bursts put
    it third) comes with its open anomaly: a slow drift still going, its sentence and its likely cause."""
    answer = ask(manager, "top_spenders")
    assert answer["items"][0]["key"] == "Agents/Code Review Agent"
    [reply] = [i for i in answer["items"][:3] if i["key"] == "Agents/Support Reply Agent"]
    pointer = reply["anomaly"]
    assert pointer is not None and pointer["ongoing"]
    assert pointer["id"].startswith("Agents/Support Reply Agent@")
    assert pointer["sentence"].startswith("Support Reply Agent")
    assert "cause" in pointer and "cause_id" in pointer  # the likely change (None on days orgmap abstains)
    assert "have an open anomaly" in answer["summary"]


def test_what_breaks_if_vector_store_goes_down(manager) -> None:
    answer = ask(manager, "what_depends_on", name="Vector Store")
    agents = [i for i in answer["items"] if i["kind"] == "agent"]
    assert agents and all(i["owners"] for i in agents)
    assert "Agents/Support Triage Agent" in {i["id"] for i in agents}
    assert answer["cost_per_day_at_stake"] > 0


def test_why_did_the_code_review_agents_cost_jump(manager) -> None:
    answer = ask(manager, "explain_cost_change", agent="code review agent", since="30d")
    assert answer["agent"]["id"] == "Agents/Code Review Agent"
    assert answer["anomalies"] and answer["summary"].startswith("Code Review Agent: ")
