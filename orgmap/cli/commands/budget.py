"""`orgmap budget`: every budget against its limits, and the recent alerts."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from orgmap.cli.common import add_service_arguments, ask, emit, table
from orgmap.wording import money

if TYPE_CHECKING:
    from orgmap.answer_types import BudgetsAnswer

__all__ = ["register", "run"]


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("budget", help="budgets: spend against limits, and alerts",
                                   description="Show every budget (agents, owners, projects) against its limits.")
    add_service_arguments(parser)
    parser.add_argument("--json", action="store_true", help="print as JSON")
    parser.set_defaults(func=run)


def _show(answer: BudgetsAnswer) -> None:
    rows = [[f"{s.scope} {s.key}", p.period, money(p.spent), money(p.limit), f"{p.used_pct:.0f}%",
             money(p.remaining)] for s in answer.items for p in s.periods]
    if rows:
        print(table(["budget", "period", "spent", "limit", "used", "left"], rows))
    for alert in answer.alerts[-10:]:
        emit(f"alert {alert.ts:%Y-%m-%d %H:%M} {alert.message}")
    emit(answer.summary)


def run(args: argparse.Namespace) -> int:
    return ask(args, lambda svc: svc.budgets(limit=500), _show)
