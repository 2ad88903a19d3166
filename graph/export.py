"""Write the graph out: networkx node-link JSON (edges carry `relation`), or GraphML, whose attributes must be scalars
(lists and dicts become JSON strings, missing values are left out)."""

from __future__ import annotations

import json
from io import BytesIO

import networkx as nx

__all__ = ["to_graphml", "to_node_link"]


def to_node_link(g: nx.MultiDiGraph) -> dict[str, object]:
    """networkx node-link data (`nodes`, `edges`, each edge with `source`, `target`, `key`, `relation`...)."""
    return nx.node_link_data(g, edges="edges")


def _scalar(value: object) -> str | int | float | bool:
    if isinstance(value, str | bool | int | float):
        return value
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


def _flatten(rows: list[dict[str, object]]) -> list[dict[str, str | int | float | bool]]:
    """Scalar attributes; a name whose values differ in type across rows becomes a string everywhere (one key each)."""
    flat = [{k: _scalar(v) for k, v in row.items() if v is not None} for row in rows]
    types: dict[str, set[type]] = {}
    for row in flat:
        for k, v in row.items():
            types.setdefault(k, set()).add(type(v))
    mixed = {k for k, seen in types.items() if len(seen) > 1}
    return [{k: json.dumps(v) if k in mixed and not isinstance(v, str) else v for k, v in row.items()}
            for row in flat]


def to_graphml(g: nx.MultiDiGraph) -> bytes:
    """GraphML bytes with every attribute made scalar.

    >>> g = nx.MultiDiGraph()
    >>> g.add_node("A", tags=["x"], budget={"usd": 3}, note=None)
    >>> g.add_node("B", budget=5)
    >>> b'{"usd": 3}' in to_graphml(g) and to_graphml(g).count(b'attr.name="budget"') == 1
    True
    """
    nodes = list(g.nodes(data=True))
    edges = list(g.edges(keys=True, data=True))
    flat: nx.MultiDiGraph = nx.MultiDiGraph()
    flat.add_nodes_from(zip([n for n, _ in nodes], _flatten([d for _, d in nodes]), strict=True))
    keyed = ((u, v, k, d) for (u, v, k, _), d in zip(edges, _flatten([d for *_, d in edges]), strict=True))
    flat.add_edges_from(keyed)  # type: ignore[arg-type]  # types-networkx lacks a multigraph's (u, v, key, data) edges
    out = BytesIO()
    nx.write_graphml(flat, out, encoding="utf-8")
    return out.getvalue()
