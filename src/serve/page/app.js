// The dashboard (baton serve): renders the server-sent snapshots and the live transcript,
// posts the steering actions. Plain JavaScript, no build step; every value is inserted as text.
// Helpers are in util.js, the turns table in turns.js, the charts in chart.js, the workers and
// the workflow in workers.js, the pool in pool.js.
"use strict";
let snap = null;
let connected = false;
const remote = (s) => !!(s && s.source && s.source.kind === "remote");

function renderWhose(s) {
  const w = s.whose;
  if (!w) { fill($("whose"), el("span", { class: "empty" }, "no state yet")); kv($("whose-details"), []); return; }
  fill($("whose"), actor(w.actor), " ", badge(w.status));
  const t = s.events.turn;
  const running = t && t.running ? t : null;
  // A running turn whose agent this view does not run (the remote's view, or a daemon here
  // waiting for its peer) works on the lease holder's machine.
  const r = s.events.run;
  const here = r && r.host && r.pid ? r.host + ":" + r.pid : null;
  const elsewhere = !running && w.status.startsWith("running-") && w.lease_owner && w.lease_owner !== here
    ? "runs on " + w.lease_owner + " (the lease holder)" : null;
  kv($("whose-details"), [
    ["iteration", w.iteration],
    ["since", w.since ? el("span", { "data-since": w.since }, ago(w.since)) : null],
    ["prompt", running ? running.prompt : null],
    ["agent", running ? running.agent : elsewhere],
    ["workers", s.events.workers && s.events.workers.running.length ? s.events.workers.running.length + " running" : null],
    ["lease", w.lease_owner],
    ["note queue", s.notes.length ? s.notes.length + " waiting" : null],
  ]);
}

function renderRun(s) {
  const r = s.events.run;
  const rows = [];
  if (remote(s)) {
    const src = s.source;
    rows.push(["view", src.name + " (the remote's branch; no Baton runs in this clone)"]);
    if (src.behind) rows.push(["this clone", src.behind + " commit" + (src.behind === 1 ? "" : "s") + " behind " + src.name]);
    rows.push(["", el("span", { class: "muted" }, "the run's events and transcripts stay on the machine that runs each turn")]);
  } else if (r) {
    rows.push(["mode", r.mode], ["host", r.host], ["pid", r.pid]);
    rows.push(["started", el("span", { "data-since": r.started_at }, ago(r.started_at))]);
    if (r.ended !== null && r.ended !== undefined) rows.push(["ended", "exit " + r.ended + ", " + ago(r.ended_at)]);
  } else rows.push(["", el("span", { class: "empty" }, "no run recorded in logs/events.jsonl")]);
  if (s.events.waiting) rows.push(["waiting", s.events.waiting.actor + " for its turn"]);
  if (s.events.stopped) rows.push(["stopped", s.events.stopped.why + ": " + s.events.stopped.reason]);
  if (s.stop_flag) rows.push(["stop flag", s.stop_flag]);
  if (s.state_error) rows.push(["state", s.state_error]);
  kv($("run"), rows);
}

function renderBudget(s) {
  const parts = [];
  for (const b of s.budget) {
    const pct = Math.min(100, Math.round(b.used * 100));
    parts.push(el("div", {}, b.what + ": " + b.spent + " of " + b.limit, " ",
      el("span", { class: "muted mono" }, b.key)));
    const bar = el("div", { class: "bar" + (b.reached ? " reached" : "") });
    const fillBar = el("i");
    fillBar.style.width = pct + "%";
    bar.append(fillBar);
    parts.push(bar);
  }
  if (s.limit) parts.push(el("div", {}, badge("limited"), " ", s.limit));
  if (!parts.length) parts.push(el("div", { class: "empty" }, "no budget set (budget.* in orchestration.yaml)"));
  fill($("budget"), ...parts);
}

function renderTotals(s) {
  const row = (name, t) => el("tr", {}, el("td", {}, name === "all" ? el("b", {}, "all") : actor(name)),
    el("td", { class: "num" }, t.turns),
    el("td", { class: "num" }, num(t.input_tokens === null && t.output_tokens === null ? null
      : (t.input_tokens || 0) + (t.output_tokens || 0))),
    el("td", { class: "num" }, money(t.cost_usd)), el("td", { class: "num" }, dur(t.duration_ms)));
  const rows = Object.entries(s.totals.by_actor).map(([k, t]) => row(k, t));
  rows.push(row("all", s.totals.total));
  fill($("totals").tBodies[0], ...rows);
}

function renderApproval(s) {
  const box = $("approval");
  box.classList.toggle("on", !!s.awaiting_approval);
  $("approve").disabled = !s.awaiting_approval;
  $("reject").disabled = !s.awaiting_approval;
  if (!s.awaiting_approval) return;
  const a = s.approval || {};
  fill($("approval-text"), "The run waits before ", a.actor ? actor(a.actor) : "the next turn",
    a.prompt ? " runs " + a.prompt : "", a.iteration ? " (iteration " + a.iteration + ")" : "",
    a.requested_at ? ", since " + ago(a.requested_at) : "", ". Approve to let it go on, or reject with a note (the turn goes back to galph).");
}

function renderActivity(s) {
  const items = s.events.recent.slice().reverse().map((e) => {
    const rest = Object.entries(e).filter(([k]) => !["v", "seq", "ts", "pid", "kind", "usage"].includes(k))
      .map(([k, v]) => k + "=" + (typeof v === "object" && v !== null ? JSON.stringify(v) : v)).join(" ");
    return el("li", { title: JSON.stringify(e) }, el("span", { class: "muted" }, (e.ts || "").slice(11, 19)), " ",
      el("b", {}, e.kind), " ", rest);
  });
  fill($("activity"), ...(items.length ? items : [el("li", { class: "empty" }, "no events yet")]));
}

// The header's badge: what the page looks at (the Baton running here, the remote's branch,
// or this workspace's files) and how fresh it is.
function renderSource(s) {
  const conn = $("conn");
  const src = s ? s.source || {} : {};
  conn.dataset.source = src.kind || "";
  conn.title = src.problem || src.why || "";
  if (!connected) { fill(conn, s ? "reconnecting…" : "connecting…"); conn.className = ""; return; }
  if (!s) return;
  if (src.kind === "remote") {
    const since = (iso) => el("span", { "data-since": iso }, ago(iso));
    if (src.problem) {
      conn.className = "stale";
      fill(conn, "remote " + src.name + " · stale: ", ...(src.checked_at
        ? ["last checked ", since(src.checked_at)] : ["as last fetched"]));
    } else if (!src.checked_at) {
      conn.className = "stale";
      fill(conn, "remote " + src.name + " · as last fetched, checking…");
    } else {
      conn.className = "remote";
      fill(conn, "remote " + src.name + " · checked ", since(src.checked_at));
    }
  } else if (src.kind === "local") {
    conn.className = "live";
    fill(conn, "local run · pid " + src.pid + " · live");
  } else {
    conn.className = "files";
    fill(conn, "workspace files · no Baton runs here");
  }
}

function render(s) {
  snap = s;
  $("workspace").textContent = s.workspace;
  renderSource(s); renderWhose(s); renderRun(s); renderBudget(s); renderTotals(s); renderApproval(s);
  renderWorkers(s); renderGraph(s); renderPool(s); renderTurns(s); renderCharts(s); renderActivity(s);
  const t = s.events.turn;
  const state = $("transcript-state");
  if (remote(s)) {
    const owner = s.whose && s.whose.lease_owner;
    state.textContent = "elsewhere"; state.className = "badge";
    $("transcript").textContent = "Transcripts stay on the machine that runs the turn" + (owner ? " (" + owner + ")" : "") + ".";
    $("transcript-log").textContent = "";
  } else {
    state.textContent = t ? (t.running ? "live" : "finished") : "";
    state.className = "badge " + (t && t.running ? "running" : "");
  }
  document.body.dataset.ready = "1";
}

function onTranscript(d) {
  if (remote(snap)) return;
  const pre = $("transcript");
  const atEnd = pre.scrollTop + pre.clientHeight >= pre.scrollHeight - 20;
  if (d.reset) pre.textContent = d.text; else pre.append(d.text);
  const log = d.log || "";
  const root = snap ? snap.workspace + "/" : "";
  $("transcript-log").textContent = root && log.startsWith(root) ? log.slice(root.length) : log;
  if (atEnd) pre.scrollTop = pre.scrollHeight;
}

function connect() {
  const es = new EventSource("/api/events" + (token ? "?token=" + encodeURIComponent(token) : ""));
  es.addEventListener("open", () => { connected = true; renderSource(snap); });
  es.addEventListener("error", async () => {
    connected = false; renderSource(snap);
    // EventSource hides the status; ask once whether the token is the problem.
    const headers = token ? { Authorization: "Bearer " + token } : {};
    const r = await fetch("/api/snapshot", { headers }).catch(() => null);
    if (r && (r.status === 401 || r.status === 403)) {
      es.close();
      $("conn").textContent = r.status === 401 ? "token needed: open this page with ?token=…" : "refused: " + r.status;
    }
  });
  es.addEventListener("snapshot", (e) => render(JSON.parse(e.data)));
  es.addEventListener("transcript", (e) => onTranscript(JSON.parse(e.data)));
}

async function steer(path, body) {
  const result = $("result");
  result.className = ""; result.textContent = "running baton " + path + "…";
  const headers = { "Content-Type": "application/json" };
  if (token) headers["Authorization"] = "Bearer " + token;
  try {
    const r = await fetch("/api/" + path, { method: "POST", headers, body: JSON.stringify(body) });
    const d = await r.json();
    result.className = r.ok ? "" : "failed";
    result.textContent = d.error ? d.error : (d.command + " → exit " + d.code + "\n" + (d.stdout || "") + (d.stderr || "")).trim();
    if (r.ok) $("note-text").value = "";
  } catch (e) {
    result.className = "failed"; result.textContent = String(e);
  }
}

$("note").addEventListener("click", () => {
  const text = $("note-text").value.trim();
  if (!text) { $("result").textContent = "write the note first"; return; }
  steer("note", { text, to: $("note-to").value || null });
});
$("approve").addEventListener("click", () => steer("approve", { note: $("note-text").value.trim() || null }));
$("reject").addEventListener("click", () => {
  const note = $("note-text").value.trim();
  if (!note) { $("result").className = "failed"; $("result").textContent = "a rejection needs a note: say what galph should do instead"; return; }
  steer("reject", { note });
});
setInterval(() => {
  for (const n of document.querySelectorAll("[data-since]")) n.textContent = ago(n.dataset.since);
}, 1000);
connect();
