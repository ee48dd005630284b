//! bind_transmitter / bind_receiver / bind_transceiver: credentials,
//! interface version, and registering a receiver with the dispatcher.

use super::{
    Bound, ESME_RALYBND, ESME_RBINDFAIL, ESME_RINVPASWD, ESME_RINVSYSID, SMSC_SYSTEM_ID, Session,
    bare,
};
use crate::deliveries::ToDispatcher;
use crate::records::{BindKind, BindRecord, Counters};
use crate::state::lock;
use rusmpp::pdus::{BindReceiverResp, BindTransceiverResp, BindTransmitterResp};
use rusmpp::types::COctetString;
use rusmpp::values::InterfaceVersion;
use rusmpp::{Command, CommandId, CommandStatus, Pdu};
use std::sync::Arc;
use std::sync::atomic::Ordering;
use tokio::sync::mpsc;

fn resp_id(kind: BindKind) -> CommandId {
    match kind {
        BindKind::Transmitter => CommandId::BindTransmitterResp,
        BindKind::Receiver => CommandId::BindReceiverResp,
        BindKind::Transceiver => CommandId::BindTransceiverResp,
    }
}

impl Session {
    /// A bind whose body rusmpp cannot read, typically a system_id or
    /// password longer than SMPP allows (15 and 8): refused as a bind, so
    /// the ESME reports a bind failure rather than a protocol error.
    pub(super) fn unreadable_bind(&mut self, kind: BindKind, seq: u32) {
        self.record_bind(kind, "", 0, ESME_RBINDFAIL);
        self.queue(bare(resp_id(kind), ESME_RBINDFAIL, seq));
    }

    fn record_bind(&mut self, kind: BindKind, system_id: &str, version: u8, status: u32) {
        let c = &self.inner.counters;
        Counters::bump(&c.binds);
        if status == 0 {
            Counters::bump(&c.binds_ok);
        }
        lock(&self.inner.binds).push(BindRecord {
            at: std::time::Instant::now(),
            session: self.id,
            peer: self.peer,
            system_id: system_id.to_owned(),
            kind,
            interface_version: version,
            status,
        });
    }

    pub(super) fn on_bind(&mut self, kind: BindKind, cmd: &Command) {
        let seq = cmd.sequence_number();
        let fields = match cmd.pdu() {
            Some(Pdu::BindTransmitter(b)) => Some((&b.system_id, &b.password, b.interface_version)),
            Some(Pdu::BindReceiver(b)) => Some((&b.system_id, &b.password, b.interface_version)),
            Some(Pdu::BindTransceiver(b)) => Some((&b.system_id, &b.password, b.interface_version)),
            _ => None,
        };
        let Some((system_id, password, version)) = fields else {
            self.unreadable_bind(kind, seq);
            return;
        };
        let system_id = system_id.as_str().to_owned();
        let version = u8::from(version);
        let account = self
            .inner
            .cfg
            .accounts
            .iter()
            .find(|a| a.system_id == system_id);
        let status = if self.bound.is_some() {
            ESME_RALYBND
        } else if !(version <= 0x34 || version == 0x50) {
            ESME_RBINDFAIL
        } else {
            match account {
                None => ESME_RINVSYSID,
                Some(a) if a.password != password.as_str() => ESME_RINVPASWD,
                Some(_) => 0,
            }
        };
        self.record_bind(kind, &system_id, version, status);
        if status != 0 {
            tracing::debug!(session = self.id, system_id, status, "sim: bind refused");
            self.queue(bare(resp_id(kind), status, seq));
            return;
        }
        // SMPP 3.3 peers know no TLVs; others hear the version they spoke.
        let sc_version = match version {
            0x50 => Some(InterfaceVersion::Smpp5_0),
            0x34 => Some(InterfaceVersion::Smpp3_4),
            _ => None,
        };
        let me = COctetString::from_string(SMSC_SYSTEM_ID.to_owned()).unwrap_or_default();
        let pdu = match kind {
            BindKind::Transmitter => Pdu::from(
                BindTransmitterResp::builder()
                    .system_id(me)
                    .sc_interface_version(sc_version)
                    .build(),
            ),
            BindKind::Receiver => Pdu::from(
                BindReceiverResp::builder()
                    .system_id(me)
                    .sc_interface_version(sc_version)
                    .build(),
            ),
            BindKind::Transceiver => Pdu::from(
                BindTransceiverResp::builder()
                    .system_id(me)
                    .sc_interface_version(sc_version)
                    .build(),
            ),
        };
        self.queue(Command::new(CommandStatus::EsmeRok, seq, pdu));
        let system_id: Arc<str> = system_id.into();
        self.bound = Some(Bound {
            system_id: system_id.clone(),
            kind,
        });
        self.inner.bound_sessions.fetch_add(1, Ordering::Relaxed);
        if kind.can_receive() {
            self.inner.receivers_bound.fetch_add(1, Ordering::Relaxed);
            let (tx, rx) = mpsc::unbounded_channel();
            self.deliveries = Some(rx);
            let _ = self.inner.dispatcher.send(ToDispatcher::Up {
                session: self.id,
                system_id,
                tx,
            });
        }
    }
}
