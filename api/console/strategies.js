// Strategies: what runs (the version each account runs, "*" for every account), paused or
// retired, with today's signals, cards and fills, the cards and the recent hit rate of
// each; approvers pause and resume,
// admins retire (each for every account or the accounts named). A DCA strategy shows what
// it buys, when, and when it next falls due; its buys are plain entries (no stop/target).

import { get } from "./api.js";
import { el, money, replaceRows } from "./dom.js";

const istDue = new Intl.DateTimeFormat("en-IN", { timeZone: "Asia/Kolkata", weekday: "short",
  day: "numeric", month: "short", hour: "2-digit", minute: "2-digit", hour12: false });

export async function loadStrategies() {
  return (await get("/api/v1/strategies")).strategies;
}

function running(row) {
  const parts = Object.entries(row.running).map(([version, accounts]) =>
    `${version}: ${accounts.join(", ")}`);
  return parts.join("; ") || "—";
}

// Accounts paused one by one (`desk strategy pause NAME --accounts A,B`).
function pausedFor(row) {
  const accounts = Object.keys(row.paused_accounts || {});
  return accounts.length ? `; paused for ${accounts.join(", ")}` : "";
}

// Accounts retired one by one (`desk strategy retire NAME --accounts A,B`): those whose
// latest deployment, in log order, is a retirement (a deployment to all starts afresh).
function retiredFor(row) {
  const last = new Map();
  for (const d of row.deployments) {
    if (d.accounts.includes("*")) last.clear();
    else d.accounts.forEach((a) => last.set(a, d.version_id));
  }
  const accounts = [...last].filter(([, version]) => version === null).map(([a]) => a);
  return accounts.length && row.status !== "retired" ? `; retired for ${accounts.join(", ")}`
    : "";
}

// The kind, and for a DCA strategy its standing order and next due time (IST).
function kindCell(row) {
  const plan = row.dca;
  if (!plan) return el("td", { class: "kind" }, row.kind);
  const due = plan.next_due ? `next due ${istDue.format(new Date(plan.next_due))} IST`
    : "no due time ahead";
  const windows = plan.windows.length ? ` in ${plan.windows.join(", ")}` : "";
  return el("td", { class: "kind" }, row.kind, el("div", { class: "dca small" },
    el("div", { class: "dca-buy" }, `₹${money(plan.amount)} of ${plan.symbol}`),
    el("div", { title: "cron (minute hour day month weekday), IST" },
      el("code", { class: "dca-schedule" }, plan.schedule), windows),
    el("div", { class: "dca-due" }, due),
    el("div", { class: "muted plain-entry" }, "plain entry: no stop or target")));
}

function button(label, onclick, danger = false) {
  return el("button", { type: "button", class: danger ? "danger" : null, onclick }, label);
}

// Approvers pause and resume, admins also retire; each asks which accounts.
function control(row, can, actions) {
  if (!can.decide || row.status === "retired") return "";
  const resume = button("Resume", () => actions.resume(row.name));
  const retire = can.switch ? button("Retire", () => actions.retire(row.name), true) : null;
  // Some accounts paused: either pause more, or resume those.
  const shown = row.status === "paused" ? [resume]
    : Object.keys(row.paused_accounts || {}).length
      ? [button("Pause", () => actions.pause(row.name), true), resume]
      : [button("Pause", () => actions.pause(row.name), true)];
  return el("span", {}, ...[...shown, retire].filter(Boolean).flatMap((b, i) =>
    i ? [" ", b] : [b]));
}

export function renderStrategies(tbody, rows, can, actions) {
  replaceRows(tbody, rows.map((r) => el("tr", { dataset: { strategy: r.name } },
    el("td", {}, r.name), kindCell(r),
    el("td", { class: `status ${r.status}`, title: r.pause_reason || "" },
      r.status + (r.pause_reason ? ` (${r.pause_reason})` : "") + pausedFor(r) + retiredFor(r)),
    el("td", {}, r.source), el("td", { class: "versions" }, running(r)),
    today(r),
    el("td", { class: "num" }, String(r.cards)),
    el("td", { class: "num" }, String(r.closed_trades)),
    el("td", { class: "num" }, r.hit_rate ?? "—"),
    el("td", {}, control(r, can, actions)))), "no strategies", 10);
}

// The desk's IST day: signals scored / cards proposed / fills.
function today(r) {
  const t = r.today;
  return el("td", { class: "num today", title: t ? `${t.day} (IST)` : "" },
    t ? `${t.signals} / ${t.cards} / ${t.fills}` : "—");
}
