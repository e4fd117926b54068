//! Operator bootstrap: creating workspaces.

use crate::app::App;
use crate::auth::{self, Scope};
use crate::auth::credentials::{issue_key, issue_public_token};
use crate::ids::new_id;
use crate::error::ApiResult;
use crate::http::{json, read_json};
use crate::team::{self, invited_member, PreparedMail};
use crate::api::openapi::problems::{AdminProblems, BodyProblems};
use crate::platform::random_bytes;
use crate::store::databases;
use crate::store::workspaces::{NewWorkspace, WorkspaceRow};
use crate::workspace::{validate_settings, WorkspaceCreatedOut, WorkspaceIn};
use leadsbot_shared::databases::DatabaseName;
use leadsbot_shared::ids::{redacted_parts, IdKind};
use leadsbot_shared::members::Role;
use leadsbot_shared::signing::new_endpoint_secret;
use worker::Response;

/// Create a workspace
///
/// Returns its public token, an admin API key and the inbound signing secret, each shown only this once. With
/// `owner_email`, that person is the workspace's first owner, invited.
#[utoipa::path(post, path = "/api/admin/workspaces", operation_id = "createWorkspace", tag = "admin", security(("adminToken" = [])),
    request_body = WorkspaceIn,
    responses((status = 201, description = "Created", body = WorkspaceCreatedOut), AdminProblems, BodyProblems))]
pub async fn create_workspace(app: &mut App) -> ApiResult<Response> {
    auth::admin(app)?;
    let input: WorkspaceIn = read_json(&mut app.req).await?;
    let settings = validate_settings(Some(&input.name), input.allowed_origins.as_deref(), true)?;
    let config = app.config()?;
    let now = app.now_ms;
    let id = new_id(IdKind::Workspace, now)?;
    let token = issue_public_token(&id)?;
    let inbound_secret = new_endpoint_secret(random_bytes()?);
    let (key, key_row) = issue_key(&id, "Default key", &Scope::ALL, now)?;
    let owner = input.owner_email.as_deref().map(|email| invited_member(&id, email, Role::Owner, now)).transpose()?;
    let row = WorkspaceRow {
        id: id.clone(),
        name: settings.name,
        allowed_origins: serde_json::to_string(&settings.allowed_origins)?,
        public_token_hash: auth::key_hash(&token),
        public_token_prefix: redacted_parts(&token).0,
        inbound_secret_sealed: config.secrets.seal(&inbound_secret, random_bytes()?).map_err(|e| crate::error::ApiError::internal("seal", e))?,
        previous_public_token_hash: None,
        previous_public_token_expires_at: None,
        previous_inbound_secret_sealed: None,
        previous_inbound_secret_expires_at: None,
        created_at: now,
        updated_at: now,
        lead_retention_days: None,
        timezone: "UTC".into(),
        digest_hour: 8,
    };
    let invitation = owner.as_ref().map(|owner| PreparedMail::invitation(app, owner, &row.name)).transpose()?;
    let invitation_write = owner.as_ref().zip(invitation.as_ref()).map(|(owner, mail)| mail.write(&id, &owner.id, now));
    let database = place(app, &id).await?;
    let created = app.store.create_workspace(NewWorkspace { row: &row, key: &key_row, owner: owner.as_ref().zip(invitation_write.as_ref()) }).await;
    if created.is_err() {
        databases::directory(&app.env)?.unplace_workspace(&id).await?;
    }
    let jobs = created?;
    team::send(app, jobs);
    let created = WorkspaceCreatedOut {
        id,
        name: row.name,
        allowed_origins: settings.allowed_origins,
        public_token: token,
        api_key: key,
        inbound_signing_secret: inbound_secret,
        database: database.to_string(),
    };
    json(201, &created)
}

/// Places a new workspace on the least full database (`Databases::least_full`
/// says why that rule), records it in the directory, and binds the request to it.
async fn place(app: &App, workspace_id: &str) -> ApiResult<DatabaseName> {
    let directory = databases::directory(&app.env)?;
    let counts = directory.workspaces_per_database().await?;
    let database = databases::configured(&app.env)?.least_full(&counts).clone();
    directory.place_workspace(workspace_id, database.as_str(), app.now_ms).await?;
    app.bind_workspace(workspace_id).await?;
    Ok(database)
}
