//! The events a workspace's endpoints receive, as they receive them
//! (`GET /api/v1/events`, `GET /api/v1/events/:id`): each with the exact
//! payload its deliveries send.

use crate::api::openapi::params::PageParams;
use crate::api::openapi::problems::{KeyProblems, NotFound, QueryProblems};
use crate::app::App;
use crate::auth::{self, Scope};
use crate::error::{ApiError, ApiResult};
use crate::http::{json, page_type, query_pairs, CursorOf, PageQuery};
use crate::outbox::webhook::EVENT_TYPES;
use crate::store::events::EventFilter;
use crate::store::leads::EventRow;
use leadsbot_shared::time::format_rfc3339;
use leadsbot_shared::FieldError;
use serde::Serialize;
use utoipa::ToSchema;
use worker::Response;

/// One event, as endpoints receive it.
#[derive(Debug, Serialize, ToSchema)]
pub struct EventOut {
    pub id: String,
    #[schema(schema_with = crate::api::openapi::schemas::event_type)]
    #[serde(rename = "type")]
    pub kind: String,
    /// The lead it concerns (none for a campaign's event).
    pub lead_id: Option<String>,
    #[schema(format = DateTime)]
    pub created_at: String,
    /// The JSON body every delivery of this event sends (and signs).
    #[schema(value_type = Object)]
    pub payload: serde_json::Value,
}

page_type!(
    /// A page of events, newest first.
    EventPageOut, EventOut
);

impl TryFrom<&EventRow> for EventOut {
    type Error = ApiError;

    fn try_from(row: &EventRow) -> ApiResult<Self> {
        Ok(Self {
            id: row.id.clone(),
            kind: row.kind.clone(),
            lead_id: row.lead_id.clone(),
            created_at: format_rfc3339(row.created_at),
            payload: serde_json::from_str(&row.payload)?,
        })
    }
}

/// The list's filters, parsed from its query: every value checked, unknown names refused.
#[derive(Debug, Default, PartialEq, Eq)]
struct EventQuery {
    kind: Option<&'static str>,
    lead_id: Option<String>,
    page: PageQuery,
}

fn parse_query(pairs: Vec<(String, String)>) -> ApiResult<EventQuery> {
    let (mut kind, mut lead_id) = (None, None);
    let page = PageQuery::parse(&pairs, CursorOf::Any, |name, value, errors| {
        match name {
            "lead_id" => lead_id = Some(value.to_string()).filter(|v| !v.is_empty()),
            "type" => match EVENT_TYPES.into_iter().find(|t| *t == value) {
                Some(known) => kind = Some(known),
                None => errors.push(FieldError::new("type", "unknown_event", format!("type is one of {}", EVENT_TYPES.join(", ")))),
            },
            _ => return false,
        }
        true
    })?;
    Ok(EventQuery { kind, lead_id, page })
}

/// List the workspace's events, newest first
///
/// Every event endpoints can receive, whether or not one subscribed, each
/// with the payload its deliveries send, byte for byte the same JSON.
#[utoipa::path(get, path = "/api/v1/events", operation_id = "listEvents", tag = "webhooks", security(("apiKey" = [])),
    params(
        ("type" = Option<crate::api::openapi::schemas::EventTypeName>, Query, description = "Only events of this type"),
        ("lead_id" = Option<String>, Query, description = "Only the events of this lead"),
        PageParams,
    ),
    responses((status = 200, description = "A page", body = EventPageOut), KeyProblems, QueryProblems))]
pub async fn list(app: &mut App) -> ApiResult<Response> {
    let key = auth::api_key(app).await?;
    key.require(Scope::Read)?;
    let query = parse_query(query_pairs(&app.req)?)?;
    let filter = EventFilter { types: &EVENT_TYPES, kind: query.kind, lead_id: query.lead_id.as_deref() };
    let mut rows = app.store.events(&key.workspace_id, &filter, query.page.cursor.as_deref(), query.page.limit).await?;
    let next_cursor = query.page.cut(&mut rows, |r| r.id.clone());
    let data = rows.iter().map(EventOut::try_from).collect::<ApiResult<Vec<_>>>()?;
    json(200, &EventPageOut::new(data, next_cursor))
}

/// One event
#[utoipa::path(get, path = "/api/v1/events/{id}", operation_id = "getEvent", tag = "webhooks", security(("apiKey" = [])),
    params(("id" = String, Path, description = "Event id")),
    responses((status = 200, description = "The event", body = EventOut), KeyProblems, NotFound))]
pub async fn get(app: &mut App) -> ApiResult<Response> {
    let key = auth::api_key(app).await?;
    key.require(Scope::Read)?;
    let row = app.store.event(&key.workspace_id, &app.param("id"), &EVENT_TYPES).await?;
    let row = row.ok_or_else(|| ApiError::NotFound("no event with this id in this workspace".into()))?;
    json(200, &EventOut::try_from(&row)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::http::pairs_of as pairs;

    #[test]
    fn the_list_takes_type_lead_and_paging() {
        let query = parse_query(pairs(&[("type", "lead.created"), ("lead_id", "lead_1"), ("limit", "1"), ("cursor", "evt_9")])).unwrap();
        assert_eq!(query.kind, Some("lead.created"));
        assert_eq!(query.lead_id.as_deref(), Some("lead_1"));
        assert_eq!(query.page, PageQuery { limit: 1, cursor: Some("evt_9".into()) });
    }

    #[test]
    fn the_list_names_what_it_refuses() {
        for (name, value) in [("type", "summary.digest"), ("type", "lead"), ("limit", "0"), ("status", "x"), ("event", "lead.created")] {
            let Err(ApiError::Validation(errors)) = parse_query(pairs(&[(name, value)])) else { panic!("{name}={value} was taken") };
            assert_eq!(errors[0].field, name);
        }
    }

    #[test]
    fn an_event_shows_its_stored_payload_as_json() {
        let row = EventRow { id: "evt_1".into(), workspace_id: "ws_1".into(), kind: "lead.created".into(), lead_id: Some("lead_1".into()), payload: r#"{"id":"evt_1","data":{"x":1}}"#.into(), created_at: 0 };
        let out = serde_json::to_value(EventOut::try_from(&row).unwrap()).unwrap();
        assert_eq!(out["type"], "lead.created");
        assert_eq!(out["payload"]["data"]["x"], 1);
        assert_eq!(out["created_at"], "1970-01-01T00:00:00.000Z");
    }
}
