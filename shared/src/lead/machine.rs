//! Hidden fields that page builders add for their own bookkeeping (form and
//! post ids, page numbers, state): never something a visitor typed. Tokens,
//! nonces and captcha answers are secrets and are dropped by `privacy`;
//! `_`-prefixed names (Contact Form 7's `_wpcf7…`) by the controls' rule.

/// Whole names, lowercased.
const NAMES: &[&str] = &[
    "wpforms[id]", "wpforms[author]", "wpforms[post_id]", "wpforms[submit]", "page_id", "post_id", "form_id",
    "queried_id", "referer_title", "referrer", "referer", "action", "gform_submit", "page_title", "page_url",
    "url_referer",
];

/// Name starts (Gravity Forms numbers its fields per form).
const PREFIXES: &[&str] = &["gform_", "is_submit_", "state_", "wpcf7", "elementor_"];

/// Words anywhere in the name's letters: framework tokens that the widget
/// skipped before wire format 2 and that are not secrets `privacy` names
/// (Rails' `authenticity_…`, ASP.NET's `EventValidation`).
const WORDS: &[&str] = &["authenticity", "eventvalidation"];

pub fn is_machine_field(name: &str) -> bool {
    let name = name.trim().to_ascii_lowercase();
    let letters: String = name.chars().filter(char::is_ascii_alphanumeric).collect();
    NAMES.contains(&name.as_str())
        || PREFIXES.iter().any(|p| name.starts_with(p))
        || WORDS.iter().any(|w| letters.contains(w))
        || is_mailchimp_honeypot(&name)
}

/// Mailchimp's bot trap: `b_<user hex>_<list hex>`.
fn is_mailchimp_honeypot(name: &str) -> bool {
    name.strip_prefix("b_").is_some_and(|rest| rest.len() >= 12 && rest.contains('_') && rest.bytes().all(|b| b == b'_' || b.is_ascii_hexdigit()))
}
