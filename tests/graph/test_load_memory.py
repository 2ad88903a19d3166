"""Loading a vault leaves nothing behind: a graph dropped by its last reader is freed, however many vaults one
process loads (a watcher reloading, a test session, a tool loading several vaults)."""

from __future__ import annotations

import gc
import weakref

from graph import CompanyGraph
from tests.conftest import COMPANY, VaultFactory, age


def test_a_dropped_graph_is_collected_after_loading(make_vault: VaultFactory) -> None:
    root = make_vault(COMPANY)
    age(root)
    for cache in (False, True, True):  # cold, then the graph cache written and restored
        graph = CompanyGraph.load(root, cache=cache)
        assert list(graph.g.edges)  # a read makes networkx's edge view, which refers back to the graph (a cycle)
        gone = weakref.ref(graph.g)
        del graph
        gc.collect()
        assert gone() is None
