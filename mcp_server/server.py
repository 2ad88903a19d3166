"""The MCP server: tools named for the questions people ask, each answering with the service's typed model.

Answers are summary-first and paged (about 2,000 tokens at most by default; pass `cursor` for more), so a model's
context is not flooded. Tools call the same service methods as the HTTP API.
"""

from __future__ import annotations

import functools
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any, TypeVar

from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.exceptions import ResourceError, ToolError
from mcp.types import CallToolResult, TextContent
from pydantic import BaseModel

from mcp_server import anomaly_tools
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
    Portfolio,
    RunRateAnswer,
    RunsAnswer,
    SpendSeries,
    UnattributedAnswer,
)
from orgmap.errors import OrgmapError
from orgmap.service import Service, ServiceSlot

__all__ = ["INSTRUCTIONS", "PAGE", "build_server"]

F = TypeVar("F", bound=Callable[..., Any])

INSTRUCTIONS = (
    "orgmap is the company map of AI agents: who owns each agent, what it depends on, what it costs (run-rate), "
    "which changes shipped, and budgets. Names are case-insensitive and may be aliases. Every answer starts with a "
    "`summary`; lists are paged: pass `next_cursor` back as `cursor` for more."
)


# Items per page of each paged tool: small enough that a default answer stays near 2,000 tokens.
PAGE = {"what_depends_on": 15, "dependencies_of": 15, "find_nodes": 25, "owner_portfolio": 15, "top_spenders": 10,
        "unattributed_spend": 15, "recent_changes": 10, "expensive_runs": 10, "vault_problems": 25, "budget_status": 8,
        "recent_alerts": 10}


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


def build_server(slot: ServiceSlot, *, open_service: Callable[[], Service] | None = None) -> MCPServer:
    """The MCP server over the service in `slot`. With `open_service`, the server's own lifespan opens and closes
    it (stdio); without, the host (`orgmap serve`) fills the slot."""

    @asynccontextmanager
    async def lifespan(_: MCPServer) -> AsyncIterator[None]:
        if open_service is None:
            yield
            return
        slot.service = open_service()
        try:
            yield
        finally:
            slot.service.close()
            slot.service = None

    server = MCPServer("orgmap", instructions=INSTRUCTIONS, lifespan=lifespan)
    svc = slot.get

    def tool(fn: F) -> F:
        server.add_tool(_domain_errors(fn), name=fn.__name__, description=fn.__doc__)
        return fn

    @tool
    def who_owns(name: str) -> Owners:
        """Who owns an agent, tool, integration or system. Ownership is explicit (`owner`) or inherited through
        `part_of`; a person owner comes with their teams. `name` may be a note name, alias or path."""
        return svc().owners_of(name)

    @tool
    def what_depends_on(name: str, depth: int = 2, window: str = "7d", cursor: str | None = None) -> BlastRadius:
        """The blast radius of a node: which agents and systems depend on it (to `depth` hops), with the spend per
        day (over `window`) at stake. Use before changing or retiring a tool, integration or model."""
        return svc().dependents_of(name, depth, PAGE["what_depends_on"], cursor, window)

    @tool
    def dependencies_of(name: str, depth: int = 1, window: str = "7d", cursor: str | None = None) -> BlastRadius:
        """What a node depends on (depends_on, uses, integrates_with, model), to `depth` hops, with each one's
        spend per day over `window`."""
        return svc().dependencies_of(name, depth, PAGE["dependencies_of"], cursor, window)

    @tool
    def describe_node(name: str) -> NodeDetail:
        """Everything about one node: kind, properties, owners, dependencies, dependents, links, and its spend over
        the last 7 days."""
        return svc().node(name)

    @tool
    def find_nodes(query: str = "", kind: str | None = None, cursor: str | None = None) -> NodePage:
        """Find nodes by name, alias or id (case-insensitive substring). `kind`: agent, tool, integration, model,
        person, team, system. An empty query lists all nodes of the kind."""
        return svc().find(query, kind, PAGE["find_nodes"], cursor)

    @tool
    def owner_portfolio(owner: str, window: str = "7d", cursor: str | None = None) -> Portfolio:
        """Everything a person or team owns (directly, through part_of, through a person's teams), with spend per
        day over `window` (e.g. 24h, 7d, 30d)."""
        return svc().portfolio_of(owner, window, PAGE["owner_portfolio"], cursor)

    @tool
    def agent_cost(agent: str, window: str = "7d", bucket: str = "day") -> SpendSeries:
        """What an agent costs: its spend per `bucket` (hour or day) over `window`, with the total and the peak."""
        return svc().spend(agent, window, bucket)

    @tool
    def top_spenders(window: str = "7d", by: str = "agent", cursor: str | None = None) -> RunRateAnswer:
        """Ranked run-rate: cost/day, runs/day, cost per 1,000 runs, tokens per run, projected month and change
        against the preceding window. `by`: agent, owner, team, model, provider, client, project or kind."""
        return svc().run_rate(window, by, PAGE["top_spenders"], cursor)

    @tool
    def budget_status(cursor: str | None = None) -> BudgetsAnswer:
        """Every budget (per agent, owner, project) against its daily, monthly, hourly and per-run limits, most
        used first, with the latest budget alerts."""
        return svc().budgets(PAGE["budget_status"], cursor)

    @tool
    def check_allowance(agent: str, run_id: str | None = None, project: str | None = None) -> AllowanceAnswer:
        """Is this agent (and this run, for this project) within budget right now? `allowed` false means it should
        pause; `reason` says which budget, `remaining` how much headroom is left."""
        return svc().allowance(agent, run_id, project)

    @tool
    def unattributed_spend(window: str = "7d", cursor: str | None = None) -> UnattributedAnswer:
        """Spend under agent names that match no note, and models with no known price. Fix by adding the name to
        an agent note's `aliases` or `cost_keys`."""
        return svc().unattributed(window, PAGE["unattributed_spend"], cursor)

    @tool
    def recent_changes(target: str | None = None, since: str = "30d", kind: str | None = None,
                       cursor: str | None = None) -> ChangesAnswer:
        """Change events newest first (deploys, prompt, model, config, schedule changes, vault edits), for one
        node or all, over `since`."""
        return svc().changes(target, since, kind, PAGE["recent_changes"], cursor)

    @tool
    def expensive_runs(agent: str | None = None, since: str = "24h", flagged: bool | None = None,
                       cursor: str | None = None) -> RunsAnswer:
        """The most expensive runs (calls sharing a run_id) over `since`, one agent's or all; `flagged` true for
        runaway runs (cost far above the agent's median, too many retries or calls)."""
        return svc().runs(agent, since, PAGE["expensive_runs"], flagged, cursor)

    @tool
    def recent_alerts(since: str = "7d", kind: str | None = None, cursor: str | None = None) -> AlertsAnswer:
        """Alerts that happened over `since`, newest first: budget thresholds crossed, runaway runs, anomalies;
        `ts` is when it happened, `recorded_at` when orgmap fired it. `kind`: budget, run or anomaly."""
        return svc().alerts(since, kind, PAGE["recent_alerts"], cursor)

    @tool
    def vault_problems(severity: str | None = None, cursor: str | None = None) -> Diagnostics:
        """What is wrong in the vault, with file and line: bad YAML, unreadable files, dangling links, ambiguous
        names, unowned agents. `severity`: error or warning."""
        return svc().check(PAGE["vault_problems"], cursor, severity)

    @tool
    def record_cost_events(events: list[dict[str, Any]]) -> IngestAnswer:
        """Record cost events: each needs `ts` (ISO 8601 with zone) and `agent`; optional id, model, provider,
        input_tokens (cache included), output_tokens, cache_read_tokens, cache_write_tokens, reasoning_tokens,
        cost_usd, kind (llm, tool, embedding, retrieval, other), run_id, client, project. Idempotent by id."""
        return svc().record_cost(events, source="mcp")

    @tool
    def record_change(target: str, kind: str, summary: str, ts: str | None = None, ref: str | None = None,
                      author: str | None = None, planned: bool = False, id: str | None = None,
                      force: bool = False) -> IngestAnswer:
        """Record a change to a node: kind deploy, prompt, model, config, schedule, dependency or release; `ts`
        defaults to now; `planned` marks an expected change; `id` makes retries idempotent. A target that names no
        node is refused with the closest names; `force` records it anyway (a node whose note is not written yet)."""
        return svc().record_change(target, kind, summary, ts=ts, ref=ref, author=author, planned=planned, id=id,
                                   force=force, source="mcp")

    anomaly_tools.register(tool, svc)

    @server.resource("note://{name}", mime_type="text/markdown",
                     description="A vault note's Markdown, by note name, alias or path")
    def note(name: str) -> str:
        try:
            return svc().note_markdown(name)
        except OrgmapError as exc:
            raise ResourceError(exc.message) from exc

    return server
