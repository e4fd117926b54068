//! The email channel: prepare a job's message (MIME with one-click
//! unsubscribe), send it through Cloudflare's `send_email` binding (`EMAIL`),
//! classify the outcome. A recipient on the workspace's suppression list is
//! never sent to: the job ends `cancelled` with the reason `suppressed`.
//!
//! Locally `EMAIL_DEV_SINK` may name a receiver the start script or the test
//! harness runs: the raw message is POSTed there instead (README, "Email").

use super::attempt::Call;
use super::outbound::post;
use crate::config::{Config, EmailSettings};
use crate::error::{ApiError, ApiResult};
use crate::platform::now_ms;
use crate::store::deliveries::DeliveryJob;
use crate::auth::session::emailed_link_secret;
use leadsbot_shared::mail::{domain_of, message, recipients, suppression_hash, unsubscribe_token, Outgoing};
use super::digest_text::digest_message;
use crate::store::members::MemberRow;
use crate::store::Store;
use leadsbot_shared::event::{LEAD_ASSIGNED, LEAD_CREATED, MEMBER_MAIL, SUMMARY_DIGEST, WORKFLOW_EMAIL};
use leadsbot_shared::member_mail::{digest, lead_alert, with_link, AlertLead};
use leadsbot_shared::webhook_url::WebhookUrl;
use serde::{Deserialize, Serialize};
use worker::{EmailMessage, Env};

/// The reason a job to a suppressed address is cancelled with.
pub const SUPPRESSED: &str = "suppressed";
/// The reason a job to a member removed since is cancelled with.
pub const MEMBER_GONE: &str = "the member was removed";
/// The path unsubscribe links live under (`/u/<token>`).
pub const UNSUBSCRIBE_PATH: &str = "/u/";

/// What an email job carries (its event's payload): rendered when the job is
/// written, so every retry sends the same message.
#[derive(Debug, Serialize, Deserialize)]
pub struct EmailPayload {
    pub to: String,
    pub subject: String,
    pub text: String,
    pub html: String,
    /// A member's one-time link, put where `member_mail::LINK` marks it when sent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub link: Option<EmailedLink>,
}

/// A one-time link a mail carries: its id (its secret is derived from it,
/// `auth::session::emailed_link_secret`) and what it is for.
#[derive(Debug, Serialize, Deserialize)]
pub struct EmailedLink {
    pub id: String,
    /// `sign_in` or `invitation`: the sign-in page's parameter of the same meaning.
    pub purpose: String,
    /// The workspace the link names; absent in mails written before links
    /// named theirs (their link keeps the old form its row's hash is of).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub workspace_id: Option<String>,
}

impl EmailedLink {
    /// The link as the recipient opens it: the sign-in page, which shows a
    /// button (a mail scanner following it spends nothing).
    pub fn url(&self, public_url: &str, link_key: &str) -> String {
        let param = if self.purpose == "invitation" { "invitation" } else { "link" };
        format!("{public_url}/app/sign-in?{param}={}", emailed_link_secret(link_key, &self.id, self.workspace_id.as_deref()))
    }
}

/// Who a job's mail goes to, from its target: members of the workspace
/// (one, `mem_…`, or every active one of a role, `members:<role>`: their own
/// mail, which no suppression list holds back and no unsubscribe ends: they
/// choose their alerts instead), or a lead.
pub fn is_to_member(target_id: &str) -> bool {
    target_id.starts_with("mem_") || target_id.starts_with("members:")
}

impl EmailPayload {
    /// The recipient's suppression hash, if the payload names an address.
    pub fn address_hash(&self, workspace_id: &str) -> Option<String> {
        suppression_hash(workspace_id, &self.to)
    }
}

/// The payload of an email job, if it reads as one.
pub fn payload(job: &DeliveryJob) -> Option<EmailPayload> {
    serde_json::from_str(job.body()).ok()
}

/// What an attempt does before sending: stop, cancel or go on.
#[derive(Debug, PartialEq, Eq)]
pub enum Prepared {
    Stop(&'static str),
    Cancel(&'static str),
    Send { address_hash: String },
}

/// The rule, as plain data: no settings, no send; no address, no send; a
/// suppressed address is cancelled, never failed (nothing went wrong).
pub fn prepare(configured: bool, address_hash: Option<String>, is_suppressed: impl Fn(&str) -> bool) -> Prepared {
    match address_hash {
        _ if !configured => Prepared::Stop("email is not set up for this deployment (EMAIL_FROM, PUBLIC_URL)"),
        None => Prepared::Stop("the recipient is not a valid email address"),
        Some(hash) if is_suppressed(&hash) => Prepared::Cancel(SUPPRESSED),
        Some(hash) => Prepared::Send { address_hash: hash },
    }
}

/// One attempt of an email job. `is_suppressed` answers from the batch's
/// read of the suppression list (`targets`).
pub async fn call_email(config: &Config, env: &Env, store: &Store, job: &DeliveryJob, member: Option<&MemberRow>, is_suppressed: impl Fn(&str) -> bool) -> ApiResult<Call> {
    let to_member = is_to_member(&job.target_id);
    let email = match (to_member, member) {
        (true, Some(member)) => member_message(config, store, job, member).await?,
        (true, None) if job.target_id.starts_with("mem_") => return Ok(Call::cancelled(MEMBER_GONE)),
        // To every member of a role: addressed when the workflow wrote it.
        (true, None) | (false, _) => payload(job),
    };
    let Some(email) = email else {
        return Ok(Call::stopped("the email job's payload is unreadable"));
    };
    let address_hash = match prepare(config.email.is_some(), email.address_hash(&job.workspace_id), |hash| !to_member && is_suppressed(hash)) {
        Prepared::Stop(reason) => return Ok(Call::stopped(reason)),
        Prepared::Cancel(reason) => return Ok(Call::cancelled(reason)),
        Prepared::Send { address_hash } => address_hash,
    };
    let settings = config.email.as_ref().ok_or_else(|| ApiError::internal("email", "not set up"))?;
    let unsubscribe = (!to_member)
        .then(|| format!("{}{UNSUBSCRIBE_PATH}{}", settings.public_url, unsubscribe_token(&config.link_key, &job.workspace_id, &address_hash)));
    // Only a member's mail has a link to put in: a lead's text stays as written.
    let (text, html) = match &email.link {
        Some(link) => {
            let url = link.url(&settings.public_url, &config.link_key);
            (with_link(&email.text, &url), with_link(&email.html, &url))
        }
        None => (email.text.clone(), email.html.clone()),
    };
    let message_id = format!("{}@{}", job.id, domain_of(&settings.from));
    let raw = message(&Outgoing {
        from: &settings.from,
        to: &email.to,
        subject: &email.subject,
        text: &text,
        html: &html,
        message_id: &message_id,
        date_secs: now_ms() / 1000,
        unsubscribe_url: unsubscribe.as_deref(),
    })
    .map_err(|e| ApiError::internal("email", e))?;
    Ok(match &settings.dev_sink {
        Some(sink) => to_dev_sink(config, sink, job, &email.to, &raw).await,
        None => to_binding(env, settings, &email.to, &raw).await,
    })
}

/// What a member's email says: their own mail (an invitation, a sign-in
/// link) and a workflow's as written; an alert built from its lead event,
/// and a digest from its stored summary, each time it is sent (a replay
/// shows the lead as it is), to the member's address.
async fn member_message(config: &Config, store: &Store, job: &DeliveryJob, member: &MemberRow) -> ApiResult<Option<EmailPayload>> {
    let event = || serde_json::from_str::<serde_json::Value>(job.body()).ok();
    let public_url = config.email.as_ref().map_or("", |e| e.public_url.as_str());
    let rendered = match job.event_type.as_str() {
        MEMBER_MAIL | WORKFLOW_EMAIL => return Ok(payload(job)),
        LEAD_CREATED | LEAD_ASSIGNED => {
            let Some(event) = event() else { return Ok(None) };
            let lead = &event["data"];
            let field = |name: &str| lead[name].as_str().filter(|v| !v.is_empty());
            let alert = AlertLead {
                name: field("name"),
                email: field("email").unwrap_or_default(),
                company: field("company"),
                message: field("message"),
                source: field("source").unwrap_or_default(),
                campaign: field("campaign_label").or(field("campaign")),
            };
            let url = format!("{public_url}/app/leads/{}", field("id").unwrap_or_default());
            lead_alert(&alert, &url, job.event_type == LEAD_ASSIGNED)
        }
        SUMMARY_DIGEST => {
            let Some(event) = event() else { return Ok(None) };
            let telegram = digest_message(store, &job.workspace_id, &event).await?;
            let name = store.workspace(&job.workspace_id).await?.map(|w| w.name).unwrap_or_default();
            digest(&name, &telegram)
        }
        _ => return Ok(None),
    };
    Ok(Some(EmailPayload { to: member.email.clone(), subject: rendered.subject, text: rendered.text, html: rendered.html, link: None }))
}

/// Cloudflare's `send_email` binding: it answers with a message id, or throws.
async fn to_binding(env: &Env, settings: &EmailSettings, to: &str, raw: &str) -> Call {
    let started_at = now_ms();
    // One envelope per recipient (a message to several members names them all in `To`).
    let sent = async {
        let binding = env.send_email("EMAIL")?;
        for recipient in recipients(to) {
            let message = EmailMessage::new(&settings.from, recipient, raw).map_err(worker::Error::from)?;
            binding.send(&message).await.map_err(worker::Error::from)?;
        }
        Ok::<_, worker::Error>(())
    };
    let result = sent.await;
    let mut call = match result {
        Ok(_) => Call::done(),
        Err(err) => Call::not_sent(format!("send_email failed: {err}")),
    };
    call.started_at = started_at;
    call.duration_ms = now_ms() - started_at;
    call.sent = true;
    call
}

/// The dev-only sink: the raw message POSTed to a local receiver, its answer
/// classified as a webhook's is (2xx delivered, else retried).
async fn to_dev_sink(config: &Config, sink: &str, job: &DeliveryJob, to: &str, raw: &str) -> Call {
    let url = match WebhookUrl::parse(sink, config.url_policy) {
        Ok(url) => url,
        Err(refused) => return Call::not_sent(format!("EMAIL_DEV_SINK is not allowed: {refused}")),
    };
    let headers = [("Content-Type", "message/rfc822".to_string()), ("X-LeadsBot-Delivery", job.id.clone()), ("X-LeadsBot-Mail-To", to.to_string())];
    let started_at = now_ms();
    let reply = post(&url, &headers, raw, config.delivery_timeout_ms).await;
    let mut call = Call::done();
    call.reply = reply;
    call.started_at = started_at;
    call.duration_ms = now_ms() - started_at;
    call.sent = true;
    call
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn member_mail_goes_by_member_id_and_its_link_to_the_sign_in_page() {
        assert!(is_to_member("mem_01J") && is_to_member("members:owner"));
        assert!(!is_to_member("lead"));
        let ws = Some("ws_01HGW2N7EB0000000000000000".to_string());
        let link = EmailedLink { id: "evt_1".into(), purpose: "invitation".into(), workspace_id: ws.clone() };
        let url = link.url("https://x.example", "key");
        assert_eq!(url, format!("https://x.example/app/sign-in?invitation={}", emailed_link_secret("key", "evt_1", ws.as_deref())));
        let sign_in = EmailedLink { id: "evt_1".into(), purpose: "sign_in".into(), workspace_id: ws };
        assert!(sign_in.url("https://x.example", "key").starts_with("https://x.example/app/sign-in?link=lbl_ws_01HGW2N7EB"));
        let written_before: EmailedLink = serde_json::from_str(r#"{"id": "evt_1", "purpose": "sign_in"}"#).unwrap();
        assert!(written_before.url("https://x.example", "key").ends_with(&emailed_link_secret("key", "evt_1", None)), "the old form its row holds");
    }

    #[test]
    fn a_suppressed_recipient_is_cancelled_and_nothing_is_sent_without_settings_or_address() {
        let hash = || Some("h".to_string());
        assert_eq!(prepare(true, hash(), |h| h == "h"), Prepared::Cancel(SUPPRESSED));
        assert_eq!(prepare(true, hash(), |_| false), Prepared::Send { address_hash: "h".into() });
        assert!(matches!(prepare(false, hash(), |_| false), Prepared::Stop(_)));
        assert!(matches!(prepare(true, None, |_| false), Prepared::Stop(_)));
    }
}
