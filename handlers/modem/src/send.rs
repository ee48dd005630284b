//! Sending SMS: one message after another, each part as `AT+CMGS=<len>`,
//! the prompt, the PDU and Ctrl-Z, then `+CMGS: <mr>`.

use crate::at::{AtClient, AtCommand, AtError, Kind};
use crate::emit::Emitter;
use crate::number::{fields, num};
use crate::send_errors::{Verdict, classify};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, SystemTime};
use switchboard_protocol::pdu::{encode_submit, submit_parts};
use switchboard_protocol::{
    Address, Event, FailureKind, NetworkMessageId, OutboundSms, SubmitFailure, SubmittedPart,
};
use tokio::sync::mpsc;

/// The network id of a submitted part: its TP-MR and the destination's
/// digits, as the status report carries them (TP-MR and TP-RA). The MR
/// wraps at 256, so the host matches the newest part with that id.
pub fn network_id(mr: u8, to: &Address) -> NetworkMessageId {
    NetworkMessageId(format!("{mr}@{}", to.wire()))
}

/// Grows the `retry_after` hint while temporary failures follow each other.
#[derive(Debug)]
pub struct RetryHint {
    min: Duration,
    max: Duration,
    streak: u32,
}

impl RetryHint {
    pub fn new(min: Duration, max: Duration) -> Self {
        RetryHint {
            min,
            max: max.max(min),
            streak: 0,
        }
    }
    pub fn next(&mut self) -> Duration {
        let factor = 1u32.checked_shl(self.streak.min(16)).unwrap_or(u32::MAX);
        self.streak = self.streak.saturating_add(1);
        self.min.saturating_mul(factor).min(self.max)
    }
    pub fn reset(&mut self) {
        self.streak = 0;
    }
}

pub struct Sender {
    pub client: AtClient,
    pub emitter: Emitter,
    /// False while the modem is down or recovering: refuse, do not send.
    pub ready: Arc<AtomicBool>,
    pub retry: RetryHint,
    pub name: String,
}

/// Sends queued messages until the queue closes (end of the session); what
/// is left then fails fast as temporary.
pub async fn run(mut sender: Sender, mut queue: mpsc::UnboundedReceiver<OutboundSms>) {
    while let Some(sms) = queue.recv().await {
        let event = sender.send(&sms).await;
        sender.emitter.emit(event);
    }
}

enum PartOutcome {
    Accepted(u8),
    Failed(SubmitFailure),
}

impl Sender {
    pub async fn send(&mut self, sms: &OutboundSms) -> Event {
        let to = Address::International(sms.to.clone());
        let validity = sms.valid_until.map(|t| {
            t.duration_since(SystemTime::now())
                .unwrap_or(Duration::ZERO)
        });
        let failed =
            |parts: Vec<SubmittedPart>, total: u8, failure: SubmitFailure| Event::SubmitFailed {
                id: sms.id,
                attempt: sms.attempt,
                parts,
                total_parts: total,
                failure,
            };
        let parts = match submit_parts(&to, &sms.body, sms.report, validity, sms.concat_ref) {
            Ok(p) => p,
            Err(e) => return failed(Vec::new(), 0, permanent(format!("cannot encode: {e}"))),
        };
        let Ok(total) = u8::try_from(parts.len()) else {
            return failed(
                Vec::new(),
                0,
                permanent(format!(
                    "{} parts: at most 255 fit a concatenated SMS",
                    parts.len()
                )),
            );
        };
        let mut done = Vec::new();
        for (i, part) in parts.iter().enumerate() {
            let seq = u8::try_from(i + 1).unwrap_or(u8::MAX);
            if sms.skip_parts.contains(&seq) {
                continue;
            }
            if !self.ready.load(Ordering::Acquire) {
                // Not tried: no hint, so the host fails over at once.
                let f = SubmitFailure {
                    kind: FailureKind::Temporary { retry_after: None },
                    code: None,
                    reason: "modem down".into(),
                };
                return failed(done, total, f);
            }
            let encoded = match encode_submit(part) {
                Ok(e) => e,
                Err(e) => {
                    return failed(
                        done,
                        total,
                        permanent(format!("cannot encode part {seq}: {e}")),
                    );
                }
            };
            let mut cmd = AtCommand::query(format!("AT+CMGS={}", encoded.tpdu_len), &["+CMGS:"])
                .with_kind(Kind::Send);
            cmd.pdu = Some(encoded.hex);
            match self.part(cmd).await {
                PartOutcome::Accepted(mr) => {
                    tracing::debug!(modem = %self.name, id = %sms.id, seq, mr, "part accepted");
                    done.push(SubmittedPart {
                        seq,
                        network_id: network_id(mr, &to),
                    });
                }
                PartOutcome::Failed(f) => return failed(done, total, f),
            }
        }
        self.retry.reset();
        Event::Submitted {
            id: sms.id,
            attempt: sms.attempt,
            parts: done,
            total_parts: total,
        }
    }

    async fn part(&mut self, cmd: AtCommand) -> PartOutcome {
        let line = cmd.line.clone();
        match self.client.run(cmd).await {
            Ok(reply) if reply.result.is_ok() => {
                match reply.value("+CMGS").and_then(|v| num::<u8>(&fields(v), 0)) {
                    Some(mr) => PartOutcome::Accepted(mr),
                    // Accepted without a reference: it is sent, but no
                    // report can ever be matched to it. Real modems always
                    // give one; say so rather than guess.
                    None => PartOutcome::Failed(SubmitFailure {
                        kind: FailureKind::Uncertain,
                        code: None,
                        reason: format!("{line}: OK without +CMGS reference"),
                    }),
                }
            }
            Ok(reply) => {
                let (verdict, code) = classify(&reply.result);
                let reason = format!("{line}: {}", reply.result);
                match verdict {
                    Verdict::Permanent => PartOutcome::Failed(SubmitFailure {
                        kind: FailureKind::Permanent,
                        code,
                        reason,
                    }),
                    Verdict::Temporary => PartOutcome::Failed(self.temporary(code, reason)),
                }
            }
            Err(e @ AtError::Unconfirmed { .. }) => PartOutcome::Failed(SubmitFailure {
                kind: FailureKind::Uncertain,
                code: None,
                reason: e.to_string(),
            }),
            Err(e) => PartOutcome::Failed(self.temporary(None, e.to_string())),
        }
    }

    fn temporary(&mut self, code: Option<u32>, reason: String) -> SubmitFailure {
        SubmitFailure {
            kind: FailureKind::Temporary {
                retry_after: Some(self.retry.next()),
            },
            code,
            reason,
        }
    }
}

/// A refusal without trying (modem down): the host should use another route
/// at once, so no retry hint.
pub fn refuse(emitter: &Emitter, sms: &OutboundSms, why: &str) {
    let to = Address::International(sms.to.clone());
    let total = submit_parts(&to, &sms.body, sms.report, None, sms.concat_ref)
        .map_or(0, |p| u8::try_from(p.len()).unwrap_or(u8::MAX));
    emitter.emit(Event::SubmitFailed {
        id: sms.id,
        attempt: sms.attempt,
        parts: Vec::new(),
        total_parts: total,
        failure: SubmitFailure {
            kind: FailureKind::Temporary { retry_after: None },
            code: None,
            reason: why.to_owned(),
        },
    });
}

fn permanent(reason: String) -> SubmitFailure {
    SubmitFailure {
        kind: FailureKind::Permanent,
        code: None,
        reason,
    }
}
