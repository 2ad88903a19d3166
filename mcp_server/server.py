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

import functools
import inspect
import json
import threading
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from importlib.metadata import PackageNotFoundError, version
from typing import Annotated, Any, TypeVar

from mcp.server.caching import CacheableMethod, CacheHint
from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.exceptions import ResourceError, ToolError
from mcp.types import CallToolResult, TextContent, ToolAnnotations
from mcp.types import Tool as MCPTool
from pydantic import BaseModel, Field

from mcp_server import anomaly_tools, prompts
from mcp_server.params import (
    AgentName,
    AlertKind,
    Bucket,
    By,
    ChangeKind,
    Cursor,
    Depth,
    KeysetCursor,
    NodeKind,
    NodeName,
    OwnerName,
    Severity,
    Window,
)
from orgmap.answer_types import (
    AlertsAnswer,
    AllowanceAnswer,
    BlastRadius,
    BudgetsAnswer,
    ChangesAnswer,
    Diagnostics,
    IngestAnswer,
    NodeDetail,
    NodePage,
    Owners,
    PausesAnswer,
    Portfolio,
    RunRateAnswer,
    RunsAnswer,
    SpendSeries,
    UnattributedAnswer,
)
from orgmap.errors import OrgmapError
from orgmap.service import Service, ServiceSlot

__all__ = ["ANSWER", "CACHE_HINTS", "CACHE_TTL_MS", "INSTRUCTIONS", "PAGE", "build_server"]

F = TypeVar("F", bound=Callable[..., Any])

INSTRUCTIONS = (
    "orgmap is the company map of AI agents: who owns each agent, what it depends on, what it costs (run-rate), "
    "which changes shipped, and budgets. Names are case-insensitive and may be aliases. Every answer starts with a "
    "`summary`; lists are paged: pass `next_cursor` back as `cursor` for more."
)
READ = ToolAnnotations(read_only_hint=True, open_world_hint=False)
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
    """A parameter's schema without its title (it repeats the name) and with `X or null` as X: a parameter left out
    takes its default, which the schema states."""
    options = field.get("anyOf")
    if options and len(options) == 2 and {"type": "null"} in options:
        kept = next(o for o in options if o != {"type": "null"})
        field = {**{k: v for k, v in field.items() if k != "anyOf"}, **kept}
    return {k: v for k, v in field.items() if k != "title"}


def _lean_input(schema: dict[str, Any]) -> dict[str, Any]:
    """An input schema as the tool list carries it (see `_lean_field`)."""
    properties = {name: _lean_field(field) for name, field in schema.get("properties", {}).items()}
    return {k: v for k, v in {**schema, "properties": properties}.items() if k != "title"}


class _LeanServer(MCPServer):
    """An MCPServer whose tool list carries lean input schemas and the shared output schema (see the module
    docstring)."""

    async def list_tools(self) -> list[MCPTool]:
        return [tool.model_copy(update={"input_schema": _lean_input(tool.input_schema), "output_schema": ANSWER})
                for tool in await super().list_tools()]

    async def full_output_schema(self, name: str) -> dict[str, Any]:
        """The whole output schema of tool `name`, as its answer type defines it."""
        for tool in await super().list_tools():
            if tool.name == name and tool.output_schema is not None:
                return tool.output_schema
        raise ResourceError(f"no tool named {name!r}")



# Items per page of each paged tool: small enough that a default answer stays near 2,000 tokens.
PAGE = {"what_depends_on": 15, "dependencies_of": 15, "find_nodes": 25, "owner_portfolio": 15, "top_spenders": 10,
        "unattributed_spend": 15, "recent_changes": 10, "expensive_runs": 10, "vault_problems": 25, "budget_status": 8,
        "recent_alerts": 10, "paused_agents": 15}


def _answer(answer: BaseModel) -> CallToolResult:
    """The typed answer as structured content, and as compact JSON text (the SDK's default text is indented,
    which costs a model's context about a third more tokens for the same answer)."""
    data = answer.model_dump(mode="json")
    return CallToolResult(content=[TextContent(type="text", text=answer.model_dump_json())], structured_content=data)


def _domain_errors(fn: F) -> F:
    """Domain errors become tool errors whose text a model can act on (with close matches for unknown names)."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return _answer(fn(*args, **kwargs))
        except OrgmapError as exc:
            raise ToolError(exc.message) from exc
        except ValueError as exc:  # a bad argument the service did not name; still say what it was
            raise ToolError(str(exc)) from exc

    return wrapper  # type: ignore[return-value]


def build_server(slot: ServiceSlot, *, open_service: Callable[[], Service] | None = None,
                 once_answering: Callable[[Service], None] | None = None) -> MCPServer:
    """The MCP server over the service in `slot`. With `open_service`, the server's own lifespan opens and closes
    it (stdio); without, the host (`orgmap serve`) fills the slot. `once_answering` runs on a thread once the first
    request (`initialize`) is answered: what a session needs later (the watcher, the anomaly scan) does not delay
    its first answers."""
    started = threading.Event()

    @asynccontextmanager
    async def lifespan(_: MCPServer) -> AsyncIterator[None]:
        if open_service is None:
            yield
            return
        slot.service = open_service()
        try:
            yield
        finally:
            started.set()  # a session that ends before its first answer starts nothing
            slot.service.close()
            slot.service = None

    async def after_first_answer(ctx: Any, call_next: Any) -> Any:
        result = await call_next(ctx)
        if once_answering is not None and not started.is_set() and slot.service is not None:
            started.set()
            threading.Thread(target=once_answering, args=(slot.service,), name="orgmap-after-start",
                             daemon=True).start()
        return result

    server = _LeanServer("orgmap", version=_version(), instructions=INSTRUCTIONS, lifespan=lifespan,
                          cache_hints=CACHE_HINTS, subscriptions=False)
    server.middleware.append(after_first_answer)
    svc = slot.get

    def tool(title: str, annotations: ToolAnnotations = READ) -> Callable[[F], F]:
        """Register a tool under its function's name, with a title, hints and its docstring as description."""

        def add(fn: F) -> F:
            server.add_tool(_domain_errors(fn), name=fn.__name__, title=title,
                            description=inspect.cleandoc(fn.__doc__ or ""),
                            annotations=annotations)
            return fn

        return add

    @tool("Who owns it")
    def who_owns(name: NodeName) -> Owners:
        """Who owns an agent, tool, integration or system: explicit, else inherited through part_of; a person
        owner comes with their teams."""
        return svc().owners_of(name)

    @tool("What depends on it")
    def what_depends_on(name: NodeName, depth: Depth = 2, window: Window = "7d", cursor: Cursor = None) -> BlastRadius:
        """The blast radius of a node, with the spend per day at stake. Use before changing or retiring a tool,
        integration or model."""
        return svc().dependents_of(name, depth, PAGE["what_depends_on"], cursor, window)

    @tool("What it depends on")
    def dependencies_of(name: NodeName, depth: Depth = 1, window: Window = "7d",
                        cursor: Cursor = None) -> BlastRadius:
        """What a node depends on (depends_on, uses, integrates_with, model), with each one's spend per day."""
        return svc().dependencies_of(name, depth, PAGE["dependencies_of"], cursor, window)

    @tool("Describe a node")
    def describe_node(name: NodeName) -> NodeDetail:
        """Everything about one node: kind, properties, owners, dependencies, dependents, links, spend (7 days)."""
        return svc().node(name)

    @tool("Find nodes")
    def find_nodes(query: Annotated[str, Field(description="text the name, alias or path contains; empty: all")] = "",
                   kind: NodeKind = None, cursor: Cursor = None) -> NodePage:
        """Find nodes by name, alias or path (any case), optionally of one kind."""
        return svc().find(query, kind, PAGE["find_nodes"], cursor)

    @tool("What an owner owns")
    def owner_portfolio(owner: OwnerName, window: Window = "7d", cursor: Cursor = None) -> Portfolio:
        """Everything a person or team owns (directly, through part_of, through a person's teams), with spend per
        day."""
        return svc().portfolio_of(owner, window, PAGE["owner_portfolio"], cursor)

    @tool("An agent's spend over time")
    def agent_cost(agent: AgentName, window: Window = "7d", bucket: Bucket = "day") -> SpendSeries:
        """An agent's spend per hour or day, with the total and the peak."""
        return svc().spend(agent, window, bucket)

    @tool("Top spenders")
    def top_spenders(window: Window = "7d", by: By = "agent", cursor: Cursor = None) -> RunRateAnswer:
        """Who spends the most: ranked cost/day, runs/day, cost per 1,000 runs, tokens per run, projected month and
        change against a baseline, by agent or another grouping."""
        return svc().run_rate(window, by, PAGE["top_spenders"], cursor)

    @tool("Budget status")
    def budget_status(cursor: Cursor = None) -> BudgetsAnswer:
        """Every budget against its limits, most used first, with the latest budget alerts."""
        return svc().budgets(PAGE["budget_status"], cursor)

    @tool("May this agent spend")
    def check_allowance(agent: AgentName,
                        run_id: Annotated[str | None, Field(description="also check this run's per-run budget")] = None,
                        project: Annotated[str | None, Field(description="also check this project's budget")] = None,
                        client: Annotated[str | None, Field(description="also check this client's budget")] = None,
                        ) -> AllowanceAnswer:
        """Is this agent within budget right now? `allowed` false means pause; `reason` names the budget and stage."""
        return svc().allowance(agent, run_id, project, client)

    @tool("Paused agents")
    def paused_agents(agent: Annotated[str | None, Field(description="one agent's state; all when empty")] = None,
                      cursor: Cursor = None) -> PausesAnswer:
        """Agents a budget's pause stage holds now: which budget and stage, and when it lifts."""
        return svc().pauses(agent, PAGE["paused_agents"], cursor)

    @tool("Unattributed spend")
    def unattributed_spend(window: Window = "7d", cursor: Cursor = None) -> UnattributedAnswer:
        """Spend under agent names no note carries, and models with no known price; fix by adding the name to an
        agent's aliases or cost_keys."""
        return svc().unattributed(window, PAGE["unattributed_spend"], cursor)

    @tool("Recent changes")
    def recent_changes(target: Annotated[str | None, Field(description="one node's changes; all when empty")] = None,
                       window: Window = "30d",
                       kind: Annotated[str | None, Field(description="only changes of this kind (deploy, prompt, "
                                                                     "model, config...); all when empty")] = None,
                       cursor: KeysetCursor = None) -> ChangesAnswer:
        """Change events newest first (deploys, prompt, model, config changes, vault edits)."""
        return svc().changes(target, window, kind, PAGE["recent_changes"], cursor)

    @tool("Most expensive runs")
    def expensive_runs(agent: Annotated[str | None, Field(description="one agent's runs; all when empty")] = None,
                       window: Window = "24h",
                       flagged: Annotated[bool | None, Field(description="true: runaway runs only")] = None,
                       cursor: Cursor = None) -> RunsAnswer:
        """The most expensive runs (calls sharing a run_id), or the runaway ones."""
        return svc().runs(agent, window, PAGE["expensive_runs"], flagged, cursor)

    @tool("Recent alerts")
    def recent_alerts(window: Window = "7d", kind: AlertKind = None, cursor: Cursor = None) -> AlertsAnswer:
        """Alerts newest first (budget thresholds, runaway runs, anomalies); `ts` is when it happened,
        `recorded_at` when orgmap fired it."""
        return svc().alerts(window, kind, PAGE["recent_alerts"], cursor)

    @tool("Vault problems")
    def vault_problems(severity: Severity = None, cursor: Cursor = None) -> Diagnostics:
        """What is wrong in the vault, with file and line: bad YAML, dangling or ambiguous links, unowned agents,
        settings orgmap cannot apply."""
        return svc().check(PAGE["vault_problems"], cursor, severity)

    @tool("Record cost events", ToolAnnotations(read_only_hint=False, destructive_hint=False, idempotent_hint=True,
                                                open_world_hint=False))
    def record_cost_events(events: Annotated[list[dict[str, Any]], Field(
            description="cost events: ts (ISO 8601 with zone) and agent required; id, model, provider, input_tokens, "
                        "output_tokens, cache_read_tokens, cache_write_tokens, cost_usd, kind, run_id, client, "
                        "project optional")]) -> IngestAnswer:
        """Record cost events; idempotent by id; bad events are rejected by field and the good ones kept."""
        return svc().record_cost(events, source="mcp")

    @tool("Record a change", ToolAnnotations(read_only_hint=False, destructive_hint=False, idempotent_hint=True,
                                             open_world_hint=False))
    def record_change(target: NodeName, kind: ChangeKind,
                      summary: Annotated[str, Field(description="one line a person understands")],
                      ts: Annotated[str | None, Field(description="when, ISO 8601 with zone; now when empty")] = None,
                      ref: Annotated[str | None, Field(description="the commit, PR or release")] = None,
                      author: Annotated[str | None, Field(description="who made it")] = None,
                      planned: Annotated[bool, Field(description="an expected change: its anomalies do not alert")]
                      = False,
                      id: Annotated[str | None, Field(description="an idempotency key: the same id is stored once")]
                      = None,
                      force: Annotated[bool, Field(description="record it for a target no note names yet")] = False,
                      ) -> IngestAnswer:
        """Record a deploy, prompt, model or config change to a node; an unknown target is refused with the closest
        names unless forced."""
        return svc().record_change(target, kind, summary, ts=ts, ref=ref, author=author, planned=planned, id=id,
                                   force=force, source="mcp")

    anomaly_tools.register(tool, svc)
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
