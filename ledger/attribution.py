"""What the vault tells the ledger: which node each agent name means, the budgets, the agents' criticality, and the
run outlier rules.

One object shared by the ledger's write side (alerts fired at ingest) and its read side (`ledger.reads`), so both
attribute spend the same way. It is replaced piece by piece when the vault changes (`set_resolver`, ...).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from .budgets import BudgetSpec
from .names import NameResolution, Resolver
from .runs import RunSettings
from .store import EventStore

__all__ = ["Attribution"]


class Attribution:
    """Agent keys -> node ids (through the resolver the vault gives), budgets and run rules, over one store."""

    def __init__(self, store: EventStore) -> None:
        self._store = store
        self._names = NameResolution(lambda _name: None, store.agent_ids)
        self.budgets: list[BudgetSpec] = []
        self.criticality: dict[str, str] = {}
        self._labels: dict[str, str] = {}
        self._run_default = RunSettings()
        self._run_by_node: dict[str, RunSettings] = {}

    def set_resolver(self, fn: Resolver) -> None:
        """`fn(agent name) -> node id or None`; names (and the other ids of their events) are re-resolved lazily, so
        an alias or a `cost_keys` entry re-attributes the past."""
        self._names = NameResolution(fn, self._store.agent_ids)

    def set_budgets(self, specs: Iterable[BudgetSpec]) -> None:
        self.budgets = list(specs)

    def set_criticality(self, levels: Mapping[str, str]) -> None:
        """Agent node id -> `low`, `normal` or `critical` (agents not named are normal)."""
        self.criticality = dict(levels)

    def criticality_of(self, node: str) -> str:
        return self.criticality.get(node, "normal")

    def set_names(self, names: Mapping[str, str]) -> None:
        """Node id -> display name, for the messages alerts carry."""
        self._labels = dict(names)

    def label(self, node: str) -> str:
        """A node's display name (its id when none was given)."""
        return self._labels.get(node, node)

    def set_run_settings(self, default: RunSettings | None = None,
                         per_agent: Mapping[str, RunSettings] | None = None) -> None:
        """Outlier rules for runs: a default and per-agent (node id) overrides."""
        self._run_default = default or RunSettings()
        self._run_by_node = dict(per_agent or {})

    def node(self, key: str, name: str | None = None) -> str | None:
        """The node an agent key (its raw `name` when known) resolves to, or None: unattributed."""
        return self._names.node(key, name)

    def keys_of(self, node_ids: Iterable[str]) -> list[str]:
        """Every agent key that resolves to one of `node_ids`, sorted."""
        return self._names.keys_of(node_ids, self._store.agent_names_version(), self._store.agent_names)

    def run_settings(self, key: str) -> RunSettings:
        """The run outlier rules of the agent behind `key` (its own, else the default)."""
        return self._run_by_node.get(self.node(key) or "", self._run_default)

    def spec_keys(self, spec: BudgetSpec) -> list[str] | None:
        """The agent keys a budget counts (None: a project or client budget, counted by project or client instead)."""
        if spec.scope in ("project", "client"):
            return None
        return self.keys_of([spec.key] if spec.scope == "agent" else spec.agents)

    def covers(self, spec: BudgetSpec, node: str | None, project: str | None = None,
               client: str | None = None) -> bool:
        """Whether a budget covers spend of `node` (an agent), of `project` or of `client`."""
        if spec.scope == "project":
            return project is not None and spec.key == project
        if spec.scope == "client":
            return client is not None and spec.key == client
        return node is not None and (spec.key == node if spec.scope == "agent" else node in spec.agents)

    def specs_for(self, nodes: set[str], projects: set[str], clients: set[str]) -> list[BudgetSpec]:
        """The budgets that cover any of `nodes`, `projects` or `clients`."""
        return [s for s in self.budgets if (s.scope == "agent" and s.key in nodes)
                or (s.scope == "owner" and not nodes.isdisjoint(s.agents))
                or (s.scope == "project" and s.key in projects) or (s.scope == "client" and s.key in clients)]
