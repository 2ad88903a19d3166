"""What differs between the SQL databases the one SQL store (`ledger.sql_store`) runs on: how a connection is held
and a write transaction taken, the placeholder style, the column types of the schema's DDL, how another process's
commit is noticed, and the bulk insert path. SQLite (`ledger.sqlite_store`) and PostgreSQL (`ledger.postgres_store`)
are the two dialects; every store method is written once, in portable SQL with `?` placeholders.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterable, Sequence
from contextlib import AbstractContextManager
from typing import Any, ClassVar

__all__ = ["Dialect", "StoreUnavailable"]


class StoreUnavailable(RuntimeError):
    """The database could not be reached, or the connection was lost: nothing of the transaction was kept. The
    message names the store without its password."""


class Dialect(ABC):
    """One database engine under the SQL store: its connections, transactions, SQL spelling and schema version."""

    name: ClassVar[str]  # the key of this dialect's variant in a migration (`ledger.schema.MIGRATIONS`)
    # a join whose left side drives the loop (SQLite keeps a CROSS JOIN's order; PostgreSQL plans a JOIN itself)
    driving_join: ClassVar[str] = "JOIN"
    location: str  # where the store is, safe to print (a URL without its password)

    def sql(self, text: str) -> str:
        """`text` (portable SQL, `?` placeholders) as this engine's driver takes it."""
        return text

    def ddl(self, statement: str) -> str:
        """A migration statement (SQLite's type names) as this engine spells it."""
        return statement

    @abstractmethod
    def transaction(self) -> AbstractContextManager[None]:
        """One write transaction at a time across every process on the store; it commits when the block ends and
        rolls back if it raises. `execute` calls inside it, from the same thread, run in it."""

    @abstractmethod
    def execute(self, sql: str, params: Sequence[Any] = ()) -> list[tuple]:
        """Run one statement (in the thread's transaction, else on its own) and return its rows ([] for none)."""

    @abstractmethod
    def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        """Run one statement per row, inside the thread's transaction."""

    def insert_rows(self, table: str, width: int, rows: Sequence[Sequence[Any]]) -> None:
        """Append rows of `width` values to `table` (no conflicts expected): the bulk path of ingest."""
        self.executemany(f"INSERT INTO {table} VALUES ({', '.join('?' * width)})", rows)

    @abstractmethod
    def data_version(self) -> int:
        """A number that changes when another connection (another process) commits, never for this one's commits."""

    @abstractmethod
    def schema_version(self) -> int:
        """The schema version the store holds (0: a new store); read inside a transaction."""

    @abstractmethod
    def set_schema_version(self, version: int) -> None:
        """Record the schema version, inside the migrating transaction."""

    @abstractmethod
    def close(self) -> None:
        """Close the connections."""

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.location}>"

