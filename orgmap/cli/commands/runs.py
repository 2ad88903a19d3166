"""`orgmap runs`: the most expensive runs, one agent's or all, and runaway runs (`--flagged`)."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from orgmap.cli.common import add_service_arguments, ask, emit, table

if TYPE_CHECKING:
    from orgmap.answer_types import RunsAnswer

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


def _show(answer: RunsAnswer) -> None:
    rows = [[r.run_id, r.agent, f"{r.start:%m-%d %H:%M}", str(r.calls), str(r.retries), f"${r.cost_usd:,.4f}",
             ",".join(r.models), ",".join(r.flags) or "-"] for r in answer.items]
    if rows:
        print(table(["run", "agent", "start", "calls", "retries", "cost", "models", "flags"], rows))
    emit(answer.summary)


def run(args: argparse.Namespace) -> int:
    flagged = True if args.flagged else None
    return ask(args, lambda svc: svc.runs(args.agent, args.since, args.top, flagged), _show)
