// The lab page: 评测 posts the editor's text, then follows the attempt's state pushed by the
// server (queued with its position → running → results; polled where the push fails) and
// reloads the attempt history. The results' HTML comes rendered (and escaped) from the server. Without
// JavaScript the form still posts and the attempt page shows the results. A submission the
// server did not take (no answer, a 5xx) is said "not received, try again"; the editor keeps it.
//
// Drafts (routes/drafts.py): every edit is kept at once in localStorage, then saved to the
// server 1.5 s after typing stops, naming the draft version it was made from; the server
// refuses a save from a tab whose version is no longer the newest (409: this tab is told).
// Until the server has the text it stays in localStorage, so an expired session loses
// nothing: after signing in the page finds it (same base version) and sends it. Leaving with
// edits the server does not have asks first (beforeunload). A tab refused for an older
// version keeps its edits under a key of their own ("kept": one slot per tab, the newest
// KEPT_SLOTS), as do edits found at load made from an older version: the next load offers
// them back one by one (恢复…), and restoring keeps the text it replaces — never a loss.
(function () {
  const csrf = document.querySelector('meta[name="csrf-token"]').content;
  const form = document.getElementById("submit-form");
  const results = document.getElementById("results");
  const status = document.getElementById("status");
  const button = document.getElementById("grade-button");
  const S = form && form.dataset.state ? JSON.parse(form.dataset.state) : null;
  const textarea = form && form.querySelector("textarea[name=code]");
  const draftStatus = document.getElementById("draft-status");
  const problem = document.getElementById("draft-problem");
  const SAVE_MS = 1500;

  const textNow = () => (window.seqlabEditor ? window.seqlabEditor.text() : textarea.value);
  const setText = (text) => {
    if (window.seqlabEditor) window.seqlabEditor.setText(text);
    else { textarea.value = text; textarea.dispatchEvent(new Event("input")); }
  };
  const bytes = (text) => new Blob([text]).size;

  function tell(message, link) {
    problem.textContent = message || "";
    if (link) {
      const a = document.createElement("a");
      a.href = link.href;
      a.textContent = link.text;
      a.addEventListener("click", () => { leaving = true; });
      problem.append(" ", a);
    }
    problem.hidden = !message;
  }

  function refreshHistory() {
    if (!S) return;
    fetch("/labs/" + S.lab + "/history", { headers: { Accept: "text/html" } })
      .then((r) => (r.ok && !r.redirected ? r.text() : null))
      .then((html) => { if (html !== null) document.getElementById("history").innerHTML = html; })
      .catch(() => {});
  }

  // --- drafts ---------------------------------------------------------------------------
  const key = S ? "seqlab-draft:" + S.user + ":" + S.lab : "";
  let version = S ? S.version : 0;
  let saved = textarea ? textNow() : "";  // what the server has
  let dirty = false, timer = null, inflight = false, stopped = false, leaving = false;

  function remember() {
    try { localStorage.setItem(key, JSON.stringify({ text: textNow(), base: version })); } catch (e) { /* full or off */ }
  }
  function forget() { try { localStorage.removeItem(key); } catch (e) { /* off */ } }
  const keptKey = S ? "seqlab-draft-kept:" + S.user + ":" + S.lab : "";
  const KEPT_SLOTS = 5;
  const tab = Math.random().toString(36).slice(2);  // this page's slot among the kept
  let refused = false;  // a newer version was saved elsewhere: edits go to keptKey
  function keptList() {
    let list = null;
    try { list = JSON.parse(localStorage.getItem(keptKey) || "[]"); } catch (e) { list = []; }
    if (list && !Array.isArray(list)) list = list.text ? [{ text: list.text, slot: "old" }] : [];
    return list || [];
  }
  // Keep `text` in `slot` (this tab's by default), newest last — or offered last of all
  // (`last`: the text a restore replaced, so repeated restores go round every kept one); an
  // equal text is kept once.
  function keep(text, slot, last) {
    slot = slot || tab;
    const list = keptList().filter((k) => k.slot !== slot && k.text !== text);
    const entry = { text: text, slot: slot, at: Date.now() };
    if (last) list.unshift(entry); else list.push(entry);
    try { localStorage.setItem(keptKey, JSON.stringify(list.slice(-KEPT_SLOTS))); } catch (e) { /* off */ }
  }

  function expired() {
    stopped = true;  // nothing to send until the student signs in again
    remember();
    tell(S.messages.expired, { href: "/login?next=" + encodeURIComponent(location.pathname), text: S.messages.sign_in });
  }

  function changed() {
    dirty = textNow() !== saved;
    if (stopped) { if (refused) keep(textNow()); else if (dirty) remember(); return; }
    if (dirty) remember(); else forget();
    clearTimeout(timer);
    if (dirty) timer = setTimeout(save, SAVE_MS);
  }

  function save() {
    if (stopped || !dirty) return;
    if (inflight) { timer = setTimeout(save, 300); return; }
    const text = textNow();
    if (bytes(text) > S.max_bytes) { tell(S.messages.too_large); return; }
    inflight = true;
    draftStatus.textContent = S.messages.saving;
    fetch("/labs/" + S.lab + "/draft", {
      method: "POST",
      body: new URLSearchParams({ code: text, base: String(version) }),
      headers: { "X-CSRF-Token": csrf, Accept: "application/json" },
    })
      .then((r) => r.json().then((data) => ({ code: r.status, data })))
      .then(({ code, data }) => {
        inflight = false;
        if (code === 200) {
          version = data.version;
          saved = text;
          draftStatus.textContent = data.saved;
          tell("");
          changed();
        } else if (code === 401 || (code === 403 && !data.rule)) {  // a rule's 403 is said below
          draftStatus.textContent = "";
          expired();
        } else if (code === 409) {
          stopped = refused = true;
          keep(textNow());
          forget();
          draftStatus.textContent = "";
          tell(data.error + " " + S.messages.kept);
        } else {
          tell(data.error || S.messages.failed);
          if (code >= 500) timer = setTimeout(save, 10000);
        }
      })
      .catch(() => {
        inflight = false;
        draftStatus.textContent = S.messages.failed;
        timer = setTimeout(save, 5000);
      });
  }

  if (S && textarea) {
    let local = null;
    try { local = JSON.parse(localStorage.getItem(key) || "null"); } catch (e) { local = null; }
    textarea.addEventListener("input", changed);
    if (local && local.base === version && local.text !== saved) {
      setText(local.text);  // edits the server never got (an expired session, a lost network)
      clearTimeout(timer);
      save();
    } else if (local) {  // made from an older version: kept, offered back below
      if (local.text !== saved) keep(local.text, "loaded-" + Date.now());
      forget();
    }
    const restoreKept = document.querySelector("[data-restore-kept]");
    const offered = () => keptList().filter((k) => k.text !== textNow());
    if (restoreKept && offered().length) {
      restoreKept.hidden = false;
      restoreKept.addEventListener("click", () => {
        const list = offered();
        if (!list.length) { restoreKept.hidden = true; return; }
        const newest = list[list.length - 1];
        // A swap: the text it replaces is kept in a slot of its own, offered next.
        const replaced = textNow();
        try {
          localStorage.setItem(keptKey, JSON.stringify(keptList().filter((k) => k.text !== newest.text)));
        } catch (e) { /* off */ }
        if (replaced.trim()) keep(replaced, "replaced-" + Date.now(), true);
        setText(newest.text);  // then saved as this tab's edit, from the newest version
        restoreKept.hidden = !offered().length;
        tell(S.messages.replaced);
      });
    }
    document.querySelectorAll("[data-restore]").forEach((b) => {
      b.hidden = false;
      b.addEventListener("click", () => {
        setText(b.dataset.restore === "submitted" ? S.submitted : S.starter);
        tell(S.messages.replaced);
      });
    });
    window.addEventListener("beforeunload", (event) => {
      if (dirty && !leaving) { event.preventDefault(); event.returnValue = ""; }
    });
    document.addEventListener("visibilitychange", () => {
      if (document.visibilityState === "hidden" && dirty) { clearTimeout(timer); save(); }
    });
    // A plain textarea (no editor bundle) submits on Ctrl/Cmd-Enter too.
    textarea.addEventListener("keydown", (event) => {
      if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) { event.preventDefault(); form.requestSubmit(); }
    });
  }

  // --- grading --------------------------------------------------------------------------
  // The public sets done so far (api.py's `sets`, each its block of the final result,
  // rendered and escaped by the server): each inserted once, in its place by number, while
  // the others still run. The final result then replaces them all.
  function showSets(data) {
    if (!data.sets || !data.sets.length) return;
    let box = document.getElementById("sets-so-far");
    if (!box) {
      results.innerHTML = "";
      box = document.createElement("div");
      box.id = "sets-so-far";
      box.className = "seqlab-result";
      const note = document.createElement("p");
      note.className = "dim";
      note.textContent = data.sets_note;
      box.append(note);
      results.append(box);
    }
    data.sets.forEach((set) => {
      if (box.querySelector('[data-number="' + set.number + '"]')) return;
      const block = document.createElement("div");
      block.dataset.number = set.number;
      block.innerHTML = set.html;
      const later = Array.from(box.children).find((c) => Number(c.dataset.number) > set.number);
      box.insertBefore(block, later || null);
    });
  }

  // Show one state of the attempt (api.py's JSON); true once it is finished.
  function show(data) {
    status.textContent = data.status_text;
    status.dataset.state = data.status;
    if (data.html === undefined) { showSets(data); return false; }
    results.innerHTML = data.html;
    results.dataset.attempt = "";
    if (button) button.disabled = false;
    refreshHistory();
    return true;
  }

  // Pushed (Server-Sent Events, routes/events.py): queue position, running, each public set
  // as it ends, then the result, each as soon as it is stored. Where the stream fails or ends
  // early, the JSON is polled.
  function watch(id) {
    if (!window.EventSource) { poll(id); return; }
    const stream = new EventSource("/api/attempts/" + id + "/events");
    let finished = false;
    stream.addEventListener("attempt", (event) => {
      finished = show(JSON.parse(event.data));
      if (finished) stream.close();
    });
    stream.onerror = () => { stream.close(); if (!finished) poll(id); };
  }

  function poll(id) {
    fetch("/api/attempts/" + id, { headers: { Accept: "application/json" } })
      .then((r) => r.json().then((data) => ({ code: r.status, ok: r.ok, data })))
      .then(({ code, ok, data }) => {
        if (!ok && code >= 500 && S) { waiting(); return; }  // the server away: received all the same
        if (code === 401 && S) { expired(); return; }  // signed out meanwhile: the page's own words
        if (!ok) { status.textContent = data.error || ""; if (button) button.disabled = false; return; }
        if (!show(data)) setTimeout(() => poll(id), 700);
      })
      .catch(() => { if (S) waiting(); else setTimeout(() => poll(id), 2000); });
    function waiting() {
      status.textContent = S.messages.still_waiting;
      status.dataset.state = "waiting";
      setTimeout(() => poll(id), 2000);
    }
  }

  // The server (or a proxy before it) did not take the submission: unreachable, restarting,
  // its database away (outage.py). Said at once; the editor's text is left as it was.
  function notReceived(message) {
    status.textContent = message || S.messages.not_received;
    status.dataset.state = "not_received";
    if (button) button.disabled = false;
  }

  if (form) {
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      if (button.disabled) return;
      const text = textNow();
      if (S && bytes(text) > S.max_bytes) { status.textContent = S.messages.too_large; return; }
      button.disabled = true;
      fetch(form.action, {
        method: "POST",
        body: new FormData(form),
        headers: { "X-CSRF-Token": csrf, Accept: "application/json" },
      })
        .then((r) => r.json().then((data) => ({ code: r.status, ok: r.ok, data })))
        .then(({ code, ok, data }) => {
          button.disabled = ok;
          // A 403 that states a course rule (deadline, lock) is said; any other is the session's.
          if (S && (code === 401 || (code === 403 && !data.rule))) { status.textContent = ""; expired(); return; }
          if (code >= 500 && S) { notReceived(data.error); return; }
          if (!ok) { status.textContent = data.error || ""; return; }
          if (S && !stopped) { saved = text; changed(); }  // the server has it, as an attempt
          results.innerHTML = "";
          refreshHistory();
          watch(data.id);
        }, () => { button.disabled = false; if (S) notReceived(); });  // no answer, or not ours
    });
  }
  if (results && results.dataset.attempt) watch(results.dataset.attempt);
})();
