"""The one way to the ledger: in step with the vault's names, budgets and run rules at the graph's current revision.

Every part of the service reaches the ledger by calling a `LedgerInStep`; when the graph has changed since the last
call (a note edited, an alias added), the ledger is given the new resolver, budgets and run rules first. No part
has to remember to sync.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

from ledger import RunSettings
from orgmap.vault_settings import agent_settings, budget_specs

if TYPE_CHECKING:
    from graph import CompanyGraph
    from ledger import Ledger

__all__ = ["LedgerInStep"]


class LedgerInStep:
    """Call it for the ledger, brought in step with the graph when the graph's revision moved."""

    def __init__(self, graph: CompanyGraph, ledger: Ledger) -> None:
        self._graph = graph
        self._ledger = ledger
        self._lock = threading.Lock()
        self._revision = -1

    def __call__(self) -> Ledger:
        if self._revision != self._graph.revision:
            with self._lock, self._graph.read() as g:
                if self._revision != self._graph.revision:
                    self._ledger.set_resolver(self._lookup)
                    self._ledger.set_budgets(budget_specs(g))
                    self._ledger.set_run_settings(RunSettings(), agent_settings(g)[0])
                    self._revision = self._graph.revision
        return self._ledger

    def _lookup(self, name: str) -> str | None:
        with self._graph.read():
            return self._graph.lookup_agent(name)
