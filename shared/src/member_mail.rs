//! The mail a member gets from their workspace itself: an invitation and a
//! sign-in link. Rendered when the job is written, with `LINK` where the
//! one-time link goes; the link is put in only when the message is sent
//! (`with_link`), so no stored job holds a usable link.

use crate::members::Role;
use crate::template::escape_html;

/// Where the link goes in a rendered message's text and HTML.
pub const LINK: &str = "{{one-time-link}}";

/// A message's three parts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rendered {
    pub subject: String,
    pub text: String,
    /// The HTML part's content, every value escaped.
    pub html: String,
}

/// An invitation to `workspace` with `role`; its link works for 7 days.
pub fn invitation(workspace: &str, role: Role) -> Rendered {
    let (name, article) = (role.as_str(), if role == Role::Owner || role == Role::Admin { "an" } else { "a" });
    Rendered {
        subject: format!("You are invited to {workspace} on LeadsBot"),
        text: format!(
            "You are invited to join {workspace} on LeadsBot as {article} {name}.\n\nAccept the invitation: {LINK}\n\nThe link works once, for 7 days. If you did not expect this, ignore this message."
        ),
        html: format!(
            "You are invited to join <strong>{}</strong> on LeadsBot as {article} {name}.</p>\n<p><a href=\"{LINK}\">Accept the invitation</a></p>\n<p>The link works once, for 7 days. If you did not expect this, ignore this message.",
            escape_html(workspace)
        ),
    }
}

/// A sign-in link to `workspace`'s inbox; it works once, for 15 minutes.
pub fn sign_in(workspace: &str) -> Rendered {
    Rendered {
        subject: format!("Sign in to {workspace} on LeadsBot"),
        text: format!(
            "Sign in to the {workspace} inbox: {LINK}\n\nThe link works once, for 15 minutes. If you did not ask for it, ignore this message: nobody can sign in without it."
        ),
        html: format!(
            "<a href=\"{LINK}\">Sign in to the {} inbox</a></p>\n<p>The link works once, for 15 minutes. If you did not ask for it, ignore this message: nobody can sign in without it.",
            escape_html(workspace)
        ),
    }
}

/// What an alert shows of a lead (its values as the API gives them).
#[derive(Debug, Default)]
pub struct AlertLead<'a> {
    pub name: Option<&'a str>,
    pub email: &'a str,
    pub company: Option<&'a str>,
    pub message: Option<&'a str>,
    pub source: &'a str,
    pub campaign: Option<&'a str>,
}

/// The message an alert quotes at most this many characters of.
const ALERT_MESSAGE_CHARS: usize = 1000;

/// A new lead's alert (or, `assigned`, a lead just assigned to the
/// recipient), linking to the lead in the inbox at `lead_url`.
pub fn lead_alert(lead: &AlertLead<'_>, lead_url: &str, assigned: bool) -> Rendered {
    let who = lead.name.filter(|n| !n.trim().is_empty()).unwrap_or(lead.email);
    let subject = if assigned { format!("Assigned to you: {who}") } else { format!("New lead: {who}") };
    let mut rows = vec![("Email", lead.email.to_string())];
    rows.extend(lead.name.map(|n| ("Name", n.to_string())));
    rows.extend(lead.company.map(|c| ("Company", c.to_string())));
    rows.push(("Source", lead.source.to_string()));
    rows.extend(lead.campaign.map(|c| ("Campaign", c.to_string())));
    let message = lead.message.map(|m| cut(m, ALERT_MESSAGE_CHARS));
    let heading = if assigned { "A lead was assigned to you." } else { "A new lead came in." };
    let mut text = format!("{heading}\n\n");
    for (label, value) in &rows {
        text.push_str(&format!("{label}: {value}\n"));
    }
    if let Some(message) = &message {
        text.push_str(&format!("\n{message}\n"));
    }
    text.push_str(&format!("\nOpen it in the inbox: {lead_url}"));
    let mut html = format!("{heading}</p>\n<table>");
    for (label, value) in &rows {
        html.push_str(&format!("<tr><th align=\"left\">{label}</th><td>{}</td></tr>", escape_html(value)));
    }
    html.push_str("</table>\n");
    if let Some(message) = &message {
        html.push_str(&format!("<blockquote>{}</blockquote>\n", escape_html(message).replace('\n', "<br>")));
    }
    html.push_str(&format!("<p><a href=\"{}\">Open it in the inbox</a>", escape_html(lead_url)));
    Rendered { subject, text, html }
}

/// A workspace's digest by email, from the digest's Telegram message (the
/// one content of a digest: HTML with `<b>` and escaped text, which is
/// HTML as it stands; its text part is the same without the markup).
pub fn digest(workspace: &str, telegram_html: &str) -> Rendered {
    Rendered {
        subject: format!("Your LeadsBot digest for {workspace}"),
        text: unescape_html(&telegram_html.replace("<b>", "").replace("</b>", "")),
        html: telegram_html.replace('\n', "<br>\n"),
    }
}

/// The text an escaped HTML text stands for (`template::escape_html` undone).
fn unescape_html(text: &str) -> String {
    text.replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", "\"").replace("&#39;", "'").replace("&amp;", "&")
}

fn cut(text: &str, max_chars: usize) -> String {
    match text.char_indices().nth(max_chars) {
        Some((at, _)) => format!("{}…", &text[..at]),
        None => text.to_string(),
    }
}

/// `part` with the link in its place. The link is an URL the deployment
/// made (origin, path and a base-62 or hex secret), so it needs no escaping.
pub fn with_link(part: &str, link: &str) -> String {
    part.replace(LINK, link)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_link_goes_where_it_is_marked_and_only_there() {
        let mail = invitation("Acme", Role::Admin);
        assert!(mail.text.contains(LINK) && mail.html.contains(LINK));
        let text = with_link(&mail.text, "https://x.example/app/sign-in?invitation=lbl_1");
        assert!(text.contains("Accept the invitation: https://x.example/app/sign-in?invitation=lbl_1"), "{text}");
        assert!(!text.contains(LINK));
        assert!(mail.text.contains("as an admin"));
        assert!(invitation("Acme", Role::Viewer).text.contains("as a viewer"));
    }

    #[test]
    fn an_alert_shows_the_lead_as_text_and_links_to_it() {
        let lead = AlertLead { name: Some("<b>Eve</b>"), email: "eve@example.com", company: Some("A & B"), message: Some(&"x".repeat(1500)), source: "api", campaign: Some("spring") };
        let mail = lead_alert(&lead, "https://x.example/app/leads/lead_1", false);
        assert_eq!(mail.subject, "New lead: <b>Eve</b>");
        assert!(mail.html.contains("&lt;b&gt;Eve&lt;/b&gt;") && !mail.html.contains("<b>Eve"));
        assert!(mail.html.contains("A &amp; B"));
        assert!(mail.text.contains("Open it in the inbox: https://x.example/app/leads/lead_1"));
        assert!(mail.text.contains(&format!("{}…", "x".repeat(1000))) && !mail.text.contains(&"x".repeat(1001)));
        assert!(lead_alert(&AlertLead { email: "a@b.c", source: "api", ..AlertLead::default() }, "u", true).subject.starts_with("Assigned to you: a@b.c"));
    }

    #[test]
    fn a_digest_is_the_telegram_message_as_html_and_as_text() {
        let mail = digest("Acme", "<b>LeadsBot daily digest</b> · 2026-12-07\n<b>By source:</b> a&amp;b &lt;x&gt; 2");
        assert_eq!(mail.text, "LeadsBot daily digest · 2026-12-07\nBy source: a&b <x> 2");
        assert!(mail.html.contains("<b>By source:</b> a&amp;b &lt;x&gt; 2") && mail.html.contains("<br>"));
    }

    #[test]
    fn a_hostile_workspace_name_is_text_in_html() {
        let mail = sign_in("<img src=x onerror=alert(1)> & Co");
        assert!(mail.html.contains("&lt;img src=x onerror=alert(1)&gt; &amp; Co"), "{}", mail.html);
        assert!(!mail.html.contains("<img"));
        assert!(mail.subject.contains("<img"), "the subject is plain text");
    }
}
