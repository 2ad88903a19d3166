"""The SQLite dialect of the store: one connection shared by threads under a lock, WAL mode and a busy timeout so
`orgmap serve` and `orgmap mcp` can share one file (BEGIN IMMEDIATE makes writers take turns across processes)."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from .dialect import Dialect
from .schema import ID_KEY_SQL, id_key
from .sql_store import SQLStore

__all__ = ["SQLiteDialect", "SQLiteStore"]


class SQLiteDialect(Dialect):
    """A SQLite file: `?` placeholders and SQLite's types as they are; `PRAGMA data_version` and `user_version`."""

    name = "sqlite"
    driving_join = "CROSS JOIN"  # SQLite keeps a CROSS JOIN's order: the keys drive, one primary-key search each

    def __init__(self, path: str | Path, *, busy_timeout_s: float = 30.0) -> None:
        self.path = self.location = str(path)
        self._conn = sqlite3.connect(self.path, timeout=busy_timeout_s, isolation_level=None, check_same_thread=False)
        self._conn.execute(f"PRAGMA busy_timeout = {int(busy_timeout_s * 1000)}")
        self._conn.execute("PRAGMA journal_mode = WAL")
        self._conn.execute("PRAGMA synchronous = NORMAL")  # under WAL: durable against process crashes
        # checkpoint every ~40 MB of WAL rather than 4 MB: ingest commits in small batches (the HTTP API's) spent half
        # their commit time in checkpoints and their fsyncs; the WAL is checkpointed and removed on close
        self._conn.execute("PRAGMA wal_autocheckpoint = 10000")
        self._conn.create_function(ID_KEY_SQL, 1, id_key, deterministic=True)  # for migration 11
        self._lock = threading.RLock()

    @contextmanager
    def transaction(self) -> Iterator[None]:
        with self._lock:
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                yield
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise
            self._conn.execute("COMMIT")

    def execute(self, sql: str, params: Sequence[Any] = ()) -> list[tuple]:
        with self._lock:
            return self._conn.execute(sql, params).fetchall()

    def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        with self._lock:
            self._conn.executemany(sql, rows)

    def chunks(self, sql: str, size: int = 10_000) -> Iterator[list[tuple]]:
        with self._lock:
            cursor = self._conn.execute(sql)
            while rows := cursor.fetchmany(size):
                yield rows

    def tables(self) -> dict[str, list[str]]:
        names = [r[0] for r in self.execute("SELECT name FROM sqlite_master WHERE type = 'table' "
                                            "AND name NOT LIKE 'sqlite_%' ORDER BY name")]
        return {name: [r[1] for r in self.execute(f"PRAGMA table_info({name})")] for name in names}

    def after_copy(self) -> None:
        """Nothing to do: an INTEGER PRIMARY KEY goes on from the largest id stored."""

    def data_version(self) -> int:
        """SQLite's `PRAGMA data_version`: it moves when another connection commits to the file, never for ours."""
        return self.execute("PRAGMA data_version")[0][0]

    def schema_version(self) -> int:
        return self.execute("PRAGMA user_version")[0][0]

    def set_schema_version(self, version: int) -> None:
        self.execute(f"PRAGMA user_version = {int(version)}")

    def close(self) -> None:
        with self._lock:
            self._conn.close()


class SQLiteStore(SQLStore):
    """The store in a SQLite file (created, or migrated forward, on open)."""

    def __init__(self, path: str | Path, *, busy_timeout_s: float = 30.0) -> None:
        self.path = str(path)
        super().__init__(SQLiteDialect(path, busy_timeout_s=busy_timeout_s))
