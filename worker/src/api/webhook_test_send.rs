//! `POST /api/v1/webhooks/:id/test`: a signed example event, sent now.
//!
//! A synchronous probe, deliberately not a job of the outbox: it is no
//! lead's event, so it has no event row and no delivery row, is never
//! retried, replayed or recovered, and its outcome is the answer itself.
//! It goes through the one attempt real deliveries make (`call_webhook`:
//! the URL checked against the receiver rule, signed with the same
//! headers and secrets), and nothing of it is recorded, so it never moves
//! the endpoint's health: no failure streak, no auto-disable, and a URL
//! the rule refuses is reported, not disabled.

use crate::api::openapi::problems::{KeyProblems, NotFound, RateLimited};
use crate::app::App;
use crate::auth::{self, limiter, Scope};
use crate::error::{ApiError, ApiResult};
use crate::http::json;
use crate::ids::new_id;
use crate::leads::events::test_event;
use crate::outbox::attempt::{call_webhook, Call};
use crate::store::deliveries::DeliveryJob;
use leadsbot_shared::ids::IdKind;
use serde::Serialize;
use utoipa::ToSchema;
use worker::Response;

/// What the test send found.
#[derive(Debug, Serialize, ToSchema)]
pub struct TestSendOut {
    /// The example's event id (its body's `id`); not stored.
    pub event_id: String,
    /// Its `X-LeadsBot-Delivery` and `webhook-id`; not stored.
    pub delivery_id: String,
    /// False when nothing was sent (the endpoint is disabled, or its URL fails the receiver rule).
    pub sent: bool,
    /// True when the receiver answered 2xx, as a delivery would count it.
    pub ok: bool,
    /// `null` when no answer came (not sent, timeout, refused connection).
    pub status_code: Option<u16>,
    pub duration_ms: i64,
    pub error: Option<String>,
    /// The first KiB of the receiver's answer.
    pub response_excerpt: Option<String>,
}

impl TestSendOut {
    fn new(event_id: String, delivery_id: String, call: Call) -> Self {
        let status_code = call.reply.status;
        Self {
            event_id,
            delivery_id,
            sent: call.sent,
            ok: status_code.is_some_and(|code| (200..300).contains(&code)),
            status_code,
            duration_ms: call.duration_ms,
            error: call.error(),
            response_excerpt: call.reply.body,
        }
    }
}

/// Send a test event to an endpoint now (admin)
///
/// Posts an example `lead.created` about a fake lead, marked `"test": true`,
/// signed exactly as deliveries are, and answers with what the receiver
/// said (a receiver's error is still a 200 here: the test ran). Nothing is
/// stored: no lead, no event, no delivery, and the endpoint's health is
/// untouched. A disabled endpoint, or one whose URL the receiver rule now
/// refuses, is not called (`sent: false`, the reason in `error`).
#[utoipa::path(post, path = "/api/v1/webhooks/{id}/test", operation_id = "testWebhook", tag = "webhooks", security(("apiKey" = [])),
    params(("id" = String, Path, description = "Endpoint id")),
    responses((status = 200, description = "The test ran", body = TestSendOut), KeyProblems, NotFound, RateLimited))]
pub async fn send(app: &mut App) -> ApiResult<Response> {
    let key = auth::api_key(app).await?;
    key.require(Scope::Admin)?;
    let endpoint = app.store.endpoint(&key.workspace_id, &app.param("id")).await?;
    let endpoint = endpoint.ok_or_else(|| ApiError::NotFound("no webhook endpoint with this id in this workspace".into()))?;
    limiter::admit(&app.env, limiter::WEBHOOK_TESTS_PER_WORKSPACE, key.workspace_id.clone()).await?;
    let event = test_event(&key.workspace_id, app.now_ms)?;
    let job = DeliveryJob {
        id: new_id(IdKind::Delivery, app.now_ms)?,
        workspace_id: key.workspace_id.clone(),
        event_type: event.kind.clone(),
        target_kind: leadsbot_shared::job::JobKind::Webhook.as_str().into(),
        target_id: endpoint.id.clone(),
        attempts: 0,
        payload: Some(event.payload),
        in_order: 0,
        run_id: None,
        action_index: None,
    };
    let call = call_webhook(&app.config()?, &job, Some(&endpoint)).await?;
    json(200, &TestSendOut::new(event.id, job.id, call))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::outbox::outbound::Reply;

    fn call(status: Option<u16>, error: Option<&str>) -> Call {
        let reply = Reply { status, error: error.map(str::to_string), ..Reply::default() };
        Call { started_at: 0, duration_ms: 3, reply, retry_after_secs: None, stopped: None, url_refused: false, cancelled: None, sent: status.is_some() }
    }

    #[test]
    fn a_test_reports_the_receivers_answer() {
        let ok = TestSendOut::new("evt_1".into(), "dlv_1".into(), call(Some(204), None));
        assert!(ok.ok && ok.sent && ok.error.is_none());
        let failed = TestSendOut::new("evt_1".into(), "dlv_1".into(), call(Some(500), None));
        assert!(!failed.ok);
        assert_eq!((failed.status_code, failed.error.as_deref()), (Some(500), Some("HTTP 500")));
        let refused = TestSendOut::new("evt_1".into(), "dlv_1".into(), call(None, Some("not sent: loopback")));
        assert!(!refused.sent && !refused.ok);
        assert_eq!(refused.error.as_deref(), Some("not sent: loopback"));
    }
}
