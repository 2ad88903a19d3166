"""MCP tools for anomalies: what broke, why, and marking it handled."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Annotated, Any

from mcp.types import ToolAnnotations
from pydantic import Field

from mcp_server.params import AgentName, AnomalyState, Cursor, Window
from orgmap.answer_types import AnomaliesAnswer, AnomalyBrief, AnomalyExplanation
from orgmap.arguments import ANOMALY_STATES

if TYPE_CHECKING:
    from orgmap.service import Service

__all__ = ["register"]


def register(tool: Callable[..., Callable[[Any], Any]], svc: Callable[[], Service]) -> None:
    """Add the anomaly tools with the server's `tool(title, annotations)` registrar."""

    @tool("Anomalies and their causes")
    def anomalies(window: Window = "7d", state: AnomalyState = None, cursor: Cursor = None) -> AnomaliesAnswer:
        """Anomalies in agents' spend, still going or ended in the window, with what moved and the likely cause
        (change id, ref)."""
        return svc().anomalies(window, None, state, 10, cursor)

    @tool("Explain an agent's cost change")
    def explain_cost_change(agent: AgentName, window: Window = "7d") -> AnomalyExplanation:
        """Why did this agent's cost change? Its anomalies in full, with ranked candidate changes and evidence
        for each."""
        return svc().explain_cost_change(agent, window)

    @tool("Set an anomaly's state", ToolAnnotations(read_only_hint=False, destructive_hint=False, idempotent_hint=True,
                                                    open_world_hint=False))
    def set_anomaly_state(anomaly_id: Annotated[str, Field(description="the anomaly's id, as anomalies gives it")],
                          state: Annotated[str, Field(description="the state to set",
                                                      json_schema_extra={"enum": list(ANOMALY_STATES)})],
                          note: Annotated[str | None, Field(description="why, kept with the state")] = None,
                          ) -> AnomalyBrief:
        """Acknowledge an anomaly or resolve it (as expected or not), or open it again; a resolved one stops
        alerting."""
        return svc().set_anomaly_state(anomaly_id, state, note)
