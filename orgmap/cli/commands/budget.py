"""`orgmap budget`: every budget against its limits, and the recent alerts."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from orgmap.cli.common import add_service_arguments, ask, emit, table
from orgmap.wording import money

if TYPE_CHECKING:
    from ledger import PeriodStatus
    from orgmap.answer_types import BudgetsAnswer

__all__ = ["register", "run"]


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("budget", help="budgets: spend against limits, and alerts",
                                   description="Show every budget (agents, owners, projects, clients) against its "
                                               "limits, soonest to run out first: the burn rate, the spend "
                                               "projected to the period's end and when it runs out.")
    add_service_arguments(parser)
    parser.add_argument("--json", action="store_true", help="print as JSON")
    parser.set_defaults(func=run)


def _runs_out(period: PeriodStatus) -> str:
    if period.runs_out_at is None:
        return "" if period.burn_usd_per_day is None else "lasts"
    return "run out" if period.remaining <= 0 else f"{period.runs_out_at:%Y-%m-%d %H:00}"


def _show(answer: BudgetsAnswer) -> None:
    rows = [[f"{s.scope} {s.label or s.key}", p.period, money(p.spent), money(p.limit), f"{p.used_pct:.0f}%",
             money(p.remaining), "" if p.burn_usd_per_day is None else f"{money(p.burn_usd_per_day)} ({p.burn_window})",
             "" if p.projected_usd is None else money(p.projected_usd), _runs_out(p)]
            for s in answer.items for p in s.periods]
    if rows:
        print(table(["budget", "period", "spent", "limit", "used", "left", "burn/day", "projected", "runs out (UTC)"],
                    rows))
    for alert in answer.alerts[-10:]:
        emit(f"alert {alert.ts:%Y-%m-%d %H:%M} {alert.message}")
    emit(answer.summary)


def run(args: argparse.Namespace) -> int:
    return ask(args, lambda svc: svc.budgets(limit=500), _show)
