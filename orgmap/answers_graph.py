"""The graph questions of the service: find, show, owners, dependencies, blast radius, portfolio, diagnostics."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from networkx.readwrite import json_graph

from graph import queries
from orgmap.errors import InvalidArgument, NotFound
from orgmap.models import (
    BlastRadius,
    Diagnostics,
    NodeDetail,
    NodePage,
    NodeRef,
    OwnerRef,
    Owners,
    Portfolio,
    PortfolioItem,
    ProblemOut,
    Reached,
)
from orgmap.paging import page, parse_window

if TYPE_CHECKING:
    from graph import CompanyGraph
    from vault.problems import Problem

__all__ = ["GraphAnswers", "node_ref"]

_MAX_DEPTH = 6


def node_ref(g: Any, node: str) -> NodeRef:
    data = g.nodes[node]
    return NodeRef(id=node, name=str(data.get("name", node)), kind=str(data.get("kind", "note")))


def _names(items: list[NodeRef], most: int = 3) -> str:
    shown = ", ".join(i.name for i in items[:most])
    return shown + (f" and {len(items) - most} more" if len(items) > most else "")


class GraphAnswers:
    """Mixin of the service; uses `self.graph`, and `cost_per_day` / `spend_brief` of `SpendAnswers`."""

    graph: CompanyGraph
    vault: Any
    settings_problems: list[Problem]
    cost_per_day: Callable[[list[str], timedelta], dict[str, float]]
    spend_brief: Callable[[str], dict[str, Any] | None]

    def resolve(self, name: str, *, what: str = "node", field: str = "name") -> str:
        """The node id `name` means (id, path, file name or alias; any case), else NotFound with close matches."""
        with self.graph.read():
            node = self.graph.lookup(name)
            if node is None:
                raise NotFound(what, name, self.graph.suggest(name), field=field)
            return node

    def find(self, q: str = "", kind: str | None = None, limit: int = 20, cursor: str | None = None) -> NodePage:
        """Nodes whose name, alias or id contains `q` (all nodes when empty), exact matches first."""
        with self.graph.read() as g:
            if q.strip():
                found = queries.find(g, q, kind)
            else:
                found = sorted(n for n, k in g.nodes(data="kind") if kind is None or k == kind.lower())
            chunk, nxt = page(found, limit, cursor)
            items = [node_ref(g, n) for n in chunk]
        what = f"matching {q!r}" if q.strip() else "in the vault"
        kind_text = f" of kind {kind}" if kind else ""
        return NodePage(summary=f"{len(found)} nodes{kind_text} {what}", total=len(found), items=items,
                        next_cursor=nxt)

    def owners_of(self, name: str) -> Owners:
        """Who owns a node: explicit `owner`, else inherited through `part_of`; a person's teams included."""
        node = self.resolve(name)
        with self.graph.read() as g:
            found = [OwnerRef(**node_ref(g, o.node).model_dump(), inherited_from=o.inherited_from, teams=list(o.teams))
                     for o in queries.owners(g, node)]
            ref = node_ref(g, node)
        if not found:
            summary = f"{ref.name} has no owner (none explicit, none inherited through part_of)"
        else:
            how = f" (inherited from {found[0].inherited_from})" if found[0].inherited_from else ""
            summary = f"{ref.name} is owned by {_names(list(found))}{how}"
        return Owners(summary=summary, node=ref, owners=found)

    def _reach(self, name: str, depth: int, forward: bool, limit: int, cursor: str | None,
               window: str) -> BlastRadius:
        if not 1 <= depth <= _MAX_DEPTH:
            raise InvalidArgument(f"depth must be between 1 and {_MAX_DEPTH}", field="depth")
        node = self.resolve(name)
        walk = queries.dependencies if forward else queries.dependents
        with self.graph.read() as g:
            hops = walk(g, node, depth)
            refs = {h.node: node_ref(g, h.node) for h in hops}
            ref = node_ref(g, node)
        spend = self.cost_per_day([h.node for h in hops], parse_window(window))
        reached = [Reached(**refs[h.node].model_dump(), depth=h.depth, relation=h.relation, via=h.via,
                           cost_per_day=spend.get(h.node)) for h in hops]
        at_stake = round(sum(spend.values()), 6)
        chunk, nxt = page(reached, limit, cursor)
        direction = "dependencies" if forward else "dependents"
        if forward:
            summary = f"{ref.name} depends on {len(reached)} nodes within {depth} hops"
        else:
            agents = sum(1 for r in reached if r.kind == "agent")
            summary = (f"{len(reached)} nodes depend on {ref.name} within {depth} hops ({agents} agents, "
                       f"${at_stake:,.2f}/day of spend at stake)")
        return BlastRadius(summary=summary, node=ref, direction=direction, depth=depth, total=len(reached),
                           cost_per_day_at_stake=at_stake, items=chunk, next_cursor=nxt)

    def dependencies_of(self, name: str, depth: int = 1, limit: int = 25, cursor: str | None = None,
                        window: str = "7d") -> BlastRadius:
        """What a node depends on (depends_on, uses, integrates_with, model), to `depth` hops."""
        return self._reach(name, depth, True, limit, cursor, window)

    def dependents_of(self, name: str, depth: int = 2, limit: int = 25, cursor: str | None = None,
                      window: str = "7d") -> BlastRadius:
        """What depends on a node, to `depth` hops: its blast radius, with the spend per day at stake."""
        return self._reach(name, depth, False, limit, cursor, window)

    def portfolio_of(self, owner: str, window: str = "7d", limit: int = 25,
                     cursor: str | None = None) -> Portfolio:
        """Everything a person or team owns (directly, by inheritance, via a person's teams), with spend/day."""
        node = self.resolve(owner, what="owner", field="owner")
        with self.graph.read() as g:
            owned = queries.portfolio(g, node)
            refs = {o.node: node_ref(g, o.node) for o in owned}
            ref = node_ref(g, node)
        spend = self.cost_per_day([o.node for o in owned], parse_window(window))
        items = [PortfolioItem(**refs[o.node].model_dump(), inherited_from=o.inherited_from, via_team=o.via_team,
                               cost_per_day=spend.get(o.node, 0.0)) for o in owned]
        items.sort(key=lambda i: (-i.cost_per_day, i.id))
        total = round(sum(i.cost_per_day for i in items), 6)
        chunk, nxt = page(items, limit, cursor)
        agents = sum(1 for i in items if i.kind == "agent")
        summary = f"{ref.name} owns {len(items)} nodes ({agents} agents) spending ${total:,.2f}/day over {window}"
        return Portfolio(summary=summary, owner=ref, window=window, total=len(items), cost_per_day=total,
                         items=chunk, next_cursor=nxt)

    def node(self, name: str) -> NodeDetail:
        """One node: properties, owners, dependencies, dependents, links in and out, and its spend (7 days)."""
        node = self.resolve(name)
        who = self.owners_of(node)
        deps = self.dependencies_of(node, depth=1, limit=50)
        users = self.dependents_of(node, depth=1, limit=50)
        with self.graph.read() as g:
            data = dict(g.nodes[node])
            out = {v for _, v, r in g.out_edges(node, data="relation") if r == "links_to"}
            into = {u for u, _, r in g.in_edges(node, data="relation") if r == "links_to"}
            links_out = [node_ref(g, n) for n in sorted(out)]
            links_in = [node_ref(g, n) for n in sorted(into)]
        spend = self.spend_brief(node) if data.get("kind") == "agent" else None
        reserved = {"name", "kind", "aliases", "tags", "path"}
        summary = f"{who.node.name} ({who.node.kind}). {who.summary}."
        if spend:
            summary += f" Spends ${spend['cost_per_day']:,.2f}/day over 7 days."
        return NodeDetail(summary=summary, node=who.node, path=data.get("path"), aliases=list(data.get("aliases", [])),
                          tags=list(data.get("tags", [])),
                          properties={k: v for k, v in data.items() if k not in reserved},
                          owners=who.owners, dependencies=deps.items, dependents=users.items,
                          links_out=links_out, links_in=links_in, spend=spend)

    def check(self, limit: int = 50, cursor: str | None = None, severity: str | None = None) -> Diagnostics:
        """Vault diagnostics: bad YAML, unreadable files, dangling links, ambiguous names, unowned agents."""
        with self.graph.read():
            problems = sorted([*self.graph.problems, *self.settings_problems])
        errors = sum(1 for p in problems if p.severity == "error")
        warnings = len(problems) - errors
        shown = [p for p in problems if severity is None or p.severity == severity]
        chunk, nxt = page(shown, limit, cursor)
        items = [ProblemOut(**p.to_dict()) for p in chunk]
        summary = f"{errors} errors and {warnings} warnings in the vault"
        return Diagnostics(summary=summary, errors=errors, warnings=warnings, total=len(shown), items=items,
                           next_cursor=nxt)

    def graph_data(self) -> dict[str, Any]:
        """The whole graph as networkx node-link JSON (edges carry `relation`)."""
        with self.graph.read() as g:
            return json_graph.node_link_data(g, edges="links")

    def note_markdown(self, name: str) -> str:
        """The Markdown of a node's note, read from inside the vault only."""
        node = self.resolve(name)
        with self.graph.read() as g:
            rel = g.nodes[node].get("path")
        if not rel:
            raise NotFound("note", name, [], field="name")
        root = self.vault.resolve()
        path = (root / rel).resolve()
        if not path.is_relative_to(root):
            raise NotFound("note", name, [], field="name")
        return path.read_text(encoding="utf-8", errors="replace")
