"""`orgmap export`: write the company graph as node-link JSON (what `GET /v1/graph` answers) or GraphML."""

from __future__ import annotations

import argparse
import json

from orgmap.cli.common import add_vault_argument, ask_vault, write_output

__all__ = ["register", "run"]


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("export", help="write the company graph as JSON or GraphML",
                                   description="Write the graph: networkx node-link JSON, or GraphML.")
    add_vault_argument(parser)
    parser.add_argument("--format", choices=("json", "graphml"), default="json", help="output format (json)")
    parser.add_argument("-o", "--output", metavar="FILE", help="write to FILE instead of stdout")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    if args.format == "graphml":
        return ask_vault(args, lambda svc: svc.graph_graphml(), lambda data: write_output(data, args.output))
    return ask_vault(args, lambda svc: svc.graph_data(),
                     lambda data: write_output((json.dumps(data, indent=1, ensure_ascii=False) + "\n").encode(),
                                               args.output))
