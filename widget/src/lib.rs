//! The LeadsBot widget. `loader/widget.js` (the script tag) listens for form
//! submissions from the first moment and snapshots them; this module, loaded
//! after it, turns snapshots into leads, sends them and keeps what could not
//! be sent. The page's own form handling is never touched. Which lead field a
//! control feeds is decided on the server, by the one table in `shared`.
//!
//! - `config` — token → endpoint, response status → what to do (pure)
//! - `payload` / `json` — a snapshot as the JSON body, wire format 2 (pure)
//! - `pending` — snapshots an older loader left in storage during a deploy
//! - `outbox` / `send` — keeping, sending, retrying, announcing
//! - `host` — the few browser calls, as plain functions in `host.js`
//! - `visit` — the landing page's `utm_*` for the rest of the visit
//! - `embed` — the form we render ourselves in `data-mode="embed"`; behind the
//!   `embed` feature, so the listener build that most sites load carries none of it
//!
//! On wasm the crate is `no_std` with its own panic handler and a tiny
//! allocator: std's panic formatting and dlmalloc were over half the module's
//! bytes. A panic (a bug) just stops the module; the page is unaffected.

#![cfg_attr(target_arch = "wasm32", no_std)]

extern crate alloc;

#[cfg(all(target_arch = "wasm32", not(test)))]
#[panic_handler]
fn on_panic(_: &core::panic::PanicInfo) -> ! {
    core::arch::wasm32::unreachable()
}

// SAFETY: the module runs on one thread (see `local.rs`).
#[cfg(target_arch = "wasm32")]
#[global_allocator]
static ALLOCATOR: lol_alloc::AssumeSingleThreaded<lol_alloc::FreeListAllocator> =
    unsafe { lol_alloc::AssumeSingleThreaded::new(lol_alloc::FreeListAllocator::new()) };

mod config;
#[cfg(feature = "embed")]
mod embed;
mod host;
mod js;
mod json;
mod local;
mod outbox;
mod payload;
mod pending;
mod send;
mod text;
mod visit;

use alloc::string::String;
use local::Local;
use wasm_bindgen::prelude::*;

/// The script tag's settings, fixed at start.
struct Settings {
    token: String,
    endpoint: String,
    campaign: String,
}

static SETTINGS: Local<Option<Settings>> = Local::new(None);

/// Called once by the loader with the script tag's `dataset` and its snapshot
/// function (the embedded form reuses it).
#[wasm_bindgen]
#[cfg_attr(not(feature = "embed"), allow(unused_variables))]
pub fn start(options: JsValue, snapshot: JsValue) {
    let token = js::text(&options, "token");
    let Some(endpoint) = config::endpoint(&js::text(&options, "api"), &token) else {
        let detail = js::object();
        js::set(&detail, "problem", &JsValue::from_str("data-token or data-api is missing or malformed"));
        host::emit("leadsbot:error", &detail);
        return;
    };
    let campaign = js::text(&options, "campaign");
    SETTINGS.with(|s| *s = Some(Settings { token, endpoint, campaign }));
    visit::remember();
    retry();
    pending::adopt_older();
    host::listen_early();
    host::on_online();
    #[cfg(feature = "embed")]
    if js::text(&options, "mode") == "embed" {
        embed::render(&js::text(&options, "target"), &js::text(&options, "fields"), &snapshot);
    }
    host::emit("leadsbot:ready", &JsValue::NULL);
}

/// A submitted form's snapshot (see `payload`) from the loader's listener, or
/// one it kept in storage. Taken as a JS array and read cell by cell:
/// wasm-bindgen's own `Vec<String>` conversion is over a kilobyte of generic
/// iterator code. A snapshot with a cell that is not a string (storage another
/// script wrote to) is dropped rather than thrown on: a throw would stop the
/// loader handing over the rest, and it would meet the same row on every load.
#[wasm_bindgen]
pub fn capture(snapshot: JsValue) {
    take(snapshot.unchecked_ref(), payload::Format::CURRENT);
}

/// Sends a snapshot in `format`, unless a cell is not a string. One path for
/// the listener and the snapshots older loaders left (`pending`).
pub(crate) fn take(snapshot: &js_sys::Array, format: payload::Format) {
    if let Some(entry) = js::strings(snapshot).and_then(|snapshot| prepare(&snapshot, format, "widget")) {
        send::deliver(&entry);
    }
}

/// Builds the body and keeps it in the outbox before the first attempt, so a
/// page that navigates away mid-request still has it for the next load.
pub(crate) fn prepare(snapshot: &[String], format: payload::Format, source: &str) -> Option<outbox::Entry> {
    let utm_members = visit::campaign_members();
    let entry = SETTINGS.with(|settings| {
        let settings = settings.as_ref()?;
        let sender = payload::Sender { token: &settings.token, source, campaign: &settings.campaign, utm_members: &utm_members };
        let Some(body) = payload::build(snapshot, format, &sender) else {
            host::emit("leadsbot:skipped", &JsValue::NULL);
            return None;
        };
        Some(outbox::Entry { id: body.submission_id, url: settings.endpoint.clone(), body: body.json })
    })?;
    outbox::keep(&entry);
    Some(entry)
}

/// Sends everything kept: at start, and (from `host.js`) whenever the browser is back online.
#[wasm_bindgen]
pub fn retry() {
    for entry in outbox::waiting() {
        send::deliver(&entry);
    }
}
