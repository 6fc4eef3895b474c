// The lab page: 评测 posts the editor's text, then polls the attempt's JSON until its
// per-set results are there (queued with its position → running → results). The results'
// HTML comes rendered (and escaped) from the server. Without JavaScript the form still posts
// and the attempt page shows the results.
(function () {
  const csrf = document.querySelector('meta[name="csrf-token"]').content;
  const form = document.getElementById("submit-form");
  const results = document.getElementById("results");
  const status = document.getElementById("status");
  const button = document.getElementById("grade-button");

  function poll(id) {
    fetch("/api/attempts/" + id, { headers: { Accept: "application/json" } })
      .then((r) => r.json().then((data) => ({ ok: r.ok, data })))
      .then(({ ok, data }) => {
        if (!ok) { status.textContent = data.error || ""; if (button) button.disabled = false; return; }
        status.textContent = data.status_text;
        status.dataset.state = data.status;
        if (data.html !== undefined) {
          results.innerHTML = data.html;
          results.dataset.attempt = "";
          if (button) button.disabled = false;
        } else {
          setTimeout(() => poll(id), 700);
        }
      })
      .catch(() => setTimeout(() => poll(id), 2000));
  }

  if (form) {
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      button.disabled = true;
      fetch(form.action, {
        method: "POST",
        body: new FormData(form),
        headers: { "X-CSRF-Token": csrf, Accept: "application/json" },
      })
        .then((r) => r.json().then((data) => ({ ok: r.ok, data })))
        .then(({ ok, data }) => {
          if (!ok) { status.textContent = data.error || ""; button.disabled = false; return; }
          results.innerHTML = "";
          poll(data.id);
        })
        .catch(() => { button.disabled = false; });
    });
  }
  if (results && results.dataset.attempt) poll(results.dataset.attempt);
})();
