//! What the script tag asked for, and where leads go.

use alloc::string::String;
/// `pk_{workspace_id}_{secret}`: the workspace id is everything between the
/// leading `pk_` and the last `_` (the id itself contains one, `ws_…`).
pub fn workspace_of(token: &str) -> Option<&str> {
    let rest = token.strip_prefix("pk_")?;
    // By hand, not `rsplit_once`: that links memrchr and slice-index panics.
    let last = rest.bytes().rposition(|b| b == b'_')?;
    let (workspace, secret) = (rest.get(..last)?, rest.get(last + 1..)?);
    (workspace.starts_with("ws_") && !secret.is_empty()).then_some(workspace)
}

/// The capture URL for a token, on the API origin given in `data-api`.
pub fn endpoint(api: &str, token: &str) -> Option<String> {
    let workspace = workspace_of(token)?;
    // ASCII whitespace only: a URL has no other, and Unicode `trim` links its tables.
    let mut api = api.trim_ascii();
    while let Some(shorter) = api.strip_suffix("/") {
        api = shorter;
    }
    (!api.is_empty()).then(|| crate::text::concat(&[api, "/api/inbound/", workspace, "/leads"]))
}

/// What a response status means for a kept submission.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Disposition {
    /// Stored (201) or already stored (200 replay): forget it.
    Stored,
    /// Worth another try later: the network, the server or a rate limit failed us.
    /// 409 is here too: an idempotency key still being processed is answered
    /// by retrying, which replays the stored answer.
    Retry,
    /// The server refused the lead itself; retrying would only be refused again.
    Rejected,
}

pub fn disposition(status: u16) -> Disposition {
    match status {
        200..=299 => Disposition::Stored,
        0 | 408 | 409 | 425 | 429 | 500..=599 => Disposition::Retry,
        _ => Disposition::Rejected,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_workspace_is_read_from_the_token() {
        let token = "pk_ws_01HZX3ABCDEFGHJKMNPQRSTVWX_Ab3xYz";
        assert_eq!(workspace_of(token), Some("ws_01HZX3ABCDEFGHJKMNPQRSTVWX"));
        assert_eq!(workspace_of("sk_ws_1_x"), None);
        assert_eq!(workspace_of("pk_ws_1_"), None);
        assert_eq!(workspace_of("pk_nounderscore"), None);
        assert_eq!(workspace_of("pk_ws_a_b_c"), Some("ws_a_b"));
    }

    #[test]
    fn the_endpoint_joins_api_and_workspace() {
        let url = endpoint("https://leads.example/", "pk_ws_ABC_secret");
        assert_eq!(url.as_deref(), Some("https://leads.example/api/inbound/ws_ABC/leads"));
        assert_eq!(endpoint("", "pk_ws_ABC_secret"), None);
        let url = endpoint(" https://leads.example// ", "pk_ws_ABC_secret");
        assert_eq!(url.as_deref(), Some("https://leads.example/api/inbound/ws_ABC/leads"));
    }

    #[test]
    fn only_transient_failures_are_retried() {
        assert_eq!(disposition(201), Disposition::Stored);
        assert_eq!(disposition(200), Disposition::Stored);
        assert_eq!(disposition(0), Disposition::Retry);
        assert_eq!(disposition(429), Disposition::Retry);
        assert_eq!(disposition(503), Disposition::Retry);
        assert_eq!(disposition(422), Disposition::Rejected);
        assert_eq!(disposition(403), Disposition::Rejected);
    }
}
