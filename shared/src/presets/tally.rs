//! Tally's `FORM_RESPONSE` webhook, as in Tally's example webhook event
//! (tally.so/help/webhooks): `data.fields` lists every question with a
//! stable `key`, its `label`, `type` and `value`; choice questions send
//! option ids as the value and the options' texts in `options`.

use super::{lead_value, missing, text_at, Answer, Kind, Submission};
use crate::body::Fields;
use crate::FieldError;
use serde_json::Value;

pub(super) fn submission(payload: &Fields) -> Result<Submission, Vec<FieldError>> {
    if payload.get("eventType").and_then(Value::as_str) != Some("FORM_RESPONSE") {
        return Err(missing("eventType", "Tally posts eventType \"FORM_RESPONSE\""));
    }
    let event_id = payload.get("eventId").and_then(Value::as_str).map(str::trim).filter(|id| !id.is_empty());
    let event_id = event_id.ok_or_else(|| missing("eventId", "Tally posts an eventId"))?;
    let data = payload.get("data").filter(|d| d.is_object()).ok_or_else(|| missing("data", "Tally posts the answers in data"))?;
    let fields = data.get("fields").and_then(Value::as_array);
    let fields = fields.ok_or_else(|| missing("data.fields", "Tally posts the answers in data.fields"))?;
    Ok(Submission {
        event_id: event_id.to_string(),
        form_id: text_at(data, "formId").map(str::to_string),
        form_name: text_at(data, "formName").map(str::to_string),
        answers: fields.iter().filter_map(answer).collect(),
    })
}

fn answer(field: &Value) -> Option<Answer> {
    let field_type = text_at(field, "type").unwrap_or_default();
    let raw = field.get("value")?;
    // Payment fields carry payment details; a checkbox group also sends one
    // true/false entry per option beside the group's own list of choices.
    if field_type == "PAYMENT" || (field_type == "CHECKBOXES" && raw.is_boolean()) {
        return None;
    }
    let value = match field.get("options").and_then(Value::as_array) {
        Some(options) => lead_value(&option_texts(raw, options)),
        None => lead_value(raw),
    }?;
    let (key, label) = (text_at(field, "key"), text_at(field, "label"));
    let kind = match field_type {
        "INPUT_EMAIL" => Kind::Email,
        "INPUT_PHONE_NUMBER" => Kind::Phone,
        _ => Kind::Other,
    };
    Some(Answer {
        names: [key, label].into_iter().flatten().map(str::to_string).collect(),
        field_names: [label, key].into_iter().flatten().map(str::to_string).collect(),
        kind,
        value,
    })
}

/// Chosen option ids (one, or a list) replaced by the options' texts.
fn option_texts(value: &Value, options: &[Value]) -> Value {
    let text_of = |id: &Value| {
        let option = options.iter().find(|o| o.get("id") == Some(id));
        option.and_then(|o| o.get("text")).cloned().unwrap_or_else(|| id.clone())
    };
    match value {
        Value::Array(ids) => Value::Array(ids.iter().map(text_of).collect()),
        Value::String(_) => Value::Array(vec![text_of(value)]),
        other => other.clone(),
    }
}
