"""The dashboard as a user sees it: the real app under uvicorn on 127.0.0.1, driven by headless Debian chromium through
Playwright, checked against the JSON API it reads."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from api.app import create_app
from orgmap.demo.data import generate

UNATTRIBUTED_TAG = "agent names no note carries"
EVIL = '<img src=x onerror="document.title=1">bot'


@pytest.fixture(scope="module")
def base_url(tmp_path_factory: pytest.TempPathFactory, doors, now) -> Iterator[str]:
    """The example company with three weeks of demo traffic, a budget pushed over its daily limit, spend under an
    agent name full of markup, and the anomaly scan run; served by the real app on a free port."""
    vault = doors.copy_company(tmp_path_factory.mktemp("dashboard"))
    data = generate(seed=7, now=now, days=21, scale=0.3)
    extra = [
        {"id": "dash-over", "ts": (now - timedelta(minutes=30)).isoformat(), "agent": "Sales Research Agent",
         "model": "gpt-4.1", "provider": "openai", "input_tokens": 1000, "output_tokens": 100, "cost_usd": 5.0},
        {"id": "dash-evil", "ts": (now - timedelta(hours=2)).isoformat(), "agent": EVIL, "model": "gpt-4.1",
         "provider": "openai", "input_tokens": 10, "output_tokens": 10, "cost_usd": 0.25},
    ]
    with doors.opener(vault)() as service:
        service.record_cost([*data.cost_events, *extra])
        service.record_changes(data.change_events)
        service.scan_anomalies(timedelta(days=21))
    with doors.live_server(create_app(doors.opener(vault))) as url:
        yield url


@pytest.fixture
def page(browser, base_url: str) -> Iterator[Any]:
    """A fresh page at 1280px wide with the dashboard loaded; page errors are collected in `page.errors`."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.errors = []
    page.on("pageerror", lambda error: page.errors.append(str(error)))
    page.on("console", lambda msg: page.errors.append(msg.text) if msg.type == "error" else None)
    open_dashboard(page, base_url)
    yield page
    context.close()


def open_dashboard(page: Any, url: str) -> None:
    page.goto(url)
    page.wait_for_selector("html[data-ready='true']", timeout=15_000)


def settled(page: Any) -> None:
    page.wait_for_selector("body:not([aria-busy])", timeout=15_000)


def api(base_url: str, path: str, **params: Any) -> dict[str, Any]:
    response = httpx.get(base_url + path, params=params)
    response.raise_for_status()
    return response.json()


def table_rows(page: Any) -> list[list[str]]:
    return page.eval_on_selector_all(
        "#rank tbody tr", "rows => rows.map(r => [...r.cells].map(c => c.innerText.trim()))")


def usd(value: float) -> str:
    return f"${value:,.2f}"


def test_the_table_ranks_agents_by_cost_with_the_api_figures(page, base_url: str) -> None:
    answer = api(base_url, "/v1/run-rate", window="7d", by="agent", limit=100)
    rows = table_rows(page)
    assert len(rows) == answer["total"] == len(answer["items"])
    for row, item in zip(rows[:5], answer["items"][:5], strict=True):
        assert row[1] == item["name"]
        assert row[2] == usd(item["cost_per_day"])
        assert row[6] == usd(item["projected_month"])
        assert row[9] == item["owner"].split("/")[-1]
    costs = [float(row[2].lstrip("$").replace(",", "")) for row in rows]
    assert costs == sorted(costs, reverse=True)
    top = answer["items"][0]
    assert rows[0][7] == (f"▲ +{top['change_pct']:.1f}%" if top["change_pct"] > 0 else f"▼ {top['change_pct']:.1f}%")
    assert page.inner_text("#headline") == answer["summary"]
    assert page.errors == []


def test_unattributed_spend_is_its_own_row_and_figure(page, base_url: str) -> None:
    answer = api(base_url, "/v1/run-rate", window="7d", by="agent", limit=100)
    row = page.locator("#rank tbody tr.unattributed")
    assert row.count() == 1
    item = next(i for i in answer["items"] if not i["attributed"])
    assert row.locator("th").inner_text().startswith("(unattributed)")
    assert row.locator("td").nth(1).inner_text() == usd(item["cost_per_day"])
    assert page.inner_text("#fig-unattributed").startswith(usd(answer["unattributed_cost_usd"]))
    assert answer["unattributed_cost_usd"] >= 0.25


def test_the_headline_figures_are_the_answers_own_and_add_up_with_the_rows(page, base_url: str) -> None:
    answer = api(base_url, "/v1/run-rate", window="7d", by="agent", limit=100)
    assert page.inner_text("#fig-total") == f"{usd(answer['total_cost_per_day'])}/day"
    assert page.inner_text("#fig-month") == usd(answer["projected_month"])  # one projection rule, not x30 here
    assert round(sum(item["projected_month"] for item in answer["items"]), 2) == answer["projected_month"]
    assert page.inner_text("#fig-unattributed") == \
        f"{usd(answer['unattributed_cost_usd'])} ({usd(answer['unattributed_cost_per_day'])}/day)"


def test_names_from_the_data_are_shown_as_text_never_as_markup(page) -> None:
    assert EVIL in page.inner_text("#unattributed-names")
    assert page.locator("#unattributed-names img").count() == 0
    assert page.title() == "orgmap: agent spend"


def test_switching_group_by_and_window_reloads_the_rows(page, base_url: str) -> None:
    page.select_option("#by", "owner")
    settled(page)
    answer = api(base_url, "/v1/run-rate", window="7d", by="owner", limit=100)
    rows = table_rows(page)
    assert [row[1] for row in rows] == [item["name"] + ("" if item["attributed"] else f" {UNATTRIBUTED_TAG}")
                                        for item in answer["items"]]
    assert page.inner_text("#rank thead th:nth-child(2)") == "Owner"
    assert page.locator("#rank tbody tr.unattributed").count() == 1
    page.select_option("#window", "30d")
    settled(page)
    month = api(base_url, "/v1/run-rate", window="30d", by="owner", limit=100)
    assert table_rows(page)[0][2] == usd(month["items"][0]["cost_per_day"])
    assert month["items"][0]["cost_per_day"] != answer["items"][0]["cost_per_day"]
    assert "window=30d" in page.url and "by=owner" in page.url
    page.reload()
    page.wait_for_selector("html[data-ready='true']")
    assert page.input_value("#by") == "owner" and page.input_value("#window") == "30d"


def test_clicking_an_agent_shows_its_owners_dependencies_and_sparkline(page, base_url: str) -> None:
    top = api(base_url, "/v1/run-rate", window="7d", by="agent", limit=1)["items"][0]
    node = api(base_url, f"/v1/nodes/{top['key']}")
    series = api(base_url, f"/v1/agents/{top['key']}/spend", window="7d", bucket="day")
    page.click(f"#rank tbody tr[data-key='{top['key']}'] button")
    page.wait_for_selector("#detail:not([hidden]) svg.sparkline")
    assert page.inner_text("#detail-title") == f"{node['node']['name']} (agent)"
    owners = page.inner_text("#detail-owners")
    assert node["owners"] and all(owner["name"] in owners for owner in node["owners"])
    dependencies = page.inner_text("#detail-dependencies")
    assert all(dep["name"] in dependencies for dep in node["dependencies"])
    points = page.get_attribute("svg.sparkline polyline", "points").split()
    assert len(points) == len(series["points"]) >= 7
    assert usd(series["total_cost_usd"]) in page.inner_text("#spark-caption")
    peak = max(range(len(series["points"])), key=lambda i: series["points"][i]["cost_usd"])
    assert min(float(p.split(",")[1]) for p in points) == float(points[peak].split(",")[1])
    assert page.evaluate("document.activeElement.id") == "detail-title"


def test_open_anomalies_show_their_sentence_and_likely_cause(page, base_url: str) -> None:
    answer = api(base_url, "/v1/anomalies", since="30d", state="open", limit=10)
    assert answer["items"], "the demo traffic should have open anomalies"
    cards = page.locator("#anomaly-list li.card")
    assert cards.count() == len(answer["items"])
    for i, anomaly in enumerate(answer["items"]):
        text = cards.nth(i).inner_text()
        assert anomaly["sentence"] in text
        assert (anomaly["cause"] if anomaly["cause"] and not anomaly["abstained"]
                else "no recorded change explains it") in text
    assert any(a["cause"] for a in answer["items"])


def test_budgets_over_their_limit_and_recent_alerts_are_shown(page, base_url: str) -> None:
    budgets = api(base_url, "/v1/budgets", limit=10)
    first = budgets["items"][0]
    assert first["key"] == "Agents/Sales Research Agent"
    over = page.locator("#budget-table tbody tr.budget-over")
    assert over.count() >= 1
    text = over.first.inner_text()
    day = next(p for p in first["periods"] if p["period"] == "day")
    assert "Sales Research Agent" in text and usd(day["spent"]) in text and "over" in text
    alerts = api(base_url, "/v1/alerts", since="7d", limit=8)
    shown = page.locator("#alert-list li")
    assert shown.count() == len(alerts["items"]) > 0
    assert alerts["items"][0]["message"] in shown.first.inner_text()


def screenshot(page: Any, factory: pytest.TempPathFactory, name: str) -> Path:
    """A full-page PNG in $ORGMAP_SCREENSHOT_DIR (to look at) or a tmp folder."""
    target = Path(os.environ.get("ORGMAP_SCREENSHOT_DIR") or factory.mktemp("shots")) / name
    page.screenshot(path=str(target), full_page=True)
    assert target.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    return target


def test_the_page_works_on_a_narrow_window(browser, base_url: str, tmp_path_factory) -> None:
    context = browser.new_context(viewport={"width": 390, "height": 800})
    page = context.new_page()
    open_dashboard(page, base_url)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, "the page itself must not scroll sideways; only the table may"
    assert page.locator("#rank tbody tr").count() > 5
    assert page.locator("label[for='by']").is_visible() and page.locator("#by").is_visible()
    screenshot(page, tmp_path_factory, "dashboard-narrow.png")
    context.close()


def test_screenshot_of_the_dashboard(page, tmp_path_factory: pytest.TempPathFactory) -> None:
    page.click("#rank tbody tr:first-child button")
    page.wait_for_selector("#detail:not([hidden]) svg.sparkline")
    screenshot(page, tmp_path_factory, "dashboard.png")
    assert page.errors == []


def test_the_page_and_its_files_are_served_with_a_strict_policy(base_url: str) -> None:
    page = httpx.get(base_url + "/")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert "script-src 'self'" in page.headers["content-security-policy"]
    for path, kind in (("/static/dashboard.js", "javascript"), ("/static/dashboard.css", "text/css")):
        response = httpx.get(base_url + path)
        assert response.status_code == 200 and kind in response.headers["content-type"]
    assert httpx.get(base_url + "/static/nope.js").status_code == 404


def test_an_unknown_node_in_the_link_shows_the_api_error_and_the_rest_still_loads(browser, base_url: str) -> None:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    open_dashboard(page, f"{base_url}/#window=24h&by=agent&node=No%20Such%20Agent")
    settled(page)
    error = page.locator("#error")
    assert error.is_visible() and "No Such Agent" in error.inner_text()
    assert page.input_value("#window") == "24h"
    day = api(base_url, "/v1/run-rate", window="24h", by="agent", limit=100)
    assert table_rows(page)[0][2] == usd(day["items"][0]["cost_per_day"])
    assert page.locator("#detail").is_hidden()
    context.close()
