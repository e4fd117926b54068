//! Snapshots an older loader left in localStorage. The loader keeps snapshots
//! it takes before the module is ready under its format's key and hands them
//! over once the module starts; a deploy between a page that took them (old
//! loader) and the next page (new loader and module) leaves them under an
//! older key, which the new loader never reads. The module reads them here in
//! their own layout, keeps them in the outbox like any capture and removes the
//! key. A submission also sent by an old loader in another tab keeps its id,
//! and the server stores an id once.

use crate::host;
use crate::payload::Format;
use wasm_bindgen::JsCast;

/// The formats older than `Format::CURRENT`, whose keys no current loader reads.
const OLDER: [Format; 1] = [Format::One];

/// Sends what older loaders left, read in their own layouts, and removes it
/// from storage (every snapshot is in the outbox by then: one synchronous run).
pub fn adopt_older() {
    for format in OLDER {
        let list = host::take_lists(format.storage_key());
        for i in 0..list.length() {
            // A list with a cell that is not a string is skipped by `take`.
            crate::take(list.get(i).unchecked_ref(), format);
        }
    }
}
