//! Emails the outbox sends: the MIME message (pure), the hash an address is
//! kept under on a workspace's suppression list, and the signed token of a
//! one-click unsubscribe link (RFC 8058).

use crate::email::LeadEmail;
use crate::signing::{body_signature_hex, constant_time_eq};
use mail_builder::headers::date::Date;
use mail_builder::headers::message_id::MessageId;
use mail_builder::headers::raw::Raw;
use mail_builder::MessageBuilder;
use sha2::{Digest, Sha256};

/// The `List-Unsubscribe-Post` value RFC 8058 prescribes.
pub const ONE_CLICK: &str = "List-Unsubscribe=One-Click";
const TOKEN_VERSION: &str = "u1";
/// Hex characters of the MAC a token carries (128 bits).
const MAC_HEX: usize = 32;

/// What the suppression list keeps of an address: a hash of its one
/// normalised form (`shared::email`), per workspace, never the address.
/// `None` for text that is not an address.
pub fn suppression_hash(workspace_id: &str, address: &str) -> Option<String> {
    let key = LeadEmail::parse(address).ok()?.comparison_key();
    let digest = Sha256::digest(format!("{workspace_id}\n{key}").as_bytes());
    Some(digest.iter().map(|b| format!("{b:02x}")).collect())
}

/// The token of an unsubscribe link: it names the workspace and the
/// address's hash, signed with the deployment's key, so the link needs no
/// row of its own and reveals no address.
pub fn unsubscribe_token(key: &str, workspace_id: &str, address_hash: &str) -> String {
    format!("{TOKEN_VERSION}.{workspace_id}.{address_hash}.{}", mac(key, workspace_id, address_hash))
}

/// (workspace id, address hash) of a token this deployment signed.
pub fn open_unsubscribe_token(key: &str, token: &str) -> Option<(String, String)> {
    let mut parts = token.split('.');
    let (version, workspace_id, hash, given) = (parts.next()?, parts.next()?, parts.next()?, parts.next()?);
    if version != TOKEN_VERSION || parts.next().is_some() || hash.len() != 64 || !hash.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    constant_time_eq(given.as_bytes(), mac(key, workspace_id, hash).as_bytes()).then(|| (workspace_id.to_string(), hash.to_string()))
}

fn mac(key: &str, workspace_id: &str, hash: &str) -> String {
    let mut mac = body_signature_hex(key, format!("unsubscribe\n{workspace_id}\n{hash}").as_bytes());
    mac.truncate(MAC_HEX);
    mac
}

/// One email, ready to be written as MIME.
pub struct Outgoing<'a> {
    pub from: &'a str,
    pub to: &'a str,
    pub subject: &'a str,
    pub text: &'a str,
    /// The HTML part's content (escaped already), wrapped into a document here.
    pub html: &'a str,
    /// Stable across retries (derived from the job), so a receiver can tell a repeat.
    pub message_id: &'a str,
    pub date_secs: i64,
    /// One-click unsubscribe, on every message to a lead. `None` for a
    /// member's own mail (an invitation, a sign-in link, an alert they chose).
    pub unsubscribe_url: Option<&'a str>,
}

/// The message as RFC 5322 text: multipart/alternative with a text and an
/// HTML part (UTF-8, transfer-encoded as needed), a non-ASCII subject as
/// encoded-words, and, with an unsubscribe URL, RFC 8058 one-click
/// unsubscribe headers and a footer link.
pub fn message(out: &Outgoing<'_>) -> Result<String, String> {
    let (text_footer, html_footer) = match out.unsubscribe_url {
        Some(url) => (
            format!("\n\n--\nUnsubscribe: {url}\n"),
            format!("<p style=\"color:#666;font-size:12px\"><a href=\"{}\">Unsubscribe</a></p>\n", crate::template::escape_html(url)),
        ),
        None => ("\n".to_string(), String::new()),
    };
    let text = format!("{}{text_footer}", out.text);
    let html = format!("<!doctype html>\n<html><head><meta charset=\"utf-8\"></head><body>\n<p>{}</p>\n{html_footer}</body></html>\n", out.html);
    let mut builder = MessageBuilder::new()
        .from(out.from)
        .to(recipients(out.to).collect::<Vec<_>>())
        .subject(out.subject)
        .message_id(MessageId::new(out.message_id))
        .date(Date::new(out.date_secs));
    if let Some(url) = out.unsubscribe_url {
        builder = builder.header("List-Unsubscribe", Raw::new(format!("<{url}>"))).header("List-Unsubscribe-Post", Raw::new(ONE_CLICK));
    }
    builder
        .text_body(text)
        .html_body(html)
        .write_to_string()
        .map_err(|e| format!("the message could not be written: {e}"))
}

/// The addresses of a `to` that names several (`a@x, b@y`: a message to
/// several members of a workspace), or the one.
pub fn recipients(to: &str) -> impl Iterator<Item = &str> {
    to.split(',').map(str::trim).filter(|a| !a.is_empty())
}

/// The domain of an address (for a Message-ID on the sender's domain).
pub fn domain_of(address: &str) -> &str {
    address.rsplit_once('@').map_or("localhost", |(_, domain)| domain.trim_end_matches('>'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_address_in_any_spelling_has_one_hash_per_workspace() {
        let a = suppression_hash("ws_1", " Ada@BÜRO.de ").unwrap();
        assert_eq!(suppression_hash("ws_1", "ada@xn--bro-hoa.de"), Some(a.clone()));
        assert_eq!(a.len(), 64);
        assert_ne!(suppression_hash("ws_2", "ada@büro.de"), Some(a), "one workspace's list says nothing of another's");
        assert_eq!(suppression_hash("ws_1", "not an address"), None);
    }

    #[test]
    fn tokens_open_only_as_signed() {
        let hash = suppression_hash("ws_1", "ada@example.com").unwrap();
        let token = unsubscribe_token("key", "ws_1", &hash);
        assert_eq!(open_unsubscribe_token("key", &token), Some(("ws_1".to_string(), hash.clone())));
        assert_eq!(open_unsubscribe_token("other key", &token), None);
        let forged = unsubscribe_token("key", "ws_1", &hash).replacen("ws_1", "ws_2", 1);
        assert_eq!(open_unsubscribe_token("key", &forged), None, "the workspace is signed too");
        assert_eq!(open_unsubscribe_token("key", "u1.ws_1.abc.def"), None);
        assert_eq!(open_unsubscribe_token("key", &format!("{token}.x")), None);
    }

    fn sample(subject: &str) -> String {
        sample_to(subject, Some("https://leads.example.com/u/u1.ws.h.m"))
    }

    fn sample_outgoing(unsubscribe_url: Option<&'static str>) -> Outgoing<'static> {
        Outgoing {
            from: "leads@example.com",
            to: "ada@example.org",
            subject: "Hi",
            text: "Hello",
            html: "Hello",
            message_id: "dlv_1@example.com",
            date_secs: 1_700_000_000,
            unsubscribe_url,
        }
    }

    fn sample_to(subject: &str, unsubscribe_url: Option<&str>) -> String {
        message(&Outgoing {
            from: "leads@example.com",
            to: "ada@example.org",
            subject,
            text: "Hello <Ada>",
            html: "Hello &lt;Ada&gt;",
            message_id: "dlv_1@example.com",
            date_secs: 1_700_000_000,
            unsubscribe_url,
        })
        .unwrap()
    }

    #[test]
    fn a_message_has_both_parts_and_one_click_unsubscribe() {
        let raw = sample("Welcome");
        assert!(raw.contains("Content-Type: multipart/alternative"), "{raw}");
        assert!(raw.contains("text/plain") && raw.contains("text/html"));
        assert!(raw.contains("List-Unsubscribe: <https://leads.example.com/u/u1.ws.h.m>\r\n"), "{raw}");
        assert!(raw.contains("List-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n"));
        assert!(raw.contains("Message-ID: <dlv_1@example.com>\r\n"));
        assert!(raw.contains("Subject: Welcome\r\n"));
        assert!(raw.contains("From: <leads@example.com>") || raw.contains("From: leads@example.com"), "{raw}");
    }

    #[test]
    fn a_message_to_several_names_each() {
        let raw = message(&Outgoing { to: "a@example.com, b@example.com", ..sample_outgoing(None) }).unwrap();
        let to = raw.lines().find(|l| l.starts_with("To:")).unwrap();
        assert!(to.contains("<a@example.com>") && to.contains("b@example.com"), "{raw}");
        assert_eq!(recipients("a@x, b@y").collect::<Vec<_>>(), ["a@x", "b@y"]);
        assert_eq!(recipients("a@x").collect::<Vec<_>>(), ["a@x"]);
    }

    #[test]
    fn a_members_own_mail_has_no_unsubscribe() {
        let raw = sample_to("Sign in", None);
        assert!(!raw.contains("List-Unsubscribe") && !raw.contains("Unsubscribe"), "{raw}");
        assert!(raw.contains("text/plain") && raw.contains("text/html"));
    }

    #[test]
    fn a_non_ascii_subject_is_encoded_words() {
        let raw = sample("Grüße, Ada");
        let subject = raw.lines().find(|l| l.starts_with("Subject:")).unwrap();
        assert!(subject.contains("=?utf-8?") || subject.contains("=?UTF-8?"), "{subject}");
        assert!(raw.is_ascii(), "every byte of the message is ASCII");
    }

    #[test]
    fn the_sender_domain_names_message_ids() {
        assert_eq!(domain_of("leads@example.com"), "example.com");
        assert_eq!(domain_of("nobody"), "localhost");
    }
}
