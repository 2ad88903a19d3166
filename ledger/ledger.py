"""The `Ledger`: opens the store, ingests events, evaluates budgets and run flags, keeps alerts, changes and anomaly
feedback; its questions are answered by its read side (`ledger.reads.Reads`), which it holds and delegates to.

It knows the company graph only through node ids and the callables the service passes in (`set_resolver`,
`group_of`). Attribution happens at query time from casefolded agent keys, so a new alias re-attributes the past.
"""

from __future__ import annotations

import json
import logging
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from .alerts import Alert, alert_from_row, crossed_at
from .attribution import Attribution
from .budgets import Allowance, BudgetSpec, BudgetStatus, budget_periods
from .events import EventError, agent_key, validate_change
from .feedback import STATES, Feedback
from .ingest import BatchOutcome, Numbered, write_batch
from .jsonl import read_jsonl
from .names import Resolver
from .outbox import DeliveryPolicy, Outbox
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
from .rows import AGENT, COST, KEY, PROJECT, TS, cost_row
from .runcosts import RunCostIndex
from .runrate import RunRate
from .runs import RunRecord, RunSettings, run_flags, with_flags
from .series import GroupedSpend, HourlySeries
from .sqlite_store import SQLiteStore
from .store import EventStore
from .tally import IngestTally
from .timeutil import HOUR_US, from_us, to_us

__all__ = ["Ledger"]

log = logging.getLogger(__name__)
_DAY_US = 86_400_000_000
# A per-run ceiling and the rolling hourly cap are guardrails the allowance enforces, not periods to pace through:
# they alert once, when reached (half of a run's ceiling is a normal run; 50/75/90% warnings on them were noise).
_CAPS = frozenset({"run", "hour"})
_CAP_LEVELS = (1.0,)


class Ledger:
    """Cost and change events of one store. Use `Ledger.open(path)`; close it (or use `with`)."""

    def __init__(self, store: EventStore, pricer: Pricer, *, webhook_url: str | None = None,
                 webhook_allow_link_local: bool = False, delivery: DeliveryPolicy | None = None,
                 clock: Callable[[], datetime] | None = None, batch_size: int = 2000) -> None:
        self.store = store
        self.pricer = pricer
        self.clock = clock or (lambda: datetime.now(UTC))
        self.batch_size = batch_size
        self.attribution = Attribution(store)
        self.reads = Reads(store, self.attribution, self.clock)
        self._outbox = (Outbox(store, webhook_url, allow_link_local=webhook_allow_link_local, policy=delivery,
                               clock=self.clock) if webhook_url else None)
        self._run_costs = RunCostIndex()

    @classmethod
    def open(cls, path: str | Path, *,
             price_overrides: str | Path | Mapping[tuple[str, str | None], PriceOverride] | None = None,
             webhook_url: str | None = None, webhook_allow_link_local: bool = False,
             delivery: DeliveryPolicy | None = None, clock: Callable[[], datetime] | None = None,
             batch_size: int = 2000) -> Ledger:
        """Open (creating or migrating) the SQLite store at `path`. With `webhook_url`, alerts are posted there
        (`ledger.outbox`); an address `ledger.destinations.check_webhook_url` refuses raises ValueError."""
        if isinstance(price_overrides, str | Path):
            price_overrides = load_overrides(price_overrides)
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        store = SQLiteStore(path)
        try:
            return cls(store, Pricer(price_overrides), webhook_url=webhook_url,
                       webhook_allow_link_local=webhook_allow_link_local, delivery=delivery, clock=clock,
                       batch_size=batch_size)
        except BaseException:
            store.close()
            raise

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

    def _deliver(self, fired: list[Alert]) -> None:
        """Wake the outbox for alerts just committed: it posts them off this thread, so ingest never waits."""
        if fired and self._outbox is not None:
            self._outbox.wake()

    # ---- configuration -------------------------------------------------------------------------------------
    def set_resolver(self, fn: Resolver) -> None:
        """`fn(agent name) -> node id or None`; call again after vault edits (names are re-resolved lazily)."""
        self.attribution.set_resolver(fn)

    def set_budgets(self, specs: Iterable[BudgetSpec]) -> None:
        self.attribution.set_budgets(specs)

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
        done = 0
        price = self.pricer.price
        for row, raw in numbered:
            done = row
            try:
                if isinstance(raw, EventError):
                    raise raw
                batch.append((row, cost_row(raw, source, price)))
            except EventError as exc:
                acc.reject(row, exc.field, exc.message)
                continue
            if len(batch) >= self.batch_size:
                self._commit(batch, acc)
                batch = []
                if on_progress:
                    on_progress(done, total)
        if batch:
            self._commit(batch, acc)
        if on_progress:
            on_progress(done, total)
        return acc.report()

    def _commit(self, batch: list[Numbered], acc: IngestTally) -> None:
        """One transaction per batch: rows, rollups, runs, and the alerts they fire (sent after the commit)."""
        with self.store.transaction():
            token = self._run_costs.begin(self.store)
            outcome = write_batch(self.store, batch)
            fired = self._evaluate(outcome)
        self._run_costs.committed(token)
        acc.add(outcome, self._node)
        acc.alerts += len(fired)
        self._deliver(fired)

    def ingest_changes(self, events: Iterable[Mapping[str, Any]], *, source: str | None = None) -> IngestReport:
        """Validate and store change events (idempotent by id)."""
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
            with self.store.transaction():
                new = self.store.insert_changes([e for _, e in chunk])
            for row, event in chunk:
                fresh = event.id in new
                new.discard(event.id)
                acc.count(row, event.id, fresh, event.warning)
                if fresh and self._node(agent_key(event.target), event.target) is None:
                    acc.unattributed.add(event.target)  # kept under its name; it attributes once a note has it
        return acc.report()

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
        costs = sorted(((r[TS], r[COST] or 0.0, r[KEY], r[PROJECT]) for _, r in outcome.stored), key=lambda c: c[0])
        fired: list[Alert] = []
        for spec in self.attribution.specs_for(nodes, projects):
            keys = self.attribution.spec_keys(spec)
            status = budget_periods(self.store, spec, keys, now)
            counted = None if keys is None else set(keys)
            mine = [(ts, cost) for ts, cost, key, project in costs
                    if (key in counted if counted is not None else project == spec.key)]
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
        """Alerts of the thresholds `status` reached: each at the time the spend crossed it (of `costs`, the batch's
        new events the budget counts, in time order), or a run's last event for a per-run budget."""
        fired = []
        for period in status.periods:
            when = f"{run.agent_key}/{run.run_id}" if run else period.start.isoformat() if period.start else (
                now.replace(minute=0, second=0, microsecond=0).isoformat())
            starts = to_us(period.start) if period.start else to_us(now) - HOUR_US
            new = [(ts, cost) for ts, cost in costs if ts >= starts]
            before = period.spent - sum(cost for _, cost in new)
            for t in _CAP_LEVELS if period.period in _CAPS else spec.thresholds:
                if period.used_pct + 1e-9 >= t * 100:
                    crossed = run.last_ts if run else crossed_at(before, t * period.limit, new)
                    message = (f"Budget {spec.scope} {spec.key}: {period.period} spend ${period.spent:,.2f} is "
                               f"{period.used_pct:.0f}% of ${period.limit:,.2f} (threshold {t:.0%})")
                    evidence = {"scope": spec.scope, "key": spec.key, "period": period.period, "since": when,
                                "spent": period.spent, "limit": period.limit, "threshold": t}
                    node = spec.key if spec.scope != "project" else None
                    dedupe = f"budget|{spec.scope}|{spec.key}|{period.period}|{when}|{t}"
                    at = now if crossed is None else from_us(crossed)
                    fired += self._alert(dedupe, at, now, "budget", node, message, evidence)
        return fired

    def _alert(self, dedupe: str, at: datetime, now: datetime, kind: str, node: str | None, message: str,
               evidence: dict[str, Any]) -> list[Alert]:
        """Record an alert that happened `at`, fired `now`, once per `dedupe` key."""
        alert_id = self.store.insert_alert(dedupe, to_us(at), to_us(now), kind, node, message, evidence)
        return [] if alert_id is None else [Alert(alert_id, at, now, kind, node, message, evidence)]

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
            if spec.per_run_usd is not None and spec.scope != "project" and self.attribution.covers(spec, node):
                status = budget_periods(self.store, spec, [], now, run_cost=lambda: run.cost)
                fired += self._thresholds(BudgetSpec(spec.scope, spec.key, per_run_usd=spec.per_run_usd,
                                                     thresholds=spec.thresholds), status, now, run)
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
        they fired), with their delivery state (`delivered_at` empty until a webhook took one)."""
        return [alert_from_row(r) for r in self.store.query_alerts(None if since is None else to_us(since), kind)]

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

    # ---- anomaly feedback ----------------------------------------------------------------------------------
    def set_anomaly_state(self, anomaly_id: str, state: str, note: str | None = None,
                          now: datetime | None = None) -> Feedback:
        """Keep the state a user set on an anomaly (detection recomputes anomalies; their state is all that is kept)."""
        if state not in STATES:
            raise ValueError(f"state must be one of {', '.join(STATES)}; got {state!r}")
        when = now or self.clock()
        with self.store.transaction():
            self.store.put_feedback(anomaly_id, state, note, to_us(when))
        return Feedback(anomaly_id, state, note, when)

    def anomaly_states(self) -> dict[str, Feedback]:
        """Anomaly id -> the state a user set on it."""
        return {r[0]: Feedback(r[0], r[1], r[2], from_us(r[3])) for r in self.store.query_feedback()}

    # ---- questions: answered by the read side --------------------------------------------------------------
    def run_rate(self, window: timedelta, by: str = "agent", now: datetime | None = None,
                 group_of: Callable[[str], Sequence[str]] | None = None) -> RunRate:
        return self.reads.run_rate(window, by, now, group_of)

    def grouped_spend(self, since: datetime, until: datetime, by: str = "agent", bucket: str = "day",
                      group_of: Callable[[str], Sequence[str]] | None = None) -> GroupedSpend:
        return self.reads.grouped_spend(since, until, by, bucket, group_of)

    def spend_series(self, node_id: str, window: timedelta, bucket: str = "hour",
                     now: datetime | None = None) -> list[SpendPoint]:
        return self.reads.spend_series(node_id, window, bucket, now)

    def spend_summary(self, node_ids: Sequence[str], window: timedelta,
                      now: datetime | None = None) -> dict[str, SpendSummary]:
        return self.reads.spend_summary(node_ids, window, now)

    def hourly_series(self, node_ids: Sequence[str], since: datetime, until: datetime) -> dict[str, HourlySeries]:
        return self.reads.hourly_series(node_ids, since, until)

    def unattributed(self, window: timedelta, now: datetime | None = None) -> list[UnattributedName]:
        return self.reads.unattributed(window, now)

    def unpriced(self, window: timedelta, now: datetime | None = None) -> list[UnpricedModel]:
        return self.reads.unpriced(window, now)

    def budget_status(self, now: datetime | None = None) -> list[BudgetStatus]:
        return self.reads.budget_status(now)

    def allowance(self, node_id: str, run_id: str | None = None, now: datetime | None = None,
                  project: str | None = None) -> Allowance:
        return self.reads.allowance(node_id, run_id, now, project)

    def runs(self, node_id: str | None = None, since: datetime | None = None, top: int | None = None,
             flagged: bool | None = None) -> list[RunView]:
        return self.reads.runs(node_id, since, top, flagged)

    def run_cost_distribution(self, node_id: str, window: timedelta, now: datetime | None = None) -> RunDistribution:
        return self.reads.run_cost_distribution(node_id, window, now)


def _describe(name: str, evidence: dict[str, Any]) -> str:
    if name == "cost":
        return f"${evidence['cost']:,.2f} > {evidence['k']:g} x median ${evidence['median']:,.4f}"
    return f"{evidence[name]} {name} > {evidence['threshold']}"
