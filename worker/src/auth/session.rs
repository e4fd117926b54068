//! The inbox's credentials as plain functions: link and session secrets,
//! the cookie, the CSRF token and the Origin rule. Natively unit-tested.

use leadsbot_shared::credentials::{issue, named, CredentialKind};
use leadsbot_shared::signing::{body_signature_hex, constant_time_eq, sha256_hex};

/// The session cookie over https (and anywhere but plain-http localhost):
/// the `__Host-` prefix makes browsers take it only with `Secure`, `Path=/`
/// and no `Domain`, so no sibling subdomain can set or shadow it.
pub const HOST_COOKIE_NAME: &str = "__Host-lb_session";
/// The session cookie on plain-http localhost, where browsers drop `Secure`
/// cookies (and so refuse `__Host-` ones).
pub const PLAIN_COOKIE_NAME: &str = "lb_session";
/// A sign-in link works this long, once.
pub const LINK_TTL_MS: i64 = 15 * 60 * 1000;
/// An invitation's link works this long, once.
pub const INVITATION_TTL_MS: i64 = 7 * 24 * 60 * 60 * 1000;
/// A session lasts this long from sign-in, however active.
pub const SESSION_TTL_MS: i64 = 12 * 60 * 60 * 1000;
/// `last_seen_at` is written at most this often.
pub const TOUCH_EVERY_MS: i64 = 60 * 1000;

/// A 128-bit secret for a link (`lbl_<workspace id>_…`) or a session
/// (`lbs_<workspace id>_…`): it names its workspace, where it is looked up.
pub fn new_secret(kind: CredentialKind, workspace_id: &str, random: [u8; 16]) -> String {
    issue(kind, workspace_id, &random)
}

/// The secret of a link sent by email, derived from the link's id with the
/// deployment's key: the job that sends it keeps only the id, so neither
/// the outbox nor the links table holds a usable link. It names its
/// workspace; a mail written before links did (`workspace_id` None) keeps
/// the old form, whose hash its link row holds.
pub fn emailed_link_secret(key: &str, link_id: &str, workspace_id: Option<&str>) -> String {
    let mut mac = body_signature_hex(key, format!("emailed-inbox-link\n{link_id}").as_bytes());
    mac.truncate(40);
    match workspace_id {
        Some(workspace_id) => named(CredentialKind::Link, workspace_id, &mac),
        None => format!("lbl_{mac}"),
    }
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

/// Where a request came to: its `host[:port]` and whether over https.
#[derive(Clone, Copy)]
pub struct Site<'a> {
    pub host: &'a str,
    pub https: bool,
}

impl Site<'_> {
    /// Plain-http localhost: the one place the cookie cannot be `Secure`.
    fn is_plain_localhost(&self) -> bool {
        !self.https && is_localhost(self.host)
    }

    pub fn cookie_name(&self) -> &'static str {
        if self.is_plain_localhost() { PLAIN_COOKIE_NAME } else { HOST_COOKIE_NAME }
    }
}

/// What a `Cookie` header holds of the session cookie (by this site's name).
#[derive(Debug, PartialEq, Eq)]
pub enum SessionCookie {
    /// None, or one that cannot be a session secret.
    Absent,
    One(String),
    /// Two or more: one may be planted (a cookie set for a longer path or a
    /// parent domain is sent beside ours, in an order the browser picks), so
    /// none is trusted.
    Several,
}

/// A session cookie is at most this long: its secret is 58 characters
/// (`lbs_<workspace id>_` + 24; 28 for sessions made before they named
/// their workspace), so anything longer is refused unread.
const MAX_SESSION_COOKIE_CHARS: usize = 64;

/// The session cookie of a `Cookie` header, if there is exactly one and it has the right shape
/// (new or old: which one, and so where it is looked up, `credentials::home` tells).
pub fn session_from_cookie(cookie_header: &str, site: Site) -> SessionCookie {
    let name = site.cookie_name();
    let mut values = cookie_header.split(';').filter_map(|pair| pair.trim().split_once('=')).filter(|(n, _)| *n == name).map(|(_, v)| v);
    match (values.next(), values.next()) {
        (Some(_), Some(_)) => SessionCookie::Several,
        (Some(value), None) if value.starts_with("lbs_") && value.len() < MAX_SESSION_COOKIE_CHARS && value.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') => {
            SessionCookie::One(value.to_string())
        }
        _ => SessionCookie::Absent,
    }
}

/// The session cookie: `__Host-lb_session` with `Secure` and `Path=/`, or
/// plain `lb_session` on plain-http localhost.
pub fn set_cookie(secret: &str, site: Site, max_age_secs: i64) -> String {
    let secure = if site.is_plain_localhost() { "" } else { "; Secure" };
    format!("{}={secret}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age_secs}{secure}", site.cookie_name())
}

/// Clears the session cookie, and the one earlier releases set (plain
/// `lb_session` scoped to `/app`), so a jar holding both is not refused again.
pub fn clear_cookies(site: Site) -> [String; 2] {
    let secure = if site.is_plain_localhost() { "" } else { "; Secure" };
    [set_cookie("", site, 0), format!("{PLAIN_COOKIE_NAME}=; Path=/app; HttpOnly; SameSite=Lax; Max-Age=0{secure}")]
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
        let a = new_secret(CredentialKind::Session, WS, [1; 16]);
        assert!(a.starts_with(&format!("lbs_{WS}_")) && a.len() > 40, "{a}");
        assert_ne!(a, new_secret(CredentialKind::Session, WS, [2; 16]));
        assert_eq!(secret_hash(&a).len(), 64);
        assert_ne!(secret_hash(&a), a);
    }

    #[test]
    fn an_emailed_links_secret_needs_the_key() {
        let secret = emailed_link_secret("key", "lnk_1", Some(WS));
        assert_eq!(secret, emailed_link_secret("key", "lnk_1", Some(WS)), "every retry sends the same link");
        assert_ne!(secret, emailed_link_secret("other key", "lnk_1", Some(WS)));
        assert_ne!(secret, emailed_link_secret("key", "lnk_2", Some(WS)));
        assert!(secret.starts_with(&format!("lbl_{WS}_")) && secret.len() == 74 && !secret.contains("lnk_1"), "{secret}");
    }

    #[test]
    fn a_mail_written_before_links_named_their_workspace_sends_the_old_form() {
        let old = emailed_link_secret("key", "lnk_1", None);
        assert!(old.starts_with("lbl_") && old.len() == 44, "{old}");
        assert_eq!(old[4..], emailed_link_secret("key", "lnk_1", Some(WS))[34..], "the same MAC");
    }

    #[test]
    fn csrf_is_per_session_and_checked_exactly() {
        let (a, b) = (new_secret(CredentialKind::Session, WS, [1; 16]), new_secret(CredentialKind::Session, WS, [2; 16]));
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

    const WS: &str = "ws_01HGW2N7EB0000000000000000";

    #[test]
    fn a_session_cookie_naming_its_workspace_fits_the_shape_check() {
        let new = new_secret(CredentialKind::Session, WS, [9; 16]);
        assert_eq!(session_from_cookie(&format!("lb_session={new}"), LOCAL), SessionCookie::One(new));
    }

    const LOCAL: Site = Site { host: "127.0.0.1:8787", https: false };
    const PUBLIC: Site = Site { host: "leads.example.com", https: true };

    #[test]
    fn reads_the_session_cookie_only_when_well_formed() {
        let one = |secret: &str| SessionCookie::One(secret.into());
        assert_eq!(session_from_cookie("a=1; lb_session=lbs_abc; b=2", LOCAL), one("lbs_abc"));
        assert_eq!(session_from_cookie("lb_session=<script>", LOCAL), SessionCookie::Absent);
        assert_eq!(session_from_cookie("lb_session=", LOCAL), SessionCookie::Absent);
        assert_eq!(session_from_cookie("other=lbs_abc", LOCAL), SessionCookie::Absent);
        assert_eq!(session_from_cookie("__Host-lb_session=lbs_abc", PUBLIC), one("lbs_abc"));
    }

    #[test]
    fn over_https_only_the_host_prefixed_cookie_counts() {
        assert_eq!(session_from_cookie("lb_session=lbs_planted", PUBLIC), SessionCookie::Absent);
        assert_eq!(session_from_cookie("lb_session=lbs_planted; __Host-lb_session=lbs_ours", PUBLIC), SessionCookie::One("lbs_ours".into()));
        assert_eq!(session_from_cookie("__Host-lb_session=lbs_ours", LOCAL), SessionCookie::Absent);
        let http_elsewhere = Site { host: "leads.example.com", https: false };
        assert_eq!(http_elsewhere.cookie_name(), HOST_COOKIE_NAME, "only localhost gets the plain name");
    }

    #[test]
    fn two_session_cookies_are_refused_whatever_their_order() {
        assert_eq!(session_from_cookie("lb_session=lbs_a; lb_session=lbs_b", LOCAL), SessionCookie::Several);
        assert_eq!(session_from_cookie("__Host-lb_session=lbs_a; x=1; __Host-lb_session=lbs_b", PUBLIC), SessionCookie::Several);
        assert_eq!(session_from_cookie("lb_session=junk; lb_session=lbs_b", LOCAL), SessionCookie::Several);
    }

    #[test]
    fn cookie_is_host_prefixed_secure_and_site_wide_outside_plain_localhost() {
        let local = set_cookie("lbs_x", LOCAL, 60);
        assert_eq!(local, "lb_session=lbs_x; Path=/; HttpOnly; SameSite=Lax; Max-Age=60");
        let public = set_cookie("lbs_x", PUBLIC, 60);
        assert_eq!(public, "__Host-lb_session=lbs_x; Path=/; HttpOnly; SameSite=Lax; Max-Age=60; Secure");
        assert!(!public.contains("Domain"), "a __Host- cookie has no Domain");
        assert!(set_cookie("lbs_x", Site { host: "localhost.evil.com", https: false }, 60).starts_with("__Host-lb_session=lbs_x;"));
        assert!(set_cookie("lbs_x", Site { host: "localhost:8787", https: true }, 60).ends_with("; Secure"));
        let cleared = clear_cookies(PUBLIC);
        assert!(cleared[0].starts_with("__Host-lb_session=;") && cleared[0].contains("Max-Age=0"));
        assert!(cleared[1].starts_with("lb_session=; Path=/app;") && cleared[1].contains("Max-Age=0"));
    }
}
