"""MCP tool for money out: a period's cost for chargeback, or its reconciliation with the bill (one tool, to keep
the tool list lean)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Annotated, Any

from pydantic import BaseModel, ConfigDict, Field

from mcp_server.params import Cursor
from orgmap.answer_types import CostsAnswer, ReconcileAnswer
from orgmap.arguments import COST_BY

if TYPE_CHECKING:
    from orgmap.service import Service

__all__ = ["COSTS_PAGE", "register"]

COSTS_PAGE = 15
# The shape of a month or a day (orgmap.arguments.PERIOD_PATTERN, which OpenAPI carries, spells out the calendar in
# 300 bytes); the service refuses a day that is not in the calendar with the message every door gives.
PERIOD_SHAPE = r"^[1-9][0-9]{3}-[01][0-9](-[0-3][0-9])?$"


class CostsOrBill(BaseModel):
    """The tool's answer: a `CostsAnswer`, or with `reconcile` a `ReconcileAnswer` (both in the HTTP API's
    /openapi.json, as /v1/costs and /v1/reconcile answer them)."""

    model_config = ConfigDict(extra="allow")
    summary: str


def register(tool: Callable[..., Callable[[Any], Any]], svc: Callable[[], Service]) -> None:
    """Add the money-out tool with the server's `tool(title, annotations)` registrar."""

    @tool("Costs and bill")
    def costs(period: Annotated[str | None, Field(description="2026-11 or 2026-11-05; default: this month",
                                                  json_schema_extra={"pattern": PERIOD_SHAPE})] = None,
              by: Annotated[str, Field(description="row grouping", json_schema_extra={"enum": list(COST_BY)})]
              = "agent",
              reconcile: Annotated[bool, Field(description="tracked vs billed instead")] = False,
              cursor: Cursor = None) -> CostsOrBill:
        """Chargeback: cost per row with shared costs allocated, adding up; or the gap to providers' bills by
        cause."""
        answer: CostsAnswer | ReconcileAnswer = (svc().reconcile(period) if reconcile
                                                 else svc().costs(period, None, None, by, True, COSTS_PAGE, cursor))
        return answer  # type: ignore[return-value]  # the server sends the answer as it is (its own schema)
