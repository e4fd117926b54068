//! Page URLs and referrers are kept without the query parameters that carry
//! secrets: password-reset and magic-link tokens, OAuth codes, session ids,
//! signed-URL signatures. Everything else (`utm_*`, `gclid`, `fbclid`, a
//! product id) stays, in order and exactly as written.

use super::words;

/// Words that mark a secret when they are a whole word of the parameter's name
/// (`api_key`, `resetToken`, `code`), but not inside another word (`keyword`,
/// `design`, `author`).
const SECRET_PARAM_WORDS: &[&str] = &[
    "code", "key", "pass", "pwd", "reset", "auth", "oauth", "sig", "otp", "sid", "nonce", "ticket", "hmac",
];

/// Longer marks, found anywhere in the name's letters (`PHPSESSID`, `X-Amz-Credential`).
const SECRET_PARAM_PARTS: &[&str] = &[
    "token", "password", "passwd", "passphrase", "session", "sessid", "secret", "signature", "apikey",
    "accesskey", "privatekey", "credential", "jwt",
];

/// Whether a query parameter's name (as written, percent-encoded or not) marks a secret.
pub fn is_secret_param(name: &str) -> bool {
    let decoded = crate::body::percent_decode(name).unwrap_or_else(|_| name.to_string());
    let words = words(&decoded);
    let compact = words.concat();
    words.iter().any(|word| SECRET_PARAM_WORDS.contains(&word.as_str()))
        || SECRET_PARAM_PARTS.iter().any(|part| compact.contains(part))
}

/// The URL without its secret-carrying query parameters, in the query and in a
/// fragment that carries parameters too (`#access_token=…`, `#/reset?token=…`).
/// Not parsed as a URL: the text is kept as it was sent, only pairs are removed.
pub fn without_secret_params(url: &str) -> String {
    let (before_fragment, fragment) = match url.split_once('#') {
        Some((before, fragment)) => (before, Some(fragment)),
        None => (url, None),
    };
    let mut kept = with_kept_query(before_fragment);
    if let Some(fragment) = fragment {
        let fragment = if fragment.contains('?') || !fragment.contains('=') {
            with_kept_query(fragment)
        } else {
            kept_pairs(fragment)
        };
        if !fragment.is_empty() {
            kept.push('#');
            kept.push_str(&fragment);
        }
    }
    kept
}

/// `path?query` with only the kept pairs (and no `?` when none is left).
fn with_kept_query(text: &str) -> String {
    match text.split_once('?') {
        Some((path, query)) => {
            let query = kept_pairs(query);
            if query.is_empty() { path.to_string() } else { format!("{path}?{query}") }
        }
        None => text.to_string(),
    }
}

fn kept_pairs(query: &str) -> String {
    let kept: Vec<&str> = query
        .split('&')
        .filter(|pair| !pair.is_empty())
        .filter(|pair| !is_secret_param(pair.split_once('=').map_or(*pair, |(name, _)| name)))
        .collect();
    kept.join("&")
}
