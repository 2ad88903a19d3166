"""Both doors over one demo store: the HTTP API through its ASGI app with the lifespan run, the MCP server through the
SDK's own client (in memory here; over stdio and streamable HTTP in test_transports.py).

The store: tests of what the store answers or keeps run on both stores, as the ledger's and the service's do. Over the
demo company they are marked `on_both_stores` (the demo events are ingested once into a PostgreSQL database of the
test server too); tests that write into vaults of their own take `store_for`, which gives each vault its SQLite file
or a fresh PostgreSQL database. Pure graph questions stay on SQLite: the store plays no part in them."""

from __future__ import annotations

import json
import os
import shutil
import socket
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
import uvicorn
from anyio.from_thread import BlockingPortal, start_blocking_portal
from fastapi import FastAPI
from mcp import Client
from starlette.testclient import TestClient

from api.app import create_app
from mcp_server.server import build_server
from orgmap.config import STORE_NAME, state_dir
from orgmap.demo.data import generate
from orgmap.service import Service, ServiceSlot
from tests.conftest import STORES, create_database, drop_database

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
EXAMPLE = Path(__file__).resolve().parents[2] / "orgmap" / "demo" / "vault"


class ToolFailed(Exception):
    """An MCP tool answered with `is_error`: the text the model would read."""


class McpDoor:
    """A blocking face over an `mcp.Client` running in a portal's event loop, so plain tests can call tools."""

    Failed = ToolFailed

    def __init__(self, portal: BlockingPortal, client: Client) -> None:
        self.portal = portal
        self.client = client

    def call(self, tool: str, **arguments: Any) -> dict[str, Any]:
        """The tool's structured answer; its text must be the same JSON. ToolFailed carries an error's text."""
        result = self.portal.call(self.client.call_tool, tool, arguments)
        text = "".join(getattr(block, "text", "") for block in result.content)
        if result.is_error:
            raise ToolFailed(text)
        assert json.loads(text) == result.structured_content
        return result.structured_content

    def text(self, tool: str, **arguments: Any) -> str:
        """The text a model reads for a tool call."""
        result = self.portal.call(self.client.call_tool, tool, arguments)
        return "".join(getattr(block, "text", "") for block in result.content)

    def tools(self) -> list[Any]:
        return self.portal.call(self.client.list_tools).tools

    def resource(self, uri: str) -> str:
        return self.portal.call(self.client.read_resource, uri).contents[0].text


@contextmanager
def mcp_door(target: Any) -> Iterator[McpDoor]:
    """Connect the SDK client to `target` (an MCPServer, a URL, StdioServerParameters or a transport)."""
    with start_blocking_portal() as portal, portal.wrap_async_context_manager(Client(target)) as client:
        yield McpDoor(portal, client)


def opener(vault: Path, db: str | None = None) -> Callable[[], Service]:
    """Open the service on `vault` (its store `db`, else the vault's own) with the clock fixed at NOW."""
    return lambda: Service.open(vault, db=db, clock=lambda: NOW)


def copy_company(root: Path) -> Path:
    vault = root / "company"
    shutil.copytree(EXAMPLE, vault, ignore=shutil.ignore_patterns(".orgmap"))
    return vault


def ingest_demo(vault: Path, db: str) -> None:
    """Three weeks of demo events (small scale) into the store `db` of `vault`."""
    data = generate(seed=7, now=NOW, days=21, scale=0.1)
    with opener(vault, db)() as service:
        service.record_cost(data.cost_events)
        service.record_changes(data.change_events)


@pytest.fixture(scope="session")
def demo_vault(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the example company with the demo events ingested once into its own SQLite file."""
    vault = copy_company(tmp_path_factory.mktemp("demo"))
    ingest_demo(vault, str(state_dir(vault) / STORE_NAME))
    return vault


@pytest.fixture(scope="session")
def demo_postgres(demo_vault: Path, postgres_server: str) -> Iterator[str]:
    """The same demo events ingested once into a database of the test PostgreSQL server; its URL."""
    url = create_database(postgres_server)
    ingest_demo(demo_vault, url)
    yield url
    drop_database(postgres_server, url)


@pytest.fixture(scope="session")
def demo_store(request: pytest.FixtureRequest, demo_vault: Path) -> str:
    """Where the demo events are: the vault's SQLite file, or with `on_both_stores` also their PostgreSQL twin."""
    if getattr(request, "param", "sqlite") == "sqlite":
        return str(state_dir(demo_vault) / STORE_NAME)
    return request.getfixturevalue("demo_postgres")


on_both_stores = pytest.mark.parametrize("demo_store", STORES, indirect=True)


@pytest.fixture
def cli_on_demo_store(demo_store: str, monkeypatch: pytest.MonkeyPatch) -> str:
    """The CLI pointed at the demo store by $ORGMAP_DB, as a user would."""
    monkeypatch.setenv("ORGMAP_DB", demo_store)
    return demo_store


@contextmanager
def stores_by_vault(request: pytest.FixtureRequest) -> Iterator[Callable[[Path], str]]:
    """The store to open each vault on (`--db`), by `request.param`: on SQLite the vault's own file; on PostgreSQL a
    fresh database per vault, dropped afterwards."""
    if request.param == "sqlite":
        yield lambda vault: str(state_dir(vault) / STORE_NAME)
        return
    server = request.getfixturevalue("postgres_server")
    made: dict[Path, str] = {}

    def database_of(vault: Path) -> str:
        if vault not in made:
            made[vault] = create_database(server)
        return made[vault]

    try:
        yield database_of
    finally:
        for url in made.values():
            drop_database(server, url)


@pytest.fixture(params=STORES)
def store_for(request: pytest.FixtureRequest) -> Iterator[Callable[[Path], str]]:
    """For tests that write into vaults of their own: each vault's store, on each store in turn."""
    with stores_by_vault(request) as store:
        yield store


@pytest.fixture(scope="module", params=STORES)
def module_store_for(request: pytest.FixtureRequest) -> Iterator[Callable[[Path], str]]:
    """`store_for` for a module's own vault, kept for the module."""
    with stores_by_vault(request) as store:
        yield store


@pytest.fixture
def use_store(store_for: Callable[[Path], str], monkeypatch: pytest.MonkeyPatch) -> Callable[[Path], str]:
    """Name a vault's store (`store_for`) by $ORGMAP_DB, as a user would: the CLI, `orgmap serve` and a service
    opened without `db` find it. Returns it."""
    def use(vault: Path) -> str:
        monkeypatch.setenv("ORGMAP_DB", store_for(vault))
        return store_for(vault)

    return use


@pytest.fixture
def company(tmp_path: Path, use_store: Callable[[Path], str]) -> Path:
    """A fresh copy of the example company (no events yet) on each store in turn, named by $ORGMAP_DB."""
    vault = copy_company(tmp_path)
    use_store(vault)
    return vault


@pytest.fixture
def fresh_company(company: Path, store_for: Callable[[Path], str]) -> Callable[[], Service]:
    """The opener of `company`."""
    return opener(company, store_for(company))


@contextmanager
def api_client(open_service: Callable[[], Service], *, token: str | None = None,
               base_url: str = "http://127.0.0.1:8000", allowed_hosts: Sequence[str] = (),
               allowed_origins: Sequence[str] = ()) -> Iterator[TestClient]:
    """The FastAPI app (with /mcp mounted) under TestClient as a context manager, which runs the lifespan."""
    slot = ServiceSlot()
    app = create_app(open_service, slot=slot, mcp_server=build_server(slot), token=token,
                     allowed_hosts=allowed_hosts, allowed_origins=allowed_origins)
    with TestClient(app, base_url=base_url) as client:
        yield client


def free_port() -> int:
    """A port nobody listens on now, on 127.0.0.1."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def live_server(app: FastAPI, deadline_s: float = 20.0) -> Iterator[str]:
    """`app` under a real uvicorn server on a free 127.0.0.1 port, in a thread (lifespan run); its base URL."""
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + deadline_s
    try:
        while not server.started:
            assert thread.is_alive() and time.monotonic() < deadline, "the server did not start"
            time.sleep(0.02)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(10)


@contextmanager
def mcp_in_memory(open_service: Callable[[], Service]) -> Iterator[McpDoor]:
    """The MCP server with its slot filled by the caller (as `orgmap serve` does), through the in-memory client."""
    slot = ServiceSlot(open_service())
    try:
        with mcp_door(build_server(slot)) as door:
            yield door
    finally:
        slot.get().close()


@pytest.fixture(scope="module")
def api(demo_vault: Path, demo_store: str) -> Iterator[TestClient]:
    with api_client(opener(demo_vault, demo_store)) as client:
        yield client


@pytest.fixture(scope="module")
def mcp(demo_vault: Path, demo_store: str) -> Iterator[McpDoor]:
    with mcp_in_memory(opener(demo_vault, demo_store)) as door:
        yield door


@pytest.fixture(scope="session")
def now() -> datetime:
    return NOW


@pytest.fixture(scope="session")
def doors() -> SimpleNamespace:
    """The helpers tests use to open their own doors: `api_client`, `live_server`, `mcp_in_memory`, `mcp_door`,
    `opener`, `copy_company`."""
    return SimpleNamespace(api_client=api_client, live_server=live_server, mcp_in_memory=mcp_in_memory,
                           mcp_door=mcp_door, opener=opener, copy_company=copy_company)


# -- the browser: Debian's chromium through Playwright (never `playwright install`) --------------------------------
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def chromium_or_skip() -> str:
    """Debian's chromium; in CI (CI=true) its absence fails the run, elsewhere it skips the browser tests."""
    path = shutil.which("chromium") or "/usr/bin/chromium"
    missing = None
    if not Path(path).is_file():
        missing = "chromium is not installed (Debian: apt-get install -y chromium); the dashboard tests drive it"
    else:
        try:
            import playwright.sync_api  # noqa: F401
        except ImportError:
            missing = "playwright is not installed: pip install -e '.[test]'"
    if missing:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(missing)
        pytest.skip(missing)
    return path


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    executable = chromium_or_skip()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()
