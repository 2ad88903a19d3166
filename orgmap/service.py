"""The one service both interfaces call: it owns the company graph, the ledger and the vault watcher.

Opened once (a FastAPI lifespan, an MCP server lifespan, a CLI command) and closed cleanly. Every question people ask
is a method here returning a typed model, so the HTTP API and the MCP server give the same answer to the same question.
The questions live in `orgmap.answers_graph`, `answers_spend` and `answers_anomaly`; this module wires state.
"""

from __future__ import annotations

import logging
import math
import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from graph import CompanyGraph
from graph.live import LiveGraph
from graph.queries import owners
from ledger import BudgetSpec, Ledger, RunSettings
from ledger.anomaly import AnomalyConfig, ConfigError, with_numbers
from ledger.feedback import AnomalyFeedback
from orgmap.answers_anomaly import AnomalyAnswers
from orgmap.answers_graph import GraphAnswers
from orgmap.answers_spend import SpendAnswers
from orgmap.config import state_dir
from orgmap.vault_changes import change_events_from
from vault.problems import Problem

__all__ = ["Service", "ServiceSlot", "agent_settings", "budget_specs"]

log = logging.getLogger("orgmap")

Clock = Callable[[], datetime]


class Service(GraphAnswers, SpendAnswers, AnomalyAnswers):
    """Graph + ledger + (optionally) the live watcher of one vault."""

    def __init__(self, vault: Path, graph: CompanyGraph, ledger: Ledger, *, live: LiveGraph | None = None,
                 clock: Clock | None = None) -> None:
        self.vault = vault
        self.graph = graph
        self.ledger = ledger
        self.live = live
        self.clock: Clock = clock or (lambda: datetime.now(UTC))
        self.feedback = AnomalyFeedback(ledger.store.path)
        self._lock = threading.RLock()
        self._synced_revision = -1
        self.settings_problems: list[Problem] = []
        self._stopping = threading.Event()
        self._scanner: threading.Thread | None = None
        self.sync()
        if live is not None:
            live.subscribe(self._on_vault_change)

    @classmethod
    def open(cls, vault: Path, *, watch: bool = False, db: Path | None = None, webhook_url: str | None = None,
             price_overrides: Path | None = None, clock: Clock | None = None,
             on_progress: Callable[[int, int], None] | None = None) -> Service:
        """Load the vault, open the store (`<vault>/.orgmap/orgmap.db` unless `db`), and start watching if asked."""
        graph = CompanyGraph.load(vault, on_progress=on_progress)
        ledger = Ledger.open(db or state_dir(vault) / "orgmap.db", price_overrides=price_overrides,
                             webhook_url=webhook_url, clock=clock)
        live = None
        if watch:
            live = LiveGraph(graph)
            live.start()
        return cls(vault, graph, ledger, live=live, clock=clock)

    def start_background(self, interval_s: float = 300.0, first_after_s: float = 30.0) -> None:
        """Scan for anomalies every `interval_s` seconds on a daemon thread (alerts fire once each), until `close()`.
        The first pass waits `first_after_s`, so a server answers its first questions at full speed. For long-running
        hosts: `orgmap serve` and `orgmap mcp`."""
        if self._scanner is not None:
            return

        def loop() -> None:
            self._stopping.wait(first_after_s)
            while not self._stopping.is_set():
                try:
                    self.scan_anomalies(timedelta(days=7))
                except Exception:  # a failed pass must not kill the loop; the next pass retries
                    log.exception("anomaly scan failed")
                self._stopping.wait(interval_s)

        self._scanner = threading.Thread(target=loop, name="orgmap-anomaly-scan", daemon=True)
        self._scanner.start()

    def close(self) -> None:
        """Stop watching, deliver pending webhooks, close the store. Safe to call twice."""
        self._stopping.set()
        if self._scanner is not None:
            self._scanner.join(timeout=30)
            self._scanner = None
        if self.live is not None:
            self.live.stop()
            self.live = None
        self.feedback.close()
        self.ledger.close()

    def __enter__(self) -> Service:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- keeping the ledger in step with the vault ---------------------------------------------------------------

    def sync(self) -> None:
        """Give the ledger the vault's current names, budgets and run rules (after any vault change)."""
        with self._lock, self.graph.read() as g:
            if self._synced_revision == self.graph.revision:
                return
            self.ledger.set_resolver(self._resolve_locked)
            self.ledger.set_budgets(budget_specs(g))
            rules, self.settings_problems = agent_settings(g)
            self.ledger.set_run_settings(RunSettings(), rules)
            self._synced_revision = self.graph.revision

    def _resolve_locked(self, name: str) -> str | None:
        with self.graph.read():
            return self.graph.lookup_key(name)

    def _on_vault_change(self, changes: list[Any]) -> None:
        """Vault edits become change events (a `model` switched, `depends_on` changed...), then names re-sync."""
        events = change_events_from(changes, self.clock())
        if events:
            self.ledger.ingest_changes(events, source="vault")
        self.sync()


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
    limits = {name: _number(budget.get(name)) for name in _LIMITS}
    if not any(v is not None for v in limits.values()):
        return None
    raw = budget.get("thresholds")
    thresholds = tuple(t for t in (_number(x) for x in raw) if t) if isinstance(raw, list) else None
    extra = {"thresholds": tuple(t / 100 if t > 1.5 else t for t in thresholds)} if thresholds else {}
    return BudgetSpec(scope, key, agents=agents, **limits, **extra)


def budget_specs(g: Any) -> list[BudgetSpec]:
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


def agent_settings(g: Any) -> tuple[dict[str, RunSettings], list[Problem]]:
    """Per-agent run outlier rules from frontmatter (`runs: {cost_k: 5, max_retries: 3, max_calls: 200}`), and the
    settings orgmap cannot use (`budget:`, `runs:`, `anomaly:`) as vault problems with the note's path, read in one
    pass: a guardrail a person believes set but that is not applied must show in `orgmap check`, not vanish."""
    rules: dict[str, RunSettings] = {}
    found: list[Problem] = []
    for node, data in g.nodes(data=True):
        complaints = _budget_complaints(data["budget"]) if data.get("budget") is not None else []
        for key, base in (("runs", RunSettings()), ("anomaly", AnomalyConfig())) if data.get("kind") == "agent" else ():
            try:
                parsed = with_numbers(base, data.get(key), key)  # `anomaly:` is applied per scan, checked here
            except ConfigError as exc:
                complaints.append(str(exc))
                continue
            if key == "runs" and data.get(key):
                rules[node] = parsed
        found += [Problem(data.get("path") or node, 0, "error", "bad_setting", f"{message}; not applied")
                  for message in complaints]
    return rules, found


class ServiceSlot:
    """Where an interface's handlers find the service its lifespan opened (passed in, never a module global)."""

    def __init__(self, service: Service | None = None) -> None:
        self.service = service

    def get(self) -> Service:
        if self.service is None:
            raise RuntimeError("the orgmap service is not open (the server's lifespan has not started)")
        return self.service
