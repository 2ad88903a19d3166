"""Answers that finish the question (issue 18, item 4): a loose name answers with the nodes it clearly means and
their owners; a team owner comes with its lead and members; reach rows carry their owners; ranked agents point at
their open anomaly; an agent question about a node of another kind says so. Over the demo store, at every door."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest

from orgmap.cli import main
from tests.interfaces.conftest import on_both_stores

SUPPORT_AGENTS = ["Agents/Support Reply Agent", "Agents/Support Triage Agent"]


def cli_owners(name: str, vault: Path, capsys: pytest.CaptureFixture[str]) -> dict[str, Any]:
    """`orgmap owners NAME --json` as parsed JSON."""
    capsys.readouterr()
    assert main(["owners", name, "--vault", str(vault), "--json"]) == 0
    return json.loads(capsys.readouterr().out)


def test_a_loose_name_answers_with_the_nodes_it_means_and_their_owners_at_every_door(
        api, mcp, demo_vault: Path, capsys: pytest.CaptureFixture[str]) -> None:
    by_http = api.get(quote("/v1/nodes/support agent/owners"))
    assert by_http.status_code == 200, by_http.text
    answer = by_http.json()
    assert answer == mcp.call("who_owns", name="support agent") == cli_owners("support agent", demo_vault, capsys)
    assert answer["node"] is None and answer["owners"] == []
    assert [c["id"] for c in answer["candidates"]] == SUPPORT_AGENTS
    for candidate in answer["candidates"]:
        assert candidate["owners"] == mcp.call("who_owns", name=candidate["id"])["owners"]
        assert [o["id"] for o in candidate["owners"]] == ["Teams/Support Engineering"]
        assert candidate["name"] in answer["summary"]
    assert answer["summary"].startswith("no node is called 'support agent'; 2 match it")


def test_one_node_a_loose_name_means_is_a_candidate_too(mcp) -> None:
    answer = mcp.call("who_owns", name="code review")
    assert answer["node"] is None
    assert [(c["id"], [o["id"] for o in c["owners"]]) for c in answer["candidates"]] == [
        ("Agents/Code Review Agent", ["People/Priya Natarajan"])]


def test_an_exact_name_answers_as_before(mcp) -> None:
    answer = mcp.call("who_owns", name="support-bot")
    assert answer["node"]["id"] == "Agents/Support Reply Agent" and answer["candidates"] == []
    assert answer["summary"] == "Support Reply Agent is owned by Support Engineering"


@pytest.mark.parametrize("name", ["Suport Reply Agnt", "agent"], ids=["a typo", "a word twenty agents share"])
def test_a_name_that_means_no_few_nodes_is_still_refused_with_suggestions(api, mcp, name: str) -> None:
    by_http = api.get(quote(f"/v1/nodes/{name}/owners"))
    assert by_http.status_code == 404, by_http.text
    with pytest.raises(mcp.Failed, match=re.escape(f"no node named {name!r}; did you mean")):
        mcp.call("who_owns", name=name)


def test_a_team_owner_comes_with_its_lead_and_members_a_person_with_none(mcp) -> None:
    [team] = mcp.call("who_owns", name="support-bot")["owners"]
    assert (team["kind"], team["lead"], team["members"]) == (
        "team", "People/Grace Liu", ["People/Grace Liu", "People/Samir Haddad"])
    [person] = mcp.call("who_owns", name="Code Review Agent")["owners"]
    assert (person["kind"], person["lead"], person["members"]) == ("person", None, [])
    detail = mcp.call("describe_node", name="support-bot")
    assert detail["owners"] == [team]


@pytest.mark.parametrize(("tool", "name"), [("what_depends_on", "Vector Store"),
                                            ("dependencies_of", "Support Reply Agent")])
def test_reach_rows_carry_the_owners_of_what_is_at_stake(mcp, tool: str, name: str) -> None:
    answer = mcp.call(tool, name=name)
    assert answer["items"]
    for item in answer["items"]:
        assert item["owners"] == [o["id"] for o in mcp.call("who_owns", name=item["id"])["owners"]]
    assert any(item["owners"] for item in answer["items"])


@on_both_stores
def test_ranked_agents_point_at_their_open_anomaly(api, mcp) -> None:
    ranked = mcp.call("top_spenders")
    open_ = {a["agent"]: a for a in api.get("/v1/anomalies", params={"state": "open", "limit": 50}).json()["items"]}
    pointed = {i["key"]: i["anomaly"] for i in ranked["items"] if i["anomaly"]}
    assert {"Agents/Code Review Agent", "Agents/Support Triage Agent"} <= set(pointed)  # the #1 and #4 spenders
    for key, pointer in pointed.items():
        brief = open_[key]
        assert (pointer["id"], pointer["sentence"], pointer["cause"], pointer["cause_id"], pointer["ongoing"]) == (
            brief["id"], brief["sentence"], brief["cause"], brief["cause_id"], brief["end"] is None)
    shown = {i["key"] for i in ranked["items"]}
    assert not set(open_) & shown - set(pointed), "every ranked agent with an open anomaly points at it"
    assert f"{len(pointed)} of these agents have an open anomaly" in ranked["summary"]
    assert all(i["anomaly"] is None for i in mcp.call("top_spenders", by="model")["items"])


def test_an_agent_question_about_an_integration_says_what_it_is(mcp) -> None:
    with pytest.raises(mcp.Failed, match=r"'Zendesk' is Integrations/Zendesk \(kind integration\), not an agent"):
        mcp.call("agent_cost", agent="Zendesk")
