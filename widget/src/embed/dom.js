// The embedded form's DOM work, kept apart so the listener-only build does not
// carry it. Like host.js it decides nothing (embed.rs says what to show), and
// every call that can throw is made here, so the module needs none of
// wasm-bindgen's exception-catching wrappers; the form's submit handler calls
// the module's `submitted` export (a circular import, as in host.js) rather
// than a wasm-bindgen Closure. One embedded form a page: `root` is its shadow root.
import { submitted } from "../../../../glue.js";

let root;

/** Renders `html` in an open shadow root of the element `target` selects,
 *  marked so a listener-mode loader on the same page leaves the form to us
 *  rather than capturing it a second time. False when no element matches or
 *  it cannot hold a shadow root. Constructed stylesheets are not subject to a
 *  page's `style-src` CSP, so the form keeps its looks on strict pages; a
 *  `<style>` is the fallback. */
export function mount(target, css, html, snapshot) {
  try {
    const host = document.querySelector(target);
    host.setAttribute("data-leadsbot-ignore", "");
    root = host.attachShadow({ mode: "open" });
  } catch {
    return false;
  }
  root.innerHTML = html;
  try {
    const sheet = new CSSStyleSheet();
    sheet.replaceSync(css);
    root.adoptedStyleSheets = [sheet];
  } catch {
    const style = document.createElement("style");
    style.textContent = css;
    root.prepend(style);
  }
  root.querySelector("form").addEventListener("submit", (event) => {
    event.preventDefault();
    submitted(snapshot(event.target));
  });
  return true;
}

/** Writes each control's validation message next to it and marks it invalid;
 *  true when every field is valid. The first invalid field takes focus. */
export function check() {
  let first;
  for (const control of root.querySelectorAll("input[id],textarea")) {
    const message = control.validationMessage;
    root.getElementById(control.id + "-error").textContent = message;
    control.setAttribute("aria-invalid", !!message);
    if (message && !first) first = control;
  }
  first?.focus();
  return !first;
}

/** The status line (a live region: screen readers read what is written
 *  there), the send button's state, and with `clear` the form emptied. */
export function show(message, error, busy, clear) {
  const status = root.getElementById("status");
  status.textContent = message;
  status.className = error ? "error" : "";
  root.querySelector("button").disabled = busy;
  if (clear) root.querySelector("form").reset();
}
