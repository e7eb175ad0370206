// The review page's "review by selection": count the submitted records of a kind that the
// filters hold (a dry run), then approve or reject exactly those (the count goes back as
// `expect`: if the selection has changed since, the server refuses and nothing is written).
(function () {
  const panel = document.getElementById("bulk-review");
  if (!panel) { return; }
  const $ = (id) => document.getElementById(id);
  const say = (key, values) => Object.entries(values || {}).reduce(
    (text, [k, v]) => text.replaceAll(`{${k}}`, String(v)), panel.dataset[key]);
  let counted = null;  // {kind, body, n} of the last count

  function selection() {
    const body = {};
    for (const [name, id] of [["import", "bulk-import"], ["district", "bulk-district"],
      ["organisation", "bulk-organisation"], ["from", "bulk-from"], ["until", "bulk-until"]]) {
      const value = $(id).value.trim();
      if (value) { body[name] = value; }
    }
    return body;
  }

  function show(text, state) {
    const out = $("bulk-result");
    out.textContent = text;
    out.dataset.state = state;
  }

  function forget() {  // any change of the selection needs a new count
    counted = null;
    $("bulk-confirm").hidden = true;
  }

  function failure(r) {
    return (r.data && r.data.error && r.data.error.message) || `HTTP ${r.status}`;
  }

  for (const el of panel.querySelectorAll("input, select")) {
    if (el.id !== "bulk-reason") { el.addEventListener("input", forget); }
  }

  $("bulk-count").addEventListener("click", async () => {
    forget();
    const kind = $("bulk-kind").value;
    const body = selection();
    const r = await cg.api("POST", `/api/review/${kind}/approve`, { ...body, dry_run: true });
    if (!r.ok) { show(failure(r), "error"); return; }
    const n = r.data.selected;
    counted = { kind, body, n };
    show(say("counted", { n }), "counted");
    panel.dataset.selected = String(n);
    $("bulk-approve").textContent = say("approve", { n });
    $("bulk-reject").textContent = say("reject", { n });
    $("bulk-confirm").hidden = n === 0;
  });

  async function move(step) {
    if (!counted) { return; }
    const body = { ...counted.body, expect: counted.n };
    if (step === "reject") { body.reason = $("bulk-reason").value.trim(); }
    const r = await cg.api("POST", `/api/review/${counted.kind}/${step}`, body);
    if (r.status === 409) { forget(); show(say("changed"), "changed"); return; }
    if (!r.ok) { show(failure(r), "error"); return; }
    forget();
    show(say("done", { n: r.data.moved, status: r.data.step }), "done");
    panel.dataset.moved = String(r.data.moved);
  }
  $("bulk-approve").addEventListener("click", () => move("approve"));
  $("bulk-reject").addEventListener("click", () => move("reject"));
})();
