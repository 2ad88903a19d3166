"""The graph cache: a warm start of an unchanged vault restores the very graph a fresh build gives (same order,
same problems) and keeps updating correctly; a changed vault or a bad cache file is rebuilt."""

from __future__ import annotations

import json

from graph import CompanyGraph
from graph.snapshot import GRAPH_CACHE_FILE
from tests.conftest import COMPANY, VaultFactory


def state(cg: CompanyGraph) -> tuple[object, ...]:
    """Everything a reader sees, in graph order (not sorted: a restored graph keeps the built one's order)."""
    nodes = [(n, d) for n, d in cg.g.nodes(data=True)]
    edges = list(cg.g.edges(keys=True, data=True))
    into = [list(cg.g.in_edges(n, keys=True)) for n in cg.g]
    return nodes, edges, into, cg.problems, cg.revision


def test_unchanged_vault_is_restored_and_keeps_updating(make_vault: VaultFactory) -> None:
    root = make_vault({**COMPANY, "Teams/Crew.md": '---\nmembers: ["[[Bob]]", "[[Ghost]]"]\n---\n[[Ghost]]\n'})
    built = CompanyGraph.load(root)
    cache = root / ".orgmap" / GRAPH_CACHE_FILE
    written = cache.stat().st_mtime_ns
    warm = CompanyGraph.load(root)
    assert cache.stat().st_mtime_ns == written  # valid, so used and not rewritten
    assert state(warm) == state(built) == state(CompanyGraph.load(root, cache=False))
    # the restored bookkeeping drives updates: a new note takes over a placeholder, an edit moves edges
    (root / "Ghost.md").write_text('---\nowner: "[[Bob]]"\n---\n', encoding="utf-8")
    (root / "Teams/Crew.md").write_text('---\nmembers: ["[[Ghost]]"]\n---\n', encoding="utf-8")
    warm.refresh(["Ghost.md", "Teams/Crew.md"])
    built.refresh(["Ghost.md", "Teams/Crew.md"])
    assert state(warm) == state(built)
    fresh = CompanyGraph.load(root, cache=False)
    assert sorted(warm.g.edges(keys=True, data=True), key=str) == sorted(fresh.g.edges(keys=True, data=True), key=str)
    assert warm.problems == fresh.problems


def test_changed_vault_or_bad_cache_is_rebuilt(make_vault: VaultFactory) -> None:
    root = make_vault({"A.md": "[[B]] [[C]]", "B.md": "[[A]]"})
    CompanyGraph.load(root)
    (root / "B.md").write_text("[[C]]", encoding="utf-8")
    assert list(CompanyGraph.load(root).g.edges("B")) == [("B", "C")]
    cache = root / ".orgmap" / GRAPH_CACHE_FILE
    good = json.loads(cache.read_bytes())
    fresh = state(CompanyGraph.load(root, cache=False))
    out_of_range = {**good, "succ": [[99, 0], *good["succ"][1:]]}
    for bad in (b"\x80garbage", b"{}", json.dumps({**good, "nodes": 7}).encode(), json.dumps(out_of_range).encode(),
                json.dumps({**good, "nodes": good["nodes"][:1]}).encode()):
        cache.write_bytes(bad)
        assert state(CompanyGraph.load(root)) == fresh, bad


def test_unwritable_state_folder_still_loads(make_vault: VaultFactory) -> None:
    root = make_vault({"A.md": "[[B]]"})
    (root / ".orgmap").write_text("a file where the folder should be", encoding="utf-8")
    assert list(CompanyGraph.load(root).g.edges("A")) == [("A", "B")]
