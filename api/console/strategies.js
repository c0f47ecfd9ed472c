// Strategies: what runs (the version each account runs, "*" for every account), paused or
// retired, with the cards and the recent hit rate of each; approvers pause and resume.

import { get } from "./api.js";
import { el, replaceRows } from "./dom.js";

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

function control(row, can, actions) {
  if (!can.decide || row.status === "retired") return "";
  const resume = el("button", { type: "button", onclick: () => actions.resume(row.name) },
    "Resume");
  if (row.status === "paused") return resume;
  const pause = el("button", { type: "button", class: "danger",
    onclick: () => actions.pause(row.name) }, "Pause");
  // Some accounts paused: either pause more, or resume those.
  return Object.keys(row.paused_accounts || {}).length ? el("span", {}, pause, " ", resume)
    : pause;
}

export function renderStrategies(tbody, rows, can, actions) {
  replaceRows(tbody, rows.map((r) => el("tr", { dataset: { strategy: r.name } },
    el("td", {}, r.name), el("td", {}, r.kind),
    el("td", { class: `status ${r.status}`, title: r.pause_reason || "" },
      r.status + (r.pause_reason ? ` (${r.pause_reason})` : "") + pausedFor(r)),
    el("td", {}, r.source), el("td", { class: "versions" }, running(r)),
    el("td", { class: "num" }, String(r.cards)),
    el("td", { class: "num" }, String(r.closed_trades)),
    el("td", { class: "num" }, r.hit_rate ?? "—"),
    el("td", {}, control(r, can, actions)))), "no strategies", 9);
}
