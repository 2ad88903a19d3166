"""Finding notes (dot-folders, non-Markdown, symlinks) and the parse cache (warm equals cold; stale and corrupt
caches are rebuilt)."""

from __future__ import annotations

import json
import os
from pathlib import Path

from tests.conftest import VaultFactory, age
from vault.cache import CACHE_FILE
from vault.load import load_notes
from vault.scan import scan_vault


def test_only_markdown_outside_dot_folders(make_vault: VaultFactory) -> None:
    root = make_vault({
        "A.md": "", "Sub/B.MD": "", "img.png": "x", "notes.txt": "x",
        ".obsidian/workspace.md": "", ".trash/Old.md": "", ".orgmap/x.md": "", ".hidden/C.md": "", "Sub/.d/D.md": "",
    })
    files, problems = scan_vault(root)
    assert [f.path for f in files] == ["A.md", "Sub/B.MD"]
    assert problems == []


def test_symlinks_out_of_the_vault_are_not_followed(make_vault: VaultFactory, tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "Secret.md").write_text("secret", encoding="utf-8")
    root = make_vault({"A.md": "", "Inner/B.md": ""})
    (root / "Escape").symlink_to(outside, target_is_directory=True)
    (root / "Secret.md").symlink_to(outside / "Secret.md")
    (root / "Alias").symlink_to(root / "Inner", target_is_directory=True)
    (root / "Loop").symlink_to(root, target_is_directory=True)
    files, problems = scan_vault(root)
    assert [f.path for f in files] == ["A.md", "Inner/B.md"]
    assert sorted((p.path, p.code) for p in problems) == [("Escape", "symlink_outside"),
                                                          ("Secret.md", "symlink_outside")]


def test_warm_start_equals_cold_and_parses_nothing(make_vault: VaultFactory) -> None:
    root = make_vault({f"N{i}.md": f"---\nowner: \"[[T]]\"\nn: {i}\n---\n[[N{i + 1}]] #t\n" for i in range(20)})
    age(root)
    cold = load_notes(root, cache=False)
    first = load_notes(root)
    assert first.parsed == 20 and (root / ".orgmap" / CACHE_FILE).is_file()
    warm = load_notes(root)
    assert warm.parsed == 0
    assert warm.notes == cold.notes


def test_stale_entry_is_reparsed(make_vault: VaultFactory) -> None:
    root = make_vault({"A.md": "[[B]]", "B.md": ""})
    age(root)
    load_notes(root)
    (root / "A.md").write_text("[[C]] and more", encoding="utf-8")
    warm = load_notes(root)
    assert warm.parsed == 1
    assert [link.target for link in warm.notes["A.md"].links] == ["C"]


def test_same_size_edit_within_the_racy_window_is_reparsed(make_vault: VaultFactory) -> None:
    root = make_vault({"A.md": "[[B]]"})
    before = (root / "A.md").stat()
    load_notes(root)
    # An edit in the same filesystem tick: same size, same mtime. A fresh mtime must not be trusted.
    (root / "A.md").write_text("[[C]]", encoding="utf-8")
    os.utime(root / "A.md", ns=(before.st_atime_ns, before.st_mtime_ns))
    assert load_notes(root).notes["A.md"].links[0].target == "C"


def test_corrupt_or_foreign_cache_is_rebuilt(make_vault: VaultFactory) -> None:
    root = make_vault({"A.md": "[[B]]"})
    age(root)
    cache = root / ".orgmap" / CACHE_FILE
    cache.parent.mkdir()
    for bad in (b"\x80garbage", b"{}", b'{"version": 1, "written_ns": 9e30, "entries": {"A.md": [5, 0, {}]}}',
                json.dumps({"version": 1, "written_ns": 2**62, "entries": {"A.md": [5, (root / "A.md").stat()
                            .st_mtime_ns, {"path": "A.md", "frontmatter": [], "property_links": []}]}}).encode()):
        cache.write_bytes(bad)
        loaded = load_notes(root)
        assert loaded.parsed == 1
        assert [link.target for link in loaded.notes["A.md"].links] == ["B"]
    assert load_notes(root).parsed == 0  # the rebuilt cache is good


def test_cache_holds_planted_target_paths_harmlessly(make_vault: VaultFactory) -> None:
    root = make_vault({"A.md": "[[B]]"})
    age(root)
    load_notes(root)
    cache = root / ".orgmap" / CACHE_FILE
    data = json.loads(cache.read_bytes())
    data["entries"]["A.md"][2]["path"] = "../../etc/passwd.md"
    cache.write_text(json.dumps(data), encoding="utf-8")
    loaded = load_notes(root)
    assert loaded.parsed == 1 and list(loaded.notes) == ["A.md"]


def test_cache_record_of_the_wrong_types_is_refused(make_vault: VaultFactory) -> None:
    root = make_vault({"A.md": "[[B]]"})
    age(root)
    load_notes(root)
    cache = root / ".orgmap" / CACHE_FILE
    data = json.loads(cache.read_bytes())
    data["entries"]["A.md"][2]["links"] = [[7, "one", None, None, None, 0]]  # a target must be text, a line a number
    cache.write_text(json.dumps(data), encoding="utf-8")
    loaded = load_notes(root)
    assert loaded.parsed == 1
    assert [(link.target, link.line) for link in loaded.notes["A.md"].links] == [("B", 1)]


def test_a_broken_symlink_or_a_named_pipe_named_md_is_reported_not_skipped_silently(tmp_path: Path) -> None:
    """Neither is opened (reading a pipe would hang the scan); each is a warning with its path."""
    (tmp_path / "A.md").write_text("# A\n")
    (tmp_path / "Gone.md").symlink_to(tmp_path / "nowhere.md")
    os.mkfifo(tmp_path / "Pipe.md")
    files, problems = scan_vault(tmp_path)
    assert [f.path for f in files] == ["A.md"]
    assert sorted((p.path, p.severity, p.code) for p in problems) == [
        ("Gone.md", "warning", "not_a_file"), ("Pipe.md", "warning", "not_a_file")]
    assert "symlink to nothing" in next(p.message for p in problems if p.path == "Gone.md")
