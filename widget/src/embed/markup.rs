//! The embedded form's HTML and CSS. Labels are tied to their controls, errors
//! to their fields with `aria-describedby`, and the status line is a live region.

use crate::text::concat;
use alloc::string::String;

/// Applied as a constructed stylesheet (see `dom.js`), which a strict
/// `style-src` CSP allows, unlike a `<style>` element.
pub const STYLE: &str = "\
:host{all:initial;display:block;font:15px/1.4 system-ui,sans-serif;color:#1f2328}\
form{display:grid;gap:.75em;max-width:32em}\
label{display:block;font-weight:600;margin-bottom:.25em}\
input,textarea{box-sizing:border-box;width:100%;font:inherit;padding:.5em;border:1px solid #8c959f;border-radius:6px}\
textarea{min-height:6em}\
[aria-invalid=true]{border-color:#cf222e}\
.err,.error{color:#cf222e;font-size:.9em;margin:.25em 0 0}\
.hp{position:absolute;left:-9999px}\
button{font:inherit;padding:.55em 1.2em;border:0;border-radius:6px;background:var(--leadsbot-accent,#0969da);color:#fff;cursor:pointer}\
button[disabled]{opacity:.6}";

/// Known extra fields get the right input type and autofill hint.
fn field(name: &str) -> String {
    let (kind, autocomplete, label) = match name {
        "phone" => ("tel", "tel", "Phone"),
        "company" => ("text", "organization", "Company"),
        _ => ("text", "off", name),
    };
    input(name, label, kind, autocomplete, false)
}

fn input(name: &str, label: &str, kind: &str, autocomplete: &str, required: bool) -> String {
    let id = concat(&["f-", name]);
    let required = if required { " required" } else { "" };
    concat(&[
        "<div><label for=\"", &id, "\">", label, "</label><input id=\"", &id, "\" name=\"", name,
        "\" type=\"", kind, "\" autocomplete=\"", autocomplete, "\" aria-describedby=\"", &id,
        "-error\"", required, "><p class=\"err\" id=\"", &id, "-error\"></p></div>",
    ])
}

/// `data-fields="phone, company, budget"`: names are kept to letters, digits,
/// `_` and `-` so they are safe in markup without escaping (which also drops
/// the spaces around them). Byte by byte: `trim` and `chars` would link Unicode
/// tables and UTF-8 decoding for what is ASCII.
fn extra_names(extra_fields: &str) -> impl Iterator<Item = String> + '_ {
    extra_fields
        .split(',')
        .map(|name| {
            let mut kept = String::new();
            for b in name.bytes().filter(|b| b.is_ascii_alphanumeric() || *b == b'_' || *b == b'-').take(64) {
                kept.push(b as char);
            }
            kept
        })
        .filter(|name| !name.is_empty() && !["email", "name", "message"].contains(&name.as_str()))
}

pub fn form(extra_fields: &str) -> String {
    let mut html = String::from("<form novalidate part=\"form\">");
    html.push_str(&input("email", "Email", "email", "email", true));
    html.push_str(&input("name", "Name", "text", "name", false));
    for name in extra_names(extra_fields) {
        html.push_str(&field(&name));
    }
    html.push_str(
        "<div><label for=\"f-message\">Message</label><textarea id=\"f-message\" name=\"message\" \
aria-describedby=\"f-message-error\"></textarea><p class=\"err\" id=\"f-message-error\"></p></div>\
<input class=\"hp\" name=\"_gotcha\" tabindex=\"-1\" autocomplete=\"off\" aria-hidden=\"true\">\
<button type=\"submit\">Send</button><p id=\"status\" role=\"status\" aria-live=\"polite\"></p></form>",
    );
    html
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn extra_field_names_are_sanitised() {
        let names: Vec<String> = extra_names(" phone, <b>budget</b>, email,,").collect();
        assert_eq!(names, vec!["phone", "bbudgetb"]);
    }

    #[test]
    fn the_form_has_labelled_required_email() {
        let html = form("company");
        assert!(html.contains("<label for=\"f-email\">Email</label><input id=\"f-email\""));
        assert!(html.contains("type=\"email\" autocomplete=\"email\" aria-describedby=\"f-email-error\" required"));
        assert!(html.contains("autocomplete=\"organization\""));
    }
}
