"""The /v1 routes: each one calls one service question and returns its typed answer as it is."""

from __future__ import annotations

import codecs
import json
from typing import Any

import msgspec
from fastapi import APIRouter, Request
from fastapi.responses import PlainTextResponse
from pydantic import TypeAdapter
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from api.answers import AnswerRoute, Svc, json_answer
from api.openapi import (
    ERRORS,
    WRITE_ERRORS,
    AlertKind,
    Bucket,
    By,
    Cursor,
    Depth,
    KeysetCursor,
    Limit,
    OfClient,
    OfModel,
    OfProject,
    Severity,
    Since,
    Until,
    Window,
    as_json,
    error_schema,
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
from orgmap.errors import InvalidArgument

__all__ = ["router"]

router = APIRouter(prefix="/v1", route_class=AnswerRoute, responses=ERRORS)

_COST_EXAMPLE = {"ts": "2026-11-20T14:03:00Z", "agent": "support-bot", "model": "claude-sonnet-4-5",
                 "provider": "anthropic", "input_tokens": 5200, "cache_read_tokens": 4000, "output_tokens": 380,
                 "run_id": "run-81f2", "id": "evt-0001"}
_CHANGE_EXAMPLE = {"ts": "2026-11-20T13:55:00Z", "target": "Support Reply Agent", "kind": "deploy",
                   "summary": "deploy abc123: retry on 429", "ref": "abc123", "author": "ci"}


@router.get("/run-rate", summary="Ranked run-rate (top spenders)", tags=["spend"])
def run_rate(svc: Svc, window: Window = "7d", by: By = "agent", limit: Limit = 20, cursor: Cursor = None,
             since: Since = None, until: Until = None, model: OfModel = None, client: OfClient = None,
             project: OfProject = None) -> RunRateAnswer:
    """Ranked run-rate over `window` or from `since` to `until`: cost/day, runs/day, cost per 1,000 runs, tokens per
    run, projected month, change against the baseline, budget used and owner, highest cost per day first. With
    `model`, `client` or `project`, every figure is of that slice of the spend (a row: its group's spend on that
    model, for that client, on that project), the totals too."""
    return svc.run_rate(window, by, limit, cursor, since, until, model=model, client=client, project=project)


@router.get("/agents/{name:path}/spend", summary="An agent's spend per hour or day", tags=["spend"])
def agent_spend(svc: Svc, name: str, window: Window = "7d", bucket: Bucket = "day") -> SpendSeries:
    """One agent's spend per hour or day."""
    return svc.spend(name, window, bucket)


@router.get("/agents/{name:path}/allowance", summary="May this agent spend now?", tags=["budgets"])
def allowance(svc: Svc, name: str, run_id: str | None = None, project: str | None = None,
              client: str | None = None) -> AllowanceAnswer:
    """May this agent (and this run, for this project and client) spend now? Call it before each model call; deny
    means pause, and `held_by` names the budget and the stage."""
    return svc.allowance(name, run_id, project, client)


@router.get("/agents/{name:path}/runs", summary="An agent's most expensive runs", tags=["runs"])
def agent_runs(svc: Svc, name: str, since: Window = "24h", limit: Limit = 20, cursor: Cursor = None,
               flagged: bool | None = None) -> RunsAnswer:
    """One agent's runs, most expensive first, with its run-cost distribution (median, p90, p99)."""
    return svc.runs(name, since, limit, flagged, cursor)


@router.get("/runs", summary="The most expensive runs", tags=["runs"])
def runs(svc: Svc, since: Window = "24h", limit: Limit = 20, cursor: Cursor = None,
         flagged: bool | None = None) -> RunsAnswer:
    """The most expensive runs across agents; `flagged=true` for runaway runs only."""
    return svc.runs(None, since, limit, flagged, cursor)


@router.get("/nodes", summary="Find nodes", tags=["graph"])
def nodes(svc: Svc, q: str = "", kind: str | None = None, limit: Limit = 50, cursor: Cursor = None) -> NodePage:
    """Find nodes by name, alias or id (case-insensitive); filter by kind (agent, tool, person, team...)."""
    return svc.find(q, kind, limit, cursor)


@router.get("/nodes/{name:path}/dependents", summary="Blast radius: what depends on a node", tags=["graph"])
def dependents(svc: Svc, name: str, depth: Depth = 2, limit: Limit = 25, cursor: Cursor = None,
               window: Window = "7d") -> BlastRadius:
    """The blast radius of a node: what depends on it, to `depth` hops, with the spend per day (over `window`)
    at stake."""
    return svc.dependents_of(name, depth, limit, cursor, window)


@router.get("/nodes/{name:path}/dependencies", summary="What a node depends on", tags=["graph"])
def dependencies(svc: Svc, name: str, depth: Depth = 1, limit: Limit = 25, cursor: Cursor = None,
                 window: Window = "7d") -> BlastRadius:
    """What a node depends on (depends_on, uses, integrates_with, model), to `depth` hops, with each one's spend
    per day over `window`."""
    return svc.dependencies_of(name, depth, limit, cursor, window)


@router.get("/nodes/{name:path}/owners", summary="Who owns a node", tags=["graph"])
def node_owners(svc: Svc, name: str) -> Owners:
    """Who owns a node: explicit, else inherited through `part_of`."""
    return svc.owners_of(name)


@router.get("/nodes/{name:path}/markdown", summary="A node's note as Markdown", tags=["graph"],
            response_class=PlainTextResponse, responses=as_json(ERRORS))
def node_markdown(svc: Svc, name: str) -> str:
    """The note's Markdown, as it is in the vault."""
    return svc.note_markdown(name)


@router.get("/nodes/{name:path}", summary="One node in full", tags=["graph"])
def node(svc: Svc, name: str) -> NodeDetail:
    """One node with owners, dependencies, dependents, links and its spend over 7 days."""
    return svc.node(name)


@router.get("/owners/{name:path}/portfolio", summary="What a person or team owns", tags=["graph"])
def portfolio(svc: Svc, name: str, window: Window = "7d", limit: Limit = 25, cursor: Cursor = None) -> Portfolio:
    """Everything a person or team owns (directly, by inheritance, via a person's teams), with spend per day."""
    return svc.portfolio_of(name, window, limit, cursor)


@router.get("/check", summary="Vault diagnostics", tags=["graph"])
def check(svc: Svc, limit: Limit = 50, cursor: Cursor = None, severity: Severity = None) -> Diagnostics:
    """Vault diagnostics with path and line: bad YAML, unreadable files, dangling links, ambiguous names..."""
    return svc.check(limit, cursor, severity)


@router.get("/graph", summary="The whole company graph", tags=["graph"])
def graph(svc: Svc) -> dict[str, Any]:
    """The whole company graph as networkx node-link JSON; edges carry `relation`."""
    return svc.graph_data()


_COST_EXAMPLES = {
    "one LLM call": {"summary": "one event, priced from its model and tokens", "value": _COST_EXAMPLE},
    "a batch": {"summary": "a batch (up to thousands of events per request)",
                "value": [_COST_EXAMPLE, {"ts": "2026-11-20T14:03:02Z", "agent": "support-bot", "kind": "tool",
                                          "tool": "Web Search", "cost_usd": 0.004, "run_id": "run-81f2",
                                          "id": "evt-0002"}]},
    "a usage-report row": {"summary": "an aggregate row with its own cost", "value": {
        "ts": "2026-11-20T00:00:00Z", "agent": "proj_support", "kind": "other", "cost_usd": 41.37,
        "id": "usage-2026-11-20-proj_support"}},
}
_CHANGE_EXAMPLES = {
    "a deploy from CI": {"summary": "a deploy recorded by a CI step", "value": _CHANGE_EXAMPLE},
    "a model switch": {"summary": "a model change", "value": {
        "ts": "2026-11-21T09:00:00Z", "target": "Support Reply Agent", "kind": "model",
        "summary": "claude-haiku-4-5 -> claude-sonnet-4-5", "author": "ann", "id": "chg-0042"}},
}


def _event_body(examples: dict[str, Any]) -> dict[str, Any]:
    """The OpenAPI request body of the event routes, which read their body themselves (see `events_of`), and the 422
    FastAPI documents for a route with a body it validates."""
    schema = TypeAdapter(dict[str, Any] | list[dict[str, Any]]).json_schema()
    return {"requestBody": {"required": True, "content": {"application/json": {"schema": schema,
                                                                                "examples": examples}}},
            "responses": {"422": {"description": ERRORS[422]["description"], "content": {"application/json": {
                "schema": error_schema()}}}}}


def events_of(body: bytes) -> list[dict[str, Any]]:
    """The events of a request body, parsed by msgspec and handed to the ledger's own validation as they are (no
    pydantic pass per event): one JSON object or a list of them, else an error naming the body or the item. (Not
    orjson: it reads an integer beyond 64 bits as a float, so two such numeric ids would become one.) A UTF-8 byte
    order mark, which files saved by Windows tools start with, is ignored as the standard library's parser did.
    msgspec refuses a `\\ud800` escape (a lone surrogate) anywhere in the body; such a body is read again by the
    standard library's parser, so the ledger rejects only the event holding it, by its field, and keeps the others.
    (`api.security.RequestGuard` has already refused a body not sent as JSON.)"""
    body = body.removeprefix(codecs.BOM_UTF8)
    try:
        value = msgspec.json.decode(body)
    except (msgspec.DecodeError, RecursionError):  # RecursionError: nested too deeply
        try:
            value = json.loads(body)
        except (ValueError, RecursionError):
            raise InvalidArgument("the body is not valid JSON", field="body") from None
    if type(value) is dict:
        return [value]
    if type(value) is not list:
        raise InvalidArgument("the body must be an event object or a list of event objects", field="body")
    for index, item in enumerate(value):
        if type(item) is not dict:
            raise InvalidArgument(f"body[{index}]: each event must be a JSON object", field=f"body[{index}]")
    return value


@router.post("/events/cost", summary="Record cost events", tags=["events"], response_model=IngestAnswer,
             responses=WRITE_ERRORS, openapi_extra=_event_body(_COST_EXAMPLES))
async def post_cost(svc: Svc, request: Request) -> Response:
    """Record one cost event or a batch. Idempotent by `id`; bad items are rejected with their row and field
    named, good items in the same batch are kept. Required: `ts` (ISO 8601 with zone) and `agent` (a note name,
    alias or cost key); `cost_usd` is computed from the model's price when absent. See docs/events.md."""
    events = events_of(await request.body())
    return json_answer(await run_in_threadpool(svc.record_cost, events))


@router.post("/events/change", summary="Record change events", tags=["events"], response_model=IngestAnswer,
             responses=WRITE_ERRORS, openapi_extra=_event_body(_CHANGE_EXAMPLES))
async def post_change(svc: Svc, request: Request) -> Response:
    """Record one change event (deploy, prompt, model, config, schedule...) or a batch: `ts`, `target` (a node),
    `kind`, `summary`; optional `id`, `ref`, `author`. Idempotent by `id`. An event whose `target` names no node is
    rejected by that field with the closest names (the others are stored), unless it carries `"force": true`."""
    events = events_of(await request.body())
    return json_answer(await run_in_threadpool(svc.record_changes, events))


@router.get("/changes", summary="Recent change events", tags=["events"])
def changes(svc: Svc, target: str | None = None, since: Window = "30d", kind: str | None = None, limit: Limit = 20,
            cursor: KeysetCursor = None) -> ChangesAnswer:
    """Change events, newest first, for one node or all."""
    return svc.changes(target, since, kind, limit, cursor)


@router.get("/unattributed", summary="Unattributed spend and unpriced models", tags=["spend"])
def unattributed(svc: Svc, window: Window = "7d", limit: Limit = 20, cursor: Cursor = None) -> UnattributedAnswer:
    """Spend under agent names no note carries, and models with no known price."""
    return svc.unattributed(window, limit, cursor)


@router.get("/budgets", summary="Budget status", tags=["budgets"])
def budgets(svc: Svc, limit: Limit = 20, cursor: Cursor = None) -> BudgetsAnswer:
    """Every budget (agent, owner, project, client) against its limits, soonest to run out first, with the burn
    rate, the projected spend and the run-out time of each period, and the latest alerts."""
    return svc.budgets(limit, cursor)


@router.get("/pauses", summary="Agents paused by budgets", tags=["budgets"])
def pauses(svc: Svc, agent: str | None = None, limit: Limit = 20, cursor: Cursor = None) -> PausesAnswer:
    """The agents a budget's pause stage holds now (or one agent's state), with the budget and stage that hold
    each and when it lifts."""
    return svc.pauses(agent, limit, cursor)


@router.get("/alerts", summary="Alerts fired", tags=["budgets"])
def alerts(svc: Svc, since: Window = "7d", kind: AlertKind = None, limit: Limit = 20,
           cursor: Cursor = None) -> AlertsAnswer:
    """Alerts fired, newest first: budget thresholds crossed (`kind=budget`), runaway runs (`kind=run`), anomalies
    (`kind=anomaly`)."""
    return svc.alerts(since, kind, limit, cursor)
