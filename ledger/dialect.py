"""What differs between the SQL databases the one SQL store (`ledger.sql_store`) runs on: how a connection is held
and a write transaction taken, the placeholder style, the column types of the schema's DDL, how another process's
commit is noticed, and the bulk insert path. SQLite (`ledger.sqlite_store`) and PostgreSQL (`ledger.postgres_store`)
are the two dialects; every store method is written once, in portable SQL with `?` placeholders.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterable, Iterator, Sequence
from contextlib import AbstractContextManager
from os import PathLike
from typing import Any, ClassVar

__all__ = ["Dialect", "StoreUnavailable", "in_list", "is_database_url"]


def is_database_url(location: str | PathLike[str]) -> bool:
    """Whether a store location names a PostgreSQL database (`postgresql://` or `postgres://`), not a SQLite file."""
    return str(location).startswith(("postgresql://", "postgres://"))


def in_list(column: str, values: Sequence[Any]) -> str:
    """`column IN (?, ...)`, false for no values (an empty `IN ()` is SQLite's alone)."""
    return f"{column} IN ({', '.join('?' * len(values))})" if values else "1 = 0"


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

    def insert_rows(self, table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
        """Append rows to `table` (no conflicts expected): the bulk path of ingest and of copying a store."""
        self.executemany(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})",
                         rows)

    def one_of(self, column: str, values: Sequence[Any]) -> tuple[str, Sequence[Any]]:
        """A condition that `column` is one of `values` (at least one), and its parameters: `IN (?, ...)` here."""
        return in_list(column, values), values

    def upsert_rows(self, table: str, columns: Sequence[str], conflict: str, rows: Sequence[Sequence[Any]]) -> None:
        """Insert rows into `table`, `conflict` (an `ON CONFLICT ... DO ...` clause) deciding for keys already there,
        in one statement per table where the engine allows (rows hold each key once): rollups from a batch."""
        self.executemany(self.sql(f"INSERT INTO {table} ({', '.join(columns)}) "
                                  f"VALUES ({', '.join('?' * len(columns))}) {conflict}"), rows)

    def chunks(self, sql: str, size: int = 10_000) -> Iterator[list[tuple]]:
        """A query's rows in lists of at most `size` (this default holds them all at once)."""
        yield self.execute(self.sql(sql))

    @abstractmethod
    def tables(self) -> dict[str, list[str]]:
        """The store's tables and their columns in order (the dialect's own bookkeeping left out)."""

    @abstractmethod
    def after_copy(self) -> None:
        """Bring generated ids past the rows a copy inserted with their ids (inside its transaction)."""

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

