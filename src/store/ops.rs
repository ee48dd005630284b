//! The writes the writer thread performs, each with its completion.

use super::StoreError;
use super::done::Done;
use super::types::{Accepted, AuditKind, NewOutbound, Next, ReportApplied, TryOutcome, UnixMs};
use super::writer_cache::WriterCache;
use rusqlite::Connection;
use std::any::Any;
use switchboard_protocol::{
    CallId, CallProgress, Caller, DlrState, HandlerId, InboundSms, MessageId, MissedCall,
    PhoneNumber, SubmittedPart,
};

/// One write for the writer thread, with the completion its sender waits
/// on: the facts of the SMS and call lifecycles, keys and webhooks, and
/// [`WriteOp::Exec`] for the other rooms. Made by the room the fact comes
/// from (API, dispatcher, ops) and sent with [`super::Store::call`] or
/// `store.writer.send`; the writer batches ops into one transaction and
/// completes each after the commit, so a caller hears "done" only of what
/// is on disk. An op that fails leaves nothing of itself.
pub enum WriteOp {
    /// Stores validated outbound messages (the API's batch), queued or,
    /// when the recipient opted out, already failed. Gives the rows back
    /// with their ids: the caller queues those not ended nor duplicate.
    Accept(Vec<NewOutbound>, Done<(Vec<Accepted>, Vec<NewOutbound>)>),
    /// A link accepted parts of a try; with `complete` the message is
    /// submitted. Reports that arrived before the response are applied
    /// and returned.
    Submitted {
        id: MessageId,
        attempt: u32,
        handler: HandlerId,
        parts: Vec<SubmittedPart>,
        complete: bool,
        /// Count the parts towards the link's sends of the day.
        count_daily: bool,
        at: UnixMs,
        done: Done<Vec<ReportApplied>>,
    },
    /// A try that did not simply succeed (or a message ended without one:
    /// no route, validity over): recorded in the history, then retried,
    /// held or ended as `next` says. Its parts that did go are recorded.
    TryFailed {
        id: MessageId,
        attempt: u32,
        handler: Option<HandlerId>,
        outcome: TryOutcome,
        code: Option<u32>,
        reason: String,
        parts: Vec<SubmittedPart>,
        next: Next,
        count_daily: bool,
        at: UnixMs,
        done: Done<()>,
    },
    /// A delivery report from a link: applied to the newest part with its
    /// network id (kept as an orphan until that part is known), and to the
    /// message when it decides it.
    Report {
        handler: HandlerId,
        network_id: String,
        state: DlrState,
        error: Option<String>,
        at: UnixMs,
        done: Done<Option<ReportApplied>>,
    },
    /// A received SMS or part, stored before the network is acknowledged.
    /// The id is that of the whole message once it is complete (`None`
    /// for a part still waiting for others, or one sent again).
    Inbound {
        handler: HandlerId,
        sms: InboundSms,
        at: UnixMs,
        done: Done<Option<MessageId>>,
    },
    /// Stores long messages whose missing parts did not come in time,
    /// marked incomplete, and forgets old joined parts.
    FlushParts {
        older_than: UnixMs,
        at: UnixMs,
        done: Done<Vec<MessageId>>,
    },
    /// A call started ringing on a line: its row's id.
    CallIncoming {
        handler: HandlerId,
        call: CallId,
        caller: Caller,
        line: Option<PhoneNumber>,
        at: UnixMs,
        done: Done<i64>,
    },
    /// A line's account of a call that rang out or was refused.
    CallMissed {
        handler: HandlerId,
        call: MissedCall,
        done: Done<i64>,
    },
    /// A call was answered or ended (other steps change nothing stored).
    CallProgress {
        handler: HandlerId,
        call: CallId,
        progress: CallProgress,
        at: UnixMs,
        done: Done<Option<i64>>,
    },
    /// A new API key (only its hash is kept), audited.
    CreateApiKey {
        name: String,
        hash: Vec<u8>,
        at: UnixMs,
        done: Done<i64>,
    },
    /// A new webhook; the writer's cache learns it in the same commit.
    CreateWebhook {
        url: String,
        secret: String,
        events: String,
        at: UnixMs,
        done: Done<i64>,
    },
    /// Removes a webhook and gives up its pending calls.
    DeleteWebhook { id: i64, done: Done<bool> },
    /// What came of one webhook call: delivered, to retry, or given up.
    WebhookResult {
        delivery_id: i64,
        delivered: bool,
        error: Option<String>,
        /// `None` with `delivered == false`: give up.
        next_attempt_at: Option<UnixMs>,
        done: Done<()>,
    },
    /// An audit log entry. Nobody waits for it, and its failure is only
    /// logged: it must not cost the change it records.
    Audit {
        kind: AuditKind,
        subject: String,
        detail: String,
        at: UnixMs,
    },
    /// A write of another part of the host (directory, bindings, inbox,
    /// ...), see [`super::Store::exec`]. `work` may run twice: when another
    /// op of its batch fails, the batch is rolled back and run again with a
    /// savepoint per op. `sync`: its commit must reach the disk before it
    /// completes.
    Exec {
        work: ExecWork,
        sync: bool,
        done: Done<Box<dyn Any + Send>>,
    },
}

/// The statements of an [`WriteOp::Exec`], with its result type erased.
pub type ExecWork = Box<dyn Fn(&Connection) -> rusqlite::Result<Box<dyn Any + Send>> + Send>;

/// What an op's statements produced, kept until the commit verdict.
pub enum Outcome {
    Accepted(Vec<Accepted>),
    Reports(Vec<ReportApplied>),
    Report(Option<ReportApplied>),
    Inbound(Option<MessageId>),
    Ids(Vec<MessageId>),
    Id(i64),
    OptId(Option<i64>),
    Bool(bool),
    Any(Box<dyn Any + Send>),
    Unit,
}

/// Runs `f` inside a savepoint so a failing op leaves nothing half-written
/// in the shared transaction. The savepoint statements are prepared once:
/// rusqlite's `Savepoint` parses them anew for every op.
fn atomically<T>(
    c: &Connection,
    f: impl FnOnce(&Connection) -> Result<T, StoreError>,
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
            Err(e)
        }
    }
}

impl WriteOp {
    /// Whether the op writes with more than one statement, so that a
    /// failure part way would leave something half-written.
    fn several_statements(&self) -> bool {
        match self {
            // One insert is atomic on its own; a batch is several, and so
            // is a message that may end at once (its webhook rows).
            WriteOp::Accept(msgs, _) => msgs.len() > 1 || msgs.iter().any(|m| m.honour_opt_out),
            WriteOp::Submitted { .. }
            | WriteOp::TryFailed { .. }
            | WriteOp::Report { .. }
            | WriteOp::Inbound { .. }
            | WriteOp::FlushParts { .. }
            | WriteOp::CallIncoming { .. }
            | WriteOp::CallMissed { .. }
            | WriteOp::CallProgress { .. }
            | WriteOp::Exec { .. } => true,
            WriteOp::CreateApiKey { .. }
            | WriteOp::CreateWebhook { .. }
            | WriteOp::DeleteWebhook { .. }
            | WriteOp::WebhookResult { .. }
            | WriteOp::Audit { .. } => false,
        }
    }

    /// Runs the op's statements in the open transaction. With `guarded`,
    /// an op of several statements runs inside a savepoint, so that when it
    /// fails nothing of it stays. Without, the caller must roll the whole
    /// transaction back if any op fails (and may run the batch again,
    /// guarded): the writer's fast path, since a savepoint per op costs
    /// statements and a copy of every page it touches first.
    pub fn run(
        &self,
        c: &Connection,
        outbox: &mut WriterCache,
        guarded: bool,
    ) -> Result<Outcome, StoreError> {
        if guarded && self.several_statements() {
            atomically(c, |c| self.statements(c, outbox))
        } else {
            self.statements(c, outbox)
        }
    }

    fn statements(&self, c: &Connection, outbox: &mut WriterCache) -> Result<Outcome, StoreError> {
        use super::{ops_admin as admin, ops_calls as calls, ops_in as inb, ops_out as out};
        let r = match self {
            WriteOp::Accept(msgs, _) => out::accept(c, outbox, msgs).map(Outcome::Accepted),
            WriteOp::Submitted {
                id,
                attempt,
                handler,
                parts,
                complete: all,
                count_daily,
                at,
                ..
            } => out::submitted(
                c,
                outbox,
                *id,
                *attempt,
                handler,
                parts,
                *all,
                *count_daily,
                *at,
            )
            .map(Outcome::Reports),
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
                ..
            } => out::try_failed(
                c,
                outbox,
                *id,
                *attempt,
                handler.as_ref(),
                *outcome,
                *code,
                reason,
                parts,
                *next,
                *count_daily,
                *at,
            )
            .map(|()| Outcome::Unit),
            WriteOp::Report {
                handler,
                network_id,
                state,
                error,
                at,
                ..
            } => out::report(
                c,
                outbox,
                handler.as_str(),
                network_id,
                *state,
                error.as_deref(),
                *at,
            )
            .map(Outcome::Report),
            WriteOp::Inbound {
                handler, sms, at, ..
            } => inb::inbound(c, outbox, handler, sms, *at).map(Outcome::Inbound),
            WriteOp::FlushParts { older_than, at, .. } => {
                inb::flush_parts(c, outbox, *older_than, *at).map(Outcome::Ids)
            }
            WriteOp::CallIncoming {
                handler,
                call,
                caller,
                line,
                at,
                ..
            } => calls::incoming(c, handler, *call, caller, line.as_ref(), *at).map(Outcome::Id),
            WriteOp::CallMissed { handler, call, .. } => {
                calls::missed(c, handler, call).map(Outcome::Id)
            }
            WriteOp::CallProgress {
                handler,
                call,
                progress,
                at,
                ..
            } => calls::progress(c, handler, *call, progress, *at).map(Outcome::OptId),
            WriteOp::Exec { work, .. } => work(c).map(Outcome::Any),
            WriteOp::CreateApiKey { name, hash, at, .. } => {
                admin::create_api_key(c, name, hash, *at).map(Outcome::Id)
            }
            WriteOp::CreateWebhook {
                url,
                secret,
                events,
                at,
                ..
            } => admin::create_webhook(c, outbox, url, secret, events, *at).map(Outcome::Id),
            WriteOp::DeleteWebhook { id, .. } => {
                admin::delete_webhook(c, outbox, *id).map(Outcome::Bool)
            }
            WriteOp::WebhookResult {
                delivery_id,
                delivered,
                error,
                next_attempt_at,
                ..
            } => admin::webhook_result(
                c,
                *delivery_id,
                *delivered,
                error.as_deref(),
                *next_attempt_at,
            )
            .map(|()| Outcome::Unit),
            WriteOp::Audit {
                kind,
                subject,
                detail,
                at,
            } => {
                // One insert: if it fails nothing of it is left, and the
                // audit log must not cost the change it records.
                if let Err(e) = admin::audit(c, *kind, subject, detail, *at) {
                    tracing::error!(error = %e, "cannot write the audit log");
                }
                Ok(Outcome::Unit)
            }
        };
        r.map_err(StoreError::from)
    }

    /// Tells the op's caller the result, once its commit is decided.
    pub fn complete(self, result: Result<Outcome, StoreError>) {
        fn give<T>(
            done: Done<T>,
            r: Result<Outcome, StoreError>,
            f: impl FnOnce(Outcome) -> Option<T>,
        ) {
            done(r.and_then(|o| {
                f(o).ok_or_else(|| StoreError::Sqlite("internal: wrong outcome for the op".into()))
            }))
        }
        match self {
            WriteOp::Accept(rows, done) => give(done, result, |o| match o {
                Outcome::Accepted(v) => Some((v, rows)),
                _ => None,
            }),
            WriteOp::Submitted { done, .. } => give(done, result, |o| match o {
                Outcome::Reports(v) => Some(v),
                _ => None,
            }),
            WriteOp::TryFailed { done, .. } | WriteOp::WebhookResult { done, .. } => {
                give(done, result, |o| match o {
                    Outcome::Unit => Some(()),
                    _ => None,
                })
            }
            WriteOp::Report { done, .. } => give(done, result, |o| match o {
                Outcome::Report(v) => Some(v),
                _ => None,
            }),
            WriteOp::Inbound { done, .. } => give(done, result, |o| match o {
                Outcome::Inbound(v) => Some(v),
                _ => None,
            }),
            WriteOp::FlushParts { done, .. } => give(done, result, |o| match o {
                Outcome::Ids(v) => Some(v),
                _ => None,
            }),
            WriteOp::CallIncoming { done, .. } | WriteOp::CallMissed { done, .. } => {
                give(done, result, |o| match o {
                    Outcome::Id(v) => Some(v),
                    _ => None,
                })
            }
            WriteOp::CallProgress { done, .. } => give(done, result, |o| match o {
                Outcome::OptId(v) => Some(v),
                _ => None,
            }),
            WriteOp::Exec { done, .. } => give(done, result, |o| match o {
                Outcome::Any(v) => Some(v),
                _ => None,
            }),
            WriteOp::CreateApiKey { done, .. } | WriteOp::CreateWebhook { done, .. } => {
                give(done, result, |o| match o {
                    Outcome::Id(v) => Some(v),
                    _ => None,
                })
            }
            WriteOp::DeleteWebhook { done, .. } => give(done, result, |o| match o {
                Outcome::Bool(v) => Some(v),
                _ => None,
            }),
            WriteOp::Audit { .. } => {}
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
        self.complete(Err(err))
    }
}
