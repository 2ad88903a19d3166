"""The graph questions of the service: find, show, owners, dependencies, blast radius, portfolio, diagnostics,
export. They need only the graph; with spend figures (`SpendFigures`) they add each node's cost per day."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from graph import queries
from graph.export import to_graphml, to_node_link
from orgmap.allocation import cost_problems
from orgmap.answer_types import (
    BlastRadius,
    Diagnostics,
    NodeDetail,
    NodePage,
    NodeRef,
    OwnerCandidate,
    OwnerRef,
    Owners,
    Portfolio,
    PortfolioItem,
    ProblemOut,
    Reached,
)
from orgmap.arguments import DEPTH, SEVERITIES
from orgmap.errors import InvalidArgument, NotFound
from orgmap.nodes import node_ref, resolve, resolve_or_meant
from orgmap.paging import page, parse_window
from orgmap.rounding import cents
from orgmap.vault_settings import locate, read_settings

if TYPE_CHECKING:
    import networkx as nx

    from graph import CompanyGraph

__all__ = ["GraphAnswers", "SpendFigures"]



class SpendFigures(Protocol):
    """The spend figures graph answers show beside nodes (`SpendAnswers` has them; without a store there are none)."""

    def cost_per_day(self, node_ids: Sequence[str], window: timedelta) -> dict[str, float]: ...
    def spend_brief(self, node: str) -> dict[str, Any] | None: ...


def _names(items: Sequence[NodeRef], most: int = 3) -> str:
    shown = ", ".join(i.name for i in items[:most])
    return shown + (f" and {len(items) - most} more" if len(items) > most else "")


def _owner_refs(g: nx.MultiDiGraph, node: str) -> list[OwnerRef]:
    """A node's owners as answers show them: a person with their teams, a team with its lead and members."""
    found = []
    for o in queries.owners(g, node):
        team = g.nodes[o.node].get("kind") == "team"
        lead = queries.related(g, o.node, "lead")[:1] if team else []
        members = queries.related(g, o.node, "has_member") if team else []
        found.append(OwnerRef(**node_ref(g, o.node).model_dump(), inherited_from=o.inherited_from,
                              teams=list(o.teams), lead=lead[0] if lead else None, members=members))
    return found


def _owned_by(name: str, owners: Sequence[OwnerRef]) -> str:
    """"X is owned by A and B (inherited from Y)", or that it has none."""
    if not owners:
        return f"{name} has no owner (none explicit, none inherited through part_of)"
    how = f" (inherited from {owners[0].inherited_from})" if owners[0].inherited_from else ""
    return f"{name} is owned by {_names(list(owners))}{how}"


class GraphAnswers:
    """Questions about the company graph of one vault."""

    def __init__(self, graph: CompanyGraph, vault: Path, spend: SpendFigures | None = None) -> None:
        self.graph = graph
        self.vault = vault
        self.spend = spend

    def _cost_per_day(self, node_ids: list[str], window: str) -> dict[str, float]:
        span = parse_window(window)
        return self.spend.cost_per_day(node_ids, span) if self.spend is not None and node_ids else {}

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
        """Who owns a node: explicit `owner`, else inherited through `part_of`; a person's teams, a team's lead and
        members included. A name no node carries that a few nodes' names contain word for word (`meant`) answers
        with those candidates, each with its owners."""
        nodes, exact = resolve_or_meant(self.graph, name)
        with self.graph.read() as g:
            found = [OwnerCandidate(**node_ref(g, n).model_dump(), owners=_owner_refs(g, n)) for n in nodes]
        if exact:
            one = found[0]
            ref = NodeRef(id=one.id, name=one.name, kind=one.kind)
            return Owners(summary=_owned_by(one.name, one.owners), node=ref, owners=one.owners)
        summary = (f"no node is called {name!r}; {len(found)} match it: "
                   + "; ".join(_owned_by(c.name, c.owners) for c in found))
        return Owners(summary=summary, node=None, owners=[], candidates=found)

    def _reach(self, name: str, depth: int, forward: bool, limit: int, cursor: str | None,
               window: str) -> BlastRadius:
        if not DEPTH[0] <= depth <= DEPTH[1]:
            raise InvalidArgument(f"depth must be between {DEPTH[0]} and {DEPTH[1]}", field="depth")
        node = resolve(self.graph, name)
        walk = queries.dependencies if forward else queries.dependents
        with self.graph.read() as g:
            hops = walk(g, node, depth)
            refs = {h.node: node_ref(g, h.node) for h in hops}
            owners = {h.node: [o.node for o in queries.owners(g, h.node)] for h in hops}
            ref = node_ref(g, node)
        spend = self._cost_per_day([h.node for h in hops], window)
        reached = [Reached(**refs[h.node].model_dump(), depth=h.depth, relation=h.relation, via=h.via,
                           cost_per_day=spend.get(h.node), owners=owners[h.node]) for h in hops]
        at_stake = cents(sum(r.cost_per_day or 0.0 for r in reached))  # the rows' cents, so they add up to it
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
        node = resolve(self.graph, owner, what="owner", field="owner")
        with self.graph.read() as g:
            owned = queries.portfolio(g, node)
            refs = {o.node: node_ref(g, o.node) for o in owned}
            ref = node_ref(g, node)
        spend = self._cost_per_day([o.node for o in owned], window)
        items = [PortfolioItem(**refs[o.node].model_dump(), inherited_from=o.inherited_from, via_team=o.via_team,
                               cost_per_day=spend.get(o.node, 0.0)) for o in owned]
        items.sort(key=lambda i: (-i.cost_per_day, i.id))
        total = cents(sum(i.cost_per_day for i in items))  # the rows' cents, so they add up to it
        chunk, nxt = page(items, limit, cursor)
        agents = sum(1 for i in items if i.kind == "agent")
        summary = f"{ref.name} owns {len(items)} nodes ({agents} agents) spending ${total:,.2f}/day over {window}"
        return Portfolio(summary=summary, owner=ref, window=window, total=len(items), cost_per_day=total,
                         items=chunk, next_cursor=nxt)

    def node(self, name: str) -> NodeDetail:
        """One node: properties, owners, dependencies, dependents, links in and out, and its spend (7 days)."""
        node = resolve(self.graph, name)
        deps = self.dependencies_of(node, depth=1, limit=50)
        users = self.dependents_of(node, depth=1, limit=50)
        with self.graph.read() as g:
            ref = node_ref(g, node)
            owners = _owner_refs(g, node)
            data = dict(g.nodes[node])
            edges_out: Iterable[tuple[str, str, str | None]] = g.out_edges(node, data="relation")
            edges_in: Iterable[tuple[str, str, str | None]] = g.in_edges(node, data="relation")
            out = {v for _, v, relation in edges_out if relation == "links_to"}
            into = {u for u, _, relation in edges_in if relation == "links_to"}
            links_out = [node_ref(g, n) for n in sorted(out)]
            links_in = [node_ref(g, n) for n in sorted(into)]
        spend = self.spend.spend_brief(node) if self.spend is not None and data.get("kind") == "agent" else None
        reserved = {"name", "kind", "aliases", "tags", "path"}
        summary = f"{ref.name} ({ref.kind}). {_owned_by(ref.name, owners)}."
        if spend:
            summary += f" Spends ${spend['cost_per_day']:,.2f}/day over 7 days."
        return NodeDetail(summary=summary, node=ref, path=data.get("path"), aliases=list(data.get("aliases", [])),
                          tags=list(data.get("tags", [])),
                          properties={k: v for k, v in data.items() if k not in reserved},
                          owners=owners, dependencies=deps.items, dependents=users.items,
                          links_out=links_out, links_in=links_in, spend=spend)

    def check(self, limit: int = 50, cursor: str | None = None, severity: str | None = None) -> Diagnostics:
        """Vault diagnostics: bad YAML, unreadable files, dangling links, ambiguous names, unowned agents."""
        if severity is not None and severity not in SEVERITIES:
            raise InvalidArgument(f"severity must be one of {', '.join(SEVERITIES)}; got {severity!r}",
                                  field="severity")
        with self.graph.read() as g:
            issues = read_settings(g, self.graph.lookup).issues
            problems = sorted([*self.graph.problems, *locate(issues, self.vault), *cost_problems(g)])
            notes = len(self.graph.notes)
        errors = sum(1 for p in problems if p.severity == "error")
        warnings = len(problems) - errors
        shown = [p for p in problems if severity is None or p.severity == severity]
        chunk, nxt = page(shown, limit, cursor)
        items = [ProblemOut(path=p.path, line=p.line, severity=p.severity, code=p.code, message=p.message)
                 for p in chunk]
        summary = f"{errors} errors and {warnings} warnings in {notes} notes"
        return Diagnostics(summary=summary, notes=notes, errors=errors, warnings=warnings, total=len(shown),
                           items=items, next_cursor=nxt)

    def graph_data(self) -> dict[str, Any]:
        """The whole graph as networkx node-link JSON (`nodes` and `edges`; edges carry `relation`)."""
        with self.graph.read() as g:
            return to_node_link(g)

    def graph_graphml(self) -> bytes:
        """The whole graph as GraphML (attributes made scalar), for graph tools such as Gephi or yEd."""
        with self.graph.read() as g:
            return to_graphml(g)

    def note_markdown(self, name: str) -> str:
        """The Markdown of a node's note, read from inside the vault only; a note that is not UTF-8 text (a binary
        file `check` reports) is refused, not served as mojibake."""
        node = resolve(self.graph, name)
        with self.graph.read() as g:
            rel = g.nodes[node].get("path")
        if not rel:
            raise NotFound("note", name, [], field="name")
        root = self.vault.resolve()
        path = (root / rel).resolve()
        if not path.is_relative_to(root):
            raise NotFound("note", name, [], field="name")
        try:
            text: str | None = path.read_bytes().decode("utf-8")
        except UnicodeDecodeError:
            text = None
        if text is None or "\x00" in text:
            raise InvalidArgument(f"{rel} is not a text note (binary, or not UTF-8); `orgmap check` lists it",
                                  field="name")
        return text
