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
    fn a_hostile_workspace_name_is_text_in_html() {
        let mail = sign_in("<img src=x onerror=alert(1)> & Co");
        assert!(mail.html.contains("&lt;img src=x onerror=alert(1)&gt; &amp; Co"), "{}", mail.html);
        assert!(!mail.html.contains("<img"));
        assert!(mail.subject.contains("<img"), "the subject is plain text");
    }
}
