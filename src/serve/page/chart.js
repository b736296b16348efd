// Cost and tokens over time (baton serve): two small inline SVG charts over the turns the
// snapshot carries, one line per actor, each the actor's running total since the journal's
// first turn (the totals minus the turns shown give where each line starts). No library.
"use strict";
const SVG_NS = "http://www.w3.org/2000/svg";
function svg(tag, attrs, ...children) {
  const node = document.createElementNS(SVG_NS, tag);
  for (const [k, v] of Object.entries(attrs || {})) node.setAttribute(k, v);
  for (const c of children) node.append(c instanceof Node ? c : String(c));
  return node;
}
const tokensOf = (u) => (u.input_tokens === null || u.input_tokens === undefined) &&
  (u.output_tokens === null || u.output_tokens === undefined) ? null
  : (u.input_tokens || 0) + (u.output_tokens || 0);
const METRICS = {
  cost: { turn: (t) => (t.usage || {}).cost_usd, total: (s) => s.cost_usd, fmt: money },
  tokens: { turn: (t) => tokensOf(t.usage || {}), total: (s) => tokensOf(s), fmt: (n) => abbrev(n) },
};
function abbrev(n) {
  if (n === null || n === undefined) return "—";
  if (n >= 1e6) return (n / 1e6).toFixed(n >= 1e7 ? 0 : 1) + "M";
  if (n >= 1e3) return (n / 1e3).toFixed(n >= 1e4 ? 0 : 1) + "k";
  return String(Math.round(n));
}

// Per actor that reported the metric: its running total at each turn shown (oldest first).
function series(s, metric) {
  const names = Object.keys(s.totals.by_actor);
  for (const t of s.turns) if (!names.includes(t.actor)) names.push(t.actor);
  const out = [];
  for (const name of names) {
    const total = s.totals.by_actor[name] ? metric.total(s.totals.by_actor[name]) : null;
    if (total === null || total === undefined) continue;
    const shown = s.turns.filter((t) => t.actor === name)
      .reduce((sum, t) => sum + (metric.turn(t) || 0), 0);
    let running = Math.max(0, total - shown);
    const points = s.turns.map((t) => {
      if (t.actor === name) running += metric.turn(t) || 0;
      return running;
    });
    out.push({ name, points, last: total });
  }
  return out;
}

function drawChart(box, s, key) {
  const metric = METRICS[key];
  const lines = series(s, metric);
  const plot = box.querySelector(".plot");
  const legend = box.querySelector(".legend");
  if (!s.turns.length || !lines.length) {
    fill(plot, el("div", { class: "empty" }, s.turns.length ? "no agent reported it yet" : "no turns yet"));
    fill(legend);
    return;
  }
  const W = Math.max(160, Math.floor(plot.clientWidth || 300)), H = 130;
  const left = 44, right = 8, top = 8, bottom = 18;
  const max = Math.max(...lines.flatMap((l) => l.points), 0) || 1;
  const count = s.turns.length;
  const x = (i) => left + (count === 1 ? (W - left - right) / 2 : i * (W - left - right) / (count - 1));
  const y = (v) => top + (H - top - bottom) * (1 - v / max);
  const chart = svg("svg", { width: W, height: H, viewBox: "0 0 " + W + " " + H, role: "img",
    "aria-label": key + " over the newest turns, by actor" });
  chart.append(
    svg("line", { x1: left, y1: y(0), x2: W - right, y2: y(0), class: "axis" }),
    svg("line", { x1: left, y1: y(max), x2: W - right, y2: y(max), class: "grid" }),
    svg("text", { x: left - 4, y: y(max) + 4, "text-anchor": "end", class: "tick" }, metric.fmt(max)),
    svg("text", { x: left - 4, y: y(0) + 4, "text-anchor": "end", class: "tick" }, metric.fmt(0)),
    svg("text", { x: left, y: H - 4, class: "tick" }, "turn " + s.turns[0].n),
    svg("text", { x: W - right, y: H - 4, "text-anchor": "end", class: "tick" }, "turn " + s.turns[count - 1].n));
  for (const l of lines) {
    const points = l.points.map((v, i) => x(i).toFixed(1) + "," + y(v).toFixed(1)).join(" ");
    chart.append(svg("polyline", { points, class: "line", fill: "none", stroke: actorColor(l.name),
      "stroke-width": 2, "data-actor": l.name, "data-last": l.last }));
    if (count === 1) chart.append(svg("circle", { cx: x(0), cy: y(l.points[0]), r: 3, fill: actorColor(l.name) }));
  }
  fill(plot, chart);
  fill(legend, ...lines.map((l) => el("span", { class: "key" }, actor(l.name), " ", metric.fmt(l.last))));
}

let chartSnap = null;
function renderCharts(s) {
  chartSnap = s;
  drawChart($("chart-cost"), s, "cost");
  drawChart($("chart-tokens"), s, "tokens");
}
// Drawn again at its new width when a plot's box changes (a rotated phone, a narrower
// window): the text stays at its size rather than being scaled with the picture.
const plotSizes = new ResizeObserver((entries) => {
  const moved = entries.some((e) => {
    const svgNode = e.target.querySelector("svg");
    return svgNode && Number(svgNode.getAttribute("width")) !== Math.max(160, Math.floor(e.target.clientWidth));
  });
  if (moved && chartSnap) renderCharts(chartSnap);
});
for (const plot of document.querySelectorAll(".chart .plot")) plotSizes.observe(plot);
