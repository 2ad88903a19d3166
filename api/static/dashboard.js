// orgmap dashboard: reads the same-origin /v1 API with GETs and renders it. Data reaches the DOM only as text
// (textContent, text nodes, setAttribute), never as markup.
"use strict";

const PAGE = 100;
const UNATTRIBUTED_TAG = "agent names no note carries";
const NODE_GROUPS = new Set(["agent", "owner", "team"]);
const usd = new Intl.NumberFormat("en-US", { style: "currency", currency: "USD" });
const num = (digits) => new Intl.NumberFormat("en-US", { maximumFractionDigits: digits });
const one = num(1);
const whole = num(0);
const state = { window: "7d", by: "agent", node: null, cursor: null };

const $ = (id) => document.getElementById(id);

// Build an element: attrs are set as attributes (class via className), children are nodes or text.
function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (key === "class") node.className = value;
    else node.setAttribute(key, value === true ? "" : String(value));
  }
  for (const child of children) {
    if (child === null || child === undefined) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

function clear(node) {
  node.replaceChildren();
  return node;
}

async function get(path, params) {
  const query = params ? "?" + new URLSearchParams(params).toString() : "";
  const response = await fetch(path + query, { headers: { accept: "application/json" } });
  const body = await response.json().catch(() => null);
  if (!response.ok) {
    const message = body && body.error ? body.error.message : response.statusText;
    throw new Error(`${path}: ${message}`);
  }
  return body;
}

function encodeName(id) {
  return id.split("/").map(encodeURIComponent).join("/");
}

const shortName = (id) => (id ? id.split("/").pop() : "");
const money = (value) => (value === null || value === undefined ? "–" : usd.format(value));
const when = (iso) => iso.replace("T", " ").slice(0, 16) + " UTC";

function pct(value) {
  if (value === null || value === undefined) return "–";
  return `${value < 10 ? num(2).format(value) : one.format(value)}%`;
}

function change(item) {
  if (item.change_pct === null || item.change_pct === undefined) {
    return item.baseline_cost_per_day === 0 && item.cost_per_day > 0 ? { text: "new", cls: "up" } : { text: "–" };
  }
  const value = item.change_pct;
  if (value > 0) return { text: `▲ +${one.format(value)}%`, cls: "up" };
  if (value < 0) return { text: `▼ ${one.format(value)}%`, cls: "down" };
  return { text: "0%" };
}

function showError(error) {
  const box = $("error");
  box.textContent = `Could not load: ${error.message}`;
  box.hidden = false;
}

// -- run-rate ------------------------------------------------------------------------------------------------------

function rankRow(item, rank) {
  const delta = change(item);
  let label = item.name;
  if (item.attributed && NODE_GROUPS.has(state.by)) {
    label = el("button", { type: "button", class: "link", "data-node": item.key }, item.name);
    label.addEventListener("click", () => openNode(item.key).catch(showError));
  }
  const row = el("tr", { class: item.attributed ? null : "unattributed", "data-key": item.key },
    el("td", { class: "num" }, rank),
    el("th", { scope: "row" }, label),
    el("td", { class: "num" }, money(item.cost_per_day)),
    el("td", { class: "num" }, one.format(item.runs_per_day)),
    el("td", { class: "num" }, money(item.cost_per_1k_runs)),
    el("td", { class: "num" }, item.tokens_per_run === null ? "–" : whole.format(item.tokens_per_run)),
    el("td", { class: "num" }, money(item.projected_month)),
    el("td", { class: `num ${delta.cls || ""}` }, delta.text),
    el("td", { class: "num" }, pct(item.budget_used_pct)),
    el("td", { class: "owner", title: item.owner || null }, shortName(item.owner) || "–"));
  if (!item.attributed) row.cells[1].append(" ", el("span", { class: "tag" }, UNATTRIBUTED_TAG));
  return row;
}

async function loadRunRate(append) {
  const params = { window: state.window, by: state.by, limit: PAGE };
  if (append && state.cursor) params.cursor = state.cursor;
  const answer = await get("/v1/run-rate", params);
  const body = $("rank").tBodies[0];
  if (!append) clear(body);
  const start = body.rows.length;
  answer.items.forEach((item, i) => body.append(rankRow(item, start + i + 1)));
  if (!answer.items.length && !append) {
    body.append(el("tr", {}, el("td", { colspan: 10 }, `No spend in the last ${state.window}.`)));
  }
  state.cursor = answer.next_cursor;
  $("more").hidden = !answer.next_cursor;
  $("headline").textContent = answer.summary;
  $("rank-name").textContent = state.by[0].toUpperCase() + state.by.slice(1);
  $("rank-caption").textContent = `Run-rate by ${state.by} over the last ${state.window}, highest cost per day first`;
  $("fig-total").textContent = `${money(answer.total_cost_per_day)}/day`;
  $("fig-month").textContent = money(answer.projected_month);
  $("fig-unattributed").textContent =
    `${money(answer.unattributed_cost_usd)} (${money(answer.unattributed_cost_per_day)}/day)`;
}

async function loadUnattributed() {
  const answer = await get("/v1/unattributed", { window: state.window, limit: 10 });
  const names = answer.items.map((item) => `${item.name} (${money(item.cost_usd)})`);
  $("unattributed-names").textContent = names.length
    ? `Unattributed names: ${names.join(", ")}. Add them to a note's aliases or cost_keys.`
    : "Every agent name in the window belongs to a note.";
}

// -- node detail -----------------------------------------------------------------------------------------------------

function sparkline(points) {
  const ns = "http://www.w3.org/2000/svg";
  const width = 320;
  const height = 60;
  const pad = 3;
  const values = points.map((p) => p.cost_usd);
  const max = Math.max(...values, 0) || 1;
  const step = values.length > 1 ? (width - 2 * pad) / (values.length - 1) : 0;
  const coords = values.map((v, i) => [pad + i * step, height - pad - (v / max) * (height - 2 * pad)]);
  const svg = document.createElementNS(ns, "svg");
  svg.setAttribute("viewBox", `0 0 ${width} ${height}`);
  svg.setAttribute("class", "sparkline");
  svg.setAttribute("role", "img");
  const title = document.createElementNS(ns, "title");
  title.textContent = `Spend per ${state.window === "24h" ? "hour" : "day"}, peak ${money(Math.max(...values, 0))}`;
  svg.append(title);
  const line = coords.map(([x, y]) => `${x.toFixed(1)},${y.toFixed(1)}`).join(" ");
  const area = document.createElementNS(ns, "polygon");
  area.setAttribute("points", `${pad},${height - pad} ${line} ${(pad + (values.length - 1) * step).toFixed(1)},${height - pad}`);
  area.setAttribute("class", "area");
  const poly = document.createElementNS(ns, "polyline");
  poly.setAttribute("points", line);
  poly.setAttribute("class", "line");
  svg.append(area, poly);
  return svg;
}

function refList(listId, refs, describe) {
  const list = clear($(listId));
  if (!refs.length) list.append(el("li", { class: "none" }, "none"));
  for (const ref of refs) {
    list.append(el("li", {}, el("span", { class: "ref" }, ref.name), " ", el("span", { class: "muted" }, describe(ref))));
  }
}

async function openNode(id) {
  state.node = id;
  saveState();
  const section = $("detail");
  const node = await get(`/v1/nodes/${encodeName(id)}`);
  $("detail-title").textContent = `${node.node.name} (${node.node.kind})`;
  $("detail-summary").textContent = node.summary;
  refList("detail-owners", node.owners, (o) =>
    `(${o.kind}${o.inherited_from ? `, inherited from ${shortName(o.inherited_from)}` : ""})`);
  const hop = (r) => `(${r.relation}${r.depth > 1 ? `, ${r.depth} hops` : ""}` +
    `${r.cost_per_day ? `, ${money(r.cost_per_day)}/day` : ""})`;
  refList("detail-dependencies", node.dependencies, hop);
  refList("detail-dependents", node.dependents, hop);
  const spark = clear($("spark"));
  const caption = $("spark-caption");
  $("spark-figure").hidden = node.node.kind !== "agent";
  if (node.node.kind === "agent") {
    const bucket = state.window === "24h" ? "hour" : "day";
    const series = await get(`/v1/agents/${encodeName(id)}/spend`, { window: state.window, bucket });
    spark.append(sparkline(series.points));
    const peak = series.points.reduce((a, p) => Math.max(a, p.cost_usd), 0);
    const span = series.points.length ? ` (${when(series.points[0].start)} to ` +
      `${when(series.points[series.points.length - 1].start)})` : "";
    caption.textContent = `Spend per ${bucket}, last ${state.window}${span}: ${money(series.total_cost_usd)} in all, ` +
      `peak ${money(peak)} per ${bucket}.`;
  }
  section.hidden = false;
  $("detail-title").focus();
}

function closeNode() {
  state.node = null;
  $("detail").hidden = true;
  saveState();
}

// -- anomalies, budgets, alerts -------------------------------------------------------------------------------------

async function loadAnomalies() {
  const answer = await get("/v1/anomalies", { since: "30d", state: "open", limit: 10 });
  $("anomalies-summary").textContent =
    `${answer.total} open: every one still going, and those that ended in the last 30 days; newest first.`;
  const list = clear($("anomaly-list"));
  if (!answer.items.length) list.append(el("li", { class: "none" }, "No open anomalies."));
  for (const a of answer.items) {
    const name = el("button", { type: "button", class: "link" }, a.name);
    name.addEventListener("click", () => openNode(a.agent).catch(showError));
    const cause = a.abstained || !a.cause
      ? el("p", { class: "cause muted" }, "Likely cause: no recorded change explains it.")
      : el("p", { class: "cause" }, "Likely cause: ", el("strong", {}, a.cause), a.cause_ref ? ` (${a.cause_ref})` : "",
        a.fix ? `; ended, likely fixed by ${a.fix}${a.fix_ref ? ` (${a.fix_ref})` : ""}` : "");
    list.append(el("li", { class: "card", "data-id": a.id },
      el("p", { class: "card-head" }, name, " ",
        el("span", { class: "tag" }, `${a.kind}, ${ratio(a.ratio)}, +${money(a.excess_usd)}`),
        a.suppressed ? el("span", { class: "tag" }, "planned") : null),
      el("p", {}, a.sentence), cause));
  }
}

// The JSON API sends an infinite ratio (spend from a zero baseline) as null.
const ratio = (value) => (value === null || value === undefined ? "from nothing" : `${one.format(value)}× cost`);

function tightest(budget) {
  return budget.periods.reduce((a, p) => (a === null || p.used_pct > a.used_pct ? p : a), null);
}

async function loadBudgets() {
  const [budgets, alerts] = await Promise.all([get("/v1/budgets", { limit: 10 }),
    get("/v1/alerts", { since: "7d", limit: 8 })]);
  $("budgets-summary").textContent = budgets.summary;
  const body = clear($("budget-table").tBodies[0]);
  if (!budgets.items.length) body.append(el("tr", {}, el("td", { colspan: 5 }, "No budgets in the vault.")));
  for (const b of budgets.items) {
    const p = tightest(b);
    if (!p) continue;
    const status = p.used_pct >= 100 ? "over" : p.used_pct >= 75 ? "near" : "ok";
    body.append(el("tr", { class: `budget-${status}` },
      el("th", { scope: "row", title: b.key }, `${shortName(b.key)} `, el("span", { class: "muted" }, b.scope)),
      el("td", {}, `${money(p.limit)} per ${p.period}`),
      el("td", { class: "num" }, money(p.spent)),
      el("td", { class: "num" }, pct(p.used_pct)),
      el("td", {}, el("span", { class: `status ${status}` }, status))));
  }
  const list = clear($("alert-list"));
  if (!alerts.items.length) list.append(el("li", { class: "none" }, "No alerts in the last 7 days."));
  for (const a of alerts.items) {
    list.append(el("li", {}, el("time", { datetime: a.ts, title: `recorded ${when(a.recorded_at)}` }, when(a.ts)), " ",
      el("span", { class: "tag" }, a.kind), " ", a.message));
  }
}

// -- state and wiring ------------------------------------------------------------------------------------------------

function saveState() {
  const params = new URLSearchParams({ window: state.window, by: state.by });
  if (state.node) params.set("node", state.node);
  history.replaceState(null, "", `#${params}`);
}

function readState() {
  const params = new URLSearchParams(location.hash.slice(1));
  if (["24h", "7d", "30d"].includes(params.get("window"))) state.window = params.get("window");
  if ([...$("by").options].some((o) => o.value === params.get("by"))) state.by = params.get("by");
  state.node = params.get("node");
  $("window").value = state.window;
  $("by").value = state.by;
}

async function refresh() {
  $("error").hidden = true;
  document.body.setAttribute("aria-busy", "true");
  const jobs = [loadRunRate(false), loadUnattributed()];
  if (state.node) jobs.push(openNode(state.node));
  await Promise.all(jobs).catch(showError);
  document.body.removeAttribute("aria-busy");
}

function onControls() {
  state.window = $("window").value;
  state.by = $("by").value;
  saveState();
  refresh();
}

document.addEventListener("DOMContentLoaded", () => {
  readState();
  $("window").addEventListener("change", onControls);
  $("by").addEventListener("change", onControls);
  $("more").addEventListener("click", () => loadRunRate(true).catch(showError));
  $("detail-close").addEventListener("click", closeNode);
  $("controls").addEventListener("submit", (event) => event.preventDefault());
  // The table first: the server answers one request at a time fastest, and the anomaly list is the slow one.
  refresh()
    .then(() => Promise.all([loadBudgets().catch(showError), loadAnomalies().catch(showError)]))
    .then(() => document.documentElement.setAttribute("data-ready", "true"));
});
