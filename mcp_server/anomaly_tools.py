"""MCP tools for anomalies: what broke, why, and marking it handled."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from orgmap.answer_types import AnomaliesAnswer, AnomalyBrief, AnomalyExplanation
from orgmap.service import Service

__all__ = ["register"]


def register(tool: Callable[[Any], Any], svc: Callable[[], Service]) -> None:
    """Add the anomaly tools with the server's `tool` registrar."""

    @tool
    def anomalies(since: str = "7d", state: str | None = None, cursor: str | None = None) -> AnomaliesAnswer:
        """What anomalies are there in agents' spend, and why? Breaks in each agent's own run-rate, newest first:
        every one still going whatever its onset, and those that ended with onset within `since` (e.g. 24h, 7d).
        Each with its size, what moved (volume, retries, tokens per run, price per token), the recorded change
        (deploy, prompt, model, config; on the agent or what it depends on) that most likely caused it, by id and
        ref (`cause_id`, `cause_ref`), and for one that ended, its `end` and likely `fix`. `state`: open,
        acknowledged, resolved_expected, resolved_unexpected."""
        return svc().anomalies(since, None, state, 10, cursor)

    @tool
    def explain_cost_change(agent: str, since: str = "7d") -> AnomalyExplanation:
        """Explain an agent's cost change: its anomalies in full (every one still going first, whatever its onset,
        then those that ended within `since`): baseline vs observed cost per hour, runs, tokens per run, price per
        token, model mix, and the ranked candidate changes (with id and ref) with the evidence for each."""
        return svc().explain_cost_change(agent, since)

    @tool
    def set_anomaly_state(anomaly_id: str, state: str, note: str | None = None) -> AnomalyBrief:
        """Mark an anomaly acknowledged, resolved_expected or resolved_unexpected (or open again); kept as
        feedback, and a resolved anomaly stops alerting."""
        return svc().set_anomaly_state(anomaly_id, state, note)
