"""`orgmap demo`: the example company with two months of generated events, ingested and served.

It copies `examples/company` into a fresh folder, generates cost and change events ending at the current hour
(same seed and `--now`, same data), ingests them with a progress bar, prints the URLs (dashboard, API, MCP) and
ready-to-paste MCP configs, and serves.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

__all__ = ["EXAMPLE_VAULT", "prepare", "register", "run"]

EXAMPLE_VAULT = Path(__file__).resolve().parents[2] / "examples" / "company"
_MARKER = ".orgmap/demo.json"


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("demo", help="generate the example company with 60 days of events, and serve it",
                                   description="Copy the example company vault into DIR, generate and ingest "
                                               "about two months of cost and change events, and serve them.")
    parser.add_argument("--dir", default="orgmap-demo", help="where to put the demo vault (default ./orgmap-demo)")
    parser.add_argument("--seed", type=int, default=7, help="random seed (default 7)")
    parser.add_argument("--days", type=int, default=60, help="days of history (default 60)")
    parser.add_argument("--scale", type=float, default=1.0, help="multiply the traffic (default 1.0)")
    parser.add_argument("--now", help="end of the generated history, ISO 8601 (default: the current hour)")
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8000, help="port (default 8000)")
    parser.add_argument("--no-serve", action="store_true", help="prepare the demo and exit")
    parser.set_defaults(func=run)


def _fresh_folder(target: Path) -> None:
    """Replace an earlier demo folder (recognised by its marker); never touch a folder orgmap did not make."""
    if target.exists():
        if not (target / _MARKER).is_file():
            raise SystemExit(f"orgmap: {target} exists and is not an orgmap demo folder; choose another --dir")
        shutil.rmtree(target)
    if not EXAMPLE_VAULT.is_dir():
        raise SystemExit(f"orgmap: the example vault is missing at {EXAMPLE_VAULT}")
    shutil.copytree(EXAMPLE_VAULT, target)


def prepare(target: Path, *, seed: int, days: int, scale: float, now: datetime) -> dict[str, object]:
    """Make the demo vault at `target` and ingest its generated events; return what was done."""
    from orgmap.demo_data import generate
    from orgmap.progress import ProgressBar
    from orgmap.service import Service

    _fresh_folder(target)
    data = generate(seed=seed, days=days, now=now, scale=scale)
    with Service.open(target, clock=lambda: now) as svc:
        with ProgressBar("ingesting demo events", unit="ev") as bar:
            cost = svc.ledger.ingest_cost(data.cost_events, source="demo", on_progress=bar)
        changes = svc.ledger.ingest_changes(data.change_events, source="demo")
        top = svc.run_rate("7d", "agent", 5)
        found = svc.scan_anomalies(timedelta(days=days))
    info: dict[str, object] = {"seed": seed, "days": days, "scale": scale, "now": now.isoformat(),
                               "cost_events": cost.accepted, "change_events": changes.accepted,
                               "total_cost_usd": round(cost.total_cost_usd, 2),
                               "incidents": [i.name for i in data.incidents],
                               "anomalies": len(found)}
    (target / _MARKER).write_text(json.dumps(info, indent=2), encoding="utf-8")
    print(f"orgmap demo: {cost.accepted:,} cost events (${cost.total_cost_usd:,.2f}) and {changes.accepted} change "
          f"events for {len(data.agents)} agents in {target}", file=sys.stderr)
    print(f"  {top.summary}", file=sys.stderr)
    print(f"  {len(found)} anomalies found; try: orgmap anomalies --vault {target} --since {days}d", file=sys.stderr)
    return info


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
    from orgmap.commands.serve import serve

    serve_args = argparse.Namespace(vault=str(target), db=None, prices=None, webhook=None, host=args.host,
                                    port=args.port, no_watch=False, allow_host=[])
    return serve(serve_args, banner=banner)
