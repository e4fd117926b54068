//! What LeadsBot never keeps: payment card, bank and identity numbers,
//! passwords and one-time codes, machine tokens, and secrets in URLs.
//!
//! The one statement of the rule. The server applies it to every capture path
//! (`lead::parse_lead`), as a second fence behind the browser: the widget's
//! loader (`widget/loader/widget.js`) must filter before anything is stored or
//! sent, before any wasm exists, so it carries a JavaScript copy. Both copies
//! are tested against one corpus, `tests/fixtures/privacy.json`: natively here,
//! and in Chromium by `tests/widget-privacy.test.mjs`; a native test also reads
//! the loader's regex and checks it names exactly the words listed here.
//!
//! Names are read as words: split at anything that is not an ASCII letter or
//! digit and where a lowercase letter meets an uppercase one, then lowercased,
//! so `cardNumber`, `card-number` and `payment[card_number]` all hold the words
//! `card number`, while `discount_code`, `accept` or `occupation` hold no
//! sensitive word.

use serde_json::Value;

/// Whole words that name a secret: payment cards, bank and identity numbers,
/// passwords and one-time codes.
const SECRET_WORDS: &[&str] = &[
    "card", "cards", "cc", "ccv", "cvv", "cvc", "cvv2", "cvc2", "csc", "creditcard", "cardholder", "iban", "ssn",
    "pass", "pwd", "otp", "totp", "secret",
];

/// Two words that name a secret together, written apart (`card_number`,
/// `cardNumber`) or as one word (`cardnumber`).
const SECRET_PAIRS: &[(&[&str], &[&str])] = &[
    (&["card", "cc", "account", "acct", "routing"], &["num", "number", "no"]),
    (&["security", "sort"], &["code"]),
    (&["exp"], &["date", "month", "year"]),
    (&["mm"], &["yy"]),
    (&["bank"], &["account"]),
    (&["social"], &["security"]),
    (&["national"], &["id", "insurance"]),
    (&["tax"], &["id", "num", "number", "no"]),
];

/// Marks found anywhere in a name's letters: machine tokens (anti-forgery
/// tokens, view state, captcha answers), and long words no innocent name holds.
const SECRET_PARTS: &[&str] = &[
    "csrf", "xsrf", "token", "nonce", "verification", "viewstate", "captcha", "turnstile", "password", "passwd",
    "passport", "expiry", "expiration", "onetimecode",
];

/// One form control as a browser describes it; the server only knows names and values.
#[derive(Debug, Clone, Copy, Default)]
pub struct Control<'a> {
    /// The control's `type` (`text`, `password`, `hidden`…).
    pub kind: &'a str,
    pub name: &'a str,
    pub autocomplete: &'a str,
    pub value: &'a str,
}

/// Whether a control holds something that must never be stored or sent. Its
/// `autocomplete` is read as more words of its name (`cc-number`, `new-password`,
/// `one-time-code`).
pub fn is_secret_control(control: &Control) -> bool {
    control.kind.eq_ignore_ascii_case("password")
        || is_secret_name(&format!("{} {}", control.name, control.autocomplete))
        || is_card_number(control.value)
}

/// A posted field (a custom field on the server) that must be dropped: its
/// name is sensitive, or its value (or any item of a list) is a card number.
pub fn is_secret_field(name: &str, value: &Value) -> bool {
    let card = |value: &Value| match value {
        Value::String(text) => is_card_number(text),
        Value::Number(number) => is_card_number(&number.to_string()),
        _ => false,
    };
    is_secret_name(name) || card(value) || value.as_array().is_some_and(|items| items.iter().any(card))
}

pub fn is_secret_name(name: &str) -> bool {
    let words = words(name);
    let joined = format!("_{}_", words.join("_"));
    let has_phrase = |phrase: &str| joined.contains(&format!("_{phrase}_"));
    let has_pair = |(firsts, seconds): &(&[&str], &[&str])| {
        firsts.iter().any(|a| seconds.iter().any(|b| has_phrase(&format!("{a}_{b}")) || has_phrase(&format!("{a}{b}"))))
    };
    let compact = words.concat();
    SECRET_WORDS.iter().any(|word| has_phrase(word))
        || SECRET_PAIRS.iter().any(has_pair)
        || SECRET_PARTS.iter().any(|part| compact.contains(part))
}

/// 13 to 19 digits (spaces and dashes allowed between them) that pass the Luhn check.
pub fn is_card_number(value: &str) -> bool {
    let digits: Option<Vec<u32>> = value.chars().filter(|c| !matches!(c, ' ' | '-')).map(|c| c.to_digit(10)).collect();
    let Some(digits) = digits.filter(|d| (13..=19).contains(&d.len())) else { return false };
    let sum: u32 = digits
        .iter()
        .rev()
        .enumerate()
        .map(|(i, &d)| if i % 2 == 1 { if d * 2 > 9 { d * 2 - 9 } else { d * 2 } } else { d })
        .sum();
    sum % 10 == 0
}

/// A name's words: ASCII letters and digits, split where a lowercase letter
/// meets an uppercase one, lowercased.
pub fn words(name: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut current = String::new();
    let mut after_lowercase = false;
    for c in name.chars() {
        let boundary = !c.is_ascii_alphanumeric() || (after_lowercase && c.is_ascii_uppercase());
        if boundary && !current.is_empty() {
            words.push(std::mem::take(&mut current));
        }
        if c.is_ascii_alphanumeric() {
            current.push(c.to_ascii_lowercase());
        }
        after_lowercase = c.is_ascii_lowercase();
    }
    if !current.is_empty() {
        words.push(current);
    }
    words
}

mod urls;
pub use urls::{is_secret_param, without_secret_params};

#[cfg(test)]
mod tests;
