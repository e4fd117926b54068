//! Small helpers over plain JS objects, so the crate needs few typed bindings
//! (each typed binding costs a shim in the generated glue). They go through
//! `host.js` rather than js-sys's `Reflect`/`JSON`, whose throwing signatures
//! bring wasm-bindgen's exception-catching wrapper into the glue and the module.

use crate::host;
use alloc::string::String;
use alloc::vec::Vec;
use js_sys::Array;
use wasm_bindgen::JsValue;

pub use host::{get, object, set};

pub fn text(target: &JsValue, key: &str) -> String {
    get(target, key).as_string().unwrap_or_default()
}

pub fn to_json(value: &JsValue) -> String {
    host::stringify(value)
}

/// Parses JSON kept in storage; anything unreadable, or not an object, is absent.
pub fn from_json(text: &str) -> Option<JsValue> {
    Some(host::parse(text)).filter(|value| !value.is_undefined())
}

/// Every cell of `array` as a string, `None` if one is not a string.
pub fn strings(array: &Array) -> Option<Vec<String>> {
    let mut out = Vec::new();
    for i in 0..array.length() {
        out.push(array.get(i).as_string()?);
    }
    Some(out)
}
