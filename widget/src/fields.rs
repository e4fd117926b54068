//! Which lead field a form control feeds, decided from what the page tells us.
//!
//! Pure functions of the control's attributes, so the rules are unit-tested natively.

use crate::text::has;
use alloc::string::String;
/// What the loader saw on one form control.
#[derive(Debug, Clone, Copy, Default)]
pub struct Hints<'a> {
    /// `data-leadsbot-field`, which always wins.
    pub explicit: &'a str,
    /// The control's `type` (`email`, `tel`, `hidden`, `textarea`, `select-one`…).
    pub kind: &'a str,
    pub name: &'a str,
    pub autocomplete: &'a str,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target<'a> {
    Email,
    Name,
    Phone,
    Company,
    Message,
    /// The `_gotcha` honeypot: sent on its own so the server can mark spam.
    Honeypot,
    Custom(&'a str),
    Skip,
}

const EMAIL_NAMES: &[&str] = &["email", "emailaddress", "youremail", "mail"];
const NAME_NAMES: &[&str] = &[
    "name", "fullname", "yourname", "firstname", "lastname", "fname", "lname", "givenname",
    "familyname", "surname", "contactname",
];
const PHONE_NAMES: &[&str] = &["phone", "phonenumber", "tel", "telephone", "mobile", "cell", "yourphone"];
const COMPANY_NAMES: &[&str] = &["company", "companyname", "organization", "organisation", "org", "business"];
const MESSAGE_NAMES: &[&str] = &[
    "message", "yourmessage", "comments", "comment", "msg", "body", "enquiry", "inquiry", "details",
    "question", "notes",
];

/// Words that mark machine tokens rather than anything a visitor typed. Huge ones
/// (`__VIEWSTATE`, captcha responses) would also push the lead over the size limits.
const TOKEN_WORDS: &[&str] = &[
    "csrf", "xsrf", "token", "nonce", "authenticity", "verification", "viewstate", "eventvalidation",
    "captcha", "turnstile",
];

pub fn classify<'a>(hints: &Hints<'a>) -> Target<'a> {
    if !hints.explicit.is_empty() {
        return by_explicit(hints.explicit);
    }
    if hints.name == "_gotcha" {
        return Target::Honeypot;
    }
    let name = key_of(hints.name);
    if is_machine_token(hints.kind, hints.name, &name) {
        return Target::Skip;
    }
    by_kind(hints.kind)
        .or_else(|| by_autocomplete(hints.autocomplete))
        .or_else(|| by_name(&name))
        .unwrap_or(if hints.name.is_empty() { Target::Skip } else { Target::Custom(hints.name) })
}

fn by_explicit(explicit: &str) -> Target<'_> {
    let explicit = explicit.trim_ascii();
    let known = [
        ("email", Target::Email),
        ("name", Target::Name),
        ("phone", Target::Phone),
        ("company", Target::Company),
        ("message", Target::Message),
    ];
    known
        .into_iter()
        .find(|(word, _)| word.eq_ignore_ascii_case(explicit))
        .map_or(Target::Custom(explicit), |(_, target)| target)
}

/// Controls that never carry a lead: secrets, files, buttons (the loader drops
/// most of these already; this is the second fence), and hidden or `_`-prefixed
/// machine fields.
fn is_machine_token(kind: &str, raw_name: &str, name: &str) -> bool {
    const NEVER: &[&str] = &["password", "file", "submit", "button", "reset", "image", "fieldset"];
    NEVER.contains(&kind)
        || raw_name.starts_with('_')
        || TOKEN_WORDS.iter().any(|word| has(name, word))
}

fn by_kind(kind: &str) -> Option<Target<'static>> {
    match kind {
        "email" => Some(Target::Email),
        "tel" => Some(Target::Phone),
        _ => None,
    }
}

/// `autocomplete` may carry section and address-type tokens first
/// (`section-billing work email`); the field name is the last token.
fn by_autocomplete(autocomplete: &str) -> Option<Target<'static>> {
    let token = autocomplete.as_bytes().rsplit(u8::is_ascii_whitespace).find(|t| !t.is_empty())?;
    let is = |word: &str| token.eq_ignore_ascii_case(word.as_bytes());
    if is("email") {
        Some(Target::Email)
    } else if ["name", "given-name", "family-name", "additional-name", "nickname"].into_iter().any(is) {
        Some(Target::Name)
    } else if is("organization") {
        Some(Target::Company)
    } else {
        token.get(..3).filter(|prefix| prefix.eq_ignore_ascii_case(b"tel")).map(|_| Target::Phone)
    }
}

fn by_name(name: &str) -> Option<Target<'static>> {
    let groups = [
        (EMAIL_NAMES, Target::Email),
        (NAME_NAMES, Target::Name),
        (PHONE_NAMES, Target::Phone),
        (COMPANY_NAMES, Target::Company),
        (MESSAGE_NAMES, Target::Message),
    ];
    if let Some((_, target)) = groups.iter().find(|(names, _)| names.contains(&name)) {
        return Some(*target);
    }
    if has(name, "email") {
        return Some(Target::Email);
    }
    has(name, "phone").then_some(Target::Phone)
}

/// A name reduced to lowercase letters and digits, taking the innermost bracket
/// segment so `contact[email]` (Shopify) and `your-email` (Contact Form 7) read as `email`.
/// Works on bytes: names are matched on their ASCII letters only.
pub fn key_of(name: &str) -> String {
    let bytes = name.as_bytes();
    let end = bytes.iter().rposition(|&b| b != b']').map_or(0, |last| last + 1);
    let trimmed = bytes.get(..end).unwrap_or(bytes);
    let inner = trimmed.rsplit(|&b| b == b'[').find(|segment| !segment.is_empty()).unwrap_or(bytes);
    // Pushed one by one rather than collected from chars: `FromIterator<char>`
    // is generic UTF-8 encoding code, and these are ASCII.
    let mut key = String::with_capacity(inner.len());
    for b in inner.iter().filter(|b| b.is_ascii_alphanumeric()) {
        key.push(b.to_ascii_lowercase() as char);
    }
    key
}

#[cfg(test)]
mod tests;
