// An account's equity over the day as an inline SVG line, drawn here (no chart library):
// the dashed line is what was deposited, so the curve above it is profit, below it loss.

const SVG = "http://www.w3.org/2000/svg";
const WIDTH = 360, HEIGHT = 120, PAD_LEFT = 64, PAD_BOTTOM = 16, PAD_TOP = 6;

function svg(tag, attrs, text) {
  const node = document.createElementNS(SVG, tag);
  for (const [key, value] of Object.entries(attrs)) node.setAttribute(key, value);
  if (text !== undefined) node.textContent = text;
  return node;
}

const label = new Intl.NumberFormat("en-IN", { maximumFractionDigits: 0 });
const clock = new Intl.DateTimeFormat("en-IN", { timeZone: "Asia/Kolkata", hour: "2-digit",
  minute: "2-digit", hour12: false });

/** An <svg> of `points` ({at, equity, pnl}, oldest first). */
export function equityChart(points, accountId) {
  const chart = svg("svg", { class: "chart", viewBox: `0 0 ${WIDTH} ${HEIGHT}`,
    role: "img", "aria-label": `equity of ${accountId}`, "data-points": points.length });
  if (points.length === 0) {
    chart.append(svg("text", { x: PAD_LEFT, y: HEIGHT / 2 }, "no equity yet"));
    return chart;
  }
  const times = points.map((p) => Date.parse(p.at));
  const equity = points.map((p) => Number(p.equity));
  const deposits = Number(points.at(-1).equity) - Number(points.at(-1).pnl);
  const low = Math.min(...equity, deposits), high = Math.max(...equity, deposits);
  const span = high - low || Math.max(Math.abs(high) * 0.001, 1);
  const t0 = times[0], t1 = times.at(-1), tSpan = t1 - t0 || 1;
  const x = (t) => PAD_LEFT + ((t - t0) / tSpan) * (WIDTH - PAD_LEFT - 4);
  const y = (v) => PAD_TOP + (1 - (v - low) / span) * (HEIGHT - PAD_TOP - PAD_BOTTOM);
  chart.append(
    svg("line", { class: "zero", x1: PAD_LEFT, x2: WIDTH - 4, y1: y(deposits), y2: y(deposits) }),
    svg("polyline", { class: "equity",
      points: points.map((_, i) => `${x(times[i]).toFixed(1)},${y(equity[i]).toFixed(1)}`)
        .join(" ") }),
    svg("text", { x: 2, y: PAD_TOP + 8 }, label.format(high)),
    svg("text", { x: 2, y: HEIGHT - PAD_BOTTOM }, label.format(low)),
    svg("text", { x: PAD_LEFT, y: HEIGHT - 3 }, clock.format(t0)),
    svg("text", { x: WIDTH - 4, y: HEIGHT - 3, "text-anchor": "end" }, clock.format(t1)),
  );
  return chart;
}
