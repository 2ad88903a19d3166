"""`orgmap top`: the ranked run-rate table in the terminal."""

from __future__ import annotations

import argparse

from orgmap.commands.common import add_service_arguments, print_json, service_opener

__all__ = ["register", "run", "table"]


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("top", help="ranked run-rate: who spends what per day",
                                   description="Rank agents (or owners, teams, models...) by cost per day.")
    add_service_arguments(parser)
    parser.add_argument("--window", default="7d", help="window like 24h, 7d, 30d (default 7d)")
    parser.add_argument("--by", default="agent",
                        help="agent, owner, team, model, provider, client, project or kind (default agent)")
    parser.add_argument("--limit", type=int, default=20, help="rows to show (default 20)")
    parser.add_argument("--json", action="store_true", help="print as JSON")
    parser.set_defaults(func=run)


def _num(value: float | None, fmt: str) -> str:
    return "-" if value is None else format(value, fmt)


def table(headers: list[str], rows: list[list[str]]) -> str:
    """A plain left/right-aligned text table (numbers right-aligned).

    >>> print(table(["name", "cost"], [["a", "1.00"], ["bb", "10.00"]]))
    name   cost
    a      1.00
    bb    10.00
    """
    widths = [max(len(str(x)) for x in col) for col in zip(headers, *rows, strict=True)]
    numeric = [i > 0 and all(r[i][:1] in "$-+0123456789" for r in rows) for i in range(len(headers))]

    def line(cells: list[str]) -> str:
        return "  ".join(c.rjust(w) if numeric[i] else c.ljust(w) for i, (c, w) in enumerate(zip(cells, widths,
                         strict=True))).rstrip()

    return "\n".join([line(headers), *(line(r) for r in rows)])


def run(args: argparse.Namespace) -> int:
    from orgmap.errors import OrgmapError

    with service_opener(args)() as svc:
        try:
            answer = svc.run_rate(args.window, args.by, args.limit)
        except OrgmapError as exc:
            print(f"orgmap: {exc.message}")
            return 2
    if args.json:
        print_json(answer)
        return 0
    rows = [[i.name, f"${i.cost_per_day:,.2f}", _num(i.runs_per_day, ",.1f"),
             "-" if i.cost_per_1k_runs is None else f"${i.cost_per_1k_runs:,.2f}", _num(i.tokens_per_run, ",.0f"),
             f"${i.projected_month:,.0f}", "-" if i.change_pct is None else f"{i.change_pct:+.0f}%",
             "-" if i.budget_used_pct is None else f"{i.budget_used_pct:.0f}%", i.owner or ""] for i in answer.items]
    print(table([args.by, "cost/day", "runs/day", "per 1k runs", "tokens/run", "month", "change", "budget", "owner"],
                rows))
    print(answer.summary)
    return 0
