// The turns table (baton serve): the newest turns, newest first, with people's answers at
// approval checkpoints marked between them; a click on a turn opens its diff (files with +/−,
// its commits as links) and its transcript, read on demand from /api/turn/<n>/….
"use strict";
const COLUMNS = 11;
let seenTurns = null;
// Opened turns by number: their detail row, kept across snapshots.
const opened = new Map();

const turnKey = (t) => t.iteration + "/" + t.actor + "/" + t.started_at;

function decisionRow(d) {
  const what = d.approved ? "approved" : "rejected";
  return el("tr", { class: "decision " + what, "data-actor": d.actor, "data-iteration": d.iteration },
    el("td", { colspan: COLUMNS },
      badge(what, d.approved ? "ok" : "failed"), " ", actor(d.actor), "'s turn (iteration " + d.iteration + ")",
      d.by ? " by " + d.by : "", d.at ? el("span", { class: "muted" }, " · " + clock(d.at)) : null,
      d.note ? el("span", { class: "note" }, " — “" + d.note + "”") : null,
      d.commit ? el("span", { class: "muted" }, " · ", commit(d.commit)) : null));
}

// The approval that let each turn run: the approved answer whose next turn it is (or, for an
// answer no commit records, the first turn of that actor and iteration started after it).
function approvalsByTurn(s) {
  const found = new Map();
  for (const d of s.decisions.filter((d) => d.approved)) {
    const t = d.before_turn !== null && d.before_turn !== undefined
      ? s.turns.find((t) => t.n === d.before_turn && t.actor === d.actor)
      : s.turns.find((t) => t.actor === d.actor && t.iteration === d.iteration &&
        d.at && t.started_at >= d.at && !found.has(t.n));
    if (t) found.set(t.n, d);
  }
  return found;
}

function turnRow(t, fresh, approval) {
  const u = t.usage || {};
  const label = (name, props) => Object.assign({ "data-label": name }, props || {});
  return el("tr", { class: "turn" + (fresh ? " fresh" : "") + (opened.has(t.n) ? " open" : ""),
    "data-n": t.n, "data-iteration": t.iteration, "data-actor": t.actor, tabindex: 0,
    "aria-expanded": opened.has(t.n) ? "true" : "false" },
    el("td", { class: "toggle", "aria-hidden": "true" }, opened.has(t.n) ? "▾" : "▸"),
    el("td", label("iter", { class: "num" }), t.iteration), el("td", {}, actor(t.actor)),
    el("td", { class: "mono" }, t.prompt),
    el("td", {}, badge(t.outcome), approval ? el("span", { class: "badge approved",
      title: "approved" + (approval.by ? " by " + approval.by : "") + (approval.note ? ": " + approval.note : "") }, "✓ approved") : null),
    el("td", label("time", { class: "num" }), dur(t.duration_ms)),
    el("td", label("tokens", { class: "num" }), num(u.input_tokens) + " / " + num(u.output_tokens)),
    el("td", label("cost", { class: "num" }), money(u.cost_usd)),
    el("td", label("files", { class: "num" }), t.files_changed + " ",
      el("span", { class: "muted" }, "+" + t.insertions + " −" + t.deletions)),
    el("td", { class: "heads" }, commit(t.head_before), " → ", commit(t.head_after)),
    el("td", { class: "muted ended" }, clock(t.ended_at)));
}

// Newest first. An answer sits below the turn that ran next (it came just before it); one
// without such a turn (none ran since, or no commit records it) goes by its time.
function renderTurns(s) {
  commitUrl = s.commit_url;
  const approvals = approvalsByTurn(s);
  const shown = new Set(s.turns.map((t) => t.n));
  const below = new Map();
  const loose = [];
  for (const d of s.decisions.slice().reverse()) {
    if (shown.has(d.before_turn)) below.set(d.before_turn, (below.get(d.before_turn) || []).concat([d]));
    else loose.push(d);
  }
  const rows = [];
  for (const t of s.turns.slice().reverse()) {
    while (loose.length && (loose[0].at || "") >= t.started_at) rows.push(decisionRow(loose.shift()));
    rows.push(turnRow(t, seenTurns !== null && !seenTurns.has(turnKey(t)), approvals.get(t.n)));
    if (opened.has(t.n)) rows.push(opened.get(t.n));
    for (const d of below.get(t.n) || []) rows.push(decisionRow(d));
  }
  for (const d of loose) rows.push(decisionRow(d));
  seenTurns = new Set(s.turns.map(turnKey));
  if (!rows.length) rows.push(el("tr", {}, el("td", { colspan: COLUMNS, class: "empty" }, "no turns yet")));
  fill($("turns").tBodies[0], ...rows);
}

function toggleTurn(n) {
  if (opened.has(n)) opened.delete(n); else opened.set(n, detailRow(n));
  history.replaceState(null, "", location.pathname + location.search + (opened.has(n) ? "#turn=" + n : ""));
  if (snap) renderTurns(snap);
}

function detailRow(n) {
  const changes = el("div", { class: "changes" }, el("div", { class: "muted" }, "reading the diff…"));
  const log = el("pre", { class: "log" }, "reading the transcript…");
  const row = el("tr", { class: "detail", "data-n": n }, el("td", { colspan: COLUMNS },
    el("div", { class: "turn-detail" },
      el("section", {}, el("h3", {}, "Changes"), changes),
      el("section", {}, el("h3", {}, "Transcript ", el("span", { class: "mono muted log-name" })), log))));
  loadDiff(n, changes);
  loadTranscript(n, log, row.querySelector(".log-name"));
  return row;
}

async function loadDiff(n, box) {
  const { status, body } = await getJson("/api/turn/" + n + "/diff").catch((e) => ({ status: 0, body: { error: String(e) } }));
  if (status !== 200) { fill(box, el("div", { class: "problem" }, body.error || "failed: " + status)); return; }
  const parts = [];
  if (body.problem) parts.push(el("div", { class: "muted" }, body.problem));
  const files = body.files.map((f) => el("tr", { "data-path": f.path },
    el("td", { class: "path mono" }, f.path, f.status !== "modified" ? el("span", { class: "muted" }, " (" + f.status + ")") : null),
    el("td", { class: "num add" }, f.binary ? "bin" : "+" + f.insertions),
    el("td", { class: "num del" }, f.binary ? "" : "−" + f.deletions)));
  parts.push(files.length ? el("table", { class: "files" }, el("tbody", {}, ...files))
    : el("div", { class: "empty" }, "no files changed"));
  if (body.files_total > body.files.length) parts.push(el("div", { class: "muted" }, "… and " + (body.files_total - body.files.length) + " more files"));
  const commits = body.commits.map((c) => el("li", { "data-sha": c.sha }, commit(c.sha), " ", c.subject,
    el("span", { class: "muted" }, " · " + c.author + (c.at ? " · " + clock(c.at) : ""))));
  parts.push(el("h4", {}, body.commits.length + (body.commits_more ? "+" : "") + " commit" + (body.commits.length === 1 ? "" : "s")));
  if (commits.length) parts.push(el("ul", { class: "commits" }, ...commits));
  fill(box, ...parts);
}

async function loadTranscript(n, pre, name) {
  const { status, body } = await getJson("/api/turn/" + n + "/transcript").catch((e) => ({ status: 0, body: { error: String(e) } }));
  if (status !== 200) { pre.classList.add("problem"); pre.textContent = body.error || "failed: " + status; return; }
  name.textContent = body.log;
  pre.textContent = (body.from > 0 ? "… (the first " + body.from.toLocaleString("en") + " bytes are not shown)\n" : "") + body.text;
  pre.scrollTop = pre.scrollHeight;
}

$("turns").addEventListener("click", (e) => {
  if (e.target.closest("a")) return;
  const row = e.target.closest("tr.turn");
  if (row) toggleTurn(Number(row.dataset.n));
});
$("turns").addEventListener("keydown", (e) => {
  const row = e.target.closest("tr.turn");
  if (row && (e.key === "Enter" || e.key === " ")) { e.preventDefault(); toggleTurn(Number(row.dataset.n)); }
});
// #turn=N in the address opens that turn.
const wanted = /^#turn=(\d+)$/.exec(location.hash);
if (wanted) opened.set(Number(wanted[1]), detailRow(Number(wanted[1])));
