// The operator console: log in with a bearer token, load the books, then follow the live
// feed and redraw whatever it changes, without reloading the page.

import { ApiError, get, post, token } from "./api.js";
import { renderAccounts, renderOrders, renderPositions } from "./books.js";
import { askedAccounts, askReason } from "./dialog.js";
import { el, istTime } from "./dom.js";
import { follow } from "./feed.js";
import { renderCard, renderQueue } from "./queue.js";
import { loadPrompts, renderPrompts } from "./judge.js";
import { loadStrategies, renderStrategies } from "./strategies.js";
import { loadTax, renderTax } from "./tax.js";
import { listReport, loadReport } from "./reports.js";

const RANK = { viewer: 1, approver: 2, admin: 3 };
const REDRAW_MS = 300; // gathers a burst of events into one redraw
const FEED_LENGTH = 200;
const $ = (id) => document.getElementById(id);

let can = { decide: false, switch: false };
let selected = null;
let feedStop = null;
let redrawTimer = null;
let lastCards = [];

function notify(message, kind = "info") {
  const notice = $("notice");
  notice.textContent = message;
  notice.className = kind;
  notice.hidden = false;
}

function failed(what, error) {
  const status = error instanceof ApiError ? ` (${error.status})` : "";
  notify(`${what} refused${status}: ${error.message}`, "error");
}

// Loading and drawing --------------------------------------------------------------------
async function loadBooks() {
  const [accounts, cards, orders, positions, cash, risk] = await Promise.all([
    get("/api/v1/accounts"), get("/api/v1/cards"), get("/api/v1/orders"),
    get("/api/v1/positions"), get("/api/v1/cash"), get("/api/v1/risk")]);
  const curves = Object.fromEntries(await Promise.all(accounts.accounts.map(async (a) => [
    a.account_id,
    (await get(`/api/v1/accounts/${encodeURIComponent(a.account_id)}/equity`)).points])));
  return { accounts: accounts.accounts, cards: cards.cards, orders: orders.orders,
    positions: positions.positions, cash: cash.cash, risk, curves };
}

async function redraw() {
  const books = await loadBooks();
  lastCards = books.cards;
  drawQueue();
  renderAccounts($("accounts"), books, can, { ...switchActions, flatten: exitActions.flatten });
  renderPositions($("positions").tBodies[0], books.positions, can, exitActions);
  renderOrders($("orders").tBodies[0], books.orders, can, exitActions);
  drawDesk(books.risk.desk);
  renderPrompts($("prompts").tBodies[0], await loadPrompts());
  renderStrategies($("strategies").tBodies[0], await loadStrategies(), can, strategyActions);
  if (selected) await showCard(selected);
}

function drawQueue() {
  const counts = renderQueue($("queue").tBodies[0], lastCards, selected, can, cardActions,
    { blocked: $("show-blocked").checked, decided: $("show-decided").checked });
  $("blocked-count").textContent = String(counts.blocked);
  $("decided-count").textContent = String(counts.decided);
  return counts;
}

function scheduleRedraw() {
  if (redrawTimer !== null) return;
  redrawTimer = setTimeout(async () => {
    redrawTimer = null;
    try {
      await redraw();
    } catch (error) {
      failed("Refresh", error);
    }
  }, REDRAW_MS);
}

function drawDesk(desk) {
  const badge = $("desk-state");
  badge.hidden = false;
  badge.textContent = desk.halted ? "desk halted" : "desk open";
  badge.className = `badge ${desk.halted ? "halted" : "live"}`;
  const controls = $("desk-controls");
  controls.replaceChildren(can.switch ? (desk.halted
    ? el("button", { type: "button", onclick: () => switchActions.resume() }, "Resume desk")
    : el("button", { type: "button", class: "danger", onclick: () => switchActions.halt() },
      "Halt desk")) : "", can.switch ? el("button", { type: "button", class: "danger",
    onclick: () => exitActions.flattenDesk() }, "Flatten desk") : "");
}

async function showCard(cardId) {
  const detail = await get(`/api/v1/cards/${encodeURIComponent(cardId)}`);
  $("card-panel").hidden = false;
  $("card-title").textContent = cardId;
  renderCard($("card-detail"), detail);
}

// Commands -------------------------------------------------------------------------------
async function command(what, path, body, done) {
  try {
    const answer = await post(path, body);
    notify(done(answer));
  } catch (error) {
    failed(what, error);
  }
  scheduleRedraw();
}

const cardActions = {
  select: (cardId) => {
    selected = cardId;
    showCard(cardId).catch((error) => failed("Card", error));
    scheduleRedraw();
  },
  approve: (card) => command(`Approval of ${card.card_id}`,
    `/api/v1/cards/${encodeURIComponent(card.card_id)}/approve`, undefined,
    (answer) => `Approved ${card.card_id}` + (answer.order
      ? `: order ${answer.order.order_id} placed` : "")),
  reject: async (card) => {
    const reason = await askReason(`Reject ${card.card_id}?`,
      `${card.side} ${card.quantity} ${card.symbol} for ${card.account_id}.`, "Reject");
    if (reason === null) return;
    await command(`Rejection of ${card.card_id}`,
      `/api/v1/cards/${encodeURIComponent(card.card_id)}/reject`, { reason },
      () => `Rejected ${card.card_id}`);
  },
};

async function confirmSwitch(title, text, label, path) {
  const reason = await askReason(title, text, label);
  if (reason === null) return;
  await command(title.replace(/\?$/, ""), path, { reason }, (answer) =>
    `${answer.kill_switch.scope}: kill switch ${answer.kill_switch.tripped ? "tripped" : "reset"}`
    + (answer.changed ? "" : " (already so)"));
}

const switchActions = {
  trip: (account) => confirmSwitch(`Trip the kill switch of ${account}?`,
    "The account stops taking new entries; exits and cancels still work.", "Trip",
    `/api/v1/kill-switches/${encodeURIComponent(account)}/trip`),
  reset: (account) => confirmSwitch(`Reset the kill switch of ${account}?`,
    "The account may take new entries again.", "Reset",
    `/api/v1/kill-switches/${encodeURIComponent(account)}/reset`),
  halt: () => confirmSwitch("Halt the desk?",
    "No account takes new entries until the desk is resumed.", "Halt", "/api/v1/desk/halt"),
  resume: () => confirmSwitch("Resume the desk?", "Accounts may take new entries again.",
    "Resume", "/api/v1/desk/resume"),
};

// Strategies: a pause or a resume acts from the next bar; open positions keep their exits.
// Either may name accounts: only those stop (or start again).
async function confirmStrategy(name, action, text) {
  const reason = await askReason(`${action} strategy ${name}?`, text, action, true);
  if (reason === null) return;
  const accounts = askedAccounts();
  await command(`${action} of ${name}`,
    `/api/v1/strategies/${encodeURIComponent(name)}/${action.toLowerCase()}`,
    { reason, accounts }, (answer) => `${name}: ${answer.strategies[0].status}` +
      (accounts.length ? ` (${action.toLowerCase()}d for ${accounts.join(", ")})` : ""));
}

const strategyActions = {
  pause: (name) => confirmStrategy(name, "Pause",
    "No new signals from the next bar; open positions keep their stop and target."),
  resume: (name) => confirmStrategy(name, "Resume", "Signals again from the next bar."),
  retire: (name) => confirmStrategy(name, "Retire",
    "No new signals from the next bar for the accounts named (none: every account); a "
    + "deployment brings it back. Open positions keep their stop and target."),
};

// Operator exits: each asks for a reason (the confirmation step), then names what it did.
async function confirmExit(title, text, label, path) {
  const reason = await askReason(title, text, label);
  if (reason === null) return;
  await command(title.replace(/\?$/, ""), path, { reason }, (answer) =>
    answer.orders.map((o) => o.refused ? `${o.order_id}: refused (${o.refused})`
      : `${o.order_id}: ${o.action.toLowerCase()} ${o.exit_pending ? "sent" : o.status}`)
      .join("; "));
}

const exitActions = {
  cancel: (orderId) => confirmExit(`Cancel order ${orderId}?`,
    "The entry has not filled: the bracket is cancelled and its cash released.", "Cancel order",
    `/api/v1/orders/${encodeURIComponent(orderId)}/cancel`),
  close: (account, symbol, quantity) => confirmExit(`Close ${symbol} for ${account}?`,
    `Sells ${quantity} at market (paper: at the next bar); stop and target are cancelled.`,
    "Close position",
    `/api/v1/positions/${encodeURIComponent(account)}/${encodeURIComponent(symbol)}/close`),
  flatten: (account) => confirmExit(`Flatten ${account}?`,
    "Cancels every working entry and closes every position of this account.", "Flatten",
    `/api/v1/accounts/${encodeURIComponent(account)}/flatten`),
  flattenDesk: () => confirmExit("Flatten the whole desk?",
    "Cancels every working entry and closes every position of every account.",
    "Flatten desk", "/api/v1/desk/flatten"),
};

// The live feed --------------------------------------------------------------------------
function onEvent(event) {
  if (event.type !== "BarClosed" || $("show-bars").checked) {
    const feed = $("feed");
    feed.prepend(el("li", { dataset: { type: event.type, position: event.position } },
      `${istTime(event.occurred_at)} #${event.position} ${event.type} ${event.stream_id} `
      + `by ${event.actor}`));
    while (feed.children.length > FEED_LENGTH) feed.lastChild.remove();
  }
  scheduleRedraw();
}

function onFeedState(state) {
  const badge = $("feed-state");
  badge.hidden = false;
  badge.textContent = `feed: ${state}`;
  badge.dataset.state = state;
  if (state === "signed out") signOut("Your token is no longer accepted; log in again.");
}

// Signing in and out ---------------------------------------------------------------------
async function start() {
  const me = await get("/api/v1/me");
  can = { decide: RANK[me.role] >= RANK.approver, switch: RANK[me.role] >= RANK.admin };
  $("who-name").textContent = me.name;
  $("who-role").textContent = me.role;
  $("who").hidden = $("logout").hidden = false;
  $("login").hidden = true;
  $("console").hidden = false;
  const { head } = await get("/api/v1/events?limit=1");
  await redraw();
  feedStop = new AbortController();
  follow(head, onEvent, onFeedState, feedStop.signal);
}

function signOut(message) {
  if (feedStop) feedStop.abort();
  token.clear();
  $("console").hidden = $("who").hidden = $("logout").hidden = true;
  $("desk-controls").replaceChildren();
  $("login").hidden = false;
  if (message) notify(message, "error");
}

async function logIn(event) {
  event.preventDefault();
  token.set($("token").value.trim());
  $("token").value = "";
  try {
    await start();
    $("notice").hidden = true;
  } catch (error) {
    signOut();
    failed("Log in", error);
  }
}

$("login-form").addEventListener("submit", logIn);
$("logout").addEventListener("click", () => signOut());
$("show-blocked").addEventListener("change", () => drawQueue());
$("show-decided").addEventListener("change", () => drawQueue());
$("tax-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  try {
    renderTax($("tax"), await loadTax($("tax-account").value.trim(), $("tax-fy").value.trim(),
      $("tax-method").value));
  } catch (error) {
    failed("Tax report", error);
  }
});
$("report-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const fields = { from: $("report-from").value, to: $("report-to").value,
    month: $("report-month").value.trim(), account: $("report-account").value.trim() };
  try {
    listReport($("reports"), await loadReport($("report-kind").value, fields));
  } catch (error) {
    failed("Report", error);
  }
});
if (token.get()) {
  start().catch((error) => { signOut(); failed("Log in", error); });
} else {
  $("login").hidden = false;
}
