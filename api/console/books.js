// The books: per account cash, risk, kill switch and equity chart; positions and orders.

import { equityChart } from "./chart.js";
import { el, money, replaceRows, signed } from "./dom.js";
import { shortId } from "./queue.js";

function killSwitchControl(account, can, actions) {
  if (!can.switch) return null;
  return account.halted
    ? el("button", { type: "button", onclick: () => actions.reset(account.account_id) },
      "Reset kill switch")
    : el("button", { type: "button", class: "danger",
      onclick: () => actions.trip(account.account_id) }, "Trip kill switch");
}

// An exit button: shown to approvers and admins; the action asks for a reason first.
function exitButton(label, allowed, onclick) {
  return allowed ? el("button", { type: "button", class: "danger", onclick }, label) : null;
}

export function renderAccounts(container, books, can, actions) {
  const cash = Object.fromEntries(books.cash.map((c) => [c.account_id, c]));
  const risk = Object.fromEntries(books.risk.accounts.map((r) => [r.account_id, r]));
  const switches = Object.fromEntries(books.risk.kill_switches.map((k) => [k.scope, k]));
  container.replaceChildren(el("div", { class: "accounts" }, books.accounts.map((account) => {
    const c = cash[account.account_id] || {}, r = risk[account.account_id] || {};
    const own = switches[account.account_id];
    return el("article", { class: "account", dataset: { accountId: account.account_id } },
      el("h3", {}, account.name, el("code", { class: "muted small" }, account.account_id),
        account.halted ? el("span", { class: "badge halted",
          title: own && own.tripped ? own.reason : "desk halted" }, "halted") : null),
      el("dl", { class: "figures" },
        el("dt", {}, "Cash available"), el("dd", {}, money(c.available)),
        el("dt", {}, "Reserved / deployed"),
        el("dd", {}, `${money(c.reserved)} / ${money(c.deployed)}`),
        el("dt", {}, "Equity"), el("dd", {}, money(r.equity)),
        el("dt", {}, "Day P&L (limit)"),
        el("dd", {}, `${money(r.daily_pnl)} (${money(r.daily_loss_limit)})`),
        el("dt", {}, "Drawdown % (max)"),
        el("dd", {}, `${money(r.drawdown_pct)} (${money(r.max_drawdown_pct)})`),
        el("dt", {}, "Exposure"), el("dd", {}, money(r.exposure))),
      equityChart(books.curves[account.account_id] || [], account.account_id),
      own && own.tripped ? el("p", { class: "muted" }, `Kill switch: ${own.reason}`) : null,
      killSwitchControl(account, can, actions),
      exitButton("Flatten account", can.decide && actions.flatten,
        () => actions.flatten(account.account_id)));
  })));
}

export function renderPositions(tbody, positions, can, exits) {
  replaceRows(tbody, positions.map((p) => el("tr",
    { dataset: { account: p.account_id, symbol: p.symbol } },
    el("td", {}, p.account_id), el("td", {}, p.symbol),
    el("td", { class: "num" }, String(p.quantity)),
    el("td", { class: "num" }, money(p.average_price)), el("td", { class: "num" }, money(p.mark)),
    signed(p.unrealised_pnl), signed(p.realised_pnl),
    el("td", {}, exitButton("Close", can.decide && p.quantity > 0,
      () => exits.close(p.account_id, p.symbol, p.quantity))))), "no positions", 8);
}

export function renderOrders(tbody, orders, can, exits) {
  replaceRows(tbody, orders.map((o) => el("tr",
    { dataset: { orderId: o.order_id, cardId: o.card_id, status: o.status } },
    el("td", {}, shortId(o.order_id)), el("td", {}, o.account_id), el("td", {}, o.symbol),
    el("td", { class: "num" }, String(o.quantity)),
    el("td", { class: "num" }, money(o.entry_price)),
    el("td", { class: "num" }, money(o.exit_price)),
    el("td", { class: "status" }, o.status),
    el("td", {}, exitButton("Cancel", can.decide && ["PLACED", "WORKING"].includes(o.status),
      () => exits.cancel(o.order_id))))), "no orders", 8);
}
