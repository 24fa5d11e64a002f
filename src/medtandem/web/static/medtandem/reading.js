// Read form: time on task, live confidence values, and one submission per click.
// The server is the authority (idempotent submission key); this only spares needless requests.
const form = document.querySelector("[data-read-form]");
if (form) {
  const started = performance.now();
  form.querySelectorAll("input[type=range][data-output]").forEach((range) => {
    const out = document.getElementById(range.dataset.output);
    range.addEventListener("input", () => { if (out) out.value = range.value; });
  });
  form.addEventListener("submit", (event) => {
    if (form.dataset.submitted === "1") { event.preventDefault(); return; }
    form.dataset.submitted = "1";
    form.elements["client_time_ms"].value = String(Math.round(performance.now() - started));
    form.querySelectorAll("button[type=submit]").forEach((b) => { b.disabled = true; });
  });
}
