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

function control(row, can, actions) {
  if (!can.decide || row.status === "retired") return "";
  return row.status === "paused"
    ? el("button", { type: "button", onclick: () => actions.resume(row.name) }, "Resume")
    : el("button", { type: "button", class: "danger", onclick: () => actions.pause(row.name) },
      "Pause");
}

export function renderStrategies(tbody, rows, can, actions) {
  replaceRows(tbody, rows.map((r) => el("tr", { dataset: { strategy: r.name } },
    el("td", {}, r.name), el("td", {}, r.kind),
    el("td", { class: `status ${r.status}`, title: r.pause_reason || "" },
      r.status + (r.pause_reason ? ` (${r.pause_reason})` : "")),
    el("td", {}, r.source), el("td", { class: "versions" }, running(r)),
    el("td", { class: "num" }, String(r.cards)),
    el("td", { class: "num" }, String(r.closed_trades)),
    el("td", { class: "num" }, r.hit_rate ?? "—"),
    el("td", {}, control(r, can, actions)))), "no strategies", 9);
}
