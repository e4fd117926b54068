//! The list's Source, Campaign and Tag filters: choices of the values
//! present in the workspace, each with "Any". A value the link names that is
//! not among them (an old bookmark) stays chosen, so the form says what the
//! list shows.

use crate::store::filter_choices::FilterChoices;
use leadsbot_shared::campaign::CampaignSlug;
use maud::{html, Markup};

/// One option: the value sent, and the text shown.
struct Choice<'a> {
    value: &'a str,
    text: &'a str,
}

pub fn source_select(choices: &FilterChoices, current: &str) -> Markup {
    let options = choices.sources.iter().map(|s| Choice { value: s, text: s }).collect::<Vec<_>>();
    select("f-source", "source", "Source", current, &options, |value| value == current)
}

/// Campaigns shown by name and sent by slug; the chosen one is the campaign
/// the current value names (a label or a slug, any case).
pub fn campaign_select(choices: &FilterChoices, current: &str) -> Markup {
    let wanted = CampaignSlug::for_filter(current);
    let options = choices.campaigns.iter().map(|c| Choice { value: &c.slug, text: &c.name }).collect::<Vec<_>>();
    select("f-campaign", "campaign", "Campaign", current, &options, |slug| wanted.as_ref().is_some_and(|w| w.as_str() == slug))
}

pub fn tag_select(choices: &FilterChoices, current: &str) -> Markup {
    let options = choices.tags.iter().map(|t| Choice { value: t, text: t }).collect::<Vec<_>>();
    select("f-tag", "tag", "Tag", current, &options, |value| value == current)
}

/// Members by name (or email), after "Unassigned" and, for a member's
/// session, "Me"; sent as the API's `assignee` values.
pub fn assignee_select(choices: &FilterChoices, current: &str, me: bool) -> Markup {
    let mut options = vec![Choice { value: "none", text: "Unassigned" }];
    if me {
        options.push(Choice { value: "me", text: "Me" });
    }
    options.extend(choices.members.iter().map(|m| Choice { value: &m.id, text: m.label() }));
    select("f-assignee", "assignee", "Assignee", current, &options, |value| value == current)
}

fn select(id: &str, name: &str, label: &str, current: &str, options: &[Choice<'_>], chosen: impl Fn(&str) -> bool) -> Markup {
    let listed = options.iter().any(|o| chosen(o.value));
    html! {
        div.field {
            label for=(id) { (label) }
            select id=(id) name=(name) {
                option value="" selected[current.is_empty()] { "Any" }
                @for option in options {
                    option value=(option.value) selected[chosen(option.value)] { (option.text) }
                }
                @if !current.is_empty() && !listed { option value=(current) selected { (current) } }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::filter_choices::CampaignChoice;

    fn choices() -> FilterChoices {
        FilterChoices {
            sources: vec!["api".into(), "widget".into()],
            campaigns: vec![CampaignChoice { slug: "spring-sale".into(), name: "Spring Sale".into() }],
            tags: vec!["<vip>".into()],
            members: vec![crate::store::filter_choices::MemberChoice { id: "mem_1".into(), name: None, email: "<rep>@example.com".into() }],
        }
    }

    #[test]
    fn assignees_are_unassigned_me_for_a_member_then_members_by_name_or_email() {
        let html = assignee_select(&choices(), "mem_1", false).into_string();
        assert!(html.contains(r#"<option value="none">Unassigned</option>"#) && !html.contains(r#"value="me""#), "{html}");
        assert!(html.contains(r#"<option value="mem_1" selected>&lt;rep&gt;@example.com</option>"#), "{html}");
        assert!(assignee_select(&choices(), "me", true).into_string().contains(r#"<option value="me" selected>Me</option>"#));
    }

    #[test]
    fn campaigns_are_shown_by_name_and_chosen_by_any_label_of_theirs() {
        let html = campaign_select(&choices(), "SPRING sale").into_string();
        assert!(html.contains(r#"<option value="spring-sale" selected>Spring Sale</option>"#), "{html}");
        assert!(html.contains(r#"<option value="">Any</option>"#), "{html}");
        assert_eq!(html.matches("<option").count(), 2, "{html}");
    }

    #[test]
    fn any_is_chosen_by_default_and_an_unlisted_value_stays_chosen() {
        let any = source_select(&choices(), "").into_string();
        assert!(any.contains(r#"<option value="" selected>Any</option>"#) && any.contains(r#"<option value="widget">widget</option>"#), "{any}");
        let old = source_select(&choices(), "zapier").into_string();
        assert!(old.contains(r#"<option value="zapier" selected>zapier</option>"#), "{old}");
        let tags = tag_select(&choices(), "<vip>").into_string();
        assert!(tags.contains(r#"<option value="&lt;vip&gt;" selected>&lt;vip&gt;</option>"#), "escaped: {tags}");
    }
}
