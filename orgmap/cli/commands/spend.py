"""`orgmap spend`, `unattributed`, `changes` and `alerts`: an agent's spend over time, spend nobody owns, what
changed, and what fired."""

from __future__ import annotations

import argparse
from datetime import timedelta
from typing import TYPE_CHECKING

from orgmap.cli.common import add_service_arguments, ask, emit, table
from orgmap.wording import money

if TYPE_CHECKING:
    from orgmap.answer_types import AlertsAnswer, ChangesAnswer, SpendSeries, UnattributedAnswer

__all__ = ["register"]


def _show_spend(answer: SpendSeries) -> None:
    fmt = "%Y-%m-%d %H:%M" if answer.bucket == "hour" else "%Y-%m-%d"
    rows = [[f"{p.start:{fmt}}", money(p.cost_usd), f"{p.runs:,}", f"{p.calls:,}"] for p in answer.points]
    if rows:
        print(table([answer.bucket, "cost", "runs", "calls"], rows))
    emit(answer.summary)


def _show_unattributed(answer: UnattributedAnswer) -> None:
    rows = [[u.name, money(u.cost_usd), f"{u.calls:,}", f"{u.runs:,}"] for u in answer.items]
    if rows:
        print(table(["agent name", "cost", "calls", "runs"], rows))
    emit(answer.summary)


def _show_changes(answer: ChangesAnswer) -> None:
    for c in answer.items:
        emit(f"{c.ts:%Y-%m-%d %H:%M} {c.kind} {c.target}: {c.summary}" + (f" ({c.ref})" if c.ref else ""))
    emit(answer.summary)


def _show_alerts(answer: AlertsAnswer) -> None:
    """One line per alert: when it happened, and when it was recorded where that differs (a backfill's alerts); for
    an alert routed to people, how many of their addresses took it (`--json` has each delivery's state)."""
    for a in answer.items:
        recorded = "" if a.recorded_at - a.ts < timedelta(hours=1) else f" (recorded {a.recorded_at:%Y-%m-%d %H:%M})"
        taken = sum(d.delivered_at is not None for d in a.deliveries)
        routed = f" [delivered to {taken} of {len(a.deliveries)} addresses]" if a.deliveries else ""
        emit(f"{a.ts:%Y-%m-%d %H:%M}{recorded} {a.kind}: {a.message}{routed}")
    emit(answer.summary)


def _command(subparsers: argparse._SubParsersAction, name: str, text: str) -> argparse.ArgumentParser:
    parser: argparse.ArgumentParser = subparsers.add_parser(name, help=text, description=text[0].upper() + text[1:])
    add_service_arguments(parser)
    parser.add_argument("--json", action="store_true", help="print as JSON")
    return parser


def _run_spend(args: argparse.Namespace) -> int:
    return ask(args, lambda svc: svc.spend(args.agent, args.window, args.bucket), _show_spend)


def _run_unattributed(args: argparse.Namespace) -> int:
    return ask(args, lambda svc: svc.unattributed(args.window, args.limit), _show_unattributed)


def _run_changes(args: argparse.Namespace) -> int:
    return ask(args, lambda svc: svc.changes(args.target, args.since, args.kind, args.limit), _show_changes)


def _run_alerts(args: argparse.Namespace) -> int:
    return ask(args, lambda svc: svc.alerts(args.since, args.kind, args.limit), _show_alerts)


def register(subparsers: argparse._SubParsersAction) -> None:
    spend = _command(subparsers, "spend", "an agent's spend per hour or day")
    spend.add_argument("agent", metavar="AGENT", help="agent name, alias or path")
    spend.add_argument("--window", default="7d", help="window like 24h, 7d, 30d (default 7d)")
    spend.add_argument("--bucket", choices=("hour", "day"), default="day", help="hour or day (default day)")
    spend.set_defaults(func=_run_spend)

    unattributed = _command(subparsers, "unattributed", "spend under agent names no note carries, and unpriced "
                                                        "models; add each name to an agent's aliases or cost_keys")
    unattributed.add_argument("--window", default="7d", help="window like 24h, 7d, 30d (default 7d)")
    unattributed.add_argument("--limit", type=int, default=50, help="rows to show (default 50)")
    unattributed.set_defaults(func=_run_unattributed)

    changes = _command(subparsers, "changes", "change events (deploys, prompt, model, config changes, vault edits), "
                                              "newest first")
    changes.add_argument("--target", help="one node's changes (name, alias or path)")
    changes.add_argument("--since", default="30d", help="window like 24h, 7d, 30d (default 30d)")
    changes.add_argument("--kind", help="only changes of this kind (deploy, prompt, model, config...)")
    changes.add_argument("--limit", type=int, default=50, help="rows to show (default 50)")
    changes.set_defaults(func=_run_changes)

    alerts = _command(subparsers, "alerts", "alerts fired (budget thresholds, runaway runs, anomalies), newest first")
    alerts.add_argument("--since", default="7d", help="window like 24h, 7d, 30d (default 7d)")
    alerts.add_argument("--kind", choices=("budget", "run", "anomaly"), help="only alerts of this kind")
    alerts.add_argument("--limit", type=int, default=50, help="rows to show (default 50)")
    alerts.set_defaults(func=_run_alerts)
