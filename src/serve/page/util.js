// The dashboard's helpers (baton serve): building nodes, formatting values, actor colours and
// commit links. Plain JavaScript, no build step; every value is inserted as text, never as HTML.
"use strict";
const token = new URLSearchParams(location.search).get("token");
const $ = (id) => document.getElementById(id);

function el(tag, props, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(props || {})) {
    if (v === null || v === undefined) continue;
    if (k === "class") node.className = v; else node.setAttribute(k, v);
  }
  for (const c of children) {
    if (c === null || c === undefined) continue;
    node.append(c instanceof Node ? c : String(c));
  }
  return node;
}
// Actors are names from the configuration: galph and ralph have their colours, any other
// actor gets one from its name.
const ACTOR_COLORS = { galph: "#6a4fd8", ralph: "#0f8a6a" };
function actorColor(name) {
  if (ACTOR_COLORS[name]) return ACTOR_COLORS[name];
  let h = 0;
  for (const ch of String(name)) h = (h * 31 + ch.codePointAt(0)) % 360;
  return "hsl(" + h + ", 55%, 42%)";
}
function actor(name) {
  const node = el("span", { class: "actor" }, name);
  node.style.color = actorColor(name);
  return node;
}
const badge = (text, kind) => el("span", { class: "badge " + (kind || text) }, text);
const short = (sha) => (sha ? sha.slice(0, 7) : "—");
const num = (n) => (n === null || n === undefined ? "—" : n.toLocaleString("en"));
const money = (c) => (c === null || c === undefined ? "—" : "$" + c.toFixed(2));
function dur(ms) {
  if (ms === null || ms === undefined) return "—";
  const s = Math.round(ms / 1000);
  if (s < 60) return s + "s";
  const m = Math.floor(s / 60);
  if (m < 60) return m + "m " + (s % 60) + "s";
  return Math.floor(m / 60) + "h " + (m % 60) + "m";
}
function ago(iso) {
  if (!iso) return "";
  const ms = Date.now() - Date.parse(iso);
  if (isNaN(ms)) return iso;
  return ms < 5000 ? "just now" : dur(ms) + " ago";
}
const clock = (iso) => (iso ? iso.replace("T", " ").replace("Z", "") : "—");
function fill(node, ...children) { node.replaceChildren(...children.filter((c) => c != null)); }
function kv(node, pairs) {
  fill(node, ...pairs.filter((p) => p[1] !== null && p[1] !== undefined && p[1] !== "")
    .flatMap(([k, v]) => [el("dt", {}, k), el("dd", {}, v)]));
}
// A commit's short SHA, linked through the snapshot's commit URL template when there is one.
// Only a hexadecimal SHA goes into a link, and only into an http(s) template.
let commitUrl = null;
function commit(sha) {
  if (!sha) return el("span", { class: "mono" }, "—");
  const ok = /^[0-9a-f]{4,64}$/i.test(sha) && commitUrl && /^https?:\/\//.test(commitUrl);
  if (!ok) return el("span", { class: "mono", title: sha }, short(sha));
  return el("a", { class: "mono", href: commitUrl.split("{sha}").join(sha), title: sha,
    target: "_blank", rel: "noopener noreferrer" }, short(sha));
}
// GET a JSON endpoint with the token; resolves to { status, body }.
async function getJson(path) {
  const headers = token ? { Authorization: "Bearer " + token } : {};
  const r = await fetch(path, { headers });
  let body = null;
  try { body = await r.json(); } catch (e) { body = { error: "not JSON (" + r.status + ")" }; }
  return { status: r.status, body };
}
