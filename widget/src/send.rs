//! One delivery attempt: a CORS-simple POST that survives page navigation,
//! its outcome recorded in the outbox and announced to the page.

use crate::config::{disposition, Disposition};
use crate::js::{get, set, window};
use crate::outbox::{self, Entry};
use js_sys::Object;
use crate::local::Local;
use alloc::string::String;
use alloc::vec::Vec;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{CustomEvent, RequestInit, Response};

/// Submission ids with a request on the wire, so a retry never races the first try.
static IN_FLIGHT: Local<Vec<String>> = Local::new(Vec::new());

pub struct Outcome {
    pub disposition: Disposition,
    pub status: u16,
    /// The server's answer: `{id, status}` on success, problem+json otherwise.
    pub answer: JsValue,
}

/// Sends a kept submission, unless it is already being sent.
pub async fn deliver(entry: Entry) -> Option<Outcome> {
    let claimed = IN_FLIGHT.with(|ids| {
        let free = !ids.contains(&entry.id);
        if free {
            ids.push(entry.id.clone());
        }
        free
    });
    if !claimed {
        return None;
    }
    let outcome = post(&entry).await;
    IN_FLIGHT.with(|ids| ids.retain(|id| *id != entry.id));
    match outcome.disposition {
        Disposition::Stored | Disposition::Rejected => outbox::forget(&entry.id),
        Disposition::Retry => {}
    }
    announce(&entry.id, &outcome);
    Some(outcome)
}

/// `text/plain` with no custom headers keeps the request CORS-simple (no
/// preflight); `keepalive` lets it finish after the page navigates away.
async fn post(entry: &Entry) -> Outcome {
    let init = Object::new();
    set(&init, "method", &JsValue::from_str("POST"));
    set(&init, "keepalive", &JsValue::TRUE);
    set(&init, "body", &JsValue::from_str(&entry.body));
    let headers = Object::new();
    set(&headers, "Content-Type", &JsValue::from_str("text/plain;charset=UTF-8"));
    set(&init, "headers", &headers);
    let Some(window) = window() else { return offline() };
    let request = window.fetch_with_str_and_init(&entry.url, init.unchecked_ref::<RequestInit>());
    let Ok(response) = JsFuture::from(request).await.and_then(|r| r.dyn_into::<Response>()) else {
        return offline();
    };
    let status = response.status();
    let answer = match response.json() {
        Ok(json) => JsFuture::from(json).await.unwrap_or(JsValue::NULL),
        Err(_) => JsValue::NULL,
    };
    Outcome { disposition: disposition(status), status, answer }
}

fn offline() -> Outcome {
    Outcome { disposition: Disposition::Retry, status: 0, answer: JsValue::NULL }
}

/// `leadsbot:captured` with `{id, submission_id}`, or `leadsbot:error` with
/// `{submission_id, status, retrying, problem}`.
fn announce(submission_id: &str, outcome: &Outcome) {
    let detail = Object::new();
    set(&detail, "submission_id", &JsValue::from_str(submission_id));
    let name = if outcome.disposition == Disposition::Stored {
        set(&detail, "id", &get(&outcome.answer, "id"));
        "leadsbot:captured"
    } else {
        set(&detail, "status", &JsValue::from(outcome.status));
        set(&detail, "retrying", &JsValue::from_bool(outcome.disposition == Disposition::Retry));
        set(&detail, "problem", &outcome.answer);
        "leadsbot:error"
    };
    emit(name, &detail);
}

pub fn emit(name: &str, detail: &JsValue) {
    let init = Object::new();
    set(&init, "detail", detail);
    let event = CustomEvent::new_with_event_init_dict(name, init.unchecked_ref());
    if let (Some(document), Ok(event)) = (crate::js::document(), event) {
        let _ = document.dispatch_event(&event);
    }
}

