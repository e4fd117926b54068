//! The campaign a visit arrived with. Landing pages carry `utm_*` in their URL;
//! the form is often on a later page, so they are kept for the tab's session.

use crate::host::{self, SESSION};
use crate::js::{from_json, get, set, to_json};
use alloc::string::String;
use alloc::vec::Vec;
use js_sys::Object;
use wasm_bindgen::JsValue;

const KEY: &str = "leadsbot:utm";
pub const UTM_KEYS: [&str; 5] = ["utm_source", "utm_medium", "utm_campaign", "utm_term", "utm_content"];

/// Keeps the current URL's campaign, if it has one; a new campaign replaces the old.
pub fn remember() {
    let found = Object::new();
    let mut any = false;
    for key in UTM_KEYS {
        if let Some(value) = host::landing_param(key).filter(|v| !v.is_empty()) {
            set(&found, key, &JsValue::from_str(&value));
            any = true;
        }
    }
    if any {
        host::write(SESSION, KEY, to_json(&found));
    }
}

/// The visit's campaign parameters, as `(key, value)` pairs.
pub fn campaign() -> Vec<(&'static str, String)> {
    let Some(saved) = host::read(SESSION, KEY).and_then(|json| from_json(&json)) else {
        return Vec::new();
    };
    UTM_KEYS
        .iter()
        .filter_map(|key| get(&saved, key).as_string().map(|value| (*key, value)))
        .collect()
}
