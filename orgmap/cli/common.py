"""What the commands share: the vault and store options, opening the service, asking it one question, and printing.

Every question command asks the same service method the HTTP route and the MCP tool ask, and with `--json` prints
the same JSON they return.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from orgmap.cli.progress import ProgressBar
from orgmap.config import resolve_vault

if TYPE_CHECKING:
    from ledger import SmtpSettings
    from orgmap.service import Service, VaultService

__all__ = ["CommandError", "add_db_argument", "add_service_arguments", "add_vault_argument", "ask", "ask_vault", "emit",
           "print_json", "printable", "service_opener", "table", "write_output"]

T = TypeVar("T")
DASHBOARD_URL = "http://127.0.0.1:8000/"  # where `orgmap serve` answers by default: budget alerts link there
S = TypeVar("S", bound="VaultService")


class CommandError(Exception):
    """What a command cannot do as asked (an output file it cannot write...): `main` prints `orgmap: <message>` and
    exits 2, never a traceback."""


def add_vault_argument(parser: argparse.ArgumentParser) -> None:
    """`--vault DIR`, which every command shares."""
    parser.add_argument("--vault", metavar="DIR",
                        help="the vault folder (default: $ORGMAP_VAULT, else the current directory)")


def add_db_argument(parser: argparse.ArgumentParser) -> None:
    """`--db FILE|URL`: the event store, a SQLite file or a PostgreSQL database."""
    parser.add_argument("--db", metavar="FILE|URL",
                        help="the event store: a SQLite file, or a PostgreSQL database as postgresql://user@host/name "
                             "(default: $ORGMAP_DB, else <vault>/.orgmap/orgmap.db; keep a password out of the "
                             "command line: $ORGMAP_DB, $PGPASSWORD or ~/.pgpass)")


def add_service_arguments(parser: argparse.ArgumentParser) -> None:
    """`--vault`, `--db`, `--prices` and `--webhook` (with `--webhook-allow-link-local`): where the vault, the store
    and the settings are."""
    add_vault_argument(parser)
    add_db_argument(parser)
    parser.add_argument("--prices", metavar="FILE",
                        help="price overrides, USD per million tokens per model (YAML or JSON)")
    parser.add_argument("--webhook", metavar="URL", default=os.environ.get("ORGMAP_WEBHOOK_URL"),
                        help="POST alerts here as JSON with Slack-compatible text (default: $ORGMAP_WEBHOOK_URL)")
    parser.add_argument("--webhook-allow-link-local", action="store_true",
                        default=os.environ.get("ORGMAP_WEBHOOK_ALLOW_LINK_LOCAL") == "1",
                        help="let --webhook be a link-local or cloud metadata address (169.254.0.0/16, fe80::/10, "
                             "metadata.google.internal), refused otherwise (also $ORGMAP_WEBHOOK_ALLOW_LINK_LOCAL=1)")
    parser.add_argument("--keep-events", metavar="DAYS", type=_days, default=os.environ.get("ORGMAP_KEEP_EVENTS_DAYS"),
                        help="keep raw events this many days, older ones dropped and refused (rollups, runs, alerts "
                             "and changes are kept; default $ORGMAP_KEEP_EVENTS_DAYS, else forever)")
    parser.add_argument("--as-of", metavar="TS", type=_instant,
                        help="answer as of this time instead of now (ISO 8601 with zone): reproducible reports")


def _days(text: str) -> int:
    """A whole number of days, at least 1, for `--keep-events`."""
    if not text.strip().isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"a whole number of days, at least 1: {text!r}")
    return int(text)


def _instant(text: str) -> datetime:
    """An ISO 8601 time with its zone, for `--as-of`."""
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an ISO 8601 time like 2026-11-30T23:00:00+00:00: {text!r}") from None
    if moment.tzinfo is None:
        raise argparse.ArgumentTypeError(f"needs a zone, like 2026-11-30T23:00:00+00:00: {text!r}")
    return moment


def service_opener(args: argparse.Namespace, *, watch: bool = False, background: bool = False,
                   lazy_store: bool = False) -> Callable[[], Service]:
    """A function that opens the service the arguments describe (so a server can open it inside its lifespan);
    `background` also starts the periodic anomaly scan (long-running servers); `lazy_store` leaves the store to the
    first question that needs it (`Service.open`). The service module is imported when it opens, not before:
    `orgmap mcp` answers its first request without it."""
    webhook, allow_link_local = _webhook(args)
    smtp = _smtp()
    dashboard = os.environ.get("ORGMAP_DASHBOARD_URL") or DASHBOARD_URL
    db: str | None = getattr(args, "db", None) or None
    vault = resolve_vault(args.vault, db=db)
    prices = Path(args.prices) if getattr(args, "prices", None) else None
    as_of: datetime | None = getattr(args, "as_of", None)
    clock = None if as_of is None else (lambda: as_of)
    keep = getattr(args, "keep_events", None)
    keep = _days(keep) if isinstance(keep, str) else keep  # $ORGMAP_KEEP_EVENTS_DAYS, read as the option's default

    def open_service() -> Service:
        from ledger import OPEN_ERRORS
        from orgmap.service import Service

        try:
            svc = _loading(vault, lambda progress: Service.open(vault, watch=watch, db=db, price_overrides=prices,
                                                                webhook_url=webhook,
                                                                webhook_allow_link_local=allow_link_local,
                                                                smtp=smtp, dashboard_url=dashboard,
                                                                clock=clock, on_progress=progress,
                                                                lazy_store=lazy_store, keep_events_days=keep))
        except OPEN_ERRORS as exc:  # a bad --prices file, a store that
            # cannot be read or reached, or one newer than this orgmap...
            raise SystemExit(f"orgmap: {exc}") from exc
        if background:
            svc.start_background()
        return svc

    return open_service


def _smtp() -> SmtpSettings | None:
    """The SMTP server alert email goes through (`ORGMAP_SMTP_*`, `ledger.mailer`), checked at once."""
    from ledger import SmtpSettings

    try:
        return SmtpSettings.from_env(os.environ)
    except ValueError as exc:
        raise SystemExit(f"orgmap: {exc}") from None


def _webhook(args: argparse.Namespace) -> tuple[str | None, bool]:
    """`--webhook` and whether it may be link-local, checked at once: a refused address stops the command before
    anything is opened (`serve` never starts with it)."""
    from ledger import check_webhook_url

    url, allow_link_local = getattr(args, "webhook", None), getattr(args, "webhook_allow_link_local", False)
    if url:
        try:
            check_webhook_url(url, allow_link_local)
        except ValueError as exc:
            raise SystemExit(f"orgmap: --webhook (or $ORGMAP_WEBHOOK_URL) refused: {exc}") from None
    return url, allow_link_local


def _loading(vault: Path, open_it: Callable[[Callable[[int, int], None]], S]) -> S:
    """Open a service with a progress bar while the vault is read, then `loaded N notes` on stderr (so `--json`
    output stays clean)."""
    seen = [0]

    def progress(done: int, total: int | None = None) -> None:
        seen[0] = total or done
        bar(done, total)

    with ProgressBar("Reading vault", unit="notes") as bar:
        svc = open_it(progress)
    print(f"orgmap: loaded {seen[0]} notes from {vault}", file=sys.stderr)
    return svc


def print_json(data: Any) -> None:
    """Print a model, dataclass or plain data as indented JSON on stdout, as the HTTP API would send it."""
    from pydantic import TypeAdapter

    sys.stdout.buffer.write(TypeAdapter(type(data)).dump_json(data, indent=2) + b"\n")
    sys.stdout.flush()


def ask(args: argparse.Namespace, question: Callable[[Service], T], show: Callable[[T], None], *,
        status: Callable[[T], int] = lambda _answer: 0) -> int:
    """Open the service, ask one question and print the answer: JSON with `--json`, else `show(answer)`.

    Returns `status(answer)` as the exit code, or 2 when the question itself was wrong (an unknown name...)."""
    return _ask(args, service_opener(args), question, show, status)


def ask_vault(args: argparse.Namespace, question: Callable[[VaultService], T], show: Callable[[T], None], *,
              status: Callable[[T], int] = lambda _answer: 0) -> int:
    """`ask` for a question the vault alone answers: the event store is neither opened nor created."""
    from orgmap.service import VaultService

    vault = resolve_vault(args.vault)
    return _ask(args, lambda: _loading(vault, lambda progress: VaultService.open_vault(vault, on_progress=progress)),
                question, show, status)


def _ask(args: argparse.Namespace, opener: Callable[[], S], question: Callable[[S], T], show: Callable[[T], None],
         status: Callable[[T], int]) -> int:
    from orgmap.errors import OrgmapError

    with opener() as svc:
        try:
            answer = question(svc)
        except OrgmapError as exc:
            print(f"orgmap: {printable(exc.message)}", file=sys.stderr)
            return 2
    if getattr(args, "json", False):
        print_json(answer)
    else:
        show(answer)
    return status(answer)


def write_output(data: bytes, output: str | None) -> None:
    """`data` to the file `output` (saying how much was written, on stderr), else to stdout."""
    if output:
        try:
            Path(output).write_bytes(data)
        except OSError as exc:
            raise CommandError(f"cannot write {output}: {exc.strerror or exc}") from None
        print(f"orgmap: wrote {len(data):,} bytes to {output}", file=sys.stderr)
    else:
        sys.stdout.buffer.write(data)
        sys.stdout.flush()


_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def printable(text: str) -> str:
    r"""`text` with control characters written as escapes, so a name from the vault or from an event (a file name
    with a newline, a terminal escape sequence) can never forge an output line or drive the terminal.

    >>> printable("Bad\nAgents/X.md: error: forged")
    'Bad\\nAgents/X.md: error: forged'
    >>> printable("\x1b[2Jok")
    '\\x1b[2Jok'
    """
    return _CONTROL.sub(lambda m: m.group().encode("unicode_escape").decode("ascii"), text)


def emit(*lines: str) -> None:
    """Print each line on stdout with its control characters escaped (`printable`)."""
    for line in lines:
        print(printable(line))


def table(headers: list[str], rows: list[list[str]]) -> str:
    """A plain text table, numbers right-aligned, every cell `printable`.

    >>> print(table(["name", "cost"], [["a", "1.00"], ["bb", "10.00"]]))
    name   cost
    a      1.00
    bb    10.00
    """
    rows = [[printable(cell) for cell in row] for row in rows]
    widths = [max(len(str(x)) for x in col) for col in zip(headers, *rows, strict=True)]
    numeric = [i > 0 and all(r[i][:1] in "$-+0123456789" for r in rows) for i in range(len(headers))]

    def line(cells: list[str]) -> str:
        return "  ".join(c.rjust(w) if numeric[i] else c.ljust(w)
                         for i, (c, w) in enumerate(zip(cells, widths, strict=True))).rstrip()

    return "\n".join([line(headers), *(line(r) for r in rows)])
