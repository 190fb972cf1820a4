// The methanemap web map: our own tiles on MapLibre GL JS, with sector, period (slider
// with play), scale and opacity controls whose state lives in the URL, a legend from
// /tiles/legend.json, a popup of /cells values and /cells/history on click, and
// country or box totals in a side panel (totals.js).
// MapLibre is loaded from this directory's node_modules (served at static/maplibre);
// when it is missing, the page says how to install it instead of failing silently.

import { chartKey, formatNumber, lineChart } from "./chart.js";
import { escapeHtml, getJson, setUpTotals, showCountry } from "./totals.js";

const $ = (id) => document.getElementById(id);
const PLAY_MS = 1500;
const DEFAULT_VIEW = { center: [60, 30], zoom: 1.6 };

// What the page shows; mirrored in the query string so a link reproduces it.
const state = { sector: "total", period: null, scale: "log", opacity: 0.85 };
let catalog = null;

function showMessage(html) {
  const box = $("message");
  box.innerHTML = html;
  box.hidden = false;
}

function readUrl() {
  const params = new URLSearchParams(window.location.search);
  const sectors = catalog.sectors.map((s) => s.id);
  const periods = catalog.periods.map((p) => p.id);
  if (sectors.includes(params.get("sector"))) state.sector = params.get("sector");
  state.period = periods.includes(params.get("period"))
    ? params.get("period") : periods[periods.length - 1];
  if (["log", "linear"].includes(params.get("scale"))) state.scale = params.get("scale");
  const opacity = Number.parseFloat(params.get("opacity"));
  if (opacity >= 0 && opacity <= 1) state.opacity = opacity;
}

function writeUrl() {
  const url = new URL(window.location.href);
  for (const [key, value] of Object.entries(state)) url.searchParams.set(key, value);
  // The map view stays in the hash (#map=zoom/lat/lon), kept as MapLibre wrote it.
  window.history.replaceState(window.history.state, "", url);
}

function layerParams() {
  return { sector: state.sector, period: state.period, scale: state.scale };
}

function tileJsonUrl() {
  return new URL(`tiles/tilejson.json?${new URLSearchParams(layerParams())}`,
    window.location.href).href;
}

function periodIndex() {
  return catalog.periods.findIndex((p) => p.id === state.period);
}

function fillControls() {
  for (const sector of catalog.sectors) {
    $("sector").add(new Option(sector.id, sector.id));
  }
  $("sector").value = state.sector;
  showSectorName();
  $("period").max = String(catalog.periods.length - 1);
  $("period").value = String(periodIndex());
  document.querySelector(`input[name=scale][value=${state.scale}]`).checked = true;
  $("opacity").value = String(state.opacity);
  showPeriodLabel();
  $("status").textContent = `cube version ${catalog.version}`;
}

function showSectorName() {
  const sector = catalog.sectors.find((s) => s.id === state.sector);
  $("sector-name").textContent = sector?.name ?? "";
}

function showPeriodLabel() {
  const period = catalog.periods[periodIndex()];
  $("period-label").innerHTML = `<strong>${escapeHtml(period.id)}</strong>
    ${escapeHtml(period.start)} to ${escapeHtml(period.end)}
    <span class="muted">(${periodIndex() + 1} of ${catalog.periods.length})</span>`;
}

async function showLegend() {
  try {
    const legend = await getJson("tiles/legend.json", layerParams());
    const stops = legend.stops.map((s) => `${s.color} ${(s.position * 100).toFixed(1)}%`);
    $("legend-bar").style.background = `linear-gradient(to right, ${stops.join(", ")})`;
    const [low, high] = legend.range;
    const middle = legend.scale === "log" ? Math.sqrt(low * high) : (low + high) / 2;
    $("legend-ticks").innerHTML = [low, middle, high]
      .map((v) => `<span>${formatNumber(v)}</span>`).join("");
    $("legend-units").textContent = `CH\u2084 ${legend.quantity}, ${legend.units} (${legend.scale})`;
  } catch (error) {
    $("legend-units").textContent = `no legend: ${error.message}`;
  }
}

function redrawLayer(map) {
  map.getSource("emission")?.setUrl(tileJsonUrl());
  showLegend();
  writeUrl();
}

function addEmissionLayer(map) {
  map.addSource("emission", { type: "raster", url: tileJsonUrl(), tileSize: 256 });
  map.addLayer({
    id: "emission", type: "raster", source: "emission",
    paint: { "raster-resampling": "nearest", "raster-opacity": state.opacity,
      "raster-fade-duration": 0 },
  }, map.getLayer("country-line") ? "country-line" : undefined);
}

async function addCountries(map) {
  // Outlines from our own data (Natural Earth via /countries.geojson); without them
  // the map still works, only country totals are unavailable.
  const response = await fetch(new URL("countries.geojson", window.location.href));
  if (!response.ok) {
    $("status").textContent += " · no country outlines";
    return null;
  }
  const outlines = await response.json();
  map.addSource("countries", { type: "geojson", data: outlines, promoteId: "iso3" });
  const below = map.getLayer("emission") ? "emission" : undefined;
  map.addLayer({ id: "country-fill", type: "fill", source: "countries",
    paint: { "fill-color": "#2b3242" } }, below);
  map.addLayer({ id: "country-line", type: "line", source: "countries",
    paint: { "line-color": "#6b7690", "line-width": 0.6 } });
  map.addLayer({ id: "country-selected", type: "line", source: "countries",
    filter: ["==", ["get", "iso3"], ""],
    paint: { "line-color": "#ffffff", "line-width": 1.8 } });
  return outlines;
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
    ...DEFAULT_VIEW,
    hash: "map", // the view is in the URL (#map=zoom/lat/lon), so links reproduce it
    boxZoom: false, // shift-drag draws a box for totals instead (totals.js)
    attributionControl: { compact: true },
    style: {
      version: 8,
      sources: { graticule: { type: "geojson", data: graticule() } },
      layers: [
        { id: "background", type: "background", paint: { "background-color": "#161a22" } },
        { id: "graticule", type: "line", source: "graticule",
          paint: { "line-color": "#262c3a", "line-width": 1 } },
      ],
    },
  });
  map.addControl(new maplibregl.NavigationControl({ showCompass: false }), "top-right");
  map.addControl(new maplibregl.ScaleControl(), "bottom-right");
  return map;
}

function wrapLon(lon) {
  return ((((lon + 180) % 360) + 360) % 360) - 180; // wrapped worlds back to -180..180
}

function cellPopupHtml(cell, history, country) {
  const rows = Object.entries(cell.values).map(([sector, entry]) =>
    `<tr class="${sector === state.sector ? "chosen" : ""}"><td><i style="background:var(--${sector})"></i>${escapeHtml(sector)}</td>
      <td class="value" data-sector="${escapeHtml(sector)}">${formatNumber(entry.value)}</td>
      <td class="muted">${escapeHtml(entry.units)}</td></tr>`).join("");
  const b = cell.cell.bounds;
  const names = Object.keys(history.values);
  const series = names.map((name) => ({ name, values: history.values[name].values }));
  const units = history.values[names[0]]?.units ?? "";
  const countryButton = country
    ? `<button type="button" class="country-link" data-iso3="${escapeHtml(country.iso3)}">
        ${escapeHtml(country.name)}: totals and series &rarr;</button>` : "";
  return `<div class="cell-popup" data-cell="${cell.cell.id}">
    <div class="title">Cell ${b.west}..${b.east}&deg;E, ${b.south}..${b.north}&deg;N</div>
    <div class="muted">CH\u2084 emitted in the cell, ${escapeHtml(cell.period.id)}
      (${escapeHtml(cell.period.start)} to ${escapeHtml(cell.period.end)})</div>
    <table>${rows}</table>
    ${lineChart(series, history.periods, { current: cell.period.id, units })}
    ${chartKey(names)}
    ${countryButton}</div>`;
}

async function showCell(maplibregl, map, event, outlines) {
  const { lngLat, point } = event;
  const popup = new maplibregl.Popup({ maxWidth: "320px" })
    .setLngLat(lngLat).setHTML('<div class="cell-popup muted">loading…</div>').addTo(map);
  const lon = wrapLon(lngLat.lng);
  const hit = map.getLayer("country-fill")
    ? map.queryRenderedFeatures(point, { layers: ["country-fill"] })[0] : null;
  const country = hit ? outlines.features.find((f) => f.id === hit.properties.iso3) : null;
  try {
    const [cell, history] = await Promise.all([
      getJson("cells", { lat: lngLat.lat, lon, period: state.period }),
      getJson("cells/history", { lat: lngLat.lat, lon }),
    ]);
    popup.setHTML(cellPopupHtml(cell, history, country?.properties));
    popup.getElement().querySelector(".country-link")?.addEventListener("click", () => {
      popup.remove();
      showCountry(map, country, catalog, state);
    });
  } catch (error) {
    popup.setHTML(`<div class="cell-popup">${escapeHtml(error.message)}</div>`);
  }
}

function setPeriod(map, index) {
  state.period = catalog.periods[index].id;
  $("period").value = String(index);
  showPeriodLabel();
  redrawLayer(map);
}

function wireControls(map) {
  $("sector").addEventListener("change", () => {
    state.sector = $("sector").value;
    showSectorName();
    redrawLayer(map);
  });
  let pending = null;
  $("period").addEventListener("input", () => {
    state.period = catalog.periods[Number($("period").value)].id;
    showPeriodLabel();
    clearTimeout(pending); // a drag across many periods asks tiles for where it stops
    pending = setTimeout(() => redrawLayer(map), 120);
  });
  for (const radio of document.querySelectorAll("input[name=scale]")) {
    radio.addEventListener("change", () => {
      state.scale = radio.value;
      redrawLayer(map);
    });
  }
  $("opacity").addEventListener("input", () => {
    state.opacity = Number($("opacity").value);
    if (map.getLayer("emission")) map.setPaintProperty("emission", "raster-opacity", state.opacity);
    writeUrl();
  });

  let timer = null;
  $("play").addEventListener("click", () => {
    if (timer) {
      clearInterval(timer);
      timer = null;
    } else {
      timer = setInterval(() => setPeriod(map, (periodIndex() + 1) % catalog.periods.length), PLAY_MS);
    }
    $("play").innerHTML = timer ? "&#10074;&#10074;" : "&#9654;";
    $("play").setAttribute("aria-label", timer ? "Pause" : "Play");
  });
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
    catalog = await getJson("periods");
  } catch (error) {
    showMessage(`No data to show yet: ${escapeHtml(error.message)}`);
    return;
  }
  readUrl();
  fillControls();
  writeUrl();

  const map = createMap(maplibregl);
  window.methanemap = { map, state }; // for the browser tests and the curious
  map.on("load", async () => {
    addEmissionLayer(map);
    showLegend();
    const outlines = await addCountries(map);
    map.on("click", (event) => {
      if (!document.body.classList.contains("drawing")) showCell(maplibregl, map, event, outlines);
    });
    setUpTotals(map, maplibregl, catalog, state);
    document.body.dataset.ready = "true";
  });
  wireControls(map);
}

main();
