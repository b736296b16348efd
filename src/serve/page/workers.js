// The workers and the workflow (baton serve). Workers: one row per running worker — its
// task, branch, time so far and last transcript line — then the newest ended ones with their
// landing; a click on a worker (or Enter) opens its transcript, read from
// /api/worker/<worker>/<task>/transcript and read again whenever the snapshot says it grew.
// Workflow: baton graph's drawing, the actors running and ready marked, and where the
// iteration stands. Every value is inserted as text.
"use strict";
const WORKER_COLUMNS = 6;
// Opened workers by key: { row, pre, name, bytes (what was read), loading }.
const openedWorkers = new Map();
const workerKey = (w) => w.worker + "/" + w.task + "/" + w.n;

function elapsed(from, to) {
  const a = Date.parse(from), b = to ? Date.parse(to) : Date.now();
  return isNaN(a) || isNaN(b) ? "—" : dur(Math.max(0, b - a));
}

// How a worker ended, as a badge, and what the landing says (its merge, its conflicts, why).
function landingCell(w, running) {
  if (running) return el("td", { class: "landing" }, badge("running"));
  const kind = { landed: "ok", conflict: "failed", red: "failed", failed: "failed",
    limited: "limited", interrupted: "interrupted" }[w.landing] || "";
  const detail = w.merge ? el("span", { class: "muted" }, " ", commit(w.merge))
    : w.conflicts && w.conflicts.length ? el("span", { class: "muted" }, " " + w.conflicts.join(", "))
    : w.error ? el("span", { class: "muted" }, " " + w.error) : null;
  return el("td", { class: "landing" }, badge(w.landing || "gone", kind), detail);
}

// The worker's name in its actor's colour.
function workerName(w) {
  const node = el("span", { class: "actor" }, w.worker);
  node.style.color = actorColor(w.actor || w.worker.replace(/-\d+$/, ""));
  return node;
}

function workerRow(w, running) {
  const key = workerKey(w);
  const open = openedWorkers.has(key);
  const label = (name, props) => Object.assign({ "data-label": name }, props || {});
  const time = running ? el("span", { "data-elapsed": w.started_at || "" }, elapsed(w.started_at))
    : elapsed(w.started_at, w.ended_at);
  return el("tr", { class: "worker " + (running ? "running" : "ended") + (open ? " open" : ""),
    "data-key": key, "data-worker": w.worker, "data-task": w.task, tabindex: 0,
    "aria-expanded": open ? "true" : "false" },
    el("td", { class: "who" }, workerName(w)),
    el("td", label("task", { class: "mono" }), w.task),
    el("td", label("branch", { class: "mono muted branch" }), w.branch || "—"),
    el("td", label("time", { class: "num" }), time, w.attempt > 1 ? el("span", { class: "muted" }, " (run " + w.attempt + ")") : null),
    el("td", { class: "last mono", title: w.last_line || "" }, w.last_line || ""),
    landingCell(w, running));
}

function workerDetail(w) {
  const pre = el("pre", { class: "log" }, "reading the transcript…");
  const name = el("span", { class: "mono muted log-name" });
  const row = el("tr", { class: "detail", "data-key": workerKey(w) }, el("td", { colspan: WORKER_COLUMNS },
    el("div", { class: "worker-detail" }, el("h3", {}, "Transcript of " + w.worker + ", task " + w.task + " ", name), pre)));
  return { row, pre, name, bytes: -1, loading: false };
}

async function loadWorker(w, open) {
  if (open.loading) return;
  open.loading = true;
  const path = "/api/worker/" + encodeURIComponent(w.worker) + "/" + encodeURIComponent(w.task) + "/transcript";
  const { status, body } = await getJson(path).catch((e) => ({ status: 0, body: { error: String(e) } }));
  open.loading = false;
  if (status !== 200) { open.pre.classList.add("problem"); open.pre.textContent = body.error || "failed: " + status; return; }
  open.pre.classList.remove("problem");
  const pre = open.pre;
  const atEnd = open.bytes < 0 || pre.scrollTop + pre.clientHeight >= pre.scrollHeight - 20;
  open.bytes = body.bytes;
  open.name.textContent = body.log || "";
  pre.textContent = (body.from > 0 ? "… (the first " + body.from.toLocaleString("en") + " bytes are not kept here; its turn log has them)\n" : "") +
    (body.text || (body.running ? "(no output yet)" : "(no output)"));
  if (atEnd) pre.scrollTop = pre.scrollHeight;
  // It grew while it was read: read again.
  if (snap) {
    const now = allWorkers(snap).find((x) => workerKey(x) === workerKey(w));
    if (now && now.transcript_bytes !== open.bytes) loadWorker(now, open);
  }
}

const allWorkers = (s) => {
  const ws = (s.events && s.events.workers) || { running: [], ended: [] };
  return ws.running.concat(ws.ended);
};

function renderWorkers(s) {
  const ws = (s.events && s.events.workers) || { running: [], ended: [] };
  const card = $("workers-card");
  card.hidden = !ws.running.length && !ws.ended.length;
  if (card.hidden) return;
  $("workers-count").textContent = ws.running.length + " running" + (ws.ended.length ? ", " + ws.ended.length + " ended" : "");
  const rows = [];
  const shown = new Set();
  const add = (w, running) => {
    const key = workerKey(w);
    shown.add(key);
    rows.push(workerRow(w, running));
    const open = openedWorkers.get(key);
    if (!open) return;
    rows.push(open.row);
    if (open.bytes !== w.transcript_bytes) loadWorker(w, open);
  };
  for (const w of ws.running) add(w, true);
  for (const w of ws.ended.slice().reverse()) add(w, false);
  for (const key of [...openedWorkers.keys()]) if (!shown.has(key)) openedWorkers.delete(key);
  fill($("workers").tBodies[0], ...rows);
}

function toggleWorker(key) {
  if (!snap) return;
  const w = allWorkers(snap).find((x) => workerKey(x) === key);
  if (openedWorkers.has(key)) openedWorkers.delete(key);
  else if (w) openedWorkers.set(key, workerDetail(w));
  renderWorkers(snap);
}

function renderGraph(s) {
  const g = s.graph;
  const card = $("graph-card");
  card.hidden = !g || g.pair;
  if (card.hidden) return;
  const running = new Set(g.running), ready = new Set(g.ready);
  const lines = g.text.replace(/\n$/, "").split("\n").map((line) => {
    const m = /^actor ([^:]+):/.exec(line);
    const name = m ? m[1] : null;
    const state = name && running.has(name) ? "running" : name && ready.has(name) ? "ready" : "";
    return el("div", { class: "g-line" + (state ? " " + state : ""), "data-actor": name }, line,
      state ? el("span", { class: "badge " + state }, state) : null);
  });
  fill($("graph"), ...lines);
  const rows = [];
  rows.push(["running", g.running.length ? g.running.join(", ") : "—"]);
  rows.push(["ready", g.ready.length ? g.ready.join(", ") : "—"]);
  for (const j of g.joins) rows.push(["join", j.from.join(" + ") + " → " + j.to.join(", ") + ": " + (j.done.join(", ") || "none") + " done"]);
  for (const [name, n] of Object.entries(g.workers)) rows.push(["workers", name + ": up to " + n]);
  kv($("graph-step"), rows);
}

$("workers").addEventListener("click", (e) => {
  if (e.target.closest("a")) return;
  const row = e.target.closest("tr.worker");
  if (row) toggleWorker(row.dataset.key);
});
$("workers").addEventListener("keydown", (e) => {
  const row = e.target.closest("tr.worker");
  if (row && (e.key === "Enter" || e.key === " ")) { e.preventDefault(); toggleWorker(row.dataset.key); }
});
setInterval(() => {
  for (const n of document.querySelectorAll("[data-elapsed]")) n.textContent = elapsed(n.dataset.elapsed);
}, 1000);
