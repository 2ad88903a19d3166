"""Load the company graph for a CLI command: a progress bar while scanning, and the count at the end (on stderr,
so `--json` output stays clean)."""

from __future__ import annotations

import sys
from pathlib import Path

from graph import CompanyGraph
from orgmap.progress import ProgressBar

__all__ = ["load_graph"]


def load_graph(vault: Path, *, cache: bool = True) -> CompanyGraph:
    """The graph of `vault`, loaded with a progress bar; prints `loaded N notes` to stderr."""
    with ProgressBar("Reading vault", unit="notes") as progress:
        graph = CompanyGraph.load(vault, cache=cache, on_progress=progress)
    print(f"orgmap: loaded {len(graph.notes)} notes from {vault}", file=sys.stderr)
    return graph
