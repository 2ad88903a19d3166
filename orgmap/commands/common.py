"""What the service-backed commands share: opening the service from `--vault` and the store options."""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from orgmap.config import add_vault_argument, resolve_vault

if TYPE_CHECKING:
    from orgmap.service import Service

__all__ = ["add_service_arguments", "print_json", "service_opener"]


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
        svc = Service.open(vault, watch=watch, db=db, price_overrides=prices, webhook_url=webhook)
        if background:
            svc.start_background()
        return svc

    return open_service


def print_json(data: Any) -> None:
    """Print a model, dataclass or plain data as indented JSON on stdout."""
    from pydantic import TypeAdapter

    sys.stdout.write(json.dumps(TypeAdapter(type(data)).dump_python(data, mode="json"), indent=2) + "\n")
