//! The loader's snapshot of a submitted form, turned into the JSON body the
//! capture endpoint takes. Pure: unit-tested natively.
//!
//! A snapshot (written by `loader/widget.js`) is a flat list of strings: the
//! `HEADER` fields, then one `ROW` per control value:
//! `[id, url, referrer, title, form_id, form_name, form_action, form_campaign,
//!   explicit, type, name, autocomplete, value, …]`.
//! A multi-select gives one row per selected option; checkbox groups one row per box.

use crate::fields::Hints;
use crate::json::{list, JsonObject};
use crate::lead::{clip, Control, CustomValue, Lead, MAX_SHORT_CHARS, MAX_URL_CHARS};
use alloc::string::String;
use alloc::vec::Vec;

const HEADER: usize = 8;
const ROW: usize = 5;

pub struct Sender<'a> {
    pub token: &'a str,
    /// "widget" for the listener, "embed" for the form we render.
    pub source: &'a str,
    /// The script tag's `data-campaign`, used when the form has none.
    pub campaign: &'a str,
    /// The visit's `utm_*` as JSON members (see `visit`).
    pub utm_members: &'a str,
}

pub struct Body {
    pub submission_id: String,
    pub json: String,
}

/// The body to send, or `None` when the form had no email (a search or login
/// form, not a lead) or the snapshot is malformed.
pub fn build(snapshot: &[String], sender: &Sender) -> Option<Body> {
    let (header, rows) = (snapshot.get(..HEADER)?, snapshot.get(HEADER..)?);
    let controls: Vec<Control> = rows.chunks_exact(ROW).map(control).collect();
    let lead = Lead::from_controls(&controls);
    if lead.email.is_empty() || header[0].is_empty() {
        return None;
    }
    let mut body = JsonObject::new();
    body.text("_token", sender.token).text("_submission_id", &header[0]).text("source", sender.source);
    body.text("email", &lead.email).text("name", &lead.name).text("phone", &lead.phone);
    body.text("company", &lead.company).text("message", &lead.message);
    if let Some(honeypot) = &lead.honeypot {
        body.text("_gotcha", honeypot);
    }
    body.raw("custom", &custom(&lead)).raw("context", &context(header, sender));
    Some(Body { submission_id: header[0].clone(), json: body.finish() })
}

fn control(row: &[String]) -> Control<'_> {
    Control {
        hints: Hints { explicit: &row[0], kind: &row[1], name: &row[2], autocomplete: &row[3] },
        value: &row[4],
    }
}

fn custom(lead: &Lead) -> String {
    let mut custom = JsonObject::new();
    for (name, value) in lead.custom_fields() {
        match value {
            CustomValue::Text(text) => custom.text(name, &text),
            CustomValue::List(items) => {
                let items: Vec<&str> = items.iter().map(String::as_str).collect();
                custom.raw(name, &list(&items))
            }
        };
    }
    custom.finish()
}

fn context(header: &[String], sender: &Sender) -> String {
    let short = |i: usize| clip(&header[i], MAX_SHORT_CHARS);
    let url = |i: usize| clip(&header[i], MAX_URL_CHARS);
    let campaign = if header[7].is_empty() { sender.campaign } else { &header[7] };
    let mut context = JsonObject::new();
    context.text("page_url", &url(1)).text("referrer", &url(2)).text("page_title", &short(3));
    context.text("form_id", &short(4)).text("form_name", &short(5)).text("form_action", &url(6));
    context.text("campaign", &clip(campaign, MAX_SHORT_CHARS)).members(sender.utm_members);
    context.finish()
}

#[cfg(test)]
mod tests;
