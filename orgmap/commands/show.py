"""`orgmap show NAME`: one node with its owners, dependencies, dependents and links."""

from __future__ import annotations

import argparse

from orgmap.config import add_vault_argument

__all__ = ["describe", "register", "run"]


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("show", help="show a node: owners, dependencies, dependents, links",
                                   description="Show one node of the company graph by name, alias or path.")
    parser.add_argument("name", metavar="NAME", help="a node's name, alias, path or id")
    add_vault_argument(parser)
    parser.add_argument("--json", action="store_true", help="print as JSON")
    parser.set_defaults(func=run)


def describe(graph: object, node: str) -> dict[str, object]:
    """Everything `show` prints about `node`, as JSON-safe data."""
    from graph import queries

    with graph.read() as g:  # type: ignore[attr-defined]
        data = dict(g.nodes[node])
        return {
            "id": node,
            "name": data.get("name", node),
            "kind": data.get("kind"),
            "path": data.get("path"),
            "aliases": data.get("aliases", []),
            "tags": data.get("tags", []),
            "owners": [{"node": o.node, "inherited_from": o.inherited_from, "teams": list(o.teams)}
                       for o in queries.owners(g, node)],
            "dependencies": [{"node": h.node, "relation": h.relation} for h in queries.dependencies(g, node)],
            "dependents": [{"node": h.node, "relation": h.relation} for h in queries.dependents(g, node)],
            "links": [{"node": v, "relation": rel} for _, v, rel in g.out_edges(node, data="relation")],
            "backlinks": [{"node": u, "relation": rel} for u, _, rel in g.in_edges(node, data="relation")],
            "properties": {k: v for k, v in data.items() if k not in ("name", "kind", "path", "aliases", "tags")},
        }


def _text(info: dict[str, object]) -> str:
    lines = [f"{info['name']}  ({info['kind']})  {info['path'] or 'no note: a dangling link target'}"]
    if info["aliases"]:
        lines.append(f"  aliases: {', '.join(info['aliases'])}")  # type: ignore[arg-type]
    owners = info["owners"] or [{"node": "nobody", "inherited_from": None, "teams": []}]
    for owner in owners:  # type: ignore[union-attr]
        via = f" (inherited from {owner['inherited_from']})" if owner["inherited_from"] else ""
        teams = f" [teams: {', '.join(owner['teams'])}]" if owner["teams"] else ""
        lines.append(f"  owner: {owner['node']}{via}{teams}")
    for title, label in (("dependencies", "dependency"), ("dependents", "dependent"), ("links", "link"),
                         ("backlinks", "backlink")):
        for item in info[title]:  # type: ignore[attr-defined]
            lines.append(f"  {label}: {item['relation']} {item['node']}")
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    import json
    import sys

    from orgmap.config import resolve_vault
    from orgmap.vaultgraph import load_graph

    graph = load_graph(resolve_vault(args.vault))
    node = graph.lookup(args.name)
    if node is None:
        close = graph.suggest(args.name)
        hint = f"; did you mean: {', '.join(close)}?" if close else ""
        print(f"orgmap: no node named {args.name!r}{hint}", file=sys.stderr)
        return 1
    info = describe(graph, node)
    print(json.dumps(info, indent=2, ensure_ascii=False) if args.json else _text(info))
    return 0
