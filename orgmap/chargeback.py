"""Chargeback (pure): the period's charges (tracked spend per day and dimension, and notes' fixed costs per day),
each carried by the nodes an allocation gives it to (`Share`), summed per group with direct and allocated apart,
rounded so that the rows add up to the total to the cent in every column.

A shared node keeps a row: its direct cost, the same amount allocated away (negative), nothing left. Allocated cost
counts under the receiver's own client and project mix (fully loaded cost per client), under the charge's own
model. Spend no note carries is never allocated: it is the '(unattributed)' row in every grouping.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from orgmap.allocation import Split
from orgmap.rounding import cents_adding_up

if TYPE_CHECKING:
    from ledger.costs import CostLine

__all__ = ["UNATTRIBUTED", "Charge", "Grouped", "Share", "group_rows", "shares", "usage_charges"]

UNATTRIBUTED = "(unattributed)"
NONE = "(none)"
BY_DIMENSION = ("client", "project", "model")


@dataclass(frozen=True, slots=True)
class Charge:
    """Cost of one day and one set of dimensions; `category` is `usage` (cost events) or `subscription` (a note's
    fixed cost); `node` None for spend no note carries (then `agent_key` names it)."""

    day: datetime
    node: str | None
    agent_key: str
    model: str
    provider: str
    client: str
    project: str
    kind: str
    cost: float
    unpriced: int
    calls: int
    tokens: int
    category: str = "usage"


def usage_charges(lines: Iterable[CostLine]) -> list[Charge]:
    """The ledger's spend lines (`Ledger.cost_lines`) as usage charges: a line's tokens are its input plus output."""
    return [Charge(c.day, c.node, c.agent_key, c.model, c.provider, c.client, c.project, c.kind, c.cost, c.unpriced,
                   c.calls, c.input_tokens + c.output_tokens) for c in lines]


@dataclass(frozen=True, slots=True)
class Share:
    """The part `fraction` of `charge` that `receiver` carries; `source` the shared node it came from (None: the
    charge's own node carries it, direct)."""

    charge: Charge
    receiver: str | None
    fraction: float
    source: str | None = None
    method: str | None = None


@dataclass(frozen=True, slots=True)
class Grouped:
    """A group's sums before rounding."""

    key: str
    direct: float
    allocated: float
    calls: int
    tokens: int
    unpriced: int


def shares(charges: Iterable[Charge], splits: Mapping[str, Split]) -> list[Share]:
    """Each charge as the shares that carry it: whole by its own node, or split by its shared node's `Split`."""
    out = []
    for c in charges:
        split = splits.get(c.node) if c.node is not None else None
        if split is None:
            out.append(Share(c, c.node, 1.0))
        else:
            out.extend(Share(c, r, f, c.node, split.method) for r, f in sorted(split.receivers.items()))
    return out


def _mix(charges: Iterable[Charge], dimension: str) -> dict[str, dict[str, float]]:
    """Node -> the fraction of its direct usage cost under each value of `dimension` (client, project)."""
    sums: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    for c in charges:
        if c.node is not None and c.category == "usage" and c.cost > 0:
            sums[c.node][getattr(c, dimension) or NONE] += c.cost
    return {node: {k: v / sum(by.values()) for k, v in by.items()} for node, by in sums.items()}


def group_rows(all_shares: Sequence[Share], by: str,
               groups_of: Callable[[str], Sequence[str]]) -> list[Grouped]:
    """Direct and allocated sums per group, largest fully loaded cost first; `groups_of(node)` gives a node's
    groups for agent/owner/team (an equal part under each of several)."""
    direct: dict[str, float] = defaultdict(float)
    allocated: dict[str, float] = defaultdict(float)
    counts: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    mix = _mix((s.charge for s in all_shares if s.source is None), by) if by in ("client", "project") else {}

    def parts(node: str | None, charge: Charge, allocated_to: bool) -> list[tuple[str, float]]:
        if node is None:
            return [(UNATTRIBUTED, 1.0)]
        if by in BY_DIMENSION:
            own = mix.get(node) if allocated_to else None
            return list(own.items()) if own else [(getattr(charge, by) or NONE, 1.0)]
        found = list(groups_of(node)) or [f"(no {by})"]
        return [(g, 1 / len(found)) for g in found]

    seen: set[int] = set()
    for s in all_shares:
        c = s.charge
        if id(c) not in seen:  # the charge's own node: its direct cost, and what it passes on
            seen.add(id(c))
            for key, f in parts(c.node, c, False):
                direct[key] += c.cost * f
                counts[key][0] += round(c.calls * f)
                counts[key][1] += round(c.tokens * f)
                counts[key][2] += round(c.unpriced * f)
        if s.source is not None:
            for key, f in parts(s.source, c, False):
                allocated[key] -= c.cost * s.fraction * f
            for key, f in parts(s.receiver, c, True):
                allocated[key] += c.cost * s.fraction * f
    keys = sorted(set(direct) | set(allocated), key=lambda k: (-(direct[k] + allocated[k]), k))
    return [Grouped(k, direct[k], allocated[k], *counts[k]) for k in keys]


def rounded(rows: Sequence[Grouped]) -> list[tuple[float, float, float]]:
    """(direct, allocated, loaded) of each row to the cent, each column adding up to its total to the cent: direct
    to the total, allocated to zero (both by `cents_adding_up`, so a row nothing was allocated to keeps 0), loaded
    their sum."""
    direct = cents_adding_up([r.direct for r in rows], sum(r.direct for r in rows))
    allocated = cents_adding_up([r.allocated for r in rows], 0.0)
    return [(d, a, (round(d * 100) + round(a * 100)) / 100) for d, a in zip(direct, allocated, strict=True)]
