//! HMAC signatures: the ones we check on inbound server posts, and the ones we
//! put on outbound webhooks so receivers can check us with standard tools.

use crate::encoding::{from_hex, hex};
use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine;
use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};

type HmacSha256 = Hmac<Sha256>;

/// How far a signed request's timestamp may be from our clock.
pub const TIMESTAMP_TOLERANCE_SECS: i64 = 5 * 60;

/// Prefix of endpoint secrets, as in the Standard Webhooks spec.
pub const SECRET_PREFIX: &str = "whsec_";

fn hmac(key: &[u8], parts: &[&[u8]]) -> [u8; 32] {
    // HMAC accepts keys of any length, so this cannot fail.
    let mut mac = <HmacSha256 as Mac>::new_from_slice(key).expect("HMAC takes any key length");
    for part in parts {
        mac.update(part);
    }
    mac.finalize().into_bytes().into()
}

pub fn sha256_hex(data: &[u8]) -> String {
    hex(&Sha256::digest(data))
}

/// Compares in time that depends only on the lengths, so an attacker cannot
/// learn a signature byte by byte.
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// `X-LeadsBot-Signature` of a webhook: hex HMAC-SHA256 of the exact body,
/// keyed by the whole secret string, which is what a receiver passes to
/// `crypto.createHmac('sha256', secret)`.
pub fn body_signature_hex(secret: &str, body: &[u8]) -> String {
    hex(&hmac(secret.as_bytes(), &[body]))
}

/// Signature a server puts on an inbound post: hex HMAC of `{timestamp}.{body}`.
pub fn server_signature_hex(secret: &str, timestamp: &str, body: &[u8]) -> String {
    hex(&hmac(secret.as_bytes(), &[timestamp.as_bytes(), b".", body]))
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SignatureError {
    MalformedTimestamp,
    StaleTimestamp,
    Mismatch,
}

impl SignatureError {
    pub fn describe(&self) -> &'static str {
        match self {
            Self::MalformedTimestamp => "X-LeadsBot-Timestamp must be unix seconds",
            Self::StaleTimestamp => "X-LeadsBot-Timestamp is more than 5 minutes from the server's clock",
            Self::Mismatch => "X-LeadsBot-Signature does not match the body",
        }
    }
}

/// What can be checked of an inbound server signature without its secret: a
/// fresh timestamp and an HMAC-SHA256-sized hex value. Whatever fails here is
/// refused before any secret is looked up.
pub fn precheck_server_signature(timestamp: &str, signature_hex: &str, now_secs: i64) -> Result<(), SignatureError> {
    let sent_at: i64 = timestamp.trim().parse().map_err(|_| SignatureError::MalformedTimestamp)?;
    if (now_secs - sent_at).abs() > TIMESTAMP_TOLERANCE_SECS {
        return Err(SignatureError::StaleTimestamp);
    }
    match from_hex(signature_hex.trim()) {
        Some(bytes) if bytes.len() == 32 => Ok(()),
        _ => Err(SignatureError::Mismatch),
    }
}

/// Checks an inbound server signature and its freshness.
pub fn verify_server_signature(
    secret: &str,
    timestamp: &str,
    signature_hex: &str,
    body: &[u8],
    now_secs: i64,
) -> Result<(), SignatureError> {
    precheck_server_signature(timestamp, signature_hex, now_secs)?;
    let given = from_hex(signature_hex.trim()).ok_or(SignatureError::Mismatch)?;
    let expected = hmac(secret.as_bytes(), &[timestamp.trim().as_bytes(), b".", body]);
    if constant_time_eq(&given, &expected) { Ok(()) } else { Err(SignatureError::Mismatch) }
}

/// Typeform's `Typeform-Signature`: `sha256=` + base64 HMAC-SHA256 of the raw
/// body, keyed by the secret string pasted into Typeform's webhook settings.
pub fn typeform_signature(secret: &str, body: &[u8]) -> String {
    format!("sha256={}", BASE64.encode(hmac(secret.as_bytes(), &[body])))
}

/// Tally's `Tally-Signature`: base64 HMAC-SHA256 of the raw body, keyed by the
/// signing secret set on the Tally webhook (no prefix, no timestamp).
pub fn tally_signature(secret: &str, body: &[u8]) -> String {
    BASE64.encode(hmac(secret.as_bytes(), &[body]))
}

/// Whether `given_base64` is the base64 HMAC-SHA256 of `body` under `secret`,
/// compared in constant time on the decoded bytes.
pub fn verify_base64_body_signature(secret: &str, given_base64: &str, body: &[u8]) -> bool {
    let Ok(given) = BASE64.decode(given_base64.trim()) else { return false };
    constant_time_eq(&given, &hmac(secret.as_bytes(), &[body]))
}

/// A new endpoint secret from 32 random bytes: `whsec_` + base64.
pub fn new_endpoint_secret(random: [u8; 32]) -> String {
    format!("{SECRET_PREFIX}{}", BASE64.encode(random))
}

/// Standard Webhooks `webhook-signature` value: `v1,` + base64 HMAC of
/// `{id}.{timestamp}.{body}`, keyed by the base64-decoded part of the secret.
pub fn standard_webhook_signature(secret: &str, message_id: &str, timestamp: i64, body: &[u8]) -> Option<String> {
    let key = BASE64.decode(secret.strip_prefix(SECRET_PREFIX).unwrap_or(secret)).ok()?;
    let signature = hmac(&key, &[message_id.as_bytes(), b".", timestamp.to_string().as_bytes(), b".", body]);
    Some(format!("v1,{}", BASE64.encode(signature)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn body_signature_matches_a_known_vector() {
        // RFC 4231 test case 2: key "Jefe".
        assert_eq!(
            body_signature_hex("Jefe", b"what do ya want for nothing?"),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }

    #[test]
    fn server_signatures_verify_within_tolerance_only() {
        let body = br#"{"email":"a@b.co"}"#;
        let signature = server_signature_hex("s3cret", "1700000000", body);
        assert_eq!(verify_server_signature("s3cret", "1700000000", &signature, body, 1_700_000_100), Ok(()));
        assert_eq!(verify_server_signature("s3cret", "1700000000", &signature, body, 1_700_000_301), Err(SignatureError::StaleTimestamp));
        assert_eq!(verify_server_signature("other", "1700000000", &signature, body, 1_700_000_000), Err(SignatureError::Mismatch));
        assert_eq!(verify_server_signature("s3cret", "1700000000", &signature, b"{}", 1_700_000_000), Err(SignatureError::Mismatch));
        assert_eq!(verify_server_signature("s3cret", "soon", &signature, body, 0), Err(SignatureError::MalformedTimestamp));
        assert_eq!(verify_server_signature("s3cret", "1700000000", "zz", body, 1_700_000_000), Err(SignatureError::Mismatch));
    }

    #[test]
    fn standard_webhook_signature_matches_the_spec_example() {
        // The example in the Standard Webhooks specification.
        let signature = standard_webhook_signature(
            "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
            "msg_p5jXN8AQM9LWM0D4loKWxJek",
            1614265330,
            br#"{"test": 2432232314}"#,
        );
        assert_eq!(signature.as_deref(), Some("v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="));
    }

    // Vectors computed independently with Node:
    // crypto.createHmac('sha256', secret).update(body).digest('base64')
    const TOOL_SECRET: &str = "whsec_dGVzdC1zZWNyZXQtZm9yLXByZXNldHM=";
    const TOOL_BODY: &[u8] = br#"{"event_id":"LtWXD3crgy","event_type":"form_response"}"#;
    const TOOL_VECTOR: &str = "LSJ0AkNS4nLtMdAPCm79N6lBVXWRJrB4v1YE+hioSFE=";

    #[test]
    fn typeform_and_tally_signatures_match_node_vectors() {
        assert_eq!(typeform_signature(TOOL_SECRET, TOOL_BODY), format!("sha256={TOOL_VECTOR}"));
        assert_eq!(tally_signature(TOOL_SECRET, TOOL_BODY), TOOL_VECTOR);
        // A plain secret, as Typeform's docs suggest generating (any string).
        assert_eq!(typeform_signature("abc123", b"hello"), "sha256=M5Y3FmJ9DVlhekvtkcfxO887MS55uUanOTcAD6kQ4/U=");
    }

    #[test]
    fn base64_body_signatures_verify_exactly() {
        assert!(verify_base64_body_signature(TOOL_SECRET, TOOL_VECTOR, TOOL_BODY));
        assert!(!verify_base64_body_signature("other", TOOL_VECTOR, TOOL_BODY));
        assert!(!verify_base64_body_signature(TOOL_SECRET, TOOL_VECTOR, b"{}"));
        assert!(!verify_base64_body_signature(TOOL_SECRET, "not base64!", TOOL_BODY));
        assert!(!verify_base64_body_signature(TOOL_SECRET, "", TOOL_BODY));
    }

    #[test]
    fn constant_time_eq_compares_whole_values() {
        assert!(constant_time_eq(b"abc", b"abc"));
        assert!(!constant_time_eq(b"abc", b"abd"));
        assert!(!constant_time_eq(b"abc", b"ab"));
    }
}
