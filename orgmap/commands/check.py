"""`orgmap check`: every problem in the vault with path and line; exit 1 when any is an error."""

from __future__ import annotations

import argparse

from orgmap.config import add_vault_argument

__all__ = ["register", "run"]


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("check", help="list vault problems: bad notes, broken links, unowned agents",
                                   description="List every problem in the vault; exit 1 when there are errors.")
    add_vault_argument(parser)
    parser.add_argument("--json", action="store_true", help="print the problems as JSON")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    import json

    from orgmap.config import resolve_vault
    from orgmap.vaultgraph import load_graph

    graph = load_graph(resolve_vault(args.vault))
    problems = graph.problems
    errors = sum(p.severity == "error" for p in problems)
    warnings = len(problems) - errors
    if args.json:
        print(json.dumps({"notes": len(graph.notes), "errors": errors, "warnings": warnings,
                          "problems": [p.to_dict() for p in problems]}, indent=2, ensure_ascii=False))
    else:
        for problem in problems:
            print(problem)
        print(f"{len(graph.notes)} notes: {errors} errors, {warnings} warnings")
    return 1 if errors else 0
