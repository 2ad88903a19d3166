"""The dashboard as a user sees it: the real app under uvicorn on 127.0.0.1, driven by headless Debian chromium through
Playwright, checked against the JSON API it reads: the stacked chart with its axes and markers, the sortable and
filterable ranked table, the drill-down pages, from/to ranges in the URL, CSV downloads, live updates."""

from __future__ import annotations

import csv
import io
import os
import re
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, quote, urlparse

import httpx
import pytest

from api.app import create_app
from orgmap.demo.data import generate

UNATTRIBUTED_TAG = "agent names no note carries"
EVIL = '<img src=x onerror="document.title=1">bot'
NAME, SPEND, PER_DAY, RUNS, PER_1K, PER_OUTCOME, TOKENS, MONTH, CHANGE, BUDGET, OWNER = range(1, 12)


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


def new_page(browser: Any, url: str, width: int = 1280) -> Any:
    """A page at `width` px with `url` loaded; page errors and console errors are collected in `page.errors`."""
    context = browser.new_context(viewport={"width": width, "height": 900}, accept_downloads=True)
    page = context.new_page()
    page.errors = []
    page.on("pageerror", lambda error: page.errors.append(str(error)))
    page.on("console", lambda msg: page.errors.append(msg.text) if msg.type == "error" else None)
    page.goto(url)
    ready(page)
    return page


@pytest.fixture
def page(browser, base_url: str) -> Iterator[Any]:
    page = new_page(browser, base_url)
    yield page
    page.context.close()


def expect(locator: Any) -> Any:
    """Playwright's retrying assertions (imported here: the browser fixture skips when Playwright is missing)."""
    from playwright.sync_api import expect as playwright_expect

    return playwright_expect(locator)


def ready(page: Any) -> None:
    page.wait_for_selector("html[data-ready='true']", timeout=20_000)


def api(base_url: str, path: str, **params: Any) -> dict[str, Any]:
    response = httpx.get(base_url + quote(path), params=params)
    response.raise_for_status()
    return response.json()


def table_rows(page: Any, table: str = "#rank") -> list[list[str]]:
    return page.eval_on_selector_all(
        f"{table} tbody tr", "rows => rows.map(r => [...r.cells].map(c => c.innerText.trim()))")


def row_names(page: Any) -> list[str]:
    return page.eval_on_selector_all("#rank tbody tr", "rows => rows.map(r => r.querySelector('.name').innerText)")


def page_span(page: Any) -> dict[str, str]:
    """The span the page asks the API for (its range, read from the page's own state)."""
    return {k: v for k, v in page.evaluate("span()").items() if v is not None}


def usd(value: float) -> str:
    return f"${value:,.2f}"


def dollars(text: str) -> float:
    return float(text.lstrip("$").replace(",", ""))


def screenshot(page: Any, factory: pytest.TempPathFactory, name: str) -> Path:
    """A full-page PNG in $ORGMAP_SCREENSHOT_DIR (to look at) or a tmp folder."""
    target = Path(os.environ.get("ORGMAP_SCREENSHOT_DIR") or factory.mktemp("shots")) / name
    page.screenshot(path=str(target), full_page=True)
    assert target.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    return target


def in_range(series: dict[str, Any], items: list[dict[str, Any]], at: str) -> list[dict[str, Any]]:
    return [i for i in items if series["since"] <= i[at] < series["until"]]


def overlapping(series: dict[str, Any], anomalies: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The anomalies a chart of `series` shades: onset before its end, still going or ended after its start."""
    return [a for a in anomalies if a["onset"] < series["until"] and (not a["end"] or a["end"] > series["since"])]


# -- the ranked table ------------------------------------------------------------------------------------------------

def test_the_table_ranks_agents_by_cost_with_the_api_figures(page, base_url: str) -> None:
    answer = api(base_url, "/v1/run-rate", window="7d", by="agent", limit=500)
    rows = table_rows(page)
    assert len(rows) == answer["total"] == len(answer["items"])
    for row, item in zip(rows[:5], answer["items"][:5], strict=True):
        assert row[NAME].startswith(item["name"])
        assert row[SPEND] == usd(item["cost_usd"])
        assert row[PER_DAY] == usd(item["cost_per_day"])
        assert row[MONTH] == usd(item["projected_month"])
        assert row[OWNER] == item["owner"].split("/")[-1]
    costs = [dollars(row[PER_DAY]) for row in rows]
    assert costs == sorted(costs, reverse=True)
    top = answer["items"][0]
    assert rows[0][CHANGE] == (f"▲ +{top['change_pct']:.1f}%" if top["change_pct"] > 0
                               else f"▼ {top['change_pct']:.1f}%")
    assert page.inner_text("#headline") == answer["summary"]
    assert page.inner_text("#fig-total") == f"{usd(answer['total_cost_per_day'])}/day"
    assert page.inner_text("#fig-month") == usd(answer["projected_month"])
    assert page.inner_text("#fig-unattributed") == \
        f"{usd(answer['unattributed_cost_usd'])} ({usd(answer['unattributed_cost_per_day'])}/day)"
    assert page.errors == []


def test_each_row_has_a_sparkline_on_one_shared_scale(page, base_url: str) -> None:
    series = api(base_url, "/v1/spend/series", window="7d", by="agent", bucket="day")
    peak = max(max(g["values"]) for g in series["groups"])
    lines = page.eval_on_selector_all("#rank tbody tr", """rows => rows.map(r => [r.dataset.key,
        r.querySelector('svg.spark polyline').getAttribute('points')])""")
    assert len(lines) == len(series["groups"])
    by_key = {g["key"]: g["values"] for g in series["groups"]}
    for key, points in lines:
        ys = [float(p.split(",")[1]) for p in points.split()]
        values = by_key[key]
        assert len(ys) == len(values)
        for y, value in zip(ys, values, strict=True):  # y = 27 - value / peak * 26 on every row: one scale
            assert abs(y - (27 - value / peak * 26)) < 0.06


def test_sorting_by_a_column_and_back(page) -> None:
    page.click("#rank th[data-col='runs_per_day'] button")
    runs = [float(r[RUNS].replace(",", "")) for r in table_rows(page)]
    assert runs == sorted(runs, reverse=True)
    assert page.get_attribute("#rank th[data-col='runs_per_day']", "aria-sort") == "descending"
    page.click("#rank th[data-col='runs_per_day'] button")
    assert [float(r[RUNS].replace(",", "")) for r in table_rows(page)] == sorted(runs)
    assert "sort=runs_per_day" in page.url and "dir=asc" in page.url
    page.focus("#rank th[data-col='name'] button")  # the keyboard sorts too
    page.keyboard.press("Enter")
    names = row_names(page)
    assert names == sorted(names, key=lambda n: n.lower()) or names == sorted(names)
    page.reload()
    ready(page)
    assert page.get_attribute("#rank th[data-col='name']", "aria-sort") == "ascending"


def test_filtering_by_text_owner_and_team(page, base_url: str) -> None:
    all_rows = table_rows(page)
    page.fill("#f-text", "support")
    rows = table_rows(page)
    assert 0 < len(rows) < len(all_rows)
    assert all("support" in (r[NAME] + r[OWNER]).lower() for r in rows)
    assert "q=support" in page.url
    page.fill("#f-text", "")
    answer = api(base_url, "/v1/run-rate", window="7d", by="agent", limit=500)
    owner = answer["items"][0]["owner"]
    page.select_option("#f-owner", owner)
    rows = table_rows(page)
    assert row_names(page) == [i["name"] for i in answer["items"] if i["owner"] == owner] and rows
    page.select_option("#f-owner", "")
    page.select_option("#f-team", "Teams/Platform Team")
    expect(page.locator("#rank-count")).to_contain_text("filtered")
    owned = {i["id"] for i in api(base_url, "/v1/owners/Teams/Platform Team/portfolio", limit=500)["items"]}
    keys = page.eval_on_selector_all("#rank tbody tr", "rows => rows.map(r => r.dataset.key)")
    assert keys and set(keys) <= owned
    assert keys == [i["key"] for i in answer["items"] if i["key"] in owned]


def test_a_model_project_or_client_filter_narrows_the_rows_their_figures_and_the_totals(page, base_url: str,
                                                                                          tmp_path: Path) -> None:
    """A slice filter asks the API again: each row becomes the agent's spend on that model (in that project), the
    rows add up to the page's totals, the choices are the range's models and projects, the URL holds the filter,
    a reload keeps it, and the CSV is the slice's with the filter in its name."""
    span = page_span(page)
    models = api(base_url, "/v1/spend/series", **span, by="model", bucket="day")["groups"]
    named = [g["key"] for g in models if g["attributed"] and g["key"] != "(none)" and g["cost_usd"] > 0]
    model = named[0]
    assert page.eval_on_selector_all("#f-model option", "os => os.map(o => o.value)") == ["", *named]
    before = {r[NAME]: r[SPEND] for r in table_rows(page)}
    page.select_option("#f-model", model)
    ready(page)
    assert f"model={quote(model)}" in page.url or f"model={model}" in page.url
    sliced = api(base_url, "/v1/run-rate", **span, by="agent", limit=500, model=model)
    assert sliced["filters"] == {"model": model} and sliced["items"]
    assert row_names(page) == [i["name"] for i in sliced["items"]]
    rows = table_rows(page)
    assert [r[SPEND] for r in rows] == [usd(i["cost_usd"]) for i in sliced["items"]]
    assert {r[NAME]: r[SPEND] for r in rows} != before  # the figures changed, not only which rows show
    assert usd(round(sum(dollars(r[SPEND]) for r in rows), 2)) == page.inner_text("#fig-spend") \
        == usd(sliced["total_cost_usd"])
    assert page.inner_text("#fig-total") == f"{usd(sliced['total_cost_per_day'])}/day"
    projects = api(base_url, "/v1/spend/series", **span, by="project", bucket="day", model=model)["groups"]
    project = next(g["key"] for g in projects if g["attributed"] and g["key"] != "(none)" and g["cost_usd"] > 0)
    page.select_option("#f-project", project)
    ready(page)
    both = api(base_url, "/v1/run-rate", **span, by="agent", limit=500, model=model, project=project)
    assert [r[SPEND] for r in table_rows(page)] == [usd(i["cost_usd"]) for i in both["items"]]
    assert usd(both["total_cost_usd"]) == page.inner_text("#fig-spend")
    page.reload()
    ready(page)  # the URL keeps the slice: the same rows after a reload
    assert page.eval_on_selector("#f-model", "s => s.value") == model
    assert page.eval_on_selector("#f-project", "s => s.value") == project
    assert [r[SPEND] for r in table_rows(page)] == [usd(i["cost_usd"]) for i in both["items"]]
    with page.expect_download() as info:
        page.click("#run-rate a.csv")
    name = info.value.suggested_filename
    assert name.startswith(f"orgmap-run-rate-by-agent-model-{re.sub(r'[^A-Za-z0-9._-]', '_', model)}-project-")
    download = tmp_path / name
    info.value.save_as(download)
    exported = list(csv.DictReader(io.StringIO(download.read_text(encoding="utf-8"))))
    assert [usd(float(r["cost_usd"])) for r in exported] == [usd(i["cost_usd"]) for i in both["items"]]
    page.select_option("#f-model", "")
    ready(page)
    assert "model=" not in page.url and f"project={project}" in page.url


def test_unattributed_spend_is_its_own_row_and_its_names_are_text(page, base_url: str) -> None:
    answer = api(base_url, "/v1/run-rate", window="7d", by="agent", limit=500)
    row = page.locator("#rank tbody tr.unattributed")
    assert row.count() == 1
    item = next(i for i in answer["items"] if not i["attributed"])
    assert row.locator("th").inner_text().startswith("(unattributed)")
    assert row.locator("td").nth(2).inner_text() == usd(item["cost_per_day"])
    row.locator("th a").click()
    page.wait_for_url(re.compile(r"/unattributed\?"))
    ready(page)
    assert EVIL in page.inner_text("#unattributed-table")
    assert page.locator("#unattributed-table img").count() == 0
    assert page.title() == "orgmap: agent spend"


# -- the chart -------------------------------------------------------------------------------------------------------

def test_the_chart_draws_stacked_with_dollar_axes_markers_and_a_legend_that_toggles(page, base_url: str) -> None:
    series = api(base_url, "/v1/spend/series", window="7d", by="agent", bucket="day")
    assert page.locator("#chart canvas").count() == 1
    axes = page.locator("#chart .u-axis")
    assert axes.count() == 2
    # uPlot draws the ticks on the canvas; its axes keep the labels they drew
    x_ticks, y_ticks = page.evaluate("view.chart.chart.axes.map(a => a._values)")
    assert len(y_ticks) >= 3 and all(t.startswith("$") for t in y_ticks)
    assert len(x_ticks) >= 3 and all(re.search(r"\d", t) for t in x_ticks)
    anomalies = api(base_url, "/v1/anomalies", since="200h", limit=200)["items"]
    shaded = overlapping(series, anomalies)
    changes = in_range(series, api(base_url, "/v1/changes", since="200h", limit=200)["items"], "ts")
    assert page.locator("#chart .marker-band").count() == len(shaded) > 0
    assert page.locator("#chart .marker-change").count() == len(changes) > 0
    titles = page.eval_on_selector_all("#chart .marker-band", "els => els.map(e => e.title)")
    assert {a["sentence"] for a in shaded} == {t.split(": ", 1)[1] for t in titles}
    assert "/agent/" in page.get_attribute("#chart .marker-band", "href")
    legend = page.locator("#chart .u-legend .u-series")
    assert legend.first.inner_text().strip() == series["groups"][0]["name"]
    top = page.evaluate("view.chart.chart.data[1].slice(0, -1)")  # the top layer: every group stacked
    assert [round(v, 2) for v in top] == [round(sum(g["values"][i] for g in series["groups"]), 2)
                                          for i in range(len(series["starts"]))]
    legend.first.focus()
    page.keyboard.press("Enter")  # the legend toggles from the keyboard
    assert "u-off" in legend.first.get_attribute("class")
    second = page.evaluate("view.chart.chart.data[2].slice(0, -1)")
    assert [round(v, 2) for v in second] == [round(sum(g["values"][i] for g in series["groups"][1:]), 2)
                                             for i in range(len(series["starts"]))]
    box = page.locator("#chart .u-over").bounding_box()
    page.mouse.move(box["x"] + box["width"] * 0.5, box["y"] + box["height"] * 0.9)
    page.mouse.move(box["x"] + box["width"] * 0.7, box["y"] + box["height"] * 0.8, steps=5)
    expect(page.locator("#chart .chart-tip")).to_be_visible()
    assert "Total: $" in page.inner_text("#chart .chart-tip")
    assert page.errors == []


# -- drill-down pages ------------------------------------------------------------------------------------------------

def test_clicking_an_agent_opens_its_page_with_its_chart_anomaly_bands_owners_and_runs(page, base_url: str) -> None:
    anomalies = api(base_url, "/v1/anomalies", since="200h", limit=200)["items"]
    agent = anomalies[0]["agent"]
    page.click(f"#rank tbody tr[data-key='{agent}'] a.name")
    page.wait_for_url(re.compile("/agent/"))
    ready(page)
    assert urlparse(page.url).path == "/agent/" + quote(agent)
    node = api(base_url, f"/v1/nodes/{agent}")
    assert page.inner_text("#page-title").startswith(node["node"]["name"])
    assert page.locator("#chart canvas").count() == 1
    mine = api(base_url, f"/v1/agents/{agent}/anomalies", since="200h")["anomalies"]
    series = api(base_url, "/v1/spend/series", window="7d", by="agent", bucket="day")
    shown = overlapping(series, mine)
    assert page.locator("#chart .marker-band").count() == len(shown) > 0
    assert page.locator("#anomaly-list li.card").count() == len(shown)
    assert all(o["name"] in page.inner_text("#view") for o in node["owners"])
    group = next(g for g in series["groups"] if g["key"] == agent)
    assert usd(group["cost_usd"]) in page.inner_text("#page-summary")
    runs = api(base_url, f"/v1/agents/{agent}/runs", since="200h", limit=10)["items"]
    assert len(table_rows(page, "#runs-top")) == len(runs)
    page.go_back()
    ready(page)
    assert urlparse(page.url).path == "/"
    assert page.errors == []


def test_an_owner_page_lists_what_it_owns_and_a_team_that_owns_agents_has_owners_or_says_what_it_owns(
        page, base_url: str) -> None:
    page.goto(f"{base_url}/owner/Teams/Platform%20Team?range=30d")
    ready(page)
    portfolio = api(base_url, "/v1/owners/Teams/Platform Team/portfolio", window="30d", limit=500)
    assert page.locator("#owned li").count() == len(portfolio["items"]) > 0
    assert "No owner recorded" not in page.inner_text("#view")
    assert page.locator("#chart canvas").count() == 1


def test_a_project_page_has_its_chart_and_budget_burn(page, base_url: str) -> None:
    page.goto(f"{base_url}/project/acme-corp?range=mtd")
    ready(page)
    assert page.locator("#chart canvas").count() == 1
    burn = page.locator("figure.burn[data-period='month']")
    assert burn.count() == 1
    budget = next(b for b in api(base_url, "/v1/budgets", limit=500)["items"] if b["key"] == "acme-corp")
    month = next(p for p in budget["periods"] if p["period"] == "month")
    assert f"{usd(month['spent'])} of {usd(month['limit'])} per month" in burn.inner_text()
    # cumulative spend ends at what the budget has spent this month
    last = page.evaluate("view.burns[0].data[1].filter(v => v !== null).pop()")
    assert round(last, 2) == month["spent"]
    # its spend by agent: the chart's series and the table are the API's, adding up to the project's total
    series = api(base_url, "/v1/spend/series", by="agent", project="acme-corp", **page_span(page))
    rows = page.locator("#agent-spend tbody tr")
    assert rows.count() == len(series["groups"]) > 1
    assert [rows.nth(i).locator("td").nth(1).inner_text() for i in range(rows.count())] == \
        [usd(g["cost_usd"]) for g in series["groups"]]
    assert round(sum(g["cost_usd"] for g in series["groups"]), 2) == series["total_cost_usd"]
    assert usd(series["total_cost_usd"]) in page.inner_text("#page-summary")
    assert page.errors == []


def test_an_agent_page_draws_each_budgets_burn_with_its_projection_and_run_out(page, base_url: str,
                                                                              tmp_path_factory) -> None:
    """Sales Research Agent's day is over its limit (it ran out), its month lasts: each burn chart draws the spend
    from nothing at the period's start to what the budget has spent, the projection from there to the API's
    projected spend at the period's end, and says when it runs out as the budgets answer does."""
    agent = "Agents/Sales Research Agent"
    page.goto(f"{base_url}/agent/{quote(agent)}")
    ready(page)
    budget = next(b for b in api(base_url, "/v1/budgets", limit=500)["items"] if b["key"] == agent)
    periods = {p["period"]: p for p in budget["periods"]}
    day, month = periods["day"], periods["month"]
    assert day["spent"] > day["limit"] and day["runs_out_at"] is not None  # the demo's fixture pushed it over
    assert month["runs_out_at"] is None and month["projected_usd"] > month["spent"]
    figures = page.locator("figure.burn")
    assert figures.count() == 2
    for i, period in enumerate((day, month)):
        caption = page.inner_text(f"figure.burn[data-period='{period['period']}'] figcaption")
        end = period["end"].replace("T", " ")[:16] + " UTC"
        assert f"projected {usd(period['projected_usd'])} by {end}" in caption
        assert f"burning {usd(period['burn_usd_per_day'])}/day (over {period['burn_window']})" in caption
        spent, projected = page.evaluate(f"[view.burns[{i}].data[1], view.burns[{i}].data[2]]")
        assert spent[0] == 0 and round([v for v in spent if v is not None][-1], 2) == period["spent"]
        drawn = [v for v in projected if v is not None]
        assert len(drawn) == 2 and round(drawn[0], 2) == period["spent"] and drawn[1] == period["projected_usd"]
        assert page.evaluate(f"view.burns[{i}].series[2].show") is True
    day_caption = page.inner_text("figure.burn[data-period='day'] figcaption")
    assert f"ran out: {usd(day['spent'] - day['limit'])} over the limit" in day_caption
    assert "does not run out this period at this burn" in page.inner_text("figure.burn[data-period='month'] figcaption")
    assert "does not run out" not in day_caption
    screenshot(page, tmp_path_factory, "dashboard-burn-1280.png")
    assert page.errors == []


# -- pauses ----------------------------------------------------------------------------------------------------------

def test_a_paused_agent_is_marked_in_the_table_and_its_page_says_which_budget_holds_it_until_when(
        page, base_url: str, tmp_path_factory) -> None:
    pauses = api(base_url, "/v1/pauses", limit=500)["items"]
    held = {p["agent"]: p for p in pauses}
    assert list(held) == ["Agents/Sales Research Agent"]  # its day budget's 100% stage holds it
    marked = page.eval_on_selector_all("#rank tbody tr", "rows => rows.filter(r => r.querySelector('.tag.paused'))"
                                                         ".map(r => r.dataset.key)")
    assert marked == list(held)
    pause = held["Agents/Sales Research Agent"]
    hold = pause["held_by"][0]
    page.click("#rank tbody tr[data-key='Agents/Sales Research Agent'] a.name")
    page.wait_for_url(re.compile("/agent/"))
    ready(page)
    box = page.inner_text("#hold")
    lifts = pause["lifts_at"].replace("T", " ")[:16] + " UTC"
    assert f"until {lifts}" in box and f"lifts {lifts}" in box
    assert hold["used_pct"] == 130.35 and hold["limit"] == 4.0  # $5.21 of $4.00: 130.4% to a tenth, half up
    assert "(agent) day budget at 130.4% of $4.00" in box
    assert "from 100% it pauses every agent" in box
    assert page.get_attribute("#hold a", "href").startswith("/agent/Agents/Sales%20Research%20Agent")
    screenshot(page, tmp_path_factory, "dashboard-paused-agent-1280.png")
    page.goto(f"{base_url}/agent/Agents/Code%20Review%20Agent")
    ready(page)
    assert api(base_url, "/v1/pauses", agent="Agents/Code Review Agent")["items"] == []
    assert page.locator("#hold").count() == 0
    assert page.errors == []


# -- time ------------------------------------------------------------------------------------------------------------

def test_a_from_to_range_updates_every_view_and_the_url(page, base_url: str) -> None:
    page.fill("#from", "2026-02-20T00:00")
    page.fill("#to", "2026-02-25T00:00")
    page.click("#apply")
    page.wait_for_url(re.compile("from="))
    ready(page)
    query = parse_qs(urlparse(page.url).query)
    assert query["from"] == ["2026-02-20T00:00"] and query["to"] == ["2026-02-25T00:00"]
    rate = api(base_url, "/v1/run-rate", since="2026-02-20T00:00:00Z", until="2026-02-25T00:00:00Z", limit=500)
    rows = table_rows(page)
    assert [r[SPEND] for r in rows] == [usd(i["cost_usd"]) for i in rate["items"]]
    series = api(base_url, "/v1/spend/series", since="2026-02-20T00:00:00Z", until="2026-02-25T00:00:00Z")
    assert page.inner_text("#fig-spend") == usd(series["total_cost_usd"]) == usd(rate["total_cost_usd"])
    assert page.evaluate("view.chart.chart.data[0].length") == len(series["starts"]) + 1
    page.click("#nav a[data-view='changes']")
    page.wait_for_url(re.compile("/changes"))
    ready(page)
    assert "from=2026-02-20T00%3A00" in page.url
    changes = api(base_url, "/v1/changes", since="400h", limit=500)["items"]
    assert len(table_rows(page, "#changes-table")) == len(in_range(series, changes, "ts")) > 0
    page.click("#nav a[data-view='alerts']")
    page.wait_for_url(re.compile("/alerts"))
    ready(page)
    alerts = api(base_url, "/v1/alerts", since="400h", limit=500)["items"]
    expected = in_range(series, alerts, "ts")
    rows = table_rows(page, "#alerts-table")
    assert len(rows) == max(len(expected), 1)
    page.click("[data-range='24h']")
    ready(page)
    assert "range=24h" in page.url and "from=" not in page.url


def test_the_month_presets_follow_the_servers_clock(page, base_url: str) -> None:
    page.click("[data-range='last-month']")
    ready(page)
    february = api(base_url, "/v1/run-rate", since="2026-02-01T00:00:00Z", until="2026-03-01T00:00:00Z", limit=500)
    assert page.inner_text("#headline") == february["summary"]
    assert "range=last-month" in page.url


# -- CSV -------------------------------------------------------------------------------------------------------------

def test_csv_downloads_parse_and_add_up_to_the_table(page, base_url: str, tmp_path: Path) -> None:
    page.select_option("#by", "team")
    ready(page)
    with page.expect_download() as info:
        page.click("#run-rate a.csv")
    download = info.value
    assert re.fullmatch(r"orgmap-run-rate-by-team-\d{8}T\d{2}Z-\d{8}T\d{2}Z\.csv", download.suggested_filename)
    path = tmp_path / download.suggested_filename
    download.save_as(path)
    rows = list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"))))
    shown = table_rows(page)
    assert [r["name"] for r in rows] == row_names(page)
    assert [usd(float(r["cost_per_day"])) for r in rows] == [s[PER_DAY] for s in shown]
    total = round(sum(float(r["cost_usd"]) for r in rows), 2)
    assert usd(total) == page.inner_text("#fig-spend")
    with page.expect_download() as info:
        page.click("a[data-csv='spend-series']")
    chart = list(csv.DictReader(io.StringIO(Path(info.value.path()).read_text(encoding="utf-8"))))
    assert round(sum(float(r["total"]) for r in chart), 2) == total


# -- live ------------------------------------------------------------------------------------------------------------

def test_a_poll_with_nothing_new_redraws_nothing(page) -> None:
    page.evaluate("document.querySelector('#rank tbody tr').dataset.kept = 'yes'; view.chart.chart.kept = 'yes'")
    expect(page.locator("#live-text")).to_contain_text("checked", timeout=12_000)  # a poll answered (304)
    assert page.get_attribute("#rank tbody tr:first-child", "data-kept") == "yes"
    assert page.evaluate("view.chart.chart.kept") == "yes"  # the same chart object: not rebuilt
    assert page.get_attribute("html", "data-updates") is None


def test_a_posted_event_appears_without_a_reload(page, base_url: str, now) -> None:
    page.evaluate("window.stillHere = true")
    before = page.inner_text("#fig-spend")
    event = {"id": "live-1", "ts": (now - timedelta(minutes=5)).isoformat(), "agent": "Refund Agent",
             "cost_usd": 900.0}
    assert httpx.post(base_url + "/v1/events/cost", json=event).status_code == 200
    expect(page.locator("#fig-spend")).not_to_have_text(before, timeout=15_000)  # the spend first, then the table
    expect(page.locator("#rank tbody tr .name").first).to_have_text("Refund Agent", timeout=15_000)
    assert page.evaluate("window.stillHere") is True
    assert page.inner_text("#fig-spend") == usd(api(base_url, "/v1/spend/series", window="7d")["total_cost_usd"])
    assert page.errors == []


def test_cost_per_outcome_is_a_sortable_column_and_on_the_agent_page(browser, base_url: str, now,
                                                                     tmp_path_factory) -> None:
    """Outcome events posted to the running server: the agents reporting them get a cost per outcome equal to the
    API's (blank for the rest, last when sorted either way), and the agent page shows its outcome figures."""
    events = [{"kind": "outcome", "id": f"won-{i}", "ts": (now - timedelta(hours=3 + i)).isoformat(),
               "agent": "Support Reply Agent", "outcome": "ticket_resolved", "value_usd": 4.0} for i in range(7)]
    events += [{"kind": "outcome", "id": "lead-1", "ts": (now - timedelta(hours=5)).isoformat(),
                "agent": "Code Review Agent", "outcome": "pr_reviewed"}]
    posted = httpx.post(base_url + "/v1/events/cost", json=events)
    assert posted.status_code == 200 and posted.json()["outcomes"] == 8
    page = new_page(browser, base_url + "/?sort=cost_per_outcome")
    answer = {i["key"]: i for i in api(base_url, "/v1/run-rate", window="7d", by="agent", limit=500)["items"]}
    cells = dict(page.eval_on_selector_all(
        "#rank tbody tr", f"rows => rows.map(r => [r.dataset.key, r.cells[{PER_OUTCOME}].innerText.trim()])"))
    reporting = {k: i["outcomes"]["cost_per_outcome"] for k, i in answer.items() if i["outcomes"]}
    assert set(reporting) == {"Agents/Support Reply Agent", "Agents/Code Review Agent"}
    assert cells.keys() == answer.keys()
    assert {k: dollars(c) for k, c in cells.items() if c} == reporting  # blank where an agent reports none
    shown = [dollars(c) for c in cells.values() if c]
    assert shown == sorted(shown, reverse=True) and list(cells.values())[len(shown):] == [""] * (len(cells) - 2)
    page.click("#rank th[data-col='cost_per_outcome'] button")
    ordered = page.eval_on_selector_all(f"#rank tbody tr td:nth-child({PER_OUTCOME + 1})",
                                        "cells => cells.map(c => c.innerText)")
    assert [dollars(c) for c in ordered[:2]] == sorted(reporting.values()) and set(ordered[2:]) == {""}
    assert "sort=cost_per_outcome" in page.url and "dir=asc" in page.url
    screenshot(page, tmp_path_factory, "dashboard-outcomes-1280.png")
    with page.expect_download() as info:  # the table's CSV carries the column too
        page.click("#run-rate a.csv")
    rows = csv.DictReader(io.StringIO(Path(info.value.path()).read_text(encoding="utf-8")))
    assert {r["key"]: float(r["cost_per_outcome"]) for r in rows if r["cost_per_outcome"]} == reporting
    page.click("#rank tbody tr[data-key='Agents/Support Reply Agent'] a.name")
    page.wait_for_url(re.compile("/agent/"))
    ready(page)
    figures = answer["Agents/Support Reply Agent"]["outcomes"]
    assert figures["outcomes"] == 7 and figures["value_usd"] == 28.0
    assert dollars(page.inner_text("#fig-per-outcome")) == figures["cost_per_outcome"]
    assert page.inner_text("#fig-outcomes") == f"7 ({figures['outcomes_per_day']:g}/day)"
    assert page.inner_text("#fig-return").startswith(f"{figures['return_on_spend']:g}× ($28.00 of value)")
    assert "Cost per ticket_resolved" in page.inner_text("#outcomes")
    page.goto(base_url + "/agent/Agents/Refund%20Agent")
    ready(page)
    assert page.inner_text("#outcomes") == "It reports no outcomes in this range."
    assert page.errors == []
    page.context.close()


def test_an_agent_a_posted_event_pauses_gets_its_tag_without_a_reload(page, base_url: str, now) -> None:
    """Docs Assistant's $10 month: $12 more takes it past 100%, whose stage pauses every agent."""
    assert page.locator("#rank tbody tr[data-key='Agents/Docs Assistant'] .tag.paused").count() == 0
    event = {"id": "live-pause", "ts": (now - timedelta(minutes=2)).isoformat(), "agent": "Docs Assistant",
             "cost_usd": 12.0}
    assert httpx.post(base_url + "/v1/events/cost", json=event).status_code == 200
    assert "Agents/Docs Assistant" in [p["agent"] for p in api(base_url, "/v1/pauses", limit=500)["items"]]
    tag = page.locator("#rank tbody tr[data-key='Agents/Docs Assistant'] .tag.paused")
    expect(tag).to_have_count(1, timeout=15_000)
    assert page.errors == []


# -- every page, narrow and wide -------------------------------------------------------------------------------------

PAGES = ["/", "/agent/Agents/Code%20Review%20Agent", "/owner/Teams/Support%20Engineering", "/project/acme-corp",
         "/model/gpt-4.1", "/alerts", "/runs", "/changes", "/unattributed", "/problems"]


@pytest.mark.parametrize("path", PAGES)
def test_every_page_loads_without_errors_at_1280_px_and_phone_width(browser, base_url: str, path: str,
                                                                     tmp_path_factory) -> None:
    for width in (1280, 390):
        page = new_page(browser, base_url + path, width)
        assert page.locator("#error").is_hidden(), page.inner_text("#error")
        assert page.evaluate("document.documentElement.scrollWidth") <= width, "only tables may scroll sideways"
        assert page.errors == []
        name = path.strip("/").replace("/", "-").replace("%20", "-") or "overview"
        screenshot(page, tmp_path_factory, f"dashboard-{name}-{width}.png")
        page.context.close()


def test_the_page_and_its_files_are_served_with_a_strict_policy(base_url: str) -> None:
    for path in ("/", "/agent/Agents/Refund%20Agent", "/alerts"):
        page = httpx.get(base_url + path)
        assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
        assert "script-src 'self'" in page.headers["content-security-policy"]
    for path, kind in (("/static/dashboard.js", "javascript"), ("/static/charts.js", "javascript"),
                       ("/static/dashboard.css", "text/css"), ("/static/vendor/uPlot.iife.min.js", "javascript"),
                       ("/static/vendor/uPlot.min.css", "text/css")):
        response = httpx.get(base_url + path)
        assert response.status_code == 200 and kind in response.headers["content-type"]
    assert httpx.get(base_url + "/static/nope.js").status_code == 404
    assert httpx.get(base_url + "/nope").status_code == 404


def test_an_unknown_node_in_the_link_shows_the_api_error(browser, base_url: str) -> None:
    page = new_page(browser, f"{base_url}/agent/No%20Such%20Agent?range=24h")
    error = page.locator("#error")
    assert error.is_visible() and "No Such Agent" in error.inner_text()
    assert page.get_attribute("[data-range='24h']", "aria-pressed") == "true"
    page.click("#nav a[data-view='overview']")
    ready(page)
    assert page.locator("#error").is_hidden()
    assert "range=24h" in page.url
    page.context.close()
