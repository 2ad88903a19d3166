"""`orgmap owners`, `dependencies`, `dependents`, `find` and `portfolio`: the graph questions, in the terminal."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from orgmap.cli.common import add_service_arguments, add_vault_argument, ask, ask_vault, emit, table
from orgmap.wording import money

if TYPE_CHECKING:
    from collections.abc import Sequence

    from orgmap.answer_types import BlastRadius, NodePage, OwnerRef, Owners, Portfolio

__all__ = ["register"]


def _money(value: float | None) -> str:
    return "-" if value is None else money(value)


def _owner_lines(owners: Sequence[OwnerRef], indent: str = "") -> None:
    for o in owners:
        via = f" (inherited from {o.inherited_from})" if o.inherited_from else ""
        teams = f" [teams: {', '.join(o.teams)}]" if o.teams else ""
        lead = f" [lead: {o.lead}]" if o.lead else ""
        members = f" [members: {', '.join(o.members)}]" if o.members else ""
        emit(f"{indent}{o.id} ({o.kind}){via}{teams}{lead}{members}")


def _show_owners(answer: Owners) -> None:
    _owner_lines(answer.owners)
    for c in answer.candidates:
        emit(f"{c.id} ({c.kind}):")
        _owner_lines(c.owners, "  ")
    emit(answer.summary)


def _show_reach(answer: BlastRadius) -> None:
    rows = [[r.id, r.kind, str(r.depth), r.relation, r.via, _money(r.cost_per_day)] for r in answer.items]
    if rows:
        print(table(["node", "kind", "hops", "relation", "via", "cost/day"], rows))
    emit(answer.summary)


def _show_nodes(answer: NodePage) -> None:
    for n in answer.items:
        emit(f"{n.id} ({n.kind})")
    emit(answer.summary)


def _show_portfolio(answer: Portfolio) -> None:
    rows = [[i.id, i.kind, i.inherited_from or i.via_team or "direct", _money(i.cost_per_day)] for i in answer.items]
    if rows:
        print(table(["node", "kind", "owned", "cost/day"], rows))
    emit(answer.summary)


def _command(subparsers: argparse._SubParsersAction, name: str, text: str, *, store: bool) -> argparse.ArgumentParser:
    """A question command: the vault options (and the store's, when its answer has spend) and `--json`."""
    parser: argparse.ArgumentParser = subparsers.add_parser(name, help=text, description=text[0].upper() + text[1:])
    (add_service_arguments if store else add_vault_argument)(parser)
    parser.add_argument("--json", action="store_true", help="print as JSON")
    return parser


def _run_owners(args: argparse.Namespace) -> int:
    return ask_vault(args, lambda svc: svc.owners_of(args.name), _show_owners)


def _run_dependencies(args: argparse.Namespace) -> int:
    return ask(args, lambda svc: svc.dependencies_of(args.name, args.depth, args.limit, None, args.window),
               _show_reach)


def _run_dependents(args: argparse.Namespace) -> int:
    return ask(args, lambda svc: svc.dependents_of(args.name, args.depth, args.limit, None, args.window),
               _show_reach)


def _run_find(args: argparse.Namespace) -> int:
    return ask_vault(args, lambda svc: svc.find(args.query, args.kind, args.limit), _show_nodes)


def _run_portfolio(args: argparse.Namespace) -> int:
    return ask(args, lambda svc: svc.portfolio_of(args.owner, args.window, args.limit), _show_portfolio)


def register(subparsers: argparse._SubParsersAction) -> None:
    owners = _command(subparsers, "owners", "who owns a node: explicit, else inherited through part_of",
                      store=False)
    owners.add_argument("name", metavar="NAME", help="a node's name, alias, path or id")
    owners.set_defaults(func=_run_owners)

    for name, run, depth, text in (
        ("dependencies", _run_dependencies, 1, "what a node depends on (depends_on, uses, integrates_with, model)"),
        ("dependents", _run_dependents, 2, "what depends on a node: its blast radius, with the spend at stake"),
    ):
        reach = _command(subparsers, name, text, store=True)
        reach.add_argument("name", metavar="NAME", help="a node's name, alias, path or id")
        reach.add_argument("--depth", type=int, default=depth, help=f"hops to follow, 1 to 6 (default {depth})")
        reach.add_argument("--window", default="7d", help="spend window like 24h, 7d (default 7d)")
        reach.add_argument("--limit", type=int, default=100, help="rows to show (default 100)")
        reach.set_defaults(func=run)

    find = _command(subparsers, "find", "find nodes whose name, alias or id contains QUERY", store=False)
    find.add_argument("query", metavar="QUERY", nargs="?", default="", help="text to look for (empty: all nodes)")
    find.add_argument("--kind", help="only nodes of this kind (agent, tool, integration, person, team...)")
    find.add_argument("--limit", type=int, default=100, help="rows to show (default 100)")
    find.set_defaults(func=_run_find)

    folio = _command(subparsers, "portfolio", "what a person or team owns (directly, through part_of, through a "
                                              "person's teams), with spend per day", store=True)
    folio.add_argument("owner", metavar="OWNER", help="a person or team")
    folio.add_argument("--window", default="7d", help="spend window like 24h, 7d (default 7d)")
    folio.add_argument("--limit", type=int, default=100, help="rows to show (default 100)")
    folio.set_defaults(func=_run_portfolio)
