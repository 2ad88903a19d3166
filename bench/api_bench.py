"""The cost of the two doors: latency of GET /v1/run-rate over real HTTP and of an MCP tool call over stdio, ingest
over HTTP in batches of 1,000, and each tool's answer size, against the same service calls made in process.

    .venv/bin/python bench/api_bench.py [--agents 200] [--events 100000] [--calls 100]
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import resource
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from itertools import islice
from pathlib import Path

import anyio
import httpx
from mcp import Client, StdioServerParameters

from mcp_server.server import build_server
from orgmap.demo.data import generate_scaled
from orgmap.service import Service, ServiceSlot

ORGMAP = str(Path(sys.executable).with_name("orgmap"))


def quantiles(samples: list[float]) -> tuple[float, float]:
    """p50 and p99 in milliseconds."""
    ordered = sorted(samples)
    return statistics.median(ordered) * 1000, ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] * 1000


def timed(fn: Callable[[], object], n: int) -> list[float]:
    fn()  # warm
    out = []
    for _ in range(n):
        start = time.perf_counter()
        fn()
        out.append(time.perf_counter() - start)
    return out


def write_agents(root: Path, n_agents: int) -> Path:
    """A vault of `n_agents` agent notes named as `generate_scaled` names its agents; its root."""
    width = max(4, len(str(n_agents)))
    (root / "Agents").mkdir(parents=True)
    for i in range(n_agents):
        (root / "Agents" / f"agent-{i + 1:0{width}d}.md").write_text("---\ntype: agent\n---\n", encoding="utf-8")
    return root


def build_vault(root: Path, n_agents: int, n_events: int, now: datetime) -> float:
    """A vault of `n_agents` agent notes and a store of about `n_events` events; returns ingest seconds."""
    write_agents(root, n_agents)
    start = time.perf_counter()
    with Service.open(root) as svc:
        svc.intake.cost(generate_scaled(n_agents, n_events, now=now), source="bench")
    return time.perf_counter() - start


def batches(n_agents: int, n_events: int, now: datetime, seed: int, size: int = 1000) -> Iterator[list[dict]]:
    events = generate_scaled(n_agents, n_events, now=now, seed=seed, days=3)
    while chunk := list(islice(events, size)):
        yield chunk


def cpu_seconds(pid: int) -> float:
    """A live process's user + system CPU time (Linux /proc; 0.0 elsewhere, and the CPU figures read 0)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def peak_rss_mb(pid: int) -> float | None:
    """A live process's peak resident memory (Linux `VmHWM`), None where /proc does not say."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return None


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def serve(vault: Path, db: str | None = None) -> tuple[subprocess.Popen, str]:
    """`orgmap serve` on `vault` (its store `db`, else the vault's own) on a free loopback port; its base URL."""
    port = free_port()
    proc = subprocess.Popen([ORGMAP, "serve", "--vault", str(vault), "--port", str(port), "--no-watch",
                             *(["--db", db] if db else [])],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            env={k: v for k, v in os.environ.items() if k != "ORGMAP_TOKEN"})
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return proc, f"http://127.0.0.1:{port}"
        except OSError:
            time.sleep(0.05)
    proc.kill()
    raise SystemExit("orgmap serve did not start")


async def mcp_latency(target: object, n: int) -> list[float]:
    async with Client(target) as client:
        await client.call_tool("top_spenders", {})
        out = []
        for _ in range(n):
            start = time.perf_counter()
            result = await client.call_tool("top_spenders", {})
            out.append(time.perf_counter() - start)
            assert not result.is_error
        return out


async def tool_sizes(svc: Service) -> dict[str, float]:
    args = {"who_owns": {"name": "agent-0001"}, "what_depends_on": {"name": "agent-0001"},
            "dependencies_of": {"name": "agent-0001"}, "describe_node": {"name": "agent-0001"},
            "owner_portfolio": None, "agent_cost": {"agent": "agent-0001"},
            "check_allowance": {"agent": "agent-0001"}, "explain_cost_change": {"agent": "agent-0001"},
            "record_cost_events": None, "record_change": None, "set_anomaly_state": None}
    sizes = {}
    async with Client(build_server(ServiceSlot(svc))) as client:
        for tool in (await client.list_tools()).tools:
            arguments = args.get(tool.name, {})
            if arguments is None:
                continue
            result = await client.call_tool(tool.name, arguments)
            sizes[tool.name] = len("".join(b.text for b in result.content).encode()) / 4
    return sizes


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--agents", type=int, default=200)
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--calls", type=int, default=100)
    parser.add_argument("--post-events", type=int, default=20_000)
    args = parser.parse_args()
    logging.getLogger("httpx").setLevel(logging.WARNING)
    now = datetime.now(UTC)
    rows: list[tuple[str, str]] = []
    with tempfile.TemporaryDirectory() as tmp:
        vault = Path(tmp) / "vault"
        took = build_vault(vault, args.agents, args.events, now)
        print(f"store: {args.agents} agents, {args.events:,} events (built in {took:.0f}s)", file=sys.stderr)
        with Service.open(vault) as svc:
            p50, p99 = quantiles(timed(lambda: svc.run_rate(limit=20), args.calls))
            rows.append(("run_rate in process (baseline)", f"p50 {p50:.1f} ms, p99 {p99:.1f} ms"))
            base50 = p50
            agent = svc.find(kind="agent", limit=1).items[0].id
            allow50, allow99 = quantiles(timed(lambda: svc.allowance(agent, "run-1"), args.calls * 5))
            rows.append(("allowance in process (baseline)", f"p50 {allow50:.2f} ms, p99 {allow99:.2f} ms"))
            sizes = anyio.run(tool_sizes, svc)
            start = time.perf_counter()
            n = sum(svc.intake.cost(b, source="bench").accepted
                    for b in batches(args.agents, args.post_events, now, seed=9))
            inproc_rate = n / (time.perf_counter() - start)
        proc, base = serve(vault)
        try:
            with httpx.Client(base_url=base, timeout=60) as http:
                cpu = cpu_seconds(proc.pid)
                samples = timed(lambda: http.get("/v1/run-rate").raise_for_status(), args.calls)
                cpu = (cpu_seconds(proc.pid) - cpu) / (args.calls + 1) * 1000
                p50, p99 = quantiles(samples)
                rows.append(("GET /v1/run-rate over HTTP", f"p50 {p50:.1f} ms, p99 {p99:.1f} ms "
                                                          f"({p50 / base50:.2f}x in process); "
                                                          f"server CPU {cpu:.1f} ms a request"))
                route = f"/v1/agents/{agent}/allowance"
                p50, p99 = quantiles(timed(lambda: http.get(route, params={"run_id": "run-1"}).raise_for_status(),
                                           args.calls * 5))
                rows.append(("GET /v1/agents/{name}/allowance over HTTP", f"p50 {p50:.2f} ms, p99 {p99:.2f} ms "
                                                                         f"({p50 / allow50:.2f}x in process)"))
                start, posted, requests, cpu = time.perf_counter(), 0, 0, cpu_seconds(proc.pid)
                for batch in batches(args.agents, args.post_events, now, seed=8):
                    answer = http.post("/v1/events/cost", json=batch)
                    answer.raise_for_status()
                    posted += answer.json()["accepted"]
                    requests += 1
                spent, cpu = time.perf_counter() - start, cpu_seconds(proc.pid) - cpu
                rows.append(("POST /v1/events/cost, batches of 1,000",
                             f"{requests / spent:.1f} requests/s, {posted / spent:,.0f} events/s "
                             f"(in-process ingest {inproc_rate:,.0f} events/s; "
                             f"ratio {posted / spent / inproc_rate:.2f}); "
                             f"{posted / cpu if cpu else 0:,.0f} events/s of server CPU"))
                peak = peak_rss_mb(proc.pid)
                if peak is not None:
                    rows.append(("orgmap serve peak RSS", f"{peak:,.0f} MB"))
        finally:
            proc.terminate()
            proc.wait(timeout=10)
        stdio = StdioServerParameters(command=ORGMAP, args=["mcp", "--vault", str(vault)])
        p50, p99 = quantiles(anyio.run(mcp_latency, stdio, args.calls))
        rows.append(("MCP top_spenders over stdio",
                     f"p50 {p50:.1f} ms, p99 {p99:.1f} ms ({p50 / base50:.2f}x in process)"))
    rows.append(("bench process peak RSS (in-process side)",
                 f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:,.0f} MB"))
    for name, figure in rows:
        print(f"{name:45} {figure}")
    print("tool answer sizes (tokens = bytes/4): " + json.dumps({k: round(v) for k, v in sorted(sizes.items())}))


if __name__ == "__main__":
    main()
