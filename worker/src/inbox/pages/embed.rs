//! The embed snippet, the one way a page shows it (settings and a new
//! workspace's empty list): with the whole public token, ready to copy; or,
//! since the token is stored only as a hash, with its prefix and no Copy
//! button (a cut token would copy a snippet that captures nothing).

use maud::{html, Markup};

/// The `<script>` tag that turns a site's forms into leads.
pub fn snippet(origin: &str, token: &str) -> String {
    format!("<script id=\"leadsbot-listener\" async src=\"{origin}/widget.js\"\n  data-token=\"{token}\" data-api=\"{origin}\" data-mode=\"listener\"></script>")
}

/// A snippet with the whole token, and its Copy button.
pub fn ready(origin: &str, token: &str) -> Markup {
    copyable("snippet", &snippet(origin, token))
}

/// The snippet as far as it is known (the token's prefix only), no Copy button.
pub fn partial(origin: &str, token_prefix: &str) -> Markup {
    html! { pre #snippet tabindex="0" { code { (snippet(origin, &format!("{token_prefix}…"))) } } }
}

/// A form that makes a new public token (the old one keeps working for the
/// rotation grace period), then shows the whole snippet on the page `back` names.
pub fn new_token_form(csrf: &str, back: &str, label: &str) -> Markup {
    html! {
        form method="post" action="/app/settings/public-token" {
            input type="hidden" name="_csrf" value=(csrf);
            input type="hidden" name="back" value=(back);
            button type="submit" { (label) }
        }
    }
}

/// Text to copy, shown as text, with a Copy button (the inbox's script copies it).
pub fn copyable(id: &str, text: &str) -> Markup {
    html! {
        div.copyable {
            pre #(id) tabindex="0" { code { (text) } }
            button type="button" data-copy=(id) aria-label=(format!("Copy the {}", id.replace('-', " "))) { "Copy" }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_whole_token_gets_a_copy_button() {
        let ready = ready("https://leads.example", "pk_whole").into_string();
        assert!(ready.contains("data-token=&quot;pk_whole&quot;") && ready.contains("data-copy=\"snippet\""), "{ready}");
        let partial = partial("https://leads.example", "pk_ab").into_string();
        assert!(partial.contains("pk_ab…") && !partial.contains("data-copy"), "{partial}");
    }
}
