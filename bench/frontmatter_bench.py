"""Frontmatter benchmark: orgmap's reader (`vault.frontmatter`: a fast path for simple YAML, PyYAML's C loader for
the rest, Obsidian's reading of booleans and dates) against python-frontmatter on the same notes, in the same run.
It is why the parser is our own (docs/architecture.md); install the peer with `pip install -e ".[bench]"`.

    .venv/bin/python -m bench.frontmatter_bench [--repeat 50]
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from pathlib import Path

from vault.frontmatter import read_frontmatter, split_frontmatter

EXAMPLE = Path(__file__).resolve().parents[1] / "orgmap" / "demo" / "vault"


def ours(text: str) -> object:
    found = split_frontmatter(text)
    return None if found.yaml_text is None else read_frontmatter(found.yaml_text, 2)[0]


def _per_note_us(parse: Callable[[str], object], texts: list[str]) -> float:
    start = time.process_time()
    for text in texts:
        parse(text)
    return (time.process_time() - start) * 1e6 / len(texts)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=50, help="passes over the example vault's notes (default 50)")
    args = parser.parse_args()
    import frontmatter  # python-frontmatter, the peer

    texts = [p.read_text(encoding="utf-8") for p in sorted(EXAMPLE.rglob("*.md"))] * args.repeat
    peer = _per_note_us(lambda text: frontmatter.loads(text).metadata, texts)
    mine = _per_note_us(ours, texts)
    print(f"{len(texts):,} notes (the example vault x {args.repeat}), CPU time per note:")
    print(f"  python-frontmatter  {peer:8.1f} us")
    print(f"  orgmap              {mine:8.1f} us   ({peer / mine:.1f}x faster)")
    sample = "---\nenabled: yes\nsince: 2026-01-02\n---\n"
    print(f"  `enabled: yes`, `since: 2026-01-02`: python-frontmatter {frontmatter.loads(sample).metadata}, "
          f"orgmap {ours(sample)} (Obsidian keeps `yes` a string; a date reads as its text)")


if __name__ == "__main__":
    main()
