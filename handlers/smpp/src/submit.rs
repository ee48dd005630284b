//! One SendSms: its parts written in order, each when it has a window slot,
//! a rate token and no throttle pause in force; answers awaited together, so
//! many messages and parts are in flight at once up to the window.

use crate::context::Shared;
use crate::ids;
use crate::link::{Note, TxLink};
use crate::pdu_build::{self, Built};
use crate::pending::Reply;
use crate::status_codes::{self, StatusClass};
use std::sync::Arc;
use std::time::SystemTime;
use switchboard_protocol::{Event, FailureKind, OutboundSms, SubmitFailure, SubmittedPart};
use tokio::sync::oneshot;
use tokio::time::Instant;

/// Submits `sms` on `link` and reports the outcome as one event.
pub async fn submit(shared: Arc<Shared>, link: Arc<TxLink>, sms: OutboundSms) {
    let built = match pdu_build::build(&sms, &shared.build, SystemTime::now()) {
        Ok(b) => b,
        Err(e) => {
            fail(&shared, &sms, Vec::new(), 0, permanent(e.to_string()));
            return;
        }
    };
    run(&shared, &link, &sms, built).await;
}

/// Reports a message that cannot be submitted now (link down, shutting
/// down), or never (it does not build).
pub fn refuse(shared: &Shared, sms: &OutboundSms, reason: &str) {
    match pdu_build::build(sms, &shared.build, SystemTime::now()) {
        Ok(b) => fail(shared, sms, Vec::new(), b.total, link_down(reason)),
        Err(e) => fail(shared, sms, Vec::new(), 0, permanent(e.to_string())),
    }
}

async fn run(shared: &Shared, link: &TxLink, sms: &OutboundSms, built: Built) {
    let total = built.total;
    let mut waiting: Vec<(u8, oneshot::Receiver<Reply>)> = Vec::with_capacity(built.parts.len());
    let mut answers: Vec<(u8, Reply)> = Vec::with_capacity(built.parts.len());
    let mut unsent: Option<SubmitFailure> = None;

    for (seq, pdu) in built.parts {
        // A part already refused ends the message: later parts would only
        // have to be retried with it.
        collect_ready(&mut waiting, &mut answers);
        if answers.iter().any(|(_, r)| !is_accepted(r)) {
            break;
        }
        let ready = tokio::select! {
            biased;
            _ = shared.closing.cancelled() => None,
            p = acquire(shared, link) => p,
        };
        let Some(permit) = ready else {
            unsent = Some(link_down("the handler is shutting down"));
            break;
        };
        let queued = link.backlog.enter();
        let written = link.client.no_wait().submit_sm(pdu).await;
        drop(queued);
        match written {
            Ok(pdu_seq) => {
                tracing::trace!(link = %shared.cfg.name, id = %sms.id, part = seq, pdu_seq, "submit_sm written");
                waiting.push((seq, link.pending.register(pdu_seq, permit)));
            }
            Err(e) => {
                tracing::debug!(link = %shared.cfg.name, id = %sms.id, error = %e, "submit_sm not written");
                unsent = Some(link_down("the link is down"));
                break;
            }
        }
    }
    for (seq, rx) in waiting {
        // The sender is dropped only if the table itself went away: the
        // PDU was written, so the outcome is unknown.
        answers.push((seq, rx.await.unwrap_or(Reply::LinkLost)));
    }

    let mut accepted = Vec::with_capacity(answers.len());
    let mut failure: Option<SubmitFailure> = None;
    for (seq, reply) in answers {
        match judge(shared, reply) {
            Ok(raw_id) => {
                let network_id = ids::from_submit_resp(&raw_id, shared.cfg.dlr_id_format);
                accepted.push(SubmittedPart { seq, network_id });
            }
            Err(f) => failure = Some(worse(failure, f)),
        }
    }
    if let Some(f) = unsent {
        failure = Some(worse(failure, f));
    }
    accepted.sort_by_key(|p| p.seq);
    match failure {
        None => shared.emit(Event::Submitted {
            id: sms.id,
            attempt: sms.attempt,
            parts: accepted,
            total_parts: total,
        }),
        Some(f) => fail(shared, sms, accepted, total, f),
    }
}

/// A window slot, a rate token, and no pause in force.
async fn acquire(shared: &Shared, link: &TxLink) -> Option<tokio::sync::OwnedSemaphorePermit> {
    let permit = link.window.clone().acquire_owned().await.ok()?;
    if let Some(bucket) = &shared.bucket {
        bucket.acquire().await;
    }
    shared.pause.wait().await;
    Some(permit)
}

/// Moves answers that have arrived out of `waiting`, without waiting.
fn collect_ready(
    waiting: &mut Vec<(u8, oneshot::Receiver<Reply>)>,
    answers: &mut Vec<(u8, Reply)>,
) {
    waiting.retain_mut(|(seq, rx)| match rx.try_recv() {
        Ok(r) => {
            answers.push((*seq, r));
            false
        }
        Err(oneshot::error::TryRecvError::Empty) => true,
        Err(oneshot::error::TryRecvError::Closed) => {
            answers.push((*seq, Reply::LinkLost));
            false
        }
    });
}

fn is_accepted(r: &Reply) -> bool {
    matches!(r, Reply::Resp { status: 0, .. })
}

/// The message id of an accepted part, or what its failure means.
fn judge(shared: &Shared, reply: Reply) -> Result<String, SubmitFailure> {
    let timeout = shared.cfg.response_timeout_secs;
    match reply {
        Reply::Resp {
            status: 0,
            message_id,
        } => {
            shared.pause.success();
            Ok(message_id)
        }
        Reply::Resp { status, .. } => {
            let reason = status_codes::describe(status);
            let pause_for = |base| {
                let (pause, began) = shared.pause.pause(base, Instant::now());
                if began {
                    shared.note(Note::Throttled {
                        pause,
                        reason: reason.clone(),
                    });
                }
                FailureKind::Temporary {
                    retry_after: Some(pause),
                }
            };
            let kind = match status_codes::classify(status) {
                StatusClass::Throttled => pause_for(shared.cfg.throttle_backoff()),
                StatusClass::QueueFull => pause_for(shared.cfg.queue_full_backoff()),
                StatusClass::Permanent => FailureKind::Permanent,
                StatusClass::Temporary | StatusClass::Ok => {
                    FailureKind::Temporary { retry_after: None }
                }
            };
            Err(SubmitFailure {
                kind,
                code: Some(status),
                reason,
            })
        }
        Reply::GenericNack { status } => Err(SubmitFailure {
            kind: FailureKind::Temporary { retry_after: None },
            code: Some(status),
            reason: format!("generic_nack: {}", status_codes::describe(status)),
        }),
        Reply::Timeout => Err(SubmitFailure {
            kind: FailureKind::Uncertain,
            code: None,
            reason: format!("no submit_sm_resp within {timeout}s"),
        }),
        Reply::LinkLost => Err(SubmitFailure {
            kind: FailureKind::Uncertain,
            code: None,
            reason: "link lost after submit_sm was written, before its response".to_owned(),
        }),
    }
}

/// The failure that decides what the host does with the message: permanent
/// (no retry helps) over uncertain (wait for a receipt) over temporary; of
/// two temporary ones the longer retry hint.
fn worse(a: Option<SubmitFailure>, b: SubmitFailure) -> SubmitFailure {
    fn rank(f: &SubmitFailure) -> u8 {
        match f.kind {
            FailureKind::Permanent => 3,
            FailureKind::Uncertain => 2,
            FailureKind::Temporary { .. } => 1,
        }
    }
    fn hint(f: &SubmitFailure) -> Option<std::time::Duration> {
        match f.kind {
            FailureKind::Temporary { retry_after } => retry_after,
            _ => None,
        }
    }
    match a {
        None => b,
        Some(a) if rank(&b) > rank(&a) => b,
        Some(a) if rank(&b) == rank(&a) && hint(&b) > hint(&a) => b,
        Some(a) => a,
    }
}

fn permanent(reason: String) -> SubmitFailure {
    SubmitFailure {
        kind: FailureKind::Permanent,
        code: None,
        reason,
    }
}

fn link_down(reason: &str) -> SubmitFailure {
    SubmitFailure {
        kind: FailureKind::Temporary { retry_after: None },
        code: None,
        reason: format!("link down: {reason}"),
    }
}

fn fail(
    shared: &Shared,
    sms: &OutboundSms,
    parts: Vec<SubmittedPart>,
    total: u8,
    failure: SubmitFailure,
) {
    tracing::debug!(link = %shared.cfg.name, id = %sms.id, to = %sms.to.masked(), reason = %failure.reason, "submit failed");
    shared.emit(Event::SubmitFailed {
        id: sms.id,
        attempt: sms.attempt,
        parts,
        total_parts: total,
        failure,
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn f(kind: FailureKind) -> SubmitFailure {
        SubmitFailure {
            kind,
            code: None,
            reason: String::new(),
        }
    }

    #[test]
    fn the_worst_failure_decides() {
        let t = f(FailureKind::Temporary { retry_after: None });
        let t1 = f(FailureKind::Temporary {
            retry_after: Some(Duration::from_secs(1)),
        });
        let u = f(FailureKind::Uncertain);
        let p = f(FailureKind::Permanent);
        assert_eq!(worse(Some(t.clone()), u.clone()), u);
        assert_eq!(worse(Some(u.clone()), t.clone()), u);
        assert_eq!(worse(Some(u.clone()), p.clone()), p);
        assert_eq!(worse(Some(p.clone()), u), p);
        assert_eq!(worse(Some(t.clone()), t1.clone()), t1);
        assert_eq!(worse(Some(t1.clone()), t), t1);
        assert_eq!(worse(None, p.clone()), p);
    }
}
