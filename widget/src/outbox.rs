//! Submissions not yet confirmed by the server, kept in localStorage under
//! their submission id so a failed or interrupted send is retried later and
//! never duplicated: the id is the server's idempotency key.

use alloc::string::String;
use alloc::vec::Vec;
use crate::host::{self, LOCAL};
use crate::js::{from_json, get, object, set, text, to_json};
use js_sys::Date;
use wasm_bindgen::JsValue;

const KEY: &str = "leadsbot:outbox";
/// Past this, a submission that never got through is dropped rather than kept
/// forever. Mirrors `leadsbot_shared::idempotency::WIDGET_RETRY_WINDOW_MS` (the
/// widget does not link `shared`; the test below keeps the two equal): the
/// server remembers idempotency keys longer than this, so no retry is stored twice.
const MAX_AGE_MS: f64 = 7.0 * 24.0 * 3600.0 * 1000.0;

pub struct Entry {
    pub id: String,
    pub url: String,
    pub body: String,
}

fn load() -> JsValue {
    host::read(LOCAL, KEY).and_then(|json| from_json(&json)).unwrap_or_else(object)
}

fn save(entries: &JsValue) {
    host::write(LOCAL, KEY, Some(to_json(entries)).filter(|json| json != "{}"));
}

/// Keeps a submission until the server confirms it; re-reads storage first
/// because another tab may have changed it.
pub fn keep(entry: &Entry) {
    let entries = load();
    let kept = object();
    set(&kept, "url", &JsValue::from_str(&entry.url));
    set(&kept, "body", &JsValue::from_str(&entry.body));
    set(&kept, "at", &JsValue::from_f64(Date::now()));
    set(&entries, &entry.id, &kept);
    save(&entries);
}

pub fn forget(id: &str) {
    let entries = load();
    host::remove(&entries, id);
    save(&entries);
}

/// Everything still waiting, oldest entries past `MAX_AGE_MS` dropped.
pub fn waiting() -> Vec<Entry> {
    let entries = load();
    let now = Date::now();
    let mut fresh = Vec::new();
    for id in host::keys(&entries).iter().filter_map(|k| k.as_string()) {
        let kept = get(&entries, &id);
        let age = now - get(&kept, "at").as_f64().unwrap_or(0.0);
        if age > MAX_AGE_MS {
            forget(&id);
            continue;
        }
        fresh.push(Entry { url: text(&kept, "url"), body: text(&kept, "body"), id });
    }
    fresh
}

#[cfg(test)]
mod tests {
    use leadsbot_shared::idempotency::{IDEMPOTENCY_WINDOW_MS, WIDGET_RETRY_WINDOW_MS};

    #[test]
    fn the_outbox_keeps_submissions_exactly_as_long_as_shared_says() {
        assert_eq!(super::MAX_AGE_MS as i64, WIDGET_RETRY_WINDOW_MS);
        assert!((super::MAX_AGE_MS as i64) < IDEMPOTENCY_WINDOW_MS, "the server must remember keys longer");
    }
}
