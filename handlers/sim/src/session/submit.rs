//! submit_sm: faults, message ids, the response (now or delayed) and the
//! delivery report it leads to.

use super::{
    Bound, ESME_RINVBNDSTS, ESME_RINVCMDLEN, ESME_RSYSERR, Session, Step, bare, generic_nack,
};
use crate::deliveries::ToDispatcher;
use crate::dlr::{DlrJob, text_prefix};
use crate::faults::Decision;
use crate::ids::format_id;
use crate::records::Counters;
use crate::state::lock;
use crate::submit::record_submit;
use rusmpp::pdus::{SubmitSm, SubmitSmResp};
use rusmpp::types::COctetString;
use rusmpp::{Command, CommandId, CommandStatus, Pdu};
use std::sync::atomic::Ordering;
use std::time::{Duration, SystemTime};
use tokio::time::Instant;

impl Session {
    pub(super) fn on_submit(&mut self, cmd: &Command) -> Step {
        let seq = cmd.sequence_number();
        let Some(Pdu::SubmitSm(sm)) = cmd.pdu() else {
            self.queue(generic_nack(ESME_RINVCMDLEN, seq));
            return Step::Continue;
        };
        let inner = self.inner.clone();
        let c = &inner.counters;
        Counters::bump(&c.submits);
        let bound = match &self.bound {
            Some(b) if b.kind.can_submit() => b.clone(),
            _ => {
                Counters::bump(&c.refused);
                if inner.cfg.record {
                    let mut rec = record_submit(sm, seq, self.id, "");
                    rec.outcome = "not_bound".into();
                    lock(&inner.submits).push(rec);
                }
                self.respond(bare(CommandId::SubmitSmResp, ESME_RINVBNDSTS, seq));
                return Step::Continue;
            }
        };
        let mut rec = record_submit(sm, seq, self.id, &bound.system_id);
        self.submits_here += 1;
        let faults = *lock(&inner.faults);
        let drop_now = faults
            .drop_every
            .is_some_and(|n| n > 0 && self.submits_here.is_multiple_of(n));
        let decision = if drop_now {
            // The crash comes after the message was stored: accepted.
            match faults.decide() {
                Decision::Accept { undeliverable, .. } => Decision::Accept {
                    respond: false,
                    undeliverable,
                },
                _ => Decision::Accept {
                    respond: false,
                    undeliverable: false,
                },
            }
        } else {
            faults.decide()
        };
        match decision {
            Decision::Lost => rec.outcome = "lost".into(),
            Decision::GenericNack => {
                Counters::bump(&c.refused);
                rec.outcome = "generic_nack".into();
                self.respond(generic_nack(ESME_RSYSERR, seq));
            }
            Decision::Refuse { status, outcome } => {
                Counters::bump(&c.refused);
                rec.outcome = outcome.into();
                self.respond(bare(CommandId::SubmitSmResp, status, seq));
            }
            Decision::Accept {
                respond,
                undeliverable,
            } => {
                let n = inner.next_message_id.fetch_add(1, Ordering::Relaxed);
                let id = format_id(n, inner.cfg.id_format);
                rec.outcome = if drop_now {
                    "dropped"
                } else if !respond {
                    "no_response"
                } else if undeliverable {
                    "undeliverable"
                } else {
                    "ok"
                }
                .into();
                self.schedule_dlr(sm, &rec.text, &bound, n, !undeliverable);
                if respond {
                    match COctetString::from_string(id.clone()) {
                        Ok(mid) => {
                            let resp = SubmitSmResp::builder().message_id(mid).build();
                            self.respond(Command::new(CommandStatus::EsmeRok, seq, resp));
                        }
                        Err(_) => self.respond(bare(CommandId::SubmitSmResp, ESME_RSYSERR, seq)),
                    }
                }
                rec.message_id = Some(id);
            }
        }
        let accepted = rec.message_id.is_some();
        if inner.cfg.record {
            lock(&inner.submits).push(rec);
        }
        // Counted after the record is stored, so a waiter sees both.
        if accepted {
            Counters::bump(&c.accepted);
            inner.accepted_changed.notify_waiters();
        }
        if drop_now {
            tracing::debug!(session = self.id, "sim: drop_every reached, closing");
            return Step::Close;
        }
        Step::Continue
    }

    /// Queues the delivery report if registered_delivery asks for one with
    /// this outcome: 1 = always, 2 = on failure only, 3 = on success only.
    pub(super) fn schedule_dlr(
        &self,
        sm: &SubmitSm,
        text: &str,
        bound: &Bound,
        id: u64,
        delivered: bool,
    ) {
        let wanted = match u8::from(sm.registered_delivery) & 0x03 {
            1 => true,
            2 => !delivered,
            3 => delivered,
            _ => false,
        };
        if !wanted {
            return;
        }
        // After the response would have gone, so a report never overtakes
        // its own submit_sm_resp on the same connection.
        let due = Instant::now()
            + self.inner.response_delay()
            + Duration::from_millis(self.inner.cfg.dlr_delay_ms);
        let job = DlrJob {
            system_id: bound.system_id.clone(),
            message_id: id,
            source: sm.source_addr.clone(),
            source_ton: sm.source_addr_ton,
            source_npi: sm.source_addr_npi,
            dest: sm.destination_addr.clone(),
            dest_ton: sm.dest_addr_ton,
            dest_npi: sm.dest_addr_npi,
            text: text_prefix(text),
            submitted: SystemTime::now(),
            delivered,
        };
        let _ = self.inner.dispatcher.send(ToDispatcher::Dlr {
            due,
            job: Box::new(job),
        });
    }
}
