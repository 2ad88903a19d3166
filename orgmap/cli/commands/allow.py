"""`orgmap allow AGENT`: the allowance check for scripts: exit 0 allow, 1 deny."""

from __future__ import annotations

import argparse

from orgmap.cli.common import add_service_arguments, ask, emit

__all__ = ["register", "run"]


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("allow", help="may AGENT spend now? exit 0 allow, 1 deny",
                                   description="The allowance check a runtime calls before it spends: per-run, "
                                               "hourly, daily, monthly, owner, project and client budgets, each "
                                               "pausing by its stages and the agent's criticality.")
    parser.add_argument("agent", metavar="AGENT", help="agent name, alias or path")
    parser.add_argument("--run", metavar="RUN_ID", help="also check this run's per-run budget")
    parser.add_argument("--project", help="also check this project's budget")
    parser.add_argument("--client", help="also check this client's budget")
    add_service_arguments(parser)
    parser.add_argument("--json", action="store_true", help="print as JSON")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    return ask(args, lambda svc: svc.allowance(args.agent, args.run, args.project, args.client),
               lambda a: emit(a.summary), status=lambda a: 0 if a.allowed else 1)
