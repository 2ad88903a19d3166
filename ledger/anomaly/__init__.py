"""Anomalies, explained: detect breaks in an agent's own hourly cost, decompose what moved, and rank the recorded
changes (on the agent and what it depends on) that most likely caused them."""

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
