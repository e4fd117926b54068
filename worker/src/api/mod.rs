//! The front door: match the route, run its handler, and turn any error into
//! a problem document. Handlers live one file per resource.

pub(crate) mod admin;
pub(crate) mod admin_moves;
pub(crate) mod campaigns;
pub(crate) mod capture_urls;
pub(crate) mod deliveries;
pub(crate) mod erasures;
pub(crate) mod events;
pub(crate) mod exports;
pub(crate) mod follow_ups;
pub(crate) mod inbound;
pub(crate) mod inbox_links;
pub(crate) mod keys;
pub(crate) mod leads;
pub(crate) mod members;
pub(crate) mod meta;
pub(crate) mod notes;
pub(crate) mod summaries;
pub(crate) mod slack;
pub(crate) mod telegram;
pub(crate) mod telegram_webhook;
pub mod table;
// Only the native document test calls the generator; the wasm build keeps the
// derives and `#[utoipa::path]`s it needs to compile, and drops the rest.
#[cfg_attr(not(test), allow(dead_code))]
pub mod openapi;
pub(crate) mod webhook_test_send;
pub(crate) mod webhooks;
pub(crate) mod workflows;
pub(crate) mod workspace;
pub(crate) mod workspace_credentials;

use crate::app::App;
use crate::error::{ApiError, ApiResult};
use table::{match_route, Miss, Route};
use worker::{Context, Env, Request, Response};

/// Every request but the inbox's (`lib.rs` hands `/app` to `inbox`).
pub async fn handle(req: Request, env: Env, ctx: Context) -> Response {
    // The method exactly as sent: workers-rs maps methods it does not know
    // (QUERY, …) to GET, which would answer them as GETs.
    let method = req.inner().method();
    let table::Matched { route, params } = match match_route(&method, &req.path()) {
        Ok(matched) => matched,
        Err(Miss::NotFound) => return ApiError::NotFound(format!("no route for {}", req.path())).into_response(),
        Err(Miss::MethodNotAllowed(allowed)) => return ApiError::MethodNotAllowed(allowed).into_response(),
    };
    let mut app = match App::open(req, env, ctx, params) {
        Ok(app) => app,
        Err(err) => return err.into_response(),
    };
    let response = dispatch(route, &mut app).await.unwrap_or_else(ApiError::into_response);
    with_cors(response, app.cors_origin.as_deref())
}

async fn dispatch(route: Route, app: &mut App) -> ApiResult<Response> {
    match route {
        Route::Health => meta::health(),
        Route::OpenApi => meta::openapi(),
        Route::AdminCreateWorkspace => admin::create_workspace(app).await,
        Route::AdminGetWorkspace => admin_moves::get(app).await,
        Route::AdminMoveWorkspace => admin_moves::start(app).await,
        Route::InboundCapture => inbound::capture(app).await,
        Route::InboundPreflight => inbound::preflight(app).await,
        Route::CaptureUrlCapture => inbound::capture_via_url(app).await,
        Route::GetWorkspace => workspace::get(app).await,
        Route::PatchWorkspace => workspace::patch(app).await,
        Route::ListRejections => workspace::rejections(app).await,
        Route::RotatePublicToken => workspace_credentials::rotate_public_token(app).await,
        Route::RotateInboundSecret => workspace_credentials::rotate_inbound_secret(app).await,
        Route::ListLeads => leads::list(app).await,
        Route::ExportLeads => exports::export(app).await,
        Route::GetLead => leads::get(app).await,
        Route::PatchLead => leads::patch(app).await,
        Route::EraseLead => erasures::erase_lead(app).await,
        Route::ListFollowUps => follow_ups::list(app).await,
        Route::CreateFollowUp => follow_ups::create(app).await,
        Route::CancelFollowUp => follow_ups::cancel(app).await,
        Route::ListNotes => notes::list(app).await,
        Route::CreateNote => notes::create(app).await,
        Route::EraseByEmail => erasures::erase_by_email(app).await,
        Route::GetSummary => summaries::get(app).await,
        Route::ListKeys => keys::list(app).await,
        Route::CreateKey => keys::create(app).await,
        Route::RevokeKey => keys::revoke(app).await,
        Route::ListMembers => members::list(app).await,
        Route::InviteMember => members::invite(app).await,
        Route::PatchMember => members::patch(app).await,
        Route::RemoveMember => members::remove(app).await,
        Route::ListCaptureUrls => capture_urls::list(app).await,
        Route::CreateCaptureUrl => capture_urls::create(app).await,
        Route::DeleteCaptureUrl => capture_urls::delete(app).await,
        Route::ListWebhooks => webhooks::list(app).await,
        Route::CreateWebhook => webhooks::create(app).await,
        Route::GetWebhook => webhooks::get(app).await,
        Route::PatchWebhook => webhooks::patch(app).await,
        Route::DeleteWebhook => webhooks::delete(app).await,
        Route::RotateWebhookSecret => webhooks::rotate_secret(app).await,
        Route::ListWebhookDeliveries => webhooks::deliveries(app).await,
        Route::RecoverWebhook => webhooks::recover(app).await,
        Route::TestWebhook => webhook_test_send::send(app).await,
        Route::ListDeliveries => deliveries::list(app).await,
        Route::GetDelivery => deliveries::get(app).await,
        Route::RetryDelivery => deliveries::retry(app).await,
        Route::ListEvents => events::list(app).await,
        Route::GetEvent => events::get(app).await,
        Route::CreateInboxLink => inbox_links::create(app).await,
        Route::PutTelegram => telegram::put(app).await,
        Route::GetTelegram => telegram::get(app).await,
        Route::DeleteTelegram => telegram::delete(app).await,
        Route::PutSlack => slack::put(app).await,
        Route::GetSlack => slack::get(app).await,
        Route::DeleteSlack => slack::delete(app).await,
        Route::ListWorkflows => workflows::list(app).await,
        Route::CreateWorkflow => workflows::create(app).await,
        Route::GetWorkflow => workflows::get(app).await,
        Route::PatchWorkflow => workflows::patch(app).await,
        Route::DeleteWorkflow => workflows::delete(app).await,
        Route::TriggerWorkflow => workflows::trigger(app).await,
        Route::ListWorkflowRuns => workflows::runs(app).await,
        Route::ListLeadRuns => workflows::lead_runs(app).await,
        Route::ListCampaigns => campaigns::list(app).await,
        Route::CreateCampaign => campaigns::create(app).await,
        Route::GetCampaign => campaigns::get(app).await,
        Route::PatchCampaign => campaigns::patch(app).await,
        Route::PauseCampaign => campaigns::pause(app).await,
        Route::ResumeCampaign => campaigns::resume(app).await,
        Route::ArchiveCampaign => campaigns::archive(app).await,
        Route::ListCampaignControls => campaigns::controls(app).await,
        Route::TelegramUpdate => telegram_webhook::update(app).await,
    }
}

fn with_cors(mut response: Response, origin: Option<&str>) -> Response {
    if let Some(origin) = origin {
        let headers = response.headers_mut();
        let _ = headers.set("Access-Control-Allow-Origin", origin);
        let _ = headers.set("Access-Control-Expose-Headers", "Idempotent-Replayed, Retry-After, Disabled-Workflows");
        let _ = headers.append("Vary", "Origin");
    }
    response
}
