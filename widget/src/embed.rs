//! `data-mode="embed"`: our own accessible form, rendered in a shadow root so
//! neither the page's styles nor ours leak across, sent through the same
//! outbox as the listener. What to show is decided here; the DOM work is done
//! by `embed/dom.js`, which calls `submitted` when the form is sent.

use crate::config::Disposition;
use crate::host;
use crate::js::{get, strings, text};
use crate::local::Local;
use crate::send::Outcome;
use alloc::string::String;
use wasm_bindgen::prelude::*;

mod markup;

#[wasm_bindgen(module = "/src/embed/dom.js")]
extern "C" {
    /// Renders the form in a shadow root of `target`; its submit handler
    /// passes `snapshot(form)` to `submitted`. False when there is no target.
    fn mount(target: &str, css: &str, html: &str, snapshot: &JsValue) -> bool;
    /// Shows each control's validation message; true when all are valid.
    fn check() -> bool;
    /// The status line, the button's busy state and, with `clear`, an emptied form.
    fn show(message: &str, error: bool, busy: bool, clear: bool);
}

const SENT: &str = "Thanks! Your message was sent.";
const QUEUED: &str = "You seem to be offline. Your message is saved and will be sent automatically.";
const INVALID: &str = "Please correct the highlighted fields.";
const FAILED: &str = "Sorry, your message could not be sent.";

/// The submission the form is waiting on.
static WAITING_FOR: Local<Option<String>> = Local::new(None);

pub fn render(target: &str, extra_fields: &str, snapshot: &JsValue) {
    if !mount(target, markup::STYLE, &markup::form(extra_fields), snapshot) {
        host::emit("leadsbot:error", &JsValue::from_str("data-target matches no element"));
    }
}

/// The embedded form was sent: `snapshot` is the loader's snapshot of it.
#[wasm_bindgen]
pub fn submitted(snapshot: JsValue) {
    if !check() {
        show(INVALID, true, false, false);
        return;
    }
    let Some(snapshot) = strings(snapshot.unchecked_ref()) else { return };
    let Some(entry) = crate::prepare(&snapshot, crate::payload::Format::CURRENT, "embed") else { return };
    show("Sending…", false, true, false);
    WAITING_FOR.with(|waiting| *waiting = Some(entry.id.clone()));
    crate::send::deliver(&entry);
}

/// Shows the outcome of the submission the form is waiting on, if this is it.
pub fn settled(submission_id: &str, outcome: &Outcome) {
    let ours = WAITING_FOR.with(|waiting| {
        let ours = waiting.as_deref() == Some(submission_id);
        if ours {
            *waiting = None;
        }
        ours
    });
    if !ours {
        return;
    }
    match outcome.disposition {
        Disposition::Stored => show(SENT, false, false, true),
        Disposition::Retry => show(QUEUED, false, false, false),
        Disposition::Rejected => show(&problem_text(outcome.answer), true, false, false),
    }
}

/// The server's problem+json, as one sentence for the visitor.
fn problem_text(answer: &JsValue) -> String {
    let first_error = get(&get(answer, "errors"), "0");
    [text(&first_error, "message"), text(answer, "detail")]
        .into_iter()
        .find(|m| !m.is_empty())
        .unwrap_or_else(|| FAILED.into())
}
