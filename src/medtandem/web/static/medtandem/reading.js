// Feedback page: tell the server (once per case; it ignores repeats) that the feedback was seen,
// for the learning record store. A separate POST so the page itself costs no extra query; a failed
// beacon loses only that trace, never the learner's work.
const beacon = document.querySelector("[data-feedback-viewed]");
const csrf = document.querySelector("input[name=csrfmiddlewaretoken]");
if (beacon && csrf && window.fetch) {
  fetch(beacon.dataset.feedbackViewed, {
    method: "POST", credentials: "same-origin", keepalive: true,
    headers: { "X-CSRFToken": csrf.value, Accept: "application/json" },
  }).catch(() => {});
}

// Read form: time on task, the rating control, and one submission per click.
// The server is the authority (it refuses a read without a rating per class, and the submission key
// makes a retry idempotent); this spares needless requests and retries a submission that did not
// get through (same key), so a database restart does not lose a learner's read.
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
    if (!window.fetch) return; // a plain form post
    event.preventDefault();
    // URL-encoded, as a plain form post is: no file travels here, and the server parses this in a
    // fraction of multipart's cost (bench/request_cost.py).
    submitWithRetry(new URLSearchParams(new FormData(form)), 0);
  });

  // The submission key travels with every attempt, so a retry after a lost answer, a restarting
  // database (503 + Retry-After) or a dropped connection stores the read once. Rule errors (400,
  // 409) are not retried: the form is then posted as usual and the server's message shown.
  const MAX_ATTEMPTS = 8;
  const caseUrl = form.action.replace(/read\/?$/, "");
  const submitWithRetry = (body, attempt) => {
    fetch(form.action, { method: "POST", body, credentials: "same-origin",
                         headers: { Accept: "application/json" } })
      .then((response) => {
        if (response.ok) { window.location.assign(caseUrl); return; }
        if (response.status === 503 || response.status === 502 || response.status === 504) {
          const after = Number(response.headers.get("Retry-After")) || 0;
          retryLater(body, attempt, after * 1000);
          return;
        }
        HTMLFormElement.prototype.submit.call(form); // 400/409/403: let the server explain
      })
      .catch(() => retryLater(body, attempt, 0));
  };
  const retryLater = (body, attempt, minDelay) => {
    if (attempt + 1 >= MAX_ATTEMPTS) {
      error.textContent = form.dataset.i18nOffline || "";
      error.hidden = false;
      form.dataset.submitted = "0";
      form.querySelectorAll("button[type=submit]").forEach((b) => { b.disabled = false; });
      return;
    }
    error.textContent = form.dataset.i18nRetrying || "";
    error.hidden = false;
    const delay = Math.max(minDelay, Math.min(8000, 500 * 2 ** attempt));
    window.setTimeout(() => submitWithRetry(body, attempt + 1), delay);
  };
}
