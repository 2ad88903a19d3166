"""`orgmap top`: the ranked run-rate table in the terminal."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from orgmap.cli.common import add_service_arguments, ask, emit, table
from orgmap.wording import money

if TYPE_CHECKING:
    from orgmap.answer_types import RunRateAnswer

__all__ = ["register", "run"]


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("top", help="ranked run-rate: who spends what per day",
                                   description="Rank agents (or owners, teams, models...) by cost per day.")
    add_service_arguments(parser)
    parser.add_argument("--window", default="7d", help="window like 24h, 7d, 30d (default 7d)")
    parser.add_argument("--by", default="agent",
                        help="agent, owner, team, model, provider, client, project or kind (default agent)")
    parser.add_argument("--limit", type=int, default=20, help="rows to show (default 20)")
    parser.add_argument("--model", help="only spend on this model (every figure of that slice)")
    parser.add_argument("--client", help="only this client's spend")
    parser.add_argument("--project", help="only this project's spend")
    parser.add_argument("--json", action="store_true", help="print as JSON")
    parser.set_defaults(func=run)


def _num(value: float | None, fmt: str) -> str:
    return "-" if value is None else format(value, fmt)


def _show(answer: RunRateAnswer) -> None:
    rows = [[i.name, money(i.cost_per_day), _num(i.runs_per_day, ",.1f"),
             "-" if i.cost_per_1k_runs is None else money(i.cost_per_1k_runs), _num(i.tokens_per_run, ",.0f"),
             money(i.projected_month), "-" if i.change_pct is None else f"{i.change_pct:+.0f}%",
             "-" if i.budget_used_pct is None else f"{i.budget_used_pct:.0f}%", i.owner or ""] for i in answer.items]
    print(table([answer.by, "cost/day", "runs/day", "per 1k runs", "tokens/run", "month", "change", "budget",
                 "owner"], rows))
    emit(answer.summary)


def run(args: argparse.Namespace) -> int:
    return ask(args, lambda svc: svc.run_rate(args.window, args.by, args.limit, model=args.model, client=args.client,
                                              project=args.project), _show)
