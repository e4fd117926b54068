//! How the rep reaches a lead from its page: `mailto:` with a subject naming
//! the enquiry, and `tel:`. Lead data goes into these links only
//! percent-encoded (so it can never end the attribute or start another
//! scheme), and a phone becomes a link only when it is a dialable number.

use crate::store::leads::LeadRow;
use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};

/// Kept as is in a `mailto:` address: what an email address is made of.
const ADDRESS: &AsciiSet = &NON_ALPHANUMERIC.remove(b'@').remove(b'.').remove(b'-').remove(b'_').remove(b'+');
/// The fewest digits a phone number has (a short code is not worth a link).
const MIN_DIGITS: usize = 5;

pub fn mailto(lead: &LeadRow) -> String {
    let about = lead.form_name.as_deref().or(lead.campaign.as_deref()).filter(|s| !s.trim().is_empty());
    let subject = match about {
        Some(about) => format!("Re: your enquiry ({})", about.trim()),
        None => "Re: your enquiry".to_string(),
    };
    format!("mailto:{}?subject={}", utf8_percent_encode(&lead.email, ADDRESS), utf8_percent_encode(&subject, NON_ALPHANUMERIC))
}

/// `tel:+442079460018` from `+44 20 7946 0018`; `None` for anything that is not a number.
pub fn tel(phone: &str) -> Option<String> {
    let phone = phone.trim();
    let (plus, rest) = match phone.strip_prefix('+') {
        Some(rest) => ("+", rest),
        None => ("", phone),
    };
    let dialable = rest.chars().all(|c| c.is_ascii_digit() || " -().".contains(c));
    let digits: String = rest.chars().filter(char::is_ascii_digit).collect();
    (dialable && digits.len() >= MIN_DIGITS).then(|| format!("tel:{plus}{digits}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mailto_encodes_the_address_and_names_the_enquiry() {
        let lead = LeadRow { email: "ann+x@example.com".into(), form_name: Some("Quote & <call>".into()), ..LeadRow::default() };
        assert_eq!(mailto(&lead), "mailto:ann+x@example.com?subject=Re%3A%20your%20enquiry%20%28Quote%20%26%20%3Ccall%3E%29");
        let plain = LeadRow { email: "a\"b@example.com".into(), ..LeadRow::default() };
        assert_eq!(mailto(&plain), "mailto:a%22b@example.com?subject=Re%3A%20your%20enquiry");
    }

    #[test]
    fn only_a_dialable_number_becomes_a_tel_link() {
        assert_eq!(tel("+44 20 7946 0018").as_deref(), Some("tel:+442079460018"));
        assert_eq!(tel("(555) 010-0100").as_deref(), Some("tel:5550100100"));
        assert_eq!(tel("javascript:alert(1)"), None);
        assert_eq!(tel("call 5550100"), None);
        assert_eq!(tel("1234"), None);
    }
}
