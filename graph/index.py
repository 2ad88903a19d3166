"""Names for API and CLI callers: a node by id, path, file name or alias (any case), agents' cost keys, and close
matches for "not found" messages. Built from a snapshot of the graph; rebuilt after every change.

Cost events (and every question that takes an agent) resolve a name to an agent first: a tool or a person whose
file name or alias is also an agent's cannot take the agent's spend; such shared names are reported."""

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
    """Case-folded name -> node id, in order of precedence: id or path, file name, alias, a placeholder's name; for
    agents (`lookup_agent`) their own file names and aliases first, then cost keys. `shared` lists the names an agent
    shares with a note of another kind: (name, the agent, the other node)."""

    ids: dict[str, str]
    names: dict[str, str]
    aliases: dict[str, str]
    missing: dict[str, str]
    cost_keys: dict[str, str]
    agent_names: dict[str, str]
    shared: tuple[tuple[str, str, str], ...] = ()

    @classmethod
    def build(cls, g: nx.MultiDiGraph, notes: Mapping[str, Note]) -> NameIndex:
        ids: dict[str, str] = {}
        names: dict[str, str] = {}
        aliases: dict[str, str] = {}
        missing: dict[str, str] = {}
        cost_keys: dict[str, str] = {}
        agent_names: dict[str, str] = {}
        others: dict[str, str] = {}  # names and aliases of notes that are not agents
        for node in sorted(g.nodes, key=_shortness):
            data = g.nodes[node]
            if node not in notes:
                missing.setdefault(node.casefold(), node)
                continue
            ids.setdefault(node.casefold(), node)
            own = [str(data.get("name", node)).casefold(), *(str(a).casefold() for a in data.get("aliases", ()))]
            names.setdefault(own[0], node)
            for alias in own[1:]:
                aliases.setdefault(alias, node)
            if data.get("kind") != "agent":
                for name in own:
                    others.setdefault(name, node)
                continue
            for name in own:
                agent_names.setdefault(name, node)
            keys = data.get("cost_keys")
            for key in ([keys] if isinstance(keys, str) else keys) if keys else ():
                if isinstance(key, str | int) and not isinstance(key, bool):
                    cost_keys.setdefault(str(key).casefold(), node)
        shared = tuple(sorted((name, agent, others[name]) for name, agent in agent_names.items() if name in others))
        return cls(ids, names, aliases, missing, cost_keys, agent_names, shared)

    def lookup(self, name: str) -> str | None:
        """The node `name` means, or None.

        >>> g = nx.MultiDiGraph()
        >>> g.add_node("Agents/Support", name="Support", aliases=["support-bot"], kind="agent", cost_keys=["k1"])
        >>> index = NameIndex.build(g, {"Agents/Support": None})
        >>> index.lookup("SUPPORT-BOT"), index.lookup("agents/support.md"), index.lookup_agent("k1")
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

    def lookup_agent(self, name: str) -> str | None:
        """The node a cost event's `agent` (or any agent argument) means: an exact id or path; else an agent by file
        name, alias or cost key; else any node `lookup` finds.

        >>> g = nx.MultiDiGraph()
        >>> g.add_node("Agents/Refund", name="Refund", kind="agent", cost_keys=["proj_refunds"])
        >>> g.add_node("Bad/Refund", name="Refund", kind="tool")
        >>> index = NameIndex.build(g, {"Agents/Refund": None, "Bad/Refund": None})
        >>> index.lookup("refund"), index.lookup_agent("refund"), index.lookup_agent("PROJ_REFUNDS")
        ('Bad/Refund', 'Agents/Refund', 'Agents/Refund')
        >>> index.lookup_agent("bad/refund"), index.shared
        ('Bad/Refund', (('refund', 'Agents/Refund', 'Bad/Refund'),))
        """
        folded = name.strip().casefold()
        if not folded:
            return None
        path = normalize_target(folded)
        for table, key in ((self.ids, folded), (self.ids, path), (self.agent_names, path),
                           (self.agent_names, folded), (self.cost_keys, folded)):
            if key in table:
                return table[key]
        return self.lookup(name)

    def suggest(self, name: str, n: int = 5) -> list[str]:
        """Up to `n` node ids whose id, name or alias contains `name` or is close to it."""
        folded = name.strip().casefold()
        everything = {**self.missing, **self.aliases, **self.names, **self.ids}
        close = difflib.get_close_matches(folded, list(everything), n=n * 2, cutoff=0.6)
        contains = sorted((k for k in everything if folded and folded in k), key=len)
        found = [everything[k] for k in [*close, *contains]]
        return list(dict.fromkeys(found))[:n]
