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
    // A fixed-size header and rows destructured by pattern: no index can be out
    // of bounds, so no bounds checks (and their panic formatting) are linked in.
    let (header, rows) = snapshot.split_at_checked(HEADER)?;
    let header: &[String; HEADER] = header.try_into().ok()?;
    // A loop, not `collect`: the chunk iterator's size hint divides, and links a panic.
    let mut controls: Vec<Control> = Vec::new();
    controls.extend(rows.chunks_exact(ROW).filter_map(control));
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

/// `None` never happens: `chunks_exact(ROW)` gives rows of exactly `ROW`.
fn control(row: &[String]) -> Option<Control<'_>> {
    let [explicit, kind, name, autocomplete, value] = row else { return None };
    Some(Control { hints: Hints { explicit, kind, name, autocomplete }, value })
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

fn context(header: &[String; HEADER], sender: &Sender) -> String {
    let [_, page_url, referrer, title, form_id, form_name, action, form_campaign] = header;
    let short = |text: &str| clip(text, MAX_SHORT_CHARS);
    let url = |text: &str| clip(text, MAX_URL_CHARS);
    let campaign = if form_campaign.is_empty() { sender.campaign } else { form_campaign };
    let mut context = JsonObject::new();
    context.text("page_url", &url(page_url)).text("referrer", &url(referrer)).text("page_title", &short(title));
    context.text("form_id", &short(form_id)).text("form_name", &short(form_name)).text("form_action", &url(action));
    context.text("campaign", &clip(campaign, MAX_SHORT_CHARS)).members(sender.utm_members);
    context.finish()
}

#[cfg(test)]
mod tests;
