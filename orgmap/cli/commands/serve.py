"""`orgmap serve`: the HTTP API, the dashboard, the MCP streamable-HTTP endpoint and the vault watcher, in one
process."""

from __future__ import annotations

import argparse
import os
import sys

from orgmap.cli.common import add_service_arguments, service_opener

__all__ = ["add_allow_host_argument", "register", "run", "serve"]


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "serve", help="serve the HTTP API, the dashboard (/), the MCP endpoint (/mcp) and the watcher",
        description="Serve the HTTP API under /v1, the dashboard at / and MCP over streamable HTTP at /mcp, over one "
                    "live graph. Bound to anything but loopback, writes and /mcp need "
                    "`Authorization: Bearer $ORGMAP_TOKEN`.")
    add_service_arguments(parser)
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8000, help="port (default 8000)")
    parser.add_argument("--no-watch", action="store_true", help="do not watch the vault for edits")
    add_allow_host_argument(parser)
    parser.set_defaults(func=run)


def add_allow_host_argument(parser: argparse.ArgumentParser) -> None:
    """`--allow-host NAME` (a Host name clients use to reach the server: DNS-rebinding protection refuses others) and
    `--allow-origin URL` (a web origin whose pages may write, beside the server's own)."""
    parser.add_argument("--allow-host", action="append", default=[], metavar="NAME",
                        help="a host name clients use to reach the server when bound beyond loopback (repeatable)")
    parser.add_argument("--allow-origin", action="append", default=[], metavar="URL",
                        help="a web origin (https://tools.example.com) whose pages may write here (repeatable)")


def serve(args: argparse.Namespace, *, banner: str = "") -> int:
    """Build the app over the service the arguments describe and run it with uvicorn until interrupted."""
    import uvicorn

    from api.app import create_app
    from api.security import is_loopback
    from mcp_server.server import build_server
    from orgmap.service import ServiceSlot

    token = os.environ.get("ORGMAP_TOKEN") or None
    if not is_loopback(args.host) and not token:
        print(f"orgmap: refusing to bind {args.host} without a token: set ORGMAP_TOKEN (writes and /mcp will "
              "require `Authorization: Bearer $ORGMAP_TOKEN`)", file=sys.stderr)
        return 2
    slot = ServiceSlot()
    # opened before the server starts: a store that cannot be opened (a database down, a schema too new) is said in
    # one line and the command fails, as every command does, not in a traceback of the server's startup
    service = service_opener(args, watch=not args.no_watch, background=True)()
    app = create_app(lambda: service, slot=slot, mcp_server=build_server(slot), token=token, host=args.host,
                     allowed_hosts=args.allow_host, allowed_origins=args.allow_origin)
    base = f"http://{args.host}:{args.port}"
    print(banner or f"orgmap serving the dashboard at {base}/, the API at {base}/v1 (docs {base}/docs) and MCP at "
                    f"{base}/mcp", file=sys.stderr)
    uvicorn.run(app, host=args.host, port=args.port, log_level="warning")
    return 0


def run(args: argparse.Namespace) -> int:
    return serve(args)
