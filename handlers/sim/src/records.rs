//! What the simulator saw and did, for tests to inspect.

use serde::Serialize;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;
use switchboard_protocol::Concat;

/// One submit_sm as received, and what the simulator answered.
#[derive(Debug, Clone)]
pub struct SubmitRecord {
    /// The PDU's sequence number.
    pub seq: u32,
    /// The session that sent it (see [`BindRecord::session`]).
    pub session: u64,
    pub received_at: Instant,
    pub system_id: String,
    pub source_addr: String,
    pub source_ton: u8,
    pub source_npi: u8,
    pub dest_addr: String,
    pub dest_ton: u8,
    pub dest_npi: u8,
    pub esm_class: u8,
    pub data_coding: u8,
    pub registered_delivery: u8,
    /// Including the UDH, if any.
    pub short_message: Vec<u8>,
    pub message_payload: Option<Vec<u8>>,
    /// (sar_msg_ref_num, sar_total_segments, sar_segment_seqnum).
    pub sar: Option<(u16, u8, u8)>,
    /// Concatenation element of the UDH (esm_class UDHI set).
    pub udh_concat: Option<Concat>,
    /// This PDU's own text, decoded per data_coding, without the UDH.
    pub text: String,
    /// Set when the message was accepted.
    pub message_id: Option<String>,
    /// `ok`, `undeliverable` (accepted, report will say UNDELIV),
    /// `no_response` (accepted, never answered), `dropped` (accepted, then
    /// the connection was closed by `drop_every`), `failed`, `throttled`,
    /// `queue_full`, `generic_nack`, `lost`, `not_bound`.
    pub outcome: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum BindKind {
    Transceiver,
    Transmitter,
    Receiver,
}

impl BindKind {
    /// Whether the SMSC may send deliver_sm on such a session.
    pub fn can_receive(self) -> bool {
        matches!(self, BindKind::Transceiver | BindKind::Receiver)
    }

    /// Whether the ESME may submit on such a session.
    pub fn can_submit(self) -> bool {
        matches!(self, BindKind::Transceiver | BindKind::Transmitter)
    }
}

/// One bind attempt.
#[derive(Debug, Clone)]
pub struct BindRecord {
    pub at: Instant,
    pub session: u64,
    pub peer: SocketAddr,
    pub system_id: String,
    pub kind: BindKind,
    pub interface_version: u8,
    /// The command_status answered (0 = bound).
    pub status: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DeliveryKind {
    /// A mobile-originated message (from `inject_mo`).
    Mo,
    /// A delivery report.
    Dlr,
}

/// One deliver_sm the simulator sent, and how the ESME answered it.
#[derive(Debug, Clone)]
pub struct MoAck {
    /// Same for every attempt at one deliver_sm.
    pub delivery: u64,
    pub kind: DeliveryKind,
    /// 1 for the first attempt.
    pub attempt: u32,
    pub session: u64,
    pub system_id: String,
    pub seq: u32,
    pub sent_at: Instant,
    pub source_addr: String,
    pub dest_addr: String,
    /// For a delivery report, the id it reports on.
    pub message_id: Option<String>,
    /// For an MO part, its concatenation element.
    pub concat: Option<Concat>,
    /// command_status of the deliver_sm_resp (or generic_nack); `None` while
    /// unanswered.
    pub status: Option<u32>,
    /// No answer came within `deliver_timeout_ms` (or the session closed
    /// first); the deliver_sm is retried.
    pub timed_out: bool,
}

/// Counters, kept even when `record` is off.
#[derive(Debug, Default)]
pub(crate) struct Counters {
    pub binds: AtomicU64,
    pub binds_ok: AtomicU64,
    pub submits: AtomicU64,
    pub accepted: AtomicU64,
    pub refused: AtomicU64,
    pub dlrs_sent: AtomicU64,
    pub dlrs_acked: AtomicU64,
    pub mo_sent: AtomicU64,
    pub mo_acked: AtomicU64,
    pub deliver_errors: AtomicU64,
    pub deliver_timeouts: AtomicU64,
}

/// A snapshot of the counters (`GET /stats`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Stats {
    /// Bind attempts, and how many succeeded.
    pub binds: u64,
    pub binds_ok: u64,
    pub bound_sessions: u64,
    /// submit_sm received, accepted (given an id), refused with an error.
    pub submits: u64,
    pub accepted: u64,
    pub refused: u64,
    /// deliver_sm attempts carrying delivery reports, and those answered OK.
    pub dlrs_sent: u64,
    pub dlrs_acked: u64,
    /// deliver_sm attempts carrying MO parts, and those answered OK.
    pub mo_sent: u64,
    pub mo_acked: u64,
    /// deliver_sm answered with an error status / not answered in time.
    pub deliver_errors: u64,
    pub deliver_timeouts: u64,
    /// deliver_sm waiting for a receiver or for a retry.
    pub deliveries_pending: u64,
}

impl Counters {
    pub(crate) fn bump(c: &AtomicU64) {
        c.fetch_add(1, Ordering::Relaxed);
    }

    pub(crate) fn snapshot(&self) -> Stats {
        let g = |c: &AtomicU64| c.load(Ordering::Relaxed);
        Stats {
            binds: g(&self.binds),
            binds_ok: g(&self.binds_ok),
            submits: g(&self.submits),
            accepted: g(&self.accepted),
            refused: g(&self.refused),
            dlrs_sent: g(&self.dlrs_sent),
            dlrs_acked: g(&self.dlrs_acked),
            mo_sent: g(&self.mo_sent),
            mo_acked: g(&self.mo_acked),
            deliver_errors: g(&self.deliver_errors),
            deliver_timeouts: g(&self.deliver_timeouts),
            ..Stats::default()
        }
    }
}
