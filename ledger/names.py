"""Agent keys to node ids: one resolver and the caches built with it, replaced whole on every vault change.

A query that is building the key map while the vault changes finishes on the old object and caches into it, so a
stale map can never be stored under the new resolver (the race a shared cache plus a version number had).

A key may carry other ids of its spender (a usage row's workspace or project after its API key, kept by the store):
when the key's own name resolves to no node, each id is tried in order, so a `cost_keys` entry naming any of them
claims the spend, and an edit to `cost_keys` re-attributes the past as an alias does.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence

Resolver = Callable[[str], str | None]
IdsOf = Callable[[Sequence[str] | None], dict[str, tuple[str, ...]]]  # keys (None: all) -> their other ids, if any


def union_ids(held: str | None, more: str) -> str:
    """The JSON list of a key's ids `held` so far joined by an event's `more` (both JSON lists), first seen first.

    >>> union_ids(None, '["wrk_1"]'), union_ids('["proj_a", "user_1"]', '["proj_a", "user_2"]')
    ('["wrk_1"]', '["proj_a", "user_1", "user_2"]')
    """
    return json.dumps(list(dict.fromkeys([*json.loads(held or "[]"), *json.loads(more)])))


class NameResolution:
    """A resolver (`name -> node id or None`) with its memo of keys and its node -> keys map; `ids_of` gives the other
    ids of keys (the store's `agent_ids`)."""

    def __init__(self, resolver: Resolver, ids_of: IdsOf) -> None:
        self.resolver = resolver
        self._ids_of = ids_of
        self._node_of: dict[str, str | None] = {}
        self._keys_by_node: dict[str, list[str]] = {}
        self._names_version = -1

    def _resolve(self, name: str, others: Iterable[str]) -> str | None:
        """The node `name` means, else the node of its first other id that means one."""
        node = self.resolver(name)
        if node is None:
            node = next((found for other in others if (found := self.resolver(other)) is not None), None)
        return node

    def node(self, key: str, name: str | None = None) -> str | None:
        """The node an agent key (raw `name` when known) resolves to, memoised."""
        try:
            return self._node_of[key]
        except KeyError:
            node = self._node_of[key] = self._resolve(name or key, self._ids_of([key]).get(key, ()))
            return node

    def key_map(self, names_version: int, names: Callable[[], dict[str, str]]) -> dict[str, list[str]]:
        """Node id -> its agent keys; rebuilt from `names()` (key -> raw name) when the store's version moved (then
        every key is resolved afresh: a key's ids may have grown)."""
        if names_version != self._names_version:
            ids = self._ids_of(None)
            by_node: dict[str, list[str]] = defaultdict(list)
            for key, name in names().items():
                node = self._node_of[key] = self._resolve(name, ids.get(key, ()))
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
