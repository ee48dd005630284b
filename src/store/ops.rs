//! The writes the writer thread performs, each with its completion.

use super::StoreError;
use super::types::{Accepted, NewOutbound, OutState, ReportApplied, UnixMs};
use super::writer_cache::WriterCache;
use rusqlite::{Connection, Transaction};
use switchboard_protocol::{
    CallId, CallProgress, Caller, DlrState, InboundSms, MessageId, MissedCall, PhoneNumber,
    SubmittedPart,
};

/// Called once with the op's result, after commit (or with the error).
pub type Done<T> = Box<dyn FnOnce(Result<T, StoreError>) + Send>;

/// What happens to a message after a try that did not fully succeed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Next {
    /// Queued again for this time.
    Retry(UnixMs),
    /// Held: no response came; wait for a delivery report.
    Uncertain,
    /// Ended (failed or expired).
    Final(OutState),
}

pub enum WriteOp {
    Accept(Vec<NewOutbound>, Done<Vec<Accepted>>),
    Submitted {
        id: MessageId,
        attempt: u32,
        handler: String,
        parts: Vec<SubmittedPart>,
        complete: bool,
        /// Count the parts towards the link's sends of the day.
        count_daily: bool,
        at: UnixMs,
        done: Done<Vec<ReportApplied>>,
    },
    TryFailed {
        id: MessageId,
        attempt: u32,
        handler: Option<String>,
        outcome: &'static str,
        code: Option<u32>,
        reason: String,
        parts: Vec<SubmittedPart>,
        next: Next,
        count_daily: bool,
        at: UnixMs,
        done: Done<()>,
    },
    Report {
        handler: String,
        network_id: String,
        state: DlrState,
        error: Option<String>,
        at: UnixMs,
        done: Done<Option<ReportApplied>>,
    },
    Inbound {
        handler: String,
        sms: InboundSms,
        at: UnixMs,
        done: Done<Option<MessageId>>,
    },
    FlushParts {
        older_than: UnixMs,
        at: UnixMs,
        done: Done<Vec<MessageId>>,
    },
    CallIncoming {
        handler: String,
        call: CallId,
        caller: Caller,
        line: Option<PhoneNumber>,
        at: UnixMs,
        done: Done<i64>,
    },
    CallMissed {
        handler: String,
        call: MissedCall,
        done: Done<i64>,
    },
    CallProgress {
        handler: String,
        call: CallId,
        progress: CallProgress,
        at: UnixMs,
        done: Done<Option<i64>>,
    },
    CreateApiKey {
        name: String,
        hash: Vec<u8>,
        at: UnixMs,
        done: Done<i64>,
    },
    CreateWebhook {
        url: String,
        secret: String,
        events: String,
        at: UnixMs,
        done: Done<i64>,
    },
    DeleteWebhook {
        id: i64,
        done: Done<bool>,
    },
    WebhookResult {
        delivery_id: i64,
        delivered: bool,
        error: Option<String>,
        /// `None` with `delivered == false`: give up.
        next_attempt_at: Option<UnixMs>,
        done: Done<()>,
    },
    Audit {
        kind: &'static str,
        subject: String,
        detail: String,
        at: UnixMs,
    },
    /// A write of another part of the host (directory, bindings, inbox,
    /// ...): runs in its own savepoint inside the shared transaction;
    /// `sync`: its commit must reach the disk before it completes. See
    /// [`super::Store::exec`].
    Exec {
        work: Box<dyn FnOnce(&Connection) -> Applied + Send>,
        sync: bool,
    },
}

/// A finished op waiting for the commit verdict.
pub struct Applied(Box<dyn FnOnce(Option<StoreError>) + Send>);

impl Applied {
    pub fn finish(self, commit_error: Option<StoreError>) {
        (self.0)(commit_error)
    }

    fn none() -> Applied {
        Applied(Box::new(|_| {}))
    }

    /// Runs `f` atomically and completes `done` after the commit.
    pub fn exec<T: Send + 'static>(
        c: &Connection,
        f: impl FnOnce(&Connection) -> rusqlite::Result<T>,
        done: Done<T>,
    ) -> Applied {
        complete(done, in_savepoint(c, f))
    }
}

fn complete<T: Send + 'static>(done: Done<T>, result: Result<T, StoreError>) -> Applied {
    Applied(Box::new(move |commit_error| match commit_error {
        Some(e) => done(Err(e)),
        None => done(result),
    }))
}

/// Runs `f` inside a savepoint so a failing op leaves nothing half-written
/// in the shared transaction. The savepoint statements are prepared once:
/// rusqlite's `Savepoint` parses them anew for every op, which cost a tenth
/// of the daemon's CPU under load.
fn atomically<T>(
    tx: &mut Transaction,
    f: impl FnOnce(&Connection) -> rusqlite::Result<T>,
) -> Result<T, StoreError> {
    in_savepoint(tx, f)
}

fn in_savepoint<T>(
    c: &Connection,
    f: impl FnOnce(&Connection) -> rusqlite::Result<T>,
) -> Result<T, StoreError> {
    c.prepare_cached("SAVEPOINT op")?.execute([])?;
    match f(c) {
        Ok(v) => {
            c.prepare_cached("RELEASE op")?.execute([])?;
            Ok(v)
        }
        Err(e) => {
            let undo = c
                .prepare_cached("ROLLBACK TO op")
                .and_then(|mut s| s.execute([]))
                .and_then(|_| c.prepare_cached("RELEASE op")?.execute([]));
            if let Err(u) = undo {
                tracing::error!(error = %u, "cannot undo a failed write");
            }
            Err(e.into())
        }
    }
}

impl WriteOp {
    pub fn apply(self, tx: &mut Transaction, outbox: &mut WriterCache) -> Applied {
        use super::{ops_admin as admin, ops_calls as calls, ops_in as inb, ops_out as out};
        match self {
            WriteOp::Accept(msgs, done) => {
                // One insert is atomic on its own; a batch needs a savepoint.
                let r = if msgs.len() == 1 {
                    out::accept(tx, &msgs).map_err(StoreError::from)
                } else {
                    atomically(tx, |c| out::accept(c, &msgs))
                };
                complete(done, r)
            }
            WriteOp::Submitted {
                id,
                attempt,
                handler,
                parts,
                complete: all,
                count_daily,
                at,
                done,
            } => {
                let r = atomically(tx, |c| {
                    out::submitted(
                        c,
                        outbox,
                        id,
                        attempt,
                        &handler,
                        &parts,
                        all,
                        count_daily,
                        at,
                    )
                });
                complete(done, r)
            }
            WriteOp::TryFailed {
                id,
                attempt,
                handler,
                outcome,
                code,
                reason,
                parts,
                next,
                count_daily,
                at,
                done,
            } => {
                let r = atomically(tx, |c| {
                    out::try_failed(
                        c,
                        outbox,
                        id,
                        attempt,
                        handler.as_deref(),
                        outcome,
                        code,
                        &reason,
                        &parts,
                        next,
                        count_daily,
                        at,
                    )
                });
                complete(done, r)
            }
            WriteOp::Report {
                handler,
                network_id,
                state,
                error,
                at,
                done,
            } => {
                let r = atomically(tx, |c| {
                    out::report(
                        c,
                        outbox,
                        &handler,
                        &network_id,
                        state,
                        error.as_deref(),
                        at,
                    )
                });
                complete(done, r)
            }
            WriteOp::Inbound {
                handler,
                sms,
                at,
                done,
            } => {
                let r = atomically(tx, |c| inb::inbound(c, outbox, &handler, &sms, at));
                complete(done, r)
            }
            WriteOp::FlushParts {
                older_than,
                at,
                done,
            } => {
                let r = atomically(tx, |c| inb::flush_parts(c, outbox, older_than, at));
                complete(done, r)
            }
            WriteOp::CallIncoming {
                handler,
                call,
                caller,
                line,
                at,
                done,
            } => {
                let r = atomically(tx, |c| {
                    calls::incoming(c, &handler, call, &caller, line.as_ref(), at)
                });
                complete(done, r)
            }
            WriteOp::CallMissed {
                handler,
                call,
                done,
            } => {
                let r = atomically(tx, |c| calls::missed(c, &handler, &call));
                complete(done, r)
            }
            WriteOp::CallProgress {
                handler,
                call,
                progress,
                at,
                done,
            } => {
                let r = atomically(tx, |c| calls::progress(c, &handler, call, &progress, at));
                complete(done, r)
            }
            WriteOp::CreateApiKey {
                name,
                hash,
                at,
                done,
            } => {
                let r = admin::create_api_key(tx, &name, &hash, at).map_err(StoreError::from);
                complete(done, r)
            }
            WriteOp::CreateWebhook {
                url,
                secret,
                events,
                at,
                done,
            } => {
                let r = admin::create_webhook(tx, outbox, &url, &secret, &events, at)
                    .map_err(StoreError::from);
                complete(done, r)
            }
            WriteOp::DeleteWebhook { id, done } => {
                let r = admin::delete_webhook(tx, outbox, id).map_err(StoreError::from);
                complete(done, r)
            }
            WriteOp::WebhookResult {
                delivery_id,
                delivered,
                error,
                next_attempt_at,
                done,
            } => {
                let r = admin::webhook_result(
                    tx,
                    delivery_id,
                    delivered,
                    error.as_deref(),
                    next_attempt_at,
                )
                .map_err(StoreError::from);
                complete(done, r)
            }
            WriteOp::Audit {
                kind,
                subject,
                detail,
                at,
            } => {
                if let Err(e) = admin::audit(tx, kind, &subject, &detail, at) {
                    tracing::error!(error = %e, "cannot write the audit log");
                }
                Applied::none()
            }
            WriteOp::Exec { work, .. } => work(tx),
        }
    }

    /// Whether the op's commit must reach the disk before anyone hears of
    /// it: what the API accepted and what a network was acknowledged for.
    /// The outcome of a try need not: if power fails before a later sync,
    /// the message is sent again, as after any crash.
    pub fn needs_sync(&self) -> bool {
        match self {
            WriteOp::Exec { sync, .. } => *sync,
            _ => !matches!(
                self,
                WriteOp::Submitted { .. }
                    | WriteOp::TryFailed { .. }
                    | WriteOp::WebhookResult { .. }
                    | WriteOp::Audit { .. }
            ),
        }
    }

    /// Completes the op with an error without running it.
    pub fn fail(self, err: StoreError) {
        match self {
            WriteOp::Accept(_, done) => done(Err(err)),
            WriteOp::Submitted { done, .. } => done(Err(err)),
            WriteOp::TryFailed { done, .. } => done(Err(err)),
            WriteOp::Report { done, .. } => done(Err(err)),
            WriteOp::Inbound { done, .. } => done(Err(err)),
            WriteOp::FlushParts { done, .. } => done(Err(err)),
            WriteOp::CallIncoming { done, .. } | WriteOp::CallMissed { done, .. } => done(Err(err)),
            WriteOp::CallProgress { done, .. } => done(Err(err)),
            WriteOp::CreateApiKey { done, .. } | WriteOp::CreateWebhook { done, .. } => {
                done(Err(err))
            }
            WriteOp::DeleteWebhook { done, .. } => done(Err(err)),
            WriteOp::WebhookResult { done, .. } => done(Err(err)),
            WriteOp::Audit { .. } => {}
            WriteOp::Exec { work, .. } => {
                // Dropping the work drops its completion: the caller of
                // `Store::exec` hears `StoreError::Closed`.
                drop(work);
                tracing::error!(error = %err, "a write was not run");
            }
        }
    }
}
