//! Module-wide state without std's `thread_local!`.

use core::cell::UnsafeCell;

pub struct Local<T>(UnsafeCell<T>);

// SAFETY: wasm32-unknown-unknown without the `atomics` target feature runs this
// module on one thread only, so the cell is never reached from two threads.
// Native builds (unit tests) never touch these statics.
unsafe impl<T> Sync for Local<T> {}

impl<T> Local<T> {
    pub const fn new(value: T) -> Self {
        Local(UnsafeCell::new(value))
    }

    /// Callers never nest `with` on the same cell and never hold the borrow
    /// across an `.await`, so there is only ever one `&mut` to the value.
    pub fn with<R>(&self, f: impl FnOnce(&mut T) -> R) -> R {
        // SAFETY: one thread (above) and no nesting (the contract of `with`).
        f(unsafe { &mut *self.0.get() })
    }
}
