// The sign-in form of /signin (a file, not an inline script: the pages' policy allows none).
document.getElementById("signin-form").addEventListener("submit", async (ev) => {
  ev.preventDefault();
  const f = ev.target;
  const r = await cg.api("POST", "/login", {name: f.name.value, password: f.password.value});
  // only a same-site path is followed (the server checked it too: pages.safe_next)
  if (r.ok) { location.href = cg.safeNext(f.dataset.next); }
  else { document.getElementById("signin-error").hidden = false; }
});
