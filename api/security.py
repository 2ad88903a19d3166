"""Who may write: on loopback anyone local may; bound to anything else, writes and /mcp need the bearer token."""

from __future__ import annotations

import hmac
import ipaddress

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Receive, Scope, Send

__all__ = ["TokenGate", "is_loopback", "needs_token"]

_READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def is_loopback(host: str) -> bool:
    """True for 127.0.0.0/8, ::1 and localhost: the only binds that are safe without a token.

    >>> is_loopback("127.0.0.1"), is_loopback("0.0.0.0"), is_loopback("localhost")
    (True, False, True)
    """
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def needs_token(method: str, path: str) -> bool:
    """Writes anywhere, and everything under /mcp (its tools record events), need the token when exposed."""
    return path == "/mcp" or path.startswith("/mcp/") or method.upper() not in _READ_METHODS


class TokenGate:
    """ASGI middleware: when a token is set, guarded requests must carry `Authorization: Bearer <token>`."""

    def __init__(self, app: ASGIApp, token: str | None) -> None:
        self.app = app
        self.token = token

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and self.token and needs_token(scope["method"], scope["path"]):
            supplied = Request(scope).headers.get("authorization", "")
            scheme, _, value = supplied.partition(" ")
            if scheme.lower() != "bearer" or not hmac.compare_digest(value.strip(), self.token):
                response = JSONResponse(
                    {"error": {"message": "this endpoint needs `Authorization: Bearer $ORGMAP_TOKEN`",
                               "field": "authorization"}},
                    status_code=401,
                    headers={"WWW-Authenticate": "Bearer"},
                )
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)
