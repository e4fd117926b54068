//! The browser, as the widget sees it: the plain functions in `host.js`.

use alloc::string::String;
use wasm_bindgen::prelude::*;

#[wasm_bindgen(module = "/src/host.js")]
extern "C" {
    /// Reads localStorage, or sessionStorage when `session`.
    pub fn read(session: bool, key: &str) -> Option<String>;
    /// Writes (or with `None` removes) a storage key.
    pub fn write(session: bool, key: &str, value: Option<String>);
    /// The lists kept in localStorage under `key` as a list of lists, removed
    /// from storage as they are read (anything else there is dropped).
    pub fn take_lists(key: &str) -> js_sys::Array;
    /// Sends `body`; the export `settle(id, status, answer)` is called with the
    /// answer, status 0 when the network failed.
    pub fn post(url: &str, body: &str, id: &str);
    /// Dispatches a `CustomEvent` on `document`.
    pub fn emit(name: &str, detail: &JsValue);
    /// A query parameter of the current page's URL.
    pub fn landing_param(key: &str) -> Option<String>;
    /// Gives the loader's submit listener to open shadow roots attached
    /// before the loader ran.
    pub fn listen_early();
    /// Calls the export `retry` whenever the browser comes back online.
    pub fn on_online();
    /// `target[key]`, undefined when reading it throws.
    pub fn get(target: &JsValue, key: &str) -> JsValue;
    /// `target[key] = value` on an object we made.
    pub fn set(target: &JsValue, key: &str, value: &JsValue);
    /// `delete target[key]`.
    pub fn remove(target: &JsValue, key: &str);
    /// `Object.keys(target)`.
    pub fn keys(target: &JsValue) -> js_sys::Array;
    /// A new plain object.
    pub fn object() -> JsValue;
    /// `JSON.parse`, undefined when the text is not JSON of an object.
    pub fn parse(text: &str) -> JsValue;
    pub fn stringify(value: &JsValue) -> String;
}

pub const LOCAL: bool = false;
pub const SESSION: bool = true;
