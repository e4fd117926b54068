//! Module-wide state without std's `thread_local!`.

use core::cell::RefCell;

pub struct Local<T>(RefCell<T>);

// SAFETY: wasm32-unknown-unknown without the `atomics` target feature runs this
// module on one thread only, so the cell is never reached from two threads.
// Native builds (unit tests) never touch these statics.
unsafe impl<T> Sync for Local<T> {}

impl<T> Local<T> {
    pub const fn new(value: T) -> Self {
        Local(RefCell::new(value))
    }

    /// Callers never nest `with` on the same cell, so the borrow cannot fail.
    pub fn with<R>(&self, f: impl FnOnce(&mut T) -> R) -> R {
        f(&mut self.0.borrow_mut())
    }
}
