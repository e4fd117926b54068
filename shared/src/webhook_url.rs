//! Where LeadsBot may send a request: the one rule for every outbound URL
//! (webhook endpoints and the Telegram API), checked when a URL is given and
//! again before every attempt.
//!
//! Hosts are judged after parsing with the `url` crate, which follows the
//! WHATWG URL standard like the runtime's `fetch`: `0x7f000001`, `2130706433`,
//! `127.1`, `0177.0.0.1`, `%31%32%37.0.0.1` and full-width digits are all
//! 127.0.0.1 to it, and so to us. Names that merely *resolve* to a private
//! address cannot be judged without a DNS lookup; that is left to the platform.

mod ranges;
#[cfg(test)]
mod tests;

pub use ranges::{embedded_ipv4, refused_ipv4, refused_ipv6, Ipv6Refusal, Range};
use std::fmt;
use std::net::Ipv4Addr;
use url::{Host, Url};

const MAX_URL_CHARS: usize = 2000;

/// Name suffixes that only mean something on a private network.
const PRIVATE_SUFFIXES: [&str; 4] = ["localhost", "local", "internal", "home.arpa"];

/// `WEBHOOK_URL_POLICY`: production sends only to public https receivers;
/// `allow-localhost` (local development and tests) also allows
/// `http(s)://127.0.0.1` and `http(s)://localhost`, written exactly so.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UrlPolicy {
    PublicHttpsOnly,
    AllowLocalhost,
}

impl UrlPolicy {
    /// Anything but the exact dev value is the strict policy (fails closed).
    pub fn from_setting(setting: Option<&str>) -> Self {
        match setting.map(str::trim) {
            Some("allow-localhost") => Self::AllowLocalhost,
            _ => Self::PublicHttpsOnly,
        }
    }
}

/// A URL that may receive our requests. The only way to make one is `parse`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookUrl(Url);

/// Why a URL may not receive requests. Messages name the host, never the
/// path (the Telegram API URL carries the bot token in its path).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UrlError {
    TooLong,
    Malformed,
    Credentials,
    HttpsRequired,
    PrivateName { host: String, rule: &'static str },
    PrivateAddress { host: String, range: Range },
    EmbedsPrivateAddress { host: String, embedded: Ipv4Addr, range: Range },
}

impl WebhookUrl {
    pub fn parse(text: &str, policy: UrlPolicy) -> Result<Self, UrlError> {
        let text = text.trim();
        if text.chars().count() > MAX_URL_CHARS {
            return Err(UrlError::TooLong);
        }
        let url = Url::parse(text).map_err(|_| UrlError::Malformed)?;
        if !matches!(url.scheme(), "https" | "http") {
            return Err(UrlError::HttpsRequired);
        }
        if !url.username().is_empty() || url.password().is_some() {
            return Err(UrlError::Credentials);
        }
        let host = url.host().ok_or(UrlError::Malformed)?;
        if policy == UrlPolicy::AllowLocalhost && written_as_local_dev_host(text, &url) {
            return Ok(Self(url));
        }
        check_host(&host)?;
        if url.scheme() != "https" {
            return Err(UrlError::HttpsRequired);
        }
        Ok(Self(url))
    }

    pub fn as_str(&self) -> &str {
        self.0.as_str()
    }
}

impl AsRef<str> for WebhookUrl {
    fn as_ref(&self) -> &str {
        self.as_str()
    }
}

/// The dev exception is for what a developer types, `127.0.0.1` or
/// `localhost`, not for every spelling that reaches this machine: the parsed
/// host must be one of the two and the text must say so literally (any
/// case), so `0x7f000001`, `127.1`, `[::1]` and `localhost.` stay refused.
fn written_as_local_dev_host(text: &str, url: &Url) -> bool {
    let host = match url.host() {
        Some(Host::Ipv4(address)) if address == Ipv4Addr::LOCALHOST => "127.0.0.1",
        Some(Host::Domain("localhost")) => "localhost",
        _ => return false,
    };
    let lower = text.to_ascii_lowercase();
    let after_host = lower.strip_prefix(url.scheme()).and_then(|rest| rest.strip_prefix("://")).and_then(|rest| rest.strip_prefix(host));
    matches!(after_host.map(|rest| rest.chars().next()), Some(None | Some(':' | '/' | '?' | '#')))
}

fn check_host(host: &Host<&str>) -> Result<(), UrlError> {
    match *host {
        Host::Domain(name) => match private_name_rule(name) {
            Some(rule) => Err(UrlError::PrivateName { host: name.to_string(), rule }),
            None => Ok(()),
        },
        Host::Ipv4(address) => match refused_ipv4(address) {
            Some(range) => Err(UrlError::PrivateAddress { host: address.to_string(), range }),
            None => Ok(()),
        },
        Host::Ipv6(address) => match refused_ipv6(address) {
            Some(Ipv6Refusal::Range(range)) => Err(UrlError::PrivateAddress { host: format!("[{address}]"), range }),
            Some(Ipv6Refusal::Embeds(embedded, range)) => Err(UrlError::EmbedsPrivateAddress { host: format!("[{address}]"), embedded, range }),
            None => Ok(()),
        },
    }
}

/// Which private-name rule a host name falls under (the `url` crate has
/// already lower-cased it and mapped Unicode look-alikes). Trailing dots are
/// ignored, as resolvers do; a name without a dot is resolved through the
/// local search list, so it is private too.
fn private_name_rule(name: &str) -> Option<&'static str> {
    let name = name.trim_end_matches('.');
    if let Some(suffix) = PRIVATE_SUFFIXES.iter().find(|s| name == **s || name.strip_suffix(**s).is_some_and(|rest| rest.ends_with('.'))) {
        return Some(match *suffix {
            "localhost" => "localhost and *.localhost",
            "local" => "*.local (mDNS)",
            "internal" => "*.internal",
            _ => "*.home.arpa",
        });
    }
    (!name.contains('.')).then_some("names without a dot (resolved on the local network)")
}

impl UrlError {
    /// The machine-readable code of the 422 field error.
    pub fn code(&self) -> &'static str {
        match self {
            Self::TooLong => "too_long",
            Self::Malformed => "invalid_url",
            Self::Credentials => "credentials_in_url",
            Self::HttpsRequired => "https_required",
            Self::PrivateName { .. } | Self::PrivateAddress { .. } | Self::EmbedsPrivateAddress { .. } => "private_host",
        }
    }
}

const PUBLIC_ONLY: &str = "receivers must be on the public internet";

impl fmt::Display for UrlError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::TooLong => write!(f, "url must be at most {MAX_URL_CHARS} characters"),
            Self::Malformed => write!(f, "url must be an absolute https URL"),
            Self::Credentials => write!(f, "url must not carry credentials (user:password@)"),
            Self::HttpsRequired => write!(f, "url must use https (http only to 127.0.0.1 or localhost when WEBHOOK_URL_POLICY=allow-localhost)"),
            Self::PrivateName { host, rule } => write!(f, "url host {host} is a private name ({rule}); {PUBLIC_ONLY}"),
            Self::PrivateAddress { host, range } => write!(f, "url host {host} is a {} address ({}); {PUBLIC_ONLY}", range.kind, range.cidr),
            Self::EmbedsPrivateAddress { host, embedded, range } => {
                write!(f, "url host {host} embeds {embedded}, a {} address ({}); {PUBLIC_ONLY}", range.kind, range.cidr)
            }
        }
    }
}

impl std::error::Error for UrlError {}

impl From<&UrlError> for crate::FieldError {
    fn from(error: &UrlError) -> Self {
        crate::FieldError::new("url", error.code(), error.to_string())
    }
}
