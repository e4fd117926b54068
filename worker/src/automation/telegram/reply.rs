//! What a button press answers: a notice to the presser, and the alert
//! redrawn as the lead now is (shared by every kind of press).

use crate::leads::LeadOut;
use crate::outbox::telegram::alert_with_footer;
use crate::store::leads::LeadRow;
use leadsbot_shared::html::escape;
use leadsbot_shared::lead::LeadStatus;
use leadsbot_shared::triage_buttons as buttons;
use serde_json::{json, Value};

/// What to tell the presser, and how to redraw the alert.
pub struct Reply {
    pub(super) notice: String,
    pub(super) redraw: Option<(String, Value)>,
}

impl Reply {
    pub fn notice(text: &str) -> Self {
        Self { notice: text.to_string(), redraw: None }
    }

    pub fn redraw(notice: &str, alert: (String, Value)) -> Self {
        Self { notice: notice.to_string(), redraw: Some(alert) }
    }
}

/// The alert as it should read now: the lead, a status line, and buttons
/// for moves from its current status.
pub fn redraw(lead: &LeadRow, status_line: &str) -> (String, Value) {
    let payload = json!({"data": LeadOut::from(lead)});
    let text = alert_with_footer(&payload, &format!("\n\n<b>Status:</b> {}", escape(status_line)));
    let status = LeadStatus::parse(&lead.status).unwrap_or(LeadStatus::New);
    (text, buttons::keyboard(&lead.id, status, lead.assignee_id.is_none()))
}
