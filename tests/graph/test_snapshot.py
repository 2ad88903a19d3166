"""The graph cache: a warm start of an unchanged vault restores the very graph a fresh build gives (same order,
same problems, same notes) from that one file and keeps updating correctly; a changed vault, a fresh edit or a bad
cache file is rebuilt, and a note record that does not decode never stops an update."""

from __future__ import annotations

import os
from pathlib import Path

import msgspec

from graph import CompanyGraph
from graph.snapshot import GRAPH_CACHE_FILE, Snapshot
from tests.conftest import COMPANY, VaultFactory, age
from vault.cache import CACHE_FILE


def state(cg: CompanyGraph) -> tuple[object, ...]:
    """Everything a reader sees, in graph order (not sorted: a restored graph keeps the built one's order)."""
    nodes = [(n, d) for n, d in cg.g.nodes(data=True)]
    edges = list(cg.g.edges(keys=True, data=True))
    into = [list(cg.g.in_edges(n, keys=True)) for n in cg.g]
    return nodes, edges, into, cg.problems, cg.revision, dict(cg.notes.items()), cg.notes_paths()


def test_unchanged_vault_is_restored_from_the_graph_cache_alone(make_vault: VaultFactory) -> None:
    root = make_vault({**COMPANY, "Teams/Crew.md": '---\nmembers: ["[[Bob]]", "[[Ghost]]"]\n---\n[[Ghost]]\n',
                       "Bad.md": "---\nowner: [oops\n---\n"})
    age(root)
    built = CompanyGraph.load(root)
    cache = root / ".orgmap" / GRAPH_CACHE_FILE
    written = cache.stat().st_mtime_ns
    (root / ".orgmap" / CACHE_FILE).unlink()  # the parse cache is not needed for an unchanged vault
    warm = CompanyGraph.load(root)
    assert cache.stat().st_mtime_ns == written  # valid, so used and not rewritten
    assert not (root / ".orgmap" / CACHE_FILE).exists()
    assert state(warm) == state(built) == state(CompanyGraph.load(root, cache=False))
    assert any(p.code == "bad_yaml" for p in warm.problems)
    # the restored bookkeeping drives updates: a new note takes over a placeholder, an edit moves edges
    (root / "Ghost.md").write_text('---\nowner: "[[Bob]]"\n---\n', encoding="utf-8")
    (root / "Teams/Crew.md").write_text('---\nmembers: ["[[Ghost]]"]\n---\n', encoding="utf-8")
    warm.refresh(["Ghost.md", "Teams/Crew.md", "Bad.md"])
    built.refresh(["Ghost.md", "Teams/Crew.md", "Bad.md"])
    assert state(warm) == state(built)
    fresh = CompanyGraph.load(root, cache=False)
    assert sorted(warm.g.edges(keys=True, data=True), key=str) == sorted(fresh.g.edges(keys=True, data=True), key=str)
    assert warm.problems == fresh.problems


def test_changed_vault_or_fresh_edit_is_rebuilt(make_vault: VaultFactory) -> None:
    root = make_vault({"A.md": "[[B]] [[C]]", "B.md": "[[A]]"})
    CompanyGraph.load(root)
    (root / "B.md").write_text("[[C]]", encoding="utf-8")
    assert list(CompanyGraph.load(root).g.edges("B")) == [("B", "C")]
    # an edit in the same filesystem tick: same size, same mtime; a fresh mtime must not be trusted
    before = (root / "B.md").stat()
    CompanyGraph.load(root)
    (root / "B.md").write_text("[[A]]", encoding="utf-8")
    os.utime(root / "B.md", ns=(before.st_atime_ns, before.st_mtime_ns))
    assert list(CompanyGraph.load(root).g.edges("B")) == [("B", "A")]


def test_recent_or_future_dated_files_are_checked_not_trusted(make_vault: VaultFactory) -> None:
    root = make_vault({"A.md": "[[B]]", "B.md": "[[A]]"})
    age(root)
    future = (root / "B.md").stat().st_mtime_ns + 2 * 86400 * 10**9  # a synced file from a clock ahead of ours
    os.utime(root / "B.md", ns=(future, future))
    built = CompanyGraph.load(root)
    cache = root / ".orgmap" / GRAPH_CACHE_FILE
    written = cache.stat().st_mtime_ns
    assert state(CompanyGraph.load(root)) == state(built)
    assert cache.stat().st_mtime_ns == written  # B.md parsed again, found unchanged: the cache stands
    (root / "B.md").write_text("[[C]]", encoding="utf-8")  # same size
    os.utime(root / "B.md", ns=(future, future))
    assert list(CompanyGraph.load(root).g.edges("B")) == [("B", "C")]


def _cached_vault(make_vault: VaultFactory) -> tuple[Path, Path]:
    """A small vault loaded once, old enough that its graph cache is trusted: (root, cache file)."""
    root = make_vault({"A.md": "[[B]] [[C]]", "B.md": "[[A]]"})
    age(root)
    CompanyGraph.load(root)
    return root, root / ".orgmap" / GRAPH_CACHE_FILE


def test_bad_cache_is_rebuilt(make_vault: VaultFactory) -> None:
    root, cache = _cached_vault(make_vault)
    good = msgspec.msgpack.decode(cache.read_bytes())
    fresh = state(CompanyGraph.load(root, cache=False))

    def altered(at: int, value: object) -> bytes:
        return msgspec.msgpack.encode([*good[:at], value, *good[at + 1 :]])

    at = {name: i for i, name in enumerate(Snapshot.__struct_fields__)}
    nodes, succ, attrs = at["nodes"], at["succ"], at["node_attrs"]
    bad_row = (99).to_bytes(4, "little") + good[succ][0][4:]
    for bad in (b"\x80garbage", b"{}", altered(nodes, 7), altered(nodes, good[nodes][:1]),
                altered(succ, [bad_row, *good[succ][1:]]), altered(succ, [b"\x00", *good[succ][1:]]),
                altered(at["byteorder"], "middle"), altered(at["written_ns"], 2**62),
                altered(at["files"], good[at["files"]][:1]), altered(at["records"], good[at["records"]][:1]),
                altered(attrs, [b"\xff" * 8, *good[attrs][1:]]), altered(attrs, good[attrs][:1])):
        cache.write_bytes(bad)
        assert state(CompanyGraph.load(root)) == fresh, bad
    assert cache.read_bytes() != bad  # rewritten
    assert state(CompanyGraph.load(root)) == fresh


def test_note_record_that_does_not_decode_is_read_from_disk_and_still_updates(make_vault: VaultFactory) -> None:
    root, cache = _cached_vault(make_vault)
    data = msgspec.msgpack.decode(cache.read_bytes())
    records = Snapshot.__struct_fields__.index("records")
    data[records][0] = msgspec.msgpack.encode({"path": 7})  # A.md's record, of the wrong types
    cache.write_bytes(msgspec.msgpack.encode(data))
    warm = CompanyGraph.load(root)
    assert [link.target for link in warm.notes["A"].links] == ["B", "C"]  # read from its file
    (root / "A.md").write_text("[[B]]", encoding="utf-8")
    assert [c.node_id for c in warm.refresh(["A.md"])] == ["A"]
    assert sorted(warm.g.edges("A")) == [("A", "B")]


def test_unwritable_state_folder_still_loads(make_vault: VaultFactory) -> None:
    root = make_vault({"A.md": "[[B]]"})
    (root / ".orgmap").write_text("a file where the folder should be", encoding="utf-8")
    assert list(CompanyGraph.load(root).g.edges("A")) == [("A", "B")]


def test_note_msgpack_cannot_hold_is_kept_whole_and_its_vault_not_snapshotted(make_vault: VaultFactory) -> None:
    root = make_vault({"A.md": "---\nserial: 123456789012345678901234567890\n---\n[[B]]", "B.md": ""})
    age(root)
    cold = CompanyGraph.load(root)
    assert not (root / ".orgmap" / GRAPH_CACHE_FILE).exists()
    warm = CompanyGraph.load(root)  # from the parse cache (JSON holds any integer)
    assert warm.notes["A"].frontmatter["serial"] == 123456789012345678901234567890
    assert state(warm) == state(cold)
