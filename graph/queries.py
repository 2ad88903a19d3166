"""The questions the company graph answers, as pure functions of a MultiDiGraph: owners (explicit or inherited),
portfolios, dependencies and dependents to a depth (blast radius), the path between two nodes, unowned agents, find."""

from __future__ import annotations

import itertools
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass

import networkx as nx

from graph.relations import DEPENDENCY_RELATIONS, LINKS_TO, inverse

__all__ = [
    "Hop",
    "Owned",
    "Owner",
    "Step",
    "dependencies",
    "dependents",
    "find",
    "owners",
    "path_between",
    "portfolio",
    "related",
    "teams_of",
    "unowned_agents",
]


@dataclass(frozen=True, slots=True)
class Owner:
    """An owner of a node; `inherited_from` names the `part_of` ancestor it came from; `teams` a person's teams."""

    node: str
    inherited_from: str | None = None
    teams: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Owned:
    """A node in a portfolio; `inherited_from` is the owned ancestor it is part of; `via_team` the owning team."""

    node: str
    inherited_from: str | None = None
    via_team: str | None = None


@dataclass(frozen=True, slots=True)
class Hop:
    """A node reached `depth` edges away over `relation`, from `via` (the previous node on the way)."""

    node: str
    depth: int
    relation: str
    via: str


@dataclass(frozen=True, slots=True)
class Step:
    """One step of a path: `source -relation-> target` as read in the walking direction."""

    source: str
    relation: str
    target: str


def related(g: nx.MultiDiGraph, node: str, relation: str) -> list[str]:
    """Targets of `node`'s out-edges of `relation`; an inverse name (`owns`, `has_member`) reads in-edges."""
    found: list[str] = []
    rel: str | None  # None: an edge without a relation
    for _, target, rel in g.out_edges(node, data="relation"):
        if rel == relation:
            found.append(target)
    for source, _, rel in g.in_edges(node, data="relation"):
        if rel is not None and inverse(rel) == relation:
            found.append(source)
    return list(dict.fromkeys(found))


def teams_of(g: nx.MultiDiGraph, person: str) -> list[str]:
    """The teams a person is a member of (`member_of` on the person, or `members` on the team)."""
    return related(g, person, "member_of")


def owners(g: nx.MultiDiGraph, node: str) -> list[Owner]:
    """Explicit owners, else those of the nearest `part_of` ancestors that have one (transitively).

    >>> g = nx.MultiDiGraph([("Bot", "Suite", {"relation": "part_of"}), ("Suite", "Ann", {"relation": "owned_by"}),
    ...                      ("Ann", "Platform", {"relation": "member_of"})])
    >>> owners(g, "Bot")
    [Owner(node='Ann', inherited_from='Suite', teams=('Platform',))]
    """
    seen = {node}
    level = [node]
    while level:
        found = [(o, n) for n in level for o in related(g, n, "owned_by")]
        if found:
            result = {o: Owner(o, n if n != node else None, tuple(teams_of(g, o))) for o, n in found}
            return list(result.values())
        level = [p for n in level for p in related(g, n, "part_of") if p not in seen]
        seen.update(level)
    return []


def portfolio(g: nx.MultiDiGraph, owner: str) -> list[Owned]:
    """Everything `owner` owns: directly, through `part_of` inheritance, and (for a person) through their teams."""
    result: dict[str, Owned] = {}
    for who, team in [(owner, None), *((t, t) for t in teams_of(g, owner))]:
        for direct in related(g, who, "owns"):
            result.setdefault(direct, Owned(direct, None, team))
            queue = deque([direct])
            seen = {direct}
            while queue:
                parent = queue.popleft()
                for child in related(g, parent, "has_part"):
                    if child in seen:
                        continue
                    seen.add(child)
                    queue.append(child)
                    if any(o.node == who for o in owners(g, child)):
                        result.setdefault(child, Owned(child, direct, team))
    result.pop(owner, None)
    return list(result.values())


def _walk(g: nx.MultiDiGraph, node: str, depth: int | None, forward: bool) -> list[Hop]:
    hops: dict[str, Hop] = {}
    queue = deque([(node, 0)])
    while queue:
        current, d = queue.popleft()
        if depth is not None and d >= depth:
            continue
        edges: Iterable[tuple[str, str, str | None]] = (
            g.out_edges(current, data="relation") if forward else g.in_edges(current, data="relation"))
        for u, v, rel in edges:
            nxt = v if forward else u
            if rel in DEPENDENCY_RELATIONS and nxt != node and nxt not in hops:
                hops[nxt] = Hop(nxt, d + 1, rel if forward else inverse(rel), current)
                queue.append((nxt, d + 1))
    return list(hops.values())


def dependencies(g: nx.MultiDiGraph, node: str, depth: int | None = 1) -> list[Hop]:
    """What `node` depends on (`depends_on`, `uses`, `integrates_with`, `model`), to `depth` (None: all), nearest
    first."""
    return _walk(g, node, depth, forward=True)


def dependents(g: nx.MultiDiGraph, node: str, depth: int | None = 1) -> list[Hop]:
    """What depends on `node`, to `depth` (None: all): its blast radius, nearest first."""
    return _walk(g, node, depth, forward=False)


def path_between(g: nx.MultiDiGraph, source: str, target: str) -> list[Step] | None:
    """A shortest path between two nodes over any edges in either direction, each step named as walked (a typed
    relation preferred over `links_to`); None when they are not connected."""
    try:
        nodes = nx.shortest_path(g.to_undirected(as_view=True), source, target)
    except (nx.NetworkXNoPath, nx.NodeNotFound):
        return None
    steps: list[Step] = []
    for u, v in itertools.pairwise(nodes):
        forward = [rel for rel in (g.get_edge_data(u, v) or {}).values()]
        backward = [rel for rel in (g.get_edge_data(v, u) or {}).values()]
        options = [(d["relation"], False) for d in forward] + [(d["relation"], True) for d in backward]
        options.sort(key=lambda o: o[0] == LINKS_TO)
        relation, reverse = options[0]
        steps.append(Step(u, inverse(relation) if reverse else relation, v))
    return steps


def unowned_agents(g: nx.MultiDiGraph) -> list[str]:
    """Agents with no owner, explicit or inherited, sorted."""
    return sorted(n for n, kind in g.nodes(data="kind") if kind == "agent" and not owners(g, n))


def find(g: nx.MultiDiGraph, text: str, kind: str | None = None, limit: int | None = None) -> list[str]:
    """Nodes whose name, alias or id contains `text` (case-insensitive), exact names first, optionally of one kind."""
    wanted = text.strip().casefold()
    ranked: list[tuple[int, int, str]] = []
    for node, data in g.nodes(data=True):
        if kind is not None and data.get("kind") != kind.lower():
            continue
        names = [str(data.get("name", node)).casefold(), *(str(a).casefold() for a in data.get("aliases", ()))]
        if wanted in names:
            ranked.append((0, len(node), node))
        elif any(name.startswith(wanted) for name in names):
            ranked.append((1, len(node), node))
        elif any(wanted in name for name in names) or wanted in node.casefold():
            ranked.append((2, len(node), node))
    return [node for _, _, node in sorted(ranked)[:limit]]
