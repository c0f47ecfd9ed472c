// Tax figures: an account's capital gains for a financial year, as the API computes them
// (FIFO lots unless an analysis method is picked), with each sale's lots.

import { get } from "./api.js";
import { el, money, replaceRows, signed } from "./dom.js";

export async function loadTax(account, fy, method) {
  const query = new URLSearchParams({ fy, method });
  return get(`/api/v1/accounts/${encodeURIComponent(account)}/tax?${query}`);
}

export function renderTax(container, report) {
  const lots = el("tbody");
  replaceRows(lots, report.sales.flatMap((sale) => sale.lots.map((lot) => el("tr", {},
    el("td", {}, sale.sold), el("td", {}, sale.symbol), el("td", {}, lot.acquired),
    el("td", { class: "num" }, String(lot.quantity)), el("td", { class: "num" }, money(lot.cost_basis)),
    el("td", { class: "num" }, money(lot.sale_value)), el("td", { class: "num" }, String(lot.days_held)),
    el("td", {}, lot.term), signed(lot.gain)))), "no sales in this year", 9);
  container.replaceChildren(
    el("p", { class: report.legal_for_demat ? "muted" : "neg" }, `Method: ${report.method_label}`),
    el("dl", { class: "figures" },
      el("dt", {}, "Short-term gains"), el("dd", {}, money(report.short_term_gains)),
      el("dt", {}, "Long-term gains"), el("dd", {}, money(report.long_term_gains)),
      el("dt", {}, "Long-term exempt (limit)"),
      el("dd", {}, `${money(report.long_term_exempt)} (${money(report.long_term_exemption)})`),
      el("dt", {}, "Speculative income"), el("dd", {}, money(report.speculative_income)),
      el("dt", {}, "STT paid"), el("dd", {}, money(report.stt_paid))),
    el("table", { id: "tax-lots" }, el("thead", {}, el("tr", {},
      ["Sold", "Symbol", "Acquired"].map((h) => el("th", {}, h)),
      ["Qty", "Cost basis", "Sale value", "Days"].map((h) => el("th", { class: "num" }, h)),
      el("th", {}, "Term"), el("th", { class: "num" }, "Gain"))), lots),
    report.notes.slice(1).map((note) => el("p", { class: "muted small" }, note)));
}
