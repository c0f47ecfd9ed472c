// The judge: a card's review (or "pending", or why it failed), and the prompt registry
// table with each version's figures. Reviews are advisory: they never change a card.

import { get } from "./api.js";
import { el, replaceRows } from "./dom.js";

/** The verdict cell of the queue: the judge's word on the card, or a dash. */
export function verdictCell(card) {
  return el("td", { class: `verdict ${card.verdict || ""}` }, card.verdict || "—");
}

export function renderReview(review) {
  if (!review) return [el("h3", {}, "Review"), el("p", { class: "muted" }, "not reviewed")];
  const who = `${review.reviewer}${review.model_returned ? ` (${review.model_returned})` : ""}`
    + `, prompt ${review.prompt_name} v${review.prompt_version}`;
  if (review.status === "pending") {
    return [el("h3", {}, "Review"), el("p", { class: "review muted" }, `pending — ${who}`)];
  }
  if (review.status === "failed") {
    return [el("h3", {}, "Review"), el("p", { class: "review failed" },
      `failed: ${review.failure_reason} (${review.failure_detail || ""}) — ${who}`)];
  }
  return [el("h3", {}, "Review"),
    el("p", { class: "review" }, el("strong", { class: `verdict ${review.verdict}` },
      review.verdict), ` — confidence ${review.confidence}; ${who}; `
      + `${review.latency_ms} ms, ${review.tokens_in + review.tokens_out} tokens`),
    el("p", { class: "thesis" }, review.thesis),
    review.risks.length ? el("ul", { class: "risks" }, review.risks.map((r) => el("li", {}, r)))
      : "",
    el("p", { class: "muted" }, `Invalidated by: ${review.invalidation || "—"}`)];
}

function outcomes(row) {
  const parts = Object.entries(row.outcomes).map(([verdict, o]) =>
    `${verdict}: ${o.trades} trades, hit ${o.hit_rate ?? "—"}, mean R ${o.mean_r ?? "—"}, `
    + `P&L ${o.pnl}`);
  return parts.join("; ") || "—";
}

export async function loadPrompts() {
  return (await get("/api/v1/prompts")).prompts;
}

export function renderPrompts(tbody, rows) {
  replaceRows(tbody, rows.map((r) => el("tr", { dataset: { version: r.version } },
    el("td", {}, r.name), el("td", { class: "num" }, `v${r.version}`), el("td", {}, r.label),
    el("td", { class: "num" }, String(r.reviews)), el("td", { class: "num" }, String(r.failures)),
    el("td", { class: "num" }, r.latency_ms_p50 ?? "—"),
    el("td", { class: "num" }, r.latency_ms_p95 ?? "—"),
    el("td", { class: "num" }, String(r.tokens_in + r.tokens_out)),
    el("td", { class: "num" }, r.cost), el("td", { class: "num" }, r.agreement ?? "—"),
    el("td", {}, outcomes(r)))), "no prompt versions or reviews yet", 11);
}
