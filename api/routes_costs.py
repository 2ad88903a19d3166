"""The /v1 money-out routes: cost reports for chargeback (JSON, or CSV and FOCUS CSV by `format` or by `Accept:
text/csv`), and tracked spend reconciled with providers' bills."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from starlette.responses import Response

from api.answers import AnswerRoute, Svc, json_answer
from api.openapi import ERRORS, Cursor, Limit
from orgmap.answer_types import CostsAnswer, ReconcileAnswer
from orgmap.arguments import COST_BY, COST_FORMATS, DATE_PATTERN, PERIOD_PATTERN
from orgmap.errors import InvalidArgument

__all__ = ["router"]

router = APIRouter(prefix="/v1", tags=["costs"], route_class=AnswerRoute, responses=ERRORS)

Period = Annotated[str | None, Query(description="a month (2026-11) or a day (2026-11-05); default: this month to "
                                                 "date", json_schema_extra={"pattern": PERIOD_PATTERN})]
From = Annotated[str | None, Query(alias="from", description="first day (YYYY-MM-DD), instead of `period`",
                                   json_schema_extra={"pattern": DATE_PATTERN})]
To = Annotated[str | None, Query(description="last day, included (YYYY-MM-DD); default today",
                                 json_schema_extra={"pattern": DATE_PATTERN})]
CostBy = Annotated[str, Query(description="how rows are grouped", json_schema_extra={"enum": list(COST_BY)})]
Format = Annotated[str | None, Query(description="json (default), csv (every row) or focus (FOCUS 1.2 CSV); "
                                                 "without it, `Accept: text/csv` asks for csv",
                                     json_schema_extra={"enum": list(COST_FORMATS)})]
_CSV: dict[int | str, dict[str, Any]] = {
    200: {"description": "the report as JSON, or CSV (format=csv or focus, or Accept: text/csv)",
          "content": {"text/csv": {"schema": {"type": "string"}}}}}


def _format(request: Request, asked: str | None) -> str:
    """The format asked for: `format=`, else CSV when the client accepts CSV and not JSON."""
    if asked is not None:
        if asked not in COST_FORMATS:
            raise InvalidArgument(f"format must be one of {', '.join(COST_FORMATS)}; got {asked!r}", field="format")
        return asked
    accept = request.headers.get("accept", "")
    return "csv" if "text/csv" in accept and "application/json" not in accept else "json"


@router.get("/costs", summary="A period's cost for chargeback", response_model=CostsAnswer, responses=_CSV)
def costs(svc: Svc, request: Request, period: Period = None, from_: From = None, to: To = None,
          by: CostBy = "agent", allocate: bool = True, format: Format = None, limit: Limit = 50,
          cursor: Cursor = None) -> Response:
    """Cost over a period grouped by agent, owner, team, client, project or model: direct, allocated (shared nodes'
    cost split through the dependency graph) and fully loaded per row, adding up to the total to the cent; the
    unattributed row included. CSV has every row; FOCUS one row per day, agent, service and model."""
    wanted = _format(request, format)
    if wanted == "csv":
        return Response(svc.costs_csv(period, from_, to, by, allocate), media_type="text/csv")
    if wanted == "focus":
        return Response(svc.costs_focus_csv(period, from_, to, allocate), media_type="text/csv")
    return json_answer(svc.costs(period, from_, to, by, allocate, limit, cursor))


@router.get("/reconcile", summary="Tracked spend against providers' bills")
def reconcile(svc: Svc, period: Period = None, from_: From = None, to: To = None) -> ReconcileAnswer:
    """What per-call telemetry tracked against what providers billed (imported OpenAI costs, Anthropic cost
    reports), per provider, spender and day: the gap in dollars and percent, explained by cause (uncovered keys or
    workspaces, unpriced models, price differences for the same tokens, days on one side only) and the unexplained
    rest, adding up to the gap."""
    return svc.reconcile(period, from_, to)
