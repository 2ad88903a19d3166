"""The reconciliation question of the service: the ledger's per-call spend and imported bills over a period,
handed to `orgmap.reconcile` (pure), answered with every figure to the cent."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ledger.costs import AggregateRow
from orgmap.answer_types import GapCause, GapOut, ProviderReconciliation, ReconcileAnswer
from orgmap.periods import Period
from orgmap.reconcile import BILL_SOURCES, USAGE_SOURCES, BillItem, Reconciliation, TrackedItem, UsageItem, reconcile
from orgmap.rounding import cents
from orgmap.wording import money

if TYPE_CHECKING:
    import networkx as nx

    from ledger import Ledger

__all__ = ["reconcile_answer"]

_SAY = {
    "uncovered": "billed to spenders no per-call telemetry covers",
    "billed_only_days": "billed on days with no per-call events",
    "tracked_only_days": "tracked on days with nothing billed",
    "unpriced": "billed for models orgmap has no price for (their events count $0)",
    "price": "the same tokens (the provider's usage report) billed at other prices than orgmap's",
    "unexplained": "what no cause accounts for (e.g. calls per-call telemetry missed)",
}


def _model(row: AggregateRow) -> str | None:
    """The model a bill row names: its own, else an OpenAI line item's ("gpt-4o-2024-08-06, input")."""
    if row.model:
        return row.model
    item = row.attributes.get("line_item")
    return str(item).split(",")[0].strip() or None if item else None


_IDS = ("api_key_id", "workspace_id", "project_id")


@dataclass
class _Items:
    """Both sides over a period, and the ids each spender's bill rows named."""

    tracked: list[TrackedItem] = field(default_factory=list)
    bills: list[BillItem] = field(default_factory=list)
    usage: list[UsageItem] = field(default_factory=list)
    ids: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))


def _items(ledger: Ledger, period: Period) -> _Items:
    found = _Items([TrackedItem(c.provider.lower(), c.day.date(), c.node or c.agent_key, c.model, c.cost, c.unpriced,
                                c.calls) for c in ledger.cost_lines(period.since, period.until, per_call_only=True)])
    for row in ledger.aggregate_rows(period.since, period.until, (*BILL_SOURCES, *USAGE_SOURCES)):
        provider, spender = (row.provider or "").lower(), row.node or row.agent_key
        if row.source in BILL_SOURCES:
            found.bills.append(BillItem(provider, row.ts.date(), spender, _model(row), row.cost or 0.0))
            found.ids[spender].update(str(v) for k in _IDS if (v := row.attributes.get(k)))
        else:
            found.usage.append(UsageItem(provider, row.ts.date(), spender, row.cost))
    return found


def _name(g: nx.MultiDiGraph, key: str) -> str:
    return str(g.nodes[key].get("name", key)) if key in g else key


def _provider(g: nx.MultiDiGraph, rec: Reconciliation, ids: dict[str, set[str]]) -> ProviderReconciliation:
    causes = rec.rounded_causes()
    gap = cents(rec.billed) - cents(rec.tracked)
    unexplained = causes.pop("unexplained")
    out = [GapCause(cause=c, amount_usd=v, detail=_SAY[c] + (f": {', '.join(sorted(rec.what[c])[:5])}"
                                                              + (" ..." if len(rec.what[c]) > 5 else "")
                                                              if rec.what[c] else ""))
           for c, v in causes.items() if v]
    out.append(GapCause(cause="unexplained", amount_usd=unexplained, detail=_SAY["unexplained"]))
    return ProviderReconciliation(
        provider=rec.provider, billed_usd=rec.billed, tracked_usd=rec.tracked, gap_usd=gap,
        gap_pct=round(100 * gap / cents(rec.billed), 2) if cents(rec.billed) else None,
        explained_usd=round(gap - unexplained, 2), unexplained_usd=unexplained, causes=out,
        spenders=[GapOut(key=s.key, name=_name(g, s.key), billed_usd=s.billed, tracked_usd=s.tracked,
                         gap_usd=cents(s.billed) - cents(s.tracked), ids=sorted(ids.get(s.key, ())))
                  for s in rec.spenders],
        days=[GapOut(key=d.key, name=d.key, billed_usd=d.billed, tracked_usd=d.tracked,
                     gap_usd=cents(d.billed) - cents(d.tracked)) for d in rec.days])


def reconcile_answer(ledger: Ledger, g: nx.MultiDiGraph, period: Period) -> ReconcileAnswer:
    """Tracked per-call spend against imported bills over `period`, per provider (call under the graph's read lock)."""
    items = _items(ledger, period)
    tracked, bills = items.tracked, items.bills
    providers = [_provider(g, r, items.ids) for r in reconcile(tracked, bills, items.usage)]
    billed = {p.provider for p in providers}
    unbilled: dict[str, float] = defaultdict(float)
    for t in tracked:
        if t.provider not in billed:
            unbilled[t.provider or "(no provider)"] += t.cost
    warnings = list(period.warnings)
    if not bills:
        warnings.append("no bill imported for this period: import the OpenAI Costs API or Anthropic cost report "
                        "(`orgmap import openai-costs FILE`, `anthropic-cost`)")
    if unbilled:
        warnings.append(f"tracked spend with no bill to compare: {', '.join(sorted(unbilled))}")
    span = f"from {period.since:%Y-%m-%d} to {period.until:%Y-%m-%d} (exclusive; {period.label})"
    parts = [f"{p.provider}: billed {money(p.billed_usd)}, tracked {money(p.tracked_usd)}, gap {money(p.gap_usd)}"
             + (f" ({p.gap_pct:+.1f}%)" if p.gap_pct is not None else "") + f", {money(p.unexplained_usd)} unexplained"
             for p in providers]
    summary = f"{span}: " + ("; ".join(parts) if parts else "nothing billed to reconcile")
    return ReconcileAnswer(summary=summary, since=period.since, until=period.until, providers=providers,
                           unbilled=[GapOut(key=k, name=k, billed_usd=0.0, tracked_usd=v, gap_usd=-cents(v))
                                     for k, v in sorted(unbilled.items())], warnings=warnings)
