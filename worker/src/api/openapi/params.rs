//! Query parameters shared by several operations, as `leads::parse_filters`
//! reads them.

use super::schemas::LeadStatusName;
use utoipa::IntoParams;

/// The filters every lead listing shares (the list, the export). Only the
/// document reads this type.
#[derive(IntoParams)]
#[allow(dead_code)]
#[into_params(parameter_in = Query)]
pub struct LeadFilters {
    /// Lead status
    #[param(value_type = Option<LeadStatusName>)]
    status: Option<String>,
    /// Source, e.g. widget, api, inbound_webhook
    #[param(nullable = false)]
    source: Option<String>,
    /// Leads of this campaign: its slug or a label that joins it, case ignored (`Spring Sale` means `spring-sale`), whether the lead named it in `campaign` or `utm_campaign`
    #[param(nullable = false)]
    campaign: Option<String>,
    /// Leads with this email address (case is ignored)
    #[param(nullable = false)]
    email: Option<String>,
    /// Search: every word (a prefix) must occur in the email, name, phone, company, message, note, tags or custom field values; case and accents are ignored
    #[param(nullable = false)]
    q: Option<String>,
    /// Leads assigned to this member (`mem_…`), or `none`: unassigned ones. (`me`, the signed-in member, needs a member's session: an API key gets 422.)
    #[param(nullable = false, pattern = "^(mem_[0-9A-HJKMNP-TV-Z]{26}|none)$")]
    assignee: Option<String>,
    /// Created at or after (RFC 3339)
    #[param(nullable = false, format = DateTime)]
    created_after: Option<String>,
    /// Created before (RFC 3339)
    #[param(nullable = false, format = DateTime)]
    created_before: Option<String>,
}

/// The paging every list takes (`http::paging`). Only the document reads this type.
#[derive(IntoParams)]
#[allow(dead_code)]
#[into_params(parameter_in = Query)]
pub struct PageParams {
    /// Page size, 1 to 100 (default 50)
    #[param(nullable = false, minimum = 1, maximum = 100)]
    limit: Option<u32>,
    /// next_cursor of the previous page; empty is the first page
    #[param(nullable = false)]
    cursor: Option<String>,
}
