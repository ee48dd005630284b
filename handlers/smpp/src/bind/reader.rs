//! Everything one bound session receives: submit responses, deliver_sm
//! (receipts and messages), unbind, and the frames the guard diverted.

use super::session::EventStream;
use crate::acks::{Answer, Held};
use crate::address::from_wire;
use crate::context::Shared;
use crate::dlr;
use crate::guard::Backlog;
use crate::incoming::IncomingSm;
use crate::link::Role;
use crate::mo;
use crate::pending::{Pending, Reply};
use crate::raw_pdu::{self, DELIVER_SM, HEADER_LEN, Header, SUBMIT_SM_RESP};
use crate::status_codes::{self, ESME_RINVCMDID, ESME_RINVCMDLEN, ESME_RINVMSGLEN};
use bytes::Bytes;
use futures::StreamExt;
use rusmpp::pdus::DeliverSmResp;
use rusmpp::{Command, CommandId, CommandStatus, Pdu};
use rusmppc::{Client, Event as ClientEvent, error::Error};
use std::sync::Arc;
use std::time::{Duration, SystemTime};
use switchboard_protocol::{AckToken, Event};
use tokio::sync::mpsc;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

/// How a session ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ended {
    /// We were asked to stop and unbound.
    Shutdown,
    /// The SMSC sent unbind (maintenance, usually).
    Unbound,
    /// The connection broke; why, for people.
    Lost(String),
}

/// One session's receiving side.
pub struct Reader {
    pub shared: Arc<Shared>,
    pub connection: u64,
    pub role: Role,
    pub client: Client,
    /// Present on sessions that submit.
    pub pending: Option<Arc<Pending>>,
    pub responder: mpsc::UnboundedSender<Answer>,
}

impl Reader {
    /// Runs until the session ends.
    pub async fn run(
        &self,
        mut events: EventStream,
        mut diverted: mpsc::UnboundedReceiver<Bytes>,
        shutdown: CancellationToken,
    ) -> Ended {
        let period = (self.shared.cfg.response_timeout() / 10)
            .clamp(Duration::from_millis(50), Duration::from_secs(1));
        let mut sweep = tokio::time::interval(period);
        sweep.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut last_error: Option<String> = None;
        loop {
            tokio::select! {
                biased;
                _ = shutdown.cancelled() => {
                    self.unbind().await;
                    return Ended::Shutdown;
                }
                // Before the events, so a busy link still times out.
                _ = sweep.tick() => {
                    if let Some(p) = &self.pending {
                        p.sweep(Instant::now());
                    }
                }
                Some(frame) = diverted.recv() => self.diverted(&frame),
                ev = events.next() => match ev {
                    Some(ClientEvent::Incoming(cmd)) => {
                        if let Some(end) = self.incoming(cmd).await {
                            return end;
                        }
                    }
                    Some(ClientEvent::Error(e)) => last_error = Some(error_text(&e)),
                    None => {
                        return Ended::Lost(
                            last_error.unwrap_or_else(|| "the connection closed".to_owned()),
                        );
                    }
                },
            }
        }
    }

    /// Unbinds politely (bounded wait), then closes.
    async fn unbind(&self) {
        let wait = self
            .shared
            .cfg
            .response_timeout()
            .min(Duration::from_secs(5));
        if let Err(e) = tokio::time::timeout(wait, self.client.unbind()).await {
            tracing::debug!(link = %self.shared.cfg.name, error = %e, "no unbind_resp");
        }
        let _ = self.client.close().await;
    }

    async fn incoming(&self, cmd: Command) -> Option<Ended> {
        let seq = cmd.sequence_number();
        let status = u32::from(cmd.status());
        match cmd.id() {
            CommandId::SubmitSmResp => {
                let message_id = match cmd.pdu() {
                    Some(Pdu::SubmitSmResp(r)) => r.message_id().as_str().to_owned(),
                    _ => String::new(),
                };
                self.resolve(seq, Reply::Resp { status, message_id });
            }
            CommandId::GenericNack => {
                if !self.resolve(seq, Reply::GenericNack { status }) {
                    tracing::warn!(
                        link = %self.shared.cfg.name,
                        seq,
                        status = %status_codes::describe(status),
                        "generic_nack for no outstanding request"
                    );
                }
            }
            CommandId::DeliverSm => match cmd.pdu() {
                Some(Pdu::DeliverSm(d)) => self.deliver(IncomingSm::from_deliver_sm(d), seq),
                _ => self.refuse(seq, ESME_RINVMSGLEN, "deliver_sm without a body"),
            },
            CommandId::Unbind => {
                tracing::warn!(link = %self.shared.cfg.name, role = self.role.short(), "the SMSC unbound the session");
                let _ = self.client.unbind_resp(seq).await;
                let _ = self.client.close().await;
                return Some(Ended::Unbound);
            }
            CommandId::EnquireLink => {
                // rusmppc answers these itself; only if that ever changes.
                let _ = self.client.enquire_link_resp(seq).await;
            }
            CommandId::DataSm => {
                // rusmppc cannot send data_sm_resp: refuse it so the SMSC
                // falls back to deliver_sm or reports the failure.
                tracing::warn!(link = %self.shared.cfg.name, seq, "data_sm is not supported; answered generic_nack ESME_RINVCMDID");
                self.answer(Answer::GenericNack {
                    seq,
                    status: ESME_RINVCMDID,
                });
            }
            CommandId::AlertNotification => {
                tracing::debug!(link = %self.shared.cfg.name, "alert_notification ignored");
            }
            id if !id.is_response() => {
                tracing::warn!(link = %self.shared.cfg.name, seq, ?id, "unsupported request from the SMSC; answered generic_nack");
                self.answer(Answer::GenericNack {
                    seq,
                    status: ESME_RINVCMDID,
                });
            }
            id => {
                tracing::debug!(link = %self.shared.cfg.name, seq, ?id, "response to no outstanding request");
            }
        }
        None
    }

    /// A frame rusmpp could not decode (see [`crate::guard`]).
    fn diverted(&self, frame: &[u8]) {
        let Some(h) = Header::parse(frame) else {
            return;
        };
        let body = frame.get(HEADER_LEN..).unwrap_or(&[]);
        match h.command_id {
            DELIVER_SM => match IncomingSm::parse_raw(body) {
                Ok(sm) => {
                    tracing::debug!(link = %self.shared.cfg.name, seq = h.sequence, "deliver_sm read by the lenient reader");
                    self.deliver(sm, h.sequence);
                }
                Err(e) => self.refuse(h.sequence, ESME_RINVMSGLEN, &e.to_string()),
            },
            SUBMIT_SM_RESP => {
                let message_id = raw_pdu::submit_sm_resp_id(body);
                self.resolve(
                    h.sequence,
                    Reply::Resp {
                        status: h.status,
                        message_id,
                    },
                );
            }
            _ if !h.is_response() => {
                tracing::warn!(
                    link = %self.shared.cfg.name,
                    seq = h.sequence,
                    command_id = format_args!("0x{:08X}", h.command_id),
                    "malformed request from the SMSC; answered generic_nack ESME_RINVCMDLEN"
                );
                self.answer(Answer::GenericNack {
                    seq: h.sequence,
                    status: ESME_RINVCMDLEN,
                });
            }
            _ => {
                tracing::debug!(
                    link = %self.shared.cfg.name,
                    command_id = format_args!("0x{:08X}", h.command_id),
                    "malformed response dropped"
                );
            }
        }
    }

    fn resolve(&self, seq: u32, reply: Reply) -> bool {
        match &self.pending {
            Some(p) => p.resolve(seq, reply),
            None => false,
        }
    }

    /// A deliver_sm: a receipt or a message. Either way its response waits
    /// for the host's Ack.
    fn deliver(&self, sm: IncomingSm, seq: u32) {
        if dlr::is_receipt(&sm) {
            match dlr::receipt(&sm, self.shared.cfg.dlr_id_format) {
                Ok(r) => {
                    let recipient = (!sm.source_addr.is_empty())
                        .then(|| from_wire(sm.source_ton, &sm.source_addr));
                    tracing::debug!(
                        link = %self.shared.cfg.name,
                        network_id = %r.network_id,
                        state = ?r.state,
                        recipient = %sm.source_addr,
                        "delivery receipt"
                    );
                    let ack = self.hold(seq);
                    self.shared.emit(Event::DeliveryReport {
                        network_id: r.network_id,
                        state: r.state,
                        error: r.error,
                        done_at: r.done_at,
                        recipient,
                        text_prefix: r.text_prefix,
                        ack: Some(ack),
                    });
                }
                Err(e) => self.refuse(seq, ESME_RINVMSGLEN, &e.to_string()),
            }
            return;
        }
        match mo::inbound(&sm, SystemTime::now()) {
            Ok(sms) => {
                tracing::debug!(
                    link = %self.shared.cfg.name,
                    from = %sm.source_addr,
                    coding = ?sms.body.coding,
                    concat = ?sms.concat,
                    "message received"
                );
                let ack = self.hold(seq);
                self.shared.emit(Event::SmsReceived { ack, sms });
            }
            Err(e) => self.refuse(seq, ESME_RINVMSGLEN, &e.to_string()),
        }
    }

    fn hold(&self, seq: u32) -> AckToken {
        self.shared.acks.hold(Held {
            connection: self.connection,
            seq,
            responder: self.responder.clone(),
        })
    }

    /// Answers a deliver_sm we cannot use with an error at once.
    fn refuse(&self, seq: u32, status: u32, why: &str) {
        tracing::warn!(
            link = %self.shared.cfg.name,
            seq,
            answer = %status_codes::describe(status),
            "refused a deliver_sm: {why}"
        );
        self.answer(Answer::DeliverSmResp { seq, status });
    }

    fn answer(&self, a: Answer) {
        // Fails only when the connection is already gone.
        let _ = self.responder.send(a);
    }
}

/// Writes the answers of one session in order until it closes.
pub async fn responder(
    client: Client,
    backlog: Arc<Backlog>,
    mut rx: mpsc::UnboundedReceiver<Answer>,
) {
    loop {
        let answer = tokio::select! {
            a = rx.recv() => a,
            _ = client.closed() => None,
        };
        let Some(answer) = answer else {
            return;
        };
        let _queued = backlog.enter();
        let written = match answer {
            Answer::DeliverSmResp { seq, status } => {
                client
                    .status(CommandStatus::from(status))
                    .deliver_sm_resp(seq, DeliverSmResp::default())
                    .await
            }
            Answer::GenericNack { seq, status } => {
                client
                    .status(CommandStatus::from(status))
                    .generic_nack(seq)
                    .await
            }
        };
        if written.is_err() {
            return;
        }
    }
}

/// A client error for people.
pub fn error_text(e: &Error) -> String {
    match e {
        Error::EnquireLinkTimeout { timeout } => {
            format!("enquire_link not answered within {}s", timeout.as_secs())
        }
        Error::ConnectionClosedByPeer => "the SMSC closed the connection".to_owned(),
        Error::Io(e) => format!("I/O error: {e}"),
        Error::Decode(e) => format!("unreadable data from the SMSC: {e}"),
        other => other.to_string(),
    }
}
