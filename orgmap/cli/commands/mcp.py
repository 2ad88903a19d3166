"""`orgmap mcp`: the MCP server on stdio, as Claude Desktop and Cursor launch it (or `--http`, as `serve`)."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from orgmap.cli.commands.serve import add_allow_host_argument
from orgmap.cli.common import add_service_arguments, service_opener

if TYPE_CHECKING:
    from orgmap.service import Service

__all__ = ["go_live", "register", "run"]


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "mcp", help="run the MCP server on stdio (for Claude Desktop, Cursor...)",
        description="Run orgmap's MCP server on stdin/stdout. It opens its own graph and watcher over the vault and "
                    "shares the event store file with any running `orgmap serve`.")
    add_service_arguments(parser)
    parser.add_argument("--http", action="store_true", help="serve streamable HTTP at /mcp instead (same as serve)")
    parser.add_argument("--host", default="127.0.0.1", help="with --http: address to bind")
    parser.add_argument("--port", type=int, default=8000, help="with --http: port")
    add_allow_host_argument(parser)
    parser.set_defaults(func=run, no_watch=False)


def run(args: argparse.Namespace) -> int:
    if args.http:
        from orgmap.cli.commands.serve import serve

        return serve(args)
    from mcp_server.server import build_server
    from orgmap.service_slot import ServiceSlot

    # A client launches this for every session: the graph comes from the vault's cache, the store opens with the
    # first question that needs it, and the watcher and the anomaly scan start once `initialize` is answered.
    build_server(ServiceSlot(), open_service=service_opener(args, lazy_store=True),
                 once_answering=go_live).run("stdio")
    return 0


def go_live(service: Service) -> None:
    """What a long-running session adds once it answers: the vault watcher and the periodic anomaly scan."""
    service.watch()
    service.start_background()
