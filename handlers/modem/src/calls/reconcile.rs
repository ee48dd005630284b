//! Bringing the handler's calls in line with the modem's `+CLCC` list, for
//! modems that report little or nothing of their own.

use super::Calls;
use super::state::{Call, Phase};
use crate::at::{AtClient, AtCommand, CommandError};
use crate::clcc::{ClccEntry, ClccState, parse_clcc};
use crate::urc::EndCause;
use std::time::SystemTime;
use switchboard_protocol::{CallId, CallProgress, Caller};

impl Calls {
    /// Polls `+CLCC`; `None` when the modem refused. The caller handles the
    /// codes that came before the answer first, then applies the list.
    pub async fn poll(client: &AtClient) -> Result<Option<Vec<ClccEntry>>, CommandError> {
        let r = client.run(AtCommand::query("AT+CLCC", &["+CLCC:"])).await?;
        if !r.result.is_ok() {
            return Ok(None);
        }
        Ok(Some(r.values("+CLCC").filter_map(parse_clcc).collect()))
    }

    /// A full list: calls missing from it have ended.
    pub fn apply_list(&mut self, list: &[ClccEntry]) {
        let voice: Vec<&ClccEntry> = list.iter().filter(|e| e.voice).collect();
        for e in &voice {
            self.apply_entry(e);
        }
        let cause = self.last_cause.take().unwrap_or(EndCause::Normal);
        while let Some(i) = self.calls.iter().position(|c| {
            c.index.is_none_or(|x| {
                !voice
                    .iter()
                    .any(|e| e.index == x && e.state != ClccState::Released)
            })
        }) {
            self.finish(i, cause);
        }
    }

    /// One entry (from a poll, or a SIMCom +CLCC URC).
    pub fn apply_entry(&mut self, e: &ClccEntry) {
        if !e.voice {
            return;
        }
        let i = match self.calls.iter().position(|c| c.index == Some(e.index)) {
            Some(i) => i,
            None => {
                // A call known without its index yet: the first of the
                // same direction.
                match self
                    .calls
                    .iter()
                    .position(|c| c.index.is_none() && c.incoming == e.incoming)
                {
                    Some(i) => {
                        self.calls[i].index = Some(e.index);
                        i
                    }
                    None if e.incoming
                        && matches!(e.state, ClccState::Incoming | ClccState::Waiting) =>
                    {
                        self.next_incoming += 1;
                        let mut c =
                            Call::incoming(CallId::Incoming(self.next_incoming), SystemTime::now());
                        c.index = Some(e.index);
                        c.caller = e.number.clone().map(Caller::Number);
                        self.calls.push(c);
                        self.calls.len() - 1
                    }
                    // A call the handler did not start and never saw ring
                    // (placed by hand on the modem): not reported.
                    None => return,
                }
            }
        };
        if self.calls[i].caller.is_none()
            && let Some(n) = e.number.clone()
        {
            self.calls[i].caller = Some(Caller::Number(n));
        }
        match e.state {
            ClccState::Released => {
                let cause = self.last_cause.take().unwrap_or(EndCause::Normal);
                self.finish(i, cause);
                return;
            }
            ClccState::Active => self.set_phase(i, Phase::Active),
            ClccState::Held => self.set_phase(i, Phase::Held),
            ClccState::Dialling => self.set_phase(i, Phase::Dialling),
            ClccState::Alerting => self.set_phase(i, Phase::Alerting),
            ClccState::Incoming | ClccState::Waiting => {}
        }
        let c = &mut self.calls[i];
        if e.multiparty && !c.joined {
            c.joined = true;
            let id = c.id;
            self.progress(id, CallProgress::Joined);
        } else if !e.multiparty {
            c.joined = false;
        }
    }
}
