//! Typeform's `form_response` webhook, as in Typeform's example payload
//! (developers.typeform.com/webhooks/example-payload): answers name their
//! question by `field.ref` (stable, editable) and `field.id`; the question's
//! title is in `definition.fields`; hidden fields are in `hidden`.

use super::{lead_value, missing, text_at, Answer, Kind, Submission};
use crate::body::Fields;
use crate::FieldError;
use serde_json::{Map, Value};

pub(super) fn submission(payload: &Fields) -> Result<Submission, Vec<FieldError>> {
    if payload.get("event_type").and_then(Value::as_str) != Some("form_response") {
        return Err(missing("event_type", "Typeform posts event_type \"form_response\""));
    }
    let event_id = payload.get("event_id").and_then(Value::as_str).map(str::trim).filter(|id| !id.is_empty());
    let event_id = event_id.ok_or_else(|| missing("event_id", "Typeform posts an event_id"))?;
    let response = payload.get("form_response").filter(|r| r.is_object());
    let response = response.ok_or_else(|| missing("form_response", "Typeform posts the answers in form_response"))?;
    let definition = response.get("definition");
    let titles = titles_by_id(definition);
    let listed = response.get("answers").and_then(Value::as_array).map(Vec::as_slice).unwrap_or_default();
    let mut answers: Vec<Answer> = listed.iter().filter_map(|a| answer(a, &titles)).collect();
    answers.extend(hidden_fields(response.get("hidden")));
    Ok(Submission {
        event_id: event_id.to_string(),
        form_id: text_at(response, "form_id").map(str::to_string),
        form_name: definition.and_then(|d| text_at(d, "title")).map(str::to_string),
        answers,
    })
}

fn titles_by_id(definition: Option<&Value>) -> Map<String, Value> {
    let fields = definition.and_then(|d| d.get("fields")).and_then(Value::as_array);
    fields
        .into_iter()
        .flatten()
        .filter_map(|f| Some((text_at(f, "id")?.to_string(), Value::String(text_at(f, "title")?.to_string()))))
        .collect()
}

fn answer(item: &Value, titles: &Map<String, Value>) -> Option<Answer> {
    let answer_type = item.get("type")?.as_str()?;
    let field = item.get("field")?;
    let value = match answer_type {
        "choice" => choice(item.get("choice")?, "label"),
        "choices" => choice(item.get("choices")?, "labels"),
        // Payment answers carry card details: never part of a lead.
        "payment" => None,
        other => lead_value(item.get(other)?),
    }?;
    let (reference, id) = (text_at(field, "ref"), text_at(field, "id"));
    let title = id.and_then(|id| titles.get(id)).and_then(Value::as_str);
    let field_type = text_at(field, "type");
    let kind = match (answer_type, field_type) {
        ("email", _) | (_, Some("email")) => Kind::Email,
        ("phone_number", _) | (_, Some("phone_number")) => Kind::Phone,
        _ => Kind::Other,
    };
    Some(Answer {
        names: [reference, id, title].into_iter().flatten().map(str::to_string).collect(),
        field_names: [reference, id].into_iter().flatten().map(str::to_string).collect(),
        kind,
        value,
    })
}

/// A choice's label (or several labels), plus the respondent's "other" text.
fn choice(choice: &Value, labels_key: &str) -> Option<Value> {
    let mut labels: Vec<Value> = match choice.get(labels_key) {
        Some(Value::Array(items)) => items.clone(),
        Some(label) => vec![label.clone()],
        None => Vec::new(),
    };
    labels.extend(choice.get("other").cloned());
    lead_value(&Value::Array(labels))
}

fn hidden_fields(hidden: Option<&Value>) -> Vec<Answer> {
    let Some(Value::Object(hidden)) = hidden else { return Vec::new() };
    hidden
        .iter()
        .filter_map(|(name, value)| {
            let value = lead_value(value)?;
            Some(Answer { names: vec![name.clone()], field_names: vec![name.clone()], kind: Kind::Other, value })
        })
        .collect()
}
