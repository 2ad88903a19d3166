// orgmap charts: the stacked spend chart, the budget burn chart (both on the vendored uPlot) and row sparklines
// (plain SVG). Markers (anomaly bands, changes) are links laid over the plot, so they can be hovered, focused and
// followed. Times are UTC; data reaches the DOM as text only.
"use strict";

const Charts = (() => {
  const PALETTE = ["#1f5fbf", "#c2410c", "#0f766e", "#7c3aed", "#b91c1c", "#4d7c0f", "#a16207", "#be185d",
    "#0e7490", "#57534e"];
  const OTHER = "#9aa3ae";
  const UNATTRIBUTED = "#d97706";
  const usd = new Intl.NumberFormat("en-US", { style: "currency", currency: "USD" });
  const utc = (ts) => uPlot.tzDate(new Date(ts * 1e3), "Etc/UTC");

  function short(value) {
    const abs = Math.abs(value);
    if (abs >= 1e6) return `$${(value / 1e6).toFixed(abs >= 1e7 ? 0 : 1)}M`;
    if (abs >= 1e3) return `$${(value / 1e3).toFixed(abs >= 1e4 ? 0 : 1)}k`;
    if (abs >= 10 || abs === 0) return `$${value.toFixed(0)}`;
    return `$${value.toFixed(abs >= 1 ? 1 : 2)}`;
  }

  function stamp(ts, bucket) {
    const iso = new Date(ts * 1e3).toISOString();
    return bucket === "day" ? iso.slice(0, 10) : `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC`;
  }

  function colour(group, i) {
    if (group.key === "(unattributed)") return UNATTRIBUTED;
    if (group.key === "(other)") return OTHER;
    return PALETTE[i % PALETTE.length];
  }

  function node(tag, attrs, text) {
    const el = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) if (v !== null && v !== undefined) el.setAttribute(k, v);
    if (text !== undefined) el.textContent = text;
    return el;
  }

  // Markers over the plot: bands [{from, to, label, href}] and changes [{at, label, href}] (seconds).
  function markerPlugin(markers) {
    let layer = null;
    function place(u) {
      layer.replaceChildren();
      const [min, max] = [u.scales.x.min, u.scales.x.max];
      // the shading and lines take no pointer events (the chart's cursor works over them); the strips and flags at
      // the top are the links to hover, focus and follow
      let lane = 0; // each anomaly's strip in a lane of its own, so overlapping ones stay apart
      for (const band of markers.bands || []) {
        const from = Math.max(band.from, min);
        const to = Math.min(band.to ?? max, max);
        if (to <= from) continue;
        const left = `${u.valToPos(from, "x")}px`;
        const width = `${Math.max(u.valToPos(to, "x") - u.valToPos(from, "x"), 3)}px`;
        const shade = node("div", { class: `band-shade ${band.cls || ""}` });
        const grip = node(band.href ? "a" : "div", { class: `marker-band ${band.cls || ""}`, href: band.href,
          title: band.label, "aria-label": band.label });
        for (const part of [shade, grip]) { part.style.left = left; part.style.width = width; }
        grip.style.top = `${(lane++ % 8) * 5}px`;
        layer.append(...(markers.bands.length <= 3 ? [shade, grip] : [grip])); // many: the strips alone stay readable
      }
      for (const change of markers.changes || []) {
        if (change.at < min || change.at > max) continue;
        const left = `${u.valToPos(change.at, "x")}px`;
        const line = node("div", { class: `change-line kind-${change.kind || "other"}` });
        const flag = node(change.href ? "a" : "div", { class: `marker-change kind-${change.kind || "other"}`,
          href: change.href, title: change.label, "aria-label": change.label });
        line.style.left = left;
        flag.style.left = left;
        layer.append(line, flag);
      }
    }
    return {
      hooks: {
        init: (u) => { layer = node("div", { class: "markers" }); u.over.append(layer); },
        draw: (u) => place(u),
      },
    };
  }

  // A tooltip listing the hovered bucket's values (raw, not stacked), largest first, and their total.
  function tooltipPlugin(raw, names, bucket) {
    let tip = null;
    return {
      hooks: {
        init: (u) => { tip = node("div", { class: "chart-tip", role: "status" }); tip.hidden = true; u.over.append(tip); },
        setCursor: (u) => {
          const idx = u.cursor.idx;
          if (idx === null || idx === undefined || u.cursor.left < 0) { tip.hidden = true; return; }
          const rows = raw.map((values, i) => [names[i], values[idx], i]).filter(([, v, i]) => v > 0 && u.series[i + 1].show)
            .sort((a, b) => b[1] - a[1]);
          const total = rows.reduce((a, [, v]) => a + v, 0);
          tip.replaceChildren(node("strong", {}, stamp(u.data[0][idx], bucket)),
            ...rows.slice(0, 8).map(([name, v]) => node("div", {}, `${name}: ${usd.format(v)}`)),
            rows.length > 8 ? node("div", { class: "muted" }, `and ${rows.length - 8} more`) : "",
            node("div", { class: "tip-total" }, `Total: ${usd.format(total)}`));
          tip.hidden = false;
          const left = u.cursor.left;
          tip.style.left = `${left + 12 + 220 > u.over.clientWidth ? left - 232 : left + 12}px`;
          tip.style.top = "8px";
        },
      },
    };
  }

  // Layer i is the sum of the shown groups from i down to the last: the first (largest) group on top, each layer
  // filled to zero and painted before the smaller ones below it.
  function stack(raw, shown) {
    const out = [];
    let running = raw.length ? raw[0].map(() => 0) : [];
    for (let i = raw.length - 1; i >= 0; i--) {
      if (shown[i]) running = running.map((acc, j) => acc + raw[i][j]);
      out[i] = running.slice();
    }
    return out;
  }

  function width(container) {
    return Math.max(container.clientWidth || 0, 280);
  }

  // starts: ISO strings; groups: [{key, name, values}]; the chart draws them stacked, in the order given.
  function stacked(container, { starts, groups, bucket, markers, height }) {
    const xs = starts.map((s) => Date.parse(s) / 1e3);
    if (xs.length) xs.push(xs[xs.length - 1] + (bucket === "day" ? 86400 : 3600)); // the last bucket's end
    const raw = groups.map((g) => [...g.values, g.values.length ? g.values[g.values.length - 1] : 0]);
    const names = groups.map((g) => g.name);
    const shown = groups.map(() => true);
    const marks = { bands: (markers || {}).bands || [], changes: (markers || {}).changes || [] };
    const layers = () => stack(raw, shown);
    const step = uPlot.paths.stepped({ align: 1 });
    const series = [{ value: (u, v) => (v === null ? "–" : stamp(v, bucket)) }];
    groups.forEach((g, i) => {
      const c = colour(g, i);
      series.push({ label: g.name, stroke: c, fill: `${c}bb`, width: 1, paths: step, points: { show: false },
        value: (u, v, si, idx) => (idx === null || idx === undefined ? "–" : usd.format(raw[si - 1][idx])) });
    });
    const opts = {
      width: width(container),
      height: height || 300,
      tzDate: utc,
      series,
      scales: { x: { time: true }, y: { range: (u, min, max) => [0, max > 0 ? max * 1.08 : 1] } },
      axes: [{ stroke: "#5b6472", grid: { stroke: "#eef1f5" } },
        { stroke: "#5b6472", grid: { stroke: "#eef1f5" }, size: 60, values: (u, ticks) => ticks.map(short) }],
      legend: { live: false },
      cursor: { points: { show: false } },
      plugins: [markerPlugin(marks), tooltipPlugin(raw, names, bucket)],
      hooks: {
        setSeries: [(u, i) => {
          if (i === null) return;
          shown[i - 1] = u.series[i].show;
          u.setData([u.data[0], ...layers()]);
        }],
      },
    };
    const chart = new uPlot(opts, [xs, ...layers()], container);
    const setMarkers = ({ bands, changes }) => { // markers arrive after the first draw; place them without a rebuild
      marks.bands = bands;
      marks.changes = changes;
      chart.redraw(false, false);
    };
    const resize = () => chart.setSize({ width: width(container), height: opts.height });
    window.addEventListener("resize", resize);
    return { chart, setMarkers, destroy: () => { window.removeEventListener("resize", resize); chart.destroy(); } };
  }

  // Budget burn: cumulative spend this period against the limit (50/75/90/100% marked), and, when the answer has
  // them, the projection to the period's end at the current burn and the day the budget runs out.
  function burn(container, { start, end, now, days, cumulative, limit, projection, runsOut, runOutWords, height }) {
    const xs = days.map((d) => Date.parse(d) / 1e3);
    const endTs = Date.parse(end) / 1e3;
    const nowTs = Date.parse(now) / 1e3;
    const spent = cumulative.slice();
    const projected = xs.map(() => null);
    const projects = projection !== null && projection !== undefined && spent.length > 0;
    if (projects) projected[projected.length - 1] = spent[spent.length - 1];
    if (!xs.length || xs[xs.length - 1] < endTs) { // the limit and thresholds run to the period's end
      xs.push(endTs);
      spent.push(null);
      projected.push(projects ? projection : null);
    }
    const lines = [1, 0.9, 0.75, 0.5].map((f) => xs.map(() => limit * f));
    const series = [{ value: (u, v) => (v === null ? "–" : stamp(v, "day")) },
      { label: "Spent", stroke: "#1f5fbf", width: 2, fill: "#1f5fbf22", points: { show: false } },
      { label: "Projected", stroke: "#1f5fbf", width: 2, dash: [6, 4], points: { show: false }, show: projects },
      { label: "Limit", stroke: "#a32a1c", width: 2, points: { show: false } },
      { label: "90%", stroke: "#c2410c", width: 1, dash: [3, 3], points: { show: false } },
      { label: "75%", stroke: "#a16207", width: 1, dash: [3, 3], points: { show: false } },
      { label: "50%", stroke: "#6b7280", width: 1, dash: [3, 3], points: { show: false } }];
    const top = Math.max(limit, projection || 0, ...cumulative) * 1.1 || 1;
    const markers = { bands: [], changes: [] };
    if (runsOut) {
      markers.changes.push({ at: Date.parse(runsOut) / 1e3, kind: "runs-out",
        label: runOutWords[0].toUpperCase() + runOutWords.slice(1) });
    }
    markers.bands.push({ from: nowTs, to: endTs, cls: "future", label: `Rest of the period, to ${end.slice(0, 10)}` });
    const chart = new uPlot({
      width: width(container), height: height || 220, tzDate: utc, series,
      scales: { x: { time: true, range: () => [Date.parse(start) / 1e3, endTs] }, y: { range: () => [0, top] } },
      axes: [{ stroke: "#5b6472", grid: { stroke: "#eef1f5" } },
        { stroke: "#5b6472", grid: { stroke: "#eef1f5" }, size: 60, values: (u, ticks) => ticks.map(short) }],
      cursor: { points: { show: false } },
      legend: { live: false },
      plugins: [markerPlugin(markers)],
    }, [xs, spent, projected, ...lines], container);
    return chart;
  }

  // A row's sparkline: `values` drawn against `max` (shared by every row), so rows compare at a glance.
  function sparkline(values, max, label) {
    const ns = "http://www.w3.org/2000/svg";
    const w = 120;
    const h = 28;
    const svg = document.createElementNS(ns, "svg");
    svg.setAttribute("viewBox", `0 0 ${w} ${h}`);
    svg.setAttribute("class", "spark");
    svg.setAttribute("role", "img");
    svg.setAttribute("aria-label", label);
    const title = document.createElementNS(ns, "title");
    title.textContent = label;
    svg.append(title);
    const n = values.length;
    const x = (i) => (n > 1 ? (i / (n - 1)) * (w - 2) + 1 : w / 2);
    const y = (v) => h - 1 - (max > 0 ? (v / max) * (h - 2) : 0);
    const line = values.map((v, i) => `${x(i).toFixed(1)},${y(v).toFixed(1)}`).join(" ");
    const area = document.createElementNS(ns, "polygon");
    area.setAttribute("points", `1,${h - 1} ${line} ${x(n - 1).toFixed(1)},${h - 1}`);
    area.setAttribute("class", "area");
    const poly = document.createElementNS(ns, "polyline");
    poly.setAttribute("points", line);
    poly.setAttribute("class", "line");
    svg.append(area, poly);
    return svg;
  }

  return { stacked, burn, sparkline, colour, short, stamp };
})();
