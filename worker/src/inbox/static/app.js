// The inbox's only script (no framework): keyboard shortcuts, the "N new"
// marker, copy buttons, the unsaved-changes prompt, times in the viewer's zone. Everything works without it;
// it only adds speed and care.
// Lead data is only ever read from the DOM as text, never written as HTML.
(() => {
  "use strict";
  const csrf = document.querySelector('meta[name="csrf-token"]')?.content;
  const rows = () => Array.from(document.querySelectorAll("#leads > li.lead"));
  let current = -1;

  function select(index) {
    const list = rows();
    if (!list.length) return;
    current = Math.max(0, Math.min(list.length - 1, index));
    list.forEach((row, i) => row.classList.toggle("selected", i === current));
    const link = list[current].querySelector("a.open");
    link.focus();
  }

  function selectedId() {
    const page = document.querySelector("article.lead-page");
    if (page) return page.dataset.id;
    const row = rows()[current];
    return row ? row.dataset.id : null;
  }

  // A refused action says why on the page (and to screen readers).
  function say(message) {
    let box = document.getElementById("action-problem");
    if (!box) {
      box = document.createElement("p");
      box.id = "action-problem";
      box.className = "problem";
      box.setAttribute("role", "alert");
      document.querySelector("main")?.prepend(box);
    }
    box.textContent = message;
  }

  // After a triage the inbox moves on: to the next lead of the list on a
  // lead page, to the next row (selected again after the reload) on the list.
  async function markContacted() {
    const id = selectedId();
    if (!id || !csrf) return;
    const body = new URLSearchParams({ _csrf: csrf, status: "contacted" });
    const response = await fetch(`/app/leads/${encodeURIComponent(id)}/status`, { method: "POST", body, credentials: "same-origin" });
    if (!response.ok) {
      say(response.status === 403 ? "Not marked contacted: this inbox is read-only (opened with a read key)." : `Not marked contacted: the inbox answered ${response.status}. Try again.`);
      return;
    }
    const next = document.getElementById("next-lead");
    if (document.querySelector("article.lead-page")) {
      if (next) window.location.assign(next.href); else window.location.reload();
      return;
    }
    const after = rows()[current + 1];
    history.replaceState(null, "", after ? `#${after.dataset.id}` : window.location.pathname + window.location.search);
    window.location.reload();
  }

  // Times in the viewer's own zone (the server writes UTC, which a page
  // without script keeps); a row's age stays in words, its title the time.
  const localTime = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short" });
  for (const time of document.querySelectorAll("time[datetime]")) {
    const instant = new Date(time.getAttribute("datetime"));
    if (Number.isNaN(instant.getTime())) continue;
    if (time.classList.contains("age")) time.title = localTime.format(instant);
    else time.textContent = localTime.format(instant);
  }

  // A save lands on a lead page marked #saved (or #saved-next when it moved on
  // to the next lead): say so in the page's polite live region.
  const saveStatus = document.getElementById("save-status");
  if (saveStatus && /^#saved(-next)?$/.test(window.location.hash)) {
    saveStatus.textContent = window.location.hash === "#saved-next" ? "Saved. This is the next lead of your list." : "Saved.";
    history.replaceState(null, "", window.location.pathname + window.location.search);
  }

  // Email and Call mark a new lead contacted in the same click (when ticked);
  // the page then reloads to show it (and to guard the next Save with the new version).
  document.addEventListener("click", async (event) => {
    const link = event.target.closest && event.target.closest("a[data-reach]");
    const mark = document.getElementById("mark-on-reach");
    if (!link || !mark || !mark.checked || !csrf) return;
    const body = new URLSearchParams({ _csrf: csrf, status: "contacted" });
    const response = await fetch(`/app/leads/${encodeURIComponent(selectedId())}/status`, { method: "POST", body, credentials: "same-origin", keepalive: true });
    if (response.ok) window.location.reload();
    else say(`Not marked contacted: the inbox answered ${response.status}. Try again.`);
  });

  // The bulk form says how many leads are ticked.
  function countTicked() {
    const count = document.getElementById("bulk-count");
    if (!count) return;
    const n = document.querySelectorAll("input.pick:checked").length;
    count.textContent = n === 0 ? "Tick leads (or press x) to act on several." : `${n} ticked`;
  }
  document.addEventListener("change", (event) => {
    if (event.target.matches && event.target.matches("input.pick")) countTicked();
  });

  // Back from a lead page: the list selects the lead it came from.
  if (window.location.hash.length > 1) {
    const index = rows().findIndex((row) => row.dataset.id === window.location.hash.slice(1));
    if (index >= 0) select(index);
  }

  function follow(id) {
    const link = document.getElementById(id);
    if (link) window.location.assign(link.href);
  }

  function typing(target) {
    // A ticked row's checkbox keeps focus: shortcuts still work from it.
    return target.closest("input:not([type=checkbox]), textarea, select, [contenteditable]") !== null;
  }

  document.addEventListener("keydown", (event) => {
    if (event.defaultPrevented || event.ctrlKey || event.metaKey || event.altKey || typing(event.target)) return;
    const focusedRow = rows().indexOf(event.target.closest && event.target.closest("li.lead"));
    if (focusedRow >= 0) current = focusedRow;
    switch (event.key) {
      case "j": if (document.querySelector("article.lead-page")) follow("next-lead"); else select(current + 1); break;
      case "k": if (document.querySelector("article.lead-page")) follow("prev-lead"); else select(current - 1); break;
      case "e": markContacted(); break;
      case "x": {
        const box = rows()[current]?.querySelector("input.pick");
        if (!box) return;
        box.checked = !box.checked;
        countTicked();
        break;
      }
      case "/": {
        const search = document.getElementById("q");
        if (!search) return;
        search.focus();
        search.select();
        break;
      }
      case "Enter": {
        const row = rows()[current];
        if (!row || event.target.closest("a, button")) return;
        row.querySelector("a.open").click();
        break;
      }
      default: return;
    }
    event.preventDefault();
  });

  // "N new": asks every 5 s how many leads matching this view arrived.
  const list = document.getElementById("leads");
  const marker = document.getElementById("new-marker");
  const pollUrl = list ? list.dataset.poll : marker && "/app/poll" + window.location.search + (window.location.search ? "&" : "?") + "after=";
  if (marker && pollUrl && !new URLSearchParams(window.location.search).get("cursor")) {
    const poll = async () => {
      try {
        const response = await fetch(pollUrl, { credentials: "same-origin", headers: { Accept: "application/json" } });
        if (!response.ok) return;
        const { new: count, more } = await response.json();
        if (count > 0) {
          marker.textContent = "";
          const link = document.createElement("a");
          link.href = window.location.pathname + window.location.search;
          link.textContent = `${count}${more ? "+" : ""} new — show`;
          marker.append(link);
          marker.classList.add("visible");
        }
      } catch (_) {
        // Offline for a moment: the next poll tries again.
      }
    };
    setInterval(poll, 5000);
  }

  // The lead form: leaving with changes not saved asks first. The conflict
  // page's form holds the rep's unsaved changes from the start.
  const leadForm = document.querySelector("form[data-unsaved-guard]");
  if (leadForm) {
    let unsaved = leadForm.dataset.unsavedGuard === "unsaved";
    const changed = () => { unsaved = true; };
    leadForm.addEventListener("input", changed);
    leadForm.addEventListener("change", changed);
    leadForm.addEventListener("submit", () => { unsaved = false; });
    document.querySelector("a[data-discard]")?.addEventListener("click", () => { unsaved = false; });
    window.addEventListener("beforeunload", (event) => {
      if (!unsaved) return;
      event.preventDefault();
      event.returnValue = "";
    });
  }

  // Copy buttons (settings): copy the text of the element they name.
  document.addEventListener("click", async (event) => {
    const button = event.target.closest("button[data-copy]");
    if (!button) return;
    const source = document.getElementById(button.dataset.copy);
    try {
      await navigator.clipboard.writeText(source.textContent);
      button.textContent = "Copied";
    } catch (_) {
      window.getSelection().selectAllChildren(source);
      button.textContent = "Press Ctrl+C";
    }
  });
})();
