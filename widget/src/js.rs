//! Small helpers over plain JS objects, so the crate needs few typed bindings
//! (each typed binding costs a shim in the generated glue).

use alloc::string::String;
use alloc::vec::Vec;
use js_sys::{Array, Object, Reflect, JSON};
use wasm_bindgen::{JsCast, JsValue};

pub fn get(target: &JsValue, key: &str) -> JsValue {
    Reflect::get(target, &JsValue::from_str(key)).unwrap_or(JsValue::UNDEFINED)
}

pub fn text(target: &JsValue, key: &str) -> String {
    get(target, key).as_string().unwrap_or_default()
}

pub fn set(target: &Object, key: &str, value: &JsValue) {
    // Setting a property on a plain object we created cannot fail.
    let _ = Reflect::set(target, &JsValue::from_str(key), value);
}

pub fn to_json(value: &JsValue) -> Option<String> {
    JSON::stringify(value).ok()?.as_string()
}

/// Parses JSON kept in storage; anything unreadable is treated as absent.
pub fn from_json(text: &str) -> Option<Object> {
    JSON::parse(text).ok()?.dyn_into::<Object>().ok()
}

/// Every cell of `array` as a string, `None` if one is not a string.
pub fn strings(array: &Array) -> Option<Vec<String>> {
    let mut out = Vec::new();
    for i in 0..array.length() {
        out.push(array.get(i).as_string()?);
    }
    Some(out)
}
