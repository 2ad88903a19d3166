"""The store's schema as numbered migrations: a store migrates forward on open, never back.

A migration is portable SQL written with SQLite's type names (INTEGER, REAL, TEXT), which each dialect spells its
own way (`Dialect.ddl`: BIGINT and DOUBLE PRECISION on PostgreSQL); one that cannot be portable is a mapping of
dialect name to its script. The version is kept where the dialect keeps it (SQLite: `PRAGMA user_version`).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from hashlib import md5

from .dialect import Dialect

__all__ = ["COST_COLUMNS", "ID_KEY_SQL", "MEASURES", "MIGRATIONS", "SCHEMA_VERSION", "SchemaError", "id_key", "migrate"]

MEASURES = (
    "cost", "unpriced", "calls", "runs", "input_tokens", "output_tokens",
    "cache_read_tokens", "cache_write_tokens", "reasoning_tokens", "retries", "errors",
)
# the cost_events table's columns, in the order of a stored row (`ledger.rows`)
COST_COLUMNS = (
    "id", "ts", "agent", "agent_key", "kind", "model", "provider", "input_tokens", "output_tokens",
    "cache_read_tokens", "cache_write_tokens", "reasoning_tokens", "cost_usd", "priced_by", "tool", "run_id", "client",
    "project", "task", "retry", "duration_ms", "status", "aggregate", "runs", "period_s", "source", "attributes",
    "warning", "agent_ids", "agent_version", "deploy_id", "prompt_hash", "tools_hash", "id_key",
)
# SQL's name for `id_key` (a function each dialect defines: SQLite on the connection, PostgreSQL in migration 11)
ID_KEY_SQL = "orgmap_id_key"


def id_key(event_id: str) -> int:
    """An event id's compact idempotency key: the first 64 bits of its MD5, as a signed integer (PostgreSQL computes
    the same from `md5()`). Not unique: ids with one key are told apart by their text (`ledger.ingest`)."""
    return int.from_bytes(md5(event_id.encode(), usedforsecurity=False).digest()[:8], "big", signed=True)
_M = ", ".join(f"{m} {'REAL' if m == 'cost' else 'INTEGER'} NOT NULL DEFAULT 0" for m in MEASURES)
_DIMS = "agent_key TEXT NOT NULL, model TEXT NOT NULL, provider TEXT NOT NULL, client TEXT NOT NULL, " \
    "project TEXT NOT NULL, kind TEXT NOT NULL, agg INTEGER NOT NULL"
_DIM_KEY = "agent_key, model, provider, client, project, kind, agg"

_V1 = f"""
CREATE TABLE cost_events (
    id TEXT PRIMARY KEY, ts INTEGER NOT NULL, agent TEXT NOT NULL, agent_key TEXT NOT NULL, kind TEXT NOT NULL,
    model TEXT, provider TEXT, input_tokens INTEGER, output_tokens INTEGER, cache_read_tokens INTEGER,
    cache_write_tokens INTEGER, reasoning_tokens INTEGER, cost_usd REAL, priced_by TEXT, tool TEXT, run_id TEXT,
    client TEXT, project TEXT, task TEXT, retry INTEGER, duration_ms REAL, status TEXT, aggregate INTEGER,
    runs INTEGER, period_s INTEGER, source TEXT, attributes TEXT, warning TEXT
) WITHOUT ROWID;
CREATE TABLE rollup_hour (hour INTEGER NOT NULL, {_DIMS}, {_M}, PRIMARY KEY (hour, {_DIM_KEY})) WITHOUT ROWID;
CREATE TABLE rollup_day (day INTEGER NOT NULL, {_DIMS}, {_M}, PRIMARY KEY (day, {_DIM_KEY})) WITHOUT ROWID;
CREATE INDEX rollup_day_project ON rollup_day (project, day);
CREATE TABLE agent_hour (agent_key TEXT NOT NULL, hour INTEGER NOT NULL, agg INTEGER NOT NULL, {_M},
    PRIMARY KEY (agent_key, hour, agg)) WITHOUT ROWID;
CREATE TABLE agent_day (agent_key TEXT NOT NULL, day INTEGER NOT NULL, agg INTEGER NOT NULL, {_M},
    PRIMARY KEY (agent_key, day, agg)) WITHOUT ROWID;
CREATE TABLE spend_minute (agent_key TEXT NOT NULL, minute INTEGER NOT NULL, project TEXT NOT NULL,
    cost REAL NOT NULL, PRIMARY KEY (agent_key, minute, project)) WITHOUT ROWID;
CREATE INDEX spend_minute_project ON spend_minute (project, minute);
CREATE INDEX spend_minute_minute ON spend_minute (minute);
CREATE TABLE agg_buckets (agent_key TEXT NOT NULL, start_hour INTEGER NOT NULL, hours INTEGER NOT NULL,
    shadowed INTEGER NOT NULL, PRIMARY KEY (agent_key, start_hour, hours)) WITHOUT ROWID;
CREATE TABLE agent_names (agent_key TEXT PRIMARY KEY, name TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE runs (
    agent_key TEXT NOT NULL, run_id TEXT NOT NULL, first_ts INTEGER NOT NULL, last_ts INTEGER NOT NULL,
    first_dims TEXT NOT NULL, calls INTEGER NOT NULL, input_tokens INTEGER NOT NULL, output_tokens INTEGER NOT NULL,
    cache_read_tokens INTEGER NOT NULL, cache_write_tokens INTEGER NOT NULL, reasoning_tokens INTEGER NOT NULL,
    cost REAL NOT NULL, unpriced INTEGER NOT NULL, tool_cost REAL NOT NULL, retrieval_cost REAL NOT NULL,
    retry_events INTEGER NOT NULL, errors INTEGER NOT NULL, last_error INTEGER NOT NULL, models TEXT NOT NULL,
    client TEXT, project TEXT, task TEXT, aggregate_only INTEGER NOT NULL, PRIMARY KEY (agent_key, run_id)
) WITHOUT ROWID;
CREATE INDEX runs_agent_first ON runs (agent_key, first_ts);
CREATE INDEX runs_last ON runs (last_ts);
CREATE TABLE alerts (
    id INTEGER PRIMARY KEY, dedupe TEXT NOT NULL UNIQUE, ts INTEGER NOT NULL, kind TEXT NOT NULL,
    node_id TEXT, message TEXT NOT NULL, evidence TEXT NOT NULL, delivered_at INTEGER
);
CREATE TABLE changes (
    id TEXT PRIMARY KEY, ts INTEGER NOT NULL, target TEXT NOT NULL, target_key TEXT NOT NULL, kind TEXT NOT NULL,
    summary TEXT NOT NULL, ref TEXT, author TEXT, planned INTEGER NOT NULL, source TEXT, details TEXT, warning TEXT
) WITHOUT ROWID;
CREATE INDEX changes_target ON changes (target_key, ts);
CREATE INDEX changes_ts ON changes (ts);
"""

_V2 = """
ALTER TABLE runs ADD COLUMN flags TEXT NOT NULL DEFAULT '[]';
CREATE INDEX runs_cost ON runs (cost);
ALTER TABLE alerts ADD COLUMN attempts INTEGER NOT NULL DEFAULT 0;
"""

# Anomaly feedback: stores before this version may have the table already (it was created on first use).
_V3 = """
CREATE TABLE IF NOT EXISTS anomaly_feedback (id TEXT PRIMARY KEY, state TEXT NOT NULL, note TEXT,
    updated_us INTEGER NOT NULL)
"""

# The alert outbox: each alert's last delivery error and when it is next due (NULL: at once); a claimed alert's
# lease is that time too. The store's id makes idempotency keys unique across stores posting to one receiver.
_V4_TABLES = """
ALTER TABLE alerts ADD COLUMN last_error TEXT;
ALTER TABLE alerts ADD COLUMN next_attempt_at INTEGER;
CREATE INDEX alerts_undelivered ON alerts (id, next_attempt_at) WHERE delivered_at IS NULL;
CREATE TABLE store_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
"""
_V4 = {  # 16 random hex digits: each engine has its own random function
    "sqlite": _V4_TABLES + "INSERT INTO store_meta VALUES ('store_id', lower(hex(randomblob(8))))",
    "postgresql": _V4_TABLES + "INSERT INTO store_meta VALUES ('store_id', substr(md5(random()::text), 1, 16))",
}

# Two times per alert: `ts` becomes when it happened (a threshold's crossing event, a run's last event, an anomaly's
# onset), `recorded_at` when it fired (the outbox's age limit reads it). Older alerts knew only when they fired.
_V5 = """
ALTER TABLE alerts ADD COLUMN recorded_at INTEGER;
UPDATE alerts SET recorded_at = ts;
CREATE INDEX alerts_ts ON alerts (ts)
"""

# A usage row names its spender by several ids (an API key, a workspace, a project): the event keeps the ids after
# `agent` (JSON list), and each agent key the union of its events' other ids, tried in order when its name resolves
# to no node. Older events have none.
_V6 = """
ALTER TABLE cost_events ADD COLUMN agent_ids TEXT;
ALTER TABLE agent_names ADD COLUMN ids TEXT
"""

# What an agent ran as (agent version, deploy id, prompt and tool-definition hashes), on its cost events; change
# detection's per-agent state (`ledger.watch`: one JSON document per agent, updated per batch, so detection never
# rescans events); and outcome events (`kind: outcome`: a unit of work delivered), read by agent and time.
_V7 = """
ALTER TABLE cost_events ADD COLUMN agent_version TEXT;
ALTER TABLE cost_events ADD COLUMN deploy_id TEXT;
ALTER TABLE cost_events ADD COLUMN prompt_hash TEXT;
ALTER TABLE cost_events ADD COLUMN tools_hash TEXT;
CREATE TABLE change_watch (agent_key TEXT PRIMARY KEY, state TEXT NOT NULL);
CREATE TABLE outcomes (
    id TEXT PRIMARY KEY, ts INTEGER NOT NULL, agent TEXT NOT NULL, agent_key TEXT NOT NULL, outcome TEXT NOT NULL,
    run_id TEXT, value_usd REAL, source TEXT, warning TEXT
);
CREATE INDEX outcomes_agent_ts ON outcomes (agent_key, ts);
CREATE INDEX outcomes_ts ON outcomes (ts)
"""

# Cost reports and reconciliation read imported report rows and per-call events naming a tool over a period: partial
# indexes keep those reads off a scan of every event, at no cost to the ingest of other events.
_V8 = """
CREATE INDEX cost_events_aggregate_ts ON cost_events (ts) WHERE aggregate = 1;
CREATE INDEX cost_events_tool_ts ON cost_events (ts) WHERE aggregate = 0 AND tool IS NOT NULL
"""


# PostgreSQL: raw events partitioned by month of `ts` (microseconds). Every row lands in the default partition here;
# the dialect moves each month into a partition of its own (`PostgresDialect.partition_months`) on open and before
# it stores a month's first events. The key becomes (id, ts), as a partitioned table's must hold the partition key;
# ids stay unique because ingest checks them under the write lock; migration 8's partial indexes are made again on
# the partitioned table. SQLite keeps one table.
_V9 = {"sqlite": "", "postgresql": """
ALTER TABLE cost_events RENAME TO cost_events_unpartitioned;
ALTER INDEX cost_events_pkey RENAME TO cost_events_unpartitioned_pkey;
CREATE TABLE cost_events (LIKE cost_events_unpartitioned INCLUDING DEFAULTS, PRIMARY KEY (id, ts))
    PARTITION BY RANGE (ts);
CREATE TABLE cost_events_default PARTITION OF cost_events DEFAULT;
INSERT INTO cost_events SELECT * FROM cost_events_unpartitioned;
DROP TABLE cost_events_unpartitioned;
CREATE INDEX cost_events_aggregate_ts ON cost_events (ts) WHERE aggregate = 1;
CREATE INDEX cost_events_tool_ts ON cost_events (ts) WHERE aggregate = 0 AND tool IS NOT NULL
"""}


# Alerts routed to people (budget `notify:`, owners' contacts): one delivery per alert and destination, each with its
# own state, beside the alert's own (the global webhook's). `recorded_at` is the alert's, for the outbox's age limit;
# `channel` (email, webhook) lets a process claim only what it can send (email needs an SMTP server). Client budgets
# read the day rollups by client, as project budgets do by project.
_V10 = """
CREATE TABLE alert_deliveries (
    id INTEGER PRIMARY KEY, alert_id INTEGER NOT NULL, recorded_at INTEGER NOT NULL, recipient TEXT NOT NULL,
    destination TEXT NOT NULL, channel TEXT NOT NULL, delivered_at INTEGER, attempts INTEGER NOT NULL DEFAULT 0,
    last_error TEXT, next_attempt_at INTEGER, UNIQUE (alert_id, destination)
);
CREATE INDEX alert_deliveries_undelivered ON alert_deliveries (id, next_attempt_at) WHERE delivered_at IS NULL;
CREATE INDEX rollup_day_client ON rollup_day (client, day)
"""


# Raw events become an append-only table keyed by a compact idempotency key (`id_key`, 64 bits of the id's MD5,
# indexed, not unique) instead of a row clustered on its random text id: each insert appends a row and adds a small
# entry to one index, where the old table inserted its 33 columns at a random place of the tree (about 1.6x the
# cost at 200k events, growing with the table). Ingest checks ids under the write lock: rows whose key matches are
# told apart by their text id, so two ids sharing a key are two events. SQLite rebuilds the table in time order;
# PostgreSQL keeps its month partitions, drops the (id, ts) key and adds the column and its index.
_COST_V11 = """id TEXT NOT NULL, ts INTEGER NOT NULL, agent TEXT NOT NULL, agent_key TEXT NOT NULL, kind TEXT NOT NULL,
    model TEXT, provider TEXT, input_tokens INTEGER, output_tokens INTEGER, cache_read_tokens INTEGER,
    cache_write_tokens INTEGER, reasoning_tokens INTEGER, cost_usd REAL, priced_by TEXT, tool TEXT, run_id TEXT,
    client TEXT, project TEXT, task TEXT, retry INTEGER, duration_ms REAL, status TEXT, aggregate INTEGER,
    runs INTEGER, period_s INTEGER, source TEXT, attributes TEXT, warning TEXT, agent_ids TEXT, agent_version TEXT,
    deploy_id TEXT, prompt_hash TEXT, tools_hash TEXT"""
_COLS_V11 = ", ".join(c.split()[0] for c in _COST_V11.split(","))
_V11 = {"sqlite": f"""
CREATE TABLE cost_events_v11 ({_COST_V11}, id_key INTEGER NOT NULL);
INSERT INTO cost_events_v11 SELECT {_COLS_V11}, {ID_KEY_SQL}(id) FROM cost_events ORDER BY ts, id;
DROP TABLE cost_events;
ALTER TABLE cost_events_v11 RENAME TO cost_events;
CREATE INDEX cost_events_key ON cost_events (id_key);
CREATE INDEX cost_events_aggregate_ts ON cost_events (ts) WHERE aggregate = 1;
CREATE INDEX cost_events_tool_ts ON cost_events (ts) WHERE aggregate = 0 AND tool IS NOT NULL
""", "postgresql": f"""
CREATE FUNCTION {ID_KEY_SQL}(text) RETURNS BIGINT IMMUTABLE STRICT PARALLEL SAFE LANGUAGE sql
    AS 'SELECT (''x'' || substr(md5($1), 1, 16))::bit(64)::bigint';
ALTER TABLE cost_events DROP CONSTRAINT cost_events_pkey;
ALTER TABLE cost_events ADD COLUMN id_key BIGINT;
UPDATE cost_events SET id_key = {ID_KEY_SQL}(id);
ALTER TABLE cost_events ALTER COLUMN id_key SET NOT NULL;
CREATE INDEX cost_events_key ON cost_events (id_key)
"""}

# Reads over all agents (the ranked run-rate, the dashboard's chart by agent) sum a window from whole weeks (a slim
# week rollup, filled here from the day rollup), the days and hours at its edges; the slim day and hour tables lead
# with agent_key (an agent's budget reads), so covering indexes led by time serve the edges without a table scan.
_SLIM_COLS = f"agg, agent_key, {', '.join(MEASURES)}"
_V12 = f"""
CREATE TABLE agent_week (week INTEGER NOT NULL, agent_key TEXT NOT NULL, agg INTEGER NOT NULL, {_M},
    PRIMARY KEY (week, agent_key, agg)) WITHOUT ROWID;
INSERT INTO agent_week SELECT day / 7, agent_key, agg, {', '.join(f'SUM({m})' for m in MEASURES)} FROM agent_day
    GROUP BY day / 7, agent_key, agg;
CREATE INDEX agent_day_by_day ON agent_day (day, {_SLIM_COLS});
CREATE INDEX agent_hour_by_hour ON agent_hour (hour, {_SLIM_COLS})
"""

# The scan stamp: a counter bumped by the write transactions that change what an anomaly scan reads (`ledger/
# scan_stamp.py`), so a memoised scan is kept through live ingest of the current hour, in every process and replica.
# A row of `store_meta`, so copying a store (`copy_to`) carries it like the store's id.
_V13 = "INSERT INTO store_meta VALUES ('scan_stamp', '0')"

MIGRATIONS: tuple[str | Mapping[str, str], ...] = (
    _V1, _V2, _V3, _V4, _V5, _V6, _V7, _V8, _V9, _V10, _V11, _V12, _V13,
)
SCHEMA_VERSION = len(MIGRATIONS)


class SchemaError(RuntimeError):
    """The store was written by a newer orgmap than this one."""


def statements(migration: str | Mapping[str, str], dialect: str) -> Iterator[str]:
    """The statements of a migration for `dialect` (`;`-separated, no `;` inside literals)."""
    script = migration if isinstance(migration, str) else migration[dialect]
    return (s for s in script.split(";") if s.strip())


def migrate(dialect: Dialect, target: int = SCHEMA_VERSION) -> int:
    """Bring the schema up to `target` inside one write transaction (so replicas opening a new store at once create
    it once); returns the version found before. SchemaError for a store newer than this code."""
    with dialect.transaction():
        found = dialect.schema_version()
        if found > SCHEMA_VERSION:
            raise SchemaError(
                f"the event store {dialect.location} has schema version {found}, newer than this orgmap understands "
                f"({SCHEMA_VERSION}); upgrade orgmap to open it"
            )
        for version in range(found, target):
            for statement in statements(MIGRATIONS[version], dialect.name):
                dialect.execute(dialect.ddl(statement))
            dialect.set_schema_version(version + 1)
    return found
