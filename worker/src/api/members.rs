//! The people of a workspace (`/api/v1/members`): invite, list, change role,
//! remove. An admin API key acts with an owner's rights (keys are how the
//! operator and machines manage a workspace).

use crate::app::App;
use crate::auth::{self, Scope};
use crate::error::{ApiError, ApiResult};
use crate::http::{json, no_content, page_type, query_pairs, read_json, PageQuery};
use crate::team::{self, invited_member, PreparedMail};
use crate::api::openapi::params::PageParams;
use crate::api::openapi::problems::{BodyProblems, Conflict, KeyProblems, NotFound, QueryProblems};
use crate::api::openapi::schemas::{AlertsName, RoleName};
use crate::store::members::MemberRow;
use leadsbot_shared::members::{leaves_no_owner, may_change_member, Alerts, Role};
use leadsbot_shared::time::format_rfc3339;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use worker::Response;

/// The role an admin API key acts with.
const KEY_ROLE: Role = Role::Owner;

/// Someone to invite.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MemberIn {
    #[schema(format = Email, max_length = 254)]
    email: String,
    #[schema(value_type = RoleName)]
    role: String,
}

/// A change of role, of the member's email alerts, or of the Telegram user linked to them; `{}`
/// changes nothing.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MemberPatch {
    #[serde(default, deserialize_with = "crate::wire::non_null")]
    #[schema(value_type = Option<RoleName>, nullable = false)]
    role: Option<String>,
    /// Which emails they get: `all` (every new lead), `assigned` (leads assigned to them), `digest`, `none`.
    #[serde(default, deserialize_with = "crate::wire::non_null")]
    #[schema(value_type = Option<AlertsName>, nullable = false)]
    alerts: Option<String>,
    /// The member's Telegram user id: pressing "Take it" under an alert assigns the lead to
    /// them. `null` unlinks. One Telegram user is linked to one member of a workspace (409).
    #[serde(default, deserialize_with = "crate::wire::nullable_whole")]
    #[schema(value_type = Option<i64>, minimum = 1, maximum = 9007199254740991.0)]
    telegram_user_id: Option<Option<i64>>,
}

/// A member of the workspace.
#[derive(Debug, Serialize, ToSchema)]
pub struct MemberOut {
    /// `mem_…`
    id: String,
    email: String,
    /// Set by the member; `null` until then.
    name: Option<String>,
    #[schema(value_type = RoleName)]
    role: String,
    /// `invited` until the invitation is accepted, then `active`.
    #[schema(pattern = "^(invited|active)$")]
    status: String,
    #[schema(format = DateTime)]
    invited_at: String,
    /// The emails they get (their choice, else their role's default: owners and admins `all`, members
    /// `assigned`, viewers `none`).
    #[schema(value_type = AlertsName)]
    alerts: String,
    /// The Telegram user linked to the member ("Take it"), `null` when none.
    telegram_user_id: Option<i64>,
}

impl From<MemberRow> for MemberOut {
    fn from(row: MemberRow) -> Self {
        let alerts = row.alerts_chosen().as_str().to_string();
        Self {
            id: row.id,
            email: row.email,
            name: row.name,
            role: row.role,
            status: row.status,
            invited_at: format_rfc3339(row.invited_at),
            alerts,
            telegram_user_id: row.telegram_user_id,
        }
    }
}

page_type!(
    /// A page of members, newest first.
    MemberListOut, MemberOut
);

/// List members, newest first (admin)
#[utoipa::path(get, path = "/api/v1/members", operation_id = "listMembers", tag = "members", security(("apiKey" = [])),
    params(PageParams),
    responses((status = 200, description = "A page of members", body = MemberListOut), KeyProblems, QueryProblems))]
pub async fn list(app: &mut App) -> ApiResult<Response> {
    let key = auth::api_key(app).await?;
    key.require(Scope::Admin)?;
    let page = PageQuery::only(&query_pairs(&app.req)?)?;
    let mut members = app.store.members_page(&key.workspace_id, page.cursor.as_deref(), page.limit).await?;
    let next_cursor = page.cut(&mut members, |m| m.id.clone());
    json(200, &MemberListOut::new(members.into_iter().map(MemberOut::from).collect(), next_cursor))
}

/// Invite a member (admin)
///
/// The address becomes an `invited` member and is emailed an invitation, whose one-time link works for
/// 7 days; accepting it makes the member `active`. An address already a member is 409.
#[utoipa::path(post, path = "/api/v1/members", operation_id = "inviteMember", tag = "members", security(("apiKey" = [])),
    request_body = MemberIn,
    responses((status = 201, description = "Invited", body = MemberOut,
        links(("RemoveMember" = (operation_id = "removeMember", parameters(("id" = "$response.body#/id")))))),
        BodyProblems, KeyProblems, Conflict))]
pub async fn invite(app: &mut App) -> ApiResult<Response> {
    let key = auth::api_key(app).await?;
    key.require(Scope::Admin)?;
    let input: MemberIn = read_json(&mut app.req).await?;
    let role = Role::parse("role", &input.role).map_err(|e| ApiError::Validation(vec![e]))?;
    let member = invited_member(&key.workspace_id, &input.email, role, app.now_ms)?;
    refuse_unless(may_change_member(KEY_ROLE, None, Some(role)))?;
    let workspace = app.store.workspace(&key.workspace_id).await?.ok_or_else(|| ApiError::NotFound("no such workspace".into()))?;
    let mail = PreparedMail::invitation(app, &member, &workspace.name)?;
    let Some(jobs) = app.store.invite_member(&member, &mail.write(&key.workspace_id, &member.id, app.now_ms)).await? else {
        return Err(ApiError::Conflict(format!("{} is already a member of this workspace", member.email)));
    };
    team::send(app, jobs);
    json(201, &MemberOut::from(member))
}

/// Change a member's role, alerts or linked Telegram user (admin)
///
/// The workspace's last owner cannot be demoted (409): make another owner first. A Telegram
/// user already linked to another member is 409 too.
#[utoipa::path(patch, path = "/api/v1/members/{id}", operation_id = "patchMember", tag = "members", security(("apiKey" = [])),
    params(("id" = String, Path, description = "Member id")), request_body = MemberPatch,
    responses((status = 200, description = "Changed", body = MemberOut), BodyProblems, KeyProblems, NotFound, Conflict))]
pub async fn patch(app: &mut App) -> ApiResult<Response> {
    let key = auth::api_key(app).await?;
    key.require(Scope::Admin)?;
    let input: MemberPatch = read_json(&mut app.req).await?;
    let role = input.role.as_deref().map(|role| Role::parse("role", role)).transpose().map_err(|e| ApiError::Validation(vec![e]))?;
    let alerts = input.alerts.as_deref().map(|a| Alerts::parse("alerts", a)).transpose().map_err(|e| ApiError::Validation(vec![e]))?;
    let telegram = input.telegram_user_id.map(check_telegram_user).transpose()?;
    let (id, before) = current(app, &key.workspace_id).await?;
    refuse_unless(may_change_member(KEY_ROLE, Some(before), Some(role.unwrap_or(before))))?;
    if let Some(role) = role {
        let others = app.store.other_owners(&key.workspace_id, &id).await?;
        if leaves_no_owner(before, Some(role), others) || !app.store.set_member_role(&key.workspace_id, &id, role.as_str(), app.now_ms).await? {
            return Err(last_owner(&id));
        }
    }
    if let Some(alerts) = alerts {
        app.store.set_member_alerts(&key.workspace_id, &id, alerts, app.now_ms).await?;
    }
    if let Some(user) = telegram {
        if !app.store.set_member_telegram(&key.workspace_id, &id, user, app.now_ms).await? {
            return Err(ApiError::Conflict("this Telegram user is linked to another member of this workspace; unlink it there first".into()));
        }
    }
    let member = app.store.member(&key.workspace_id, &id).await?.ok_or_else(no_such_member)?;
    json(200, &MemberOut::from(member))
}

/// Remove a member (admin)
///
/// The workspace's last owner cannot be removed (409): make another owner first.
#[utoipa::path(delete, path = "/api/v1/members/{id}", operation_id = "removeMember", tag = "members", security(("apiKey" = [])),
    params(("id" = String, Path, description = "Member id")),
    responses((status = 204, description = "Removed"), KeyProblems, NotFound, Conflict))]
pub async fn remove(app: &mut App) -> ApiResult<Response> {
    let key = auth::api_key(app).await?;
    key.require(Scope::Admin)?;
    let (id, before) = current(app, &key.workspace_id).await?;
    refuse_unless(may_change_member(KEY_ROLE, Some(before), None))?;
    let others = app.store.other_owners(&key.workspace_id, &id).await?;
    if leaves_no_owner(before, None, others) || !app.store.remove_member(&key.workspace_id, &id, app.now_ms).await? {
        return Err(last_owner(&id));
    }
    no_content()
}

/// The member named by the path, and its role now.
async fn current(app: &App, workspace_id: &str) -> ApiResult<(String, Role)> {
    let id = app.param("id");
    let member = app.store.member(workspace_id, &id).await?.ok_or_else(no_such_member)?;
    let role = Role::parse("role", &member.role).map_err(|_| ApiError::internal("member role", &member.role))?;
    Ok((id, role))
}

/// Telegram user ids fit in 52 bits; D1 keeps numbers exactly up to 2^53 - 1.
const MAX_TELEGRAM_USER_ID: i64 = (1 << 53) - 1;

/// A Telegram user id is a positive whole number (`None`: unlink).
fn check_telegram_user(user: Option<i64>) -> ApiResult<Option<i64>> {
    match user {
        Some(id) if !(1..=MAX_TELEGRAM_USER_ID).contains(&id) => Err(ApiError::invalid("telegram_user_id", "out_of_range", "telegram_user_id is the member's Telegram user id, a positive whole number, or null")),
        other => Ok(other),
    }
}

fn refuse_unless(allowed: bool) -> ApiResult<()> {
    if allowed { Ok(()) } else { Err(ApiError::Forbidden("this role cannot make this change to members".into())) }
}

fn no_such_member() -> ApiError {
    ApiError::NotFound("no member with this id".into())
}

fn last_owner(id: &str) -> ApiError {
    ApiError::Conflict(format!("{id} is the workspace's last owner; make another member owner first"))
}
