"""CompanyGraph: the vault as a networkx MultiDiGraph, built and updated note by note under one lock, so a reader on
another thread never sees a half-applied change."""

from __future__ import annotations

import os
import threading
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import networkx as nx

from graph import snapshot as cached
from graph.bulk import Edge, EdgeWriter, node_table
from graph.index import NameIndex
from graph.queries import unowned_agents
from graph.relations import LINKS_TO, kind_of, relation_for
from vault.links import Link
from vault.load import gc_paused, load_notes
from vault.note import Note, note_id, read_note
from vault.problems import Problem
from vault.resolve import Resolution, Resolver, link_key, normalize_target
from vault.scan import is_inside, is_note_path, scan_vault
from vault.store import NoteStore

__all__ = ["MISSING", "CompanyGraph", "NoteChange"]

MISSING = "missing"
# link target -> (resolution, link key, the node if unique); only for targets that resolve the same from any note
Memo = dict[str, tuple[Resolution, str, str | None]]
_RESERVED = ("name", "kind", "aliases", "tags", "path")


@dataclass(frozen=True, slots=True)
class NoteChange:
    """One note's change in an applied batch: None frontmatter means created (old) or deleted (new)."""

    node_id: str
    old_frontmatter: dict[str, object] | None
    new_frontmatter: dict[str, object] | None
    renamed_from: str | None = None


def _placeholder(node: str) -> dict[str, object]:
    """The attributes of a node that links name but no note is."""
    return {"name": node.rsplit("/", 1)[-1], "kind": MISSING, "aliases": [], "tags": []}


def _refer(srcs: list[str], src: str) -> None:
    """Record `src` once: a note's links are resolved in one go, so a repeat is always the last entry."""
    if not srcs or srcs[-1] != src:
        srcs.append(src)


class CompanyGraph:
    """The company graph of one vault. Read `g` inside `with graph.read():` from other threads. `g` is read-only to
    callers: edges with equal attributes share their dicts (graph.bulk), and a graph restored from the cache shares
    equal node attribute values (graph.snapshot), so copy before changing anything."""

    def __init__(self, root: Path | None = None) -> None:
        self.root = root
        self.g: nx.MultiDiGraph = nx.MultiDiGraph()
        self.revision = 0
        self._lock = threading.RLock()
        self._notes = NoteStore(root)
        self._note_problems: dict[str, tuple[Problem, ...]] = {}  # the notes' own problems, for notes that have any
        self._resolver = Resolver()
        # link key -> notes with a link of that key, each once (lists: a set per key was ~3x the memory)
        self._referrers: defaultdict[str, list[str]] = defaultdict(list)
        self._writer = EdgeWriter(self.g)
        self._link_problems: dict[str, list[Problem]] = {}
        self._placeholders: dict[str, str] = {}
        self._scan_problems: tuple[Problem, ...] = ()
        self._problems: tuple[int, tuple[Problem, ...]] | None = None
        self._index: NameIndex | None = None

    @classmethod
    def load(cls, root: Path | str, *, cache: bool = True,
             on_progress: Callable[[int, int], None] | None = None) -> CompanyGraph:
        """Load a whole vault. With `cache`, an unchanged vault's built graph comes from the graph cache alone
        (graph.snapshot); otherwise unchanged notes come from the parse cache and the graph is built."""
        with gc_paused():
            root = Path(os.path.realpath(root))
            files, scan_problems = scan_vault(root)
            snapshot = cached.load_snapshot(root, files) if cache else None
            graph = cls._restored(root, tuple(scan_problems), snapshot) if snapshot is not None else None
            del snapshot  # its index tables are large and no longer needed
            if graph is not None:
                if on_progress:
                    on_progress(len(files), len(files))
                return graph
            loaded = load_notes(root, cache=cache, on_progress=on_progress, scanned=(files, scan_problems))
            graph = cls(root)
            graph._scan_problems = loaded.problems
            graph._build(loaded.store)
            if cache:
                snapshot = cached.capture(files, graph._notes.packed(), graph.g, graph._placeholders,
                                          graph._referrers, graph._note_problems, graph._link_problems)
                if snapshot is not None:
                    cached.save_snapshot(root, snapshot)
        return graph

    @classmethod
    def _restored(cls, root: Path, scan_problems: tuple[Problem, ...],
                  snapshot: cached.Snapshot) -> CompanyGraph | None:
        """The graph a snapshot holds; None when it does not hold together."""
        graph = cls(root)
        graph._scan_problems = scan_problems
        try:
            graph._notes = notes = NoteStore(root, zip((f[0] for f in snapshot.files), snapshot.records, strict=True))
            attrs = dict(zip(notes, cached.restore_node_attrs(snapshot), strict=True))
            same = {i: i for i in notes}  # the store's id strings serve the graph too: one string a node
            snapshot.nodes = [same.get(n, n) for n in snapshot.nodes]
            table = node_table(graph.g)
            table.update((n, attrs[n] if n in attrs else _placeholder(n)) for n in snapshot.nodes)
            if len(table) != len(snapshot.nodes) or len(notes) != len(snapshot.files) or \
                    any(i not in table for i in notes):
                return None
            graph._referrers.update(cached.restore_edges(graph.g, snapshot, graph._writer))
            graph._link_problems = {src: [Problem(notes.path(src), line, "warning", code, message)
                                          for line, code, message in found]
                                    for src, found in snapshot.link_problems.items()}
            graph._note_problems = {src: tuple(Problem(notes.path(src), *problem) for problem in found)
                                    for src, found in snapshot.note_problems.items()}
        except (IndexError, KeyError, ValueError):
            return None
        for node_id in notes:
            graph._resolver.add(node_id)
        graph._placeholders = dict(snapshot.placeholders)
        graph.revision = 1
        return graph

    @contextmanager
    def read(self) -> Iterator[nx.MultiDiGraph]:
        """Hold the graph still while reading it: `with cg.read() as g: ...`."""
        with self._lock:
            yield self.g

    def note(self, node_id: str) -> Note | None:
        return self._notes.get(node_id)

    @property
    def notes(self) -> Mapping[str, Note]:
        return self._notes

    def notes_paths(self) -> list[str]:
        """The vault-relative paths of every note, read under the lock."""
        with self._lock:
            return [self._notes.path(node_id) for node_id in self._notes]

    # -- applying changes --

    def refresh(self, paths: Iterable[str], renames: Mapping[str, str] | None = None) -> list[NoteChange]:
        """Re-read vault-relative `paths` from disk (a missing file is a deletion) and apply them as one batch.
        `renames` maps a new path to the path it was moved from, to tag the change."""
        if self.root is None:
            raise ValueError("this graph has no vault root to read from")
        updated: list[Note] = []
        deleted: list[str] = []
        for path in sorted(set(paths)):
            if is_note_path(path) and (self.root / path).is_file() and is_inside(self.root, self.root / path):
                updated.append(read_note(self.root, path))
            else:
                deleted.append(note_id(path))
        moved = {note_id(new): note_id(old) for new, old in (renames or {}).items()}
        return self.apply(updated, deleted, moved)

    def apply(self, updated: Iterable[Note], deleted: Iterable[str] = (),
              renamed_from: Mapping[str, str] | None = None) -> list[NoteChange]:
        """Apply a batch: new or edited notes, and deleted note ids. Returns what changed; bumps `revision` if any."""
        with self._lock:
            renamed_from = renamed_from or {}
            new: dict[str, Note] = {}
            changes: list[NoteChange] = []
            for n in {n.id: n for n in updated}.values():
                old = self._notes.decoded(n.id)  # None for a new note, or a stored record that does not decode
                if old != n:
                    new[n.id] = n
                    known = n.id in self._notes
                    changes.append(NoteChange(n.id, old.frontmatter if old else {} if known else None, n.frontmatter,
                                              None if known else renamed_from.get(n.id)))
            gone = [i for i in dict.fromkeys(deleted) if i in self._notes and i not in new]
            if not new and not gone:
                return []
            changes[:0] = [NoteChange(i, self._notes[i].frontmatter, None) for i in gone]
            relink = set(new)
            if self._referrers:  # notes whose links may now resolve elsewhere (none before the first load)
                moved_keys = {link_key(i) for i in gone} | {link_key(i) for i in new if i not in self._notes}
                relink |= {src for key in moved_keys for src in self._referrers.get(key, ())}
            for src in relink | set(gone):
                self._unlink(src)
            for i in gone:
                self._notes.remove(i)
                self._note_problems.pop(i, None)
                self._resolver.remove(i)
                self.g.remove_node(i)
            for i, note in new.items():
                if i not in self._notes:
                    self._resolver.add(i)
                self._notes.put(note)
                self._set_node(i, note)
            self._link_all(sorted(relink), new)
            return changes

    def _build(self, notes: NoteStore) -> None:
        """Build this empty graph from a whole vault's packed notes, each decoded when needed (for its node, then for
        its links) rather than a vault's notes living as objects all at once (most of a cold load's peak memory)."""
        with self._lock:
            self._notes = notes
            seen: dict[str, str] = {}
            for i, note in notes.items():
                self._resolver.add(i)
                path = notes.path(i)
                seen[path] = path  # the store's path: one string for both
                self._set_node(i, note, seen)
            self._link_all(sorted(notes), {})

    def _link_all(self, srcs: list[str], new: dict[str, Note]) -> None:
        """Link `srcs` (`new`: those already decoded, each released once linked) and end the batch."""
        memo: Memo = {}
        edges: list[Edge] = []
        for src in srcs:
            if src in self._notes:
                decoded = new.pop(src, None)
                self._link(src, decoded or self._notes[src], memo, edges)
                self._writer.add(edges)  # note by note: a whole vault's edge list would double the peak memory
                edges.clear()
        self._prune_placeholders()
        self.revision += 1
        self._problems = None
        self._index = None

    @staticmethod
    def _node_attrs(note: Note, seen: dict[str, str] | None = None) -> dict[str, object]:
        """A note's node attributes; with `seen`, equal strings among values and list items become one object (a
        vault repeats a few kinds, statuses, dates and tags thousands of times)."""
        attrs = {k: v for k, v in note.frontmatter.items() if k not in _RESERVED}
        attrs.update(name=note.name, kind=kind_of(note.id, note.frontmatter), aliases=list(note.aliases),
                     tags=list(note.tags), path=note.path)
        if seen is not None:
            for key, value in attrs.items():
                if type(value) is str:
                    attrs[key] = seen.setdefault(value, value)
                elif type(value) is list:
                    attrs[key] = [seen.setdefault(v, v) if type(v) is str else v for v in value]
        return attrs

    def _set_node(self, node: str, note: Note, seen: dict[str, str] | None = None) -> None:
        if note.problems:
            self._note_problems[node] = note.problems
        else:
            self._note_problems.pop(node, None)
        self._placeholders.pop(normalize_target(node).casefold(), None)
        attrs = self._node_attrs(note, seen)
        if node in self.g:
            data = self.g.nodes[node]
            data.clear()
            data.update(attrs)
        else:
            self.g.add_node(node, **attrs)

    def _target(self, src: str, note: Note, link: Link, problems: list[Problem], memo: Memo) -> str:
        """The node a link goes to (a placeholder when none); `memo` caches this batch's name-only resolutions."""
        cached = memo.get(link.target)
        if cached is None:
            found = self._resolver.resolve(link.target, src)
            cached = (found, link_key(link.target), found.node if len(found.candidates) == 1 else None)
            # a path may resolve relative to its source note, a name several notes share to its source's folder
            if "/" not in link.target and len(found.candidates) < 2:
                memo[link.target] = cached
        found, key, unique = cached
        _refer(self._referrers[key], src)
        if unique is not None:
            return unique
        if found.node is None:
            problems.append(Problem(note.path, link.line, "warning", "dangling_link",
                                    f"[[{link.target}]] links to a note that does not exist (kept as a placeholder)"))
            wanted = normalize_target(link.target)
            folded = wanted.casefold()
            if folded not in self._placeholders:
                self._placeholders[folded] = wanted
                self.g.add_node(wanted, **_placeholder(wanted))
            return self._placeholders[folded]
        others = ", ".join(found.candidates[1:])
        why = "same folder" if found.node.rpartition("/")[0] == src.rpartition("/")[0] else "shortest path"
        problems.append(Problem(note.path, link.line, "warning", "ambiguous_link",
                                f"[[{link.target}]] matches {len(found.candidates)} notes; "
                                f"resolved to {found.node} ({why}), not {others}"))
        return found.node

    def _link(self, src: str, note: Note, memo: Memo, edges: list[Edge]) -> None:
        """Resolve `src`'s links into `edges` (the same fact stated twice in one note: the first line stands)."""
        problems: list[Problem] = []
        made: set[tuple[str, str, str]] = set()
        for prop, link in note.property_links:
            relation, reverse = relation_for(prop)
            dst = self._target(src, note, link, problems, memo)
            edge = (dst, src, f"{relation}@{src}") if reverse else (src, dst, relation)
            if edge not in made:
                made.add(edge)
                attrs = ({"relation": relation, "line": link.line, "property": prop, "declared_by": src} if reverse
                         else self._writer.attrs(relation, link.line, prop))
                edges.append((*edge, attrs))
        linked = {v for _, v, key in made if key == LINKS_TO}  # a typed `links_to` edge is the same fact
        referrers, shared_attrs = self._referrers, self._writer.attrs
        for link in note.links:  # the bulk of a vault's links: the resolved-by-name case inlined
            cached = memo.get(link.target)
            if cached is not None and cached[2] is not None:
                _refer(referrers[cached[1]], src)
                dst = cached[2]
            else:
                dst = self._target(src, note, link, problems, memo)
            if dst not in linked:
                linked.add(dst)
                edges.append((src, dst, LINKS_TO, shared_attrs(LINKS_TO, link.line)))
        if problems:
            self._link_problems[src] = problems

    def _unlink(self, src: str) -> None:
        """Remove the edges `src` made: its out-edges but those another note declared, and in-edges it declared."""
        if src in self.g:
            # (u, v, key, the note that declared the edge or None: its source)
            outgoing: Iterable[tuple[str, str, str, str | None]] = self.g.out_edges(src, keys=True, data="declared_by")
            incoming: Iterable[tuple[str, str, str, str | None]] = self.g.in_edges(src, keys=True, data="declared_by")
            made = [(src, v, k) for _, v, k, by in outgoing if by is None]
            made += [(u, src, k) for u, _, k, by in incoming if by == src]
            self._writer.remove(made)
        self._link_problems.pop(src, None)
        old = self._notes.decoded(src)
        if old is not None:
            for link in (*(link for _, link in old.property_links), *old.links):
                srcs = self._referrers.get(link_key(link.target))
                if srcs and src in srcs:
                    srcs.remove(src)

    def _prune_placeholders(self) -> None:
        for key, node in list(self._placeholders.items()):
            if self.g.degree(node) == 0:
                self.g.remove_node(node)
                del self._placeholders[key]

    # -- names and health --

    def _names(self) -> NameIndex:
        with self._lock:
            if self._index is None:
                self._index = NameIndex.build(self.g, self._notes)
            return self._index

    def lookup(self, name: str) -> str | None:
        """A node id by id, path, file name or alias (any case); None when nothing matches."""
        return self._names().lookup(name)

    def lookup_agent(self, name: str) -> str | None:
        """The node a cost event's agent name means: an exact id or path, else an agent by file name, alias or
        `cost_keys`, else any node by name (see `NameIndex.lookup_agent`)."""
        return self._names().lookup_agent(name)

    def suggest(self, name: str, n: int = 5) -> list[str]:
        """Node ids whose names, aliases or ids are close to `name`, best first (for "not found" messages)."""
        return self._names().suggest(name, n)

    @property
    def problems(self) -> tuple[Problem, ...]:
        """Every current diagnostic: unreadable files, bad notes, dangling and ambiguous links, unowned agents."""
        with self._lock:
            if self._problems is None or self._problems[0] != self.revision:
                found = [*self._scan_problems, *(p for ps in self._note_problems.values() for p in ps)]
                found += [p for ps in self._link_problems.values() for p in ps]
                found += [Problem(self.g.nodes[a]["path"], 0, "warning", "unowned_agent",
                                  f"agent {a} has no owner (no `owner`, none inherited through `part_of`)")
                          for a in unowned_agents(self.g)]
                found += [Problem(self.g.nodes[other]["path"], 0, "warning", "shared_name",
                                  f"{other} is also called {name!r}, like agent {agent}: cost events and questions "
                                  f"naming {name!r} mean the agent")
                          for name, agent, other in self._names().shared if other in self.g]
                self._problems = (self.revision, tuple(sorted(found)))
            return self._problems[1]
