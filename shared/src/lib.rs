//! LeadsBot's shared core: everything that is pure logic over plain data.
//!
//! No I/O and no dependency on the Workers runtime, so every rule here is
//! unit-tested natively and the same code runs in the worker (and, where it
//! costs no bytes, in the widget).

pub mod body;
pub mod credentials;
pub mod databases;
pub mod campaign;
pub mod email;
pub mod encoding;
pub mod event;
pub mod field_error;
pub mod html;
pub mod idempotency;
pub mod ids;
pub mod job;
pub mod lead;
pub mod lead_view;
pub mod mail;
pub mod loops;
pub mod mapping;
pub mod move_plan;
pub mod move_steps;
pub mod member_mail;
pub mod members;
pub mod presets;
pub mod privacy;
pub mod retry;
pub mod scope;
pub mod search;
pub mod signing;
pub mod slack;
pub mod spreadsheet;
pub mod template;
pub mod time;
pub mod time_zone;
pub mod triage_buttons;
pub mod webhook_url;
pub mod workflow;
pub mod workspace_id;

pub use field_error::FieldError;
