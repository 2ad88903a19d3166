"""`orgmap migrate-store --to URL`: copy the vault's store (a SQLite file, say) into a new PostgreSQL database,
verified by each table's rows and cost totals before anything of it is kept."""

from __future__ import annotations

import argparse
import sys

from orgmap.cli.common import CommandError, add_db_argument, add_vault_argument, table
from orgmap.config import resolve_vault, store_location

__all__ = ["register", "run"]


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "migrate-store", help="copy the event store into another (a PostgreSQL database), verified by totals",
        description="Copy every table of the event store (--db, $ORGMAP_DB or the vault's own file) into another "
                    "store, new or empty, in one transaction: it commits only when each table's rows and cost "
                    "totals are equal on both sides. The source is left as it was.")
    add_vault_argument(parser)
    add_db_argument(parser)
    parser.add_argument("--to", required=True, metavar="URL|FILE",
                        help="the store to copy into: postgresql://user@host/name (or a new SQLite file)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from ledger import OPEN_ERRORS, copy_store

    source = store_location(resolve_vault(args.vault, db=args.db), args.db)
    try:
        copied = copy_store(source, args.to)
    except OPEN_ERRORS as exc:
        raise CommandError(f"migrate-store: {exc}") from None
    rows = [[name, f"{count:,}", "-" if cost is None else f"${cost:,.6f}"] for name, (count, cost) in copied.items()]
    print(table(["table", "rows", "cost total"], rows))
    print(f"orgmap: copied {sum(c for c, _ in copied.values()):,} rows in {len(copied)} tables; rows and totals "
          "checked equal in both stores", file=sys.stderr)
    return 0
