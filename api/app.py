"""The FastAPI app: /v1 routes, the dashboard at /, the MCP streamable-HTTP endpoint at /mcp, one service opened in
the lifespan."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager

from fastapi import FastAPI
from mcp.server.mcpserver import MCPServer

from api.dashboard import install_dashboard
from api.docs_pages import install_docs
from api.errors import install_error_handlers
from api.limits import install_body_limit
from api.receivers import router as receivers
from api.routes import router
from api.routes_anomaly import router as anomaly_routes
from api.routes_costs import router as cost_routes
from api.routes_series import router as series_routes
from api.security import RequestGuard, TokenGate, mcp_transport_security
from orgmap.service import Service, ServiceSlot

__all__ = ["create_app"]


def create_app(open_service: Callable[[], Service], *, slot: ServiceSlot | None = None,
               mcp_server: MCPServer | None = None, token: str | None = None, host: str = "127.0.0.1",
               allowed_hosts: Sequence[str] = (), allowed_origins: Sequence[str] = ()) -> FastAPI:
    """The app over a service that `open_service` opens at startup and the lifespan closes at shutdown.

    With `mcp_server` (built over the same `slot`), its streamable-HTTP endpoint is served at /mcp over the same
    service. `token`, when set, is required as a bearer token on writes and on /mcp. `host` is what the server binds
    to: every route answers only Host headers naming loopback, that address or one of `allowed_hosts`, and a write
    from a browser page is taken only from this server's own origin or `allowed_origins` (api.security).
    """
    slot = slot or ServiceSlot()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        slot.service = app.state.service = open_service()
        try:
            if mcp_server is not None:
                async with mcp_server.session_manager.run():
                    yield
            else:
                yield
        finally:
            slot.service.close()
            slot.service = None

    app = FastAPI(title="orgmap", version="0.1.0", lifespan=lifespan, docs_url=None, redoc_url=None,
                  description="The company map of AI agents: owners, dependencies, spend, run-rate, changes, budgets.")
    install_error_handlers(app)
    app.include_router(router)
    app.include_router(anomaly_routes)
    app.include_router(cost_routes)
    app.include_router(series_routes)
    app.include_router(receivers)
    install_dashboard(app)
    install_docs(app)
    if mcp_server is not None:
        mcp_app = mcp_server.streamable_http_app(
            host=host, transport_security=mcp_transport_security(host, allowed_hosts))
        app.router.routes.extend(mcp_app.routes)
    install_body_limit(app)
    app.add_middleware(TokenGate, token=token)
    app.add_middleware(RequestGuard, routes=app.router.routes, host=host, allowed_hosts=allowed_hosts,
                       allowed_origins=allowed_origins)
    return app
