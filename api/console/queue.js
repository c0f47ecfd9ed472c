// The approval queue and one card's detail: thesis, sizing, expected cost, guardrails and
// the evidence it was proposed on. Approve and reject appear only for approvers and up.

import { el, istTime, money } from "./dom.js";
import { renderReview, verdictCell } from "./judge.js";

function decisionCell(card, can, actions) {
  if (card.status === "PROPOSED" && can.decide) {
    return el("td", {},
      el("button", { type: "button", class: "approve", onclick: () => actions.approve(card) },
        "Approve"), " ",
      el("button", { type: "button", class: "danger", onclick: () => actions.reject(card) },
        "Reject"));
  }
  const by = card.decided_by ? `by ${card.decided_by}` : "";
  const why = [card.reason, by].filter(Boolean).join(" — ");
  return el("td", { class: "muted" }, why);
}

/** Blocked cards were never sized: their quantity and prices are shown as blanks. */
function sized(card, text) {
  return card.status === "BLOCKED" ? "—" : text;
}

/** Stop and target; a sized card without them (a DCA buy) says it is a plain entry. */
function bracketCells(card) {
  if (card.status !== "BLOCKED" && card.stop === null && card.target === null) {
    return [el("td", { colspan: 2, class: "muted plain-entry" }, "plain entry")];
  }
  return [el("td", { class: "num" }, sized(card, money(card.stop))),
    el("td", { class: "num" }, sized(card, money(card.target)))];
}

/** A long id cut to its last part for the table; the full id shows on hover (title). */
export function shortId(id) {
  const tail = id.split("-").at(-1);
  return el("code", { class: "small muted", title: id }, `…${tail}`);
}

function cardLabel(card) {
  // The id is long: strategy and symbol first, the id's tail below, in full on hover.
  const [, , ...rest] = card.card_id.split("-");
  return [el("span", { title: card.card_id }, card.strategy || rest.join("-")), el("br", {}),
    shortId(card.card_id)];
}

const DECIDED = new Set(["APPROVED", "REJECTED", "EXPIRED", "DENIED"]);

function queueRow(card, selected, can, actions, hidden) {
  return el("tr",
    { dataset: { cardId: card.card_id, status: card.status }, hidden,
      class: card.card_id === selected ? "selected" : null },
    el("td", { class: "card" }, el("a", { href: `#${card.card_id}`,
      onclick: (e) => { e.preventDefault(); actions.select(card.card_id); } },
    cardLabel(card))),
    el("td", {}, card.account_id), el("td", {}, card.symbol), el("td", {}, card.side ?? "—"),
    el("td", { class: "num" }, sized(card, String(card.quantity))),
    el("td", { class: "num" }, sized(card, money(card.reference_price))),
    ...bracketCells(card),
    el("td", {}, istTime(card.expires_at)),
    el("td", { class: "status" }, card.status),
    verdictCell(card),
    decisionCell(card, can, actions));
}

/** Cards waiting for a decision first (the API orders them by expiry); decided cards are
 * folded away (rows kept, hidden) unless `show.decided`; blocked ones only with
 * `show.blocked`. Returns how many cards are decided and blocked, for the toggles. */
export function renderQueue(tbody, cards, selected, can, actions, show) {
  const waiting = cards.filter((c) => c.status === "PROPOSED");
  const decided = cards.filter((c) => DECIDED.has(c.status));
  const blocked = cards.filter((c) => c.status === "BLOCKED");
  const rows = [
    ...waiting.map((c) => queueRow(c, selected, can, actions, false)),
    ...decided.map((c) => queueRow(c, selected, can, actions, !show.decided)),
    ...(show.blocked ? blocked.map((c) => queueRow(c, selected, can, actions, false)) : []),
  ];
  if (!waiting.length) {
    rows.unshift(el("tr", { class: "empty" },
      el("td", { colspan: 12, class: "muted" }, "no cards waiting for a decision")));
  }
  tbody.replaceChildren(...rows);
  return { decided: decided.length, blocked: blocked.length };
}

function headline(event) {
  const p = event.payload;
  return p.headline || p.title || p.subject || p.symbol || "";
}

const istDay = new Intl.DateTimeFormat("en-CA", { timeZone: "Asia/Kolkata" });

/** The symbol page for the card's day, the card marked: its lines, signal and fills. */
function chartLink(card) {
  const query = new URLSearchParams({ card: card.card_id });
  if (card.expires_at) query.set("day", istDay.format(new Date(card.expires_at)));
  return el("a", { class: "symbol-link",
    href: `/symbols/${encodeURIComponent(card.symbol)}?${query}` }, `Chart of ${card.symbol}`);
}

export function renderCard(container, detail) {
  const c = detail.card;
  container.replaceChildren(
    c.status === "BLOCKED"
      ? el("p", {}, `${c.symbol} for ${c.account_id}: `, el("strong", { class: "status" },
        c.status), ` by ${c.decided_by} (${c.reason})`)
      : el("p", {}, `${c.side} ${c.quantity} ${c.symbol} for ${c.account_id} — ${c.strategy}, `,
        el("strong", { class: "status" }, c.status), c.reason ? ` (${c.reason})` : ""),
    el("p", {}, chartLink(c)),
    el("h3", {}, "Thesis"), el("p", { class: "thesis" }, detail.thesis || "—"),
    el("dl", { class: "figures" },
      el("dt", {}, "Entry / stop / target"),
      el("dd", {}, `${money(c.reference_price)} / ${money(c.stop)} / ${money(c.target)}`
        + (c.status !== "BLOCKED" && c.stop === null ? " (a plain entry: no stop or target)" : "")),
      el("dt", {}, "Expected cost"), el("dd", {}, money(detail.expected_cost)),
      el("dt", {}, "Horizon / mandate"),
      el("dd", {}, `${detail.horizon || "—"} / v${detail.mandate_version ?? "—"}`)),
    ...renderReview(detail.review),
    el("h3", {}, "Sizing"), el("p", { class: "thesis" }, detail.sizing || "—"),
    el("h3", {}, "Guardrails"),
    el("table", { class: "guardrails" }, el("tbody", {}, detail.guardrails.map((g) =>
      el("tr", {}, el("td", {}, g.name),
        el("td", { class: g.passed ? "passed" : "failed" }, g.passed ? "passed" : "failed"),
        el("td", {}, g.detail))))),
    el("h3", {}, "Evidence"),
    detail.evidence.length ? el("ul", {}, detail.evidence.map((e) =>
      el("li", {}, `${istTime(e.occurred_at)} ${e.type} `, el("code", {}, e.stream_id), " ",
        headline(e))))
      : el("p", { class: "muted" }, "none recorded"),
    el("p", { class: "muted" }, `Lineage: ${detail.lineage.length} events, from `,
      el("code", {}, detail.signal_id || "—")));
}
