"""What the OpenAPI document promises: every error a route can answer, in orgmap's one error shape, and each
parameter's closed set, pattern or range. The values come from `orgmap.arguments`, the same ones the service checks,
and the service (not FastAPI) enforces them, so a refused argument reads the same over HTTP, MCP and the CLI; the
schema only says what will be accepted (a schemathesis run in the tests holds the two to each other)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Query
from pydantic import BaseModel, Field

from orgmap.arguments import (
    ALERT_KINDS,
    ANOMALY_STATES,
    BUCKETS,
    BY,
    CURSOR_PATTERN,
    DEPTH,
    KEYSET_CURSOR_PATTERN,
    MOMENT_PATTERN,
    SEVERITIES,
    WINDOW_PATTERN,
)

__all__ = ["ERRORS", "WRITE_ERRORS", "AlertKind", "AnomalyState", "Bucket", "By", "Cursor", "Depth", "ErrorBody",
           "KeysetCursor", "Limit", "OfClient", "OfModel", "OfProject", "Severity", "Since", "Until", "Window",
           "as_json", "error_schema"]


class ErrorDetail(BaseModel):
    message: str = Field(description="what is wrong, for a person (or a model) to act on")
    field: str | None = Field(description="the argument, header or body part it concerns")
    suggestions: list[str] | None = Field(default=None, description="close matches of a name that matched nothing")


class ErrorBody(BaseModel):
    """Every error orgmap's HTTP API answers."""

    error: ErrorDetail


def _error(description: str) -> dict[str, Any]:
    return {"model": ErrorBody, "description": description}


# The errors any route may answer; writes add theirs.
ERRORS: dict[int | str, dict[str, Any]] = {
    404: _error("a name (node, agent, owner, anomaly) that matches nothing, with close matches"),
    421: _error("a Host header this server does not answer to (DNS-rebinding protection)"),
    422: _error("an argument outside what the question accepts, named in `field`"),
}
WRITE_ERRORS: dict[int | str, dict[str, Any]] = {
    400: _error("a body that cannot be read at all"),
    401: _error("a write without the bearer token, when the server has one"),
    403: _error("a write from a web page of another origin"),
    413: _error("a body past the size limit"),
    415: _error("a body not sent as a content type its format defines"),
}


def error_schema() -> dict[str, Any]:
    """The JSON schema reference of the error body, for routes that write their OpenAPI by hand."""
    return {"$ref": "#/components/schemas/ErrorBody"}


def as_json(responses: dict[int | str, dict[str, Any]]) -> dict[int | str, dict[str, Any]]:
    """`responses` with their JSON content spelled out, for a route whose own answer is not JSON (its errors still
    are)."""
    return {code: {"description": r["description"], "content": {"application/json": {"schema": error_schema()}}}
            for code, r in responses.items()}


def _schema(**schema: Any) -> dict[str, Any]:
    return {"json_schema_extra": schema}


Limit = Annotated[int, Query(ge=1, le=500, description="items per page")]
Cursor = Annotated[str | None, Query(description="the `next_cursor` of the previous page",
                                     **_schema(pattern=CURSOR_PATTERN))]
KeysetCursor = Annotated[str | None, Query(description="the `next_cursor` of the previous page",
                                           **_schema(pattern=KEYSET_CURSOR_PATTERN))]
Window = Annotated[str, Query(description="a window like 24h, 7d, 30d (1h to 3650d)", examples=["7d"],
                              **_schema(pattern=WINDOW_PATTERN))]
Depth = Annotated[int, Query(description=f"hops to follow, {DEPTH[0]} to {DEPTH[1]}",
                             **_schema(minimum=DEPTH[0], maximum=DEPTH[1]))]
By = Annotated[str, Query(description="the grouping", **_schema(enum=list(BY)))]
Bucket = Annotated[str, Query(description="hour or day", **_schema(enum=list(BUCKETS)))]
# the slice of the spend a spend question is narrowed to
OfModel = Annotated[str | None, Query(description="only spend on this model")]
OfClient = Annotated[str | None, Query(description="only this client's spend")]
OfProject = Annotated[str | None, Query(description="only this project's spend")]
AlertKind = Annotated[str | None, Query(description="only alerts of this kind", **_schema(enum=list(ALERT_KINDS)))]
AnomalyState = Annotated[str | None, Query(description="only anomalies in this state",
                                           **_schema(enum=list(ANOMALY_STATES)))]
Severity = Annotated[str | None, Query(description="only problems of this severity", **_schema(enum=list(SEVERITIES)))]
Since = Annotated[str | None, Query(
    description="start of a from/to range (ISO 8601 date or date-time; no zone: UTC), down to its hour; given, it "
                "replaces `window`", examples=["2026-11-01T00:00:00Z"], **_schema(pattern=MOMENT_PATTERN))]
Until = Annotated[str | None, Query(
    description="end of a from/to range (ISO 8601 date or date-time; no zone: UTC), up to its hour; default now",
    examples=["2026-12-01T00:00:00Z"], **_schema(pattern=MOMENT_PATTERN))]
