//! A form's controls folded into one lead, trimmed to what the server accepts.
//!
//! The server rejects oversize fields with a 422, which would lose what the
//! visitor typed; cutting them here keeps the lead. Limits mirror `shared/src/lead.rs`.

use alloc::string::{String, ToString};
use alloc::vec::Vec;
use crate::fields::{classify, Hints, Target};

pub const MAX_SHORT_CHARS: usize = 200;
pub const MAX_URL_CHARS: usize = 2048;
const MAX_PHONE_CHARS: usize = 50;
const MAX_MESSAGE_CHARS: usize = 5000;
const MAX_CUSTOM_FIELDS: usize = 50;
const MAX_CUSTOM_KEY_CHARS: usize = 64;
const MAX_CUSTOM_VALUE_CHARS: usize = 2000;
/// The server counts a list's JSON text; quotes and escapes make it longer than the
/// raw characters, so lists keep a margin.
const MAX_CUSTOM_LIST_CHARS: usize = 1600;
const MAX_CUSTOM_LIST_ITEMS: usize = 100;

/// One control's name hints and one value (a multi-select gives one per option).
pub struct Control<'a> {
    pub hints: Hints<'a>,
    pub value: &'a str,
}

#[derive(Debug, Default, PartialEq)]
pub struct Lead {
    pub email: String,
    pub name: String,
    pub phone: String,
    pub company: String,
    pub message: String,
    pub honeypot: Option<String>,
    pub custom: Vec<(String, Vec<String>)>,
}

impl Lead {
    pub fn from_controls(controls: &[Control]) -> Lead {
        let mut lead = Lead::default();
        for control in controls {
            let value = control.value.trim_ascii();
            match classify(&control.hints) {
                Target::Email => fill_once(&mut lead.email, value, MAX_SHORT_CHARS),
                Target::Name => append(&mut lead.name, " ", value, MAX_SHORT_CHARS),
                Target::Phone => fill_once(&mut lead.phone, value, MAX_PHONE_CHARS),
                Target::Company => fill_once(&mut lead.company, value, MAX_SHORT_CHARS),
                Target::Message => append(&mut lead.message, "\n\n", value, MAX_MESSAGE_CHARS),
                Target::Honeypot => lead.honeypot = Some(value.to_string()),
                Target::Custom(name) => lead.add_custom(name, value),
                Target::Skip => {}
            }
        }
        lead
    }

    /// Repeated names (checkbox groups, multi-selects) gather into one list.
    fn add_custom(&mut self, name: &str, value: &str) {
        let name = clip(name.trim_ascii(), MAX_CUSTOM_KEY_CHARS);
        let values = (!value.is_empty()).then(|| value.to_string());
        if let Some((_, existing)) = self.custom.iter_mut().find(|(n, _)| *n == name) {
            existing.extend(values);
        } else if self.custom.len() < MAX_CUSTOM_FIELDS && !name.is_empty() {
            self.custom.push((name, values.into_iter().collect()));
        }
    }

    /// Custom fields as they are sent: one value as a string, several as a list
    /// cut to the server's limits, none left out.
    pub fn custom_fields(&self) -> impl Iterator<Item = (&str, CustomValue)> {
        self.custom.iter().filter(|(_, values)| !values.is_empty()).map(|(name, values)| {
            let value = match values.as_slice() {
                [one] => CustomValue::Text(clip(one, MAX_CUSTOM_VALUE_CHARS)),
                many => CustomValue::List(clip_list(many)),
            };
            (name.as_str(), value)
        })
    }
}

#[derive(Debug, PartialEq)]
pub enum CustomValue {
    Text(String),
    List(Vec<String>),
}

fn fill_once(slot: &mut String, value: &str, max_chars: usize) {
    if slot.is_empty() {
        *slot = clip(value, max_chars);
    }
}

fn append(slot: &mut String, separator: &str, value: &str, max_chars: usize) {
    if value.is_empty() {
        return;
    }
    if !slot.is_empty() {
        slot.push_str(separator);
    }
    slot.push_str(value);
    *slot = clip(slot, max_chars);
}

pub fn clip(text: &str, max_chars: usize) -> String {
    let end = char_starts(text).nth(max_chars).unwrap_or(text.len());
    // `get` rather than indexing: the end is a char boundary, and indexing
    // would link in the panic formatting this crate avoids.
    text.get(..end).unwrap_or(text).to_string()
}

/// Byte offsets where characters start: UTF-8 continuation bytes are `0b10xx_xxxx`.
/// Counting on bytes avoids linking in full UTF-8 decoding.
fn char_starts(text: &str) -> impl Iterator<Item = usize> + '_ {
    text.bytes().enumerate().filter(|(_, b)| (*b as i8) >= -0x40).map(|(i, _)| i)
}

fn clip_list(values: &[String]) -> Vec<String> {
    let mut budget = MAX_CUSTOM_LIST_CHARS;
    let mut kept = Vec::new();
    for value in values.iter().take(MAX_CUSTOM_LIST_ITEMS) {
        let cost = char_starts(value).count() + 3;
        if cost > budget {
            break;
        }
        budget -= cost;
        kept.push(value.clone());
    }
    kept
}

#[cfg(test)]
mod tests;
