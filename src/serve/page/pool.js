// The pool (baton serve): the `baton work` processes holding claims on the remote, one row
// each — host, pid, its workers, slots, how many claims — with each claim's task, worker and
// lease (until when, or that it ran out), then the claim refs that hold no claim (they count
// as over). Read from the snapshot's `pool`; every value is inserted as text.
"use strict";

// `in 9m 12s` until `iso`, by this browser's clock.
function left(iso) {
  const ms = Date.parse(iso) - Date.now();
  return isNaN(ms) ? "" : ms > 0 ? "in " + dur(ms) : "now";
}

function leaseCell(c) {
  if (c.expired) return el("span", { class: "lease" }, badge("ran out", "failed"), " at " + clock(c.lease_until));
  const until = el("span", { class: "muted", "data-until": c.lease_until }, " (" + left(c.lease_until) + ")");
  const far = c.over ? el("span", { class: "muted" }, " — too far ahead: counts as over") : null;
  return el("span", { class: "lease" }, "until " + clock(c.lease_until), until, far);
}

function poolClaim(c) {
  return el("div", { class: "claim", "data-task": c.task, "data-state": c.expired ? "expired" : c.over ? "over" : "live" },
    el("span", { class: "mono task" }, c.task), " ", el("span", { class: "muted" }, c.worker), " ", leaseCell(c));
}

function poolWorker(w) {
  const label = (name, props) => Object.assign({ "data-label": name }, props || {});
  return el("tr", { class: "pool-worker", "data-host": w.host, "data-pid": w.pid, title: "started " + w.start },
    el("td", { class: "mono host" }, w.host),
    el("td", label("pid", { class: "num" }), w.pid),
    el("td", label("workers"), w.names.join(", ")),
    el("td", label("slots", { class: "num slots" }), w.slots === null ? "?" : w.slots),
    el("td", label("claims", { class: "num" }), w.claims.length),
    el("td", { class: "claims" }, ...w.claims.map(poolClaim)));
}

function poolNone(n) {
  return el("tr", { class: "pool-none", "data-task": n.task, title: n.why },
    el("td", { colspan: 5, class: "muted" }, "no worker"),
    el("td", { class: "claims" }, el("div", { class: "claim" }, el("span", { class: "mono task" }, n.task), " ",
      badge("no claim", "failed"), " ", el("span", { class: "muted" }, "its claim ref holds none: counts as over"))));
}

function renderPool(s) {
  const p = s.pool || { workers: [], no_claim: [] };
  const card = $("pool-card");
  const claims = p.workers.reduce((n, w) => n + w.claims.length, 0) + p.no_claim.length;
  card.hidden = claims === 0;
  if (card.hidden) return;
  $("pool-count").textContent = claims + " claim" + (claims === 1 ? "" : "s") + " on " + p.remote + " by " +
    p.workers.length + " worker" + (p.workers.length === 1 ? "" : "s");
  const fresh = $("pool-fresh");
  fresh.className = "muted" + (p.problem ? " problem" : "");
  fresh.title = p.problem || "";
  fill(fresh, p.problem ? "the fetch failed: as last fetched"
    : p.checked_at ? el("span", {}, "checked ", el("span", { "data-since": p.checked_at }, ago(p.checked_at)))
    : "as this clone last fetched");
  fill($("pool").tBodies[0], ...p.workers.map(poolWorker), ...p.no_claim.map(poolNone));
}

setInterval(() => {
  for (const n of document.querySelectorAll("[data-until]")) n.textContent = " (" + left(n.dataset.until) + ")";
}, 1000);
