"""Money out, as the service answers it: cost reports for chargeback (grouped, shared costs split through the graph,
as JSON, CSV or FOCUS) and the reconciliation of tracked spend with providers' bills (`orgmap.reconcile`).

It reads the ledger (`ledger.costs`) and the graph once per question and leaves the figures to pure functions:
`orgmap.allocation` (who carries a shared node's cost), `orgmap.chargeback` (rows that add up), `orgmap.focus`.
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from graph import queries
from orgmap.allocation import Split, allocate, fixed_costs
from orgmap.answer_types import CostRow, CostsAnswer, ReconcileAnswer, ShareOut, SplitOut
from orgmap.arguments import COST_BY
from orgmap.chargeback import UNATTRIBUTED, Charge, Grouped, Share, group_rows, rounded, shares, usage_charges
from orgmap.errors import InvalidArgument
from orgmap.focus import FOCUS_COLUMNS, as_csv_value, focus_rows
from orgmap.nodes import node_ref
from orgmap.paging import page
from orgmap.periods import Period, month_days, parse_period
from orgmap.reconcile_answers import reconcile_answer
from orgmap.rounding import cents
from orgmap.wording import money

if TYPE_CHECKING:
    import networkx as nx

    from graph import CompanyGraph
    from ledger import Ledger

__all__ = ["CSV_COLUMNS", "CostAnswers"]

CSV_COLUMNS = ("key", "name", "kind", "direct_cost_usd", "allocated_cost_usd", "cost_usd", "calls", "tokens",
               "unpriced_events")
GroupOf = Callable[[str], Callable[[str], Sequence[str]] | None]


@dataclass
class _Report:
    """One period's charges as carried after allocation, and what the answer says about them."""

    period: Period
    charges: list[Charge]
    splits: dict[str, Split]
    shares: list[Share]
    warnings: list[str] = field(default_factory=list)


def _fixed_charges(g: nx.MultiDiGraph, period: Period) -> list[Charge]:
    """A note's fixed monthly cost as one charge a day: the month's cost over the month's days."""
    out = []
    for node, monthly in sorted(fixed_costs(g).items()):
        for day in period.days:
            moment = datetime(day.year, day.month, day.day, tzinfo=period.since.tzinfo)
            out.append(Charge(moment, node, node, "", str(g.nodes[node].get("provider") or ""), "", "", "fixed",
                              monthly / month_days(day), 0, 0, 0, "subscription"))
    return out


class CostAnswers:
    """Cost reports over periods, kept in step with the vault by `ledger` (a `LedgerInStep`)."""

    def __init__(self, graph: CompanyGraph, ledger: Callable[[], Ledger], clock: Callable[[], datetime],
                 group_of: GroupOf) -> None:
        self.graph = graph
        self.ledger = ledger
        self.clock = clock
        self.group_of = group_of

    def _use(self, period: Period) -> dict[str, dict[str, float]]:
        """Shared node -> dependent -> the dependent's calls naming it as their `tool`."""
        use: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
        for row in self.ledger().tool_use(period.since, period.until):
            tool = self.graph.lookup(row.tool)
            if tool is not None and row.node is not None:
                use[tool][row.node] += row.calls
        return use

    def _report(self, period: Period, allocated: bool) -> _Report:
        charges = usage_charges(self.ledger().cost_lines(period.since, period.until))
        with self.graph.read() as g:
            charges += _fixed_charges(g, period)
            own: dict[str, float] = defaultdict(float)
            for c in charges:
                if c.node is not None and c.category == "usage":
                    own[c.node] += c.cost
            splits = allocate(g, {c.node for c in charges if c.node is not None}, self._use(period), own) \
                if allocated else {}
        report = _Report(period, charges, splits, shares(charges, splits), list(period.warnings))
        unpriced = sum(c.unpriced for c in charges)
        if not charges:
            report.warnings.append(f"no spend recorded from {period.since:%Y-%m-%d} to before "
                                   f"{period.until:%Y-%m-%d}: no cost events and no fixed costs")
        if unpriced:
            report.warnings.append(f"{unpriced} events have no price (unknown model): their tokens are counted, "
                                   "their cost is not (`orgmap unattributed` lists the models)")
        for split in splits.values():
            if split.method == "equal":
                report.warnings.append(f"{split.source}: its dependents recorded no use of it and no spend, so its "
                                       f"cost is split equally among {', '.join(split.dependents)}")
        return report

    def _grouped(self, report: _Report, by: str) -> list[Grouped]:
        if by in ("agent", "owner", "team"):
            table = self.group_of(by) if by != "agent" else None
            return group_rows(report.shares, by, table or (lambda node: [node]))
        return group_rows(report.shares, by, lambda node: [])

    def _period(self, period: str | None, from_: str | None, to: str | None, by: str) -> Period:
        if by not in COST_BY:
            raise InvalidArgument(f"by must be one of {', '.join(COST_BY)}; got {by!r}", field="by")
        return parse_period(period, from_, to, self.clock())

    def _rows(self, report: _Report, by: str) -> list[CostRow]:
        grouped = self._grouped(report, by)
        with self.graph.read() as g:
            return [CostRow(key=r.key, name=_name(g, r.key), kind=_kind(g, r.key), attributed=r.key != UNATTRIBUTED,
                            direct_cost_usd=d, allocated_cost_usd=a, cost_usd=lo, calls=r.calls, tokens=r.tokens,
                            unpriced_events=r.unpriced)
                    for r, (d, a, lo) in zip(grouped, rounded(grouped), strict=True)]

    def costs(self, period: str | None = None, from_: str | None = None, to: str | None = None, by: str = "agent",
              allocate: bool = True, limit: int = 50, cursor: str | None = None) -> CostsAnswer:
        """Cost over a period grouped by agent, owner, team, client, project or model: direct, allocated and
        fully loaded per row, adding up to the total to the cent; how each shared node's cost was split."""
        span = self._period(period, from_, to, by)
        report = self._report(span, allocate)
        rows = self._rows(report, by)
        chunk, nxt = page(rows, limit, cursor)
        total = cents(sum(c.cost for c in report.charges))
        fixed = cents(sum(c.cost for c in report.charges if c.category == "subscription"))
        unattributed = sum(r.cost_usd for r in rows if not r.attributed)
        with self.graph.read() as g:
            splits = [_split_out(g, s, report.charges) for s in report.splits.values()]
        top = ", ".join(f"{r.name} {money(r.cost_usd)}" for r in rows[:3])
        summary = (f"{money(total)} from {span.since:%Y-%m-%d} to {span.until:%Y-%m-%d} (exclusive; {span.label}) "
                   f"across {len(rows)} {by} rows" + (f"; top: {top}" if top else "")
                   + (f"; {len(splits)} shared nodes' cost allocated to their dependents" if splits else "")
                   + (f"; {money(unattributed)} unattributed" if unattributed else ""))
        if report.warnings:
            summary += f"; {len(report.warnings)} warnings"
        return CostsAnswer(summary=summary, since=span.since, until=span.until, by=by, allocated=allocate,
                           total_cost_usd=total, tracked_cost_usd=cents(total - fixed), fixed_cost_usd=fixed,
                           unattributed_cost_usd=unattributed,
                           unpriced_events=sum(c.unpriced for c in report.charges), total=len(rows), items=chunk,
                           splits=splits, warnings=report.warnings, next_cursor=nxt)

    def costs_csv(self, period: str | None = None, from_: str | None = None, to: str | None = None,
                  by: str = "agent", allocate: bool = True) -> str:
        """Every row of the cost report as CSV (`CSV_COLUMNS`), the same figures as `costs`."""
        rows = self._rows(self._report(self._period(period, from_, to, by), allocate), by)
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(CSV_COLUMNS)
        for r in rows:
            writer.writerow([r.key, r.name, r.kind or "", f"{r.direct_cost_usd:.2f}", f"{r.allocated_cost_usd:.2f}",
                             f"{r.cost_usd:.2f}", r.calls, r.tokens, r.unpriced_events])
        return out.getvalue()

    def costs_focus(self, period: str | None = None, from_: str | None = None, to: str | None = None,
                    allocate: bool = True) -> tuple[list[dict[str, Any]], list[str]]:
        """The period's charges as FOCUS 1.2 rows (`orgmap.focus`), and the report's warnings."""
        report = self._report(self._period(period, from_, to, "agent"), allocate)
        with self.graph.read() as g:
            facts = _facts(g)
            rows = focus_rows(report.shares, f"orgmap:{self.graph.root.name if self.graph.root else 'vault'}",
                              facts)
        return rows, report.warnings

    def costs_focus_csv(self, period: str | None = None, from_: str | None = None, to: str | None = None,
                        allocate: bool = True) -> str:
        """`costs_focus` as a CSV file (FOCUS columns as its header; tags as JSON)."""
        rows, _ = self.costs_focus(period, from_, to, allocate)
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(FOCUS_COLUMNS)
        for row in rows:
            writer.writerow([as_csv_value(row[c]) for c in FOCUS_COLUMNS])
        return out.getvalue()

    def reconcile(self, period: str | None = None, from_: str | None = None,
                  to: str | None = None) -> ReconcileAnswer:
        """Tracked per-call spend against the providers' imported bills, the gap explained by cause."""
        span = parse_period(period, from_, to, self.clock())
        ledger = self.ledger()
        with self.graph.read() as g:
            return reconcile_answer(ledger, g, span)


def _name(g: nx.MultiDiGraph, key: str) -> str:
    return str(g.nodes[key].get("name", key)) if key in g else key


def _kind(g: nx.MultiDiGraph, key: str) -> str | None:
    return str(g.nodes[key].get("kind", "note")) if key in g else None


def _split_out(g: nx.MultiDiGraph, split: Split, charges: Sequence[Charge]) -> SplitOut:
    amount = sum(c.cost for c in charges if c.node == split.source)
    receivers = [ShareOut(**node_ref(g, r).model_dump(), fraction=round(f, 6), amount_usd=amount * f)
                 for r, f in sorted(split.receivers.items(), key=lambda x: (-x[1], x[0]))]
    return SplitOut(source=node_ref(g, split.source), method=split.method, amount_usd=amount,
                    dependents=list(split.dependents), receivers=receivers)


def _facts(g: nx.MultiDiGraph) -> Callable[[str], tuple[str, str, dict[str, str]]]:
    """What FOCUS rows say of a node: its name, kind, and tags (owner, team, note path)."""
    memo: dict[str, tuple[str, str, dict[str, str]]] = {}

    def facts(node: str) -> tuple[str, str, dict[str, str]]:
        if node not in memo:
            if node not in g:
                memo[node] = (node, "note", {})
            else:
                data = g.nodes[node]
                found = queries.owners(g, node)
                owners = [_name(g, o.node) for o in found]
                teams = list(dict.fromkeys([*(_name(g, o.node) for o in found if g.nodes[o.node].get("kind")
                                              == "team"), *(_name(g, t) for o in found for t in o.teams)]))
                tags = {"note": str(data.get("path") or node)}
                if owners:
                    tags["owner"] = "; ".join(owners)
                if teams:
                    tags["team"] = "; ".join(teams)
                memo[node] = (str(data.get("name", node)), str(data.get("kind", "note")), tags)
        return memo[node]

    return facts

