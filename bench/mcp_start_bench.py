"""How fast `orgmap mcp` is ready: a client launches it for every session, so the time from process start to the
answer of `initialize`, of the first `tools/list` and of the first `who_owns` call is what a user waits. Measured over
stdio with the SDK client, against the floor in the same run: a minimal MCPServer with one tool, started the same way
(the reference memory server is an npm package, not on PyPI).

    .venv/bin/python bench/mcp_start_bench.py [--vault DIR] [--runs 7] [--before CHECKOUT]

Without `--vault`, the demo's vault is built in `bench/.data/mcp-start-demo` (30 days, scale 0.3). The servers get
this process's environment; `--before CHECKOUT` also launches another checkout's `orgmap mcp` (its code first on
`PYTHONPATH`), interleaved with the others, for a before/after in one run.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

import anyio
from mcp import Client, StdioServerParameters

ORGMAP = str(Path(sys.executable).with_name("orgmap"))
DATA = Path(__file__).parent / ".data" / "mcp-start-demo"
NOW = "2026-12-07T12:00:00+00:00"

# The floor: the least an MCPServer over stdio costs to start and answer, with one tool.
FLOOR = """
from mcp.server.mcpserver import MCPServer

server = MCPServer("floor")


@server.tool()
def who_owns(name: str) -> str:
    \"\"\"Who owns a node.\"\"\"
    return "nobody"


server.run("stdio")
"""


def demo_vault(vault: Path | None) -> Path:
    """The vault to measure: the one given, else the demo's, built once."""
    if vault is not None:
        return vault
    if not (DATA / ".orgmap" / "demo.json").exists():
        subprocess.run([ORGMAP, "demo", "--dir", str(DATA), "--no-serve", "--days", "30", "--scale", "0.3",
                        "--now", NOW], check=True, stdout=subprocess.DEVNULL)
    return DATA


async def first_answers(params: StdioServerParameters, who: str) -> tuple[float, float, float]:
    """Seconds from launching the server to the answer of `initialize`, the first `tools/list` and the first
    `who_owns` call."""
    start = time.perf_counter()
    async with Client(params) as client:
        initialized = time.perf_counter() - start
        await client.list_tools()
        listed = time.perf_counter() - start
        result = await client.call_tool("who_owns", {"name": who})
        answered = time.perf_counter() - start
        assert not result.is_error, result
    return initialized, listed, answered


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--vault", type=Path, help="the vault to serve (default: the demo's)")
    parser.add_argument("--runs", type=int, default=7, help="launches of each server (medians are printed)")
    parser.add_argument("--who", default="Code Review Agent", help="the node `who_owns` is asked about")
    parser.add_argument("--before", type=Path, help="another checkout to measure beside this one")
    args = parser.parse_args()
    vault = demo_vault(args.vault)
    servers = {
        "orgmap mcp": StdioServerParameters(command=ORGMAP, args=["mcp", "--vault", str(vault)], env=dict(os.environ)),
        "floor: MCPServer, one tool": StdioServerParameters(command=sys.executable, args=["-c", FLOOR],
                                                            env=dict(os.environ)),
    }
    if args.before is not None:
        servers[f"before: {args.before.name}"] = StdioServerParameters(
            command=ORGMAP, args=["mcp", "--vault", str(vault)],
            env={**os.environ, "PYTHONPATH": str(args.before.resolve())})
    anyio.run(first_answers, servers["orgmap mcp"], args.who)  # warm the OS file cache and the vault's caches
    samples: dict[str, list[tuple[float, float, float]]] = {name: [] for name in servers}
    for _ in range(args.runs):  # interleaved, so both see the same machine load
        for name, params in servers.items():
            samples[name].append(anyio.run(first_answers, params, args.who))
    print(f"vault: {vault}, {args.runs} launches each, medians (min) in ms from process start")
    print(f"{'server':<30} {'initialize':>16} {'tools/list':>16} {'who_owns':>16}")
    for name, runs in samples.items():
        cells = []
        for i in range(3):
            values = [run[i] * 1000 for run in runs]
            cells.append(f"{statistics.median(values):>8.0f} ({min(values):>4.0f})")
        print(f"{name:<30} {cells[0]:>16} {cells[1]:>16} {cells[2]:>16}")


if __name__ == "__main__":
    main()
