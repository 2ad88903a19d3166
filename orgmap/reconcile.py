"""Reconciliation (pure): what per-call telemetry tracked against what a provider billed, per provider, spender and
day, with the gap explained by cause so that the causes and the unexplained rest add up to the gap to the cent.

The bill is the imported cost reports (OpenAI Costs API, Anthropic cost report); the tracked side is per-call
events only. Both are kept whole here, though the run-rate counts one of them where they overlap. A spender is the
node a bill row's API key, workspace or project resolves to (`cost_keys`), else that id; a per-call event's spender
is its agent's node. Cells are (spender, day), and each cell's gap goes to the first cause that fits:

1. `uncovered`: the spender has no per-call events of this provider in the whole period (a key or workspace no
   telemetry covers): its whole bill.
2. `billed_only_days` / `tracked_only_days`: a covered spender's day with a bill and no events, or events and no
   bill: that side's amount.
3. `unpriced`: events of a model orgmap has no price for (their cost is 0): what the bill charged for that model that
   day, where the bill names models.
4. `price`: where a usage report counted the provider's own tokens for the cell, the bill minus those tokens at
   orgmap's prices (the same tokens priced differently: cache, batch or priority tiers, an old price table). The
   usage report's tokens against telemetry's (calls telemetry missed) stay unexplained.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date

from orgmap.rounding import cents, cents_adding_up

__all__ = ["BILL_SOURCES", "CAUSES", "USAGE_SOURCES", "BillItem", "Gap", "Reconciliation", "TrackedItem",
           "UsageItem", "reconcile"]

BILL_SOURCES = ("openai-costs", "anthropic-cost")
USAGE_SOURCES = ("openai-usage", "anthropic-usage")
CAUSES = ("uncovered", "billed_only_days", "tracked_only_days", "unpriced", "price")


@dataclass(frozen=True, slots=True)
class TrackedItem:
    """Per-call spend of one spender, day and model; `unpriced` its events with no price."""

    provider: str
    day: date
    spender: str
    model: str
    cost: float
    unpriced: int
    calls: int


@dataclass(frozen=True, slots=True)
class BillItem:
    """One bill row's amount; `model` when the bill names one."""

    provider: str
    day: date
    spender: str
    model: str | None
    cost: float


@dataclass(frozen=True, slots=True)
class UsageItem:
    """A usage report row: the provider's own token count, priced by orgmap (None: no price for its model)."""

    provider: str
    day: date
    spender: str
    cost: float | None


@dataclass(frozen=True, slots=True)
class Gap:
    """Billed, tracked and their difference for one key (a spender, a day, a cause)."""

    key: str
    billed: float
    tracked: float

    @property
    def gap(self) -> float:
        return self.billed - self.tracked


@dataclass
class Reconciliation:
    """One provider's reconciliation: totals, the causes (cause -> dollars, before rounding), per spender and day."""

    provider: str
    billed: float = 0.0
    tracked: float = 0.0
    causes: dict[str, float] = field(default_factory=lambda: dict.fromkeys(CAUSES, 0.0))
    spenders: list[Gap] = field(default_factory=list)
    days: list[Gap] = field(default_factory=list)
    covered: set[str] = field(default_factory=set)
    what: dict[str, set[str]] = field(default_factory=lambda: {c: set() for c in CAUSES})  # cause -> what it met

    @property
    def gap(self) -> float:
        return self.billed - self.tracked

    def rounded_causes(self) -> dict[str, float]:
        """Each cause and `unexplained` to the cent, adding up to the gap to the cent (billed and tracked each to
        the cent, as shown)."""
        names = [*CAUSES, "unexplained"]
        values = [*(self.causes[c] for c in CAUSES), self.gap - sum(self.causes.values())]
        return dict(zip(names, cents_adding_up(values, cents(self.billed) - cents(self.tracked)), strict=True))


def _matches(billed_model: str, models: Iterable[str]) -> bool:
    """A bill's model id names one of `models` (dated ids and their base: gpt-4o-2024-08-06 is gpt-4o)."""
    return any(billed_model == m or billed_model.startswith(m + "-") or m.startswith(billed_model + "-")
               for m in models if m)


def _sums(items: Iterable[TrackedItem | BillItem], key: str) -> list[Gap]:
    billed: dict[str, float] = defaultdict(float)
    tracked: dict[str, float] = defaultdict(float)
    for item in items:
        k = str(getattr(item, key))
        (billed if isinstance(item, BillItem) else tracked)[k] += item.cost
    return [Gap(k, billed[k], tracked[k]) for k in sorted(set(billed) | set(tracked))]


def _cell(rec: Reconciliation, bills: Sequence[BillItem], tracked: Sequence[TrackedItem],
          usage: Sequence[UsageItem]) -> None:
    """Add one (spender, day) cell's gap to the causes that fit (see the module's rules)."""
    billed = sum(b.cost for b in bills)
    spent = sum(t.cost for t in tracked)
    spender = (bills or tracked)[0].spender
    day = (bills or tracked)[0].day
    if spender not in rec.covered:
        rec.causes["uncovered"] += billed
        rec.what["uncovered"].add(spender)
        return
    if not tracked:
        rec.causes["billed_only_days"] += billed
        rec.what["billed_only_days"].add(f"{spender} {day}")
        return
    if not bills:
        rec.causes["tracked_only_days"] -= spent
        rec.what["tracked_only_days"].add(f"{spender} {day}")
        return
    unpriced = {t.model for t in tracked if t.unpriced and t.cost == 0}
    for_unpriced = sum(b.cost for b in bills if b.model and _matches(b.model, unpriced)) if unpriced else 0.0
    if for_unpriced:
        rec.causes["unpriced"] += for_unpriced
        rec.what["unpriced"].update(unpriced)
    reported = [u.cost for u in usage]
    if reported and None not in reported:
        rec.causes["price"] += (billed - for_unpriced) - sum(c for c in reported if c is not None)
        rec.what["price"].add(f"{spender} {day}")


def reconcile(tracked: Sequence[TrackedItem], bills: Sequence[BillItem],
              usage: Sequence[UsageItem]) -> list[Reconciliation]:
    """One reconciliation per provider with a bill, largest bill first."""
    out = []
    for provider in sorted({b.provider for b in bills}):
        mine_t = [t for t in tracked if t.provider == provider]
        mine_b = [b for b in bills if b.provider == provider]
        rec = Reconciliation(provider, sum(b.cost for b in mine_b), sum(t.cost for t in mine_t),
                             covered={t.spender for t in mine_t if t.calls})
        cells: dict[tuple[str, date], tuple[list[BillItem], list[TrackedItem], list[UsageItem]]] = defaultdict(
            lambda: ([], [], []))
        for b in mine_b:
            cells[(b.spender, b.day)][0].append(b)
        for t in mine_t:
            cells[(t.spender, t.day)][1].append(t)
        for u in usage:
            if u.provider == provider and (u.spender, u.day) in cells:
                cells[(u.spender, u.day)][2].append(u)
        for key in sorted(cells):
            _cell(rec, *cells[key])
        rec.spenders = sorted(_sums([*mine_b, *mine_t], "spender"), key=lambda g: (-abs(g.gap), g.key))
        rec.days = _sums([*mine_b, *mine_t], "day")
        out.append(rec)
    return sorted(out, key=lambda r: (-r.billed, r.provider))
