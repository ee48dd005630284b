//! The modem's call table (+CLCC) and the supplementary services of
//! +CHLD (27.007 7.13, 22.030): release, hold, swap, join, with the
//! held/active/multiparty bookkeeping a network would do.

use super::records::CallDirection;

/// <stat> of +CLCC.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum State {
    Active = 0,
    Held = 1,
    Dialing = 2,
    Alerting = 3,
    Incoming = 4,
    Waiting = 5,
}

#[derive(Debug, Clone)]
pub(crate) struct Call {
    /// +CLCC index, 1..=7.
    pub idx: u8,
    /// Unique for the modem's life: timers name calls by it, so a timer of
    /// an ended call never touches a new call with the same index.
    pub uid: u64,
    pub dir: CallDirection,
    pub state: State,
    /// `+` and digits, digits, or `None` (withheld / unavailable).
    pub number: Option<String>,
    /// +CLIP / +CLCC validity when withheld (1) or unavailable (2).
    pub validity: u8,
    pub mpty: bool,
    /// Index into the call records.
    pub record: usize,
    pub answered_at: Option<std::time::Instant>,
    /// RINGs still to come before the caller gives up (`None`: forever).
    pub rings_left: Option<u32>,
    /// Once connected, the far end hangs up after this long.
    pub hangup_after: Option<std::time::Duration>,
}

impl Call {
    /// Type of address for +CLIP / +CLCC: 145 international, 129 other,
    /// 128 when there is no number.
    pub fn toa(&self) -> u16 {
        match &self.number {
            Some(n) if n.starts_with('+') => 145,
            Some(_) => 129,
            None => 128,
        }
    }

    /// One +CLCC line.
    pub fn clcc(&self) -> String {
        let dir = match self.dir {
            CallDirection::Outgoing => 0,
            CallDirection::Incoming => 1,
        };
        format!(
            "+CLCC: {},{},{},0,{},\"{}\",{}",
            self.idx,
            dir,
            self.state as u8,
            u8::from(self.mpty),
            self.number.as_deref().unwrap_or(""),
            self.toa()
        )
    }

    fn ringing(&self) -> bool {
        matches!(self.state, State::Incoming | State::Waiting)
    }
}

#[derive(Debug, Default)]
pub(crate) struct Calls {
    pub list: Vec<Call>,
}

impl Calls {
    /// The lowest free index, `None` with seven calls up.
    pub fn free_index(&self) -> Option<u8> {
        (1..=7).find(|i| self.list.iter().all(|c| c.idx != *i))
    }

    pub fn by_uid(&mut self, uid: u64) -> Option<&mut Call> {
        self.list.iter_mut().find(|c| c.uid == uid)
    }

    pub fn by_idx(&mut self, idx: u8) -> Option<&mut Call> {
        self.list.iter_mut().find(|c| c.idx == idx)
    }

    pub fn has(&self, state: State) -> bool {
        self.list.iter().any(|c| c.state == state)
    }

    pub fn any_active(&self) -> bool {
        self.has(State::Active)
    }

    /// Takes a call out of the table; a multiparty call left with one
    /// member is no longer multiparty.
    pub fn remove(&mut self, uid: u64) -> Option<Call> {
        let pos = self.list.iter().position(|c| c.uid == uid)?;
        let call = self.list.remove(pos);
        self.fix_mpty();
        Some(call)
    }

    fn fix_mpty(&mut self) {
        for state in [State::Active, State::Held] {
            let n = self
                .list
                .iter()
                .filter(|c| c.state == state && c.mpty)
                .count();
            if n < 2 {
                for c in self.list.iter_mut().filter(|c| c.state == state) {
                    c.mpty = false;
                }
            }
        }
    }

    fn take_where(&mut self, pred: impl Fn(&Call) -> bool) -> Vec<Call> {
        let (out, keep): (Vec<Call>, Vec<Call>) = self.list.drain(..).partition(pred);
        self.list = keep;
        self.fix_mpty();
        out
    }

    /// Puts the active calls on hold (before dialling another).
    pub fn hold_active(&mut self) {
        for c in self.list.iter_mut().filter(|c| c.state == State::Active) {
            c.state = State::Held;
        }
    }

    /// Ends every call (ATH, +CHUP), returning them.
    pub fn release_all(&mut self) -> Vec<Call> {
        self.take_where(|_| true)
    }

    /// Applies `AT+CHLD=<arg>`. Returns the calls it released, or `Err`
    /// when the operation makes no sense with the calls there are (the
    /// modem answers +CME ERROR: 3).
    pub fn chld(&mut self, arg: &str) -> Result<Vec<Call>, ()> {
        let (op, x) = match arg.as_bytes() {
            [op] => (*op, None),
            [op, x @ ..] => {
                let x: u8 = std::str::from_utf8(x)
                    .ok()
                    .and_then(|s| s.parse().ok())
                    .ok_or(())?;
                (*op, Some(x))
            }
            [] => (b'0', None),
        };
        let waiting = self.list.iter().any(Call::ringing);
        match (op, x) {
            (b'0', None) => {
                // A waiting call is refused (UDUB); otherwise the held calls go.
                let out = if waiting {
                    self.take_where(Call::ringing)
                } else {
                    self.take_where(|c| c.state == State::Held)
                };
                if out.is_empty() { Err(()) } else { Ok(out) }
            }
            (b'1', None) => {
                let out = self.take_where(|c| c.state == State::Active);
                let accepted = self.accept_other();
                if out.is_empty() && !accepted {
                    Err(())
                } else {
                    Ok(out)
                }
            }
            (b'1', Some(x)) => {
                let uid = self.list.iter().find(|c| c.idx == x).ok_or(())?.uid;
                Ok(self.remove(uid).into_iter().collect())
            }
            (b'2', None) => {
                let has_active = self.any_active();
                let has_held = self.has(State::Held);
                if !waiting && !has_active && !has_held {
                    return Err(());
                }
                for c in &mut self.list {
                    c.state = match c.state {
                        State::Active => State::Held,
                        State::Held if !waiting => State::Active,
                        s => s,
                    };
                }
                if waiting {
                    self.answer_ringing();
                }
                self.fix_mpty();
                Ok(Vec::new())
            }
            (b'2', Some(x)) => {
                // Private consultation: x stays, the rest of the
                // conversation goes on hold.
                let target = self.list.iter().find(|c| c.idx == x).ok_or(())?;
                if target.state != State::Active || !target.mpty || self.has(State::Held) {
                    return Err(());
                }
                for c in &mut self.list {
                    if c.idx == x {
                        c.mpty = false;
                    } else if c.state == State::Active {
                        c.state = State::Held;
                    }
                }
                self.fix_mpty();
                Ok(Vec::new())
            }
            (b'3', None) => {
                if !self.any_active() || !self.has(State::Held) {
                    return Err(());
                }
                for c in &mut self.list {
                    if matches!(c.state, State::Active | State::Held) {
                        c.state = State::Active;
                        c.mpty = true;
                    }
                }
                Ok(Vec::new())
            }
            (b'4', None) => {
                // Explicit call transfer: the held and active parties are
                // joined to each other and leave this line.
                if !self.any_active() || !self.has(State::Held) {
                    return Err(());
                }
                Ok(self.take_where(|c| matches!(c.state, State::Active | State::Held)))
            }
            _ => Err(()),
        }
    }

    /// After the active calls went: the waiting call, else the held ones,
    /// become active. False when there was nothing to accept.
    fn accept_other(&mut self) -> bool {
        if self.list.iter().any(Call::ringing) {
            self.answer_ringing();
            return true;
        }
        let mut any = false;
        for c in self.list.iter_mut().filter(|c| c.state == State::Held) {
            c.state = State::Active;
            any = true;
        }
        any
    }

    /// The first ringing (incoming or waiting) call becomes active.
    fn answer_ringing(&mut self) {
        if let Some(c) = self.list.iter_mut().find(|c| c.ringing()) {
            c.state = State::Active;
            c.answered_at = Some(std::time::Instant::now());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn call(idx: u8, state: State) -> Call {
        Call {
            idx,
            uid: u64::from(idx) + 100,
            dir: CallDirection::Outgoing,
            state,
            number: Some(format!("+4917000000{idx}")),
            validity: 0,
            mpty: false,
            record: 0,
            answered_at: None,
            rings_left: None,
            hangup_after: None,
        }
    }

    fn states(c: &Calls) -> Vec<(u8, State, bool)> {
        c.list.iter().map(|c| (c.idx, c.state, c.mpty)).collect()
    }

    #[test]
    fn hold_dial_join_split_release() {
        let mut c = Calls::default();
        c.list.push(call(1, State::Active));
        c.hold_active();
        c.list.push(call(2, State::Active));
        assert_eq!(
            states(&c),
            [(1, State::Held, false), (2, State::Active, false)]
        );
        c.chld("2").unwrap();
        assert_eq!(
            states(&c),
            [(1, State::Active, false), (2, State::Held, false)]
        );
        c.chld("3").unwrap();
        assert_eq!(
            states(&c),
            [(1, State::Active, true), (2, State::Active, true)]
        );
        assert!(c.chld("3").is_err());
        c.chld("22").unwrap();
        assert_eq!(
            states(&c),
            [(1, State::Held, false), (2, State::Active, false)]
        );
        let gone = c.chld("12").unwrap();
        assert_eq!(gone.len(), 1);
        assert_eq!(states(&c), [(1, State::Held, false)]);
        c.chld("1").unwrap();
        assert_eq!(states(&c), [(1, State::Active, false)]);
        assert!(c.chld("0").is_err());
        assert_eq!(c.chld("1").unwrap().len(), 1);
        assert!(c.list.is_empty());
        assert!(c.chld("2").is_err());
        assert!(c.chld("9").is_err());
        assert!(c.chld("1x").is_err());
    }

    #[test]
    fn waiting_call_is_accepted_or_refused() {
        let mut c = Calls::default();
        c.list.push(call(1, State::Active));
        c.list.push(call(2, State::Waiting));
        c.chld("2").unwrap();
        assert_eq!(
            states(&c),
            [(1, State::Held, false), (2, State::Active, false)]
        );
        c.list.push(call(3, State::Waiting));
        let refused = c.chld("0").unwrap();
        assert_eq!(refused[0].idx, 3);
        c.list.push(call(3, State::Waiting));
        let released = c.chld("1").unwrap();
        assert_eq!(released[0].idx, 2);
        assert_eq!(
            states(&c),
            [(1, State::Held, false), (3, State::Active, false)]
        );
        assert_eq!(c.free_index(), Some(2));
    }
}
