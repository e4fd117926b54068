//! Time zones through the runtime's `Intl` (IANA names, daylight saving
//! included), never a hand-written table. Constructing and formatting go
//! through `Reflect` so a bad zone name is an error, not a thrown exception.

use super::period::days_from_civil;
use js_sys::{Array, Date, Function, Object, Reflect};
use wasm_bindgen::{JsCast, JsValue};

/// A zone the runtime knows, able to tell local time at any instant.
pub struct Zone {
    format_to_parts: Function,
    formatter: JsValue,
}

impl Zone {
    /// `None` for a name `Intl` does not know.
    pub fn new(name: &str) -> Option<Self> {
        let intl = Reflect::get(&js_sys::global(), &"Intl".into()).ok()?;
        let constructor: Function = Reflect::get(&intl, &"DateTimeFormat".into()).ok()?.dyn_into().ok()?;
        let options = Object::new();
        let settings = [("timeZone", name), ("hourCycle", "h23"), ("year", "numeric"), ("month", "numeric"), ("day", "numeric"), ("hour", "numeric"), ("minute", "numeric"), ("second", "numeric")];
        for (key, value) in settings {
            Reflect::set(&options, &key.into(), &value.into()).ok()?;
        }
        let args = Array::of2(&"en-US".into(), &options);
        let formatter = Reflect::construct(&constructor, &args).ok()?;
        let format_to_parts: Function = Reflect::get(&formatter, &"formatToParts".into()).ok()?.dyn_into().ok()?;
        let zone = Self { format_to_parts, formatter };
        zone.local_parts(0).map(|_| zone)
    }

    /// Local (year, month, day, hour, minute, second) at a UTC instant.
    pub fn local_parts(&self, utc_ms: i64) -> Option<[i64; 6]> {
        let date = Date::new(&JsValue::from_f64(utc_ms as f64));
        let parts: Array = self.format_to_parts.call1(&self.formatter, &date).ok()?.dyn_into().ok()?;
        let mut out = [0i64; 6];
        for part in parts.iter() {
            let kind = Reflect::get(&part, &"type".into()).ok()?.as_string()?;
            let value = Reflect::get(&part, &"value".into()).ok()?.as_string()?;
            let slot = ["year", "month", "day", "hour", "minute", "second"].iter().position(|k| *k == kind);
            if let Some(slot) = slot {
                out[slot] = value.parse().ok()?;
            }
        }
        Some(out)
    }

    /// Local time minus UTC, in ms, at a UTC instant.
    pub fn offset_ms(&self, utc_ms: i64) -> i64 {
        let Some([y, mo, d, h, mi, s]) = self.local_parts(utc_ms) else { return 0 };
        let local = days_from_civil(y, mo, d) * 86_400_000 + h * 3_600_000 + mi * 60_000 + s * 1000;
        local - utc_ms.div_euclid(1000) * 1000
    }
}
