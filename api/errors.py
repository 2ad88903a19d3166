"""Domain errors and request validation as JSON: `{"error": {"message", "field", "suggestions"}}`."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from orgmap.errors import NotFound, OrgmapError

__all__ = ["install_error_handlers"]


def _body(message: str, field: str | None, suggestions: list[str] | None = None) -> dict[str, object]:
    error: dict[str, object] = {"message": message, "field": field}
    if suggestions is not None:
        error["suggestions"] = suggestions
    return {"error": error}


async def _domain(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, OrgmapError)
    if isinstance(exc, NotFound):
        return JSONResponse(_body(exc.message, exc.field, exc.suggestions), status_code=404)
    return JSONResponse(_body(exc.message, exc.field), status_code=422)


async def _validation(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    first = exc.errors()[0] if exc.errors() else {"loc": (), "msg": "invalid request"}
    raw = [str(part) for part in first.get("loc", ())]
    # Union members show up in `loc` as type names (`dict[str,any]`): they name no field of the request.
    loc = [part for part in raw if part not in ("body", "query", "path") and "[" not in part]
    field = ".".join(loc) or ("body" if raw[:1] == ["body"] else None)
    message = f"{field}: {first.get('msg')}" if field else str(first.get("msg"))
    return JSONResponse(_body(message, field), status_code=422)


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(OrgmapError, _domain)
    app.add_exception_handler(RequestValidationError, _validation)
