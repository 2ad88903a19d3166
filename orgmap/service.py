"""The one service every door asks (the HTTP API, the MCP server, the CLI): it composes the company graph, the
ledger and the vault watcher, and its public methods are the questions people ask and the ways events come in.

The service holds its parts, each built with what it needs:
- `graph_answers` (`GraphAnswers`): graph questions; they need only the graph, so a `VaultService` (the vault
  alone: `VaultService.open_vault`) answers them without opening the event store;
- `spend_answers` (`SpendAnswers`) and `anomaly_answers` (`AnomalyAnswers`): questions over the ledger;
- `intake` (`Intake`): the one way in for events, used by every door, the importers, the receivers and the demo.
The ledger parts reach the ledger only through a `LedgerInStep`, which brings it in step with the vault (names,
budgets, run rules) whenever the graph changed. Every method returns a typed answer (`orgmap.answer_types`), so the
doors cannot drift apart; a parity test checks each question is reachable from each door.
"""

from __future__ import annotations

import functools
import logging
import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, Self

from graph import CompanyGraph
from graph.company import NoteChange
from orgmap.answer_types import (
    AlertsAnswer,
    AllowanceAnswer,
    AnomaliesAnswer,
    AnomalyBrief,
    AnomalyExplanation,
    BlastRadius,
    BudgetsAnswer,
    ChangesAnswer,
    CostsAnswer,
    Diagnostics,
    IngestAnswer,
    NodeDetail,
    NodePage,
    Owners,
    PausesAnswer,
    Portfolio,
    ReconcileAnswer,
    RunRateAnswer,
    RunsAnswer,
    SpendOverTime,
    SpendSeries,
    UnattributedAnswer,
)
from orgmap.config import store_location
from orgmap.cost_answers import CostAnswers
from orgmap.errors import UnreadableBody
from orgmap.graph_answers import GraphAnswers, SpendFigures
from orgmap.intake import ImportSummary, Intake, ingest_answer
from orgmap.ledger_in_step import LedgerInStep
from orgmap.nodes import resolve
from orgmap.service_slot import ServiceSlot, ServiceUnavailable
from orgmap.spend_answers import SpendAnswers

if TYPE_CHECKING:  # the watcher, the ledger and anomalies (numpy, httpx, prices) are imported when first used
    from graph.live import LiveGraph
    from ledger import Ledger, SmtpSettings
    from ledger.anomaly import Anomaly
    from orgmap.anomaly_answers import AnomalyAnswers

__all__ = ["Service", "ServiceSlot", "VaultService"]

log = logging.getLogger("orgmap")

Clock = Callable[[], datetime]
Progress = Callable[[int, int | None], None]


class VaultService:
    """The questions a vault alone answers (the company graph), without an event store. `Service` adds the rest."""

    def __init__(self, vault: Path, graph: CompanyGraph, *, spend: SpendFigures | None = None) -> None:
        self.vault = vault
        self.graph = graph
        self.graph_answers = GraphAnswers(graph, vault, spend)

    @classmethod
    def open_vault(cls, vault: Path, *, on_progress: Callable[[int, int], None] | None = None) -> VaultService:
        """Load the vault's graph (no store is opened or created)."""
        return cls(vault, CompanyGraph.load(vault, on_progress=on_progress))

    def close(self) -> None:
        """Nothing to release for a vault alone; `Service.close` releases the store and the watcher."""

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- the graph ------------------------------------------------------------------------------------------------

    def find(self, q: str = "", kind: str | None = None, limit: int = 20, cursor: str | None = None) -> NodePage:
        """Nodes whose name, alias or id contains `q` (all nodes when empty), exact matches first."""
        return self.graph_answers.find(q, kind, limit, cursor)

    def node(self, name: str) -> NodeDetail:
        """One node: properties, owners, dependencies, dependents, links in and out, and its spend (7 days)."""
        return self.graph_answers.node(name)

    def owners_of(self, name: str) -> Owners:
        """Who owns a node: explicit `owner`, else inherited through `part_of`; a person's teams included."""
        return self.graph_answers.owners_of(name)

    def dependencies_of(self, name: str, depth: int = 1, limit: int = 25, cursor: str | None = None,
                        window: str = "7d") -> BlastRadius:
        """What a node depends on (depends_on, uses, integrates_with, model), to `depth` hops."""
        return self.graph_answers.dependencies_of(name, depth, limit, cursor, window)

    def dependents_of(self, name: str, depth: int = 2, limit: int = 25, cursor: str | None = None,
                      window: str = "7d") -> BlastRadius:
        """What depends on a node, to `depth` hops: its blast radius, with the spend per day at stake."""
        return self.graph_answers.dependents_of(name, depth, limit, cursor, window)

    def portfolio_of(self, owner: str, window: str = "7d", limit: int = 25,
                     cursor: str | None = None) -> Portfolio:
        """Everything a person or team owns (directly, by inheritance, via a person's teams), with spend/day."""
        return self.graph_answers.portfolio_of(owner, window, limit, cursor)

    def check(self, limit: int = 50, cursor: str | None = None, severity: str | None = None) -> Diagnostics:
        """Vault diagnostics: bad YAML, unreadable files, dangling links, ambiguous names, unusable settings..."""
        return self.graph_answers.check(limit, cursor, severity)

    def note_markdown(self, name: str) -> str:
        """The Markdown of a node's note, read from inside the vault only."""
        return self.graph_answers.note_markdown(name)

    def graph_data(self) -> dict[str, Any]:
        """The whole graph as networkx node-link JSON (`nodes` and `edges`; edges carry `relation`)."""
        return self.graph_answers.graph_data()

    def graph_graphml(self) -> bytes:
        """The whole graph as GraphML, for graph tools."""
        return self.graph_answers.graph_graphml()


class Service(VaultService):
    """Graph + ledger + (optionally) the live watcher of one vault. Open with `Service.open`, close when done."""

    def __init__(self, vault: Path, graph: CompanyGraph, ledger: Ledger | Callable[[], Ledger], *,
                 live: LiveGraph | None = None, clock: Clock | None = None) -> None:
        """`ledger` is the ledger, or a function that opens it when a question first needs it."""
        self.clock: Clock = clock or (lambda: datetime.now(UTC))
        self.live = live
        self._in_step = in_step = LedgerInStep(graph, ledger)
        self.spend_answers = SpendAnswers(graph, in_step, self.clock)
        self.intake = Intake(graph, in_step, self.clock)
        self.cost_answers = CostAnswers(graph, in_step, self.clock, self.spend_answers.group_of)
        super().__init__(vault, graph, spend=self.spend_answers)
        self._stopping = threading.Event()
        self._scanner: threading.Thread | None = None
        if live is not None:
            live.subscribe(self._on_vault_change)

    @classmethod
    def open(cls, vault: Path, *, watch: bool = False, db: str | Path | None = None, webhook_url: str | None = None,
             webhook_allow_link_local: bool = False, price_overrides: Path | None = None, clock: Clock | None = None,
             on_progress: Callable[[int, int], None] | None = None, lazy_store: bool = False,
             keep_events_days: int | None = None, smtp: SmtpSettings | None = None,
             dashboard_url: str | None = None) -> Service:
        """Load the vault, open the store (`db`, a SQLite file or a `postgresql://` URL, else $ORGMAP_DB, else
        `<vault>/.orgmap/orgmap.db`), and start watching if asked.
        Alerts are posted to `webhook_url` (ValueError if `ledger.check_webhook_url` refuses it), and routed to the
        people budgets name (email through `smtp`); budget alerts link to `dashboard_url`. With `lazy_store`
        the store is opened (and the ledger imported) by the first question that needs it, so a server answers its
        first graph questions sooner (`orgmap mcp`); its errors then come with that question. With
        `keep_events_days`, raw events are kept that many days (`Ledger.apply_retention`, also run by the periodic
        scan); rollups and runs are kept."""
        graph = CompanyGraph.load(vault, on_progress=on_progress)

        def open_ledger() -> Ledger:
            from ledger import Ledger

            return Ledger.open(store_location(vault, db), price_overrides=price_overrides,
                               webhook_url=webhook_url, webhook_allow_link_local=webhook_allow_link_local, clock=clock,
                               keep_events_days=keep_events_days, smtp=smtp, dashboard_url=dashboard_url)

        def open_ledger_later() -> Ledger:
            from ledger import OPEN_ERRORS

            try:
                return open_ledger()
            except OPEN_ERRORS as exc:  # a missing prices file, a store
                # that cannot be read or reached, or one newer than this orgmap: said by the question that needs it
                raise ServiceUnavailable(f"cannot open the event store: {exc}") from exc

        svc = cls(vault, graph, open_ledger_later if lazy_store else open_ledger(), clock=clock)
        if watch:
            svc.watch()
        return svc

    def watch(self) -> None:
        """Start watching the vault: edits reach the graph, and become change events. Safe to call twice."""
        if self.live is not None:
            return
        from graph.live import LiveGraph

        self.live = LiveGraph(self.graph)
        self.live.subscribe(self._on_vault_change)
        self.live.start()

    @functools.cached_property
    def anomaly_answers(self) -> AnomalyAnswers:
        """Questions over anomalies, built on first use (they import numpy)."""
        from orgmap.anomaly_answers import AnomalyAnswers

        return AnomalyAnswers(self.graph, self._in_step, self.clock)

    @property
    def ledger(self) -> Ledger:
        """The ledger, in step with the vault (for library use and benchmarks; events go in through `intake`)."""
        return self.intake.ledger()

    def start_background(self, interval_s: float = 300.0, first_after_s: float = 30.0) -> None:
        """Scan for anomalies every `interval_s` seconds on a daemon thread (alerts fire once each), and drop raw
        events past their retention, until `close()`.
        The first pass waits `first_after_s`, so a server answers its first questions at full speed. For long-running
        hosts: `orgmap serve` and `orgmap mcp`."""
        if self._scanner is not None:
            return

        def loop() -> None:
            self._stopping.wait(first_after_s)
            while not self._stopping.is_set():
                try:
                    self.scan_anomalies(timedelta(days=7))
                    self.ledger.apply_retention()
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
        self._in_step.close()

    def _on_vault_change(self, changes: list[NoteChange]) -> None:
        """Vault edits become change events (a `model` switched, `depends_on` changed...)."""
        self.intake.vault_edits(changes)

    def scan_anomalies(self, since: timedelta, agents: list[str] | None = None, *,
                       alert: bool = True) -> list[Anomaly]:
        """Detect and explain anomalies still going, and those that ended with onset within `since`; new open ones
        fire one alert each."""
        return self.anomaly_answers.scan_anomalies(since, agents, alert=alert)

    # -- spend ----------------------------------------------------------------------------------------------------

    def run_rate(self, window: str = "7d", by: str = "agent", limit: int = 20, cursor: str | None = None,
                 since: datetime | str | None = None, until: datetime | str | None = None, *,
                 model: str | None = None, client: str | None = None, project: str | None = None) -> RunRateAnswer:
        """Ranked run-rate over `window` (or from `since` to `until`), grouped by agent, owner, team, model,
        provider, client, project or kind; of one model's, client's or project's spend when named."""
        return self.spend_answers.run_rate(window, by, limit, cursor, anomalies=self.anomaly_answers.open_pointers,
                                           since=since, until=until, model=model, client=client, project=project)

    def spend_over_time(self, window: str = "7d", by: str = "agent", bucket: str = "day",
                        since: datetime | str | None = None, until: datetime | str | None = None, *,
                        project: str | None = None, client: str | None = None,
                        model: str | None = None) -> SpendOverTime:
        """Spend per hour or day over `window` (or from `since` to `until`), one series per group: the dashboard's
        chart, with the ranked run-rate's numbers; only one project's, client's or model's spend when named."""
        return self.spend_answers.spend_over_time(window, by, bucket, since, until, project=project, client=client,
                                                  model=model)

    def spend(self, agent: str, window: str = "7d", bucket: str = "day") -> SpendSeries:
        """One agent's spend per hour or day over the window."""
        return self.spend_answers.spend(agent, window, bucket)

    def changes(self, target: str | None = None, since: str = "30d", kind: str | None = None, limit: int = 20,
                cursor: str | None = None) -> ChangesAnswer:
        """Change events newest first, for one node or all, over `since`."""
        return self.spend_answers.changes(target, since, kind, limit, cursor)

    def unattributed(self, window: str = "7d", limit: int = 20, cursor: str | None = None) -> UnattributedAnswer:
        """Spend under agent names that match no note, and models with no known price."""
        return self.spend_answers.unattributed(window, limit, cursor)

    def budgets(self, limit: int = 20, cursor: str | None = None) -> BudgetsAnswer:
        """Every budget against its limits, most used first, with the latest budget alerts."""
        return self.spend_answers.budgets(limit, cursor)

    def allowance(self, agent: str, run_id: str | None = None, project: str | None = None,
                  client: str | None = None) -> AllowanceAnswer:
        """May this agent (and this run) spend now? Allow or deny with the reason and what remains."""
        return self.spend_answers.allowance(agent, run_id, project, client)

    def pauses(self, agent: str | None = None, limit: int = 20, cursor: str | None = None) -> PausesAnswer:
        """The agents paused by a budget's stages, with the budget and stage that hold each and when it lifts."""
        return self.spend_answers.pauses(agent, limit, cursor)

    def runs(self, agent: str | None = None, since: str = "24h", top: int = 20, flagged: bool | None = None,
             cursor: str | None = None) -> RunsAnswer:
        """The most expensive runs over `since` (one agent's or all), with an agent's run-cost distribution."""
        return self.spend_answers.runs(agent, since, top, flagged, cursor)

    def alerts(self, since: str = "7d", kind: str | None = None, limit: int = 20,
               cursor: str | None = None) -> AlertsAnswer:
        """Alerts fired (budget thresholds, runaway runs, anomalies) over `since`, newest first."""
        return self.spend_answers.alerts(since, kind, limit, cursor)

    # -- money out: chargeback and reconciliation -----------------------------------------------------------------

    def costs(self, period: str | None = None, from_: str | None = None, to: str | None = None, by: str = "agent",
              allocate: bool = True, limit: int = 50, cursor: str | None = None) -> CostsAnswer:
        """Cost over a period (a month `2026-11`, a day, or from/to dates; default this month to date) by agent,
        owner, team, client, project or model; shared nodes' cost allocated to their dependents unless `allocate`
        is False. Rows add up to the total to the cent, unattributed spend its own row."""
        return self.cost_answers.costs(period, from_, to, by, allocate, limit, cursor)

    def costs_csv(self, period: str | None = None, from_: str | None = None, to: str | None = None,
                  by: str = "agent", allocate: bool = True) -> str:
        """Every row of `costs` as CSV."""
        return self.cost_answers.costs_csv(period, from_, to, by, allocate)

    def costs_focus_csv(self, period: str | None = None, from_: str | None = None, to: str | None = None,
                        allocate: bool = True) -> str:
        """The period's charges as a FOCUS 1.2 CSV file, for FinOps tools."""
        return self.cost_answers.costs_focus_csv(period, from_, to, allocate)

    def reconcile(self, period: str | None = None, from_: str | None = None,
                  to: str | None = None) -> ReconcileAnswer:
        """Tracked per-call spend against what providers billed (imported cost reports), per provider, spender
        and day: the gap in dollars and percent, explained by cause, explained and unexplained adding up to it."""
        return self.cost_answers.reconcile(period, from_, to)

    # -- anomalies ------------------------------------------------------------------------------------------------

    def anomalies(self, since: str = "7d", agent: str | None = None, state: str | None = None, limit: int = 10,
                  cursor: str | None = None) -> AnomaliesAnswer:
        """Breaks in agents' run-rate with onset within `since`, newest first: size, what moved, likely cause."""
        return self.anomaly_answers.anomalies(since, agent, state, limit, cursor)

    def explain_cost_change(self, agent: str, since: str = "7d") -> AnomalyExplanation:
        """Why did this agent's cost change? Its anomalies in full with ranked candidate causes and evidence."""
        return self.anomaly_answers.explain_cost_change(agent, since)

    def set_anomaly_state(self, anomaly_id: str, state: str, note: str | None = None) -> AnomalyBrief:
        """Acknowledge or resolve an anomaly (open, acknowledged, resolved_expected, resolved_unexpected)."""
        return self.anomaly_answers.set_anomaly_state(anomaly_id, state, note)

    # -- events in ------------------------------------------------------------------------------------------------

    def record_cost(self, events: Iterable[Mapping[str, Any]], source: str = "api") -> IngestAnswer:
        """Store cost events (idempotent by id); per-item results in input order."""
        return ingest_answer(self.intake.cost(events, source=source, item_results=True))

    def record_changes(self, events: Iterable[Mapping[str, Any]], source: str = "api",
                       force: bool = False) -> IngestAnswer:
        """Store change events (deploys, prompt, model, config changes; idempotent by id). One whose target names no
        node is refused by its field `target`, with the closest names, unless `force` or its own `"force": true`."""
        return ingest_answer(self.intake.recorded_changes(events, source=source, force=force), "change events")

    def record_change(self, target: str, kind: str, summary: str, *, ts: str | None = None, ref: str | None = None,
                      author: str | None = None, planned: bool = False, id: str | None = None,
                      force: bool = False, source: str = "api") -> IngestAnswer:
        """Store one change to `target` (a node's name, alias or path), at `ts` or now; `planned` marks an expected
        change, whose anomalies do not alert; `id` makes retries idempotent. A target that names no node raises
        NotFound with the closest names, unless `force` (a node whose note is not written yet: the change is kept
        under the name given and attributes once a note has it)."""
        if not force:
            resolve(self.graph, target, field="target")
        event: dict[str, Any] = {"target": target, "kind": kind, "summary": summary,
                                 "ts": ts or self.clock().isoformat(), "planned": planned}
        event.update({k: v for k, v in (("ref", ref), ("author", author), ("id", id)) if v})
        return self.record_changes([event], source=source, force=True)

    def receive_otlp(self, body: bytes, content_type: str) -> IngestAnswer:
        """One OTLP/HTTP trace export (JSON or protobuf): GenAI spans as cost events. A body that cannot be read at
        all raises `UnreadableBody` (OTLP/HTTP answers it with 400, or 415 for its content type)."""
        summary = self.intake.otlp(body, content_type)
        unreadable = next((r for r in summary.unreadable if r.field in ("body", "content-type")), None)
        if unreadable is not None:
            raise UnreadableBody(unreadable.message, field=unreadable.field)
        return summary.answer()

    def receive_litellm(self, payload: Any) -> IngestAnswer:
        """LiteLLM's generic logging-callback payload (one object or a list) as cost events."""
        return self.intake.litellm(payload).answer()

    def import_files(self, paths: Sequence[Path], *, format: str | None = None,
                     mapping: Mapping[str, str] | None = None, on_progress: Progress | None = None) -> ImportSummary:
        """Usage files of one format (detected per file when not named); rejected rows named by file and line."""
        return self.intake.files(paths, format=format, mapping=mapping, on_progress=on_progress)

    def ingest_jsonl(self, paths: Sequence[Path], on_progress: Progress | None = None) -> ImportSummary:
        """orgmap's own JSONL cost events, on the ledger's fast path."""
        return self.intake.jsonl_files(paths, on_progress)

    def import_git(self, repo: Path, *, path_map: Mapping[str, Sequence[str]] | None = None,
                   since: str | None = None) -> ImportSummary:
        """Commits and tags of a git repository as change events on the nodes whose `repo_paths` they touched."""
        return self.intake.git(repo, path_map=path_map, since=since)
