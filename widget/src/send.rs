//! Delivery attempts and their outcomes: recorded in the outbox, announced to
//! the page, and passed to the embedded form when it is waiting for one.

use crate::config::{disposition, Disposition};
use crate::host;
use crate::js::{get, object, set};
use crate::local::Local;
use crate::outbox::{self, Entry};
use alloc::string::String;
use alloc::vec::Vec;
use wasm_bindgen::prelude::*;

/// Submission ids with a request on the wire, so a retry never races the first try.
static IN_FLIGHT: Local<Vec<String>> = Local::new(Vec::new());

pub struct Outcome<'a> {
    pub disposition: Disposition,
    pub status: u16,
    /// The server's answer: `{id, status}` on success, problem+json otherwise.
    pub answer: &'a JsValue,
}

/// Sends a kept submission, unless it is already on its way.
pub fn deliver(entry: &Entry) {
    let claimed = IN_FLIGHT.with(|ids| {
        let free = !ids.contains(&entry.id);
        if free {
            ids.push(entry.id.clone());
        }
        free
    });
    if claimed {
        host::post(&entry.url, &entry.body, &entry.id);
    }
}

/// One answer (status 0: the network failed): forget the submission unless it
/// is worth retrying, and tell the page. Called by `host.js` with each answer:
/// an export rather than a `Closure`, which would bring wasm-bindgen's closure
/// machinery into the glue and the module.
#[wasm_bindgen]
pub fn settle(id: String, status: u16, answer: JsValue) {
    // Order does not matter and an id is in flight once: swap_remove is
    // smaller code than `retain`.
    IN_FLIGHT.with(|ids| {
        if let Some(at) = ids.iter().position(|other| *other == id) {
            ids.swap_remove(at);
        }
    });
    let outcome = Outcome { disposition: disposition(status), status, answer: &answer };
    if outcome.disposition != Disposition::Retry {
        outbox::forget(&id);
    }
    announce(&id, &outcome);
    #[cfg(feature = "embed")]
    crate::embed::settled(&id, &outcome);
}

/// `leadsbot:captured` with `{id, submission_id}`, or `leadsbot:error` with
/// `{submission_id, status, retrying, problem}`.
fn announce(submission_id: &str, outcome: &Outcome) {
    let detail = object();
    set(&detail, "submission_id", &JsValue::from_str(submission_id));
    let name = if outcome.disposition == Disposition::Stored {
        set(&detail, "id", &get(outcome.answer, "id"));
        "leadsbot:captured"
    } else {
        set(&detail, "status", &JsValue::from(outcome.status));
        set(&detail, "retrying", &JsValue::from_bool(outcome.disposition == Disposition::Retry));
        set(&detail, "problem", outcome.answer);
        "leadsbot:error"
    };
    host::emit(name, &detail);
}
