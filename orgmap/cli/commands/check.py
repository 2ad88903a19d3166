"""`orgmap check`: every problem in the vault with path and line; exit 1 when any is an error."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from orgmap.cli.common import add_vault_argument, ask_vault, emit

if TYPE_CHECKING:
    from orgmap.answer_types import Diagnostics

__all__ = ["register", "run"]


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("check", help="list vault problems: bad notes, broken links, unowned agents",
                                   description="List every problem in the vault (and every budget, runs or anomaly "
                                               "setting orgmap cannot apply); exit 1 when there are errors.")
    add_vault_argument(parser)
    parser.add_argument("--severity", choices=("error", "warning"), help="only problems of this severity")
    parser.add_argument("--json", action="store_true", help="print the problems as JSON")
    parser.set_defaults(func=run)


def _show(answer: Diagnostics) -> None:
    for p in answer.items:
        where = f"{p.path}:{p.line}" if p.line else p.path
        emit(f"{where}: {p.severity}: {p.message} [{p.code}]")
    emit(f"{answer.notes} notes: {answer.errors} errors, {answer.warnings} warnings")


def run(args: argparse.Namespace) -> int:
    return ask_vault(args, lambda svc: svc.check(limit=1_000_000, severity=args.severity), _show,
                     status=lambda a: 1 if a.errors else 0)
