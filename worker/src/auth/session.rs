//! The inbox's credentials as plain functions: link and session secrets,
//! the cookie, the CSRF token and the Origin rule. Natively unit-tested.

use leadsbot_shared::encoding::base62;
use leadsbot_shared::signing::{constant_time_eq, sha256_hex};

pub const COOKIE_NAME: &str = "lb_session";
/// A sign-in link works this long, once.
pub const LINK_TTL_MS: i64 = 15 * 60 * 1000;
/// A session lasts this long from sign-in, however active.
pub const SESSION_TTL_MS: i64 = 12 * 60 * 60 * 1000;
/// `last_seen_at` is written at most this often.
pub const TOUCH_EVERY_MS: i64 = 60 * 1000;

/// A 128-bit secret for a link (`lbl_…`) or a session (`lbs_…`).
pub fn new_secret(prefix: &str, random: [u8; 16]) -> String {
    format!("{prefix}_{}", base62(&random))
}

/// Links and sessions are stored only as this hash.
pub fn secret_hash(secret: &str) -> String {
    sha256_hex(secret.as_bytes())
}

/// The session's CSRF token: derived from its secret, so it needs no storage,
/// differs per session, and cannot be computed without the cookie.
pub fn csrf_token(session_secret: &str) -> String {
    sha256_hex(format!("leadsbot-inbox-csrf:{session_secret}").as_bytes())
}

pub fn csrf_matches(session_secret: &str, given: &str) -> bool {
    constant_time_eq(csrf_token(session_secret).as_bytes(), given.as_bytes())
}

/// A state change must come from a page of this origin: browsers send
/// `Origin` on every POST; a missing or foreign one is refused.
pub fn origin_allowed(request_origin: &str, sent_origin: Option<&str>) -> bool {
    sent_origin.is_some_and(|sent| sent == request_origin)
}

/// The session secret from a `Cookie` header, if it has the right shape.
pub fn session_from_cookie(cookie_header: &str) -> Option<String> {
    cookie_header
        .split(';')
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == COOKIE_NAME)
        .map(|(_, value)| value.to_string())
        .filter(|value| value.starts_with("lbs_") && value.len() < 64 && value.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_'))
}

/// `Secure` everywhere but plain-http localhost (where browsers would drop it).
pub fn set_cookie(secret: &str, host: &str, max_age_secs: i64) -> String {
    let secure = if is_localhost(host) { "" } else { "; Secure" };
    format!("{COOKIE_NAME}={secret}; Path=/app; HttpOnly; SameSite=Lax; Max-Age={max_age_secs}{secure}")
}

pub fn clear_cookie(host: &str) -> String {
    set_cookie("", host, 0)
}

fn is_localhost(host: &str) -> bool {
    let name = host.rsplit_once(':').map_or(host, |(name, port)| if port.bytes().all(|b| b.is_ascii_digit()) { name } else { host });
    matches!(name, "localhost" | "127.0.0.1" | "[::1]")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_prefixed_random_and_hashed() {
        let a = new_secret("lbs", [1; 16]);
        assert!(a.starts_with("lbs_") && a.len() > 20);
        assert_ne!(a, new_secret("lbs", [2; 16]));
        assert_eq!(secret_hash(&a).len(), 64);
        assert_ne!(secret_hash(&a), a);
    }

    #[test]
    fn csrf_is_per_session_and_checked_exactly() {
        let (a, b) = (new_secret("lbs", [1; 16]), new_secret("lbs", [2; 16]));
        assert!(csrf_matches(&a, &csrf_token(&a)));
        assert!(!csrf_matches(&a, &csrf_token(&b)));
        assert!(!csrf_matches(&a, ""));
        assert_ne!(csrf_token(&a), secret_hash(&a), "the token is not the stored hash");
    }

    #[test]
    fn origin_must_be_sent_and_equal() {
        assert!(origin_allowed("https://x.example", Some("https://x.example")));
        assert!(!origin_allowed("https://x.example", Some("https://evil.example")));
        assert!(!origin_allowed("https://x.example", Some("null")));
        assert!(!origin_allowed("https://x.example", None));
    }

    #[test]
    fn reads_the_session_cookie_only_when_well_formed() {
        assert_eq!(session_from_cookie("a=1; lb_session=lbs_abc; b=2").as_deref(), Some("lbs_abc"));
        assert_eq!(session_from_cookie("lb_session=<script>"), None);
        assert_eq!(session_from_cookie("lb_session="), None);
        assert_eq!(session_from_cookie("other=lbs_abc"), None);
    }

    #[test]
    fn cookie_is_http_only_and_secure_outside_localhost() {
        let local = set_cookie("lbs_x", "127.0.0.1:8787", 60);
        assert!(local.contains("HttpOnly") && local.contains("SameSite=Lax") && !local.contains("Secure"));
        let public = set_cookie("lbs_x", "leads.example.com", 60);
        assert!(public.contains("; Secure"));
        assert!(set_cookie("lbs_x", "localhost.evil.com", 60).contains("; Secure"));
        assert!(clear_cookie("localhost:8787").contains("Max-Age=0"));
    }
}
