"""One truth on every screen: the demo's data through every ranked view and grouping, checked for rows that add up
to their totals (unattributed included, to the cent), one unattributed figure in every grouping, one projection
rule, baselines that say what they compare with, runs named by their node, money rounded the same way, and the same
figures from the CLI, HTTP and MCP."""

from __future__ import annotations

import calendar
import json
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest

from orgmap.arguments import BY
from orgmap.cli import main
from tests.interfaces.conftest import NOW, on_both_stores

pytestmark = on_both_stores

WINDOWS = ("24h", "7d", "30d")
ADDITIVE = ("cost_usd", "cost_per_day", "projected_month")
TOTALS = {"cost_usd": "total_cost_usd", "cost_per_day": "total_cost_per_day", "projected_month": "projected_month"}


def cents(x: float) -> int:
    return round(x * 100)


def rate(api, window: str, by: str) -> dict[str, Any]:
    response = api.get("/v1/run-rate", params={"window": window, "by": by, "limit": 500})
    assert response.status_code == 200, response.text
    answer = response.json()
    assert answer["next_cursor"] is None and len(answer["items"]) == answer["total"]
    return answer


@pytest.mark.parametrize("window", WINDOWS)
@pytest.mark.parametrize("by", BY)
def test_rows_add_up_to_the_totals_to_the_cent(api, window: str, by: str) -> None:
    answer = rate(api, window, by)
    for column, total in TOTALS.items():
        assert sum(cents(item[column]) for item in answer["items"]) == cents(answer[total]), column
    unattributed = [item for item in answer["items"] if not item["attributed"]]
    assert len(unattributed) == (window != "24h")  # the demo's unattributed names spent nothing in the last day
    assert sum(item["cost_usd"] for item in unattributed) == answer["unattributed_cost_usd"]
    assert sum(item["cost_per_day"] for item in unattributed) == answer["unattributed_cost_per_day"]


@pytest.mark.parametrize("window", WINDOWS)
def test_unattributed_spend_is_one_figure_in_every_grouping(api, window: str) -> None:
    figures = {by: (rate(api, window, by)["unattributed_cost_usd"], rate(api, window, by)["total_cost_usd"])
               for by in BY}
    assert len(set(figures.values())) == 1, figures
    names = api.get("/v1/unattributed", params={"window": window, "limit": 500}).json()
    assert cents(names["total_cost_usd"]) == cents(figures["agent"][0])
    assert figures["agent"][0] > 0 or window == "24h"


@pytest.mark.parametrize("window", WINDOWS)
def test_one_projection_rule_the_calendar_days_of_the_month_the_window_ends_in(api, window: str) -> None:
    answer = rate(api, window, "agent")
    days = calendar.monthrange(NOW.year, NOW.month)[1]
    assert answer["projected_month_days"] == days == 31
    assert abs(answer["projected_month"] - answer["total_cost_per_day"] * days) <= 0.005 * days
    for item in answer["items"]:
        assert abs(item["projected_month"] - item["cost_per_day"] * days) <= 0.01 * days


def test_a_short_window_is_compared_with_the_same_hours_a_week_earlier(api) -> None:
    day = rate(api, "24h", "agent")
    since, until = datetime.fromisoformat(day["since"]), datetime.fromisoformat(day["until"])
    assert until - since == timedelta(hours=24)
    assert datetime.fromisoformat(day["baseline_since"]) == since - timedelta(days=7)
    assert datetime.fromisoformat(day["baseline_until"]) == until - timedelta(days=7)
    assert day["baseline"] == "the same 24h a week earlier"
    week = rate(api, "7d", "agent")
    assert datetime.fromisoformat(week["baseline_until"]) == datetime.fromisoformat(week["since"])
    assert week["baseline"] == "the preceding 7d"


def test_a_window_longer_than_the_data_says_how_much_data_it_had(api) -> None:
    month = rate(api, "30d", "agent")  # the demo store holds 21 days
    assert month["covered_days"] == pytest.approx(21, abs=1)
    assert datetime.fromisoformat(month["data_since"]) > datetime.fromisoformat(month["since"])
    assert f"only {month['covered_days']:g} days of data" in month["summary"]
    week = rate(api, "7d", "agent")
    assert week["covered_days"] == 7 and "days of data" not in week["summary"]


@pytest.mark.parametrize("path", ["/v1/runs", "/v1/agents/Code Review Agent/runs"])
def test_runs_are_named_by_their_node_with_the_raw_key_kept(api, path: str) -> None:
    runs = api.get(path, params={"since": "21d", "limit": 500}).json()["items"]
    nodes = {run["node_id"]: api.get(f"/v1/nodes/{run['node_id']}").json()["node"]["name"]
             for run in runs if run["node_id"]}
    for run in runs:
        assert run["agent"] == (nodes[run["node_id"]] if run["node_id"] else run["agent_key"])
    review = {run["agent_key"] for run in runs if run["node_id"] == "Agents/Code Review Agent"}
    assert len(review) > 1 and {run["agent"] for run in runs if run["agent_key"] in review} == {"Code Review Agent"}


def floats(value: Any) -> list[float]:
    if isinstance(value, float):
        return [value]
    if isinstance(value, dict):
        return [f for v in value.values() for f in floats(v)]
    if isinstance(value, list):
        return [f for v in value for f in floats(v)]
    return []


@pytest.mark.parametrize(("tool", "arguments"), [
    ("top_spenders", {"window": "30d"}), ("top_spenders", {"window": "24h", "by": "model"}),
    ("expensive_runs", {"window": "21d"}), ("expensive_runs", {"agent": "Code Review Agent", "window": "21d"}),
])
def test_money_is_rounded_the_same_way_for_every_door(mcp, tool: str, arguments: dict[str, Any]) -> None:
    answer = mcp.call(tool, **arguments)
    noisy = [f for f in floats(answer) if len(repr(f).partition(".")[2]) > 6 or "e" in repr(f)]
    assert not noisy
    money = [answer[k] for k in ("total_cost_usd", "total_cost_per_day", "projected_month") if k in answer]
    money += [item[k] for item in answer["items"] for k in ("cost_usd", "cost_per_day", "projected_month")
              if k in item and tool == "top_spenders"]
    assert all(m == round(m, 2) for m in money)


def cli_json(argv: list[str], vault: Path, db: str, capsys: pytest.CaptureFixture[str]) -> Any:
    capsys.readouterr()
    assert main([*argv, "--vault", str(vault), "--db", db, "--as-of", NOW.isoformat(), "--json"]) == 0
    return json.loads(capsys.readouterr().out)


@pytest.mark.parametrize("window", WINDOWS)
@pytest.mark.parametrize("by", BY)
def test_the_cli_http_and_mcp_give_the_same_figures(api, mcp, demo_vault: Path, demo_store: str,
                                                    capsys: pytest.CaptureFixture[str], window: str, by: str) -> None:
    by_http = api.get("/v1/run-rate", params={"window": window, "by": by, "limit": 10}).json()
    assert by_http == mcp.call("top_spenders", window=window, by=by)
    assert by_http == cli_json(["top", "--window", window, "--by", by, "--limit", "10"], demo_vault, demo_store, capsys)


def test_runs_are_the_same_through_every_door(api, mcp, demo_vault: Path, demo_store: str,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    by_http = api.get("/v1/runs", params={"since": "7d", "limit": 10}).json()
    assert by_http == mcp.call("expensive_runs", window="7d")
    assert by_http == cli_json(["runs", "--since", "7d", "--top", "10"], demo_vault, demo_store, capsys)


ROUTES_WITH_MONEY = [
    ("/v1/agents/Code Review Agent/spend", {"window": "21d"}), ("/v1/agents/pr-reviewer/spend", {"bucket": "hour"}),
    ("/v1/budgets", {"limit": 50}), ("/v1/agents/support-bot/allowance", {}), ("/v1/alerts", {"since": "21d"}),
    ("/v1/nodes/Vector Store/dependents", {"depth": 3, "limit": 100}), ("/v1/owners/Platform Team/portfolio",
                                                                        {"limit": 100}),
    ("/v1/nodes/Code Review Agent", {}), ("/v1/unattributed", {"window": "21d"}),
    ("/v1/agents/Code Review Agent/anomalies", {"since": "21d"}), ("/v1/anomalies", {"since": "21d"}),
]
SUMS = {"cost_usd", "total_cost_usd", "cost_per_day", "cost_per_day_at_stake", "spent", "limit"}


def _floats(value: object, key: str = "") -> list[tuple[str, float]]:
    """(key, value) of every float in an answer; an alert's `evidence` (the figures as they fired it, tidied but not
    rounded) under the key `evidence`."""
    if isinstance(value, float):
        return [(key, value)]
    if isinstance(value, dict):
        return [f for k, v in value.items() for f in _floats(v, "evidence" if key == "evidence" else k)]
    if isinstance(value, list):
        return [f for v in value for f in _floats(v, key)]
    return []


@pytest.mark.parametrize(("path", "query"), ROUTES_WITH_MONEY, ids=[p for p, _ in ROUTES_WITH_MONEY])
def test_every_answer_shows_sums_to_the_cent_and_no_binary_noise(api, path: str, query: dict[str, object]) -> None:
    answer = api.get(quote(path), params=query)
    assert answer.status_code == 200, answer.text
    found = _floats(answer.json())
    assert found, "an answer with no figure proves nothing"
    noisy = [(k, f) for k, f in found if float(f"{f:.12g}") != f]
    assert not noisy, noisy
    uneven = [(k, f) for k, f in found if k in SUMS and round(f, 2) != f]
    assert not uneven, uneven


def test_blast_radius_portfolio_spend_and_unattributed_rows_add_up_to_their_totals(api) -> None:
    radius = api.get(quote("/v1/nodes/Vector Store/dependents"), params={"depth": 3, "limit": 500}).json()
    assert radius["cost_per_day_at_stake"] == round(sum(i["cost_per_day"] or 0 for i in radius["items"]), 2) > 0
    folio = api.get(quote("/v1/owners/Platform Team/portfolio"), params={"limit": 500}).json()
    assert folio["cost_per_day"] == round(sum(i["cost_per_day"] for i in folio["items"]), 2) > 0
    series = api.get(quote("/v1/agents/Code Review Agent/spend"), params={"window": "21d", "bucket": "hour"}).json()
    assert series["total_cost_usd"] == round(sum(p["cost_usd"] for p in series["points"]), 2) > 0
    spare = api.get("/v1/unattributed", params={"window": "21d", "limit": 500}).json()
    assert spare["total_cost_usd"] == round(sum(i["cost_usd"] for i in spare["items"]), 2) > 0
