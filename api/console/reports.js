// Reports: the EOD, monthly and compliance reports as the API computes them from the log.
// Each one asked for is listed with its headline figures and three downloads: the page
// (self-contained, opens offline from disk, charts included), the figures as JSON, and the
// page printed to PDF by the server's headless Chromium (asked for only when clicked).
// The page is downloaded rather than opened here: it carries its own inline scripts, which
// this console's Content Security Policy would refuse in any document it creates.

import { ApiError, authHeaders, get } from "./api.js";
import { el, money } from "./dom.js";

const QUERY = {
  eod: (f) => ({ date: f.from }),
  monthly: (f) => ({ month: f.month }),
  compliance: (f) => ({ from: f.from, to: f.to }),
};

const HEADLINE = {
  eod: (r) => `End of day ${r.day}: P&L after charges ${money(r.desk.realised_pnl)}, `
    + `${r.desk.closed_trades} trades; cards proposed ${r.desk.cards_proposed}, approved `
    + `${r.desk.cards_approved}, blocked ${r.desk.cards_blocked}; `
    + `kill switches ${r.kill_switches.length}`,
  monthly: (r) => `Month ${r.month}: P&L ${money(r.pnl)}, return ${r.return_pct ?? "n/a"}%, `
    + `hit rate ${r.hit_rate_pct ?? "n/a"}% of ${r.trades} trades, charges ${money(r.charges)}`,
  compliance: (r) => `Compliance ${r.start} to ${r.end}: ${r.orders.length} orders, `
    + `${r.unreviewed} without a review, ${r.failed_rechecks} failed re-checks`,
};

function path(kind, fields, format) {
  const query = new URLSearchParams({ format });
  for (const [key, value] of Object.entries(QUERY[kind](fields))) if (value) query.set(key, value);
  if (fields.account) query.set("account", fields.account);
  return `/api/v1/reports/${kind}?${query}`;
}

/** Ask the API for a report: its figures, and its page as a downloadable file. */
export async function loadReport(kind, fields) {
  const report = await get(path(kind, fields, "json"));
  const response = await fetch(path(kind, fields, "html"), { headers: authHeaders() });
  if (!response.ok) throw new ApiError(response.status, await response.json().catch(() => ({})));
  const page = new Blob([await response.text()], { type: "text/html" });
  const figures = new Blob([JSON.stringify(report, null, 2)], { type: "application/json" });
  const name = `${kind}-${report.day || report.month || `${report.start}-to-${report.end}`}`
    + (fields.account ? `-${fields.account}` : "");
  return { name, headline: HEADLINE[kind](report), page, figures, pdf: path(kind, fields, "pdf") };
}

/** Ask the API to print the report and save what it sends; say why when it cannot. */
async function downloadPdf(button, loaded) {
  const note = button.nextElementSibling;
  button.disabled = true;
  note.textContent = " printing…";
  try {
    const response = await fetch(loaded.pdf, { headers: authHeaders() });
    if (!response.ok) {
      const body = await response.json().catch(() => ({}));
      note.textContent = ` PDF not made: ${body.detail || body.error || response.status}`;
      return;
    }
    const link = el("a", { href: URL.createObjectURL(await response.blob()),
      download: `${loaded.name}.pdf` });
    link.click();
    note.textContent = "";
  } finally {
    button.disabled = false;
  }
}

/** Add a report to the top of the list, with its downloads. */
export function listReport(list, loaded) {
  const link = (blob, file, text) => el("a", {
    href: URL.createObjectURL(blob), download: file, class: "download" }, text);
  list.querySelector(".empty")?.remove();
  list.prepend(el("li", { dataset: { report: loaded.name } },
    el("strong", {}, loaded.name), " ", loaded.headline, " — ",
    link(loaded.page, `${loaded.name}.html`, "page (HTML)"), " · ",
    link(loaded.figures, `${loaded.name}.json`, "figures (JSON)"), " · ",
    el("button", { type: "button", class: "download", onclick: (e) => downloadPdf(e.target, loaded) },
      "PDF"),
    el("span", { class: "pdf-note", role: "status" })));
}
