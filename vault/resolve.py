"""Link resolution as Obsidian does it: by file name, case-insensitive, `.md` optional; a path-qualified link by its
path; where names collide the note in the linking note's own folder wins, else the shortest path, and the candidates
are returned so the collision can be reported."""

from __future__ import annotations

import posixpath
from collections.abc import Iterable
from dataclasses import dataclass

__all__ = ["Resolution", "Resolver", "link_key", "normalize_target"]


def normalize_target(target: str) -> str:
    """A link target as a node-id-like path: no leading `/`, no `.md`.

    >>> normalize_target("/Agents/Support Agent.MD")
    'Agents/Support Agent'
    """
    target = target.strip().lstrip("/")
    return target[:-3] if target.lower().endswith(".md") else target


def link_key(target: str) -> str:
    """The case-folded file name a link can only ever resolve to notes of (the index for re-resolving)."""
    return normalize_target(target).rsplit("/", 1)[-1].casefold()


def _shortness(node_id: str) -> tuple[int, int, str]:
    return node_id.count("/"), len(node_id), node_id.casefold()


@dataclass(frozen=True, slots=True)
class Resolution:
    """Where a link goes: `node` (None when no note matches) and every note that matched, best first."""

    node: str | None
    candidates: tuple[str, ...] = ()

    @property
    def ambiguous(self) -> bool:
        return len(self.candidates) > 1


class Resolver:
    """An index of note ids, updated note by note, that resolves link targets."""

    def __init__(self, ids: Iterable[str] = ()) -> None:
        self._by_id: dict[str, str] = {}
        self._by_name: dict[str, tuple[str, ...]] = {}  # tuples: nearly every name is one note's (a set is 4x larger)
        for node_id in ids:
            self.add(node_id)

    def add(self, node_id: str) -> None:
        self._by_id[node_id.casefold()] = node_id
        key = link_key(node_id)
        names = self._by_name.get(key, ())
        if node_id not in names:
            self._by_name[key] = (*names, node_id)

    def remove(self, node_id: str) -> None:
        self._by_id.pop(node_id.casefold(), None)
        key = link_key(node_id)
        names = tuple(name for name in self._by_name.get(key, ()) if name != node_id)
        if names:
            self._by_name[key] = names
        else:
            self._by_name.pop(key, None)

    def __contains__(self, node_id: object) -> bool:
        return isinstance(node_id, str) and node_id.casefold() in self._by_id

    def exact(self, path: str) -> str | None:
        """The note whose id is `path` (any case, `.md` optional)."""
        return self._by_id.get(normalize_target(path).casefold())

    def named(self, name: str) -> list[str]:
        """Every note whose file name is `name` (any case), shortest path first."""
        return sorted(self._by_name.get(link_key(name), ()), key=_shortness)

    def resolve(self, target: str, source: str = "") -> Resolution:
        """Resolve `target` as written in note `source`. A bare name several notes share means the one in `source`'s
        own folder, else the shortest path (Obsidian's own help vault relies on the first rule).

        >>> r = Resolver(["Teams/Platform", "Archive/Old/Platform", "Agents/Bot"])
        >>> r.resolve("platform")
        Resolution(node='Teams/Platform', candidates=('Teams/Platform', 'Archive/Old/Platform'))
        >>> r.resolve("platform", source="Archive/Old/Notes").node
        'Archive/Old/Platform'
        >>> r.resolve("old/Platform.md").node, r.resolve("Ghost").node
        ('Archive/Old/Platform', None)
        """
        wanted = normalize_target(target)
        if "/" not in wanted:
            found = tuple(self.named(wanted))
            if len(found) > 1:
                folder = posixpath.dirname(source)
                # the source's own folder first; the sort is stable, so the rest stay shortest path first
                found = tuple(sorted(found, key=lambda node: posixpath.dirname(node) != folder))
            return Resolution(found[0] if found else None, found)
        exact = self._by_id.get(wanted.casefold())
        if exact is not None:
            return Resolution(exact, (exact,))
        relative = posixpath.normpath(posixpath.join(posixpath.dirname(source), wanted))
        exact = self._by_id.get(relative.casefold())
        if exact is not None:
            return Resolution(exact, (exact,))
        suffix = "/" + wanted.casefold()
        found = tuple(node for node in self.named(wanted) if node.casefold().endswith(suffix))
        return Resolution(found[0] if found else None, found)
