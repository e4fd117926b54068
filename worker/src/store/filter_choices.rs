//! The values the inbox's filters offer: those present in the workspace.

use super::{number, text, Store};
use crate::error::{ApiError, ApiResult};
use serde::Deserialize;

/// Choices offered per filter at most (a page stays light; a value beyond
/// them can still be filtered on by its link).
pub const MAX_CHOICES: u32 = 200;

/// A member as a choice (the inbox's assignee select and filter): shown by name, else email.
#[derive(Debug, Clone, Deserialize, PartialEq)]
pub struct MemberChoice {
    pub id: String,
    pub name: Option<String>,
    pub email: String,
}

impl MemberChoice {
    pub fn label(&self) -> &str {
        self.name.as_deref().filter(|n| !n.trim().is_empty()).unwrap_or(&self.email)
    }
}

/// The workspace's members as choices, by name (else email): binds workspace, limit.
pub(super) const MEMBER_CHOICES: &str = "SELECT id, name, email FROM members WHERE workspace_id = ?1 ORDER BY coalesce(name, email) COLLATE NOCASE, id LIMIT ?2";

/// A campaign as a choice: shown by name, filtered on by slug.
#[derive(Debug, Clone, Deserialize, PartialEq)]
pub struct CampaignChoice {
    pub slug: String,
    pub name: String,
}

#[derive(Debug, Default, Clone, PartialEq)]
pub struct FilterChoices {
    /// Sources leads came from, sorted.
    pub sources: Vec<String>,
    /// The workspace's campaigns, by name.
    pub campaigns: Vec<CampaignChoice>,
    /// Tags leads carry, sorted.
    pub tags: Vec<String>,
    /// The workspace's members, for the assignee filter.
    pub members: Vec<MemberChoice>,
}

#[derive(Deserialize)]
struct Value {
    value: String,
}

impl Store {
    /// The sources, campaigns, tags and members of the workspace, in one round trip.
    pub async fn filter_choices(&self, workspace_id: &str) -> ApiResult<FilterChoices> {
        let args = [text(workspace_id), number(i64::from(MAX_CHOICES))];
        let statements = vec![
            // A skip scan: one index seek per distinct source (`DISTINCT` would read
            // every lead's index entry: 10 ms for 100,000 leads, this well under one).
            self.statement(
                "WITH RECURSIVE present(source) AS (
                   SELECT min(source) FROM leads WHERE workspace_id = ?1
                   UNION ALL
                   SELECT (SELECT min(source) FROM leads WHERE workspace_id = ?1 AND source > present.source) FROM present
                   WHERE present.source IS NOT NULL)
                 SELECT source AS value FROM present WHERE source IS NOT NULL LIMIT ?2",
                &args,
            )?,
            self.statement("SELECT slug, name FROM campaigns WHERE workspace_id = ?1 ORDER BY name, slug LIMIT ?2", &args)?,
            // Kept by triggers (migration 0027): no scan of the leads' tags.
            self.statement("SELECT tag AS value FROM workspace_tags WHERE workspace_id = ?1 ORDER BY tag LIMIT ?2", &args)?,
            self.statement(MEMBER_CHOICES, &args)?,
        ];
        let results = self.batch(statements).await?;
        let rows = |i: usize| results.get(i).ok_or_else(|| ApiError::internal("filter choices", "missing result"));
        let values = |i: usize| -> ApiResult<Vec<String>> {
            Ok(rows(i)?.results::<Value>().map_err(|e| ApiError::internal("d1 rows", e))?.into_iter().map(|v| v.value).collect())
        };
        Ok(FilterChoices {
            sources: values(0)?,
            campaigns: rows(1)?.results::<CampaignChoice>().map_err(|e| ApiError::internal("d1 rows", e))?,
            tags: values(2)?,
            members: rows(3)?.results().map_err(|e| ApiError::internal("d1 rows", e))?,
        })
    }

    /// The members a lead can be assigned to, as choices.
    pub async fn member_choices(&self, workspace_id: &str) -> ApiResult<Vec<MemberChoice>> {
        self.all(MEMBER_CHOICES, &[text(workspace_id), number(i64::from(MAX_CHOICES))]).await
    }
}
