"""No web page the operator visits can write to a local orgmap: a page served from another origin tries every write a
browser can make without a CORS preflight (a body with no content type, text/plain, a form), in a real Chromium,
against the real server on 127.0.0.1; nothing is stored. The dashboard's own origin still writes."""

from __future__ import annotations

import http.server
import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx

from api.app import create_app

EVENT = {"id": "forged-1", "ts": "2026-03-02T10:00:00Z", "agent": "support-bot", "cost_usd": 500}
CHANGE = {"id": "forged-2", "ts": "2026-03-02T10:00:00Z", "target": "support-bot", "kind": "deploy",
          "summary": "a fake deploy"}

# Every write a page may send to another origin without a preflight, each awaited (no-cors: opaque answers).
ATTACK = """<!doctype html><title>cat pictures</title><body><script>
const target = %(target)s, event = %(event)s, change = %(change)s;
const send = (path, body, type) => fetch(target + path, {method: "POST", mode: "no-cors", body,
  headers: type ? {"Content-Type": type} : {}}).catch(() => null);
Promise.all([
  send("/v1/events/cost", new Blob([JSON.stringify(event)])),
  send("/v1/events/cost", JSON.stringify(event), "text/plain"),
  send("/v1/events/change", new Blob([JSON.stringify(change)])),
  send("/v1/traces", new Blob([JSON.stringify({resourceSpans: []})])),
  send("/v1/litellm", new Blob([JSON.stringify({id: "x", model: "gpt-4o", response_cost: 9})])),
]).then(() => {
  const form = document.createElement("form");
  form.method = "POST"; form.action = target + "/v1/events/cost"; form.enctype = "text/plain";
  const field = document.createElement("input");
  field.name = JSON.stringify(event).slice(0, -1) + ', "pad": "'; field.value = '"}';
  form.appendChild(field); document.body.appendChild(form);
  form.submit();
});
</script></body>"""


class _Page(http.server.BaseHTTPRequestHandler):
    html = b""

    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("content-type", "text/html")
        self.end_headers()
        self.wfile.write(self.html)

    def log_message(self, *args: object) -> None:
        pass


@contextmanager
def _other_site(html: str) -> Iterator[str]:
    """`html` served from another origin (another port of 127.0.0.1: a different origin to the browser)."""
    handler = type("Attack", (_Page,), {"html": html.encode()})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()


def _stored(base: str) -> tuple[float, list[dict[str, Any]]]:
    spend = httpx.get(f"{base}/v1/run-rate", params={"window": "3650d"}).json()["total_cost_per_day"]
    changes = httpx.get(f"{base}/v1/changes", params={"since": "3650d"}).json()["items"]
    return spend, changes


def test_a_page_of_another_site_cannot_write(doors, browser, tmp_path: Path) -> None:
    vault = doors.copy_company(tmp_path)
    with doors.live_server(create_app(doors.opener(vault))) as base:
        html = ATTACK % {"target": json.dumps(base), "event": json.dumps(EVENT), "change": json.dumps(CHANGE)}
        page = browser.new_page()
        seen: list[tuple[str, int]] = []
        page.on("response", lambda r: seen.append((r.url, r.status)) if r.url.startswith(base) else None)
        with _other_site(html) as attack_url:
            page.goto(attack_url)
            page.wait_for_url(f"{base}/v1/events/cost")  # the form, submitted once every fetch was answered
        assert _stored(base) == (0.0, [])
        # the requests did reach the server, and were refused there
        assert {status for _, status in seen} <= {403, 415} and len(seen) >= 1, seen
        # the dashboard's own origin may write: the same fetch from its page is stored
        page.goto(base + "/")
        status = page.evaluate("""async (event) => (await fetch('/v1/events/cost', {method: 'POST',
            headers: {'Content-Type': 'application/json'}, body: JSON.stringify(event)})).status""", EVENT)
        page.close()
        assert status == 200
        assert _stored(base)[0] > 0
