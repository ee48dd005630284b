//! The single writer: one thread owns the write connection and commits
//! whatever is waiting in one transaction (group commit), so durability costs
//! one sync per batch rather than one per message. Every op's completion
//! runs only after its transaction committed.

use super::StoreError;
use super::ops::{Outcome, WriteOp};
use super::writer_cache::WriterCache;
use rusqlite::Connection;
use std::sync::Arc;
use std::sync::mpsc;
use tokio::sync::Notify;

/// Largest number of ops in one transaction; bounds commit latency.
const MAX_BATCH: usize = 2048;

#[derive(Clone)]
pub struct Writer {
    tx: mpsc::Sender<WriteOp>,
}

impl std::fmt::Debug for Writer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Writer")
    }
}

impl Writer {
    /// `full`: the store is configured `synchronous = "full"`; batches that
    /// carry only try outcomes are then committed without an fsync (the
    /// next synced commit covers them).
    pub fn start(
        conn: Connection,
        outbox: WriterCache,
        webhook_wake: Arc<Notify>,
        full: bool,
    ) -> Writer {
        let (tx, rx) = mpsc::channel();
        std::thread::Builder::new()
            .name("store-writer".into())
            .spawn(move || run(conn, rx, outbox, webhook_wake, full))
            .map(|_| ())
            .unwrap_or_else(|e| panic!("cannot start the store writer thread: {e}"));
        Writer { tx }
    }

    /// Queues an op. If the writer is gone (it only stops when the process
    /// ends) the op's completion is called with an error.
    pub fn send(&self, op: WriteOp) {
        if let Err(mpsc::SendError(op)) = self.tx.send(op) {
            op.fail(StoreError::Closed);
        }
    }
}

fn run(
    conn: Connection,
    rx: mpsc::Receiver<WriteOp>,
    mut outbox: WriterCache,
    wake: Arc<Notify>,
    full: bool,
) {
    let mut batch: Vec<WriteOp> = Vec::with_capacity(MAX_BATCH);
    let mut results: Vec<Result<Outcome, StoreError>> = Vec::with_capacity(MAX_BATCH);
    let mut synced = full;
    while let Ok(first) = rx.recv() {
        batch.push(first);
        while batch.len() < MAX_BATCH {
            match rx.try_recv() {
                Ok(op) => batch.push(op),
                Err(_) => break,
            }
        }
        if full {
            let want = batch.iter().any(WriteOp::needs_sync);
            if want != synced {
                let set = if want {
                    "PRAGMA synchronous = FULL"
                } else {
                    "PRAGMA synchronous = NORMAL"
                };
                match conn.prepare_cached(set).and_then(|mut s| s.execute([])) {
                    Ok(_) => synced = want,
                    Err(e) => tracing::error!(error = %e, "cannot change synchronous"),
                }
            }
        }
        let outbox_before = outbox.written;
        // First without a savepoint per op; if an op fails, the whole
        // transaction is rolled back and the batch runs again with each op
        // in its own savepoint, so the failing op alone is left out.
        let mut result = commit(&conn, &batch, &mut outbox, false, &mut results);
        if matches!(result, Ok(false)) {
            results.clear();
            outbox.reload(&conn);
            result = commit(&conn, &batch, &mut outbox, true, &mut results);
        }
        match result {
            Ok(_) => {
                for (op, r) in batch.drain(..).zip(results.drain(..)) {
                    op.complete(r);
                }
                if outbox.written != outbox_before {
                    wake.notify_one();
                }
            }
            Err(e) => {
                tracing::error!(error = %e, "store commit failed; the batch is not stored");
                let err = StoreError::Sqlite(e.to_string());
                results.clear();
                for op in batch.drain(..) {
                    op.fail(err.clone());
                }
                outbox.reload_needed = true;
            }
        }
        if outbox.reload_needed {
            outbox.reload(&conn);
        }
    }
}

/// Runs the batch in one transaction and commits it. `Ok(false)`: an op
/// failed while not `guarded`; nothing was committed.
fn commit(
    conn: &Connection,
    batch: &[WriteOp],
    outbox: &mut WriterCache,
    guarded: bool,
    results: &mut Vec<Result<Outcome, StoreError>>,
) -> Result<bool, rusqlite::Error> {
    conn.prepare_cached("BEGIN")?.execute([])?;
    for op in batch {
        let r = op.run(conn, outbox, guarded);
        if r.is_err() && !guarded {
            rollback(conn);
            return Ok(false);
        }
        results.push(r);
    }
    match conn
        .prepare_cached("COMMIT")
        .and_then(|mut s| s.execute([]))
    {
        Ok(_) => Ok(true),
        Err(e) => {
            rollback(conn);
            Err(e)
        }
    }
}

fn rollback(conn: &Connection) {
    if conn.is_autocommit() {
        return; // SQLite already rolled back (after some I/O errors)
    }
    if let Err(e) = conn
        .prepare_cached("ROLLBACK")
        .and_then(|mut s| s.execute([]))
    {
        tracing::error!(error = %e, "cannot roll back a failed batch");
    }
}
