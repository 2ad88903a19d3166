"""The /v1 anomaly routes: breaks in agents' run-rate, explained, and the state users set on them."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body, Query
from pydantic import BaseModel, Field

from api.answers import AnswerRoute, Svc
from api.openapi import ERRORS, WRITE_ERRORS, AnomalyState, Cursor, Window
from orgmap.answer_types import AnomaliesAnswer, AnomalyBrief, AnomalyExplanation
from orgmap.arguments import ANOMALY_STATES

__all__ = ["router"]

router = APIRouter(prefix="/v1", tags=["anomalies"], route_class=AnswerRoute, responses=ERRORS)


class StateChange(BaseModel):
    """The state to set: open, acknowledged, resolved_expected or resolved_unexpected, with an optional note."""

    state: str = Field(examples=["resolved_expected"], json_schema_extra={"enum": list(ANOMALY_STATES)})
    note: str | None = Field(default=None, examples=["planned migration to the bigger model"])


@router.get("/anomalies")
def anomalies(svc: Svc, since: Window = "7d", state: AnomalyState = None,
              limit: int = Query(10, ge=1, le=200, description="items per page"),
              cursor: Cursor = None) -> AnomaliesAnswer:
    """Anomalies in agents' run-rate, newest first: every one still going whatever its onset, and those that ended
    with onset within `since`. Size, what moved (volume, retries, tokens per run, price per token) and the recorded
    change that most likely caused it (by id and ref), or an honest abstention; for one that ended, its likely fix."""
    return svc.anomalies(since, None, state, limit, cursor)


@router.get("/agents/{name:path}/anomalies")
def agent_anomalies(svc: Svc, name: str, since: Window = "7d") -> AnomalyExplanation:
    """Why did this agent's cost change? Its anomalies in full (every one still going, then those that ended within
    `since`), with ranked candidate causes and their evidence."""
    return svc.explain_cost_change(name, since)


@router.post("/anomalies/{anomaly_id:path}/state", responses=WRITE_ERRORS)
def set_state(svc: Svc, anomaly_id: str, body: Annotated[StateChange, Body()]) -> AnomalyBrief:
    """Acknowledge or resolve an anomaly; the state is kept as feedback and resolved anomalies stop alerting."""
    return svc.set_anomaly_state(anomaly_id, body.state, body.note)
