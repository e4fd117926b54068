//! The Slack integration (`/api/v1/integrations/slack`): new leads, and
//! workflows' `slack` actions, are posted to a Slack incoming webhook. The
//! webhook URL is the credential: it passes the receiver rule like a
//! webhook endpoint's, is sealed at rest and only ever shown redacted.

use crate::api::openapi::problems::{BodyProblems, KeyProblems, NotFound};
use crate::app::App;
use crate::auth::{self, KeyAuth, Scope};
use crate::config::Config;
use crate::error::{ApiError, ApiResult};
use crate::http::{json, no_content, read_json};
use crate::outbox::slack::inbox_url;
use crate::platform::random_bytes;
use crate::store::integrations::{IntegrationRow, SLACK};
use leadsbot_shared::slack::redact_url;
use leadsbot_shared::time::format_rfc3339;
use leadsbot_shared::webhook_url::WebhookUrl;
use leadsbot_shared::FieldError;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use utoipa::ToSchema;
use worker::Response;

/// Where to post.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SlackIn {
    /// A Slack incoming-webhook URL (`https://hooks.slack.com/services/…`): public https only,
    /// as for webhook endpoints. Sealed at rest, only ever shown redacted.
    #[schema(format = "uri", max_length = 2000)]
    webhook_url: String,
}

#[derive(Serialize, ToSchema)]
pub struct SlackOut {
    /// Always true: the webhook URL is set.
    configured: bool,
    /// The webhook URL without its secret part (`https://hooks.slack.com/services/T…/…`).
    webhook_url: String,
    /// Where the messages' "Open in inbox" buttons lead (`PUBLIC_URL`, else the origin this was set up from).
    inbox_url: String,
    #[schema(format = DateTime)]
    created_at: String,
    #[schema(format = DateTime)]
    updated_at: String,
}

impl SlackOut {
    fn new(config: &Config, row: &IntegrationRow) -> Self {
        let settings: Value = serde_json::from_str(&row.settings).unwrap_or_default();
        Self {
            configured: true,
            webhook_url: settings["webhook_url_redacted"].as_str().unwrap_or_default().to_string(),
            inbox_url: inbox_url(config, row),
            created_at: format_rfc3339(row.created_at),
            updated_at: format_rfc3339(row.updated_at),
        }
    }
}

async fn admin(app: &App) -> ApiResult<KeyAuth> {
    let key = auth::api_key(app).await?;
    key.require(Scope::Admin)?;
    Ok(key)
}

fn not_set_up() -> ApiError {
    ApiError::NotFound("Slack is not set up for this workspace".into())
}

/// Set up Slack alerts (admin)
///
/// New leads (not spam) are posted to this incoming webhook as Block Kit messages, held while their campaign
/// is paused; workflows may post with a `slack` action. The URL must pass the same rule as webhook endpoints.
#[utoipa::path(put, path = "/api/v1/integrations/slack", operation_id = "putSlack", tag = "integrations", security(("apiKey" = [])),
    request_body = SlackIn,
    responses((status = 200, description = "Set up", body = SlackOut, links(
            ("GetSlack" = (operation_id = "getSlack")),
            ("DeleteSlack" = (operation_id = "deleteSlack")),
        )), BodyProblems, KeyProblems))]
pub async fn put(app: &mut App) -> ApiResult<Response> {
    let key = admin(app).await?;
    let input: SlackIn = read_json(&mut app.req).await?;
    let config = app.config()?;
    let url = WebhookUrl::parse(&input.webhook_url, config.url_policy)
        .map_err(|refused| ApiError::Validation(vec![FieldError::new("webhook_url", refused.code(), refused.to_string())]))?;
    let sealed = config.secrets.seal(url.as_str(), random_bytes()?).map_err(|e| ApiError::internal("seal", e))?;
    let created_at = app.store.integration(&key.workspace_id, SLACK).await?.map(|r| r.created_at).unwrap_or(app.now_ms);
    let row = IntegrationRow {
        workspace_id: key.workspace_id.clone(),
        kind: SLACK.into(),
        secret_sealed: sealed,
        // Where buttons lead if PUBLIC_URL is not set: a queue consumer has no request to take it from.
        settings: json!({"webhook_url_redacted": redact_url(url.as_str()), "inbox_url": app.origin()?}).to_string(),
        created_at,
        updated_at: app.now_ms,
    };
    app.store.put_integration(&row).await?;
    json(200, &SlackOut::new(&config, &row))
}

/// The Slack set-up (admin)
#[utoipa::path(get, path = "/api/v1/integrations/slack", operation_id = "getSlack", tag = "integrations", security(("apiKey" = [])),
    responses((status = 200, description = "Set up", body = SlackOut), KeyProblems, NotFound))]
pub async fn get(app: &mut App) -> ApiResult<Response> {
    let key = admin(app).await?;
    let row = app.store.integration(&key.workspace_id, SLACK).await?.ok_or_else(not_set_up)?;
    json(200, &SlackOut::new(&app.config()?, &row))
}

/// Stop Slack alerts (admin)
///
/// Messages not sent yet end failed ("the Slack integration was removed"), replayable once it is set up again.
#[utoipa::path(delete, path = "/api/v1/integrations/slack", operation_id = "deleteSlack", tag = "integrations", security(("apiKey" = [])),
    responses((status = 204, description = "Removed"), KeyProblems, NotFound))]
pub async fn delete(app: &mut App) -> ApiResult<Response> {
    let key = admin(app).await?;
    if app.store.delete_integration(&key.workspace_id, SLACK).await? {
        no_content()
    } else {
        Err(not_set_up())
    }
}
