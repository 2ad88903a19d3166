"""A bare link to a name several notes share goes to the linking note's own folder first, then the shortest path, as
Obsidian resolves it (its help vault: `[[Security and privacy]]` from `Obsidian Sync/` is the Sync note), in a full
load, an incremental update and a graph restored from the cache alike; the collision is still reported."""

from __future__ import annotations

from pathlib import Path

from graph import CompanyGraph
from tests.conftest import VaultFactory, age
from tests.graph.test_incremental import snapshot

SYNC, PUBLISH = "Obsidian Sync/Security and privacy", "Obsidian Publish/Security and privacy"
LINKS = {
    "Obsidian Sync/Introduction.md": "[[Security and privacy]]\n",
    "Obsidian Publish/Introduction.md": "See [[security and privacy]].\n",
    "Home.md": "[[Security and privacy]]\n",
    "Guides/Start.md": "[[Security and privacy]]\n",
}
NAMESAKES = {f"{SYNC}.md": "Sync's.\n", f"{PUBLISH}.md": "Publish's.\n"}
EXPECTED = {"Obsidian Sync/Introduction": SYNC, "Obsidian Publish/Introduction": PUBLISH,
            "Home": SYNC, "Guides/Start": SYNC}  # root and a third folder: the shortest path (then the shorter id)


def _targets(cg: CompanyGraph) -> dict[str, str]:
    return {src: dst for src in EXPECTED for _, dst in cg.g.out_edges(src)}


def test_full_load_prefers_the_linking_notes_folder_and_reports_the_collision(make_vault: VaultFactory) -> None:
    cg = CompanyGraph.load(make_vault({**NAMESAKES, **LINKS}), cache=False)
    assert _targets(cg) == EXPECTED
    ambiguous = {p.path: p.message for p in cg.problems if p.code == "ambiguous_link"}
    assert sorted(ambiguous) == sorted(f"{src}.md" for src in EXPECTED)
    assert "resolved to Obsidian Publish/Security and privacy (same folder), not Obsidian Sync/Security and privacy" \
        in ambiguous["Obsidian Publish/Introduction.md"]
    assert f"resolved to {SYNC} (shortest path), not {PUBLISH}" in ambiguous["Guides/Start.md"]


def test_incremental_updates_agree_with_a_full_load(make_vault: VaultFactory) -> None:
    root = make_vault({f"{SYNC}.md": "Sync's.\n", **LINKS})
    cg = CompanyGraph.load(root, cache=False)
    assert set(_targets(cg).values()) == {SYNC}  # one note of the name: every link goes to it
    (root / f"{PUBLISH}.md").write_text("Publish's.\n", encoding="utf-8")
    cg.refresh([f"{PUBLISH}.md"])  # a namesake appears: the Publish folder's link moves to it
    assert _targets(cg) == EXPECTED
    assert snapshot(cg) == snapshot(CompanyGraph.load(root, cache=False))
    (root / "Obsidian Publish/Later.md").write_text("[[Security and privacy]]\n", encoding="utf-8")
    cg.refresh(["Obsidian Publish/Later.md"])  # a new note in a batch of its own, after others resolved the name
    assert list(cg.g.successors("Obsidian Publish/Later")) == [PUBLISH]
    assert snapshot(cg) == snapshot(CompanyGraph.load(root, cache=False))
    (root / f"{SYNC}.md").unlink()
    cg.refresh([f"{SYNC}.md"])
    assert set(_targets(cg).values()) == {PUBLISH}
    assert snapshot(cg) == snapshot(CompanyGraph.load(root, cache=False))


def test_a_graph_restored_from_the_cache_agrees(make_vault: VaultFactory) -> None:
    root: Path = make_vault({**NAMESAKES, **LINKS})
    age(root)
    CompanyGraph.load(root)
    warm = CompanyGraph.load(root)
    assert _targets(warm) == EXPECTED
    assert snapshot(warm) == snapshot(CompanyGraph.load(root, cache=False))
