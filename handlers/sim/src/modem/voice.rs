//! Voice calls: incoming rings (RING / +CRING with +CLIP, +CCWA for a
//! waiting call), ATA, ATH / +CHUP, ATD with the far end's outcome, +CLCC,
//! +CHLD, +VTS, and each vendor's way of saying a call progressed or
//! ended (Huawei ^ORIG/^CONF/^CONN/^CEND, SIMCom VOICE CALL / MISSED_CALL,
//! NO CARRIER / BUSY / NO ANSWER).

use super::calls::{Call, State};
use super::config::{DialOutcome, Timing};
use super::engine::{DialStep, Done, Engine, Timer};
use super::errors::{self, Fail};
use super::inject::{IncomingCall, RingEnd, SimCaller};
use super::lock;
use super::parse::{Cmd, Kind, args};
use super::records::{CallDirection, CallEnd, CallRecord};
use crate::error::SimError;
use std::time::{Duration, SystemTime};

type R = Option<Result<Done, Fail>>;

/// One line of what a modem prints when a call changes: a result code
/// (numeric with ATV0) or another line.
enum Line {
    Result(&'static str),
    Text(String),
}

fn hhmmss(d: Duration) -> String {
    let s = d.as_secs();
    format!("{:02}{:02}{:02}", s / 3600, s / 60 % 60, s % 60)
}

/// `hh:mmAM` as SIMCom prints it in MISSED_CALL.
fn clock_12h() -> String {
    let now = time::OffsetDateTime::now_utc();
    let (h, m) = (now.hour(), now.minute());
    let (h12, ampm) = match h {
        0 => (12, "AM"),
        1..=11 => (h, "AM"),
        12 => (12, "PM"),
        _ => (h - 12, "PM"),
    };
    format!("{h12:02}:{m:02}{ampm}")
}

impl Engine {
    pub(crate) fn voice_command(&mut self, c: &Cmd) -> R {
        let r = match c.name.as_str() {
            "A" => self.answer(),
            "H" | "+CHUP" => {
                if matches!(c.kind, Kind::Test) {
                    return Some(Ok(Done::Ok));
                }
                self.hang_up_all();
                Ok(Done::Ok)
            }
            "D" => match &c.kind {
                Kind::Set(n) => self.dial(n),
                _ => Err(Fail::Error),
            },
            "+CLCC" => match &c.kind {
                Kind::Exec => {
                    let lines: Vec<String> = self.calls.list.iter().map(Call::clcc).collect();
                    for l in lines {
                        self.info(&l);
                    }
                    Ok(Done::Ok)
                }
                Kind::Set(v) => {
                    self.s.clcc_urc = v.trim() == "1";
                    Ok(Done::Ok)
                }
                Kind::Read => {
                    self.info(&format!("+CLCC: {}", u8::from(self.s.clcc_urc)));
                    Ok(Done::Ok)
                }
                Kind::Test => Ok(Done::Ok),
            },
            "+CHLD" => match &c.kind {
                Kind::Test => {
                    self.info("+CHLD: (0,1,1x,2,2x,3,4)");
                    Ok(Done::Ok)
                }
                Kind::Set(v) => self.chld(v.trim()),
                _ => Err(Fail::Error),
            },
            "+VTS" => match &c.kind {
                Kind::Set(v) => self.vts(v),
                Kind::Test => {
                    self.info("+VTS: (0-9,*,#,A,B,C,D)");
                    Ok(Done::Ok)
                }
                _ => Err(Fail::Error),
            },
            "+CLIP" => self.switch(c, "+CLIP", |e| &mut e.s.clip, ",1"),
            "+CRC" => self.switch(c, "+CRC", |e| &mut e.s.crc, ""),
            "+CCWA" => self.switch(c, "+CCWA", |e| &mut e.s.ccwa, ""),
            "+COLP" | "+CLIR" | "+CVHU" | "+CSNS" | "+CMOD" => match c.kind {
                Kind::Read => {
                    self.info(&format!("{}: 0", c.name));
                    Ok(Done::Ok)
                }
                _ => Ok(Done::Ok),
            },
            "^DDSETEX" if self.prof.huawei_calls => Ok(Done::Ok),
            _ => return None,
        };
        Some(r)
    }

    /// A 0/1 setting with `?` answering `<name>: <n><tail>`.
    fn switch(
        &mut self,
        c: &Cmd,
        name: &str,
        field: fn(&mut Engine) -> &mut bool,
        tail: &str,
    ) -> Result<Done, Fail> {
        match &c.kind {
            Kind::Read => {
                let v = u8::from(*field(self));
                self.info(&format!("{name}: {v}{tail}"));
                Ok(Done::Ok)
            }
            Kind::Test => {
                self.info(&format!("{name}: (0,1)"));
                Ok(Done::Ok)
            }
            Kind::Set(v) => match args(v).first().map(String::as_str) {
                Some("0") => {
                    *field(self) = false;
                    Ok(Done::Ok)
                }
                Some("1") => {
                    *field(self) = true;
                    Ok(Done::Ok)
                }
                _ => Err(Fail::Error),
            },
            Kind::Exec => Ok(Done::Ok),
        }
    }

    fn record(&self, i: usize, f: impl FnOnce(&mut CallRecord)) {
        if let Some(r) = lock(&self.shared.calls).get_mut(i) {
            f(r);
        }
    }

    fn new_record(&self, dir: CallDirection, number: Option<String>) -> usize {
        let mut calls = lock(&self.shared.calls);
        calls.push(CallRecord {
            index: 0,
            direction: dir,
            number,
            rings: 0,
            answered: false,
            held: false,
            joined: false,
            dtmf: String::new(),
            started: SystemTime::now(),
            ended: None,
            end: None,
        });
        calls.len() - 1
    }

    /// Copies held / joined / answered from the call table to the records.
    fn sync_records(&self) {
        let mut recs = lock(&self.shared.calls);
        for c in &self.calls.list {
            if let Some(r) = recs.get_mut(c.record) {
                r.held |= c.state == State::Held;
                r.joined |= c.mpty;
                r.answered |= c.answered_at.is_some();
            }
        }
    }

    /// The vendor's +CLCC URC line for a call (SIMCom with AT+CLCC=1),
    /// `stat` 6 meaning "disconnected".
    fn clcc_urc_line(&self, c: &Call, stat: Option<u8>) -> Option<String> {
        if !self.s.clcc_urc {
            return None;
        }
        let line = c.clcc();
        Some(match stat {
            Some(s) => {
                let dir = u8::from(c.dir == CallDirection::Incoming);
                format!(
                    "+CLCC: {},{dir},{s},0,0,\"{}\",{}",
                    c.idx,
                    c.number.as_deref().unwrap_or(""),
                    c.toa()
                )
            }
            None => line,
        })
    }

    fn emit(&mut self, lines: Vec<Line>, after_final: bool) {
        for l in lines {
            match (l, after_final) {
                (Line::Result(r), false) => self.urc_result(r),
                (Line::Text(t), false) => self.urc(&t),
                (Line::Result(r), true) => self.after_final.push(r.into()),
                (Line::Text(t), true) => self.after_final.push(t),
            }
        }
    }

    /// What the modem prints when `call` ends with `end`.
    fn end_lines(&self, call: &Call, end: CallEnd) -> Vec<Line> {
        let dur = call.answered_at.map(|t| t.elapsed()).unwrap_or_default();
        let connected = call.answered_at.is_some();
        let mut out = Vec::new();
        if end == CallEnd::PortGone {
            return out;
        }
        if self.prof.huawei_calls {
            let cause = match end {
                CallEnd::Rejected => 21,
                CallEnd::Busy => 17,
                CallEnd::NoAnswer => 19,
                CallEnd::Failed => 31,
                _ => 16,
            };
            out.push(Line::Text(format!(
                "^CEND:{},{},104,{cause}",
                call.idx,
                dur.as_secs()
            )));
        } else {
            let simcom = self.prof.simcom_calls;
            match end {
                CallEnd::Missed => {
                    if simcom {
                        out.push(Line::Text(format!(
                            "MISSED_CALL: {} {}",
                            clock_12h(),
                            call.number.as_deref().unwrap_or("")
                        )));
                    } else if self.prof.no_carrier_on_missed {
                        out.push(Line::Result("NO CARRIER"));
                    }
                }
                CallEnd::RemoteHangup => {
                    if simcom {
                        out.push(Line::Text(format!("VOICE CALL: END: {}", hhmmss(dur))));
                    }
                    out.push(Line::Result("NO CARRIER"));
                }
                CallEnd::LocalHangup if simcom && connected => {
                    out.push(Line::Text(format!("VOICE CALL: END: {}", hhmmss(dur))));
                }
                CallEnd::Busy => out.push(Line::Result("BUSY")),
                CallEnd::NoAnswer => out.push(Line::Result("NO ANSWER")),
                CallEnd::Failed => out.push(Line::Result("NO CARRIER")),
                _ => {}
            }
        }
        if let Some(l) = self.clcc_urc_line(call, Some(6)) {
            out.push(Line::Text(l));
        }
        out
    }

    /// Ends a call: record, and the vendor's indication (after the final
    /// result of the current line when the client caused it).
    fn end_call(&mut self, uid: u64, end: CallEnd, after_final: bool) {
        let Some(call) = self.calls.remove(uid) else {
            return;
        };
        self.finish_call(&call, end, after_final);
    }

    fn finish_call(&mut self, call: &Call, end: CallEnd, after_final: bool) {
        let lines = self.end_lines(call, end);
        self.record(call.record, |r| {
            r.end = Some(end);
            r.ended = Some(SystemTime::now());
            r.answered |= call.answered_at.is_some();
        });
        self.emit(lines, after_final);
        self.sync_records();
    }

    pub(crate) fn end_all_calls(&mut self, end: CallEnd, after_final: bool) {
        for c in self.calls.release_all() {
            self.finish_call(&c, end, after_final);
        }
    }

    fn hang_up_all(&mut self) {
        for c in self.calls.release_all() {
            let end = if matches!(c.state, State::Incoming | State::Waiting) {
                CallEnd::Rejected
            } else {
                CallEnd::LocalHangup
            };
            self.finish_call(&c, end, true);
        }
    }

    fn answer(&mut self) -> Result<Done, Fail> {
        let Some(call) = self
            .calls
            .list
            .iter_mut()
            .find(|c| c.state == State::Incoming)
        else {
            return Err(Fail::Result("NO CARRIER"));
        };
        call.state = State::Active;
        call.answered_at = Some(std::time::Instant::now());
        let (uid, idx, hangup) = (call.uid, call.idx, call.hangup_after);
        let call = call.clone();
        self.connected_lines(&call, true);
        if let Some(h) = hangup {
            self.schedule(h, Timer::RemoteEnd(uid));
        }
        let _ = idx;
        self.sync_records();
        Ok(Done::Ok)
    }

    /// What the modem prints when a call gets connected.
    fn connected_lines(&mut self, call: &Call, after_final: bool) {
        let mut lines = Vec::new();
        if self.prof.huawei_calls {
            lines.push(Line::Text(format!("^CONN:{},0", call.idx)));
        }
        if self.prof.simcom_calls {
            lines.push(Line::Text("VOICE CALL: BEGIN".into()));
        }
        if let Some(l) = self.clcc_urc_line(call, None) {
            lines.push(Line::Text(l));
        }
        self.emit(lines, after_final);
    }

    fn dial(&mut self, arg: &str) -> Result<Done, Fail> {
        let Some(number) = arg.strip_suffix(';') else {
            // A data call: no data service here.
            return Err(Fail::Result("NO CARRIER"));
        };
        let number = number.trim_end_matches(['I', 'i', 'G', 'g']).trim();
        let digits_ok = !number.is_empty()
            && number
                .char_indices()
                .all(|(i, c)| c.is_ascii_digit() || c == '*' || c == '#' || (c == '+' && i == 0));
        if !digits_ok {
            return Err(Fail::Error);
        }
        self.sim_cme()?;
        if !self.registered() {
            return Err(Fail::Result("NO CARRIER"));
        }
        if self.calls.has(State::Incoming) {
            return Err(Fail::Cme(errors::CME_NOT_ALLOWED));
        }
        let idx = self
            .calls
            .free_index()
            .ok_or(Fail::Cme(errors::CME_NOT_ALLOWED))?;
        // The network holds the active call before the new one is set up.
        self.calls.hold_active();
        let record = self.new_record(CallDirection::Outgoing, Some(number.to_owned()));
        self.record(record, |r| r.index = idx);
        let uid = self.next_uid;
        self.next_uid += 1;
        let outcome = lock(&self.shared.dial_outcomes)
            .get(number.trim_start_matches('+'))
            .copied()
            .unwrap_or(self.cfg.default_dial_outcome);
        let call = Call {
            idx,
            uid,
            dir: CallDirection::Outgoing,
            state: State::Dialing,
            number: Some(number.to_owned()),
            validity: 0,
            mpty: false,
            record,
            answered_at: None,
            rings_left: None,
            hangup_after: match outcome {
                DialOutcome::Answer {
                    hangup_after_ms, ..
                } => hangup_after_ms.map(Timing::ms),
                _ => None,
            },
        };
        if self.prof.huawei_calls {
            self.after_final.push(format!("^ORIG:{idx},0"));
        }
        if let Some(l) = self.clcc_urc_line(&call, None) {
            self.after_final.push(l);
        }
        self.calls.list.push(call);
        self.calls.list.sort_by_key(|c| c.idx);
        let (alert, end, step) = match outcome {
            DialOutcome::Answer { after_ms, .. } => {
                (Some(after_ms / 2), after_ms, DialStep::Answer)
            }
            DialOutcome::Busy { after_ms } => (None, after_ms, DialStep::Busy),
            DialOutcome::NoAnswer { after_ms } => {
                (Some(after_ms / 3), after_ms, DialStep::NoAnswer)
            }
            DialOutcome::NoCarrier { after_ms } => (None, after_ms, DialStep::Fail),
        };
        if let Some(a) = alert {
            self.schedule(Timing::ms(a), Timer::Dial(uid, DialStep::Alert));
        }
        // A moment after the alert even with zero delays, so the steps
        // keep their order.
        let end = Timing::ms(end).max(Duration::from_millis(1));
        self.schedule(end, Timer::Dial(uid, step));
        self.sync_records();
        Ok(Done::Ok)
    }

    pub(crate) fn dial_step(&mut self, uid: u64, step: DialStep) {
        let Some(call) = self.calls.by_uid(uid) else {
            return;
        };
        if !matches!(call.state, State::Dialing | State::Alerting) {
            return;
        }
        match step {
            DialStep::Alert => {
                call.state = State::Alerting;
                let call = call.clone();
                let mut lines = Vec::new();
                if self.prof.huawei_calls {
                    lines.push(Line::Text(format!("^CONF:{}", call.idx)));
                }
                if let Some(l) = self.clcc_urc_line(&call, None) {
                    lines.push(Line::Text(l));
                }
                self.emit(lines, false);
            }
            DialStep::Answer => {
                call.state = State::Active;
                call.answered_at = Some(std::time::Instant::now());
                let call = call.clone();
                self.connected_lines(&call, false);
                if let Some(h) = call.hangup_after {
                    self.schedule(h, Timer::RemoteEnd(uid));
                }
                self.sync_records();
            }
            DialStep::Busy => self.end_call(uid, CallEnd::Busy, false),
            DialStep::NoAnswer => self.end_call(uid, CallEnd::NoAnswer, false),
            DialStep::Fail => self.end_call(uid, CallEnd::Failed, false),
        }
    }

    /// The far end goes away.
    pub(crate) fn remote_end(&mut self, uid: u64) {
        let Some(call) = self.calls.by_uid(uid) else {
            return;
        };
        let end = match call.state {
            State::Incoming | State::Waiting => CallEnd::Missed,
            State::Dialing | State::Alerting => CallEnd::NoAnswer,
            State::Active | State::Held => CallEnd::RemoteHangup,
        };
        self.end_call(uid, end, false);
    }

    fn chld(&mut self, arg: &str) -> Result<Done, Fail> {
        let released = self
            .calls
            .chld(arg)
            .map_err(|()| Fail::Cme(errors::CME_NOT_ALLOWED))?;
        for c in released {
            let end = if matches!(c.state, State::Incoming | State::Waiting) {
                CallEnd::Rejected
            } else {
                CallEnd::LocalHangup
            };
            self.finish_call(&c, end, true);
        }
        // A waiting call accepted through +CHLD is connected now.
        let newly: Vec<Call> = {
            let recs = lock(&self.shared.calls);
            self.calls
                .list
                .iter()
                .filter(|c| {
                    c.state == State::Active
                        && c.answered_at.is_some()
                        && recs.get(c.record).is_some_and(|r| !r.answered)
                })
                .cloned()
                .collect()
        };
        for c in &newly {
            self.connected_lines(c, true);
            if let Some(h) = c.hangup_after {
                self.schedule(h, Timer::RemoteEnd(c.uid));
            }
        }
        self.sync_records();
        Ok(Done::Ok)
    }

    fn vts(&mut self, v: &str) -> Result<Done, Fail> {
        let digits = v.trim().trim_matches('"');
        let ok = !digits.is_empty()
            && digits
                .chars()
                .all(|c| c.is_ascii_digit() || matches!(c, '*' | '#' | 'A'..='D'));
        if !ok {
            return Err(Fail::Error);
        }
        let Some(record) = self
            .calls
            .list
            .iter()
            .find(|c| c.state == State::Active)
            .map(|c| c.record)
        else {
            return Err(Fail::Cme(errors::CME_NOT_ALLOWED));
        };
        self.record(record, |r| r.dtmf.push_str(digits));
        Ok(Done::Ok)
    }

    /// The network offers a call.
    pub(crate) fn incoming_call(&mut self, c: IncomingCall) -> Result<u8, SimError> {
        if !self.network_ok() {
            return Err(SimError::Unavailable(
                "the modem is not reachable (unplugged, SIM locked, radio off or no network)"
                    .into(),
            ));
        }
        let idx = self
            .calls
            .free_index()
            .ok_or_else(|| SimError::Unavailable("seven calls are up already".into()))?;
        let (number, validity) = match &c.caller {
            SimCaller::Number(n) => (Some(n.clone()), 0),
            SimCaller::Withheld => (None, 1),
            SimCaller::Unavailable => (None, 2),
        };
        let state = if self.calls.list.is_empty() {
            State::Incoming
        } else {
            State::Waiting
        };
        let record = self.new_record(CallDirection::Incoming, number.clone());
        self.record(record, |r| r.index = idx);
        let uid = self.next_uid;
        self.next_uid += 1;
        self.calls.list.push(Call {
            idx,
            uid,
            dir: CallDirection::Incoming,
            state,
            number,
            validity,
            mpty: false,
            record,
            answered_at: None,
            rings_left: match c.end {
                RingEnd::CallerHangsUp | RingEnd::Voicemail => Some(c.rings),
                RingEnd::Forever => None,
            },
            hangup_after: c.hangup_after_answer_ms.map(Timing::ms),
        });
        self.calls.list.sort_by_key(|c| c.idx);
        self.schedule(Duration::ZERO, Timer::Ring(uid));
        Ok(idx)
    }

    /// One ring of a ringing call, or its end when the caller gives up.
    pub(crate) fn ring(&mut self, uid: u64) {
        let interval = Timing::ms(self.cfg.timing.ring_interval_ms);
        let Some(call) = self.calls.by_uid(uid) else {
            return;
        };
        if !matches!(call.state, State::Incoming | State::Waiting) {
            return;
        }
        match call.rings_left {
            Some(0) => {
                self.end_call(uid, CallEnd::Missed, false);
                return;
            }
            Some(n) => call.rings_left = Some(n - 1),
            None => {}
        }
        let call = call.clone();
        self.record(call.record, |r| r.rings += 1);
        let number = call.number.clone().unwrap_or_default();
        if call.state == State::Incoming {
            if self.s.crc {
                self.urc("+CRING: VOICE");
            } else {
                self.urc_result("RING");
            }
            if self.s.clip {
                let line = format!(
                    "+CLIP: \"{number}\",{}{}{}",
                    call.toa(),
                    self.prof.clip_tail,
                    call.validity
                );
                self.urc(&line);
            }
        } else if self.s.ccwa {
            self.urc(&format!("+CCWA: \"{number}\",{},1", call.toa()));
        }
        self.schedule(interval, Timer::Ring(uid));
    }
}
