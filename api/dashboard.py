"""The web dashboard at `/`: one HTML page, one script and one stylesheet from api/static/, reading the /v1 API.

No build step and nothing fetched from elsewhere: the page's Content-Security-Policy admits only this origin.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.responses import FileResponse
from fastapi.staticfiles import StaticFiles

__all__ = ["STATIC", "install_dashboard"]

STATIC = Path(__file__).resolve().with_name("static")
_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
                               "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "Cache-Control": "no-cache",
}


def install_dashboard(app: FastAPI) -> None:
    """Serve the dashboard page at `/` and its script and stylesheet under `/static/`."""

    @app.get("/", include_in_schema=False)
    def dashboard() -> FileResponse:
        return FileResponse(STATIC / "index.html", media_type="text/html; charset=utf-8", headers=_HEADERS)

    app.mount("/static", StaticFiles(directory=STATIC), name="static")
