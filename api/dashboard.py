"""The web dashboard at `/`: one HTML page, one script and one stylesheet from api/static/, reading the /v1 API.

No build step and nothing fetched from elsewhere: the page's Content-Security-Policy admits only this origin.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.responses import FileResponse
from fastapi.staticfiles import StaticFiles

__all__ = ["LISTS", "PAGES", "STATIC", "install_dashboard"]

STATIC = Path(__file__).resolve().with_name("static")
_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
                               "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "Cache-Control": "no-cache",
}


# The dashboard's views, each with its own URL; the page's script renders the one its path names.
LISTS = ("alerts", "runs", "changes", "unattributed", "problems")
PAGES = ("agent", "owner", "project", "client", "model")


def install_dashboard(app: FastAPI) -> None:
    """Serve the dashboard page at `/` and at each view's URL (`/alerts`, `/agent/<id>`...), and its scripts,
    stylesheets and the vendored chart library under `/static/`."""

    def dashboard() -> FileResponse:
        return FileResponse(STATIC / "index.html", media_type="text/html; charset=utf-8", headers=_HEADERS)

    app.get("/", include_in_schema=False)(dashboard)
    for view in LISTS:
        app.get(f"/{view}", include_in_schema=False)(dashboard)
    for view in PAGES:
        app.get(f"/{view}/{{name:path}}", include_in_schema=False)(dashboard)

    app.mount("/static", StaticFiles(directory=STATIC), name="static")
