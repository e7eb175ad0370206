// Record pages: the entry/edit form with a map to draw and edit the geometry, the review
// actions and revert on a record page, and browser imports. Everything is written through the
// REST API (/api/records/..., /api/import/...), which checks it as an import row would be.
(function () {
  "use strict";

  function showError(el, data) {
    const e = (data && data.error) || { message: "request failed" };
    let html = `<p>${cg.esc(e.message)}</p>`;
    if (e.issues && e.issues.length > 1) {
      html += "<ul>" + e.issues.map((i) =>
        `<li><b>${cg.esc(i.field || "")}</b>: ${cg.esc(i.reason)}${i.fix ? " — " + cg.esc(i.fix) : ""}</li>`).join("") + "</ul>";
    }
    if (e.code === "stale_version") {
      html += `<p>${cg.esc(e.changed_by || "")}:</p><ul id="their-changes">` +
        (e.their_changes || []).map((c) => `<li><b>${cg.esc(c.field)}</b>: ` +
          `${cg.esc(JSON.stringify(c.old))} → ${cg.esc(JSON.stringify(c.new))}</li>`).join("") + "</ul>";
    }
    el.innerHTML = html;
    el.hidden = false;
    el.dataset.code = e.code || "";
  }

  // ---------------------------------------------------------------- drawing -----------------
  function drawing(mapEl, textarea, shape) {
    const map = cg.baseMap(mapEl);
    window.cgDrawMap = map; // for browser tests and for the curious
    let vertices = []; // [lat, lng]
    let closed = false;
    const layer = L.layerGroup().addTo(map);
    const ref = L.layerGroup().addTo(map);

    // the districts with their names, and the hazards already recorded around (the role's
    // own view of them, from the map's layer), so a new outline is drawn where it belongs
    fetch("/api/districts").then((r) => r.json()).then((d) => {
      L.geoJSON(d, {
        style: { color: "#777", weight: 1, fill: false },
        interactive: false,
        onEachFeature: (f, l) => {
          if (f.properties && f.properties.name) {
            l.bindTooltip(cg.esc(f.properties.name), {
              permanent: true, direction: "center", className: "district-label" });
          }
        },
      }).addTo(ref);
      mapEl.dataset.districts = String(d.features.length);
    }).catch(() => {});
    const around = L.layerGroup().addTo(map);
    async function hazardsAround() {
      const b = map.getBounds();
      const box = [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()].map((x) => x.toFixed(5));
      const r = await cg.api("GET", `/api/map/hazards?bbox=${box.join(",")}&zoom=${map.getZoom()}`);
      if (!r.ok || !r.data) { return; }
      around.clearLayers();
      const shown = (r.data.features || []).filter((f) => !(f.properties && f.properties.cluster));
      L.geoJSON({ type: "FeatureCollection", features: shown }, {
        style: { color: "#e67e22", weight: 1, dashArray: "4 3", fillOpacity: 0.08 },
        interactive: false,
      }).addTo(around);
      mapEl.dataset.hazards = String(shown.length);
    }
    map.on("moveend", hazardsAround);

    function toGeoJSON() {
      if (!vertices.length) { return null; }
      const ring = vertices.map((v) => [v[1], v[0]]);
      if (shape === "point") { return { type: "Point", coordinates: ring[0] }; }
      if (!closed || ring.length < 3) { return null; }
      ring.push(ring[0]);
      return { type: "Polygon", coordinates: [ring] };
    }
    function sync() {
      const g = toGeoJSON();
      textarea.value = g ? JSON.stringify(g) : "";
      mapEl.dataset.vertices = String(vertices.length);
      mapEl.dataset.closed = String(closed);
      if (g) { mapEl.dispatchEvent(new CustomEvent("cg:drawn")); }
    }
    function render() {
      layer.clearLayers();
      if (!vertices.length) { return; }
      if (shape === "point") {
        L.marker(vertices[0], { draggable: true }).on("drag", (ev) => {
          const p = ev.target.getLatLng(); vertices[0] = [p.lat, p.lng]; sync();
        }).addTo(layer);
        return;
      }
      const line = closed ? L.polygon(vertices, { color: "#c0392b" }) : L.polyline(vertices, { color: "#c0392b" });
      line.addTo(layer);
      vertices.forEach((v, i) => {
        const m = L.marker(v, { draggable: true, icon: L.divIcon({ className: "vertex", iconSize: [10, 10] }) });
        m.on("drag", (ev) => {
          const p = ev.target.getLatLng(); vertices[i] = [p.lat, p.lng];
          line.setLatLngs(vertices); sync();
        });
        m.addTo(layer);
      });
    }
    function load(text) {
      vertices = []; closed = false;
      if (!text) { render(); return; }
      try {
        const g = JSON.parse(text);
        if (g.type === "Point") { vertices = [[g.coordinates[1], g.coordinates[0]]]; }
        else if (g.type === "Polygon") {
          vertices = g.coordinates[0].slice(0, -1).map((c) => [c[1], c[0]]); closed = true;
        } else if (g.type === "MultiPolygon") {
          vertices = g.coordinates[0][0].slice(0, -1).map((c) => [c[1], c[0]]); closed = true;
        }
      } catch (e) { /* typed text that is not JSON yet: keep the map as it is */ }
      render();
      mapEl.dataset.vertices = String(vertices.length);
      mapEl.dataset.closed = String(closed);
    }
    map.on("click", (ev) => {
      if (shape === "point") { vertices = [[ev.latlng.lat, ev.latlng.lng]]; }
      else { if (closed) { vertices = []; closed = false; } vertices.push([ev.latlng.lat, ev.latlng.lng]); }
      render(); sync();
    });
    document.getElementById("draw-finish").addEventListener("click", () => {
      if (vertices.length >= 3) { closed = true; render(); sync(); }
    });
    document.getElementById("draw-clear").addEventListener("click", () => {
      vertices = []; closed = false; render(); sync();
    });
    textarea.addEventListener("change", () => load(textarea.value));
    load(textarea.value);
    if (vertices.length) {
      map.fitBounds(L.latLngBounds(vertices).pad(0.5), { maxZoom: 16 });
    } else { map.setView([40.0, 46.9], 10); }
    return map;
  }

  // ---------------------------------------------------------------- the form ----------------
  const form = document.getElementById("record-form");
  if (form) {
    const kind = form.dataset.kind;
    const id = form.dataset.id;
    const textarea = document.getElementById("f-geometry");
    const mapEl = document.getElementById("draw-map");
    if (mapEl && textarea) { drawing(mapEl, textarea, form.dataset.shape); }
    const errorEl = document.getElementById("form-error");

    // A new record's local id is proposed (kind, district, next free number: HAZ-AGD-00187)
    // and follows the district or the drawing until the user types one of their own.
    const localId = document.getElementById("f-local_id");
    if (!id && localId) {
      const district = document.getElementById("f-location");
      async function propose() {
        if (localId.value.trim() && localId.value !== localId.dataset.proposed) { return; }
        const q = new URLSearchParams();
        if (district && district.value.trim()) { q.set("district", district.value.trim()); }
        else if (textarea && textarea.value.trim()) {
          try {
            const g = JSON.parse(textarea.value);
            const ring = g.type === "Point" ? [g.coordinates] : g.coordinates[0];
            q.set("lon", String(ring.reduce((a, p) => a + p[0], 0) / ring.length));
            q.set("lat", String(ring.reduce((a, p) => a + p[1], 0) / ring.length));
          } catch (e) { /* no drawing yet */ }
        }
        const r = await cg.api("GET", `/api/local-id/${kind}?${q}`);
        if (!r.ok || (localId.value.trim() && localId.value !== localId.dataset.proposed)) { return; }
        localId.value = r.data.local_id;
        localId.dataset.proposed = r.data.local_id;
        form.dataset.proposed = r.data.local_id;
      }
      let timer = null;
      const later = () => { clearTimeout(timer); timer = setTimeout(propose, 300); };
      propose();
      if (district) { district.addEventListener("change", later); }
      if (textarea) { textarea.addEventListener("change", later); }
      if (mapEl) { mapEl.addEventListener("cg:drawn", later); }
    }

    // Warnings before saving: the values as they stand are checked as a save would check
    // them (drawn area against the estimate, overlaps with hazards held, dates, position),
    // nothing written; shown in #form-warnings as the user draws and types.
    const warningsEl = document.getElementById("form-warnings");
    let checkTimer = null;
    let checked = 0;
    async function checkNow() {
      let values;
      try { values = collect(false); } catch (e) { return; }
      if (!values.geometry) { return; }
      const r = await cg.api("POST", `/api/records/${kind}/check`, { values });
      if (!r.ok || !r.data) { return; }
      const warned = r.data.issues.filter((i) => i.severity === "warning");
      warningsEl.innerHTML = warned.length ? "<ul>" + warned.map((i) =>
        `<li data-check="${cg.esc(i.check)}"><b>${cg.esc(i.field || "")}</b>: ${cg.esc(i.reason)}` +
        `${i.fix ? " — " + cg.esc(i.fix) : ""}</li>`).join("") + "</ul>" : "";
      warningsEl.hidden = !warned.length;
      checked += 1;
      form.dataset.checked = String(checked);
    }
    function checkSoon() { clearTimeout(checkTimer); checkTimer = setTimeout(checkNow, 400); }
    if (warningsEl) {
      form.addEventListener("change", checkSoon);
      if (mapEl) { mapEl.addEventListener("cg:drawn", checkSoon); }
    }

    // References typed by local id or name, with suggestions: the records of the target
    // kind the user may read whose id or name holds what is typed (districts are listed).
    form.querySelectorAll("input[data-search]").forEach((el) => {
      if (el.dataset.search === "locations") { return; }
      const list = document.getElementById(`dl-${el.name}`);
      let timer = null;
      el.addEventListener("input", () => {
        clearTimeout(timer);
        timer = setTimeout(async () => {
          const q = el.value.trim();
          if (!q) { return; }
          const r = await cg.api("GET",
            `/api/records/${el.dataset.search}?q=${encodeURIComponent(q)}&limit=20`);
          if (!r.ok || !r.data) { return; }
          list.innerHTML = r.data.items.map((i) =>
            `<option value="${cg.esc(i.local_id)}">${cg.esc(i.name || "")}</option>`).join("");
          el.dataset.suggested = String(r.data.items.length);
        }, 250);
      });
    });

    function collect(onlyChanged) {
      const values = {};
      form.querySelectorAll("input[name], select[name], textarea[name]").forEach((el) => {
        if (el.name === "_note") { return; }
        if (el.dataset.list) {  // a multiple choice: the chosen items, in the list's order
          const chosen = Array.from(el.selectedOptions).map((o) => o.value);
          if (onlyChanged && chosen.join(",") === (el.dataset.original || "")) { return; }
          values[el.name] = chosen;
          return;
        }
        const v = el.value.trim();
        if (onlyChanged && v === (el.dataset.original || "").trim()) { return; }
        if (el.name === "geometry") {
          if (v) {
            try { values.geometry = JSON.parse(v); } catch (e) { throw new Error(`geometry: ${e.message}`); }
          } else if (onlyChanged) { values.geometry = null; }
          return;
        }
        if (v === "") { if (onlyChanged) { values[el.name] = null; } return; }
        if (el.dataset.json) {
          try { values[el.name] = JSON.parse(v); } catch (e) { throw new Error(`${el.name}: ${e.message}`); }
          return;
        }
        values[el.name] = el.type === "number" ? Number(v) : v;
      });
      return values;
    }

    async function save(submit) {
      errorEl.hidden = true;
      let values;
      try { values = collect(Boolean(id)); } catch (e) {
        showError(errorEl, { error: { message: e.message } }); return;
      }
      let r;
      if (!id) {
        r = await cg.api("POST", `/api/records/${kind}`, { values, submit });
      } else {
        const note = document.getElementById("f-note");
        r = await cg.api("PUT", `/api/records/${kind}/${id}`,
          { version: Number(form.dataset.version), values, note: note ? note.value : null });
        if (r.ok && submit) {
          r = await cg.api("POST", `/api/records/${kind}/${id}/submit`, { version: r.data.version });
        }
      }
      if (!r.ok) {
        showError(errorEl, r.data);
        if (r.data && r.data.error && r.data.error.code === "stale_version") {
          // keep what was typed; saving again applies it on top of the other person's version
          form.dataset.version = String(r.data.error.current.version);
        }
        return;
      }
      location.href = `/records/${kind}/${r.data.id}`;
    }
    document.getElementById("save-draft").addEventListener("click", () => save(false));
    const submitBtn = document.getElementById("save-submit");
    if (submitBtn) { submitBtn.addEventListener("click", () => save(true)); }
  }

  // ---------------------------------------------------------------- a record's page ---------
  const record = document.getElementById("record");
  if (record) {
    const kind = record.dataset.kind;
    const id = record.dataset.id;
    const version = Number(record.dataset.version);
    const errorEl = document.getElementById("action-error");
    document.querySelectorAll("button[data-action]").forEach((b) => {
      b.addEventListener("click", async () => {
        const body = { version };
        if (b.dataset.action === "reject") { body.reason = document.getElementById("reject-reason").value; }
        const r = await cg.api("POST", `/api/records/${kind}/${id}/${b.dataset.action}`, body);
        if (r.ok) { location.reload(); } else { showError(errorEl, r.data); }
      });
    });
    document.querySelectorAll("button.revert").forEach((b) => {
      b.addEventListener("click", async () => {
        const r = await cg.api("POST", `/api/records/${kind}/${id}/revert`,
          { version, to_version: Number(b.dataset.to) });
        if (r.ok) { location.reload(); } else { showError(errorEl, r.data); }
      });
    });
    const diffForm = document.getElementById("diff-form");
    if (diffForm) {
      diffForm.addEventListener("submit", async (ev) => {
        ev.preventDefault();
        const from = document.getElementById("diff-from").value;
        const to = document.getElementById("diff-to").value;
        const r = await cg.api("GET", `/api/records/${kind}/${id}/diff?` +
          new URLSearchParams({ from, to }));
        if (!r.ok) { showError(errorEl, r.data); return; }
        const table = document.getElementById("diff-table");
        const show = (v) => (v !== null && typeof v === "object") ? (v.type || JSON.stringify(v)) : (v ?? "—");
        table.querySelector("tbody").innerHTML = r.data.changes.map((c) =>
          `<tr data-field="${cg.esc(c.field)}"><td>${cg.esc(c.field)}</td><td><del>${cg.esc(show(c.old))}</del></td>` +
          `<td><ins>${cg.esc(show(c.new))}</ins></td></tr>`).join("");
        table.hidden = r.data.changes.length === 0;
        document.getElementById("diff-none").hidden = r.data.changes.length !== 0;
      });
    }
    const geomEl = document.getElementById("record-geometry");
    const mapEl = document.getElementById("record-map");
    if (geomEl && mapEl) {
      const g = JSON.parse(geomEl.textContent);
      if (g) {
        const map = cg.baseMap(mapEl);
        const shape = L.geoJSON(g, { style: { color: "#c0392b" } }).addTo(map);
        map.fitBounds(shape.getBounds().pad(0.5), { maxZoom: 16 });
      }
    }
  }

  // ---------------------------------------------------------------- imports -----------------
  const importForm = document.getElementById("import-form");
  if (importForm) {
    const text = JSON.parse(document.getElementById("import-text").textContent);
    importForm.addEventListener("submit", async (ev) => {
      ev.preventDefault();
      const data = new FormData();
      data.append("file", document.getElementById("import-file").files[0]);
      const mapping = document.getElementById("import-mapping").files[0];
      if (mapping) { data.append("mapping", mapping); }
      data.append("dry_run", document.getElementById("import-dry-run").checked ? "true" : "false");
      data.append("skip_invalid", document.getElementById("import-skip-invalid").checked ? "true" : "false");
      data.append("background", "true");  // a job: the page polls, the server stays free
      const kind = document.getElementById("import-kind").value;
      const box = document.getElementById("import-report");
      const summary = document.getElementById("import-summary");
      const button = document.getElementById("import-submit");
      button.disabled = true;
      box.hidden = false;
      delete box.dataset.ok;
      box.querySelector("tbody").innerHTML = "";
      let r = await cg.api("POST", `/api/import/${kind}`, data);
      while (r.ok && r.data && r.data.href) {  // 202: poll the job until it is done or failed
        const job = await cg.api("GET", r.data.href);
        if (!job.ok) { r = job; break; }
        const j = job.data;
        if (j.state === "done" || j.state === "failed") {
          r = { ok: j.state === "done", data: j.state === "done" ? j.report : j.error };
          break;
        }
        summary.textContent = text.running.replace("{source}", j.source)
          .replace("{stage}", text.stages[j.stage] || j.stage || "").replace("{done}", j.done)
          .replace("{total}", j.total);
        await new Promise((done) => setTimeout(done, 700));
        r = { ok: true, data: { href: r.data.href } };
      }
      button.disabled = false;
      const report = r.ok ? r.data : (r.data && r.data.error && r.data.error.report);
      box.dataset.ok = String(r.ok);
      if (!report) { summary.textContent = (r.data && r.data.error && r.data.error.message) || "error"; return; }
      let line = text.summary.replace("{rows}", report.rows).replace("{accepted}", report.accepted)
        .replace("{rejected}", report.rejected).replace("{created}", report.created)
        .replace("{updated}", report.updated).replace("{unchanged}", report.unchanged);
      if (!r.ok) { line = text.refused + " " + line; } else if (report.dry_run) { line = text.dry + " " + line; }
      summary.textContent = line;
      box.querySelector("tbody").innerHTML = report.issues.map((i) =>
        `<tr class="${cg.esc(i.severity)}"><td>${cg.esc(i.row ?? "")}</td><td>${cg.esc(i.field ?? "")}</td>` +
        `<td>${cg.esc(i.severity)}</td><td>${cg.esc(i.message)}</td></tr>`).join("");
    });
  }
})();
