//! Conditions over the plain lead view. Text compares without regard to
//! case; numbers compare as numbers even when a form sent them as text; a
//! list field (tags, a multi-select) matches when any of its items does.
//! `campaign` compares campaigns, as every campaign filter does
//! (`CampaignSlug::for_filter`): the value names the campaign its label joins.

use crate::campaign::CampaignSlug;
use crate::lead_view::{self, number_of, text_of};
use serde::Serialize;
use serde_json::Value;

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Conditions {
    All(Vec<Condition>),
    Any(Vec<Condition>),
}

impl Conditions {
    pub fn matches(&self, lead: &Value) -> bool {
        match self {
            Self::All(list) => list.iter().all(|c| c.matches(lead)),
            Self::Any(list) => list.iter().any(|c| c.matches(lead)),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Op {
    Equals,
    NotEquals,
    Contains,
    Exists,
    OneOf,
    GreaterThan,
    LessThan,
}

impl Op {
    pub const ALL: [Op; 7] = [Op::Equals, Op::NotEquals, Op::Contains, Op::Exists, Op::OneOf, Op::GreaterThan, Op::LessThan];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Equals => "equals",
            Self::NotEquals => "not_equals",
            Self::Contains => "contains",
            Self::Exists => "exists",
            Self::OneOf => "one_of",
            Self::GreaterThan => "greater_than",
            Self::LessThan => "less_than",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|op| op.as_str() == text)
    }
}

/// One test of one field. `value` was checked at parse time to suit `op`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Condition {
    pub field: String,
    pub op: Op,
    #[serde(skip_serializing_if = "Value::is_null")]
    pub value: Value,
}

impl Condition {
    pub fn matches(&self, lead: &Value) -> bool {
        if self.field == "campaign" {
            if let Some(matched) = self.matches_campaign(lead) {
                return matched;
            }
        }
        let actual = lead_view::get(lead, &self.field);
        match self.op {
            Op::Exists => is_present(actual) == self.value.as_bool().unwrap_or(true),
            Op::NotEquals => !any_item(actual, |v| equals(v, &self.value)),
            Op::Equals => any_item(actual, |v| equals(v, &self.value)),
            Op::OneOf => any_item(actual, |v| self.value.as_array().is_some_and(|opts| opts.iter().any(|o| equals(v, o)))),
            Op::Contains => contains(actual, &self.value),
            Op::GreaterThan => compare(actual, &self.value).is_some_and(|(a, b)| a > b),
            Op::LessThan => compare(actual, &self.value).is_some_and(|(a, b)| a < b),
        }
    }
}

impl Condition {
    /// The campaign tests (`None`: the others, which read the slug as text).
    /// The lead's campaign is the one its labels join: events written
    /// before leads carried the slug still match.
    fn matches_campaign(&self, lead: &Value) -> Option<bool> {
        let label = |field| lead_view::get(lead, field).and_then(Value::as_str);
        let is_in = |expected: &Value| CampaignSlug::filter_matches(&text_of(expected), label("campaign"), label("utm_campaign"));
        match self.op {
            Op::Equals => Some(is_in(&self.value)),
            Op::NotEquals => Some(!is_in(&self.value)),
            Op::OneOf => Some(self.value.as_array().is_some_and(|options| options.iter().any(is_in))),
            Op::Contains => {
                let joined = CampaignSlug::for_lead(label("campaign"), label("utm_campaign"));
                let part = CampaignSlug::for_filter(&text_of(&self.value));
                Some(joined.zip(part).is_some_and(|(joined, part)| joined.as_str().contains(part.as_str())))
            }
            Op::Exists | Op::GreaterThan | Op::LessThan => None,
        }
    }
}

fn is_present(value: Option<&Value>) -> bool {
    match value {
        None | Some(Value::Null) => false,
        Some(Value::String(s)) => !s.trim().is_empty(),
        Some(Value::Array(items)) => !items.is_empty(),
        Some(_) => true,
    }
}

/// Applies `test` to a scalar, or to each item of a list.
fn any_item(value: Option<&Value>, test: impl Fn(&Value) -> bool) -> bool {
    match value {
        None => false,
        Some(Value::Array(items)) => items.iter().any(test),
        Some(scalar) => test(scalar),
    }
}

fn equals(actual: &Value, expected: &Value) -> bool {
    match (number_of(actual), number_of(expected)) {
        (Some(a), Some(b)) => a == b,
        _ => fold(&text_of(actual)) == fold(&text_of(expected)),
    }
}

/// Substring of a text field, or an item of a list.
fn contains(actual: Option<&Value>, expected: &Value) -> bool {
    match actual {
        Some(Value::Array(items)) => items.iter().any(|item| equals(item, expected)),
        Some(value) => fold(&text_of(value)).contains(&fold(&text_of(expected))),
        None => false,
    }
}

fn compare(actual: Option<&Value>, expected: &Value) -> Option<(f64, f64)> {
    Some((number_of(actual?)?, number_of(expected)?))
}

fn fold(text: &str) -> String {
    text.trim().to_lowercase()
}
