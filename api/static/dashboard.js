// orgmap dashboard: reads the same-origin /v1 API with GETs and renders one view per URL (the overview at /, a
// node's page at /agent/<id>, /owner/<id>, /project/<name>, /client/<name>, /model/<name>, and the lists at
// /alerts, /runs, /changes, /unattributed, /problems). The range, grouping, sort and filters live in the query
// string, so every view is bookmarkable. Data reaches the DOM only as text (textContent, text nodes,
// setAttribute), never as markup.
"use strict";

const LIVE_MS = 5000;
const TOP_SERIES = 9; // the chart stacks the largest groups; the rest is one "other" layer
const PRESETS = ["24h", "7d", "30d", "mtd", "last-month"];
const GROUP_PAGE = { agent: "agent", owner: "owner", team: "owner", model: "model", client: "client",
  project: "project" };
const KIND_PAGE = { agent: "agent", person: "owner", team: "owner", model: "model" };
const usd = new Intl.NumberFormat("en-US", { style: "currency", currency: "USD" });
// a unit price as the API rounds it (to the cent, or to 4 significant digits when finer: $0.003123)
const unitUsd = new Intl.NumberFormat("en-US", { style: "currency", currency: "USD", maximumFractionDigits: 6 });
const num = (digits) => new Intl.NumberFormat("en-US", { maximumFractionDigits: digits });
const one = num(1);
const whole = num(0);

const state = { view: "overview", id: null, range: "7d", from: null, to: null, by: "agent", q: "", owner: "",
  team: "", model: "", client: "", project: "", sort: "cost_per_day", dir: "desc", flagged: false };
// The overview's slice filters: the API narrows every figure (rows, totals, chart) to that model's, client's or
// project's spend; text, owner and team only pick rows.
const SLICES = ["model", "client", "project"];
const view = { serverNow: null, chart: null, burns: [], liveUrl: null, etag: null, rateText: null, rows: [],
  series: null, teamMembers: null, marks: null, sparkMax: 0, sparkValues: {}, paused: new Map() };

const $ = (id) => document.getElementById(id);

function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (key === "class") node.className = value;
    else node.setAttribute(key, value === true ? "" : String(value));
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === "") continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

async function get(path, params, extra) {
  const query = params ? "?" + new URLSearchParams(clean(params)).toString() : "";
  const response = await fetch(path + query, { headers: { accept: "application/json", ...(extra || {}) },
    cache: "no-store" });
  if (response.status === 304) return { notModified: true };
  const body = await response.json().catch(() => null);
  if (!response.ok) {
    const message = body && body.error ? body.error.message : response.statusText;
    throw new Error(`${path}: ${message}`);
  }
  // a window ends at the server's now (rounded up to the hour): the clock the presets and lists go by
  if (body && body.until && params && params.window && !params.since && !params.until) view.serverNow = body.until;
  return extra ? { body, etag: response.headers.get("etag") } : body;
}

function slice() {
  return state.view === "overview" ? clean(Object.fromEntries(SLICES.map((k) => [k, state[k]]))) : {};
}

function clean(params) {
  return Object.fromEntries(Object.entries(params).filter(([, v]) => v !== null && v !== undefined && v !== ""));
}

const encodeName = (id) => id.split("/").map(encodeURIComponent).join("/");
const shortName = (id) => (id ? id.split("/").pop() : "");
const money = (value) => (value === null || value === undefined ? "–" : usd.format(value));
const unitMoney = (value) => (value === null || value === undefined ? "–" : unitUsd.format(value));
const when = (iso) => (iso ? iso.replace("T", " ").slice(0, 16) + " UTC" : "–");
const pct = (value) => (value === null || value === undefined ? "–" : `${value < 10 ? num(2).format(value) : one.format(value)}%`);

function showError(error) {
  const box = $("error");
  box.textContent = `Could not load: ${error.message}`;
  box.hidden = false;
}

// -- links and the URL -------------------------------------------------------------------------------------------

function query(extra) {
  const params = new URLSearchParams();
  if (state.from || state.to) {
    if (state.from) params.set("from", state.from);
    if (state.to) params.set("to", state.to);
  } else {
    params.set("range", state.range);
  }
  params.set("by", state.by);
  for (const [k, v] of Object.entries(extra || {})) if (v) params.set(k, v);
  return params.toString();
}

function href(path, extra) {
  return `${path}?${query(extra)}`;
}

function pageOf(kind, key) {
  if (!key || key === "(unattributed)") return key === "(unattributed)" ? href("/unattributed") : null;
  const page = KIND_PAGE[kind];
  return page ? href(`/${page}/${encodeName(key)}`) : null;
}

function link(text, to, attrs) {
  return to ? el("a", { href: to, "data-nav": true, ...(attrs || {}) }, text) : el("span", attrs || {}, text);
}

function saveUrl(push) {
  const extra = state.view === "overview"
    ? { ...slice(), q: state.q, owner: state.owner, team: state.team,
      sort: state.sort === "cost_per_day" ? "" : state.sort,
      dir: state.dir === "desc" ? "" : state.dir }
    : state.view === "runs" ? { flagged: state.flagged ? "1" : "" } : {};
  const path = state.view === "overview" ? "/" : state.id ? `/${state.view}/${encodeName(state.id)}` : `/${state.view}`;
  const url = `${path}?${query(extra)}`;
  if (url !== location.pathname + location.search) history[push ? "pushState" : "replaceState"](null, "", url);
}

function readUrl() {
  const parts = location.pathname.split("/").filter(Boolean).map(decodeURIComponent);
  state.view = parts[0] || "overview";
  state.id = parts.length > 1 ? parts.slice(1).join("/") : null;
  const p = new URLSearchParams(location.search);
  state.from = p.get("from");
  state.to = p.get("to");
  state.range = PRESETS.includes(p.get("range")) ? p.get("range") : "7d";
  state.by = [...$("by").options].some((o) => o.value === p.get("by")) ? p.get("by") : "agent";
  state.q = p.get("q") || "";
  state.owner = p.get("owner") || "";
  state.team = p.get("team") || "";
  for (const k of SLICES) state[k] = p.get(k) || "";
  state.sort = p.get("sort") || "cost_per_day";
  state.dir = p.get("dir") === "asc" ? "asc" : "desc";
  state.flagged = p.get("flagged") === "1";
  $("by").value = state.by;
  $("from").value = state.from ? state.from.slice(0, 16) : "";
  $("to").value = state.to ? state.to.slice(0, 16) : "";
  for (const button of document.querySelectorAll("[data-range]")) {
    button.setAttribute("aria-pressed", String(!state.from && !state.to && button.dataset.range === state.range));
  }
  for (const a of document.querySelectorAll("#nav a, a.home")) { // the views keep the range and the grouping
    const target = a.dataset.view || "overview";
    a.setAttribute("href", href(target === "overview" ? "/" : `/${target}`));
    if (target === state.view && a.dataset.view) a.setAttribute("aria-current", "page");
    else a.removeAttribute("aria-current");
  }
}

// -- time ----------------------------------------------------------------------------------------------------------

function monthStart(iso, back) {
  const d = new Date(iso);
  return new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() - back, 1)).toISOString().slice(0, 19) + "Z";
}

// The API arguments of the range: a window ending now, or since/until (presets by the server's clock).
function span() {
  if (state.from || state.to) return { since: utcIso(state.from), until: utcIso(state.to) };
  if (state.range === "mtd") return { since: monthStart(view.serverNow, 0) };
  if (state.range === "last-month") return { since: monthStart(view.serverNow, 1), until: monthStart(view.serverNow, 0) };
  return { window: state.range };
}

function utcIso(local) {
  if (!local) return null;
  return local.length === 16 ? `${local}:00Z` : local.endsWith("Z") ? local : `${local}Z`;
}

// A window ending now that covers the range, for questions asked with `since` (anomalies, changes, alerts, runs).
function covering(series) {
  const hours = Math.ceil((Date.parse(view.serverNow) - Date.parse(series.since)) / 3600e3);
  return `${Math.max(1, Math.min(hours, 87600))}h`;
}

const inRange = (series, iso) => iso >= series.since && iso < series.until;

function bucketOf(seriesSpan) {
  if (seriesSpan.window) return ["24h"].includes(seriesSpan.window) ? "hour" : "day";
  const from = Date.parse(seriesSpan.since || view.serverNow);
  const to = seriesSpan.until ? Date.parse(seriesSpan.until) : Date.parse(view.serverNow);
  return to - from <= 3 * 86400e3 ? "hour" : "day";
}

function rangeWords(series) {
  return `${when(series.since)} to ${when(series.until)}`;
}

// -- markers -------------------------------------------------------------------------------------------------------

function anomalyBand(a, name) {
  return { from: Date.parse(a.onset) / 1e3, to: a.end ? Date.parse(a.end) / 1e3 : null,
    label: `${name ? `${name}: ` : ""}${a.sentence}`, href: href(`/agent/${encodeName(a.agent)}`, { anomaly: a.id }) };
}

function changeMarker(c) {
  return { at: Date.parse(c.ts) / 1e3, kind: c.kind, label: `${c.kind}: ${c.summary}${c.ref ? ` (${c.ref})` : ""} on ${shortName(c.target)}, ${when(c.ts)}`,
    href: href("/changes", { change: c.id }) };
}

async function markers(series, agent) {
  const since = covering(series);
  const [anomalies, changes] = await Promise.all([
    agent ? get(`/v1/agents/${encodeName(agent)}/anomalies`, { since }).then((a) => a.anomalies)
      : get("/v1/anomalies", { since, limit: 200 }).then((a) => a.items),
    get("/v1/changes", { since, target: agent, limit: 200 }).then((c) => c.items)]);
  const overlapping = anomalies.filter((a) => a.onset < series.until && (!a.end || a.end > series.since));
  return { anomalies: overlapping, changes: changes.filter((c) => inRange(series, c.ts)),
    bands: overlapping.map((a) => anomalyBand(a, agent ? null : a.name || shortName(a.agent))),
    flags: changes.filter((c) => inRange(series, c.ts)).map(changeMarker) };
}

// -- the chart -----------------------------------------------------------------------------------------------------

function chartGroups(series) {
  const groups = series.groups.filter((g) => g.cost_usd > 0);
  if (groups.length <= TOP_SERIES + 1) return groups;
  const rest = groups.slice(TOP_SERIES);
  const other = { key: "(other)", name: `${rest.length} others`, attributed: true,
    values: series.starts.map((_, i) => rest.reduce((a, g) => a + g.values[i], 0)) };
  return [...groups.slice(0, TOP_SERIES), other];
}

function drawChart(box, series, marks, height) {
  if (view.chart) view.chart.destroy();
  box.replaceChildren();
  const groups = chartGroups(series);
  if (!groups.length) {
    box.append(el("p", { class: "empty" }, `No spend from ${rangeWords(series)}.`));
    view.chart = null;
    return;
  }
  view.chart = Charts.stacked(box, { starts: series.starts, groups, bucket: series.bucket, height,
    markers: { bands: marks.bands, changes: marks.flags } });
  // the legend's rows toggle their series: make them reachable and usable from the keyboard too
  for (const row of box.querySelectorAll(".u-legend .u-series")) { // one per group (no time row: legend not live)
    row.setAttribute("tabindex", "0");
    row.setAttribute("role", "button");
    row.setAttribute("aria-pressed", "true");
    row.addEventListener("keydown", (event) => {
      if (event.key === "Enter" || event.key === " ") { event.preventDefault(); row.querySelector(".u-label").click(); }
    });
    row.addEventListener("click", () => row.setAttribute("aria-pressed", String(!row.classList.contains("u-off"))));
  }
}

function chartSection(title, csv) {
  return el("section", { class: "chart-section", "aria-labelledby": "chart-title" },
    el("div", { class: "section-head" }, el("h2", { id: "chart-title" }, title), csv),
    el("div", { id: "chart", class: "chart" }),
    el("p", { id: "chart-note", class: "note" }));
}

function csvLink(table, label, extra) {
  const params = new URLSearchParams(clean({ ...span(), by: state.by, bucket: extra && extra.bucket,
    ...(["run-rate", "spend-series"].includes(table) ? slice() : {}) }));
  return el("a", { class: "csv", href: `/v1/export/${table}.csv?${params}`, download: true, "data-csv": table },
    label || "Download CSV");
}

function markerNote(marks) {
  return `${marks.bands.length} anomal${marks.bands.length === 1 ? "y" : "ies"} shaded, ${marks.flags.length} ` +
    `change${marks.flags.length === 1 ? "" : "s"} marked (hover one for its sentence; click to open it).`;
}

// -- the overview ----------------------------------------------------------------------------------------------------

const COLUMNS = [
  { key: "name", label: "Name", text: true },
  { key: "cost_usd", label: "Spend" },
  { key: "cost_per_day", label: "Cost/day" },
  { key: "runs_per_day", label: "Runs/day" },
  { key: "cost_per_1k_runs", label: "$/1k runs" },
  { key: "cost_per_outcome", label: "$/outcome" },
  { key: "tokens_per_run", label: "Tokens/run" },
  { key: "projected_month", label: "Proj. month" },
  { key: "change_pct", label: "Change" },
  { key: "budget_used_pct", label: "Budget" },
  { key: "owner", label: "Owner", text: true },
];

function change(item) {
  if (item.change_pct === null || item.change_pct === undefined) {
    return item.baseline_cost_per_day === 0 && item.cost_per_day > 0 ? { text: "new", cls: "up" } : { text: "–" };
  }
  const value = item.change_pct;
  if (value > 0) return { text: `▲ +${one.format(value)}%`, cls: "up" };
  if (value < 0) return { text: `▼ ${one.format(value)}%`, cls: "down" };
  return { text: "0%" };
}

async function overview(root) {
  const seriesSpan = span();
  const bucket = bucketOf(seriesSpan);
  const ranked = get("/v1/run-rate", { ...seriesSpan, by: state.by, limit: 500, ...slice() }); // the slower one
  ranked.catch(() => null); // its error is shown where it is awaited, not as an unhandled rejection
  const paused = state.by === "agent" ? get("/v1/pauses", { limit: 500 }) : Promise.resolve({ items: [] });
  paused.catch(() => null);
  const series = await watchedSeries({ ...seriesSpan, by: state.by, bucket, ...slice() });
  view.series = series;
  const none = { bands: [], flags: [], anomalies: [] };
  root.replaceChildren(
    figures(null, series),
    chartSection(`Spend per ${series.bucket} by ${state.by}${sliceWords()}`, csvLink("spend-series", "Chart CSV", { bucket })),
    el("p", { id: "rank-loading", class: "note" }, "Ranking…"),
    el("div", { class: "columns" }, el("section", { "aria-labelledby": "budgets-title" },
      el("h2", { id: "budgets-title" }, "Budgets"), el("div", { id: "budgets" })),
    el("section", { "aria-labelledby": "anomalies-title" }, el("h2", { id: "anomalies-title" }, "Anomalies in range"),
      el("ol", { id: "anomaly-list", class: "cards" }))));
  drawChart($("chart"), series, none);
  // the first view (the range's spend and its chart) is up; the table, the markers and the lists are asked at once
  // and drawn as they arrive (each a promise whose error is shown where it is awaited)
  document.documentElement.setAttribute("data-first-view", "true");
  const marked = markers(series);
  const budgeted = budgetsTable($("budgets"));
  marked.catch(() => null);
  budgeted.catch(() => null);
  const [rate, pauses] = await Promise.all([ranked, paused]);
  view.paused = new Map(pauses.items.map((p) => [p.agent, p]));
  view.rateText = JSON.stringify([rate, pauses]);
  $("figures").replaceWith(figures(rate, series));
  $("rank-loading").replaceWith(tableSection(rate));
  $("headline").textContent = rate.summary;
  await fillTable(rate, series);
  document.documentElement.setAttribute("data-table", "true");
  const [marks] = await Promise.all([marked, budgeted]);
  placeMarkers(marks);
  anomalyCards($("anomaly-list"), marks.anomalies);
}

function placeMarkers(marks) {
  view.marks = marks;
  if (view.chart) view.chart.setMarkers({ bands: marks.bands, changes: marks.flags });
  $("chart-note").textContent = markerNote(marks);
}

// New data on the overview: the chart and the figures take it; the table is rebuilt only if its rows changed.
async function liveOverview(series) {
  view.series = series;
  drawChart($("chart"), series, view.marks || { bands: [], flags: [] });
  $("fig-spend").textContent = money(series.total_cost_usd); // at once: the run-rate's figures follow it
  const [rate, pauses] = await Promise.all([get("/v1/run-rate", { ...span(), by: state.by, limit: 500, ...slice() }),
    state.by === "agent" ? get("/v1/pauses", { limit: 500 }) : { items: [] }]);
  $("figures").replaceWith(figures(rate, series));
  $("headline").textContent = rate.summary;
  view.paused = new Map(pauses.items.map((p) => [p.agent, p]));
  const text = JSON.stringify([rate, pauses]);
  if (text !== view.rateText) {
    view.rateText = text;
    view.rows = rate.items;
    view.sparkValues = Object.fromEntries(series.groups.map((g) => [g.key, g.values]));
    view.sparkMax = Math.max(0, ...series.groups.map((g) => Math.max(0, ...g.values)));
    $("rank-caption").textContent = rankCaption(rate);
    renderRows();
  }
  placeMarkers(await markers(series));
}

// The headline figures; `rate` null (not answered yet): the range's spend alone, the others to come.
function figures(rate, series) {
  const r = rate || {};
  return el("dl", { id: "figures", class: "figures" },
    el("div", {}, el("dt", {}, "Spend in range"), el("dd", { id: "fig-spend" }, money(series.total_cost_usd))),
    el("div", {}, el("dt", {}, "Cost per day"), el("dd", { id: "fig-total" }, rate ? `${money(r.total_cost_per_day)}/day` : "…")),
    el("div", {}, el("dt", {}, "Projected month"), el("dd", { id: "fig-month" }, rate ? money(r.projected_month) : "…")),
    el("div", {}, el("dt", {}, "Unattributed spend"), el("dd", { id: "fig-unattributed" }, rate
      ? link(`${money(r.unattributed_cost_usd)} (${money(r.unattributed_cost_per_day)}/day)`, href("/unattributed")) : "…")));
}

function rankCaption(rate) {
  return `By ${state.by}${sliceWords()}, ${when(rate.since)} to ${when(rate.until)}; change against ${rate.baseline}. ` +
    "Click a column to sort.";
}

// The slice in words: ", model gpt-4o, project acme only" (nothing without one).
function sliceWords() {
  const only = Object.entries(slice()).map(([k, v]) => `${k} ${v}`);
  return only.length ? `, ${only.join(", ")} only` : "";
}

function tableSection(rate) {
  const head = el("tr", {}, el("th", { scope: "col", class: "num" }, "#"),
    ...COLUMNS.map((c) => el("th", { scope: "col", class: c.text ? null : "num", "data-col": c.key,
      "aria-sort": state.sort === c.key ? (state.dir === "asc" ? "ascending" : "descending") : "none" },
    el("button", { type: "button", class: "sort", "data-sort": c.key },
      c.key === "name" ? state.by[0].toUpperCase() + state.by.slice(1) : c.label))),
    el("th", { scope: "col" }, "Trend"));
  const ownerFilter = state.by === "agent"
    ? [el("label", { for: "f-owner" }, "Owner"), el("select", { id: "f-owner" }, el("option", { value: "" }, "any")),
      el("label", { for: "f-team" }, "Team"), el("select", { id: "f-team" }, el("option", { value: "" }, "any"))] : [];
  return el("section", { id: "run-rate", "aria-labelledby": "rank-caption" },
    el("div", { class: "section-head" }, el("h2", {}, "Ranked"),
      el("form", { id: "filters", class: "controls", role: "search" },
        el("label", { for: "f-text" }, "Filter"),
        el("input", { id: "f-text", type: "search", placeholder: "name, owner", value: state.q }),
        ...ownerFilter,
        ...SLICES.flatMap((k) => [el("label", { for: `f-${k}` }, k[0].toUpperCase() + k.slice(1)),
          el("select", { id: `f-${k}`, "data-slice": k }, el("option", { value: "" }, "all"))])),
      csvLink("run-rate")),
    el("div", { class: "table-wrap" }, el("table", { id: "rank" },
      el("caption", { id: "rank-caption" }, rankCaption(rate)),
      el("thead", {}, head), el("tbody"))),
    el("p", { id: "rank-count", class: "note", "aria-live": "polite" }));
}

async function fillTable(rate, series) {
  view.rows = rate.items;
  const values = Object.fromEntries(series.groups.map((g) => [g.key, g.values]));
  view.sparkMax = Math.max(0, ...series.groups.map((g) => Math.max(0, ...g.values)));
  view.sparkValues = values;
  await Promise.all([state.by === "agent" ? fillFilters() : null, fillSlices()]);
  for (const button of document.querySelectorAll("#rank .sort")) {
    button.addEventListener("click", () => sortBy(button.dataset.sort));
  }
  $("f-text").addEventListener("input", () => { state.q = $("f-text").value; saveUrl(false); renderRows(); });
  $("filters").addEventListener("submit", (e) => e.preventDefault());
  renderRows();
}

async function fillFilters() {
  const owners = [...new Set(view.rows.map((r) => r.owner).filter(Boolean))].sort();
  for (const owner of owners) $("f-owner").append(el("option", { value: owner }, shortName(owner)));
  $("f-owner").value = owners.includes(state.owner) ? state.owner : "";
  const teams = await get("/v1/nodes", { kind: "team", limit: 200 });
  for (const team of teams.items) $("f-team").append(el("option", { value: team.id }, team.name));
  $("f-team").value = teams.items.some((t) => t.id === state.team) ? state.team : "";
  await loadTeam();
  $("f-owner").addEventListener("change", () => { state.owner = $("f-owner").value; saveUrl(false); renderRows(); });
  $("f-team").addEventListener("change", async () => {
    state.team = $("f-team").value;
    saveUrl(false);
    await loadTeam().catch(showError);
    renderRows();
  });
}

// The slice filters' choices: the models, clients and projects with spend in the range (under the other slice
// filters, so a choice never empties the table); choosing one asks the API again for every figure.
async function fillSlices() {
  const seriesSpan = span();
  const answers = await Promise.all(SLICES.map((k) => get("/v1/spend/series",
    { ...seriesSpan, by: k, bucket: "day", ...slice(), [k]: null })));
  SLICES.forEach((k, i) => {
    const select = $(`f-${k}`);
    const keys = answers[i].groups.filter((g) => g.attributed && g.key !== "(none)" && g.cost_usd > 0).map((g) => g.key);
    if (state[k] && !keys.includes(state[k])) keys.unshift(state[k]); // chosen: kept, even with no spend now
    for (const key of keys) select.append(el("option", { value: key }, key));
    select.value = state[k];
    select.addEventListener("change", () => { state[k] = select.value; saveUrl(true); route(); });
  });
}

// The agents a team owns (directly, by inheritance, through its people): the team filter's rows.
async function loadTeam() {
  view.teamMembers = null;
  if (!state.team) return;
  const portfolio = await get(`/v1/owners/${encodeName(state.team)}/portfolio`, { limit: 500 });
  view.teamMembers = new Set(portfolio.items.map((i) => i.id));
}

function sortBy(key) {
  const column = COLUMNS.find((c) => c.key === key);
  state.dir = state.sort === key ? (state.dir === "asc" ? "desc" : "asc") : column.text ? "asc" : "desc";
  state.sort = key;
  saveUrl(false);
  for (const th of document.querySelectorAll("#rank th[data-col]")) {
    th.setAttribute("aria-sort", th.dataset.col === key ? (state.dir === "asc" ? "ascending" : "descending") : "none");
  }
  renderRows();
}

function visibleRows() {
  const q = state.q.trim().toLowerCase();
  const rows = view.rows.filter((r) => (!q || [r.name, r.key, r.owner || ""].some((t) => t.toLowerCase().includes(q)))
    && (!state.owner || r.owner === state.owner) && (!view.teamMembers || view.teamMembers.has(r.key)));
  const sign = state.dir === "asc" ? 1 : -1;
  const key = state.sort;
  return rows.slice().sort((a, b) => {
    const [x, y] = [cellValue(a, key), cellValue(b, key)];
    if (x === null || x === undefined) return y === null || y === undefined ? 0 : 1; // no value: last either way
    if (y === null || y === undefined) return -1;
    return sign * (typeof x === "string" ? x.localeCompare(y) : x - y);
  });
}

// A row's value in a column: its own field, or its outcome figures' cost per outcome (none: no outcomes).
function cellValue(item, key) {
  return key === "cost_per_outcome" ? (item.outcomes ? item.outcomes.cost_per_outcome : null) : item[key];
}

// A paused agent's hold in words: the budget and stage holding it and when it lifts.
function holdWords(hold) {
  return `${shortName(hold.key)} ${holdStage(hold)}`;
}

// A hold without the budget's name: its scope, period, use, stage and when it lifts.
function holdStage(hold) {
  return `(${hold.scope}) ${hold.period} budget at ${pct(hold.used_pct)} of ` +
    `${money(hold.limit)}: from ${whole.format(hold.stage * 100)}% it pauses ${hold.level === "all" ? "every agent"
      : hold.level === "normal" ? "normal and low agents" : "low agents"}; ` +
    (hold.lifts_at ? `lifts ${when(hold.lifts_at)}` : "lifts as the hour's spend ages out");
}

function rankRow(item, rank) {
  const delta = change(item);
  const page = item.attributed ? (GROUP_PAGE[state.by] ? href(`/${GROUP_PAGE[state.by]}/${encodeName(item.key)}`) : null)
    : href("/unattributed");
  const values = view.sparkValues[item.key] || [];
  const row = el("tr", { class: item.attributed ? null : "unattributed", "data-key": item.key },
    el("td", { class: "num" }, rank),
    el("th", { scope: "row" }, link(item.name, page, { class: "name" }),
      item.attributed ? "" : el("span", { class: "tag" }, "agent names no note carries"),
      item.anomaly ? el("a", { class: "tag alert", href: href(`/agent/${encodeName(item.key)}`), "data-nav": true,
        title: item.anomaly.sentence }, "anomaly") : "",
      view.paused.has(item.key) ? el("span", { class: "tag paused", title: `Paused by ${view.paused.get(item.key)
        .held_by.map(holdWords).join("; ")}` }, "paused") : ""),
    el("td", { class: "num" }, money(item.cost_usd)),
    el("td", { class: "num" }, money(item.cost_per_day)),
    el("td", { class: "num" }, one.format(item.runs_per_day)),
    el("td", { class: "num" }, money(item.cost_per_1k_runs)),
    el("td", { class: "num", title: item.outcomes ? `per ${item.outcomes.outcome}` : null },
      item.outcomes ? unitMoney(item.outcomes.cost_per_outcome) : ""),
    el("td", { class: "num" }, item.tokens_per_run === null ? "–" : whole.format(item.tokens_per_run)),
    el("td", { class: "num" }, money(item.projected_month)),
    el("td", { class: `num ${delta.cls || ""}` }, delta.text),
    el("td", { class: "num" }, pct(item.budget_used_pct)),
    el("td", { class: "owner" }, item.owner ? link(shortName(item.owner), href(`/owner/${encodeName(item.owner)}`)) : "–"),
    el("td", { class: "trend" }, Charts.sparkline(values, view.sparkMax,
      `${item.name}: ${money(item.cost_usd)} in range, peak ${money(Math.max(0, ...values))} per ${view.series.bucket}`)));
  return row;
}

function renderRows() {
  const body = $("rank").tBodies[0];
  const rows = visibleRows();
  body.replaceChildren(...rows.map((item, i) => rankRow(item, i + 1)));
  if (!rows.length) body.append(el("tr", {}, el("td", { colspan: COLUMNS.length + 2 }, "No rows match.")));
  $("rank-count").textContent = `${rows.length} of ${view.rows.length} rows` +
    (rows.length < view.rows.length ? ` (filtered); ${money(rows.reduce((a, r) => a + r.cost_usd, 0))} of ` +
      `${money(view.rows.reduce((a, r) => a + r.cost_usd, 0))}` : "");
}

function anomalyCards(list, anomalies) {
  list.replaceChildren();
  if (!anomalies.length) list.append(el("li", { class: "none" }, "No anomalies in this range."));
  for (const a of anomalies.slice(0, 12)) {
    const top = a.candidates && a.candidates.length && !a.abstained ? a.candidates[0].change : null;
    const cause = a.cause !== undefined ? (a.abstained || !a.cause ? null : a.cause) : top ? top.summary : null;
    list.append(el("li", { class: "card", "data-id": a.id },
      el("p", { class: "card-head" }, link(a.name || shortName(a.agent), href(`/agent/${encodeName(a.agent)}`)), " ",
        el("span", { class: "tag" }, `${a.kind}, ${a.ratio === null ? "from nothing" : `${one.format(a.ratio)}× cost`}, +${money(a.excess_usd)}`),
        el("span", { class: "tag" }, a.end ? `${when(a.onset)} to ${when(a.end)}` : `since ${when(a.onset)}`),
        a.suppressed ? el("span", { class: "tag" }, "planned") : ""),
      el("p", {}, a.sentence),
      el("p", { class: cause ? "cause" : "cause muted" }, cause ? ["Likely cause: ", el("strong", {}, cause)]
        : "Likely cause: no recorded change explains it."),
      a.shares ? el("p", { class: "muted" }, "What moved: ", Object.entries(a.shares)
        .map(([k, v]) => `${k} ${whole.format(v * 100)}%`).join(", ")) : ""));
  }
}

// -- budgets and burn ------------------------------------------------------------------------------------------------

function tightest(budget) {
  return budget.periods.reduce((a, p) => (a === null || p.used_pct > a.used_pct ? p : a), null);
}

const statusOf = (p) => (p.used_pct >= 100 ? "over" : p.used_pct >= 75 ? "near" : "ok");

function budgetPage(b) {
  const page = b.scope === "project" ? "project" : b.scope === "agent" ? "agent" : "owner";
  return href(`/${page}/${encodeName(b.key)}`);
}

async function budgetsTable(box, keep) {
  const budgets = await get("/v1/budgets", { limit: 500 });
  const items = keep ? budgets.items.filter(keep) : budgets.items;
  const body = el("tbody");
  for (const b of items) {
    const p = tightest(b);
    if (!p) continue;
    const status = statusOf(p);
    body.append(el("tr", { class: `budget-${status}` },
      el("th", { scope: "row" }, link(shortName(b.key), budgetPage(b)), " ", el("span", { class: "muted" }, b.scope)),
      el("td", {}, `${money(p.limit)} per ${p.period}`), el("td", { class: "num" }, money(p.spent)),
      el("td", { class: "num" }, pct(p.used_pct)), el("td", {}, el("span", { class: `status ${status}` }, status))));
  }
  if (!body.rows.length) body.append(el("tr", {}, el("td", { colspan: 5 }, "No budgets.")));
  box.replaceChildren(el("div", { class: "section-head" }, el("p", { class: "note" }, budgets.summary),
    csvLink("budgets")), el("div", { class: "table-wrap" },
    el("table", { id: "budget-table" }, el("caption", {}, "Budgets by their most used limit, most used first"),
      el("thead", {}, el("tr", {}, ...["Budget", "Limit", "Spent", "Used", "Status"].map((h, i) =>
        el("th", { scope: "col", class: i === 2 || i === 3 ? "num" : null }, h)))), body)));
  return items;
}

// One burn chart per period with a start (day, month): cumulative spend this period from the series route, the
// limit and its thresholds; the projection and run-out date when the budgets answer carries them.
async function burnCharts(box, budget, by, key) {
  for (const period of budget.periods.filter((p) => p.start && p.period !== "run" && p.period !== "hour")) {
    const end = period.end || periodEnd(period);
    const bucket = period.period === "day" ? "hour" : "day";
    const series = await get("/v1/spend/series", { since: period.start, until: view.serverNow, by, bucket });
    const group = series.groups.find((g) => g.key === key);
    // the spend so far at each bucket's end: nothing at the period's start, all of it at the series' end (now)
    let sum = 0;
    const cumulative = [0, ...(group ? group.values : series.starts.map(() => 0)).map((v) => (sum += v))];
    const days = [period.start, ...series.starts.slice(1), series.until];
    const projection = period.projected_usd ?? null;
    const figure = el("figure", { class: "burn", "data-period": period.period });
    const chartBox = el("div", { class: "chart" });
    const words = [`${money(period.spent)} of ${money(period.limit)} per ${period.period} (${pct(period.used_pct)})`];
    if (period.burn_usd_per_day !== undefined && period.burn_usd_per_day !== null) {
      words.push(`burning ${money(period.burn_usd_per_day)}/day${period.burn_window ? ` (over ${period.burn_window})` : ""}`);
    }
    if (projection !== null) words.push(`projected ${money(projection)} by ${when(end)}`);
    if (period.runs_out_at) words.push(runOut(period));
    else if ("runs_out_at" in period) words.push("does not run out this period at this burn");
    figure.append(chartBox, el("figcaption", {}, words.join("; ") + ". Thresholds 50/75/90/100% dashed."));
    box.append(figure);
    view.burns.push(Charts.burn(chartBox, { start: period.start, end, now: view.serverNow, days, cumulative,
      limit: period.limit, projection, runsOut: period.runs_out_at || null, runOutWords: period.runs_out_at ? runOut(period) : null }));
  }
}

// When a period's budget runs out: `runs_out_at` is the present once it has (the spend is at or over the limit).
function runOut(period) {
  return period.spent >= period.limit ? `ran out: ${money(period.spent - period.limit)} over the limit`
    : `runs out ${when(period.runs_out_at)} at this burn`;
}

function periodEnd(period) {
  const start = new Date(period.start);
  const end = period.period === "day"
    ? new Date(start.getTime() + 86400e3)
    : new Date(Date.UTC(start.getUTCFullYear(), start.getUTCMonth() + 1, 1));
  return end.toISOString().slice(0, 19) + "Z";
}

// -- node pages ------------------------------------------------------------------------------------------------------

function refList(title, refs, describe, empty) {
  return el("div", {}, el("h3", {}, title), el("ul", { class: "refs" },
    refs.length ? refs.map((r) => el("li", {}, link(r.name, pageOf(r.kind, r.id)), " ",
      el("span", { class: "muted" }, describe(r)))) : el("li", { class: "none" }, empty || "none")));
}

// The series a page draws, remembered with its ETag as what the live poll asks again.
async function watchedSeries(params) {
  const series = await get("/v1/spend/series", params, {});
  view.etag = series.etag;
  view.liveUrl = ["/v1/spend/series", params];
  return series.body;
}

async function groupSeries(by, key) {
  const seriesSpan = span();
  const body = await watchedSeries({ ...seriesSpan, by, bucket: bucketOf(seriesSpan) });
  const group = body.groups.find((g) => g.key === key);
  return { ...body, groups: group ? [group] : [], total_cost_usd: group ? group.cost_usd : 0 };
}

async function budgetsFor(box, keep, by, key) {
  const section = el("section", { "aria-labelledby": "burn-title" }, el("h2", { id: "burn-title" }, "Budgets and burn"));
  box.append(section);
  const holder = el("div");
  const items = await budgetsTable(holder, keep);
  if (!items.length) { section.append(el("p", { class: "note" }, "No budget covers it.")); return; }
  section.append(holder);
  for (const budget of items) await burnCharts(section, budget, by, key);
}

async function agentPage(root, id) {
  const node = await get(`/v1/nodes/${encodeName(id)}`);
  const key = node.node.id;
  const series = await groupSeries("agent", key);
  // its pause and its outcome figures (the run-rate row of the range) come beside the markers, after the series
  const held = get("/v1/pauses", { agent: key });
  const rated = get("/v1/run-rate", { ...span(), by: "agent", limit: 500 });
  held.catch(() => null);
  rated.catch(() => null);
  const marks = await markers(series, key);
  const since = covering(series);
  const runs = `/v1/agents/${encodeName(key)}/runs`;
  const [top, flagged] = await Promise.all([get(runs, { since, limit: 10 }),
    get(runs, { since, limit: 10, flagged: true })]);
  $("headline").textContent = node.summary;
  const hop = (r) => `(${r.relation}${r.depth > 1 ? `, ${r.depth} hops` : ""}${r.cost_per_day ? `, ${money(r.cost_per_day)}/day` : ""})`;
  root.replaceChildren(
    el("h1", { id: "page-title", class: "page-title" }, node.node.name, el("span", { class: "tag" }, "agent")),
    el("p", { id: "page-summary" }, `${money(series.total_cost_usd)} from ${rangeWords(series)}. `, node.summary),
    chartSection(`Spend per ${series.bucket}`, null),
    el("div", { class: "lists" },
      refList("Owners", node.owners, (o) => `(${o.kind}${o.inherited_from ? `, inherited from ${shortName(o.inherited_from)}` : ""})`),
      refList("Depends on", node.dependencies, hop), refList("Depended on by", node.dependents, hop)),
    el("section", { "aria-labelledby": "agent-anomalies" }, el("h2", { id: "agent-anomalies" }, "Anomalies"),
      el("ol", { id: "anomaly-list", class: "cards" })),
    el("div", { class: "columns" },
      el("section", {}, el("h2", {}, "Most expensive runs"), runsTable(top.items, "runs-top")),
      el("section", {}, el("h2", {}, "Flagged runs"), runsTable(flagged.items, "runs-flagged"))));
  drawChart($("chart"), series, marks, 260);
  $("chart-note").textContent = markerNote(marks);
  anomalyCards($("anomaly-list"), marks.anomalies.map((a) => ({ ...a, name: node.node.name })));
  const [pauses, rate] = await Promise.all([held, rated]);
  const row = rate.items.find((r) => r.key === key);
  $("page-summary").after(holdSection(pauses.items[0]), outcomeSection(row ? row.outcomes : null));
  await budgetsFor(root, (b) => b.scope === "agent" && b.key === key, "agent", key);
}

// An agent's pause: each budget stage holding it and when it lifts; nothing when no stage holds it.
function holdSection(pause) {
  if (!pause) return "";
  return el("section", { id: "hold", class: "hold", "aria-labelledby": "hold-title" },
    el("h2", { id: "hold-title" }, el("span", { class: "tag paused" }, "paused"), " ",
      pause.lifts_at ? `until ${when(pause.lifts_at)}` : "until its budgets' spend ages out"),
    el("ul", {}, pause.held_by.map((h) => el("li", {}, link(shortName(h.key), budgetPage(h)), " ",
      holdStage(h)))),
    el("p", { class: "note" }, `Its allowance check denies it (criticality ${pause.criticality}).`));
}

// An agent's outcomes over the range beside its cost (the ranked table's row): nothing when it reports none.
function outcomeSection(o) {
  if (!o) return el("p", { id: "outcomes", class: "note" }, "It reports no outcomes in this range.");
  const others = Object.entries(o.other_outcomes).map(([n, c]) => `${whole.format(c)} ${n}`).join(", ");
  return el("dl", { id: "outcomes", class: "figures" },
    el("div", {}, el("dt", {}, `Cost per ${o.outcome}`), el("dd", { id: "fig-per-outcome" }, unitMoney(o.cost_per_outcome))),
    el("div", {}, el("dt", {}, "Outcomes"), el("dd", { id: "fig-outcomes" },
      `${whole.format(o.outcomes)} (${num(3).format(o.outcomes_per_day)}/day)`)),
    el("div", {}, el("dt", {}, "Return on spend"), el("dd", { id: "fig-return" },
      o.return_on_spend === null || o.return_on_spend === undefined ? "–"
        : `${num(3).format(o.return_on_spend)}× (${money(o.value_usd)} of value)`)),
    others ? el("div", {}, el("dt", {}, "Also reported"), el("dd", {}, others)) : "");
}

async function ownerPage(root, id) {
  const node = await get(`/v1/nodes/${encodeName(id)}`);
  const key = node.node.id;
  const by = node.node.kind === "team" ? "team" : "owner";
  const series = await groupSeries(by, key);
  const seriesSpan = span();
  const portfolio = await get(`/v1/owners/${encodeName(key)}/portfolio`, { limit: 500,
    window: seriesSpan.window || covering(series) });
  $("headline").textContent = portfolio.summary;
  const owned = portfolio.items;
  const owners = node.owners.length ? node.owners
    : [];
  root.replaceChildren(
    el("h1", { id: "page-title", class: "page-title" }, node.node.name, el("span", { class: "tag" }, node.node.kind)),
    el("p", { id: "page-summary" }, `${money(series.total_cost_usd)} from ${rangeWords(series)} across what it owns. `,
      portfolio.summary),
    chartSection(`Spend per ${series.bucket} of what ${node.node.name} owns`, null),
    el("div", { class: "lists" },
      owners.length ? refList("Owners", owners, (o) => `(${o.kind})`)
        : el("div", {}, el("h3", {}, "Owners"), el("p", { class: "muted" },
          owned.length ? `Owns ${owned.length} things itself.` : "No owner recorded.")),
      el("div", { class: "wide" }, el("h3", {}, `Owns (${owned.length})`), el("ul", { class: "refs", id: "owned" },
        owned.length ? owned.map((i) => el("li", {}, link(i.name, pageOf(i.kind, i.id)), " ",
          el("span", { class: "muted" }, `(${i.kind}${i.inherited_from ? `, through ${shortName(i.inherited_from)}` : ""}` +
            `${i.via_team ? `, via ${shortName(i.via_team)}` : ""}${i.cost_per_day ? `, ${money(i.cost_per_day)}/day` : ""})`)))
          : el("li", { class: "none" }, "nothing")))));
  const marks = { bands: [], flags: [], anomalies: [] };
  drawChart($("chart"), series, marks, 240);
  $("chart-note").textContent = "";
  await budgetsFor(root, (b) => b.scope !== "agent" && b.scope !== "project" && b.key === key, by, key);
}

// A project's or client's spend by agent (only its events; spend no note carries is its own group).
async function spendByAgentOf(by, name) {
  const seriesSpan = span();
  return watchedSeries({ ...seriesSpan, by: "agent", bucket: bucketOf(seriesSpan), [by]: name });
}

function agentSpendTable(series) {
  return table("agent-spend", ["Agent", "$Spend", "$Share"], series.groups.map((g) => el("tr", {},
    el("td", {}, g.attributed ? link(g.name, pageOf("agent", g.key)) : el("em", {}, g.name)),
    el("td", { class: "num" }, money(g.cost_usd)),
    el("td", { class: "num" }, series.total_cost_usd ? `${(g.cost_usd / series.total_cost_usd * 100).toFixed(1)}%` : "–"))),
    "No spend in this range.");
}

async function dimensionPage(root, by, name) {
  const perAgent = by === "project" || by === "client";
  const series = perAgent ? await spendByAgentOf(by, name) : await groupSeries(by, name);
  $("headline").textContent = `${by} ${name}: ${money(series.total_cost_usd)} from ${rangeWords(series)}`;
  root.replaceChildren(
    el("h1", { id: "page-title", class: "page-title" }, name, el("span", { class: "tag" }, by)),
    el("p", { id: "page-summary" }, `${money(series.total_cost_usd)} from ${rangeWords(series)}.`),
    chartSection(`Spend per ${series.bucket}${perAgent ? " by agent" : ""}`, null));
  drawChart($("chart"), series, { bands: [], flags: [] }, 240);
  if (perAgent) {
    root.append(el("section", { "aria-labelledby": "agents-title" },
      el("h2", { id: "agents-title" }, "Spend by agent"), agentSpendTable(series)));
  }
  if (by === "model") {
    const node = await get(`/v1/nodes/${encodeName(name)}`).catch(() => null);
    if (node) {
      root.append(el("div", { class: "lists" }, refList("Used by", node.dependents,
        (r) => `(${r.relation}${r.cost_per_day ? `, ${money(r.cost_per_day)}/day` : ""})`)));
    }
  }
  if (perAgent) await budgetsFor(root, (b) => b.scope === by && b.key === name, by, name);
}

// -- the lists -------------------------------------------------------------------------------------------------------

function table(id, headers, rows, empty) {
  const body = el("tbody", {}, rows);
  if (!rows.length) body.append(el("tr", {}, el("td", { colspan: headers.length }, empty)));
  return el("div", { class: "table-wrap" }, el("table", { id },
    el("thead", {}, el("tr", {}, headers.map((h) => el("th", { scope: "col", class: h.startsWith("$") ? "num" : null },
      h.replace(/^\$/, ""))))), body));
}

function runsTable(runs, id) {
  return table(id, ["Run", "Agent", "Started", "Calls", "$Cost", "Flags"], runs.map((r) => el("tr", {},
    el("td", {}, el("code", {}, r.run_id)), el("td", {}, link(r.agent, pageOf("agent", r.node_id))),
    el("td", {}, when(r.start)), el("td", { class: "num" }, r.calls), el("td", { class: "num" }, money(r.cost_usd)),
    el("td", {}, r.flags.join(", ") || "–"))), "No runs in this range.");
}

async function listPage(root, name) {
  const seriesSpan = span();
  const series = await watchedSeries({ ...seriesSpan, by: "kind", bucket: "day" });
  const since = covering(series);
  const heading = (title, csv) => el("div", { class: "section-head" }, el("h1", { class: "page-title", id: "page-title" }, title), csv);
  if (name === "alerts") {
    const answer = await get("/v1/alerts", { since, limit: 500 });
    const items = answer.items.filter((a) => inRange(series, a.ts));
    $("headline").textContent = `${items.length} alerts from ${rangeWords(series)}`;
    root.replaceChildren(heading("Alerts", csvLink("alerts")), table("alerts-table",
      ["Happened", "Recorded", "Kind", "About", "Message", "Delivery"], items.map((a) => el("tr", {},
        el("td", {}, el("time", { datetime: a.ts }, when(a.ts))), el("td", {}, when(a.recorded_at)),
        el("td", {}, el("span", { class: "tag" }, a.kind)), el("td", {}, a.node_id ? link(shortName(a.node_id), pageOf("agent", a.node_id)) : "–"),
        el("td", {}, a.message), el("td", { class: a.delivered_at ? "down" : a.last_error ? "up" : "muted" },
          a.delivered_at ? `delivered ${when(a.delivered_at)}` : a.last_error
            ? `failed ${a.attempts}×: ${a.last_error}${a.next_attempt_at ? `; next ${when(a.next_attempt_at)}` : ""}`
            : a.attempts ? `${a.attempts} attempts` : "not sent (no webhook)"))), "No alerts in this range."));
  } else if (name === "runs") {
    const answer = await get("/v1/runs", { since, limit: 100, flagged: state.flagged || null });
    const items = answer.items.filter((r) => r.last_event >= series.since && r.start < series.until);
    $("headline").textContent = answer.summary;
    const toggle = el("label", { class: "check" }, el("input", { type: "checkbox", id: "flagged-only", checked: state.flagged }), " flagged only");
    root.replaceChildren(heading("Runs, most expensive first", csvLink("runs")), toggle, runsTable(items, "runs-table"));
    $("flagged-only").addEventListener("change", () => { state.flagged = $("flagged-only").checked; saveUrl(false); route(); });
  } else if (name === "changes") {
    const answer = await get("/v1/changes", { since, limit: 500 });
    const items = answer.items.filter((c) => inRange(series, c.ts));
    const wanted = new URLSearchParams(location.search).get("change");
    $("headline").textContent = `${items.length} changes from ${rangeWords(series)}`;
    root.replaceChildren(heading("Changes", csvLink("changes")), table("changes-table",
      ["When", "Kind", "Target", "Summary", "Ref", "Author"], items.map((c) => el("tr", { id: `change-${c.id}`,
        class: c.id === wanted ? "picked" : null }, el("td", {}, when(c.ts)), el("td", {}, el("span", { class: "tag" }, c.kind)),
      el("td", {}, link(shortName(c.target), c.node_id ? pageOf("agent", c.node_id) : null)), el("td", {}, c.summary),
      el("td", {}, c.ref || "–"), el("td", {}, c.author || "–"))), "No changes in this range."));
    if (wanted && $(`change-${wanted}`)) $(`change-${wanted}`).scrollIntoView({ block: "center" });
  } else if (name === "unattributed") {
    const answer = await get("/v1/unattributed", { window: since, limit: 200 });
    $("headline").textContent = answer.summary;
    root.replaceChildren(heading("Unattributed spend", csvLink("unattributed")),
      el("p", { class: "note" }, "Spend reported under these agent names reaches no note. Add each name to the right " +
        "agent note's aliases (or cost_keys for a provider key) and its spend, past and future, is attributed."),
      table("unattributed-table", ["Name to add", "$Spend", "Calls", "Runs", "Add to the note as"], answer.items.map((n) =>
        el("tr", {}, el("td", {}, el("code", {}, n.name)), el("td", { class: "num" }, money(n.cost_usd)),
          el("td", { class: "num" }, n.calls), el("td", { class: "num" }, n.runs),
          el("td", {}, el("code", {}, `aliases: [${JSON.stringify(n.name)}]`)))), "Every agent name belongs to a note."),
      answer.unpriced.length ? el("p", { class: "note" }, `Unpriced models: ${answer.unpriced.map((u) => u.model).join(", ")}`) : "");
  } else if (name === "problems") {
    const answer = await get("/v1/check", { limit: 500 });
    $("headline").textContent = answer.summary;
    root.replaceChildren(heading("Vault problems", csvLink("problems")), table("problems-table", ["Severity", "Note", "Line", "Problem"],
      answer.items.map((p) => el("tr", { class: p.severity === "error" ? "up" : null }, el("td", {}, p.severity),
        el("td", {}, el("code", {}, p.path)), el("td", { class: "num" }, p.line), el("td", {}, `${p.code}: ${p.message}`))),
      "The vault has no problems."));
  } else {
    throw new Error(`no such page: ${location.pathname}`);
  }
}

// -- routing, live updates, wiring -----------------------------------------------------------------------------------

async function route() {
  $("error").hidden = true;
  document.body.setAttribute("aria-busy", "true");
  document.documentElement.removeAttribute("data-ready");
  document.documentElement.removeAttribute("data-first-view");
  document.documentElement.removeAttribute("data-table");
  readUrl();
  view.burns.forEach((b) => b.destroy());
  view.burns = [];
  if (view.chart) { view.chart.destroy(); view.chart = null; }
  view.liveUrl = null;
  view.marks = null;
  const root = $("view");
  $("by").disabled = !["overview"].includes(state.view);
  try {
    // the server's clock, which month presets and from/to ranges go by (a window's first answer brings it too)
    if (!view.serverNow && (state.from || state.to || ["mtd", "last-month"].includes(state.range))) {
      await get("/v1/spend/series", { window: "1h", by: "kind", bucket: "hour" });
    }
    if (state.view === "overview") await overview(root);
    else if (state.view === "agent") await agentPage(root, state.id);
    else if (state.view === "owner") await ownerPage(root, state.id);
    else if (["project", "client", "model"].includes(state.view)) await dimensionPage(root, state.view, state.id);
    else await listPage(root, state.view);
  } catch (error) {
    showError(error);
  }
  saveUrl(false);
  document.body.removeAttribute("aria-busy");
  document.documentElement.setAttribute("data-ready", "true");
}

function navigate(url) {
  history.pushState(null, "", url);
  route().then(() => $("view").focus({ preventScroll: true }));
}

// Poll the view's series with its ETag: a 304 costs nothing and redraws nothing; new data redraws the chart, and the
// table only when its rows changed.
async function live() {
  if (document.hidden || !view.liveUrl || document.body.hasAttribute("aria-busy")) return;
  const [path, params] = view.liveUrl;
  try {
    const answer = await get(path, params, view.etag ? { "if-none-match": view.etag } : {});
    $("live").classList.remove("stale");
    $("live-text").textContent = `live, checked ${new Date().toISOString().slice(11, 19)} UTC`;
    if (answer.notModified || answer.etag === view.etag) return;
    view.etag = answer.etag;
    if (state.view === "overview") await liveOverview(answer.body);
    else await route();
    document.documentElement.dataset.updates = String(Number(document.documentElement.dataset.updates || 0) + 1);
  } catch (error) {
    $("live").classList.add("stale");
    $("live-text").textContent = "live updates paused: the server did not answer";
  }
}

document.addEventListener("DOMContentLoaded", () => {
  document.addEventListener("click", (event) => {
    const a = event.target.closest("a[data-nav]");
    if (!a || event.ctrlKey || event.metaKey || event.shiftKey || event.button !== 0) return;
    event.preventDefault();
    navigate(a.getAttribute("href"));
  });
  window.addEventListener("popstate", () => route());
  for (const button of document.querySelectorAll("[data-range]")) {
    button.addEventListener("click", () => {
      state.range = button.dataset.range;
      state.from = state.to = null;
      saveUrl(true);
      route();
    });
  }
  $("time").addEventListener("submit", (event) => {
    event.preventDefault();
    state.from = $("from").value || null;
    state.to = $("to").value || null;
    if (!state.from && !state.to) return;
    saveUrl(true);
    route();
  });
  $("by").addEventListener("change", () => {
    state.by = $("by").value;
    state.owner = state.team = "";
    saveUrl(true);
    route();
  });
  route();
  setInterval(live, LIVE_MS);
});
