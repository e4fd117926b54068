//! Settings read from Worker vars and secrets, parsed once per request into
//! plain values with safe defaults.

use crate::error::{ApiError, ApiResult};
use crate::secrets::SecretBox;
use leadsbot_shared::webhook_url::UrlPolicy;
use worker::Env;

pub struct Config {
    pub admin_token: Option<String>,
    pub secrets: SecretBox,
    /// Where outbound requests may go (`WEBHOOK_URL_POLICY`).
    pub url_policy: UrlPolicy,
    pub retry_schedule_secs: Vec<u32>,
    pub delivery_timeout_ms: u32,
    pub rotation_grace_secs: i64,
    pub endpoint_disable_after_secs: i64,
    pub telegram_api_base: String,
    /// Dev-only fault injection: producers skip the queue, as if every send
    /// were lost. Honoured only under `allow-localhost`.
    pub skip_enqueue: bool,
    /// How overdue a pending delivery must be before the sweeper re-enqueues it.
    pub sweep_after_secs: i64,
    /// Days delivery attempt logs (and settled deliveries and events) are kept.
    pub delivery_log_retention_days: i64,
    /// The length of a retention "day" in ms: a day, except in local tests,
    /// which shorten it with `RETENTION_DAY_SECS` (honoured only under
    /// `allow-localhost`).
    pub retention_day_ms: i64,
    /// At most this many deliveries are replayed or created by one recover call.
    pub recover_max_per_call: u32,
    /// The longest delay a queue message may carry (Cloudflare Queues: 12 h);
    /// follow-ups due later are handed to the queue by the cron sweeper.
    /// `FOLLOW_UP_QUEUE_MAX_DELAY_SECS` lowers it (the tests use it to take
    /// the sweeper's path with second-scale delays).
    pub follow_up_queue_max_delay_secs: u32,
    /// Whether the request that writes new jobs makes their first attempt
    /// itself, after its response (`DELIVERY_INLINE_FIRST_ATTEMPT`, "on" by
    /// default; "off" leaves them to the queue).
    pub inline_first_attempt: bool,
    /// At most this many attempts (or one lead's runs in turn) of one batch
    /// are in flight at once (`DELIVERY_MAX_IN_FLIGHT`; see wrangler.toml).
    pub max_in_flight: usize,
    /// How email is sent, when this deployment sends it (`EMAIL_FROM` and `PUBLIC_URL` set).
    pub email: Option<EmailSettings>,
    /// Signs unsubscribe links (`SECRETS_KEY`: a link needs no row of its own).
    pub link_key: String,
    /// During a rotation, links signed before it still open (`SECRETS_KEY_PREVIOUS`).
    pub previous_link_key: Option<String>,
    /// Where this deployment is reached (`PUBLIC_URL`, no trailing slash), if set:
    /// links in messages sent from a queue consumer, which has no request to take the host from.
    pub public_url: Option<String>,
}

/// Email settings (README, "Email").
#[derive(Clone)]
pub struct EmailSettings {
    /// The sender address (`EMAIL_FROM`), one the `EMAIL` binding may send from.
    pub from: String,
    /// Where links in emails point (`PUBLIC_URL`, e.g. `https://leads.example.com`):
    /// a queue consumer has no request to take the host from.
    pub public_url: String,
    /// Dev-only (`EMAIL_DEV_SINK`, honoured only under `allow-localhost`): each
    /// message's raw MIME is POSTed to this local URL instead of the binding,
    /// which on `wrangler dev` keeps no message past the session.
    pub dev_sink: Option<String>,
}

fn email_settings(env: &Env, url_policy: UrlPolicy) -> Option<EmailSettings> {
    let set = |name: &str| text(env, name).map(|v| v.trim().to_string()).filter(|v| !v.is_empty());
    let dev_sink = set("EMAIL_DEV_SINK").filter(|_| url_policy == UrlPolicy::AllowLocalhost);
    Some(EmailSettings { from: set("EMAIL_FROM")?, public_url: set("PUBLIC_URL")?.trim_end_matches('/').to_string(), dev_sink })
}

/// `DELIVERY_MAX_IN_FLIGHT` when unset: the Cloudflare default (wrangler.toml says why).
pub const DEFAULT_MAX_IN_FLIGHT: usize = 16;

/// Cloudflare Queues' longest `delaySeconds`.
pub const QUEUE_MAX_DELAY_SECS: u32 = 43_200;

fn text(env: &Env, name: &str) -> Option<String> {
    env.secret(name).map(|s| s.to_string()).or_else(|_| env.var(name).map(|v| v.to_string())).ok()
}

impl Config {
    /// Whether this deployment sends email (`EMAIL_FROM` and `PUBLIC_URL`
    /// set), read without the rest of the settings.
    pub fn sends_email(env: &Env) -> bool {
        email_settings(env, UrlPolicy::PublicHttpsOnly).is_some()
    }

    pub fn from_env(env: &Env) -> ApiResult<Self> {
        let key = text(env, "SECRETS_KEY").ok_or_else(|| ApiError::internal("config", "SECRETS_KEY is not set"))?;
        let mut secrets = SecretBox::new(&key).map_err(|e| ApiError::internal("config", e))?;
        // During a rotation of SECRETS_KEY, the old key keeps opening what it sealed.
        let previous_link_key = text(env, "SECRETS_KEY_PREVIOUS").filter(|k| !k.trim().is_empty());
        if let Some(previous) = &previous_link_key {
            secrets = secrets.with_previous(previous).map_err(|e| ApiError::internal("config: SECRETS_KEY_PREVIOUS", e))?;
        }
        let url_policy = UrlPolicy::from_setting(text(env, "WEBHOOK_URL_POLICY").as_deref());
        Ok(Self {
            email: email_settings(env, url_policy),
            public_url: text(env, "PUBLIC_URL").map(|u| u.trim().trim_end_matches('/').to_string()).filter(|u| !u.is_empty()),
            link_key: key,
            previous_link_key,
            admin_token: text(env, "ADMIN_TOKEN").filter(|t| t.len() >= 16),
            secrets,
            url_policy,
            skip_enqueue: url_policy == UrlPolicy::AllowLocalhost && text(env, "DELIVERY_SKIP_ENQUEUE").as_deref() == Some("1"),
            sweep_after_secs: parse_number(text(env, "DELIVERY_SWEEP_AFTER_SECS").as_deref(), 120),
            delivery_log_retention_days: parse_number(text(env, "DELIVERY_LOG_RETENTION_DAYS").as_deref(), 30i64).max(1),
            retention_day_ms: match url_policy {
                UrlPolicy::AllowLocalhost => parse_number(text(env, "RETENTION_DAY_SECS").as_deref(), 86_400i64).max(1) * 1000,
                _ => 86_400_000,
            },
            follow_up_queue_max_delay_secs: parse_number(text(env, "FOLLOW_UP_QUEUE_MAX_DELAY_SECS").as_deref(), QUEUE_MAX_DELAY_SECS).min(QUEUE_MAX_DELAY_SECS),
            recover_max_per_call: parse_number::<u32>(text(env, "RECOVER_MAX_PER_CALL").as_deref(), 1000).clamp(1, 1000),
            retry_schedule_secs: parse_schedule(text(env, "DELIVERY_RETRY_SCHEDULE").as_deref()),
            delivery_timeout_ms: parse_number(text(env, "DELIVERY_TIMEOUT_MS").as_deref(), 10_000),
            rotation_grace_secs: parse_number(text(env, "ROTATION_GRACE_SECS").as_deref(), 86_400),
            endpoint_disable_after_secs: parse_number(text(env, "ENDPOINT_DISABLE_AFTER_SECS").as_deref(), 432_000),
            telegram_api_base: text(env, "TELEGRAM_API_BASE")
                .map(|b| b.trim_end_matches('/').to_string())
                .unwrap_or_else(|| "https://api.telegram.org".into()),
            inline_first_attempt: parse_switch(text(env, "DELIVERY_INLINE_FIRST_ATTEMPT").as_deref(), true),
            max_in_flight: parse_number(text(env, "DELIVERY_MAX_IN_FLIGHT").as_deref(), DEFAULT_MAX_IN_FLIGHT).max(1),
        })
    }
}

/// The default matches Svix's schedule: 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h.
pub const DEFAULT_RETRY_SCHEDULE_SECS: [u32; 7] = [5, 300, 1800, 7200, 18000, 36000, 36000];

pub fn parse_schedule(text: Option<&str>) -> Vec<u32> {
    let parsed: Option<Vec<u32>> = text.map(|t| t.split(',').map(|s| s.trim().parse().ok()).collect()).unwrap_or(None);
    match parsed {
        Some(schedule) if !schedule.is_empty() => schedule,
        _ => DEFAULT_RETRY_SCHEDULE_SECS.to_vec(),
    }
}

/// "on" or "off" (also 1/0, true/false); anything else is the default.
fn parse_switch(text: Option<&str>, default: bool) -> bool {
    match text.map(|t| t.trim().to_ascii_lowercase()).as_deref() {
        Some("on" | "1" | "true") => true,
        Some("off" | "0" | "false") => false,
        _ => default,
    }
}

fn parse_number<T: std::str::FromStr>(text: Option<&str>, default: T) -> T {
    text.and_then(|t| t.trim().parse().ok()).unwrap_or(default)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schedules_parse_or_fall_back() {
        assert_eq!(parse_schedule(Some("1, 2,3")), vec![1, 2, 3]);
        assert_eq!(parse_schedule(Some("1,x")), DEFAULT_RETRY_SCHEDULE_SECS.to_vec());
        assert_eq!(parse_schedule(None), DEFAULT_RETRY_SCHEDULE_SECS.to_vec());
    }

    #[test]
    fn switches_parse_or_fall_back() {
        assert!(!parse_switch(Some("off"), true));
        assert!(!parse_switch(Some(" OFF "), true));
        assert!(parse_switch(Some("on"), false));
        assert!(parse_switch(None, true));
        assert!(parse_switch(Some("maybe"), true));
        assert!(!parse_switch(Some("maybe"), false));
    }
}
