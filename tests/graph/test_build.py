"""Building the company graph from a real vault: nodes, kinds, typed edges, placeholders, problems."""

from __future__ import annotations

from pathlib import Path

import pytest

from graph import CompanyGraph
from tests.conftest import COMPANY, VaultFactory


@pytest.fixture
def company(make_vault: VaultFactory) -> CompanyGraph:
    return CompanyGraph.load(make_vault(COMPANY), cache=False)


def edges(cg: CompanyGraph, relation: str) -> set[tuple[str, str]]:
    return {(u, v) for u, v, rel in cg.g.edges(data="relation") if rel == relation}


def test_nodes_carry_name_kind_path_aliases_tags_and_properties(company: CompanyGraph) -> None:
    node = company.g.nodes["Agents/Support Agent"]
    assert node["name"] == "Support Agent" and node["kind"] == "agent" and node["path"] == "Agents/Support Agent.md"
    assert node["aliases"] == ["support-bot"] and node["tags"] == ["support", "production"]
    assert node["budget"] == {"monthly_usd": 3000, "daily_usd": 150}
    assert node["cost_keys"] == ["proj_support", "key_8f3a"]
    kinds = {n: k for n, k in company.g.nodes(data="kind")}
    assert kinds["Systems/Postgres"] == "system" and kinds["Integrations/Zendesk"] == "integration"
    assert kinds["Models/claude-sonnet-4-5"] == "model" and kinds["People/Ann"] == "person"
    assert kinds["Teams/Platform Team"] == "team"


def test_kind_from_type_wins_and_unknown_folder_is_note(make_vault: VaultFactory) -> None:
    cg = CompanyGraph.load(make_vault({"Tools/x.md": "---\ntype: Agent\n---\n", "Misc/y.md": "",
                                       "team/z.md": "", "Org/People/w.md": ""}), cache=False)
    assert dict(cg.g.nodes(data="kind")) == {"Tools/x": "agent", "Misc/y": "note", "team/z": "team",
                                             "Org/People/w": "person"}


def test_typed_edges_and_body_links(company: CompanyGraph) -> None:
    assert edges(company, "owned_by") == {("Agents/Support Agent", "Teams/Platform Team"),
                                          ("Systems/Support Suite", "People/Ann")}
    assert edges(company, "depends_on") == {("Agents/Support Agent", "Systems/Vector Store"),
                                            ("Agents/Support Agent", "Integrations/Salesforce CRM"),
                                            ("Systems/Vector Store", "Systems/Postgres")}
    assert edges(company, "model") == {("Agents/Support Agent", "Models/claude-sonnet-4-5")}
    assert edges(company, "uses") == {("Agents/Triage Agent", "Agents/Support Agent")}
    assert edges(company, "links_to") == {("Agents/Support Agent", "Integrations/Zendesk")}
    link = company.g.get_edge_data("Agents/Support Agent", "Integrations/Zendesk")["links_to"]
    assert link == {"relation": "links_to", "line": 12}


def test_members_on_a_team_is_member_of_on_the_person(company: CompanyGraph) -> None:
    assert edges(company, "member_of") == {("People/Bob", "Teams/Platform Team"),
                                           ("People/Ann", "Teams/Platform Team")}
    bob = company.g.get_edge_data("People/Bob", "Teams/Platform Team")
    assert list(bob.values()) == [{"relation": "member_of", "line": 2, "property": "members",
                                   "declared_by": "Teams/Platform Team"}]


def test_unknown_link_property_keeps_its_name(make_vault: VaultFactory) -> None:
    cg = CompanyGraph.load(make_vault({"A.md": '---\nReviewer: "[[B]]"\n---\n', "B.md": ""}), cache=False)
    assert list(cg.g.edges(data="relation")) == [("A", "B", "reviewer")]


def test_dangling_links_become_placeholders_and_are_reported(make_vault: VaultFactory) -> None:
    cg = CompanyGraph.load(make_vault({"A.md": '---\nowner: "[[Ghost Team]]"\n---\n[[ghost team]] [[x/Nope]]\n'}),
                           cache=False)
    assert cg.g.nodes["Ghost Team"] == {"name": "Ghost Team", "kind": "missing", "aliases": [], "tags": []}
    assert cg.g.nodes["x/Nope"]["kind"] == "missing"
    assert set(cg.g.successors("A")) == {"Ghost Team", "x/Nope"}  # one placeholder per name, any case
    dangling = [(p.path, p.line) for p in cg.problems if p.code == "dangling_link"]
    assert dangling == [("A.md", 2), ("A.md", 4), ("A.md", 4)]


def test_ambiguous_names_resolve_to_the_shortest_path_and_are_reported(make_vault: VaultFactory) -> None:
    cg = CompanyGraph.load(make_vault({"A.md": "[[Platform]]", "Teams/Platform.md": "",
                                       "Archive/Old/Platform.md": "", "B.md": "[[Old/Platform]]"}), cache=False)
    assert edges(cg, "links_to") == {("A", "Teams/Platform"), ("B", "Archive/Old/Platform")}
    [problem] = [p for p in cg.problems if p.code == "ambiguous_link"]
    assert (problem.path, problem.line, problem.severity) == ("A.md", 1, "warning")
    assert "Archive/Old/Platform" in problem.message


def test_a_bare_alias_link_does_not_resolve(make_vault: VaultFactory) -> None:
    cg = CompanyGraph.load(make_vault({"Bot.md": "---\naliases: [helper]\n---\n", "A.md": "[[helper]]"}),
                           cache=False)
    assert list(cg.g.successors("A")) == ["helper"] and cg.g.nodes["helper"]["kind"] == "missing"
    assert cg.lookup("helper") == "Bot"


def test_bad_notes_do_not_stop_the_vault(make_vault: VaultFactory) -> None:
    root = make_vault({
        "Bad.md": "---\ntype: agent\nowner: [x\n---\n[[Good]]\n",
        "Bin.md": b"\x00\x01\x02",
        "Latin.md": b"caf\xe9 [[Good]]",
        "Good.md": "---\ntype: tool\n---\n",
    })
    cg = CompanyGraph.load(root, cache=False)
    assert set(cg.g.nodes) == {"Bad", "Bin", "Latin", "Good"}
    assert cg.g.nodes["Bad"]["kind"] == "note"  # no properties survive bad YAML
    assert edges(cg, "links_to") == {("Bad", "Good"), ("Latin", "Good")}
    errors = sorted((p.path, p.line, p.code) for p in cg.problems if p.severity == "error")
    assert errors == [("Bad.md", 4, "bad_yaml"), ("Bin.md", 0, "binary_file"), ("Latin.md", 1, "undecodable")]


def test_unowned_agents_are_warnings(company: CompanyGraph) -> None:
    unowned = [(p.path, p.severity) for p in company.problems if p.code == "unowned_agent"]
    assert unowned == [("Agents/Orphan Agent.md", "warning")]


def test_lookup_lookup_agent_and_suggest(company: CompanyGraph) -> None:
    assert company.lookup("support agent") == "Agents/Support Agent"
    assert company.lookup("Agents/Support Agent.md") == "Agents/Support Agent"
    assert company.lookup("SUPPORT-BOT") == "Agents/Support Agent"
    assert company.lookup("proj_support") is None
    assert company.lookup_agent("PROJ_SUPPORT") == "Agents/Support Agent"
    assert company.lookup("nobody") is None
    assert company.suggest("suport agnt")[0] == "Agents/Support Agent"
    assert "Systems/Support Suite" in company.suggest("support")


def test_loading_never_writes_notes(make_vault: VaultFactory, tmp_path: Path) -> None:
    root = make_vault({**COMPANY, "Bad.md": "---\n: [\n---\n", "Bin.md": b"\x00\xff"})
    before = {p: p.read_bytes() for p in root.rglob("*") if p.is_file()}
    CompanyGraph.load(root)
    CompanyGraph.load(root)
    after = {p: p.read_bytes() for p in root.rglob("*") if p.is_file() and ".orgmap" not in p.parts}
    assert after == before
