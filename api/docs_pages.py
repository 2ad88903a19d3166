"""The API's documentation pages, /docs (Swagger UI) and /redoc (ReDoc), with their scripts, styles and icon served
from this server under /docs-assets/ (the files the fastapi-offline package ships): FastAPI's own pages fetch them
from a CDN, so offline, or behind a firewall, they were blank."""

from __future__ import annotations

from pathlib import Path

import fastapi_offline
from fastapi import FastAPI
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

__all__ = ["ASSETS", "install_docs"]

ASSETS = "/docs-assets"
_FILES = Path(fastapi_offline.__file__).with_name("static")


def install_docs(app: FastAPI) -> None:
    """Serve /docs and /redoc over the app's OpenAPI document, every asset from this origin. The app is made with
    `docs_url=None, redoc_url=None`, so FastAPI's CDN pages are not installed beside these."""
    openapi_url = app.openapi_url or "/openapi.json"

    @app.get("/docs", include_in_schema=False)
    def swagger() -> HTMLResponse:
        return get_swagger_ui_html(openapi_url=openapi_url, title=f"{app.title} API", oauth2_redirect_url=None,
                                   swagger_js_url=f"{ASSETS}/swagger-ui-bundle.js",
                                   swagger_css_url=f"{ASSETS}/swagger-ui.css",
                                   swagger_favicon_url=f"{ASSETS}/favicon.png")

    @app.get("/redoc", include_in_schema=False)
    def redoc() -> HTMLResponse:
        return get_redoc_html(openapi_url=openapi_url, title=f"{app.title} API",
                              redoc_js_url=f"{ASSETS}/redoc.standalone.js", redoc_favicon_url=f"{ASSETS}/favicon.png",
                              with_google_fonts=False)

    app.mount(ASSETS, StaticFiles(directory=_FILES), name="docs-assets")
