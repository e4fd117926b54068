use super::*;

fn named(kind: &'static str, name: &'static str) -> Hints<'static> {
    Hints { kind, name, ..Hints::default() }
}

#[test]
fn explicit_attribute_wins_over_everything() {
    let hints = Hints { explicit: "company", kind: "email", name: "email", autocomplete: "email" };
    assert_eq!(classify(&hints), Target::Company);
    let custom = Hints { explicit: "Budget", kind: "text", name: "x", autocomplete: "" };
    assert_eq!(classify(&custom), Target::Custom("Budget"));
}

#[test]
fn input_types_map_before_names() {
    assert_eq!(classify(&named("email", "contact")), Target::Email);
    assert_eq!(classify(&named("tel", "number")), Target::Phone);
}

#[test]
fn autocomplete_uses_its_last_token() {
    let hints = Hints { kind: "text", name: "f1", autocomplete: "section-a work email", ..Hints::default() };
    assert_eq!(classify(&hints), Target::Email);
    let org = Hints { kind: "text", name: "f2", autocomplete: "organization", ..Hints::default() };
    assert_eq!(classify(&org), Target::Company);
    let tel = Hints { kind: "text", name: "f3", autocomplete: "tel-national", ..Hints::default() };
    assert_eq!(classify(&tel), Target::Phone);
}

#[test]
fn common_names_from_site_builders_are_recognised() {
    assert_eq!(classify(&named("text", "your-email")), Target::Email);
    assert_eq!(classify(&named("text", "contact[email]")), Target::Email);
    assert_eq!(classify(&named("text", "First Name")), Target::Name);
    assert_eq!(classify(&named("text", "work_email")), Target::Email);
    assert_eq!(classify(&named("text", "mobile")), Target::Phone);
    assert_eq!(classify(&named("text", "organisation")), Target::Company);
    assert_eq!(classify(&named("textarea", "contact[body]")), Target::Message);
}

#[test]
fn unknown_names_become_custom_fields_and_nameless_ones_are_skipped() {
    assert_eq!(classify(&named("select-one", "plan")), Target::Custom("plan"));
    assert_eq!(classify(&named("text", "")), Target::Skip);
}

#[test]
fn secrets_files_and_machine_tokens_are_never_sent() {
    for (kind, name) in [
        ("password", "password"),
        ("file", "resume"),
        ("hidden", "csrf_token"),
        ("hidden", "authenticity_token"),
        ("hidden", "_wpnonce"),
        ("hidden", "__RequestVerificationToken"),
        ("hidden", "__VIEWSTATE"),
        ("textarea", "g-recaptcha-response"),
        ("submit", "send"),
    ] {
        assert_eq!(classify(&named(kind, name)), Target::Skip, "{kind} {name}");
    }
}

#[test]
fn other_hidden_fields_are_kept_as_custom() {
    assert_eq!(classify(&named("hidden", "plan")), Target::Custom("plan"));
}

#[test]
fn the_honeypot_is_recognised() {
    assert_eq!(classify(&named("text", "_gotcha")), Target::Honeypot);
}
