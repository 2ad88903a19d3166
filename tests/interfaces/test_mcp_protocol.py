"""The MCP protocol revisions orgmap speaks: a client of the newest revision (2026-07-28, stateless, found by
`server/discover`) and one of the previous (2025-11-25, the `initialize` handshake) both get the tools and prompts,
in memory and over streamable HTTP; and the lists are cacheable where the revision allows: no list ever changes while
the server runs (`listChanged` is false in both), and at 2026-07-28 `tools/list` and `prompts/list` carry a
`ttlMs`/`cacheScope` the client's cache honours."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from anyio.from_thread import start_blocking_portal
from mcp import Client, StdioServerParameters
from mcp_types.version import LATEST_HANDSHAKE_VERSION, LATEST_MODERN_VERSION

from api.app import create_app
from mcp_server.server import CACHE_TTL_MS, build_server
from orgmap.service import ServiceSlot
from tests.interfaces.conftest import McpDoor

ORGMAP = str(Path(sys.executable).with_name("orgmap"))
# The client's `mode`, and the revision it must end up speaking.
MODES = {"auto": LATEST_MODERN_VERSION, LATEST_MODERN_VERSION: LATEST_MODERN_VERSION,
         "legacy": LATEST_HANDSHAKE_VERSION}


@contextmanager
def pinned(target: Any, mode: str) -> Iterator[McpDoor]:
    """The SDK client connected to `target` with its protocol chosen by `mode` ('auto', 'legacy' or a revision)."""
    with start_blocking_portal() as portal, portal.wrap_async_context_manager(Client(target, mode=mode)) as client:
        yield McpDoor(portal, client)


@pytest.fixture(scope="module")
def http_url(doors: Any, demo_vault: Path) -> Iterator[str]:
    """`orgmap serve`'s app (API and /mcp over one service) under uvicorn on a free loopback port: its /mcp URL."""
    slot = ServiceSlot()
    app = create_app(doors.opener(demo_vault), slot=slot, mcp_server=build_server(slot))
    with doors.live_server(app) as base:
        yield f"{base}/mcp"


@pytest.fixture(params=["memory", "http"])
def target(request: pytest.FixtureRequest, demo_vault: Path, doors: Any) -> Iterator[Any]:
    """The server in memory (its slot filled here) or at its /mcp URL."""
    if request.param == "http":
        yield request.getfixturevalue("http_url")
        return
    slot = ServiceSlot(doors.opener(demo_vault)())
    try:
        yield build_server(slot)
    finally:
        slot.get().close()


@pytest.mark.parametrize("mode", list(MODES))
def test_clients_of_the_newest_and_the_previous_revision_are_served(target: Any, mode: str, mcp: McpDoor) -> None:
    with pinned(target, mode) as door:
        assert door.portal.call(_version, door.client) == MODES[mode]
        assert {t.name for t in door.tools()} == {t.name for t in mcp.tools()}
        assert door.call("who_owns", name="support-bot") == mcp.call("who_owns", name="support-bot")
        with pytest.raises(door.Failed, match="Support Reply Agent"):
            door.call("who_owns", name="Suport Reply Agnt")
        assert door.resource("note://support-bot").startswith("---\ntype: agent")
        prompts = door.portal.call(door.client.list_prompts).prompts
        assert {p.name for p in prompts} >= {"weekly_cost_review", "explain_agent_spend", "what_breaks_if_down"}
        rendered = door.portal.call(door.client.get_prompt, "explain_agent_spend", {"agent": "support-bot"})
        assert "support-bot" in getattr(rendered.messages[0].content, "text", "")


@pytest.mark.parametrize("mode", ["auto", "legacy"])
def test_no_list_ever_changes_so_none_is_announced_as_changing(target: Any, mode: str) -> None:
    """`listChanged` false for tools, prompts and resources, in both eras: a client may keep the lists."""
    with pinned(target, mode) as door:
        capabilities = door.portal.call(_capabilities, door.client)
        assert capabilities.tools and capabilities.tools.list_changed is False
        assert capabilities.prompts and capabilities.prompts.list_changed is False
        assert capabilities.resources and not capabilities.resources.list_changed


def test_the_newest_revision_gets_cacheable_lists(target: Any) -> None:
    with pinned(target, LATEST_MODERN_VERSION) as door:
        for method in ("list_tools", "list_prompts"):
            result = door.portal.call(_fresh, door.client, method)
            assert (result.ttl_ms, result.cache_scope) == (CACHE_TTL_MS, "public"), method
        assert CACHE_TTL_MS >= 60_000


@pytest.mark.parametrize("mode", ["auto", "legacy"])
def test_orgmap_mcp_over_stdio_serves_both_revisions(demo_vault: Path, mode: str, mcp: McpDoor) -> None:
    """`orgmap mcp` as a client launches it: the newest revision by discovery, the previous by handshake."""
    params = StdioServerParameters(command=ORGMAP, args=["mcp", "--vault", str(demo_vault)])
    with pinned(params, mode) as door:
        assert door.portal.call(_version, door.client) == MODES[mode]
        assert door.portal.call(_capabilities, door.client).tools.list_changed is False
        assert door.call("who_owns", name="support-bot") == mcp.call("who_owns", name="support-bot")
        tools = door.portal.call(_fresh, door.client, "list_tools")
        assert len(tools.tools) == len(mcp.tools())
        assert tools.ttl_ms == (CACHE_TTL_MS if MODES[mode] == LATEST_MODERN_VERSION else 0)


async def _fresh(client: Client, method: str) -> Any:
    """A list fetched from the server, past the client's cache."""
    return await getattr(client, method)(cache_mode="refresh")


async def _version(client: Client) -> str:
    return client.protocol_version


async def _capabilities(client: Client) -> Any:
    return client.server_capabilities
