"""The one way to the ledger: in step with the vault's names, budgets, agents' criticality and run rules at the graph's
current revision.

Every part of the service reaches the ledger by calling a `LedgerInStep`; when the graph has changed since the last
call (a note edited, an alias added), the ledger is given the new resolver, budgets and run rules first. No part
has to remember to sync.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TYPE_CHECKING

from orgmap.vault_settings import read_settings

if TYPE_CHECKING:
    from graph import CompanyGraph
    from ledger import Ledger

__all__ = ["LedgerInStep"]


class LedgerInStep:
    """Call it for the ledger, brought in step with the graph when the graph's revision moved. Given a function
    instead of a ledger, the first call opens it (a server answers graph questions without the store)."""

    def __init__(self, graph: CompanyGraph, ledger: Ledger | Callable[[], Ledger]) -> None:
        self._graph = graph
        self._ledger: Ledger | None = None if callable(ledger) else ledger
        self._open = ledger if callable(ledger) else None
        self._lock = threading.Lock()
        self._revision = -1

    def __call__(self) -> Ledger:
        ledger = self._ledger
        if ledger is None or self._revision != self._graph.revision:
            with self._lock:
                if self._ledger is None and self._open is not None:
                    self._ledger = self._open()
                ledger = self._ledger
                assert ledger is not None
                if self._revision != self._graph.revision:
                    from ledger import RunSettings

                    with self._graph.read() as g:
                        ledger.set_resolver(self._lookup)
                        settings = read_settings(g, self._graph.lookup)
                        ledger.set_budgets(settings.budgets)
                        ledger.set_agents(settings.criticality, settings.names)
                        ledger.set_run_settings(RunSettings(), settings.run_rules)
                        self._revision = self._graph.revision
        return ledger

    def close(self) -> None:
        """Close the ledger if it was opened; a lazy one is not opened to be closed."""
        with self._lock:
            if self._ledger is not None:
                self._ledger.close()

    def _lookup(self, name: str) -> str | None:
        with self._graph.read():
            return self._graph.lookup_agent(name)
