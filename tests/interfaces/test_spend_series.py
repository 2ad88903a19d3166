"""Spend over time (GET /v1/spend/series) and the CSV exports (GET /v1/export/{table}.csv) over HTTP: hand-computed
buckets on a small vault, the ranked run-rate's numbers on the demo company, from/to ranges, ETags, and errors."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.interfaces.conftest import on_both_stores

NOW = datetime(2026, 11, 20, 12, 30, tzinfo=UTC)
NOTES = {
    "Agents/Bot.md": "---\ntype: agent\nowner: \"[[Ann]]\"\n---\n",
    "Agents/Helper.md": "---\ntype: agent\nowner: [\"[[Ann]]\", \"[[Bo]]\"]\n---\n",
    "People/Ann.md": "---\ntype: person\n---\n",
    "People/Bo.md": "---\ntype: person\n---\n",
}


def at(hours_ago: float) -> str:
    return (NOW - timedelta(hours=hours_ago)).isoformat()


EVENTS = [
    {"id": "a", "ts": at(1), "agent": "Bot", "model": "m1", "cost_usd": 1.0, "project": "p1"},  # 2026-11-20 11:30
    {"id": "b", "ts": at(2), "agent": "Bot", "model": "m2", "cost_usd": 0.5, "project": "p2"},  # 2026-11-20 10:30
    {"id": "c", "ts": at(26), "agent": "Helper", "model": "m1", "cost_usd": 3.0, "project": "p1",
     "client": "acme"},                                                                     # 2026-11-19 10:30
    {"id": "d", "ts": at(50), "agent": "stranger", "model": "m1", "cost_usd": 0.25, "client": "acme"},  # 11-18 10:30
    {"id": "e", "ts": at(24 * 9), "agent": "Bot", "model": "m1", "cost_usd": 7.0},  # outside 7d
]


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory, doors, module_store_for) -> Any:
    vault = tmp_path_factory.mktemp("series")
    for name, text in NOTES.items():
        (vault / name).parent.mkdir(parents=True, exist_ok=True)
        (vault / name).write_text(text, encoding="utf-8")
    from orgmap.service import Service

    def open_service() -> Service:
        return Service.open(vault, db=module_store_for(vault), clock=lambda: NOW)

    with open_service() as svc:
        svc.record_cost(EVENTS)
    with doors.api_client(open_service) as api:
        yield api


def get(api: Any, path: str, **params: Any) -> dict[str, Any]:
    response = api.get(path, params=params)
    assert response.status_code == 200, response.text
    return response.json()


def test_daily_buckets_by_agent_are_the_events_summed_per_utc_day(client) -> None:
    answer = get(client, "/v1/spend/series", window="7d", by="agent", bucket="day")
    # the window ends at 13:00 (now rounded up to the hour) and starts 7 days earlier, at 13:00 on the 13th
    assert (answer["since"], answer["until"]) == ("2026-11-13T13:00:00Z", "2026-11-20T13:00:00Z")
    assert answer["starts"] == [f"2026-11-{d}T00:00:00Z" for d in range(13, 21)]
    series = {g["key"]: g for g in answer["groups"]}
    assert [g["key"] for g in answer["groups"]] == ["Agents/Helper", "Agents/Bot", "(unattributed)"]
    assert series["Agents/Bot"]["values"] == [0, 0, 0, 0, 0, 0, 0, 1.5]
    assert series["Agents/Helper"]["values"] == [0, 0, 0, 0, 0, 0, 3.0, 0]
    assert series["(unattributed)"]["values"] == [0, 0, 0, 0, 0, 0.25, 0, 0]
    assert series["Agents/Bot"]["name"] == "Bot" and series["(unattributed)"]["attributed"] is False
    assert answer["total_cost_usd"] == 4.75
    assert answer["summary"].startswith("$4.75 over 7d in 8 days across 3 agent groups; top: Helper $3.00")


def test_a_projects_or_clients_spend_by_agent_adds_up_to_its_own_row(client) -> None:
    """A project's page charts its spend by agent: only that project's events, each agent's buckets its share, and
    the total the project's own row by project (one truth); the same for a client, whose unattributed spend (an agent
    no note carries) is shown as its own group, as the ranked view shows it as its own row."""
    by_project = {g["key"]: g["cost_usd"] for g in get(client, "/v1/spend/series", by="project")["groups"]}
    mine = get(client, "/v1/spend/series", by="agent", project="p1")
    assert {g["key"]: g["values"] for g in mine["groups"]} == {"Agents/Helper": [0, 0, 0, 0, 0, 0, 3.0, 0],
                                                               "Agents/Bot": [0, 0, 0, 0, 0, 0, 0, 1.0]}
    assert mine["total_cost_usd"] == by_project["p1"] == 4.0
    by_client = {g["key"]: g["cost_usd"] for g in get(client, "/v1/spend/series", by="client")["groups"]}
    theirs = get(client, "/v1/spend/series", by="agent", client="acme")
    assert {g["key"]: g["cost_usd"] for g in theirs["groups"]} == {"Agents/Helper": 3.0, "(unattributed)": 0.25}
    # the ranked view keeps spend no note carries in its own row: the client's row is its attributed spend
    assert by_client["acme"] == 3.0 and theirs["total_cost_usd"] == 3.25
    assert get(client, "/v1/spend/series", by="agent", project="nobody")["total_cost_usd"] == 0


def rows_of(answer: dict[str, Any]) -> list[tuple[str, float]]:
    return [(i["key"], i["cost_usd"]) for i in answer["items"]]


def test_a_model_client_or_project_filter_narrows_every_figure_of_the_ranked_view(client) -> None:
    """A filter is a slice of the spend, as in Datadog's or LiteLLM's cost views: each row is its group's spend on
    that model (for that client, on that project), its baseline too; the totals are the rows'; the chart's series
    narrowed alike gives each group its row's figure; and the CSV says the filter in its name."""
    m1 = get(client, "/v1/run-rate", window="7d", by="agent", model="m1")
    assert rows_of(m1) == [("Agents/Helper", 3.0), ("Agents/Bot", 1.0), ("(unattributed)", 0.25)]
    assert (m1["total_cost_usd"], m1["unattributed_cost_usd"], m1["filters"]) == (4.25, 0.25, {"model": "m1"})
    assert "model m1 only" in m1["summary"]
    bot = next(i for i in m1["items"] if i["key"] == "Agents/Bot")
    # its m1 baseline: $7 nine days ago, $1/day over the preceding 7 days (no change given: the data begins inside
    # the baseline window)
    assert bot["baseline_cost_per_day"] == 1.0
    assert bot["outcomes"] is None  # outcomes carry no model: no cost per outcome for a slice
    p1 = get(client, "/v1/run-rate", window="7d", by="agent", project="p1")
    assert rows_of(p1) == [("Agents/Helper", 3.0), ("Agents/Bot", 1.0)] and p1["total_cost_usd"] == 4.0
    assert next(i for i in p1["items"] if i["key"] == "Agents/Bot")["baseline_cost_per_day"] == 0  # no p1 spend
    acme = get(client, "/v1/run-rate", window="7d", by="agent", client="acme")
    assert rows_of(acme) == [("Agents/Helper", 3.0), ("(unattributed)", 0.25)] and acme["total_cost_usd"] == 3.25
    owners = get(client, "/v1/run-rate", window="7d", by="owner", model="m1")  # Helper's $3 half under each owner
    assert rows_of(owners) == [("People/Ann", 2.5), ("People/Bo", 1.5), ("(unattributed)", 0.25)]
    both = get(client, "/v1/run-rate", window="7d", by="agent", model="m1", project="p2")
    assert (rows_of(both), both["total_cost_usd"], both["total_cost_per_day"]) == ([], 0, 0)
    # one truth: the slice's total is its row in the grouping by that dimension; the chart's groups are the rows
    by_model = dict(rows_of(get(client, "/v1/run-rate", window="7d", by="model")))
    assert by_model["m1"] == 4.25 - 0.25 and by_model["(unattributed)"] == 0.25  # no-note spend is its own row
    series = get(client, "/v1/spend/series", window="7d", by="agent", model="m1")
    assert [(g["key"], g["cost_usd"]) for g in series["groups"]] == rows_of(m1)
    assert series["total_cost_usd"] == 4.25 and series["filters"] == {"model": "m1"}
    name, rows = read_csv(client, "run-rate", window="7d", by="agent", model="m1", project="p1")
    assert name == "orgmap-run-rate-by-agent-model-m1-project-p1-20261113T13Z-20261120T13Z.csv"
    assert [(r["key"], float(r["cost_usd"])) for r in rows] == [("Agents/Helper", 3.0), ("Agents/Bot", 1.0)]
    name, rows = read_csv(client, "spend-series", window="7d", client="acme")
    assert name.startswith("orgmap-spend-per-day-by-agent-client-acme-")
    assert round(sum(float(r["total"]) for r in rows), 2) == 3.25


def test_hourly_buckets_and_a_from_to_range(client) -> None:
    answer = get(client, "/v1/spend/series", by="model", bucket="hour", since="2026-11-20T10:15:00Z",
                 until="2026-11-20T11:45:00+00:00")
    assert (answer["since"], answer["until"]) == ("2026-11-20T10:00:00Z", "2026-11-20T12:00:00Z")
    assert answer["window"] == "2h"
    assert {g["key"]: g["values"] for g in answer["groups"]} == {"m1": [0, 1.0], "m2": [0.5, 0]}


def test_an_agent_with_two_owners_counts_half_under_each_as_in_the_ranked_view(client) -> None:
    answer = get(client, "/v1/spend/series", window="7d", by="owner", bucket="day")
    totals = {g["key"]: g["cost_usd"] for g in answer["groups"]}
    assert totals == {"People/Ann": 3.0, "People/Bo": 1.5, "(unattributed)": 0.25}
    rate = get(client, "/v1/run-rate", window="7d", by="owner", limit=100)
    assert {i["key"]: i["cost_usd"] for i in rate["items"]} == totals


def test_the_run_rate_takes_the_same_from_to_range(client) -> None:
    rate = get(client, "/v1/run-rate", by="agent", since="2026-11-19T00:00:00Z", until="2026-11-20T00:00:00Z")
    assert (rate["since"], rate["until"], rate["window"]) == ("2026-11-19T00:00:00Z", "2026-11-20T00:00:00Z", "24h")
    assert [(i["key"], i["cost_usd"], i["cost_per_day"]) for i in rate["items"]] == [("Agents/Helper", 3.0, 3.0)]
    assert "over 2026-11-19 00:00 to 2026-11-20 00:00 UTC" in rate["summary"]


def test_a_range_given_backwards_too_long_or_empty_is_read_as_a_calendar_would(client) -> None:
    backwards = get(client, "/v1/spend/series", since="2026-11-20T00:00:00Z", until="2026-11-19T00:30:00Z")
    assert (backwards["since"], backwards["until"]) == ("2026-11-19T00:00:00Z", "2026-11-20T00:00:00Z")
    empty = get(client, "/v1/spend/series", since="2026-11-19T05:00:00Z", until="2026-11-19T05:00:00Z")
    assert (empty["since"], empty["until"]) == ("2026-11-19T05:00:00Z", "2026-11-19T06:00:00Z")
    ages = get(client, "/v1/spend/series", since="0001-01-01T00:00:00", until="9999-12-31T23:59:59")
    assert ages["until"] == "9999-12-31T23:00:00Z" and ages["since"] == "9990-01-02T23:00:00Z"
    future = get(client, "/v1/spend/series", since="2027-01-01T00:00:00Z", window="24h")
    assert (future["since"], future["until"], future["total_cost_usd"]) == \
        ("2027-01-01T00:00:00Z", "2027-01-02T00:00:00Z", 0)
    until_only = get(client, "/v1/spend/series", until="2026-11-19T11:00:00Z", window="24h")
    assert until_only["since"] == "2026-11-18T11:00:00Z"
    hours = get(client, "/v1/spend/series", window="120d", bucket="hour")
    assert hours["bucket"] == "day" and len(hours["starts"]) == 121


@pytest.mark.parametrize(("params", "field"), [
    ({"bucket": "week"}, "bucket"),
    ({"by": "colour"}, "by"),
    ({"since": "yesterday"}, "since"),
])
def test_a_bad_range_or_grouping_is_refused_by_its_field(client, params: dict[str, str], field: str) -> None:
    response = client.get("/v1/spend/series", params=params)
    assert response.status_code == 422
    assert response.json()["error"]["field"] == field


def test_an_unchanged_series_answers_304_to_its_etag_and_a_new_event_changes_it(client) -> None:
    first = client.get("/v1/spend/series", params={"window": "24h", "bucket": "hour"})
    tag = first.headers["etag"]
    again = client.get("/v1/spend/series", params={"window": "24h", "bucket": "hour"},
                       headers={"If-None-Match": tag})
    assert again.status_code == 304 and again.content == b"" and again.headers["etag"] == tag
    posted = client.post("/v1/events/cost", json={"id": "late", "ts": at(0.2), "agent": "Bot", "cost_usd": 2.0})
    assert posted.status_code == 200, posted.text
    changed = client.get("/v1/spend/series", params={"window": "24h", "bucket": "hour"},
                         headers={"If-None-Match": tag})
    assert changed.status_code == 200 and changed.headers["etag"] != tag
    bot = next(g for g in changed.json()["groups"] if g["key"] == "Agents/Bot")
    assert bot["values"][-1] == 2.0


def read_csv(api: Any, table: str, **params: Any) -> tuple[str, list[dict[str, str]]]:
    response = api.get(f"/v1/export/{table}.csv", params=params)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/csv")
    name = response.headers["content-disposition"].split('filename="')[1].rstrip('"')
    return name, list(csv.DictReader(io.StringIO(response.text)))


def test_the_run_rate_csv_has_every_row_and_names_its_range_and_grouping(client) -> None:
    name, rows = read_csv(client, "run-rate", window="7d", by="owner")
    assert name == "orgmap-run-rate-by-owner-20261113T13Z-20261120T13Z.csv"
    rate = get(client, "/v1/run-rate", window="7d", by="owner", limit=100)
    assert [(r["key"], float(r["cost_per_day"])) for r in rows] == \
        [(i["key"], i["cost_per_day"]) for i in rate["items"]]
    assert round(sum(float(r["cost_usd"]) for r in rows), 2) == rate["total_cost_usd"]


def test_the_series_csv_has_a_column_per_group_and_a_total(client) -> None:
    name, rows = read_csv(client, "spend-series", since="2026-11-18T00:00:00Z", until="2026-11-20T00:00:00Z")
    assert name == "orgmap-spend-per-day-by-agent-20261118T00Z-20261120T00Z.csv"
    assert rows == [{"start": "2026-11-18T00:00:00Z", "Helper": "0.0", "(unattributed)": "0.25", "total": "0.25"},
                    {"start": "2026-11-19T00:00:00Z", "Helper": "3.0", "(unattributed)": "0.0", "total": "3.0"}]


def test_text_a_spreadsheet_would_run_as_a_formula_is_quoted(client, tmp_path: Path) -> None:
    client.post("/v1/events/cost", json={"id": "evil", "ts": at(3), "agent": "=HYPERLINK(\"x\")", "cost_usd": 0.1})
    _, rows = read_csv(client, "unattributed", window="7d")
    assert {r["name"] for r in rows} >= {"'=HYPERLINK(\"x\")", "stranger"}


@on_both_stores
@pytest.mark.parametrize(("by", "window", "bucket"), [("agent", "7d", "day"), ("team", "7d", "hour"),
                                                      ("model", "30d", "day"), ("project", "24h", "hour")])
def test_on_the_demo_company_each_group_is_its_ranked_row(api, by: str, window: str, bucket: str) -> None:
    series = get(api, "/v1/spend/series", window=window, by=by, bucket=bucket)
    rate = get(api, "/v1/run-rate", window=window, by=by, limit=500)
    assert [(g["key"], g["cost_usd"]) for g in series["groups"]] == [(i["key"], i["cost_usd"]) for i in rate["items"]]
    assert series["total_cost_usd"] == rate["total_cost_usd"] > 0
    assert (series["since"], series["until"]) == (rate["since"], rate["until"])
    for group in series["groups"]:
        assert len(group["values"]) == len(series["starts"])
        assert round(sum(group["values"]), 2) == group["cost_usd"]


@on_both_stores
def test_the_budgets_and_problems_csv_have_a_row_per_limit_and_per_problem(api) -> None:
    name, rows = read_csv(api, "budgets")
    assert name == "orgmap-budgets-20260302T12Z.csv"
    budgets = get(api, "/v1/budgets", limit=500)
    assert [(r["key"], r["period"], float(r["spent"])) for r in rows] == \
        [(b["key"], p["period"], p["spent"]) for b in budgets["items"] for p in b["periods"]]
    name, rows = read_csv(api, "problems")
    check = get(api, "/v1/check", limit=500)
    assert [(r["path"], int(r["line"]), r["code"]) for r in rows] == \
        [(p["path"], p["line"], p["code"]) for p in check["items"]]
    assert client_error(api, "/v1/export/secrets.csv") == 422


def client_error(client: Any, path: str) -> int:
    return client.get(path).status_code
