//! `data-mode="embed"`: our own accessible form, rendered in a shadow root so
//! neither the page's styles nor ours leak across, sent through the same
//! outbox as the listener.

use crate::config::Disposition;
use crate::host;
use crate::js::{get, text};
use crate::local::Local;
use crate::send::Outcome;
use alloc::string::String;
use wasm_bindgen::prelude::*;
use web_sys::{Element, Event, HtmlFormElement, ShadowRoot, ShadowRootInit, ShadowRootMode};

mod markup;

#[wasm_bindgen(module = "/src/embed/style.js")]
extern "C" {
    /// Styles a shadow root with a constructed stylesheet.
    fn adopt_style(root: &ShadowRoot, css: &str);
}

const SENT: &str = "Thanks! Your message was sent.";
const QUEUED: &str = "You seem to be offline. Your message is saved and will be sent automatically.";
const INVALID: &str = "Please correct the highlighted fields.";
const FAILED: &str = "Sorry, your message could not be sent.";

/// The embedded form, once rendered, and the submission it is waiting on.
struct Embedded {
    root: ShadowRoot,
    form: HtmlFormElement,
    snapshot: js_sys::Function,
    waiting_for: Option<String>,
}

static EMBEDDED: Local<Option<Embedded>> = Local::new(None);

pub fn render(target: &str, extra_fields: &str, snapshot: js_sys::Function) {
    let Some(host_element) = host::find(target) else {
        host::emit("leadsbot:error", &JsValue::from_str("data-target matches no element"));
        return;
    };
    // Marks the host so a listener-mode loader on the same page leaves this
    // form to us rather than capturing it a second time through its shadow root.
    let _ = host_element.set_attribute("data-leadsbot-ignore", "");
    let Ok(root) = host_element.attach_shadow(&ShadowRootInit::new(ShadowRootMode::Open)) else { return };
    adopt_style(&root, markup::STYLE);
    root.set_inner_html(&markup::form(extra_fields));
    let Some(form) = root.query_selector("form").ok().flatten() else { return };
    let form: HtmlFormElement = form.unchecked_into();
    // Lives as long as the form, which lives as long as the page.
    let on_submit = Closure::<dyn FnMut(Event)>::new(submit).into_js_value();
    let _ = form.add_event_listener_with_callback("submit", on_submit.unchecked_ref());
    EMBEDDED.with(|embedded| *embedded = Some(Embedded { root, form, snapshot, waiting_for: None }));
}

fn submit(event: Event) {
    event.prevent_default();
    let Some((root, form, snapshot)) =
        EMBEDDED.with(|e| e.as_ref().map(|e| (e.root.clone(), e.form.clone(), e.snapshot.clone())))
    else {
        return;
    };
    if !show_field_errors(&root) {
        say(&root, INVALID, true);
        return;
    }
    let Ok(snapshot) = snapshot.call1(&JsValue::NULL, &form) else { return };
    let snapshot: alloc::vec::Vec<String> =
        js_sys::Array::from(&snapshot).iter().map(|cell| cell.as_string().unwrap_or_default()).collect();
    let Some(entry) = crate::prepare(&snapshot, "embed") else { return };
    set_busy(&root, true);
    say(&root, "Sending…", false);
    EMBEDDED.with(|e| e.as_mut().map(|e| e.waiting_for = Some(entry.id.clone())));
    crate::send::deliver(&entry);
}

/// Shows the outcome of the submission the form is waiting on, if this is it.
pub fn settled(submission_id: &str, outcome: &Outcome) {
    let waiting = EMBEDDED.with(|e| match e {
        Some(e) if e.waiting_for.as_deref() == Some(submission_id) => {
            e.waiting_for = None;
            Some((e.root.clone(), e.form.clone()))
        }
        _ => None,
    });
    let Some((root, form)) = waiting else { return };
    set_busy(&root, false);
    match outcome.disposition {
        Disposition::Stored => {
            form.reset();
            say(&root, SENT, false);
        }
        Disposition::Retry => say(&root, QUEUED, false),
        Disposition::Rejected => say(&root, &problem_text(outcome.answer), true),
    }
}

/// Writes each control's validation message next to it and marks it invalid;
/// true when every field is valid. The first invalid field takes focus.
fn show_field_errors(root: &ShadowRoot) -> bool {
    let Ok(controls) = root.query_selector_all("input[id],textarea") else { return true };
    let mut first_invalid: Option<Element> = None;
    for control in (0..controls.length()).filter_map(|i| controls.item(i)) {
        let control: Element = control.unchecked_into();
        let message = text(&control, "validationMessage");
        let error = root.get_element_by_id(&crate::text::concat(&[&control.id(), "-error"]));
        if let Some(error) = error {
            error.set_text_content(Some(&message));
        }
        let _ = control.set_attribute("aria-invalid", if message.is_empty() { "false" } else { "true" });
        if !message.is_empty() && first_invalid.is_none() {
            first_invalid = Some(control);
        }
    }
    match first_invalid {
        Some(control) => {
            let _ = control.unchecked_ref::<web_sys::HtmlElement>().focus();
            false
        }
        None => true,
    }
}

/// The status line is a live region: screen readers read what is written there.
fn say(root: &ShadowRoot, message: &str, is_error: bool) {
    if let Some(status) = root.get_element_by_id("status") {
        status.set_text_content(Some(message));
        let _ = status.set_attribute("class", if is_error { "error" } else { "" });
    }
}

fn set_busy(root: &ShadowRoot, busy: bool) {
    if let Some(button) = root.query_selector("button").ok().flatten() {
        let _ = if busy { button.set_attribute("disabled", "") } else { button.remove_attribute("disabled") };
    }
}

/// The server's problem+json, as one sentence for the visitor.
fn problem_text(answer: &JsValue) -> String {
    let first_error = js_sys::Array::from(&get(answer, "errors")).get(0);
    [text(&first_error, "message"), text(answer, "detail")]
        .into_iter()
        .find(|m| !m.is_empty())
        .unwrap_or_else(|| FAILED.into())
}
