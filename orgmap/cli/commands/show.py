"""`orgmap show NAME`: one node with its owners, dependencies, dependents, links and spend; or its note."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from orgmap.cli.common import add_service_arguments, ask, emit
from orgmap.wording import money

if TYPE_CHECKING:
    from orgmap.answer_types import NodeDetail

__all__ = ["register", "run"]


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("show", help="show a node: owners, dependencies, dependents, links, spend",
                                   description="Show one node of the company graph by name, alias or path.")
    parser.add_argument("name", metavar="NAME", help="a node's name, alias, path or id")
    parser.add_argument("--markdown", action="store_true", help="print the node's note as it is in the vault")
    add_service_arguments(parser)
    parser.add_argument("--json", action="store_true", help="print as JSON")
    parser.set_defaults(func=run)


def _text(info: NodeDetail) -> None:
    lines = [f"{info.node.name}  ({info.node.kind})  {info.path or 'no note: a dangling link target'}"]
    if info.aliases:
        lines.append(f"  aliases: {', '.join(info.aliases)}")
    for owner in info.owners or []:
        via = f" (inherited from {owner.inherited_from})" if owner.inherited_from else ""
        teams = f" [teams: {', '.join(owner.teams)}]" if owner.teams else ""
        lines.append(f"  owner: {owner.id}{via}{teams}")
    if not info.owners:
        lines.append("  owner: nobody")
    lines += [f"  dependency: {d.relation} {d.id}" for d in info.dependencies]
    lines += [f"  dependent: {d.relation} {d.id}" for d in info.dependents]
    lines += [f"  link: links_to {n.id}" for n in info.links_out]
    lines += [f"  backlink: links_to {n.id}" for n in info.links_in]
    if info.spend:
        lines.append(f"  spend: {money(info.spend['cost_per_day'])}/day over {info.spend['window']}")
    emit(*lines)


def run(args: argparse.Namespace) -> int:
    if args.markdown:
        return ask(args, lambda svc: svc.note_markdown(args.name), lambda text: print(text, end=""))
    return ask(args, lambda svc: svc.node(args.name), _text)
