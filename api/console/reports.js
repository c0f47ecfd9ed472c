// Reports: the EOD, monthly and compliance reports as the API computes them from the log.
// Each one asked for is listed with its headline figures and two downloads: the page
// (self-contained, opens offline from disk, charts included) and the figures as JSON.
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
  return { name, headline: HEADLINE[kind](report), page, figures };
}

/** Add a report to the top of the list, with its two downloads. */
export function listReport(list, loaded) {
  const link = (blob, file, text) => el("a", {
    href: URL.createObjectURL(blob), download: file, class: "download" }, text);
  list.querySelector(".empty")?.remove();
  list.prepend(el("li", { dataset: { report: loaded.name } },
    el("strong", {}, loaded.name), " ", loaded.headline, " — ",
    link(loaded.page, `${loaded.name}.html`, "page (HTML)"), " · ",
    link(loaded.figures, `${loaded.name}.json`, "figures (JSON)")));
}
