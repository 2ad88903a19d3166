"""Both doors answer every question the same: each service question has a route and a tool (or is exempt, with the
reason written down), and for the same arguments the HTTP API and the MCP server return the same JSON."""

from __future__ import annotations

import inspect
from typing import Any
from urllib.parse import quote

import pytest

from mcp_server.tools import PAGE
from orgmap.config import STORE_NAME, state_dir
from orgmap.service import Service
from tests.conftest import create_database, drop_database
from tests.interfaces.conftest import ingest_demo, on_both_stores

# method <-> route <-> tool: the one table of the two doors. A tool's page size is PAGE[tool]; the API is asked for
# the same `limit` so "the same arguments" means the same page.
TABLE: dict[str, tuple[tuple[str, ...], str]] = {
    "owners_of": (("GET /v1/nodes/{name}/owners",), "who_owns"),
    "dependents_of": (("GET /v1/nodes/{name}/dependents",), "what_depends_on"),
    "dependencies_of": (("GET /v1/nodes/{name}/dependencies",), "dependencies_of"),
    "node": (("GET /v1/nodes/{name}",), "describe_node"),
    "find": (("GET /v1/nodes",), "find_nodes"),
    "portfolio_of": (("GET /v1/owners/{name}/portfolio",), "owner_portfolio"),
    "spend": (("GET /v1/agents/{name}/spend",), "agent_cost"),
    "run_rate": (("GET /v1/run-rate",), "top_spenders"),
    "budgets": (("GET /v1/budgets",), "budget_status"),
    "allowance": (("GET /v1/agents/{name}/allowance",), "check_allowance"),
    "pauses": (("GET /v1/pauses",), "paused_agents"),
    "unattributed": (("GET /v1/unattributed",), "unattributed_spend"),
    "changes": (("GET /v1/changes",), "recent_changes"),
    "runs": (("GET /v1/runs", "GET /v1/agents/{name}/runs"), "expensive_runs"),
    "alerts": (("GET /v1/alerts",), "recent_alerts"),
    "check": (("GET /v1/check",), "vault_problems"),
    "note_markdown": (("GET /v1/nodes/{name}/markdown",), "note://{name}"),
    "record_cost": (("POST /v1/events/cost",), "record_cost_events"),
    "record_changes": (("POST /v1/events/change",), "record_change"),
    "record_change": (("POST /v1/events/change",), "record_change"),
    "anomalies": (("GET /v1/anomalies",), "anomalies"),
    "explain_cost_change": (("GET /v1/agents/{name}/anomalies",), "explain_cost_change"),
    "set_anomaly_state": (("POST /v1/anomalies/{anomaly_id}/state",), "set_anomaly_state"),
    "costs": (("GET /v1/costs",), "costs"),
    "reconcile": (("GET /v1/reconcile",), "costs"),
}
WRITES = {"record_cost", "record_changes", "record_change", "set_anomaly_state"}
# Receivers of outside formats (OTLP, LiteLLM's callback): machines posting telemetry, not questions people ask.
RECEIVERS = {"receive_otlp": "POST /v1/traces", "receive_litellm": "POST /v1/litellm"}
# Questions deliberately behind one door only.
_FILES = "CLI only: reads files on the machine it runs on; over HTTP and MCP events come in as JSON"
EXEMPT = {"graph_data": "API and CLI only (GET /v1/graph, orgmap export): the whole graph would flood a model's "
                        "context; MCP clients use find_nodes and describe_node",
          "graph_graphml": "CLI only (orgmap export --format graphml): a file for graph tools",
          **dict.fromkeys(("costs_csv", "costs_focus_csv"), "API and CLI only (GET /v1/costs?format=csv|focus, "
                          "orgmap costs --format csv|focus): files for spreadsheets and FinOps tools, not a model's "
                          "context; MCP's costs answers the same rows as JSON"),
          "spend_over_time": "API only (GET /v1/spend/series, and its CSV): the dashboard's chart, hundreds of "
                             "numbers per group; people and models ask run_rate and agent_cost",
          "import_files": _FILES, "ingest_jsonl": _FILES, "import_git": _FILES,
          **dict.fromkeys(RECEIVERS, "a receiver of machines' telemetry, not a question people ask")}
# The routes behind the dashboard's chart and downloads (API only: EXEMPT's spend_over_time).
DASHBOARD_ROUTES = {"GET /v1/spend/series", "GET /v1/export/{table}.csv"}
# Public methods that are not questions: lifecycle, and the anomaly scan the server runs in the background.
NOT_QUESTIONS = {"open", "open_vault", "close", "scan_anomalies", "start_background", "watch"}

# (HTTP path, query) and (tool, arguments) asking the same question.
CASES: list[tuple[str, dict[str, Any], str, dict[str, Any]]] = [
    ("/v1/nodes/support-bot/owners", {}, "who_owns", {"name": "support-bot"}),
    ("/v1/nodes/Refund Agent/owners", {}, "who_owns", {"name": "refund agent"}),
    ("/v1/nodes/claude-sonnet-4-5/dependents", {"limit": 15}, "what_depends_on", {"name": "claude-sonnet-4-5"}),
    ("/v1/nodes/Vector Store/dependents", {"depth": 4, "limit": 15, "window": "21d"}, "what_depends_on",
     {"name": "Vector Store", "depth": 4, "window": "21d"}),
    ("/v1/nodes/Support Reply Agent/dependencies", {"limit": 15}, "dependencies_of", {"name": "Support Reply Agent"}),
    ("/v1/nodes/Support Reply Agent/dependencies", {"depth": 3, "limit": 15}, "dependencies_of",
     {"name": "Support Reply Agent", "depth": 3}),
    ("/v1/nodes/Agents/Code Review Agent", {}, "describe_node", {"name": "Agents/Code Review Agent"}),
    ("/v1/nodes/Platform Team", {}, "describe_node", {"name": "Platform Team"}),
    ("/v1/nodes", {"q": "support", "limit": 25}, "find_nodes", {"query": "support"}),
    ("/v1/nodes", {"kind": "agent", "limit": 25}, "find_nodes", {"kind": "agent"}),
    ("/v1/nodes", {"limit": 25}, "find_nodes", {}),
    ("/v1/owners/Platform Team/portfolio", {"limit": 15}, "owner_portfolio", {"owner": "Platform Team"}),
    ("/v1/owners/Elena Petrova/portfolio", {"window": "24h", "limit": 15}, "owner_portfolio",
     {"owner": "Elena Petrova", "window": "24h"}),
    ("/v1/agents/Code Review Agent/spend", {}, "agent_cost", {"agent": "Code Review Agent"}),
    ("/v1/agents/pr-reviewer/spend", {"window": "24h", "bucket": "hour"}, "agent_cost",
     {"agent": "pr-reviewer", "window": "24h", "bucket": "hour"}),
    ("/v1/run-rate", {"limit": 10}, "top_spenders", {}),
    ("/v1/run-rate", {"by": "owner", "window": "21d", "limit": 10}, "top_spenders", {"by": "owner", "window": "21d"}),
    ("/v1/run-rate", {"by": "team", "limit": 10}, "top_spenders", {"by": "team"}),
    ("/v1/run-rate", {"by": "model", "window": "24h", "limit": 10}, "top_spenders", {"by": "model", "window": "24h"}),
    ("/v1/run-rate", {"model": "gpt-4o-mini", "limit": 10}, "top_spenders", {"model": "gpt-4o-mini"}),
    ("/v1/run-rate", {"by": "team", "project": "acme-corp", "client": "", "limit": 10}, "top_spenders",
     {"by": "team", "project": "acme-corp"}),
    ("/v1/run-rate", {"client": "Acme Corp", "model": "gpt-4.1", "limit": 10}, "top_spenders",
     {"client": "Acme Corp", "model": "gpt-4.1"}),
    ("/v1/budgets", {"limit": 8}, "budget_status", {}),
    ("/v1/agents/Support Reply Agent/allowance", {}, "check_allowance", {"agent": "Support Reply Agent"}),
    ("/v1/agents/Support Reply Agent/allowance", {"project": "acme", "client": "Acme Corp"}, "check_allowance",
     {"agent": "Support Reply Agent", "project": "acme", "client": "Acme Corp"}),
    ("/v1/pauses", {"limit": 15}, "paused_agents", {}),
    ("/v1/pauses", {"agent": "support-bot", "limit": 15}, "paused_agents", {"agent": "support-bot"}),
    ("/v1/agents/support-bot/allowance", {"run_id": "run-1", "project": "acme"}, "check_allowance",
     {"agent": "support-bot", "run_id": "run-1", "project": "acme"}),
    ("/v1/unattributed", {"limit": 15}, "unattributed_spend", {}),
    ("/v1/unattributed", {"window": "21d", "limit": 15}, "unattributed_spend", {"window": "21d"}),
    ("/v1/changes", {"limit": 10}, "recent_changes", {}),  # the defaults (window included) agree
    ("/v1/changes", {"since": "30d", "target": "Support Reply Agent", "limit": 10}, "recent_changes",
     {"window": "30d", "target": "Support Reply Agent"}),
    ("/v1/runs", {"limit": 10}, "expensive_runs", {}),
    ("/v1/runs", {"since": "7d", "flagged": "true", "limit": 10}, "expensive_runs", {"window": "7d", "flagged": True}),
    ("/v1/agents/Code Review Agent/runs", {"since": "7d", "limit": 10}, "expensive_runs",
     {"agent": "Code Review Agent", "window": "7d"}),
    ("/v1/alerts", {"limit": 10}, "recent_alerts", {}),
    ("/v1/alerts", {"since": "21d", "kind": "budget", "limit": 10}, "recent_alerts",
     {"window": "21d", "kind": "budget"}),
    ("/v1/check", {"limit": 25}, "vault_problems", {}),
    ("/v1/anomalies", {"since": "21d", "limit": 10}, "anomalies", {"window": "21d"}),
    ("/v1/agents/Code Review Agent/anomalies", {"since": "21d"}, "explain_cost_change",
     {"agent": "Code Review Agent", "window": "21d"}),
    ("/v1/costs", {"period": "2026-02", "limit": 15}, "costs", {"period": "2026-02"}),
    ("/v1/costs", {"period": "2026-02", "by": "team", "limit": 15}, "costs", {"period": "2026-02", "by": "team"}),
    ("/v1/costs", {"limit": 15}, "costs", {}),  # the defaults (this month to date) agree
    ("/v1/reconcile", {"period": "2026-02"}, "costs", {"period": "2026-02", "reconcile": True}),
]


def service_questions() -> set[str]:
    """Public methods of Service: the questions, plus lifecycle and helpers."""
    return {name for name, _ in inspect.getmembers(Service, callable) if not name.startswith("_")}


def app_routes(app: Any) -> set[str]:
    """`METHOD /path` of every /v1 route the app publishes (its OpenAPI paths)."""
    paths = app.openapi()["paths"]
    return {f"{method.upper()} {path}" for path, ops in paths.items() if path.startswith("/v1") for method in ops}


def test_every_question_has_a_route_and_a_tool_or_is_exempt() -> None:
    questions = service_questions() - NOT_QUESTIONS
    missing = questions - set(TABLE) - set(EXEMPT)
    assert not missing, f"Service questions with no route or no tool: {sorted(missing)} (add them to TABLE or EXEMPT)"
    assert not (set(TABLE) | set(EXEMPT) | NOT_QUESTIONS) - service_questions(), "the table names a gone method"


def test_the_table_matches_the_routes_and_tools_the_doors_really_have(api, mcp) -> None:
    routes = {r for routes, _ in TABLE.values() for r in routes} | {"GET /v1/graph"} | set(RECEIVERS.values()) \
        | DASHBOARD_ROUTES
    assert app_routes(api.app) == routes
    tools = {tool for _, tool in TABLE.values() if "://" not in tool}
    assert {t.name for t in mcp.tools()} == tools
    assert set(PAGE) <= tools


def test_the_cases_ask_every_read_question(api) -> None:
    asked = {tool for *_, tool, _ in CASES}
    reads = {tool for method, (_, tool) in TABLE.items() if method not in WRITES and "://" not in tool}
    assert reads == asked


def api_get(api, path: str, query: dict[str, Any]) -> dict[str, Any]:
    response = api.get(quote(path), params=query)
    assert response.status_code == 200, response.text
    return response.json()


@on_both_stores
@pytest.mark.parametrize(("path", "query", "tool", "arguments"), CASES,
                         ids=[f"{tool}:{path}:{sorted(query.items())}" for path, query, tool, _ in CASES])
def test_same_question_same_answer(api, mcp, path: str, query: dict[str, Any], tool: str,
                                   arguments: dict[str, Any]) -> None:
    by_http = api_get(api, path, query)
    by_mcp = mcp.call(tool, **arguments)
    assert by_http == by_mcp
    assert by_http["summary"]
    pages = 1
    while by_http.get("next_cursor") and pages < 5:  # the next pages agree too
        cursor = by_http["next_cursor"]
        by_http = api_get(api, path, {**query, "cursor": cursor})
        assert by_http == mcp.call(tool, **arguments, cursor=cursor)
        pages += 1


@pytest.fixture(scope="module")
def twin_apis(doors, tmp_path_factory, postgres_server):
    """The HTTP API over the demo events in a SQLite file and over the same events in a PostgreSQL database, both
    made for this module alone: reads write too (an anomaly scan raises its alerts), so the stores other tests
    share would differ by what those asked of each."""
    vault = doors.copy_company(tmp_path_factory.mktemp("twins"))
    url, file = create_database(postgres_server), str(state_dir(vault) / STORE_NAME)
    try:
        for db in (file, url):
            ingest_demo(vault, db)
        with doors.api_client(doors.opener(vault, file)) as on_sqlite, \
                doors.api_client(doors.opener(vault, url)) as on_postgres:
            yield on_sqlite, on_postgres
    finally:
        drop_database(postgres_server, url)


@pytest.mark.parametrize(("path", "query"), [(path, query) for path, query, _, _ in CASES],
                         ids=[f"{path}:{sorted(query.items())}" for path, query, _, _ in CASES])
def test_both_stores_give_the_same_answer(twin_apis, path: str, query: dict[str, Any]) -> None:
    """One truth whichever store holds the events: the same events give the same JSON, page by page."""
    api, api_on_postgres = twin_apis
    on_sqlite, on_postgres = api_get(api, path, query), api_get(api_on_postgres, path, query)
    assert on_sqlite == on_postgres
    pages = 1
    while on_sqlite.get("next_cursor") and pages < 5:
        query = {**query, "cursor": on_sqlite["next_cursor"]}
        on_sqlite, on_postgres = api_get(api, path, query), api_get(api_on_postgres, path, query)
        assert on_sqlite == on_postgres
        pages += 1


@on_both_stores
def test_the_demo_data_makes_the_answers_worth_comparing(api) -> None:
    """Parity over empty answers would prove little: the demo store has spend, runs, changes, budgets, alerts."""
    assert api_get(api, "/v1/run-rate", {})["total_cost_per_day"] > 1
    assert api_get(api, "/v1/runs", {"since": "7d"})["total"] > 10
    assert api_get(api, "/v1/changes", {"since": "30d"})["items"]
    assert api_get(api, "/v1/budgets", {})["items"]
    assert api_get(api, "/v1/alerts", {"since": "21d"})["items"]
    assert api_get(api, "/v1/nodes", {"limit": 25})["next_cursor"]


def test_note_markdown_is_the_same_through_the_route_and_the_resource(api, mcp, demo_vault) -> None:
    response = api.get(quote("/v1/nodes/support-bot/markdown"))
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    expected = (demo_vault / "Agents" / "Support Reply Agent.md").read_text(encoding="utf-8")
    assert response.text == expected == mcp.resource("note://support-bot")


COST_BATCH = [
    {"id": "p-1", "ts": "2026-03-02T10:00:00Z", "agent": "support-bot", "model": "claude-sonnet-4-5",
     "provider": "anthropic", "input_tokens": 1000, "output_tokens": 200, "run_id": "r-1"},
    {"id": "p-2", "ts": "2026-03-02T10:00:01Z", "agent": "support-bot", "cost_usd": 0.25, "kind": "tool",
     "run_id": "r-1"},
    {"id": "p-3", "ts": "not a time", "agent": "support-bot", "cost_usd": 1},
    {"id": "p-4", "ts": "2026-03-02T10:00:02Z", "agent": "mystery-bot", "cost_usd": 0.5},
    {"id": "p-1", "ts": "2026-03-02T10:00:00Z", "agent": "support-bot", "model": "claude-sonnet-4-5",
     "provider": "anthropic", "input_tokens": 1000, "output_tokens": 200, "run_id": "r-1"},
]
CHANGE = {"target": "Support Reply Agent", "kind": "deploy", "summary": "deploy abc123", "ts": "2026-03-02T09:00:00Z",
          "ref": "abc123", "author": "ci", "planned": False, "id": "chg-1"}


def test_writes_give_the_same_answer_on_twin_stores(doors, tmp_path, store_for) -> None:
    """The same batch into two fresh copies of the vault, one per door: the same report, row by row."""
    left = doors.copy_company(tmp_path / "left")
    right = doors.copy_company(tmp_path / "right")
    with doors.api_client(doors.opener(left, store_for(left))) as api, \
            doors.mcp_in_memory(doors.opener(right, store_for(right))) as mcp:
        by_http = api.post("/v1/events/cost", json=COST_BATCH).json()
        assert by_http == mcp.call("record_cost_events", events=COST_BATCH)
        # hand-computed: 0.25 + 0.5 stored with their own cost, p-1 priced by the model (sonnet: $3 in, $15 out
        # per million tokens) = 0.003 + 0.003; p-3 rejected on `ts`, the second p-1 a duplicate
        assert (by_http["accepted"], by_http["duplicates"]) == (3, 1)
        assert [(r["row"], r["field"]) for r in by_http["rejected"]] == [(3, "ts")]
        assert by_http["unattributed"] == ["mystery-bot"]
        assert by_http["total_cost_usd"] == pytest.approx(0.756, abs=1e-9)
        assert [i["status"] for i in by_http["items"]] == ["stored", "stored", "rejected", "stored", "duplicate"]
        change = api.post("/v1/events/change", json=CHANGE).json()
        assert change == mcp.call("record_change", **CHANGE)
        assert change["accepted"] == 1
        again = api.post("/v1/events/change", json=CHANGE).json()
        assert again == mcp.call("record_change", **CHANGE)
        assert (again["accepted"], again["duplicates"]) == (0, 1)
        # what was written reads back the same through both doors, each change marked with the door it came in by
        by_http = api_get(api, "/v1/changes", {"since": "1d", "limit": 10})
        by_mcp = mcp.call("recent_changes", window="1d")
        assert [i.pop("source") for i in by_http["items"]] == ["api"]
        assert [i.pop("source") for i in by_mcp["items"]] == ["mcp"]
        assert by_http == by_mcp
        assert (api_get(api, "/v1/run-rate", {"window": "1d", "limit": 10})
                == mcp.call("top_spenders", window="1d"))
