"""The settings people write in notes, as the ledger takes them: budgets (`budget:` on agents and owners, the
`projects:` of a `type: budgets` note) and run outlier rules (`runs:`); settings orgmap cannot use become problems
`orgmap check` reports with the note's path. Pure functions of the graph."""

from __future__ import annotations

import math
from dataclasses import replace
from typing import TYPE_CHECKING, TypeVar

from graph.queries import owners
from ledger import BudgetSpec, RunSettings
from ledger.anomaly import AnomalyConfig, ConfigError, with_numbers
from vault.problems import Problem

if TYPE_CHECKING:
    import networkx as nx

__all__ = ["agent_settings", "budget_specs"]

S = TypeVar("S", RunSettings, AnomalyConfig)


def _number(value: object) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        return None
    try:
        number = float(value)
    except ValueError:
        return None
    return number if 0 <= number < math.inf else None


_LIMITS = ("daily_usd", "monthly_usd", "hourly_usd", "per_run_usd")


def _spec(scope: str, key: str, budget: object, agents: tuple[str, ...] = ()) -> BudgetSpec | None:
    if not isinstance(budget, dict):
        return None
    daily, monthly, hourly, per_run = (_number(budget.get(name)) for name in _LIMITS)
    if daily is None and monthly is None and hourly is None and per_run is None:
        return None
    raw = budget.get("thresholds")
    found = tuple(t for t in (_number(x) for x in raw) if t) if isinstance(raw, list) else ()
    spec = BudgetSpec(scope, key, daily_usd=daily, monthly_usd=monthly, hourly_usd=hourly, per_run_usd=per_run,
                      agents=agents)
    return replace(spec, thresholds=tuple(t / 100 if t > 1.5 else t for t in found)) if found else spec


def budget_specs(g: nx.MultiDiGraph) -> list[BudgetSpec]:
    """Budgets from frontmatter: `budget:` on agents and on owners (covering every agent they own), and the
    `projects:` map of a `type: budgets` note."""
    specs: list[BudgetSpec] = []
    agents = [n for n, kind in g.nodes(data="kind") if kind == "agent"]
    owned: dict[str, list[str]] = {}
    for agent in agents:
        for owner in owners(g, agent):
            owned.setdefault(owner.node, []).append(agent)
            for team in owner.teams:
                owned.setdefault(team, []).append(agent)
    for node, data in g.nodes(data=True):
        kind = data.get("kind")
        if kind == "budgets":
            for project, budget in (data.get("projects") or {}).items():
                spec = _spec("project", str(project), budget)
                if spec:
                    specs.append(spec)
            continue
        budget = data.get("budget")
        if kind == "agent":
            spec = _spec("agent", node, budget, (node,))
        else:
            spec = _spec("owner", node, budget, tuple(sorted(set(owned.get(node, ())))))
        if spec:
            specs.append(spec)
    return specs


def _budget_complaints(budget: object) -> list[str]:
    """What in a `budget:` value cannot be used, each naming its key: the limit it was meant to set is not applied."""
    if not isinstance(budget, dict):
        return [f"budget: needs a mapping such as {{monthly_usd: 500}}, got {budget!r}"]
    bad = [f"budget: {name} needs a finite number >= 0, got {budget[name]!r}"
           for name in _LIMITS if budget.get(name) is not None and _number(budget[name]) is None]
    bad += [f"budget: unknown field {key!r} (known: {', '.join(_LIMITS)}, thresholds)"
            for key in budget if key not in (*_LIMITS, "thresholds")]
    return bad


def _checked(base: S, value: object, key: str, complaints: list[str]) -> S | None:
    """`base` with the numbers of a note's `key:` mapping, or None with the complaint added."""
    try:
        return with_numbers(base, value, key)
    except ConfigError as exc:
        complaints.append(str(exc))
        return None


def agent_settings(g: nx.MultiDiGraph) -> tuple[dict[str, RunSettings], list[Problem]]:
    """Per-agent run outlier rules from frontmatter (`runs: {cost_k: 5, max_retries: 3, max_calls: 200}`), and the
    settings orgmap cannot use (`budget:`, `runs:`, `anomaly:`, `outcome:`) as vault problems with the note's path,
    read in one pass: a guardrail a person believes set but that is not applied must show in `orgmap check`, not
    vanish."""
    rules: dict[str, RunSettings] = {}
    found: list[Problem] = []
    for node, data in g.nodes(data=True):
        complaints = _budget_complaints(data["budget"]) if data.get("budget") is not None else []
        if data.get("kind") == "agent":
            run_rules = _checked(RunSettings(), data.get("runs"), "runs", complaints)
            if run_rules is not None and data.get("runs"):
                rules[node] = run_rules
            _checked(AnomalyConfig(), data.get("anomaly"), "anomaly", complaints)  # applied per scan, checked here
            unit = data.get("outcome")
            if unit is not None and not (isinstance(unit, str) and unit.strip()):
                complaints.append(f"outcome: its unit of work is one outcome name, got {unit!r}")
        found += [Problem(data.get("path") or node, 0, "error", "bad_setting", f"{message}; not applied")
                  for message in complaints]
    return rules, found
