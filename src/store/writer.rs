//! The single writer: one thread owns the write connection and commits
//! whatever is waiting in one transaction (group commit), so durability costs
//! one sync per batch rather than one per message. Every op's completion
//! runs only after its transaction committed.

use super::StoreError;
use super::ops::{Outcome, WriteOp};
use super::writer_cache::{WriterCache, take_written_elsewhere};
use rusqlite::Connection;
use std::sync::Arc;
use std::sync::mpsc;
use tokio::sync::Notify;

/// Largest number of ops in one transaction; bounds commit latency.
const MAX_BATCH: usize = 2048;

/// The way to the writer thread: [`Writer::send`] queues an op, which is
/// run in the next batch's transaction and completed after its commit.
/// Clones share the one thread; it ends when the last clone is dropped.
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
        let completer = Completer::start();
        std::thread::Builder::new()
            .name("store-writer".into())
            .spawn(move || run(conn, rx, outbox, webhook_wake, full, completer))
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

type Finished = Vec<(WriteOp, Result<Outcome, StoreError>)>;

/// Runs the completions of a committed batch on the async runtime, all from
/// one wake-up. Each completion wakes the task waiting for it; woken from
/// this thread, every one of them would cost the runtime a wake-up call of
/// its own, where from a task on the runtime they are queued for free.
struct Completer(Option<tokio::sync::mpsc::UnboundedSender<Finished>>);

impl Completer {
    /// Without a runtime (some tests) completions run on the writer thread.
    fn start() -> Completer {
        let Ok(rt) = tokio::runtime::Handle::try_current() else {
            return Completer(None);
        };
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<Finished>();
        rt.spawn(async move {
            while let Some(batch) = rx.recv().await {
                complete_all(batch);
            }
        });
        Completer(Some(tx))
    }

    fn finish(&self, batch: Finished) {
        match &self.0 {
            // If the runtime is shutting down, they are completed here.
            Some(tx) => {
                if let Err(e) = tx.send(batch) {
                    complete_all(e.0);
                }
            }
            None => complete_all(batch),
        }
    }
}

fn complete_all(batch: Finished) {
    for (op, r) in batch {
        op.complete(r);
    }
}

fn run(
    conn: Connection,
    rx: mpsc::Receiver<WriteOp>,
    mut outbox: WriterCache,
    wake: Arc<Notify>,
    full: bool,
    completer: Completer,
) {
    // Grown to the largest batch seen, not reserved for the largest allowed.
    let mut batch: Vec<WriteOp> = Vec::new();
    let mut results: Vec<Result<Outcome, StoreError>> = Vec::new();
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
        // Taken whatever the result, so that a rolled-back batch's count
        // does not wake the sender after a later one.
        let elsewhere = take_written_elsewhere();
        match result {
            Ok(_) => {
                completer.finish(batch.drain(..).zip(results.drain(..)).collect());
                if outbox.written != outbox_before || elsewhere > 0 {
                    wake.notify_one();
                }
            }
            Err(e) => {
                tracing::error!(error = %e, "store commit failed; the batch is not stored");
                let err = StoreError::Sqlite(e.to_string());
                results.clear();
                completer.finish(batch.drain(..).map(|op| (op, Err(err.clone()))).collect());
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::{Accepted, NewOutbound, ReportApplied};
    use switchboard_protocol::{
        Body, MessageId, NetworkMessageId, PhoneNumber, Priority, SubmittedPart,
    };

    fn message(text: &str) -> NewOutbound {
        NewOutbound {
            api_key_id: 1,
            idempotency_key: None,
            to: PhoneNumber::parse_e164("+491701234567").unwrap(),
            from: None,
            body: Body::Text { text: text.into() },
            report: true,
            priority: Priority::Normal,
            valid_until: 10_000_000,
            concat_ref: 1,
            total_parts: 1,
            created_at: 1,
            honour_opt_out: false,
        }
    }

    type Slot<T> = Arc<std::sync::Mutex<Option<Result<T, StoreError>>>>;

    fn slot<T: Send + 'static>() -> (Slot<T>, super::super::Done<T>) {
        let s: Slot<T> = Arc::default();
        let s2 = s.clone();
        (s, Box::new(move |r| *s2.lock().unwrap() = Some(r)))
    }

    /// One op of a batch fails: the batch is run again with savepoints, the
    /// failing op is refused and leaves nothing, the others are stored.
    #[test]
    fn a_failing_op_leaves_nothing_and_the_rest_of_its_batch_is_stored() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.db");
        let mut conn = Connection::open(&path).unwrap();
        super::super::migrations::migrate(&mut conn).unwrap();
        let outbox = WriterCache::load(&conn).unwrap();
        // Without this table recording a submit fails half way: after the
        // message's state was set, at its parts.
        conn.execute_batch("DROP TABLE outbound_parts").unwrap();

        let (tx, rx) = mpsc::channel();
        let (first, done_first) = slot::<(Vec<Accepted>, Vec<NewOutbound>)>();
        let (submitted, done_submitted) = slot::<Vec<ReportApplied>>();
        let (second, done_second) = slot::<(Vec<Accepted>, Vec<NewOutbound>)>();
        tx.send(WriteOp::Accept(vec![message("a")], done_first))
            .unwrap();
        tx.send(WriteOp::Submitted {
            id: MessageId(1),
            attempt: 1,
            handler: switchboard_protocol::HandlerId::new("sim"),
            parts: vec![SubmittedPart {
                seq: 1,
                network_id: NetworkMessageId("n1".into()),
            }],
            complete: true,
            count_daily: false,
            at: 2,
            done: done_submitted,
        })
        .unwrap();
        tx.send(WriteOp::Accept(
            vec![message("b"), message("c")],
            done_second,
        ))
        .unwrap();
        drop(tx);
        // All three are waiting, so they are one batch.
        run(
            conn,
            rx,
            outbox,
            Arc::new(Notify::new()),
            true,
            Completer(None),
        );

        let (first, rows) = first.lock().unwrap().take().unwrap().unwrap();
        let (second, _) = second.lock().unwrap().take().unwrap().unwrap();
        // The rows come back with their ids, for the dispatcher.
        assert_eq!(rows.len(), 1);
        assert_eq!(first.len(), 1);
        assert_eq!(second.len(), 2);
        assert_eq!(first[0].id, MessageId(1));
        assert!(submitted.lock().unwrap().take().unwrap().is_err());
        let c = Connection::open(&path).unwrap();
        let states: Vec<String> = c
            .prepare("SELECT state FROM outbound ORDER BY id")
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        assert_eq!(states, ["queued"; 3], "all accepted, none half submitted");
    }
}
