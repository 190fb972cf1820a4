// Area totals in the side panel: a country (/countries/{iso3}, else the CH4 inside its
// outline by POST /areas) or a box drawn on the map (GET /areas?bbox=), each as totals
// per sector over the cube's periods and their 8-day series.

import { chartKey, formatNumber, lineChart, SECTOR_COLOURS } from "./chart.js";

const $ = (id) => document.getElementById(id);

export function escapeHtml(text) {
  return String(text).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

async function answerOf(response, path) {
  const body = await response.json();
  if (!response.ok) throw new Error(body.detail || `${response.status} from ${path}`);
  return body;
}

export async function getJson(path, params = {}) {
  const url = new URL(path, window.location.href);
  for (const [key, value] of Object.entries(params)) {
    if (value !== null && value !== undefined && value !== "") url.searchParams.set(key, value);
  }
  return answerOf(await fetch(url), path);
}

async function postJson(path, params, body) {
  const url = new URL(path, window.location.href);
  for (const [key, value] of Object.entries(params)) url.searchParams.set(key, value);
  const response = await fetch(url, {
    method: "POST", headers: { "Content-Type": "application/geo+json" },
    body: JSON.stringify(body),
  });
  return answerOf(response, path);
}

function openPanel(html) {
  $("panel-body").innerHTML = html;
  $("panel").hidden = false;
}

function wholeSpan(catalog) {
  return { start: catalog.periods[0].id, end: catalog.periods[catalog.periods.length - 1].id };
}

function totalsHtml(title, subtitle, sectors, periods, state, note = "", warning = "") {
  const names = Object.keys(sectors);
  const units = sectors[names[0]]?.units ?? "";
  const index = periods.findIndex((p) => p.id === state.period);
  const rows = names.map((name) => {
    const s = sectors[name];
    const now = index >= 0 ? s.values[index] : null;
    return `<tr class="${name === state.sector ? "chosen" : ""}">
      <td><i style="background:${SECTOR_COLOURS[name] || "#ddd"}"></i>${escapeHtml(name)}</td>
      <td class="value" data-sector="${escapeHtml(name)}">${formatNumber(s.sum.value)}</td>
      <td class="value">${formatNumber(now)}</td></tr>`;
  }).join("");
  const series = names.map((name) => ({ name, values: sectors[name].values }));
  const first = periods[0];
  const last = periods[periods.length - 1];
  return `<h2>${escapeHtml(title)}</h2>
    <div class="muted">${subtitle}</div>
    <table class="totals">
      <thead><tr><th>sector</th><th>${escapeHtml(first.start)} to ${escapeHtml(last.end)}</th>
        <th>${escapeHtml(state.period)}</th></tr></thead>
      <tbody>${rows}</tbody>
    </table>
    <div class="muted">CH\u2084 in ${escapeHtml(units)}; 8-day series:</div>
    ${lineChart(series, periods, { current: state.period, units })}
    ${chartKey(names)}
    ${note ? `<p class="muted small">${note}</p>` : ""}
    ${warning ? `<p class="note">${warning}</p>` : ""}`;
}

function select(map, iso3) {
  if (map.getLayer("country-selected")) {
    map.setFilter("country-selected", ["==", ["get", "iso3"], iso3 ?? ""]);
  }
}

/** Open the panel on `feature` (a country outline): its totals and series. */
export async function showCountry(map, feature, catalog, state) {
  const { iso3, name } = feature.properties;
  select(map, iso3);
  $("panel").dataset.iso3 = iso3;
  openPanel(`<h2>${escapeHtml(name)}</h2><p class="muted">loading…</p>`);
  const span = wholeSpan(catalog);
  let answer;
  let note = "";
  let warning = "";
  let sectors;
  try {
    answer = await getJson(`countries/${encodeURIComponent(iso3)}`, span);
    sectors = answer.geographic.sectors;
    if (!sectors) throw new Error("the cube gave no geographic totals");
    note = escapeHtml(answer.geographic.definition ?? "");
  } catch (error) {
    // No country totals here (an older cube, or a service without them): the CH4
    // inside the map's own outline of the country instead, said as such.
    try {
      answer = await postJson("areas", span, feature.geometry);
      sectors = answer.sectors;
      warning = `Inside the map's outline of ${escapeHtml(name)} (Natural Earth 1:110m):
        country totals are not available here (${escapeHtml(error.message)}).`;
    } catch (areaError) {
      openPanel(`<h2>${escapeHtml(name)}</h2>
        <p class="note">No totals for ${escapeHtml(name)}: ${escapeHtml(error.message)};
        ${escapeHtml(areaError.message)}</p>`);
      return;
    }
  }
  const subtitle = `country ${escapeHtml(iso3)}`;
  openPanel(totalsHtml(name, subtitle, sectors, answer.periods, state, note, warning));
}

async function showBox(map, bbox, catalog, state) {
  select(map, null);
  const text = bbox.map((v) => v.toFixed(2)).join(", ");
  $("panel").dataset.bbox = bbox.join(",");
  openPanel(`<h2>Box</h2><p class="muted">loading…</p>`);
  try {
    const answer = await getJson("areas", { bbox: bbox.join(","), ...wholeSpan(catalog) });
    const area = Math.round(answer.area.area_km2).toLocaleString("en");
    openPanel(totalsHtml("Box", `${text} (W, S, E, N), ${area} km\u00b2`,
      answer.sectors, answer.periods, state));
  } catch (error) {
    openPanel(`<h2>Box</h2><p class="note">No totals for ${text}: ${escapeHtml(error.message)}</p>`);
  }
}

function boxOf(map, a, b) {
  const sw = map.unproject([Math.min(a.x, b.x), Math.max(a.y, b.y)]);
  const ne = map.unproject([Math.max(a.x, b.x), Math.min(a.y, b.y)]);
  const clampLat = (v) => Math.max(-90, Math.min(90, v));
  const west = Math.max(-180, sw.lng);
  const east = Math.min(180, ne.lng);
  return [west, clampLat(sw.lat), east, clampLat(ne.lat)].map((v) => Number(v.toFixed(3)));
}

function setDrawing(map, on) {
  document.body.classList.toggle("drawing", on);
  $("box").classList.toggle("active", on);
  if (on) map.dragPan.disable();
  else map.dragPan.enable();
}

/** Box drawing (the Box button, or shift-drag) and the panel's close button. */
export function setUpTotals(map, maplibregl, catalog, state) {
  const canvas = map.getCanvasContainer();
  let start = null;
  let rectangle = null;

  $("box").addEventListener("click", () => setDrawing(map, !document.body.classList.contains("drawing")));
  $("panel-close").addEventListener("click", () => {
    $("panel").hidden = true;
    select(map, null);
  });

  canvas.addEventListener("mousedown", (event) => {
    if (!(event.shiftKey || document.body.classList.contains("drawing")) || event.button !== 0) return;
    setDrawing(map, true);
    const r = canvas.getBoundingClientRect();
    start = new maplibregl.Point(event.clientX - r.left, event.clientY - r.top);
    rectangle = document.createElement("div");
    rectangle.className = "box-draw";
    canvas.appendChild(rectangle);
    event.preventDefault();
  }, true);

  window.addEventListener("mousemove", (event) => {
    if (!start) return;
    const r = canvas.getBoundingClientRect();
    const x = event.clientX - r.left;
    const y = event.clientY - r.top;
    Object.assign(rectangle.style, {
      left: `${Math.min(x, start.x)}px`, top: `${Math.min(y, start.y)}px`,
      width: `${Math.abs(x - start.x)}px`, height: `${Math.abs(y - start.y)}px`,
    });
  });

  window.addEventListener("mouseup", (event) => {
    if (!start) return;
    const r = canvas.getBoundingClientRect();
    const end = new maplibregl.Point(event.clientX - r.left, event.clientY - r.top);
    rectangle.remove();
    const from = start;
    start = null;
    // Let this mouseup's click pass before the map takes clicks again.
    setTimeout(() => setDrawing(map, false), 0);
    if (Math.abs(end.x - from.x) < 4 || Math.abs(end.y - from.y) < 4) return;
    showBox(map, boxOf(map, from, end), catalog, state);
  });
}
