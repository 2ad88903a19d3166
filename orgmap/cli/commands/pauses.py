"""`orgmap pauses [AGENT]`: the agents a budget's pause stage holds, which budget and stage, and when it lifts."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from orgmap.cli.common import add_service_arguments, ask, emit, table

if TYPE_CHECKING:
    from orgmap.answer_types import PausesAnswer

__all__ = ["register", "run"]


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("pauses", help="agents paused by budgets, and when they resume",
                                   description="The agents a budget's pause stage holds now (or one agent's state): "
                                               "the budget, the stage and when the period ends.")
    parser.add_argument("agent", metavar="AGENT", nargs="?", help="one agent's state (name, alias or path)")
    add_service_arguments(parser)
    parser.add_argument("--json", action="store_true", help="print as JSON")
    parser.set_defaults(func=run)


def _show(answer: PausesAnswer) -> None:
    rows = [[item.name, item.criticality, f"{hold.scope} {hold.key}", hold.period, f"{hold.used_pct:.0f}%",
             f"{hold.stage:.0%}: {hold.level}", f"{hold.lifts_at:%Y-%m-%d %H:%M}" if hold.lifts_at else "rolling"]
            for item in answer.items for hold in item.held_by]
    if rows:
        print(table(["agent", "criticality", "budget", "period", "used", "stage", "lifts (UTC)"], rows))
    emit(answer.summary)


def run(args: argparse.Namespace) -> int:
    return ask(args, lambda svc: svc.pauses(args.agent, limit=500), _show)
