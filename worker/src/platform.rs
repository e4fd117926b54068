//! The few things the worker takes from its runtime: time and randomness.

use crate::error::{ApiError, ApiResult};

pub fn now_ms() -> i64 {
    js_sys::Date::now() as i64
}

pub fn now_secs() -> i64 {
    now_ms() / 1000
}

/// Bytes from the platform CSPRNG (`crypto.getRandomValues` in workerd).
pub fn random_bytes<const N: usize>() -> ApiResult<[u8; N]> {
    let mut bytes = [0u8; N];
    getrandom::fill(&mut bytes).map_err(|e| ApiError::internal("csprng", e))?;
    Ok(bytes)
}
