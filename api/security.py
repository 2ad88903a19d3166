"""Who may write: on loopback anyone local may; bound to anything else, writes and /mcp need the bearer token."""

from __future__ import annotations

import hmac
import ipaddress
from collections.abc import Sequence

from mcp.server.transport_security import TransportSecuritySettings
from starlette.requests import Request
from starlette.types import ASGIApp, Receive, Scope, Send

from api.errors import error_response

__all__ = ["TokenGate", "is_loopback", "mcp_transport_security", "needs_token"]

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


def mcp_transport_security(host: str, allowed_hosts: Sequence[str] = ()) -> TransportSecuritySettings:
    """DNS-rebinding protection for /mcp on every bind (the SDK turns it on for loopback binds only): the loopback
    names, the bound address when it is a specific one, and `allowed_hosts` (the names clients use to reach a
    server bound to 0.0.0.0). A request whose Host header is none of these is refused.

    >>> "10.0.0.5:*" in mcp_transport_security("10.0.0.5").allowed_hosts
    True
    >>> "0.0.0.0:*" in mcp_transport_security("0.0.0.0").allowed_hosts
    False
    """
    names = ["127.0.0.1", "localhost", "[::1]"]
    if not is_loopback(host) and host not in ("0.0.0.0", "::", ""):
        names.append(f"[{host}]" if ":" in host else host)
    names += [name for name in allowed_hosts if name]
    hosts = [form for name in names for form in (name, f"{name}:*")]
    origins = [f"{scheme}://{form}" for scheme in ("http", "https") for form in hosts]
    return TransportSecuritySettings(enable_dns_rebinding_protection=True, allowed_hosts=hosts,
                                     allowed_origins=origins)


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
                response = error_response("this endpoint needs `Authorization: Bearer $ORGMAP_TOKEN`",
                                          "authorization", 401, headers={"WWW-Authenticate": "Bearer"})
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)
