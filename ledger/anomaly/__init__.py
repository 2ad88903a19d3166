"""Anomalies, explained: detect breaks in an agent's own hourly cost, decompose what moved, and rank the recorded
changes (on the agent and what it depends on) that most likely caused them."""

from typing import TYPE_CHECKING

from ledger.lazy import lazy_exports

if TYPE_CHECKING:
    from ledger.anomaly.attribute import corroborated, effective_kind, explain, peers_moved, rank_changes, with_peers
    from ledger.anomaly.config import AnomalyConfig, ConfigError, with_numbers
    from ledger.anomaly.derived import Metrics, daily, hourly
    from ledger.anomaly.detect import anomaly_id, detect
    from ledger.anomaly.model import Anomaly, Candidate, ChangeEvent, FactorShares, WindowStats

__all__ = [
    "Anomaly",
    "AnomalyConfig",
    "Candidate",
    "ChangeEvent",
    "ConfigError",
    "FactorShares",
    "Metrics",
    "WindowStats",
    "anomaly_id",
    "corroborated",
    "daily",
    "detect",
    "effective_kind",
    "explain",
    "hourly",
    "peers_moved",
    "rank_changes",
    "with_numbers",
    "with_peers",
]

# Each export is imported when first used (`ledger.lazy`).
lazy_exports(__name__, {
    "Anomaly": "ledger.anomaly.model",
    "AnomalyConfig": "ledger.anomaly.config",
    "Candidate": "ledger.anomaly.model",
    "ChangeEvent": "ledger.anomaly.model",
    "ConfigError": "ledger.anomaly.config",
    "FactorShares": "ledger.anomaly.model",
    "Metrics": "ledger.anomaly.derived",
    "WindowStats": "ledger.anomaly.model",
    "anomaly_id": "ledger.anomaly.detect",
    "corroborated": "ledger.anomaly.attribute",
    "daily": "ledger.anomaly.derived",
    "detect": "ledger.anomaly.detect",
    "effective_kind": "ledger.anomaly.attribute",
    "explain": "ledger.anomaly.attribute",
    "hourly": "ledger.anomaly.derived",
    "peers_moved": "ledger.anomaly.attribute",
    "rank_changes": "ledger.anomaly.attribute",
    "with_numbers": "ledger.anomaly.config",
    "with_peers": "ledger.anomaly.attribute",
})
