"""A realistic generated company vault for the benchmark: ~4 KB notes, a few frontmatter links and a dozen body
links each, spread over the kind folders, with some code blocks and tags."""

from __future__ import annotations

import os
import random
import time
from pathlib import Path

__all__ = ["generate_vault"]

FOLDERS = ["Agents", "Tools", "Integrations", "Models", "People", "Teams", "Systems", "Notes"]
WORDS = [
    "cost", "latency", "agent", "token", "budget", "owner", "deploy", "prompt", "model", "vector", "store", "ticket",
    "customer", "support", "pipeline", "retrieval", "embedding", "cache", "retry", "review", "incident", "alert",
]


def _paragraph(rng: random.Random, names: list[str], links: int) -> str:
    words = [rng.choice(WORDS) for _ in range(80)]
    for _ in range(links):
        words[rng.randrange(len(words))] = f"[[{rng.choice(names)}]]"
    return " ".join(words)


def generate_vault(root: Path, count: int, seed: int = 1) -> Path:
    """Write `count` notes under `root` (once: an existing complete vault is reused) with old mtimes."""
    marker = root / ".complete"
    if marker.exists():
        return root
    rng = random.Random(seed)
    names = [f"{FOLDERS[i % len(FOLDERS)][:-1]} {i:05d}" for i in range(count)]
    old = time.time_ns() - 86400 * 10**9
    for i, name in enumerate(names):
        folder = FOLDERS[i % len(FOLDERS)]
        deps = ", ".join(f'"[[{rng.choice(names)}]]"' for _ in range(3))
        front = (f"---\ntype: {folder[:-1].lower()}\naliases: [alias-{i}]\nowner: \"[[{rng.choice(names)}]]\"\n"
                 f"depends_on: [{deps}]\ntags: [bench, {rng.choice(WORDS)}]\ncreated: 2024-01-{1 + i % 28:02d}\n"
                 f"status: active\n---\n")
        body = [f"# {name}\n"]
        for p in range(8):
            body.append(_paragraph(rng, names, 2 if p % 2 else 1) + f" #{rng.choice(WORDS)}\n")
            if p == 2:
                body.append("```python\nprint('[[not a link]]')\n```\n")
        text = front + "\n".join(body)
        path = root / folder / f"{name}.md"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        os.utime(path, ns=(old, old))
    marker.write_text("ok", encoding="utf-8")
    return root
