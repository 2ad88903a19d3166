"""The MCP server: tools named for the questions people ask, each answering with the service's typed model.

Answers are summary-first and paged (about 2,000 tokens at most by default; pass `cursor` for more), so a model's
context is not flooded. Tools call the same service methods as the HTTP API.

The tool list is what every conversation pays for before a question is asked, so it is kept lean (a test holds it
under 16 KB of compact JSON; it was 56 KB): descriptions of a sentence or two, every parameter described once
(`params`), no titles, and one shared output schema, `ANSWER`: every answer is an object that starts with a
`summary`. Measured on the 20 tools: the full output schemas cost 44 KB, cut to their top-level fields and types
7 KB, the shared one under 2 KB; a model reads the answer's JSON either way, and a client that wants an answer's
full schema reads the `schema://{tool}` resource. Answers carry their whole typed structure as `structuredContent`.
"""

from __future__ import annotations

import json
import sys
import threading
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from importlib.metadata import PackageNotFoundError, version
from typing import TYPE_CHECKING, Any

from mcp.server.caching import CacheableMethod, CacheHint
from mcp.server.mcpserver import Context, MCPServer
from mcp.server.mcpserver.exceptions import ResourceError
from mcp.types import CallToolResult, InputRequiredResult
from mcp.types import Tool as MCPTool
from pydantic import BaseModel

from mcp_server import prompts
from orgmap.errors import OrgmapError
from orgmap.service_slot import ServiceSlot

if TYPE_CHECKING:
    from orgmap.service import Service

__all__ = ["ANSWER", "CACHE_HINTS", "CACHE_TTL_MS", "INSTRUCTIONS", "build_server"]

INSTRUCTIONS = (
    "orgmap is the company map of AI agents: who owns each agent, what it depends on, what it costs (run-rate), "
    "which changes shipped, and budgets. Names are case-insensitive and may be aliases. Every answer starts with a "
    "`summary`; lists are paged: pass `next_cursor` back as `cursor` for more."
)
# The lists never change while the server runs: at 2026-07-28 a client may reuse them for an hour (the same for every
# caller, so "public"); `subscriptions=False` leaves `subscriptions/listen` unserved, so `listChanged` is false.
CACHE_TTL_MS = 3_600_000
CACHE_HINTS: dict[CacheableMethod, CacheHint] = {
    method: CacheHint(ttl_ms=CACHE_TTL_MS, scope="public")
    for method in ("tools/list", "prompts/list", "resources/list", "resources/templates/list")}


def _version() -> str:
    try:
        return version("orgmap")
    except PackageNotFoundError:  # run from a source tree that was never installed
        return "0"


# The output schema every tool lists: what all answers share.
ANSWER: dict[str, Any] = {"type": "object", "properties": {"summary": {"type": "string"}}, "required": ["summary"]}


def _lean_field(field: dict[str, Any]) -> dict[str, Any]:
    """A parameter's schema without its title (it repeats the name), with `X or null` as X and without a null
    default: a parameter left out takes its default, which the schema states when it is a value, and which the
    description says when it is "none" ("all when empty"). Null defaults cost the list 0.5 KB and told nothing
    that leaving the parameter out of `required` does not."""
    options = field.get("anyOf")
    if options and len(options) == 2 and {"type": "null"} in options:
        kept = next(o for o in options if o != {"type": "null"})
        field = {**{k: v for k, v in field.items() if k != "anyOf"}, **kept}
    return {k: v for k, v in field.items() if k != "title" and not (k == "default" and v is None)}


def _lean_input(schema: dict[str, Any]) -> dict[str, Any]:
    """An input schema as the tool list carries it (see `_lean_field`)."""
    properties = {name: _lean_field(field) for name, field in schema.get("properties", {}).items()}
    return {k: v for k, v in {**schema, "properties": properties}.items() if k != "title"}


class _LeanServer(MCPServer):
    """An MCPServer whose tool list carries lean input schemas and the shared output schema (see the module
    docstring), and whose tools are set up on first use when `lazy_tools` (see `build_server`)."""

    def __init__(self, *args: Any, register_tools: Callable[[MCPServer], dict[str, type[BaseModel]]],
                 lazy_tools: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._register_tools: Callable[[MCPServer], dict[str, type[BaseModel]]] | None = register_tools
        self._answer_types: dict[str, type[BaseModel]] = {}
        self._tools_lock = threading.Lock()
        if not lazy_tools:
            self.ensure_tools()

    def ensure_tools(self) -> None:
        """Register the tools once (a warm-up thread and a first request may race here)."""
        if self._register_tools is not None:
            with self._tools_lock:
                if self._register_tools is not None:
                    self._answer_types = self._register_tools(self)
                    self._register_tools = None

    async def list_tools(self) -> list[MCPTool]:
        self.ensure_tools()
        return [tool.model_copy(update={"input_schema": _lean_input(tool.input_schema), "output_schema": ANSWER})
                for tool in await super().list_tools()]

    async def call_tool(self, name: str, arguments: dict[str, Any],
                        context: Context[Any, Any] | None = None) -> CallToolResult | InputRequiredResult:
        self.ensure_tools()
        return await super().call_tool(name, arguments, context)

    async def full_output_schema(self, name: str) -> dict[str, Any]:
        """The whole output schema of tool `name`, as its answer type defines it."""
        self.ensure_tools()
        if name not in self._answer_types:
            raise ResourceError(f"no tool named {name!r}")
        return self._answer_types[name].model_json_schema(mode="serialization")


def build_server(slot: ServiceSlot, *, open_service: Callable[[], Service] | None = None,
                 once_answering: Callable[[Service], None] | None = None) -> MCPServer:
    """The MCP server over the service in `slot`; without `open_service`, the host (`orgmap serve`) fills the slot.

    With `open_service` (stdio: a client launches the server for each session), nothing the first answers do not
    need happens before them: `initialize` is answered before the tools are set up (their answer types) and before
    the service is opened (the graph, networkx); once it is answered, a warm-up thread sets up the tools, opens the
    service and runs `once_answering` (the watcher, the anomaly scan), and any request that comes sooner waits only
    for what it needs. The lifespan closes the service at the end of the session."""
    lazy = open_service is not None
    if lazy:
        slot.opener = open_service
    started = threading.Event()

    @asynccontextmanager
    async def lifespan(_: MCPServer) -> AsyncIterator[None]:
        try:
            yield
        finally:
            started.set()  # a session that ends before its first answer starts nothing
            if lazy:
                slot.close()

    def warm_up() -> None:
        try:
            server.ensure_tools()
            service = slot.get()
        except OrgmapError as exc:  # every question will say it too
            print(f"orgmap: {exc.message}", file=sys.stderr)
            return
        if once_answering is not None:
            once_answering(service)

    async def after_first_answer(ctx: Any, call_next: Any) -> Any:
        result = await call_next(ctx)
        if lazy and not started.is_set():
            started.set()
            threading.Thread(target=warm_up, name="orgmap-warm-up", daemon=True).start()
        return result

    def register_tools(target: MCPServer) -> dict[str, type[BaseModel]]:
        from mcp_server import tools

        return tools.register(target, slot.get)

    server = _LeanServer("orgmap", version=_version(), instructions=INSTRUCTIONS, lifespan=lifespan,
                         cache_hints=CACHE_HINTS, subscriptions=False, register_tools=register_tools,
                         lazy_tools=lazy)
    server.middleware.append(after_first_answer)
    svc = slot.get

    prompts.register(server)

    @server.resource("schema://{tool}", mime_type="application/json",
                     description="The full JSON schema of a tool's answer (the tool list gives only its summary)")
    async def answer_schema(tool: str) -> str:
        return json.dumps(await server.full_output_schema(tool), separators=(",", ":"))

    @server.resource("note://{name}", mime_type="text/markdown",
                     description="A vault note's Markdown, by note name, alias or path")
    def note(name: str) -> str:
        try:
            return svc().note_markdown(name)
        except OrgmapError as exc:
            raise ResourceError(exc.message) from exc

    return server
