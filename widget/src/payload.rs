//! The loader's snapshot of a submitted form, turned into the JSON body the
//! capture endpoint takes.
//!
//! Snapshot shape (written by `loader/widget.js`):
//! `{id, url, referrer, title, form: {id, name, action, campaign},
//!   fields: [[explicit, type, name, autocomplete, value | [values]], …]}`

use alloc::string::{String, ToString};
use alloc::vec::Vec;
use crate::fields::Hints;
use crate::js::{get, set, set_text, text};
use crate::lead::{clip, Control, CustomValue, Lead, MAX_SHORT_CHARS, MAX_URL_CHARS};
use js_sys::{Array, Object};
use wasm_bindgen::{JsCast, JsValue};

pub struct Sender<'a> {
    pub token: &'a str,
    /// "widget" for the listener, "embed" for the form we render.
    pub source: &'a str,
    /// The script tag's `data-campaign`, used when the form has none.
    pub campaign: &'a str,
}

/// The body to send, or `None` when the form had no email: a search or login
/// form, not a lead.
pub fn build(snapshot: &JsValue, sender: &Sender) -> Option<Object> {
    let raw = raw_fields(&get(snapshot, "fields"));
    let controls: Vec<Control> = raw.iter().map(RawField::control).collect();
    let lead = Lead::from_controls(&controls);
    if lead.email.is_empty() {
        return None;
    }
    let body = Object::new();
    set_text(&body, "_token", sender.token);
    set_text(&body, "_submission_id", &text(snapshot, "id"));
    set_text(&body, "source", sender.source);
    for (key, value) in [
        ("email", &lead.email),
        ("name", &lead.name),
        ("phone", &lead.phone),
        ("company", &lead.company),
        ("message", &lead.message),
    ] {
        set_text(&body, key, value);
    }
    if let Some(honeypot) = &lead.honeypot {
        set(&body, "_gotcha", &JsValue::from_str(honeypot));
    }
    set(&body, "custom", &custom(&lead));
    set(&body, "context", &context(snapshot, sender));
    Some(body)
}

fn custom(lead: &Lead) -> Object {
    let custom = Object::new();
    for (name, value) in lead.custom_fields() {
        let value = match value {
            CustomValue::Text(text) => JsValue::from_str(&text),
            CustomValue::List(items) => items.iter().map(|item| JsValue::from_str(item)).collect::<Array>().into(),
        };
        set(&custom, name, &value);
    }
    custom
}

fn context(snapshot: &JsValue, sender: &Sender) -> Object {
    let form = get(snapshot, "form");
    let context = Object::new();
    let clipped = |value: String, max| clip(&value, max);
    set_text(&context, "page_url", &clipped(text(snapshot, "url"), MAX_URL_CHARS));
    set_text(&context, "referrer", &clipped(text(snapshot, "referrer"), MAX_URL_CHARS));
    set_text(&context, "page_title", &clipped(text(snapshot, "title"), MAX_SHORT_CHARS));
    set_text(&context, "form_id", &clipped(text(&form, "id"), MAX_SHORT_CHARS));
    set_text(&context, "form_name", &clipped(text(&form, "name"), MAX_SHORT_CHARS));
    set_text(&context, "form_action", &clipped(text(&form, "action"), MAX_URL_CHARS));
    let campaign = Some(text(&form, "campaign")).filter(|c| !c.is_empty());
    let campaign = campaign.unwrap_or_else(|| sender.campaign.to_string());
    set_text(&context, "campaign", &clip(&campaign, MAX_SHORT_CHARS));
    for (key, value) in crate::visit::campaign() {
        set_text(&context, key, &clip(&value, MAX_SHORT_CHARS));
    }
    context
}

/// One snapshot row, owned so `Control` can borrow from it.
struct RawField {
    hints: [String; 4],
    values: Vec<String>,
}

impl RawField {
    fn control(&self) -> Control<'_> {
        let [explicit, kind, name, autocomplete] = &self.hints;
        Control {
            hints: Hints { explicit, kind, name, autocomplete },
            values: self.values.clone(),
        }
    }
}

fn raw_fields(fields: &JsValue) -> Vec<RawField> {
    let Some(rows) = fields.dyn_ref::<Array>() else { return Vec::new() };
    rows.iter()
        .map(|row| {
            let cell = |i: u32| Array::from(&row).get(i);
            let hint = |i| cell(i).as_string().unwrap_or_default();
            let value = cell(4);
            let values = match value.dyn_ref::<Array>() {
                Some(list) => list.iter().filter_map(|v| v.as_string()).collect(),
                None => value.as_string().into_iter().collect(),
            };
            RawField { hints: [hint(0), hint(1), hint(2), hint(3)], values }
        })
        .collect()
}
