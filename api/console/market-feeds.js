// Live market feeds in the header (`desk run`): each feed's connection, lag and reconnects,
// read from /ready every few seconds. Hidden when the desk runs no live feed.

const EVERY_MS = 3000;

function describe(feed) {
  const state = feed.connected ? "connected" : "DOWN";
  const lag = feed.lag_ms === null ? "" : `, lag ${feed.lag_ms} ms`;
  return `${feed.name} ${state}${lag}, ${feed.reconnects} reconnect(s)`;
}

async function refresh(badge) {
  try {
    const response = await fetch("/ready");
    const body = await response.json();
    const feeds = body.feeds || [];
    badge.hidden = feeds.length === 0;
    badge.textContent = `feeds: ${feeds.map(describe).join("; ")}`;
    badge.classList.toggle("warn", feeds.some((f) => !f.connected));
  } catch {
    badge.textContent = "feeds: state unknown (the desk does not answer)";
  }
}

const badge = document.getElementById("market-feeds");
if (badge) {
  refresh(badge);
  setInterval(() => refresh(badge), EVERY_MS);
}
