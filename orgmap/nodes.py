"""Names to nodes (exact, or the few nodes a loose name clearly means), and nodes as the answers show them: the
graph lookups every part of the service shares."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from orgmap.answer_types import NodeRef
from orgmap.errors import NotAnAgent, NotFound

if TYPE_CHECKING:
    import networkx as nx

    from graph import CompanyGraph

__all__ = ["MOST_MEANT", "meant", "node_ref", "resolve", "resolve_agent", "resolve_or_meant"]

MOST_MEANT = 5  # more nodes than this matching a loose name is no longer "clearly meant": the name is refused
_WORD = re.compile(r"\w+")
_ARTICLES = frozenset({"a", "an", "the"})  # "the support agent" means what "support agent" means


def _words(text: str) -> list[str]:
    return _WORD.findall(text.casefold())


def node_ref(g: nx.MultiDiGraph, node: str) -> NodeRef:
    """A node as answers name it: id, display name and kind."""
    data = g.nodes[node]
    return NodeRef(id=node, name=str(data.get("name", node)), kind=str(data.get("kind", "note")))


def resolve(graph: CompanyGraph, name: str, *, what: str = "node", field: str = "name") -> str:
    """The node id `name` means (id, path, file name or alias; any case), else NotFound with close matches."""
    with graph.read():
        node = graph.lookup(name)
        if node is None:
            raise NotFound(what, name, graph.suggest(name), field=field)
        return node


def meant(g: nx.MultiDiGraph, name: str, most: int = MOST_MEANT) -> list[str]:
    """The notes a loose name clearly means: those whose name or one alias has every word of `name` (but articles)
    as a whole word ("the support agent" means Support Reply Agent and Support Triage Agent, not Support Platform),
    by id; none when more than `most` match, or when `name` has no word."""
    wanted = set(_words(name)) - _ARTICLES
    if not wanted:
        return []
    found = [node for node, data in g.nodes(data=True) if data.get("path")
             and any(wanted <= set(_words(str(n))) for n in [data.get("name", node), *data.get("aliases", ())])]
    return sorted(found) if len(found) <= most else []


def resolve_or_meant(graph: CompanyGraph, name: str, *, what: str = "node",
                     field: str = "name") -> tuple[list[str], bool]:
    """`([node], True)` for the node `name` names exactly (as `resolve`), else `(nodes, False)` for the nodes it
    clearly means (`meant`: one or several), else NotFound with close matches."""
    with graph.read() as g:
        node = graph.lookup(name)
        found = [node] if node is not None else meant(g, name)
        if not found:
            raise NotFound(what, name, graph.suggest(name), field=field)
        return found, node is not None


def resolve_agent(graph: CompanyGraph, name: str, *, field: str = "agent") -> str:
    """The agent `name` means, as a cost event naming it would be attributed: an id or path, else an agent's file
    name, alias or cost key (agents first). NotFound with close matches; NotAnAgent for a node of another kind."""
    with graph.read() as g:
        node = graph.lookup_agent(name)
        if node is None:
            raise NotFound("agent", name, graph.suggest(name), field=field)
        kind = g.nodes[node].get("kind", "note")
    if kind != "agent":
        raise NotAnAgent(name, node, kind, field=field)
    return node
