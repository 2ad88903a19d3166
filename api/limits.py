"""The most a request body may be: one limit for every route (receivers, event routes, /mcp), checked as it arrives,
so no client makes the server buffer an unbounded body. (A gzip OTLP body's inflated size is bounded on its own in
`importers.otel`.)"""

from __future__ import annotations

from fastapi import FastAPI, HTTPException
from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.errors import error_response

__all__ = ["MAX_BODY", "install_body_limit"]

MAX_BODY = 32 * 2**20


class BodyTooLarge(HTTPException):
    """A body past MAX_BODY. An HTTPException, so FastAPI's body parsing passes it on rather than making it a 400;
    `api.errors` renders it as `{"error": {"message", "field": "body"}}`."""

    def __init__(self) -> None:
        super().__init__(status_code=413, detail=f"body over {MAX_BODY // 2**20} MiB")


class BodyLimit:
    """ASGI middleware: a declared Content-Length past MAX_BODY is refused at once; a chunked body is counted as it is
    read and the read fails with BodyTooLarge when it passes MAX_BODY."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = Headers(scope=scope).get("content-length", "")
        if declared.isdigit() and int(declared) > MAX_BODY:
            too_large = BodyTooLarge()
            await error_response(str(too_large.detail), "body", too_large.status_code)(scope, receive, send)
            return
        seen = 0

        async def counted() -> Message:
            nonlocal seen
            message = await receive()
            seen += len(message.get("body", b""))
            if seen > MAX_BODY:
                raise BodyTooLarge()
            return message

        await self.app(scope, counted, send)


def install_body_limit(app: FastAPI) -> None:
    """Refuse bodies past MAX_BODY on every route with a 413 naming the body."""
    app.add_middleware(BodyLimit)
