//! The one normalisation of an email address: every address is stored in
//! this form and compared in it, so two spellings of one mailbox are one
//! person (erasure finds both; a filter finds both).
//!
//! - trimmed, then Unicode NFC (a composed `ü` and `u` + combining diaeresis
//!   are one address);
//! - the local part keeps its case (some mail systems honour it); it is
//!   compared ignoring ASCII case, as SQLite's `NOCASE` does (`comparison_key`);
//! - the domain goes through IDNA (UTS-46: case folding and mapping, then
//!   Punycode) to lowercase ASCII, so `BÜRO.de`, `büro.de` and
//!   `xn--bro-hoa.de` are one domain.

use crate::FieldError;
use icu_normalizer::ComposingNormalizerBorrowed;
use idna::uts46::{AsciiDenyList, DnsLength, Hyphens, Uts46};

/// An email address that has passed our checks, in the stored form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LeadEmail(String);

const MAX_EMAIL_CHARS: usize = 254;
const MAX_LOCAL_CHARS: usize = 64;

impl LeadEmail {
    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        let trimmed = raw.trim();
        if trimmed.is_empty() {
            return Err(FieldError::required("email"));
        }
        if trimmed.chars().count() > MAX_EMAIL_CHARS {
            return Err(FieldError::too_long("email", MAX_EMAIL_CHARS));
        }
        let invalid = || FieldError::new("email", "invalid_email", "email must be a valid address like name@example.com");
        let composed = ComposingNormalizerBorrowed::new_nfc().normalize(trimmed);
        let (local, domain) = composed.rsplit_once('@').ok_or_else(invalid)?;
        if !valid_local_part(local) {
            return Err(invalid());
        }
        let domain = ascii_domain(domain).ok_or_else(invalid)?;
        Ok(Self(format!("{local}@{domain}")))
    }

    /// The form two spellings of one address share: the stored form with
    /// ASCII letters lowercased (what `COLLATE NOCASE` compares).
    pub fn comparison_key(&self) -> String {
        self.0.to_ascii_lowercase()
    }
}

/// The domain by UTS-46 (non-transitional, STD3 rules, no hyphen first or
/// last in a label, DNS lengths) as lowercase ASCII; `None` when IDNA
/// refuses it or the result breaks the label rules (IDNA maps first, so a
/// full-width letter or an ideographic full stop counts as what it stands for).
fn ascii_domain(domain: &str) -> Option<String> {
    let ascii = Uts46::new().to_ascii(domain.as_bytes(), AsciiDenyList::STD3, Hyphens::CheckFirstLast, DnsLength::Verify).ok()?;
    valid_domain(&ascii).then(|| ascii.into_owned())
}

fn valid_local_part(local: &str) -> bool {
    !local.is_empty()
        && local.len() <= MAX_LOCAL_CHARS
        && !local.starts_with('.')
        && !local.ends_with('.')
        && !local.contains("..")
        && local.chars().all(|c| !c.is_whitespace() && !c.is_control() && !"@<>()[]\\,;:\"".contains(c))
}

fn valid_domain(domain: &str) -> bool {
    let labels: Vec<&str> = domain.split('.').collect();
    labels.len() >= 2
        && labels.iter().all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label.chars().all(|c| c.is_alphanumeric() || c == '-')
        })
        && labels.last().is_some_and(|tld| tld.chars().any(|c| !c.is_ascii_digit()))
}

impl AsRef<str> for LeadEmail {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stored(raw: &str) -> String {
        LeadEmail::parse(raw).unwrap().as_ref().to_string()
    }

    #[test]
    fn trims_and_lowercases_the_domain_keeping_the_local_parts_case() {
        assert_eq!(stored("  Ada.L@Example.COM "), "Ada.L@example.com");
    }

    #[test]
    fn every_spelling_of_one_address_has_one_form() {
        // The domain by IDNA: any case, composed or decomposed, or already Punycode.
        for spelling in ["ada@büro.de", "ada@BÜRO.de", "ada@Büro.DE", "ada@bu\u{308}ro.de", "ada@BU\u{308}RO.de", "ada@xn--bro-hoa.de", "ada@XN--BRO-HOA.DE", " ada@büro.de\u{a0}", "ada@büro\u{3002}de", "ada@ｂüro.de"] {
            assert_eq!(stored(spelling), "ada@xn--bro-hoa.de", "{spelling:?}");
        }
        // The local part: NFC, its case kept, compared ignoring ASCII case.
        assert_eq!(stored("u\u{308}ber@example.com"), "über@example.com");
        assert_eq!(stored("ADA@büro.de"), "ADA@xn--bro-hoa.de");
        let key = |raw: &str| LeadEmail::parse(raw).unwrap().comparison_key();
        assert_eq!(key("ADA@BÜRO.de"), key("ada@xn--bro-hoa.de"));
        assert_eq!(key("Zoë.Müller@Straße.de"), "zoë.müller@xn--strae-oqa.de", "ß stays ß (non-transitional), not ss");
        assert_ne!(key("ada@strasse.de"), key("ada@straße.de"));
        assert_eq!(stored("info@例え.テスト"), "info@xn--r8jz45g.xn--zckzah");
        assert_eq!(stored("x@ÉCOLE.fr"), "x@xn--cole-9oa.fr");
    }

    #[test]
    fn the_stored_form_is_a_fixed_point() {
        for raw in ["Ada.L@Example.COM", "ada@BÜRO.de", "über@Straße.de", "a+b@sub.EXAMPLE.org", "info@例え.テスト"] {
            let once = stored(raw);
            assert_eq!(stored(&once), once, "{raw:?}");
        }
    }

    #[test]
    fn accepts_ordinary_addresses() {
        for ok in ["a@b.co", "first.last+tag@sub.example.org", "ü@bücher.de", "x_y-z@a-b.io"] {
            assert!(LeadEmail::parse(ok).is_ok(), "{ok}");
        }
    }

    #[test]
    fn refuses_what_cannot_receive_mail() {
        for bad in [
            "plain", "@example.com", "a@", "a@b", "a@@b.com", "a b@c.com", "a@-b.com", "a@b..com", ".a@b.com", "a@1.2",
            "a@xn--zz.de", "a@büro-.de", "a@-büro.de", "a@b_c.de", "a@bü ro.de", "a@\u{200b}.de", "a＠b.de", "a@b.c\u{301}\u{301}-",
        ] {
            let err = LeadEmail::parse(bad).unwrap_err();
            assert_eq!(err.code, "invalid_email", "{bad}");
        }
    }

    #[test]
    fn empty_is_required_and_huge_is_too_long() {
        assert_eq!(LeadEmail::parse("   ").unwrap_err().code, "required");
        let huge = format!("{}@example.com", "a".repeat(300));
        assert_eq!(LeadEmail::parse(&huge).unwrap_err().code, "too_long");
    }
}
