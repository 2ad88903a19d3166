"""The API's documentation pages work with no network: /docs (Swagger UI) and /redoc load their scripts, styles and
icon from this server, never a CDN, and each of those is served."""

from __future__ import annotations

import re

import pytest

ASSET = re.compile(r"""(?:src|href)\s*=\s*["']([^"']+)["']|url:\s*["']([^"']+)["']""")


@pytest.mark.parametrize("page", ["/docs", "/redoc"])
def test_the_docs_page_uses_only_assets_of_this_origin(api, page: str) -> None:
    answer = api.get(page)
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/html")
    found = [a or b for a, b in ASSET.findall(answer.text)]
    assert any(u.endswith(".js") for u in found), found
    for url in found:
        assert url.startswith("/") and not url.startswith("//"), f"{page} fetches {url} from elsewhere"
        served = api.get(url)
        assert served.status_code == 200, url
        assert served.content, url
    assert "cdn." not in answer.text and "fonts.googleapis" not in answer.text
