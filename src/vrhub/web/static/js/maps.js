// Leaflet maps of the dashboard. Each element marked data-vrhub-map names the GeoJSON it
// draws (data-geojson); features carry their own fill colour and label, computed by vrhub.
// Every map also draws borough outlines with their names and, closer in, ward outlines and
// names (from /maps/outlines.geojson), so a reader can tell where a hotspot is. A basemap is
// drawn only when the deployment provides one: a tile URL (data-tile-url) or vrhub's own
// PMTiles file (data-pmtiles); otherwise the outlines stand alone on a plain background.
// On a map of grid cells, selecting a borough or ward anywhere between the cells shows that
// area's count for the same source, category and months (from /api/v1/counts, which
// applies the reader's scope and disclosure control).
const L = window.L;

const BOROUGH_LABELS = { min: 9, max: 13 };
const WARD_OUTLINES_FROM = 12;
const WARD_LABELS_FROM = 14;
const BOROUGH_VIEW_WARD_LABELS_FROM = 13;

function basemap(element, map) {
  const attribution = element.dataset.tileAttribution || "";
  if (element.dataset.tileUrl) {
    L.tileLayer(element.dataset.tileUrl, { maxZoom: 18, attribution }).addTo(map);
  } else if (element.dataset.pmtiles && window.pmtiles) {
    const layer = window.pmtiles.leafletRasterLayer(
      new window.pmtiles.PMTiles(element.dataset.pmtiles), { maxZoom: 18, attribution });
    // tiles are decoration (the figures are in the cells and the tables): mark each one
    // so, as Leaflet's own tile layer does
    layer.on("tileloadstart tileload", (event) => {
      event.tile.setAttribute("alt", "");
      event.tile.setAttribute("role", "presentation");
    });
    layer.addTo(map);
  }
}

async function getJSON(url) {
  const response = await fetch(url, { headers: { Accept: "application/geo+json" } });
  if (!response.ok) {
    throw new Error(String(response.status));
  }
  return response.json();
}

function label(text, at, className) {
  const span = document.createElement("span");
  span.textContent = text;
  return L.marker(at, {
    icon: L.divIcon({ className, html: span, iconSize: null }),
    interactive: false,
    keyboard: false,
    pane: "labels",
  });
}

function outlineLayer(data, style, className) {
  const lines = L.geoJSON(data, { style: () => style, interactive: false, pane: "outlines" });
  const names = L.layerGroup(data.features.map(
    (f) => label(f.properties.name, f.properties.at, className)));
  return { lines, names };
}

// The counts API's question for the cells' own source, category and months.
function countsQuery(element) {
  const asked = new URL(element.dataset.geojson, window.location.href).searchParams;
  const query = new URLSearchParams({ source: asked.get("source") || "police", limit: "5000" });
  for (const key of ["category", "from", "to"]) {
    if (asked.get(key)) {
      query.set(key, asked.get(key));
    }
  }
  return query;
}

function popupText(text) {
  const paragraph = document.createElement("p");
  paragraph.className = "govuk-body-s vrhub-map__figures";
  paragraph.textContent = text;
  return paragraph;
}

async function areaFigures(element, level, feature) {
  const query = countsQuery(element);
  query.set("level", level);
  query.set("area", feature.properties.code);
  const name = feature.properties.name;
  const response = await fetch(`/api/v1/counts?${query}`, { headers: { Accept: "application/json" } });
  if (!response.ok) {
    return `${name}: its figures are not available to you (${response.status}).`;
  }
  const body = await response.json();
  const counts = body.rows.map((row) => row.count);
  const what = [query.get("category") || "all categories"];
  if (body.period) {
    what.push(body.period.label);
  }
  const total = counts.reduce((a, b) => a + (b || 0), 0).toLocaleString("en-GB");
  const about = body.detail === "disclosed" ? "about " : "";
  if (counts.some((n) => n === null)) {
    // disclosure control hid the months with 1 to 7
    return `${name}: ${total === "0" ? "" : `about ${total} and `}1 to 7 in each month not shown (${what.join(", ")}).`;
  }
  return `${name}: ${about}${total} (${what.join(", ")}).`;
}

// Transparent areas under the cells: selecting one between the cells shows its figures.
function clickableAreas(element, data, level) {
  return L.geoJSON(data, {
    pane: "areas",
    style: () => ({ stroke: false, fill: true, fillOpacity: 0 }),
    onEachFeature: (feature, shape) => {
      shape.bindTooltip(feature.properties.name, { sticky: true });
      shape.on("click", async (event) => {
        const popup = L.popup().setLatLng(event.latlng)
          .setContent(popupText(`${feature.properties.name}: counting…`)).openOn(shape._map);
        try {
          popup.setContent(popupText(await areaFigures(element, level, feature)));
        } catch (error) {
          popup.setContent(popupText(`${feature.properties.name}: the figures could not be loaded.`));
        }
      });
    },
  });
}

function toggle(map, layer, show) {
  if (show && !map.hasLayer(layer)) {
    layer.addTo(map);
  } else if (!show && map.hasLayer(layer)) {
    map.removeLayer(layer);
  }
}

async function outlines(element, map) {
  const borough = element.dataset.borough || "";
  let boroughs = null;
  let wards = null;
  let loadingWards = false;
  try {
    const data = await getJSON("/maps/outlines.geojson?level=borough");
    boroughs = outlineLayer(data, { color: "#0b0c0c", weight: 1.6, fill: false },
      "vrhub-map__label vrhub-map__label--borough");
    boroughs.lines.addTo(map);
    if (element.dataset.unit === "grid cells") {
      clickableAreas(element, data, "borough").addTo(map);
    }
    // a borough view shows the whole borough, however few cells it has
    const own = data.features.filter((f) => f.properties.code === borough);
    if (own.length) {
      map.fitBounds(L.geoJSON(own[0]).getBounds(), { padding: [8, 8] });
    }
  } catch (error) {
    return;
  }
  const wardLabelsFrom = borough ? BOROUGH_VIEW_WARD_LABELS_FROM : WARD_LABELS_FROM;
  async function update() {
    const zoom = map.getZoom();
    toggle(map, boroughs.names, zoom >= BOROUGH_LABELS.min && zoom < BOROUGH_LABELS.max);
    const wantWards = Boolean(borough) || zoom >= WARD_OUTLINES_FROM;
    if (wantWards && !wards && !loadingWards) {
      loadingWards = true;
      try {
        const query = borough ? `&borough=${encodeURIComponent(borough)}` : "";
        const wardData = await getJSON(`/maps/outlines.geojson?level=ward${query}`);
        wards = outlineLayer(wardData,
          { color: "#505a5f", weight: 0.8, dashArray: "4 3", fill: false },
          "vrhub-map__label vrhub-map__label--ward");
        if (element.dataset.unit === "grid cells") {
          wards.areas = clickableAreas(element, wardData, "ward");
        }
      } catch (error) {
        return;
      }
    }
    if (wards) {
      toggle(map, wards.lines, wantWards);
      if (wards.areas) {
        toggle(map, wards.areas, wantWards);
      }
      toggle(map, wards.names, map.getZoom() >= wardLabelsFrom);
    }
  }
  map.on("zoomend", update);
  await update();
}

async function draw(element) {
  element.textContent = "";
  const map = L.map(element, { zoomSnap: 0.25, attributionControl: Boolean(element.dataset.tileUrl || element.dataset.pmtiles) });
  // below the cells (overlay pane, 400): selecting a cell shows the cell, between the
  // cells the area
  map.createPane("areas").style.zIndex = 350;
  map.createPane("outlines").style.zIndex = 450;
  map.getPane("outlines").style.pointerEvents = "none";
  map.createPane("labels").style.zIndex = 460;
  map.getPane("labels").style.pointerEvents = "none";
  basemap(element, map);
  const status = document.createElement("p");
  status.className = "govuk-body-s vrhub-map__status";
  status.setAttribute("role", "status");
  status.textContent = "Loading the map…";
  element.after(status);
  let data;
  try {
    data = await getJSON(element.dataset.geojson);
  } catch (error) {
    status.textContent = "The map could not be loaded. The figures are in the table below.";
    return;
  }
  if (!data.features.length) {
    status.textContent = "Nothing to show on the map for these choices.";
    map.setView([51.5, -0.12], 10);
    await outlines(element, map);
    element.dataset.vrhubMapReady = "true";
    return;
  }
  const layer = L.geoJSON(data, {
    style: (feature) => ({
      color: feature.properties.stroke || "#0b0c0c",
      weight: feature.properties.stroke ? 0 : 0.6,
      fillColor: feature.properties.fill,
      fillOpacity: element.dataset.tileUrl || element.dataset.pmtiles ? 0.7 : 0.85,
    }),
    onEachFeature: (feature, shape) => {
      if (feature.properties.label) {
        shape.bindTooltip(feature.properties.label, { sticky: true });
        shape.bindPopup(popupText(feature.properties.label));
      }
    },
  }).addTo(map);
  map.fitBounds(layer.getBounds(), { padding: [8, 8] });
  await outlines(element, map);
  const unit = element.dataset.unit || "areas";
  status.textContent = unit === "grid cells"
    ? `Map drawn: ${data.features.length} ${unit}. Select any cell, or any borough or ward between the cells, for its figures; zoom in for ward names.`
    : `Map drawn: ${data.features.length} ${unit}. Select any area for its figures; zoom in for ward names.`;
  element.dataset.vrhubMapReady = "true";
}

for (const element of document.querySelectorAll("[data-vrhub-map]")) {
  draw(element);
}
