//! Voice calls on the line: incoming calls and how they end (missed,
//! rejected, answered), and the calls the host places for callbacks.
//!
//! Modems tell call state in many ways: RING / +CRING and +CLIP while a
//! call rings, NO CARRIER / BUSY / NO ANSWER, vendor codes (Huawei ^ORIG /
//! ^CONF / ^CONN / ^CEND, SIMCom `VOICE CALL:` and `MISSED_CALL:`, +CLCC
//! URCs), or nothing at all. The handler follows the codes it gets, polls
//! +CLCC while a call exists, and ends a ringing call after
//! `ring_timeout_secs` without a RING, so every call ends once.

mod commands;
mod reconcile;
pub mod state;
#[cfg(test)]
mod tests;

use crate::at::AtClient;
use crate::emit::Emitter;
use crate::urc::{EndCause, VendorCallState};
use state::{Call, Phase};
use std::time::{Duration, SystemTime};
use switchboard_protocol::{CallEnd, CallId, CallProgress, Caller, Event, MissedCall, PhoneNumber};
use tokio::time::Instant;

pub struct Calls {
    calls: Vec<Call>,
    next_incoming: u64,
    emitter: Emitter,
    name: String,
    line: Option<PhoneNumber>,
    ring_timeout: Duration,
    reject_after: Option<u32>,
    hangup: &'static str,
    /// The last end cause a code without a call index gave (BUSY, NO
    /// ANSWER), for the call a following +CLCC poll finds gone.
    last_cause: Option<EndCause>,
}

pub struct CallSettings {
    pub name: String,
    pub line: Option<PhoneNumber>,
    pub ring_timeout: Duration,
    pub reject_after: Option<u32>,
    pub hangup: &'static str,
}

impl Calls {
    pub fn new(emitter: Emitter, s: CallSettings) -> Calls {
        Calls {
            calls: Vec::new(),
            next_incoming: 0,
            emitter,
            name: s.name,
            line: s.line,
            ring_timeout: s.ring_timeout,
            reject_after: s.reject_after,
            hangup: s.hangup,
            last_cause: None,
        }
    }

    /// Whether +CLCC should be polled and ring silence watched.
    pub fn any(&self) -> bool {
        !self.calls.is_empty()
    }

    /// When the oldest ringing call's silence runs out.
    pub fn ring_deadline(&self) -> Option<Instant> {
        self.calls
            .iter()
            .filter(|c| c.is_ringing())
            .map(|c| c.last_ring + self.ring_timeout)
            .min()
    }

    fn progress(&self, call: CallId, progress: CallProgress) {
        self.emitter.emit(Event::CallProgress {
            call,
            progress,
            at: SystemTime::now(),
        });
    }

    fn announce(&mut self, i: usize) {
        let Some(c) = self.calls.get_mut(i) else {
            return;
        };
        if c.announced {
            return;
        }
        c.announced = true;
        let caller = c.caller.clone().unwrap_or(Caller::Unavailable);
        let (call, at) = (c.id, c.started_at);
        tracing::info!(modem = %self.name, %call, "incoming call");
        self.emitter.emit(Event::CallIncoming {
            call,
            caller,
            line: self.line.clone(),
            at,
        });
    }

    fn ringing_index(&self) -> Option<usize> {
        self.calls.iter().position(Call::is_ringing)
    }

    /// RING / +CRING. Returns true when the line should now refuse the
    /// call (reject after N rings).
    pub fn on_ring(&mut self, voice: bool, at: SystemTime) -> bool {
        if !voice {
            return false;
        }
        let i = match self.ringing_index() {
            Some(i) => {
                // A second RING without +CLIP: no caller id will come.
                self.announce(i);
                i
            }
            None => {
                self.next_incoming += 1;
                self.calls
                    .push(Call::incoming(CallId::Incoming(self.next_incoming), at));
                self.calls.len() - 1
            }
        };
        let Some(c) = self.calls.get_mut(i) else {
            return false;
        };
        c.rings += 1;
        c.last_ring = Instant::now();
        self.reject_after
            .is_some_and(|n| c.rings >= n && !c.rejected)
    }

    /// +CLIP: the caller of the ringing call.
    pub fn on_clip(&mut self, caller: Caller, at: SystemTime) {
        let i = match self.ringing_index() {
            Some(i) => i,
            // +CLIP before RING (some modems): the call starts here.
            None => {
                self.next_incoming += 1;
                self.calls
                    .push(Call::incoming(CallId::Incoming(self.next_incoming), at));
                self.calls.len() - 1
            }
        };
        if let Some(c) = self.calls.get_mut(i)
            && c.caller.is_none()
        {
            c.caller = Some(caller);
        }
        self.announce(i);
    }

    /// SIMCom `MISSED_CALL:`: the ringing call is over, unanswered.
    pub fn on_missed_urc(&mut self, caller: Caller) {
        if let Some(i) = self.ringing_index() {
            if let Some(c) = self.calls.get_mut(i)
                && c.caller.is_none()
            {
                c.caller = Some(caller);
            }
            self.finish(i, EndCause::Normal);
        }
    }

    /// Huawei ^ORIG / ^CONF / ^CONN, SIMCom `VOICE CALL: BEGIN`.
    pub fn on_vendor_state(&mut self, index: Option<u8>, state: VendorCallState) {
        let i = index
            .and_then(|x| self.calls.iter().position(|c| c.index == Some(x)))
            .or_else(|| {
                // The newest call not yet connected.
                self.calls
                    .iter()
                    .rposition(|c| !c.answered && c.phase != Phase::Held)
            });
        let Some(i) = i else {
            return;
        };
        if let (Some(x), Some(c)) = (index, self.calls.get_mut(i))
            && c.index.is_none()
        {
            c.index = Some(x);
        }
        let phase = match state {
            VendorCallState::Dialling => Phase::Dialling,
            VendorCallState::Alerting => Phase::Alerting,
            VendorCallState::Connected => Phase::Active,
        };
        self.set_phase(i, phase);
    }

    /// Moves a call to `phase`, telling the host what changed.
    fn set_phase(&mut self, i: usize, phase: Phase) {
        let Some(c) = self.calls.get_mut(i) else {
            return;
        };
        if c.phase == phase {
            return;
        }
        if c.incoming && c.phase == Phase::Ringing && phase != Phase::Active && phase != Phase::Held
        {
            return;
        }
        c.phase = phase;
        let id = c.id;
        let progress = match phase {
            Phase::Ringing => return,
            Phase::Dialling => CallProgress::Dialling,
            Phase::Alerting => CallProgress::Alerting,
            Phase::Active => {
                c.answered = true;
                CallProgress::Active
            }
            Phase::Held => CallProgress::Held,
        };
        if phase == Phase::Active {
            self.announce(i);
        }
        self.progress(id, progress);
    }

    /// A call ended: `index` names it when the modem said which.
    /// Returns true when the handler should poll +CLCC to find out which
    /// call it was.
    pub fn on_ended(&mut self, index: Option<u8>, cause: EndCause) -> bool {
        if let Some(x) = index
            && let Some(i) = self.calls.iter().position(|c| c.index == Some(x))
        {
            self.finish(i, cause);
            return false;
        }
        match self.calls.len() {
            0 => false,
            1 => {
                self.finish(0, cause);
                false
            }
            _ => {
                self.last_cause = Some(cause);
                true
            }
        }
    }

    /// Ring silence: ringing calls whose last RING is too old rang out.
    pub fn on_tick(&mut self, now: Instant) {
        while let Some(i) = self
            .calls
            .iter()
            .position(|c| c.is_ringing() && now >= c.last_ring + self.ring_timeout)
        {
            self.finish(i, EndCause::Normal);
        }
    }

    /// The port is gone: every call with it.
    pub fn on_lost(&mut self) {
        while !self.calls.is_empty() {
            self.finish(0, EndCause::Other(0));
        }
    }

    /// Ends call `i` and tells the host how.
    fn finish(&mut self, i: usize, cause: EndCause) {
        self.announce(i);
        if i >= self.calls.len() {
            return;
        }
        let c = self.calls.remove(i);
        let now = SystemTime::now();
        if c.incoming && !c.answered {
            tracing::info!(modem = %self.name, call = %c.id, rings = c.rings, rejected = c.rejected, "missed call");
            self.emitter.emit(Event::CallMissed(MissedCall {
                call: c.id,
                caller: c.caller.clone().unwrap_or(Caller::Unavailable),
                line: self.line.clone(),
                rings: c.rings,
                started_at: c.started_at,
                ended_at: now,
                rejected: c.rejected,
            }));
            if c.rejected {
                self.progress(
                    c.id,
                    CallProgress::Ended {
                        end: CallEnd::Rejected,
                    },
                );
            }
            return;
        }
        let end = if c.answered {
            CallEnd::Completed
        } else {
            match cause {
                EndCause::Busy | EndCause::Rejected => CallEnd::Busy,
                EndCause::NoAnswer | EndCause::Normal => CallEnd::NoAnswer,
                EndCause::NoDialtone => CallEnd::Failed {
                    reason: "no dial tone".into(),
                },
                EndCause::Other(0) => CallEnd::Failed {
                    reason: "modem lost".into(),
                },
                EndCause::Other(n) => CallEnd::Failed {
                    reason: format!("network cause {n}"),
                },
            }
        };
        self.progress(c.id, CallProgress::Ended { end });
    }

    /// Refuses the ringing call after N rings, as configured.
    pub async fn reject_ringing(&mut self, client: &AtClient) {
        if let Some(i) = self.ringing_index() {
            let id = self.calls[i].id;
            self.reject(client, id).await;
        }
    }
}
