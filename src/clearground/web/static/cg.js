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
  // After sign-in only a same-site path is followed: one "/" first (not "//" or "/\\", which
  // name another host), no backslash, no control character (a tab or newline is dropped by
  // the URL parser: "/\t/host" is "//host"), and it must resolve to this origin. Else "/".
  // The same rule as pages.safe_next on the server.
  function safeNext(value) {
    const s = String(value ?? "");
    if (!/^\/(?![\/\\])[^\\\u0000-\u001f\u007f]*$/.test(s)) { return "/"; }
    try {
      if (new URL(s, location.origin).origin !== location.origin) { return "/"; }
    } catch (e) { return "/"; }
    return s;
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
  return { api, esc, safeNext, baseMap, csrf };
})();
