//! The outbox: the one way to queue an outbound SMS, whoever asks for it
//! (an operator through the API, the IM side, notifications, callbacks).
//!
//! It checks what every SMS must satisfy (a route covers the number, the
//! text fits in 255 parts, a sane validity), stores it, counts it, and
//! hands it to the dispatcher after the commit — never before, so a crash
//! loses nothing that was answered "accepted". A sender that writes other
//! rows in the same transaction (the IM side's inbox row) prepares the SMS
//! here, stores it with [`Outbox::store`] inside its own write, and calls
//! [`Outbox::queue`] once that write is committed.

use super::concat_ref;
use super::dispatch::{Dispatcher, Job};
use crate::model::time::now_ms;
use crate::ops::metrics::Metrics;
use crate::store::{Accepted, NewOutbound, Store, StoreError, WriteOp, accept_outbound};
use rusqlite::Connection;
use std::sync::Arc;
use std::sync::atomic::Ordering::Relaxed;
use switchboard_protocol::{Address, Body, MessageId, PhoneNumber, Priority, text};

/// Most parts of one message (the UDH counts parts in one octet).
pub const MAX_PARTS: usize = 255;
/// Shortest and longest validity an SMS may ask for.
pub const VALIDITY_SECS: std::ops::RangeInclusive<u64> = 60..=14 * 86400;

/// Who asked for an SMS: an operator's API key, or the gateway itself on a
/// user's behalf (the IM side, notifications), which no opt-out exemption
/// covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    Operator { api_key: i64 },
    Gateway,
}

impl Origin {
    /// The API key id recorded on the message (0: the gateway's own).
    fn api_key(self) -> i64 {
        match self {
            Origin::Operator { api_key } => api_key,
            Origin::Gateway => 0,
        }
    }
}

/// A new outbound SMS on its way in, before it is checked.
#[derive(Debug, Clone)]
pub struct NewSms {
    pub to: PhoneNumber,
    /// `None`: the link's configured sender.
    pub from: Option<Address>,
    pub text: String,
    /// Ask the network for a delivery report.
    pub report: bool,
    pub priority: Priority,
    /// `None`: `delivery.validity_secs`.
    pub validity_secs: Option<u64>,
    pub idempotency_key: Option<String>,
}

impl NewSms {
    /// A plain text to a phone, with the defaults.
    pub fn text(to: PhoneNumber, text: impl Into<String>) -> NewSms {
        NewSms {
            to,
            from: None,
            text: text.into(),
            report: false,
            priority: Priority::Normal,
            validity_secs: None,
            idempotency_key: None,
        }
    }
}

/// Why the outbox refused an SMS; names the field at fault.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    #[error("no [[route]] in the configuration covers this number")]
    NoRoute,
    #[error("is empty")]
    EmptyText,
    #[error("needs {0} SMS parts; at most {MAX_PARTS} are possible")]
    TooManyParts(usize),
    #[error("must be between 60 and 1209600 (14 days)")]
    Validity,
    #[error("must be 1 to 128 characters")]
    IdempotencyKey,
}

impl Refusal {
    /// The request field the refusal is about.
    pub fn field(&self) -> &'static str {
        match self {
            Refusal::NoRoute => "to",
            Refusal::EmptyText | Refusal::TooManyParts(_) => "text",
            Refusal::Validity => "validity_secs",
            Refusal::IdempotencyKey => "idempotency_key",
        }
    }
}

/// A checked SMS, ready to store: its row and its route.
#[derive(Debug, Clone)]
pub struct Prepared {
    row: NewOutbound,
    route: usize,
}

impl Prepared {
    pub fn parts(&self) -> u8 {
        self.row.total_parts
    }
}

/// What became of one accepted SMS.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Queued {
    pub accepted: Accepted,
    pub parts: u8,
}

/// The handle every room sends SMS through; cheap to clone.
#[derive(Clone)]
pub struct Outbox {
    inner: Arc<Inner>,
}

struct Inner {
    store: Store,
    dispatcher: Dispatcher,
    metrics: Arc<Metrics>,
    validity_secs: u64,
    /// `[delivery] opt_out_applies_to_api`.
    opt_out_applies_to_api: bool,
}

impl std::fmt::Debug for Outbox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Outbox")
    }
}

impl Outbox {
    pub fn new(
        store: Store,
        dispatcher: Dispatcher,
        metrics: Arc<Metrics>,
        validity_secs: u64,
        opt_out_applies_to_api: bool,
    ) -> Outbox {
        Outbox {
            inner: Arc::new(Inner {
                store,
                dispatcher,
                metrics,
                validity_secs,
                opt_out_applies_to_api,
            }),
        }
    }

    /// Whether a route covers the number (a binding to it could work).
    pub fn covers(&self, to: &PhoneNumber) -> bool {
        self.inner.dispatcher.route_for(to).is_some()
    }

    /// Checks an SMS; a refusal is counted as a rejected request.
    pub fn prepare(&self, origin: Origin, sms: NewSms) -> Result<Prepared, Refusal> {
        let r = self.check(origin, sms);
        if r.is_err() {
            self.inner.metrics.rejected.fetch_add(1, Relaxed);
        }
        r
    }

    fn check(&self, origin: Origin, sms: NewSms) -> Result<Prepared, Refusal> {
        let route = self
            .inner
            .dispatcher
            .route_for(&sms.to)
            .ok_or(Refusal::NoRoute)?;
        if sms.text.is_empty() {
            return Err(Refusal::EmptyText);
        }
        let parts = text::plan(&sms.text).parts.len();
        if parts > MAX_PARTS {
            return Err(Refusal::TooManyParts(parts));
        }
        if sms
            .idempotency_key
            .as_ref()
            .is_some_and(|k| k.is_empty() || k.len() > 128)
        {
            return Err(Refusal::IdempotencyKey);
        }
        let validity = sms.validity_secs.unwrap_or(self.inner.validity_secs);
        if !VALIDITY_SECS.contains(&validity) {
            return Err(Refusal::Validity);
        }
        // The dispatcher's own clock decides expiry.
        let now = now_ms();
        Ok(Prepared {
            row: NewOutbound {
                api_key_id: origin.api_key(),
                idempotency_key: sms.idempotency_key,
                to: sms.to,
                from: sms.from,
                body: Body::Text { text: sms.text },
                report: sms.report,
                priority: sms.priority,
                valid_until: now + (validity as i64) * 1000,
                concat_ref: concat_ref::next(),
                total_parts: parts as u8,
                created_at: now,
                // The gateway's own SMS never reach a phone that texted
                // STOP (answers to commands opt out of this below).
                honour_opt_out: match origin {
                    Origin::Operator { .. } => self.inner.opt_out_applies_to_api,
                    Origin::Gateway => true,
                },
            },
            route,
        })
    }

    /// Stores checked SMS in one commit and queues them; answers once they
    /// are on disk. A repeated idempotency key gives the earlier message
    /// back and queues nothing. An SMS to a phone that texted STOP (when
    /// opt-out applies to it) is stored already failed and not queued.
    pub async fn accept(&self, batch: Vec<Prepared>) -> Result<Vec<Queued>, StoreError> {
        let (routes, rows): (Vec<usize>, Vec<NewOutbound>) =
            batch.into_iter().map(|p| (p.route, p.row)).unzip();
        let (accepted, rows) = self
            .inner
            .store
            .call(|done| WriteOp::Accept(rows, done))
            .await?;
        let mut jobs = Vec::with_capacity(accepted.len());
        let mut out = Vec::with_capacity(accepted.len());
        let mut ended = 0;
        for ((a, row), route) in accepted.iter().zip(rows).zip(routes) {
            out.push(Queued {
                accepted: *a,
                parts: row.total_parts,
            });
            if a.duplicate {
                continue;
            }
            if a.ended.is_some() {
                ended += 1;
            } else {
                jobs.push(Job::accepted(a.id, row, route));
            }
        }
        // An SMS stored failed was accepted, and failed at once.
        let m = &self.inner.metrics;
        m.accepted.fetch_add(ended, Relaxed);
        m.failed.fetch_add(ended, Relaxed);
        self.hand_over(jobs);
        Ok(out)
    }

    /// Checks, stores and queues one SMS on its own.
    pub async fn send(&self, origin: Origin, sms: NewSms) -> Result<MessageId, SendError> {
        let p = self.prepare(origin, sms)?;
        let queued = self.accept(vec![p]).await?;
        queued
            .first()
            .map(|q| q.accepted.id)
            .ok_or(SendError::Store(StoreError::Closed))
    }

    /// An SMS the gateway sends of its own accord (a reply to a command, a
    /// code): nobody waits on the outcome, so a refusal or a store error is
    /// logged, not returned. The phone asked for it, so it goes even after
    /// STOP (the answer to STOP itself included); automatic replies and
    /// codes that use this check STOP themselves.
    pub async fn send_own(&self, to: &PhoneNumber, text: String) {
        let sent = match self.prepare(Origin::Gateway, NewSms::text(to.clone(), text)) {
            Ok(mut p) => {
                p.row.honour_opt_out = false;
                self.accept(vec![p]).await.map_err(SendError::from)
            }
            Err(r) => Err(SendError::from(r)),
        };
        match sent {
            Ok(_) => {}
            Err(SendError::Refused(Refusal::NoRoute)) => {
                tracing::warn!(to = ?to, "no [[route]] covers this number; the SMS is not sent")
            }
            Err(e) => tracing::error!(error = %e, to = ?to, "cannot queue an SMS to a phone"),
        }
    }

    /// Stores a checked SMS inside a larger write; [`Outbox::queue`] it
    /// once that write is committed. `None`: the phone texted STOP, so the
    /// SMS was stored already failed and is not to be queued.
    pub fn store(c: &Connection, p: &Prepared) -> rusqlite::Result<Option<MessageId>> {
        let accepted = accept_outbound(c, std::slice::from_ref(&p.row))?;
        let a = accepted
            .first()
            .ok_or(rusqlite::Error::QueryReturnedNoRows)?;
        Ok(a.ended.is_none().then_some(a.id))
    }

    /// Hands an SMS stored by [`Outbox::store`] to the dispatcher.
    pub fn queue(&self, id: MessageId, p: Prepared) {
        self.hand_over(vec![Job::accepted(id, p.row, p.route)]);
    }

    fn hand_over(&self, jobs: Vec<Job>) {
        if jobs.is_empty() {
            return;
        }
        self.inner
            .metrics
            .accepted
            .fetch_add(jobs.len() as u64, Relaxed);
        self.inner.dispatcher.submit(jobs);
    }
}

#[derive(Debug, thiserror::Error)]
pub enum SendError {
    #[error("{field} {0}", field = .0.field())]
    Refused(#[from] Refusal),
    #[error(transparent)]
    Store(#[from] StoreError),
}
