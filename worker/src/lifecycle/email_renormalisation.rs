//! Re-normalises, on the cron, the emails of leads stored before addresses
//! had one form (the leads migration 0022 listed: those with a non-ASCII
//! character), so erasure and filters find them under every spelling.

use crate::store::email_renormalisations::LegacyEmail;
use crate::store::CrossWorkspace;
use leadsbot_shared::email::LeadEmail;

/// Leads re-normalised per tick: one read and one batch.
const PER_TICK: u32 = 200;

/// Runs on one database (the cron runs it on each).
pub async fn run(store: &CrossWorkspace) {
    let result = async {
        let listed = store.legacy_emails(PER_TICK).await?;
        let done: Vec<(&LegacyEmail, Option<String>)> = listed.iter().map(|lead| (lead, normal_form(lead.email.as_deref()))).collect();
        store.renormalise_emails(&done).await?;
        Ok::<_, crate::error::ApiError>(done.len())
    };
    match result.await {
        Ok(0) => {}
        Ok(n) => worker::console_log!("email re-normalisation: {n} leads"),
        Err(err) => worker::console_error!("email re-normalisation failed: {err:?}"),
    }
}

/// The stored email's normal form when it differs; `None` to leave it (no
/// lead, already normal, or an address today's rules refuse: it stays as stored).
fn normal_form(stored: Option<&str>) -> Option<String> {
    let normal = LeadEmail::parse(stored?).ok()?;
    (normal.as_ref() != stored?).then(|| normal.as_ref().to_string())
}

#[cfg(test)]
mod tests {
    use super::normal_form;

    #[test]
    fn a_legacy_domain_becomes_ascii_and_a_normal_one_is_left() {
        assert_eq!(normal_form(Some("Ada@bÜro.de")).as_deref(), Some("Ada@xn--bro-hoa.de"));
        assert_eq!(normal_form(Some("u\u{308}ber@example.com")).as_deref(), Some("über@example.com"));
        assert_eq!(normal_form(Some("über@example.com")), None);
        assert_eq!(normal_form(Some("ada@example.com")), None);
        assert_eq!(normal_form(Some("not an address")), None);
        assert_eq!(normal_form(None), None);
    }
}
