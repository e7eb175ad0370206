// First page: districts coloured by land cleared (aggregates only, public).
(function () {
  const el = document.getElementById("map");
  const map = L.map(el, { preferCanvas: true }).setView([40.2, 47.5], 7);
  const tiles = el.dataset.tiles;
  if (tiles) { L.tileLayer(tiles, { maxZoom: 18 }).addTo(map); }
  const steps = [0, 100, 1000, 5000, 10000, 20000];
  const colours = ["#f7fbff", "#c6dbef", "#6baed6", "#3182bd", "#08519c", "#08306b"];
  function colour(ha) {
    let c = colours[0];
    steps.forEach((s, i) => { if (ha > s) { c = colours[Math.min(i + 1, colours.length - 1)]; } });
    return c;
  }
  const fmt = new Intl.NumberFormat("en");
  fetch("/api/districts").then((r) => r.json()).then((data) => {
    const layer = L.geoJSON(data, {
      style: (f) => ({ color: "#555", weight: 1, fillOpacity: 0.75,
                       fillColor: colour(f.properties.cleared_ha) }),
      onEachFeature: (f, l) => {
        const p = f.properties;
        // names come from a boundary file or an import: text, never markup (cg.esc)
        const n = (v) => cg.esc(fmt.format(v));
        l.bindPopup(`<b>${cg.esc(p.name)}</b><br>Cleared: ${n(p.cleared_ha)} ha` +
          `<br>Released: ${n(p.released_ha)} ha<br>Devices: ${n(p.devices)}` +
          `<br>Casualties: ${n(p.casualties)}`);
      },
    }).addTo(map);
    map.fitBounds(layer.getBounds());
    el.dataset.loaded = String(data.features.length);
  });
  const legend = L.control({ position: "bottomright" });
  legend.onAdd = function () {
    const div = L.DomUtil.create("div", "legend");
    // built element by element: the pages' policy allows no inline style attribute
    const title = document.createElement("b");
    title.textContent = "Cleared (ha)";
    div.appendChild(title);
    steps.forEach((s) => {
      div.appendChild(document.createElement("br"));
      const swatch = document.createElement("i");
      swatch.style.background = colour(s + 1);
      div.appendChild(swatch);
      div.appendChild(document.createTextNode("> " + fmt.format(s)));
    });
    return div;
  };
  legend.addTo(map);
})();
