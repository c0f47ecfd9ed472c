// Small DOM and formatting helpers: elements are built with text nodes, never from HTML
// strings, so nothing the API sends can inject markup.

export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else if (key === "dataset") Object.assign(node.dataset, value);
    else node.setAttribute(key, value === true ? "" : value);
  }
  node.append(...children.flat().filter((c) => c !== null && c !== undefined && c !== false));
  return node;
}

export function replaceRows(tbody, rows, empty, columns) {
  tbody.replaceChildren(...(rows.length ? rows
    : [el("tr", {}, el("td", { colspan: columns, class: "muted" }, empty))]));
}

const rupees = new Intl.NumberFormat("en-IN", { minimumFractionDigits: 2,
  maximumFractionDigits: 2 });

/** A decimal string as Indian-grouped rupees ("1,00,000.00"); blank for null. */
export function money(amount) {
  return amount === null || amount === undefined ? "—" : rupees.format(Number(amount));
}

/** A signed amount in a cell coloured by its sign. */
export function signed(amount) {
  const value = Number(amount);
  return el("td", { class: `num ${value > 0 ? "pos" : value < 0 ? "neg" : ""}` },
    money(amount));
}

const ist = new Intl.DateTimeFormat("en-IN", { timeZone: "Asia/Kolkata", hour: "2-digit",
  minute: "2-digit", second: "2-digit", hour12: false });

/** An ISO time as IST clock time ("10:32:05"); the desk displays IST, stores UTC. */
export function istTime(iso) {
  return iso ? ist.format(new Date(iso)) : "—";
}
