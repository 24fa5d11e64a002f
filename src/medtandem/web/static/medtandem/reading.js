// Read form: time on task, the rating control, and one submission per click.
// The server is the authority (it refuses a read without a rating per class, and the submission key
// makes a retry idempotent); this only spares needless requests.
const form = document.querySelector("[data-read-form]");
if (form) {
  const started = performance.now();
  const LEVELS = [0, 25, 50, 75, 100];
  const nearest = (v) => LEVELS.reduce((a, b) => (Math.abs(b - v) < Math.abs(a - v) ? b : a));
  // An exact value checks the nearest quick level, so the required radio group is satisfied and
  // the learner sees which words their number stands for; choosing a level clears the exact value.
  form.querySelectorAll("[data-rating]").forEach((row) => {
    const exact = row.querySelector("input[type=number]");
    const radios = row.querySelectorAll("input[type=radio]");
    exact.addEventListener("input", () => {
      const v = Number(exact.value);
      if (exact.value === "" || !Number.isFinite(v) || v < 0 || v > 100) return;
      radios.forEach((r) => { r.checked = Number(r.value) === nearest(v); });
    });
    radios.forEach((r) => r.addEventListener("change", () => { exact.value = ""; }));
  });
  const error = form.querySelector(".form-error");
  form.addEventListener("change", () => { error.hidden = true; });
  form.addEventListener("submit", (event) => {
    const missing = [...form.querySelectorAll("[data-rating]")].filter(
      (row) => !row.querySelector("input[type=radio]:checked"));
    const rhythm = form.querySelector("input[name=rhythm]:checked");
    if (missing.length || !rhythm) {
      event.preventDefault();
      error.textContent = missing.length ? form.dataset.i18nMissing : form.dataset.i18nRhythm;
      error.hidden = false;
      (missing.length ? missing[0].querySelector("input[type=radio]")
                      : form.querySelector("input[name=rhythm]")).focus();
      return;
    }
    if (form.dataset.submitted === "1") { event.preventDefault(); return; }
    form.dataset.submitted = "1";
    form.elements["client_time_ms"].value = String(Math.round(performance.now() - started));
    form.querySelectorAll("button[type=submit]").forEach((b) => { b.disabled = true; });
  });
}
