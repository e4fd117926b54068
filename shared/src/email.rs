use crate::FieldError;

/// An email address that has passed our checks: trimmed, domain lower-cased.
/// The local part keeps its case, since some mail systems honour it.
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
        let (local, domain) = trimmed.rsplit_once('@').ok_or_else(invalid)?;
        if !valid_local_part(local) || !valid_domain(domain) {
            return Err(invalid());
        }
        Ok(Self(format!("{local}@{}", domain.to_ascii_lowercase())))
    }
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

    #[test]
    fn trims_and_lowercases_the_domain_only() {
        assert_eq!(LeadEmail::parse("  Ada.L@Example.COM ").unwrap().as_ref(), "Ada.L@example.com");
    }

    #[test]
    fn accepts_ordinary_addresses() {
        for ok in ["a@b.co", "first.last+tag@sub.example.org", "ü@bücher.de", "x_y-z@a-b.io"] {
            assert!(LeadEmail::parse(ok).is_ok(), "{ok}");
        }
    }

    #[test]
    fn refuses_what_cannot_receive_mail() {
        for bad in ["plain", "@example.com", "a@", "a@b", "a@@b.com", "a b@c.com", "a@-b.com", "a@b..com", ".a@b.com", "a@1.2"] {
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
