// The few browser calls the widget makes, as plain functions. wasm-bindgen
// generates one small shim per import, so a handful of these replace dozens
// of typed web-sys bindings, and fetch reports back by calling the module's
// `settle` export rather than through a futures runtime or a wasm-bindgen
// Closure (whose machinery costs bytes in both the glue and the module). The
// import is circular (the glue imports this file), which ES modules allow: it
// is only read once the module is running. No decisions are made here.
import { settle, retry } from "../../../glue.js";

/** Storage may be missing or throw (private modes, sandboxed frames, quotas). */
export function read(session, key) {
  try {
    return (session ? sessionStorage : localStorage).getItem(key) ?? undefined;
  } catch {}
}

/** `value` undefined removes the key. */
export function write(session, key, value) {
  try {
    const storage = session ? sessionStorage : localStorage;
    value == null ? storage.removeItem(key) : storage.setItem(key, value);
  } catch {}
}

/** A CORS-simple POST (text/plain, no custom headers: no preflight). keepalive
 *  lets it finish after the page navigates away, but browsers cap keepalive
 *  bodies at 64 KiB, so a larger lead is sent without it. */
export function post(url, body, id) {
  fetch(url, {
    method: "POST",
    keepalive: body.length < 60000,
    headers: { "Content-Type": "text/plain;charset=UTF-8" },
    body,
  }).then(
    (response) => response.json().catch(() => null).then((answer) => settle(id, response.status, answer)),
    () => settle(id, 0, null),
  );
}

/** The lists kept in localStorage under `key` as a list of lists, removed
 *  from storage as they are read (anything else there is dropped). */
export function take_lists(key) {
  const list = parse(read(false, key));
  write(false, key);
  return Array.isArray(list) ? list.filter(Array.isArray) : [];
}

export function emit(name, detail) {
  document.dispatchEvent(new CustomEvent(name, { detail }));
}

export function landing_param(key) {
  return new URLSearchParams(location.search).get(key) ?? undefined;
}

/** Open shadow roots attached before the loader wrapped attachShadow (web
 *  components upgraded before it ran, declarative shadow DOM), roots inside
 *  them too, get the loader's listener, which adds itself to a root once. */
export function listen_early(root = document, listen = document.leadsbotListening) {
  if (listen instanceof Function)
    for (const element of root.querySelectorAll("*"))
      if (element.shadowRoot) listen(element.shadowRoot), listen_early(element.shadowRoot, listen);
}

export function on_online() {
  addEventListener("online", () => retry());
}

export function get(target, key) {
  try {
    return target[key];
  } catch {}
}

export function set(target, key, value) {
  target[key] = value;
}

export function remove(target, key) {
  delete target[key];
}

export function keys(target) {
  return Object.keys(target);
}

export function object() {
  return {};
}

export function parse(text) {
  try {
    const value = JSON.parse(text);
    if (value instanceof Object) return value;
  } catch {}
}

export function stringify(value) {
  return JSON.stringify(value);
}
