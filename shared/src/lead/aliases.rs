//! The one table of field names: which lead attribute a posted field or a
//! widget control feeds. Every capture path (JSON, urlencoded, multipart,
//! capture URLs, the widget) reads it, so a new alias is one edit here.
//!
//! Names are compared as keys: the innermost bracket segment, lowercased,
//! letters and digits only, so `E-mail`, `your-email` (Contact Form 7),
//! `contact[email]` (Shopify) and `fields[email]` all read as `email`.

/// Lead attribute → the keys that mean it (the attribute's own key first).
const ALIASES: &[(&str, &[&str])] = &[
    ("email", &["email", "emailaddress", "youremail", "mail"]),
    ("name", &["name", "fullname", "yourname", "contactname"]),
    ("phone", &["phone", "phonenumber", "tel", "telephone", "mobile", "cell", "yourphone"]),
    ("company", &["company", "companyname", "yourcompany", "organization", "organisation", "org", "business"]),
    (
        "message",
        &[
            "message", "yourmessage", "comments", "comment", "msg", "body", "enquiry", "inquiry", "details",
            "question", "notes",
        ],
    ),
    ("page_url", &["pageurl", "landingpage", "landingpageurl", "url"]),
    ("referrer", &["referrer", "referer"]),
];

/// Parts of a name, joined (first, then last) when no full name was given.
/// (`wpforms[fields][1][first]` reads as `first`.)
pub const FIRST_NAME_KEYS: &[&str] = &["firstname", "fname", "givenname", "first"];
pub const LAST_NAME_KEYS: &[&str] = &["lastname", "lname", "familyname", "surname", "last"];

/// A field name as the table compares it.
pub fn key_of(name: &str) -> String {
    let trimmed = name.trim().trim_end_matches(']');
    let inner = trimmed.rsplit('[').find(|segment| !segment.is_empty()).unwrap_or(trimmed);
    inner.chars().filter(char::is_ascii_alphanumeric).map(|c| c.to_ascii_lowercase()).collect()
}

/// The attribute a field name feeds by the table alone (exact keys only).
pub fn exact_attribute(name: &str) -> Option<&'static str> {
    let key = key_of(name);
    ALIASES.iter().find(|(_, keys)| keys.contains(&key.as_str())).map(|(attribute, _)| *attribute)
}

/// What a name part is: `Some(true)` first, `Some(false)` last.
pub fn name_part(name: &str) -> Option<bool> {
    let key = key_of(name);
    if FIRST_NAME_KEYS.contains(&key.as_str()) {
        Some(true)
    } else {
        LAST_NAME_KEYS.contains(&key.as_str()).then_some(false)
    }
}

/// The attribute a field name feeds: the table, then names that merely hold
/// `email` or `phone` (`work_email`, `phone_mobile`), the weaker signal.
pub fn attribute_for(name: &str) -> Option<&'static str> {
    if let Some(attribute) = exact_attribute(name) {
        return Some(attribute);
    }
    let key = key_of(name);
    if name_part(name).is_some() {
        Some("name")
    } else if key.contains("email") {
        Some("email")
    } else {
        key.contains("phone").then_some("phone")
    }
}

/// Every key the table knows, for "is this field consumed by an attribute".
pub fn is_known_key(name: &str) -> bool {
    exact_attribute(name).is_some() || name_part(name).is_some()
}

/// `autocomplete` may carry section and address-type tokens first
/// (`section-billing work email`); the field name is the last token.
pub fn autocomplete_attribute(autocomplete: &str) -> Option<&'static str> {
    let token = autocomplete.split_ascii_whitespace().last()?.to_ascii_lowercase();
    match token.as_str() {
        "email" => Some("email"),
        "name" | "given-name" | "family-name" | "additional-name" | "nickname" => Some("name"),
        "organization" => Some("company"),
        t if t.starts_with("tel") => Some("phone"),
        _ => None,
    }
}

/// An `<input type>` that says what it holds.
pub fn type_attribute(kind: &str) -> Option<&'static str> {
    match kind.to_ascii_lowercase().as_str() {
        "email" => Some("email"),
        "tel" => Some("phone"),
        _ => None,
    }
}
