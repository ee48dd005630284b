//! The store: one SQLite database in WAL mode. Writes go through the single
//! writer thread (group commit); reads use a small pool of read-only
//! connections, which WAL lets run beside the writer.

mod check_rewrite;
mod columns;
mod done;
mod migrations;
pub mod ops;
mod ops_admin;
mod ops_calls;
mod ops_in;
mod ops_out;
mod opt_out;
mod reads;
mod reads_calls;
pub mod types;
mod writer;
mod writer_cache;

pub use done::Done;
pub use ops::WriteOp;
pub use ops_out::accept_outbound;
pub use reads::*;
pub use reads_calls::*;
pub use types::*;
pub use writer::Writer;

use crate::config::Synchronous;
use rusqlite::{Connection, OpenFlags};
use std::path::Path;
use std::sync::{Arc, Mutex};
use tokio::sync::{Notify, oneshot};

#[derive(Debug, Clone, thiserror::Error)]
pub enum StoreError {
    #[error("database error: {0}")]
    Sqlite(String),
    #[error("the store is shut down")]
    Closed,
}

impl From<rusqlite::Error> for StoreError {
    fn from(e: rusqlite::Error) -> Self {
        StoreError::Sqlite(e.to_string())
    }
}

/// The handle every room holds on the database (cheap to clone). Writes go
/// to the one writer, as a [`WriteOp`] ([`Store::call`], or
/// `store.writer.send` when nobody waits for the result) or as a closure
/// of another room's statements ([`Store::exec`]); each completes after its
/// commit. Reads ([`Store::read`]) run beside the writer on read-only
/// connections and see what was committed.
#[derive(Clone)]
pub struct Store {
    /// The single writer; send it ops directly to not wait for them.
    pub writer: Writer,
    readers: Arc<ReadPool>,
    /// Woken after a commit wrote webhook outbox rows.
    pub webhook_wake: Arc<Notify>,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Store")
    }
}

struct ReadPool {
    conns: Mutex<Vec<Connection>>,
    path: std::path::PathBuf,
}

impl Store {
    /// Opens (creating if needed) and migrates the database.
    pub fn open(path: &Path, sync: Synchronous) -> Result<Store, StoreError> {
        let mut conn = Connection::open(path)?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(
            None,
            "synchronous",
            match sync {
                Synchronous::Full => "FULL",
                Synchronous::Normal => "NORMAL",
            },
        )?;
        conn.pragma_update(None, "foreign_keys", "OFF")?;
        conn.busy_timeout(std::time::Duration::from_secs(5))?;
        // Statements are cached per connection; the writer uses a few dozen.
        conn.set_prepared_statement_cache_capacity(64);
        // The writer works at the ends of its tables and indexes (new rows,
        // recent parts, the oldest queued): some dozens of pages. 512 KiB
        // of page cache holds them, where SQLite's default of 2 MiB per
        // connection only adds resident memory.
        conn.pragma_update(None, "cache_size", -512)?;
        migrations::migrate(&mut conn)?;
        let outbox = writer_cache::WriterCache::load(&conn)?;
        let wake = Arc::new(Notify::new());
        let writer = Writer::start(conn, outbox, wake.clone(), sync == Synchronous::Full);
        Ok(Store {
            writer,
            readers: Arc::new(ReadPool {
                conns: Mutex::new(Vec::new()),
                path: path.to_owned(),
            }),
            webhook_wake: wake,
        })
    }

    /// Runs a read on a pooled read-only connection.
    pub fn read<T>(
        &self,
        f: impl FnOnce(&Connection) -> rusqlite::Result<T>,
    ) -> Result<T, StoreError> {
        let conn = match self.readers.conns.lock().ok().and_then(|mut v| v.pop()) {
            Some(c) => c,
            None => {
                let c = Connection::open_with_flags(
                    &self.readers.path,
                    OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
                )?;
                c.busy_timeout(std::time::Duration::from_secs(5))?;
                // Reads are page-at-a-time lookups and short scans.
                c.pragma_update(None, "cache_size", -512)?;
                // Large tables (a million users) are read by point
                // lookups: map the file rather than copy pages.
                c.pragma_update(None, "mmap_size", 256i64 * 1024 * 1024)?;
                c
            }
        };
        let r = f(&conn);
        if let Ok(mut v) = self.readers.conns.lock()
            && v.len() < 8
        {
            v.push(conn);
        }
        r.map_err(StoreError::from)
    }

    /// Runs `f` in the single writer, atomically (a failing `f` leaves
    /// nothing written), and returns its result after the commit, synced.
    /// `f` may run more than once: a batch with a failing op is rolled back
    /// and run again, so it must only read its captures.
    pub async fn exec<T: Send + 'static>(
        &self,
        f: impl Fn(&Connection) -> rusqlite::Result<T> + Send + 'static,
    ) -> Result<T, StoreError> {
        self.exec_with(f, true).await
    }

    /// Like [`Store::exec`] for writes whose loss in a power cut is
    /// harmless (a quota count): the commit need not be synced first.
    pub async fn exec_unsynced<T: Send + 'static>(
        &self,
        f: impl Fn(&Connection) -> rusqlite::Result<T> + Send + 'static,
    ) -> Result<T, StoreError> {
        self.exec_with(f, false).await
    }

    async fn exec_with<T: Send + 'static>(
        &self,
        f: impl Fn(&Connection) -> rusqlite::Result<T> + Send + 'static,
        sync: bool,
    ) -> Result<T, StoreError> {
        let any = self
            .call(|done| WriteOp::Exec {
                work: Box::new(move |c| f(c).map(|v| Box::new(v) as Box<dyn std::any::Any + Send>)),
                sync,
                done,
            })
            .await?;
        any.downcast::<T>()
            .map(|v| *v)
            .map_err(|_| StoreError::Sqlite("internal: wrong result type of a write".into()))
    }

    /// Sends an op and waits for its commit.
    pub async fn call<T: Send + 'static>(
        &self,
        make: impl FnOnce(Done<T>) -> WriteOp,
    ) -> Result<T, StoreError> {
        let (tx, rx) = oneshot::channel();
        self.writer.send(make(Box::new(move |r| {
            let _ = tx.send(r);
        })));
        rx.await.map_err(|_| StoreError::Closed)?
    }
}
