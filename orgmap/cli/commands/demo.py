"""`orgmap demo`: the example company with two months of generated events, ingested and served.

It builds the demo (`orgmap.demo.build`: the example vault copied, events ending at the current hour generated and
stored) with a progress bar, prints the URLs (dashboard, API, MCP) and ready-to-paste MCP configs, and serves.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from orgmap.cli.progress import ProgressBar
from orgmap.demo import MIN_DAYS
from orgmap.wording import money

if TYPE_CHECKING:  # the builder (and the service under it) is imported when a demo is built, not by every command
    from orgmap.demo.build import DemoBuilt

__all__ = ["prepare", "register", "run"]


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("demo", help="generate the example company with 60 days of events, and serve it",
                                   description="Copy the example company vault into DIR, generate and ingest "
                                               "about two months of cost and change events, and serve them.")
    parser.add_argument("--dir", default="orgmap-demo", help="where to put the demo vault (default ./orgmap-demo)")
    parser.add_argument("--seed", type=int, default=7, help="random seed (default 7)")
    parser.add_argument("--days", type=_days, default=60, help=f"days of history (default 60, at least {MIN_DAYS})")
    parser.add_argument("--scale", type=float, default=1.0, help="multiply the traffic (default 1.0)")
    parser.add_argument("--now", help="end of the generated history, ISO 8601 (default: the current hour)")
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8000, help="port (default 8000)")
    parser.add_argument("--no-serve", action="store_true", help="prepare the demo and exit")
    parser.set_defaults(func=run)


def _days(text: str) -> int:
    """`--days`: a whole number of at least MIN_DAYS (the planted incidents need a baseline before them)."""
    try:
        days = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number of days: {text!r}") from None
    if days < MIN_DAYS:
        raise argparse.ArgumentTypeError(f"at least {MIN_DAYS} (the incidents need a baseline), got {days}")
    return days


def prepare(target: Path, *, seed: int, days: int, scale: float, now: datetime) -> DemoBuilt:
    """Build the demo at `target` with a progress bar, and say what was made."""
    from orgmap.demo.build import build_demo

    with ProgressBar("ingesting demo events", unit="ev") as bar:
        built = build_demo(target, seed=seed, days=days, scale=scale, now=now, on_progress=bar)
    print(f"orgmap demo: {built.cost_events:,} cost events ({money(built.total_cost_usd)}) and {built.change_events} "
          f"change events for {built.agents} agents in {target}", file=sys.stderr)
    print(f"  {built.headline}", file=sys.stderr)
    print(f"  {built.anomalies} anomalies found; try: orgmap anomalies --vault {target} --since {days}d",
          file=sys.stderr)
    return built


def _mcp_configs(vault: Path, base: str) -> str:
    beside = Path(sys.executable).parent / "orgmap"
    exe = str(beside) if beside.is_file() else shutil.which("orgmap") or "orgmap"
    stdio = {"mcpServers": {"orgmap": {"command": exe, "args": ["mcp", "--vault", str(vault)]}}}
    http = {"mcpServers": {"orgmap": {"url": f"{base}/mcp"}}}
    return (f"MCP over stdio (Claude Desktop: claude_desktop_config.json; Cursor: .cursor/mcp.json):\n"
            f"{json.dumps(stdio, indent=2)}\nMCP over HTTP (while this server runs):\n{json.dumps(http, indent=2)}")


def run(args: argparse.Namespace) -> int:
    try:
        now = datetime.fromisoformat(args.now) if args.now else datetime.now(UTC).replace(minute=0, second=0,
                                                                                          microsecond=0)
    except ValueError:
        example = "2026-11-20T12:00:00+00:00"
        raise SystemExit(f"orgmap: --now must be an ISO 8601 time like {example}; got {args.now!r}") from None
    if now.tzinfo is None:
        now = now.replace(tzinfo=UTC)
    target = Path(args.dir).resolve()
    prepare(target, seed=args.seed, days=args.days, scale=args.scale, now=now)
    base = f"http://{args.host}:{args.port}"
    banner = "\n".join([
        f"orgmap demo is serving {target}",
        f"  dashboard:       {base}/",
        f"  ranked run-rate: {base}/v1/run-rate?window=7d",
        f"  API docs:        {base}/docs",
        f"  MCP endpoint:    {base}/mcp",
        f"  try: curl -s '{base}/v1/run-rate?window=7d&limit=5'",
        _mcp_configs(target, base),
    ])
    if args.no_serve:
        print(banner.replace("is serving", "is ready in"), file=sys.stderr)
        return 0
    from orgmap.cli.commands.serve import serve

    serve_args = argparse.Namespace(vault=str(target), db=None, prices=None, webhook=None, host=args.host,
                                    port=args.port, no_watch=False, allow_host=[],
                                    allow_origin=[])
    return serve(serve_args, banner=banner)
