//! Call control from the host: dial, answer, hold/swap, join, hang up,
//! reject, DTMF.

use super::Calls;
use super::state::{Call, Phase};
use crate::at::{AtClient, AtCommand, FinalResult, Kind};
use crate::urc::EndCause;
use std::time::SystemTime;
use switchboard_protocol::{CallCommand, CallEnd, CallId, CallProgress, PhoneNumber};

impl Calls {
    fn position(&self, id: CallId) -> Option<usize> {
        self.calls.iter().position(|c| c.id == id)
    }

    /// Carries out one command. Returns true when +CLCC should be polled
    /// now to learn the new state.
    pub async fn command(&mut self, client: &AtClient, cmd: CallCommand) -> bool {
        match cmd {
            CallCommand::Dial { call, to } => self.dial(client, call, to).await,
            CallCommand::Answer { call } => {
                let Some(i) = self.position(call) else {
                    tracing::debug!(modem = %self.name, %call, "answer: no such call");
                    return false;
                };
                match client
                    .run(AtCommand::set("ATA").with_kind(Kind::Call))
                    .await
                {
                    Ok(r) if r.result.is_ok() || r.result == FinalResult::Connect => {
                        self.set_phase(i, Phase::Active);
                    }
                    Ok(r) => {
                        tracing::warn!(modem = %self.name, %call, result = %r.result, "answer refused")
                    }
                    Err(e) => tracing::warn!(modem = %self.name, %call, "answer: {e}"),
                }
                true
            }
            CallCommand::HoldAndSwap => {
                self.chld(client, "AT+CHLD=2").await;
                true
            }
            CallCommand::Join => {
                self.chld(client, "AT+CHLD=3").await;
                true
            }
            CallCommand::HangUp { call: None } => {
                self.hang_up_all(client).await;
                true
            }
            CallCommand::HangUp { call: Some(id) } => {
                self.hang_up(client, id).await;
                true
            }
            CallCommand::Reject { call } => {
                self.reject(client, call).await;
                true
            }
            CallCommand::Dtmf { call, digits } => {
                self.dtmf(client, call, &digits).await;
                false
            }
            other => {
                tracing::debug!(modem = %self.name, ?other, "call command not supported by the modem handler");
                false
            }
        }
    }

    async fn dial(&mut self, client: &AtClient, call: CallId, to: PhoneNumber) -> bool {
        let now = SystemTime::now();
        // A second call needs the first on hold, so it can be joined later.
        if self.calls.iter().any(|c| c.phase == Phase::Active) {
            self.chld(client, "AT+CHLD=2").await;
            self.mark_active_held();
        }
        let cmd = AtCommand::set(format!("ATD{};", to.as_str())).with_kind(Kind::Call);
        let result = client.run(cmd).await;
        let end = match result {
            Ok(r) => match r.result {
                FinalResult::Ok => None,
                FinalResult::Connect => {
                    let mut c = Call::placed(call, now);
                    c.phase = Phase::Active;
                    c.answered = true;
                    self.calls.push(c);
                    self.progress(call, CallProgress::Dialling);
                    self.progress(call, CallProgress::Active);
                    return true;
                }
                FinalResult::Busy => Some(CallEnd::Busy),
                FinalResult::NoAnswer | FinalResult::NoCarrier => Some(CallEnd::NoAnswer),
                FinalResult::NoDialtone => Some(CallEnd::Failed {
                    reason: "no dial tone".into(),
                }),
                other => Some(CallEnd::Failed {
                    reason: format!("ATD answered {other}"),
                }),
            },
            Err(e) => Some(CallEnd::Failed {
                reason: e.to_string(),
            }),
        };
        self.progress(call, CallProgress::Dialling);
        match end {
            Some(end) => {
                self.progress(call, CallProgress::Ended { end });
                false
            }
            None => {
                self.calls.push(Call::placed(call, now));
                true
            }
        }
    }

    fn mark_active_held(&mut self) {
        let ids: Vec<usize> = (0..self.calls.len())
            .filter(|&i| self.calls[i].phase == Phase::Active)
            .collect();
        for i in ids {
            self.set_phase(i, Phase::Held);
        }
    }

    async fn chld(&mut self, client: &AtClient, line: &str) {
        match client.run(AtCommand::set(line)).await {
            Ok(r) if r.result.is_ok() => {}
            Ok(r) => {
                tracing::warn!(modem = %self.name, command = line, result = %r.result, "call command refused")
            }
            Err(e) => tracing::warn!(modem = %self.name, command = line, "{e}"),
        }
    }

    async fn hang_up_all(&mut self, client: &AtClient) {
        let ok = matches!(client.run(AtCommand::set(self.hangup)).await, Ok(r) if r.result.is_ok());
        if !ok && self.hangup != "ATH" {
            let _ = client.run(AtCommand::set("ATH")).await;
        }
        while !self.calls.is_empty() {
            self.finish(0, EndCause::Normal);
        }
    }

    async fn hang_up(&mut self, client: &AtClient, id: CallId) {
        let Some(i) = self.position(id) else {
            tracing::debug!(modem = %self.name, call = %id, "hang up: no such call");
            return;
        };
        let only = self.calls.len() == 1;
        let released = match self.calls[i].index {
            Some(x) => matches!(
                client.run(AtCommand::set(format!("AT+CHLD=1{x}"))).await,
                Ok(r) if r.result.is_ok()
            ),
            None => false,
        };
        if !released {
            if !only {
                tracing::warn!(modem = %self.name, call = %id, "cannot release one call of several");
                return;
            }
            let _ = client.run(AtCommand::set(self.hangup)).await;
        }
        if let Some(i) = self.position(id) {
            self.finish(i, EndCause::Normal);
        }
    }

    /// Refuses a ringing call: it ends as missed with `rejected`.
    pub(super) async fn reject(&mut self, client: &AtClient, id: CallId) {
        let Some(i) = self.position(id) else {
            tracing::debug!(modem = %self.name, call = %id, "reject: no such call");
            return;
        };
        if !self.calls[i].is_ringing() {
            return;
        }
        self.calls[i].rejected = true;
        // With another call up, ATH would end that one too: +CHLD=0 refuses
        // only the waiting call (user determined user busy).
        let line = if self.calls.len() > 1 {
            "AT+CHLD=0"
        } else {
            self.hangup
        };
        match client.run(AtCommand::set(line)).await {
            Ok(r) if !r.result.is_ok() => {
                tracing::warn!(modem = %self.name, call = %id, result = %r.result, "reject refused");
            }
            Err(e) => tracing::warn!(modem = %self.name, call = %id, "reject: {e}"),
            Ok(_) => {}
        }
        if let Some(i) = self.position(id) {
            self.finish(i, EndCause::Rejected);
        }
    }

    async fn dtmf(&mut self, client: &AtClient, id: CallId, digits: &str) {
        if self.position(id).is_none() {
            tracing::debug!(modem = %self.name, call = %id, "dtmf: no such call");
            return;
        }
        for d in digits.chars() {
            if !matches!(d, '0'..='9' | '*' | '#' | 'A'..='D') {
                tracing::warn!(modem = %self.name, "DTMF digit {d:?} is not 0-9*#A-D: skipped");
                continue;
            }
            if let Err(e) = client.run(AtCommand::set(format!("AT+VTS={d}"))).await {
                tracing::warn!(modem = %self.name, "dtmf: {e}");
                return;
            }
        }
    }
}
