"""Who may reach the server and who may write.

- Every request must name this server in its `Host` header: a loopback name, the bound address, or a name configured
  with `--allow-host`. A page on another site whose name resolves to 127.0.0.1 (DNS rebinding) is refused (421).
- A write must carry a content type its format defines (JSON; OTLP also protobuf), which a browser cannot send to
  another site without a CORS preflight orgmap never grants (415), and, when it says where it comes from, come from
  this server's own origin or one configured with `--allow-origin` (403). So no web page the operator visits can
  record a cost event or a deploy.
- On loopback anyone local may write; bound to anything else, writes and /mcp need the bearer token.
"""

from __future__ import annotations

import hmac
import ipaddress
from collections.abc import Sequence

from mcp.server.transport_security import TransportSecuritySettings
from starlette.datastructures import Headers
from starlette.requests import Request
from starlette.routing import BaseRoute, Match
from starlette.types import ASGIApp, Receive, Scope, Send

from api.errors import error_response

__all__ = ["RequestGuard", "TokenGate", "allowed_host_names", "is_loopback", "mcp_transport_security",
           "needs_token"]

_READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
_WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})  # (no route takes another: those get a 405)
_JSON = ("application/json",)
# What each write path reads; every other write under /v1 reads JSON. /mcp checks its own (the SDK's transport).
_WRITE_TYPES = {"/v1/traces": ("application/json", "application/x-protobuf")}


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


def allowed_host_names(host: str, allowed_hosts: Sequence[str] = ()) -> list[str]:
    """The names a request's Host header may carry (any port): the loopback names, the bound address when it is a
    specific one, and `allowed_hosts` (the names clients use to reach a server bound to 0.0.0.0).

    >>> allowed_host_names("10.0.0.5", ["orgmap.example.com"])
    ['127.0.0.1', 'localhost', '[::1]', '10.0.0.5', 'orgmap.example.com']
    >>> "0.0.0.0" in allowed_host_names("0.0.0.0")
    False
    """
    names = ["127.0.0.1", "localhost", "[::1]"]
    if not is_loopback(host) and host not in ("0.0.0.0", "::", ""):
        names.append(f"[{host}]" if ":" in host else host)
    return names + [name.lower() for name in allowed_hosts if name]


def _host_name(header: str) -> str:
    """The name of a Host header without its port.

    >>> _host_name("LOCALHOST:8000"), _host_name("[::1]:80"), _host_name("10.0.0.5")
    ('localhost', '[::1]', '10.0.0.5')
    """
    header = header.strip().lower()
    if header.startswith("["):
        return header[: header.find("]") + 1]
    return header.rpartition(":")[0] if ":" in header else header


def _media_type(content_type: str | None) -> str:
    """`application/json` of `Application/JSON; charset=utf-8`; `application/*+json` counts as JSON."""
    media = (content_type or "").partition(";")[0].strip().lower()
    return "application/json" if media.startswith("application/") and media.endswith("+json") else media


class RequestGuard:
    """ASGI middleware: the Host check on every request, and the content type and Origin checks on writes."""

    def __init__(self, app: ASGIApp, *, routes: Sequence[BaseRoute] = (), host: str = "127.0.0.1",
                 allowed_hosts: Sequence[str] = (), allowed_origins: Sequence[str] = ()) -> None:
        self.app = app
        self.routes = routes  # the app's: a request no route takes is the router's to refuse (404, 405)
        self.hosts = frozenset(allowed_host_names(host, allowed_hosts))
        self.origins = frozenset(origin.rstrip("/").lower() for origin in allowed_origins)

    def _refusal(self, scope: Scope) -> tuple[str, str, int] | None:
        """(message, field, status) when the request may not go on, else None."""
        headers = Headers(scope=scope)
        host = headers.get("host", "")
        if _host_name(host) not in self.hosts:
            return (f"this server does not answer to the host name {host!r} (add it with --allow-host)", "host", 421)
        path, method = scope["path"], scope["method"].upper()
        if method not in _WRITE_METHODS or not path.startswith("/v1/") or \
                not any(route.matches(scope)[0] == Match.FULL for route in self.routes):
            return None
        accepted = _WRITE_TYPES.get(path, _JSON)
        if _media_type(headers.get("content-type")) not in accepted:
            return (f"a write must be sent as {' or '.join(accepted)}", "content-type", 415)
        origin = headers.get("origin")
        if origin is not None:
            scheme = scope.get("scheme", "http")
            own = f"{scheme}://{host}".lower()
            if origin.rstrip("/").lower() not in (own, *self.origins):
                return (f"a write from the origin {origin!r} is refused (add it with --allow-origin)", "origin", 403)
        return None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            refused = self._refusal(scope)
            if refused is not None:
                message, field, status = refused
                await error_response(message, field, status)(scope, receive, send)
                return
        await self.app(scope, receive, send)


def mcp_transport_security(host: str, allowed_hosts: Sequence[str] = ()) -> TransportSecuritySettings:
    """DNS-rebinding protection for /mcp on every bind (the SDK turns it on for loopback binds only), over the same
    names as every other route (`allowed_host_names`).

    >>> "10.0.0.5:*" in mcp_transport_security("10.0.0.5").allowed_hosts
    True
    >>> "0.0.0.0:*" in mcp_transport_security("0.0.0.0").allowed_hosts
    False
    """
    names = allowed_host_names(host, allowed_hosts)
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
            # compared as bytes: a header that is not ASCII is a wrong token (401), not a TypeError (500)
            if scheme.lower() != "bearer" or not hmac.compare_digest(value.strip().encode(), self.token.encode()):
                response = error_response("this endpoint needs `Authorization: Bearer $ORGMAP_TOKEN`",
                                          "authorization", 401, headers={"WWW-Authenticate": "Bearer"})
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)
