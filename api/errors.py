"""Domain errors and request validation as JSON: `{"error": {"message", "field", "suggestions"}}`."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from orgmap.errors import NotFound, OrgmapError, StoreUnavailable, UnreadableBody

__all__ = ["error_response", "install_error_handlers"]


def error_response(message: str, field: str | None, status_code: int, *, suggestions: list[str] | None = None,
                   headers: Mapping[str, str] | None = None) -> JSONResponse:
    """Every error orgmap's HTTP API sends, in one shape: `{"error": {"message", "field"[, "suggestions"]}}`."""
    error: dict[str, object] = {"message": message, "field": field}
    if suggestions is not None:
        error["suggestions"] = suggestions
    return JSONResponse({"error": error}, status_code=status_code, headers=headers)


async def _domain(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, OrgmapError)
    if isinstance(exc, NotFound):
        return error_response(exc.message, exc.field, 404, suggestions=exc.suggestions)
    if isinstance(exc, UnreadableBody):
        return error_response(exc.message, exc.field, 415 if exc.field == "content-type" else 400)
    return error_response(exc.message, exc.field, 422)


def _body_error(errors: list[dict[str, Any]]) -> tuple[str, str]:
    """The field and message of a body pydantic refused (the event routes parse theirs in `routes.events_of`)."""
    if any(e.get("type") == "json_invalid" for e in errors):
        return "body", "the body is not valid JSON"
    field = ".".join(str(part) for part in errors[0].get("loc", ())[1:]) or "body"
    return field, f"{field}: {errors[0].get('msg')}"


async def _validation(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = list(exc.errors())
    first = errors[0] if errors else {"loc": (), "msg": "invalid request"}
    raw = [str(part) for part in first.get("loc", ())]
    if raw[:1] == ["body"]:
        field, message = _body_error(errors)
        return error_response(message, field, 422)
    loc = [part for part in raw if part not in ("query", "path", "header")]
    named = ".".join(loc) or None
    message = f"{named}: {first.get('msg')}" if named else str(first.get("msg"))
    return error_response(message, named, 422)


async def _http(_: Request, exc: Exception) -> JSONResponse:
    """Starlette's and FastAPI's own errors (a body they could not parse, one too large, no such route), in ours."""
    assert isinstance(exc, HTTPException)
    field = "body" if exc.status_code in (400, 413) else None
    return error_response(str(exc.detail), field, exc.status_code, headers=exc.headers)


async def _unavailable(_: Request, exc: Exception) -> JSONResponse:
    """The store's database is down or was lost mid-request (its message names it without a password): 503, try
    again shortly; nothing of an unfinished write was kept."""
    return error_response(str(exc), None, 503, headers={"Retry-After": "5"})


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(OrgmapError, _domain)
    app.add_exception_handler(StoreUnavailable, _unavailable)
    app.add_exception_handler(RequestValidationError, _validation)
    app.add_exception_handler(HTTPException, _http)
