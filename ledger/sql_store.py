"""The event store, written once in portable SQL over a `Dialect` (SQLite or PostgreSQL): every method runs the same
statements on both; what differs (connections, placeholders, column types, bulk insert) is the dialect's.

Portable here means: `?` placeholders, `INSERT ... ON CONFLICT (key) DO NOTHING / DO UPDATE` (never `INSERT OR`),
`RETURNING` for generated ids, `1 = 1` for true, CASE for scalar max/min, and the schema's INTEGER/REAL/TEXT.
"""

from __future__ import annotations

import functools
import json
import operator
from collections.abc import Callable, Iterable, Sequence
from contextlib import AbstractContextManager
from typing import Any

import msgspec

from .alerts import ALERT_COLUMNS, DELIVERY_COLUMNS
from .dialect import Dialect, in_list
from .events import ChangeEvent
from .names import union_ids
from .rollups import AGG_COUNTED, AGG_SHADOWED, Deltas, add, folds
from .runs import RunRecord
from .schema import COST_COLUMNS, MEASURES, migrate

__all__ = ["SQLStore"]

_DIM_COLS = ("agent_key", "model", "provider", "client", "project", "kind", "agg")
_SUMS = ", ".join(f"SUM({m})" for m in MEASURES)
_RUN_COLS = (
    "agent_key", "run_id", "first_ts", "last_ts", "first_dims", "calls", "input_tokens", "output_tokens",
    "cache_read_tokens", "cache_write_tokens", "reasoning_tokens", "cost", "unpriced", "tool_cost",
    "retrieval_cost", "retry_events", "errors", "last_error", "models", "client", "project", "task",
    "aggregate_only", "flags",
)


def _adding(table: str, keys: Sequence[str]) -> tuple[str, Sequence[str], str]:
    """An upsert (`Dialect.upsert_rows`) of a rollup table: the measures of a key already there are added to."""
    updates = ", ".join(f"{m} = {table}.{m} + excluded.{m}" for m in MEASURES)
    return table, (*keys, *MEASURES), f"ON CONFLICT ({', '.join(keys)}) DO UPDATE SET {updates}"


# the tables holding money, and their cost column: a copy is verified by these totals
_MONEY = {"cost_events": "cost_usd", "rollup_hour": "cost", "rollup_day": "cost", "agent_hour": "cost",
          "agent_day": "cost", "agent_week": "cost", "runs": "cost", "spend_minute": "cost"}
_PUT_RUN = ("runs", _RUN_COLS,
            f"ON CONFLICT (agent_key, run_id) DO UPDATE SET {', '.join(f'{c} = excluded.{c}' for c in _RUN_COLS[2:])}")
_UPSERTS = {
    "hour": _adding("rollup_hour", ("hour", *_DIM_COLS)),
    "day": _adding("rollup_day", ("day", *_DIM_COLS)),
    "agent_hour": _adding("agent_hour", ("agent_key", "hour", "agg")),
    "agent_day": _adding("agent_day", ("agent_key", "day", "agg")),
    "agent_week": _adding("agent_week", ("week", "agent_key", "agg")),
}
_ADD_MINUTES = ("spend_minute", ("agent_key", "minute", "project", "cost"),
                "ON CONFLICT (agent_key, minute, project) DO UPDATE SET cost = spend_minute.cost + excluded.cost")


# the event columns mostly empty: a row is inserted with those it holds only (`SQLStore.insert_cost_rows`)
_SPARSE = ("tool", "client", "task", "duration_ms", "status", "runs", "period_s", "source", "attributes", "warning",
           "agent_ids", "agent_version", "deploy_id", "prompt_hash", "tools_hash")
_SPARSE_AT = [COST_COLUMNS.index(c) for c in _SPARSE]
_SPARSE_OF = operator.itemgetter(*_SPARSE_AT)
_NONES = (None,) * len(_SPARSE)
_NO_SPARSE = (False,) * len(_SPARSE)


@functools.lru_cache(maxsize=256)
def _insert_shape(mask: tuple[bool, ...]) -> tuple[tuple[str, ...], Callable[[tuple], tuple]]:
    """The columns an event row with these sparse columns set is inserted with, and the getter of their values."""
    skipped = {at for at, held in zip(_SPARSE_AT, mask, strict=True) if not held}
    kept = [at for at in range(len(COST_COLUMNS)) if at not in skipped]
    return tuple(COST_COLUMNS[at] for at in kept), operator.itemgetter(*kept)


def _run_from_row(row: Sequence[Any]) -> RunRecord:
    values = dict(zip(_RUN_COLS, row, strict=True))
    values["first_key"] = tuple(msgspec.json.decode(values.pop("first_dims")))
    values["models"] = tuple(msgspec.json.decode(values["models"]))
    values["flags"] = tuple(msgspec.json.decode(values["flags"]))
    values["last_error"] = bool(values["last_error"])
    values["aggregate_only"] = bool(values["aggregate_only"])
    return RunRecord(**values)


def _run_to_row(run: RunRecord) -> tuple:
    return (
        run.agent_key, run.run_id, run.first_ts, run.last_ts, msgspec.json.encode(run.first_key).decode(), run.calls,
        run.input_tokens, run.output_tokens, run.cache_read_tokens, run.cache_write_tokens, run.reasoning_tokens,
        run.cost, run.unpriced, run.tool_cost, run.retrieval_cost, run.retry_events, run.errors,
        int(run.last_error), msgspec.json.encode(run.models).decode(), run.client, run.project, run.task,
        int(run.aggregate_only), msgspec.json.encode(run.flags).decode(),
    )


def _parts(first_hour: int, end_hour: int, bucket: str | None, weeks: bool) -> list[tuple[str, int, int]]:
    """The (table grain, first, end) ranges that tile [first_hour, end_hour): whole weeks (when `weeks`) and whole
    days (unless bucketed by hour), the rest in hours; empty ranges left out."""
    if bucket == "hour":
        parts = [("hour", first_hour, end_hour)]
    else:
        d0, d1 = -(-first_hour // 24), end_hour // 24
        if d0 >= d1:
            return [("hour", first_hour, end_hour)] if first_hour < end_hour else []
        w0, w1 = -(-d0 // 7), d1 // 7
        days = [("week", w0, w1), ("day", d0, w0 * 7), ("day", w1 * 7, d1)] if weeks and w0 < w1 else [("day", d0, d1)]
        parts = [*days, ("hour", first_hour, d0 * 24), ("hour", d1 * 24, end_hour)]
    return [p for p in parts if p[1] < p[2]]


class _Where:
    """A WHERE clause built from optional filters: a filter whose value is None adds nothing."""

    def __init__(self) -> None:
        self.parts: list[str] = ["1 = 1"]
        self.params: list[Any] = []

    def add(self, sql: str, *params: Any) -> None:
        self.parts.append(sql)
        self.params.extend(params)

    def compare(self, sql: str, value: Any) -> None:
        if value is not None:
            self.add(sql, value)

    def within(self, column: str, values: Sequence[Any] | None) -> None:
        if values is not None:
            self.add(in_list(column, values), *values)

    @property
    def sql(self) -> str:
        return " AND ".join(self.parts)


class SQLStore:
    """The `EventStore` over one database: each method's SQL, run by the dialect (`SQLiteStore`, `PostgresStore`)."""

    def __init__(self, dialect: Dialect) -> None:
        self.dialect = dialect
        try:
            self.migrated_from = migrate(dialect)
        except BaseException:
            dialect.close()
            raise

    @property
    def location(self) -> str:
        """Where the store is, safe to print (a URL without its password)."""
        return self.dialect.location

    def transaction(self) -> AbstractContextManager[None]:
        return self.dialect.transaction()

    def data_version(self) -> int:
        """Changes when another connection commits to the store, never for ours."""
        return self.dialect.data_version()

    def scan_stamp(self) -> int:
        """The scan stamp (`ledger.scan_stamp`): one row read, so a memoised scan checks it on every question."""
        return int(self._run("SELECT value FROM store_meta WHERE key = 'scan_stamp'")[0][0])

    def _run(self, sql: str, params: Sequence[Any] = ()) -> list[tuple]:
        """One statement's rows: in the thread's transaction when there is one (its writes are seen), else alone."""
        return self.dialect.execute(self.dialect.sql(sql), params)

    def _many(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        self.dialect.executemany(self.dialect.sql(sql), rows)

    def close(self) -> None:
        self.dialect.close()

    def store_id(self) -> str:
        """A random id made when the store was created (or migrated to schema 4): it names this store to others."""
        return self._run("SELECT value FROM store_meta WHERE key = 'store_id'")[0][0]

    # ---- copying a store (`orgmap migrate-store`) ----------------------------------------------------------------
    def copy_to(self, target: SQLStore) -> dict[str, tuple[int, float | None]]:
        """Copy every table into `target` (migrated to the same schema; refused unless it holds no events) in one
        transaction, verified before it commits: per table the rows and, for tables holding money, the cost total
        must be equal on both sides, else the copy raises ValueError and nothing of it is kept. Returns per table
        (rows, cost total or None)."""
        if target.count("cost_events") or target.count("runs") or target.count("alerts"):
            raise ValueError(f"{target.location} already holds events: copy into an empty store")
        mine = self.dialect.tables()
        with target.transaction():
            theirs = target.dialect.tables()
            for table, columns in mine.items():
                if table not in theirs:
                    raise ValueError(f"{target.location} has no table {table}: is it the same orgmap version?")
                cols = [c for c in columns if c in theirs[table]]
                if table == "store_meta":  # the store keeps its id (webhook receivers know it by it)
                    target._run("DELETE FROM store_meta")
                for rows in self.dialect.chunks(f"SELECT {', '.join(cols)} FROM {table}"):
                    target.dialect.insert_rows(table, cols, rows)
            target.dialect.after_copy()
            checked = {table: (self.count(table), self._cost(table)) for table in mine}
            differ = [t for t, (rows, cost) in checked.items()
                      if (target.count(t), target._cost(t)) != (rows, cost)]
            if differ:
                raise ValueError(f"the copy differs from the source in {', '.join(differ)}; nothing was kept")
        return checked

    def count(self, table: str) -> int:
        """How many rows `table` holds."""
        return self._run(f"SELECT count(*) FROM {table}")[0][0]

    def _cost(self, table: str) -> float | None:
        """The cost total of a table holding money, to the micro-dollar; None for other tables."""
        column = _MONEY.get(table)
        return None if column is None else round(self._run(f"SELECT COALESCE(SUM({column}), 0) FROM {table}")[0][0], 6)

    # ---- writes -------------------------------------------------------------------------------------------
    def bump_scan_stamp(self) -> None:
        self._run("UPDATE store_meta SET value = CAST(CAST(value AS BIGINT) + 1 AS TEXT) WHERE key = 'scan_stamp'")

    def existing_cost_ids(self, keys: Sequence[int]) -> set[str]:
        """The ids of the stored events whose idempotency key (`ledger.schema.id_key`) is one of `keys`: the caller
        compares ids, so an event whose key another id shares is still new."""
        found: set[str] = set()
        for i in range(0, len(keys), 30000):
            chunk = keys[i : i + 30000]
            where, params = self.dialect.one_of("id_key", chunk)
            rows = self._run(f"SELECT id FROM cost_events WHERE {where}", params)
            found.update(r[0] for r in rows)
        return found

    def insert_cost_rows(self, rows: Sequence[tuple]) -> None:
        """Append event rows, each with only its columns that hold a value among those mostly empty (`_SPARSE`):
        the rest default to NULL, and binding a parameter costs about as much per column as the insert's other work
        (19 columns instead of 34 take 0.4x the time on SQLite). Rows are grouped by which of those they hold."""
        groups: dict[tuple[bool, ...], list[tuple]] = {}
        for row in rows:
            sparse = _SPARSE_OF(row)
            mask = _NO_SPARSE if sparse == _NONES else tuple(v is not None for v in sparse)
            group = groups.get(mask)
            if group is None:
                group = groups[mask] = []
            group.append(row)
        for mask, group in groups.items():
            columns, values_of = _insert_shape(mask)
            self.dialect.insert_rows("cost_events", columns, list(map(values_of, group)))

    def apply_deltas(self, deltas: Deltas) -> None:
        for name, folded in zip(("hour", "day", "agent_hour", "agent_day", "agent_week"), (deltas, *folds(deltas)),
                                strict=True):
            self.dialect.upsert_rows(*_UPSERTS[name], [(*k, *m) for k, m in folded.items()])

    def add_minute_spend(self, rows: Iterable[tuple[str, int, str, float]]) -> None:
        self.dialect.upsert_rows(*_ADD_MINUTES, list(rows))

    def delete_events_before(self, ts: int) -> int:
        """Drop the raw cost events that happened before `ts` (retention; rollups and runs keep their figures)."""
        count = self._run("SELECT count(*) FROM cost_events WHERE ts < ?", (ts,))[0][0]
        self._run("DELETE FROM cost_events WHERE ts < ?", (ts,))
        return count

    def prune_minutes(self, before_minute: int) -> None:
        self._run("DELETE FROM spend_minute WHERE minute < ?", (before_minute,))

    def has_per_call(self, agent_key: str, first_hour: int, end_hour: int) -> bool:
        return bool(self._run(
            "SELECT 1 FROM agent_hour WHERE agent_key = ? AND hour >= ? AND hour < ? AND agg = 0 AND calls > 0 LIMIT 1",
            (agent_key, first_hour, end_hour),
        ))

    def open_buckets_covering(self, agent_key: str, hour: int) -> list[tuple[int, int]]:
        return [(r[0], r[1]) for r in self._run(
            "SELECT start_hour, hours FROM agg_buckets WHERE agent_key = ? AND shadowed = 0 AND start_hour <= ? "
            "AND start_hour + hours > ?", (agent_key, hour, hour),
        )]

    def add_bucket(self, agent_key: str, start_hour: int, hours: int, shadowed: bool) -> None:
        self._run(
            "INSERT INTO agg_buckets VALUES (?, ?, ?, ?) ON CONFLICT (agent_key, start_hour, hours) "
            "DO UPDATE SET shadowed = CASE WHEN excluded.shadowed > agg_buckets.shadowed THEN excluded.shadowed "
            "ELSE agg_buckets.shadowed END", (agent_key, start_hour, hours, int(shadowed)),
        )

    def shadow_bucket(self, agent_key: str, start_hour: int, hours: int) -> Deltas:
        rows = self._run(
            f"SELECT hour, {', '.join(_DIM_COLS)}, {', '.join(MEASURES)} FROM rollup_hour "
            "WHERE hour = ? AND agent_key = ? AND agg = ?", (start_hour, agent_key, AGG_COUNTED),
        )
        self._run(
            "UPDATE agg_buckets SET shadowed = 1 WHERE agent_key = ? AND start_hour = ?", (agent_key, start_hour)
        )
        moves: Deltas = {}
        for row in rows:
            key, measures = row[:8], row[8:]
            add(moves, key, measures, -1)
            add(moves, (*key[:7], AGG_SHADOWED), measures)
        return moves

    def any_shadowed(self) -> bool:
        """Whether any aggregate was ever shadowed (only then do rollups hold agg = 2 rows)."""
        return bool(self._run("SELECT 1 FROM agg_buckets WHERE shadowed = 1 LIMIT 1"))

    def agents_with_open_buckets(self) -> set[str]:
        return {r[0] for r in self._run("SELECT DISTINCT agent_key FROM agg_buckets WHERE shadowed = 0")}

    def note_agent_names(self, names: Iterable[tuple[str, str, str | None]]) -> bool:
        named = list(names)
        self._many("INSERT INTO agent_names VALUES (?, ?, NULL) ON CONFLICT (agent_key) DO NOTHING",
                   sorted({n[:2] for n in named}))
        keys = sorted({key for key, _, ids in named if ids is not None})
        if not keys:
            return False
        before = dict(self._run(f"SELECT agent_key, ids FROM agent_names WHERE {in_list('agent_key', keys)}", keys))
        held = dict(before)
        for key, _, ids in named:
            if ids is not None:
                held[key] = union_ids(held[key], ids)
        grown = [(held[k], k) for k in keys if held[k] != before[k]]
        if grown:
            self._many("UPDATE agent_names SET ids = ? WHERE agent_key = ?", grown)
        return bool(grown)

    def get_runs(self, keys: Sequence[tuple[str, str]]) -> dict[tuple[str, str], RunRecord]:
        found: dict[tuple[str, str], RunRecord] = {}
        for i in range(0, len(keys), 10000):
            chunk = keys[i : i + 10000]
            # the keys drive the join, one primary-key search each (`(a, b) IN (VALUES ...)` scans the table)
            sql = (f"WITH k(a, r) AS (VALUES {', '.join(['(?, ?)'] * len(chunk))}) "
                   f"SELECT {', '.join('runs.' + c for c in _RUN_COLS)} FROM k {self.dialect.driving_join} runs "
                   "ON runs.agent_key = k.a AND runs.run_id = k.r")
            for row in self._run(sql, [v for key in chunk for v in key]):
                found[(row[0], row[1])] = _run_from_row(row)
        return found

    def put_runs(self, runs: Iterable[RunRecord]) -> None:
        self.dialect.upsert_rows(*_PUT_RUN, [_run_to_row(r) for r in runs])

    def insert_alert(self, dedupe: str, ts: int, recorded_at: int, kind: str, node_id: str | None, message: str,
                     evidence: dict[str, Any]) -> int | None:
        rows = self._run(
            "INSERT INTO alerts (dedupe, ts, recorded_at, kind, node_id, message, evidence) "
            "VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (dedupe) DO NOTHING RETURNING id",
            (dedupe, ts, recorded_at, kind, node_id, message, json.dumps(evidence, default=str)),
        )
        return rows[0][0] if rows else None

    def insert_changes(self, events: Sequence[ChangeEvent], alike_within_us: int | None = None) -> set[str]:
        ids = [e.id for e in events]
        existing = {r[0] for r in self._run(f"SELECT id FROM changes WHERE {in_list('id', ids)}", ids)}
        new = [e for e in events if e.id not in existing]
        if alike_within_us is not None:
            new = [e for e in new if not self._run(
                "SELECT 1 FROM changes WHERE target_key = ? AND ts >= ? AND ts <= ? AND kind = ? AND summary = ? "
                "LIMIT 1", (e.target.strip().casefold(), e.ts - alike_within_us, e.ts + alike_within_us, e.kind,
                            e.summary))]
        self._many(
            "INSERT INTO changes VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING",
            [(e.id, e.ts, e.target, e.target.strip().casefold(), e.kind, e.summary, e.ref, e.author, int(e.planned),
              e.source, None if e.details is None else json.dumps(e.details), e.warning) for e in new],
        )
        return {e.id for e in new}

    def delete_changes(self, ids: Sequence[str]) -> None:
        self._many("DELETE FROM changes WHERE id = ?", [(i,) for i in ids])

    def get_watch(self, agent_keys: Sequence[str]) -> dict[str, str]:
        found: dict[str, str] = {}
        for i in range(0, len(agent_keys), 30000):
            chunk = agent_keys[i : i + 30000]
            found.update(self._run(f"SELECT agent_key, state FROM change_watch WHERE {in_list('agent_key', chunk)}",
                                   chunk))
        return found

    def put_watch(self, states: Iterable[tuple[str, str]]) -> None:
        self._many("INSERT INTO change_watch VALUES (?, ?) ON CONFLICT (agent_key) "
                   "DO UPDATE SET state = excluded.state", states)

    def insert_outcomes(self, rows: Sequence[tuple]) -> set[str]:
        ids = [r[0] for r in rows]
        existing = {r[0] for r in self._run(f"SELECT id FROM outcomes WHERE {in_list('id', ids)}", ids)}
        new = {r[0]: r for r in rows if r[0] not in existing}
        self._many("INSERT INTO outcomes VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING",
                   list(new.values()))
        return set(new)

    def put_feedback(self, anomaly_id: str, state: str, note: str | None, ts: int) -> None:
        self._run("INSERT INTO anomaly_feedback VALUES (?, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET "
                  "state = excluded.state, note = excluded.note, updated_us = excluded.updated_us",
                  (anomaly_id, state, note, ts))

    # ---- reads --------------------------------------------------------------------------------------------
    def rollup_sum(self, group: Sequence[str], first_hour: int, end_hour: int, *, slim: bool,
                   aggs: Sequence[int], agent_keys: Sequence[str] | None = None,
                   project: str | None = None, bucket: str | None = None,
                   measures: Sequence[str] | None = None, client: str | None = None,
                   model: str | None = None) -> list[tuple]:
        """Sum measures over [first_hour, end_hour) in one statement: whole weeks from the week table (slim, over all
        agents, unbucketed), whole days from the day table, the edges from the hour table; each part summed where it
        is read, the parts' sums added up in SQL. Only one project's, client's or model's rows when named (not
        `slim`: the agent tables carry none of them).

        Rows carry all 11 measures; those not in `measures` (when given) are not summed and read 0.
        """
        cols = list(group)
        if bucket:
            cols.insert(0, "b")
        sums = [f"SUM({m}) AS m{i}" if measures is None or m in measures else f"0 AS m{i}"
                for i, m in enumerate(MEASURES)]
        selects: list[str] = []
        params: list[Any] = []
        for grain, lo, hi in _parts(first_hour, end_hour, bucket, weeks=slim and agent_keys is None and not bucket):
            # the slim tables serve an agent's reads by their key and reads over all agents by their time index
            table = ("agent_" if slim else "rollup_") + grain
            where = [f"{grain} >= ?", f"{grain} < ?", in_list("agg", aggs)]
            params += [lo, hi, *aggs]
            if agent_keys is not None:
                where.append(in_list("agent_key", agent_keys))
                params += agent_keys
            for column, value in (("project", project), ("client", client), ("model", model)):
                if value is not None:
                    where.append(f"{column} = ?")
                    params.append(value)
            keys = list(group)
            if bucket:
                keys.insert(0, grain if bucket == grain else f"{grain} / 24")
            select = f"SELECT {', '.join([*(f'{k} AS {c}' for k, c in zip(keys, cols, strict=True)), *sums])} " \
                     f"FROM {table} WHERE {' AND '.join(where)}"
            selects.append(select + (f" GROUP BY {', '.join(keys)}" if keys else ""))
        if not selects:
            return []
        sql = selects[0] if len(selects) == 1 else (
            f"SELECT {', '.join([*cols, *(f'SUM(m{i})' for i in range(len(MEASURES)))])} FROM "
            f"({' UNION ALL '.join(selects)}) parts" + (f" GROUP BY {', '.join(cols)}" if cols else ""))
        return [tuple(row) for row in self._run(sql, params) if row[len(cols)] is not None]

    def first_hour(self, aggs: Sequence[int]) -> int | None:
        """The first hour holding a rollup row of `aggs`: the first day from the day table (led by `day`), then its
        first hour from the hour table (led by `hour`); two index seeks, whatever the store's size."""
        days = self._run(f"SELECT day FROM rollup_day WHERE {in_list('agg', aggs)} ORDER BY day LIMIT 1", aggs)
        if not days:
            return None
        return self._run(f"SELECT hour FROM rollup_hour WHERE hour >= ? AND hour < ? AND {in_list('agg', aggs)} "
                         "ORDER BY hour LIMIT 1", (days[0][0] * 24, days[0][0] * 24 + 24, *aggs))[0][0]

    def minute_spend(self, agent_keys: Sequence[str] | None, project: str | None,
                     first_minute: int, end_minute: int) -> float:
        where = ["minute >= ?", "minute < ?"]
        params: list[object] = [first_minute, end_minute]
        if agent_keys is not None:
            where.append(in_list("agent_key", agent_keys))
            params.extend(agent_keys)
        if project is not None:
            where.append("project = ?")
            params.append(project)
        return self._run(f"SELECT COALESCE(SUM(cost), 0) FROM spend_minute WHERE {' AND '.join(where)}", params)[0][0]

    def agent_names(self) -> dict[str, str]:
        return dict(self._run("SELECT agent_key, name FROM agent_names"))

    def agent_ids(self, keys: Sequence[str] | None = None) -> dict[str, tuple[str, ...]]:
        sql, params = "SELECT agent_key, ids FROM agent_names WHERE ids IS NOT NULL", list(keys or ())
        if keys is not None:
            sql += f" AND {in_list('agent_key', params)}"
        return {key: tuple(json.loads(ids)) for key, ids in self._run(sql, params)}

    def agent_names_version(self) -> int:
        # names are only added and ids only joined, so the count plus the ids' length moves on every change
        return self._run("SELECT count(*) + coalesce(sum(length(ids)), 0) FROM agent_names")[0][0]

    def run_costs(self, agent_key_list: Sequence[str], since_ts: int, exclude: tuple[str, str] | None) -> list[float]:
        rows = self._run(
            f"SELECT agent_key, run_id, cost FROM runs WHERE {in_list('agent_key', agent_key_list)} AND first_ts >= ? "
            "AND aggregate_only = 0", [*agent_key_list, since_ts],
        )
        return [r[2] for r in rows if (r[0], r[1]) != exclude]

    def run_costs_by_agent(self, agent_keys: Sequence[str], since_ts: int) -> list[tuple[str, int, str, float]]:
        found: list[tuple[str, int, str, float]] = []
        for i in range(0, len(agent_keys), 30000):
            chunk = list(agent_keys[i : i + 30000])
            found += self._run(
                f"SELECT agent_key, first_ts, run_id, cost FROM runs WHERE {in_list('agent_key', chunk)} "
                "AND first_ts >= ? AND aggregate_only = 0", [*chunk, since_ts],
            )
        return found

    def query_runs(self, agent_keys: Sequence[str] | None, since_ts: int | None, top: int | None,
                   flagged: bool | None) -> list[RunRecord]:
        where = _Where()
        where.within("agent_key", agent_keys)
        where.compare("last_ts >= ?", since_ts)
        if flagged is not None:
            where.add("flags != '[]'" if flagged else "flags = '[]'")
        order = "cost DESC" if top else "first_ts DESC"
        sql = f"SELECT {', '.join(_RUN_COLS)} FROM runs WHERE {where.sql} ORDER BY {order}"
        if top:
            sql += f" LIMIT {int(top)}"
        return [_run_from_row(r) for r in self._run(sql, where.params)]

    def query_alerts(self, since_ts: int | None, kind: str | None) -> list[tuple]:
        where = _Where()
        where.compare("ts >= ?", since_ts)
        where.compare("kind = ?", kind)
        return self._run(f"SELECT {ALERT_COLUMNS} FROM alerts WHERE {where.sql} ORDER BY ts, id", where.params)

    # ---- the alert outbox: a claim or a mark is a short write transaction of its own ---------------------
    # Two queues of one shape: `alerts` (the global webhook's) and `alert_deliveries` (the people alerts reach).
    @staticmethod
    def _of_channels(channels: Sequence[str] | None) -> tuple[str, list[str]]:
        """The condition (and its parameters) keeping rows of `channels` (None: every row)."""
        if channels is None:
            return "", []
        return f" AND {in_list('channel', channels)}", list(channels)  # no channel: `in_list` is false

    def _claim(self, table: str, columns: str, due_by: int, lease_until: int, recorded_since: int,
               channels: Sequence[str] | None = None) -> tuple | None:
        only, params = self._of_channels(channels)
        with self.transaction():
            rows = self._run(
                f"UPDATE {table} SET attempts = attempts + 1, next_attempt_at = ? WHERE id = (SELECT id FROM {table} "
                f"WHERE delivered_at IS NULL AND recorded_at >= ? AND COALESCE(next_attempt_at, 0) <= ?{only} "
                f"ORDER BY id LIMIT 1) RETURNING {columns}", (lease_until, recorded_since, due_by, *params))
        return rows[0] if rows else None

    def _next_due(self, table: str, recorded_since: int, channels: Sequence[str] | None = None) -> int | None:
        only, params = self._of_channels(channels)
        return self._run(f"SELECT MIN(COALESCE(next_attempt_at, 0)) FROM {table} WHERE delivered_at IS NULL "
                         f"AND recorded_at >= ?{only}", (recorded_since, *params))[0][0]

    def _mark_delivered(self, table: str, row_id: int, ts: int) -> None:
        with self.transaction():
            self._run(f"UPDATE {table} SET delivered_at = COALESCE(delivered_at, ?), next_attempt_at = NULL "
                      "WHERE id = ?", (ts, row_id))

    def _mark_failed(self, table: str, row_id: int, error: str, next_attempt_at: int) -> None:
        with self.transaction():
            self._run(f"UPDATE {table} SET last_error = ?, next_attempt_at = ? WHERE id = ? AND delivered_at IS NULL",
                      (error, next_attempt_at, row_id))

    def claim_alert(self, due_by: int, lease_until: int, recorded_since: int) -> tuple | None:
        """The oldest undelivered alert recorded at or after `recorded_since` and due by `due_by`, claimed: one more
        attempt, and not due again before `lease_until` (so no other process posts it meanwhile). None when none is
        due."""
        return self._claim("alerts", ALERT_COLUMNS, due_by, lease_until, recorded_since)

    def next_alert_due(self, recorded_since: int) -> int | None:
        """When the earliest undelivered alert recorded at or after `recorded_since` is due (0: at once); None when
        there is none."""
        return self._next_due("alerts", recorded_since)

    def mark_delivered(self, alert_id: int, ts: int) -> None:
        """A webhook took the alert at `ts`: it is never due again."""
        self._mark_delivered("alerts", alert_id, ts)

    def mark_failed(self, alert_id: int, error: str, next_attempt_at: int) -> None:
        """A POST of the alert failed with `error`: it is due again at `next_attempt_at`."""
        self._mark_failed("alerts", alert_id, error, next_attempt_at)

    def alert_dedupes(self, prefix: str) -> list[str]:
        """The alerts' dedupe keys that start with `prefix`."""
        return [r[0] for r in self._run("SELECT dedupe FROM alerts WHERE substr(dedupe, 1, ?) = ?",
                                        (len(prefix), prefix))]

    def insert_deliveries(self, alert_id: int, recorded_at: int, routes: Sequence[tuple[str, str]]) -> None:
        """One delivery per (recipient, destination) of an alert just inserted (inside its transaction)."""
        self._many(
            "INSERT INTO alert_deliveries (alert_id, recorded_at, recipient, destination, channel) "
            "VALUES (?, ?, ?, ?, ?) ON CONFLICT (alert_id, destination) DO NOTHING",
            [(alert_id, recorded_at, recipient, destination, destination.partition(":")[0])
             for recipient, destination in routes])

    def get_alert(self, alert_id: int) -> tuple | None:
        rows = self._run(f"SELECT {ALERT_COLUMNS} FROM alerts WHERE id = ?", (alert_id,))
        return rows[0] if rows else None

    def query_deliveries(self, alert_ids: Sequence[int]) -> list[tuple]:
        found: list[tuple] = []
        for i in range(0, len(alert_ids), 30000):
            chunk = list(alert_ids[i : i + 30000])
            found += self._run(f"SELECT {DELIVERY_COLUMNS} FROM alert_deliveries WHERE {in_list('alert_id', chunk)} "
                               "ORDER BY id", chunk)
        return found

    def claim_delivery(self, due_by: int, lease_until: int, recorded_since: int,
                       channels: Sequence[str]) -> tuple | None:
        """`claim_alert` for the deliveries of routed alerts, of `channels` (`email`, `webhook`) only."""
        return self._claim("alert_deliveries", DELIVERY_COLUMNS, due_by, lease_until, recorded_since, channels)

    def next_delivery_due(self, recorded_since: int, channels: Sequence[str]) -> int | None:
        return self._next_due("alert_deliveries", recorded_since, channels)

    def mark_delivery_delivered(self, delivery_id: int, ts: int) -> None:
        self._mark_delivered("alert_deliveries", delivery_id, ts)

    def mark_delivery_failed(self, delivery_id: int, error: str, next_attempt_at: int) -> None:
        self._mark_failed("alert_deliveries", delivery_id, error, next_attempt_at)

    def query_feedback(self) -> list[tuple[str, str, str | None, int]]:
        return self._run("SELECT id, state, note, updated_us FROM anomaly_feedback")

    def outcome_counts(self, agent_keys: Sequence[str] | None, since_ts: int,
                       until_ts: int) -> list[tuple[str, str, int, float, int]]:
        where = _Where()
        where.within("agent_key", agent_keys)
        where.add("ts >= ? AND ts < ?", since_ts, until_ts)
        return self._run("SELECT agent_key, outcome, COUNT(*), COALESCE(SUM(value_usd), 0), COUNT(value_usd) "
                         f"FROM outcomes WHERE {where.sql} GROUP BY agent_key, outcome", where.params)

    def outcome_hours(self, agent_keys: Sequence[str], since_ts: int, until_ts: int) -> list[tuple[str, str, int, int]]:
        where = _Where()
        where.within("agent_key", agent_keys)
        where.add("ts >= ? AND ts < ?", since_ts, until_ts)
        return self._run(f"SELECT agent_key, outcome, ts / 3600000000, COUNT(*) FROM outcomes WHERE {where.sql} "
                         "GROUP BY agent_key, outcome, ts / 3600000000", where.params)

    def aggregate_events(self, since_ts: int, until_ts: int) -> list[tuple]:
        """Aggregate rows (usage and cost reports) in [since_ts, until_ts), as imported: (ts, agent_key, model,
        provider, cost_usd, source, attributes JSON, input, output, cache read, cache write tokens), shadowed or not."""
        return self._run(
            "SELECT ts, agent_key, model, provider, cost_usd, source, attributes, input_tokens, output_tokens, "
            "cache_read_tokens, cache_write_tokens FROM cost_events WHERE aggregate = 1 AND ts >= ? AND ts < ? "
            "ORDER BY ts, id", (since_ts, until_ts))

    def tool_calls(self, since_ts: int, until_ts: int) -> list[tuple[str, str, int, int]]:
        """Per-call events naming a tool in [since_ts, until_ts): (agent_key, tool, calls, tokens)."""
        return self._run(
            "SELECT agent_key, tool, COUNT(*), SUM(input_tokens + output_tokens) FROM cost_events "
            "WHERE aggregate = 0 AND tool IS NOT NULL AND ts >= ? AND ts < ? GROUP BY agent_key, tool",
            (since_ts, until_ts))

    def change_target_keys(self) -> list[str]:
        return [r[0] for r in self._run("SELECT DISTINCT target_key FROM changes")]

    def query_changes(self, target_keys: Sequence[str] | None, since_ts: int | None, until_ts: int | None,
                      kinds: Sequence[str] | None, limit: int, after: tuple[int, str] | None) -> list[tuple]:
        where = _Where()
        where.within("target_key", target_keys)
        where.compare("ts >= ?", since_ts)
        where.compare("ts < ?", until_ts)
        where.within("kind", kinds or None)
        if after is not None:
            where.add("(ts < ? OR (ts = ? AND id < ?))", after[0], after[0], after[1])
        return self._run(
            "SELECT id, ts, target, kind, summary, ref, author, planned, source, details FROM changes "
            f"WHERE {where.sql} ORDER BY ts DESC, id DESC LIMIT {int(limit)}", where.params,
        )
