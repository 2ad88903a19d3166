"""Which recorded change most likely caused an anomaly: candidates in a window before onset, scored by how well
their kind fits the factor that moved, nearness, graph distance and peers that moved too; abstain when none fits."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import replace
from datetime import datetime, timedelta

from ledger.anomaly.config import AnomalyConfig
from ledger.anomaly.model import Anomaly, Candidate, ChangeEvent
from ledger.anomaly.recovery import likely_fix
from ledger.anomaly.sentence import describe
from ledger.change_kinds import change_kind

__all__ = ["FIT", "corroborated", "effective_kind", "explain", "peers_moved", "rank_changes", "with_peers"]

# How well a kind of change explains each factor (1 = the classic cause). Deploys fit retries and volume too.
FIT: dict[str, dict[str, float]] = {
    "price": {"model": 1.0, "config": 0.5, "deploy": 0.4, "dependency": 0.4, "prompt": 0.2},
    "tokens": {"prompt": 1.0, "deploy": 0.9, "config": 0.6, "dependency": 0.6, "model": 0.4},
    "volume": {"schedule": 1.0, "config": 0.7, "deploy": 0.5, "dependency": 0.3},
    "retries": {"deploy": 1.0, "dependency": 0.8, "config": 0.7, "model": 0.5, "prompt": 0.3},
}
OTHER_FIT = 0.15
# A dependency's change rarely changes how often the agent itself runs; it does cause retries, context, price.
THROUGH_DEPENDENCY = {"volume": 0.3, "retries": 1.0, "tokens": 0.8, "price": 1.0}
DISTANCE_WEIGHT = {0: 1.0, 1: 0.85, 2: 0.7}
PEER_BONUS = 0.4  # times the share of the target's other dependents that moved too (or 0.1 per peer, up to 3)
SKEW_NEARNESS = 0.8  # a change stamped just after onset (clock skew)


def effective_kind(change: ChangeEvent) -> str:
    """The kind a change represents: a vault edit of the `model` property is a model change, and so on.

    >>> from datetime import datetime, timezone
    >>> effective_kind(ChangeEvent("c1", datetime(2025, 1, 1, tzinfo=timezone.utc), "Bot", "vault_edit", "tier up",
    ...                            details={"property": "model", "old": "haiku", "new": "opus"}))
    'model'
    """
    return change_kind(change.kind, change.details)


def _place(change: ChangeEvent) -> str:
    if change.graph_distance == 0:
        return "on the agent itself"
    if change.graph_distance == 1:
        return f"on a direct dependency ({change.target})"
    return f"on a dependency's dependency ({change.target})"


def _score(anomaly: Anomaly, change: ChangeEvent, config: AnomalyConfig) -> Candidate | None:
    if change.graph_distance not in DISTANCE_WEIGHT:
        return None
    before = (anomaly.onset - change.ts).total_seconds() / 3600
    if before > config.attribution_window_hours or before < -config.skew_tolerance_hours:
        return None
    kind = effective_kind(change)
    fit = FIT[anomaly.factor].get(kind, OTHER_FIT)
    if change.graph_distance > 0:
        fit *= THROUGH_DEPENDENCY[anomaly.factor]
    nearness = SKEW_NEARNESS if before < 0 else math.exp(-before / config.decay_hours)
    distance = DISTANCE_WEIGHT[change.graph_distance]
    peers = change.peers_moved if change.graph_distance > 0 else 0
    if change.peers_total > 0:
        peer = 1.0 + PEER_BONUS * min(peers / change.peers_total, 1.0)
    else:
        peer = 1.0 + 0.1 * min(peers, 3)
    when = f"{before:.1f} h before onset" if before >= 0 else f"{-before:.1f} h after onset (clock-skew tolerance)"
    evidence = [f"a {kind} change fits a {anomaly.factor} change ({fit:.2f})", when, _place(change)]
    if peers:
        of = f" of {change.peers_total}" if change.peers_total else ""
        evidence.append(f"{peers}{of} other dependent(s) of {change.target} moved too")
    if change.planned:
        evidence.append("marked planned")
    return Candidate(
        change=change,
        score=round(fit * nearness * distance * peer, 4),
        effective_kind=kind,
        fit=round(fit, 4),
        nearness=round(nearness, 4),
        distance_weight=distance,
        peer_weight=round(peer, 4),
        hours_before_onset=round(before, 2),
        evidence=evidence,
    )


def rank_changes(anomaly: Anomaly, changes: Iterable[ChangeEvent], config: AnomalyConfig) -> list[Candidate]:
    """Every change in the window before onset, best first (ties: the nearer one)."""
    scored = [c for c in (_score(anomaly, ch, config) for ch in changes) if c is not None]
    return sorted(scored, key=lambda c: (-c.score, abs(c.hours_before_onset), c.change.id))


def explain(anomaly: Anomaly, changes: Iterable[ChangeEvent], config: AnomalyConfig) -> Anomaly:
    """The anomaly with its top candidates, abstention, suppression (a planned best cause), the likely fix of one
    that ended, and its sentence."""
    pool = list(changes)
    ranked = rank_changes(anomaly, pool, config)
    top = ranked[: config.top_candidates]
    abstained = not top or top[0].score < config.min_score
    suppressed = not abstained and top[0].change.planned
    fix = None if anomaly.end is None else likely_fix(pool, anomaly.onset, anomaly.end,
                                                      None if abstained else top[0].change.id, config)
    done = replace(anomaly, candidates=top, abstained=abstained, suppressed=suppressed, fix=fix)
    return replace(done, sentence=describe(done))


def peers_moved(
    change: ChangeEvent,
    agent: str,
    anomalies: Iterable[Anomaly],
    dependents: Mapping[str, Iterable[str]],
    config: AnomalyConfig,
) -> tuple[int, int]:
    """(moved, total): of the other agents depending on `change.target`, how many had an anomaly with onset
    from `skew_tolerance_hours` before the change to `peer_window_hours` after it."""
    peers = set(dependents.get(change.target, ())) - {agent}
    lo = change.ts - timedelta(hours=config.skew_tolerance_hours)
    hi = change.ts + timedelta(hours=config.peer_window_hours)
    return len({a.agent for a in anomalies if a.agent in peers and lo <= a.onset <= hi}), len(peers)


def with_peers(
    changes: Iterable[ChangeEvent],
    agent: str,
    anomalies: Iterable[Anomaly],
    dependents: Mapping[str, Iterable[str]],
    config: AnomalyConfig,
) -> list[ChangeEvent]:
    """The changes with `peers_moved` and `peers_total` filled in for `agent` (changes on the agent keep 0)."""
    pool = list(anomalies)
    out = []
    for ch in changes:
        moved, total = peers_moved(ch, agent, pool, dependents, config) if ch.graph_distance else (0, 0)
        out.append(replace(ch, peers_moved=moved, peers_total=total))
    return out


def corroborated(
    changes: Mapping[str, Iterable[ChangeEvent]],
    anomalies: Iterable[Anomaly],
    dependents: Mapping[str, Iterable[str]],
    config: AnomalyConfig,
) -> dict[str, list[tuple[datetime, datetime]]]:
    """Agents to look at again without the dollar floor, with the onset spans that count: the other dependents of
    a node whose change (seen from an agent through `changes`, at distance 1 or 2) an anomaly already followed
    within `peer_window_hours`. The incident is the change: its dollars add up over its dependents."""
    pool = list(anomalies)
    moved = {a.agent for a in pool}
    spans: dict[str, list[tuple[datetime, datetime]]] = {}
    for agent, seen in changes.items():
        for ch in seen:
            if not ch.graph_distance:
                continue
            lo = ch.ts - timedelta(hours=config.skew_tolerance_hours)
            hi = ch.ts + timedelta(hours=config.peer_window_hours)
            if agent not in moved or not any(a.agent == agent and lo <= a.onset <= hi for a in pool):
                continue
            for peer in set(dependents.get(ch.target, ())) - {agent}:
                if (lo, hi) not in spans.setdefault(peer, []):
                    spans[peer].append((lo, hi))
    return spans
