"""What the service-backed commands share: opening the service from `--vault` and the store options."""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from orgmap.config import add_vault_argument, resolve_vault

if TYPE_CHECKING:
    from orgmap.service import Service

__all__ = ["add_service_arguments", "ask", "print_json", "service_opener", "table"]

T = TypeVar("T")


def add_service_arguments(parser: argparse.ArgumentParser) -> None:
    """`--vault`, `--db`, `--prices` and `--webhook`: where the vault, the store and the settings are."""
    add_vault_argument(parser)
    parser.add_argument("--db", metavar="FILE", help="the event store (default: <vault>/.orgmap/orgmap.db)")
    parser.add_argument("--prices", metavar="FILE",
                        help="price overrides, USD per million tokens per model (YAML or JSON)")
    parser.add_argument("--webhook", metavar="URL", default=os.environ.get("ORGMAP_WEBHOOK_URL"),
                        help="POST alerts here as JSON with Slack-compatible text (default: $ORGMAP_WEBHOOK_URL)")


def service_opener(args: argparse.Namespace, *, watch: bool = False,
                   background: bool = False) -> Callable[[], Service]:
    """A function that opens the service the arguments describe (so a server can open it inside its lifespan);
    `background` also starts the periodic anomaly scan (long-running servers)."""
    from orgmap.service import Service

    vault = resolve_vault(args.vault)
    db = Path(args.db) if getattr(args, "db", None) else None
    prices = Path(args.prices) if getattr(args, "prices", None) else None
    webhook = getattr(args, "webhook", None)

    def open_service() -> Service:
        try:
            svc = Service.open(vault, watch=watch, db=db, price_overrides=prices, webhook_url=webhook)
        except (OSError, ValueError) as exc:  # a missing or malformed --prices file, an unreadable store...
            raise SystemExit(f"orgmap: {exc}") from exc
        if background:
            svc.start_background()
        return svc

    return open_service


def print_json(data: Any) -> None:
    """Print a model, dataclass or plain data as indented JSON on stdout."""
    from pydantic import TypeAdapter

    sys.stdout.write(json.dumps(TypeAdapter(type(data)).dump_python(data, mode="json"), indent=2) + "\n")


def ask(args: argparse.Namespace, question: Callable[[Service], T], show: Callable[[T], None], *,
        status: Callable[[T], int] = lambda _answer: 0) -> int:
    """Open the service, ask one question and print the answer: JSON with `--json`, else `show(answer)`.

    Returns `status(answer)` as the exit code, or 2 when the question itself was wrong (an unknown name...)."""
    from orgmap.errors import OrgmapError

    with service_opener(args)() as svc:
        try:
            answer = question(svc)
        except OrgmapError as exc:
            print(f"orgmap: {exc.message}", file=sys.stderr)
            return 2
    if getattr(args, "json", False):
        print_json(answer)
    else:
        show(answer)
    return status(answer)


def table(headers: list[str], rows: list[list[str]]) -> str:
    """A plain text table, numbers right-aligned.

    >>> print(table(["name", "cost"], [["a", "1.00"], ["bb", "10.00"]]))
    name   cost
    a      1.00
    bb    10.00
    """
    widths = [max(len(str(x)) for x in col) for col in zip(headers, *rows, strict=True)]
    numeric = [i > 0 and all(r[i][:1] in "$-+0123456789" for r in rows) for i in range(len(headers))]

    def line(cells: list[str]) -> str:
        return "  ".join(c.rjust(w) if numeric[i] else c.ljust(w)
                         for i, (c, w) in enumerate(zip(cells, widths, strict=True))).rstrip()

    return "\n".join([line(headers), *(line(r) for r in rows)])
