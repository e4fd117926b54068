//! The cron's re-sealing step: values sealed under `SECRETS_KEY_PREVIOUS`
//! (or in the first, key-less format) are re-sealed under `SECRETS_KEY`, a
//! bounded batch per column per run, so once a run finds none the previous
//! key can be removed.

use crate::config::Config;
use crate::platform::random_bytes;
use crate::store::sealed::{SealedValue, SEALED_COLUMNS};
use crate::store::CrossWorkspace;
use worker::Env;

/// Per column per cron run: small enough for one run, and a whole
/// deployment's secrets are re-sealed within minutes.
const MAX_PER_COLUMN: u32 = 100;

/// Runs on one database (the cron runs it on each).
pub async fn reseal(env: &Env, store: &CrossWorkspace) {
    let config = match Config::from_env(env) {
        Ok(config) => config,
        Err(err) => return worker::console_error!("re-sealing: {err:?}"),
    };
    let patterns = config.secrets.stale_patterns();
    for column in SEALED_COLUMNS {
        if let Err(err) = reseal_column(&config, &store, column, &patterns).await {
            worker::console_error!("re-sealing {}.{} failed: {err:?}", column.0, column.1);
        }
    }
}

async fn reseal_column(config: &Config, store: &CrossWorkspace, column: (&str, &str), patterns: &[String]) -> crate::error::ApiResult<()> {
    let stale = store.sealed_values(column, patterns, MAX_PER_COLUMN).await?;
    let mut replacements: Vec<(SealedValue, String)> = Vec::new();
    for value in stale {
        match config.secrets.reseal(&value.sealed, random_bytes()?) {
            Ok(Some(resealed)) => replacements.push((value, resealed)),
            Ok(None) => {}
            // Left as it is (it cannot be used either way); logged so an operator can act.
            Err(err) => worker::console_error!("re-sealing {}.{} row {}: {err}", column.0, column.1, value.row),
        }
    }
    if !replacements.is_empty() {
        worker::console_log!("re-sealing {} values of {}.{} under key {}", replacements.len(), column.0, column.1, config.secrets.key_id());
    }
    store.replace_sealed(column, &replacements).await
}
