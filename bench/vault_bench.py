"""Vault benchmark: cold load, warm start (parse cache), peak memory and edit-to-graph latency on generated vaults
of 1k/10k/50k notes, against obsidiantools and a naive read+PyYAML baseline measured in the same run.

    .venv/bin/python -m bench.vault_bench [--quick] [--sizes 1000,10000,50000] [--cases naive,cold1,cold,warm]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

from bench.vaultgen import generate_vault

DATA = Path(__file__).resolve().parent / ".data"


def _child(mode: str, root: str) -> None:
    """Runs in a fresh process so peak memory (ru_maxrss) is this load's alone; imports are not timed."""
    import importlib

    needs = {"naive": "yaml", "obsidiantools": "obsidiantools.api"}.get(mode, "graph")
    module = importlib.import_module(needs)  # imported before the clock starts, and only what this case needs
    start, cpu = time.perf_counter(), time.process_time()
    if mode == "naive":
        count = 0
        for path in Path(root).rglob("*.md"):
            text = path.read_text(encoding="utf-8")
            if text.startswith("---\n"):
                module.load(text[4 : text.index("\n---", 4)], Loader=module.CSafeLoader)
            count += 1
        nodes = edges = count
    elif mode == "obsidiantools":
        vault = module.Vault(Path(root)).connect()
        nodes, edges = vault.graph.number_of_nodes(), vault.graph.number_of_edges()
    else:
        if mode == "cold1":
            importlib.import_module("vault.load").PARALLEL_THRESHOLD = 10**12  # one core
        cg = module.CompanyGraph.load(root, cache=mode == "warm")
        nodes, edges = cg.g.number_of_nodes(), cg.g.number_of_edges()
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu  # cpu: this process only, not workers
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"seconds": seconds, "cpu": cpu, "peak_mb": peak_mb, "nodes": nodes, "edges": edges}))


def measure(mode: str, root: Path) -> dict[str, float]:
    out = subprocess.run([sys.executable, "-m", "bench.vault_bench", "--child", mode, str(root)], check=True,
                         capture_output=True, text=True, cwd=Path(__file__).resolve().parent.parent)
    return json.loads(out.stdout.strip().splitlines()[-1])


def edit_latency(root: Path, edits: int = 5) -> tuple[float, float]:
    """Median seconds from a note's save to the live graph reflecting it, and the debounce inside that."""
    from graph import CompanyGraph
    from graph.live import LiveGraph

    target = next((root / "Agents").glob("*.md"))
    original = target.read_bytes()
    samples: list[float] = []
    try:
        with LiveGraph(CompanyGraph.load(root)) as live:
            for i in range(edits):
                wanted = live.graph.revision + 1
                start = time.perf_counter()
                target.write_bytes(original.replace(b"status: active", f"status: edit-{i}".encode()))
                if not live.wait_for(wanted, 30):
                    raise RuntimeError("the edit never reached the graph")
                samples.append(time.perf_counter() - start)
            debounce = live.debounce
    finally:
        target.write_bytes(original)
        stat = target.stat()
        os.utime(target, ns=(stat.st_atime_ns, stat.st_mtime_ns - 86400 * 10**9))
    return sorted(samples)[len(samples) // 2], debounce


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="skip obsidiantools on the 10k vault (~2 min)")
    parser.add_argument("--sizes", default="1000,10000,50000", help="vault sizes (default 1000,10000,50000)")
    parser.add_argument("--cases", default="naive,cold1,cold,warm,obsidiantools,edit",
                        help="cases to run (default all: naive,cold1,cold,warm,obsidiantools,edit)")
    parser.add_argument("--child", nargs=2, metavar=("MODE", "ROOT"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        _child(*args.child)
        return
    cases = args.cases.split(",")
    print(f"load average {os.getloadavg()[0]:.2f}")
    print(f"{'notes':>6} {'case':<28} {'seconds':>8} {'cpu s':>6} {'peak MB':>8} {'nodes':>7} {'edges':>8}")
    for size in [int(s) for s in args.sizes.split(",")]:
        root = generate_vault(DATA / f"v{size}", size)
        for name in ("parse-cache.json", "graph-cache.msgpack"):
            (root / ".orgmap" / name).unlink(missing_ok=True)
        rows = {mode: measure(mode, root) for mode in ("naive", "cold1", "cold") if mode in cases}
        if "warm" in cases:
            measure("warm", root)  # writes the caches
            rows["warm"] = measure("warm", root)
        if "obsidiantools" in cases and (size <= 1000 or (size <= 10000 and not args.quick)):
            rows["obsidiantools"] = measure("obsidiantools", root)
        for case, row in rows.items():
            label = {"cold1": "cold, one core", "cold": "cold, all cores", "warm": "warm (cache)",
                     "naive": "naive read + CSafeLoader"}.get(case, case)
            print(f"{size:>6} {label:<28} {row['seconds']:>8.2f} {row['cpu']:>6.2f} {row['peak_mb']:>8.0f} "
                  f"{row['nodes']:>7} {row['edges']:>8}")
        if "naive" in rows:
            naive = rows["naive"]["seconds"]
            ratios = [f"{case} {naive / rows[case]['seconds']:.2f}x" for case in ("cold", "cold1", "warm")
                      if case in rows]
            print(f"{size:>6} ratio naive/orgmap: {', '.join(ratios)}", end="")
            if "obsidiantools" in rows and "cold" in rows:
                print(f"; obsidiantools/orgmap cold: {rows['obsidiantools']['seconds'] / rows['cold']['seconds']:.1f}x",
                      end="")
            print()
        print(f"load average {os.getloadavg()[0]:.2f}")
        if size <= 10000 and "edit" in cases:
            latency, debounce = edit_latency(root)
            print(f"{size:>6} edit -> graph: {latency * 1000:.0f} ms median "
                  f"({debounce * 1000:.0f} ms debounce + {(latency - debounce) * 1000:.0f} ms apply)")


if __name__ == "__main__":
    main()
