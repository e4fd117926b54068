//! `data-mode="embed"`: our own accessible form, rendered in a shadow root so
//! neither the page's styles nor ours leak across, sent through the same
//! outbox as the listener.

use alloc::string::String;
use crate::config::Disposition;
use crate::js::{document, get, text};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::spawn_local;
use web_sys::{Element, Event, HtmlFormElement, ShadowRoot, ShadowRootInit, ShadowRootMode};

mod markup;

const SENT: &str = "Thanks! Your message was sent.";
const QUEUED: &str = "You seem to be offline. Your message is saved and will be sent automatically.";
const INVALID: &str = "Please correct the highlighted fields.";

pub fn render(target: &str, extra_fields: &str, snapshot: js_sys::Function) {
    let Some(root) = attach(target) else {
        crate::send::emit("leadsbot:error", &JsValue::from_str("data-target matches no element"));
        return;
    };
    root.set_inner_html(&markup::form(extra_fields));
    let Some(form) = root.query_selector("form").ok().flatten() else { return };
    let Ok(form) = form.dyn_into::<HtmlFormElement>() else { return };
    let handler_form = form.clone();
    let on_submit = Closure::<dyn FnMut(Event)>::new(move |event: Event| {
        event.prevent_default();
        submit(&handler_form, &root, &snapshot);
    });
    let _ = form.add_event_listener_with_callback("submit", on_submit.as_ref().unchecked_ref());
    // Lives as long as the form, which lives as long as the page.
    on_submit.forget();
}

fn attach(target: &str) -> Option<ShadowRoot> {
    let host = document()?.query_selector(target).ok()??;
    host.attach_shadow(&ShadowRootInit::new(ShadowRootMode::Open)).ok()
}

fn submit(form: &HtmlFormElement, root: &ShadowRoot, snapshot: &js_sys::Function) {
    if !show_field_errors(root) {
        say(root, INVALID, true);
        return;
    }
    let Ok(snapshot) = snapshot.call1(&JsValue::NULL, form) else { return };
    let Some(entry) = crate::prepare(&snapshot, "embed") else { return };
    set_busy(root, true);
    say(root, "Sending…", false);
    let (form, root) = (form.clone(), root.clone());
    spawn_local(async move {
        let Some(outcome) = crate::send::deliver(entry).await else { return };
        set_busy(&root, false);
        match outcome.disposition {
            Disposition::Stored => {
                form.reset();
                say(&root, SENT, false);
            }
            Disposition::Retry => say(&root, QUEUED, false),
            Disposition::Rejected => say(&root, &problem_text(&outcome.answer), true),
        }
    });
}

/// Writes each control's validation message next to it and marks it invalid;
/// true when every field is valid. The first invalid field takes focus.
fn show_field_errors(root: &ShadowRoot) -> bool {
    let Ok(controls) = root.query_selector_all("input[id],textarea") else { return true };
    let mut first_invalid: Option<Element> = None;
    for control in (0..controls.length()).filter_map(|i| controls.item(i)) {
        let Ok(control) = control.dyn_into::<Element>() else { continue };
        let message = text(&control, "validationMessage");
        let error = root.get_element_by_id(&[control.id(), "-error".into()].concat());
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
    let detail = text(answer, "detail");
    let first_error = js_sys::Array::from(&get(answer, "errors")).get(0);
    let field_message = text(&first_error, "message");
    [field_message, detail, "Sorry, your message could not be sent.".into()]
        .into_iter()
        .find(|m| !m.is_empty())
        .unwrap_or_default()
}
