//! The route table: which method and path reach which handler. Pure data and
//! matching, so the whole API surface is unit-tested (and checked against the
//! OpenAPI document) natively.

use crate::app::PathParams;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Route {
    Health,
    OpenApi,
    AdminCreateWorkspace,
    AdminGetWorkspace,
    AdminMoveWorkspace,
    InboundCapture,
    InboundPreflight,
    CaptureUrlCapture,
    GetWorkspace,
    PatchWorkspace,
    ListRejections,
    RotatePublicToken,
    RotateInboundSecret,
    ListLeads,
    ExportLeads,
    GetLead,
    PatchLead,
    EraseLead,
    ListFollowUps,
    CreateFollowUp,
    CancelFollowUp,
    ListNotes,
    CreateNote,
    EraseByEmail,
    GetSummary,
    ListKeys,
    CreateKey,
    RevokeKey,
    ListMembers,
    InviteMember,
    PatchMember,
    RemoveMember,
    ListCaptureUrls,
    CreateCaptureUrl,
    DeleteCaptureUrl,
    ListWebhooks,
    CreateWebhook,
    GetWebhook,
    PatchWebhook,
    DeleteWebhook,
    RotateWebhookSecret,
    ListWebhookDeliveries,
    RecoverWebhook,
    TestWebhook,
    ListDeliveries,
    GetDelivery,
    RetryDelivery,
    ListEvents,
    GetEvent,
    CreateInboxLink,
    PutTelegram,
    GetTelegram,
    DeleteTelegram,
    PutSlack,
    GetSlack,
    DeleteSlack,
    ListWorkflows,
    CreateWorkflow,
    GetWorkflow,
    PatchWorkflow,
    DeleteWorkflow,
    TriggerWorkflow,
    ListWorkflowRuns,
    ListLeadRuns,
    ListCampaigns,
    CreateCampaign,
    GetCampaign,
    PatchCampaign,
    PauseCampaign,
    ResumeCampaign,
    ArchiveCampaign,
    ListCampaignControls,
    TelegramUpdate,
}

/// (method, path pattern, route). `:name` segments capture one path segment.
pub const ROUTES: &[(&str, &str, Route)] = &[
    ("GET", "/healthz", Route::Health),
    ("GET", "/api/v1/openapi.json", Route::OpenApi),
    ("POST", "/api/admin/workspaces", Route::AdminCreateWorkspace),
    ("GET", "/api/admin/workspaces/:id", Route::AdminGetWorkspace),
    ("POST", "/api/admin/workspaces/:id/move", Route::AdminMoveWorkspace),
    ("POST", "/api/inbound/:workspace_id/leads", Route::InboundCapture),
    ("OPTIONS", "/api/inbound/:workspace_id/leads", Route::InboundPreflight),
    ("POST", "/api/inbound/w/:webhook_id/leads", Route::CaptureUrlCapture),
    ("GET", "/api/v1/workspace", Route::GetWorkspace),
    ("PATCH", "/api/v1/workspace", Route::PatchWorkspace),
    ("GET", "/api/v1/workspace/rejections", Route::ListRejections),
    ("POST", "/api/v1/workspace/rotate-public-token", Route::RotatePublicToken),
    ("POST", "/api/v1/workspace/rotate-inbound-secret", Route::RotateInboundSecret),
    ("GET", "/api/v1/leads", Route::ListLeads),
    // Before `/api/v1/leads/:id`: the first match wins.
    ("GET", "/api/v1/leads/export", Route::ExportLeads),
    ("GET", "/api/v1/leads/:id", Route::GetLead),
    ("PATCH", "/api/v1/leads/:id", Route::PatchLead),
    ("DELETE", "/api/v1/leads/:id", Route::EraseLead),
    ("GET", "/api/v1/leads/:id/follow-ups", Route::ListFollowUps),
    ("POST", "/api/v1/leads/:id/follow-ups", Route::CreateFollowUp),
    ("DELETE", "/api/v1/leads/:id/follow-ups/:follow_up_id", Route::CancelFollowUp),
    ("GET", "/api/v1/leads/:id/notes", Route::ListNotes),
    ("POST", "/api/v1/leads/:id/notes", Route::CreateNote),
    ("POST", "/api/v1/erasures", Route::EraseByEmail),
    ("GET", "/api/v1/summaries", Route::GetSummary),
    ("GET", "/api/v1/keys", Route::ListKeys),
    ("POST", "/api/v1/keys", Route::CreateKey),
    ("DELETE", "/api/v1/keys/:id", Route::RevokeKey),
    ("GET", "/api/v1/members", Route::ListMembers),
    ("POST", "/api/v1/members", Route::InviteMember),
    ("PATCH", "/api/v1/members/:id", Route::PatchMember),
    ("DELETE", "/api/v1/members/:id", Route::RemoveMember),
    ("GET", "/api/v1/inbound-webhooks", Route::ListCaptureUrls),
    ("POST", "/api/v1/inbound-webhooks", Route::CreateCaptureUrl),
    ("DELETE", "/api/v1/inbound-webhooks/:id", Route::DeleteCaptureUrl),
    ("GET", "/api/v1/webhooks", Route::ListWebhooks),
    ("POST", "/api/v1/webhooks", Route::CreateWebhook),
    ("GET", "/api/v1/webhooks/:id", Route::GetWebhook),
    ("PATCH", "/api/v1/webhooks/:id", Route::PatchWebhook),
    ("DELETE", "/api/v1/webhooks/:id", Route::DeleteWebhook),
    ("POST", "/api/v1/webhooks/:id/rotate-secret", Route::RotateWebhookSecret),
    ("GET", "/api/v1/webhooks/:id/deliveries", Route::ListWebhookDeliveries),
    ("POST", "/api/v1/webhooks/:id/recover", Route::RecoverWebhook),
    ("POST", "/api/v1/webhooks/:id/test", Route::TestWebhook),
    ("GET", "/api/v1/deliveries", Route::ListDeliveries),
    ("GET", "/api/v1/deliveries/:id", Route::GetDelivery),
    ("POST", "/api/v1/deliveries/:id/retry", Route::RetryDelivery),
    ("GET", "/api/v1/events", Route::ListEvents),
    ("GET", "/api/v1/events/:id", Route::GetEvent),
    ("POST", "/api/v1/inbox-links", Route::CreateInboxLink),
    ("PUT", "/api/v1/integrations/telegram", Route::PutTelegram),
    ("GET", "/api/v1/integrations/telegram", Route::GetTelegram),
    ("DELETE", "/api/v1/integrations/telegram", Route::DeleteTelegram),
    ("PUT", "/api/v1/integrations/slack", Route::PutSlack),
    ("GET", "/api/v1/integrations/slack", Route::GetSlack),
    ("DELETE", "/api/v1/integrations/slack", Route::DeleteSlack),
    ("GET", "/api/v1/workflows", Route::ListWorkflows),
    ("POST", "/api/v1/workflows", Route::CreateWorkflow),
    ("GET", "/api/v1/workflows/:id", Route::GetWorkflow),
    ("PATCH", "/api/v1/workflows/:id", Route::PatchWorkflow),
    ("DELETE", "/api/v1/workflows/:id", Route::DeleteWorkflow),
    ("POST", "/api/v1/workflows/:id/trigger", Route::TriggerWorkflow),
    ("GET", "/api/v1/workflows/:id/runs", Route::ListWorkflowRuns),
    ("GET", "/api/v1/leads/:id/runs", Route::ListLeadRuns),
    ("GET", "/api/v1/campaigns", Route::ListCampaigns),
    ("POST", "/api/v1/campaigns", Route::CreateCampaign),
    ("GET", "/api/v1/campaigns/:id", Route::GetCampaign),
    ("PATCH", "/api/v1/campaigns/:id", Route::PatchCampaign),
    ("POST", "/api/v1/campaigns/:id/pause", Route::PauseCampaign),
    ("POST", "/api/v1/campaigns/:id/resume", Route::ResumeCampaign),
    ("POST", "/api/v1/campaigns/:id/archive", Route::ArchiveCampaign),
    ("GET", "/api/v1/campaigns/:id/controls", Route::ListCampaignControls),
    ("POST", "/telegram/webhook/:workspace_id", Route::TelegramUpdate),
];

#[derive(Debug, PartialEq, Eq)]
pub struct Matched {
    pub route: Route,
    pub params: PathParams,
}

#[derive(Debug, PartialEq, Eq)]
pub enum Miss {
    NotFound,
    /// The path exists, under these methods.
    MethodNotAllowed(Vec<&'static str>),
}

pub fn match_route(method: &str, path: &str) -> Result<Matched, Miss> {
    // HEAD is answered like GET; the runtime drops the body.
    let method = if method == "HEAD" { "GET" } else { method };
    let path = if path.len() > 1 { path.trim_end_matches('/') } else { path };
    let matching: Vec<_> = ROUTES.iter().filter_map(|(m, pattern, route)| Some((*m, *route, match_pattern(pattern, path)?))).collect();
    // The most literal pattern names the resource: `/leads/export` is not the lead with id "export".
    let fewest = matching.iter().map(|(_, _, params)| params.len()).min();
    let mut allowed = Vec::new();
    for (route_method, route, params) in matching.into_iter().filter(|(_, _, params)| Some(params.len()) == fewest) {
        if route_method == method {
            return Ok(Matched { route, params: PathParams(params) });
        }
        if !allowed.contains(&route_method) {
            allowed.push(route_method);
        }
    }
    if allowed.is_empty() { Err(Miss::NotFound) } else { Err(Miss::MethodNotAllowed(allowed)) }
}

fn match_pattern(pattern: &'static str, path: &str) -> Option<Vec<(&'static str, String)>> {
    let mut wanted = pattern.split('/');
    let mut given = path.split('/');
    let mut params = Vec::new();
    loop {
        match (wanted.next(), given.next()) {
            (None, None) => return Some(params),
            (Some(w), Some(g)) if w.starts_with(':') && !g.is_empty() => params.push((&w[1..], g.to_string())),
            (Some(w), Some(g)) if w == g => {}
            _ => return None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_static_and_parameterised_paths() {
        assert_eq!(match_route("GET", "/healthz").unwrap().route, Route::Health);
        let m = match_route("POST", "/api/inbound/ws_1/leads").unwrap();
        assert_eq!((m.route, m.params.get("workspace_id")), (Route::InboundCapture, "ws_1"));
        let m = match_route("POST", "/api/inbound/w/wh_9/leads").unwrap();
        assert_eq!((m.route, m.params.get("webhook_id")), (Route::CaptureUrlCapture, "wh_9"));
        assert_eq!(match_route("GET", "/api/v1/leads/").unwrap().route, Route::ListLeads);
        assert_eq!(match_route("HEAD", "/healthz").unwrap().route, Route::Health);
        assert_eq!(match_route("GET", "/api/v1/leads/export").unwrap().route, Route::ExportLeads);
        assert_eq!(match_route("GET", "/api/v1/leads/lead_1").unwrap().route, Route::GetLead);
    }

    #[test]
    fn tells_unknown_paths_from_wrong_methods() {
        assert_eq!(match_route("GET", "/nope"), Err(Miss::NotFound));
        assert_eq!(match_route("GET", "/api/v1/leads/x/y"), Err(Miss::NotFound));
        assert_eq!(match_route("GET", "/api/inbound//leads"), Err(Miss::NotFound));
        assert_eq!(match_route("PUT", "/api/v1/leads/1"), Err(Miss::MethodNotAllowed(vec!["GET", "PATCH", "DELETE"])));
        assert_eq!(match_route("PATCH", "/api/v1/leads/export"), Err(Miss::MethodNotAllowed(vec!["GET"])), "export is not a lead id");
        assert_eq!(match_route("GET", "/api/v1/leads/lead_1").unwrap().route, Route::GetLead);
        for undeclared in ["QUERY", "TRACE", "get", "CONNECT"] {
            assert_eq!(match_route(undeclared, "/api/v1/leads"), Err(Miss::MethodNotAllowed(vec!["GET"])), "{undeclared}");
        }
    }

    #[test]
    fn every_route_is_in_the_openapi_document() {
        let doc: serde_json::Value = serde_json::from_str(include_str!("../openapi.json")).unwrap();
        for (method, pattern, _) in ROUTES {
            let path = openapi_path(pattern);
            let operation = &doc["paths"][&path][method.to_ascii_lowercase()];
            assert!(operation.is_object(), "{method} {path} is missing from openapi.json");
        }
    }

    #[test]
    fn every_documented_operation_is_routed() {
        let doc: serde_json::Value = serde_json::from_str(include_str!("../openapi.json")).unwrap();
        for (path, item) in doc["paths"].as_object().unwrap() {
            for method in item.as_object().unwrap().keys() {
                let routed = ROUTES.iter().any(|(m, p, _)| m.eq_ignore_ascii_case(method) && openapi_path(p) == *path);
                assert!(routed, "{method} {path} is documented but not routed");
            }
        }
    }

    fn openapi_path(pattern: &str) -> String {
        pattern
            .split('/')
            .map(|s| s.strip_prefix(':').map(|p| format!("{{{p}}}")).unwrap_or_else(|| s.to_string()))
            .collect::<Vec<_>>()
            .join("/")
    }
}
