"""`orgmap anomalies`: breaks in agents' run-rate, each explained in one sentence, and marking them handled."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from orgmap.cli.common import add_service_arguments, ask, emit

if TYPE_CHECKING:
    from orgmap.answer_types import AnomaliesAnswer, AnomalyExplanation

__all__ = ["register", "run"]


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("anomalies", help="anomalies in agents' run-rate, and the change behind each",
                                   description="Detect breaks in each agent's own cost series and explain them "
                                               "with the recorded changes on the agent and what it depends on.")
    parser.add_argument("--since", default="7d", help="ended anomalies with onset within this window (default 7d); "
                                                      "those still going are listed whatever their onset")
    parser.add_argument("--agent", help="one agent, in full detail")
    parser.add_argument("--state", help="only anomalies in this state (open, acknowledged, resolved_...)")
    parser.add_argument("--set", nargs=2, metavar=("ID", "STATE"), help="set an anomaly's state")
    parser.add_argument("--note", help="with --set: a note kept with the state")
    add_service_arguments(parser)
    parser.add_argument("--json", action="store_true", help="print as JSON")
    parser.set_defaults(func=run)


def _show_explanation(answer: AnomalyExplanation) -> None:
    emit(answer.summary)
    for anomaly in answer.anomalies:
        emit(f"- [{anomaly.id}] {anomaly.sentence}")
        for cand in anomaly.candidates:
            emit(f"    candidate {_change(cand.change.id, cand.change.ref)} {cand.change.kind} {cand.change.summary!r} "
                 f"(score {cand.score:.2f}): {'; '.join(cand.evidence)}")
        if (fix := anomaly.fix) is not None:
            emit(f"    likely fix {_change(fix.id, fix.ref)} {fix.kind} {fix.summary!r}")


def _change(change_id: str | None, ref: str | None) -> str:
    """A change as a script follows it: its id, and its ref (the commit, the deploy id) when it has one."""
    return f"[{change_id}{f' ref {ref}' if ref else ''}]"


def _show_list(answer: AnomaliesAnswer) -> None:
    for item in answer.items:
        flag = " (planned)" if item.suppressed else ""
        ended = "" if item.end is None else f", ended {item.end:%Y-%m-%d %H:%M}"
        cause = "" if item.cause_id is None else f" cause {_change(item.cause_id, item.cause_ref)}"
        fix = "" if item.fix_id is None else f" fix {_change(item.fix_id, item.fix_ref)}"
        emit(f"- [{item.id}] {item.state}{ended}{flag}: {item.sentence}{cause}{fix}")
    emit(answer.summary)


def run(args: argparse.Namespace) -> int:
    if args.set:
        return ask(args, lambda svc: svc.set_anomaly_state(args.set[0], args.set[1], args.note),
                   lambda a: emit(f"{a.id}: {a.state}"))
    if args.agent:
        return ask(args, lambda svc: svc.explain_cost_change(args.agent, args.since), _show_explanation)
    return ask(args, lambda svc: svc.anomalies(args.since, None, args.state, 50), _show_list)
