"""`orgmap anomalies`: breaks in agents' run-rate, each explained in one sentence, and marking them handled."""

from __future__ import annotations

import argparse

from orgmap.commands.common import add_service_arguments, print_json, service_opener

__all__ = ["register", "run"]


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("anomalies", help="anomalies in agents' run-rate, and the change behind each",
                                   description="Detect breaks in each agent's own cost series and explain them "
                                               "with the recorded changes on the agent and what it depends on.")
    parser.add_argument("--since", default="7d", help="onsets within this window (default 7d)")
    parser.add_argument("--agent", help="one agent, in full detail")
    parser.add_argument("--state", help="only anomalies in this state (open, acknowledged, resolved_...)")
    parser.add_argument("--set", nargs=2, metavar=("ID", "STATE"), help="set an anomaly's state")
    parser.add_argument("--note", help="with --set: a note kept with the state")
    add_service_arguments(parser)
    parser.add_argument("--json", action="store_true", help="print as JSON")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from orgmap.errors import OrgmapError

    with service_opener(args)() as svc:
        try:
            if args.set:
                answer: object = svc.set_anomaly_state(args.set[0], args.set[1], args.note)
            elif args.agent:
                answer = svc.explain_cost_change(args.agent, args.since)
            else:
                answer = svc.anomalies(args.since, None, args.state, 50)
        except OrgmapError as exc:
            print(f"orgmap: {exc.message}")
            return 2
    if args.json:
        print_json(answer)
        return 0
    if args.set:
        print(f"{answer.id}: {answer.state}")  # type: ignore[attr-defined]
        return 0
    if args.agent:
        print(answer.summary)  # type: ignore[attr-defined]
        for anomaly in answer.anomalies:  # type: ignore[attr-defined]
            print(f"- [{anomaly.id}] {anomaly.sentence}")
            for cand in anomaly.candidates:
                print(f"    candidate {cand.change.kind} {cand.change.summary!r} (score {cand.score:.2f}): "
                      f"{'; '.join(cand.evidence)}")
        return 0
    for item in answer.items:  # type: ignore[attr-defined]
        flag = " (planned)" if item.suppressed else ""
        print(f"- [{item.id}] {item.state}{flag}: {item.sentence}")
    print(answer.summary)  # type: ignore[attr-defined]
    return 0
