// The symbol page: the chart the API draws with bokeh (candles, the strategies' features,
// news, signals, cards and fills) embedded with the BokehJS the API serves, and the same
// figures as tables. The token is the console's (this tab's sessionStorage): opened from
// the console, the page needs no second log-in.

import { get, token } from "./api.js";
import { el, istTime, money, replaceRows } from "./dom.js";

const $ = (id) => document.getElementById(id);

function notify(message) {
  $("notice").textContent = message;
  $("notice").className = "error";
  $("notice").hidden = false;
}

/** What the address asks for: /symbols/INFY?day=2026-11-20&days=1&card=… */
function asked() {
  const symbol = decodeURIComponent(location.pathname.split("/").at(-1) || "").toUpperCase();
  const query = new URLSearchParams(location.search);
  const days = Number.parseInt(query.get("days") || "1", 10);
  return { symbol, day: query.get("day") || "", days: days > 0 ? days : 1,
    card: query.get("card") || "" };
}

function apiQuery(want) {
  const query = new URLSearchParams({ days: String(want.days) });
  if (want.day) query.set("day", want.day);
  return query;
}

function fills(card) {
  if (!card.fills.length) return el("span", { class: "muted" }, "none");
  return card.fills.map((f, i) => [i ? el("br", {}) : null,
    `${istTime(f.at)} ${f.leg} ${f.side} ${f.quantity} @ ${money(f.price)}`]);
}

function drawTables(series, want) {
  replaceRows($("symbol-cards").tBodies[0], series.cards.map((c) => el("tr", {
    dataset: { cardId: c.card_id, status: c.status },
    class: c.card_id === want.card ? "selected" : null },
  el("td", {}, el("code", { class: "small" }, c.card_id)), el("td", {}, istTime(c.at)),
  el("td", {}, c.side), el("td", { class: "num" }, String(c.quantity)),
  el("td", { class: "num entry" }, money(c.entry)),
  ...(c.status !== "BLOCKED" && c.stop === null && c.target === null
    ? [el("td", { colspan: 2, class: "muted plain-entry" }, "plain entry")]
    : [el("td", { class: "num stop" }, money(c.stop)),
      el("td", { class: "num target" }, money(c.target))]),
  el("td", { class: "status", title: c.reason }, c.status), el("td", {}, fills(c)))),
  "no cards on this symbol in the range", 9);
  replaceRows($("symbol-signals").tBodies[0], series.signals.map((s) => el("tr", {
    dataset: { signalId: s.signal_id } },
  el("td", {}, istTime(s.at)), el("td", {}, s.strategy), el("td", {}, s.outcome),
  el("td", { class: "num" }, money(s.reference_price)),
  el("td", { class: "why", title: s.reason }, s.reason.slice(0, 90)))),
  "no signals in the range", 5);
  replaceRows($("symbol-news").tBodies[0], series.news.map((n) => el("tr", {
    dataset: { kind: n.kind } },
  el("td", {}, istTime(n.at)), el("td", {}, n.kind), el("td", {}, n.headline))),
  "no news linked to this symbol in the range", 3);
}

async function drawChart(item) {
  const target = $("symbol-chart");
  target.replaceChildren();
  await window.Bokeh.embed.embed_item(item, target);
  target.dataset.drawn = "true";
}

async function show() {
  const want = asked();
  $("symbol").value = want.symbol;
  $("days").value = String(want.days);
  document.title = `eventdesk — ${want.symbol}`;
  $("symbol-title").textContent = want.symbol;
  if (!token.get()) {
    notify("Log in on the console first (this page uses the console's token).");
    return;
  }
  const base = `/api/v1/symbols/${encodeURIComponent(want.symbol)}`;
  const [series, item] = await Promise.all([get(`${base}/series?${apiQuery(want)}`),
    get(`${base}/chart?${apiQuery(want)}`)]);
  $("day").value = series.day || "";
  $("symbol-title").textContent = `${want.symbol} · ${series.bars.length} bars`
    + (series.day ? ` to ${series.day}` : "");
  drawTables(series, want);
  await drawChart(item);
}

$("symbol-form").addEventListener("submit", (event) => {
  event.preventDefault();
  const symbol = $("symbol").value.trim().toUpperCase();
  const query = new URLSearchParams({ days: $("days").value || "1" });
  if ($("day").value) query.set("day", $("day").value);
  location.assign(`/symbols/${encodeURIComponent(symbol)}?${query}`);
});

show().catch((error) => notify(`Chart refused: ${error.message}`));
