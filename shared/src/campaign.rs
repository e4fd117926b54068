//! Campaigns: how a lead's campaign label becomes the slug it joins, the
//! states a campaign moves through under its manual controls, and what each
//! state means for the response to its leads (Telegram alerts, workflow
//! runs, follow-ups). Webhook deliveries of lead events are not response
//! work: systems of record see every lead, whatever the state.

use crate::FieldError;

pub const MAX_SLUG_CHARS: usize = 64;
pub const MAX_NAME_CHARS: usize = 200;

/// A campaign's slug: lowercase letters and digits (of any script) in runs
/// joined by single `-`, at most 64 characters.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CampaignSlug(String);

impl CampaignSlug {
    /// The slug a free-form label joins (`Spring Sale 2026!` → `spring-sale-2026`):
    /// lowercased, every run of other characters one `-`, none at either end,
    /// cut to 64 characters. `None` when no letter or digit is left.
    pub fn from_label(label: &str) -> Option<Self> {
        let mut slug = String::new();
        let mut gap = false;
        for c in label.chars().flat_map(char::to_lowercase) {
            if !c.is_alphanumeric() {
                gap = true;
                continue;
            }
            if slug.chars().count() + usize::from(gap && !slug.is_empty()) >= MAX_SLUG_CHARS {
                break;
            }
            if gap && !slug.is_empty() {
                slug.push('-');
            }
            gap = false;
            slug.push(c);
        }
        (!slug.is_empty()).then_some(Self(slug))
    }

    /// The campaign a lead joins: its `campaign` field, else its `utm_campaign`.
    pub fn for_lead(campaign: Option<&str>, utm_campaign: Option<&str>) -> Option<Self> {
        campaign.and_then(Self::from_label).or_else(|| utm_campaign.and_then(Self::from_label))
    }

    /// What a campaign filter value means, wherever a campaign is filtered
    /// on (the lead list, the export, a workflow trigger's filter, workflow
    /// conditions, the inbox): the campaign whose slug its label joins, so a
    /// slug, the label a lead sent and any casing of either name the same
    /// campaign (`Spring Sale` → `spring-sale`). `None`: a value with no
    /// letter or digit, which names no campaign and so matches no lead.
    pub fn for_filter(value: &str) -> Option<Self> {
        Self::from_label(value)
    }

    /// Whether a lead (its `campaign` and `utm_campaign` labels) is in the
    /// campaign a filter value names.
    pub fn filter_matches(value: &str, campaign: Option<&str>, utm_campaign: Option<&str>) -> bool {
        match (Self::for_filter(value), Self::for_lead(campaign, utm_campaign)) {
            (Some(wanted), Some(joined)) => wanted == joined,
            _ => false,
        }
    }

    /// A slug as an API client names it: already in the form `from_label`
    /// gives, in ASCII (`^[a-z0-9]+(-[a-z0-9]+)*$`, as the API document says).
    /// Leads' labels in other scripts still join slugs of their own letters.
    pub fn parse(text: &str) -> Result<Self, FieldError> {
        match Self::from_label(text) {
            Some(slug) if slug.0 == text && text.is_ascii() => Ok(slug),
            Some(slug) => Err(FieldError::new("slug", "invalid_slug", format!("a slug is lowercase a-z and digits joined by single '-', at most {MAX_SLUG_CHARS} characters (like {})", slug.0))),
            None => Err(FieldError::new("slug", "invalid_slug", "a slug needs at least one letter or digit")),
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl AsRef<str> for CampaignSlug {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

/// The name of a campaign created on the fly: the label as the lead gave it.
pub fn name_from_label(label: &str) -> String {
    label.trim().chars().take(MAX_NAME_CHARS).collect()
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CampaignState {
    Active,
    Paused,
    Archived,
}

/// A manual control, and the event it emits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Control {
    Pause,
    Resume,
    Archive,
}

/// What happens to response work (alerts, runs, follow-ups) of a lead.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResponsePolicy {
    /// Goes out now.
    Run,
    /// Waits, and goes out in capture order, once, on resume.
    Hold,
    /// Never created.
    Skip,
}

/// A control that the campaign's state does not allow (409).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NotAllowed {
    pub state: CampaignState,
    pub control: Control,
}

impl NotAllowed {
    pub fn describe(&self) -> String {
        match self.state {
            CampaignState::Archived => format!("an archived campaign cannot {}: archiving is final", self.control.as_str()),
            state => format!("a campaign that is {} cannot {}", state.as_str(), self.control.as_str()),
        }
    }
}

impl CampaignState {
    pub const ALL: [CampaignState; 3] = [CampaignState::Active, CampaignState::Paused, CampaignState::Archived];

    pub fn as_str(self) -> &'static str {
        match self {
            CampaignState::Active => "active",
            CampaignState::Paused => "paused",
            CampaignState::Archived => "archived",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == text)
    }

    /// The state a control leads to: pause an active campaign, resume a
    /// paused one, archive either; anything else is refused.
    pub fn apply(self, control: Control) -> Result<CampaignState, NotAllowed> {
        use CampaignState::*;
        match (self, control) {
            (Active, Control::Pause) => Ok(Paused),
            (Paused, Control::Resume) => Ok(Active),
            (Active | Paused, Control::Archive) => Ok(Archived),
            (state, control) => Err(NotAllowed { state, control }),
        }
    }

    pub fn response_policy(self) -> ResponsePolicy {
        match self {
            CampaignState::Active => ResponsePolicy::Run,
            CampaignState::Paused => ResponsePolicy::Hold,
            CampaignState::Archived => ResponsePolicy::Skip,
        }
    }
}

impl Control {
    pub const ALL: [Control; 3] = [Control::Pause, Control::Resume, Control::Archive];

    pub fn as_str(self) -> &'static str {
        match self {
            Control::Pause => "pause",
            Control::Resume => "resume",
            Control::Archive => "archive",
        }
    }

    /// The event each control emits on outbound webhooks.
    pub fn event_type(self) -> &'static str {
        match self {
            Control::Pause => "campaign.paused",
            Control::Resume => "campaign.resumed",
            Control::Archive => "campaign.archived",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn slug(label: &str) -> Option<String> {
        CampaignSlug::from_label(label).map(|s| s.as_str().to_string())
    }

    #[test]
    fn labels_become_slugs_by_one_rule() {
        assert_eq!(slug("Spring Sale 2026!").as_deref(), Some("spring-sale-2026"));
        assert_eq!(slug("  --spring__sale--  ").as_deref(), Some("spring-sale"));
        assert_eq!(slug("spring").as_deref(), Some("spring"));
        assert_eq!(slug("Été à Zürich").as_deref(), Some("été-à-zürich"), "letters of any script are kept");
        assert_eq!(slug("Весна").as_deref(), Some("весна"));
        assert_eq!(slug("<script>alert(1)</script>").as_deref(), Some("script-alert-1-script"));
        assert_eq!(slug(" !!! "), None);
        assert_eq!(slug(""), None);
    }

    #[test]
    fn slugs_are_cut_without_a_trailing_dash() {
        let long = slug(&"ab ".repeat(100)).unwrap();
        assert!(long.chars().count() <= MAX_SLUG_CHARS, "{long}");
        assert!(!long.ends_with('-'));
        assert_eq!(slug(&"x".repeat(100)).unwrap().len(), MAX_SLUG_CHARS);
        let (a, b) = ("a".repeat(63), "b".repeat(5));
        assert_eq!(slug(&format!("{a} {b}")).unwrap(), a, "no dash is left dangling at the cut");
    }

    #[test]
    fn a_lead_joins_by_campaign_else_utm_campaign() {
        let joined = |c, u| CampaignSlug::for_lead(c, u).map(|s| s.as_str().to_string());
        assert_eq!(joined(Some("Spring"), Some("autumn")).as_deref(), Some("spring"));
        assert_eq!(joined(None, Some("Autumn Promo")).as_deref(), Some("autumn-promo"));
        assert_eq!(joined(Some("???"), Some("autumn")).as_deref(), Some("autumn"));
        assert_eq!(joined(None, None), None);
    }

    #[test]
    fn a_filter_value_names_the_campaign_its_label_joins() {
        let named = |v| CampaignSlug::for_filter(v).map(|s| s.as_str().to_string());
        assert_eq!(named("Spring Sale").as_deref(), Some("spring-sale"));
        assert_eq!(named("spring-sale").as_deref(), Some("spring-sale"));
        assert_eq!(named("SPRING").as_deref(), Some("spring"));
        assert_eq!(named(" -- "), None, "names no campaign");
        assert!(CampaignSlug::filter_matches("Spring", None, Some("spring")), "utm_campaign, any case");
        assert!(CampaignSlug::filter_matches("spring", Some("Spring"), Some("autumn")), "campaign first");
        assert!(!CampaignSlug::filter_matches("autumn", Some("Spring"), Some("autumn")), "utm_campaign only when campaign is none");
        assert!(CampaignSlug::filter_matches("spring sale", Some("Spring_Sale!"), None));
        assert!(!CampaignSlug::filter_matches("!!", None, None) && !CampaignSlug::filter_matches("spring", None, None));
    }

    #[test]
    fn api_slugs_must_already_be_slugs() {
        assert_eq!(CampaignSlug::parse("spring-sale").unwrap().as_str(), "spring-sale");
        let err = CampaignSlug::parse("Spring Sale").unwrap_err();
        assert_eq!(err.field, "slug");
        assert!(err.message.contains("spring-sale"), "{}", err.message);
        for bad in ["", "-a", "a-", "a--b", "a b", "été", &"x".repeat(65)] {
            assert!(CampaignSlug::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn controls_move_between_allowed_states_only() {
        use CampaignState::*;
        assert_eq!(Active.apply(Control::Pause), Ok(Paused));
        assert_eq!(Paused.apply(Control::Resume), Ok(Active));
        assert_eq!(Active.apply(Control::Archive), Ok(Archived));
        assert_eq!(Paused.apply(Control::Archive), Ok(Archived));
        for (state, control) in [(Active, Control::Resume), (Paused, Control::Pause), (Archived, Control::Pause), (Archived, Control::Resume), (Archived, Control::Archive)] {
            let refused = state.apply(control).unwrap_err();
            assert_eq!(refused, NotAllowed { state, control });
            assert!(!refused.describe().is_empty());
        }
    }

    #[test]
    fn each_state_has_its_response_policy() {
        assert_eq!(CampaignState::Active.response_policy(), ResponsePolicy::Run);
        assert_eq!(CampaignState::Paused.response_policy(), ResponsePolicy::Hold);
        assert_eq!(CampaignState::Archived.response_policy(), ResponsePolicy::Skip);
        for state in CampaignState::ALL {
            assert_eq!(CampaignState::parse(state.as_str()), Some(state));
        }
        assert_eq!(Control::Pause.event_type(), "campaign.paused");
    }
}
