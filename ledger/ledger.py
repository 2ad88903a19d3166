"""The `Ledger`: opens the store, ingests events, evaluates budgets and run flags, keeps alerts, changes and anomaly
feedback; its questions are answered by its read side (`ledger.reads.Reads`), which it holds and delegates to.

It knows the company graph only through node ids and the callables the service passes in (`set_resolver`,
`group_of`). Attribution happens at query time from casefolded agent keys, so a new alias re-attributes the past.
"""

from __future__ import annotations

import functools
import json
import logging
import threading
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

import msgspec

from .alerts import Alert, alert_from_row, crossed_at, delivery_from_row
from .attribution import Attribution
from .budget_alerts import budget_message, threshold_of
from .budgets import AgentPause, Allowance, BudgetSpec, BudgetStatus, PeriodStatus, budget_periods, projected
from .change_kinds import change_kind
from .costs import AggregateRow, CostLine, ToolUse, aggregate_rows, cost_lines, tool_use
from .dialect import StoreUnavailable
from .events import ChangeEvent, EventError, agent_key, is_outcome, validate_change, validate_outcome
from .feedback import STATES, Feedback
from .ingest import BatchOutcome, Numbered, Tally, prepare, write_batch
from .jsonl import read_jsonl
from .mailer import SmtpSettings
from .names import Resolver
from .outbox import DeliveryPolicy, Outbox, channels_for
from .overlap import Overlapped
from .pricing import PriceOverride, Pricer, load_overrides
from .reads import Reads
from .results import (
    ChangePage,
    ChangeRecord,
    IngestReport,
    RunDistribution,
    RunView,
    SpendPoint,
    SpendSummary,
    UnattributedName,
    UnpricedModel,
)
from .rollups import AGG_COUNTED, PER_CALL
from .rows import AGENT, CLIENT, COST, KEY, PROJECT, TS, cost_row
from .runcosts import RunCostIndex
from .runrate import RunRate
from .runs import RunRecord, RunSettings, run_flags, with_flags
from .scan_stamp import ScanWrites
from .series import GroupedSpend, HourlySeries
from .store import EventStore, open_store
from .tally import IngestTally
from .timeutil import HOUR_US, from_us, to_us
from .watch import FIELDS, MERGE_HOURS, AgentWatch, change_of, fold_rows

__all__ = ["Ledger"]

log = logging.getLogger(__name__)
_DAY_US = 86_400_000_000
# A per-run ceiling and the rolling hourly cap are guardrails the allowance enforces, not periods to pace through:
# they alert once, when reached (half of a run's ceiling is a normal run; 50/75/90% warnings on them were noise).
_CAPS = frozenset({"run", "hour"})
_CAP_LEVELS = (1.0,)
# Pauses before each retry of a write transaction whose connection to the store was lost (about 4 s in all).
_RETRY_PAUSES_S = (0.2, 1.0, 3.0)
T = TypeVar("T")
WATCHED_KINDS = frozenset(FIELDS.values())


class Ledger:
    """Cost and change events of one store. Use `Ledger.open(path)`; close it (or use `with`)."""

    def __init__(self, store: EventStore, pricer: Pricer, *, webhook_url: str | None = None,
                 webhook_allow_link_local: bool = False, delivery: DeliveryPolicy | None = None,
                 clock: Callable[[], datetime] | None = None, batch_size: int = 2000,
                 keep_events_days: int | None = None, smtp: SmtpSettings | None = None,
                 dashboard_url: str | None = None) -> None:
        self.store = store
        self.pricer = pricer
        self.clock = clock or (lambda: datetime.now(UTC))
        self.batch_size = batch_size
        if keep_events_days is not None and keep_events_days < 1:
            raise ValueError(f"keep_events_days must be at least 1; got {keep_events_days}")
        self.keep_events_days = keep_events_days
        self.dashboard_url = dashboard_url
        self.attribution = Attribution(store)
        self.reads = Reads(store, self.attribution, self.clock)
        self._outbox_lock = threading.Lock()
        self._outbox: Outbox | None = None
        self._outbox_args = (webhook_url, webhook_allow_link_local, delivery, smtp)
        self._run_costs = RunCostIndex()
        if webhook_url or store.next_delivery_due(0, channels_for(smtp)) is not None:  # what a past run left
            self._start_outbox()

    @classmethod
    def open(cls, path: str | Path, *,
             price_overrides: str | Path | Mapping[tuple[str, str | None], PriceOverride] | None = None,
             webhook_url: str | None = None, webhook_allow_link_local: bool = False,
             delivery: DeliveryPolicy | None = None, clock: Callable[[], datetime] | None = None,
             batch_size: int = 2000, keep_events_days: int | None = None, smtp: SmtpSettings | None = None,
             dashboard_url: str | None = None) -> Ledger:
        """Open (creating or migrating) the store at `path`: a SQLite file, or a PostgreSQL database named by a
        `postgresql://` URL (`ledger.store.open_store`). With `webhook_url`, alerts are posted there (`ledger.outbox`);
        an address `ledger.destinations.check_webhook_url` refuses raises ValueError. Alerts routed to people go by
        webhook, or by email through `smtp`; `dashboard_url` is the page budget alerts link to. With
        `keep_events_days`, raw events older than that many days are dropped now and by `apply_retention` (rollups and
        runs are kept), and events older than that are refused at ingest."""
        if isinstance(price_overrides, str | Path):
            price_overrides = load_overrides(price_overrides)
        store = open_store(path)
        try:
            led = cls(store, Pricer(price_overrides), webhook_url=webhook_url,
                      webhook_allow_link_local=webhook_allow_link_local, delivery=delivery, clock=clock,
                      batch_size=batch_size, keep_events_days=keep_events_days, smtp=smtp,
                      dashboard_url=dashboard_url)
        except BaseException:
            store.close()
            raise
        try:
            led.apply_retention()
        except BaseException:
            led.close()
            raise
        return led

    def __enter__(self) -> Ledger:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Try the alerts due (for a bounded time, `DeliveryPolicy.close_wait_s`), then close the store; alerts not
        delivered stay in it for the next run."""
        if self._outbox is not None:
            self._outbox.close()
        self.store.close()

    def flush_webhooks(self) -> None:
        """Wait until every alert due now has been tried once, delivered or its retry scheduled (tests, shutdown)."""
        if self._outbox is not None:
            self._outbox.flush()

    def _start_outbox(self) -> Outbox:
        """The delivery thread, started once: at open with a webhook or routed alerts waiting, else by the first
        routed alert."""
        with self._outbox_lock:
            if self._outbox is None:
                url, allow_link_local, delivery, smtp = self._outbox_args
                self._outbox = Outbox(self.store, url, allow_link_local=allow_link_local, policy=delivery,
                                      clock=self.clock, smtp=smtp)
            return self._outbox

    def _deliver(self, fired: list[Alert]) -> None:
        """Wake the outbox for alerts just committed: it sends them off this thread, so ingest never waits."""
        if not fired:
            return
        channels = channels_for(self._outbox_args[3])
        if self._outbox is None and any(d.destination.partition(":")[0] in channels for a in fired
                                        for d in a.deliveries):
            self._start_outbox()
        if self._outbox is not None:
            self._outbox.wake()

    # ---- configuration -------------------------------------------------------------------------------------
    def set_resolver(self, fn: Resolver) -> None:
        """`fn(agent name) -> node id or None`; call again after vault edits (names are re-resolved lazily)."""
        self.attribution.set_resolver(fn)

    def set_budgets(self, specs: Iterable[BudgetSpec]) -> None:
        self.attribution.set_budgets(specs)

    def set_agents(self, criticality: Mapping[str, str], names: Mapping[str, str] | None = None) -> None:
        """Each agent's criticality (`low`, `normal`, `critical`; unnamed: normal), and display names for messages."""
        self.attribution.set_criticality(criticality)
        self.attribution.set_names(names or {})

    def set_run_settings(self, default: RunSettings | None = None,
                         per_agent: Mapping[str, RunSettings] | None = None) -> None:
        """Outlier rules for runs: a default and per-agent (node id) overrides."""
        self.attribution.set_run_settings(default, per_agent)

    def _node(self, key: str, name: str | None = None) -> str | None:
        return self.attribution.node(key, name)

    # ---- ingest --------------------------------------------------------------------------------------------
    def ingest_cost(self, events: Iterable[Mapping[str, Any]], *, source: str | None = None,
                    on_progress: Callable[[int, int | None], None] | None = None,
                    item_results: bool = False) -> IngestReport:
        """Validate, price and store cost events in committed batches (streams any iterable).

        `item_results=True` adds one `ItemResult` per input item, in order (for API callers with small batches).
        """
        total = len(events) if isinstance(events, Sequence) else None
        return self._ingest(enumerate(events, 1), total, source, on_progress, item_results)

    def ingest_jsonl(self, path: str | Path, *, source: str | None = None,
                     on_progress: Callable[[int, int | None], None] | None = None) -> IngestReport:
        """Ingest a JSON Lines file of cost events; rows are line numbers, a line that is not a JSON object is
        rejected (field `json`) and the rest kept."""
        return self._ingest(read_jsonl(path), None, source, on_progress, False)

    def ingest_numbered(self, rows: Iterable[tuple[int, Mapping[str, Any]]], *, source: str | None = None,
                        on_progress: Callable[[int, int | None], None] | None = None) -> IngestReport:
        """`ingest_cost` for events numbered by the caller (a file's line, say): its rejections and warnings carry
        those numbers, so an importer's caller can name the place without keeping one per event."""
        return self._ingest(rows, None, source, on_progress, False)

    def _ingest(self, numbered: Iterable[tuple[int, Mapping[str, Any] | EventError]], total: int | None,
                source: str | None, on_progress: Callable[[int, int | None], None] | None,
                item_results: bool) -> IngestReport:
        acc = IngestTally(item_results)
        batch: list[Numbered] = []
        outcomes: list[Numbered] = []  # `kind: outcome` events, stored in the same transactions
        done = 0
        price = self.pricer.price
        horizon = self._horizon()
        writer = Overlapped("orgmap-ingest")  # commits batch N while this thread prepares batch N+1

        def commit(batch: list[Numbered], outcomes: list[Numbered], done: int, prepared: Tally | None) -> None:
            self._commit(batch, acc, outcomes, prepared)
            if on_progress:
                on_progress(done, total)

        try:
            for row, raw in numbered:
                done = row
                try:
                    if isinstance(raw, EventError):
                        raise raw
                    if is_outcome(raw):
                        outcomes.append((row, validate_outcome(raw if source is None or raw.get("source")
                                                               else {**raw, "source": source})))
                    else:
                        stored = cost_row(raw, source, price)
                        if horizon is not None and stored[TS] < horizon:
                            raise EventError("ts", f"is older than the {self.keep_events_days} days of raw events "
                                                   "this store keeps: it could not be told from one stored before, "
                                                   "so it is not counted")
                        batch.append((row, stored))
                except EventError as exc:
                    acc.reject(row, exc.field, exc.message)
                    continue
                if len(batch) + len(outcomes) >= self.batch_size:
                    writer.submit(functools.partial(commit, batch, outcomes, done, prepare(batch)))
                    batch, outcomes = [], []
        finally:
            writer.close()
        if batch or outcomes:
            self._commit(batch, acc, outcomes)
        if on_progress:
            on_progress(done, total)
        return acc.report()

    def _commit(self, batch: list[Numbered], acc: IngestTally, outcomes: Sequence[Numbered] = (),
                prepared: Tally | None = None) -> None:
        """One transaction per batch: rows, rollups, runs, outcomes, the changes they show and the alerts they fire
        (sent after the commit). `prepared`: the batch's `ledger.ingest.prepare`, computed off the writing thread."""

        def write() -> tuple[int, BatchOutcome, list[Alert], set[str]]:
            with self._writing() as scan:
                token = self._run_costs.begin(self.store)
                outcome = write_batch(self.store, batch, scan, prepared)
                if self._watch(outcome.stored):
                    scan.always()
                fired = self._evaluate(outcome)
                delivered = self.store.insert_outcomes([r for _, r in outcomes]) if outcomes else set()
                scan.hours(r[1] // HOUR_US for _, r in outcomes if r[0] in delivered)
                return token, outcome, fired, delivered

        token, outcome, fired, delivered = self._retrying(write, acc.accepted)
        self.reads.burn.changed()
        self._run_costs.committed(token)
        acc.add(outcome, self._node)
        acc.alerts += len(fired)
        self._deliver(fired)
        if outcomes:
            self._count_outcomes(outcomes, delivered, acc)

    def _count_outcomes(self, outcomes: Sequence[Numbered], fresh: set[str], acc: IngestTally) -> None:
        """Outcomes into the tally: stored or duplicate; a warning for an agent with no cost yet (its cost per
        outcome waits for its cost), and its name when it resolves to no node."""
        spending = self.store.agent_names()
        for row, r in outcomes:
            acc.count(row, r[0], r[0] in fresh, r[8])
            if r[0] in fresh:
                acc.outcomes += 1
                if r[3] not in spending:
                    acc.warn(row, "agent", f"no cost events for {r[2]!r} yet: its outcomes count toward cost per "
                                           "outcome once its cost arrives")
                if self._node(r[3], r[2]) is None:
                    acc.unattributed.add(r[2])

    def _watch(self, stored: list[Numbered]) -> bool:
        """Fold a batch's new events into their agents' watch states (`ledger.watch`) and store the changes they
        showed, unless the same change is recorded already (call inside the batch's transaction); True when it
        stored a change."""
        if not stored:
            return False
        rows = [r for _, r in stored]
        keys = sorted({r[KEY] for r in rows})
        held = self.store.get_watch(keys)
        states = {k: AgentWatch.from_json(msgspec.json.decode(held[k])) if k in held else AgentWatch() for k in keys}
        seen = [validate_change(change_of(s)) for s in fold_rows(states, rows)]
        self.store.put_watch([(k, msgspec.json.encode(state.to_json()).decode()) for k, state in states.items()])
        fresh = [e for e in seen if not self._same_changes(e, recorded=True)]
        if fresh:
            self.store.insert_changes(fresh)
        return bool(fresh)

    def _same_changes(self, change: ChangeEvent, *, recorded: bool) -> list[str]:
        """Ids of the changes that are `change` seen the other way: recorded ones (by a person, CI, the vault) when
        `recorded`, else ones seen in telemetry; same node (or name), same effective kind, within `MERGE_HOURS`."""
        kind = change_kind(change.kind, change.details)
        node = self._node(agent_key(change.target), change.target)
        near = MERGE_HOURS * HOUR_US
        rows = self.store.query_changes(None, change.ts - near, change.ts + near + 1, None, 10_000, None)
        return [r[0] for r in rows
                if (r[8] != "telemetry") is recorded and r[0] != change.id
                and change_kind(r[3], None if r[9] is None else json.loads(r[9])) == kind
                and (agent_key(r[2]) == agent_key(change.target)
                     or (node is not None and self._node(agent_key(r[2]), r[2]) == node))]

    def ingest_changes(self, events: Iterable[Mapping[str, Any]], *, source: str | None = None,
                       alike_within: timedelta | None = None) -> IngestReport:
        """Validate and store change events (idempotent by id). With `alike_within`, an event like one stored (same
        target, kind and summary) less than that apart is a duplicate too: the same vault edit seen by another
        replica, each watching its own copy of the vault."""
        acc = IngestTally(True)
        valid = []
        for row, raw in enumerate(events, 1):
            try:
                valid.append((row, validate_change(raw if source is None or raw.get("source")
                                                   else {**raw, "source": source})))
            except EventError as exc:
                acc.reject(row, exc.field, exc.message)
        for i in range(0, len(valid), self.batch_size):
            chunk = valid[i : i + self.batch_size]
            window = None if alike_within is None else int(alike_within.total_seconds() * 1_000_000)
            new = self._retrying(functools.partial(self._insert_changes, chunk, window), acc.accepted)
            for row, event in chunk:
                fresh = event.id in new
                new.discard(event.id)
                acc.count(row, event.id, fresh, event.warning)
                if fresh and self._node(agent_key(event.target), event.target) is None:
                    acc.unattributed.add(event.target)  # kept under its name; it attributes once a note has it
        return acc.report()

    def _horizon(self) -> int | None:
        """The time before which raw events are not kept (microseconds), or None when all are."""
        if self.keep_events_days is None:
            return None
        return to_us(self.clock()) - self.keep_events_days * _DAY_US

    def apply_retention(self) -> int:
        """Drop the raw events older than `keep_events_days` (rollups, runs, alerts and changes keep everything they
        summed); returns how many were dropped. The service runs it with its periodic scan."""
        horizon = self._horizon()
        if horizon is None:
            return 0

        def drop() -> int:
            with self.store.transaction():  # raw events only: no scan reads them (`ledger.scan_stamp`)
                return self.store.delete_events_before(horizon)

        return self._retrying(drop, 0)

    def _insert_changes(self, chunk: Sequence[tuple[int, ChangeEvent]], alike_within_us: int | None) -> set[str]:
        with self._writing() as scan:
            new = self.store.insert_changes([e for _, e in chunk], alike_within_us)
            if new:
                scan.always()
            # a change recorded here that telemetry showed already is one change: the recorded one is kept
            self.store.delete_changes([i for _, e in chunk if e.id in new and e.source != "telemetry"
                                       and change_kind(e.kind, e.details) in WATCHED_KINDS
                                       for i in self._same_changes(e, recorded=False)])
            return new

    @contextmanager
    def _writing(self) -> Iterator[ScanWrites]:
        """A write transaction of what spend figures and anomaly scans read; the block tells the `ScanWrites` it is
        given what it wrote, and the transaction bumps the store's scan stamp when a scan reads it
        (`ledger.scan_stamp`), judged by the clock read last, just before the commit. Alerts and their deliveries
        are written outside it: no scan reads them."""
        scan = ScanWrites()
        with self.store.transaction():
            yield scan
            if scan.moves_scan(self.clock()):
                self.store.bump_scan_stamp()

    def scan_stamp(self) -> int:
        """A cheap value (one row read) that moves whenever what an anomaly scan of the hours complete at the
        caller's clock hour reads may have changed, here or in another process or replica (`ledger.scan_stamp`).
        Read it before reading the data, so a scan memoised under it is never older than it says."""
        return self.store.scan_stamp()

    def _retrying(self, write: Callable[[], T], stored_before: int) -> T:
        """Run a write transaction, again after a pause when the connection to the store was lost (a database
        restarting or failing over): the lost attempt was rolled back whole. When it still fails, StoreUnavailable
        says how many events of this ingest were stored before, none of the rest."""
        for pause in (*_RETRY_PAUSES_S, None):
            try:
                return write()
            except StoreUnavailable as exc:
                if pause is None:
                    raise StoreUnavailable(f"{exc} (tried {len(_RETRY_PAUSES_S) + 1} times); {stored_before} events "
                                           "of this ingest were stored before it and none after: send the rest again "
                                           "(events already stored are skipped as duplicates)") from None
                log.warning("%s; trying the batch again in %.1f s", exc, pause)
                time.sleep(pause)
        raise AssertionError("unreachable")

    # ---- budgets and run flags -----------------------------------------------------------------------------
    def _evaluate(self, outcome: BatchOutcome) -> list[Alert]:
        """Fire budget thresholds (current periods) and run flags; each fires once, recorded in the batch's
        transaction (call inside it) and sent by the caller after the commit."""
        if not outcome.stored:
            return []
        now = self.clock()
        names = {(r[KEY], r[AGENT]) for _, r in outcome.stored}
        nodes = {n for key, agent in names if (n := self._node(key, agent)) is not None}
        projects = {p for _, r in outcome.stored if (p := r[PROJECT])}
        clients = {c for _, r in outcome.stored if (c := r[CLIENT])}
        costs = sorted(((r[TS], r[COST] or 0.0, r[KEY], r[PROJECT], r[CLIENT]) for _, r in outcome.stored),
                       key=lambda c: c[0])
        fired: list[Alert] = []
        for spec in self.attribution.specs_for(nodes, projects, clients):
            keys = self.attribution.spec_keys(spec)
            status = budget_periods(self.store, spec, keys, now, with_burn=False)
            counted = None if keys is None else set(keys)
            mine = [(ts, cost) for ts, cost, key, project, client in costs
                    if (key in counted if counted is not None else
                        (project if spec.scope == "project" else client) == spec.key)]
            fired += self._thresholds(spec, status, now, None, mine)
        return fired + self._check_runs(outcome.runs, now)

    def raise_alert(self, dedupe: str, kind: str, node: str | None, message: str, evidence: dict[str, Any],
                    now: datetime | None = None, at: datetime | None = None) -> Alert | None:
        """Fire an alert of another part of orgmap (anomalies) through the same path as budgets: recorded once per
        `dedupe` key at `now`, as having happened `at` (default: `now`), then posted to the webhook. None when that
        key already fired."""
        recorded = now or self.clock()
        with self.store.transaction():
            fired = self._alert(dedupe, at or recorded, recorded, kind, node, message, evidence)
        self._deliver(fired)
        return fired[0] if fired else None

    def _thresholds(self, spec: BudgetSpec, status: BudgetStatus, now: datetime, run: RunRecord | None,
                    costs: Sequence[tuple[int, float]] = ()) -> list[Alert]:
        """One alert per period for the thresholds `status` reached that had not fired before, naming them all (an
        ingest that jumps from 40% to 127% sends one message, not four), routed to the people who hear the highest
        of them. It happened when the spend crossed that one (of `costs`, the batch's new events the budget counts,
        in time order), or at a run's last event for a per-run budget. Each threshold fires once: the alert's key
        ends with the highest it names, and later ones fire only above it."""
        fired = []
        for period in status.periods:
            reached = [t for t in (_CAP_LEVELS if period.period in _CAPS else spec.thresholds)
                       if period.used_pct + 1e-9 >= t * 100]
            if not reached:
                continue
            when = f"{run.agent_key}/{run.run_id}" if run else period.start.isoformat() if period.start else (
                now.replace(minute=0, second=0, microsecond=0).isoformat())
            prefix = f"budget|{spec.scope}|{spec.key}|{period.period}|{when}|"
            done = max((threshold_of(key, prefix) for key in self.store.alert_dedupes(prefix)), default=0.0)
            new = sorted(t for t in reached if t > done)
            if not new:
                continue
            starts = to_us(period.start) if period.start else to_us(now) - HOUR_US
            fresh = [(ts, cost) for ts, cost in costs if ts >= starts]
            before = period.spent - sum(cost for _, cost in fresh)
            crossed = {t: run.last_ts if run else crossed_at(before, t * period.limit, fresh) for t in new}
            if period.end is not None and period.burn_usd_per_day is None:  # ingest left the burn to this moment
                period = projected(self.store, spec, self.attribution.spec_keys(spec), period, now)
            top = self._top_agents(spec, period, now, run)
            message, evidence = budget_message(spec, period, new, top, self.dashboard_url)
            evidence.update(since=when, crossed_at={str(t): None if c is None else from_us(c).isoformat()
                                                    for t, c in crossed.items()})
            node = spec.key if spec.scope in ("agent", "owner") else None
            last = crossed[new[-1]]
            at = now if last is None else from_us(last)
            fired += self._alert(prefix + str(new[-1]), at, now, "budget", node, message, evidence,
                                 spec.routes_for(new))
        return fired

    def _top_agents(self, spec: BudgetSpec, period: PeriodStatus, now: datetime,
                    run: RunRecord | None) -> list[tuple[str, float]]:
        """The three agents (display names) that spent most of a budget's period: who is behind the spend."""
        if run is not None:
            return [(self.attribution.label(self._node(run.agent_key) or run.agent_key), run.cost)]
        keys = self.attribution.spec_keys(spec)
        if keys == []:
            return []
        start = period.start or now - timedelta(hours=1)
        rows = self.store.rollup_sum(
            ("agent_key",), to_us(start) // HOUR_US, to_us(now) // HOUR_US + 1, slim=keys is not None,
            aggs=(PER_CALL, AGG_COUNTED), agent_keys=keys, measures=("cost",),
            project=spec.key if spec.scope == "project" else None, client=spec.key if spec.scope == "client" else None)
        by_agent: dict[str, float] = defaultdict(float)
        names = self.store.agent_names() if rows else {}
        for key, cost, *_ in rows:
            by_agent[self.attribution.label(self._node(key) or names.get(key, key))] += cost
        return sorted(by_agent.items(), key=lambda item: (-item[1], item[0]))[:3]

    def _alert(self, dedupe: str, at: datetime, now: datetime, kind: str, node: str | None, message: str,
               evidence: dict[str, Any], routes: Sequence[tuple[str, str]] = ()) -> list[Alert]:
        """Record an alert that happened `at`, fired `now`, once per `dedupe` key, with a delivery per route."""
        alert_id = self.store.insert_alert(dedupe, to_us(at), to_us(now), kind, node, message, evidence)
        if alert_id is None:
            return []
        if routes:
            self.store.insert_deliveries(alert_id, to_us(now), routes)
        deliveries = [delivery_from_row(r) for r in self.store.query_deliveries([alert_id])] if routes else []
        return [Alert(alert_id, at, now, kind, node, message, evidence, deliveries=deliveries)]

    def _check_runs(self, runs: list[RunRecord], now: datetime) -> list[Alert]:
        """Per-run budgets and outlier flags of the runs a batch touched; the medians of peer run costs come from the
        in-memory index (read from the store once per agent, then kept current, so a batch's check costs about its
        own runs however many are stored)."""
        by_agent: dict[str, list[RunRecord]] = defaultdict(list)
        for run in runs:
            by_agent[run.agent_key].append(run)
        settings_of = {key: self.attribution.run_settings(key) for key in by_agent}
        self._run_costs.record(runs)
        medians = self._run_costs.medians(self.store, {
            key: (todo, settings_of[key].window_days * _DAY_US) for key, agent_runs in by_agent.items()
            if (todo := [r for r in agent_runs if r.cost > 0 and not r.aggregate_only and "cost" not in r.flags])})
        fired: list[Alert] = []
        flagged: list[RunRecord] = []
        for key, agent_runs in by_agent.items():
            settings = settings_of[key]
            for run in agent_runs:
                fired += self._check_run(run, now, settings, medians.get((key, run.run_id), (0.0, 0)), flagged)
        if flagged:
            self.store.put_runs(flagged)  # one statement for the batch's newly flagged runs
        return fired

    def _check_run(self, run: RunRecord, now: datetime, settings: RunSettings, peers: tuple[float, int],
                   flagged: list[RunRecord]) -> list[Alert]:
        """A run's per-run budget alerts and new outlier flags; a flagged run (with its flags) goes to `flagged`."""
        node = self._node(run.agent_key)
        fired: list[Alert] = []
        for spec in self.attribution.budgets:
            if spec.per_run_usd is not None and spec.scope in ("agent", "owner") and self.attribution.covers(spec,
                                                                                                           node):
                per_run = replace(spec, daily_usd=None, monthly_usd=None, hourly_usd=None)
                status = budget_periods(self.store, per_run, [], now, run_cost=lambda: run.cost)
                fired += self._thresholds(per_run, status, now, run)
        flags = run_flags(run, settings, peers)
        for name, evidence in flags.items():
            evidence = {**evidence, "agent": run.agent_key, "run_id": run.run_id}
            message = f"Run {run.run_id} of {node or run.agent_key}: {name} outlier ({_describe(name, evidence)})"
            fired += self._alert(f"run|{run.agent_key}|{run.run_id}|{name}", from_us(run.last_ts), now, "run", node,
                                 message, evidence)
        if flags:
            flagged.append(with_flags(run, list(flags)))
        return fired

    # ---- alerts and changes --------------------------------------------------------------------------------
    def alerts(self, since: datetime | None = None, kind: str | None = None) -> list[Alert]:
        """Fired alerts that happened since `since`, oldest first by when they happened (`ts`; `recorded_at` is when
        they fired), with their delivery state (`delivered_at` empty until a webhook took one; `deliveries` the
        state of each person's)."""
        found = [alert_from_row(r) for r in self.store.query_alerts(None if since is None else to_us(since), kind)]
        routed: dict[int, list] = defaultdict(list)
        for row in self.store.query_deliveries([a.id for a in found]) if found else []:
            delivery = delivery_from_row(row)
            routed[delivery.alert_id].append(delivery)
        return [replace(a, deliveries=routed[a.id]) if a.id in routed else a for a in found]

    def changes(self, targets: Sequence[str] | None = None, since: datetime | None = None,
                until: datetime | None = None, kinds: Sequence[str] | None = None, limit: int = 50,
                cursor: str | None = None) -> ChangePage:
        """Change events, newest first, for nodes `targets` (raw targets resolved now) and a time range."""
        keys = None
        if targets is not None:
            wanted = set(targets)
            folded = {agent_key(t) for t in targets}
            keys = [k for k in self.store.change_target_keys() if k in folded or self._node(k) in wanted]
        after = None
        if cursor:
            ts, _, last_id = cursor.partition(":")
            after = (int(ts), last_id)
        rows = self.store.query_changes(keys, None if since is None else to_us(since),
                                        None if until is None else to_us(until), kinds, limit + 1, after)
        items = [
            ChangeRecord(r[0], from_us(r[1]), r[2], self._node(agent_key(r[2]), r[2]), r[3], r[4], r[5], r[6],
                         bool(r[7]), r[8], None if r[9] is None else json.loads(r[9]))
            for r in rows[:limit]
        ]
        more = len(rows) > limit
        return ChangePage(items, f"{rows[limit - 1][1]}:{rows[limit - 1][0]}" if more else None)

    def outcomes(self, since: datetime, until: datetime,
                 keys: Sequence[str] | None = None) -> dict[str | None, dict[str, tuple[int, float, int]]]:
        """Outcome events over [since, until) per node (None: names no note carries) and outcome name: (count, sum of
        value_usd, how many carried a value); `keys` (agent keys) narrows the read."""
        found: dict[str | None, dict[str, tuple[int, float, int]]] = defaultdict(dict)
        for key, name, count, value, valued in self.store.outcome_counts(keys, to_us(since), to_us(until)):
            mine = found[self._node(key)]
            before = mine.get(name, (0, 0.0, 0))
            mine[name] = (before[0] + count, before[1] + value, before[2] + valued)
        return dict(found)

    # ---- anomaly feedback ----------------------------------------------------------------------------------
    def set_anomaly_state(self, anomaly_id: str, state: str, note: str | None = None,
                          now: datetime | None = None) -> Feedback:
        """Keep the state a user set on an anomaly (detection recomputes anomalies; their state is all that is kept)."""
        if state not in STATES:
            raise ValueError(f"state must be one of {', '.join(STATES)}; got {state!r}")
        when = now or self.clock()
        with self._writing() as scan:
            self.store.put_feedback(anomaly_id, state, note, to_us(when))
            scan.always()
        return Feedback(anomaly_id, state, note, when)

    def anomaly_states(self) -> dict[str, Feedback]:
        """Anomaly id -> the state a user set on it."""
        return {r[0]: Feedback(r[0], r[1], r[2], from_us(r[3])) for r in self.store.query_feedback()}

    # ---- questions: answered by the read side --------------------------------------------------------------
    def run_rate(self, window: timedelta, by: str = "agent", now: datetime | None = None,
                 group_of: Callable[[str], Sequence[str]] | None = None, *, project: str | None = None,
                 client: str | None = None, model: str | None = None) -> RunRate:
        return self.reads.run_rate(window, by, now, group_of, project=project, client=client, model=model)

    def grouped_spend(self, since: datetime, until: datetime, by: str = "agent", bucket: str = "day",
                      group_of: Callable[[str], Sequence[str]] | None = None, *, project: str | None = None,
                      client: str | None = None, model: str | None = None,
                      part: tuple[datetime, datetime] | None = None,
                      onto: Mapping[str | None, Sequence[float]] | None = None) -> GroupedSpend:
        return self.reads.grouped_spend(since, until, by, bucket, group_of, project=project, client=client,
                                        model=model, part=part, onto=onto)

    def spend_series(self, node_id: str, window: timedelta, bucket: str = "hour",
                     now: datetime | None = None) -> list[SpendPoint]:
        return self.reads.spend_series(node_id, window, bucket, now)

    def spend_summary(self, node_ids: Sequence[str], window: timedelta,
                      now: datetime | None = None) -> dict[str, SpendSummary]:
        return self.reads.spend_summary(node_ids, window, now)

    def hourly_series(self, node_ids: Sequence[str], since: datetime, until: datetime,
                      units: Mapping[str, str] | None = None) -> dict[str, HourlySeries]:
        return self.reads.hourly_series(node_ids, since, until, units)

    def unattributed(self, window: timedelta, now: datetime | None = None) -> list[UnattributedName]:
        return self.reads.unattributed(window, now)

    def unpriced(self, window: timedelta, now: datetime | None = None) -> list[UnpricedModel]:
        return self.reads.unpriced(window, now)

    def budget_status(self, now: datetime | None = None) -> list[BudgetStatus]:
        return self.reads.budget_status(now)

    def allowance(self, node_id: str, run_id: str | None = None, now: datetime | None = None,
                  project: str | None = None, client: str | None = None) -> Allowance:
        return self.reads.allowance(node_id, run_id, now, project, client)

    def pauses(self, now: datetime | None = None) -> list[AgentPause]:
        return self.reads.pauses(now)

    def runs(self, node_id: str | None = None, since: datetime | None = None, top: int | None = None,
             flagged: bool | None = None) -> list[RunView]:
        return self.reads.runs(node_id, since, top, flagged)

    def run_cost_distribution(self, node_id: str, window: timedelta, now: datetime | None = None) -> RunDistribution:
        return self.reads.run_cost_distribution(node_id, window, now)

    def cost_lines(self, since: datetime, until: datetime, *, per_call_only: bool = False) -> list[CostLine]:
        return cost_lines(self.store, self.attribution, since, until, per_call_only=per_call_only)

    def aggregate_rows(self, since: datetime, until: datetime,
                       sources: Sequence[str] | None = None) -> list[AggregateRow]:
        return aggregate_rows(self.store, self.attribution, since, until, sources)

    def tool_use(self, since: datetime, until: datetime) -> list[ToolUse]:
        return tool_use(self.store, self.attribution, since, until)


def _describe(name: str, evidence: dict[str, Any]) -> str:
    if name == "cost":
        return f"${evidence['cost']:,.2f} > {evidence['k']:g} x median ${evidence['median']:,.4f}"
    return f"{evidence[name]} {name} > {evidence['threshold']}"
