"""`orgmap runs`: the most expensive runs, one agent's or all, and runaway runs (`--flagged`)."""

from __future__ import annotations

import argparse

from orgmap.commands.common import add_service_arguments, print_json, service_opener
from orgmap.commands.top import table

__all__ = ["register", "run"]


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("runs", help="the most expensive runs, and runaway runs",
                                   description="Runs are the calls that share a run_id.")
    parser.add_argument("--agent", help="one agent's runs (name, alias or path)")
    parser.add_argument("--since", default="24h", help="window like 24h, 7d (default 24h)")
    parser.add_argument("--top", type=int, default=20, help="rows to show (default 20)")
    parser.add_argument("--flagged", action="store_true", help="only runs flagged as outliers")
    add_service_arguments(parser)
    parser.add_argument("--json", action="store_true", help="print as JSON")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from orgmap.errors import OrgmapError

    with service_opener(args)() as svc:
        try:
            answer = svc.runs(args.agent, args.since, args.top, True if args.flagged else None)
        except OrgmapError as exc:
            print(f"orgmap: {exc.message}")
            return 2
    if args.json:
        print_json(answer)
        return 0
    rows = [[r.run_id, r.agent, f"{r.start:%m-%d %H:%M}", str(r.calls), str(r.retries), f"${r.cost_usd:,.4f}",
             ",".join(r.models), ",".join(r.flags) or "-"] for r in answer.items]
    if rows:
        print(table(["run", "agent", "start", "calls", "retries", "cost", "models", "flags"], rows))
    print(answer.summary)
    return 0
