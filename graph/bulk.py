"""Edges written straight into a MultiDiGraph's adjacency, with shared dicts that are never mutated. A vault's edges
differ mostly in their ends (`links_to` from line 12 is one fact shape among a few hundred), so one attribute dict and
one key dict serve thousands of node pairs; a dict per edge and per pair was most of the graph's time and memory.
A change replaces a pair's key dict instead of altering it, so callers must treat the graph as read-only."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import networkx as nx

__all__ = ["Edge", "EdgeWriter", "adjacency", "node_table"]

Edge = tuple[str, str, str, dict[str, object]]
KeyDict = dict[str, dict[str, object]]
Adjacency = dict[str, dict[str, dict[str, dict[str, Any]]]]  # node -> neighbour -> edge key -> attributes


def adjacency(g: nx.MultiDiGraph) -> tuple[Adjacency, Adjacency]:
    """The successor and predecessor dicts of `g` (networkx internals), to read and write in place."""
    return g._succ, g._pred  # type: ignore[attr-defined]  # private attributes, which types-networkx leaves out


def node_table(g: nx.MultiDiGraph) -> dict[str, dict[str, Any]]:
    """The node -> attribute dict of `g` (a networkx internal), to read and fill in place."""
    return g._node  # type: ignore[attr-defined]  # a private attribute, which types-networkx leaves out


class EdgeWriter:
    """Adds and removes the edges of one graph; attribute dicts made by `attrs` are shared, and so are key dicts made
    only of them (interned by content)."""

    def __init__(self, g: nx.MultiDiGraph) -> None:
        self.g = g
        self._attrs: dict[tuple[str, int, str | None], dict[str, object]] = {}
        self._shared: set[int] = set()  # ids of the dicts in _attrs, which live as long as this writer
        self._keydicts: dict[tuple[object, ...], KeyDict] = {}

    def attrs(self, relation: str, line: int, prop: str | None = None) -> dict[str, object]:
        """The shared attribute dict of an edge with these attributes."""
        found = self._attrs.get((relation, line, prop))
        if found is None:
            found = {"relation": relation, "line": line} if prop is None else {
                "relation": relation, "line": line, "property": prop}
            self._attrs[(relation, line, prop)] = found
            self._shared.add(id(found))
        return found

    def keydict(self, keydict: KeyDict) -> KeyDict:
        """`keydict`, or the equal one already shared when all its attribute dicts are shared."""
        shared = self._shared
        if not all(id(attrs) in shared for attrs in keydict.values()):
            return keydict
        signature = tuple(item for key, attrs in keydict.items() for item in (key, id(attrs)))
        return self._keydicts.setdefault(signature, keydict)

    def add(self, edges: Iterable[Edge]) -> None:
        """Add `(u, v, key, attrs)` edges between nodes already in the graph (an existing key takes the new attrs).

        >>> g = nx.MultiDiGraph()
        >>> g.add_nodes_from("abcd")
        >>> writer = EdgeWriter(g)
        >>> line3 = writer.attrs("links_to", 3)
        >>> writer.add([("a", "b", "links_to", line3), ("c", "d", "links_to", line3)])
        >>> g._succ["a"]["b"] is g._succ["c"]["d"]  # one key dict serves both pairs
        True
        >>> writer.add([("a", "b", "owned_by", writer.attrs("owned_by", 2, "owner"))])  # replaced, not altered
        >>> g._succ["c"]["d"], list(g.edges("a", keys=True))
        ({'links_to': {'relation': 'links_to', 'line': 3}}, [('a', 'b', 'links_to'), ('a', 'b', 'owned_by')])
        """
        (succ, pred), shared, keydicts = adjacency(self.g), self._shared, self._keydicts
        for u, v, key, attrs in edges:
            old = succ[u].get(v)
            if old is None and id(attrs) in shared:  # the common case, inlined: a new pair, a shared attr dict
                keydict = keydicts.get((key, id(attrs)))
                if keydict is None:
                    keydict = keydicts[(key, id(attrs))] = {key: attrs}
            else:
                keydict = self.keydict({key: attrs} if old is None else {**old, key: attrs})
            succ[u][v] = keydict
            pred[v][u] = keydict
        nx._clear_cache(self.g)

    def remove(self, edges: Iterable[tuple[str, str, str]]) -> None:
        """Remove `(u, v, key)` edges; absent ones are ignored."""
        succ, pred = adjacency(self.g)
        for u, v, key in edges:
            old = succ[u].get(v)
            if old is None or key not in old:
                continue
            if len(old) == 1:
                del succ[u][v]
                del pred[v][u]
            else:
                succ[u][v] = pred[v][u] = self.keydict({k: attrs for k, attrs in old.items() if k != key})
        nx._clear_cache(self.g)
