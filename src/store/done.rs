//! How the caller of a write hears its result: a completion called once,
//! after the commit. Kept apart from the ops so that the files of the ops
//! and the op enum that runs them all use it without using each other.

use super::StoreError;

/// Called once with the op's result, after commit (or with the error).
pub type Done<T> = Box<dyn FnOnce(Result<T, StoreError>) + Send>;
