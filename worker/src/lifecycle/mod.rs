//! A lead's data over time: exports, summaries and digests, erasure,
//! retention, and re-sealing secrets after a key rotation.

pub mod email_renormalisation;
pub mod erasure;
pub mod exports;
pub mod retention;
pub mod rotation;
pub mod summaries;
pub mod sweep_cursor;
