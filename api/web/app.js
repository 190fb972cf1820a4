// The methanemap web map: our own tiles on MapLibre GL JS, a sector and a period
// selector filled from /periods, and a popup of /cells values on click.
// MapLibre is loaded from this directory's node_modules (served at static/maplibre);
// when it is missing, the page says how to install it instead of failing silently.

const base = new URL(".", window.location.href).href;
const $ = (id) => document.getElementById(id);

function showMessage(html) {
  const box = $("message");
  box.innerHTML = html;
  box.hidden = false;
}

function escapeHtml(text) {
  return String(text).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

async function getJson(path, params = {}) {
  const url = new URL(path, base);
  for (const [key, value] of Object.entries(params)) {
    if (value !== null && value !== "") url.searchParams.set(key, value);
  }
  const response = await fetch(url);
  const body = await response.json();
  if (!response.ok) throw new Error(body.detail || `${response.status} from ${path}`);
  return body;
}

function tileUrl() {
  const params = new URLSearchParams({
    sector: $("sector").value,
    period: $("period").value,
    scale: $("scale").value,
    colormap: $("colormap").value,
  });
  // The braces must stay literal for MapLibre, so this is not built with URL().
  return `${base}tiles/{z}/{x}/{y}.png?${params}`;
}

function fillSelectors(catalog) {
  for (const sector of catalog.sectors) {
    $("sector").add(new Option(`${sector.id} (${sector.units})`, sector.id));
  }
  $("sector").value = "total";
  for (const period of [...catalog.periods].reverse()) {
    $("period").add(new Option(`${period.id} (${period.start} to ${period.end})`, period.id));
  }
  $("status").textContent = `cube version ${catalog.version}`;
}

function formatValue(entry) {
  if (entry.value === null) return "no data";
  // Four significant digits, without trailing zeros: 140, 7.1, 0.0123.
  return `${Number(entry.value.toPrecision(4))} ${escapeHtml(entry.units)}`;
}

function popupHtml(cell) {
  const b = cell.cell.bounds;
  const rows = Object.entries(cell.values)
    .map(([sector, entry]) =>
      `<tr><td>${escapeHtml(sector)}</td><td class="value">${formatValue(entry)}</td></tr>`)
    .join("");
  return `<div class="cell-popup">
    <strong>${escapeHtml(cell.period.id)}</strong> (${escapeHtml(cell.period.start)} to
    ${escapeHtml(cell.period.end)})
    <table>${rows}</table>
    <div class="meta">cell ${cell.cell.id}: ${b.west}..${b.east} E, ${b.south}..${b.north} N
    <br>t CH4 emitted in the cell during the period</div></div>`;
}

function addEmissionLayer(map) {
  map.addSource("emission", {
    type: "raster", tiles: [tileUrl()], tileSize: 256, maxzoom: 10,
    attribution: "methanemap",
  });
  map.addLayer({ id: "emission", type: "raster", source: "emission",
    paint: { "raster-resampling": "nearest" } });
}

function graticule() {
  const lines = [];
  for (let lon = -180; lon <= 180; lon += 30) lines.push([[lon, -85], [lon, 85]]);
  for (let lat = -60; lat <= 60; lat += 30) lines.push([[-180, lat], [180, lat]]);
  return { type: "Feature", geometry: { type: "MultiLineString", coordinates: lines } };
}

function createMap(maplibregl) {
  const map = new maplibregl.Map({
    container: "map",
    center: [60, 30],
    zoom: 1.5,
    hash: true, // the view is in the URL (#zoom/lat/lon), so it can be shared
    style: {
      version: 8,
      sources: { graticule: { type: "geojson", data: graticule() } },
      layers: [
        { id: "background", type: "background", paint: { "background-color": "#20242e" } },
        { id: "graticule", type: "line", source: "graticule",
          paint: { "line-color": "#3b4254", "line-width": 1 } },
      ],
    },
  });
  map.addControl(new maplibregl.NavigationControl(), "top-right");
  map.on("load", () => addEmissionLayer(map));
  return map;
}

async function showCell(maplibregl, map, lngLat) {
  const popup = new maplibregl.Popup().setLngLat(lngLat).setHTML("…").addTo(map);
  try {
    const lon = ((lngLat.lng + 540) % 360) - 180; // wrapped worlds back to -180..180
    const cell = await getJson("cells", { lat: lngLat.lat, lon, period: $("period").value });
    popup.setHTML(popupHtml(cell));
  } catch (error) {
    popup.setHTML(`<div class="cell-popup">${escapeHtml(error.message)}</div>`);
  }
}

async function main() {
  let maplibregl;
  try {
    maplibregl = await import("./maplibre/maplibre-gl.mjs");
  } catch {
    showMessage(`MapLibre GL JS is not installed. In <code>api/web</code> run
      <code>npm install</code>, then reload this page. The API works without it:
      see <a href="docs">/docs</a>.`);
    return;
  }
  try {
    fillSelectors(await getJson("periods"));
  } catch (error) {
    showMessage(`No data to show yet: ${escapeHtml(error.message)}`);
    return;
  }

  const map = createMap(maplibregl);
  for (const id of ["sector", "period", "scale", "colormap"]) {
    $(id).addEventListener("change", () => map.getSource("emission")?.setTiles([tileUrl()]));
  }
  map.on("click", (event) => showCell(maplibregl, map, event.lngLat));
}

main();
