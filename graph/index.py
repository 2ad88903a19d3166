"""Names for API and CLI callers: a node by id, path, file name or alias (any case), agents' cost keys, and close
matches for "not found" messages. Built from a snapshot of the graph; rebuilt after every change."""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from dataclasses import dataclass

import networkx as nx

from vault.note import Note
from vault.resolve import normalize_target

__all__ = ["NameIndex"]


def _shortness(node_id: str) -> tuple[int, int, str]:
    return node_id.count("/"), len(node_id), node_id


@dataclass(frozen=True, slots=True)
class NameIndex:
    """Case-folded name -> node id, in order of precedence: id or path, file name, alias, a placeholder's name; then
    (lookup_key) cost key."""

    ids: dict[str, str]
    names: dict[str, str]
    aliases: dict[str, str]
    missing: dict[str, str]
    cost_keys: dict[str, str]

    @classmethod
    def build(cls, g: nx.MultiDiGraph, notes: Mapping[str, Note]) -> NameIndex:
        ids: dict[str, str] = {}
        names: dict[str, str] = {}
        aliases: dict[str, str] = {}
        missing: dict[str, str] = {}
        cost_keys: dict[str, str] = {}
        for node in sorted(g.nodes, key=_shortness):
            data = g.nodes[node]
            if node not in notes:
                missing.setdefault(node.casefold(), node)
                continue
            ids.setdefault(node.casefold(), node)
            names.setdefault(str(data.get("name", node)).casefold(), node)
            for alias in data.get("aliases", ()):
                aliases.setdefault(str(alias).casefold(), node)
            keys = data.get("cost_keys")
            if data.get("kind") == "agent" and keys:
                for key in [keys] if isinstance(keys, str) else keys:
                    if isinstance(key, str | int) and not isinstance(key, bool):
                        cost_keys.setdefault(str(key).casefold(), node)
        return cls(ids, names, aliases, missing, cost_keys)

    def lookup(self, name: str) -> str | None:
        """The node `name` means, or None.

        >>> g = nx.MultiDiGraph()
        >>> g.add_node("Agents/Support", name="Support", aliases=["support-bot"], kind="agent", cost_keys=["k1"])
        >>> index = NameIndex.build(g, {"Agents/Support": None})
        >>> index.lookup("SUPPORT-BOT"), index.lookup("agents/support.md"), index.lookup_key("k1")
        ('Agents/Support', 'Agents/Support', 'Agents/Support')
        """
        folded = name.strip().casefold()
        if not folded:
            return None
        path = normalize_target(folded)
        for table, key in ((self.ids, folded), (self.ids, path), (self.names, path), (self.aliases, folded),
                           (self.missing, path)):
            if key in table:
                return table[key]
        return None

    def lookup_key(self, key: str) -> str | None:
        return self.lookup(key) or self.cost_keys.get(key.strip().casefold())

    def suggest(self, name: str, n: int = 5) -> list[str]:
        """Up to `n` node ids whose id, name or alias contains `name` or is close to it."""
        folded = name.strip().casefold()
        everything = {**self.missing, **self.aliases, **self.names, **self.ids}
        close = difflib.get_close_matches(folded, list(everything), n=n * 2, cutoff=0.6)
        contains = sorted((k for k in everything if folded and folded in k), key=len)
        found = [everything[k] for k in [*close, *contains]]
        return list(dict.fromkeys(found))[:n]
