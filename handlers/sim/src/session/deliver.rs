//! deliver_sm on this session: sending within the window, matching
//! responses, giving failures back to the dispatcher for a retry.

use super::{Outstanding, Session};
use crate::deliveries::{Delivery, ToDispatcher};
use crate::records::{Counters, DeliveryKind, MoAck};
use crate::state::lock;
use rusmpp::{Command, CommandStatus};
use tokio::time::Instant;

impl Session {
    pub(super) fn send_delivery(&mut self, mut d: Box<Delivery>) {
        let seq = self.next_seq;
        // Sequence numbers run 1..=0x7FFFFFFF.
        self.next_seq = if seq >= 0x7FFF_FFFF { 1 } else { seq + 1 };
        d.attempts += 1;
        let c = &self.inner.counters;
        match d.kind {
            DeliveryKind::Dlr => Counters::bump(&c.dlrs_sent),
            DeliveryKind::Mo => Counters::bump(&c.mo_sent),
        }
        let ack = if self.inner.cfg.record {
            let mut acks = lock(&self.inner.acks);
            acks.push(MoAck {
                delivery: d.id,
                kind: d.kind,
                attempt: d.attempts,
                session: self.id,
                system_id: self
                    .bound
                    .as_ref()
                    .map(|b| b.system_id.to_string())
                    .unwrap_or_default(),
                seq,
                sent_at: std::time::Instant::now(),
                source_addr: d.pdu.source_addr.as_str().to_owned(),
                dest_addr: d.pdu.destination_addr.as_str().to_owned(),
                message_id: d.message_id.clone(),
                concat: d.concat,
                status: None,
                timed_out: false,
            });
            Some(acks.len() - 1)
        } else {
            None
        };
        self.queue(Command::new(CommandStatus::EsmeRok, seq, d.pdu.clone()));
        self.outstanding.insert(
            seq,
            Outstanding {
                delivery: d,
                sent_at: Instant::now(),
                ack,
            },
        );
    }

    pub(super) fn on_deliver_resp(&mut self, seq: u32, status: u32) {
        // Unknown (or already timed out) sequence numbers are ignored, as an
        // SMSC drops late responses.
        let Some(o) = self.outstanding.remove(&seq) else {
            return;
        };
        self.mark_ack(o.ack, Some(status), false);
        let c = &self.inner.counters;
        if status == 0 {
            match o.delivery.kind {
                DeliveryKind::Dlr => Counters::bump(&c.dlrs_acked),
                DeliveryKind::Mo => Counters::bump(&c.mo_acked),
            }
            self.done(None);
        } else {
            Counters::bump(&c.deliver_errors);
            self.done(Some(o.delivery));
        }
    }

    pub(super) fn mark_ack(&self, ack: Option<usize>, status: Option<u32>, timed_out: bool) {
        if let Some(i) = ack
            && let Some(a) = lock(&self.inner.acks).get_mut(i)
        {
            a.status = status;
            a.timed_out = timed_out;
        }
    }

    pub(super) fn done(&self, retry: Option<Box<Delivery>>) {
        let _ = self.inner.dispatcher.send(ToDispatcher::Done {
            session: self.id,
            retry,
        });
    }
}
