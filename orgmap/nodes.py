"""Names to nodes, and nodes as the answers show them: the two graph lookups every part of the service shares."""

from __future__ import annotations

from typing import TYPE_CHECKING

from orgmap.answer_types import NodeRef
from orgmap.errors import NotAnAgent, NotFound

if TYPE_CHECKING:
    import networkx as nx

    from graph import CompanyGraph

__all__ = ["node_ref", "resolve", "resolve_agent"]


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
