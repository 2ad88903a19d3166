"""Incremental updates: only changed notes are re-read, links re-resolve, and the result equals a fresh load."""

from __future__ import annotations

from pathlib import Path

from graph import CompanyGraph, NoteChange
from tests.conftest import COMPANY, VaultFactory


def snapshot(cg: CompanyGraph) -> tuple[object, ...]:
    nodes = sorted((n, sorted(d.items(), key=str)) for n, d in cg.g.nodes(data=True))
    edges = sorted((u, v, k, sorted(d.items())) for u, v, k, d in cg.g.edges(keys=True, data=True))
    return nodes, edges, cg.problems


def assert_same_as_fresh(cg: CompanyGraph, root: Path) -> None:
    assert snapshot(cg) == snapshot(CompanyGraph.load(root, cache=False))


def test_create_resolves_placeholders(make_vault: VaultFactory) -> None:
    root = make_vault(COMPANY)
    cg = CompanyGraph.load(root, cache=False)
    assert "Zendesk" not in cg.g and cg.g.nodes["Integrations/Zendesk"]["kind"] == "integration"
    (root / "A.md").write_text("[[New Thing]]", encoding="utf-8")
    cg.refresh(["A.md"])
    assert cg.g.nodes["New Thing"]["kind"] == "missing"
    rev = cg.revision
    (root / "Tools").mkdir()
    (root / "Tools/New Thing.md").write_text("---\nowner: '[[Bob]]'\n---\n", encoding="utf-8")
    changes = cg.refresh(["Tools/New Thing.md"])
    assert changes == [NoteChange("Tools/New Thing", None, {"owner": "[[Bob]]"})]
    assert cg.revision == rev + 1
    assert "New Thing" not in cg.g
    assert list(cg.g.successors("A")) == ["Tools/New Thing"]
    assert_same_as_fresh(cg, root)


def test_edit_changes_edges_and_reports_frontmatter_diff(make_vault: VaultFactory) -> None:
    root = make_vault(COMPANY)
    cg = CompanyGraph.load(root, cache=False)
    path = root / "Agents/Support Agent.md"
    path.write_text(path.read_text().replace("[[Platform Team]]", "[[Bob]]").replace("claude-sonnet-4-5", "gpt-5"))
    [change] = cg.refresh(["Agents/Support Agent.md"])
    assert change.old_frontmatter["model"] == "[[claude-sonnet-4-5]]"
    assert change.new_frontmatter["model"] == "[[gpt-5]]"
    assert cg.g.nodes["gpt-5"]["kind"] == "missing"
    assert_same_as_fresh(cg, root)


def test_an_unchanged_save_is_no_change(make_vault: VaultFactory) -> None:
    root = make_vault(COMPANY)
    cg = CompanyGraph.load(root, cache=False)
    rev = cg.revision
    assert cg.refresh(["People/Ann.md"]) == []
    assert cg.revision == rev


def test_delete_turns_links_into_placeholders(make_vault: VaultFactory) -> None:
    root = make_vault(COMPANY)
    cg = CompanyGraph.load(root, cache=False)
    (root / "Systems/Vector Store.md").unlink()
    changes = cg.refresh(["Systems/Vector Store.md"])
    assert changes == [NoteChange("Systems/Vector Store", {"depends_on": "[[Postgres]]"}, None)]
    assert cg.g.nodes["Vector Store"]["kind"] == "missing"
    assert "Systems/Vector Store" not in cg.g
    assert_same_as_fresh(cg, root)


def test_rename_and_move(make_vault: VaultFactory) -> None:
    root = make_vault(COMPANY)
    cg = CompanyGraph.load(root, cache=False)
    (root / "Archive").mkdir()
    (root / "Teams/Platform Team.md").rename(root / "Archive/Platform Team.md")
    changes = cg.refresh(["Teams/Platform Team.md", "Archive/Platform Team.md"],
                         renames={"Archive/Platform Team.md": "Teams/Platform Team.md"})
    assert [(c.node_id, c.renamed_from) for c in changes] == [("Teams/Platform Team", None),
                                                              ("Archive/Platform Team", "Teams/Platform Team")]
    assert ("Agents/Support Agent", "Archive/Platform Team") in cg.g.edges()
    (root / "Archive/Platform Team.md").rename(root / "Archive/Core Team.md")
    cg.refresh(["Archive/Platform Team.md", "Archive/Core Team.md"])
    assert cg.g.nodes["Platform Team"]["kind"] == "missing"
    assert_same_as_fresh(cg, root)


def test_name_collision_appears_and_disappears(make_vault: VaultFactory) -> None:
    root = make_vault({"A.md": "[[Platform]]", "Deep/Er/Platform.md": ""})
    cg = CompanyGraph.load(root, cache=False)
    (root / "Teams").mkdir()
    (root / "Teams/Platform.md").write_text("", encoding="utf-8")
    cg.refresh(["Teams/Platform.md"])
    assert list(cg.g.successors("A")) == ["Teams/Platform"]
    assert [p.code for p in cg.problems] == ["ambiguous_link"]
    (root / "Teams/Platform.md").unlink()
    cg.refresh(["Teams/Platform.md"])
    assert list(cg.g.successors("A")) == ["Deep/Er/Platform"] and cg.problems == ()
    assert_same_as_fresh(cg, root)


def test_warm_graph_equals_cold_graph(make_vault: VaultFactory) -> None:
    from tests.vault.test_scan_and_cache import age

    root = make_vault({**COMPANY, "Bad.md": "---\nowner: [x\n---\n[[Ghost]]", "Bin.md": b"\x00"})
    age(root)
    CompanyGraph.load(root)  # writes the cache
    assert snapshot(CompanyGraph.load(root)) == snapshot(CompanyGraph.load(root, cache=False))


def test_edits_never_touch_edges_of_the_same_shape_elsewhere(make_vault: VaultFactory) -> None:
    """Edges with equal attributes share their dicts: an edit must replace, never alter, what another note holds."""
    same = '---\nowner: "[[T]]"\n---\n[[T]] and [[U]]\n'
    root = make_vault({"A.md": same, "B.md": same, "T.md": "", "U.md": ""})
    cg = CompanyGraph.load(root, cache=False)
    before_b = sorted(cg.g.edges("B", keys=True, data=True))
    (root / "A.md").write_text('---\nowner: "[[U]]"\nreviewer: "[[T]]"\n---\n[[U]]\n', encoding="utf-8")
    cg.refresh(["A.md"])
    assert sorted(cg.g.edges("A", keys=True, data="relation")) == [
        ("A", "T", "reviewer", "reviewer"), ("A", "U", "links_to", "links_to"), ("A", "U", "owned_by", "owned_by")]
    assert sorted(cg.g.edges("B", keys=True, data=True)) == before_b
    (root / "A.md").unlink()
    cg.refresh(["A.md"])
    assert sorted(cg.g.edges("B", keys=True, data=True)) == before_b
    assert_same_as_fresh(cg, root)
