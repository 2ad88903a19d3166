"""Routes that return a typed answer send it as JSON bytes serialised by pydantic on the endpoint's own thread.

FastAPI would validate the returned model again (for a sync endpoint, on one more threadpool hop) and then encode
it; the model is already valid, so `AnswerRoute` skips both. The OpenAPI schema still comes from the endpoint's
return annotation (or `response_model`).
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.routing import APIRoute
from pydantic import BaseModel
from starlette.responses import Response

from orgmap.service import Service

__all__ = ["AnswerRoute", "Svc", "json_answer"]


async def service(request: Request) -> Service:
    """The one service, opened by the app's lifespan (async: no threadpool hop to read it)."""
    return request.app.state.service


Svc = Annotated[Service, Depends(service)]


def json_answer(answer: BaseModel, status_code: int = 200) -> Response:
    """A typed answer as an `application/json` response, serialised by pydantic in one pass."""
    return Response(answer.model_dump_json(), status_code=status_code, media_type="application/json")


def _serialised(endpoint: Callable[..., Any]) -> Callable[..., Any]:
    if inspect.iscoroutinefunction(endpoint):
        return endpoint

    @functools.wraps(endpoint)
    def run(*args: Any, **kwargs: Any) -> Any:
        answer = endpoint(*args, **kwargs)
        return json_answer(answer) if isinstance(answer, BaseModel) else answer

    return run


class AnswerRoute(APIRoute):
    """An `APIRoute` whose sync endpoint's pydantic answer is sent as it is (see the module docstring)."""

    def __init__(self, path: str, endpoint: Callable[..., Any], **kwargs: Any) -> None:
        super().__init__(path, _serialised(endpoint), **kwargs)
