// A small inline SVG line chart of 8-day series, one line per sector: no library needed.

export const SECTOR_COLOURS = {
  coal: "#b7bfcc",
  oil: "#f08c3a",
  gas: "#4fb3e8",
  total: "#ffd84d",
};

const WIDTH = 280;
const HEIGHT = 110;
const PAD = { left: 38, right: 8, top: 8, bottom: 20 };

export function formatNumber(value) {
  if (value === null || value === undefined || Number.isNaN(value)) return "no data";
  if (value === 0) return "0";
  if (Math.abs(value) < 1e-3) return value.toExponential(2);
  return value.toLocaleString("en", { maximumSignificantDigits: 4 });
}

function axisNumber(value) {
  return value.toLocaleString("en", { notation: "compact", maximumSignificantDigits: 3 });
}

function escapeXml(text) {
  return String(text).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function pathOf(values, x, y) {
  // Gaps (null: no data) break the line rather than drop to zero.
  let d = "";
  let pen = false;
  values.forEach((v, i) => {
    if (v === null || v === undefined) {
      pen = false;
      return;
    }
    d += `${pen ? "L" : "M"}${x(i).toFixed(1)},${y(v).toFixed(1)}`;
    pen = true;
  });
  return d;
}

/**
 * An SVG chart of `series` ([{name, values}]) over `periods` ([{id, start}]), with
 * `current` (a period id) marked; `units` labels the y axis.
 */
export function lineChart(series, periods, { current = null, units = "" } = {}) {
  const all = series.flatMap((s) => s.values).filter((v) => v !== null && v !== undefined);
  const top = Math.max(...all, 0) || 1;
  const n = periods.length;
  const x = (i) => PAD.left + (n > 1 ? (i * (WIDTH - PAD.left - PAD.right)) / (n - 1) : 0);
  const y = (v) => HEIGHT - PAD.bottom - (v / top) * (HEIGHT - PAD.top - PAD.bottom);

  const lines = series.map((s) => {
    const colour = SECTOR_COLOURS[s.name] || "#ddd";
    const width = s.name === "total" ? 2.2 : 1.4;
    // Total dashed, so a single sector equal to it still shows beneath.
    const dash = s.name === "total" ? ' stroke-dasharray="5 3"' : "";
    const dots = n === 1 && s.values[0] !== null
      ? `<circle cx="${x(0)}" cy="${y(s.values[0])}" r="2.5" fill="${colour}"/>` : "";
    return `<path d="${pathOf(s.values, x, y)}" fill="none" stroke="${colour}"
      stroke-width="${width}"${dash} stroke-linejoin="round"><title>${escapeXml(s.name)}</title></path>${dots}`;
  }).join("");

  const index = periods.findIndex((p) => p.id === current);
  const marker = index < 0 ? "" : `<line class="now" x1="${x(index)}" x2="${x(index)}"
    y1="${PAD.top}" y2="${HEIGHT - PAD.bottom}"/>`;
  const first = periods[0]?.start ?? "";
  const last = periods[n - 1]?.start ?? "";
  const base = HEIGHT - PAD.bottom;

  return `<svg class="chart" viewBox="0 0 ${WIDTH} ${HEIGHT}" width="${WIDTH}" height="${HEIGHT}"
      role="img" aria-label="8-day series">
    <line class="axis" x1="${PAD.left}" x2="${WIDTH - PAD.right}" y1="${base}" y2="${base}"/>
    <line class="grid" x1="${PAD.left}" x2="${WIDTH - PAD.right}" y1="${PAD.top}" y2="${PAD.top}"/>
    <text x="${PAD.left - 4}" y="${PAD.top + 4}" text-anchor="end">${axisNumber(top)}</text>
    <text x="${PAD.left - 4}" y="${base}" text-anchor="end">0</text>
    <text x="4" y="${(HEIGHT - PAD.bottom + PAD.top) / 2 + 4}">${escapeXml(units)}</text>
    <text x="${PAD.left}" y="${HEIGHT - 5}">${escapeXml(first)}</text>
    <text x="${WIDTH - PAD.right}" y="${HEIGHT - 5}" text-anchor="end">${escapeXml(last)}</text>
    ${marker}${lines}
  </svg>`;
}

/** A one-line key of the sectors drawn, in their colours. */
export function chartKey(names) {
  return `<div class="key">${names.map((name) =>
    `<span><i style="background:${SECTOR_COLOURS[name] || "#ddd"}"></i>${escapeXml(name)}</span>`)
    .join("")}</div>`;
}
