"""`orgmap costs`: a period's cost for chargeback (by agent, owner, team, client, project or model; shared costs
split through the graph) as a table, JSON, CSV or FOCUS; `orgmap reconcile`: tracked spend against the bill."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from orgmap.arguments import COST_BY, COST_FORMATS
from orgmap.cli.common import add_service_arguments, ask, emit, table, write_output
from orgmap.wording import money

if TYPE_CHECKING:
    from orgmap.answer_types import CostsAnswer, ReconcileAnswer
    from orgmap.service import Service

__all__ = ["add_period_arguments", "register", "run"]


def add_period_arguments(parser: argparse.ArgumentParser) -> None:
    """`--period` or `--from`/`--to`: the days a report covers (default: this month to date)."""
    parser.add_argument("--period", metavar="P", help="a month (2026-11) or a day (2026-11-05)")
    parser.add_argument("--from", dest="from_", metavar="DATE", help="first day, YYYY-MM-DD")
    parser.add_argument("--to", metavar="DATE", help="last day, included (default: today)")


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "costs", help="a period's cost for chargeback, as a table, JSON, CSV or FOCUS",
        description="Cost over a period grouped for chargeback: direct, allocated (shared nodes' cost split "
                    "through the dependency graph) and fully loaded per row, adding up to the total.")
    add_service_arguments(parser)
    add_period_arguments(parser)
    parser.add_argument("--by", default="agent", choices=COST_BY, help="how rows are grouped (default agent)")
    parser.add_argument("--format", default="table", choices=("table", *COST_FORMATS),
                        help="table (default), json, csv (every row), or focus (FOCUS 1.2 CSV, one row per day, "
                             "agent, service and model)")
    parser.add_argument("--no-allocation", dest="allocate", action="store_false",
                        help="leave shared nodes' cost on them instead of splitting it among their dependents")
    parser.add_argument("--limit", type=int, default=50, help="rows in the table or JSON (default 50)")
    parser.add_argument("-o", "--output", metavar="FILE", help="write csv or focus output to FILE")
    parser.add_argument("--json", action="store_true", help="the same as --format json")
    parser.set_defaults(func=run)
    bill = subparsers.add_parser(
        "reconcile", help="tracked spend against what providers billed, the gap explained by cause",
        description="Compare per-call spend with imported provider bills (OpenAI costs, Anthropic cost reports) per "
                    "provider, spender and day; explain the gap by cause.")
    add_service_arguments(bill)
    add_period_arguments(bill)
    bill.add_argument("--json", action="store_true", help="print as JSON")
    bill.set_defaults(func=run_reconcile)


def _show(answer: CostsAnswer) -> None:
    rows = [[r.name, money(r.direct_cost_usd), money(r.allocated_cost_usd), money(r.cost_usd), f"{r.calls:,}",
             f"{r.tokens:,}"] for r in answer.items]
    rows.append(["total", money(sum(r.direct_cost_usd for r in answer.items)),
                 money(sum(r.allocated_cost_usd for r in answer.items)), money(answer.total_cost_usd), "", ""])
    print(table([answer.by, "direct", "allocated", "cost", "calls", "tokens"], rows))
    for split in answer.splits:
        emit(f"{split.source.name}: {money(split.amount_usd)} split by {split.method} to "
             + ", ".join(f"{r.name} {r.fraction:.1%}" for r in split.receivers[:5]))
    emit(answer.summary, *(f"warning: {w}" for w in answer.warnings))


def run(args: argparse.Namespace) -> int:
    if args.format in ("csv", "focus"):
        def text(svc: Service) -> str:
            if args.format == "csv":
                return svc.costs_csv(args.period, args.from_, args.to, args.by, args.allocate)
            return svc.costs_focus_csv(args.period, args.from_, args.to, args.allocate)

        return ask(args, text, lambda data: write_output(data.encode(), args.output))
    args.json = args.json or args.format == "json"
    return ask(args, lambda svc: svc.costs(args.period, args.from_, args.to, args.by, args.allocate, args.limit),
               _show)


def _show_bill(answer: ReconcileAnswer) -> None:
    for p in answer.providers:
        pct = "" if p.gap_pct is None else f" ({p.gap_pct:+.1f}%)"
        emit(f"{p.provider}: billed {money(p.billed_usd)}, tracked {money(p.tracked_usd)}, gap {money(p.gap_usd)}{pct}")
        print(table(["cause", "amount", "detail"], [[c.cause, money(c.amount_usd), c.detail] for c in p.causes]))
        print(table(["spender", "billed", "tracked", "gap"],
                    [[s.name, money(s.billed_usd), money(s.tracked_usd), money(s.gap_usd)] for s in p.spenders[:10]]))
    emit(answer.summary, *(f"warning: {w}" for w in answer.warnings))


def run_reconcile(args: argparse.Namespace) -> int:
    return ask(args, lambda svc: svc.reconcile(args.period, args.from_, args.to), _show_bill)
