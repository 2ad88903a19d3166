"""Agent keys to node ids: one resolver and the caches built with it, replaced whole on every vault change.

A query that is building the key map while the vault changes finishes on the old object and caches into it, so a
stale map can never be stored under the new resolver (the race a shared cache plus a version number had).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable

Resolver = Callable[[str], str | None]


class NameResolution:
    """A resolver (`name -> node id or None`) with its memo of keys and its node -> keys map."""

    def __init__(self, resolver: Resolver) -> None:
        self.resolver = resolver
        self._node_of: dict[str, str | None] = {}
        self._keys_by_node: dict[str, list[str]] = {}
        self._names_version = -1

    def node(self, key: str, name: str | None = None) -> str | None:
        """The node an agent key (raw `name` when known) resolves to, memoised."""
        try:
            return self._node_of[key]
        except KeyError:
            node = self._node_of[key] = self.resolver(name or key)
            return node

    def key_map(self, names_version: int, names: Callable[[], dict[str, str]]) -> dict[str, list[str]]:
        """Node id -> its agent keys; rebuilt from `names()` (key -> raw name) when the store's version moved."""
        if names_version != self._names_version:
            by_node: dict[str, list[str]] = defaultdict(list)
            for key, name in names().items():
                node = self.node(key, name)
                if node is not None:
                    by_node[node].append(key)
            self._keys_by_node = dict(by_node)
            self._names_version = names_version
        return self._keys_by_node

    def keys_of(self, node_ids: Iterable[str], names_version: int,
                names: Callable[[], dict[str, str]]) -> list[str]:
        """The agent keys that resolve to any of `node_ids`, sorted."""
        mapping = self.key_map(names_version, names)
        return sorted({key for node in node_ids for key in mapping.get(node, ())})
