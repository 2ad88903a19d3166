"""The questions: owners (explicit, inherited), portfolio, blast radius, path, unowned, find."""

from __future__ import annotations

import pytest

from graph import CompanyGraph
from graph.queries import (
    Hop,
    Owned,
    Owner,
    Step,
    dependencies,
    dependents,
    find,
    owners,
    path_between,
    portfolio,
    teams_of,
    unowned_agents,
)
from tests.conftest import COMPANY, VaultFactory

EXTRA = {
    "Systems/Sub Module.md": '---\npart_of: "[[Support Suite]]"\n---\n',
    "Systems/Leaf.md": '---\npart_of: "[[Sub Module]]"\n---\n',
    "Systems/Own Leaf.md": '---\npart_of: "[[Sub Module]]"\nowner: "[[Bob]]"\n---\n',
}


@pytest.fixture
def g(make_vault: VaultFactory):
    return CompanyGraph.load(make_vault({**COMPANY, **EXTRA}), cache=False).g


def test_explicit_owner_with_the_owning_persons_teams(g) -> None:
    assert owners(g, "Agents/Support Agent") == [Owner("Teams/Platform Team")]
    assert owners(g, "Systems/Support Suite") == [Owner("People/Ann", None, ("Teams/Platform Team",))]


def test_owner_inherited_through_part_of_transitively(g) -> None:
    assert owners(g, "Agents/Triage Agent") == [Owner("People/Ann", "Systems/Support Suite", ("Teams/Platform Team",))]
    assert owners(g, "Systems/Leaf") == [Owner("People/Ann", "Systems/Support Suite", ("Teams/Platform Team",))]
    assert owners(g, "Systems/Own Leaf") == [Owner("People/Bob", None, ("Teams/Platform Team",))]
    assert owners(g, "Systems/Postgres") == []


def test_teams_through_member_of_and_members(g) -> None:
    assert teams_of(g, "People/Ann") == ["Teams/Platform Team"]  # member_of on Ann
    assert teams_of(g, "People/Bob") == ["Teams/Platform Team"]  # members on the team


def test_portfolio_direct_inherited_and_via_team(g) -> None:
    ann = set(portfolio(g, "People/Ann"))
    assert ann == {
        Owned("Systems/Support Suite"),
        Owned("Agents/Triage Agent", "Systems/Support Suite"),
        Owned("Systems/Sub Module", "Systems/Support Suite"),
        Owned("Systems/Leaf", "Systems/Support Suite"),
        Owned("Agents/Support Agent", None, "Teams/Platform Team"),
    }
    assert set(portfolio(g, "People/Bob")) == {Owned("Systems/Own Leaf"),
                                               Owned("Agents/Support Agent", None, "Teams/Platform Team")}
    assert portfolio(g, "Teams/Platform Team") == [Owned("Agents/Support Agent")]


def test_dependencies_and_blast_radius_to_a_depth(g) -> None:
    assert dependencies(g, "Agents/Support Agent") == [
        Hop("Systems/Vector Store", 1, "depends_on", "Agents/Support Agent"),
        Hop("Integrations/Salesforce CRM", 1, "depends_on", "Agents/Support Agent"),
        Hop("Models/claude-sonnet-4-5", 1, "model", "Agents/Support Agent"),
    ]
    assert Hop("Systems/Postgres", 2, "depends_on", "Systems/Vector Store") in dependencies(
        g, "Agents/Support Agent", depth=2)
    assert dependents(g, "Systems/Postgres", depth=1) == [
        Hop("Systems/Vector Store", 1, "dependency_of", "Systems/Postgres")]
    assert [h.node for h in dependents(g, "Systems/Postgres", depth=None)] == [
        "Systems/Vector Store", "Agents/Support Agent", "Agents/Triage Agent"]
    # body links are not dependencies
    assert "Integrations/Zendesk" not in {h.node for h in dependencies(g, "Agents/Support Agent", depth=None)}


def test_path_between_names_each_step(g) -> None:
    assert path_between(g, "People/Bob", "Systems/Postgres") == [
        Step("People/Bob", "member_of", "Teams/Platform Team"),
        Step("Teams/Platform Team", "owns", "Agents/Support Agent"),
        Step("Agents/Support Agent", "depends_on", "Systems/Vector Store"),
        Step("Systems/Vector Store", "depends_on", "Systems/Postgres"),
    ]
    assert path_between(g, "Agents/Orphan Agent", "People/Bob") is None
    assert path_between(g, "People/Bob", "Nope") is None


def test_unowned_agents(g) -> None:
    assert unowned_agents(g) == ["Agents/Orphan Agent"]


def test_find_by_name_or_alias_with_kind_filter(g) -> None:
    assert find(g, "support")[:2] == ["Agents/Support Agent", "Systems/Support Suite"]
    assert find(g, "BOT") == ["Agents/Support Agent"]  # alias support-bot
    assert find(g, "support", kind="system") == ["Systems/Support Suite"]
    assert find(g, "zzz") == []
