"""Shared costs split through the dependency graph (pure functions of the graph and of figures the caller read).

A node others depend on (`depends_on`, `uses`, `integrates_with`, `model`) passes all its cost, its own spend and
its fixed `cost: {monthly_usd: N}`, to its dependents, recursively, until the cost reaches nodes nothing depends
on. Each shared node splits by one rule, named in the answer: `use` (its dependents' calls through it, where events
name it as their `tool`), else `spend` (each dependent's own spend over the period with that of everything that
depends on it), else `equal`. A cycle is cut
once, so cost passes each node at most once: inside a cycle a node passes cost only to members after it by id
(`orgmap check` reports the cycle). Fractions add up to 1, so totals before and after allocation are equal.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field

import networkx as nx

from graph.relations import DEPENDENCY_RELATIONS
from vault.problems import Problem

__all__ = ["Split", "allocate", "cost_problems", "dependency_cycles", "fixed_costs"]

METHODS = ("use", "spend", "equal")


@dataclass(frozen=True, slots=True)
class Split:
    """How one shared node's cost reaches the nodes that finally carry it: `receivers` maps each to its fraction
    (adding up to 1); `method` the rule its first hop used; `dependents` the nodes it passed cost to directly."""

    source: str
    method: str
    dependents: tuple[str, ...]
    receivers: dict[str, float] = field(default_factory=dict)


def _dependency_graph(g: nx.MultiDiGraph) -> nx.DiGraph:
    """Edges provider -> dependent (cost flows along them) of the dependency relations only."""
    flow: nx.DiGraph = nx.DiGraph()
    rel: object
    for u, v, rel in g.edges(data="relation"):
        if rel in DEPENDENCY_RELATIONS and u != v:
            flow.add_edge(v, u)
    return flow


def dependency_cycles(g: nx.MultiDiGraph) -> list[list[str]]:
    """Each cycle of dependencies (a strongly connected group of two or more nodes), members sorted, cycles sorted.

    >>> g = nx.MultiDiGraph()
    >>> g.add_edge("a", "b", relation="depends_on"); g.add_edge("b", "a", relation="uses")
    0
    0
    >>> dependency_cycles(g)
    [['a', 'b']]
    """
    flow = _dependency_graph(g)
    return sorted(sorted(c) for c in nx.strongly_connected_components(flow) if len(c) > 1)


def _acyclic(flow: nx.DiGraph) -> dict[str, list[str]]:
    """Provider -> dependents with every cycle cut once: inside a cycle, cost passes only to members later by id."""
    component = {}
    for i, members in enumerate(nx.strongly_connected_components(flow)):
        for node in members:
            component[node] = i
    kept: dict[str, list[str]] = {}
    for provider, dependent in flow.edges:
        if component[provider] != component[dependent] or provider < dependent:
            kept.setdefault(provider, []).append(dependent)
    return {k: sorted(v) for k, v in kept.items()}


def _number(value: object) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value) if math.isfinite(value) and value >= 0 else None


def fixed_costs(g: nx.MultiDiGraph) -> dict[str, float]:
    """Node -> its fixed monthly cost in USD (`cost: {monthly_usd: 300}` in its note); unusable values are left out
    (and reported by `cost_problems`)."""
    found = {}
    for node, cost in g.nodes(data="cost"):
        if isinstance(cost, dict) and (monthly := _number(cost.get("monthly_usd"))) is not None:
            found[node] = monthly
    return found


def cost_problems(g: nx.MultiDiGraph) -> list[Problem]:
    """What `orgmap check` says about costs: a `cost:` setting orgmap cannot use, and each dependency cycle (its
    shared costs are allocated once, along the members' order by id)."""
    found = []
    for node, data in g.nodes(data=True):
        cost = data.get("cost")
        if cost is not None and (not isinstance(cost, dict) or _number(cost.get("monthly_usd")) is None):
            found.append(Problem(data.get("path") or node, 0, "error", "bad_setting",
                                 f"cost must be a map with monthly_usd, a number >= 0 (got {cost!r}); not applied"))
    for cycle in dependency_cycles(g):
        path = g.nodes[cycle[0]].get("path") or cycle[0]
        found.append(Problem(path, 0, "warning", "dependency_cycle",
                             f"dependency cycle {' -> '.join([*cycle, cycle[0]])}: shared costs pass each member "
                             "once, in the order of their ids"))
    return found


def _below(down: Mapping[str, list[str]], node: str) -> set[str]:
    """`node` and every node that depends on it, directly or not (along the cut graph)."""
    seen = {node}
    stack = [node]
    while stack:
        for dependent in down.get(stack.pop(), ()):
            if dependent not in seen:
                seen.add(dependent)
                stack.append(dependent)
    return seen


def _weights(provider: str, down: Mapping[str, list[str]], use: Mapping[str, Mapping[str, float]],
             own: Mapping[str, float]) -> tuple[str, dict[str, float]]:
    """The rule a shared node splits by, and its dependents' weights (adding up to 1). A dependent's spend is its own
    and that of everything depending on it: a tool that only passes cost on weighs what its users spend."""
    through = use.get(provider, {})
    dependents = down[provider]
    for method, weight in (("use", lambda d: through.get(d, 0.0)),
                           ("spend", lambda d: sum(own.get(n, 0.0) for n in _below(down, d)))):
        found = {d: max(weight(d), 0.0) for d in dependents}
        total = sum(found.values())
        if total > 0:
            return method, {d: w / total for d, w in found.items() if w > 0}
    return "equal", {d: 1 / len(dependents) for d in dependents}


def allocate(g: nx.MultiDiGraph, sources: set[str], use: Mapping[str, Mapping[str, float]],
             own: Mapping[str, float]) -> dict[str, Split]:
    """The splits of the shared nodes among `sources` (the nodes with cost in the period): each through its
    dependents to the nodes that finally carry it. `use[provider][dependent]` is the dependent's calls through the
    provider; `own[node]` a node's own spend over the period."""
    down = _acyclic(_dependency_graph(g))
    plans: dict[str, tuple[str, dict[str, float]]] = {}
    finals: dict[str, dict[str, float]] = {}

    def final(node: str) -> dict[str, float]:
        if node in finals:
            return finals[node]
        dependents = down.get(node)
        if not dependents:
            finals[node] = {node: 1.0}
            return finals[node]
        _, weights = plans.setdefault(node, _weights(node, down, use, own))
        out: dict[str, float] = {}
        for dependent, w in weights.items():
            for receiver, f in final(dependent).items():
                out[receiver] = out.get(receiver, 0.0) + w * f
        finals[node] = out
        return out

    splits = {}
    for source in sorted(sources):
        if down.get(source):
            receivers = final(source)
            method, weights = plans[source]
            splits[source] = Split(source, method, tuple(sorted(weights)), receivers)
    return splits
