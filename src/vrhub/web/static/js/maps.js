// Leaflet maps of the dashboard. Each element marked data-vrhub-map names the GeoJSON it
// draws (data-geojson); features carry their own fill colour and label, computed by vrhub.
// Every map also draws borough outlines with their names and, closer in, ward outlines and
// names (from /maps/outlines.geojson), so a reader can tell where a hotspot is. A basemap is
// drawn only when the deployment provides one: a tile URL (data-tile-url) or vrhub's own
// PMTiles file (data-pmtiles); otherwise the outlines stand alone on a plain background.
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
    window.pmtiles.leafletRasterLayer(new window.pmtiles.PMTiles(element.dataset.pmtiles),
      { maxZoom: 18, attribution }).addTo(map);
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
        wards = outlineLayer(await getJSON(`/maps/outlines.geojson?level=ward${query}`),
          { color: "#505a5f", weight: 0.8, dashArray: "4 3", fill: false },
          "vrhub-map__label vrhub-map__label--ward");
      } catch (error) {
        return;
      }
    }
    if (wards) {
      toggle(map, wards.lines, wantWards);
      toggle(map, wards.names, map.getZoom() >= wardLabelsFrom);
    }
  }
  map.on("zoomend", update);
  await update();
}

async function draw(element) {
  element.textContent = "";
  const map = L.map(element, { zoomSnap: 0.25, attributionControl: Boolean(element.dataset.tileUrl || element.dataset.pmtiles) });
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
        const text = document.createElement("p");
        text.className = "govuk-body-s vrhub-map__figures";
        text.textContent = feature.properties.label;
        shape.bindPopup(text);
      }
    },
  }).addTo(map);
  map.fitBounds(layer.getBounds(), { padding: [8, 8] });
  await outlines(element, map);
  const unit = element.dataset.unit || "areas";
  status.textContent = `Map drawn: ${data.features.length} ${unit}. Select any ${unit === "grid cells" ? "cell" : "area"} for its figures; zoom in for ward names.`;
  element.dataset.vrhubMapReady = "true";
}

for (const element of document.querySelectorAll("[data-vrhub-map]")) {
  draw(element);
}
