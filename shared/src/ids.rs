//! Identifier and credential formats.
//!
//! Randomness is passed in, so every format is deterministic under test; the
//! worker supplies bytes from the platform CSPRNG.

use crate::credentials::{self, CredentialKind};
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

/// An unguessable id for a capture URL, naming its workspace:
/// `cap_<workspace id>_` + 128 random bits, so knowing the URL is what
/// authorises posting to it.
pub fn capture_url_id(workspace_id: &str, random: [u8; 16]) -> String {
    credentials::issue(CredentialKind::CaptureUrl, workspace_id, &random)
}

/// True when `text` has the shape of a capture URL id: new (`cap_<workspace id>_…`),
/// or old (`cap_…`, or `wh_…` from before that prefix).
pub fn is_capture_url_id(text: &str) -> bool {
    credentials::home(CredentialKind::CaptureUrl, text).is_some()
}

/// Secret API keys: `lb_sk_<workspace id>_` + 256 random bits.
pub fn api_key(workspace_id: &str, random: [u8; 32]) -> String {
    credentials::issue(CredentialKind::ApiKey, workspace_id, &random)
}

/// Characters of base62 for a public token's 16 random bytes.
const PUBLIC_TOKEN_SECRET_CHARS: usize = 24;

/// True when `text` has the shape of an API key, new or old (`lb_sk_` + 48
/// characters). Anything else cannot be a key, so it is refused without a
/// database lookup.
pub fn is_api_key_shaped(text: &str) -> bool {
    credentials::home(CredentialKind::ApiKey, text).is_some()
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
    // Up to the last `_` (the kind, and the workspace a credential names),
    // then 4 characters of the secret: enough to tell a workspace's keys apart.
    let named = secret.rfind('_').map_or(0, |at| at + 1);
    let prefix: String = secret[named..].chars().take(4).fold(secret[..named].to_string(), |mut p, c| {
        p.push(c);
        p
    });
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
        let ws = sortable_id(IdKind::Workspace, 1_700_000_000_000, [7; 10]);
        assert!(is_api_key_shaped(&api_key(&ws, [3; 32])));
        assert!(is_api_key_shaped(&format!("lb_sk_{}", base62(&[3; 32]))), "keys made before they named their workspace");
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
    fn capture_url_ids_carry_their_workspace_and_128_random_bits() {
        let ws = sortable_id(IdKind::Workspace, 1_700_000_000_000, [7; 10]);
        let id = capture_url_id(&ws, [0xab; 16]);
        assert!(id.starts_with(&format!("cap_{ws}_")) && is_capture_url_id(&id), "{id}");
        assert_ne!(capture_url_id(&ws, [1; 16]), capture_url_id(&ws, [2; 16]));
    }

    #[test]
    fn capture_url_ids_made_before_they_named_their_workspace_still_count() {
        let body = base62(&[0xab; 16]);
        assert!(is_capture_url_id(&format!("wh_{body}")));
        assert!(is_capture_url_id(&format!("cap_{body}")));
        for bad in [format!("ep_{body}"), format!("cap{body}"), format!("wh_{}", &body[1..]), "cap_".into(), String::new()] {
            assert!(!is_capture_url_id(&bad), "{bad}");
        }
    }

    #[test]
    fn redaction_keeps_prefix_and_last_four() {
        let key = api_key(&sortable_id(IdKind::Workspace, 1, [7; 10]), [5; 32]);
        let (prefix, last4) = redacted_parts(&key);
        assert!(key.starts_with(&prefix));
        assert!(key.ends_with(&last4));
        assert_eq!(last4.len(), 4);
        let ws = sortable_id(IdKind::Workspace, 1, [7; 10]);
        let other = api_key(&ws, [6; 32]);
        assert_ne!(redacted_parts(&other).0, prefix, "a workspace's keys are told apart by their prefix");
        assert_eq!(prefix.len(), format!("lb_sk_{ws}_").len() + 4, "the kind, the workspace, 4 characters of the secret");
        assert_eq!(redacted_parts("lb_sk_abcdefgh12345678").0, "lb_sk_abcd", "an old key: as before");
    }
}
