//! The OpenAPI 3.1 document, generated from the request and response types
//! (`ToSchema`) and the `#[utoipa::path]` on each handler. The served copy,
//! `worker/src/openapi.json`, is this generation written out: a native test
//! fails when they differ (`UPDATE_OPENAPI=1 cargo test -p leadsbot-worker
//! openapi` rewrites it), so the document cannot drift from the code. Only
//! that test calls the generator, so none of it reaches the wasm bundle.

pub mod params;
pub mod problems;
pub mod schemas;
pub mod webhook_events;
pub mod workflow_schemas;



use crate::api::{admin, admin_moves, campaigns, capture_urls, deliveries, erasures, events, exports, follow_ups, inbound, inbox_links, keys, leads, members, meta, notes, slack, summaries, telegram, telegram_webhook, webhook_test_send, webhooks, workflows, workspace, workspace_credentials};
use utoipa::openapi::security::SecurityScheme;
use utoipa::{Modify, OpenApi};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "LeadsBot API",
        version = "1.0.0",
        description = "Edge-native lead capture. Every error is application/problem+json. Request bodies refuse unknown fields (400) and invalid values (422), naming the field.",
        license(name = "Apache-2.0", identifier = "Apache-2.0"),
    ),
    servers((url = "http://127.0.0.1:8787", description = "wrangler dev")),
    paths(
        meta::health, meta::openapi,
        admin::create_workspace,
        admin_moves::get,
        admin_moves::start,
        inbound::capture, inbound::preflight, inbound::capture_via_url,
        workspace::get, workspace::patch, workspace::rejections,
        workspace_credentials::rotate_public_token, workspace_credentials::rotate_inbound_secret,
        leads::list, exports::export, leads::get, leads::patch, erasures::erase_lead, erasures::erase_by_email,
        follow_ups::list, follow_ups::create, follow_ups::cancel,
        notes::list, notes::create,
        summaries::get,
        keys::list, keys::create, keys::revoke,
        members::list, members::invite, members::patch, members::remove,
        capture_urls::list, capture_urls::create, capture_urls::delete,
        webhooks::list, webhooks::create, webhooks::get, webhooks::patch, webhooks::delete,
        webhooks::rotate_secret, webhooks::deliveries, webhooks::recover, webhook_test_send::send,
        deliveries::list, deliveries::get, deliveries::retry,
        events::list, events::get,
        inbox_links::create,
        telegram::put, telegram::get, telegram::delete, telegram_webhook::update,
        slack::put, slack::get, slack::delete,
        workflows::list, workflows::create, workflows::get, workflows::patch, workflows::delete,
        workflows::trigger, workflows::runs, workflows::lead_runs,
        campaigns::list, campaigns::create, campaigns::get, campaigns::patch,
        campaigns::pause, campaigns::resume, campaigns::archive, campaigns::controls,
    ),
    components(schemas(
        crate::error::Problem, crate::error::FieldProblem, crate::error::WorkflowRef,
        schemas::LeadStatusName, schemas::LeadCursor, schemas::NoteCursor, schemas::CaptureUrlCursor, schemas::DeliveryStatusName, schemas::JobStatusName, schemas::JobChannelName, schemas::EventTypeName, schemas::LeadId, schemas::ExportFormat, schemas::PeriodName,
        workflows::WorkflowIn, workflows::WorkflowPatch,
        webhook_events::WebhookEnvelope, webhook_events::StatusChangedData, webhook_events::AssignedData, webhook_events::FollowUpDueData, webhook_events::ErasedData,
        webhook_events::WorkflowActionData, webhook_events::CampaignEventData,
        crate::automation::workflows::RunOut, crate::automation::follow_ups::out::FollowUpOut, crate::leads::LeadOut,
    )),
    modifiers(&SharedComponents),
    tags(
        (name = "meta", description = "Health and this document"),
        (name = "admin", description = "Operator bootstrap"),
        (name = "capture", description = "Lead capture from browsers, servers and tools"),
        (name = "workspace"), (name = "leads"), (name = "exports"), (name = "keys"),
        (name = "members", description = "The people of a workspace and their roles: owner (everything), admin (everything but owners), member (works leads), viewer (reads)"),
        (name = "capture-urls"),
        (name = "follow-ups", description = "Reminders about a lead, fired at their time"),
        (name = "webhooks"), (name = "integrations"), (name = "workflows"),
        (name = "inbox", description = "Sign-in links for the inbox at /app"),
        (name = "campaigns", description = "Campaigns and their manual controls: a paused campaign holds its leads' response (Telegram alerts, workflows, follow-ups) until resumed; webhooks always get every lead"),
    ),
)]
pub struct ApiDoc;

/// The document as served: pretty JSON, every declared response header
/// marked required (each is sent on every such answer) but those sent only
/// sometimes (`OPTIONAL_HEADERS`).
pub fn document() -> String {
    let mut doc = serde_json::to_value(ApiDoc::openapi()).expect("the document serialises");
    mark_headers_required(&mut doc);
    // utoipa 5 has no `webhooks`: the events endpoints receive are added here.
    doc["webhooks"] = webhook_events::webhooks();
    camel_case_links(&mut doc);
    serde_json::to_string_pretty(&doc).expect("the document serialises") + "\n"
}

/// Response headers sent only on some answers of their status: `Disabled-Workflows`
/// only when a forced delete disabled workflows.
const OPTIONAL_HEADERS: [&str; 1] = ["Disabled-Workflows"];

/// Response headers are the only `headers` maps in the document.
fn mark_headers_required(value: &mut serde_json::Value) {
    match value {
        serde_json::Value::Object(map) => {
            if let Some(headers) = map.get_mut("headers").and_then(|h| h.as_object_mut()) {
                for (name, header) in headers.iter_mut() {
                    header["required"] = (!OPTIONAL_HEADERS.contains(&name.as_str())).into();
                }
            }
            map.values_mut().for_each(mark_headers_required);
        }
        serde_json::Value::Array(items) => items.iter_mut().for_each(mark_headers_required),
        _ => {}
    }
}

/// The security schemes and the problem responses every operation refers to.
struct SharedComponents;

/// utoipa 5.5 writes link fields in snake case; OpenAPI spells them
/// `operationId` and `requestBody`.
fn camel_case_links(value: &mut serde_json::Value) {
    match value {
        serde_json::Value::Object(map) => {
            if let Some(links) = map.get_mut("links").and_then(|l| l.as_object_mut()) {
                for link in links.values_mut().filter_map(|l| l.as_object_mut()) {
                    for (from, to) in [("operation_id", "operationId"), ("request_body", "requestBody"), ("operation_ref", "operationRef")] {
                        if let Some(v) = link.remove(from) {
                            link.insert(to.into(), v);
                        }
                    }
                }
            }
            map.values_mut().for_each(camel_case_links);
        }
        serde_json::Value::Array(items) => items.iter_mut().for_each(camel_case_links),
        _ => {}
    }
}

impl Modify for SharedComponents {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        let schemes = serde_json::json!({
            "apiKey": {"type": "http", "scheme": "bearer", "description": "A workspace API key (lb_sk_…) with read, write or admin scope"},
            "adminToken": {"type": "http", "scheme": "bearer", "description": "The operator's ADMIN_TOKEN Worker secret"},
            "publicToken": {"type": "apiKey", "in": "header", "name": "X-LeadsBot-Token", "description": "The workspace's public token (also accepted as the _token field); the Origin must be allowed"},
            "typeformSignature": {"type": "apiKey", "in": "header", "name": "Typeform-Signature", "description": "Typeform's `sha256=<base64 HMAC-SHA256 of the raw body>` with the capture URL's secret (preset typeform)"},
            "tallySignature": {"type": "apiKey", "in": "header", "name": "Tally-Signature", "description": "Tally's base64 HMAC-SHA256 of the raw body with the capture URL's secret (preset tally)"},
            "telegramSecret": {"type": "apiKey", "in": "header", "name": "X-Telegram-Bot-Api-Secret-Token", "description": "The secret token registered with setWebhook by PUT /api/v1/integrations/telegram (Telegram sends it)"},
            "serverSignature": {"type": "apiKey", "in": "header", "name": "X-LeadsBot-Signature", "description": "Hex HMAC-SHA256 of '{X-LeadsBot-Timestamp}.{raw body}' with the inbound signing secret; 5-minute tolerance"},
        });
        for (name, scheme) in schemes.as_object().into_iter().flatten() {
            let scheme: SecurityScheme = serde_json::from_value(scheme.clone()).expect("a valid security scheme");
            components.add_security_scheme(name, scheme);
        }
        for status in problems::STATUSES {
            components.responses.insert(problems::component_name(status), problems::problem_response(status).into());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SERVED: &str = include_str!("../../openapi.json");

    #[test]
    fn the_served_document_is_the_generated_one() {
        let generated = document();
        if std::env::var_os("UPDATE_OPENAPI").is_some() {
            std::fs::write(concat!(env!("CARGO_MANIFEST_DIR"), "/src/openapi.json"), &generated).unwrap();
            return;
        }
        assert!(
            SERVED == generated,
            "worker/src/openapi.json is out of date: run `UPDATE_OPENAPI=1 cargo test -p leadsbot-worker openapi` and commit it"
        );
    }

    #[test]
    fn every_operation_has_an_id_and_declares_its_errors() {
        let doc: serde_json::Value = serde_json::from_str(&document()).unwrap();
        for (path, item) in doc["paths"].as_object().unwrap() {
            for (method, operation) in item.as_object().unwrap() {
                assert!(operation["operationId"].is_string(), "{method} {path} has no operationId");
                let responses = operation["responses"].as_object().unwrap();
                assert!(!responses.contains_key("default"), "{method} {path}: declare each status, not a default");
                for (status, response) in responses {
                    let shared = response["$ref"].as_str().and_then(|r| r.strip_prefix("#/components/responses/"));
                    let response = shared.map_or(response, |name| &doc["components"]["responses"][name]);
                    if status.starts_with('4') {
                        assert!(response["content"]["application/problem+json"].is_object(), "{method} {path} {status} is not a problem");
                    }
                }
            }
        }
    }
}
