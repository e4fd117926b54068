//! The inbox's pages, rendered with maud: every value is escaped by the
//! template engine, lead data appears only as text (never as a link, a URL or
//! markup), and pages carry no inline script or style.

mod choices;
pub mod alerts;
pub mod conflict;
pub mod embed;
pub mod layout;
pub mod lead;
pub mod lead_form;
pub mod list;
pub mod settings;
mod snippet;
mod timeline;
pub mod filters;

use leadsbot_shared::time::format_rfc3339;
use maud::{html, Markup};

/// `2026-11-27 06:14 UTC`: readable, and the same on every device.
pub fn when(ms: i64) -> String {
    let iso = format_rfc3339(ms);
    let mut out: String = iso.chars().take(16).collect();
    out = out.replacen('T', " ", 1);
    out.push_str(" UTC");
    out
}

/// An instant on a page: its machine-readable `datetime`, and `when` as text,
/// which the inbox's script rewrites in the viewer's own time zone.
pub fn at(ms: i64) -> Markup {
    html! { time datetime=(format_rfc3339(ms)) { (when(ms)) } }
}
