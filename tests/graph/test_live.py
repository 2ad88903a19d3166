"""The live graph with real watchdog events in tmp_path: create, edit, rename, move, delete, debounced bursts."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from graph import CompanyGraph, NoteChange
from graph.live import LiveGraph
from tests.conftest import COMPANY, VaultFactory, age

TIMEOUT = 10.0


class Recorder:
    """Collects applied batches; `wait(n)` blocks until n batches have arrived."""

    def __init__(self) -> None:
        self.batches: list[list[NoteChange]] = []
        self._cond = threading.Condition()

    def __call__(self, changes: list[NoteChange]) -> None:
        with self._cond:
            self.batches.append(changes)
            self._cond.notify_all()

    def wait(self, count: int) -> list[NoteChange]:
        with self._cond:
            assert self._cond.wait_for(lambda: len(self.batches) >= count, TIMEOUT), self.batches
            return self.batches[count - 1]


@pytest.fixture(params=["cold", "warm"])
def live(make_vault: VaultFactory, request: pytest.FixtureRequest) -> Iterator[tuple[Path, LiveGraph, Recorder]]:
    root = make_vault(COMPANY)
    age(root)
    recorder = Recorder()
    if request.param == "warm":
        CompanyGraph.load(root)
    with LiveGraph(CompanyGraph.load(root, cache=request.param == "warm")) as watcher:
        watcher.subscribe(recorder)
        yield root, watcher, recorder


def test_create_resolves_a_placeholder(live: tuple[Path, LiveGraph, Recorder]) -> None:
    root, watcher, recorder = live
    (root / "A.md").write_text("[[Brand New]]", encoding="utf-8")
    assert [c.node_id for c in recorder.wait(1)] == ["A"]
    assert watcher.graph.g.nodes["Brand New"]["kind"] == "missing"
    (root / "Tools").mkdir()
    (root / "Tools/Brand New.md").write_text("---\ntype: tool\n---\n", encoding="utf-8")
    assert recorder.wait(2) == [NoteChange("Tools/Brand New", None, {"type": "tool"})]
    with watcher.graph.read() as g:
        assert "Brand New" not in g and list(g.successors("A")) == ["Tools/Brand New"]


def test_edit_gives_the_frontmatter_diff(live: tuple[Path, LiveGraph, Recorder]) -> None:
    root, watcher, recorder = live
    (root / "People/Bob.md").write_text("---\nrole: lead\n---\n# Bob\n", encoding="utf-8")
    assert recorder.wait(1) == [NoteChange("People/Bob", {}, {"role": "lead"})]
    assert watcher.graph.g.nodes["People/Bob"]["role"] == "lead"


def test_a_burst_of_saves_is_one_update(live: tuple[Path, LiveGraph, Recorder]) -> None:
    root, watcher, recorder = live
    start = watcher.graph.revision
    for i in range(10):
        (root / "People/Bob.md").write_text(f"---\nsave: {i}\n---\n", encoding="utf-8")
    assert recorder.wait(1) == [NoteChange("People/Bob", {}, {"save": 9})]
    (root / "People/Ann.md").write_text("marker", encoding="utf-8")  # a later event: any straggler comes before it
    assert [c.node_id for c in recorder.wait(2)] == ["People/Ann"]
    assert len(recorder.batches) == 2 and watcher.graph.revision == start + 2


def test_rename_and_move(live: tuple[Path, LiveGraph, Recorder]) -> None:
    root, watcher, recorder = live
    (root / "Teams/Platform Team.md").rename(root / "Teams/Core Team.md")
    changes = recorder.wait(1)
    assert {(c.node_id, c.renamed_from, c.new_frontmatter is None) for c in changes} == {
        ("Teams/Platform Team", None, True), ("Teams/Core Team", "Teams/Platform Team", False)}
    assert watcher.graph.g.nodes["Platform Team"]["kind"] == "missing"  # links still name the old title
    (root / "Archive").mkdir()
    (root / "Teams/Core Team.md").rename(root / "Archive/Platform Team.md")
    recorder.wait(2)
    with watcher.graph.read() as g:
        assert "Platform Team" not in g
        assert ("Agents/Support Agent", "Archive/Platform Team") in g.edges()


def test_moving_a_folder_moves_its_notes(live: tuple[Path, LiveGraph, Recorder]) -> None:
    root, watcher, recorder = live
    (root / "People").rename(root / "Staff")
    recorder.wait(1)
    with watcher.graph.read() as g:
        assert {"Staff/Ann", "Staff/Bob"} <= set(g) and "People/Ann" not in g
        assert ("Staff/Ann", "Teams/Platform Team") in g.edges()


def test_delete(live: tuple[Path, LiveGraph, Recorder]) -> None:
    root, watcher, recorder = live
    (root / "Systems/Postgres.md").unlink()
    assert recorder.wait(1) == [NoteChange("Systems/Postgres", {}, None)]
    assert watcher.graph.g.nodes["Postgres"]["kind"] == "missing"


def test_dot_folders_and_other_files_are_ignored(live: tuple[Path, LiveGraph, Recorder]) -> None:
    root, watcher, recorder = live
    (root / ".obsidian").mkdir()
    (root / ".obsidian/workspace.md").write_text("[[X]]", encoding="utf-8")
    (root / "image.png").write_bytes(b"png")
    (root / "Marker.md").write_text("", encoding="utf-8")
    assert [c.node_id for c in recorder.wait(1)] == ["Marker"]
    assert ".obsidian/workspace" not in watcher.graph.g


def test_stop_is_idempotent_and_wait_for_revision(make_vault: VaultFactory) -> None:
    root = make_vault({"A.md": ""})
    watcher = LiveGraph(CompanyGraph.load(root, cache=False))
    watcher.start()
    target = watcher.graph.revision + 1
    (root / "B.md").write_text("", encoding="utf-8")
    assert watcher.wait_for(target, TIMEOUT)
    watcher.stop()
    watcher.stop()
    assert "B" in watcher.graph.g


def test_watching_never_writes_notes(make_vault: VaultFactory) -> None:
    root = make_vault(COMPANY)
    before = {p: p.read_bytes() for p in root.rglob("*") if p.is_file()}
    with LiveGraph(CompanyGraph.load(root)) as watcher:
        target = watcher.graph.revision + 1
        (root / "New.md").write_text("[[Bob]]", encoding="utf-8")
        assert watcher.wait_for(target, TIMEOUT)
    before[root / "New.md"] = b"[[Bob]]"
    after = {p: p.read_bytes() for p in root.rglob("*") if p.is_file() and ".orgmap" not in p.parts}
    assert after == before
