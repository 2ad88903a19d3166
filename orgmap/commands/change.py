"""`orgmap change`: record a change event (a deploy from CI, a prompt or model change) from the shell."""

from __future__ import annotations

import argparse

from orgmap.commands.common import add_service_arguments, print_json, service_opener

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
    parser.add_argument("--planned", action="store_true", help="a planned change: anomalies it explains don't alert")
    add_service_arguments(parser)
    parser.add_argument("--json", action="store_true", help="print the result as JSON")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    with service_opener(args)() as svc:
        node = svc.graph.lookup(args.target)
        event = {"target": node or args.target, "kind": args.kind, "summary": args.summary,
                 "ts": args.at or svc.clock().isoformat(), "planned": args.planned, "source": "cli"}
        event.update({k: v for k, v in (("ref", args.ref), ("author", args.author)) if v})
        answer = svc.record_changes([event], source="cli")
    if args.json:
        print_json(answer)
    else:
        print(answer.summary)
        for bad in answer.rejected:
            print(f"  rejected: {bad.field}: {bad.message}")
        if node is None:
            print(f"  note: {args.target!r} matches no note; the change is kept under that name")
    return 1 if answer.rejected else 0
