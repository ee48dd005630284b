//! The single writer: one thread owns the write connection and commits
//! whatever is waiting in one transaction (group commit), so durability costs
//! one sync per batch rather than one per message. Every op's completion
//! runs only after its transaction committed.

use super::StoreError;
use super::ops::{Applied, WriteOp};
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
    mut conn: Connection,
    rx: mpsc::Receiver<WriteOp>,
    mut outbox: WriterCache,
    wake: Arc<Notify>,
    full: bool,
) {
    let mut batch: Vec<WriteOp> = Vec::with_capacity(MAX_BATCH);
    let mut finishers: Vec<Applied> = Vec::with_capacity(MAX_BATCH);
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
                let level = if want { "FULL" } else { "NORMAL" };
                match conn.pragma_update(None, "synchronous", level) {
                    Ok(()) => synced = want,
                    Err(e) => tracing::error!(error = %e, "cannot change synchronous"),
                }
            }
        }
        let outbox_before = outbox.written;
        let result = (|| -> Result<(), rusqlite::Error> {
            let mut tx = conn.transaction()?;
            for op in batch.drain(..) {
                finishers.push(op.apply(&mut tx, &mut outbox));
            }
            tx.commit()
        })();
        match result {
            Ok(()) => {
                for f in finishers.drain(..) {
                    f.finish(None);
                }
                if outbox.written != outbox_before {
                    wake.notify_one();
                }
            }
            Err(e) => {
                tracing::error!(error = %e, "store commit failed; the batch is not stored");
                let err = StoreError::Sqlite(e.to_string());
                // Ops not yet applied when the transaction failed to start.
                for op in batch.drain(..) {
                    op.fail(err.clone());
                }
                for f in finishers.drain(..) {
                    f.finish(Some(err.clone()));
                }
                outbox.reload_needed = true;
            }
        }
        if outbox.reload_needed {
            outbox.reload(&conn);
        }
    }
}
