// Shared by every page: JSON API calls with the CSRF token, sign-out, small helpers.
window.cg = (function () {
  const csrf = () => document.querySelector('meta[name="csrf-token"]').content;
  async function api(method, url, body) {
    const opts = { method, headers: { "X-CSRF-Token": csrf(), Accept: "application/json" },
                   credentials: "same-origin" };
    if (body instanceof FormData) { opts.body = body; }
    else if (body !== undefined) {
      opts.headers["Content-Type"] = "application/json";
      opts.body = JSON.stringify(body);
    }
    const r = await fetch(url, opts);
    let data = null;
    try { data = await r.json(); } catch (e) { data = null; }
    return { ok: r.ok, status: r.status, data };
  }
  function esc(s) {
    return String(s ?? "").replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;",
      '"': "&quot;", "'": "&#39;" }[c]));
  }
  function baseMap(el, opts) {
    const map = L.map(el, Object.assign({ preferCanvas: true }, opts || {})).setView([40.0, 46.9], 9);
    const tiles = document.body.dataset.tiles || el.dataset.tiles;
    if (tiles) { L.tileLayer(tiles, { maxZoom: 19 }).addTo(map); }
    return map;
  }
  document.addEventListener("DOMContentLoaded", () => {
    const out = document.getElementById("signout");
    if (out) {
      out.addEventListener("click", async () => {
        await api("POST", "/logout");
        location.href = "/";
      });
    }
  });
  return { api, esc, baseMap, csrf };
})();
