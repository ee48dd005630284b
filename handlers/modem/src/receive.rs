//! Receiving SMS and status reports: read them (+CMTI/+CDSI then +CMGR,
//! direct +CMT/+CDS, sweeps with +CMGL), hand each to the host with an ack
//! token, and delete a stored one (+CMGD) only when the host says it is on
//! disk. Notifications get lost on many modems, so sweeps at start, on
//! "storage full" and periodically pick up whatever is left.

use crate::at::{AtClient, AtCommand, CommandError, Expect, FinalResult, Kind};
use crate::emit::Emitter;
use crate::number::{fields, num};
use crate::send::network_id;
use std::collections::{HashMap, HashSet};
use std::time::SystemTime;
use switchboard_protocol::pdu::{self, Direction, SmsStatusReport, Tpdu};
use switchboard_protocol::{AckToken, Address, Event, InboundSms, PhoneNumber};

/// One stored message: where it is and what it holds (the PDU tells a
/// reused index from the same message).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Slot {
    pub mem: String,
    pub index: u16,
    pub pdu: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Held {
    Stored(Slot),
    /// A direct +CMT / +CDS; `cnma`: the modem waits for +CNMA.
    Direct {
        cnma: bool,
    },
}

/// What the session knows that reading needs.
pub struct Ctx<'a> {
    pub client: &'a AtClient,
    pub emitter: &'a Emitter,
    pub line: Option<&'a PhoneNumber>,
    pub cnma: bool,
    /// Look in "SR" too (reports stored there, +CNMI ds=2).
    pub reports_stored: bool,
    pub name: &'a str,
}

/// Kept across sessions: tokens the host has not answered yet, and
/// deletions owed for messages it acknowledged while the port was down.
#[derive(Debug, Default)]
pub struct Inbox {
    next: u64,
    held: HashMap<AckToken, Held>,
    pending_deletes: Vec<Slot>,
    unreadable: HashSet<Slot>,
    /// The memory +CMGR / +CMGL / +CMGD work on now (+CPMS mem1).
    current: Option<String>,
}

impl Inbox {
    /// A new session set +CPMS to `mem`.
    pub fn session_started(&mut self, mem: &str) {
        self.current = Some(mem.to_owned());
        // Direct messages of the old session can no longer be acknowledged.
        self.held.retain(|_, h| matches!(h, Held::Stored(_)));
    }

    pub fn session_ended(&mut self) {
        self.current = None;
    }

    fn token(&mut self, held: Held) -> AckToken {
        self.next += 1;
        let t = AckToken(self.next);
        self.held.insert(t, held);
        t
    }

    async fn select(&mut self, ctx: &Ctx<'_>, mem: &str) -> Result<(), CommandError> {
        if self.current.as_deref() == Some(mem) {
            return Ok(());
        }
        let r = ctx
            .client
            .run(AtCommand::query(format!("AT+CPMS=\"{mem}\""), &["+CPMS:"]))
            .await?;
        if r.result.is_ok() {
            self.current = Some(mem.to_owned());
        } else {
            tracing::debug!(modem = ctx.name, %mem, result = %r.result, "cannot select message storage");
        }
        Ok(())
    }

    /// `+CMTI` / `+CDSI`: read the stored item at `index`.
    pub async fn on_stored(
        &mut self,
        ctx: &Ctx<'_>,
        mem: &str,
        index: u16,
    ) -> Result<Option<FinalResult>, CommandError> {
        self.select(ctx, mem).await?;
        let r = ctx
            .client
            .run(
                AtCommand::set(format!("AT+CMGR={index}"))
                    .expecting(Expect::with_pdus(&["+CMGR:"])),
            )
            .await?;
        if !r.result.is_ok() {
            return Ok(Some(r.result));
        }
        if let Some(pdu) = r.info.into_iter().find_map(|l| l.pdu) {
            self.offer(
                ctx,
                Slot {
                    mem: mem.to_owned(),
                    index,
                    pdu,
                },
            )
            .await?;
        }
        Ok(None)
    }

    /// `+CMT`: a message not stored by the modem.
    pub fn on_direct_message(&mut self, ctx: &Ctx<'_>, pdu: &str, at: SystemTime) {
        match pdu::decode(pdu, Direction::FromNetwork) {
            Ok((_, Tpdu::Deliver(d))) => {
                let ack = self.token(Held::Direct { cnma: ctx.cnma });
                ctx.emitter.emit(Event::SmsReceived {
                    ack,
                    sms: inbound(d, ctx.line, at),
                });
            }
            Ok((_, Tpdu::StatusReport(r))) => self.on_report(ctx, r, None),
            Ok((_, Tpdu::Submit(_))) => {}
            Err(e) => tracing::warn!(modem = ctx.name, "unreadable +CMT PDU dropped: {e}"),
        }
    }

    /// `+CDS`: a status report not stored by the modem.
    pub fn on_direct_report(&mut self, ctx: &Ctx<'_>, pdu: &str) {
        match pdu::decode(pdu, Direction::FromNetwork) {
            Ok((_, Tpdu::StatusReport(r))) => self.on_report(ctx, r, None),
            Ok(_) => tracing::warn!(modem = ctx.name, "+CDS without a status report"),
            Err(e) => tracing::warn!(modem = ctx.name, "unreadable +CDS PDU dropped: {e}"),
        }
    }

    fn on_report(&mut self, ctx: &Ctx<'_>, r: SmsStatusReport, slot: Option<Slot>) {
        let ack = match slot {
            Some(s) => Some(self.token(Held::Stored(s))),
            None if ctx.cnma => Some(self.token(Held::Direct { cnma: true })),
            None => None,
        };
        ctx.emitter.emit(report_event(&r, ack));
    }

    /// Hands a stored item to the host unless it already has it.
    async fn offer(&mut self, ctx: &Ctx<'_>, slot: Slot) -> Result<(), CommandError> {
        if self
            .held
            .values()
            .any(|h| matches!(h, Held::Stored(s) if *s == slot))
            || self.unreadable.contains(&slot)
        {
            return Ok(());
        }
        if let Some(i) = self.pending_deletes.iter().position(|s| *s == slot) {
            let s = self.pending_deletes.swap_remove(i);
            return self.delete(ctx, &s).await;
        }
        match pdu::decode(&slot.pdu, Direction::FromNetwork) {
            Ok((_, Tpdu::Deliver(d))) => {
                let sms = inbound(d, ctx.line, SystemTime::now());
                let ack = self.token(Held::Stored(slot));
                ctx.emitter.emit(Event::SmsReceived { ack, sms });
            }
            Ok((_, Tpdu::StatusReport(r))) => self.on_report(ctx, r, Some(slot)),
            // A draft or sent message kept by the user: not ours.
            Ok((_, Tpdu::Submit(_))) => {}
            Err(e) => {
                tracing::warn!(
                    modem = ctx.name,
                    mem = %slot.mem,
                    index = slot.index,
                    "stored message unreadable, left in place: {e}"
                );
                self.unreadable.insert(slot);
            }
        }
        Ok(())
    }

    /// Lists everything stored (`+CMGL=4`: all) and offers what is new.
    pub async fn sweep(&mut self, ctx: &Ctx<'_>, storage: &str) -> Result<(), CommandError> {
        let mut mems = vec![storage.to_owned()];
        if ctx.reports_stored && storage != "SR" {
            mems.push("SR".to_owned());
        }
        let mut listed_all = true;
        let mut seen: HashSet<Slot> = HashSet::new();
        for mem in mems {
            self.select(ctx, &mem).await?;
            if self.current.as_deref() != Some(mem.as_str()) {
                listed_all = false;
                continue;
            }
            let r = ctx
                .client
                .run(
                    AtCommand::set("AT+CMGL=4")
                        .with_kind(Kind::Slow)
                        .expecting(Expect::with_pdus(&["+CMGL:"])),
                )
                .await?;
            if !r.result.is_ok() {
                listed_all = false;
                continue;
            }
            for line in r.info {
                let Some(v) = crate::at::command::strip_prefix_value(&line.text, "+CMGL") else {
                    continue;
                };
                let f = fields(v);
                let (Some(index), Some(pdu)) = (num::<u16>(&f, 0), line.pdu) else {
                    continue;
                };
                // stat 2/3: stored outgoing messages, not received ones.
                if matches!(num::<u8>(&f, 1), Some(2) | Some(3)) {
                    continue;
                }
                let slot = Slot {
                    mem: mem.clone(),
                    index,
                    pdu,
                };
                seen.insert(slot.clone());
                self.offer(ctx, slot).await?;
            }
        }
        if listed_all {
            // Owed deletions of messages no longer there are done.
            self.pending_deletes.retain(|s| seen.contains(s));
        }
        Ok(())
    }

    /// The host stored what the token names: delete it or acknowledge it
    /// to the network. Without a session the deletion waits for the next.
    pub async fn ack(&mut self, ctx: &Ctx<'_>, token: AckToken) -> Result<(), CommandError> {
        let Some(held) = self.held.remove(&token) else {
            return Ok(());
        };
        match held {
            Held::Stored(s) => {
                let r = self.delete(ctx, &s).await;
                if r.is_err() {
                    self.pending_deletes.push(s);
                }
                r
            }
            Held::Direct { cnma: true } => {
                ctx.client.run(AtCommand::set("AT+CNMA")).await?;
                Ok(())
            }
            Held::Direct { cnma: false } => Ok(()),
        }
    }

    /// An acknowledgement while the port is down: the deletion is owed.
    pub fn ack_offline(&mut self, token: AckToken) {
        if let Some(Held::Stored(s)) = self.held.remove(&token) {
            self.pending_deletes.push(s);
        }
    }

    /// The host could not store it: keep it where it is, a later sweep
    /// offers it again.
    pub fn nack(&mut self, token: AckToken) {
        self.held.remove(&token);
    }

    async fn delete(&mut self, ctx: &Ctx<'_>, s: &Slot) -> Result<(), CommandError> {
        self.select(ctx, &s.mem).await?;
        let r = ctx
            .client
            .run(AtCommand::set(format!("AT+CMGD={}", s.index)))
            .await?;
        if !r.result.is_ok() {
            tracing::debug!(modem = ctx.name, index = s.index, result = %r.result, "delete refused (already gone?)");
        }
        Ok(())
    }
}

fn inbound(d: pdu::SmsDeliver, line: Option<&PhoneNumber>, at: SystemTime) -> InboundSms {
    InboundSms {
        from: d.originator,
        to: line.map_or_else(
            || Address::Other(String::new()),
            |l| Address::International(l.clone()),
        ),
        body: d.body,
        concat: d.concat,
        received_at: at,
    }
}

/// A status report as the host wants it: the id matches the part's
/// `{mr}@{digits}` from its `+CMGS`.
pub fn report_event(r: &SmsStatusReport, ack: Option<AckToken>) -> Event {
    let state = r.state();
    let error = (r.status != 0).then(|| format!("TP-ST 0x{:02X}", r.status));
    Event::DeliveryReport {
        network_id: network_id(r.reference, &r.recipient),
        state,
        error,
        done_at: Some(r.discharge_time),
        recipient: Some(r.recipient.clone()),
        text_prefix: None,
        ack,
    }
}
