"""`orgmap export`: write the company graph as node-link JSON or GraphML."""

from __future__ import annotations

import argparse

from orgmap.config import add_vault_argument

__all__ = ["register", "run"]


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("export", help="write the company graph as JSON or GraphML",
                                   description="Write the graph: networkx node-link JSON, or GraphML.")
    add_vault_argument(parser)
    parser.add_argument("--format", choices=("json", "graphml"), default="json", help="output format (json)")
    parser.add_argument("-o", "--output", metavar="FILE", help="write to FILE instead of stdout")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    import json
    import sys
    from pathlib import Path

    from graph.export import to_graphml, to_node_link
    from orgmap.config import resolve_vault
    from orgmap.vaultgraph import load_graph

    graph = load_graph(resolve_vault(args.vault))
    with graph.read() as g:
        if args.format == "graphml":
            data = to_graphml(g)
        else:
            data = (json.dumps(to_node_link(g), indent=1, ensure_ascii=False) + "\n").encode("utf-8")
    if args.output:
        Path(args.output).write_bytes(data)
        print(f"orgmap: wrote {g.number_of_nodes()} nodes and {g.number_of_edges()} edges to {args.output}",
              file=sys.stderr)
    else:
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
    return 0
