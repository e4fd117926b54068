//! The loader's snapshot of a submitted form, turned into the JSON body the
//! capture endpoint takes: wire format version 2 (documented in the README and
//! in `shared/src/lead/controls.rs`). The widget does not decide which lead
//! field a control feeds: it sends each control's name, value and hints, and
//! the server maps them with the one table every capture path uses. Pure:
//! unit-tested natively.
//!
//! A snapshot (written by `loader/widget.js`) is a flat list of strings: the
//! `HEADER` fields, then one row per control value:
//! `[id, url, referrer, title, form_id, form_name, form_action, form_campaign,
//!   explicit, type, name, autocomplete, value, label, …]`.
//! A multi-select gives one row per selected option; checkbox groups one row per box.

use crate::json::JsonObject;
use alloc::string::String;

const HEADER: usize = 8;
const WIRE_VERSION: &str = "2";

/// A snapshot's layout. Snapshots taken before the module is ready wait in
/// localStorage, so a deploy can leave ones an older loader wrote for a newer
/// module to read. Each layout has its own storage key, and a loader reads
/// only its own: an older loader hands over (and then clears) everything
/// under its key, so a newer snapshot stored there would be misread or lost.
/// The module reads older keys itself (see `pending.rs`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// Loaders before the label hint: five cells a control, no label.
    One,
    /// Today's loader: six cells a control, the label last.
    Two,
}

impl Format {
    pub const CURRENT: Format = Format::Two;

    /// The localStorage key a loader keeps this layout's snapshots under; it
    /// must match `PENDING` in `loader/widget.js` for `CURRENT`.
    pub const fn storage_key(self) -> &'static str {
        match self {
            Format::One => "leadsbot:pending",
            Format::Two => "leadsbot:pending:2",
        }
    }

    const fn cells(self) -> usize {
        match self {
            Format::One => 5,
            Format::Two => 6,
        }
    }
}

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

/// The body to send, or `None` when no value looks like an email (a search or
/// login form, not a lead: it is never posted anywhere) or the snapshot is malformed.
pub fn build(snapshot: &[String], format: Format, sender: &Sender) -> Option<Body> {
    // A fixed-size header and rows destructured by pattern: no index can be out
    // of bounds, so no bounds checks (and their panic formatting) are linked in.
    let (header, rows) = snapshot.split_at_checked(HEADER)?;
    let header: &[String; HEADER] = header.try_into().ok()?;
    let rows = rows.chunks_exact(format.cells());
    if header[0].is_empty() || !rows.clone().any(|row| row.get(4).is_some_and(|v| looks_like_email(v))) {
        return None;
    }
    let mut controls = String::from("[");
    for row in rows {
        // Format one has no label cell: the control is sent without one.
        let [explicit, kind, name, autocomplete, value, rest @ ..] = row else { continue };
        let label = rest.first().map_or("", String::as_str);
        if controls.len() > 1 {
            controls.push(',');
        }
        let mut control = JsonObject::new();
        control.text("name", name).text("value", value).text("type", kind);
        control.text("autocomplete", autocomplete).text("field", explicit).text("label", label);
        controls.push_str(&control.finish());
    }
    controls.push(']');
    let mut body = JsonObject::new();
    body.raw("_v", WIRE_VERSION).text("_token", sender.token).text("_submission_id", &header[0]);
    body.text("source", sender.source).raw("controls", &controls).raw("context", &context(header, sender));
    Some(Body { submission_id: header[0].clone(), json: body.finish() })
}

/// `something@host.tld` somewhere in the value: the one mapping decision the
/// browser makes, so forms that are not leads never leave it. Loops rather than
/// `trim`/`contains`, which would link UTF-8 and memchr code for this one check.
fn looks_like_email(value: &str) -> bool {
    let value = value.as_bytes();
    let Some(at) = value.iter().position(|&b| b == b'@') else { return false };
    let local = at.checked_sub(1).and_then(|before| value.get(before)).is_some_and(|&b| b > b' ');
    let host = value.get(at + 2..).unwrap_or_default().iter().take_while(|&&b| b > b' ');
    local && value.get(at + 1).is_some_and(|&b| b > b' ') && host.into_iter().any(|&b| b == b'.')
}

fn context(header: &[String; HEADER], sender: &Sender) -> String {
    let [_, page_url, referrer, title, form_id, form_name, action, form_campaign] = header;
    let campaign = if form_campaign.is_empty() { sender.campaign } else { form_campaign };
    let mut context = JsonObject::new();
    context.text("page_url", page_url).text("referrer", referrer).text("page_title", title);
    context.text("form_id", form_id).text("form_name", form_name).text("form_action", action);
    context.text("campaign", campaign).members(sender.utm_members);
    context.finish()
}

#[cfg(test)]
mod tests;
