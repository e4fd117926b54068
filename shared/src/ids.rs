//! Identifier and credential formats.
//!
//! Randomness is passed in, so every format is deterministic under test; the
//! worker supplies bytes from the platform CSPRNG.

use crate::encoding::{base62, crockford_128, is_base62, is_crockford};

/// Prefixes make an id's kind obvious in logs, URLs and support tickets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IdKind {
    Workspace,
    Lead,
    Event,
    Delivery,
    ApiKey,
    WebhookEndpoint,
    StatusChange,
    Workflow,
    WorkflowRun,
    Campaign,
    CampaignControl,
    FollowUp,
    Note,
    Member,
}

impl IdKind {
    pub fn prefix(self) -> &'static str {
        match self {
            IdKind::Workspace => "ws",
            IdKind::Lead => "lead",
            IdKind::Event => "evt",
            IdKind::Delivery => "dlv",
            IdKind::ApiKey => "key",
            IdKind::WebhookEndpoint => "ep",
            IdKind::StatusChange => "chg",
            IdKind::Workflow => "wf",
            IdKind::WorkflowRun => "run",
            IdKind::Campaign => "cmp",
            IdKind::CampaignControl => "ctl",
            IdKind::FollowUp => "fu",
            IdKind::Note => "note",
            IdKind::Member => "mem",
        }
    }
}

/// A ULID-shaped id (48-bit millisecond time, 80 random bits) behind a kind
/// prefix. Ids of one kind sort by creation time, which gives cursor
/// pagination a stable, index-friendly order for free.
pub fn sortable_id(kind: IdKind, unix_ms: u64, random: [u8; 10]) -> String {
    let time_bits = u128::from(unix_ms & 0xffff_ffff_ffff) << 80;
    let random_bits = random.iter().fold(0u128, |acc, b| acc << 8 | u128::from(*b));
    format!("{}_{}", kind.prefix(), crockford_128(time_bits | random_bits))
}

/// True when `text` has the shape `sortable_id` produces for `kind`.
pub fn is_sortable_id(kind: IdKind, text: &str) -> bool {
    text.strip_prefix(kind.prefix())
        .and_then(|rest| rest.strip_prefix('_'))
        .is_some_and(|body| body.len() == 26 && is_crockford(body))
}

/// Prefix of inbound capture URLs, whose id is the capability itself.
pub const CAPTURE_URL_PREFIX: &str = "cap";
/// The prefix capture URLs were first given ("wh", easily read as an
/// outgoing webhook's); URLs made with it keep working.
const LEGACY_CAPTURE_URL_PREFIX: &str = "wh";

/// An unguessable id for a capture URL: 128 random bits, so knowing the URL is
/// what authorises posting to it.
pub fn capture_url_id(random: [u8; 16]) -> String {
    format!("{CAPTURE_URL_PREFIX}_{}", base62(&random))
}

/// True when `text` has the shape of a capture URL id, new (`cap_`) or old (`wh_`).
pub fn is_capture_url_id(text: &str) -> bool {
    [CAPTURE_URL_PREFIX, LEGACY_CAPTURE_URL_PREFIX].iter().any(|prefix| {
        text.strip_prefix(prefix)
            .and_then(|rest| rest.strip_prefix('_'))
            .is_some_and(|body| body.len() == 24 && is_base62(body))
    })
}

/// Secret API keys: `lb_sk_` + 256 random bits.
pub const API_KEY_PREFIX: &str = "lb_sk_";

pub fn api_key(random: [u8; 32]) -> String {
    format!("{API_KEY_PREFIX}{}", base62(&random))
}

/// Characters of base62 for 32 random bytes (3 per pair of bytes).
const API_KEY_SECRET_CHARS: usize = 48;
/// Characters of base62 for a public token's 16 random bytes.
const PUBLIC_TOKEN_SECRET_CHARS: usize = 24;

/// True when `text` has the shape `api_key` produces. Anything else cannot be
/// a key, so it is refused without a database lookup.
pub fn is_api_key_shaped(text: &str) -> bool {
    text.strip_prefix(API_KEY_PREFIX).is_some_and(|secret| secret.len() == API_KEY_SECRET_CHARS && is_base62(secret))
}

/// A public token names its workspace, because the embed tag carries nothing
/// else: `pk_{workspace_id}_{secret}`. It is public by design (it sits in page
/// HTML); its secret part only proves it was issued by us, and origin checks
/// and rate limits do the rest.
pub fn public_token(workspace_id: &str, random: [u8; 16]) -> String {
    format!("pk_{workspace_id}_{}", base62(&random))
}

/// The workspace a public token belongs to, if the token is well formed.
pub fn workspace_of_public_token(token: &str) -> Option<&str> {
    let rest = token.strip_prefix("pk_")?;
    let (workspace_id, secret) = rest.rsplit_once('_')?;
    (is_sortable_id(IdKind::Workspace, workspace_id) && secret.len() == PUBLIC_TOKEN_SECRET_CHARS && is_base62(secret))
        .then_some(workspace_id)
}

/// What a list may show of a secret: enough to recognise it, never to use it.
pub fn redacted_parts(secret: &str) -> (String, String) {
    let prefix: String = secret.chars().take(10).collect();
    let chars: Vec<char> = secret.chars().collect();
    let last4: String = chars[chars.len().saturating_sub(4)..].iter().collect();
    (prefix, last4)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sortable_ids_sort_by_time_then_randomness() {
        let earlier = sortable_id(IdKind::Lead, 1_700_000_000_000, [0xff; 10]);
        let later = sortable_id(IdKind::Lead, 1_700_000_000_001, [0; 10]);
        assert!(earlier < later);
        assert!(is_sortable_id(IdKind::Lead, &earlier));
        assert!(!is_sortable_id(IdKind::Workspace, &earlier));
        assert!(earlier.starts_with("lead_"));
    }

    #[test]
    fn public_token_names_its_workspace() {
        let ws = sortable_id(IdKind::Workspace, 1_700_000_000_000, [7; 10]);
        let token = public_token(&ws, [9; 16]);
        assert_eq!(workspace_of_public_token(&token), Some(ws.as_str()));
    }

    #[test]
    fn api_keys_are_recognised_by_shape() {
        assert!(is_api_key_shaped(&api_key([3; 32])));
        for bad in ["", "lb_sk_", "lb_sk_nope", "sk_live_x", &format!("lb_sk_{}", "a".repeat(47)), &format!("lb_sk_{}!", "a".repeat(47))] {
            assert!(!is_api_key_shaped(bad), "{bad}");
        }
    }

    #[test]
    fn malformed_public_tokens_name_nothing() {
        let ws = sortable_id(IdKind::Workspace, 1_700_000_000_000, [7; 10]);
        let short = format!("pk_{ws}_abc");
        for bad in ["", "pk_", "pk_ws_x_abc", "sk_ws_01H_abc", "pk_ws_0000000000000000000000000A_", &short] {
            assert_eq!(workspace_of_public_token(bad), None, "{bad}");
        }
    }

    #[test]
    fn capture_url_ids_carry_128_random_bits() {
        let id = capture_url_id([0xab; 16]);
        assert!(id.starts_with("cap_") && is_capture_url_id(&id), "{id}");
        assert_ne!(capture_url_id([1; 16]), capture_url_id([2; 16]));
    }

    #[test]
    fn capture_url_ids_made_with_the_old_prefix_still_count() {
        let body = &capture_url_id([0xab; 16])["cap_".len()..];
        assert!(is_capture_url_id(&format!("wh_{body}")));
        for bad in [format!("ep_{body}"), format!("cap{body}"), format!("wh_{}", &body[1..]), "cap_".into(), String::new()] {
            assert!(!is_capture_url_id(&bad), "{bad}");
        }
    }

    #[test]
    fn redaction_keeps_prefix_and_last_four() {
        let key = api_key([5; 32]);
        let (prefix, last4) = redacted_parts(&key);
        assert!(key.starts_with(&prefix));
        assert!(key.ends_with(&last4));
        assert_eq!(last4.len(), 4);
    }
}
