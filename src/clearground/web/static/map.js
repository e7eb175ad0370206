// The map page: layers from /api/map/{layer} for the view and the filters, popups with the
// record and its history. For browser tests: #map gets data-loaded-<layer>="N" (features in
// the last answer) when a layer has loaded, removed while it reloads; data-clustered-<layer>
// says whether that answer was clusters; data-error-<layer> the HTTP status of a failure.
(function () {
  const el = document.getElementById("map");
  const T = JSON.parse(document.getElementById("map-text").textContent);
  const SHOWN = JSON.parse(document.getElementById("map-properties").textContent);
  const form = document.getElementById("filter-form");
  const statusLine = document.getElementById("map-status");
  const lang = document.documentElement.lang || "en";
  const num = new Intl.NumberFormat(lang);
  const t = (key) => T[key] || key;

  const map = cg.baseMap(el);
  // district outlines (public, simplified) for orientation when no basemap is configured
  map.createPane("districts");
  map.getPane("districts").style.zIndex = 250;
  fetch("/api/districts").then((r) => r.json()).then((d) => {
    L.geoJSON(d, { pane: "districts", interactive: false,
                   style: { color: "#7b8a93", weight: 1, fill: false } }).addTo(map);
  }).catch(() => {});
  const extent = JSON.parse(el.dataset.extent || "null");
  // not animated: the view is final before the layers are first asked for
  if (extent) { map.fitBounds([[extent[1], extent[0]], [extent[3], extent[2]]], { animate: false }); }

  const HAZARD = { open: "#d7301f", in_work: "#fc8d59", closed: "#1a9850" };
  const SIDE = { hazards: "top", records: "left", finds: "right", accidents: "bottom",
                 activities: "top", record_rows: "left" };
  // each layer's colour comes from its kind's descriptor (data-colour of its checkbox)
  const COLOUR = {};
  document.querySelectorAll("#layer-list input[type=checkbox]").forEach((box) => {
    COLOUR[box.value] = box.dataset.colour || "#555555";
    const swatch = box.parentElement.querySelector(".swatch");  // CSSOM, allowed by the CSP
    if (swatch) { swatch.style.setProperty("--layer-colour", COLOUR[box.value]); }
  });

  function style(name) {
    return (f) => {
      const p = f.properties || {};
      if (name === "hazards") {
        const c = HAZARD[p.status] || COLOUR.hazards;
        return { color: c, weight: 1, fillColor: c, fillOpacity: 0.35 };
      }
      if (name === "records") { return { color: COLOUR.records, weight: 2, dashArray: "4 3", fillOpacity: 0.08 }; }
      if (name === "record_rows") { return { color: COLOUR.record_rows, weight: 1 }; }
      if (name === "activities") { return { color: COLOUR.activities, weight: 1, fillOpacity: 0.2 }; }
      return { color: COLOUR[name], weight: 1 };
    };
  }

  function majority(counts) {
    let best = null;
    Object.entries(counts || {}).forEach(([k, v]) => { if (!best || v > best[1]) { best = [k, v]; } });
    return best ? best[0] : null;
  }

  function clusterColour(name, p) {
    if (name === "hazards") { return HAZARD[majority(p.status_counts)] || COLOUR.hazards; }
    return COLOUR[name];
  }

  function value(key, v) {
    if (v === null || v === undefined || v === "") { return ""; }
    if (key.endsWith("_m2") && typeof v === "number") {  // stored in m², shown in hectares
      return new Intl.NumberFormat(lang, { maximumFractionDigits: 2 }).format(v / 10000);
    }
    if (key === "status" && T["map.hazard_status." + v]) { return t("map.hazard_status." + v); }
    if (key === "review_status" && T["map.review." + v]) { return t("map.review." + v); }
    if (typeof v === "number") { return num.format(v); }
    return String(v);
  }

  function statusList(counts) {
    return Object.entries(counts || {}).map(([k, v]) =>
      `${cg.esc(t("map.hazard_status." + k))}: ${cg.esc(num.format(v))}`).join("<br>");
  }

  function clusterPopup(name, p) {
    let html = `<b>${cg.esc(t("map.layer." + name))}</b><br>${cg.esc(t("map.count"))}: ${cg.esc(num.format(p.count))}`;
    if (p.status_counts) { html += "<br>" + statusList(p.status_counts); }
    html += `<p class="note">${cg.esc(t(p.position ? "map.coarse_note" : "map.cluster_zoom"))}</p>`;
    return html;
  }

  function change(c) {
    const show = (v) => {
      const s = typeof v === "object" && v !== null ? JSON.stringify(v) : String(v ?? "");
      return cg.esc(s.length > 80 ? s.slice(0, 77) + "..." : s);
    };
    const label = T["map.prop." + c.field] || c.field;
    return `<li>${cg.esc(label)}: ${show(c.old)} → ${show(c.new)}</li>`;
  }

  async function history(kind, id, box) {
    let r;
    try {
      r = await fetch(`/api/records/${kind}/${id}/history`,
        { credentials: "same-origin", headers: { Accept: "application/json" } });
    } catch (e) { box.remove(); return; }
    if (r.status !== 200) { box.remove(); return; }
    let versions;
    try { versions = await r.json(); } catch (e) { box.remove(); return; }
    if (!Array.isArray(versions)) { box.remove(); return; }
    box.innerHTML = `<b>${cg.esc(t("map.history"))}</b><ol class="history">` + versions.map((v) =>
      `<li><b>${cg.esc(t("map.version"))} ${cg.esc(v.version)}</b> · ${cg.esc(String(v.changed_at || "").slice(0, 16).replace("T", " "))}` +
      ` · ${cg.esc(v.changed_by || "")}` +
      (v.review_status ? ` · <span class="badge ${cg.esc(v.review_status)}">${cg.esc(value("review_status", v.review_status))}</span>` : "") +
      (v.note ? `<br><i>${cg.esc(v.note)}</i>` : "") +
      (Array.isArray(v.changes) && v.changes.length ? `<ul>${v.changes.map(change).join("")}</ul>` : "") +
      "</li>").join("") + "</ol>";
  }

  function featurePopup(name, kind, f) {
    const p = f.properties || {};
    const rows = SHOWN.filter((k) => k in p && value(k, p[k]) !== "").map((k) =>
      `<tr><th>${cg.esc(t("map.prop." + k))}</th><td>${cg.esc(value(k, p[k]))}</td></tr>`).join("");
    const div = document.createElement("div");
    div.className = "map-popup";
    div.id = `popup-${kind}-${f.id}`;
    div.innerHTML = `<b>${cg.esc(t("map.layer." + name))} ${cg.esc(p.local_id || "")}</b>` +
      `<table class="data">${rows}</table>` +
      `<p><a class="open-record" href="/records/${encodeURIComponent(kind)}/${encodeURIComponent(f.id)}">${cg.esc(t("map.open_record"))}</a></p>` +
      `<div class="history-box">${cg.esc(t("map.history_loading"))}</div>`;
    history(kind, f.id, div.querySelector(".history-box"));
    return div;
  }

  const layers = {};
  document.querySelectorAll("#layer-list input[type=checkbox]").forEach((box) => {
    layers[box.value] = { box, group: L.layerGroup(), ctrl: null };
  });

  function params() {
    const p = new URLSearchParams();
    const b = map.getBounds();
    const clamp = (v, lo, hi) => Math.min(hi, Math.max(lo, v));
    p.set("bbox", [clamp(b.getWest(), -180, 180), clamp(b.getSouth(), -90, 90),
                   clamp(b.getEast(), -180, 180), clamp(b.getNorth(), -90, 90)]
      .map((v) => v.toFixed(6)).join(","));
    p.set("zoom", String(Math.max(0, Math.min(22, Math.round(map.getZoom())))));
    new FormData(form).forEach((v, k) => { if (v !== "") { p.set(k, v); } });
    return p;
  }

  function draw(name, data) {
    const kind = data.kind;
    const many = data.features.length <= 150;
    return L.geoJSON(data, {
      style: style(name),
      pointToLayer: (f, latlng) => {
        const p = f.properties || {};
        if (p.cluster) {
          const r = 6 + 4 * Math.log10(1 + p.count);
          const c = clusterColour(name, p);
          const m = L.circleMarker(latlng, { radius: r, color: c, weight: 1, fillColor: c, fillOpacity: 0.55 });
          // every layer writes its numbers on its own side: coarse nodes of layers coincide
          m.bindTooltip(cg.esc(num.format(p.count)), { permanent: many, direction: SIDE[name] || "top",
                                               className: "cluster-label cluster-" + name });
          return m;
        }
        const c = name === "accidents" ? COLOUR.accidents : COLOUR[name];
        return L.circleMarker(latlng, { radius: name === "accidents" ? 6 : 4, color: c, weight: 1,
                                        fillColor: c, fillOpacity: 0.8 });
      },
      onEachFeature: (f, l) => {
        const p = f.properties || {};
        if (p.cluster) {
          l.bindPopup(clusterPopup(name, p));
          if (p.bbox && p.count > 1) {
            l.on("click", () => map.fitBounds([[p.bbox[1], p.bbox[0]], [p.bbox[3], p.bbox[2]]]));
          }
        } else {
          l.bindPopup(() => featurePopup(name, kind, f), { maxWidth: 380 });
        }
      },
    });
  }

  function say() {
    const busy = Object.values(layers).some((e) => e.ctrl);
    statusLine.textContent = busy ? t("map.loading") : "";
  }

  async function load(name) {
    const entry = layers[name];
    if (entry.ctrl) { entry.ctrl.abort(); }
    const ctrl = new AbortController();
    entry.ctrl = ctrl;
    el.removeAttribute("data-loaded-" + name);
    el.removeAttribute("data-error-" + name);
    say();
    const count = document.getElementById("count-" + name);
    let data;
    try {
      const r = await fetch(`/api/map/${name}?${params()}`, {
        credentials: "same-origin", signal: ctrl.signal, headers: { Accept: "application/geo+json" } });
      if (!r.ok) {
        const err = new Error("HTTP " + r.status);
        err.status = r.status;
        throw err;
      }
      data = await r.json();
    } catch (e) {
      if (e.name === "AbortError") { return; }
      if (entry.ctrl === ctrl) {
        entry.ctrl = null;
        entry.group.clearLayers();
        el.setAttribute("data-error-" + name, String(e.status || 0));
        count.textContent = t("map.load_failed");
        say();
      }
      return;
    }
    if (entry.ctrl !== ctrl) { return; }
    entry.ctrl = null;
    entry.group.clearLayers();
    entry.group.addLayer(draw(name, data));
    count.textContent = data.clustered
      ? `${num.format(data.numberMatched)} · ${t("map.clusters")}`
      : `${num.format(data.numberReturned)}`;
    el.setAttribute("data-clustered-" + name, String(data.clustered));
    el.setAttribute("data-loaded-" + name, String(data.features.length));
    say();
  }

  function reload() {
    Object.entries(layers).forEach(([name, e]) => { if (e.box.checked) { load(name); } });
  }

  let timer = null;
  map.on("moveend", () => { clearTimeout(timer); timer = setTimeout(reload, 200); });

  Object.entries(layers).forEach(([name, e]) => {
    e.box.addEventListener("change", () => {
      if (e.box.checked) {
        e.group.addTo(map);
        load(name);
      } else {
        if (e.ctrl) { e.ctrl.abort(); e.ctrl = null; }
        map.removeLayer(e.group);
        e.group.clearLayers();
        el.removeAttribute("data-loaded-" + name);
        document.getElementById("count-" + name).textContent = "";
        say();
      }
    });
    if (e.box.checked) { e.group.addTo(map); }
  });

  form.addEventListener("submit", (ev) => { ev.preventDefault(); reload(); });
  form.addEventListener("reset", () => { setTimeout(reload, 0); });

  reload();
  window.cgMap = { map, layers, reload };
})();
