// Stands in for a site's own scripts: AJAX forms that call preventDefault,
// forms rendered after load, an early automatic submit. It also records the
// widget's DOM events so tests can wait on them.
window.widgetEvents = [];
for (const name of ["leadsbot:ready", "leadsbot:captured", "leadsbot:error", "leadsbot:skipped"]) {
  document.addEventListener(name, (event) => widgetEvents.push({ type: name, detail: event.detail }));
}

window.siteSubmits = 0;
document.addEventListener("submit", (event) => {
  const form = event.target;
  if (!form.hasAttribute("data-site-ajax")) return;
  event.preventDefault();
  siteSubmits += 1;
  document.getElementById("site-status").textContent = "Thanks from the site (" + siteSubmits + ")";
});

const pageParams = new URLSearchParams(location.search);
if (pageParams.has("late")) {
  addEventListener("load", () => {
    setTimeout(() => {
      const template = document.getElementById("late-form");
      document.body.append(template.content.cloneNode(true));
    }, 50);
  });
}
// A submit soon after the widget's script has run, while its wasm is still loading.
window.autoSubmitAfterWidget = (delayMs) =>
  setTimeout(() => {
    const form = document.querySelector("form");
    form.querySelector("[type=email]").value = pageParams.get("prefill") || "";
    form.requestSubmit();
  }, delayMs);
