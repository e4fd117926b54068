//! How long a submission may be retried, and so how long its idempotency key
//! must be remembered. One place for both numbers: the widget mirrors
//! `WIDGET_RETRY_WINDOW_MS` (a native widget test checks it), the worker keeps
//! keys for `IDEMPOTENCY_WINDOW_MS`. And what makes a retry the same request:
//! `request_fingerprint`.

use crate::body::Fields;
use crate::signing::sha256_hex;
use serde_json::Value;

const DAY_MS: i64 = 24 * 60 * 60 * 1000;

/// How long the widget keeps an unconfirmed submission in its outbox and
/// retries it (`widget/src/outbox.rs`, `MAX_AGE_MS`).
pub const WIDGET_RETRY_WINDOW_MS: i64 = 7 * DAY_MS;

/// How long a capture's idempotency key is honoured: the widget's whole retry
/// window, plus a day for a visitor's clock running behind (the outbox ages
/// entries by the browser's clock, the server by its own).
pub const IDEMPOTENCY_WINDOW_MS: i64 = WIDGET_RETRY_WINDOW_MS + DAY_MS;

/// The body fields a capture's key may come from (the widget sends the first).
pub const SUBMISSION_ID_FIELDS: [&str; 2] = ["_submission_id", "submission_id"];

/// The field that carries the public token in a body (`auth::capture`).
const CREDENTIAL_FIELD: &str = "_token";

/// What a capture's idempotency key is bound to: a repeat of the key with the
/// same fingerprint is a retry (the first lead is replayed), with another one
/// a different request (`idempotency_key_reused`).
///
/// Hex SHA-256 of the fields as received (the body parsed into one JSON
/// object, before a capture URL's mapping), written as compact JSON with every
/// object's keys sorted, the key's own fields (`SUBMISSION_ID_FIELDS`) and the
/// credential field `_token` left out. Why:
/// - a retrying client re-sends the same JSON, but a different library or an
///   unordered map may write its keys in another order: the order is not
///   part of the request. Values are compared exactly (`1` is not `"1"`, no
///   trimming), and arrays keep their order (it is the order of the answers);
/// - the fields as received, not the lead parsed from them: parsing (aliases,
///   custom fields, the widget's controls) may change between releases, and a
///   widget retry spanning a deploy must still match; a capture URL's mapping
///   edited between a tool's retries must not turn them into conflicts;
/// - the content type itself is not part of it, only the fields read from it
///   (a form's values are all text, so they match JSON only if sent as text);
/// - the key names the request rather than being part of it: sent once as the
///   `Idempotency-Key` header and once as `_submission_id`, it is the same
///   request; `_token` is the credential, checked on its own.
pub fn request_fingerprint(fields: &Fields) -> String {
    let mut canonical = String::new();
    let is_submitted = |name: &str| name != CREDENTIAL_FIELD && !SUBMISSION_ID_FIELDS.contains(&name);
    let submitted = fields.iter().filter(|(name, _)| is_submitted(name));
    write_object(&mut canonical, submitted);
    sha256_hex(canonical.as_bytes())
}

/// Whether a repeat of a key is the request that claimed it: the same
/// fingerprint, or a key claimed before fingerprints were kept (it replays,
/// as it always did, until it expires).
pub fn is_same_request(claimed_fingerprint: Option<&str>, fingerprint: &str) -> bool {
    claimed_fingerprint.is_none_or(|claimed| claimed == fingerprint)
}

fn write_object<'a>(out: &mut String, entries: impl Iterator<Item = (&'a String, &'a Value)>) {
    let mut entries: Vec<_> = entries.collect();
    entries.sort_unstable_by(|a, b| a.0.cmp(b.0));
    out.push('{');
    for (i, (name, value)) in entries.into_iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push_str(&Value::String(name.clone()).to_string());
        out.push(':');
        write_canonical(out, value);
    }
    out.push('}');
}

fn write_canonical(out: &mut String, value: &Value) {
    match value {
        Value::Object(fields) => write_object(out, fields.iter()),
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_canonical(out, item);
            }
            out.push(']');
        }
        scalar => out.push_str(&scalar.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(json: &str) -> Fields {
        serde_json::from_str(json).expect("test fields are a JSON object")
    }

    #[test]
    fn the_same_fields_in_another_key_order_are_the_same_request() {
        let first = fields(r#"{"email":"a@b.co","name":"Ada","custom":{"plan":"pro","seats":3},"tags":["x","y"]}"#);
        let reordered = fields(r#"{"tags":["x","y"],"custom":{"seats":3,"plan":"pro"},"name":"Ada","email":"a@b.co"}"#);
        assert_eq!(request_fingerprint(&first), request_fingerprint(&reordered));
        assert_eq!(request_fingerprint(&first).len(), 64);
    }

    #[test]
    fn a_changed_value_is_another_request() {
        let first = fields(r#"{"email":"a@b.co","name":"Ada","custom":{"seats":3},"tags":["x","y"]}"#);
        let fingerprint = request_fingerprint(&first);
        for other in [
            r#"{"email":"b@b.co","name":"Ada","custom":{"seats":3},"tags":["x","y"]}"#,
            r#"{"email":"a@b.co","name":"Ada ","custom":{"seats":3},"tags":["x","y"]}"#,
            r#"{"email":"a@b.co","name":"Ada","custom":{"seats":"3"},"tags":["x","y"]}"#,
            r#"{"email":"a@b.co","name":"Ada","custom":{"seats":3},"tags":["y","x"]}"#,
            r#"{"email":"a@b.co","name":"Ada","custom":{"seats":3},"tags":["x","y"],"phone":"1"}"#,
            r#"{"email":"a@b.co","custom":{"seats":3},"tags":["x","y"]}"#,
        ] {
            assert_ne!(request_fingerprint(&fields(other)), fingerprint, "{other}");
        }
    }

    #[test]
    fn names_and_values_cannot_run_into_each_other() {
        // Quoting keeps `{"ab":"c"}` apart from `{"a":"bc"}` and nested from flat.
        assert_ne!(request_fingerprint(&fields(r#"{"ab":"c"}"#)), request_fingerprint(&fields(r#"{"a":"bc"}"#)));
        assert_ne!(request_fingerprint(&fields(r#"{"a":{"b":1}}"#)), request_fingerprint(&fields(r#"{"a":"{\"b\":1}"}"#)));
    }

    #[test]
    fn a_repeat_replays_only_the_request_that_claimed_the_key() {
        let fingerprint = request_fingerprint(&fields(r#"{"email":"a@b.co"}"#));
        assert!(is_same_request(Some(&fingerprint), &fingerprint));
        assert!(!is_same_request(Some(&request_fingerprint(&fields(r#"{"email":"b@b.co"}"#))), &fingerprint));
        assert!(is_same_request(None, &fingerprint), "keys claimed before fingerprints replay");
    }

    #[test]
    fn the_credential_and_the_key_are_not_part_of_the_request() {
        let plain = request_fingerprint(&fields(r#"{"email":"a@b.co"}"#));
        for same in [r#"{"_token":"pk_new","email":"a@b.co"}"#, r#"{"email":"a@b.co","_submission_id":"order-42"}"#, r#"{"submission_id":"s","email":"a@b.co"}"#] {
            assert_eq!(request_fingerprint(&fields(same)), plain, "{same}");
        }
    }

    #[test]
    fn keys_outlive_every_widget_retry() {
        assert!(IDEMPOTENCY_WINDOW_MS > WIDGET_RETRY_WINDOW_MS);
        assert_eq!(WIDGET_RETRY_WINDOW_MS, 604_800_000);
    }
}
