//! The browser's storages, which may be missing or throw (private modes,
//! sandboxed frames, full quotas): every failure here degrades to "not kept".

use alloc::string::String;
use web_sys::Storage;

pub enum Kind {
    /// Survives reloads and later visits: the outbox of unsent leads.
    Local,
    /// One visit of one tab: the landing page's campaign.
    Session,
}

fn open(kind: Kind) -> Option<Storage> {
    let window = crate::js::window()?;
    match kind {
        Kind::Local => window.local_storage(),
        Kind::Session => window.session_storage(),
    }
    .ok()
    .flatten()
}

pub fn read(kind: Kind, key: &str) -> Option<String> {
    open(kind)?.get_item(key).ok().flatten()
}

pub fn write(kind: Kind, key: &str, value: &str) {
    if let Some(storage) = open(kind) {
        let _ = storage.set_item(key, value);
    }
}

pub fn remove(kind: Kind, key: &str) {
    if let Some(storage) = open(kind) {
        let _ = storage.remove_item(key);
    }
}
