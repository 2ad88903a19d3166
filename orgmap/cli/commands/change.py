"""`orgmap change`: record a change event (a deploy from CI, a prompt or model change) from the shell."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from orgmap.cli.common import add_service_arguments, ask, emit
from orgmap.errors import NotFound, OrgmapError

if TYPE_CHECKING:
    from orgmap.answer_types import IngestAnswer
    from orgmap.service import Service

__all__ = ["register", "run"]


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("change", help="record a change event (deploy, prompt, model, config...)",
                                   description="Record that TARGET changed, e.g. from a CI deploy step.")
    parser.add_argument("target", metavar="TARGET", help="the node that changed (name, alias or path)")
    parser.add_argument("kind", metavar="KIND",
                        help="deploy, prompt, model, config, schedule, dependency, release, commit or other")
    parser.add_argument("summary", metavar="SUMMARY", help="one line a person understands")
    parser.add_argument("--ref", help="commit, PR or release")
    parser.add_argument("--author")
    parser.add_argument("--at", metavar="TS", help="when (ISO 8601 with zone; default now)")
    parser.add_argument("--id", help="an idempotency key: the same id is stored once (CI retries)")
    parser.add_argument("--planned", action="store_true", help="a planned change: anomalies it explains don't alert")
    parser.add_argument("--force", action="store_true",
                        help="record it even though TARGET names no node yet (refused otherwise, with the closest "
                             "names)")
    add_service_arguments(parser)
    parser.add_argument("--json", action="store_true", help="print the result as JSON")
    parser.set_defaults(func=run)


def _show(answer: IngestAnswer) -> None:
    emit(answer.summary)
    for bad in answer.rejected:
        emit(f"  rejected: {bad.field}: {bad.message}")
    for name in answer.unattributed:
        emit(f"  note: {name!r} matches no note; the change is kept under that name")


def _record(svc: Service, args: argparse.Namespace) -> IngestAnswer:
    """The change the arguments describe, recorded; an unknown target's error also says how to record it anyway."""
    try:
        return svc.record_change(args.target, args.kind, args.summary, ts=args.at, ref=args.ref, author=args.author,
                                 planned=args.planned, id=args.id, force=args.force, source="cli")
    except NotFound as exc:
        raise OrgmapError(f"{exc.message} (--force records it anyway, for a node whose note is not written yet)",
                          field=exc.field) from None


def run(args: argparse.Namespace) -> int:
    return ask(args, lambda svc: _record(svc, args), _show, status=lambda a: 1 if a.rejected else 0)
