"""The MCP tools: one per question people ask, each answering with the service's typed model (summary first,
paged). Imported only when a client first lists or calls tools (`server._LeanServer.ensure_tools`), because the
answer types and their schemas are most of what the tools cost to set up."""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from typing import TYPE_CHECKING, Annotated, Any, TypeVar, get_type_hints

from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.exceptions import ToolError
from mcp.types import CallToolResult, TextContent, ToolAnnotations
from pydantic import BaseModel, Field

from mcp_server import anomaly_tools, cost_tools
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
    OfClient,
    OfModel,
    OfProject,
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

if TYPE_CHECKING:
    from orgmap.service import Service

__all__ = ["PAGE", "READ", "register"]

F = TypeVar("F", bound=Callable[..., Any])

READ = ToolAnnotations(read_only_hint=True, open_world_hint=False)

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


def register(server: MCPServer, svc: Callable[[], Service]) -> dict[str, type[BaseModel]]:
    """Add every tool to `server`; `svc` gives the service when a tool is called. Returns each tool's answer type.

    Tools are added unstructured for the SDK: each returns its own `CallToolResult` with the structured content
    (`_answer`), the list shows the shared `ANSWER` schema, and an answer's full schema is built only when the
    `schema://{tool}` resource asks (building all of them cost a third of setting the tools up)."""
    answer_types: dict[str, type[BaseModel]] = {}

    def tool(title: str, annotations: ToolAnnotations = READ) -> Callable[[F], F]:
        """Register a tool under its function's name, with a title, hints and its docstring as description."""

        def add(fn: F) -> F:
            server.add_tool(_domain_errors(fn), name=fn.__name__, title=title,
                            description=inspect.cleandoc(fn.__doc__ or ""),
                            annotations=annotations, structured_output=False)
            answer_types[fn.__name__] = get_type_hints(fn)["return"]
            return fn

        return add

    @tool("Who owns it")
    def who_owns(name: NodeName) -> Owners:
        """Who owns a node (agent, tool, system...): explicit, else inherited through part_of; a person owner
        comes with their teams."""
        return svc().owners_of(name)

    @tool("What depends on it")
    def what_depends_on(name: NodeName, depth: Depth = 2, window: Window = "7d", cursor: Cursor = None) -> BlastRadius:
        """The blast radius of a node, with the spend per day at stake: ask before changing or retiring a
        tool, integration or model."""
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
        """All a person or team owns (directly, through part_of, through a person's teams), with spend per day."""
        return svc().portfolio_of(owner, window, PAGE["owner_portfolio"], cursor)

    @tool("An agent's spend over time")
    def agent_cost(agent: AgentName, window: Window = "7d", bucket: Bucket = "day") -> SpendSeries:
        """An agent's spend per hour or day, with the total and the peak."""
        return svc().spend(agent, window, bucket)

    @tool("Top spenders")
    def top_spenders(window: Window = "7d", by: By = "agent", model: OfModel = None, client: OfClient = None,
                     project: OfProject = None, cursor: Cursor = None) -> RunRateAnswer:
        """Who spends most: cost/day, runs/day, $ per 1k runs, tokens/run, projected month, change; by agent or
        another grouping; model, client, project narrow it."""
        return svc().run_rate(window, by, PAGE["top_spenders"], cursor, model=model, client=client, project=project)

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
        """Spend under agent names no note carries, and unpriced models; fix by adding the name to an agent's
        aliases or cost_keys."""
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
        """Alerts newest first (budget thresholds, runaway runs, anomalies); `ts`: when it happened;
        `recorded_at`: when fired."""
        return svc().alerts(window, kind, PAGE["recent_alerts"], cursor)

    @tool("Vault problems")
    def vault_problems(severity: Severity = None, cursor: Cursor = None) -> Diagnostics:
        """Vault problems with file and line: bad YAML, dangling or ambiguous links, unowned agents, settings
        orgmap cannot apply."""
        return svc().check(PAGE["vault_problems"], cursor, severity)

    @tool("Record cost events", ToolAnnotations(read_only_hint=False, destructive_hint=False, idempotent_hint=True,
                                                open_world_hint=False))
    def record_cost_events(events: Annotated[list[dict[str, Any]], Field(
            description="cost events: ts (ISO 8601 with zone) and agent required; id, model, provider, input_tokens, "
                        "output_tokens, cache_read_tokens, cache_write_tokens, cost_usd, kind, run_id, client, "
                        "project optional; kind outcome: agent, outcome, run_id, value_usd")]) -> IngestAnswer:
        """Record cost events (or outcomes); idempotent by id; bad events are rejected by field, the rest kept."""
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
    cost_tools.register(tool, svc)
    return answer_types
