// Leaflet maps of the dashboard. Each element marked data-vrhub-map names the GeoJSON it
// draws (data-geojson); features carry their own fill colour and label, computed by vrhub.
// No tiles are requested unless the deployment configures a tile server (data-tile-url).
const L = window.L;

async function draw(element) {
  element.textContent = "";
  const map = L.map(element, { zoomSnap: 0.25, attributionControl: Boolean(element.dataset.tileUrl) });
  if (element.dataset.tileUrl) {
    L.tileLayer(element.dataset.tileUrl, { maxZoom: 18, attribution: element.dataset.tileAttribution || "" }).addTo(map);
  }
  const status = document.createElement("p");
  status.className = "govuk-body-s vrhub-map__status";
  status.setAttribute("role", "status");
  status.textContent = "Loading the map…";
  element.after(status);
  let data;
  try {
    const response = await fetch(element.dataset.geojson, { headers: { Accept: "application/geo+json" } });
    if (!response.ok) {
      throw new Error(String(response.status));
    }
    data = await response.json();
  } catch (error) {
    status.textContent = "The map could not be loaded. The figures are in the table below.";
    return;
  }
  if (!data.features.length) {
    status.textContent = "Nothing to show on the map for these choices.";
    map.setView([51.5, -0.12], 10);
    return;
  }
  const layer = L.geoJSON(data, {
    style: (feature) => ({
      color: feature.properties.stroke || "#0b0c0c",
      weight: feature.properties.stroke ? 0 : 0.6,
      fillColor: feature.properties.fill,
      fillOpacity: 0.85,
    }),
    onEachFeature: (feature, shape) => {
      if (feature.properties.label) {
        shape.bindTooltip(feature.properties.label, { sticky: true });
      }
    },
  }).addTo(map);
  map.fitBounds(layer.getBounds(), { padding: [8, 8] });
  const unit = element.dataset.unit || "areas";
  status.textContent = `Map drawn: ${data.features.length} ${unit}. Hover over the map for figures.`;
  element.dataset.vrhubMapReady = "true";
}

for (const element of document.querySelectorAll("[data-vrhub-map]")) {
  draw(element);
}
