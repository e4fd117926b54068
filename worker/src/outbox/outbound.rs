//! One outbound POST: only to a `WebhookUrl` (a URL that passed the receiver
//! rule), bounded by a timeout that aborts it, redirects never followed, and
//! only the first KiB of the answer kept.

use futures_util::future::{select, Either};
use futures_util::StreamExt;
use leadsbot_shared::webhook_url::WebhookUrl;
use std::time::Duration;
use wasm_bindgen::JsValue;
use worker::{AbortController, Delay, Fetch, Headers, Method, Request, RequestInit, RequestRedirect, Response};

/// How much of a receiver's answer the attempt log keeps.
pub const KEPT_RESPONSE_BYTES: usize = 1024;

/// What came back, in plain data.
#[derive(Debug, Default)]
pub struct Reply {
    pub status: Option<u16>,
    pub retry_after: Option<String>,
    pub body: Option<String>,
    pub error: Option<String>,
}

pub async fn post(url: &WebhookUrl, headers: &[(&str, String)], body: &str, timeout_ms: u32) -> Reply {
    let controller = AbortController::default();
    let signal = controller.signal();
    let request = match build(url.as_str(), headers, body) {
        Ok(request) => request,
        Err(err) => return Reply { error: Some(format!("could not build the request: {err}")), ..Reply::default() },
    };
    let call = async move {
        let mut response = Fetch::Request(request).send_with_signal(&signal).await?;
        Ok::<_, worker::Error>(read(&mut response).await)
    };
    let timer = Delay::from(Duration::from_millis(u64::from(timeout_ms)));
    match select(Box::pin(call), Box::pin(timer)).await {
        Either::Left((Ok(reply), _)) => reply,
        Either::Left((Err(err), _)) => Reply { error: Some(format!("request failed: {err}")), ..Reply::default() },
        Either::Right(_) => {
            controller.abort();
            Reply { error: Some(format!("timed out after {timeout_ms} ms")), ..Reply::default() }
        }
    }
}

fn build(url: &str, headers: &[(&str, String)], body: &str) -> worker::Result<Request> {
    let h = Headers::new();
    for (name, value) in headers {
        h.set(name, value)?;
    }
    let mut init = RequestInit::new();
    init.with_method(Method::Post)
        .with_headers(h)
        .with_body(Some(JsValue::from_str(body)))
        // A 3xx is an answer, and a failure: following it could send the
        // signed payload somewhere the owner never registered.
        .with_redirect(RequestRedirect::Manual);
    Request::new_with_init(url, &init)
}

async fn read(response: &mut Response) -> Reply {
    let status = response.status_code();
    let retry_after = response.headers().get("Retry-After").ok().flatten();
    let mut kept = Vec::new();
    if let Ok(mut stream) = response.stream() {
        while let Some(Ok(chunk)) = stream.next().await {
            kept.extend_from_slice(&chunk);
            if kept.len() >= KEPT_RESPONSE_BYTES {
                break;
            }
        }
    }
    Reply { status: Some(status), retry_after, body: Some(truncate_utf8(&kept, KEPT_RESPONSE_BYTES)), error: None }
}

/// At most `max` bytes, cut on a character boundary.
pub fn truncate_utf8(bytes: &[u8], max: usize) -> String {
    let text = String::from_utf8_lossy(&bytes[..bytes.len().min(max)]).into_owned();
    // A multi-byte character cut at the end shows up as one replacement char.
    if bytes.len() > max { text.trim_end_matches('\u{FFFD}').to_string() } else { text }
}

#[cfg(test)]
mod tests {
    #[test]
    fn truncation_keeps_whole_characters() {
        assert_eq!(super::truncate_utf8("héllo".as_bytes(), 2), "h");
        assert_eq!(super::truncate_utf8(b"abc", 10), "abc");
    }
}
