"""Bulk edge insertion: writes a MultiDiGraph's adjacency the way `add_edge` does, in one tight loop, storing each
attribute dict as given (so edges may share one; orgmap never mutates edge data). A whole-vault load adds ~16 edges
per note, and `add_edge` (a fresh dict per edge, a cache clear per call) was most of the build time."""

from __future__ import annotations

from collections.abc import Iterable

import networkx as nx

__all__ = ["Edge", "add_edges"]

Edge = tuple[str, str, str, dict[str, object]]


def add_edges(g: nx.MultiDiGraph, edges: Iterable[Edge]) -> None:
    """Add `(u, v, key, attrs)` edges between nodes already in `g`; an existing `(u, v, key)` edge takes the new attrs.

    >>> g = nx.MultiDiGraph()
    >>> g.add_edge("a", "b", "owned_by", relation="owned_by")
    'owned_by'
    >>> shared = {"relation": "links_to"}
    >>> add_edges(g, [("a", "b", "links_to", shared), ("b", "a", "links_to", shared)])
    >>> list(g.edges(keys=True))
    [('a', 'b', 'owned_by'), ('a', 'b', 'links_to'), ('b', 'a', 'links_to')]
    >>> list(g.in_edges("a", keys=True)), g["a"]["b"]["links_to"] is g["b"]["a"]["links_to"]
    ([('b', 'a', 'links_to')], True)
    """
    succ, pred = g._succ, g._pred
    for u, v, key, attrs in edges:
        out = succ[u]
        keydict = out.get(v)
        if keydict is None:
            keydict = out[v] = {}
            pred[v][u] = keydict
        keydict[key] = attrs
    nx._clear_cache(g)
