//! The campaign a visit arrived with. Landing pages carry `utm_*` in their URL;
//! the form is often on a later page, so they are kept for the tab's session,
//! already written as JSON members for the body's `context`.

use crate::host::{self, SESSION};
use crate::json::JsonObject;
use alloc::string::String;

const KEY: &str = "leadsbot:utm";
const UTM_KEYS: [&str; 5] = ["utm_source", "utm_medium", "utm_campaign", "utm_term", "utm_content"];

/// Keeps the current URL's campaign, if it has one; a new campaign replaces the old.
pub fn remember() {
    let mut found = JsonObject::new();
    for key in UTM_KEYS {
        if let Some(value) = host::landing_param(key) {
            found.text(key, &value);
        }
    }
    let found = found.finish();
    if let Some(members) = found.get(1..found.len() - 1).filter(|m| !m.is_empty()) {
        host::write(SESSION, KEY, Some(members.into()));
    }
}

/// The visit's `utm_*` as JSON members (`"utm_source":"x",…`), or empty.
pub fn campaign_members() -> String {
    host::read(SESSION, KEY).unwrap_or_default()
}
