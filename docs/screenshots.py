"""Regenerate the README's dashboard screenshots: the overview and an agent's page of the demo company, taken in
headless Debian chromium through Playwright, with the clock fixed so the same code gives the same pictures.

    .venv/bin/python docs/screenshots.py [--out docs/images]
"""

from __future__ import annotations

import argparse
import shutil
import socket
import tempfile
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

import uvicorn

from api.app import create_app
from orgmap.demo.build import build_demo
from orgmap.service import Service

NOW = datetime(2026, 12, 7, 12, tzinfo=UTC)
SHOTS = {  # file name -> the page, taken at 1280 x 900 (the first screen, as someone opening it sees it)
    "dashboard.png": "/?range=7d&by=agent",
    "agent.png": "/agent/Agents/Code%20Review%20Agent?range=30d&by=agent",
}
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"]


def _port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path(__file__).resolve().parent / "images")
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as tmp:
        vault = Path(tmp) / "orgmap-demo"
        build_demo(vault, seed=7, days=30, scale=1.0, now=NOW)
        port = _port()
        app = create_app(lambda: Service.open(vault, clock=lambda: NOW))
        server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        while not server.started:
            time.sleep(0.05)
        try:
            with sync_playwright() as pw:
                browser = pw.chromium.launch(executable_path=shutil.which("chromium") or "/usr/bin/chromium",
                                             args=ARGS)
                for name, path in SHOTS.items():
                    page = browser.new_page(viewport={"width": 1280, "height": 900})
                    page.goto(f"http://127.0.0.1:{port}{path}")
                    page.wait_for_selector("html[data-ready='true']", timeout=60_000)
                    page.mouse.move(900, 330)  # a tooltip on the chart, as a reader would hover it
                    page.wait_for_timeout(200)
                    page.screenshot(path=str(args.out / name))
                    print(args.out / name)
                    page.close()
                browser.close()
        finally:
            server.should_exit = True
            thread.join(10)


if __name__ == "__main__":
    main()
